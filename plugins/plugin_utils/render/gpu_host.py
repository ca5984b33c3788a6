# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings of the ``gpu_host`` role: which packages, from which repositories, locked how.

``gpu_host_settings(...)`` turns the role's variables, the host's OS facts, the catalog entry of
the server model and the design's ``hosts`` section into one dict that the role's tasks only
read. Package names follow NVIDIA's driver installation guide: branch-suffixed meta packages
(``cuda-drivers-570``, ``nvidia-open-570``, ``nvidia-fabricmanager-570``) on Debian and Ubuntu up
to branch 580, unsuffixed names from 590 on (NVIDIA renamed them and moved branch tracking to
pinning); DNF module streams (``nvidia-driver:570-open``) on RHEL before 580, packages plus
versionlock from 580 on.
"""

from __future__ import annotations

from typing import Any

import fnmatch
import re

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import GpuHostError  # noqa: F401 (raised here, caught by callers)

SOURCES = ("cuda", "distribution", "mirror")
FLAVORS = ("auto", "open", "proprietary")
CUDA_BASE = "https://developer.download.nvidia.com/compute/cuda/repos"
# Signing keys NVIDIA publishes next to each repository (driver installation guide).
CUDA_KEYS = {"Debian": "3bf863cc.pub", "RedHat": "D42D0685.pub"}
TOOLKIT_BASE = "https://nvidia.github.io/libnvidia-container"
# Names of NVIDIA driver packages (APT globs): the branch pin and the holds apply to the installed
# packages matching these whose version is in the branch, so that nvidia-container-toolkit (1.x)
# and DCGM (4.x) never are.
APT_LOCK_PATTERNS = ("cuda-drivers*", "nvidia-*", "libnvidia-*", "libcuda*", "libnvcuvid*",
                     "libnvoptix*", "libxnvctrl*", "libnvsdm*", "xserver-xorg-video-nvidia*")
DNF_LOCK_PATTERNS = ("cuda-drivers*", "nvidia-*", "libnvidia-*", "kmod-nvidia*", "xorg-x11-nvidia*",
                     "libnvsdm*")


def _branch(value):
    branch = str(value or "").strip()
    if not re.match(r"^\d{3,4}$", branch):
        raise GpuHostError("driver branch must be a number such as 570, got %r" % (value,))
    return branch


def _cuda(value):
    match = re.match(r"^(\d+)[.-](\d+)$", str(value or "").strip())
    if not match:
        raise GpuHostError("CUDA version must look like 12.8, got %r" % (value,))
    return match.group(1), match.group(2)


def cuda_repo_slug(distribution: Any, major_version: Any) -> Any:
    """The directory of NVIDIA's CUDA repositories for a distribution, e.g. ubuntu2204, rhel9."""
    dist = (distribution or "").lower()
    major = str(major_version or "").split(".", maxsplit=1)[0]
    if dist == "ubuntu":
        return "ubuntu%s" % str(major_version).replace(".", "")
    if dist == "debian":
        return "debian%s" % major
    if dist in ("redhat", "rocky", "almalinux", "centos", "oraclelinux", "ol"):
        return "rhel%s" % major
    raise GpuHostError("no NVIDIA CUDA repository for %s %s" % (distribution, major_version))


def default_repositories(os_family: Any, distribution: Any, distribution_version: Any, architecture: Any, container_toolkit: Any = True) -> Any:
    """NVIDIA's CUDA repository (and the container toolkit's) for this OS, with their keys."""
    arch = "sbsa" if architecture in ("aarch64", "arm64") else "x86_64"
    slug = cuda_repo_slug(distribution, distribution_version)
    base = "%s/%s/%s" % (CUDA_BASE, slug, arch)
    repos: list[dict[str, Any]] = []
    if os_family == "Debian":
        repos.append({"name": "nvidia-cuda", "uris": base + "/", "suites": "/", "components": "",
                      "key_url": "%s/%s" % (base, CUDA_KEYS["Debian"])})
        if container_toolkit:
            debarch = "arm64" if arch == "sbsa" else "amd64"
            repos.append({"name": "nvidia-container-toolkit", "uris": "%s/stable/deb/%s/" % (TOOLKIT_BASE, debarch),
                          "suites": "/", "components": "", "key_url": TOOLKIT_BASE + "/gpgkey"})
    else:
        repos.append({"name": "nvidia-cuda", "baseurl": base, "key_url": "%s/%s" % (base, CUDA_KEYS["RedHat"])})
        if container_toolkit:
            repos.append({"name": "nvidia-container-toolkit", "baseurl": TOOLKIT_BASE + "/stable/rpm/$basearch",
                          "key_url": TOOLKIT_BASE + "/gpgkey", "repo_gpgcheck": True, "gpgcheck": False})
    return repos


