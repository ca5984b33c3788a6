# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab twin's logic (module_utils/twin/lab.py) without podman: plan reading, naming, and
whole runs against :class:`FakeHost`, a ``run`` callable that answers podman and ip as a host
with containers and network namespaces would. tests/lab/test_twin.py runs the real thing.
"""

from __future__ import annotations

import json
import shlex

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import TwinError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.twin import lab

NODE_IMAGE = 'localhost/refarch-lab-node:1'
SWITCH_IMAGE = 'localhost/refarch-lab-switch:1'
IMAGES = {'node': NODE_IMAGE, 'switch': SWITCH_IMAGE}


def _plan():
    """Two nodes, one leaf: node-1 has an interface MTU, node-2's cable has a link MTU."""
    return {
        'name': 'tl',
        'devices': {
            'tl-node-1': {'name': 'tl-node-1', 'role': 'gpu_node', 'interfaces': [{'name': 'rail0', 'mtu': 9000}]},
            'tl-node-2': {'name': 'tl-node-2', 'role': 'gpu_node', 'interfaces': [{'name': 'rail0'}]},
            'tl-leaf-1': {'name': 'tl-leaf-1', 'role': 'leaf', 'interfaces': []},
        },
        'links': [
            {'id': 'c1', 'a_device': 'tl-node-1', 'a_port': 'rail0', 'b_device': 'tl-leaf-1', 'b_port': 'swp1'},
            {'id': 'c2', 'a_device': 'tl-node-2', 'a_port': 'rail0', 'b_device': 'tl-leaf-1', 'b_port': 'swp2',
             'mtu': 1500},
        ],
    }


