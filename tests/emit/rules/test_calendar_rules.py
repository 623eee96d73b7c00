"""Calendar windows and timeslices through the real promtool.

promtool 2.42 starts every test at 1970-01-01, so these rules read a shifted clock
(`time() + shift`, the `clock` argument; emitted rules have none) to land on the day
under test.  Expected values come from zoneinfo (`period_bounds`) or from counting
the synthetic inputs by hand, never from the rules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from slogen.emit.rules.calendar_groups import calendar_rules, forecast_alert_rules, timeslice_rules
from slogen.emit.rules.recording import Group
from slogen.emit.rules.rule_file import build_groups, service_rules
from slogen.emit.text.rule_layout import rule_file_text
from slogen.plan import names
from slogen.plan.calendar_periods import period_bounds
from slogen.plan.names import CAL_END, CAL_ERRORS, CAL_EVENTS, CAL_OFFSET, CAL_START, FORECAST_ALERT, TS_GOOD_1H, TS_TOTAL_1H
from slogen.plan.timeslices import TS_GOOD
from slogen.plan.slo import plan_service
from slogen.spec.model import ServiceSpec
from promtool_scenarios import check_rule_test

HOUR = 3600


def _plan(window: dict, sli: dict | None = None):
    spec = ServiceSpec.model_validate(
        {
            "service": "shop",
            "slos": [
                {
                    "name": "cal",
                    "objective": 99,
                    "window": window,
                    "sli": sli or {"ratio": {"errors": 'http_requests_total{code="500"}', "total": "http_requests_total"}},
                }
            ],
        }
    )
    plans, problems = plan_service(spec)
    assert not problems, problems
    return plans[0]


def _utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())


def _run(tmp_path, promtool, groups: list[Group], series: dict[str, str], checks: list[dict], interval: str = "1m") -> None:
    check_rule_test(tmp_path, promtool, rule_file_text(tuple(groups)), series, promql=checks, evaluation=interval, interval=interval)


def _value(metric: str, minutes: int, value: float) -> dict:
    return {
        "expr": f'{metric}{{slo_id="shop-cal"}}',
        "eval_time": f"{minutes}m",
        "exp_samples": [{"labels": f'{metric}{{slo_id="shop-cal", slo_name="cal", slo_service="shop"}}', "value": value}],
    }


# (window, the UTC moment the test's clock starts at, minutes after it to check): each
# spans a boundary or a DST change, checked before, at and after it.
CASES = {
    # Berlin's February starts at 2026-01-31 23:00 UTC.
    "month boundary": ({"calendar": "month", "time_zone": "Europe/Berlin"}, _utc(2026, 1, 31, 21), (119, 120, 121, 180)),
    # Clocks go forward at 01:00 UTC on 2026-03-29: the offset changes, the month (which
    # started in winter time and ends in summer time) does not.
    "DST forward, Berlin": ({"calendar": "month", "time_zone": "Europe/Berlin"}, _utc(2026, 3, 29, 0), (59, 60, 61, 120)),
    # New York falls back at 06:00 UTC on 2026-11-01, inside a week starting Monday.
    "DST back, New York week": ({"calendar": "week", "time_zone": "America/New_York"}, _utc(2026, 11, 1, 5), (59, 60, 61)),
    # Sydney (southern hemisphere) goes forward at 16:00 UTC on 2026-10-03; its quarter
    # starts on 2026-09-30 14:00 UTC (midnight, winter time) and ends in summer time.
    "DST forward, Sydney quarter": ({"calendar": "quarter", "time_zone": "Australia/Sydney"}, _utc(2026, 10, 3, 15), (59, 60, 61)),
    # 2028 is a leap year: February ends at 2028-02-29 23:00 UTC in Berlin, the quarter
    # holds 91 days.
    "leap day": ({"calendar": "month", "time_zone": "Europe/Berlin"}, _utc(2028, 2, 29, 21), (119, 120, 121)),
    "leap quarter": ({"calendar": "quarter", "time_zone": "Europe/Berlin"}, _utc(2028, 2, 29, 21), (121,)),
    # A week starting Saturday 12:00 in New York (OpenSLO's startTime of Nobl9's example).
    "week from Saturday noon": ({"calendar": "week", "time_zone": "America/New_York", "starts": "saturday 12:00"}, _utc(2026, 5, 16, 15), (59, 60, 61)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_period_bounds_and_offset_match_zoneinfo(tmp_path, promtool, case):
    window, clock, minutes = CASES[case]
    plan = _plan(window)
    groups = [Group("calendar", 180, tuple(calendar_rules(plan, clock)[:5]))]
    checks = []
    for minute in minutes:
        t = clock + minute * 60
        start, end = period_bounds(plan.calendar, t)
        offset = datetime.fromtimestamp(t, timezone.utc).astimezone(ZoneInfo(window["time_zone"])).utcoffset()
        checks += [
            _value(CAL_START, minute, start),
            _value(CAL_END, minute, end),
            _value(CAL_OFFSET, minute, offset.total_seconds()),
        ]
    _run(tmp_path, promtool, groups, {}, checks)


def test_bounds_cases_cross_what_they_claim():
    # Each case's checks straddle a change of period or offset, or the test proves nothing.
    for case in ("month boundary", "leap day"):
        window, clock, minutes = CASES[case]
        plan = _plan(window)
        assert period_bounds(plan.calendar, clock + minutes[0] * 60) != period_bounds(plan.calendar, clock + minutes[-1] * 60)
    assert period_bounds(_plan(CASES["leap quarter"][0]).calendar, _utc(2028, 2, 29, 23))[1] - period_bounds(
        _plan(CASES["leap quarter"][0]).calendar, _utc(2028, 2, 29, 23)
    )[0] == 91 * 86400 - HOUR  # Q1 2028 in Berlin: 91 days, less the hour clocks go forward


def _steps(values: list[float]) -> str:
    return " ".join(repr(float(v)) for v in values)


# Windows and the UTC hour the test's clock starts at, a few hours before the period
# changes: Berlin's February starts at 2026-01-31 23:00 UTC, its second quarter at
# 2026-03-31 22:00 UTC (summer time), its week at 2026-02-01 23:00 UTC (Monday 00:00).
# Zones whose hours end off the UTC hour: Kolkata's February starts at 18:30 UTC,
# Kathmandu's at 18:15, Adelaide's at 13:30 (summer time, +10:30), St John's at 03:30 on
# the 1st (-3:30); Adelaide's week of 2026-03-30 starts in summer time and ends in winter
# time (Monday 2026-04-06 00:00 +9:30 = 04-05 14:30 UTC); a UTC week from Saturday 12:10.
BOUNDARIES = {
    "month": ({"calendar": "month", "time_zone": "Europe/Berlin"}, _utc(2026, 1, 31, 19)),
    "quarter": ({"calendar": "quarter", "time_zone": "Europe/Berlin"}, _utc(2026, 3, 31, 18)),
    "week": ({"calendar": "week", "time_zone": "Europe/Berlin"}, _utc(2026, 2, 1, 19)),
    "month, Kolkata +5:30": ({"calendar": "month", "time_zone": "Asia/Kolkata"}, _utc(2026, 1, 31, 15)),
    "month, Kathmandu +5:45": ({"calendar": "month", "time_zone": "Asia/Kathmandu"}, _utc(2026, 1, 31, 15)),
    "month, Adelaide +10:30": ({"calendar": "month", "time_zone": "Australia/Adelaide"}, _utc(2026, 1, 31, 10)),
    "week, Adelaide from +10:30 to +9:30": ({"calendar": "week", "time_zone": "Australia/Adelaide"}, _utc(2026, 4, 5, 11)),
    "month, St John's -3:30": ({"calendar": "month", "time_zone": "America/St_Johns"}, _utc(2026, 2, 1, 0)),
    "week from Saturday 12:10": ({"calendar": "week", "starts": "saturday 12:10"}, _utc(2026, 5, 16, 9)),
}


def _hourly(b: int, m: int) -> float:
    """The hourly errors point at minute m: the average of the minutes (m-60, m], 0.125/s up to minute b, 0.5/s after."""
    return sum(0.125 if k <= b else 0.5 for k in range(m - 59, m + 1)) / 60


def _boundary_series(b: int, minutes: int) -> dict[str, str]:
    """What the calendar rules read, a point a minute: the hourly errors (changing at minute b) and 10 events/s."""
    return {
        f'{names.errors_rate(HOUR)}{{slo_id="shop-cal"}}': _steps([_hourly(b, m) for m in range(minutes + 1)]),
        f'{names.events_rate(HOUR)}{{slo_id="shop-cal"}}': _steps([10.0] * (minutes + 1)),
        f'{names.events_rate(300)}{{slo_id="shop-cal"}}': _steps([10.0] * (minutes + 1)),
    }


def _hour_up(seconds: int) -> int:
    return -(-seconds // HOUR) * HOUR


@pytest.mark.parametrize("case", sorted(BOUNDARIES))
@pytest.mark.slow
def test_period_sums_restart_exactly_at_the_boundary(tmp_path, promtool, case):
    # Per-minute traffic: 10 events/s; errors 0.125/s up to the boundary (before the test
    # too), 0.5/s after it: binary fractions, so promtool 2.42's exact comparisons hold.
    # The hourly points are what the hourly rule records: the average of the minutes of
    # the hour ending at each point.  A period counts its whole local hours (the first
    # starting at its start), each from the first UTC hour at or after its end; so a
    # count holds the errors of one period only: ratios of exactly 0.0125, then 0.05.
    window, clock = BOUNDARIES[case]
    plan = _plan(window)
    boundary = period_bounds(plan.calendar, clock + 6 * HOUR)[0]
    assert clock + 2 * HOUR < boundary <= clock + 5 * HOUR, case  # the case crosses what it claims
    assert period_bounds(plan.calendar, boundary - 1)[1] == boundary
    minutes = 9 * 60
    b = (boundary - clock) // 60
    series = _boundary_series(b, minutes)
    groups = [Group("calendar", 180, tuple(calendar_rules(plan, clock)))]
    checks = []
    old_ratio = new_ratio = None
    for minute in sorted({b - 1, b + 1, b + 45, b + 61, b + 119, b + 121, minutes - 1}):
        t = clock + minute * 60
        start, _ = period_bounds(plan.calendar, t)
        # The period's local hours that have ended, each counted once a UTC hour has passed its end.
        ends = [start + k * HOUR for k in range(1, 2400) if _hour_up(start + k * HOUR) <= t and start + k * HOUR >= clock]
        err = sum(_hourly(b, (end - clock) // 60) * HOUR for end in ends)
        ev = 10.0 * HOUR * len(ends)
        if ev:
            checks += [_value(CAL_ERRORS, minute, err), _value(CAL_EVENTS, minute, ev), _value(names.CALENDAR_ERROR_RATIO, minute, err / ev)]
            if start < boundary:
                old_ratio = err / ev
            else:
                new_ratio = err / ev
        else:  # the period's first hour: nothing counted yet, nothing spent
            checks.append({"expr": f'{CAL_EVENTS}{{slo_id="shop-cal"}}', "eval_time": f"{minute}m", "exp_samples": []})
            checks.append(_value(names.CALENDAR_ERROR_RATIO, minute, 0))
    # Not vacuous: both periods were counted, each from its own traffic alone.
    assert (old_ratio, new_ratio) == (0.0125, 0.05)
    _run(tmp_path, promtool, groups, series, checks)


def test_lord_howe_periods_starting_in_summer_time_are_off_by_at_most_half_an_hour(tmp_path, promtool):
    # Lord Howe keeps +10:30 in winter and +11 in summer: its hourly grid is the winter
    # one (:30), so February (from 2026-01-31 13:00 UTC, summer time) is counted from
    # 12:30: its first hour holds 30 minutes of January.  The warning says so; this holds
    # the count to that bound, and shows it is not exact (the bound is not slack).
    plan = _plan({"calendar": "month", "time_zone": "Australia/Lord_Howe"})
    assert "30m" in (plan.calendar.phase_warning() or "")
    clock = _utc(2026, 1, 31, 10)
    boundary = period_bounds(plan.calendar, clock + 6 * HOUR)[0]
    b = (boundary - clock) // 60
    assert b == 180
    minutes = 7 * 60
    series = _boundary_series(b, minutes)
    groups = [Group("calendar", 180, tuple(calendar_rules(plan, clock)))]
    at = minutes - 1  # 06:59 after the clock: February's hours up to 16:00 UTC are in
    # Three hours are counted by then; exactly, they would be February's 13:00-16:00 UTC.
    exact = 0.5 * 3 * HOUR
    bound = 30 * 60 * (0.5 - 0.125)  # half an hour of the errors' difference either way
    off = f'abs(slo:calendar_period_errors:count{{slo_id="shop-cal"}} - {exact!r})'
    labels = '{slo_id="shop-cal", slo_name="cal", slo_service="shop"}'
    checks = [
        {"expr": f"{off} <= bool {bound!r}", "eval_time": f"{at}m", "exp_samples": [{"labels": labels, "value": 1}]},
        {"expr": f"{off} > bool 0", "eval_time": f"{at}m", "exp_samples": [{"labels": labels, "value": 1}]},
    ]
    _run(tmp_path, promtool, groups, series, checks)


def test_period_hours_follow_the_local_clock():
    hours = {zone: _plan({"calendar": "month", "time_zone": zone}).calendar.hour_phase for zone in ("UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham")}
    assert hours == {"UTC": 0, "Europe/Berlin": 0, "Asia/Kolkata": 1800, "Asia/Kathmandu": 2700, "America/St_Johns": 1800, "Pacific/Chatham": 2700}
    assert _plan({"calendar": "week", "starts": "saturday 12:10"}).calendar.hour_phase == 3000


TIMESLICES = {
    "timeslices": {
        "slice": "1m",
        "good_when": {"ratio": {"errors": 'http_requests_total{code="500"}', "total": "http_requests_total"}, "op": "lt", "threshold": 0.01},
    }
}


def _minute_pattern(minutes: int) -> list[str]:
    """Each minute's traffic: good (0.5% errors), bad (2%) or idle (no requests), in a fixed mixed order."""
    kinds = []
    for k in range(minutes):
        kinds.append("idle" if k % 11 == 7 else "bad" if (k * 7) % 5 in (1, 3) else "good")
    return kinds


