"""Small runs of the benchmarks (`make bench`), so they cannot rot; no timing assertions here.

Also holds bench/shapes.py to the Sloth and Pyrra outputs it imitates (bench/reference/).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml
from bench import alert_quality, compile_speed, eval_cost, load, report
from bench.shapes import BenchSLO, pyrra_groups, sloth_groups, sloth_sli_expr

# Each runs a benchmark end to end (a real Prometheus for the evaluation one).
pytestmark = pytest.mark.slow

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


def test_compile_benchmark_runs(monkeypatch):
    # Against this same checkout: the interleaved comparison's plumbing, end to end.
    monkeypatch.setattr(load, "SETTLE_S", 0.0)  # a loaded test run must not wait for quiet
    result = compile_speed.run(services=20, slos=3, rounds=1, against=REFERENCE.parent.parent)
    assert result["slos"] == 60
    assert result["output_bytes"] > result["spec_bytes"] > 0
    for run in (result, result["against"]):
        for key in ("full", "rerun"):
            assert run[key]["wall_s"] > 0 and run[key]["cpu_s"] > 0
            assert run[key]["spread"]["wall_s"]["n"] == 1 and run[key]["load"]["n"] == 1 and "busy" in run[key]
            assert run[key]["load_after"]["n"] == 1 and run[key]["other_cores"]["n"] == 1
    assert result["floor"]["wall_s"] > 0 and result["floor"]["cpu_s"] > 0
    assert result["against"]["this_over_against"]["cpu_s"]["median"] > 0
    assert result["full"]["peak_rss_mib"] > 0
    assert any("compile" in row["function"] for row in result["profile"])
    assert "busy machine" in "\n".join(report.compile_section(result)) or not result["full"]["busy"]


def test_evaluation_benchmark_runs(monkeypatch):
    monkeypatch.setattr(load, "SETTLE_S", 0.0)  # a loaded test run must not wait for quiet
    result = eval_cost.run(replicas=(1,), days=0.1, measure_s=12, sizes=(1, eval_cost.COMPARE_SIZE))
    # The others' cost per SLO does not depend on the size or the layout: at the compare size, service layout only.
    assert set(result["cases"]) == {"r1-n1-service", "r1-n4-service", "r1-n1-global", "r1-n4-global"}
    assert set(result["cases"]["r1-n1-service"]["tools"]) == {"slogen", "floor"}
    assert set(result["cases"]["r1-n4-global"]["tools"]) == {"slogen", "floor"}
    assert result["loads"][0]["at"] == "start" and result["load_while_sampling"]["n"] >= 2 and isinstance(result["busy"], bool)
    tools = result["cases"][f"r1-n{eval_cost.COMPARE_SIZE}-service"]["tools"]
    assert set(tools) == set(eval_cost.TOOLS)
    summaries = [*tools.items(), *((f"{key} {t}", s) for key, case in result["cases"].items() for t, s in case["tools"].items())]
    for tool, summary in summaries:
        assert summary["cpu_s_per_hour_per_slo"] > 0, tool
        assert summary["samples_per_hour_per_slo"] > 0, tool
        assert summary["recording_rules_per_slo"] > 0, tool
        assert summary["output_series_per_slo"] > 0, tool
        for name, sli in summary["period_sli"].items():
            # No outage in so short a history: every tool must land near the exact ratio.
            assert math.isfinite(sli["value"]), (tool, name)
            assert abs(sli["relative_error"]) < 0.05, (tool, name, sli)
    for key, case in result["cases"].items():
        # The global shapes' SLOs each have a period SLI, from the shared file's rules (10 services of 1, 3 of 4).
        assert len(case["tools"]["slogen"]["period_sli"]) == len(case["services"]) * case["size"], key
        verdict = case["verdict"]
        assert verdict["over_floor"] > 0 and verdict["over_cheaper_peer"] > 0, key
        assert verdict["met"] in (True, False, "busy"), key
    assert "not a result: busy" in "\n".join(report.eval_section(result)) or not result["busy"]


def test_alert_quality_benchmark_runs():
    # Two short scenarios through the whole harness: slogen compiled now, Sloth's and Pyrra's shapes, a real Prometheus.
    result = alert_quality.run(smoke=True)
    quiet, outage = result["scenarios"]["quiet"], result["scenarios"]["full-outage"]
    assert set(outage["tools"]) == set(alert_quality.TOOLS)
    for tool in alert_quality.TOOLS:
        [calm] = quiet["tools"][tool]["runs"]
        [run] = outage["tools"][tool]["runs"]
        # Nothing goes wrong: nothing may fire.
        assert not calm["page"]["fired"] and not calm["ticket"]["fired"], tool
        assert quiet["tools"][tool]["false_alerts"] == [], tool
        # 100% errors for 15 min at 99.9%: every tool pages, after the workbook's ideal (no scrape, no evaluation
        # interval) and within the 15 min, having spent at least the ideal's 2% of the budget but not all of it.
        page = run["page"]
        assert page["fired"] and not page["before_incident"], tool
        assert outage["ideal"]["page"]["detection_s"] <= page["detection_s"] < 900, (tool, page)
        assert 0.019 <= page["budget_at_detection"] < 0.35, (tool, page)
    # The workbook's 51.8 s (here 51.5 s: normal operation's errors count too), to a tenth of a second.
    assert 51 < outage["ideal"]["page"]["detection_s"] < 52
    assert result["tools"]["slogen"]["stages"] > 1  # chained rules really were evaluated stage by stage


def test_alert_quality_plan_follows_chains_and_ranges():
    # A rule's span reaches back by what its consumers read: here the alert's 1h, then the 1h rule's [1h] of 5m rates.
    groups = [
        {"name": "base", "interval": "30s", "rules": [{"record": "x:rate5m", "expr": "sum(rate(m[5m]))"}]},
        {"name": "mid", "interval": "1m", "rules": [{"record": "x:rate1h", "expr": "avg_over_time(x:rate5m[1h])"}]},
        {"name": "alerts", "interval": "30s", "rules": [
            {"alert": "Burn", "expr": "x:rate1h > 1 and x:rate5m > 1", "labels": {"severity": "critical"}},
            {"alert": "SLOErrorBudgetExhausted", "expr": "x:rate30d <= 0", "labels": {"severity": "warning"}},
        ]},
    ]
    needed, alerts = alert_quality.plan(groups, "s", (0.0, 3600.0))
    assert [a.rule["alert"] for a in alerts] == ["Burn"]  # not a burn-rate alert: left out
    assert [(r.record, r.stage) for r in needed] == [("x:rate5m", 0), ("x:rate1h", 1)]
    base, hourly = needed
    assert hourly.start == -(300 + 60)  # the alert reads no range: lookback and one interval of the 1m group
    assert base.start == hourly.start - 3600 - 300 - 30
    assert base.end == hourly.end == 3600.0
    first, last = base.timestamps()
    assert base.start <= first < base.start + 30
    assert math.isclose((first - base.offset()) / 30, round((first - base.offset()) / 30))


def test_alert_quality_applies_for_and_keep_firing_for():
    # Evaluations every 30 s from 0 to 300 s; the expression is true at 30..120 and at 180.
    true = [30, 60, 90, 120, 180]
    assert alert_quality.firing_times(true, 0, 300, 30, 0) == [30, 60, 90, 120, 180]
    assert alert_quality.firing_times(true, 0, 300, 30, 60) == [90, 120]  # 180 alone never waits out `for`
    # Kept firing for 60 s from the first false evaluation (150 and 210), true again at 180 while still firing.
    assert alert_quality.firing_times(true, 0, 300, 30, 60, keep=60) == [90, 120, 150, 180, 210, 240]


def test_composite_cost_runs():
    from bench import composite_cost

    result = composite_cost.run(warmup_s=40, measure_s=10)
    services = result["services"]
    assert set(services) == {"web", "cart", "payments", "journey-events", "journey-weighted", "journey-worst"}
    assert all(s["output_series_per_slo"] > 0 for s in services.values())
    assert "journey-worst" in composite_cost.table(result)


def test_exclusion_cost_history_is_what_the_rules_read(tmp_path):
    # The bench writes its history rather than evaluating it: a label the rules select
    # differently would leave the excluded SLO's windows reading nothing, and look cheap.
    from bench import exclusion_cost
    from slogen.build.pipeline import build_tree

    now = 1_796_000_000
    specs = tmp_path / "specs"
    specs.mkdir()
    for service in exclusion_cost.SERVICES:
        (specs / f"{service}.yaml").write_text(exclusion_cost.spec(service, now))
    tree, problems = build_tree([specs])
    assert not problems
    history = ""
    for dense in (False, True):
        exclusion_cost.write_history(tmp_path / "h.om", now, dense, 1)
        history += (tmp_path / "h.om").read_text()
    rules = tree.files["rules/excluded.yml"]
    # The one-offs' hourly amounts, which the long windows read, are written as history.
    spans = set(re.findall(r'slo_exclusion="([^"]+)"', rules))
    assert spans and all(f'slo_exclusion="{span}"' in history for span in spans)
    for metric in ("slo:sli_errors:rate1h", "slo:sli_events:rate5m", "slo:exclusion:state", "slo:exclusion_events:hours"):
        assert f'{metric}{{slo_id="excluded-availability"' in history