class FakeHost:
    """A host with podman containers, each with a network namespace; records every command.

    ``run(argv, data=None)`` understands what the twin runs: podman ps/inspect/run/rm/start/unpause,
    ``nsenter -t PID -n ip -j -d link show`` and ``ip -batch`` (link add/del/set) inside or outside
    a namespace.
    """

    def __init__(self):
        self.containers = {}   # name -> ps entry
        self.netns = {}        # pid -> {ifname: ip -j link entry}
        self.calls = []
        self.fail = {}         # first argument after the tool -> (rc, out, err)
        self.next_pid = 100
        self.next_ifindex = 2

    # -- state
    def add_container(self, name, lab_name, image, state='running', role='gpu_node'):
        pid = self._new_pid() if state in ('running', 'paused') else 0
        self.containers[name] = {'Names': [name], 'Image': image, 'ImageID': 'f00d' + name, 'State': state,
                                 'Labels': {lab.LAB_LABEL: lab_name, lab.ROLE_LABEL: role} if lab_name else {},
                                 'Pid': pid}
        return pid

    def add_veth(self, a_name, a_port, b_name, b_port, mtu=9000, up=True, a_index=None):
        pa, pb = self.containers[a_name]['Pid'], self.containers[b_name]['Pid']
        ia = a_index or self._new_ifindex()
        ib = self._new_ifindex()
        self.netns[pa][a_port] = self._veth(a_port, ia, ib, mtu, up)
        self.netns[pb][b_port] = self._veth(b_port, ib, ia, mtu, up)

    def _new_pid(self):
        self.next_pid += 1
        self.netns[self.next_pid] = {'lo': {'ifname': 'lo', 'ifindex': 1, 'mtu': 65536, 'flags': ['LOOPBACK', 'UP']}}
        return self.next_pid

    def _new_ifindex(self):
        self.next_ifindex += 1
        return self.next_ifindex

    @staticmethod
    def _veth(name, index, peer, mtu, up):
        return {'ifname': name, 'ifindex': index, 'link_index': peer, 'mtu': mtu,
                'flags': ['BROADCAST', 'UP'] if up else ['BROADCAST'], 'linkinfo': {'info_kind': 'veth'}}

    def ports(self, name):
        return sorted(p for p in self.netns[self.containers[name]['Pid']] if p != 'lo')

    def changing_calls(self):
        """Calls other than the read-only ps, inspect and link show."""
        return [c for c in self.calls if not (c[1] in ('ps', 'inspect') or c[-3:] == ['-d', 'link', 'show'])]

    # -- the run callable
    def __call__(self, argv, data=None):
        argv = list(argv)
        self.calls.append(argv)
        tool = argv[0]
        if argv[1] in self.fail:
            return self.fail[argv[1]]
        if tool == 'podman':
            return getattr(self, '_podman_' + argv[1])(argv[2:])
        if tool == 'nsenter':
            pid = int(argv[2])
            if argv[5:] == ['-j', '-d', 'link', 'show']:
                return 0, json.dumps(list(self.netns[pid].values())), ''
            return self._ip_batch(data, pid, force='-force' in argv)
        if tool == 'ip' and argv[1:] == ['-batch', '-']:
            return self._ip_batch(data, None)
        raise AssertionError('unexpected command %r' % argv)

    def _podman_ps(self, args):
        assert args == ['-a', '--format', 'json']
        return 0, json.dumps([dict((k, v) for k, v in e.items() if k != 'Pid') for e in self.containers.values()]), ''

    def _podman_inspect(self, args):
        assert args[:4] == ['--type', 'container', '--format', 'json']
        out = [{'Name': n, 'State': {'Pid': self.containers[n]['Pid'], 'Status': self.containers[n]['State']}}
               for n in args[4:]]
        return 0, json.dumps(out), ''

    def _podman_run(self, args):
        name = args[args.index('--name') + 1]
        labels = dict(args[i + 1].split('=', 1) for i, a in enumerate(args) if a == '--label')
        self.containers[name] = {'Names': [name], 'Image': args[-2], 'ImageID': 'beef' + name, 'State': 'running',
                                 'Labels': labels, 'Pid': self._new_pid()}
        return 0, 'id-%s\n' % name, ''

    def _podman_rm(self, args):
        for name in args[3:]:
            entry = self.containers.pop(name)
            self.netns.pop(entry['Pid'], None)
        return 0, '', ''

    def _podman_start(self, args):
        for name in args:
            self.containers[name].update(State='running', Pid=self._new_pid())
        return 0, '', ''

    def _podman_unpause(self, args):
        for name in args:
            self.containers[name]['State'] = 'running'
        return 0, '', ''

    def _ip_batch(self, data, pid, force=False):
        for line in data.splitlines():
            words = shlex.split(line)
            if words[:2] == ['link', 'add']:
                # link add A index I mtu M netns P type veth peer name B index J mtu N netns Q
                a, ia, ma, pa = words[2], int(words[4]), int(words[6]), int(words[8])
                b, ib, mb, pb = words[13], int(words[15]), int(words[17]), int(words[19])
                self.netns[pa][a] = self._veth(a, ia, ib, ma, False)
                self.netns[pb][b] = self._veth(b, ib, ia, mb, False)
            elif words[:3] == ['link', 'del', 'dev']:
                itf = self.netns[pid].pop(words[3], None)
                if itf is None and not force:
                    return 1, '', 'Cannot find device "%s"' % words[3]
                for ns in self.netns.values():   # the peer goes with it
                    for name, other in list(ns.items()):
                        if itf and other.get('link_index') == itf['ifindex'] and itf['link_index'] == other['ifindex']:
                            del ns[name]
            elif words[:3] == ['link', 'set', 'dev'] and words[4] == 'mtu':
                self.netns[pid][words[3]]['mtu'] = int(words[5])
            elif words[:3] == ['link', 'set', 'dev'] and words[4] == 'up':
                self.netns[pid][words[3]]['flags'].append('UP')
            else:
                raise AssertionError('unexpected ip batch line %r' % line)
        return 0, '', ''


def _twin(host, **kwargs):
    return lab.LabTwin(host, **kwargs)


# ------------------------------------------------------------------ pure functions
@pytest.mark.parametrize('name, ok', [
    ('swp1', True), ('eth0.100', True), ('a' * 15, True), ('a' * 16, False), ('', False),
    ('.', False), ('..', False), ('Ethernet1/1', False), ('eth:0', False), ('eth 0', False), (None, False), (1, False),
])
def test_valid_ifname_follows_linux_dev_valid_name(name, ok):
    assert lab.valid_ifname(name) is ok


def test_same_image_accepts_short_names_and_ids():
    entry = {'Image': 'localhost/refarch-lab-node:1', 'ImageID': '06b3395a0c45aa'}
    assert lab.same_image(entry, 'refarch-lab-node:1')
    assert lab.same_image(entry, 'localhost/refarch-lab-node:1')
    assert lab.same_image(entry, '06b3395a0c45')
    assert not lab.same_image(entry, 'localhost/refarch-lab-node:2')


