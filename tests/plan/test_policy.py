"""The error-budget policy: validation, and the recorded state proven with the real promtool."""

from __future__ import annotations

import math
import re

import pytest
import yaml
from slogen.plan.budget_policy import DEFAULT_STATES, PolicyPlan

from promtool_scenarios import ERR, OK, check_rule_test
from slogen_testing import compile_files, diagnostics_of, write_spec
from spec_literals import shop_slo, shop_spec

# The default burn-rate tiers need windows up to 3d; only the policy matters here.
DAILY = shop_spec(shop_slo(objective="99", window="1d", more="    alerting: {page: false, ticket: {tiers: [{budget_percent: 50, long_window: 6h}]}}\n"))

STEP = 5  # minutes per sample
PHASE = 26 * 60 // STEP  # steps per phase: more than the 1d window plus the hourly lag


def _state_is(action: str, minutes: int) -> dict:
    return {
        "expr": 'slo:budget_policy:state{slo_id="shop-availability"} == 1',
        "eval_time": f"{minutes}m",
        "exp_samples": [
            {
                "labels": f'slo:budget_policy:state{{slo_action="{action}", slo_id="shop-availability", '
                'slo_name="availability", slo_service="shop"}',
                "value": 1,
            }
        ],
    }


def _scalar(expr: str, minutes: int, value: float) -> dict:
    return {"expr": expr, "eval_time": f"{minutes}m", "exp_samples": [{"labels": "{}", "value": value}]}


def _exhausted(minutes: int, firing: bool) -> dict:
    return {
        "expr": 'ALERTS{alertname="SLOErrorBudgetExhausted", alertstate="firing", severity="ticket"}',
        "eval_time": f"{minutes}m",
        "exp_samples": [
            {
                "labels": 'ALERTS{alertname="SLOErrorBudgetExhausted", alertstate="firing", severity="ticket", '
                'slo_id="shop-availability", slo_name="availability", slo_service="shop"}',
                "value": 1,
            }
        ]
        if firing
        else [],
    }


def _per_minute(counter: list[float]) -> list[float]:
    """A counter sampled every STEP minutes, sampled every minute (linear in between)."""
    out = [counter[0]]
    for a, b in zip(counter, counter[1:]):
        out += [a + (b - a) * i / STEP for i in range(1, STEP + 1)]
    return out


def test_state_follows_the_remaining_budget_through_all_four_states(tmp_path, promtool):
    # 2h without traffic (nothing spent: normal), then 26h phases at 1000 requests per
    # 5m with error ratios 0.2%, 0.7%, 0.95% and 2% on a 99% SLO: budget remaining
    # 80%, 30%, 5% and -100%, one in each state of the default policy.
    idle = 2 * 60 // STEP
    errors_per_step = [2, 7, 9.5, 20]
    ok, err = [0.0] * (idle + 1), [0.0] * (idle + 1)
    for bad in errors_per_step:
        for _ in range(PHASE):
            ok.append(ok[-1] + 1000 - bad)
            err.append(err[-1] + bad)
    rules = compile_files([write_spec(tmp_path / "specs", DAILY)])["rules/shop.yml"]
    checks = [_state_is("normal", 90), _scalar('count(slo:budget_policy:state{slo_id="shop-availability"})', 90, 4)]
    expected = [("normal", 0.8, 0), ("postpone-risky", 0.3, 1), ("freeze", 0.05, 2), ("feature-freeze", -1.0, 3)]
    for phase, (action, remaining, level) in enumerate(expected):
        end = (idle + (phase + 1) * PHASE) * STEP - 30  # late in the phase: its 1d window holds only this phase
        checks += [
            _state_is(action, end),
            # The set of state series is stable: always four, exactly one of them 1.
            _scalar('count(slo:budget_policy:state{slo_id="shop-availability"})', end, 4),
            _scalar('sum(slo:budget_policy:state{slo_id="shop-availability"})', end, 1),
            _scalar('sum(slo:budget_policy:level{slo_id="shop-availability"})', end, level),
            _scalar(
                f'sum(abs(slo:period_error_budget_remaining:ratio{{slo_id="shop-availability"}} - {remaining!r}) < bool 0.001)',
                end,
                1,
            ),
            _exhausted(end, firing=action == "feature-freeze"),
        ]
    series = {OK: " ".join(repr(v) for v in _per_minute(ok)), ERR: " ".join(repr(v) for v in _per_minute(err))}
    # Samples every minute, evaluation every STEP: Prometheus 3's left-open range (t-5m, t]
    # must hold two samples for a 5m rate.
    check_rule_test(tmp_path, promtool, rules, series, promql=checks, evaluation=f"{STEP}m", interval="1m")


@pytest.mark.parametrize(
    "remaining, action",
    [(1.0, "normal"), (0.51, "normal"), (0.5, "postpone-risky"), (0.1, "freeze"), (0.05, "freeze"),
     (0.0, "feature-freeze"), (-3.0, "feature-freeze"), (math.nan, "normal")],
)
def test_default_policy_boundaries_give_the_stricter_state(remaining, action):
    policy = PolicyPlan(DEFAULT_STATES, None)
    assert policy.states[policy.level_at(remaining)].action == action


CUSTOM = shop_spec(
    shop_slo(),
    shop_slo("own", "99", more="    policy:\n      states: [{action: fine, above: 0}, {action: broke}]\n      alert: false\n"),
    service_keys="""policy:
  states:
    - {action: go, above: 25, description: ship}
    - {action: careful, above: -50}
    - {action: stop, description: "only {{ fixes }}"}
  alert: {labels: {severity: page-the-lead}, annotations: {runbook_url: https://runbooks.example.com/budget}}
""",
)