# GPU generations for which NVIDIA recommends the open GPU kernel modules (NVIDIA Technical Blog,
# "NVIDIA Transitions Fully Towards Open-Source GPU Kernel Modules", 2024: recommended for Turing,
# Ampere, Ada Lovelace and Hopper; required for Grace Hopper and Blackwell, where the catalog sets
# gpus.open_kernel_modules_required). ``auto`` picks them there; proprietary only where the
# catalog gives no generation.
OPEN_RECOMMENDED = ("turing", "ampere", "ada", "hopper", "blackwell")
# Fourth-generation NVSwitch systems (HGX/DGX B200 and later, i.e. Blackwell) need the NVLink
# Subnet Manager beside Fabric Manager (NVIDIA Fabric Manager User Guide, release 2.3, 1.3.2
# "Systems Using Fourth Generation NVSwitches" and 1.5 "What is NVLink Subnet Manager?").
NVLSM_GENERATIONS = ("blackwell",)
NVLSM_PACKAGE = "nvlsm"
# Locked memory for RDMA: verbs pin (register) buffers, so RDMA users need an unlimited memlock
# limit (MLNX_OFED / DOCA-OFED user manual, "Installation": memlock unlimited in
# /etc/security/limits.conf; pam_limits applies limits.d to login sessions, not to systemd units).
MEMLOCK_LIMITS = ({"domain": "*", "type": "soft", "item": "memlock", "value": "unlimited"},
                  {"domain": "*", "type": "hard", "item": "memlock", "value": "unlimited"})


def _flavor(flavor, server):
    required = bool(server.get("open_kernel_modules_required"))
    if flavor not in FLAVORS:
        raise GpuHostError("driver flavor must be one of %s, got %r" % (", ".join(FLAVORS), flavor))
    if flavor == "auto":
        return "open" if required or server.get("generation") in OPEN_RECOMMENDED else "proprietary"
    if flavor == "proprietary" and required:
        raise GpuHostError("%s GPUs (%s) need the open kernel modules; set the driver flavor to open or auto"
                           % (server.get("generation") or "these", server.get("gpu_model") or server.get("model")))
    return flavor


def _versioned(names, version, manager):
    """Pin the driver meta packages to an exact driver version when one is given."""
    if not version:
        return list(names)
    if manager == "apt":
        return ["%s=%s*" % (n, version) if not n.startswith("@") else n for n in names]
    return ["%s-%s*" % (n, version) if not n.startswith("@") else n for n in names]


