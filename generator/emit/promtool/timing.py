"""When each scenario's errors start and stop, and what its windows may show then: pure numbers.

The numbers of every scenario are pure in the SLO's numbers (period, budget, tiers,
`for`, evaluation interval), never in its names: SLOs sharing them, most of a large
tree, share the answers (the caches below).  scenarios.py turns them into checks.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from slogen.emit.promtool.inputs import INPUT_INTERVAL, Phase
from slogen.emit.promtool.series import fmt_float
from slogen.emit.rules.calendar_groups import rule_bounds
from slogen.emit.rules.recording import promtool_history
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import (
    COUNTER_WINDOWS,
    BurnRateTier,
    promtool_clean_time,
    promtool_detection_time,
    promtool_seen,
    promtool_smear,
    source_of,
)

HOUR_SECONDS = 3600
FIRE_BURN = 1.1  # x the tier's factor: just above
QUIET_BURN = 0.9  # just below
RESET_BURNS = (1.5, 2.0, 3.0, 5.0)  # tried in order: high enough that the long window outlives the short one
BUDGET_BURN = 10.0
BUDGET_TOLERANCE = 0.01
BUDGET_SCENARIO = 6 * 3600  # long enough that promtool's start-up shortfall stays small
STARTUP_SHORTFALL = 600
BURN_TOLERANCE = 0.02
# Slack of the bounds used to decide which other tiers might fire (fractions of a ratio).
BOUND_MARGIN = 0.05


def ceil_to(seconds: float, step: int) -> int:
    """`seconds` rounded up to a multiple of `step`."""
    return int(-(-seconds // step) * step)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


# Pure in its numbers, and SLOs with the same objective and tiers ask the same questions
# thousands of times: remembering the answers keeps 10,000-SLO trees cheap to test.
@functools.lru_cache(maxsize=1 << 17)
def window_ratio_bounds(
    window: int, at: float, phases: tuple[Phase, ...], slack: int, counters: frozenset[int] = COUNTER_WINDOWS
) -> tuple[float, float]:
    """Lower and upper bound of a window's error ratio at `at`, given the smear and tick slack.

    A window summed from the hourly series shows its estimator as of the last full hour
    (windows.promtool_seen); on the hour itself promtool 2.x reads one hourly point more
    (its ranges include their start), so there either length is possible.
    """
    seen = promtool_seen(window, at, counters)
    low, high = _ratio_bounds(window, seen, phases, slack, counters)
    if source_of(window, counters) == "hourly" and seen == at:
        longer = _ratio_bounds(window + HOUR_SECONDS, seen, phases, slack, counters)
        low, high = min(low, longer[0]), max(high, longer[1])
    return low, high


def _ratio_bounds(window: int, at: float, phases: tuple[Phase, ...], slack: int, counters: frozenset[int]) -> tuple[float, float]:
    smear = promtool_smear(window, counters)
    # The raw 5m ratio is computed at the query tick itself; sums see whole ticks only.
    slack = INPUT_INTERVAL if source_of(window, counters) == "raw" else slack
    # Traffic started at 0: a window holds at most min(window, at) of it, and at least
    # that less the smear still on its way in.
    upper_errors = sum(p.ratio * _overlap(p.start, p.end, at - window - smear - slack, at) for p in phases)
    # Queries run on a tick after that tick's rules, so only the left edge of a window
    # (and the last input sample) is uncertain.
    lower_errors = sum(p.ratio * _overlap(p.start, p.end, at - window + slack, at - smear - INPUT_INTERVAL) for p in phases)
    most = max(min(window, at), 1.0)
    least = max(min(window, at) - smear - slack, 1.0)
    return lower_errors / most, upper_errors / least


@functools.lru_cache(maxsize=1 << 12)
def tier_threshold(tier: BurnRateTier, period: int, error_budget: Decimal) -> float:
    """The error ratio above which `tier` burns too fast."""
    return float(tier.threshold(period, error_budget))


@functools.lru_cache(maxsize=1 << 15)
def _tier_may_hold(
    limit: float, tier: BurnRateTier, start: float, end: float, phases: tuple[Phase, ...], slack: int,
    counters: frozenset[int] = COUNTER_WINDOWS,
) -> bool:
    """Whether `tier` (at threshold `limit`) could hold somewhere in [start, end]."""
    threshold = limit * (1 - BOUND_MARGIN)
    # Alerts are only evaluated on ticks, one evaluation interval (slack less input) apart.
    step = max(slack - INPUT_INTERVAL, 60)
    at = start
    while at <= end:
        if all(window_ratio_bounds(w, at, phases, slack, counters)[1] > threshold for w in (tier.long_window, tier.short_window)):
            return True
        at += step
    return False


def _others_may_hold(
    period: int, error_budget: Decimal, tiers: tuple[BurnRateTier, ...], tier: BurnRateTier,
    start: float, end: float, phases: tuple[Phase, ...], slack: int, counters: frozenset[int] = COUNTER_WINDOWS,
) -> bool:
    """Whether another tier of the severity could hold in [start, end] on this traffic."""
    return any(
        _tier_may_hold(tier_threshold(other, period, error_budget), other, start, end, phases, slack, counters)
        for other in tiers
        if other != tier
    )


@functools.lru_cache(maxsize=1 << 12)
def warmup(tiers: tuple[BurnRateTier, ...], tier: BurnRateTier, eval_interval: int, counters: frozenset[int] = COUNTER_WINDOWS) -> int:
    """Good traffic before the errors start.

    For tiers summed from 5m rates, the longest such window of the severity, so the
    tier's long window is in the steady state the detection-time theory assumes and
    the other tiers see a full window of history too.  Windows of a day and more
    would double the simulated time; they get one hour, so the first hourly point is all
    good traffic and the errors start on the hour, right after it: the hourly series
    shows nothing of them for a whole hour, Prometheus' worst case.  Their long window
    then holds only the history since the start and crosses sooner: the theoretical
    detection time stays a valid upper bound.
    """
    if source_of(tier.long_window, counters) == "hourly":
        return ceil_to(promtool_smear(tier.long_window, counters) + eval_interval, HOUR_SECONDS)
    longest = max(t.long_window for t in tiers if source_of(t.long_window, counters) != "hourly")
    return ceil_to(longest + promtool_smear(longest, counters) + eval_interval, eval_interval)


# The numbers of each scenario are pure in the SLO's numbers (period, budget, tiers,
# `for`, evaluation interval); SLOs sharing them, most of a large tree, share these.
@functools.lru_cache(maxsize=1 << 12)
def fires_numbers(
    period: int, error_budget: Decimal, tiers: tuple[BurnRateTier, ...], tier: BurnRateTier, for_seconds: int, e: int,
    counters: frozenset[int] = COUNTER_WINDOWS,
) -> tuple[float, int, int, bool] | None:
    """`fires`: the error ratio, its start, the deadline after it, whether another tier may
    fire first; None when the tier can never fire."""
    threshold = tier_threshold(tier, period, error_budget)
    ratio = min(FIRE_BURN * threshold, 1.0)
    if ratio <= threshold:
        return None  # a tier at a 100% error threshold can never fire; plan.py reports it
    start = warmup(tiers, tier, e, counters)
    deadline = ceil_to(promtool_detection_time(tier, period, error_budget, ratio, e, INPUT_INTERVAL, for_seconds, counters, start=start), e)
    at = start + deadline
    phases = (Phase(start, at + e, ratio),)
    # The alert may then come from another tier; the tier's own condition is checked anyway.
    others = _others_may_hold(period, error_budget, tiers, tier, start, at, phases, INPUT_INTERVAL + e, counters)
    return ratio, start, deadline, others


@functools.lru_cache(maxsize=1 << 12)
def quiet_numbers(
    period: int, error_budget: Decimal, tiers: tuple[BurnRateTier, ...], tier: BurnRateTier, e: int,
    counters: frozenset[int] = COUNTER_WINDOWS,
) -> tuple[float, int, int, bool, str]:
    """`quiet`: the error ratio, its start and end, whether another tier may fire, and the
    long window's burn it must reach (text)."""
    threshold = tier_threshold(tier, period, error_budget)
    ratio = QUIET_BURN * threshold
    start = warmup(tiers, tier, e, counters)
    # Until promtool shows the long window holding nothing but the errors.
    end = start + ceil_to(promtool_clean_time(tier.long_window, e, INPUT_INTERVAL, counters, stop=start), e)
    phases = (Phase(start, end + e, ratio),)
    others = _others_may_hold(period, error_budget, tiers, tier, 0, end, phases, INPUT_INTERVAL + e, counters)
    return ratio, start, end, others, fmt_float(0.85 * QUIET_BURN * float(tier.factor(period)))


