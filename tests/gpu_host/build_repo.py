# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the signed APT repository that the gpu_host Molecule scenario installs from.

    python3 build_repo.py OUT_DIR [lab]

OUT_DIR gets a flat repository (``Suites: /``, like NVIDIA's CUDA repository) of tiny stand-in
packages that bear NVIDIA's package names and versions, an ``InRelease`` signed with a throwaway
key made for this build, and that key's public half in ``key.asc``. Nothing in the packages is
NVIDIA software: the "driver" ships only a stand-in ``nvidia-smi`` that prints a recorded
``nvidia-smi -q -x`` document, and the services are ``sleep infinity``.

The repository carries driver branch 570 and a newer 575 of the same packages, so that the test
sees the role's branch pin at work (cuda-drivers-570 depends on ``nvidia-driver-cuda (>= 570...)``,
which 575 would satisfy, as in NVIDIA's repository). The build is skipped when OUT_DIR/stamp
matches this script, the fixtures and the profile. Needs dpkg-deb, dpkg-scanpackages and gpg.

Profile ``lab`` (the lifecycle twin, tests/lab/test_lifecycle_twin.py) makes the stand-in
nvidia-smi print what the catalog's ``lab-node`` model has: the recorded document cut to two GPUs
named ``Lab GPU stand-in (lab-gpu)`` with 16 GiB each, so that validation of a lab node passes with
the driver installed. Each branch reports the CUDA version its driver ships with (570.133.20:
CUDA 12.8, 575.51.03: CUDA 12.9; NVIDIA CUDA Toolkit release notes, "CUDA Driver" table).
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "unit", "fixtures", "nvidia_smi")
XML = os.path.join(FIXTURES, "h100-sxm-80gb-x8.xml")
NVLINK = os.path.join(FIXTURES, "h100-sxm-80gb-x8.nvlink.txt")

NVIDIA_SMI = """#!/bin/sh
# Stand-in for nvidia-smi (refarch.ai_cluster tests): prints recorded output, changes nothing.
d=/usr/share/refarch-standin
case "$*" in
  "-q -x") cat "$d/nvidia-smi-q-x.xml" ;;
  "nvlink --status"|"nvlink -s") cat "$d/nvlink-status.txt" ;;
  "mig -lgi") echo "No GPU instances found: Not Found"; exit 6 ;;
  *) echo "nvidia-smi stand-in: unsupported arguments: $*" >&2; exit 2 ;;
esac
"""


FABRICMANAGER_DEPENDS = ("nvidia-driver-cuda (>= %s)\nProvides: nvidia-fabricmanager\n"
                         "Conflicts: nvidia-fabricmanager\nReplaces: nvidia-fabricmanager")


def daemon(name):
    return "#!/bin/sh\n# Stand-in daemon %s (refarch.ai_cluster tests).\nexec sleep infinity\n" % name


def unit(description, binary):
    return ("[Unit]\nDescription=%s (stand-in)\n\n[Service]\nExecStart=%s\n\n"
            "[Install]\nWantedBy=multi-user.target\n" % (description, binary))


# The CUDA version each stand-in driver reports (see the docstring).
CUDA = {"570.133.20": "12.8", "575.51.03": "12.9"}


def lab_xml(text):
    """The recorded document as a lab-node's: its first two GPUs, named and sized as the catalog's lab-gpu."""
    head, _sep, rest = text.partition("<gpu id=")
    gpus = ["<gpu id=" + g for g in rest.split("<gpu id=")]
    tail = gpus[-1][gpus[-1].index("</gpu>") + len("</gpu>"):]
    gpus[-1] = gpus[-1][:gpus[-1].index("</gpu>") + len("</gpu>")] + "\n\t"
    body = "".join(gpus[:2]).rstrip() + "\n" + tail.lstrip("\n\t ")
    head = re.sub(r"<attached_gpus>\d+</attached_gpus>", "<attached_gpus>2</attached_gpus>", head)
    body = body.replace("NVIDIA H100 80GB HBM3", "Lab GPU stand-in (lab-gpu)")
    body = re.sub(r"(<fb_memory_usage>\s*<total>)\d+ MiB", r"\g<1>16384 MiB", body)
    return head + "\t" + body


def nvidia_smi_xml(driver, profile):
    text = open(XML, encoding="utf-8").read()
    if profile == "lab":
        text = lab_xml(text)
    text = text.replace("<cuda_version>12.8</cuda_version>", "<cuda_version>%s</cuda_version>" % CUDA[driver])
    return text.replace("570.133.20", driver)


