# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm accounting (slurmdbd) as the plan wants it: the logic of the ``slurm_accounts`` module.

Reads what ``sacctmgr -n -P show ...`` prints, compares it with the plan's cluster, accounts
(tenants: fairshare, GPU quota) and users, and returns the ``sacctmgr -i`` commands that make
them match, with a text of the state before and after for diff mode. Standard library only, no
Ansible: the module runs it on the Slurm controller.

sacctmgr syntax, from the Slurm 22.05 man page sacctmgr(1) (doc/man/man1/sacctmgr.1 at tag
slurm-22-05-8-1, the version Debian 12 ships):

* ``-i``/``--immediate`` commits without asking; ``-n``/``--noheader``; ``-P``/``--parsable2`` is
  ``|``-separated without a trailing ``|``.
* ``add <ENTITY> <SPECS>``, ``modify <ENTITY> where <SPECS> set <SPECS>``, ``remove <ENTITY> where
  <SPECS>``, ``show <ENTITY> [<SPECS>]`` with ``format=`` fields (LIST/SHOW ASSOCIATION FORMAT
  OPTIONS: Account, Cluster, User, Fairshare, GrpTRES).
* ``Fairshare=<number>|parent``; ``GrpTRES=TRES=<max>[,...]``: "To clear a previously set value
  use the modify command with a new value of -1 for each TRES id", so no limit is
  ``GrpTRES=gres/gpu=-1`` (TRES information: "GrpTRESMins=cpu=-1 would remove only the cpu TRES
  limit"; other TRES limits of the account are left as they are).
* "The contents of Slurm's database are maintained in lower case": names are compared in lower
  case (users too, as sacctmgr forces them to lower case unless slurmdbd.conf PreserveCaseUser).
* ``add account NAME Cluster=C`` adds the account when the database lacks it and its association
  on C when that is missing (src/sacctmgr/account_functions.c sacctmgr_add_account), so one command
  covers an account new to the database and a known account new to the cluster.
* ``add user NAME Account=A Cluster=C`` creates the user when missing and associates it.
* A GPU quota needs the TRES: slurm.conf ``AccountingStorageTRES=gres/gpu`` (and GresTypes=gpu), or
  slurmdbd rejects ``gres/gpu``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

GPU_TRES = "gres/gpu"
ROOT = "root"

# The reading commands (arguments after the sacctmgr executable).
SHOW_CLUSTERS = ["-n", "-P", "show", "cluster", "format=cluster"]
SHOW_ASSOCS = ["-n", "-P", "show", "assoc", "format=cluster,account,user,fairshare,grptres"]

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]*$")


class AccountsError(ValueError):
    """The requested accounting cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def parse_names(text: str) -> List[str]:
    """First field of each line of ``sacctmgr -n -P show cluster|account``, lower case."""
    names = []
    for line in text.splitlines():
        name = line.split("|", 1)[0].strip().lower()
        if name:
            names.append(name)
    return names


def parse_tres(text: str) -> Dict[str, str]:
    """``cpu=10,gres/gpu=2`` -> ``{"cpu": "10", "gres/gpu": "2"}``; empty -> {}."""
    tres = {}
    for item in text.split(","):
        key, sep, value = item.strip().partition("=")
        if sep and key:
            tres[key.lower()] = value
    return tres


def parse_assocs(text: str) -> List[Dict[str, Any]]:
    """``sacctmgr -n -P show assoc format=cluster,account,user,fairshare,grptres`` lines as
    ``{cluster, account, user, fairshare, grptres}`` (user "" for the account's own association)."""
    assocs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) < 5:
            raise AccountsError(["cannot read this line of sacctmgr show assoc: %r" % line])
        cluster, account, user, fairshare, grptres = (f.strip() for f in fields[:5])
        assocs.append({"cluster": cluster.lower(), "account": account.lower(), "user": user.lower(),
                       "fairshare": fairshare, "grptres": parse_tres(grptres)})
    return assocs


