"""The report's SVG charts: detection time vs error rate per alert tier, and live history.

Pure: each returns markup text.  Inline SVG only (no scripts, no external assets), so
the page works from file:// and renders the same everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, partial
from html import escape

from slogen.live.prometheus_api import Sample
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BurnRateTier, detection_time, workbook_detection_time
from slogen.spec.durations import format_duration, humanize_duration
from slogen.spec.numbers import human

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
COLOURS = ("#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
# Policy states from healthiest to exhausted; dashboards use the same order.
STATE_COLOURS = ("#e6f4ea", "#fff4ce", "#fde0c5", "#f8d0d0", "#f0c0c0", "#e8b0b0")
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
_TIME_TICKS = (1, 10, 60, 300, 600, 1800, 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400)
POINTS = 80


@dataclass(frozen=True)
class History:
    """Live series of one SLO from Prometheus, asked for over [start, end]: per group, (time, value)
    points.  `since`: where its recorded history starts in that range (`start` when it covers
    it all), None when Prometheus holds none yet."""

    start: float
    end: float
    since: float | None
    remaining: tuple[Sample, ...]
    burn_rate: tuple[Sample, ...]  # over 1h


def _log_scale(low: float, high: float, size: float, flip: bool = False):
    span = math.log10(high) - math.log10(low)

    def scale(value: float) -> float:
        share = (math.log10(value) - math.log10(low)) / span
        return (1 - share) * size if flip else share * size

    return scale


def _linear(low: float, high: float, size: float, flip: bool = False):
    span = (high - low) or 1.0

    def scale(value: float) -> float:
        share = (value - low) / span
        return (1 - share) * size if flip else share * size

    return scale


def _svg_tag(label: str) -> str:
    return (
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(label)}">'
    )


_FRAME = f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="#fff" stroke="#999"/>'


def _svg_open(label: str) -> str:
    return _svg_tag(label) + "\n" + _FRAME


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def _percent_tick(value: float) -> str:
    return f"{fmt_float(value * 100)}%"


def fmt_float(value: float) -> str:
    """Short text of a plotted number: `0.1`, `14.4`, `100` (numbers.human)."""
    return human(value)


DetectionShape = tuple[tuple[tuple[BurnRateTier, int], ...], int, Decimal, frozenset[int]]


def detection_shape(plan: SLOPlan) -> DetectionShape:
    """What a detection plot depends on: the tiers (with their `for`), the window, the error budget
    and the windows read from the counters."""
    return plan.alert_tiers, plan.period, plan.error_budget, plan.counter_windows


def detection_plot(plan: SLOPlan) -> str:
    """SVG: time from a step to each error rate until each tier fires (solid: worst case, dashed: workbook)."""
    drawing, legend = detection_drawing(detection_shape(plan))
    return _svg_tag(_detection_label(plan)) + "\n" + drawing + "</svg>\n" + legend


def _detection_label(plan: SLOPlan) -> str:
    return f"Detection time vs error rate for {plan.service}/{plan.name}"


# Thousands of SLOs share a handful of shapes (an objective, a window, the default
# tiers); each curve costs ~100 detection-time evaluations, so draw each shape once.
@lru_cache(maxsize=256)
def detection_drawing(shape: DetectionShape) -> tuple[str, str]:
    """The inside of a detection plot's <svg> (frame, axes, curves) and its legend: a tick (grid line
    and label) or a curve a line, so that a changed drawing reads as a short diff."""
    with_for, period, budget, counters = shape
    tiers = tuple(tier for tier, _ in with_for)
    thresholds = [float(t.threshold(period, budget)) for t in tiers]
    # A tier can sit at a threshold near 100% errors (a low objective, a large budget share):
    # the axis still spans a decade, and a tier no error rate fires draws no curve.
    low_x = min(min(thresholds) * 1.02, 0.1)
    rates = [low_x * (1 / low_x) ** (i / (POINTS - 1)) for i in range(POINTS)]
    curves = []
    for (tier, for_seconds), threshold in zip(with_for, thresholds):
        worst = partial(detection_time, counters=counters)
        for kind, func in (("worst", worst), ("workbook", workbook_detection_time)):
            points = [(r, func(tier, period, budget, r) + for_seconds) for r in rates if r > threshold * 1.02]
            curves.append((tier, kind, [(r, t) for r, t in points if math.isfinite(t) and t > 0]))
    times = [t for _, _, pts in curves for _, t in pts] or [60.0, 86400.0]
    low_y, high_y = max(min(times) / 1.5, 0.5), max(times) * 1.5
    sx, sy = _log_scale(low_x, 1.0, PLOT_W), _log_scale(low_y, high_y, PLOT_H, flip=True)
    out = [_FRAME]
    for decade in range(-6, 1):
        value = 10.0**decade
        if low_x <= value <= 1:
            x = LEFT + sx(value)
            out.append(
                f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" stroke="#eee"/>'
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{_percent_tick(value)}</text>'
            )
    for tick in _TIME_TICKS:
        if low_y <= tick <= high_y:
            y = TOP + sy(tick)
            out.append(
                f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#eee"/>'
                f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{format_duration(tick)}</text>'
            )
    for index, (tier, kind, points) in enumerate(curves):
        colour = COLOURS[(index // 2) % len(COLOURS)]
        dash = ' stroke-dasharray="5,4"' if kind == "workbook" else ""
        xy = [(LEFT + sx(r), TOP + sy(t)) for r, t in points]
        name = f"{tier.severity} {format_duration(tier.long_window)}/{format_duration(tier.short_window)} ({kind})"
        out.append(f'<path class="curve" d="{_path(xy)}" fill="none" stroke="{colour}" stroke-width="2"{dash}><title>{escape(name)}</title></path>')
    out.append(f'<text x="{LEFT + PLOT_W / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle">error rate (log)</text>')
    out.append(f'<text x="{LEFT + 4}" y="{TOP + 12}">time to fire (log)</text>')
    legend = "".join(
        f'<span class="key"><i style="background:{COLOURS[i % len(COLOURS)]}"></i>'
        f"{escape(t.severity)} {format_duration(t.long_window)}/{format_duration(t.short_window)}</span>"
        for i, t in enumerate(tiers)
    )
    return "".join(line + "\n" for line in out), f'<p class="legend">{legend} <span class="key">solid: slogen worst case, dashed: SRE workbook</span></p>\n'


def detection_reference(plan: SLOPlan, shape: DetectionShape, symbol: str) -> str:
    """A detection plot that shows the shared drawing `symbol` of `shape` (see render_report)."""
    _, legend = detection_drawing(shape)
    return _svg_tag(_detection_label(plan)) + f'<use href="#{symbol}"/></svg>\n' + legend


def _group_name(sample: Sample, plan: SLOPlan) -> str:
    return " ".join(f"{k}={sample.labels.get(k, '')}" for k in plan.grouping) or plan.name


def span_text(history: History) -> str:
    """What a history chart spans: `last 30d`, or `last 12.1min of 30d` while history is shorter."""
    asked = format_duration(max(1, round(history.end - history.start)))
    if history.since is None or history.since <= history.start:
        return f"last {asked}"
    return f"last {humanize_duration(history.end - history.since)} of {asked}"


def burndown_plot(plan: SLOPlan, history: History) -> str:
    """SVG of the budget remaining since history starts, over the policy's state bands."""
    values = _values(history.remaining)
    low, high = min([0.0, *values]) - 0.05, max([1.0, *values]) + 0.05
    sy = _linear(low, high, PLOT_H, flip=True)
    out = [_svg_open(f"Budget remaining for {plan.service}/{plan.name}")]
    edges = [high] + [float(s.above) for s in plan.policy.states[:-1]] + [low]
    for index, state in enumerate(plan.policy.states):
        top, bottom = min(edges[index], high), max(edges[index + 1], low)
        if top > bottom:
            out.append(
                f'<rect class="band" x="{LEFT}" y="{TOP + sy(top):.1f}" width="{PLOT_W}" height="{sy(bottom) - sy(top):.1f}" '
                f'fill="{STATE_COLOURS[min(index, len(STATE_COLOURS) - 1)]}"><title>{escape(state.action)}</title></rect>'
            )
    guides = [1.0] + [float(s.above) for s in plan.policy.states[:-1]] + ([low + 0.05] if low < -0.05 else [])
    out += [_guide(TOP + sy(guide), _percent_tick(guide)) for guide in guides if low <= guide <= high]
    return _time_chart(plan, history, history.remaining, sy, out)