def gpu_host_settings(os_family: Any, distribution: Any, distribution_version: Any, architecture: Any = "x86_64", server: Any = None,
                      design_hosts: Any = None, driver_branch: Any = "", driver_version: Any = "", driver_flavor: Any = "auto",
                      cuda_version: Any = "", source: Any = "cuda", repositories: Any = None, install_cuda_toolkit: Any = True,
                      install_dcgm: Any = True, install_container_toolkit: Any = True, fabricmanager: Any = "auto",
                      packages: Any = None, mig_profile: Any = None, defaults: Any = None, dgx_os: Any = False,
                      memlock_unlimited: Any = True) -> Any:
    """Everything the gpu_host role installs and locks, as one dict.

    ``server``: the catalog entry (gpus: model, nvswitch, generation,
    open_kernel_modules_required). ``design_hosts``: the design's ``hosts`` section
    (driver_branch, cuda_version, mig_profile), used where the role's variable is empty.
    ``defaults``: {driver_branch, cuda_version} used when neither gives one. ``packages``:
    {driver, fabricmanager, cuda, dcgm, container_toolkit: [names]} replacing derived lists.
    ``dgx_os``: the host runs DGX OS (``/etc/dgx-release``): its own NVIDIA repositories are
    already configured, so source ``cuda`` adds no repository (the DGX OS user guide installs and
    upgrades the driver from DGX OS's repositories). ``memlock_unlimited``: limits for RDMA.
    """
    server = dict(server or {})
    hosts = dict(design_hosts or {})
    defaults = dict(defaults or {})
    if os_family not in ("Debian", "RedHat"):
        raise GpuHostError("gpu_host supports the Debian (Ubuntu, Debian) and RedHat (RHEL 9 family) OS "
                           "families, not %s" % os_family)
    if source not in SOURCES:
        raise GpuHostError("package source must be one of %s, got %r" % (", ".join(SOURCES), source))
    manager = "apt" if os_family == "Debian" else "dnf"
    branch = _branch(driver_branch or hosts.get("driver_branch") or defaults.get("driver_branch"))
    if driver_version and not str(driver_version).startswith(branch + "."):
        raise GpuHostError("driver version %s is not in branch %s" % (driver_version, branch))
    cuda_major, cuda_minor = _cuda(cuda_version or hosts.get("cuda_version") or defaults.get("cuda_version"))
    flavor = _flavor(driver_flavor, server)
    nvswitch = bool(server.get("nvswitch")) if fabricmanager == "auto" else bool(fabricmanager)
    renamed = int(branch) >= 590

    if source == "distribution" and distribution != "Ubuntu":
        raise GpuHostError("package source 'distribution' is supported on Ubuntu only (its archive carries "
                           "branch-pinned server drivers); use 'cuda' or 'mirror' on %s" % distribution)

    if manager == "apt":
        if source == "distribution":
            driver = ["nvidia-driver-%s-server%s" % (branch, "-open" if flavor == "open" else "")]
            fabric = ["nvidia-fabricmanager-%s" % branch]
            cuda = ["nvidia-cuda-toolkit"]
        else:
            suffix = "" if renamed else "-" + branch
            driver = ["nvidia-open%s" % suffix] if flavor == "open" else ["cuda-drivers%s" % suffix]
            fabric = ["nvidia-fabricmanager%s" % suffix]
            cuda = ["cuda-toolkit-%s-%s" % (cuda_major, cuda_minor)]
        lock_patterns = list(APT_LOCK_PATTERNS)
        version_package = driver[0]
    else:
        if int(branch) < 580:
            driver = ["@nvidia-driver:%s-%s" % (branch, "open" if flavor == "open" else "dkms")]
        else:
            driver = ["nvidia-open" if flavor == "open" else "cuda-drivers"]
        fabric = ["nvidia-fabric-manager"]
        cuda = ["cuda-toolkit-%s-%s" % (cuda_major, cuda_minor)]
        lock_patterns = list(DNF_LOCK_PATTERNS)
        version_package = "nvidia-driver"
    nvlsm = nvswitch and server.get("generation") in NVLSM_GENERATIONS
    derived = {
        "driver": _versioned(driver, driver_version, manager),
        "fabricmanager": (_versioned(fabric, driver_version or (branch if manager == "dnf" else ""), manager)
                          + ([NVLSM_PACKAGE] if nvlsm else [])) if nvswitch else [],
        "cuda": cuda if install_cuda_toolkit else [],
        "dcgm": ["datacenter-gpu-manager-4-cuda%s" % cuda_major] if install_dcgm else [],
        "container_toolkit": ["nvidia-container-toolkit"] if install_container_toolkit else [],
    }
    for key, names in (packages or {}).items():
        if key not in derived:
            raise GpuHostError("unknown package group %r; known: %s" % (key, ", ".join(sorted(derived))))
        derived[key] = list(names or [])

    if repositories:
        repos = list(repositories)
    elif source == "cuda" and dgx_os:
        repos = []
    elif source == "cuda":
        repos = default_repositories(os_family, distribution, distribution_version, architecture,
                                     container_toolkit=install_container_toolkit)
    elif source == "mirror":
        raise GpuHostError("package source 'mirror' needs the mirror's repositories (gpu_host_repositories)")
    else:
        repos = []
    for repo in repos:
        if not repo.get("name") or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", repo["name"]):
            raise GpuHostError("every repository needs a name of letters, digits, '.', '_' or '-': %r" % (repo,))
        keys = [k for k in ("key_url", "key_content", "key_path") if repo.get(k)]
        if len(keys) > 1:
            raise GpuHostError("repository %s: give one of key_url, key_content, key_path" % repo["name"])
        if not keys and not repo.get("trusted"):
            raise GpuHostError("repository %s has no signing key (key_url, key_content or key_path); "
                               "unsigned repositories are refused" % repo["name"])
        if manager == "apt" and not (repo.get("uris") and repo.get("suites")):
            raise GpuHostError("repository %s needs uris and suites (deb822 fields)" % repo["name"])
        if manager == "dnf" and not repo.get("baseurl"):
            raise GpuHostError("repository %s needs a baseurl" % repo["name"])
    repos = [_with_keyring(dict(repo), manager) for repo in repos]

    services = ["nvidia-persistenced"]
    if derived["fabricmanager"]:
        services.append("nvidia-fabricmanager")
    if derived["dcgm"]:
        services.append("nvidia-dcgm")
    mig = mig_profile if mig_profile not in (None, "") else hosts.get("mig_profile")
    return {
        "package_manager": manager,
        "source": source,
        "driver_branch": branch,
        "driver_version": driver_version or None,
        "driver_flavor": flavor,
        "open_kernel_modules_required": bool(server.get("open_kernel_modules_required")),
        "nvswitch": nvswitch,
        "gpu_model": server.get("gpu_model"),
        "gpu_count": server.get("gpu_count"),
        "cuda_version": "%s.%s" % (cuda_major, cuda_minor),
        "packages": derived,
        "install": [n for key in ("driver", "fabricmanager", "cuda", "dcgm", "container_toolkit")
                    for n in derived[key]],
        "version_package": version_package,
        "pin_version": (driver_version + "*") if driver_version else branch + ".*",
        "lock_prefix": driver_version or branch,
        "lock_patterns": lock_patterns,
        "repositories": repos,
        "services": services,
        "mig_profile": mig or None,
        "nvlsm": bool(nvlsm and derived["fabricmanager"]),
        "dgx_os": bool(dgx_os),
        "limits": [dict(x) for x in MEMLOCK_LIMITS] if memlock_unlimited else [],
    }


