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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import TwinError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.twin.lab import LabTwin, lab_name, load_plan


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
    p = module.params

    def run(argv, data=None):
        return module.run_command(argv, data=data, binary_data=data is not None)

    twin = LabTwin(
        run,
        podman=module.get_bin_path('podman', required=True),
        ip=module.get_bin_path('ip', required=True, opt_dirs=['/sbin', '/usr/sbin']),
        nsenter=module.get_bin_path('nsenter', required=True, opt_dirs=['/usr/bin', '/bin']),
        check_mode=module.check_mode,
        diff=module._diff,
        warn=module.warn,
    )
    try:
        plan = None
        if p['state'] == 'present' or not p['name']:
            plan = load_plan(p['plan_file'])
        lab = lab_name(p['name'], plan)
        if p['state'] == 'absent':
            result = twin.absent(lab)
        else:
            result = twin.present(lab, plan, images=p['images'], runtime=p['runtime'], prune=p['prune'],
                                  recreate=p['recreate'], podman_args=p['podman_args'])
    except TwinError as exc:
        module.fail_json(msg=str(exc), **getattr(exc, 'details', {}))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
