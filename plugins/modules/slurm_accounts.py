#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: slurm_accounts
short_description: Make Slurm accounting match the plan (cluster, accounts with GPU quotas, users)
version_added: "0.1.0"
description:
  - Runs on a host where C(sacctmgr) reaches slurmdbd (the Slurm controller) and makes the
    accounting of one cluster match the plan, with C(sacctmgr -i).
  - Registers the cluster (C(add cluster)) when slurmdbd does not know it.
  - Gives each account (a tenant of the design) an association on the cluster
    (C(add account NAME cluster=C)), with its fairshare and its GPU quota C(GrpTRES=gres/gpu=N); an
    account whose values differ is changed with C(modify account where name=NAME cluster=C set ...);
    a quota of null clears the limit (C(gres/gpu=-1)). Limits on other TRES are left as they are.
  - Associates the users given per account (C(add user NAME account=A cluster=C)).
  - Accounts on the cluster that are not in O(accounts) are left alone unless O(prune=true).
  - State is read with C(sacctmgr -n -P show cluster) and C(sacctmgr -n -P show assoc); names are
    compared in lower case, as slurmdbd keeps them.
options:
  cluster:
    description:
      - Slurm cluster name (C(ClusterName) of slurm.conf; the plan's C(scheduler.cluster)).
    type: str
    required: true
  accounts:
    description:
      - The accounts, as the plan's C(scheduler.accounts) records. Each is a dict with C(name),
        C(gpu_limit) (GPUs the account's running jobs may hold together; null for no limit) and
        C(fairshare) (a number, C(parent), or null to leave it as it is; a new account gets Slurm's
        default of 1). Other keys of the records (C(nodes), C(partitions)) are ignored.
    type: list
    elements: dict
    default: []
  users:
    description:
      - Users to associate with each account, a dict of account names to lists of user names. Every
        account named must be in O(accounts).
    type: dict
    default: {}
  prune:
    description:
      - Remove the associations on O(cluster) of accounts not in O(accounts), and the users of the
        accounts named in O(users) that are not listed there. Slurm refuses to remove an association
        with running jobs; the task then fails.
      - The C(root) account is never removed.
    type: bool
    default: false
  sacctmgr:
    description:
      - Name or path of the sacctmgr executable. A bare name is looked up in C(PATH) and in
        C(/usr/bin) and C(/usr/sbin).
    type: str
    default: sacctmgr
attributes:
  check_mode:
    support: full
    description: Reads the accounting and reports the commands it would run, running none of them.
  diff_mode:
    support: full
    description: Shows the cluster's accounts, fairshares, GPU quotas and users before and after.
  platform:
    support: full
    platforms: posix
    description: Runs where sacctmgr can reach slurmdbd, normally the Slurm controller.
notes:
  - A GPU quota needs the C(gres/gpu) TRES in the accounting; slurm.conf must have
    C(AccountingStorageTRES=gres/gpu) (and C(GresTypes=gpu)).
  - Quotas are enforced only with C(AccountingStorageEnforce=limits) in slurm.conf.
  - The logic (C(module_utils/slurm_accounts.py)) uses only the Python standard library.
seealso:
  - name: sacctmgr manual page
    description: Slurm's accounting manager (add, modify, remove, show; GrpTRES, Fairshare).
    link: https://slurm.schedmd.com/sacctmgr.html
  - name: Resource limits
    description: How Slurm enforces association limits such as GrpTRES.
    link: https://slurm.schedmd.com/resource_limits.html
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Accounting as the plan says
  refarch.ai_cluster.slurm_accounts:
    cluster: "{{ refarch_scheduler.cluster }}"
    accounts: "{{ refarch_scheduler.accounts }}"

- name: Research may hold 16 GPUs at once, shares unchanged; two users
  refarch.ai_cluster.slurm_accounts:
    cluster: lab
    accounts:
      - name: research
        gpu_limit: 16
        fairshare: null
    users:
      research: [alice, bob]

- name: Remove accounts the plan no longer has
  refarch.ai_cluster.slurm_accounts:
    cluster: lab
    accounts: "{{ refarch_scheduler.accounts }}"
    prune: true
"""

RETURN = r"""
commands:
  description: The sacctmgr commands run (in check mode, that would be run), in order.
  returned: always
  type: list
  elements: str
  sample: ["sacctmgr -i add account research cluster=lab fairshare=1 grptres=gres/gpu=2"]
accounts:
  description: The cluster's accounts after the task (in check mode, as they are now), each as
    C({name, fairshare, gpu_limit, users}); C(gpu_limit) null means no GPU limit.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "research", "fairshare": "1", "gpu_limit": 2, "users": ["alice"]}]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.refarch.ai_cluster.plugins.module_utils.slurm_accounts import (
    SHOW_ASSOCS, SHOW_CLUSTERS, AccountsError, check_request, first_line, format_command,
    parse_assocs, parse_names, plan_changes, summary)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cluster=dict(type="str", required=True),
            accounts=dict(type="list", elements="dict", default=[]),
            users=dict(type="dict", default={}),
            prune=dict(type="bool", default=False),
            sacctmgr=dict(type="str", default="sacctmgr"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        cluster, accounts, users = check_request(params["cluster"], params["accounts"], params["users"])
    except AccountsError as exc:
        module.fail_json(msg="slurm_accounts: %s" % exc, problems=exc.problems)

    binary = params["sacctmgr"]
    if os.path.sep not in binary:
        binary = module.get_bin_path(binary, opt_dirs=["/usr/bin", "/usr/sbin"])
    if not binary or not os.access(binary, os.X_OK):
        module.fail_json(msg="%s not found: install slurm-client (sacctmgr) on this host" % params["sacctmgr"])

    done = []

    def sacctmgr(args):
        rc, out, err = module.run_command([binary] + list(args))
        if rc != 0:
            module.fail_json(msg="%s exited %d: %s" % (format_command("sacctmgr", args), rc,
                                                       first_line(err) or first_line(out) or "no message"),
                             rc=rc, stdout=out, stderr=err, commands=done)
        return out

    def read():
        return parse_names(sacctmgr(SHOW_CLUSTERS)), parse_assocs(sacctmgr(SHOW_ASSOCS))

    try:
        clusters, assocs = read()
        plan = plan_changes(cluster, accounts, users, clusters, assocs, prune=params["prune"])
    except AccountsError as exc:
        module.fail_json(msg="slurm_accounts: %s" % exc, problems=exc.problems)

    changed = bool(plan["commands"])
    if changed and not module.check_mode:
        for args in plan["commands"]:
            sacctmgr(args)
            done.append(format_command("sacctmgr", args))
        clusters, assocs = read()
    else:
        done = [format_command("sacctmgr", args) for args in plan["commands"]]
    result = dict(changed=changed, commands=done, accounts=summary(assocs, cluster))
    if module._diff:
        result["diff"] = dict(before=plan["before"], after=plan["after"],
                              before_header="slurm accounting", after_header="slurm accounting")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
