# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The slurm_accounts module and its logic (module_utils/slurm_accounts.py) against a stand-in sacctmgr.

The stand-in is an executable that keeps slurmdbd's clusters and associations in a JSON file and
answers the way sacctmgr 22.05 does: ``-n -P`` output ``|``-separated without a trailing ``|``, the
root associations that ``add cluster`` creates, `` Nothing new added.`` with exit 1 for an
association that exists, ``-1`` clearing one TRES limit. Every command it gets is logged, so the
tests see what ran (and that nothing changing ran in check mode).
"""

from __future__ import annotations

import json
import stat
import sys

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.refarch.ai_cluster.plugins.module_utils import slurm_accounts as logic
from ansible_collections.refarch.ai_cluster.plugins.modules import slurm_accounts

FAKE_SACCTMGR = r'''#!{python}
import json, sys
STATE, LOG = {state!r}, {log!r}
args = sys.argv[1:]
with open(LOG, "a") as log:
    log.write(" ".join(args) + "\n")
with open(STATE) as handle:
    db = json.load(handle)
if db.get("down"):
    sys.stderr.write("sacctmgr: error: Problem talking to the database: Connection refused\n")
    sys.exit(1)

def specs(words):
    out = {{}}
    for word in words:
        key, _, value = word.partition("=")
        out[key.lower()] = value.lower()
    return out

def tres_text(tres):
    return ",".join("%s=%s" % kv for kv in sorted(tres.items()))

def save():
    with open(STATE, "w") as handle:
        json.dump(db, handle)

if args[:2] == ["-n", "-P"] and args[2] == "show":
    if args[3] == "cluster":
        for name in db["clusters"]:
            print(name)
    elif args[3] == "assoc":
        assert args[4] == "format=cluster,account,user,fairshare,grptres", args
        for cluster, account, user, share, tres in db["assocs"]:
            print("|".join([cluster, account, user, share, tres_text(tres)]))
    sys.exit(0)
assert args[0] == "-i", args
verb, entity = args[1], args[2]
if verb == "add" and entity == "cluster":
    db["clusters"].append(args[3].lower())
    db["assocs"] += [[args[3].lower(), "root", "", "1", {{}}], [args[3].lower(), "root", "root", "1", {{}}]]
elif verb == "add" and entity == "account":
    name, opts = args[3].lower(), specs(args[4:])
    if opts["cluster"] not in db["clusters"]:
        sys.stderr.write(" The cluster %s doesn't exist.\n" % opts["cluster"]); sys.exit(1)
    if any(a[0] == opts["cluster"] and a[1] == name and not a[2] for a in db["assocs"]):
        print(" Nothing new added."); sys.exit(1)
    tres = dict(i.split("=") for i in opts.get("grptres", "").split(",") if i)
    db["assocs"].append([opts["cluster"], name, "", opts.get("fairshare", "1"), tres])
elif verb == "modify" and entity == "account":
    cond, new = specs(args[4:args.index("set")]), specs(args[args.index("set") + 1:])
    hit = False
    for assoc in db["assocs"]:
        if assoc[0] == cond["cluster"] and assoc[1] == cond["name"] and not assoc[2]:
            hit = True
            if "fairshare" in new:
                assoc[3] = new["fairshare"]
            for item in new.get("grptres", "").split(","):
                if item:
                    key, limit = item.rsplit("=", 1)
                    if limit == "-1":
                        assoc[4].pop(key, None)
                    else:
                        assoc[4][key] = limit
    if not hit:
        print(" Nothing modified"); sys.exit(1)
elif verb == "add" and entity == "user":
    opts = specs(args[4:])
    db["assocs"].append([opts["cluster"], opts["account"], args[3].lower(), "1", {{}}])
elif verb == "remove" and entity == "user":
    cond = specs(args[4:])
    db["assocs"] = [a for a in db["assocs"] if not (a[0] == cond["cluster"] and a[1] == cond["account"]
                                                    and a[2] == cond["name"])]
elif verb == "remove" and entity == "account":
    cond = specs(args[4:])
    db["assocs"] = [a for a in db["assocs"] if not (a[0] == cond["cluster"] and a[1] == cond["name"])]
else:
    sys.exit("unexpected: " + " ".join(args))
save()
'''

PLAN_ACCOUNTS = [
    {"name": "research", "gpu_limit": 2, "fairshare": 1, "nodes": [], "partitions": ["inference", "training"]},
    {"name": "product", "gpu_limit": None, "fairshare": 3, "nodes": ["lab-node-4"], "partitions": ["inference"]},
]


class Db:
    """The stand-in's files."""

    def __init__(self, tmp_path, clusters=(), assocs=(), down=False):
        self.state = tmp_path / "slurmdbd.json"
        self.log = tmp_path / "sacctmgr.log"
        self.state.write_text(json.dumps({"clusters": list(clusters), "assocs": list(assocs), "down": down}))
        self.log.write_text("")
        self.binary = tmp_path / "sacctmgr"
        self.binary.write_text(FAKE_SACCTMGR.format(python=sys.executable, state=str(self.state), log=str(self.log)))
        self.binary.chmod(self.binary.stat().st_mode | stat.S_IXUSR)

    def calls(self):
        return self.log.read_text().splitlines()

    def changes(self):
        return [line for line in self.calls() if line.startswith("-i ")]

    def assocs(self):
        return json.loads(self.state.read_text())["assocs"]


