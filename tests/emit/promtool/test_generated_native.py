"""The generated tests of a `format: native` latency SLO: native histogram input series in
promtool 3's notation, so they run on promtool 3 only; `slogen test` with promtool 2 fails
naming the file and the fix, instead of promtool 2's parse error."""

from __future__ import annotations

from pathlib import Path

import pytest
from engines import PROMETHEUS_2, PROMETHEUS_3, engine
from slogen_testing import compile_files, run_promtool, run_slogen, write_spec

NATIVE = """
service: shop
slos:
  - name: latency
    objective: 99
    sli:
      latency:
        histogram: http_request_duration_seconds{job="shop"}
        threshold: 0.3
        format: native
    alerting:
      ticket: false
"""


@pytest.fixture
def out(tmp_path: Path) -> Path:
    files = compile_files([write_spec(tmp_path / "specs", NATIVE)])
    for rel, text in files.items():
        (tmp_path / "out" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / rel).write_text(text)
    return tmp_path / "out"


def _slogen_test(out: Path, promtool: str, monkeypatch):
    monkeypatch.setenv("SLOGEN_PROMTOOL", promtool)
    return run_slogen("test", str(out.parent / "specs"), "--out", str(out), timeout=900)


def test_native_series_in_the_generated_file(out):
    text = (out / "tests/shop.test.yml").read_text()
    assert "# Needs promtool 3: native histogram input series" in text.splitlines()[1]
    assert "- series: http_request_duration_seconds{job=\"shop\"}\n" in text
    assert "{{schema:-53 count:600 custom_values:[0.15 0.3 0.6] buckets:[300 300 0 0]}}" in text
    assert "_bucket" not in text and "_count{" not in text


def test_generated_native_tests_pass_on_promtool_3(out, monkeypatch):
    result = _slogen_test(out, engine(PROMETHEUS_3).promtool, monkeypatch)
    assert result.returncode == 0, (result.stdout + result.stderr)
    assert "1/1 test files passed" in (result.stdout + result.stderr)


def test_they_fail_on_a_wrong_threshold(out):
    # The threshold at the bucket above: half the bad events read good, the page comes late.
    for rel in ("rules/shop.yml", "tests/rules/shop.yml"):
        path = out / rel
        if path.exists():
            path.write_text(path.read_text().replace("histogram_fraction(-Inf, 0.3,", "histogram_fraction(-Inf, 0.6,"))
    # promtool itself: `slogen test` refuses rule files that differ from the specs.
    result = run_promtool(engine(PROMETHEUS_3).promtool, "test", "rules", str(out / "tests/shop.test.yml"))
    assert result.returncode == 1 and "FAILED" in result.stdout + result.stderr


def test_slogen_test_with_promtool_2_names_the_file_and_the_fix(out, monkeypatch):
    result = _slogen_test(out, engine(PROMETHEUS_2).promtool, monkeypatch)
    assert result.returncode == 1
    assert f"{out}/tests/shop.test.yml: native histogram input series need promtool 3" in (result.stdout + result.stderr)
    assert "set SLOGEN_PROMTOOL to a promtool 3" in (result.stdout + result.stderr)
