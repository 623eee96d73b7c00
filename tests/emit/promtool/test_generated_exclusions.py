"""The generated per-SLO tests cover SLOs with exclusions: promtool's copy reads their state on a
clock shifted to free time (emit/promtool/exclusion_clock.py), and the scenarios pass through
the gated base rates; read on promtool's own clock, the weekly window (1970-01-04 was a
Sunday) lands inside them and they fail, so the shift is what makes them meaningful."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slogen_testing import compile_files, run_promtool, write_spec
from spec_literals import EXCLUSIONS_EXAMPLE

SPEC = EXCLUSIONS_EXAMPLE


def _write(files: dict[str, str], out: Path) -> None:
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.slow
def test_generated_tests_pass_with_exclusions_and_fail_on_the_unshifted_clock(promtool: str, tmp_path: Path) -> None:
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    copy = files["tests/rules/checkout.yml"]
    assert re.search(r"time\(\) \+ \d+", copy), "the copy reads the state on a shifted clock"
    _write(files, tmp_path / "out")
    result = run_promtool(promtool, "test", "rules", "tests/checkout.test.yml", cwd=tmp_path / "out")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    (tmp_path / "out" / "tests/rules/checkout.yml").write_text(re.sub(r"time\(\) \+ \d+", "time()", copy))
    broken = run_promtool(promtool, "test", "rules", "tests/checkout.test.yml", cwd=tmp_path / "out")
    assert broken.returncode != 0
