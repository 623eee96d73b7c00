"""`generate --adopt-out` takes over a directory slogen did not write: every file of the
user's is kept, with its mode (and, run as root, its owner), and later runs need no flag."""

from __future__ import annotations

import os
from pathlib import Path

from slogen_testing import API_SPEC, run_slogen, write_spec
from unprivileged import NOBODY, as_nobody, give_to_nobody, private_folder, shared_tree, tree_state  # noqa: F401 (a fixture)


def _site(root: Path) -> Path:
    """A user's folder with private, executable, read-only and linked entries."""
    site = root / "site"
    private_folder(site / "private", "key")
    (site / "bin").mkdir()
    (site / "bin" / "run.sh").write_text("#!/bin/sh\n")
    (site / "bin" / "run.sh").chmod(0o750)
    (site / "frozen").mkdir()
    (site / "frozen" / "notes.txt").write_text("kept\n")
    (site / "frozen").chmod(0o555)
    (site / "latest").symlink_to("bin/run.sh")
    site.chmod(0o750)
    return site


def test_adopting_a_directory_keeps_the_users_files_and_modes(shared_tree):
    write_spec(shared_tree / "slo_specs", API_SPEC, "api.yaml")
    site = _site(shared_tree)
    give_to_nobody(shared_tree)
    before = tree_state(site)
    refused = as_nobody("generate", "slo_specs", "--out", "site", cwd=shared_tree)
    assert refused.returncode == 2 and "pass --adopt-out to take it over" in refused.stderr, refused.stderr
    assert tree_state(site) == before
    adopted = as_nobody("generate", "slo_specs", "--out", "site", "--adopt-out", cwd=shared_tree)
    assert adopted.returncode == 0, adopted.stderr
    after = tree_state(site)
    assert {rel: after[rel] for rel in before} == before  # the user's entries, modes and bytes as they were
    assert "rules/api.yml" in after and oct(after["rules"][0] & 0o777) == "0o755"
    assert not [p.name for p in shared_tree.iterdir() if "slogen-staging" in p.name or p.name.endswith(".lock")]
    # Now slogen's manifest is there: the next run needs no flag and keeps everything again.
    write_spec(shared_tree / "slo_specs", API_SPEC.replace("99.9", "99.5"), "api.yaml")
    again = as_nobody("generate", "slo_specs", "--out", "site", cwd=shared_tree)
    assert again.returncode == 0 and " 0 changed" not in again.stderr, again.stderr
    after = tree_state(site)
    assert {rel: after[rel] for rel in before} == before


def test_adopting_as_root_keeps_the_owners(tmp_path):
    write_spec(tmp_path / "slo_specs", API_SPEC, "api.yaml")
    site = _site(tmp_path)
    give_to_nobody(site)
    before = tree_state(site)
    result = run_slogen("generate", "slo_specs", "--out", "site", "--adopt-out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    after = tree_state(site)
    assert {rel: after[rel] for rel in before} == before  # directories rebuilt by root stay nobody's
    assert after["."][1] == NOBODY and os.stat(site / "rules").st_uid == os.geteuid()