def _with_keyring(repo, manager):
    """Where the repository's key lives on the host: ``keyring`` (APT Signed-By) or ``gpgkey`` (DNF)."""
    ext = "gpg" if str(repo.get("key_url") or "").endswith(".gpg") else "asc"
    if manager == "apt":
        if repo.get("key_path"):
            repo["keyring"] = repo["key_path"]
        elif repo.get("key_url") or repo.get("key_content"):
            repo["keyring"] = "/etc/apt/keyrings/refarch-%s.%s" % (repo["name"], ext)
        else:
            repo["keyring"] = None
    else:
        if repo.get("key_url"):
            repo["gpgkey"] = repo["key_url"]
        elif repo.get("key_path"):
            repo["gpgkey"] = "file://" + repo["key_path"]
        elif repo.get("key_content"):
            repo["keyring"] = "/etc/pki/rpm-gpg/refarch-%s.asc" % repo["name"]
            repo["gpgkey"] = "file://" + repo["keyring"]
        else:
            repo["gpgkey"] = None
    repo.setdefault("components", "")
    repo.setdefault("trusted", False)
    return repo


def _in_target(version, prefix):
    """Whether a package version (epoch dropped) is the target branch (570) or version (570.133.20)."""
    bare = str(version).split(":", 1)[-1]
    return bare == prefix or bare.startswith(prefix + ".") or bare.startswith(prefix + "-")


