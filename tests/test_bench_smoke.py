"""Small runs of the benchmarks (`make bench`), so they cannot rot; no timing assertions here.

Also holds bench/shapes.py to the Sloth and Pyrra outputs it imitates (bench/reference/).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml
from bench import compile_speed, eval_cost
from bench.shapes import BenchSLO, pyrra_groups, sloth_groups, sloth_sli_expr

REFERENCE = Path(__file__).resolve().parent.parent / "bench" / "reference"


def _seconds(text: str) -> int:
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", text))


def test_sloth_shape_matches_sloths_own_output():
    spec = yaml.safe_load((REFERENCE / "sloth-getting-started.input.yml").read_text())["slos"][0]
    expected = yaml.safe_load((REFERENCE / "sloth-getting-started.expected.yml").read_text())["groups"]
    slo = BenchSLO("myservice", "requests-availability", "ratio", (("job", "myservice"),), "99.9", metric="x")
    ours = sloth_groups(slo)
    assert [g["name"] for g in ours] == [g["name"] for g in expected]
    for mine, theirs in zip(ours, expected):
        assert [(r.get("record"), "alert" in r) for r in mine["rules"]] == [(r.get("record"), "alert" in r) for r in theirs["rules"]]
    sli_mine, sli_theirs = ours[0]["rules"], expected[0]["rules"]
    assert [r["labels"]["sloth_window"] for r in sli_mine] == [r["labels"]["sloth_window"] for r in sli_theirs]
    assert sli_mine[-1]["expr"] == sli_theirs[-1]["expr"]  # the 30d period SLI: the one that decides exactness
    window = sli_theirs[0]["labels"]["sloth_window"]
    queries = [spec["sli"]["events"][k].replace("{{.window}}", window) for k in ("error_query", "total_query")]
    assert sloth_sli_expr(*queries) == sli_theirs[0]["expr"]
    for group in (1, 2):  # metadata and alerts: identical expressions
        assert [r["expr"] for r in ours[group]["rules"]] == [r["expr"] for r in expected[group]["rules"]]


def test_pyrra_shape_matches_pyrras_own_output():
    cases = {c["test"]: c["expected_group"] for c in yaml.safe_load((REFERENCE / "pyrra-http-ratio.yaml").read_text())["cases"]}
    slo = BenchSLO("monitoring-http", "errors", "ratio", (("job", "thanos-receive-default"),), "99", period_days=28, metric="http_requests")
    increase, burn = pyrra_groups(slo)
    for mine, theirs in ((burn, cases["TestObjective_Burnrates"]), (increase, cases["TestObjective_IncreaseRules"])):
        assert (mine["name"], mine["interval"]) == (theirs["name"], theirs["interval"])
        assert [(r.get("record"), r.get("alert"), r["expr"]) for r in mine["rules"]] == [
            (r.get("record"), r.get("alert"), r["expr"]) for r in theirs["rules"]
        ]
        assert [_seconds(r.get("for", "0s")) for r in mine["rules"]] == [_seconds(r.get("for", "0s")) for r in theirs["rules"]]
        assert [r["labels"] for r in mine["rules"] if "record" in r] == [r["labels"] for r in theirs["rules"] if "record" in r]


def test_compile_benchmark_runs():
    result = compile_speed.run(services=20, slos=3, rounds=1)
    assert result["slos"] == 60
    assert result["output_bytes"] > result["spec_bytes"] > 0
    for key in ("full", "rerun", "floor"):
        assert result[key]["wall_s"] > 0 and result[key]["cpu_s"] > 0
    assert result["full"]["peak_rss_mib"] > 0
    assert any("compile" in row["function"] for row in result["profile"])


def test_evaluation_benchmark_runs():
    result = eval_cost.run(replicas=(1,), days=0.1, measure_s=12, sizes=(1, eval_cost.COMPARE_SIZE))
    assert set(result["cases"]["r1-n1"]["tools"]) == {"slogen"}  # the others' cost per SLO does not depend on the size
    tools = result["cases"][f"r1-n{eval_cost.COMPARE_SIZE}"]["tools"]
    assert set(tools) == set(eval_cost.TOOLS)
    for tool, summary in [*tools.items(), ("slogen", result["cases"]["r1-n1"]["tools"]["slogen"])]:
        assert summary["cpu_s_per_hour_per_slo"] > 0, tool
        assert summary["samples_per_hour_per_slo"] > 0, tool
        assert summary["recording_rules_per_slo"] > 0, tool
        assert summary["output_series_per_slo"] > 0, tool
        for name, sli in summary["period_sli"].items():
            # No outage in so short a history: every tool must land near the exact ratio.
            assert math.isfinite(sli["value"]), (tool, name)
            assert abs(sli["relative_error"]) < 0.05, (tool, name, sli)
