"""bench/feature_cost.py (`make bench`): its history is what the rules read, and a small run
has the shape the README's figures come from; no timing assertions."""

from __future__ import annotations

import re

import pytest
from bench import feature_cost


def _pairs():
    return [*feature_cost.registry(3).values(), feature_cost.identical()]


@pytest.mark.parametrize("feature", _pairs(), ids=lambda f: f.name)
def test_history_is_what_the_rules_read(tmp_path, feature):
    # The history is written, not evaluated: a label set the rules select differently would
    # leave a side's windows reading nothing, and look cheap.
    feature_cost.write_history(tmp_path / "h.om", [feature], 1_796_000_040, dense=False, days=1)
    feature_cost.write_history(tmp_path / "d.om", [feature], 1_796_000_040, dense=True, days=1)
    history = (tmp_path / "h.om").read_text() + (tmp_path / "d.om").read_text()
    for side in (feature.baseline, feature.feature):
        rules = "".join(feature_cost.rule_files(side).values())
        ids = set(re.findall(r'slo_id: (\S+)', rules))
        assert ids == {labels["slo_id"] for labels in side.series}
        for labels in side.series:
            head = feature_cost._series(labels, "1h")
            assert f"slo:sli_errors:rate1h{{{head}}}" in history
        if "grouping: [route]" in side.spec:
            assert 'sum by (route)' in rules and len(side.series) == 3
        if side.timeslices:
            assert f'slo:timeslice_good:bool{{{feature_cost._series(side.series[0])}}}' in history
    assert re.search(rf'bench_requests_total{{job="{feature.name}",instance="i0",route="r{feature.routes - 1}",code="500"}}', history)


def _stats(samples: list[int], times: list[list[float]]) -> list[dict]:
    return [{"group": "g", "interval_s": 30, "rule": f"r{i}", "recording": True, "samples": n, "series": 1,
             "query_s": sorted(t)[len(t) // 2], "query_s_all": t} for i, (n, t) in enumerate(zip(samples, times))]


def test_change_is_zero_for_the_same_rules_and_counts_what_differs():
    side = feature_cost.registry()["calendar"].baseline
    base = feature_cost.side_result(side, 1, _stats([100, 50], [[0.001, 0.002], [0.001, 0.001]]), {})
    same = feature_cost.side_result(side, 1, _stats([100, 50], [[0.001, 0.002], [0.001, 0.001]]), {})
    more = feature_cost.side_result(side, 1, _stats([100, 50, 150], [[0.001, 0.002], [0.001, 0.001], [0.002, 0.006]]), {})
    assert all(v == 0 for k, v in feature_cost.change(base, same, 2).items() if k != "query_s_per_hour_by_repeat")
    c = feature_cost.change(base, more, 2)
    assert c["rules"] == pytest.approx(0.5) and c["samples_per_hour"] == pytest.approx(1.0)
    assert c["query_s_per_hour_by_repeat"]["min"] == pytest.approx(1.0)  # repeat 1: 0.002 -> 0.004
    assert c["query_s_per_hour_by_repeat"]["max"] == pytest.approx(2.0)  # repeat 2: 0.003 -> 0.009


@pytest.mark.slow
def test_feature_cost_runs_and_the_identical_pair_shows_no_change(tmp_path):
    features = [feature_cost.identical(), feature_cost.registry()["split"]]
    result = feature_cost.run(features, warmup_s=5, measure_s=5, repeats=2, days=1, settle_s=0)
    assert set(result) >= {"load", "loads", "busy", "cpus", "prometheus", "features"}
    assert len(result["loads"]) == 4 and isinstance(result["busy"], bool)
    same, split = result["features"]["identical"], result["features"]["split"]
    for f in (same, split):
        assert set(f["change"]) == {*feature_cost.TOTALS, "query_s_per_hour_by_repeat"}
        for side in ("baseline", "feature"):
            assert f[side]["per_unit"]["samples_per_hour"] > 0 and f[side]["total"]["rules"] > 0
    assert same["change"]["rules"] == same["change"]["rule_evaluations_per_hour"] == 0
    # Live records land at each group's own phase: a window may hold one sample more or less.
    assert abs(same["change"]["samples_per_hour"]) < 0.01
    assert split["change"]["rules"] > 0 and split["change"]["rule_evaluations_per_hour"] > 0
    assert "identical" in feature_cost.table(result)
    # The section replaces itself in docs/benchmarks.md and leaves the rest as it was.
    md = tmp_path / "benchmarks.md"
    md.write_text("# Benchmarks\n\nkept\n")
    feature_cost.write_section(md, result)
    feature_cost.write_section(md, result)
    text = md.read_text()
    assert text.startswith("# Benchmarks\n\nkept\n") and text.count("## Feature cost") == 1
    # One SLO's rules on each side (README: `5 n + 21` for n = 1), the same count.
    rules = same["baseline"]["per_unit"]["rules"]
    assert rules == same["feature"]["per_unit"]["rules"] == 26
    assert f"| identical | the baseline against itself | {rules:.1f} → {rules:.1f} |" in text


def test_the_report_keeps_the_feature_section_it_does_not_write(tmp_path):
    from bench import alert_quality, report
    from bench.marked_section import kept

    # The report rewrites docs/benchmarks.md keeping both marked sections, by these marks.
    assert (report.FEATURE_START, report.FEATURE_END, report.MARK_START) == (feature_cost.MARK_START, feature_cost.MARK_END, alert_quality.MARK_START)
    md = tmp_path / "benchmarks.md"
    md.write_text(f"old\n{feature_cost.MARK_START}\nfeatures\n{feature_cost.MARK_END}\n"
                  f"{alert_quality.MARK_START}\nalerts\n{alert_quality.MARK_END}\n")
    assert kept(md, feature_cost.MARK_START, feature_cost.MARK_END) == f"\n{feature_cost.MARK_START}\nfeatures\n{feature_cost.MARK_END}\n"
    assert kept(md, alert_quality.MARK_START, alert_quality.MARK_END) == f"\n{alert_quality.MARK_START}\nalerts\n{alert_quality.MARK_END}\n"
