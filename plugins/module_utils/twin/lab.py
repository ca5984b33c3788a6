# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab twin: one podman container per device of a plan, one veth pair per cable.

The ``refarch.ai_cluster.lab_twin`` module is a thin wrapper around :class:`LabTwin`. Every
command (``podman``, ``ip``, ``nsenter``) goes through a ``run`` callable given by the caller,
``run(argv, data=None) -> (rc, stdout, stderr)`` with ``data`` the command's standard input (the
module passes ``AnsibleModule.run_command``), so that the logic runs without Ansible in tests.
Errors are :class:`LabTwinError` (a :class:`TwinError`) whose ``details`` are the extra keys of
the module's failure result (the command, its output, what was done before the failure).

Containers carry the label ``refarch.lab=<lab>``, which is how a later run finds them again; each
veth end gets an interface index unique across the lab (from :data:`FIRST_IFINDEX` up), so that
the peer index of an end names the other end without ambiguity.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import APPLIANCE_ROLE, NODE_ROLE, PDU_ROLE, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import TwinError

# run(argv, data=None) -> (rc, stdout, stderr); ``data`` is fed to the command's standard input.
Runner = Callable[..., Tuple[int, str, str]]
Device = Dict[str, Any]
Link = Dict[str, Any]
Interface = Dict[str, Any]

LAB_LABEL = 'refarch.lab'
ROLE_LABEL = 'refarch.lab.role'
# Image kind of each device role: key of the module's ``images`` option when no key names the role.
KIND_BY_ROLE = dict([(NODE_ROLE, 'node'), (APPLIANCE_ROLE, 'node')] + [(role, 'switch') for role in SWITCH_ROLES])
DEFAULT_MTU = {'node': 9000, 'switch': 9216}
FIRST_IFINDEX = 1000
CAPABILITIES = 'NET_ADMIN,NET_RAW,SYS_ADMIN'
CONTAINER_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
RUNNING = ('running',)
RESULT_KEYS = ('containers', 'containers_created', 'containers_started', 'containers_removed',
               'links_created', 'links_updated', 'links_removed', 'warnings_outdated')


class LabTwinError(TwinError):
    """A twin that cannot be built or torn down; ``details`` are extra keys for the failure result."""

    def __init__(self, msg: str, problems: Optional[Sequence[str]] = None, **details: Any) -> None:
        self.msg = msg
        self.details = details
        if problems is not None:
            details['problems'] = list(problems)
        super().__init__(list(problems) if problems else [msg])

    def render(self) -> str:
        return self.msg


# ------------------------------------------------------------------ pure helpers
def valid_ifname(name: Any) -> bool:
    """Linux dev_valid_name(): 1..15 bytes, not . or .., no /, : or whitespace."""
    if not isinstance(name, str) or not 0 < len(name.encode('utf-8')) < 16:
        return False
    if name in ('.', '..'):
        return False
    return not any(c in '/:' or c.isspace() for c in name)


def same_image(entry: Mapping[str, Any], image: str) -> bool:
    """Whether a podman ps entry runs image (a name with or without localhost/, or an ID)."""
    names = set([image, 'localhost/' + image])
    return entry.get('Image') in names or (entry.get('ImageID') or '').startswith(image)


def link_key(link: Mapping[str, Any]) -> str:
    """A cable as ``A_DEVICE:A_PORT<->B_DEVICE:B_PORT``."""
    return '%s:%s<->%s:%s' % (link['a_device'], link['a_port'], link['b_device'], link['b_port'])


def describe(containers: Iterable[str], cables: Iterable[str], veths: Iterable[str] = ()) -> str:
    """Text for diff mode: one line per container, cable (with MTUs) and stray veth."""
    lines = ['container %s' % c for c in sorted(containers)]
    lines += ['cable %s' % c for c in sorted(cables)]
    lines += ['veth %s' % v for v in sorted(veths)]
    return '\n'.join(lines) + ('\n' if lines else '')


def cable_line(link: Mapping[str, Any], a: Optional[Interface] = None, b: Optional[Interface] = None) -> str:
    """A cable with the MTU and state of its ends (as planned when a and b are not given)."""
    def end(mtu, itf):
        if itf is None:
            return '%d up' % mtu
        return '%s %s' % (itf['mtu'], 'up' if itf['up'] else 'down')
    return '%s (%s, %s)' % (link_key(link), end(link['a_mtu'], a), end(link['b_mtu'], b))