def test_kind_by_role_covers_the_collection_roles():
    assert lab.KIND_BY_ROLE == {'gpu_node': 'node', 'appliance': 'node', 'leaf': 'switch', 'spine': 'switch', 'core': 'switch'}


def test_desired_takes_mtus_from_interface_link_then_kind():
    devices, links = lab.desired(_plan(), IMAGES)
    assert devices['tl-leaf-1']['image'] == SWITCH_IMAGE and devices['tl-leaf-1']['kind'] == 'switch'
    assert devices['tl-node-1']['image'] == NODE_IMAGE and devices['tl-node-1']['mtus'] == {'rail0': 9000}
    assert links == [
        dict(a_device='tl-node-1', a_port='rail0', a_mtu=9000, b_device='tl-leaf-1', b_port='swp1', b_mtu=9216),
        dict(a_device='tl-node-2', a_port='rail0', a_mtu=1500, b_device='tl-leaf-1', b_port='swp2', b_mtu=1500),
    ]
    assert [lab.link_key(link) for link in links] == ['tl-node-1:rail0<->tl-leaf-1:swp1', 'tl-node-2:rail0<->tl-leaf-1:swp2']


def test_desired_image_by_role_overrides_kind_and_serves_unknown_roles():
    plan = _plan()
    plan['devices']['tl-fw-1'] = {'name': 'tl-fw-1', 'role': 'firewall'}
    devices, _links = lab.desired(plan, dict(IMAGES, leaf='leaf:2', firewall='fw:1'))
    assert devices['tl-leaf-1']['image'] == 'leaf:2'
    assert devices['tl-fw-1']['image'] == 'fw:1' and devices['tl-fw-1']['kind'] == 'node'


def test_desired_leaves_rack_pdus_and_their_management_cables_out():
    plan = _plan()
    plan['devices']['tl-r1-pdu-1'] = {'name': 'tl-r1-pdu-1', 'role': 'pdu',
                                      'interfaces': [{'name': 'mgmt', 'mtu': 9000}]}
    plan['links'].append({'id': 'oob-1', 'a_device': 'tl-r1-pdu-1', 'a_port': 'mgmt',
                          'b_device': 'tl-leaf-1', 'b_port': 'swp9'})
    devices, links = lab.desired(plan, IMAGES)
    assert 'tl-r1-pdu-1' not in devices
    assert [lab.link_key(link) for link in links] == ['tl-node-1:rail0<->tl-leaf-1:swp1', 'tl-node-2:rail0<->tl-leaf-1:swp2']


def test_desired_reports_every_problem_at_once():
    plan = _plan()
    plan['devices']['bad name'] = {'name': 'bad name', 'role': 'toaster'}
    plan['links'] += [
        {'id': 'c3', 'a_device': 'tl-node-1', 'a_port': 'rail0', 'b_device': 'tl-leaf-1', 'b_port': 'Ethernet1/1'},
        {'id': 'c4', 'a_device': 'tl-node-9', 'a_port': 'rail1', 'b_device': 'tl-leaf-1', 'b_port': 'swp4', 'mtu': 'big'},
    ]
    with pytest.raises(TwinError) as caught:
        lab.desired(plan, IMAGES)
    problems = caught.value.problems
    assert problems == [
        'devices.bad name: not a valid container name',
        "devices.bad name: role 'toaster' has no image kind (roles: appliance, core, gpu_node, leaf, spine)",
        'links[2] (c3): port tl-node-1:rail0 is already cabled by links[0] (c1)',
        "links[2] (c3): b_port 'Ethernet1/1' of tl-leaf-1 is not a valid Linux interface name "
        '(1-15 characters, no "/", ":" or blanks)',
        "links[3] (c4): a_device 'tl-node-9' is not a device of the plan",
        "links[3] (c4): MTU 'big' of tl-leaf-1:swp4 is not a number",
    ]
    assert str(caught.value) == 'the plan cannot be rehearsed: ' + '; '.join(problems)
    assert caught.value.details == {'problems': problems}


def test_desired_needs_devices():
    with pytest.raises(TwinError, match='plan has no devices'):
        lab.desired({'name': 'x'}, IMAGES)