# A search over stop times, pure in the SLO's numbers: SLOs sharing objective, period
# and tiers (most of a large tree) share the answer.
@functools.lru_cache(maxsize=1 << 12)
def reset_numbers(
    period: int, error_budget: Decimal, tiers: tuple[BurnRateTier, ...], tier: BurnRateTier, e: int,
    counters: frozenset[int] = COUNTER_WINDOWS,
) -> tuple[float, int, int, int, bool]:
    """`resets`: the error ratio, its start and stop, when the short window is clean, and
    whether the tier alone can keep its severity's alert; ValueError when no burn works."""
    threshold = float(tier.threshold(period, error_budget))
    start = warmup(tiers, tier, e, counters)
    slack = INPUT_INTERVAL + e
    wanted = threshold * (1 + BOUND_MARGIN)
    best = None
    # The listed burns, then 100% errors for tiers whose threshold leaves no room for them.
    for ratio in [b * threshold for b in RESET_BURNS if b * threshold <= 1] + [1.0]:
        limit = start + 2 * tier.long_window + 2 * promtool_smear(tier.long_window, counters)
        if source_of(tier.long_window, counters) == "hourly":
            limit += HOUR_SECONDS  # what promtool shows of the long window lags up to an hour
        stop = start + e
        while stop <= limit:
            clean = stop + ceil_to(promtool_clean_time(tier.short_window, e, INPUT_INTERVAL, counters, stop=stop), e)
            phases = (Phase(start, stop, ratio),)
            # Firing for sure at the stop (both windows' lower bounds above the threshold),
            # and the long window still above it once the short one is clean.
            firing = all(window_ratio_bounds(w, stop, phases, slack, counters)[0] > wanted for w in (tier.long_window, tier.short_window))
            if firing and window_ratio_bounds(tier.long_window, clean, phases, slack, counters)[0] > wanted:
                break
            stop += e
        else:
            continue
        alone = not any(
            _tier_may_hold(tier_threshold(other, period, error_budget), other, clean, clean, phases, slack, counters)
            for other in tiers
            if other != tier
        )
        candidate = (ratio, start, stop, clean, alone)
        if alone:
            return candidate
        best = best or candidate
    if best is None:
        raise ValueError("no reset burn keeps the long window above the threshold")
    return best


