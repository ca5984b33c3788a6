# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A NOS release for the lab's switches to roll to: Debian's own frr package under a new version.

    python3 nos_repo.py OUT_DIR VERSION       (VERSION: the frr version the switches run now)

The lab's switches are Debian 12 with FRR, and their NOS release is the frr package's version
(the platform registry's NOS_VERSION). To roll them to another release without another FRR, the
package of the version they run is downloaded from Debian (apt-get download) and rebuilt unchanged
but for its version, VERSION+lab1, into a flat APT repository signed with a throwaway key (as
tests/gpu_host/build_repo.py does for the GPU stand-ins). Installing it upgrades frr in place:
same binaries, same configuration, a restart of frr, and ``dpkg-query`` reports the new release.
Needs apt-get (with Debian's lists), dpkg-deb, dpkg-scanpackages and gpg.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gpu_host"))
import build_repo  # noqa: E402  pylint: disable=import-error,wrong-import-position

SUFFIX = "+lab1"


def target(version):
    """The release the switches roll to from ``version``."""
    return version + SUFFIX


def main(out, version):
    stamp = os.path.join(out, "stamp")
    if os.path.exists(stamp) and open(stamp).read().strip() == target(version):
        print("cached %s" % out)
        return target(version)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["apt-get", "download", "frr=%s" % version], cwd=work, check=True, stdout=subprocess.DEVNULL)
        deb = next(f for f in os.listdir(work) if f.endswith(".deb"))
        tree = os.path.join(work, "tree")
        subprocess.run(["dpkg-deb", "-R", os.path.join(work, deb), tree], check=True)
        control = os.path.join(tree, "DEBIAN", "control")
        text = open(control, encoding="utf-8").read()
        text = re.sub(r"^Version: .*$", "Version: %s" % target(version), text, count=1, flags=re.M)
        with open(control, "w", encoding="utf-8") as handle:
            handle.write(text)
        deb = os.path.join(out, "frr_%s_amd64.deb" % target(version).replace(":", "_"))
        subprocess.run(["dpkg-deb", "--root-owner-group", "-b", tree, deb], check=True, stdout=subprocess.DEVNULL)
        build_repo.index_and_sign(out, work, "Debian's frr under a new version (refarch.ai_cluster lifecycle tests)")
    with open(stamp, "w") as handle:
        handle.write(target(version) + "\n")
    print("built %s" % out)
    return target(version)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(os.path.abspath(sys.argv[1]), sys.argv[2])
