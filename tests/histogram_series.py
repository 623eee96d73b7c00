"""One latency history written as promtool input series, classic or native, from per-minute bucket counts.

A history is a list of per-minute observation counts per bucket (non-cumulative, the last
bucket above the highest bound). `classic` writes the `_bucket`/`_count`/`_sum` series,
`native_custom` one series of native histograms with custom buckets (schema -53, NHCB: what
`convert_classic_histograms_to_nhcb` stores) in promtool 3's `{{...}}` notation. Both from
the same cumulative counts, so a classic and a native reading must agree. `start`/`stop`
(minutes) leave the series out before and mark it stale at its end, as a scrape that stops
exposing it does.
"""

from __future__ import annotations

from collections.abc import Sequence

from promtool_scenarios import sample_text


def cumulative(history: Sequence[Sequence[int]]) -> list[list[int]]:
    """Per-bucket running totals at minutes 0..len(history) (0 at minute 0)."""
    totals = [[0] * len(history[0])]
    for minute in history:
        totals.append([a + b for a, b in zip(totals[-1], minute)])
    return totals


def _window(values: list[str], start: int, stop: int | None) -> str:
    end = len(values) if stop is None else stop + 1
    out = ["_"] * start + values[start:end]
    if stop is not None:
        out.append("stale")
    return " ".join(out)


def classic(name: str, labels: str, bounds: Sequence[float], history, start: int = 0, stop: int | None = None) -> dict[str, str]:
    """The classic series of a history: one `_bucket` per bound and +Inf, `_count`, `_sum` (0)."""
    totals = cumulative(history)
    les = [sample_text(b) for b in bounds] + ["+Inf"]
    series = {}
    for i, le in enumerate(les):
        values = [sample_text(sum(t[: i + 1])) for t in totals]
        series[f'{name}_bucket{{{labels}, le="{le}"}}'] = _window(values, start, stop)
    series[f"{name}_count{{{labels}}}"] = _window([sample_text(sum(t)) for t in totals], start, stop)
    series[f"{name}_sum{{{labels}}}"] = _window(["0"] * len(totals), start, stop)
    return series


def native_custom(name: str, labels: str, bounds: Sequence[float], history, start: int = 0, stop: int | None = None) -> dict[str, str]:
    """The same history as one native histogram series with custom buckets (schema -53)."""
    bound_text = " ".join(sample_text(b) for b in bounds)
    values = [
        f"{{{{schema:-53 sum:0 count:{sum(t)} custom_values:[{bound_text}] buckets:[{' '.join(map(str, t))}]}}}}"
        for t in cumulative(history)
    ]
    return {f"{name}{{{labels}}}": _window(values, start, stop)}


def native_exponential(name: str, labels: str, history, start: int = 0) -> dict[str, str]:
    """A native histogram of schema 0 (bounds ..., 0.25, 0.5, 1, 2, 4, ...): history's buckets are
    (0.125, 0.25], (0.25, 0.5], (0.5, 1], (1, 2] per minute."""
    values = [
        f"{{{{schema:0 sum:0 count:{sum(t)} offset:-2 buckets:[{' '.join(map(str, t))}]}}}}" for t in cumulative(history)
    ]
    return {f"{name}{{{labels}}}": _window(values, start, None)}
