"""Golden files: each tests/data/<case>/spec.yaml and the files slogen emits for it.

Run with `pytest --update-golden` to rewrite the expected files after a deliberate change,
then review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slogen_testing import compile_files, golden_tree, run_promtool

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = sorted(p.name for p in DATA.iterdir() if (p / "spec.yaml").exists())


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    # Generated headers name the spec relative to the working directory.
    monkeypatch.chdir(DATA.parent.parent)


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    spec = DATA / case / "spec.yaml"
    # The spec schema is the same for every case; test_cli covers it.
    files = {path: text for path, text in compile_files([spec]).items() if not path.startswith("schema/")}
    assert files == golden_tree(DATA / case / "expected", files)


@pytest.mark.parametrize("case", CASES)
def test_golden_rules_pass_promtool_check(case, promtool):
    rule_files = [str(p) for p in sorted((DATA / case / "expected" / "rules").glob("*.yml"))]
    assert rule_files
    result = run_promtool(promtool, "check", "rules", "--lint=all", "--lint-fatal", *rule_files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compile_is_deterministic():
    specs = [DATA / case / "spec.yaml" for case in CASES]
    assert compile_files(specs) == compile_files(list(reversed(specs)))