@pytest.mark.slow
def test_timeslices_match_a_brute_force_count(tmp_path, promtool):
    # Counters sampled every 15s, their rates changing on the minute: minute k (the slice
    # (k-1m, k]) is good when its error ratio is under 1%, idle minutes are not slices.
    # February starts in Berlin two hours into the test.
    plan = _plan({"calendar": "month", "time_zone": "Europe/Berlin"}, TIMESLICES)
    clock = _utc(2026, 1, 31, 21)
    minutes = 200
    kinds = _minute_pattern(minutes)
    per_second = {"good": (10.0, 0.05), "bad": (10.0, 0.2), "idle": (0.0, 0.0)}
    total, errors = [0.0], [0.0]
    for k in range(minutes):
        rate_total, rate_errors = per_second[kinds[k]]
        for _ in range(4):
            total.append(total[-1] + rate_total * 15)
            errors.append(errors[-1] + rate_errors * 15)
    ok = [t - e for t, e in zip(total, errors)]
    series = {
        'http_requests_total{code="200"}': _steps(ok),
        'http_requests_total{code="500"}': _steps(errors),
    }
    groups = [
        Group("timeslices", 60, tuple(timeslice_rules(plan))),
        Group("calendar", 180, tuple(calendar_rules(plan, clock))),
    ]
    # kinds[k - 1] is the traffic of slice k, the minute ending at minute k.
    slices = {k: kinds[k - 1] for k in range(1, minutes + 1) if kinds[k - 1] != "idle"}

    def counted(first: int, last: int) -> tuple[int, int]:
        inside = [slices[k] for k in range(first, last + 1) if k in slices]
        return inside.count("good"), len(inside)

    checks = []
    for minute in (60, 97, 150):
        good, total_slices = counted(minute - 59, minute)
        checks += [_value(TS_GOOD_1H, minute, good), _value(TS_TOTAL_1H, minute, total_slices)]
    checks += [_value(TS_GOOD, 8, -1), _value(TS_GOOD, 9, 1 if kinds[8] == "good" else 0)]  # minute 8 is idle
    # The period counts: January's hourly points at 0h and 1h (the slices up to minute
    # 60), then February's at 3h (minutes 121-180).
    good, total_slices = counted(1, 60)
    checks += [_value(CAL_EVENTS, 119, total_slices), _value(CAL_ERRORS, 119, total_slices - good)]
    good, total_slices = counted(121, 180)
    checks += [_value(CAL_EVENTS, 185, total_slices), _value(CAL_ERRORS, 185, total_slices - good)]
    assert 0 < good < total_slices < 60  # the pattern mixes good, bad and idle minutes
    _run(tmp_path, promtool, groups, series, checks, interval="15s")


