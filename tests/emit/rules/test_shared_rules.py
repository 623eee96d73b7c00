"""Rules written once per service: every SLO still gets its own series, label sets and alert text.

The label sets checked here are each SLO's own (its slo_* and spec labels, its grouping
labels, the window), computed from the plan rather than from the rules, and read back
from the real promtool after it evaluated the rule file on synthetic traffic.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import yaml

from pathlib import Path

from slogen_testing import compile_paths
from slogen.emit.rules.recording import fast_rules
from slogen.emit.rules.rule_file import PARTS, service_rules
from slogen.emit.promtool.inputs import Phase, series_values
from slogen.live.promtool_run import run_promtool_tests
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW, HOUR
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt

from promtool_scenarios import run_rule_test
from slogen_testing import example_services, run_promtool, run_slogen, write_spec

# One service mixing what shared rules must keep apart: objectives, periods, tiers,
# grouping, min_events on one SLO only, SLO-level labels, a custom policy, `for`.
MIXED = """
service: shop
labels: {team: web}
slos:
  - name: checkout
    objective: 99.9
    description: Checkout requests.
    labels: {owner: pay}
    sli: {ratio: {errors: 'shop_requests_total{code=~"5..", handler="checkout"}', total: 'shop_requests_total{handler="checkout"}'}}
    alerting:
      min_events: 100
      annotations: {runbook_url: https://runbooks.example.com/checkout}
  - name: search
    objective: 99
    window: 28d
    grouping: [region]
    sli: {ratio: {errors: 'shop_requests_total{code=~"5..", handler="search", region!=""}', total: 'shop_requests_total{handler="search", region!=""}'}}
    alerting:
      annotations: {runbook_url: https://runbooks.example.com/search}
      page:
        for: 2m
        tiers: [{budget_percent: 2, long_window: 1h}, {budget_percent: 5, long_window: 12h}]
  - name: latency
    objective: 99
    sli: {latency: {histogram: 'shop_request_duration_seconds{handler="checkout"}', threshold: 0.5}}
    policy:
      states:
        - {action: ok, above: 20}
        - {action: stop}
    alerting:
      annotations: {runbook_url: https://runbooks.example.com/latency}
"""


# Two SLOs alike but for their series: every shared rule selects both by service.
SAME = """
service: shop
labels: {team: web}
slos:
  - name: checkout
    objective: 99.9
    sli: {ratio: {errors: 'shop_requests_total{code=~"5..", handler="checkout"}', total: 'shop_requests_total{handler="checkout"}'}}
  - name: search
    objective: 99.9
    sli: {ratio: {errors: 'shop_requests_total{code=~"5..", handler="search"}', total: 'shop_requests_total{handler="search"}'}}
"""


README = Path(__file__).resolve().parents[3] / "README.md"


def _compile(tmp_path, text: str):
    services, diagnostics = compile_paths([write_spec(tmp_path / "specs", text)])
    more: list = []
    assert not diagnostics + more, diagnostics + more
    return services


def _expected(plan: SLOPlan, groups: list[dict[str, str]]) -> set[frozenset]:
    """Every recorded series of one SLO as a label set: what the per-SLO rules recorded."""
    out: set[frozenset] = set()
    base = plan.series_labels

    def add(name: str, extra: dict[str, str], grouped: bool = True) -> None:
        for group in groups if grouped else [{}]:
            out.add(frozenset({**base, **group, **extra, "recorded": name}.items()))

    for window in plan.windows:
        add(names.error_ratio(window), {names.LABEL_WINDOW: format_duration(window)})
    for metric in (names.events_rate, names.errors_rate):
        for window in (BASE_WINDOW, HOUR):
            add(metric(window), {names.LABEL_WINDOW: format_duration(window)})
    for name in (names.CURRENT_BURN_RATE, names.PERIOD_BURN_RATE, names.PERIOD_BUDGET_REMAINING, names.POLICY_LEVEL):
        add(name, {})
    for state in plan.policy.states:
        add(names.POLICY_STATE, {names.LABEL_ACTION: state.action})
    for name in (names.OBJECTIVE, names.ERROR_BUDGET, names.TIME_PERIOD_DAYS):
        add(name, {}, grouped=False)
    info = {"slo_objective": fmt(plan.objective_percent), "slo_period": format_duration(plan.period), "slo_sli_kind": plan.sli_kind}
    if plan.description:
        info["slo_description"] = plan.description
    add(names.INFO, info, grouped=False)
    # Counted by the SLO's identity and grouping labels only (recording.history_keys), so a
    # change of its other labels does not restart it.
    for group in groups:
        out.add(frozenset({**dict(plan.id_labels), **group, "recorded": names.PERIOD_HISTORY}.items()))
    return out


def _recorded(promtool, tmp_path, compiled, rules_text: str) -> set[frozenset]:
    """The label sets promtool recorded for a service after 2h of traffic (all SLOs at once)."""
    tests = compiled.tests
    series = [(s, plan) for plan, slo_series in tests.testable for s in slo_series]
    inputs = {s.notation(): series_values(s, (Phase(3600, 7200, 0.01),), 7200) for s, _ in series}
    assert len(inputs) == len(series)  # each input series once: no SLO's series hides another's
    query = f'label_replace({{__name__=~"slo:.+|{names.INFO}", slo_service="{compiled.service}"}}, "recorded", "$1", "__name__", "(.+)") ^ 0'
    # promtool prints the samples it got when they differ: ask for none, read what came.
    result = run_rule_test(
        tmp_path, promtool, rules_text, inputs, order=tests.group_order, promql=[{"expr": query, "eval_time": "2h", "exp_samples": []}]
    )
    got = result.stdout + result.stderr
    assert "got:" in got, got
    line = got.split("got:", 1)[1].splitlines()[0]
    return {
        frozenset((name, json.loads(value)) for name, value in _PAIR.findall(labels)) for labels in _LABEL_SET.findall(line)
    }


# promtool prints samples as {name="value", ...} 1E+00, values quoted the Go way (JSON's, for this text).
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_LABEL_SET = re.compile(rf"\{{((?:\s*\w+={_QUOTED},?)*)\}}")
_PAIR = re.compile(rf"(\w+)=({_QUOTED})")


def _groups(compiled, plan: SLOPlan) -> list[dict[str, str]]:
    series = compiled.tests.series.get(plan.name, ())
    return [dict(g) for g in {tuple((k, dict(s.labels)[k]) for k in plan.grouping) for s in series}] or [{}]


@pytest.mark.slow
def test_recorded_label_sets_are_each_slos_own(promtool, tmp_path):
    services = example_services() + _compile(tmp_path, MIXED)
    for compiled in services:
        if not compiled.tests.testable:
            continue
        expected = set().union(*(_expected(plan, _groups(compiled, plan)) for plan, _ in compiled.tests.testable))
        work = tmp_path / compiled.service
        work.mkdir()
        got = _recorded(promtool, work, compiled, compiled.rules.text())
        tested = {plan.id for plan, _ in compiled.tests.testable}
        got = {labels for labels in got if dict(labels)[names.LABEL_ID] in tested}
        assert got == expected, (compiled.service, sorted(map(sorted, got ^ expected)))


def test_ten_slos_cost_at_most_eight_rules_each(tmp_path):
    slos = "".join(
        f"""
  - name: s{i}
    objective: {99.9 if i % 2 else 99}
    sli: {{ratio: {{errors: 'r_total{{code="500", h="{i}"}}', total: 'r_total{{h="{i}"}}'}}}}
    alerting: {{annotations: {{runbook_url: https://runbooks.example.com/{i}}}}}
"""
        for i in range(10)
    )
    services = _compile(tmp_path, "service: ten\nslos:" + slos)
    groups = services[0].groups
    rules = sum(len(group.rules) for group in groups)
    assert rules <= 8 * 10, rules
    # The shared rules do not grow with the SLOs: only the base rates, the 1h ratio and constants do.
    assert rules == 5 * 10 + sum(len(part) for part in service_rules("ten", list(services[0].plans)).shared)


@pytest.mark.parametrize("n", [1, 4, 10])
def test_readme_counts_the_rules_of_a_service_of_n_slos(tmp_path, n):
    """README's `5 n + 21` (default tiers and policy): 5 rules per SLO (two base rates, the fast
    page's 1h ratio, two constants), 21 shared by the service."""
    slos = "".join(
        f"\n  - name: s{i}\n    objective: 99.9\n    sli: {{ratio: {{errors: 'r_total{{code=\"500\", h=\"{i}\"}}', total: 'r_total{{h=\"{i}\"}}'}}}}\n"
        for i in range(n)
    )
    services = _compile(tmp_path, "service: svc\nslos:" + slos)
    assert sum(len(group.rules) for group in services[0].groups) == 5 * n + 21
    assert "`5 n + 21` rules with the default tiers and policy" in " ".join(README.read_text().split())


# Time to exhaustion at the alert's burn (period x remaining / burn) after 30 minutes of total outage,
# with history covering 1h of the period (recording.remaining_expr): checkout's 1000x has spent
# 1000/720 budgets (0s left); search's 100x, 100/672: 28d x (1 - 100/672) / 100 = 5h 43m 12s.
EXHAUSTION = {"checkout": "0s", "search": "5h 43m 12s"}


def test_alert_rules_apart_by_for_alone_pass_promtools_duplicate_lint(promtool, tmp_path):
    """Two SLOs' page rules differ in `for` only (the same name and labels): promtool's lint must still tell them apart."""
    slos = "".join(
        f"\n  - name: s{i}\n    objective: 99.9\n    sli: {{ratio: {{errors: 'r_total{{code=\"500\", h=\"{i}\"}}', total: 'r_total{{h=\"{i}\"}}'}}}}\n"
        + ("    alerting: {page: {for: 2m}}\n" if i else "")
        for i in range(2)
    )
    (compiled,) = _compile(tmp_path, "service: svc\nslos:" + slos)
    text = compiled.rules.text()
    assert "rule 2 with these labels" in text
    (tmp_path / "rules.yml").write_text(text)
    check = run_promtool(promtool, "check", "rules", "rules.yml", cwd=tmp_path)
    assert check.returncode == 0 and "duplicate" not in check.stdout + check.stderr, check.stdout + check.stderr


def test_shared_alerts_tell_each_slo_its_own_text(promtool, tmp_path):
    """Two SLOs burning at once: one shared alert rule, each alert with its SLO's objective and runbook."""
    (compiled,) = _compile(tmp_path, MIXED)
    (tmp_path / "rules.yml").write_text(compiled.rules.text())
    check = run_promtool(promtool, "check", "rules", "rules.yml", cwd=tmp_path)
    assert check.returncode == 0 and "duplicate" not in check.stdout + check.stderr, check.stdout + check.stderr
    checkout, search, latency = compiled.plans
    inputs = {
        # Only errors from the start: every window's ratio is 1, the burn 1/budget.
        'shop_requests_total{code="500", handler="checkout"}': "0+60x40",
        'shop_requests_total{code="500", handler="search", region="eu"}': "0+60x40",
    }

    def alert(plan: SLOPlan, severity: str, objective: str, period: str, tiers: str, burn: str, extra: dict, sli: str = "") -> list[dict]:
        who = f"shop/{plan.name}" + (" region=eu" if plan.grouping else "")
        speed = "fast" if severity == "page" else "faster than it can last"
        # Every window's ratio is 1: every tier of the severity fires, each its own alert named by slo_tier.
        sev = next(s for s in plan.severities if s.key == severity)
        return [
            {
                "exp_labels": {
                    "severity": severity, "slo_id": plan.id, "slo_name": plan.name, "slo_service": "shop", "team": "web",
                    "slo_tier": f"{format_duration(tier.long_window)}/{format_duration(tier.short_window)}", **extra,
                },
                "exp_annotations": {
                    "summary": f"{who}: error budget burning {speed}",
                    "description": (
                        f"SLO {who} ({objective}% over {period}) is burning its error budget at {burn}x the sustainable rate. "
                        f"This {severity} alert fires when {tiers}; its slo_tier label names the tier that fired. "
                        f"At this burn rate the remaining error budget is gone in {EXHAUSTION[plan.name]}.{sli}"
                    ),
                    "runbook_url": f"https://runbooks.example.com/{plan.name}",
                },
            }
            for tier in sev.tiers
        ]

    sli = " SLI: Checkout requests."
    expected = [
        *alert(
            checkout, "page", "99.9", "30d",
            "2% of the budget burns in 1h (14.4x, confirmed over 5m) or 5% of the budget burns in 6h (6x, confirmed over 30m)",
            "1000.00", {"owner": "pay"}, sli,
        ),
        *alert(
            search, "page", "99", "28d",
            "2% of the budget burns in 1h (13.44x, confirmed over 5m) or 5% of the budget burns in 12h (2.8x, confirmed over 1h)",
            "100.00", {"region": "eu"},
        ),
        *alert(
            checkout, "ticket", "99.9", "30d",
            "10% of the budget burns in 1d (3x, confirmed over 2h) or 10% of the budget burns in 3d (1x, confirmed over 6h)",
            "1000.00", {"owner": "pay"}, sli,
        ),
        *alert(
            search, "ticket", "99", "28d",
            "10% of the budget burns in 1d (2.8x, confirmed over 2h) or 10% of the budget burns in 3d (0.9333x, confirmed over 6h)",
            "100.00", {"region": "eu"},
        ),
    ]
    checks = [{"eval_time": "30m", "alertname": "SLOErrorBudgetBurn", "exp_alerts": expected}]
    result = run_rule_test(tmp_path, promtool, compiled.rules.text(), inputs, order=compiled.rules.group_names, alerts=checks)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_global_sharing_records_the_same_series_and_passes_the_generated_tests(promtool, tmp_path):
    """`--share-rules global`: one file holds every service's rules, one group per part."""
    out = tmp_path / "out"
    result = run_slogen("generate", "slo_specs", "--out", str(out), "--share-rules", "global", "--target", "prometheus,mimir,vmalert")
    assert result.returncode == 0, result.stderr
    assert (out / "mimir" / "_shared.yaml").is_file() and (out / "vmalert" / "_shared.yml").is_file()
    assert [path.name for path in (out / "rules").glob("*.yml")] == ["_shared.yml"]
    check = run_promtool(promtool, "check", "rules", str(out / "rules" / "_shared.yml"))
    assert check.returncode == 0, check.stdout + check.stderr
    shared = yaml.safe_load((out / "rules" / "_shared.yml").read_text())["groups"]
    services = {c.service: c for c in example_services()}
    slos = sum(len(c.plans) for c in services.values())
    # One group per part for every service, not one per part and service.
    assert len(shared) == len({g["name"] for g in shared}) <= len(PARTS)
    total = sum(len(g["rules"]) for g in shared)
    # The fast page reads its 1h ratio recorded earlier in the same evaluation, for every SLO.
    [alerts] = [g for g in shared if g["name"] == "slogen-_shared-alerts"]
    fast = [i for i, r in enumerate(alerts["rules"]) if r.get("record") == "slo:sli_error:ratio_rate1h"]
    pages = [i for i, r in enumerate(alerts["rules"]) if "alert" in r]
    assert len(fast) == sum(len(fast_rules(p)) for c in services.values() for p in c.plans) > 0 and pages and max(fast) < min(pages)
    assert total < sum(sum(len(g.rules) for g in c.groups) for c in services.values()) < 24 * slos
    for name in ("checkout", "search"):  # the services with several SLOs
        compiled = services[name]
        work = tmp_path / name
        work.mkdir()
        got = _recorded(promtool, work, replace(compiled, tests=replace(compiled.tests, group_order=())), yaml.safe_dump({"groups": shared}))
        expected = set().union(*(_expected(plan, _groups(compiled, plan)) for plan, _ in compiled.tests.testable))
        assert got == expected, (name, sorted(map(sorted, got ^ expected)))
    # Each service's tests load the shared file cut to its SLOs, and pass.
    assert "- rules/checkout.yml" in (out / "tests" / "checkout.test.yml").read_text()
    results = run_promtool_tests([out / "tests" / "checkout.test.yml"])
    assert all(r.passed for r in results), [r.output for r in results]


@pytest.mark.parametrize("objectives", ["mixed", "the same"])
def test_an_slo_removed_from_the_specs_stops_alerting_and_burning_at_once(promtool, tmp_path, objectives):
    """Rules that select a service's SLOs by `slo_service` also see the recorded history of an
    SLO since removed: its long windows, budget, policy and alerts must stop with its rules
    (budgets joined by id where the objectives differ, inline and gated where they agree)."""
    spec = MIXED if objectives == "mixed" else SAME
    (compiled,) = _compile(tmp_path, spec)
    first_alert = next(rule for rule in compiled.rules.groups[-1].rules if rule.alert)
    assert ("group_left" in first_alert.expr) == (objectives == "mixed")
    gone = 'slo_id="shop-gone", slo_name="gone", slo_service="shop", team="web"'
    # What its rules recorded until they were removed, still inside every range: only errors.
    inputs = {
        f"slo:{kind}:rate{window}{{{gone}, slo_window=\"{window}\"}}": "1+0x300"
        for kind in ("sli_events", "sli_errors")
        for window in ("5m", "1h")
    }
    absent = [
        f'{name}{{slo_id="shop-gone"}}'
        for name in (
            "slo:sli_error:ratio_rate1d", "slo:sli_error:ratio_rate30d", "slo:period_burn_rate:ratio",
            "slo:period_error_budget_remaining:ratio", "slo:budget_policy:state", "ALERTS",
        )
    ]
    checks = [{"expr": expr, "eval_time": "4h", "exp_samples": []} for expr in absent]
    # Not vacuous: its shorter windows (summed from 5m rates) still see it, and would fire without the gate.
    checks.append({"expr": 'count(slo:sli_error:ratio_rate30m{slo_id="shop-gone"} == 1)', "eval_time": "4h", "exp_samples": [{"labels": "{}", "value": 1}]})
    result = run_rule_test(tmp_path, promtool, compiled.rules.text(), inputs, order=compiled.rules.group_names, promql=checks)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_a_page_names_its_tier_and_the_time_left_at_its_burn(promtool, tmp_path):
    """Two clean days, then 70 minutes at 20x on billing's 99.9%/30d SLO: only the 1h/5m page tier
    holds, and its description says how long the remaining budget lasts at that burn."""
    billing = next(c for c in example_services() if c.service == "billing")
    inputs = {
        'http_requests_total{code="500", handler="/invoices", job="billing-api"}': "0+0x2880 12+12x70",
        'http_requests_total{code="200", handler="/invoices", job="billing-api"}': "0+600x2880 1728588+588x70",
    }
    # The period burn promtool 2.42 records at 2950m is 0.2583 (the hourly windows lag the spike),
    # over 50 hours of history: remaining 1 - 0.2583 x 50/720 = 0.98206, 30d x 0.98206 / 20 = 127275s.
    checks = [
        {"expr": 'ALERTS{alertstate="firing"}', "eval_time": "2950m", "exp_samples": [{
            "labels": 'ALERTS{alertname="BillingInvoiceBudgetBurn", alertstate="firing", category="availability", severity="critical", '
                      'slo_id="billing-invoice-api-availability", slo_name="invoice-api-availability", slo_service="billing", '
                      'slo_tier="1h/5m", team="billing"}',
            "value": 1,
        }]},
    ]
    result = run_rule_test(tmp_path, promtool, billing.rules.text(), inputs, order=billing.rules.group_names, promql=checks)
    assert result.returncode == 0, result.stdout + result.stderr
    # The annotation, as Prometheus renders it (promtool prints it on a failed expectation).
    wrong = [{"eval_time": "2950m", "alertname": "BillingInvoiceBudgetBurn", "exp_alerts": []}]
    result = run_rule_test(tmp_path, promtool, billing.rules.text(), inputs, order=billing.rules.group_names, alerts=wrong)
    output = result.stdout + result.stderr
    assert "burning its error budget at 20.00x" in output, output
    # 1d 11h 21m 15s on 2.42, 1d 11h 20m 44s on 3.x (left-open ranges: burn 0.264): about 35.3h either way.
    assert re.search(r"At this burn rate the remaining error budget is gone in 1d 11h (21m 15s|20m 44s)\.", output), output