def test_service_policy_applies_and_slo_policy_overrides_it(tmp_path):
    rules = yaml.safe_load(compile_files([write_spec(tmp_path, CUSTOM)])["rules/shop.yml"])
    flat = [rule for group in rules["groups"] for rule in group["rules"]]
    # One rule writes every state's series of every SLO, named by label_replace, a block per policy.
    (state,) = [r for r in flat if r.get("record") == "slo:budget_policy:state"]
    states = [
        (re.search(r'slo_id="([^"]+)"', block).group(1), action)
        for block in state["expr"].split("\n)\nor\n(\n")
        for action in re.findall(r'"slo_action", "([^"]+)"', block)
    ]
    assert states == [
        ("shop-availability", "go"), ("shop-availability", "careful"), ("shop-availability", "stop"),
        ("shop-own", "fine"), ("shop-own", "broke"),
    ]
    alerts = [r for r in flat if r.get("alert") == "SLOErrorBudgetExhausted"]
    assert len(alerts) == 1  # the `own` SLO turned its alert off
    assert alerts[0]["expr"] == 'slo:period_error_budget_remaining:ratio{slo_id="shop-availability"} <= -0.5'
    assert alerts[0]["labels"]["severity"] == "page-the-lead"
    assert alerts[0]["annotations"]["runbook_url"] == "https://runbooks.example.com/budget"
    assert '{{ "{{" }} fixes }}' in alerts[0]["annotations"]["description"]  # user text is inert in templates
    (level,) = [r for r in flat if r.get("record") == "slo:budget_policy:level"]
    assert '(\n(slo:period_error_budget_remaining:ratio{slo_id="shop-own"} <= bool 0)\n)' in level["expr"]


def test_exhausted_alert_takes_the_slo_ticket_labels_by_default(tmp_path):
    spec = CUSTOM.replace("  alert: {labels: {severity: page-the-lead}, annotations: {runbook_url: https://runbooks.example.com/budget}}\n", "")
    spec = spec.replace("    objective: 99.9\n", "    objective: 99.9\n    alerting: {labels: {team: shop}, ticket: {labels: {severity: warning}}}\n")
    rules = yaml.safe_load(compile_files([write_spec(tmp_path, spec)])["rules/shop.yml"])
    alert = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "SLOErrorBudgetExhausted")
    # The slo_* labels come with the series the alert reads.
    assert alert["labels"] == {"severity": "warning", "team": "shop"}
    assert alert["expr"].startswith("slo:period_error_budget_remaining:ratio{")


POLICY_SLO = shop_spec(shop_slo(more="    policy:\n      states:\n"))


@pytest.mark.parametrize(
    "states, message",
    [
        (
            ["{action: a, above: 10}", "{action: b, above: 20}", "{action: c}"],
            "12:30: slos[0].policy.states[1].above: thresholds must strictly decrease: above 20 is not below states[0].above 10",
        ),
        (
            ["{action: a, above: 10}", "{action: b, above: 10}", "{action: c}"],
            "12:30: slos[0].policy.states[1].above: thresholds must strictly decrease: above 10 is not below states[0].above 10",
        ),
        (["{action: a, above: 10}", "{action: a}"], "12:20: slos[0].policy.states[1].action: action 'a' is already used by states[0]"),
        (["{action: a, above: 10}", "{action: b, above: 5}"], "12:30: slos[0].policy.states[1].above: the last state applies whenever"),
        (["{action: a}", "{action: b}"], "11:11: slos[0].policy.states[0]: every state but the last needs `above`"),
        (["{action: Bad State, above: 1}", "{action: b}"], "11:20: slos[0].policy.states[0].action: 'Bad State' is not a valid name"),
        (["{action: a, above: 100}", "{action: b}"], "11:30: slos[0].policy.states[0].above: must be less than 100, got 100"),
        (["{action: a}"], "11:9: slos[0].policy.states: needs at least 2 items, got 1"),
    ],
)
def test_policy_validation_points_at_the_state(tmp_path, states, message):
    text = POLICY_SLO + "".join(f"        - {s}\n" for s in states)
    got = diagnostics_of([write_spec(tmp_path, text)])
    assert len(got) == 1 and got[0].startswith(f"{tmp_path}/spec.yaml:{message}"), got


def test_reserved_labels_in_the_policy_alert_are_reported(tmp_path):
    text = POLICY_SLO.replace("      states:\n", "      alert: {labels: {slo_action: y}}\n      states:\n")
    text += "        - {action: a, above: 0}\n        - {action: b}\n"
    got = diagnostics_of([write_spec(tmp_path, text)])
    assert len(got) == 1 and "label name 'slo_action' is reserved" in got[0], got


def test_threshold_is_a_decimal_ratio_not_a_float(tmp_path):
    text = POLICY_SLO + "        - {action: a, above: 33.3}\n        - {action: b}\n"
    rules = compile_files([write_spec(tmp_path, text)])["rules/shop.yml"]
    assert "<= bool 0.333)" in rules


def test_service_policy_problems_point_into_the_service_policy(tmp_path):
    text = CUSTOM.replace("    - {action: careful, above: -50}", "    - {action: careful, above: 30}")
    got = diagnostics_of([write_spec(tmp_path, text)])
    assert got == [
        f"{tmp_path}/spec.yaml:5:32: policy.states[1].above: thresholds must strictly decrease: above 30 is not below states[0].above 25"
    ]