def burn_rate_plot(plan: SLOPlan, history: History) -> str:
    """SVG of the 1h burn rate since history starts, on a log scale with the 1x line.

    Log, because a burn rate spans decades: on a linear axis a 100x outage flattens 0.5x and
    1x onto one line.  Rates under the axis' floor (0 when nothing failed) lie on the floor.
    """
    values = _values(history.burn_rate)
    positive = [v for v in values if v > 0]
    low = min(0.1, max(0.001, 10.0 ** math.floor(math.log10(min(positive, default=0.1)))))
    high = max([10.0, *values]) * 1.5
    scale = _log_scale(low, high, PLOT_H, flip=True)

    def sy(value: float) -> float:
        return scale(min(max(value, low), high))

    out = [_svg_open(f"Burn rate for {plan.service}/{plan.name}")]
    for decade in range(round(math.log10(low)), math.floor(math.log10(high)) + 1):
        value = 10.0**decade
        if value != 1:
            text = ("<=" if value == low and any(v < low for v in values) else "") + f"{fmt_float(value)}x"
            y = TOP + sy(value)
            out.append(
                f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#eee"/>'
                f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(text)}</text>'
            )
    out.append(_guide(TOP + sy(1.0), "1x"))  # the sustainable rate: the whole budget over the window
    out.append(f'<text x="{LEFT + 4}" y="{TOP + 12}">burn rate (log)</text>')
    return _time_chart(plan, history, history.burn_rate, sy, out)


