#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: lab_twin
short_description: Rehearse a planned cluster as podman containers wired by veth pairs
version_added: "0.1.0"
description:
  - Builds the I(lab twin) of a plan written by the planner (C(plan.json)) on the lab host where the
    module runs, normally C(localhost).
  - The twin has one podman container per device of the plan, named and with the host name of the
    device, and one veth pair per cable of the plan, each end inside the network namespace of its
    device's container and named as the plan names that port.
  - Containers boot systemd (C(--systemd always)), have no network but their cables
    (C(--network none)) and carry the label C(refarch.lab=<plan name>), which is how the module
    finds them again.
  - With I(state=present) the module creates the missing containers, starts stopped ones, creates
    the missing cables, sets each cable end to its MTU and brings it up. Cables that exist with the
    right peer are left alone, so a second run changes nothing. A port whose veth goes to the wrong
    peer is re-cabled. With I(prune=true), containers of the lab that are no longer in the plan and
    veths inside the lab's containers that no cable of the plan names are removed.
  - With I(state=absent) every container labelled with the plan name is removed, also those no
    longer in the plan and those of a half-finished I(state=present). The veths go with the
    containers' network namespaces.
  - Needs root on the lab host, C(podman), C(ip) (iproute2) and C(nsenter) (util-linux).
author:
  - refarch.ai_cluster contributors (@refarch)
options:
  plan_file:
    description:
      - Path of the plan (C(plan.json)) on the lab host.
      - The module reads C(name), C(devices[*].name), C(devices[*].role),
        C(devices[*].interfaces[*].name) and C(devices[*].interfaces[*].mtu), and
        C(links[*].a_device), C(links[*].a_port), C(links[*].b_device), C(links[*].b_port) and
        the optional C(links[*].mtu).
      - Required with I(state=present). With I(state=absent) only the plan name is read from it,
        and O(name) may be given instead.
    type: path
  name:
    description:
      - Name of the lab, the value of the C(refarch.lab) label of its containers.
      - Defaults to the top-level C(name) of the plan.
    type: str
  state:
    description:
      - V(present) builds or repairs the twin, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  images:
    description:
      - Image of the containers, by image kind or by device role.
      - Key V(node) serves the roles C(gpu_node) and C(appliance), key V(switch) the roles
        C(leaf), C(spine) and C(core). A key named as a role (for example V(leaf)) overrides the
        kind for that role.
      - Needed with I(state=present) for every role whose containers have to be created.
      - The images that C(roles/lab_twin/files/build-image.sh) builds are
        C(localhost/refarch-lab-node:HASH) and C(localhost/refarch-lab-switch:HASH).
    type: dict
    default: {}
  runtime:
    description:
      - OCI runtime given to C(podman run --runtime). The default crun of some hosts cannot run
        these containers (cgroups in hybrid mode), runc can.
    type: str
    default: runc
  prune:
    description:
      - With I(state=present), remove the containers labelled with the lab name that the plan no
        longer has, and the veths inside the lab's containers that no cable of the plan names.
    type: bool
    default: true
  recreate:
    description:
      - With I(state=present), remove and create again a container of the lab that runs another
        image than O(images) gives for its role (for example after an image recipe changed).
      - When V(false), such a container is kept and a warning names it.
    type: bool
    default: false
  podman_args:
    description:
      - Extra arguments for C(podman run), placed before the image. Given only when a container is
        created; existing containers are not compared against them.
    type: list
    elements: str
    default: []
notes:
  - The containers run with the capabilities C(NET_ADMIN) and C(NET_RAW) added and with
    C(--security-opt unmask=/proc/sys), so that FRR, C(ip route add) and C(sysctl -w net.*)
    work inside. C(/proc/sys) is then writable in the container, including the host-wide
    C(kernel.*) and C(vm.*) settings; run the twin on a lab host only.
  - A stopped container loses its network namespace and so its veths; starting it again through
    this module re-creates its cables.
  - Each veth end gets an interface index unique across the lab (from 1000 up), so that the
    peer index of an end (C(ip -d link), C(/sys/class/net/PORT/iflink)) names the other end
    without ambiguity.
  - Port names must be valid Linux interface names (at most 15 characters, no C(/), C(:) or
    blanks); the module fails before changing anything otherwise.
