"""A read-only output/ (or parent) as a real unprivileged user (unprivileged.py): exit 74, nothing touched, no staging left."""

from __future__ import annotations

import pytest
from slogen_testing import API_SPEC, run_slogen, snapshot, write_spec
from unprivileged import as_nobody, shared_tree  # noqa: F401 (a fixture)


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
    result = as_nobody("generate", "slo_specs", "--out", "output", "--jobs", "1", cwd=shared_tree)
    assert result.returncode == 74, result.stdout + result.stderr
    assert "not writable" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(shared_tree / "output") == before
    assert sorted(p.name for p in shared_tree.iterdir()) == listing  # no staging tree, no lock left behind
