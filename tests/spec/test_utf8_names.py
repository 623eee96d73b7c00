"""Why slogen refuses Prometheus 3's quoted UTF-8 names: real promtools show 3.x loads them and 2.42 does not."""

from __future__ import annotations

import subprocess
from pathlib import Path

from engines import PROMETHEUS_2, PROMETHEUS_3, engine
from test_validation import OTEL_SPEC

from slogen_testing import run_slogen

RULES = """groups:
  - name: otel
    rules:
      - record: service:http_errors:rate5m
        expr: sum by ("service.name") (rate({"http.server.request.duration_count", "http.response.status_code"=~"5.."}[5m]))
"""

TEST = """rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: '{"http.server.request.duration_count", "service.name"="shop", "http.response.status_code"="500"}'
        values: '0+60x10'
    promql_expr_test:
      - expr: service:http_errors:rate5m
        eval_time: 10m
        exp_samples:
          - labels: '{__name__="service:http_errors:rate5m", "service.name"="shop"}'
            value: 1
"""


def _promtool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([engine(name).promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_quoted_names_load_on_prometheus_3_only(tmp_path):
    (tmp_path / "rules.yml").write_text(RULES)
    (tmp_path / "test.yml").write_text(TEST)
    three = _promtool(PROMETHEUS_3, "check", "rules", "rules.yml", cwd=tmp_path)
    assert three.returncode == 0, three.stdout + three.stderr
    evaluated = _promtool(PROMETHEUS_3, "test", "rules", "test.yml", cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
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