def _run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            slurm_accounts.main()
    return json.loads(capsys.readouterr().out)


def _args(db, **extra):
    args = {"cluster": "lab", "accounts": PLAN_ACCOUNTS, "users": {"research": ["alice"]}, "sacctmgr": str(db.binary)}
    args.update(extra)
    return args


# --- the module ---------------------------------------------------------------------------------------

def test_first_run_registers_the_cluster_and_adds_everything(tmp_path, capsys):
    db = Db(tmp_path)
    result = _run(_args(db), capsys)
    assert result["changed"] is True
    assert db.changes() == [
        "-i add cluster lab",
        "-i add account research cluster=lab fairshare=1 grptres=gres/gpu=2",
        "-i add account product cluster=lab fairshare=3",
        "-i add user alice account=research cluster=lab",
    ]
    assert result["commands"][0] == "sacctmgr -i add cluster lab"
    assert result["accounts"] == [
        {"name": "product", "fairshare": "3", "gpu_limit": None, "users": []},
        {"name": "research", "fairshare": "1", "gpu_limit": 2, "users": ["alice"]},
    ]


def test_second_run_changes_nothing(tmp_path, capsys):
    db = Db(tmp_path)
    _run(_args(db), capsys)
    first = len(db.calls())
    result = _run(dict(_args(db), _ansible_diff=True), capsys)
    assert result["changed"] is False
    assert result["commands"] == []
    assert db.calls()[first:] == ["-n -P show cluster format=cluster",
                                  "-n -P show assoc format=cluster,account,user,fairshare,grptres"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_quota_and_fairshare_changes_modify_the_account(tmp_path, capsys):
    db = Db(tmp_path, clusters=["lab"], assocs=[
        ["lab", "root", "", "1", {}], ["lab", "root", "root", "1", {}],
        ["lab", "research", "", "1", {"gres/gpu": "2", "cpu": "512"}], ["lab", "research", "alice", "1", {}],
        ["lab", "product", "", "3", {"gres/gpu": "8"}],
        ["lab", "legacy", "", "1", {}]])
    accounts = [{"name": "research", "gpu_limit": 4, "fairshare": 2}, {"name": "product", "gpu_limit": None, "fairshare": 3}]
    result = _run(_args(db, accounts=accounts, _ansible_diff=True), capsys)
    assert result["changed"] is True
    assert db.changes() == [
        "-i modify account where name=research cluster=lab set fairshare=2 grptres=gres/gpu=4",
        "-i modify account where name=product cluster=lab set grptres=gres/gpu=-1",
    ]
    assocs = {(a[1], a[2]): a for a in db.assocs()}
    assert assocs[("research", "")][4] == {"gres/gpu": "4", "cpu": "512"}  # other TRES limits kept
    assert assocs[("product", "")][4] == {}
    assert ("legacy", "") in assocs  # not in the plan, no prune: left alone
    diff = result["diff"]
    assert "account research fairshare=1 grptres=cpu=512,gres/gpu=2\n  user alice\n" in diff["before"]
    assert "account research fairshare=2 grptres=cpu=512,gres/gpu=4\n  user alice\n" in diff["after"]
    assert "account product fairshare=3 grptres=none" in diff["after"]
    assert "account legacy" in diff["after"]


def test_check_mode_reports_and_runs_no_change(tmp_path, capsys):
    db = Db(tmp_path, clusters=["lab"], assocs=[["lab", "root", "", "1", {}], ["lab", "root", "root", "1", {}]])
    result = _run(_args(db, _ansible_check_mode=True, _ansible_diff=True), capsys)
    assert result["changed"] is True
    assert db.changes() == []
    assert result["commands"] == [
        "sacctmgr -i add account research cluster=lab fairshare=1 grptres=gres/gpu=2",
        "sacctmgr -i add account product cluster=lab fairshare=3",
        "sacctmgr -i add user alice account=research cluster=lab",
    ]
    assert result["diff"]["before"] == "cluster lab\n"
    assert "account research fairshare=1 grptres=gres/gpu=2\n  user alice\n" in result["diff"]["after"]
    assert result["accounts"] == []


def test_prune_removes_accounts_and_users_the_plan_does_not_have(tmp_path, capsys):
    db = Db(tmp_path, clusters=["lab", "other"], assocs=[
        ["lab", "root", "", "1", {}], ["lab", "root", "root", "1", {}],
        ["lab", "research", "", "1", {"gres/gpu": "2"}], ["lab", "research", "alice", "1", {}],
        ["lab", "research", "mallory", "1", {}],
        ["lab", "product", "", "3", {}], ["lab", "product", "carol", "1", {}],
        ["lab", "legacy", "", "1", {}], ["lab", "legacy", "dave", "1", {}],
        ["other", "legacy", "", "1", {}]])
    result = _run(_args(db, prune=True), capsys)
    assert db.changes() == [
        "-i remove user where name=mallory account=research cluster=lab",
        "-i remove account where name=legacy cluster=lab",
    ]
    assert result["accounts"] == [
        {"name": "product", "fairshare": "3", "gpu_limit": None, "users": ["carol"]},  # product not in users: kept
        {"name": "research", "fairshare": "1", "gpu_limit": 2, "users": ["alice"]},
    ]
    assert ["other", "legacy", "", "1", {}] in db.assocs()  # another cluster is not touched


def test_a_failing_sacctmgr_fails_the_task_with_its_message(tmp_path, capsys):
    db = Db(tmp_path, down=True)
    result = _run(_args(db), capsys)
    assert result["failed"] is True
    assert result["msg"] == ("sacctmgr -n -P show cluster format=cluster exited 1: "
                             "sacctmgr: error: Problem talking to the database: Connection refused")


def test_bad_options_are_named(tmp_path, capsys):
    db = Db(tmp_path)
    result = _run(_args(db, accounts=[{"name": "research", "gpu_limit": -1}], users={"ops": ["eve"]}), capsys)
    assert result["failed"] is True
    assert result["problems"] == [
        "accounts[0].gpu_limit must be a number of GPUs >= 0 or null (no limit), not -1",
        "users.ops: account ops is not in accounts",
    ]
    assert db.calls() == []


def test_missing_sacctmgr(tmp_path, capsys):
    result = _run({"cluster": "lab", "sacctmgr": str(tmp_path / "nope")}, capsys)
    assert result["failed"] is True and "not found" in result["msg"]


# --- the logic, on recorded output ----------------------------------------------------------------

ASSOC_OUTPUT = """lab|root||1|
lab|root|root|1|
lab|research||1|gres/gpu=2
lab|research|alice|1|
lab|product||parent|cpu=64,gres/gpu=8
"""


def test_parse_assocs_reads_parsable2_output():
    assocs = logic.parse_assocs(ASSOC_OUTPUT)
    assert assocs[2] == {"cluster": "lab", "account": "research", "user": "", "fairshare": "1",
                         "grptres": {"gres/gpu": "2"}}
    assert assocs[4]["fairshare"] == "parent" and assocs[4]["grptres"] == {"cpu": "64", "gres/gpu": "8"}
    assert logic.parse_names("Lab|10.0.0.1|6817|9728|1|||||||||normal|\n\n") == ["lab"]
    with pytest.raises(logic.AccountsError):
        logic.parse_assocs("lab|research\n")


def test_plan_compares_in_lower_case_and_keeps_other_clusters_apart():
    cluster, accounts, users = logic.check_request("Lab", [{"name": "Research", "gpu_limit": 2, "fairshare": 1},
                                                           {"name": "product", "gpu_limit": 8, "fairshare": "parent"}],
                                                   {"Research": ["Alice"]})
    plan = logic.plan_changes(cluster, accounts, users, ["lab"], logic.parse_assocs(ASSOC_OUTPUT))
    assert plan["commands"] == []
    other = logic.plan_changes("other", accounts, {}, ["lab"], logic.parse_assocs(ASSOC_OUTPUT))
    assert other["commands"][0] == ["-i", "add", "cluster", "other"]
    assert other["before"] == "cluster other: not registered\n"


def test_fairshare_null_is_left_as_it_is():
    _cluster, accounts, _users = logic.check_request("lab", [{"name": "product", "gpu_limit": 8, "fairshare": None}], {})
    plan = logic.plan_changes("lab", accounts, {}, ["lab"], logic.parse_assocs(ASSOC_OUTPUT))
    assert plan["commands"] == []
