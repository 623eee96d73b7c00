"""Unsafe --out values are refused, as a real unprivileged user, before anything is touched.

Rebuilding the output directory rebuilds whatever it names: a home directory, a
repository's top (`.git` included) or a folder holding the specs.  Each is refused in
one line, exit 2, by every command that reads or writes --out, and the refused run
leaves the tree exactly as it was: modes, lock and staging included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from slogen_testing import API_SPEC, write_spec
from unprivileged import as_nobody, give_to_nobody, private_folder, shared_tree, tree_state  # noqa: F401 (a fixture)


def _home(root: Path) -> Path:
    """A user's home: private .ssh, a git repository with its hooks and slo_specs, a notes folder holding specs."""
    home = root / "home"
    private_folder(home / ".ssh", "id_ed25519")
    project = home / "project"
    (project / ".git" / "hooks").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / ".git" / "hooks").chmod(0o700)
    write_spec(project / "slo_specs", API_SPEC, "api.yaml")
    write_spec(home / "notes" / "specs", API_SPEC, "api.yaml")
    (home / "notes" / "todo.md").write_text("- ship\n")
    (project / "site").mkdir()
    (project / "site" / "index.md").write_text("mine\n")
    give_to_nobody(root)
    return home


def _refused(result, expected: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("slogen: --out") and line.endswith("; nothing was written"), line
    assert expected in line, line


GENERATE_CASES = {
    # name: (arguments after `generate`, working directory below home, expected words)
    "empty": (["slo_specs", "--out", ""], "project", "--out is empty"),
    "empty, --out=": (["slo_specs", "--out="], "project", "--out is empty"),
    "home": (["{home}/project/slo_specs", "--out", "{home}"], "project", "your home directory"),
    "home as .": (["{home}/project/slo_specs", "--out", "."], ".", "your home directory"),
    "repository top": (["slo_specs", "--out", "{home}/project"], "project", "the top of a git repository"),
    "repository top as .": (["slo_specs", "--out", "."], "project", "the top of a git repository"),
    "holds the specs": (["notes/specs", "--out", "notes"], ".", "holds the specs (notes/specs)"),
    "a directory slogen did not write": (["slo_specs", "--out", "site"], "project", "pass --adopt-out to take it over"),
}


@pytest.mark.parametrize("case", GENERATE_CASES)
def test_generate_refuses_an_unsafe_out_and_touches_nothing(shared_tree, case):
    home = _home(shared_tree)
    args, cwd, expected = GENERATE_CASES[case]
    before = tree_state(shared_tree)
    result = as_nobody("generate", *(a.format(home=home) for a in args), cwd=home / cwd, home=home)
    _refused(result, expected)
    assert tree_state(shared_tree) == before  # no lock, no staging, every mode as it was


@pytest.mark.parametrize("command", ["check", "test", "report"])
@pytest.mark.parametrize(("out", "expected"), [("", "--out is empty"), ("{home}", "your home directory"), (".", "the top of a git repository")])
def test_commands_that_read_or_write_out_refuse_it_too(shared_tree, command, out, expected):
    home = _home(shared_tree)
    before = tree_state(shared_tree)
    result = as_nobody(command, "slo_specs", "--out", out.format(home=home), cwd=home / "project", home=home)
    _refused(result, expected)
    assert tree_state(shared_tree) == before


@pytest.mark.parametrize("out", ["typo-out", "new/deeper/out"])
def test_a_failed_run_leaves_no_lock_and_no_directories(shared_tree, out):
    home = _home(shared_tree)
    before = tree_state(shared_tree)
    result = as_nobody("generate", "typo-specs", "--out", out, cwd=home / "project", home=home)
    assert result.returncode == 2 and "typo-specs:1:1: no such file or directory" in result.stderr, result.stderr
    assert tree_state(shared_tree) == before  # no .typo-out.slogen.lock, no new/deeper/
