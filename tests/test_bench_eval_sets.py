"""The evaluation bench's rule sets, without a Prometheus: every shape compiles, the floor parses,
no rule set records or reads what another does, and section 2 says when a run was busy."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from bench import eval_cost, eval_sets, report, report_eval
from slogen.emit.text.documents import render_yaml

NOW = 1_796_000_000.0


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> list[dict]:
    all_cases = eval_sets.cases((1, 10), NOW)
    eval_sets.slogen_sets(all_cases, tmp_path_factory.mktemp("sets"))
    return all_cases


def test_the_shapes_are_the_issues(compiled):
    keys = {c["key"]: c for c in compiled}
    assert set(keys) == {f"r{r}-n{n}-{share}" for r in (1, 10) for n in (1, 4, 10) for share in ("service", "global")}
    for case in compiled:
        services = len(case["services"])
        assert services == (eval_sets.GLOBAL_SERVICES[case["size"]] if case["share"] == "global" else 1), case["key"]
        # Every SLO of a shape on its own series.
        reads = [slo.matchers for slo, _ in case["slos"]]
        assert len(reads) == len(set(reads)) == services * case["size"], case["key"]
        sets = eval_sets.rule_sets(case)
        assert set(sets) == ({"slogen", "floor", "sloth", "pyrra"} if case["key"].endswith("-n4-service") else {"slogen", "floor"})
        # A global shape's services have no file of their own: every rule is in its `_shared`.
        assert (list(case["service_groups"]) == ["_shared"]) == (case["share"] == "global"), case["key"]
    assert keys["r1-n1-global"]["slos"][0][0].matchers == keys["r1-n1-service"]["slos"][0][0].matchers


def test_no_rule_set_collides_with_another_or_reads_another_shapes_slos(compiled):
    groups = [g for c in compiled for gs in eval_sets.rule_sets(c).values() for g in gs]
    names = [g["name"] for g in groups]
    assert len(names) == len(set(names))  # group times are sampled by group name
    for case in compiled:
        sets = eval_sets.rule_sets(case)
        recorded = {r["record"] for g in sets["slogen"] for r in g["rules"] if "record" in r}
        floor = {r["record"] for g in sets["floor"] for r in g["rules"]}
        assert floor == {"floor:sli_events:rate5m", "floor:sli_errors:rate5m"} and not floor & recorded
        # The floor reads its own events, never slogen's recordings.
        assert all("slo:" not in r["expr"] for g in sets["floor"] for r in g["rules"])
        assert sum(len(g["rules"]) for g in sets["floor"]) == 2 * len(case["slos"])
        # A global shape's rules read only its SLOs: every selector of a recording lists their
        # ids, or names one (without, they would read every shape's and record over the service layout's).
        if case["share"] != "global":
            continue
        # Those ids are the shape's SLOs', every one of them.
        ids = sorted({r["labels"]["slo_id"] for g in case["service_groups"]["_shared"] for r in g["rules"] if "slo_id" in r.get("labels", {})})
        assert len(ids) == len(case["slos"]), case["key"]
        for group in case["service_groups"]["_shared"]:
            for rule in group["rules"]:
                selectors = re.findall(r"(?<![\w:])(slo:[\w:]+|slogen_[\w:]+)(\{[^}]*\})?", rule["expr"])
                assert selectors or "slo_id" in rule.get("labels", {}), rule
                for name, matchers in selectors:
                    own = re.search(r'slo_id="cost-' + case["key"].rsplit("-", 1)[0] + r'-g\d+-', matchers)
                    listed = re.search(r'slo_id=~"([^"]*)"', matchers)
                    assert (listed and listed.group(1).split("|") == ids) or own, (case["key"], rule.get("record") or rule.get("alert"), name)


def test_the_floor_and_every_shape_pass_promtool(compiled, tmp_path):
    for case in compiled[:6]:  # one fan-out: the other differs only in the job label
        for name, groups in eval_sets.rule_sets(case).items():
            path = tmp_path / f"{case['key']}-{name}.yml"
            path.write_text(render_yaml({"groups": groups}))
    result = subprocess.run(["promtool", "check", "rules", *sorted(map(str, tmp_path.glob("*.yml")))], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_backfill_evaluates_a_shared_expression_once_and_labels_every_slo(tmp_path):
    rules = [
        {"record": "x:rate5m", "expr": "sum(rate(m[5m]))", "labels": {"slo_id": "a"}},
        {"record": "x:rate5m", "expr": "sum(rate(m[5m]))", "labels": {"slo_id": "b"}},
        {"record": "x:rate5m", "expr": "sum(rate(n[5m]))", "labels": {"slo_id": "c"}},
    ]
    [merged] = eval_sets.merged_for_backfill(rules)
    assert merged["expr"].count("rate(m[5m])") == 1
    # What promtool's backfill would record, checked by promtool itself.
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [merged]}]}))
    (tmp_path / "test.yml").write_text(yaml.safe_dump({
        "rule_files": ["rules.yml"], "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": [{"series": "m", "values": "0+60x10"}, {"series": "n", "values": "0+120x10"}],
                   "promql_expr_test": [{"expr": "x:rate5m", "eval_time": "10m", "exp_samples": [
                       {"labels": 'x:rate5m{slo_id="a"}', "value": 1}, {"labels": 'x:rate5m{slo_id="b"}', "value": 1},
                       {"labels": 'x:rate5m{slo_id="c"}', "value": 2}]}]}],
    }))
    result = subprocess.run(["promtool", "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _summary(cpu: float) -> dict:
    group = {"interval_s": 60, "samples": 1, "query_s": cpu / 60, "rules": 2, "recording": 2, "series": 2,
             "eval_s_median": cpu / 60, "eval_s_q1": cpu / 60, "eval_s_q3": cpu / 60, "evaluations_seen": 3}
    return {"slos": 1, "groups": {"g": group}, "recording_rules_per_slo": 2, "output_series_per_slo": 2, "eval_s_per_slo": 0.001,
            "samples_per_eval_per_slo": 1, "cpu_s_per_hour_per_slo": cpu, "cpu_s_per_hour_per_slo_q1": cpu,
            "cpu_s_per_hour_per_slo_q3": cpu, "rule_evaluations_per_hour_per_slo": 120, "samples_per_hour_per_slo": 60,
            "all_groups_measured": True,
            "period_sli": {"s-ratio-1": {"kind": "ratio", "value": 0.001, "exact": 0.001, "relative_error": 1e-6}}}


def _result(busy: bool) -> dict:
    cases = {
        "r1-n4-service": {"replicas": 1, "size": 4, "share": "service", "services": ["s"],
                          "tools": {"slogen": _summary(0.1), "floor": _summary(0.02), "sloth": _summary(2.0), "pyrra": _summary(1.0)}},
        "r1-n4-global": {"replicas": 1, "size": 4, "share": "global", "services": ["a", "b", "c"],
                         "tools": {"slogen": _summary(0.15), "floor": _summary(0.02)}},
    }
    eval_cost.verdicts(cases, busy)
    return {"prometheus": "prometheus 2.42", "days": 30, "step_s": 60, "history_samples": 1, "measure_s": 420, "sizes": [4],
            "shares": ["service", "global"], "compare_size": 4, "targets": eval_cost.TARGETS, "cpus": 2,
            "loads": [{"at": "sampling began", "load1": 0.3, "load5": 0.4, "load15": 0.5}],
            "load_while_sampling": {"median": 0.3, "min": 0.2, "max": 0.4, "n": 3}, "load_average": [0.3, 0.4, 0.5],
            "busy": busy, "timings": {"history_s": 1.0}, "cases": cases}


def test_each_shape_is_judged_against_the_cheaper_peer_its_target_and_its_floor():
    quiet = _result(busy=False)
    service, global_ = quiet["cases"]["r1-n4-service"]["verdict"], quiet["cases"]["r1-n4-global"]["verdict"]
    assert (service["cheaper_peer"], service["over_cheaper_peer"], service["met"]) == ("pyrra", 0.1, True)
    assert (global_["target"], global_["met"]) == (0.12, False)  # 0.15 of Pyrra: not under global's 0.12
    assert abs(service["over_floor"] - 5) < 1e-9 and service["exact"]
    text = "\n".join(report.eval_section(quiet))
    assert "**met**" in text and "**not met**" in text and "not a result: busy" not in text
    busy = "\n".join(report.eval_section(_result(busy=True)))
    assert "**not met**" not in busy and busy.count(report_eval.BUSY) >= 3  # the two verdicts and the warning


def test_the_report_rewrites_section_2_alone(tmp_path, monkeypatch):
    md = tmp_path / "benchmarks.md"
    md.write_text(f"# Benchmarks\n\n## 1. Compile\n\nhand-written\n\n{report_eval.MARK_START}\nold\n{report_eval.MARK_END}\n\n## Notes\n")
    source = tmp_path / "eval.json"
    source.write_text(__import__("json").dumps(_result(busy=False)))
    monkeypatch.setattr("sys.argv", ["report", "--eval-only", str(source), "--md", str(md)])
    report.main()
    text = md.read_text()
    assert "hand-written" in text and "## Notes" in text and "\nold\n" not in text
    assert text.count(report_eval.MARK_START) == 1 and "Every shape against the targets and the floor" in text


def test_the_committed_section_2_has_its_marks_and_no_stale_runs():
    text = (Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md").read_text()
    assert text.count(report_eval.MARK_START) == 1 and text.count(report_eval.MARK_END) == 1
    for stale in ("4 n + 20", "load average of 12 to 20", "The run in the tables (2026-12-02)"):
        assert stale not in text and stale not in report.NOTES


def test_groups_between_a_minute_and_an_hour_are_sampled_every_minute_and_costed_natively():
    from bench.eval_cost import sampled, summarise

    groups = [{"name": n, "interval": i, "rules": []} for n, i in
              (("a", "30s"), ("b", "1m"), ("c", "2m"), ("d", "2m30s"), ("e", "4m"), ("f", "1h"))]
    assert [g["interval"] for g in sampled(groups)] == ["30s", "1m", "60s", "60s", "60s", "1h"]
    # The cost per hour counts the group's native evaluations, however often it was sampled.
    rules = [{"group": "e", "interval_s": 240, "samples": 1, "query_s": 0.001, "recording": True, "series": 1}]
    summary = summarise(rules, {"e": [0.002] * 7}, 1)
    assert summary["cpu_s_per_hour_per_slo"] == 0.002 * 15