def test_load_plan_and_lab_name(tmp_path):
    path = tmp_path / 'plan.json'
    path.write_text(json.dumps(_plan()))
    plan = lab.load_plan(str(path))
    assert lab.lab_name(None, plan) == 'tl'
    assert lab.lab_name('other', plan) == 'other'
    assert lab.lab_name('other', None) == 'other'
    with pytest.raises(TwinError, match='the plan has no name; give the option name'):
        lab.lab_name(None, {'devices': {}})
    with pytest.raises(TwinError, match='cannot read plan_file'):
        lab.load_plan(str(tmp_path / 'missing.json'))
    path.write_text('{not json')
    with pytest.raises(TwinError, match='is not JSON'):
        lab.load_plan(str(path))
    path.write_text('[]')
    with pytest.raises(TwinError, match='the plan must be a JSON object'):
        lab.load_plan(str(path))


def test_parse_interfaces_and_is_cabled():
    host = FakeHost()
    host.add_container('a', 'tl', NODE_IMAGE)
    host.add_container('b', 'tl', NODE_IMAGE)
    host.add_veth('a', 'rail0', 'b', 'swp1', mtu=1500, up=False, a_index=1000)
    a = lab.parse_interfaces(json.dumps(list(host.netns[host.containers['a']['Pid']].values())))
    b = lab.parse_interfaces(json.dumps(list(host.netns[host.containers['b']['Pid']].values())))
    assert a['lo'] == dict(ifindex=1, peer=None, veth=False, mtu=65536, up=True)
    assert a['rail0'] == dict(ifindex=1000, peer=b['swp1']['ifindex'], veth=True, mtu=1500, up=False)
    assert lab.is_cabled(a['rail0'], b['swp1'])
    assert not lab.is_cabled(a['rail0'], a['lo'])
    assert not lab.is_cabled(a['rail0'], None)
    assert lab.parse_interfaces('') == {}


def test_veth_batch_numbers_ends_in_pairs():
    _devices, links = lab.desired(_plan(), IMAGES)
    pids = {'tl-node-1': 11, 'tl-node-2': 12, 'tl-leaf-1': 13}
    assert lab.veth_batch(links, pids, 1000) == [
        'link add rail0 index 1000 mtu 9000 netns 11 type veth peer name swp1 index 1001 mtu 9216 netns 13\n',
        'link add rail0 index 1002 mtu 1500 netns 12 type veth peer name swp2 index 1003 mtu 1500 netns 13\n',
    ]


def test_describe_and_cable_line():
    _devices, links = lab.desired(_plan(), IMAGES)
    assert lab.cable_line(links[0]) == 'tl-node-1:rail0<->tl-leaf-1:swp1 (9000 up, 9216 up)'
    a = dict(mtu=1500, up=False)
    b = dict(mtu=9216, up=True)
    assert lab.cable_line(links[0], a, b) == 'tl-node-1:rail0<->tl-leaf-1:swp1 (1500 down, 9216 up)'
    assert lab.describe(['b', 'a'], ['x'], ['a:eth9']) == 'container a\ncontainer b\ncable x\nveth a:eth9\n'
    assert lab.describe([], []) == ''


# ------------------------------------------------------------ runs against FakeHost
def test_present_on_an_empty_host_creates_containers_and_cables():
    host = FakeHost()
    host.add_container('other', None, 'busybox')
    result = _twin(host).present('tl', _plan(), images=IMAGES, podman_args=['--memory', '1g'])
    assert result['changed'] is True
    assert result['lab'] == 'tl'
    assert result['containers'] == result['containers_created'] == ['tl-leaf-1', 'tl-node-1', 'tl-node-2']
    assert result['links_created'] == ['tl-node-1:rail0<->tl-leaf-1:swp1', 'tl-node-2:rail0<->tl-leaf-1:swp2']
    assert result['containers_started'] == result['containers_removed'] == result['links_removed'] == []
    assert 'diff' not in result
    run = [c for c in host.calls if c[1] == 'run']
    assert run[0] == ['podman', 'run', '--detach', '--name', 'tl-leaf-1', '--hostname', 'tl-leaf-1',
                      '--label', 'refarch.lab=tl', '--label', 'refarch.lab.role=leaf', '--runtime', 'runc',
                      '--systemd', 'always', '--network', 'none', '--cap-add', 'NET_ADMIN,NET_RAW,SYS_ADMIN',
                      '--security-opt', 'unmask=/proc/sys', '--memory', '1g', SWITCH_IMAGE, '/lib/systemd/systemd']
    # The cables are in place: peers, MTUs, up, indexes from 1000.
    n1 = host.netns[host.containers['tl-node-1']['Pid']]
    leaf = host.netns[host.containers['tl-leaf-1']['Pid']]
    assert host.ports('tl-leaf-1') == ['swp1', 'swp2']
    assert (n1['rail0']['ifindex'], leaf['swp1']['ifindex']) == (1000, 1001)
    assert n1['rail0']['link_index'] == 1001 and leaf['swp1']['link_index'] == 1000
    assert (n1['rail0']['mtu'], leaf['swp1']['mtu'], leaf['swp2']['mtu']) == (9000, 9216, 1500)
    assert all('UP' in itf['flags'] for ns in host.netns.values() for itf in ns.values())


