# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read-back rule (plugin_utils/validate/readback.py): every piece of state a role writes is checked.

The roles' task files are parsed here, independently of the registry: every task that writes on a
device (a template, copy, file, service, package, repository, reboot, or a command that reports a
change) must have an entry in ``READBACK`` naming a check that validation runs, or in
``NOT_DEVICE_STATE`` with the reason; an entry whose task no longer exists fails too, so the
registry cannot drift from the roles. The defaults validation derives host state from are the
roles' own (read from their defaults files), and the file path it reads the memlock limits from is
the one the role writes.
"""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate import ib_checks
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.compare import CHECKS
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.host_state import (
    MEMLOCK_FILE, ROLE_VARIABLES, expected_network, parse_key_values, parse_limits, parse_mlnx_qos, role_defaults)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.readback import (
    CONFIGURING_ROLES, NOT_DEVICE_STATE, READBACK, switch_readback)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# Modules that only read, decide or talk to the controller: not state written on a device.
READ_ONLY = {
    "ansible.builtin.debug", "ansible.builtin.set_fact", "ansible.builtin.assert", "ansible.builtin.include_tasks",
    "ansible.builtin.import_tasks", "ansible.builtin.meta", "ansible.builtin.setup", "ansible.builtin.stat",
    "ansible.builtin.slurp", "ansible.builtin.find", "ansible.builtin.fail", "ansible.builtin.wait_for",
    "ansible.builtin.fetch", "ansible.builtin.uri", "ansible.builtin.package_facts", "ansible.builtin.include_role",
}


def _tasks(items):
    for task in items or []:
        if not isinstance(task, dict):
            continue
        for key in ("block", "rescue", "always"):
            if key in task:
                yield from _tasks(task[key])
        yield task


def _reads_only(module, task):
    """A command whose task says it changes nothing (changed_when: false) only reads."""
    if module in READ_ONLY:
        return True
    if module in ("ansible.builtin.command", "ansible.builtin.shell"):
        return str(task.get("changed_when", "")).strip().lower() == "false"
    return False


def writing_tasks():
    """{(role, task name): file} of every task of the configuring roles that writes on a device."""
    found = {}
    for role in CONFIGURING_ROLES:
        for sub in ("tasks", "handlers"):
            folder = os.path.join(ROOT, "roles", role, sub)
            for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
                if not name.endswith(".yml"):
                    continue
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    data = yaml.safe_load(handle)
                for task in _tasks(data):
                    modules = [k for k in task if "." in k and k.split(".")[0] in ("ansible", "refarch", "community")]
                    if not modules or all(_reads_only(m, task) for m in modules):
                        continue
                    found[(role, task.get("name"))] = "%s/%s" % (sub, name)
    return found


CHECK_NAMES = {f.__name__ for f in CHECKS} | {n for n in dir(ib_checks) if n.startswith("check_")}


def test_every_task_that_writes_on_a_device_has_a_read_back_check():
    tasks = writing_tasks()
    assert len(tasks) > 50, "the parser found too few tasks: %d" % len(tasks)
    missing = sorted("%s %s: %s" % (role, tasks[(role, name)], name) for role, name in tasks
                     if (role, name) not in READBACK and (role, name) not in NOT_DEVICE_STATE)
    assert not missing, ("tasks that write state validation never reads back - add a check and an entry "
                         "to plugins/plugin_utils/validate/readback.py READBACK:\n  " + "\n  ".join(missing))


def test_the_registry_names_existing_tasks_and_existing_checks():
    tasks = writing_tasks()
    stale = sorted("%s: %s" % k for k in list(READBACK) + list(NOT_DEVICE_STATE) if k not in tasks)
    assert not stale, "registry entries of tasks that no longer exist (or no longer write):\n  " + "\n  ".join(stale)
    unknown = sorted("%s: %s -> %s" % (k[0], k[1], v[0]) for k, v in READBACK.items() if v[0] not in CHECK_NAMES)
    assert not unknown, "entries naming a check validation does not have:\n  " + "\n  ".join(unknown)
    assert not set(READBACK) & set(NOT_DEVICE_STATE)
    assert all(reason.strip() for reason in NOT_DEVICE_STATE.values())


def test_host_state_is_derived_with_the_roles_own_defaults():
    net = role_defaults("host_network")
    assert net["host_network_table_base"] == 100 and net["host_network_sysctls"]["rp_filter"] == 2
    assert "host_network_device" not in net, "templated defaults are the inventory's, not validation's"
    assert set(ROLE_VARIABLES) <= set(net) | set(role_defaults("gpu_host"))
    with open(os.path.join(ROOT, "roles", "gpu_host", "tasks", "main.yml"), encoding="utf-8") as handle:
        assert "dest: %s" % MEMLOCK_FILE in handle.read()


def test_host_state_follows_the_inventory_values():
    device = {"name": "n1", "role": "gpu_node", "interfaces": [
        {"name": "rail0", "role": "compute", "fabric": "compute", "rail": 0, "address": "198.18.64.2/29",
         "gateway": "198.18.64.1", "mtu": 9000}]}
    fabrics = {"compute": {"kind": "roce"}}
    plain = expected_network(device, fabrics)
    assert [(n["table"], n["priority"]) for n in plain["nics"]] == [(101, 1001)]
    assert plain["sysctls"]["net.ipv4.conf.rail0.rp_filter"] == "2" and plain["nccl_conf"] == "/etc/nccl.conf"
    changed = expected_network(device, fabrics, {"host_network_table_base": 200, "host_network_sysctls": {"rp_filter": 1},
                                                 "host_network_nccl_conf": "/opt/nccl.conf", "unrelated": 1})
    assert [(n["table"], n["priority"]) for n in changed["nics"]] == [(201, 1001)]
    assert changed["sysctls"]["net.ipv4.conf.rail0.rp_filter"] == "1" and changed["nccl_conf"] == "/opt/nccl.conf"
    assert expected_network(device, fabrics, rdma={"rail0": "mlx5_0"})["nccl"]["NCCL_IB_HCA"] == "=mlx5_0:1"


def test_switch_read_back_comes_from_the_platform_registry():
    lab = switch_readback("lab")
    assert lab["sysctls"] == ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.fib_multipath_hash_policy"]
    assert lab["services"] == ["frr.service", "lldpd.service"]
    assert switch_readback("sonic") == {} and switch_readback(None) == {}


@pytest.mark.parametrize("text,want", [
    ("# comment\nNCCL_IB_HCA==mlx5_0:1\n\nNCCL_IB_GID_INDEX = 3\n", {"NCCL_IB_HCA": "=mlx5_0:1", "NCCL_IB_GID_INDEX": "3"}),
    ("", {}),
])
def test_parse_key_values(text, want):
    assert parse_key_values(text) == want


def test_parse_limits_and_mlnx_qos():
    assert parse_limits("# x\n*\tsoft\tmemlock\tunlimited\n*  hard memlock unlimited # note\nbad line\n") == [
        ("*", "soft", "memlock", "unlimited"), ("*", "hard", "memlock", "unlimited")]
    # The layout of `mlnx_qos -i` as MLNX_OFED's description of the tool shows it.
    shown = ("DCBX mode: OS controlled\nPriority trust state: dscp\ndscp2prio mapping:\n"
             "        prio:0 dscp:07,06,05,04,03,02,01,00,\nCable len: 7\nPFC configuration:\n"
             "        priority    0   1   2   3   4   5   6   7\n        enabled     0   0   0   1   0   0   0   0   \n")
    assert parse_mlnx_qos(shown) == {"trust": "dscp", "pfc": "0,0,0,1,0,0,0,0"}
    assert parse_mlnx_qos("") == {"trust": None, "pfc": None}
