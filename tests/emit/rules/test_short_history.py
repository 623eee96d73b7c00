"""Budget with short history: spent against what the whole period allows, proven with the real promtool.

Budget consumed = the period's burn rate x the share of the period recorded history
covers (recording.py: history_rule, remaining_expr).  An SLO an hour old burning at
5x has spent 5 / 720 of a 30d budget; thirty days at 5x have spent it five times.
"""

from __future__ import annotations

import pytest

from promtool_scenarios import AVAILABILITY, CALENDAR_MONTH, ERR, OK, check_rule_test, file_order
from slogen_testing import compile_files, write_spec

ID = 'slo_id="shop-availability"'
LABELS = f'{ID}, slo_name="availability", slo_service="shop"'
EXHAUSTED = 'ALERTS{alertname="SLOErrorBudgetExhausted", alertstate="firing"}'
HOUR_M = 60
DAY_M = 24 * HOUR_M



def _traffic(minutes: int, burn: float, idle: int = 0) -> dict[str, str]:
    """1000 requests a minute from minute `idle` (no series before), a share `burn` x 0.1% failing."""
    errors = burn  # per minute: 1000 x burn x 0.1%
    # `_xN` is N missing samples: the first counter sample is minute `idle`'s.
    gap = f"_x{idle} " if idle else ""
    return {OK: f"{gap}0+{1000 - errors!r}x{minutes - idle}", ERR: f"{gap}0+{errors!r}x{minutes - idle}"}


def _near(expr: str, minutes: int, value: float, tolerance: float = 0.002) -> dict:
    """`expr` (one series) within `tolerance` of `value` at a minute."""
    return {"expr": f"abs(({expr}) - {value!r}) < bool {tolerance!r}", "eval_time": f"{minutes}m", "exp_samples": [{"labels": "{}", "value": 1}]}


def _remaining(minutes: int, value: float) -> dict:
    return _near(f"sum(slo:period_error_budget_remaining:ratio{{{ID}}})", minutes, value)


def _burn(minutes: int, value: float) -> dict:
    return _near(f"sum(slo:period_burn_rate:ratio{{{ID}}})", minutes, value)


def _state(minutes: int, action: str) -> dict:
    return {
        "expr": f"slo:budget_policy:state{{{ID}}} == 1",
        "eval_time": f"{minutes}m",
        "exp_samples": [{"labels": f'slo:budget_policy:state{{slo_action="{action}", {LABELS}}}', "value": 1}],
    }


def _exhausted(minutes: int, firing: bool) -> dict:
    sample = {"labels": f'ALERTS{{alertname="SLOErrorBudgetExhausted", alertstate="firing", severity="ticket", {LABELS}}}', "value": 1}
    return {"expr": EXHAUSTED, "eval_time": f"{minutes}m", "exp_samples": [sample] if firing else []}


def _history(minutes: int, hours: int) -> dict:
    return {
        "expr": f"slo:period_history:seconds{{{ID}}}",
        "eval_time": f"{minutes}m",
        "exp_samples": [{"labels": f"slo:period_history:seconds{{{LABELS}}}", "value": hours * 3600}],
    }


def _run(tmp_path, promtool, spec: str, series: dict[str, str], checks: list[dict], evaluation: str) -> None:
    rules = compile_files([write_spec(tmp_path / "specs", spec)])["rules/shop.yml"]
    # In file order, as the generated tests run them: promtool's own order is random, and at
    # evaluations further apart than the 5m lookback a group reading one run after it sees nothing.
    # Samples every minute: Prometheus 3's left-open (t-5m, t] holds several for a 5m rate.
    check_rule_test(tmp_path, promtool, rules, series, promql=checks, evaluation=evaluation, interval="1m", order=file_order(rules))


def test_an_hour_at_5x_spends_a_sliver_of_the_budget_and_freezes_nothing(tmp_path, promtool):
    # The period burn is 5x (the error ratio so far, honestly), but an hour of a 30d
    # window is 1/720 of it: 5/720 of the budget spent, not the -400% left that
    # measuring the hour as if it were the whole window gave.
    checks = [
        _history(60, 1),
        _burn(60, 5.0),
        _remaining(60, 1 - 5 / 720),
        _state(60, "normal"),
        _exhausted(60, firing=False),
        # Each clock hour of history counts once, however often promtool evaluates.
        _history(61, 2),
        _remaining(120, 1 - 5 * 2 / 720),
        _exhausted(120, firing=False),
    ]
    _run(tmp_path, promtool, AVAILABILITY, _traffic(2 * HOUR_M + 5, 5.0), checks, "1m")


@pytest.mark.slow
def test_thirty_days_at_5x_exhaust_the_budget_on_the_sixth_day(tmp_path, promtool):
    # Budget spent grows with the history: 5 x d / 30 after d days, all of it on day 6.
    day = DAY_M
    checks = [
        _remaining(5 * day, 1 - 5 * 5 / 30),
        _state(5 * day, "postpone-risky"),
        _exhausted(5 * day, firing=False),
        _remaining(7 * day, 1 - 5 * 7 / 30),
        _state(7 * day, "feature-freeze"),
        _exhausted(7 * day, firing=True),
        # The whole window covered: the burn rate is the budget spent.
        _history(30 * day, 30 * 24),
        _burn(30 * day, 5.0),
        _remaining(30 * day, -4.0),
        _state(30 * day, "feature-freeze"),
        _exhausted(30 * day, firing=True),
    ]
    # Rules every 30 minutes: in promtool each evaluation sums every point of the window so far.
    _run(tmp_path, promtool, AVAILABILITY, _traffic(30 * day + 5, 5.0), checks, "30m")


@pytest.mark.slow
def test_calendar_month_counts_the_elapsed_part_and_history_that_starts_late(tmp_path, promtool):
    # January 1970 in UTC (promtool's clock starts at its first second): 31 days.  Traffic
    # from day 10 only: on day 10 plus 1h, one hour of history covers 1/744 of the month
    # (not the 10 days elapsed); from then on history covers what has elapsed since.
    month = 31 * 24
    start = 10 * DAY_M
    checks = [
        _remaining(start + HOUR_M, 1 - 5 / month),
        _exhausted(start + HOUR_M, firing=False),
        _remaining(start + 5 * DAY_M, 1 - 5 * 5 * 24 / month),
        _state(start + 5 * DAY_M, "postpone-risky"),
        # 5x for 6.2 days spends the month's budget: exhausted on day 10 + 7.
        _remaining(start + 7 * DAY_M, 1 - 5 * 7 * 24 / month),
        _exhausted(start + 7 * DAY_M, firing=True),
    ]
    _run(tmp_path, promtool, CALENDAR_MONTH, _traffic(start + 7 * DAY_M + 5, 5.0, idle=start), checks, "30m")