def _values(series: tuple[Sample, ...]) -> list[float]:
    return [v for s in series for _, v in s.values if math.isfinite(v)]


def _guide(y: float, text: str) -> str:
    return (
        f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#888" stroke-dasharray="3,3" shape-rendering="crispEdges"/>'
        f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(text)}</text>'
    )


def _time_chart(plan: SLOPlan, history: History, series: tuple[Sample, ...], sy, out: list[str]) -> str:
    """The curves of `series` from where history starts to its end (x), over the chart `out` so far; its legend."""
    since = history.start if history.since is None else history.since
    sx = _linear(since, history.end, PLOT_W)
    ordered = sorted(series, key=lambda s: _group_name(s, plan))
    for index, sample in enumerate(ordered):
        points = [(LEFT + sx(t), TOP + sy(v)) for t, v in sample.values if math.isfinite(v)]
        if points:
            # A single point (history one evaluation old) still shows: as a dot, by the round cap.
            d = _path(points if len(points) > 1 else points * 2)
            out.append(
                f'<path class="curve" d="{d}" fill="none" stroke="{COLOURS[index % len(COLOURS)]}" stroke-width="2" stroke-linecap="round">'
                f"<title>{escape(_group_name(sample, plan))}</title></path>"
            )
    out.append(f'<text x="{LEFT + PLOT_W / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(span_text(history))}</text>')
    out.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{COLOURS[i % len(COLOURS)]}"></i>{escape(_group_name(s, plan))}</span>'
        for i, s in enumerate(ordered)
    )
    out.append(f'<p class="legend">{legend}</p>' if _values(series) else f'<p class="empty">no points in the {escape(span_text(history))}</p>')
    return "".join(line + "\n" for line in out)