def test_a_gpu_node_gets_a_stand_in_device_file_per_gpu_of_its_model():
    """Slurm's gres.conf File= must exist for slurmd to offer the GPUs: /dev/null bound as /dev/nvidiaN."""
    plan = _plan()
    plan['devices']['tl-node-1']['model'] = 'tiny'
    plan['catalog'] = {'servers': {'tiny': {'gpus': {'model': 'lab-gpu', 'count': 2}}}}
    host = FakeHost()
    _twin(host).present('tl', plan, images=IMAGES)
    runs = {c[c.index('--name') + 1]: c for c in host.calls if c[1] == 'run'}
    assert [a for a in runs['tl-node-1'] if a.startswith('--device')] == [
        '--device=/dev/null:/dev/nvidia0', '--device=/dev/null:/dev/nvidia1']
    assert not [a for name in ('tl-node-2', 'tl-leaf-1') for a in runs[name] if a.startswith('--device')]


def test_present_twice_changes_nothing_and_runs_only_reads():
    host = FakeHost()
    _twin(host).present('tl', _plan(), images=IMAGES)
    host.calls = []
    result = _twin(host, diff=True).present('tl', _plan(), images=IMAGES)
    assert result['changed'] is False
    assert host.changing_calls() == []
    assert result['containers_created'] == result['links_created'] == result['links_updated'] == []
    assert result['diff']['before'] == result['diff']['after']


def test_check_mode_reports_and_changes_nothing():
    host = FakeHost()
    result = _twin(host, check_mode=True, diff=True).present('tl', _plan(), images=IMAGES)
    assert result['changed'] is True
    assert result['containers_created'] == ['tl-leaf-1', 'tl-node-1', 'tl-node-2']
    assert len(result['links_created']) == 2
    assert host.changing_calls() == [] and host.containers == {}
    assert result['diff'] == dict(before='', after=(
        'container tl-leaf-1\ncontainer tl-node-1\ncontainer tl-node-2\n'
        'cable tl-node-1:rail0<->tl-leaf-1:swp1 (9000 up, 9216 up)\n'
        'cable tl-node-2:rail0<->tl-leaf-1:swp2 (1500 up, 1500 up)\n'))


def test_present_repairs_mtu_recables_prunes_and_starts():
    host = FakeHost()
    _twin(host).present('tl', _plan(), images=IMAGES)
    n1, leaf = host.containers['tl-node-1']['Pid'], host.containers['tl-leaf-1']['Pid']
    host.netns[n1]['rail0']['mtu'] = 1500                     # wrong MTU on an intact cable
    host.netns[leaf]['swp9'] = FakeHost._veth('swp9', 1500, 1501, 9216, True)  # stray veth
    host.netns[n1]['swp9x'] = FakeHost._veth('swp9x', 1501, 1500, 9216, True)
    host.add_container('tl-old-1', 'tl', NODE_IMAGE)           # no longer in the plan
    host.containers['tl-node-2'].update(State='exited', Pid=0)  # stopped: lost its namespace
    host.calls = []
    result = _twin(host, diff=True).present('tl', _plan(), images=IMAGES)
    assert result['changed'] is True
    assert result['links_updated'] == ['tl-node-1:rail0']
    assert result['containers_removed'] == ['tl-old-1']
    assert result['containers_started'] == ['tl-node-2']
    assert result['links_removed'] == ['tl-leaf-1:swp2', 'tl-leaf-1:swp9', 'tl-node-1:swp9x']
    assert result['links_created'] == ['tl-node-2:rail0<->tl-leaf-1:swp2']
    assert 'veth tl-leaf-1:swp2' in result['diff']['before'] and 'container tl-old-1' in result['diff']['before']
    assert 'veth' not in result['diff']['after'] and 'tl-old-1' not in result['diff']['after']
    assert host.netns[n1]['rail0']['mtu'] == 9000
    assert 'tl-old-1' not in host.containers
    assert host.ports('tl-leaf-1') == ['swp1', 'swp2'] and host.ports('tl-node-1') == ['rail0']
    # New ends are numbered above every index seen in the lab.
    assert host.netns[host.containers['tl-node-2']['Pid']]['rail0']['ifindex'] == 1502
    assert ['podman', 'start', 'tl-node-2'] in host.calls


