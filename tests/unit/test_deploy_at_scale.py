"""Deploying at scale (docs/performance.md, "Deploying at scale"; issue #22 item 5).

The shipped playbooks expose their batch sizes and failure limits as variables and Ansible honours
them as written: the keywords of each play are lifted, unchanged, into a play over five local hosts
whose tasks record the batches. The settings the docs recommend for ansible.cfg are real
ansible-core settings, and the benchmark that measured them keeps its twin to itself.
"""

import configparser
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = os.path.join(ROOT, "playbooks")


def _plays(name):
    with open(os.path.join(PLAYBOOKS, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _play(name, hosts):
    found = [p for p in _plays(name) if p.get("hosts") == hosts and "serial" in p]
    assert len(found) == 1, "%s: one play on %s with serial, found %d" % (name, hosts, len(found))
    return found[0]


def test_switches_change_in_batches_of_fabric_switch_serial():
    plays = _plays("switches.yml")
    render, configure = plays[0], _play("switches.yml", "ethernet_switches")
    # Every switch is rendered before any is changed, and one that cannot be stops all.
    assert render["any_errors_fatal"] is True and "serial" not in render
    assert plays.index(configure) == 1
    assert configure["serial"] == "{{ fabric_switch_serial | default('100%') }}"
    # Backward compatible: no failed switch is tolerated unless asked.
    assert configure["max_fail_percentage"] == "{{ fabric_switch_max_fail_percentage | default(0) }}"


def test_gpu_hosts_change_in_batches_of_gpu_hosts_serial():
    play = _play("gpu_hosts.yml", "gpu_nodes")
    assert play["serial"] == "{{ gpu_hosts_serial | default('100%') }}"


def test_subnet_managers_change_one_at_a_time():
    play = _play("ib_fabric.yml", "{{ ib_fabric_hosts | default('subnet_managers') }}")
    assert play["serial"] == 1
    assert play["max_fail_percentage"] == 0


def test_the_variables_are_declared_where_the_project_declares_them():
    with open(os.path.join(PLAYBOOKS, "switches.yml"), encoding="utf-8") as handle:
        header = handle.read()
    for name in ("fabric_switch_serial", "fabric_switch_max_fail_percentage"):
        assert re.search(r"^#.*-e %s=" % name, header, re.M), "switches.yml's header shows %s" % name
    with open(os.path.join(ROOT, "docs", "switches.md"), encoding="utf-8") as handle:
        page = handle.read()
    for name in ("fabric_switch_serial", "fabric_switch_max_fail_percentage"):
        assert "`%s`" % name in page or "%s=" % name in page, "docs/switches.md names %s" % name
    with open(os.path.join(ROOT, "docs", "performance.md"), encoding="utf-8") as handle:
        page = handle.read()
    for name in ("fabric_switch_serial", "fabric_switch_max_fail_percentage", "gpu_hosts_serial"):
        assert name in page, "docs/performance.md, Deploying at scale, names %s" % name


# ------------------------------------------------------------------ Ansible honours them as shipped
def _ansible_playbook():
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return beside if os.path.exists(beside) else shutil.which("ansible-playbook")


def _batches(tmp_path, play, extra):
    """Run the play's keywords over h1..h5 (local); return (rc, batches seen, hosts that finished)."""
    keywords = dict((k, play[k]) for k in ("serial", "max_fail_percentage") if k in play)
    probe = dict(name="Keywords of the shipped play", hosts="all", gather_facts=False, **keywords)
    probe["tasks"] = [
        {"name": "Batch", "ansible.builtin.debug": {"msg": "batch={{ ansible_play_batch | join(',') }}"},
         "run_once": True},
        {"name": "Fail where asked", "ansible.builtin.fail": {"msg": "asked"},
         "when": "inventory_hostname in (fail_hosts | default([]))"},
        {"name": "Done", "ansible.builtin.debug": {"msg": "done={{ inventory_hostname }}"}},
    ]
    (tmp_path / "play.yml").write_text(yaml.safe_dump([probe], sort_keys=False))
    (tmp_path / "hosts.ini").write_text("[all]\nh1\nh2\nh3\nh4\nh5\n\n[all:vars]\nansible_connection=local\n")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS="5", ANSIBLE_RETRY_FILES_ENABLED="false",
               ANSIBLE_STRATEGY="linear")
    args = [_ansible_playbook(), "-i", str(tmp_path / "hosts.ini"), str(tmp_path / "play.yml")]
    for key, value in extra.items():
        args += ["-e", "%s=%s" % (key, value)]
    out = subprocess.run(args, capture_output=True, text=True, check=False, env=env, cwd=str(tmp_path))
    batches = re.findall(r'"msg": "batch=([^"]*)"', out.stdout)
    done = re.findall(r'"msg": "done=([^"]*)"', out.stdout)
    return out.returncode, batches, done, out.stdout + out.stderr


needs_ansible = pytest.mark.skipif(not _ansible_playbook(), reason="ansible-playbook is not installed")


@needs_ansible
def test_switch_batches_and_failure_limit_as_shipped(tmp_path):
    play = _play("switches.yml", "ethernet_switches")
    # Defaults: all at once.
    rc, batches, done, out = _batches(tmp_path, play, {})
    assert (rc, batches, sorted(done)) == (0, ["h1,h2,h3,h4,h5"], ["h1", "h2", "h3", "h4", "h5"]), out
    # Two at a time; one failed switch stops the play: the rest of its batch and the batches after.
    rc, batches, done, out = _batches(tmp_path, play, {"fabric_switch_serial": 2, "fail_hosts": "h1"})
    assert rc != 0 and batches == ["h1,h2"] and done == [], out
    # Half of a batch may fail: 50 % is reached, not exceeded, so every batch runs.
    rc, batches, done, out = _batches(tmp_path, play, {"fabric_switch_serial": 2, "fail_hosts": "h1",
                                                       "fabric_switch_max_fail_percentage": 50})
    assert batches == ["h1,h2", "h3,h4", "h5"] and sorted(done) == ["h2", "h3", "h4", "h5"], out
    assert rc != 0, "a failed host still fails the run"


@needs_ansible
def test_gpu_host_batches_as_shipped(tmp_path):
    play = _play("gpu_hosts.yml", "gpu_nodes")
    rc, batches, done, out = _batches(tmp_path, play, {"gpu_hosts_serial": "40%"})
    assert rc == 0 and batches == ["h1,h2", "h3,h4", "h5"] and len(done) == 5, out


# ------------------------------------------------------------------ recommended settings are real
def _ini_blocks(page):
    return re.findall(r"```ini\n(.*?)```", page, re.S)


def _core_ini_keys():
    from ansible.config.manager import ConfigManager
    keys = set()
    for definition in ConfigManager().get_configuration_definitions().values():
        for entry in definition.get("ini") or []:
            keys.add((entry["section"], entry["key"]))
    return keys


@pytest.mark.parametrize("page", ["performance.md", "execution-environment.md"])
def test_recommended_ansible_cfg_names_real_settings(page):
    with open(os.path.join(ROOT, "docs", page), encoding="utf-8") as handle:
        blocks = _ini_blocks(handle.read())
    assert blocks, "docs/%s shows the ansible.cfg it recommends" % page
    known = _core_ini_keys()
    seen = set()
    for block in blocks:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(block)
        for section in parser.sections():
            for key in parser[section]:
                assert (section, key) in known, "docs/%s: [%s] %s is no ansible-core setting" % (page, section, key)
                seen.add(key)
    if page == "performance.md":
        assert {"forks", "pipelining", "gathering", "fact_caching", "fact_caching_connection"} <= seen


def test_execution_environment_page_says_what_the_job_template_carries():
    with open(os.path.join(ROOT, "docs", "execution-environment.md"), encoding="utf-8") as handle:
        page = handle.read()
    for field in ("forks", "job_slice_count", "use_fact_cache", "execution_environment"):
        assert field in page, "docs/execution-environment.md names the job template's %s" % field
    assert "performance.md#deploying-at-scale" in page


def test_deploy_bench_twin_is_its_own():
    with open(os.path.join(ROOT, "benchmarks", "deploy_bench.py"), encoding="utf-8") as handle:
        text = handle.read()
    default = re.search(r'"--name", default="(\w+)"', text).group(1)
    assert default not in ("val", "vbx", "hn", "lab"), "the bench's twin must not meet another test's"


def _ansible_builder():
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    return beside if os.path.exists(beside) else shutil.which("ansible-builder")


@pytest.mark.skipif(not _ansible_builder(), reason="ansible-builder is not installed")
def test_the_image_carries_the_ansible_cfg_in_its_final_stage(tmp_path):
    """The EE page's build steps put its ansible.cfg into the image that runs the jobs (offline create)."""
    with open(os.path.join(ROOT, "docs", "execution-environment.md"), encoding="utf-8") as handle:
        page = handle.read()
    steps = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", page, re.S) if "append_final" in b]
    assert len(steps) == 1, "docs/execution-environment.md shows one set of build steps for ansible.cfg"
    cfg = _ini_blocks(page[page.index("append_final"):])[0]
    (tmp_path / "ansible.cfg").write_text(cfg)
    definition = {"version": 3, "images": {"base_image": {"name": "quay.io/fedora/fedora:42"}},
                  "dependencies": {"ansible_core": {"package_pip": "ansible-core>=2.16"},
                                   "ansible_runner": {"package_pip": "ansible-runner"}}}
    definition.update(steps[0])
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump(definition, sort_keys=False))
    out = subprocess.run([_ansible_builder(), "create", "--file", "execution-environment.yml", "--context", "context"],
                         capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr
    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    final = containerfile.index("AS final")
    copy = containerfile.index("_build/configs/ansible.cfg /etc/ansible/ansible.cfg")
    assert copy > final, "the ansible.cfg is copied into the final image, not a build stage"
    assert (tmp_path / "context" / "_build" / "configs" / "ansible.cfg").read_text() == cfg


def _deploy_bench():
    """benchmarks/deploy_bench.py as a module, sys.path as it was (it adds tests/validate for twin.py)."""
    saved = list(sys.path)
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        import deploy_bench  # pylint: disable=import-error,import-outside-toplevel
    finally:
        sys.path[:] = saved
    return deploy_bench


def test_deploy_bench_skips_with_a_json_line_where_there_is_no_twin(monkeypatch, capsys):
    deploy_bench = _deploy_bench()
    monkeypatch.setattr(deploy_bench, "why_not_usable", lambda: "the lab twin needs root")

    def no_twin(*args, **kwargs):
        raise AssertionError("a twin was made although the bench should skip")
    monkeypatch.setattr(deploy_bench, "ValidateTwin", no_twin)
    assert deploy_bench.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [{"benchmark": "deploy", "skipped": "the lab twin needs root"}]


def test_deploy_bench_calls_a_setting_only_past_the_noise():
    deploy_bench = _deploy_bench()
    runs = [{"run": "a", "ok": True, "seconds": 100.0, "cpu_s": 50.0},
            {"run": "b", "ok": True, "seconds": 80.0, "cpu_s": 48.0},
            {"run": "c", "ok": False, "seconds": 1.0, "cpu_s": 1.0}]
    won = deploy_bench.compare(runs, "a", "b", "forks", ("forks 5", "forks 16"))
    assert won["winner"] == "forks 16" and won["winner_by_cpu"].startswith("same")
    # A baseline that drifted by 25 % between its two runs makes a 20 % difference noise.
    won = deploy_bench.compare(runs, "a", "b", "forks", ("forks 5", "forks 16"), {"seconds": 0.25})
    assert won["winner"].startswith("same")
    assert deploy_bench.compare(runs, "a", "c", "x", ("1", "2"))["winner"] == "not measured"
    assert deploy_bench.spread(runs, "a", "b") == {"seconds": 0.2, "cpu_s": 0.04}
