"""Prometheus 3's quoted UTF-8 names: real promtools show 3.x loads them and 2.42 does not, so slogen refuses them
unless `--name-validation utf8` says the engine takes them (tests/emit/test_utf8_names_engines.py runs the output)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from engines import PROMETHEUS_2, PROMETHEUS_3, engine
from test_validation import OTEL_SPEC

from promtool_scenarios import check_rule_test
from slogen_testing import run_slogen

RULES = """groups:
  - name: otel
    rules:
      - record: service:http_errors:rate5m
        expr: sum by ("service.name") (rate({"http.server.request.duration_count", "http.response.status_code"=~"5.."}[5m]))
"""

SERIES = {'{"http.server.request.duration_count", "service.name"="shop", "http.response.status_code"="500"}': "0+60x10"}
CHECK = {
    "expr": "service:http_errors:rate5m",
    "eval_time": "10m",
    "exp_samples": [{"labels": '{__name__="service:http_errors:rate5m", "service.name"="shop"}', "value": 1}],
}


def _promtool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([engine(name).promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_quoted_names_load_on_prometheus_3_only(tmp_path):
    (tmp_path / "rules.yml").write_text(RULES)
    three = _promtool(PROMETHEUS_3, "check", "rules", "rules.yml", cwd=tmp_path)
    assert three.returncode == 0, three.stdout + three.stderr
    check_rule_test(tmp_path, engine(PROMETHEUS_3).promtool, RULES, SERIES, promql=[CHECK])
    two = _promtool(PROMETHEUS_2, "check", "rules", "rules.yml", cwd=tmp_path)
    assert two.returncode != 0 and "unexpected" in (two.stdout + two.stderr), two.stdout + two.stderr


def test_cli_reports_utf8_names_as_input_errors_not_internal_ones(tmp_path):
    (tmp_path / "spec.yaml").write_text(OTEL_SPEC)
    for command in (("validate", "spec.yaml"), ("generate", "spec.yaml", "--out", "out")):
        done = run_slogen(*command, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
        assert "spec.yaml:8:17: slos[0].sli.ratio.errors: metric name 'http.server.request.duration_count' is a UTF-8 name" in done.stderr
    assert not (tmp_path / "out").exists()


def test_name_validation_utf8_accepts_them_and_legacy_stays_the_default(tmp_path):
    (tmp_path / "spec.yaml").write_text(OTEL_SPEC)
    for command in (("validate",), ("explain",), ("budget",)):
        done = run_slogen(*command, "spec.yaml", "--name-validation", "utf8", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    done = run_slogen("generate", "spec.yaml", "--out", "out", "--name-validation", "utf8", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'sum by ("service.name") (rate({"http.server.request.duration_count", "http.response.status_code"=~"5.."}[5m]))' in (
        tmp_path / "out" / "rules" / "api.yml"
    ).read_text()
    assert run_slogen("check", "spec.yaml", "--out", "out", "--name-validation", "utf8", cwd=tmp_path).returncode == 0
    # The option is an input of the no-change fingerprint: a legacy run must not take the utf8 output as up to date.
    legacy = run_slogen("generate", "spec.yaml", "--out", "out", cwd=tmp_path)
    assert legacy.returncode == 2 and "--name-validation utf8" in legacy.stderr and "up to date" not in legacy.stderr, legacy.stderr


def test_name_validation_rejects_unknown_schemes_and_names_no_engine_takes(tmp_path):
    done = run_slogen("validate", "spec.yaml", "--name-validation", "utf-8", cwd=tmp_path)
    assert done.returncode == 2 and "--name-validation 'utf-8': expected one of legacy, utf8" in done.stderr, done.stderr
    (tmp_path / "spec.yaml").write_text(OTEL_SPEC.replace('grouping: ["service.name"]', 'grouping: ["", "ok"]'))
    done = run_slogen("validate", "spec.yaml", "--name-validation", "utf8", cwd=tmp_path)
    assert done.returncode == 2
    assert "spec.yaml:5:16: slos[0].grouping[0]: label name must not be empty" in done.stderr, done.stderr


def test_labels_named_like_numbers_are_quoted_in_label_lists_or_refused(tmp_path):
    """`by (inf)` and `on (NaN)` do not parse in any Prometheus (was exit 70, `generated invalid PromQL`)."""
    spec = "service: a\nslos:\n  - name: a\n    objective: 99\n    grouping: [Inf]\n    sli: {ratio: {errors: 'a{b=\"1\"}', total: a}}\n"
    (tmp_path / "spec.yaml").write_text(spec)
    legacy = run_slogen("validate", "spec.yaml", cwd=tmp_path)
    assert legacy.returncode == 2 and "spec.yaml:5:16: slos[0].grouping[0]: label name 'Inf' reads as a number" in legacy.stderr, legacy.stderr
    done = run_slogen("generate", "spec.yaml", "--out", "out", "--name-validation", "utf8", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rules = tmp_path / "out" / "rules" / "a.yml"
    assert 'sum by ("Inf") (rate(a[5m]))' in rules.read_text()
    checked = subprocess.run([engine(PROMETHEUS_3).promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
