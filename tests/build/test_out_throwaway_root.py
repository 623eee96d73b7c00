"""`--out /`, modes and mount points, tried as root in a throwaway root, never on the real `/`.

Each run happens in a user and mount namespace (unshare), chrooted into an empty tmpfs
that holds read-only binds of /usr, /etc, Python and this repository: there `/` is the
tmpfs, gone with the namespace, and nothing outside can be written.  The tmpfs is small,
so a run that starts copying whatever it can see stops at a full disk.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from slogen_testing import API_SPEC, ROOT, write_spec

OUTER = r"""
set -eu
mount -t tmpfs -o size=64m,mode=755 throwaway "$ROOTFS"
for path in /usr /etc $BINDS; do
    mkdir -p "$ROOTFS$path"
    mount --bind "$path" "$ROOTFS$path"
    mount -o remount,bind,ro "$ROOTFS$path"
done
for link in /bin /sbin /lib /lib32 /lib64; do
    if [ -L "$link" ]; then
        ln -s "$(readlink "$link")" "$ROOTFS$link"
    elif [ -d "$link" ]; then
        mkdir "$ROOTFS$link" && mount --bind "$link" "$ROOTFS$link" && mount -o remount,bind,ro "$ROOTFS$link"
    fi
done
mkdir -p "$ROOTFS/tmp" "$ROOTFS/srv/specs" "$ROOTFS/srv/home"
cp "$SPECS"/* "$ROOTFS/srv/specs/"
if [ "$PROC" = yes ]; then mkdir "$ROOTFS/proc" && mount -t proc proc "$ROOTFS/proc"; fi
exec chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/srv/home PYTHON="$PYTHON" /bin/sh -eu -c "$INNER"
"""

# Inside: the setup, the state of every entry (mode, owner, a file's size, device) before
# and after one slogen run, and what the run said.
INNER = r"""
state() {{
    find / -xdev \( -path /tmp -o -path /proc \) -prune -o -type d -printf '%p %m %U\n' -o -printf '%p %m %U %s %l\n' | sort
    find /srv -type d -printf '%p %m %U %D\n' -o -printf '%p %m %U %s %D\n' | sort
}}
{setup}
state > /tmp/before
cd {cwd}
rc=0
"$PYTHON" -m slogen {args} 2> /tmp/stderr || rc=$?
state > /tmp/after
echo "$rc"
diff /tmp/before /tmp/after || true
echo '--- stderr'
cat /tmp/stderr
"""


def in_throwaway_root(tmp_path: Path, args: list[str], cwd: str = "/", setup: str = "", proc: bool = False) -> tuple[int, str, str]:
    """Run slogen with `args` as root in a throwaway root; its exit code, what changed there, and its stderr."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("unshare (util-linux) is needed to make a throwaway root")
    specs = write_spec(tmp_path / "specs", API_SPEC, "api.yaml").parent
    rootfs = tmp_path / "rootfs"
    rootfs.mkdir()
    binds = {str(Path(sys.base_prefix).resolve()), str(ROOT)}
    if not Path(sys.prefix).resolve().is_relative_to(ROOT):
        binds.add(str(Path(sys.prefix).resolve()))
    inner = INNER.format(setup=setup, cwd=shlex.quote(cwd), args=shlex.join(args))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ROOTFS": str(rootfs), "SPECS": str(specs), "BINDS": " ".join(sorted(binds)),
        "PROC": "yes" if proc else "no", "PYTHON": sys.executable, "INNER": inner,
    }
    command = [unshare, "--user", "--map-root-user", "--mount", "--pid", "--fork", "sh", "-c", OUTER]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.stdout, f"the throwaway root could not be made: {result.stderr}"
    assert not any(rootfs.iterdir()), "the throwaway root's tmpfs was not mounted"
    code, rest = result.stdout.split("\n", 1)
    changes, stderr = rest.split("--- stderr\n", 1)
    return int(code), changes, stderr


def _refused(code: int, changes: str, stderr: str, expected: str) -> None:
    assert code == 2, stderr
    line = stderr.strip()
    assert "\n" not in line and line.startswith("slogen: --out") and line.endswith("; nothing was written"), line
    assert expected in line, line
    assert changes == "", f"a refused run changed the throwaway root:\n{changes}"


@pytest.mark.parametrize(("command", "out"), [("generate", "/"), ("generate", "."), ("report", "/"), ("check", "/")])
def test_the_root_directory_is_refused(tmp_path, command, out):
    code, changes, stderr = in_throwaway_root(tmp_path, [command, "/srv/specs", "--out", out])
    _refused(code, changes, stderr, "the root directory")  # no /..slogen-staging-*, no /..slogen.lock


# A home with a private .ssh, and a repository whose hooks are private.
PRIVATE = """
mkdir -p -m 700 /srv/home/.ssh /srv/home/repo/.git/hooks
echo secret > /srv/home/.ssh/id_ed25519 && chmod 600 /srv/home/.ssh/id_ed25519
cp -r /srv/specs /srv/home/repo/slo_specs
"""


@pytest.mark.parametrize(("out", "expected"), [("/srv/home", "your home directory"), ("/srv/home/repo", "the top of a git repository")])
def test_a_home_or_a_repository_is_refused_as_root(tmp_path, out, expected):
    code, changes, stderr = in_throwaway_root(tmp_path, ["generate", "/srv/home/repo/slo_specs", "--out", out], setup=PRIVATE)
    _refused(code, changes, stderr, expected)


def test_an_adopted_directory_keeps_its_modes_as_root(tmp_path):
    setup = """
    mkdir -p -m 700 /srv/site/.ssh /srv/site/vendor/.git/hooks
    mkdir -m 750 /srv/site/shared
    echo secret > /srv/site/.ssh/key && chmod 600 /srv/site/.ssh/key
    echo '#!/bin/sh' > /srv/site/vendor/.git/hooks/pre-commit && chmod 700 /srv/site/vendor/.git/hooks/pre-commit
    mkdir /srv/site/vendor/.git/objects && chmod 555 /srv/site/vendor/.git/objects
    chmod 711 /srv/site
    """
    code, changes, stderr = in_throwaway_root(tmp_path, ["generate", "/srv/specs", "--out", "/srv/site", "--adopt-out"], setup=setup)
    assert code == 0, stderr
    assert not [line for line in changes.splitlines() if line.startswith("<")], changes  # every entry as it was
    added = [line[2:] for line in changes.splitlines() if line.startswith(">")]
    assert "/srv/site/rules 755 0" in added and "/srv/site/rules/api.yml 644 0 " in "\n".join(added), changes


MOUNTED = """
mkdir -p /srv/site/data
echo mine > /srv/site/notes.txt
mount -t tmpfs -o size=1m data /srv/site/data
echo keep > /srv/site/data/keep
"""


def test_a_file_system_mounted_inside_the_output_is_refused(tmp_path):
    args = ["generate", "/srv/specs", "--out", "/srv/site", "--adopt-out"]
    code, changes, stderr = in_throwaway_root(tmp_path, args, setup=MOUNTED, proc=True)
    _refused(code, changes, stderr, "/srv/site/data inside it is a mount point")


def test_without_proc_the_carry_over_still_stops_at_a_mount_point(tmp_path):
    # No /proc/self/mountinfo to check first: the carry-over finds the mount by its
    # device and fails before the swap, so nothing changes and the mount keeps its files.
    args = ["generate", "/srv/specs", "--out", "/srv/site", "--adopt-out"]
    code, changes, stderr = in_throwaway_root(tmp_path, args, setup=MOUNTED)
    assert code == 74, stderr
    assert stderr.strip() == "/srv/site/data: another file system is mounted here; slogen never carries files across file systems"
    assert changes == "", changes


def test_an_output_directory_that_is_a_mount_point_is_refused(tmp_path):
    setup = "mkdir /srv/out && mount -t tmpfs -o size=1m out /srv/out"
    code, changes, stderr = in_throwaway_root(tmp_path, ["generate", "/srv/specs", "--out", "/srv/out"], setup=setup)
    _refused(code, changes, stderr, "a mount point")