def packages(profile="h100"):
    """(name, version, depends, {path: (mode, content)}) of every stand-in package."""
    out = []
    for driver in ("570.133.20", "575.51.03"):
        branch = driver.split(".", maxsplit=1)[0]
        rev = driver + "-1"
        out += [
            ("nvidia-persistenced", rev, "", {
                "usr/bin/nvidia-persistenced": (0o755, daemon("nvidia-persistenced")),
                "lib/systemd/system/nvidia-persistenced.service": (
                    0o644, unit("NVIDIA Persistence Daemon", "/usr/bin/nvidia-persistenced"))}),
            ("nvidia-driver-cuda", rev, "nvidia-persistenced (= %s)" % rev, {
                "usr/bin/nvidia-smi": (0o755, NVIDIA_SMI),
                "usr/share/refarch-standin/nvidia-smi-q-x.xml": (0o644, nvidia_smi_xml(driver, profile)),
                "usr/share/refarch-standin/nvlink-status.txt": (0o644, open(NVLINK, encoding="utf-8").read())}),
            ("nvidia-kernel-dkms", rev, "", {}),
            ("nvidia-kernel-open-dkms", rev, "", {}),
            ("cuda-drivers-%s" % branch, rev, "nvidia-driver-cuda (>= %s), nvidia-kernel-dkms (>= %s)" % (driver, driver), {}),
            ("nvidia-open-%s" % branch, rev,
             "nvidia-driver-cuda (>= %s), nvidia-kernel-open-dkms (>= %s)" % (driver, driver), {}),
            # Like NVIDIA's packages, fabric managers of different branches replace each other.
            ("nvidia-fabricmanager-%s" % branch, rev, FABRICMANAGER_DEPENDS % driver, {
                "usr/bin/nv-fabricmanager": (0o755, daemon("nv-fabricmanager")),
                "lib/systemd/system/nvidia-fabricmanager.service": (
                    0o644, unit("NVIDIA fabric manager service", "/usr/bin/nv-fabricmanager"))}),
        ]
    out += [
        ("cuda-toolkit-12-8", "12.8.1-1", "", {
            "usr/local/cuda-12.8/version.json": (0o644, '{"cuda": {"version": "12.8.1"}}\n')}),
        ("datacenter-gpu-manager-4-cuda12", "1:4.2.3-1", "", {
            "usr/bin/nv-hostengine": (0o755, daemon("nv-hostengine")),
            "lib/systemd/system/nvidia-dcgm.service": (
                0o644, unit("NVIDIA DCGM service", "/usr/bin/nv-hostengine"))}),
        ("nvidia-container-toolkit", "1.17.8-1", "", {
            "usr/bin/nvidia-ctk": (0o755, "#!/bin/sh\necho 'NVIDIA Container Toolkit CLI version 1.17.8 (stand-in)'\n")}),
    ]
    return out


def build_deb(workdir, out, name, version, depends, files):
    root = os.path.join(workdir, "%s_%s" % (name, version.replace(":", "_")))
    os.makedirs(os.path.join(root, "DEBIAN"))
    doc = "usr/share/doc/%s/README.refarch-standin" % name
    files = dict(files)
    files[doc] = (0o644, "Stand-in package for refarch.ai_cluster tests; not NVIDIA software.\n")
    for path, (mode, content) in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(full, mode)
    control = ["Package: %s" % name, "Version: %s" % version, "Architecture: all",
               "Maintainer: refarch.ai_cluster tests <test@example.invalid>", "Section: misc",
               "Priority: optional"]
    if depends:
        control.append("Depends: %s" % depends)
    control.append("Description: stand-in for %s (refarch.ai_cluster tests)" % name)
    with open(os.path.join(root, "DEBIAN", "control"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(control) + "\n")
    deb = os.path.join(out, "%s_%s_all.deb" % (name, version.split(":")[-1]))
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", root, deb], check=True,
                   stdout=subprocess.DEVNULL)


def digest(path, algo):
    h = hashlib.new(algo)
    with open(path, "rb") as handle:
        h.update(handle.read())
    return h.hexdigest()


def index_and_sign(out, work, description="stand-ins bearing NVIDIA package names (refarch.ai_cluster tests)"):
    """Index the .deb files in ``out`` (Packages, Release) and sign it with a throwaway key made in
    ``work``: InRelease, and the key's public half in key.asc."""
    listing = subprocess.run(["dpkg-scanpackages", "--multiversion", ".", "/dev/null"], cwd=out, check=True,
                             capture_output=True, text=True).stdout
    with open(os.path.join(out, "Packages"), "w", encoding="utf-8") as handle:
        handle.write(listing)
    with open(os.path.join(out, "Packages.gz"), "wb") as handle:
        handle.write(gzip.compress(listing.encode(), mtime=0))
    lines = ["Origin: refarch-test", "Label: refarch-test", "Architectures: amd64 arm64 all",
             "Date: %s" % email.utils.formatdate(usegmt=True),
             "Description: %s" % description]
    for field, algo in (("MD5Sum", "md5"), ("SHA256", "sha256")):
        lines.append("%s:" % field)
        for name in ("Packages", "Packages.gz"):
            path = os.path.join(out, name)
            lines.append(" %s %d %s" % (digest(path, algo), os.path.getsize(path), name))
    with open(os.path.join(out, "Release"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    # A throwaway signing key, made for this build and used for nothing else.
    home = os.path.join(work, "gnupg")
    os.makedirs(home, mode=0o700)
    gpg = ["gpg", "--homedir", home, "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""]
    subprocess.run(gpg + ["--quick-generate-key", "refarch test repository <test@example.invalid>",
                          "ed25519", "sign", "1d"], check=True)
    subprocess.run(gpg + ["--clearsign", "--output", os.path.join(out, "InRelease"),
                          os.path.join(out, "Release")], check=True)
    subprocess.run(gpg + ["--armor", "--output", os.path.join(out, "key.asc"), "--export"], check=True)


def main(out, profile="h100"):
    stamp_src = hashlib.sha256(profile.encode())
    for path in (os.path.abspath(__file__), XML, NVLINK):
        with open(path, "rb") as handle:
            stamp_src.update(handle.read())
    stamp = stamp_src.hexdigest()
    stamp_file = os.path.join(out, "stamp")
    if os.path.exists(stamp_file) and open(stamp_file).read().strip() == stamp:
        print("cached %s" % out)
        return
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    with tempfile.TemporaryDirectory() as work:
        for spec in packages(profile):
            build_deb(work, out, *spec)
        index_and_sign(out, work)
    with open(stamp_file, "w") as handle:
        handle.write(stamp + "\n")
    print("built %s" % out)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "lab"):
        sys.exit(__doc__)
    main(os.path.abspath(sys.argv[1]), *sys.argv[2:])
