"""The artifact a Galaxy user installs: the collection tarball, checked from the outside.

Everything goes through the command-line tools a user has (ansible-galaxy, pip,
ansible-playbook, ansible-builder); nothing here imports the collection's Python code, so the
test does not depend on where modules sit under plugins/.

- The tarball (``ansible-galaxy collection build``) holds what users need and none of the
  development files (tests, benchmarks, Makefile, mk/, scripts/, dev configs).
- Installed with ``ansible-galaxy collection install --offline --no-deps``, into a fresh virtual
  environment that has only ansible-core (pinned as in requirements-dev.txt) and the
  collection's own requirements.txt, ``refarch.ai_cluster.plan`` plans the lab design that ships
  in the collection, from a directory outside the checkout.
- ansible-builder sees the collection's requirements (meta/execution-environment.yml) and
  ``ansible-builder create`` writes the build context of an execution environment that installs
  the tarball, offline (an image build needs a base image; none is reachable here).

Run: make dist-check (about 20 s; pip needs PyPI, or its cache, for the fresh venv).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NAMESPACE, NAME = "refarch", "ai_cluster"
RUNTIME_PACKAGES = ("netaddr", "jsonschema", "pyyaml")

# Top-level entries of the repo that must not reach the tarball (a name, or a name followed by
# "/" for a directory), and paths inside it that must not either.
DEV_ONLY = (
    "tests/", "benchmarks/", "Makefile", "mk/", "scripts/", "extensions/", "build/", ".venv/",
    ".git/", ".gitignore", ".ci/", "ansible.cfg", ".ansible-lint", ".yamllint", "pytest.ini",
    "requirements-dev.txt", "changelogs/fragments/",
)
# What a user of the collection needs (a path, or a directory that must hold files).
USER_NEEDS = (
    "MANIFEST.json", "FILES.json", "README.md", "LICENSE", "requirements.txt", "bindep.txt",
    "meta/runtime.yml", "meta/execution-environment.yml", "changelogs/changelog.yaml",
    "playbooks/plan.yml", "inventories/lab/design.yml",
    "plugins/", "roles/", "catalog/", "references/", "schemas/", "docs/",
)


def run(cmd, *, cwd, env=None, timeout=300):
    """Run a command; on failure show its output in the assertion message."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert proc.returncode == 0, "%s failed (rc %d)\n--- stdout\n%s\n--- stderr\n%s" % (
        " ".join(str(c) for c in cmd), proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:])
    return proc


def tool(name):
    """A tool of the venv that runs the tests (the project's .venv), else from PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else name


def clean_env(**extra):
    """The environment without anything that could lead a tool back to this checkout.

    PYTHONPATH (make units puts build/collections on it), ANSIBLE_* settings and the project's
    ansible.cfg (read from the current directory, so every command runs outside the checkout or
    with ANSIBLE_CONFIG pointing elsewhere) are dropped.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ANSIBLE_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def requirement_lines(path):
    """Requirement lines of a pip requirements file (no comments, options or includes)."""
    lines = []
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = re.sub(r"(^|\s)#.*$", "", raw).strip()
            if line and not line.startswith("-"):
                lines.append(line)
    return lines


def dev_pins():
    """{normalised name: version} of the exact pins in requirements-dev.txt."""
    pins = {}
    for line in requirement_lines(os.path.join(ROOT, "requirements-dev.txt")):
        req = Requirement(line)
        exact = [s.version for s in req.specifier if s.operator == "=="]
        if exact:
            pins[req.name.lower()] = exact[0]
    return pins


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """Build the tarball from the work tree, as a release would."""
    out = tmp_path_factory.mktemp("dist")
    run([tool("ansible-galaxy"), "collection", "build", "--output-path", str(out), ROOT],
        cwd=str(out), env=clean_env())
    tarballs = sorted(out.glob("%s-%s-*.tar.gz" % (NAMESPACE, NAME)))
    assert len(tarballs) == 1, tarballs
    with tarfile.open(tarballs[0]) as tar:
        members = [m.name + ("/" if m.isdir() else "") for m in tar.getmembers()]
    return {"tarball": tarballs[0], "members": members, "dir": out}