@functools.lru_cache(maxsize=1 << 10)
def budget_numbers(
    error_budget: Decimal, e: int, shift: int = 0, counted: tuple[int, int] = (HOUR_SECONDS, 0)
) -> tuple[Phase, int, int, tuple[str, str], tuple[str, str], tuple[float, float, float], str]:
    """The budget scenario's numbers, its errors `shift` seconds later than the first hour
    allows; the period counts the hourly points from `counted[0]` to `counted[1]` before
    the end (all of them for a rolling window; calendar.py's for a calendar period)."""
    ratio = min(BUDGET_BURN * float(error_budget), 0.5)
    burn = ratio / float(error_budget)
    # The period is summed from hourly points, recorded on the hour (see windows.py): the
    # errors fill one whole hour after the first point, so every hour's average weighs
    # them like the good traffic, and the run ends on the hour once the last 5m rates
    # holding them have been averaged in.
    start = ceil_to(promtool_smear(86400) + e, HOUR_SECONDS) + shift
    stop = start + HOUR_SECONDS
    end = max(ceil_to(stop + promtool_smear(86400) + INPUT_INTERVAL + e, HOUR_SECONDS), ceil_to(BUDGET_SCENARIO + shift, HOUR_SECONDS))
    # One hourly point per full hour, each the hour's average rate: the period's events
    # sum to that many hours of traffic, its errors to exactly the injected hour.
    first, tail = counted
    traffic_time = end - tail - first + HOUR_SECONDS
    period_burn = burn * (stop - start) / traffic_time
    # But the first 5m rates of a new counter are extrapolated short: the events' sum may
    # fall short by up to STARTUP_SHORTFALL of traffic, so the measured burn lies between
    # these bounds.
    shortfall = STARTUP_SHORTFALL if first <= HOUR_SECONDS else 0
    low = period_burn * (1 - BUDGET_TOLERANCE)
    high = burn * (stop - start) / (traffic_time - shortfall) * (1 + BUDGET_TOLERANCE)
    mid = start + ceil_to((stop - start) / 2, e)

    note = f"errors at {fmt_float(burn)}x for 1h: period burn {fmt_float(period_burn)}"
    return (
        Phase(start, stop, ratio), mid, end,
        between(burn * (1 - BURN_TOLERANCE), burn * (1 + BURN_TOLERANCE)), between(low, high), (low, high, period_burn), note,
    )


def between(lo: float, hi: float) -> tuple[str, str]:
    """The centre and half-width of [lo, hi], as a check's text."""
    return fmt_float((lo + hi) / 2), fmt_float((hi - lo) / 2)


def calendar_budget(plan: SLOPlan, e: int) -> tuple[tuple, float, tuple[int, int]]:
    """The budget scenario of a calendar SLO, the share of its period covered at the end,
    and that period's start and end.

    Its errors must fall in the period holding the end, which starts inside the test in
    zones west of UTC (New York's January 1970 at 05:00 UTC) and for weeks starting late:
    they move past its start.  The period counts its hourly steps past the start, each
    reading the point of the local hour ending then (an hour earlier in a half-hour zone);
    its bounds come from slogen's model of the zone's rule, as the rules compute them.
    """
    cal = plan.calendar
    assert cal is not None
    bounds = rule_bounds(plan)
    base = ceil_to(promtool_smear(86400) + e, HOUR_SECONDS)
    tail = HOUR_SECONDS if cal.hour_phase else 0
    shift = 0
    for _ in range(4):  # a shift past one period's start can land the end in the next
        end = budget_numbers(plan.error_budget, e, shift)[2]
        start, period_end = bounds(end)
        first = ((start + cal.hour_phase) // HOUR_SECONDS + 1) * HOUR_SECONDS - tail
        if first <= base + shift:
            break
        shift = ceil_to(first - base, HOUR_SECONDS)
    numbers = budget_numbers(plan.error_budget, e, shift, (max(first, HOUR_SECONDS), tail))
    history = promtool_history(end)
    return numbers, min(history, end - start) / (period_end - start), (start, period_end)