attributes:
  check_mode:
    support: full
    description: Reports what would be created, started, re-cabled or removed, and changes nothing.
  diff_mode:
    support: full
    description: Shows the containers and cables of the lab before and after.
"""

EXAMPLES = r"""
- name: Bring the lab twin up
  refarch.ai_cluster.lab_twin:
    plan_file: /srv/refarch/build/plan/lab/plan.json
    images:
      node: localhost/refarch-lab-node:86529f37ea81
      switch: localhost/refarch-lab-switch:463b175c4467
  register: lab

- name: Show what was made
  ansible.builtin.debug:
    msg: "{{ lab.containers_created | length }} containers, {{ lab.links_created | length }} cables"

- name: Tear the lab twin down
  refarch.ai_cluster.lab_twin:
    plan_file: /srv/refarch/build/plan/lab/plan.json
    state: absent

- name: Tear down a lab whose plan is gone
  refarch.ai_cluster.lab_twin:
    name: lab
    state: absent
"""

RETURN = r"""
lab:
  description: Name of the lab, the value of the C(refarch.lab) label.
  returned: always
  type: str
  sample: lab
containers:
  description: Names of the containers of the lab after the run (what would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [lab-leaf-1, lab-node-1]
containers_created:
  description: Containers created (or that would be).
  returned: always
  type: list
  elements: str
  sample: [lab-node-1, lab-leaf-1]
containers_started:
  description: Stopped containers of the plan that were started (or would be).
  returned: always
  type: list
  elements: str
  sample: []
containers_removed:
  description: Containers removed (or that would be); with I(state=absent) every container of the lab.
  returned: always
  type: list
  elements: str
  sample: []
links_created:
  description: Cables created (or that would be), as C(A_DEVICE:A_PORT<->B_DEVICE:B_PORT).
  returned: always
  type: list
  elements: str
  sample: ["lab-node-1:rail0<->lab-leaf-1:swp1"]
links_updated:
  description: Cable ends whose MTU was set or that were brought up, as C(DEVICE:PORT).
  returned: always
  type: list
  elements: str
  sample: []
links_removed:
  description: Veth ends removed (or that would be) because no cable of the plan has them or they had the wrong peer, as C(DEVICE:PORT).
  returned: always
  type: list
  elements: str
  sample: []
warnings_outdated:
  description: Containers kept although they run another image than O(images) gives (O(recreate=false)).
  returned: always
  type: list
  elements: str
  sample: []
"""

import json
import re

from ansible.module_utils.basic import AnsibleModule

LAB_LABEL = 'refarch.lab'
ROLE_LABEL = 'refarch.lab.role'
KIND_BY_ROLE = {
    'gpu_node': 'node',
    'appliance': 'node',
    'leaf': 'switch',
    'spine': 'switch',
    'core': 'switch',
}
DEFAULT_MTU = {'node': 9000, 'switch': 9216}
FIRST_IFINDEX = 1000
CAPABILITIES = 'NET_ADMIN,NET_RAW,SYS_ADMIN'
CONTAINER_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
RUNNING = ('running',)


def valid_ifname(name):
    """Linux dev_valid_name(): 1..15 bytes, not . or .., no /, : or whitespace."""
    if not isinstance(name, str) or not 0 < len(name.encode('utf-8')) < 16:
        return False
    if name in ('.', '..'):
        return False
    return not any(c in '/:' or c.isspace() for c in name)


def same_image(entry, image):
    """Whether a podman ps entry runs image (a name with or without localhost/, or an ID)."""
    names = set([image, 'localhost/' + image])
    return entry.get('Image') in names or (entry.get('ImageID') or '').startswith(image)


def link_key(link):
    return '%s:%s<->%s:%s' % (link['a_device'], link['a_port'], link['b_device'], link['b_port'])


class LabTwin(object):

    def __init__(self, module):
        self.module = module
        self.podman = module.get_bin_path('podman', required=True)
        self.ip = module.get_bin_path('ip', required=True, opt_dirs=['/sbin', '/usr/sbin'])
        self.nsenter = module.get_bin_path('nsenter', required=True, opt_dirs=['/usr/bin', '/bin'])
        self.result = dict(
            changed=False,
            lab=None,
            containers=[],
            containers_created=[],
            containers_started=[],
            containers_removed=[],
            links_created=[],
            links_updated=[],
            links_removed=[],
            warnings_outdated=[],
        )

    # ----------------------------------------------------------------- helpers
    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def run(self, argv, data=None, check=True):
        rc, out, err = self.module.run_command(argv, data=data, binary_data=data is not None)
        if check and rc != 0:
            self.fail('%s failed (rc=%d): %s' % (' '.join(argv[:3]), rc, (err or out).strip()),
                      cmd=argv, rc=rc, stdout=out, stderr=err, **self.partial())
        return rc, out, err

    def partial(self):
        """What was done before a failure, so that the caller sees it."""
        return dict((k, v) for k, v in self.result.items() if k not in ('changed', 'msg'))

    def pm(self, *args, **kwargs):
        return self.run([self.podman] + list(args), **kwargs)

    # -------------------------------------------------------------------- plan
    def load_plan(self):
        path = self.module.params['plan_file']
        try:
            with open(path) as f:
                plan = json.load(f)
        except (IOError, OSError) as e:
            self.fail('cannot read plan_file %s: %s' % (path, e))
        except ValueError as e:
            self.fail('plan_file %s is not JSON: %s' % (path, e))
        if not isinstance(plan, dict):
            self.fail('plan_file %s: the plan must be a JSON object' % path)
        return plan

    def desired(self, plan):
        """Devices (name -> dict(role, kind, image, mtu by port)) and cables of the plan."""
        problems = []
        images = self.module.params['images'] or {}
        raw = plan.get('devices')
        if isinstance(raw, dict):
            raw = list(raw.values())
        if not isinstance(raw, list):
            self.fail('plan has no devices (a map of device name to device)')
        devices = {}
        for dev in raw:
            if not isinstance(dev, dict) or not isinstance(dev.get('name'), str):
                problems.append('device without a name: %r' % (dev,))
                continue
            name = dev['name']
            role = dev.get('role')
            if not CONTAINER_NAME.match(name):
                problems.append('devices.%s: not a valid container name' % name)
            kind = KIND_BY_ROLE.get(role)
            image = images.get(role) or (images.get(kind) if kind else None)
            if kind is None and not images.get(role):
                problems.append('devices.%s: role %r has no image kind (roles: %s)'
                                % (name, role, ', '.join(sorted(KIND_BY_ROLE))))
            mtus = {}
            for itf in dev.get('interfaces') or []:
                if isinstance(itf, dict) and itf.get('name') is not None:
                    mtus[itf['name']] = itf.get('mtu')
            devices[name] = dict(name=name, role=role, kind=kind or 'node', image=image, mtus=mtus)

        links = []
        used = {}
        for i, link in enumerate(plan.get('links') or []):
            ends = []
            for side in ('a', 'b'):
                dev = link.get(side + '_device') if isinstance(link, dict) else None
                port = link.get(side + '_port') if isinstance(link, dict) else None
                where = 'links[%d] (%s)' % (i, link.get('id', '') if isinstance(link, dict) else '')
                if dev not in devices:
                    problems.append('%s: %s_device %r is not a device of the plan' % (where, side, dev))
                    continue
                if not valid_ifname(port):
                    problems.append('%s: %s_port %r of %s is not a valid Linux interface name '
                                    '(1-15 characters, no "/", ":" or blanks)' % (where, side, port, dev))
                    continue
                if (dev, port) in used:
                    problems.append('%s: port %s:%s is already cabled by %s' % (where, dev, port, used[(dev, port)]))
                    continue
                used[(dev, port)] = where
                mtu = devices[dev]['mtus'].get(port) or link.get('mtu') or DEFAULT_MTU[devices[dev]['kind']]
                try:
                    mtu = int(mtu)
                except (TypeError, ValueError):
                    problems.append('%s: MTU %r of %s:%s is not a number' % (where, mtu, dev, port))
                    continue
                ends.append((dev, port, mtu))
            if len(ends) == 2:
                links.append(dict(a_device=ends[0][0], a_port=ends[0][1], a_mtu=ends[0][2],
                                  b_device=ends[1][0], b_port=ends[1][1], b_mtu=ends[1][2]))
        if problems:
            self.fail('the plan cannot be rehearsed: ' + '; '.join(problems), problems=problems)
        return devices, links

    # -------------------------------------------------------------- inspection
    def lab_containers(self, lab):
        """All containers (name -> ps entry); foreign ones are kept to detect name clashes."""
        out = self.pm('ps', '-a', '--format', 'json')[1]
        try:
            entries = json.loads(out or '[]') or []
        except ValueError:
            self.fail('cannot parse podman ps output', stdout=out)
        found = {}
        for entry in entries:
            for name in entry.get('Names') or []:
                found[name] = entry
        return found

    def pids(self, names):
        if not names:
            return {}
        out = self.pm('inspect', '--type', 'container', '--format', 'json', *names)[1]
        pids = {}
        for entry in json.loads(out or '[]'):
            name = entry.get('Name', '').lstrip('/')
            pid = (entry.get('State') or {}).get('Pid') or 0
            if not pid:
                self.fail('container %s has no process (state %s)'
                          % (name, (entry.get('State') or {}).get('Status')), **self.partial())
            pids[name] = pid
        return pids

    def interfaces(self, pid):
        """Interfaces of a container's netns: name -> dict(ifindex, peer, veth, mtu, up)."""
        out = self.run([self.nsenter, '-t', str(pid), '-n', self.ip, '-j', '-d', 'link', 'show'])[1]
        found = {}
        for itf in json.loads(out or '[]'):
            found[itf['ifname']] = dict(
                ifindex=itf.get('ifindex'),
                peer=itf.get('link_index'),
                veth=(itf.get('linkinfo') or {}).get('info_kind') == 'veth',
                mtu=itf.get('mtu'),
                up='UP' in (itf.get('flags') or []),
            )
        return found

    # -------------------------------------------------------------------- diff
    @staticmethod
    def describe(containers, cables, veths=()):
        """Text for diff mode: one line per container, cable (with MTUs) and stray veth."""
        lines = ['container %s' % c for c in sorted(containers)]
        lines += ['cable %s' % c for c in sorted(cables)]
        lines += ['veth %s' % v for v in sorted(veths)]
        return '\n'.join(lines) + ('\n' if lines else '')

    @staticmethod
    def cable_line(link, a=None, b=None):
        """A cable with the MTU and state of its ends (as planned when a and b are not given)."""
        def end(mtu, itf):
            if itf is None:
                return '%d up' % mtu
            return '%s %s' % (itf['mtu'], 'up' if itf['up'] else 'down')
        return '%s (%s, %s)' % (link_key(link), end(link['a_mtu'], a), end(link['b_mtu'], b))

    # ----------------------------------------------------------------- absent
    def absent(self, lab):
        existing = self.lab_containers(lab)
        names = sorted(n for n, e in existing.items() if (e.get('Labels') or {}).get(LAB_LABEL) == lab)
        self.result['containers_removed'] = names
        self.result['changed'] = bool(names)
        if self.module._diff:
            self.result['diff'] = dict(before=self.describe(names, []), after='')
        if names and not self.module.check_mode:
            self.pm('rm', '--force', '--time', '0', *names)
        return self.result

    # ---------------------------------------------------------------- present
    def present(self, lab, plan):
        p = self.module.params
        devices, links = self.desired(plan)
        existing = self.lab_containers(lab)

        clashes = []
        to_remove, to_create, to_start, to_unpause, keep = [], [], [], [], []
        for name, entry in sorted(existing.items()):
            labels = entry.get('Labels') or {}
            if labels.get(LAB_LABEL) == lab and name not in devices and p['prune']:
                to_remove.append(name)
        for name, dev in sorted(devices.items()):
            entry = existing.get(name)
            if entry is None:
                to_create.append(name)
                continue
            labels = entry.get('Labels') or {}
            if labels.get(LAB_LABEL) != lab:
                clashes.append('%s (label %s=%r)' % (name, LAB_LABEL, labels.get(LAB_LABEL)))
                continue
            if dev['image'] and not same_image(entry, dev['image']):
                if p['recreate']:
                    to_remove.append(name)
                    to_create.append(name)
                    continue
                self.result['warnings_outdated'].append(name)
                self.module.warn('container %s runs %s, not %s; set recreate=true to replace it'
                                 % (name, entry.get('Image'), dev['image']))
            if entry.get('State') in RUNNING:
                keep.append(name)
            elif entry.get('State') == 'paused':
                keep.append(name)
                to_unpause.append(name)
            else:
                to_start.append(name)
        if clashes:
            self.fail('containers with the names of devices exist and are not of lab %s: %s'
                      % (lab, ', '.join(clashes)))
        missing_image = sorted(set('%s (%s)' % (devices[n]['role'], devices[n]['kind'])
                                   for n in to_create if not devices[n]['image']))
        if missing_image:
            self.fail('images has no image for the roles %s' % ', '.join(missing_image))

        # Interfaces of the containers that keep their network namespace.
        pids = self.pids(keep)
        seen = dict((name, self.interfaces(pid)) for name, pid in pids.items())
        before_cables = {}
        intact_ports = set()
        for link in links:
            a = seen.get(link['a_device'], {}).get(link['a_port'])
            b = seen.get(link['b_device'], {}).get(link['b_port'])
            if a and b and a['veth'] and b['veth'] and a['peer'] == b['ifindex'] and b['peer'] == a['ifindex']:
                before_cables[link_key(link)] = self.cable_line(link, a, b)
                intact_ports.update([(link['a_device'], link['a_port']), (link['b_device'], link['b_port'])])

        # Which ports to delete, which cables to create, which ends to fix.
        planned_ports = set()
        for link in links:
            planned_ports.add((link['a_device'], link['a_port']))
            planned_ports.add((link['b_device'], link['b_port']))
        delete = {}
        create = []
        fix = {}
        for link in links:
            ends = (('a_device', 'a_port', 'a_mtu'), ('b_device', 'b_port', 'b_mtu'))
            if link_key(link) in before_cables:
                for dk, pk, mk in ends:
                    cur = seen[link[dk]][link[pk]]
                    cmds = []
                    if cur['mtu'] != link[mk]:
                        cmds.append('link set dev %s mtu %d' % (link[pk], link[mk]))
                    if not cur['up']:
                        cmds.append('link set dev %s up' % link[pk])
                    if cmds:
                        fix.setdefault(link[dk], []).extend(cmds)
                        self.result['links_updated'].append('%s:%s' % (link[dk], link[pk]))
                continue
            for dk, pk, mk in ends:
                if link[pk] in seen.get(link[dk], {}):
                    delete.setdefault(link[dk], set()).add(link[pk])
            create.append(link)
        if p['prune']:
            for name, itfs in seen.items():
                for port, itf in itfs.items():
                    if itf['veth'] and (name, port) not in planned_ports:
                        delete.setdefault(name, set()).add(port)
        self.result['links_removed'] = sorted('%s:%s' % (n, port) for n, ports in delete.items() for port in ports)
        self.result['links_created'] = [link_key(link) for link in create]
        self.result['containers_created'] = to_create
        self.result['containers_started'] = to_start + to_unpause
        self.result['containers_removed'] = to_remove
        self.result['containers'] = sorted(devices)
        self.result['changed'] = bool(to_remove or to_create or to_start or to_unpause or delete or create or fix)
        if self.module._diff:
            before_names = sorted(n for n, e in existing.items()
                                  if (e.get('Labels') or {}).get(LAB_LABEL) == lab)
            # Veths that are not an end of an intact cable: strays and wrongly cabled ends.
            before_veths = sorted('%s:%s' % (name, port) for name, itfs in seen.items()
                                  for port, itf in itfs.items()
                                  if itf['veth'] and (name, port) not in intact_ports)
            after_veths = [] if p['prune'] else sorted(
                '%s:%s' % (name, port) for name, itfs in seen.items()
                for port, itf in itfs.items() if itf['veth'] and (name, port) not in planned_ports)
            self.result['diff'] = dict(
                before=self.describe(before_names, before_cables.values(), before_veths),
                after=self.describe(sorted(set(devices) | (set(before_names) - set(to_remove))),
                                    [self.cable_line(link) for link in links], after_veths),
            )
        if self.module.check_mode or not self.result['changed']:
            return self.result

        # 1. containers: remove, create, start; no waiting between them.
        if to_remove:
            self.pm('rm', '--force', '--time', '0', *to_remove)
        for name in to_create:
            dev = devices[name]
            self.pm('run', '--detach', '--name', name, '--hostname', name,
                    '--label', '%s=%s' % (LAB_LABEL, lab), '--label', '%s=%s' % (ROLE_LABEL, dev['role']),
                    '--runtime', p['runtime'], '--systemd', 'always', '--network', 'none',
                    '--cap-add', CAPABILITIES, '--security-opt', 'unmask=/proc/sys',
                    *(list(p['podman_args']) + [dev['image'], '/lib/systemd/systemd']))
        if to_start:
            self.pm('start', *to_start)
        if to_unpause:
            self.pm('unpause', *to_unpause)

        # 2. cables.
        pids.update(self.pids(to_create + to_start))
        for name, ports in sorted(delete.items()):
            batch = ''.join('link del dev %s\n' % port for port in sorted(ports))
            # -force: an end may already be gone with its peer.
            self.run([self.nsenter, '-t', str(pids[name]), '-n', self.ip, '-force', '-batch', '-'],
                     data=batch, check=False)
        if create:
            used = [FIRST_IFINDEX - 1]
            for itfs in seen.values():
                used.extend(itf['ifindex'] or 0 for itf in itfs.values())
            index = max(used) + 1
            batch = []
            for link in create:
                batch.append('link add %s index %d mtu %d netns %d type veth peer name %s index %d mtu %d netns %d\n'
                             % (link['a_port'], index, link['a_mtu'], pids[link['a_device']],
                                link['b_port'], index + 1, link['b_mtu'], pids[link['b_device']]))
                index += 2
                fix.setdefault(link['a_device'], []).append('link set dev %s up' % link['a_port'])
                fix.setdefault(link['b_device'], []).append('link set dev %s up' % link['b_port'])
            self.run([self.ip, '-batch', '-'], data=''.join(batch))
        for name, cmds in sorted(fix.items()):
            self.run([self.nsenter, '-t', str(pids[name]), '-n', self.ip, '-batch', '-'], data='\n'.join(cmds) + '\n')

        # 3. verify the cables that were made.
        touched = set(n for link in create for n in (link['a_device'], link['b_device']))
        after = dict((name, self.interfaces(pids[name])) for name in touched)
        broken = []
        for link in create:
            a = after[link['a_device']].get(link['a_port'])
            b = after[link['b_device']].get(link['b_port'])
            if not (a and b and a['peer'] == b['ifindex'] and b['peer'] == a['ifindex'] and a['up'] and b['up']):
                broken.append(link_key(link))
        if broken:
            self.fail('cables not in place after creating them: %s' % ', '.join(broken), **self.partial())
        return self.result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            plan_file=dict(type='path'),
            name=dict(type='str'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            images=dict(type='dict', default={}),
            runtime=dict(type='str', default='runc'),
            prune=dict(type='bool', default=True),
            recreate=dict(type='bool', default=False),
            podman_args=dict(type='list', elements='str', default=[]),
        ),
        required_if=[('state', 'present', ('plan_file',))],
        required_one_of=[('plan_file', 'name')],
        supports_check_mode=True,
    )
    twin = LabTwin(module)
    plan = None
    lab = module.params['name']
    if module.params['state'] == 'present' or not lab:
        plan = twin.load_plan()
        lab = lab or plan.get('name')
    if not isinstance(lab, str) or not lab:
        module.fail_json(msg='the plan has no name; give the option name')
    twin.result['lab'] = lab
    if module.params['state'] == 'absent':
        result = twin.absent(lab)
    else:
        result = twin.present(lab, plan)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