@pytest.fixture(scope="module")
def installed(dist):
    """The tarball installed the way a user without Galaxy access installs it."""
    collections = dist["dir"] / "collections"
    run([tool("ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
         "-p", str(collections), str(dist["tarball"])], cwd=str(dist["dir"]), env=clean_env())
    path = collections / "ansible_collections" / NAMESPACE / NAME
    assert (path / "MANIFEST.json").is_file()
    return {"collections": collections, "path": path, "dir": dist["dir"]}


@pytest.fixture(scope="module")
def runtime_venv(installed):
    """A fresh venv with ansible-core and the installed collection's requirements.txt only.

    pip reaches PyPI; its wheel cache (PIP_CACHE_DIR, default ~/.cache/pip, already filled by
    scripts/setup.sh) makes a rerun take about ten seconds.
    """
    core = dev_pins().get("ansible-core")
    assert core, "requirements-dev.txt pins no ansible-core"
    venv = installed["dir"] / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=str(installed["dir"]), env=clean_env())
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         "ansible-core==%s" % core, "-r", str(installed["path"] / "requirements.txt")],
        cwd=str(installed["dir"]), env=clean_env(), timeout=600)
    return venv


def test_tarball_leaves_out_development_files(dist):
    leaked = sorted(m for m in dist["members"]
                    if any(m == d or m.startswith(d) if d.endswith("/") else m == d
                           for d in DEV_ONLY)
                    or "__pycache__/" in m or m.endswith(".pyc"))
    assert not leaked, "development files in %s (build_ignore in galaxy.yml): %s" % (
        dist["tarball"].name, leaked[:20])


def test_tarball_holds_what_users_need(dist):
    members = set(dist["members"])
    missing = [need for need in USER_NEEDS
               if not (any(m.startswith(need) and m != need for m in members)
                       if need.endswith("/") else need in members)]
    assert not missing, "missing from %s: %s" % (dist["tarball"].name, missing)


def test_runtime_requirements_match_the_dev_pins(installed):
    """requirements.txt (as shipped) names the runtime libraries, and the versions the project
    is tested with (requirements-dev.txt, which includes it) fall in its ranges."""
    shipped = {Requirement(line).name.lower(): Requirement(line)
               for line in requirement_lines(installed["path"] / "requirements.txt")}
    assert set(RUNTIME_PACKAGES) <= set(shipped), shipped
    pins = dev_pins()
    for name in RUNTIME_PACKAGES:
        assert name in pins, "requirements-dev.txt pins no %s" % name
        assert shipped[name].specifier.contains(pins[name]), (
            "%s==%s (requirements-dev.txt) is outside %s (requirements.txt)"
            % (name, pins[name], shipped[name]))
    with open(os.path.join(ROOT, "requirements-dev.txt"), encoding="utf-8") as handle:
        assert re.search(r"^-r\s+requirements\.txt\s*$", handle.read(), re.M), (
            "requirements-dev.txt should include requirements.txt (-r requirements.txt)")


def test_plan_from_the_installed_collection(installed, runtime_venv):
    """refarch.ai_cluster.plan (FQCN playbook) plans the shipped lab design, outside the checkout,
    in a venv that has only the runtime requirements."""
    freeze = run([str(runtime_venv / "bin" / "python"), "-m", "pip", "freeze"],
                 cwd=str(installed["dir"]), env=clean_env()).stdout.lower()
    for dev_tool in ("ansible-lint", "molecule", "pytest", "ansible-builder"):
        assert not re.search(r"^%s==" % re.escape(dev_tool), freeze, re.M), freeze

    work = installed["dir"] / "work"
    work.mkdir()
    plan_dir = work / "plan"
    env = clean_env(ANSIBLE_COLLECTIONS_PATH=str(installed["collections"]),
                    ANSIBLE_HOME=str(work / ".ansible"),
                    PATH=os.pathsep.join([str(runtime_venv / "bin"), "/usr/local/bin", "/usr/bin",
                                          "/bin"]))
    bin_dir = runtime_venv / "bin"

    listed = run([str(bin_dir / "ansible-galaxy"), "collection", "list",
                  "%s.%s" % (NAMESPACE, NAME), "--format", "json"], cwd=str(work), env=env)
    found = json.loads(listed.stdout)
    assert list(found) == [str(installed["collections"] / "ansible_collections")], found

    design = installed["path"] / "inventories" / "lab" / "design.yml"
    run([str(bin_dir / "ansible-playbook"), "%s.%s.plan" % (NAMESPACE, NAME),
         "-e", "design=%s" % design, "-e", "plan_dir=%s" % plan_dir], cwd=str(work), env=env)
    assert (plan_dir / "plan.json").is_file()
    with open(plan_dir / "summary.json", encoding="utf-8") as handle:
        summary = json.load(handle)
    assert summary["nodes"] > 0, summary


