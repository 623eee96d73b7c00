"""promtool's copy of a rule file (emit/promtool/cadence.py): what promtool does with group
intervals and order, shown on the real promtool of each engine, and that the copy is the
rule file with nothing changed but its hourly group's cadence."""

from __future__ import annotations

import json

import yaml
from slogen.emit.promtool.cadence import gate

from promtool_scenarios import run_rule_test
from slogen_testing import ROOT, compile_files

HOURLY_AND_FAST = """
groups:
- name: hourly
  interval: 1h
  rules:
  - record: hourly_time
    expr: vector(time())
- name: fast
  interval: 30s
  rules:
  - record: fast_time
    expr: vector(time())
"""


def _test(tmp_path, promtool, rules: str, checks: list[dict], interval: str = "15s", order: list[str] | None = None):
    return run_rule_test(tmp_path, promtool, rules, {"up": "1+0x300"}, promql=checks, evaluation=interval, interval="1m", order=order)


def _count(expr: str, at: str, value: float) -> dict:
    return {"expr": f"count_over_time({expr})", "eval_time": at, "exp_samples": [{"labels": "{}", "value": value}]}


def test_promtool_evaluates_every_group_at_every_tick(tmp_path, promtool, engine):
    # A 1h group and a 30s one, 15s ticks: both record at every tick of the hour before
    # 2h, 241 points on 2.x (its ranges include their start), 240 on 3.x.
    points = 241 if engine.major == 2 else 240
    checks = [_count("hourly_time[1h]", "2h", points), _count("fast_time[1h]", "2h", points)]
    result = _test(tmp_path, promtool, HOURLY_AND_FAST, checks)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_gated_group_records_on_the_hour_and_range_reads_skip_the_gaps(tmp_path, promtool):
    gated = HOURLY_AND_FAST.replace("expr: vector(time())", "expr: " + json.dumps(gate("vector(time())", 3600)), 1)
    checks = [
        _count("hourly_time[3h]", "3h30m", 3),  # 1h, 2h, 3h
        {"expr": "hourly_time", "eval_time": "3h", "exp_samples": [{"labels": "hourly_time", "value": 3 * 3600}]},
        # Between hours the rule returns nothing and promtool marks the series stale: an
        # instant read finds nothing, range functions skip the markers.
        {"expr": "hourly_time", "eval_time": "3h1m", "exp_samples": []},
        {"expr": "sum_over_time(hourly_time[3h])", "eval_time": "3h59m", "exp_samples": [{"labels": "{}", "value": 6 * 3600}]},
        {"expr": "sum(last_over_time(hourly_time[59m59s]))", "eval_time": "3h59m", "exp_samples": [{"labels": "{}", "value": 3 * 3600}]},
    ]
    result = _test(tmp_path, promtool, gated, checks, interval="1m")
    assert result.returncode == 0, result.stdout + result.stderr


CHAINED = """
groups:
- name: first
  rules:
  - record: a
    expr: vector(time())
- name: second
  rules:
  - record: b
    expr: a
"""


def test_group_eval_order_runs_a_chain_within_one_tick(tmp_path, promtool):
    # Without group_eval_order promtool 2.42 and 3.16 run the groups in random order (about
    # one run in eight reads `a` of the previous tick here): the generated tests name it.
    checks = [{"expr": "b - on () vector(time())", "eval_time": f"{m}m", "exp_samples": [{"labels": "{}", "value": 0}]} for m in (1, 7, 30)]
    result = _test(tmp_path, promtool, CHAINED, checks, interval="1m", order=["first", "second"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_copy_changes_only_the_hourly_groups_cadence():
    files = compile_files([ROOT / "slo_specs"])
    copies = {path.removeprefix("tests/rules/"): text for path, text in files.items() if path.startswith("tests/rules/")}
    # One copy per test file: every example service's file has an hourly group.
    assert set(copies) == {path.removeprefix("tests/").replace(".test.yml", ".yml") for path in files if path.endswith(".test.yml")}
    for name, copy in copies.items():
        original = files[f"rules/{name}"]
        head, note, _ = copy.split("\n", 2)
        assert head == original.split("\n", 1)[0] and note.startswith(f"# promtool's copy of rules/{name}:")
        ours, theirs = yaml.safe_load(original)["groups"], yaml.safe_load(copy)["groups"]
        assert [(g["name"], g["interval"]) for g in ours] == [(g["name"], g["interval"]) for g in theirs]
        gated = 0
        for group, copied in zip(ours, theirs):
            if group["interval"] != "1h":
                assert copied == group
                continue
            for rule, rule_copy in zip(group["rules"], copied["rules"], strict=True):
                assert rule_copy == {**rule, "expr": gate(rule["expr"], 3600)}
                gated += 1
        assert gated == 3  # the hourly averages of errors and events, and the history they cover
        # Text outside the hourly group is the rule file's, byte for byte.
        assert _outside_hourly(copy) == _outside_hourly(original)


def _outside_hourly(text: str) -> list[str]:
    """The rule file's groups as text, but the hourly one and the comments before `groups:`."""
    return [block for block in text.split("\n- name: ")[1:] if not block.split("\n", 1)[0].endswith("-sli-hourly")]
