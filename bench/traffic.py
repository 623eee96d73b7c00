"""Synthetic traffic with exact counts: diurnal load and one outage in the quiet hour.

Every counter is a closed-form integral of its rate, so the exact number of events
and errors in any interval is known without sampling: that is the reference the
period SLIs of slogen, Sloth and Pyrra are compared against.  The same functions
feed the backfilled history (OpenMetrics) and the live /metrics endpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DAY = 86400.0
OMEGA = 2 * math.pi / DAY
SWING = 0.9  # rate swings between 10% and 190% of its mean over a day
QUIET_PHASE = 0.75 * DAY  # sin(ωt) = -1 here: the quietest moment of each day


@dataclass(frozen=True)
class Traffic:
    """One SLI's traffic: mean rate, normal error ratio, and an outage [start, end) with its error ratio."""

    mean_rate: float
    error_ratio: float
    outage_start: float
    outage_end: float
    outage_error_ratio: float

    def events(self, t: float) -> float:
        """Events counted from time 0 to t (the integral of the diurnal rate)."""
        return self.mean_rate * (t - SWING / OMEGA * (math.cos(OMEGA * t) - 1))

    def errors(self, t: float) -> float:
        """Errors counted from time 0 to t: the normal ratio plus the outage's excess."""
        base = self.error_ratio * self.events(t)
        if t <= self.outage_start:
            return base
        inside = self.events(min(t, self.outage_end)) - self.events(self.outage_start)
        return base + (self.outage_error_ratio - self.error_ratio) * inside

    def exact_error_ratio(self, start: float, end: float) -> float:
        """Errors / events over [start, end]: the exact, increase-based SLI."""
        return (self.errors(end) - self.errors(start)) / (self.events(end) - self.events(start))


def quiet_hour_outage(now: float, days_ago: int, mean_rate: float, error_ratio: float, outage_ratio: float) -> Traffic:
    """Traffic whose one-hour outage is centred on the quiet moment `days_ago` days before now."""
    quiet = math.floor((now - days_ago * DAY) / DAY) * DAY + QUIET_PHASE
    return Traffic(mean_rate, error_ratio, quiet - 1800, quiet + 1800, outage_ratio)


def series_of(kind: str, metric: str, labels: str, replicas: int) -> list[tuple[str, float, float]]:
    """Every raw series of an SLI as (series, a, b): its value is (a * events + b * errors) / replicas.

    Requests are split evenly over `replicas` instances.  Ratio SLIs count requests by
    code (500 = error); latency SLIs are histograms where requests slower than 0.3s
    are the errors (a tenth of them slower than 1s too).
    """
    out = []
    for r in range(replicas):
        base = f'{labels},instance="i{r}"'
        if kind == "ratio":
            out += [(f'{metric}_total{{{base},code="500"}}', 0.0, 1.0), (f'{metric}_total{{{base},code="200"}}', 1.0, -1.0)]
        else:
            out += [
                (f'{metric}_bucket{{{base},le="0.3"}}', 1.0, -1.0),
                (f'{metric}_bucket{{{base},le="1"}}', 1.0, -0.1),
                (f'{metric}_bucket{{{base},le="+Inf"}}', 1.0, 0.0),
                (f'{metric}_count{{{base}}}', 1.0, 0.0),
            ]
    return out