def check_request(cluster: Any, accounts: Any, users: Any) -> Tuple[str, List[Dict[str, Any]], Dict[str, List[str]]]:
    """The module's options checked and in lower case: (cluster, accounts, users by account)."""
    problems = []
    if not isinstance(cluster, str) or not _NAME.match(cluster):
        problems.append("cluster must be a Slurm cluster name, not %r" % (cluster,))
        cluster = ""
    wanted: List[Dict[str, Any]] = []
    seen: Set[str] = set()
    for index, account in enumerate(accounts or []):
        where = "accounts[%d]" % index
        if not isinstance(account, Mapping):
            problems.append("%s must be a dict with name, gpu_limit and fairshare" % where)
            continue
        # Other keys (the plan's records carry nodes and partitions) are not accounting: ignored.
        name = account.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append("%s.name must be an account name, not %r" % (where, name))
            continue
        name = name.lower()
        if name == ROOT:
            problems.append("%s: the root account is Slurm's own and cannot be managed" % where)
        if name in seen:
            problems.append("%s: account %s is given twice" % (where, name))
        seen.add(name)
        gpu_limit = account.get("gpu_limit")
        if gpu_limit is not None and (isinstance(gpu_limit, bool) or not isinstance(gpu_limit, int) or gpu_limit < 0):
            problems.append("%s.gpu_limit must be a number of GPUs >= 0 or null (no limit), not %r" % (where, gpu_limit))
        fairshare = account.get("fairshare")
        if fairshare is not None and fairshare != "parent" and (
                isinstance(fairshare, bool) or not isinstance(fairshare, int) or fairshare < 0):
            problems.append("%s.fairshare must be a number >= 0, 'parent' or null (left as it is), not %r"
                            % (where, fairshare))
        wanted.append({"name": name, "gpu_limit": gpu_limit,
                       "fairshare": None if fairshare is None else str(fairshare)})
    by_account: Dict[str, List[str]] = {}
    if not isinstance(users, Mapping):
        problems.append("users must map account names to lists of user names")
        users = {}
    for account, names in users.items():
        key = str(account).lower()
        if key not in seen:
            problems.append("users.%s: account %s is not in accounts" % (account, account))
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and _NAME.match(n) for n in names):
            problems.append("users.%s must be a list of user names, not %r" % (account, names))
            continue
        by_account[key] = sorted({n.lower() for n in names})
    if problems:
        raise AccountsError(problems)
    return cluster.lower(), wanted, by_account


def _render(cluster: str, registered: bool, accounts: Mapping[str, Mapping[str, Any]]) -> str:
    """The accounting of one cluster as text, for diff mode."""
    if not registered:
        return "cluster %s: not registered\n" % cluster
    lines = ["cluster %s" % cluster]
    for name in sorted(accounts):
        account = accounts[name]
        tres = ",".join("%s=%s" % item for item in sorted(account["grptres"].items())) or "none"
        lines.append("account %s fairshare=%s grptres=%s" % (name, account["fairshare"] or "-", tres))
        for user in sorted(account["users"]):
            lines.append("  user %s" % user)
    return "\n".join(lines) + "\n"