def test_forecast_ticket_fires_when_the_budget_runs_out_before_the_period_ends(tmp_path, promtool):
    # A 99% calendar month in Berlin, checked mid-month (2026-03-16): errors at 2% of
    # 10 events/s for the last day would end the month at about 2% > the 1% budget, at
    # 0.5% they would not.  The hourly points are given directly, every 5 minutes; three
    # hours of them stand for the last day's rates.
    plan = _plan({"calendar": "month", "time_zone": "Europe/Berlin"})
    clock = _utc(2026, 3, 16)
    points = 4 * 12

    def scenario(error_rate: float) -> dict[str, str]:
        return {
            f'{names.errors_rate(HOUR)}{{slo_id="shop-cal"}}': f"{error_rate!r}+0x{points}",
            f'{names.events_rate(HOUR)}{{slo_id="shop-cal"}}': f"10+0x{points}",
            f'{names.events_rate(300)}{{slo_id="shop-cal"}}': f"10+0x{points}",
        }

    groups = [Group("calendar", 180, tuple(calendar_rules(plan, clock) + forecast_alert_rules(plan, clock)))]
    firing = {"expr": f'count(ALERTS{{alertname="{FORECAST_ALERT}", alertstate="firing", severity="ticket"}})', "eval_time": "3h"}
    _run(tmp_path, promtool, groups, scenario(0.2), [{**firing, "exp_samples": [{"labels": "{}", "value": 1}]}], interval="5m")
    _run(tmp_path, promtool, groups, scenario(0.05), [{**firing, "exp_samples": []}], interval="5m")


def test_template_and_direct_paths_write_the_same_rules():
    plans = [_plan({"calendar": "quarter", "time_zone": "Asia/Kolkata", "starts": "march"}), _plan({"calendar": "week"}, TIMESLICES)]
    plans[1] = replace(plans[1], name="slices")
    rules = service_rules("shop", plans)
    assert rules.filled is not None and not rules.problems
    assert rules.text() == rule_file_text(tuple(build_groups("shop", plans)))
    assert [g.name for g in build_groups("shop", plans)] == [
        f"slogen-shop-{part}" for part in ("timeslices", "sli-short", "sli-mid", "sli-hourly", "calendar", "sli-long", "alerts")
    ]
