"""Durations, canonical numbers and burn-rate math (pure)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from slogen.plan.windows import (
    ALERT_INTERVAL,
    DAY,
    DEFAULT_TIERS,
    HOUR,
    LONG_INTERVAL,
    MID_INTERVAL,
    BurnRateTier,
    budget_consumed_at_fire,
    alert_interval,
    detection_time,
    reset_time,
    smeared_reach_time,
    source_of,
    window_problems,
    workbook_detection_time,
)
from slogen.spec.durations import format_duration, humanize_duration, parse_duration
from slogen.spec.numbers import fmt

PERIOD_30D = 30 * DAY
PERIOD_28D = 28 * DAY
TIERS = DEFAULT_TIERS["page"] + DEFAULT_TIERS["ticket"]


@pytest.mark.parametrize(
    "text, seconds",
    [("5m", 300), ("30d", 2592000), ("1h30m", 5400), ("2w", 1209600), ("1y", 31536000), ("90s", 90)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "1.5h", "-5m", "0s", "5M", "1h1d", "1h1h", "5 m", "ms"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("seconds, text", [(300, "5m"), (2592000, "30d"), (5400, "90m"), (129600, "36h"), (604800, "7d"), (45, "45s")])
def test_format_duration_single_unit(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "value, text",
    [(Decimal("0.999"), "0.999"), (Decimal("1") - Decimal("0.999"), "0.001"), (Decimal("14.40"), "14.4"), (Decimal("30"), "30"), (Decimal("1E+1"), "10")],
)
def test_fmt_is_canonical(value, text):
    assert fmt(value) == text


def test_default_factors_30d_are_the_workbooks():
    assert [fmt(t.factor(PERIOD_30D)) for t in TIERS] == ["14.4", "6", "3", "1"]


def test_factors_are_derived_from_the_period():
    # Pyrra rounds these to 14/7/2/1; the workbook's definition gives these.
    assert [fmt(t.factor(PERIOD_28D)) for t in TIERS] == ["13.44", "5.6", "2.8", "0.933333333333333"]
    assert [fmt(t.factor(7 * DAY)) for t in TIERS] == ["3.36", "1.4", "0.7", "0.233333333333333"]


def test_thresholds_have_no_float_noise():
    budget = Decimal("1") - Decimal("99.9") / 100
    assert [fmt(t.threshold(PERIOD_30D, budget)) for t in TIERS] == ["0.0144", "0.006", "0.003", "0.001"]


def test_workbook_detection_times_at_full_outage():
    budget = Decimal("0.001")
    got = [workbook_detection_time(t, PERIOD_30D, budget, 1.0) for t in TIERS]
    # SRE workbook: (1 - SLO) / error rate x window x factor: 51.8 s, 2.16 min, 4.32 min, 4.32 min.
    assert got == pytest.approx([51.84, 129.6, 259.2, 259.2])


def test_detection_never_below_threshold():
    budget = Decimal("0.001")
    tier = TIERS[0]
    assert math.isinf(workbook_detection_time(tier, PERIOD_30D, budget, 0.0144))
    assert math.isinf(detection_time(tier, PERIOD_30D, budget, 0.01))


def test_slogen_detection_includes_smear_and_intervals():
    budget = Decimal("0.001")
    page_fast = detection_time(TIERS[0], PERIOD_30D, budget, 1.0)
    # The 1h window is read from the counters in the alerts' own group: it reaches 1.44%
    # after 51.84 s.  The 5m ratio crosses after 4.32 s but is recorded by the 1m base-rate
    # group, at worst 60 s later: that leg is the later one, then the 30s alert group.
    assert page_fast == pytest.approx(max(51.84, 4.32 + 60) + 30)
    assert page_fast < 2 * 60
    # An SLI that cannot be read over 1h (a query without {{window}}) sums it from 5m rates:
    # it reaches 1.44% after sqrt(2*300*51.84) s, then waits for its 2m group, the 1m
    # base-rate group and the 30s alert group.
    summed = detection_time(TIERS[0], PERIOD_30D, budget, 1.0, frozenset({300}))
    assert summed == pytest.approx(math.sqrt(2 * 300 * 51.84) + 120 + 60 + 30)
    ticket_fast = detection_time(TIERS[2], PERIOD_30D, budget, 1.0)
    # 1d windows are summed from hourly points: up to an hour later than the smear alone.
    assert HOUR < ticket_fast < 2 * HOUR


def test_each_tier_alerts_in_the_group_of_its_windows():
    budget = Decimal("0.001")
    page_1h, page_6h, ticket_1d, ticket_3d = TIERS
    # A raw window (the 1h from the counters, the 5m ratio): every 30s.  Both windows summed
    # from the base rates below 1d: in their 2m group, right after them.  1d and more: sli-long.
    assert [alert_interval(t) for t in TIERS] == [ALERT_INTERVAL, MID_INTERVAL, LONG_INTERVAL, LONG_INTERVAL]
    summed_1h = frozenset({300})  # an SLI read over 5m only: its 1h is summed too, but the 5m leg is raw
    assert alert_interval(page_1h, summed_1h) == ALERT_INTERVAL
    assert alert_interval(BurnRateTier("page", Decimal("0.02"), HOUR, 1800), summed_1h) == MID_INTERVAL
    # An alert in a window's own group reads it in the same evaluation: no interval of its own.
    reach = [smeared_reach_time(w, 300, 6 * 0.001 / 1.0 * 1.0) for w in (6 * HOUR, 1800)]
    assert detection_time(page_6h, PERIOD_30D, budget, 1.0) == pytest.approx(max(reach) + 60 + MID_INTERVAL)
    # sli-long's 1d window is summed there (hourly points between); its 2h leg is read from sli-mid.
    day, two_hours = (smeared_reach_time(w, 300, 3 * 0.001) for w in (DAY, 2 * HOUR))
    assert detection_time(ticket_1d, PERIOD_30D, budget, 1.0) == pytest.approx(
        max(day + 60 + HOUR + LONG_INTERVAL, two_hours + 60 + MID_INTERVAL + LONG_INTERVAL)
    )
    # The 6h tier resolves when its 30m window falls, seen in the same 2m evaluation.
    fall = smeared_reach_time(1800, 300, 1 - 0.006)
    assert reset_time(page_6h, PERIOD_30D, budget, 1.0) == pytest.approx(fall + MID_INTERVAL)


def test_smeared_reach_time_is_continuous_and_monotonic():
    window, ramp = 3600, 300
    values = [smeared_reach_time(window, ramp, f / 1000) for f in range(1, 1001)]
    assert all(b > a for a, b in zip(values, values[1:]))
    boundary = ramp / 2 / window
    assert smeared_reach_time(window, ramp, boundary) == pytest.approx(ramp)
    assert smeared_reach_time(window, 0, 0.5) == 1800


def test_budget_consumed_is_the_tier_fraction():
    assert [fmt(budget_consumed_at_fire(t, PERIOD_30D)) for t in TIERS] == ["0.02", "0.05", "0.1", "0.1"]


def test_window_sources_and_limits():
    assert [source_of(w) for w in (300, 1800, 6 * HOUR, DAY, 30 * DAY)] == ["raw", "base", "base", "hourly", "hourly"]
    assert window_problems(60, "long window") == ["long window 1m is shorter than the 5m base rate"]
    assert window_problems(DAY + 1800, "long window")  # hourly windows need whole hours
    assert window_problems(DAY, "long window") == []


def test_tier_factor_custom():
    tier = BurnRateTier("ticket", Decimal("0.5"), 7 * DAY, DAY)
    assert fmt(tier.factor(28 * DAY)) == "2"


def test_humanize_duration():
    assert humanize_duration(51.84) == "51.8s"
    assert humanize_duration(129.6) == "2.2min"
    assert humanize_duration(7200 + 59 * 60) == "2h 59m"


def test_reset_time_follows_the_short_window():
    budget = Decimal("0.001")
    page_fast, page_slow = DEFAULT_TIERS["page"]
    # Workbook: 5m x (1 - 14.4 x 0.1%) = 4.93 min; the raw 5m window adds only intervals
    # (the 1m base-rate group, the 30s alert group).
    assert reset_time(page_fast, PERIOD_30D, budget, 1.0) == pytest.approx(300 * (1 - 0.0144) + 60 + 30)
    # The 30m short window is summed from 5m rates: half the 5m ramp later on average,
    # and recorded every 2m, where the alert reads it in the same evaluation.
    assert reset_time(page_slow, PERIOD_30D, budget, 1.0) == pytest.approx(1800 * (1 - 0.006) + 150 + 120)
    assert reset_time(page_fast, PERIOD_30D, budget, 0.01) == 0.0


def test_readme_burn_rate_table_matches_the_math():
    from slogen_testing import ROOT

    readme = (ROOT / "README.md").read_text()
    budget = Decimal("0.001")
    for t in TIERS:
        row = (
            f"| {t.severity} | {fmt(t.budget_fraction * 100)}% | {format_duration(t.long_window)} | "
            f"{format_duration(t.short_window)} | {fmt(t.factor(PERIOD_30D))} | {fmt(t.threshold(PERIOD_30D, budget) * 100)}% | "
            f"{humanize_duration(workbook_detection_time(t, PERIOD_30D, budget, 1.0))} | "
            f"{humanize_duration(detection_time(t, PERIOD_30D, budget, 1.0))} | "
            f"{humanize_duration(reset_time(t, PERIOD_30D, budget, 1.0))} |"
        )
        assert row in readme, row
