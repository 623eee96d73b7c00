"""A native latency SLO's dashboard row ends in a heatmap of the native histogram it reads,
whose query promtool 3 evaluates to that histogram; classic SLOs' rows are unchanged."""

from __future__ import annotations

import json

import pytest
from engines import PROMETHEUS_3, engine
from histogram_series import native_custom
from promtool_scenarios import run_rule_test
from slogen_testing import compile_files, write_spec

SPEC = """
service: shop
slos:
  - name: a
    objective: 99
    sli:
      latency: {histogram: 'http_request_duration_seconds{job="shop"}', threshold: 0.3, format: %s}
  - name: b
    objective: 99
    sli:
      ratio: {errors: 'http_requests_total{code="500"}', total: http_requests_total}
"""


def _board(tmp_path, fmt: str) -> dict:
    return json.loads(compile_files([write_spec(tmp_path / fmt, SPEC % fmt)])["dashboards/shop.json"])


@pytest.mark.parametrize("fmt", ["native", "auto"])
def test_the_heatmap_reads_the_native_histogram_and_pushes_the_next_row_down(tmp_path, fmt):
    board = _board(tmp_path, fmt)
    [heatmap] = [p for p in board["panels"] if p["type"] == "heatmap"]
    assert heatmap["targets"][0]["expr"] == 'sum(rate(http_request_duration_seconds{job="shop"}[$__rate_interval]))'
    rows = [p["gridPos"]["y"] for p in board["panels"] if p["type"] == "row"]
    assert heatmap["gridPos"] == {"h": 8, "w": 24, "x": 0, "y": 23} and rows == [0, 31]
    classic = _board(tmp_path, "classic")
    assert not [p for p in classic["panels"] if p["type"] == "heatmap"]
    assert [p["gridPos"]["y"] for p in classic["panels"] if p["type"] == "row"] == [0, 23]


def test_promtool_3_evaluates_the_heatmap_query_to_the_histogram(tmp_path):
    [heatmap] = [p for p in _board(tmp_path, "native")["panels"] if p["type"] == "heatmap"]
    expr = heatmap["targets"][0]["expr"].replace("$__rate_interval", "5m")
    series = native_custom("http_request_duration_seconds", 'job="shop"', (0.1, 0.3, 1), [[30, 20, 5, 5]] * 30)
    checks = [
        {"expr": f"histogram_count({expr})", "eval_time": "20m", "exp_samples": [{"labels": "{}", "value": 1}]},
        {"expr": f"abs(histogram_fraction(-Inf, 0.3, {expr}) - 50 / 60) < bool 1e-12", "eval_time": "20m", "exp_samples": [{"labels": "{}", "value": 1}]},
    ]
    result = run_rule_test(tmp_path, engine(PROMETHEUS_3).promtool, "groups: []\n", series, promql=checks)
    assert result.returncode == 0, result.stdout + result.stderr