def test_prune_false_keeps_strays_and_old_containers():
    host = FakeHost()
    _twin(host).present('tl', _plan(), images=IMAGES)
    host.add_container('tl-old-1', 'tl', NODE_IMAGE)
    leaf = host.containers['tl-leaf-1']['Pid']
    host.netns[leaf]['swp9'] = FakeHost._veth('swp9', 1500, 1501, 9216, True)
    host.calls = []
    result = _twin(host, diff=True).present('tl', _plan(), images=IMAGES, prune=False)
    assert result['changed'] is False and host.changing_calls() == []
    assert 'veth tl-leaf-1:swp9' in result['diff']['after'] and 'container tl-old-1' in result['diff']['after']


def test_outdated_image_warns_or_recreates():
    host = FakeHost()
    _twin(host).present('tl', _plan(), images=IMAGES)
    newer = dict(IMAGES, switch='localhost/refarch-lab-switch:2')
    warnings = []
    result = _twin(host, warn=warnings.append).present('tl', _plan(), images=newer)
    assert result['changed'] is False and result['warnings_outdated'] == ['tl-leaf-1']
    assert warnings == ['container tl-leaf-1 runs %s, not localhost/refarch-lab-switch:2; '
                        'set recreate=true to replace it' % SWITCH_IMAGE]
    result = _twin(host).present('tl', _plan(), images=newer, recreate=True)
    assert result['containers_removed'] == result['containers_created'] == ['tl-leaf-1']
    assert result['links_created'] == ['tl-node-1:rail0<->tl-leaf-1:swp1', 'tl-node-2:rail0<->tl-leaf-1:swp2']
    assert host.containers['tl-leaf-1']['Image'] == 'localhost/refarch-lab-switch:2'


def test_present_refuses_foreign_containers_and_missing_images():
    host = FakeHost()
    host.add_container('tl-node-1', 'someone-else', NODE_IMAGE)
    with pytest.raises(TwinError, match=r"not of lab tl: tl-node-1 \(label refarch.lab='someone-else'\)"):
        _twin(host).present('tl', _plan(), images=IMAGES)
    with pytest.raises(TwinError, match=r'images has no image for the roles leaf \(switch\)'):
        _twin(FakeHost()).present('tl', _plan(), images={'node': NODE_IMAGE})


def test_failed_command_carries_command_and_partial_result():
    host = FakeHost()
    host.fail['run'] = (125, '', 'Error: image not known\n')
    with pytest.raises(TwinError) as caught:
        _twin(host).present('tl', _plan(), images=IMAGES)
    exc = caught.value
    assert str(exc) == 'podman run --detach failed (rc=125): Error: image not known'
    assert exc.details['cmd'][:2] == ['podman', 'run'] and exc.details['rc'] == 125
    assert exc.details['lab'] == 'tl' and exc.details['containers_created'] == ['tl-leaf-1', 'tl-node-1', 'tl-node-2']
    assert 'changed' not in exc.details


def test_absent_removes_only_the_lab_containers():
    host = FakeHost()
    _twin(host).present('tl', _plan(), images=IMAGES)
    host.add_container('other', 'other-lab', NODE_IMAGE)
    result = _twin(host, check_mode=True, diff=True).absent('tl')
    assert result['changed'] is True and result['containers_removed'] == ['tl-leaf-1', 'tl-node-1', 'tl-node-2']
    assert result['diff'] == dict(before='container tl-leaf-1\ncontainer tl-node-1\ncontainer tl-node-2\n', after='')
    assert len(host.containers) == 4
    host.calls = []
    _twin(host).absent('tl')
    assert host.calls[-1] == ['podman', 'rm', '--force', '--time', '0', 'tl-leaf-1', 'tl-node-1', 'tl-node-2']
    assert list(host.containers) == ['other']
    result = _twin(host).absent('tl')
    assert result['changed'] is False and result['containers_removed'] == []