def _matches(name, patterns):
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def installed_to_lock(installed: Any, patterns: Any, prefix: Any) -> Any:
    """Installed packages to hold: names matching ``patterns`` whose version is the target.

    ``installed``: {name: version}; versions may carry an epoch (``3:570.133.20-1.el9``).
    ``prefix``: the driver branch (``570``) or exact version (``570.133.20``).
    """
    return [name for name, version in sorted(installed.items())
            if _matches(name, patterns) and _in_target(version, prefix)]


_DRIVER_VERSION = re.compile(r"^(\d+:)?\d{3,4}\.")


def stale_locks(locked: Any, patterns: Any, prefix: Any) -> Any:
    """Held or version-locked driver packages that are not the target: release them to move.

    ``locked``: {name: version} of the held (APT) or locked (DNF) packages. Only names matching
    ``patterns`` with a driver-like version (``570.``) are released, so that holds an
    administrator put on other packages stay.
    """
    return [name for name, version in sorted(locked.items())
            if _matches(name, patterns) and _DRIVER_VERSION.match(str(version)) and not _in_target(version, prefix)]


def parse_versionlocks(text: Any) -> Any:
    """``dnf versionlock list`` lines (``NAME-EPOCH:VERSION-RELEASE.*``) -> {name: version}."""
    locks = {}
    for line in (text or "").splitlines():
        match = re.match(r"^(?:!)?(.+)-(\d+:[^-]+-[^-]+?)(?:\.\*)?$", line.strip())
        if match:
            locks[match.group(1)] = match.group(2)
    return locks


def parse_installed(text: Any, held: Any = False) -> Any:
    """Installed packages from ``dpkg-query -f '${db:Status-Abbrev}\\t${Package}\\t${Version}\\n'``
    (only status ``?i``) or ``rpm -qa --qf '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\n'`` lines.

    Returns {name: version}; an rpm epoch ``(none)`` is dropped. ``held``: only the packages on
    hold (dpkg selection ``h``).
    """
    installed = {}
    for line in (text or "").splitlines():
        fields = line.split("\t")
        if len(fields) == 3:
            status, name, version = fields
            if len(status) < 2 or status[1] != "i" or (held and status[0] != "h"):
                continue
        elif len(fields) == 2 and not held:
            name, version = fields
            if version.startswith("(none):"):
                version = version[len("(none):"):]
        else:
            continue
        if name.strip():
            installed[name.strip()] = version.strip()
    return installed


def mig_changes(gpu_facts: Any, instances: Any, profile: Any, gpus: Any = None) -> Any:
    """Which GPUs need the MIG layout ``profile`` applied.

    ``gpu_facts``: the gpu_facts module's ``refarch_gpu``; ``instances``: {gpu: [profile names]}
    from ``nvidia-smi mig -lgi``; ``profile``: comma-separated profile names; ``gpus``: indexes
    (all GPUs when empty). A GPU needs the layout when its MIG mode is off or its instances
    differ (as a multiset of profile names). GPUs without MIG support are listed apart.
    """
    wanted = sorted(p.strip() for p in str(profile or "").split(",") if p.strip())
    by_index = {g["index"]: g for g in gpu_facts.get("gpus") or []}
    targets = [int(g) for g in gpus] if gpus else sorted(by_index)
    instances = {int(k): v for k, v in (instances or {}).items()}
    missing = [g for g in targets if g not in by_index]
    unsupported = [g for g in targets if g in by_index and not by_index[g]["mig"]["supported"]]
    apply = [g for g in targets if g in by_index and g not in unsupported
             and (not by_index[g]["mig"]["current"] or sorted(instances.get(g, [])) != wanted)]
    return {"wanted": wanted, "apply": apply, "unsupported": unsupported, "missing": missing}


