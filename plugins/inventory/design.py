# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: design
short_description: Every host of a planned AI cluster, from one design file
version_added: 0.1.0
author:
  - refarch AI cluster team (@refarch)
description:
  - Plans a C(refarch.ai_cluster) design file (the same planner that writes C(plan.json)) and adds
    every device of the plan as a host, that is GPU nodes, leaf, spine and core switches of every
    fabric, fabric appliances such as UFM and management servers, and rack PDUs.
  - Each host gets its own slice of the plan under one prefix, C(refarch_), so that playbooks and
    roles read addresses, ports, peers and BGP sessions instead of deriving them again.
    See C(docs/plan-format.md) of the collection for every field.
  - "Host variables: C(refarch_device) (the device record of the plan: role, model, platform,
    fabric, su, rail, rack, rack_unit, mgmt_address, loopback, asn, interfaces with their peers
    and addresses, bgp, host_subnets, ...); C(refarch_fabric) (the summary of the device's fabric:
    kind, tiers, rails, mtu, QoS profile, ...; switches and appliances only); and C(ansible_host),
    the management address without its prefix length. Use O(compose) to override C(ansible_host)
    or to add variables."
  - "Variables of the group C(all), shared by every host: C(refarch_plan_name);
    C(refarch_fabrics) (the summary of every fabric, by name); C(refarch_catalog) (the catalog
    entries of the server and switch models the plan uses, under C(servers) and C(switches));
    C(refarch_hosts) and C(refarch_validation) (the design's C(hosts) and C(validation) sections);
    C(refarch_scheduler) (the plan's scheduler record, null without a scheduler: controllers,
    node addresses, topology, partitions, accounts and modes; see docs/scheduler.md);
    C(refarch_design_file) (absolute path of the design, so that the plan play can write the plan
    artifacts). The roles read these, never the design file, so that what they configure is what
    was planned."
  - "Groups, always present: C(gpu_nodes), C(switches) (parent of C(leaf), C(spine) and C(core)),
    C(appliances), C(pdus), C(ethernet_switches), C(infiniband_switches), C(scheduler_controllers)
    (the head nodes that run the scheduler's controller, primary first; empty without a scheduler)."
  - "Groups, present when some host is in them: C(fabric_<fabric>) (switches and appliances of
    that fabric, for example C(fabric_compute)), C(su_<n>) (scalable unit), C(rack_<rack>),
    C(rail_<n>) (leaves of rail-optimized fabrics), C(nvlink_<domain>) (the compute trays and
    NVLink switch trays of one rack-scale system such as a GB200 NVL72, whose group variable
    C(refarch_nvlink_domain) holds the domain's C(name) and its trays as C(members), each with
    C(name) and the C(address) its IMEX service is reached at), and one group per platform named
    after it (C(linux) for GPU nodes and appliances; C(lab), C(sonic), C(cumulus), C(eos),
    C(mlnx_os) for switches; C(pdu) for PDUs and C(nvlink) for NVLink switch trays, which no play
    configures)."
  - Characters not valid in a group name (such as C(-)) become C(_).
  - A design that cannot be planned fails the inventory source with the planner's message, which
    lists every problem with the field to change.
  - Point C(-i) at the inventory file itself, not at its directory, since the directory also
    holds the design file, which is not an inventory.
options:
  plugin:
    description: Marks this file as a source for this plugin.
    required: true
    type: str
    choices: [refarch.ai_cluster.design]
  design:
    description:
      - Path of the design file. A relative path is relative to the directory of this inventory
        file. C(~) and environment variables are expanded.
      - "The design may name a built-in reference architecture, for example
        C({name: pod, reference: training-pod})."
    type: str
    default: design.yml
extends_documentation_fragment:
  - constructed
  - inventory_cache
notes:
  - With O(cache) enabled, the plan's hosts and variables are stored in the cache under a key for
    the design file, with a fingerprint of the design file (path, modification time and content
    hash), of the catalog files it reads (built-in and its own), of the references and schema, and
    of the planner's and this plugin's code. A cache entry whose fingerprint still matches is used
    without planning; any change to those files plans again, and so does
    C(ansible-inventory --flush-cache). O(compose), O(groups) and O(keyed_groups) are applied after
    the cache, so changing them needs no flush.
  - When none of O(compose), O(groups) and O(keyed_groups) is set, no host variable is templated,
    which keeps the plugin fast on clusters of thousands of hosts.
seealso:
  - name: Plan format
    description: Every field of C(refarch_device) and C(refarch_fabric).
    link: https://example.invalid/refarch/ai_cluster/docs/plan-format.md
"""

EXAMPLES = r"""
# inventories/lab/cluster.yml: the lab design next to this file
plugin: refarch.ai_cluster.design
design: design.yml

# A built-in reference, with the hosts' OOB names in DNS instead of their addresses,
# extra groups per tenant and per pod, and a cached plan.
# ---
# plugin: refarch.ai_cluster.design
# design: ../designs/training-pod.yml
# compose:
#   ansible_host: inventory_hostname ~ '.oob.example.com'
# keyed_groups:
#   - key: refarch_device.tenant
#     prefix: tenant
#   - key: refarch_device.pod
#     prefix: pod
# groups:
#   border_leaves: refarch_device.role == 'leaf' and refarch_device.su == 1
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/refarch-inventory

# Use it:
#   ansible-inventory -i inventories/lab/cluster.yml --graph
#   ansible-playbook -i inventories/lab/cluster.yml refarch.ai_cluster.site
"""

import hashlib
import json
import os
import re
import time
from collections.abc import Mapping

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.naming import group_name
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.gpu_host import nvlink_domains

try:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
    from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
    HAS_PLANNER = True
    PLANNER_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - PyYAML or the collection itself missing
    HAS_PLANNER = False
    PLANNER_IMPORT_ERROR = exc

# Format of what is stored in the inventory cache; bump when it changes.
CACHE_FORMAT = 3

ROLE_GROUPS = {"gpu_node": "gpu_nodes", "leaf": "leaf", "spine": "spine", "core": "core",
               "appliance": "appliances", "pdu": "pdus"}
# Groups created even when empty, so that plays can always name them.
FIXED_GROUPS = ("gpu_nodes", "switches", "leaf", "spine", "core", "appliances", "pdus",
                "ethernet_switches", "infiniband_switches", "scheduler_controllers")


def host_groups(device, fabric):
    """Names of the groups ``device`` (a plan device dict) belongs to directly.

    ``fabric`` is the summary dict of the device's fabric, or None.
    """
    role = device.get("role")
    groups = []
    if role in ROLE_GROUPS:
        groups.append(ROLE_GROUPS[role])
    if role in SWITCH_ROLES and fabric:
        groups.append("infiniband_switches" if fabric.get("kind") == "infiniband" else "ethernet_switches")
    if device.get("fabric"):
        groups.append(group_name("fabric", device["fabric"]))
    if device.get("su") is not None:
        groups.append(group_name("su", device["su"]))
    if device.get("rack"):
        groups.append(group_name("rack", device["rack"]))
    if device.get("rail") is not None:
        groups.append(group_name("rail", device["rail"]))
    if device.get("platform"):
        groups.append(group_name(device["platform"]))
    if device.get("nvlink_domain"):
        groups.append(group_name("nvlink", device["nvlink_domain"]))
    return groups


_GROUP_KINDS = ("fabric_", "su_", "rail_", "rack_", "nvlink_")


def _group_order(name):
    """Sort key: fabric, SU, rail and rack groups in that order, numbers by value, platforms last."""
    kind = next((i for i, prefix in enumerate(_GROUP_KINDS) if name.startswith(prefix)), len(_GROUP_KINDS))
    return (kind, [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)])


def management_host(device):
    """The management address of a device without its prefix length, or None."""
    address = device.get("mgmt_address")
    return address.split("/", 1)[0] if address else None


def _file_stamp(path):
    try:
        stat = os.stat(path)
    except OSError:
        return "%s:missing" % path
    return "%s:%d:%d" % (path, stat.st_mtime_ns, stat.st_size)


def _listing(directory, suffixes):
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(os.path.join(directory, n) for n in names if n.endswith(suffixes))


def design_fingerprint(design_file):
    """Hash of everything a plan of ``design_file`` depends on, without planning it.

    The design's path, modification time and content; the modification times of the built-in
    catalog, references and schema; the design's own catalog files; and the code of the planner
    (``plugin_utils/planner``, the shared ``module_utils``) and of this plugin: editing a renderer or a
    check does not throw away cached plans.
    """
    digest = hashlib.sha256()
    digest.update(("format:%d\n" % CACHE_FORMAT).encode())
    digest.update(("design:%s\n" % _file_stamp(design_file)).encode())
    try:
        with open(design_file, "rb") as handle:
            content = handle.read()
    except OSError:
        content = b""
    digest.update(hashlib.sha256(content).hexdigest().encode())
    extra = []
    try:
        raw = datafiles.load_yaml(design_file)
        extra = [os.path.join(os.path.dirname(design_file), f) for f in (raw or {}).get("catalog") or []
                 if isinstance(f, str)]
    except (DesignError, AttributeError, TypeError):
        pass  # planning reports a bad design; the fingerprint only needs to be stable
    planner = os.path.dirname(os.path.abspath(datafiles.__file__))
    module_utils = os.path.join(datafiles.COLLECTION_ROOT, "plugins", "module_utils")
    files = (_listing(datafiles.CATALOG_DIR, (".yml", ".json")) + extra
             + _listing(datafiles.REFERENCES_DIR, (".yml",)) + _listing(datafiles.SCHEMAS_DIR, (".json",))
             + _listing(planner, (".py",)) + _listing(module_utils, (".py",)) + [os.path.abspath(__file__)])
    for path in files:
        digest.update(("%s\n" % _file_stamp(path)).encode())
    return digest.hexdigest()


def plan_inventory(design_file):
    """Plan ``design_file`` and return what the inventory needs, as plain data (cacheable).

    Raises DesignError when the design cannot be planned.
    """
    plan = plan_design(design_file)
    return {
        "format": CACHE_FORMAT,
        "plan_name": plan.name,
        "design_file": design_file,
        "fabrics": {name: dict(summary) for name, summary in plan.fabrics.items()},
        "catalog": plan.catalog,
        "hosts": dict(plan.design.hosts),
        "validation": dict(plan.design.validation),
        "scheduler": plan.scheduler,
        "devices": [device.as_dict() for device in plan.devices.values()],
    }


def _cache_entry(data, fingerprint):
    """What goes into the inventory cache: the plan's inventory data as one JSON text.

    Cache plugins decode JSON with a per-object hook (ansible-core 2.19), which takes longer for a
    large plan than planning it again; one string is decoded by the C decoder instead.
    """
    return {"format": CACHE_FORMAT, "fingerprint": fingerprint,
            "data": json.dumps(data, separators=(",", ":"))}


def _from_cache_entry(entry, fingerprint):
    """The inventory data of a cache entry, or None when it is stale or not ours."""
    if not isinstance(entry, Mapping) or entry.get("format") != CACHE_FORMAT:
        return None
    if entry.get("fingerprint") != fingerprint or not isinstance(entry.get("data"), str):
        return None
    try:
        return json.loads(entry["data"])
    except ValueError:
        return None


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Hosts, groups and per-host plan data of a refarch.ai_cluster design."""

    NAME = "refarch.ai_cluster.design"

    def verify_file(self, path):
        """Any readable YAML file; its ``plugin:`` key decides (checked by _read_config_data)."""
        return super(InventoryModule, self).verify_file(path) and path.endswith((".yml", ".yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        if not HAS_PLANNER:
            raise AnsibleParserError("refarch.ai_cluster.design cannot load the planner: %s" % PLANNER_IMPORT_ERROR)
        self._read_config_data(path)
        design_file = self._design_file(path)

        use_cache = self.get_option("cache")
        read_cache = use_cache and cache
        update_cache = use_cache and not cache
        cache_key = self.get_cache_key(design_file)
        fingerprint = design_fingerprint(design_file) if use_cache else None

        data = None
        if read_cache:
            try:
                data = _from_cache_entry(self._cache[cache_key], fingerprint)
            except KeyError:
                data = None
            update_cache = data is None
        if data is None:
            started = time.monotonic()
            try:
                data = plan_inventory(design_file)
            except DesignError as exc:
                raise AnsibleParserError(str(exc)) from None
            self.display.vvv("refarch.ai_cluster.design: planned %s (%d hosts) in %.2f s" % (
                design_file, len(data["devices"]), time.monotonic() - started))
        else:
            self.display.vvv("refarch.ai_cluster.design: cached plan of %s (%d hosts), not planned" % (
                design_file, len(data["devices"])))
        if update_cache:
            self._cache[cache_key] = _cache_entry(data, fingerprint)
        self._populate(data)

    def _design_file(self, path):
        design = os.path.expandvars(os.path.expanduser(str(self.get_option("design"))))
        if not os.path.isabs(design):
            design = os.path.join(os.path.dirname(os.path.abspath(path)), design)
        design = os.path.normpath(design)
        if not os.path.isfile(design):
            raise AnsibleParserError("design: file %s (from %s) does not exist" % (design, path))
        return design

    def _populate(self, data):
        inventory = self.inventory
        fabrics = data["fabrics"]

        memberships = []
        dynamic = set()
        for device in data["devices"]:
            fabric = fabrics.get(device["fabric"]) if device.get("fabric") else None
            groups = host_groups(device, fabric)
            dynamic.update(groups)
            memberships.append((device, fabric, groups))
        # Groups in a stable, readable order: the fixed ones, then each kind in natural order.
        for name in FIXED_GROUPS:
            inventory.add_group(name)
        for role in SWITCH_ROLES:
            inventory.add_child("switches", role)
        for name in sorted(dynamic.difference(FIXED_GROUPS), key=_group_order):
            inventory.add_group(name)
        # What every host shares, once, on the group all (see DOCUMENTATION): the roles read these
        # instead of the design file, so nothing after planning reads the design again.
        for key, value in (("refarch_plan_name", data["plan_name"]), ("refarch_design_file", data["design_file"]),
                           ("refarch_fabrics", fabrics), ("refarch_catalog", data["catalog"]),
                           ("refarch_hosts", data["hosts"]), ("refarch_validation", data["validation"]),
                           ("refarch_scheduler", data["scheduler"])):
            inventory.set_variable("all", key, value)
        for domain, value in nvlink_domains(data["devices"]).items():
            inventory.set_variable(group_name("nvlink", domain), "refarch_nvlink_domain", value)

        # Variables go straight to each Host. The inventory wrapper of ansible-core 2.19 would copy
        # and origin-tag every value of every interface (about a minute for 100,000 interfaces);
        # the plan is data, never templates, so it needs neither trust nor the copy.
        hosts = []
        for device, fabric, groups in memberships:
            host = device["name"]
            inventory.add_host(host)
            for group in groups:
                inventory.add_child(group, host)
            entry = inventory.get_host(host)
            address = management_host(device)
            if address:
                entry.set_variable("ansible_host", address)
            entry.set_variable("refarch_device", device)
            if fabric is not None:
                entry.set_variable("refarch_fabric", dict(fabric))
            hosts.append(host)
        for host in (data["scheduler"] or {}).get("controllers", []):
            inventory.add_child("scheduler_controllers", host)

        compose = self.get_option("compose")
        groups = self.get_option("groups")
        keyed_groups = self.get_option("keyed_groups")
        if not (compose or groups or keyed_groups):
            return  # nothing to template: skip the per-host templating entirely
        strict = self.get_option("strict")
        for host in hosts:
            host_vars = inventory.get_host(host).get_vars()
            self._set_composite_vars(compose, host_vars, host, strict=strict)
            self._add_host_to_composed_groups(groups, host_vars, host, strict=strict)
            self._add_host_to_keyed_groups(keyed_groups, host_vars, host, strict=strict)