def test_ansible_builder_sees_the_requirements(installed):
    """What the builder stage of an EE build does with the installed collection: the Python
    requirements come from meta/execution-environment.yml; every system package sits in an
    optional profile, so bindep's default profile (what an EE installs) is empty."""
    out = installed["dir"] / "introspect"
    out.mkdir()
    run([tool("ansible-builder"), "introspect", "--sanitize", str(installed["collections"]),
         "--write-pip", str(out / "requirements.txt"), "--write-bindep", str(out / "bindep.txt")],
        cwd=str(installed["dir"]), env=clean_env())
    key = "%s.%s" % (NAMESPACE, NAME)
    python = (out / "requirements.txt").read_text().lower()
    # ansible-builder drops PyYAML itself (ansible-core brings it).
    for name in ("netaddr", "jsonschema"):
        assert re.search(r"\b%s\b.*from collection %s" % (name, re.escape(key)), python), python
    assert (out / "bindep.txt").is_file()
    default_profile = run([tool("bindep"), "-f", str(out / "bindep.txt"), "-l", "newline"],
                          cwd=str(installed["dir"]), env=clean_env())
    assert default_profile.stdout.strip() == "", default_profile.stdout
    twin = run([tool("bindep"), "-f", str(out / "bindep.txt"), "-l", "newline", "twin"],
               cwd=str(installed["dir"]), env=clean_env())
    assert "podman" in twin.stdout.split(), twin.stdout


def test_ansible_builder_create(dist, installed):
    """ansible-builder create (offline) for a version 3 EE definition that installs the tarball
    and takes the collection's requirements.txt and bindep.txt."""
    ee_dir = installed["dir"] / "ee"
    ee_dir.mkdir()
    tarball = dist["tarball"]
    (ee_dir / "requirements.yml").write_text(yaml.safe_dump({"collections": [
        {"name": "/build/collections/%s" % tarball.name, "type": "file"}]}))
    definition = {
        "version": 3,
        "images": {"base_image": {"name": "quay.io/fedora/fedora:42"}},
        "dependencies": {
            "ansible_core": {"package_pip": "ansible-core==%s" % dev_pins()["ansible-core"]},
            "ansible_runner": {"package_pip": "ansible-runner"},
            "galaxy": "requirements.yml",
            "python": str(installed["path"] / "requirements.txt"),
            "system": str(installed["path"] / "bindep.txt"),
        },
        "additional_build_files": [{"src": str(tarball), "dest": "collections"}],
    }
    (ee_dir / "execution-environment.yml").write_text(yaml.safe_dump(definition, sort_keys=False))
    run([tool("ansible-builder"), "create", "--file", "execution-environment.yml",
         "--context", "context"], cwd=str(ee_dir), env=clean_env())

    build = ee_dir / "context" / "_build"
    containerfile = (ee_dir / "context" / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect" in containerfile
    assert (build / "collections" / tarball.name).is_file()
    python = " ".join(requirement_lines(build / "requirements.txt")).lower()
    for name in RUNTIME_PACKAGES:
        assert re.search(r"\b%s\b" % name, python), python
    assert (build / "bindep.txt").read_text() == (installed["path"] / "bindep.txt").read_text()