def driver_version_of(package_version: Any) -> Any:
    """``570.133.20-1`` or ``3:570.133.20-1.el9`` -> ``570.133.20``; None stays None."""
    if not package_version:
        return None
    return str(package_version).split(":", 1)[-1].split("-", 1)[0]


# IMEX (NVIDIA IMEX Service for NVLink Networks User's Guide, docs.nvidia.com/multi-node-nvlink-systems/
# imex-guide): the systemd service ``nvidia-imex`` ("Getting Started with IMEX", The IMEX Service)
# reads its node list from IMEX_NODE_CONFIG_FILE, default /etc/nvidia-imex/nodes_config.cfg ("IMEX
# Service Config Options"), "the IP addresses of the nodes that are in this IMEX domain", one per line,
# and every node of the domain must hold the same list ("Deployment Models": NVLink domain wide, each
# node's nodes_config.cfg lists all compute nodes of the domain). The file is read at service start.
IMEX_SERVICE = "nvidia-imex"
IMEX_NODES_FILE = "/etc/nvidia-imex/nodes_config.cfg"


def imex_address(device: dict) -> str | None:
    """The address a compute tray's IMEX service is reached at: its in-band address (an in-band
    bond's, else its first in-band port's), else its management address; without prefix length."""
    for bond in device.get("bonds") or ():
        if bond.get("fabric") == "inband" and bond.get("address"):
            return str(bond["address"]).split("/", 1)[0]
    for iface in device.get("interfaces") or ():
        if iface.get("fabric") == "inband" and iface.get("address"):
            return str(iface["address"]).split("/", 1)[0]
    address = device.get("mgmt_address")
    return str(address).split("/", 1)[0] if address else None


def nvlink_domains(devices: Any) -> dict[str, dict]:
    """Each NVLink domain of the plan's devices (plan dicts): its name and its compute trays in plan
    order with the address IMEX reaches each at. The inventory gives it to the trays
    (``refarch_nvlink_domain``); validation reads the node lists back against it."""
    domains: dict[str, dict] = {}
    for device in devices:
        if device.get("role") == "gpu_node" and device.get("nvlink_domain"):
            entry = domains.setdefault(device["nvlink_domain"], {"name": device["nvlink_domain"], "members": []})
            entry["members"].append({"name": device["name"], "address": imex_address(device)})
    return domains


def imex_settings(domain: Any, enabled: Any = "auto", nodes: Any = None) -> dict[str, Any]:
    """What gpu_host configures for IMEX on a compute tray of an NVLink domain.

    ``domain`` is the tray's ``refarch_nvlink_domain`` (``{name, members: [{name, address}]}``, from
    the inventory; empty on servers), ``enabled`` ``auto`` (on where the host is in an NVLink domain)
    or a boolean, ``nodes`` addresses that replace the domain's. Returns ``{enabled, domain, nodes,
    path, service}``; ``nodes`` is the list the node file holds, one address per line, in plan order.
    """
    domain = domain or {}
    members = list(domain.get("members") or [])
    if isinstance(enabled, str) and enabled != "auto":
        raise ValueError("gpu_host_imex must be auto, true or false, not %r" % enabled)
    on = bool(members) if enabled == "auto" else bool(enabled)
    if nodes:
        addresses = [str(n) for n in nodes]
    else:
        missing = [str(m.get("name")) for m in members if not m.get("address")]
        if on and missing:
            raise ValueError("IMEX needs an address of every tray of NVLink domain %s; the plan has none for %s "
                             "(give gpu_host_imex_nodes)" % (domain.get("name"), ", ".join(missing)))
        addresses = [str(m["address"]) for m in members if m.get("address")]
    if on and not addresses:
        raise ValueError("gpu_host_imex is on but the host is in no NVLink domain (refarch_nvlink_domain) and "
                         "gpu_host_imex_nodes is empty")
    if len(set(addresses)) != len(addresses):
        raise ValueError("IMEX node addresses must be unique; got %s" % ", ".join(addresses))
    return {"enabled": on, "domain": domain.get("name"), "nodes": addresses if on else [],
            "path": IMEX_NODES_FILE, "service": IMEX_SERVICE}
