"""Burn-rate tiers, window sources and detection times: pure arithmetic.

Every window an SLO needs is computed from one of three sources:

* ``raw``: read from the user's counters: the 5m base rates, and the 1h window of the
  fast page tier (one ratio rule per SLO: summed from 5m rates, a 1h window only
  reaches a full outage's 2% of budget after ~3 minutes; from counters, in ~52s);
* ``base``: sums of the recorded 5m base rates (windows above 5m and below 1d);
* ``hourly``: sums of an hourly recorded series (windows of 1d and more).

Sums of recorded *rates* (never averages of ratios) keep every window
traffic-weighted, while long windows read a few hundred recorded points instead of
days of raw samples.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from slogen.spec.durations import format_duration
from slogen.spec.numbers import exact

BASE_WINDOW = 5 * 60
HOUR = 3600
DAY = 86400
# Windows from this length on are summed from hourly points rather than 5m ones.
HOURLY_FROM = DAY
# The fast page tier's long window, read from the counters where the SLI allows it
# (SLOPlan.counter_windows): 240 samples a series at a 15s scrape, a cost paid once per SLO.
FAST_WINDOW = HOUR
COUNTER_WINDOWS = frozenset({BASE_WINDOW, FAST_WINDOW})

# Group evaluation intervals, chosen from what each group's windows need.  Every
# group that feeds instant queries stays well inside Prometheus' 5m lookback.
# The raw 5m rates and the 5m ratio.  Every 1m, not 30s: they are per-SLO rules, the cost
# that grows with the SLO count.  On a full outage the fast page's 5m leg crosses within
# one scrape, so its 1h leg (read from the counters every 30s) usually decides and the page
# fires within about a minute.  The worst case (detection_time) is the 5m leg's: its 1m
# group evaluated just before the step, then 30s to the alert, 94s in all.
SHORT_INTERVAL = 60
MID_INTERVAL = 120  # windows above 5m and below 1d, summed from the base rates (the 5m rates behind them spread a step over 5m)
# Windows of 1d and more, metadata, budget policy: their inputs change hourly, so this
# is set by the 5m lookback alone.  4m keeps 1m of it as margin for a late evaluation
# (a group starts on its own clock; only an evaluation longer than a minute is later).
LONG_INTERVAL = 240
HOURLY_INTERVAL = HOUR  # hourly sums, read only through range functions
# How far back sli-long (and status) read the hourly group's last history count: however
# late that group's first evaluation after a restart (up to its interval), plus the downtime.
HISTORY_READ = DAY
ALERT_INTERVAL = 30  # the 1h ratio from the counters, then the alerts reading it


def alert_interval(tier: BurnRateTier, counters: frozenset[int] = COUNTER_WINDOWS) -> int:
    """Interval of the group a tier's alert condition is evaluated in: the group of its slowest
    window where both windows change no more often than that group runs, else the alerts' 30s.

    A long window of 1d or more is summed from hourly points (sli-long); two windows
    summed from the base rates below 1d both change every MID_INTERVAL (sli-mid), so an
    alert reading them every 30s would re-read the same values three times in four.
    Either way the alert runs after the windows, in the same evaluation.  A tier reading
    a raw window (the 1h from the counters, the 5m ratio) stays in the 30s group.
    """
    if tier.long_window >= HOURLY_FROM:
        return LONG_INTERVAL
    if all(source_of(w, counters) == "base" for w in (tier.long_window, tier.short_window)):
        return MID_INTERVAL
    return ALERT_INTERVAL


def _recorded_lag(window: int, counters: frozenset[int]) -> tuple[int, int]:
    """(worst seconds from the data to the window's recorded value, interval of the group recording it)."""
    source = source_of(window, counters)
    if source == "raw" and window != BASE_WINDOW:  # read from the counters in the alerts' group
        return ALERT_INTERVAL, ALERT_INTERVAL
    if source == "raw":  # the 5m ratio, in the base rates' 1m group
        return SHORT_INTERVAL, SHORT_INTERVAL
    # Summed in its group from what the base rates' group recorded (hourly points between).
    group = interval_of(window)
    return SHORT_INTERVAL + group + (HOURLY_INTERVAL if source == "hourly" else 0), group


def _alert_wait(group: int, alert: int) -> int:
    """Worst seconds from a window recorded every `group` to an alert evaluated every `alert`
    reading it: none when the alert runs right after it, in its group; else the alert's interval."""
    return 0 if group == alert else alert


def _alert_lag(window: int, alert: int, counters: frozenset[int]) -> int:
    """Worst seconds from the data to an alert evaluated every `alert` seeing a window."""
    lag, group = _recorded_lag(window, counters)
    return lag + _alert_wait(group, alert)


@dataclass(frozen=True)
class BurnRateTier:
    """One multiwindow alert condition: burning `budget_fraction` in `long_window`."""

    severity: str
    budget_fraction: Decimal
    long_window: int
    short_window: int
    # Set when the spec gives the burn factor itself (Pyrra's 14/7/2/1): kept exact rather
    # than recomputed from a budget fraction that has no finite decimal form.  Left out of
    # repr, which names report drawings: a tier without it keeps the id it always had.
    burn_rate: Decimal | None = field(default=None, repr=False)

    def factor(self, period: int) -> Decimal:
        """Burn factor = budget fraction x SLO period / long window (SRE workbook)."""
        if self.burn_rate is not None:
            return self.burn_rate
        return _factor(self, period)

    def threshold(self, period: int, error_budget: Decimal) -> Decimal:
        """Error ratio above which this tier's windows count as burning."""
        return exact(self.factor(period) * error_budget)


@functools.lru_cache(maxsize=1 << 12)  # pure; asked for by every rule, text and test of every SLO sharing the tier
def _factor(tier: BurnRateTier, period: int) -> Decimal:
    return exact(tier.budget_fraction * period / Decimal(tier.long_window))


DEFAULT_TIERS: dict[str, tuple[BurnRateTier, ...]] = {
    "page": (
        BurnRateTier("page", Decimal("0.02"), HOUR, 5 * 60),
        BurnRateTier("page", Decimal("0.05"), 6 * HOUR, 30 * 60),
    ),
    "ticket": (
        BurnRateTier("ticket", Decimal("0.1"), DAY, 2 * HOUR),
        BurnRateTier("ticket", Decimal("0.1"), 3 * DAY, 6 * HOUR),
    ),
}


def round_minute(seconds: Fraction | int) -> int:
    """Go's Duration.Round(time.Minute), as Pyrra rounds its windows: nearest minute, halves up."""
    return int((Fraction(seconds) / 60 + Fraction(1, 2)) // 1) * 60


def computable_window(seconds: int, least: int = BASE_WINDOW) -> int:
    """The nearest window slogen can record: at least `least`, whole hours from 1d on."""
    seconds = max(seconds, least)
    if seconds >= HOURLY_FROM and seconds % HOUR:
        seconds = int((Fraction(seconds, HOUR) + Fraction(1, 2)) // 1) * HOUR
    return seconds


def scale_seconds(seconds: int, period: int, reference: int) -> int:
    """A duration made for an SLO period of `reference`, for `period`, rounded to the minute."""
    return round_minute(Fraction(seconds * period, reference))


def scale_tiers(tiers: tuple[BurnRateTier, ...], period: int, reference: int) -> tuple[BurnRateTier, ...]:
    """Tiers made for an SLO period of `reference`, scaled to `period` as Pyrra scales its table.

    Windows scale by period / reference and round to the minute; the burn factor a tier
    has at `reference` is kept, so it still spends the same share of the budget.  A
    window slogen cannot record moves to the nearest one it can: short windows to at
    least the 5m base rate, long windows to at least two of them (a short window must
    fit inside), both to whole hours from 1d on.
    """
    out = []
    for tier in tiers:
        factor = tier.factor(reference)
        short = computable_window(scale_seconds(tier.short_window, period, reference))
        long = computable_window(scale_seconds(tier.long_window, period, reference), 2 * BASE_WINDOW)
        if long <= short:
            long = computable_window(short * 2)
        out.append(BurnRateTier(tier.severity, exact(factor * long / Decimal(period)), long, short, factor))
    return tuple(out)


def source_of(window: int, counters: frozenset[int] = COUNTER_WINDOWS) -> str:
    """Which series a window is computed from: raw (the counters), base or hourly (recorded sums)."""
    if window in counters:
        return "raw"
    if window < HOURLY_FROM:
        return "base"
    return "hourly"


def interval_of(window: int) -> int:
    """Evaluation interval of the group that records a window's error ratio."""
    if window == BASE_WINDOW:
        return SHORT_INTERVAL
    if window < HOURLY_FROM:
        return MID_INTERVAL
    return LONG_INTERVAL


def window_problems(window: int, what: str) -> list[str]:
    """Why a window cannot be computed, if it cannot."""
    if window < BASE_WINDOW:
        return [f"{what} {format_duration(window)} is shorter than the 5m base rate"]
    if window >= HOURLY_FROM and window % HOUR:
        return [f"{what} {format_duration(window)} of 1d or more must be a whole number of hours"]
    return []


def smeared_reach_time(window: int, ramp: int, fraction: float) -> float:
    """Seconds after a step until a window estimator reaches `fraction` of the step.

    A window summed from rates over `ramp` rises like a trapezoid: quadratically for
    the first `ramp` seconds, then linearly, reaching its full value at
    `window + ramp / 2` on average.  `ramp == 0` is an exact sliding window.
    """
    if fraction <= 0:
        return 0.0
    target = fraction * window
    if ramp == 0:
        return target
    if target <= ramp / 2:
        return math.sqrt(2 * ramp * target)
    return target + ramp / 2


def window_reach_time(window: int, fraction: float, counters: frozenset[int] = COUNTER_WINDOWS) -> float:
    """Reach time of slogen's estimator for a window on a real Prometheus (no tick lag)."""
    if fraction > 1:
        return math.inf
    if source_of(window, counters) == "raw":
        return fraction * window
    return smeared_reach_time(window, BASE_WINDOW, fraction)


def workbook_detection_time(
    tier: BurnRateTier, period: int, error_budget: Decimal, error_rate: float
) -> float:
    """Detection time per the SRE workbook: (1 - SLO) / error rate x window x factor."""
    threshold = float(tier.threshold(period, error_budget))
    if error_rate <= threshold:
        return math.inf
    return threshold / error_rate * tier.long_window


@functools.lru_cache(maxsize=1 << 14)  # pure; asked again for every SLO sharing the tier
def detection_time(
    tier: BurnRateTier, period: int, error_budget: Decimal, error_rate: float, counters: frozenset[int] = COUNTER_WINDOWS
) -> float:
    """Worst-case seconds from a step to `error_rate` until this tier's alert fires.

    Includes the base-rate smear, the hourly update of long windows and the
    evaluation intervals of every group on the path, the alert's own
    (alert_interval) included; excludes scrape delay and `for`.
    """
    threshold = float(tier.threshold(period, error_budget))
    if error_rate <= threshold:
        return math.inf
    fraction = threshold / error_rate
    alert = alert_interval(tier, counters)
    return max(
        window_reach_time(window, fraction, counters) + _alert_lag(window, alert, counters)
        for window in (tier.long_window, tier.short_window)
    )


def budget_consumed_at_fire(tier: BurnRateTier, period: int) -> Decimal:
    """Share of the period's error budget burnt when the long window crosses (= tier fraction)."""
    return exact(tier.factor(period) * tier.long_window / Decimal(period))


def reset_time(
    tier: BurnRateTier, period: int, error_budget: Decimal, error_rate: float, counters: frozenset[int] = COUNTER_WINDOWS
) -> float:
    """Seconds after a long burn at `error_rate` stops until the short window falls
    below the threshold and the alert resolves (base-rate smear and intervals included)."""
    threshold = float(tier.threshold(period, error_budget))
    if error_rate <= threshold:
        return 0.0
    # A window falling from a clean step mirrors the rise: the remaining part must drop
    # to threshold / error_rate, i.e. the clean part must reach 1 - that.
    fall = window_reach_time(tier.short_window, 1 - threshold / error_rate, counters)
    _, group = _recorded_lag(tier.short_window, counters)
    return fall + group + _alert_wait(group, alert_interval(tier, counters))


# promtool (2.42 and 3.16 alike) ignores each group's `interval:` and evaluates every group
# at every tick of the test's evaluation_interval.  The generated tests therefore load a
# copy of the rule file whose hourly group records only on the hour (emit/promtool/cadence.py),
# as Prometheus records it once an hour.  A window summed from the hourly series is then,
# as on Prometheus, an exact sliding window over the 5m rates (a 5m ramp) as it stood at
# the last full hour; every other window is computed at every tick (the 3m long group
# up to 2m sooner than on Prometheus).  Times here are absolute test times, the hours
# counted from promtool's start (the copy's gate reads `time()`).
PROMTOOL_SMEAR = BASE_WINDOW


def promtool_smear(window: int, counters: frozenset[int] = COUNTER_WINDOWS) -> int:
    """Ramp of a window's estimator after a step, in the generated promtool tests."""
    return 0 if source_of(window, counters) == "raw" else PROMTOOL_SMEAR


def promtool_seen(window: int, at: float, counters: frozenset[int] = COUNTER_WINDOWS) -> float:
    """The time whose estimator promtool shows at `at`: the last full hour for hourly windows."""
    if source_of(window, counters) != "hourly":
        return at
    return math.floor(at / HOURLY_INTERVAL) * HOURLY_INTERVAL


def promtool_shown(window: int, ready: float, counters: frozenset[int] = COUNTER_WINDOWS) -> float:
    """The first time, from `ready` on, at which promtool shows the estimator as of `ready` or later."""
    if source_of(window, counters) != "hourly":
        return ready
    return math.ceil(ready / HOURLY_INTERVAL) * HOURLY_INTERVAL


def promtool_reach_time(window: int, fraction: float, counters: frozenset[int] = COUNTER_WINDOWS) -> float:
    """Seconds after a step until a window's estimator reaches `fraction` of it (before the
    hourly cadence delays what promtool shows of it: `promtool_shown`)."""
    if fraction > 1:
        return math.inf
    return smeared_reach_time(window, promtool_smear(window, counters), fraction)


def _promtool_ready(window: int, ready: float, eval_interval: int, counters: frozenset[int]) -> float:
    """When promtool shows a window's estimator as it was at `ready` (an absolute time)."""
    if source_of(window, counters) != "hourly":
        return ready
    # On the hour itself promtool 2.x reads one hourly point more (its ranges include their
    # start), a window one hour longer: the next tick reads the window proper.
    return promtool_shown(window, ready, counters) + eval_interval


def promtool_detection_time(
    tier: BurnRateTier,
    period: int,
    error_budget: Decimal,
    error_rate: float,
    eval_interval: int,
    input_interval: int,
    for_seconds: int = 0,
    counters: frozenset[int] = COUNTER_WINDOWS,
    start: int = 0,
) -> float:
    """Latest time after a step to `error_rate` at `start` at which promtool must show the tier's alert firing.

    Both windows must reach the threshold; counters are sampled every `input_interval`,
    a window is seen at the next evaluation tick (one summed from the hourly series at
    the next full hour after that), and the alert one tick later.
    """
    threshold = float(tier.threshold(period, error_budget))
    if error_rate <= threshold:
        return math.inf
    fraction = threshold / error_rate
    ready = max(
        _promtool_ready(w, start + promtool_reach_time(w, fraction, counters) + input_interval + eval_interval, eval_interval, counters)
        for w in (tier.long_window, tier.short_window)
    )
    return ready - start + eval_interval + for_seconds


def promtool_clean_time(
    window: int, eval_interval: int, input_interval: int, counters: frozenset[int] = COUNTER_WINDOWS, stop: int = 0
) -> float:
    """Seconds after errors stop at `stop` until promtool shows a window's estimator holding
    no bad sample (equally: after a step, until it holds nothing from before the step)."""
    ready = stop + window + promtool_smear(window, counters) + input_interval + eval_interval
    return _promtool_ready(window, ready, eval_interval, counters) - stop
