"""Calendar periods: the PromQL's own values (computed in Python beside its text) against zoneinfo."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from slogen.emit.rules.calendar_groups import bound_exprs
from slogen.plan.calendar_periods import Calendar, Expr, offset_expr, parse_posix, period_bounds, zone_problem, zone_rule
from slogen.plan.slo import plan_service
from slogen.spec.model import ServiceSpec

# Both hemispheres, half- and quarter-hour offsets, 30-minute DST (Lord Howe), DST at
# 24:00 (Santiago), on Thursdays (Jerusalem), at negative local hours (Nuuk), none.
ZONES = (
    "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Santiago", "Pacific/Chatham",
    "Australia/Lord_Howe", "America/St_Johns", "UTC", "Asia/Jerusalem", "America/Nuuk", "Asia/Kathmandu",
)


class _Plan:
    """What bound_exprs reads of a plan."""

    def __init__(self, calendar: Calendar):
        self.calendar = calendar

    def selector(self, metric: str) -> str:
        return metric


def _utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())


@pytest.mark.parametrize("zone", ZONES)
def test_offset_expression_matches_zoneinfo_every_hour_around_transitions(zone):
    tz = ZoneInfo(zone)
    offset = offset_expr(zone_rule(zone), Expr("t", lambda t: t))
    t, last = _utc(2026, 1, 1), _utc(2036, 1, 1)
    checked = 0
    while t < last:
        # Every 6 hours, and every second of the hour on each side of a change.
        before, after = (int(datetime.fromtimestamp(x, timezone.utc).astimezone(tz).utcoffset().total_seconds()) for x in (t, t + 21600))
        assert offset(t) == before, datetime.fromtimestamp(t, timezone.utc)
        if before != after:
            for x in range(t, t + 21600, 60):
                assert offset(x) == datetime.fromtimestamp(x, timezone.utc).astimezone(tz).utcoffset().total_seconds(), x
                checked += 1
        t += 21600
    assert checked or zone in ("UTC", "Asia/Kolkata", "Asia/Kathmandu")


CALENDARS = (
    lambda z: Calendar("month", z),
    lambda z: Calendar("week", z),
    lambda z: Calendar("quarter", z),
    lambda z: Calendar("week", z, (5, 12 * 3600)),
    lambda z: Calendar("quarter", z, quarter_start_month=2),
)


@pytest.mark.parametrize("zone", ZONES)
def test_period_bounds_expressions_match_zoneinfo(zone):
    for make in CALENDARS:
        cal = make(zone)
        _, _, _, start, end = bound_exprs(_Plan(cal))
        t = _utc(2026, 1, 1)
        while t < _utc(2029, 1, 1):  # 2028 is a leap year
            assert (start(t), end(t)) == period_bounds(cal, t), (cal, datetime.fromtimestamp(t, timezone.utc))
            t += 29 * 3600 + 13 * 60


def test_irregular_and_unknown_zones_are_refused():
    assert "irregularly" in (zone_problem("Africa/Casablanca") or "")
    assert "unknown time zone" in (zone_problem("Mars/Olympus") or "")
    assert zone_problem("Europe/Berlin") is None


def test_posix_rules_parse():
    rule = parse_posix("CET-1CEST,M3.5.0,M10.5.0/3")
    assert (rule.std, rule.dst, rule.start.month, rule.end.seconds) == (3600, 7200, 3, 10800)
    assert parse_posix("<+0530>-5:30").std == 19800
    assert parse_posix("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1").start.seconds == -7200
    assert parse_posix("EST5EDT,J60,J300") is None


def _spec(window) -> ServiceSpec:
    return ServiceSpec.model_validate(
        {"service": "s", "slos": [{"name": "a", "objective": 99.9, "window": window, "sli": {"ratio": {"errors": "e", "total": "t"}}}]}
    )


def test_calendar_plan_uses_the_nominal_period_for_burn_factors():
    plans, problems = plan_service(_spec({"calendar": "month", "time_zone": "Europe/Berlin"}))
    assert not problems
    assert plans[0].period == 30 * 86400 and plans[0].calendar == Calendar("month", "Europe/Berlin")


def test_a_bad_zone_is_located_at_time_zone():
    _, problems = plan_service(_spec({"calendar": "week", "time_zone": "Africa/Casablanca"}))
    assert [p.loc for p in problems] == [("slos", 0, "window", "time_zone")]


@pytest.mark.parametrize("starts", ["funday", "monday 25:00", "april"])
def test_bad_starts_are_refused(starts):
    with pytest.raises(ValueError, match="starts"):
        _spec({"calendar": "week" if starts != "april" else "quarter", "starts": starts})


def test_status_reads_the_calendar_period_and_its_end():
    from slogen.live.prometheus_api import Sample
    from slogen.live.status import build_status, status_queries
    from slogen.plan import names

    plans, _ = plan_service(_spec({"calendar": "month", "time_zone": "Europe/Berlin"}))
    ids = {names.LABEL_ID: plans[0].id}
    queries = status_queries(plans)
    results: dict[str, list] = {key: [] for key in queries}
    results["info"] = [Sample(ids, 1)]
    results["remaining"] = [Sample(ids, 0.5)]
    results["calendar_ratio"] = [Sample(ids, 0.0005)]
    results["calendar_end"] = [Sample(ids, _utc(2026, 2, 28, 23))]
    results["ratio:2592000"] = [Sample(ids, 0.9)]  # the rolling 30d: not what a calendar SLO reports
    [row], _ = build_status(plans, results)
    assert row.sli == pytest.approx(0.9995)
    assert row.window == "month (Europe/Berlin) until 2026-02-28 23:00 UTC"
