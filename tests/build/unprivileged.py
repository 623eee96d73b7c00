"""Running slogen as a real unprivileged user, in a tree of its own (a plain module: import it).

CI runs as root, for whom every permission check passes, so runs that must meet the
checks an ordinary user meets drop to `nobody` with setpriv (util-linux).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

NOBODY = 65534


@pytest.fixture
def shared_tree():
    """A temporary directory every user may read (tmp_path sits under root's 0700 directories)."""
    root = Path(tempfile.mkdtemp(prefix="slogen-nobody-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root)


def as_nobody(*args: str, cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess:
    """slogen as user nobody in `cwd`, with HOME set to `home` (default: cwd)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.fail("this test drops privileges with setpriv: run it as root (CI does)")
    command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-m", "slogen", *args]
    env = {**os.environ, "HOME": str(home or cwd), "COLUMNS": "200"}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def give_to_nobody(root: Path) -> None:
    """Make nobody the owner of a tree, as a user's own files are theirs."""
    for path in [root, *root.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def private_folder(directory: Path, secret: str) -> None:
    """A folder only its owner may enter (0700), holding one file only they may read (0600), as ~/.ssh."""
    directory.mkdir(parents=True)
    (directory / secret).write_text("secret\n")
    (directory / secret).chmod(0o600)
    directory.chmod(0o700)


def tree_state(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every entry under root with its mode, owner and bytes (a link's target): what a refused run must leave alone."""
    state = {}
    for path in sorted([root, *root.rglob("*")]):
        status = path.lstat()
        data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes() if path.is_file() else b""
        state[path.relative_to(root).as_posix()] = (status.st_mode, status.st_uid, data)
    return state