def load_plan(path: str) -> Dict[str, Any]:
    """The plan (``plan.json``) at ``path``; LabTwinError when it cannot be read or is no JSON object."""
    try:
        with open(path) as f:
            plan = json.load(f)
    except (IOError, OSError) as e:
        raise LabTwinError('cannot read plan_file %s: %s' % (path, e))
    except ValueError as e:
        raise LabTwinError('plan_file %s is not JSON: %s' % (path, e))
    if not isinstance(plan, dict):
        raise LabTwinError('plan_file %s: the plan must be a JSON object' % path)
    return plan


def lab_name(name: Optional[str], plan: Optional[Mapping[str, Any]]) -> str:
    """The lab's name: ``name``, else the plan's top-level ``name``."""
    lab = name or (plan or {}).get('name')
    if not isinstance(lab, str) or not lab:
        raise LabTwinError('the plan has no name; give the option name')
    return lab


def gpu_count(plan: Mapping[str, Any], dev: Mapping[str, Any]) -> int:
    """GPUs of a node's model in the plan's catalog: the twin gives its container as many stand-in
    device files /dev/nvidia0.. (bound to /dev/null), which is what Slurm's gres.conf ``File=``
    needs to see for the node to offer its GPUs (slurmd drops a GPU line without a File)."""
    servers = (plan.get('catalog') or {}).get('servers') or {}
    gpus = (servers.get(dev.get('model')) or {}).get('gpus') or {}
    count = gpus.get('count') if isinstance(gpus, dict) else None
    return count if isinstance(count, int) and count > 0 else 0


def desired(plan: Mapping[str, Any], images: Optional[Mapping[str, str]] = None) -> Tuple[Dict[str, Device], List[Link]]:
    """Devices (name -> dict(name, role, kind, image, mtus by port)) and cables of the plan.

    Each cable is ``dict(a_device, a_port, a_mtu, b_device, b_port, b_mtu)``; an end's MTU is the
    one of the device's interface, else the link's, else :data:`DEFAULT_MTU` of the device's kind.
    Every problem of the plan is collected into one LabTwinError.
    """
    problems = []
    images = images or {}
    raw = plan.get('devices')
    if isinstance(raw, dict):
        raw = list(raw.values())
    if not isinstance(raw, list):
        raise LabTwinError('plan has no devices (a map of device name to device)')
    devices = {}
    unrehearsed = set()
    for dev in raw:
        if not isinstance(dev, dict) or not isinstance(dev.get('name'), str):
            problems.append('device without a name: %r' % (dev,))
            continue
        name = dev['name']
        role: Any = dev.get('role')
        if role == PDU_ROLE:
            # A rack PDU has no container to rehearse it in: it and its management cable are left out.
            unrehearsed.add(name)
            continue
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
        devices[name] = dict(name=name, role=role, kind=kind or 'node', image=image, mtus=mtus,
                             gpus=gpu_count(plan, dev) if role == NODE_ROLE else 0)

    links = []
    used: Dict[Tuple[Any, Any], str] = {}
    for i, link in enumerate(plan.get('links') or []):
        if isinstance(link, dict) and unrehearsed.intersection((link.get('a_device'), link.get('b_device'))):
            continue
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
        raise LabTwinError('the plan cannot be rehearsed: ' + '; '.join(problems), problems=problems)
    return devices, links


def parse_interfaces(out: str) -> Dict[str, Interface]:
    """``ip -j -d link show`` output as name -> dict(ifindex, peer, veth, mtu, up)."""
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


def is_cabled(a: Optional[Interface], b: Optional[Interface]) -> bool:
    """Whether two interfaces are the two ends of one veth pair."""
    return bool(a and b and a['veth'] and b['veth'] and a['peer'] == b['ifindex'] and b['peer'] == a['ifindex'])


def veth_batch(create: Sequence[Link], pids: Mapping[str, int], first_index: int) -> List[str]:
    """``ip -batch`` lines that create the cables ``create``, ends numbered from ``first_index`` up."""
    batch = []
    index = first_index
    for link in create:
        batch.append('link add %s index %d mtu %d netns %d type veth peer name %s index %d mtu %d netns %d\n'
                     % (link['a_port'], index, link['a_mtu'], pids[link['a_device']],
                        link['b_port'], index + 1, link['b_mtu'], pids[link['b_device']]))
        index += 2
    return batch


