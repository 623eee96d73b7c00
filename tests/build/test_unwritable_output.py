"""A read-only output/ (or parent) as a real unprivileged user: exit 74, nothing touched, no staging left.

CI runs as root, for whom every permission check passes, so the run under test drops to
`nobody` with setpriv (util-linux) in a world-readable temporary tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from slogen_testing import API_SPEC, run_slogen, snapshot, write_spec


@pytest.fixture
def shared_tree():
    root = Path(tempfile.mkdtemp(prefix="slogen-ro-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root)


def _as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.fail("this test drops privileges with setpriv: run it as root (CI does)")
    command = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-m", "slogen", *args]
    env = {**os.environ, "HOME": str(cwd)}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("what", ["output", "parent"])
def test_unwritable_output_exits_74_and_touches_nothing(shared_tree, what):
    specs = write_spec(shared_tree / "slo_specs", API_SPEC, "api.yaml").parent
    assert run_slogen("generate", "slo_specs", "--out", "output", cwd=shared_tree).returncode == 0
    for path in [shared_tree, *shared_tree.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # readable by everyone, writable by root only
    if what == "output":  # the parent writable, output/ itself not
        shared_tree.chmod(0o777)
    before = snapshot(shared_tree / "output")
    listing = sorted(p.name for p in shared_tree.iterdir())
    (specs / "api.yaml").chmod(0o644)
    result = _as_nobody("generate", "slo_specs", "--out", "output", "--jobs", "1", cwd=shared_tree)
    assert result.returncode == 74, result.stdout + result.stderr
    assert "not writable" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(shared_tree / "output") == before
    assert sorted(p.name for p in shared_tree.iterdir()) == listing  # no staging tree, no lock left behind
