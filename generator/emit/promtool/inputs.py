"""What a promtool scenario feeds: phases of errors on constant traffic, as counter samples. Pure.

A scenario drives each SLO's synthetic counters (series.py) at a fixed event rate, with
errors at some ratio of it during its phases; promtool reads one sample per input
interval, in its expanding notation (`a+bxn`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from slogen.emit.promtool.series import SyntheticSeries, counter_text, exact_text, merged_runs

INPUT_INTERVAL = 60
EVENTS_PER_SECOND = 10.0


@dataclass(frozen=True)
class Phase:
    """Errors at `ratio` of the traffic from `start` to `end` seconds; elsewhere none."""

    start: int
    end: int
    ratio: float


def series_values(series: SyntheticSeries, phases: tuple[Phase, ...], length: int, events_per_second: float = EVENTS_PER_SECOND) -> str:
    """promtool's expanding notation for a counter over the scenario, one sample per input interval."""
    if series.bounds:
        return native_values_text(series.bounds, series.buckets, phases, length, events_per_second)
    return _values_text(series.base, series.per_error, phases, length, events_per_second)


# Pure in the counter's rate function and the scenario: shared by every SLO of a shape.
@functools.lru_cache(maxsize=1 << 14)
def _values_text(base: float, per_error: float, phases: tuple[Phase, ...], length: int, events_per_second: float) -> str:
    steps = length // INPUT_INTERVAL
    runs = []
    for first_step, end_step in _ratio_segments(phases, steps):
        mid = (first_step - 0.5) * INPUT_INTERVAL
        ratio = next((p.ratio for p in phases if p.start <= mid < p.end), 0.0)
        runs.append((events_per_second * (base + per_error * ratio) * INPUT_INTERVAL, end_step - first_step))
    return counter_text(merged_runs(runs))


@functools.lru_cache(maxsize=1 << 12)
def native_values_text(bounds: tuple[str, ...], buckets: tuple[tuple[float, float], ...], phases: tuple[Phase, ...], length: int, events_per_second: float) -> str:
    """promtool 3's notation for a native histogram with custom buckets (schema -53) over the scenario."""
    steps = length // INPUT_INTERVAL
    totals = [0.0] * len(buckets)
    parts = [_histogram_text(bounds, totals)]
    for first_step, end_step in _ratio_segments(phases, steps):
        mid = (first_step - 0.5) * INPUT_INTERVAL
        ratio = next((p.ratio for p in phases if p.start <= mid < p.end), 0.0)
        # Multiples of 2^-20 far below 2^53 of them: every sum promtool forms is exact, so
        # count stays the buckets' sum and no bucket ever dips (which would read as a reset).
        step = [round(events_per_second * (b + e * ratio) * INPUT_INTERVAL * _QUANTA) / _QUANTA for b, e in buckets]
        totals = [t + s for t, s in zip(totals, step)]
        run = end_step - first_step
        parts.append(_histogram_text(bounds, totals) + (f"+{_histogram_text(bounds, step)}x{run - 1}" if run > 1 else ""))
        totals = [t + s * (run - 1) for t, s in zip(totals, step)]
    return " ".join(parts)


_QUANTA = 1 << 20


def _histogram_text(bounds: tuple[str, ...], counts: list[float]) -> str:
    numbers = [exact_text(c) for c in counts]
    return f"{{{{schema:-53 count:{exact_text(sum(counts))} custom_values:[{' '.join(bounds)}] buckets:[{' '.join(numbers)}]}}}}"


def _ratio_segments(phases: tuple[Phase, ...], steps: int) -> list[tuple[int, int]]:
    """Ranges [first, end) of steps 1..steps over which no phase starts or ends.

    Step k is sampled at the middle of its interval, (k - 1/2) x INPUT_INTERVAL, so a
    boundary at t falls before step ceil(t / INPUT_INTERVAL + 1/2); scanning only the
    boundaries keeps long scenarios (days of 1m steps) cheap to write.
    """
    cuts = {1, steps + 1}
    for phase in phases:
        for t in (phase.start, phase.end):
            k = math.ceil(t / INPUT_INTERVAL + 0.5)
            if 1 < k <= steps:
                cuts.add(k)
    ordered = sorted(cuts)
    return list(zip(ordered, ordered[1:]))