# --------------------------------------------------------------------- the twin
class LabTwin(object):
    """Builds (:meth:`present`) or removes (:meth:`absent`) the lab twin of a plan.

    ``run`` runs the commands; ``podman``, ``ip`` and ``nsenter`` are the paths of those tools.
    With ``check_mode`` nothing is changed, with ``diff`` the result has a ``diff``; ``warn`` is
    called with each warning (containers kept with an outdated image).
    """

    def __init__(self, run: Runner, podman: str = 'podman', ip: str = 'ip', nsenter: str = 'nsenter',
                 check_mode: bool = False, diff: bool = False, warn: Optional[Callable[[str], Any]] = None) -> None:
        self._runner = run
        self.podman = podman
        self.ip = ip
        self.nsenter = nsenter
        self.check_mode = check_mode
        self.diff = diff
        self.warn = warn or (lambda msg: None)
        self.result: Dict[str, Any] = dict(changed=False, lab=None)
        self.result.update((key, []) for key in RESULT_KEYS)

    # ----------------------------------------------------------------- helpers
    def run(self, argv: List[str], data: Optional[str] = None, check: bool = True) -> Tuple[int, str, str]:
        """Run ``argv``; with ``check``, a non-zero exit is a LabTwinError carrying what was done so far."""
        rc, out, err = self._runner(argv, data=data)
        if check and rc != 0:
            raise LabTwinError('%s failed (rc=%d): %s' % (' '.join(argv[:3]), rc, (err or out).strip()),
                               cmd=argv, rc=rc, stdout=out, stderr=err, **self.partial())
        return rc, out, err

    def partial(self) -> Dict[str, Any]:
        """What was done before a failure, so that the caller sees it."""
        return dict((k, v) for k, v in self.result.items() if k not in ('changed', 'msg'))

    def pm(self, *args: str, **kwargs: Any) -> Tuple[int, str, str]:
        return self.run([self.podman] + list(args), **kwargs)

    # -------------------------------------------------------------- inspection
    def lab_containers(self, lab: str) -> Dict[str, Dict[str, Any]]:
        """All containers (name -> ps entry); foreign ones are kept to detect name clashes."""
        out = self.pm('ps', '-a', '--format', 'json')[1]
        try:
            entries = json.loads(out or '[]') or []
        except ValueError:
            raise LabTwinError('cannot parse podman ps output', stdout=out)
        found = {}
        for entry in entries:
            for name in entry.get('Names') or []:
                found[name] = entry
        return found

    def pids(self, names: Sequence[str]) -> Dict[str, int]:
        """Process id of each container of ``names`` (all must run)."""
        if not names:
            return {}
        out = self.pm('inspect', '--type', 'container', '--format', 'json', *names)[1]
        pids = {}
        for entry in json.loads(out or '[]'):
            name = entry.get('Name', '').lstrip('/')
            pid = (entry.get('State') or {}).get('Pid') or 0
            if not pid:
                raise LabTwinError('container %s has no process (state %s)'
                                   % (name, (entry.get('State') or {}).get('Status')), **self.partial())
            pids[name] = pid
        return pids

    def interfaces(self, pid: int) -> Dict[str, Interface]:
        """Interfaces of a container's netns: name -> dict(ifindex, peer, veth, mtu, up)."""
        return parse_interfaces(self.run([self.nsenter, '-t', str(pid), '-n', self.ip, '-j', '-d', 'link', 'show'])[1])

    # ----------------------------------------------------------------- absent
    def absent(self, lab: str) -> Dict[str, Any]:
        """Remove every container labelled with ``lab``; returns the module's result."""
        self.result['lab'] = lab
        existing = self.lab_containers(lab)
        names = sorted(n for n, e in existing.items() if (e.get('Labels') or {}).get(LAB_LABEL) == lab)
        self.result['containers_removed'] = names
        self.result['changed'] = bool(names)
        if self.diff:
            self.result['diff'] = dict(before=describe(names, []), after='')
        if names and not self.check_mode:
            self.pm('rm', '--force', '--time', '0', *names)
        return self.result

    # ---------------------------------------------------------------- present
    def present(self, lab: str, plan: Mapping[str, Any], images: Optional[Mapping[str, str]] = None,
                runtime: str = 'runc', prune: bool = True, recreate: bool = False,
                podman_args: Sequence[str] = ()) -> Dict[str, Any]:
        """Create, start and cable the containers of ``plan`` as lab ``lab``; returns the module's result."""
        self.result['lab'] = lab
        devices, links = desired(plan, images)
        existing = self.lab_containers(lab)

        clashes = []
        to_remove, to_create, to_start, to_unpause, keep = [], [], [], [], []
        for name, other in sorted(existing.items()):
            labels = other.get('Labels') or {}
            if labels.get(LAB_LABEL) == lab and name not in devices and prune:
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
                if recreate:
                    to_remove.append(name)
                    to_create.append(name)
                    continue
                self.result['warnings_outdated'].append(name)
                self.warn('container %s runs %s, not %s; set recreate=true to replace it'
                          % (name, entry.get('Image'), dev['image']))
            if entry.get('State') in RUNNING:
                keep.append(name)
            elif entry.get('State') == 'paused':
                keep.append(name)
                to_unpause.append(name)
            else:
                to_start.append(name)
        if clashes:
            raise LabTwinError('containers with the names of devices exist and are not of lab %s: %s'
                               % (lab, ', '.join(clashes)))
        missing_image = sorted(set('%s (%s)' % (devices[n]['role'], devices[n]['kind'])
                                   for n in to_create if not devices[n]['image']))
        if missing_image:
            raise LabTwinError('images has no image for the roles %s' % ', '.join(missing_image))

        # Interfaces of the containers that keep their network namespace.
        pids = self.pids(keep)
        seen = dict((name, self.interfaces(pid)) for name, pid in pids.items())
        before_cables = {}
        intact_ports: Set[Tuple[str, str]] = set()
        for link in links:
            a = seen.get(link['a_device'], {}).get(link['a_port'])
            b = seen.get(link['b_device'], {}).get(link['b_port'])
            if is_cabled(a, b):
                before_cables[link_key(link)] = cable_line(link, a, b)
                intact_ports.update([(link['a_device'], link['a_port']), (link['b_device'], link['b_port'])])

        # Which ports to delete, which cables to create, which ends to fix.
        planned_ports = set()
        for link in links:
            planned_ports.add((link['a_device'], link['a_port']))
            planned_ports.add((link['b_device'], link['b_port']))
        delete: Dict[str, Set[str]] = {}
        create = []
        fix: Dict[str, List[str]] = {}
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
        if prune:
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
        if self.diff:
            before_names = sorted(n for n, e in existing.items()
                                  if (e.get('Labels') or {}).get(LAB_LABEL) == lab)
            # Veths that are not an end of an intact cable: strays and wrongly cabled ends.
            before_veths = sorted('%s:%s' % (name, port) for name, itfs in seen.items()
                                  for port, itf in itfs.items()
                                  if itf['veth'] and (name, port) not in intact_ports)
            after_veths = [] if prune else sorted(
                '%s:%s' % (name, port) for name, itfs in seen.items()
                for port, itf in itfs.items() if itf['veth'] and (name, port) not in planned_ports)
            self.result['diff'] = dict(
                before=describe(before_names, before_cables.values(), before_veths),
                after=describe(sorted(set(devices) | (set(before_names) - set(to_remove))),
                               [cable_line(link) for link in links], after_veths),
            )
        if self.check_mode or not self.result['changed']:
            return self.result

        # 1. containers: remove, create, start; no waiting between them.
        if to_remove:
            self.pm('rm', '--force', '--time', '0', *to_remove)
        for name in to_create:
            dev = devices[name]
            self.pm('run', '--detach', '--name', name, '--hostname', name,
                    '--label', '%s=%s' % (LAB_LABEL, lab), '--label', '%s=%s' % (ROLE_LABEL, dev['role']),
                    '--runtime', runtime, '--systemd', 'always', '--network', 'none',
                    '--cap-add', CAPABILITIES, '--security-opt', 'unmask=/proc/sys',
                    *(['--device=/dev/null:/dev/nvidia%d' % i for i in range(dev.get('gpus', 0))]
                      + list(podman_args) + [dev['image'], '/lib/systemd/systemd']))
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
            for link in create:
                fix.setdefault(link['a_device'], []).append('link set dev %s up' % link['a_port'])
                fix.setdefault(link['b_device'], []).append('link set dev %s up' % link['b_port'])
            self.run([self.ip, '-batch', '-'], data=''.join(veth_batch(create, pids, max(used) + 1)))
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
            raise LabTwinError('cables not in place after creating them: %s' % ', '.join(broken), **self.partial())
        return self.result
