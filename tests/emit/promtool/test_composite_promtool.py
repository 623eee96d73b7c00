"""Composite SLOs through real promtool: each method against hand-computed journeys.

Three member services with very different traffic (web 1000, cart 100, payments 10
requests a minute; payments weighted 2) and one journey service holding a composite of
each method.  The rule files load members first and run every group in file order, so
the journey reads the members' base rates of the same tick (a live ruler may read them
one evaluation older).
"""

from __future__ import annotations

import yaml

from promtool_scenarios import check_rule_test, counter, file_order, near
from slogen_testing import compile_files, write_spec

TRAFFIC = {"web": 1000, "cart": 100, "payments": 10}
JOURNEY = """
service: journeys
slos:
  - name: pooled
    objective: 99.5
    sli:
      composite:
        method: events
        of: [web/availability, cart/availability, {slo: payments/availability, weight: 2}]
  - name: weighted
    objective: 99.5
    sli:
      composite:
        method: weighted
        of: [web/availability, cart/availability, {slo: payments/availability, weight: 2}]
  - name: worst
    objective: 99.5
    sli:
      composite:
        method: worst
        of: [web/availability, cart/availability, payments/availability]
"""


def member_spec(service: str) -> str:
    return f"""
service: {service}
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: requests_total{{job="{service}", code="500"}}
        total: requests_total{{job="{service}"}}
"""


def rule_files(tmp_path) -> dict[str, str]:
    """Members' rule files (promtool's cadence copies, as their generated tests load them), then the journey's."""
    specs = tmp_path / "specs"
    paths = [write_spec(specs, member_spec(s), f"{s}.yaml") for s in TRAFFIC] + [write_spec(specs, JOURNEY, "journeys.yaml")]
    files = compile_files(paths)
    out = {f"{s}.yml": files[f"tests/rules/{s}.yml"] for s in TRAFFIC}
    out["journeys.yml"] = files["rules/journeys.yml"]
    return out


def series(error_shares: dict[str, list[tuple[int, float]]]) -> dict[str, str]:
    """Counters per member: (minutes, share of errors) segments at the member's traffic."""
    out = {}
    for service, per_minute in TRAFFIC.items():
        segments = error_shares.get(service, [(90, 0.0)])
        out[f'requests_total{{job="{service}", code="200"}}'] = counter(*((m, per_minute * (1 - share)) for m, share in segments))
        out[f'requests_total{{job="{service}", code="500"}}'] = counter(*((m, per_minute * share) for m, share in segments))
    return out


def ratio(window: str, slo: str) -> str:
    return f'slo:sli_error:ratio_rate{window}{{slo_id="journeys-{slo}"}}'


def run(tmp_path, promtool, shares, checks) -> None:
    files = rule_files(tmp_path)
    order = [group for text in files.values() for group in file_order(text)]
    check_rule_test(tmp_path, promtool, files, series(shares), promql=checks, order=order)


def test_one_member_down(tmp_path, promtool):
    """payments fails every request: pooled 2x10 / (1000+100+2x10), weighted 2/4, worst 1."""
    shares = {"payments": [(90, 1.0)]}
    checks = [
        near(ratio("5m", "pooled"), 30, 20 / 1120, 0.001),
        near(ratio("30m", "pooled"), 40, 20 / 1120, 0.001),
        near(ratio("5m", "weighted"), 30, 0.5, 0.001),
        near(ratio("1h", "weighted"), 70, 0.5, 0.001),
        near(ratio("5m", "worst"), 30, 1.0, 0.001),
        near(ratio("1h", "worst"), 70, 1.0, 0.001),
        # 0.5 / 0.005 burns 100x: the journey pages.
        {
            "expr": 'count(ALERTS{alertname="SLOErrorBudgetBurn", slo_id="journeys-weighted", severity="page", alertstate="firing"}) > bool 0',
            "eval_time": "30m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
    ]
    run(tmp_path, promtool, shares, checks)


def test_all_degraded(tmp_path, promtool):
    """web 1%, cart 5%, payments 20%: pooled (10+5+2x2)/1120, weighted (0.01+0.05+2x0.2)/4, worst 0.2."""
    shares = {"web": [(90, 0.01)], "cart": [(90, 0.05)], "payments": [(90, 0.2)]}
    checks = [
        near(ratio("5m", "pooled"), 30, 19 / 1120, 0.001),
        near(ratio("1h", "pooled"), 70, 19 / 1120, 0.001),
        near(ratio("5m", "weighted"), 30, 0.46 / 4, 0.001),
        near(ratio("30m", "weighted"), 40, 0.46 / 4, 0.001),
        near(ratio("5m", "worst"), 30, 0.2, 0.001),
        near(ratio("2h", "worst"), 80, 0.2, 0.001),
        near(f'slo:current_burn_rate:ratio{{slo_id="journeys-worst"}}', 30, 0.2 / 0.005, 0.001),
    ]
    run(tmp_path, promtool, shares, checks)


def test_worst_window_is_the_worst_members_window(tmp_path, promtool):
    """web fails for 30m, then cart for 30m: over the hour each member's ratio is 1/2, so the
    worst is 1/2, not the 1 a sum of each 5 minutes' worst member would read."""
    shares = {"web": [(30, 1.0), (60, 0.0)], "cart": [(30, 0.0), (30, 1.0), (30, 0.0)]}
    naive = 'sum_over_time(slo:sli_errors:rate5m{slo_id="journeys-worst"}[1h]) / sum_over_time(slo:sli_events:rate5m{slo_id="journeys-worst"}[1h])'
    checks = [
        between(ratio("1h", "worst"), 62, 0.4, 0.6),
        between(ratio("1h", "worst").replace("journeys-worst", "web-availability"), 62, 0.4, 0.6),
        # What the 1h window would read if summed from the worst member of each 5 minutes.
        between(naive, 62, 0.9, 1.01),
    ]
    run(tmp_path, promtool, shares, checks)


def between(expr: str, minutes: int, low: float, high: float) -> dict:
    """Assert a single-series expression lies strictly between two values."""
    return {
        "expr": f"sum(({expr} > bool {low}) * ({expr} < bool {high}))",
        "eval_time": f"{minutes}m",
        "exp_samples": [{"labels": "{}", "value": 1}],
    }