def plan_changes(cluster: str, accounts: Sequence[Mapping[str, Any]], users: Mapping[str, Sequence[str]],
                 clusters: Sequence[str], assocs: Sequence[Mapping[str, Any]], prune: bool = False
                 ) -> Dict[str, Any]:
    """The sacctmgr commands (arguments after the executable) that make the cluster's accounting
    match, in order, with ``before`` and ``after`` texts. No command when it matches already."""
    registered = cluster in clusters
    current: Dict[str, Dict[str, Any]] = {}
    for assoc in assocs:
        if assoc["cluster"] != cluster or assoc["account"] == ROOT:
            continue
        entry = current.setdefault(assoc["account"], {"fairshare": None, "grptres": {}, "users": set()})
        if assoc["user"]:
            entry["users"].add(assoc["user"])
        else:
            entry["fairshare"] = assoc["fairshare"]
            entry["grptres"] = dict(assoc["grptres"])
    after = {name: {"fairshare": e["fairshare"], "grptres": dict(e["grptres"]), "users": set(e["users"])}
             for name, e in current.items()}
    commands: List[List[str]] = []

    if not registered:
        commands.append(["-i", "add", "cluster", cluster])
    for account in accounts:
        name = account["name"]
        limit = None if account["gpu_limit"] is None else str(account["gpu_limit"])
        if name not in current:
            argv = ["-i", "add", "account", name, "cluster=%s" % cluster]
            state = after[name] = {"fairshare": "1", "grptres": {}, "users": set()}
            if account["fairshare"] is not None:
                argv.append("fairshare=%s" % account["fairshare"])
                state["fairshare"] = account["fairshare"]
            if limit is not None:  # a new association has no limit: nothing to clear
                argv.append("grptres=%s=%s" % (GPU_TRES, limit))
                state["grptres"][GPU_TRES] = limit
            commands.append(argv)
            continue
        have = current[name]
        settings = []
        if account["fairshare"] is not None and have["fairshare"] != account["fairshare"]:
            settings.append("fairshare=%s" % account["fairshare"])
            after[name]["fairshare"] = account["fairshare"]
        if have["grptres"].get(GPU_TRES) != limit:
            settings.append("grptres=%s=%s" % (GPU_TRES, "-1" if limit is None else limit))
            if limit is None:
                after[name]["grptres"].pop(GPU_TRES, None)
            else:
                after[name]["grptres"][GPU_TRES] = limit
        if settings:
            commands.append(["-i", "modify", "account", "where", "name=%s" % name, "cluster=%s" % cluster, "set"]
                            + settings)
    for owner in sorted(users):
        for user in users[owner]:
            if user not in after[owner]["users"]:
                commands.append(["-i", "add", "user", user, "account=%s" % owner, "cluster=%s" % cluster])
                after[owner]["users"].add(user)
    if prune:
        wanted = {a["name"] for a in accounts}
        for owner in sorted(users):
            for user in sorted(after[owner]["users"] - set(users[owner])):
                commands.append(["-i", "remove", "user", "where", "name=%s" % user, "account=%s" % owner,
                                 "cluster=%s" % cluster])
                after[owner]["users"].discard(user)
        for name in sorted(set(after) - wanted):
            commands.append(["-i", "remove", "account", "where", "name=%s" % name, "cluster=%s" % cluster])
            del after[name]
    return {
        "commands": commands,
        "before": _render(cluster, registered, current),
        "after": _render(cluster, True, after) if commands else _render(cluster, registered, current),
    }


def summary(assocs: Sequence[Mapping[str, Any]], cluster: str) -> List[Dict[str, Any]]:
    """The cluster's accounts as ``{name, fairshare, gpu_limit, users}`` (gpu_limit None: no limit)."""
    accounts: Dict[str, Dict[str, Any]] = {}
    for assoc in assocs:
        if assoc["cluster"] != cluster or assoc["account"] == ROOT:
            continue
        entry = accounts.setdefault(assoc["account"], {"name": assoc["account"], "fairshare": None,
                                                       "gpu_limit": None, "users": []})
        if assoc["user"]:
            entry["users"].append(assoc["user"])
        else:
            entry["fairshare"] = assoc["fairshare"]
            limit = assoc["grptres"].get(GPU_TRES)
            entry["gpu_limit"] = int(limit) if limit and limit.isdigit() else None
    for entry in accounts.values():
        entry["users"].sort()
    return [accounts[name] for name in sorted(accounts)]


def format_command(executable: str, args: Sequence[str]) -> str:
    return " ".join([executable] + list(args))


def first_line(text: Optional[str]) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""
