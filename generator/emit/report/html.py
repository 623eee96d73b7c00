"""Plans (and optionally live history) -> one self-contained HTML report.

Pure: returns text.  No external assets, no scripts: inline CSS and SVG only, so the
page works from file:// and renders the same everywhere.  Without history the page
depends only on the specs, so `make generate` can keep it under version control.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from html import escape

from slogen.emit.report.budget_table import BUDGET_HEADERS, TIER_HEADERS, SLOBudget, TierBudget, budget_rows, duration_text, slo_budget, tier_cells
from slogen.live.prometheus_api import Sample
from slogen.plan.budget_policy import PolicyPlan
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BurnRateTier, detection_time, workbook_detection_time
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt, human

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
COLOURS = ("#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
# Policy states from healthiest to exhausted; dashboards use the same order.
STATE_COLOURS = ("#e6f4ea", "#fff4ce", "#fde0c5", "#f8d0d0", "#f0c0c0", "#e8b0b0")
_TIME_TICKS = (1, 10, 60, 300, 600, 1800, 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400)
POINTS = 80


@dataclass(frozen=True)
class History:
    """Live series of one SLO from Prometheus over [start, end]: per group, (time, value) points."""

    start: float
    end: float
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


_FRAME = f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" height="{HEIGHT - TOP - BOTTOM}" fill="#fff" stroke="#999"/>'


def _svg_open(label: str) -> str:
    return _svg_tag(label) + _FRAME


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def _percent_tick(value: float) -> str:
    return f"{fmt_float(value * 100)}%"


def fmt_float(value: float) -> str:
    """Short text of a plotted number: `0.1`, `14.4`, `100` (numbers.human)."""
    return human(value)


DetectionShape = tuple[tuple[tuple[BurnRateTier, int], ...], int, Decimal]


def detection_shape(plan: SLOPlan) -> DetectionShape:
    """What a detection plot depends on: the tiers (with their `for`), the window and the error budget."""
    return plan.alert_tiers, plan.period, plan.error_budget


def detection_plot(plan: SLOPlan) -> str:
    """SVG: time from a step to each error rate until each tier fires (solid: worst case, dashed: workbook)."""
    drawing, legend = detection_drawing(detection_shape(plan))
    return _svg_tag(_detection_label(plan)) + drawing + "</svg>" + legend


def _detection_label(plan: SLOPlan) -> str:
    return f"Detection time vs error rate for {plan.service}/{plan.name}"


# Thousands of SLOs share a handful of shapes (an objective, a window, the default
# tiers); each curve costs ~100 detection-time evaluations, so draw each shape once.
@lru_cache(maxsize=256)
def detection_drawing(shape: DetectionShape) -> tuple[str, str]:
    """The inside of a detection plot's <svg> (frame, axes, curves) and its legend."""
    with_for, period, budget = shape
    tiers = tuple(tier for tier, _ in with_for)
    thresholds = [float(t.threshold(period, budget)) for t in tiers]
    # A tier can sit at a threshold near 100% errors (a low objective, a large budget share):
    # the axis still spans a decade, and a tier no error rate fires draws no curve.
    low_x = min(min(thresholds) * 1.02, 0.1)
    rates = [low_x * (1 / low_x) ** (i / (POINTS - 1)) for i in range(POINTS)]
    curves = []
    for (tier, for_seconds), threshold in zip(with_for, thresholds):
        for kind, func in (("worst", detection_time), ("workbook", workbook_detection_time)):
            points = [(r, func(tier, period, budget, r) + for_seconds) for r in rates if r > threshold * 1.02]
            curves.append((tier, kind, [(r, t) for r, t in points if math.isfinite(t) and t > 0]))
    times = [t for _, _, pts in curves for _, t in pts] or [60.0, 86400.0]
    low_y, high_y = max(min(times) / 1.5, 0.5), max(times) * 1.5
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    sx, sy = _log_scale(low_x, 1.0, plot_w), _log_scale(low_y, high_y, plot_h, flip=True)
    out = [_FRAME]
    for decade in range(-6, 1):
        value = 10.0**decade
        if low_x <= value <= 1:
            x = LEFT + sx(value)
            out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" stroke="#eee"/>')
            out.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{_percent_tick(value)}</text>')
    for tick in _TIME_TICKS:
        if low_y <= tick <= high_y:
            y = TOP + sy(tick)
            out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#eee"/>')
            out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{format_duration(tick)}</text>')
    for index, (tier, kind, points) in enumerate(curves):
        colour = COLOURS[(index // 2) % len(COLOURS)]
        dash = ' stroke-dasharray="5,4"' if kind == "workbook" else ""
        xy = [(LEFT + sx(r), TOP + sy(t)) for r, t in points]
        name = f"{tier.severity} {format_duration(tier.long_window)}/{format_duration(tier.short_window)} ({kind})"
        out.append(f'<path class="curve" d="{_path(xy)}" fill="none" stroke="{colour}" stroke-width="2"{dash}><title>{escape(name)}</title></path>')
    out.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle">error rate (log)</text>')
    out.append(f'<text x="{LEFT + 4}" y="{TOP + 12}">time to fire (log)</text>')
    legend = "".join(
        f'<span class="key"><i style="background:{COLOURS[i % len(COLOURS)]}"></i>'
        f"{escape(t.severity)} {format_duration(t.long_window)}/{format_duration(t.short_window)}</span>"
        for i, t in enumerate(tiers)
    )
    return "".join(out), f'<p class="legend">{legend} <span class="key">solid: slogen worst case, dashed: SRE workbook</span></p>'


def _detection_reference(plan: SLOPlan, shape: DetectionShape, symbol: str) -> str:
    """A detection plot that shows the shared drawing `symbol` of `shape` (see render_report)."""
    _, legend = detection_drawing(shape)
    return _svg_tag(_detection_label(plan)) + f'<use href="#{symbol}"/></svg>' + legend


def _group_name(sample: Sample, plan: SLOPlan) -> str:
    return " ".join(f"{k}={sample.labels.get(k, '')}" for k in plan.grouping) or plan.name


def history_plot(plan: SLOPlan, series: tuple[Sample, ...], start: float, end: float, what: str, bands: bool) -> str:
    """SVG of live series over time: budget remaining (with policy bands) or burn rate (with the 1x line)."""
    values = [v for s in series for _, v in s.values if math.isfinite(v)]
    times = [t for s in series for t, v in s.values if math.isfinite(v)]
    # A young Prometheus has less history than asked for: plot what exists.
    start = max(start, min(times, default=start))
    if bands:
        low, high = min([0.0, *values]) - 0.05, max([1.0, *values]) + 0.05
    else:
        low, high = 0.0, max([1.5, *values]) * 1.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    sx, sy = _linear(start, end, plot_w), _linear(low, high, plot_h, flip=True)
    out = [_svg_open(f"{what} for {plan.service}/{plan.name}")]
    if bands:
        edges = [high] + [float(s.above) for s in plan.policy.states[:-1]] + [low]
        for index, state in enumerate(plan.policy.states):
            top, bottom = min(edges[index], high), max(edges[index + 1], low)
            if top <= bottom:
                continue
            y = TOP + sy(top)
            out.append(
                f'<rect class="band" x="{LEFT}" y="{y:.1f}" width="{plot_w}" height="{sy(bottom) - sy(top):.1f}" '
                f'fill="{STATE_COLOURS[min(index, len(STATE_COLOURS) - 1)]}"><title>{escape(state.action)}</title></rect>'
            )
        guides = [1.0] + [float(s.above) for s in plan.policy.states[:-1]] + ([low + 0.05] if low < -0.05 else [])
    else:
        guides = [1.0, max(values)] if values and max(values) > 1.2 else [1.0]
    for guide in guides:
        if low <= guide <= high:
            y = TOP + sy(guide)
            text = _percent_tick(guide) if bands else f"{fmt_float(guide)}x"
            out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#888" stroke-dasharray="3,3"/>')
            out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{text}</text>')
    ordered = sorted(series, key=lambda s: _group_name(s, plan))
    for index, sample in enumerate(ordered):
        points = [(LEFT + sx(t), TOP + sy(v)) for t, v in sample.values if math.isfinite(v)]
        if points:
            colour = COLOURS[index % len(COLOURS)]
            out.append(
                f'<path class="curve" d="{_path(points)}" fill="none" stroke="{colour}" stroke-width="2">'
                f"<title>{escape(_group_name(sample, plan))}</title></path>"
            )
    span = format_duration(max(1, int(end - start)))
    out.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle">last {span}</text>')
    out.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{COLOURS[i % len(COLOURS)]}"></i>{escape(_group_name(s, plan))}</span>'
        for i, s in enumerate(ordered)
    )
    out.append(f'<p class="legend">{legend}</p>' if values else '<p class="empty">no data in this range</p>')
    return "".join(out)


def _table(headers: list[str], rows: list[list[str]], cls: str, anchors: list[str] | None = None) -> str:
    """An HTML table; with `anchors`, each row's first cell links to that id on the page."""
    return _table_around(headers, _rows(rows, anchors), cls)


def _rows(rows: list[list[str]], anchors: list[str] | None = None) -> str:
    cells = ["".join(f"<td>{escape(c)}</td>" for c in row) for row in rows]
    if anchors is not None:
        cells = [
            f'<td><a href="#{escape(anchor)}">{escape(row[0])}</a></td>' + "".join(f"<td>{escape(c)}</td>" for c in row[1:])
            for row, anchor in zip(rows, anchors)
        ]
    return "".join(f"<tr>{row}</tr>" for row in cells)


def _table_around(headers: list[str], body: str, cls: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# The tables below depend only on numbers most SLOs share: rendered once per value.
@lru_cache(maxsize=256)
def _downtime_table(period: int, per_period: Decimal, per_month: Decimal, per_year: Decimal) -> str:
    downtime = [
        ["SLO window (" + format_duration(period) + ")", duration_text(per_period)],
        ["30-day month", duration_text(per_month)],
        ["365-day year", duration_text(per_year)],
    ]
    return _table(["span", "downtime"], downtime, "downtime")


@lru_cache(maxsize=256)
def _policy_table(policy: PolicyPlan) -> str:
    return _table(["state", "budget left", "what the team does"], _policy_rows(policy), "policy")


@lru_cache(maxsize=256)
def _tiers_table(tiers: tuple[TierBudget, ...]) -> str:
    return _table(TIER_HEADERS[1:], [tier_cells(t) for t in tiers], "tiers")


def _policy_rows(policy: PolicyPlan) -> list[list[str]]:
    rows = []
    states = policy.states
    for index, state in enumerate(states):
        if state.above is None:
            when = f"at or below {fmt(states[index - 1].above * 100)}%"
        elif index == 0:
            when = f"above {fmt(state.above * 100)}%"
        else:
            when = f"{fmt(state.above * 100)}% < left <= {fmt(states[index - 1].above * 100)}%"
        rows.append([state.action, when, state.description])
    return rows


def _slo_section(plan: SLOPlan, budget: SLOBudget, history: History | None, shape: DetectionShape, symbol: str) -> str:
    parts = [f'<section class="slo" id="{escape(plan.id)}"><h2>{escape(plan.service)}/{escape(plan.name)}</h2>']
    if plan.description:
        parts.append(f"<p>{escape(plan.description)}</p>")
    parts.append(
        f"<p>Objective <b>{fmt(plan.objective_percent)}%</b> over "
        f"{escape(plan.calendar.describe()) + ' (budget arithmetic per ' + format_duration(plan.period) + ')' if plan.calendar else format_duration(plan.period)} "
        f"({escape(plan.sli_kind)} SLI{', per ' + escape(', '.join(plan.grouping)) if plan.grouping else ''}); "
        f"error budget <b>{fmt(plan.error_budget * 100)}%</b>.</p>"
    )
    downtime = _downtime_table(plan.period, budget.downtime_period, budget.downtime_month, budget.downtime_year)
    parts.append("<h3>Allowed downtime (full outage)</h3>" + downtime)
    parts.append("<h3>Budget policy</h3>" + _policy_table(plan.policy))
    if budget.tiers:
        parts.append("<h3>Alert tiers (detection at 100% errors)</h3>" + _tiers_table(budget.tiers))
        parts.append('<h3>Detection time vs error rate</h3><figure class="detection">' + _detection_reference(plan, shape, symbol) + "</figure>")
    else:
        parts.append("<p>No burn-rate alerts.</p>")
    if history is not None:
        parts.append(
            '<h3>Budget burn-down</h3><figure class="burndown">'
            + history_plot(plan, history.remaining, history.start, history.end, "Budget remaining", bands=True)
            + "</figure>"
        )
        parts.append(
            '<h3>Burn rate (1h window)</h3><figure class="burnrate">'
            + history_plot(plan, history.burn_rate, history.start, history.end, "Burn rate", bands=False)
            + "</figure>"
        )
    parts.append("</section>")
    return "".join(parts)


# content-visibility: Chromium lays out and paints only the sections near the screen,
# so a 10,000-SLO page shows in ~8 s instead of ~55 s (headless, 2 cores).
CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px;margin-bottom:4px}
table{border-collapse:collapse;margin:4px 0 12px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}svg.plot text{font-size:11px;fill:#444}.plot-defs{position:absolute}.legend{font-size:12px;color:#444}
.key{margin-right:12px;white-space:nowrap}.key i{display:inline-block;width:14px;height:3px;margin-right:4px;vertical-align:middle}
figure{margin:0}.empty{color:#a00}.note{color:#555}
section.slo{content-visibility:auto;contain-intrinsic-size:auto 1500px}
"""


def render_report(plans: list[SLOPlan], history: dict[str, History] | None = None, source: str = "") -> str:
    """The whole HTML page: a summary table, then one section per SLO."""
    return assemble_report([report_part(plans, history)], history is not None, source)


@dataclass(frozen=True)
class ReportPart:
    """Some SLOs' share of the page, independent of every other SLO's: parts of a large
    tree are made per service, in parallel (pipeline.py), and joined in order."""

    rows: str  # summary table rows
    sections: str
    shapes: tuple[DetectionShape, ...]  # detection drawings the sections <use>


def symbol_id(shape: DetectionShape) -> str:
    """The page id of a detection shape's shared drawing: from its content, so that parts
    made apart agree.  Ids start with "_", which no slo_id does: no clash with sections."""
    return "_detection-" + hashlib.sha256(repr(shape).encode()).hexdigest()[:12]


def report_part(plans: list[SLOPlan] | tuple[SLOPlan, ...], history: dict[str, History] | None = None) -> ReportPart:
    """The summary rows and sections of these SLOs."""
    budgets = [slo_budget(plan) for plan in plans]
    shapes = [detection_shape(plan) for plan in plans]
    # With thousands of SLOs the summary is the index: each row links to its section.
    rows = _rows([budget_rows(b) for b in budgets], [plan.id for plan in plans])
    drawn = tuple(dict.fromkeys(shape for shape, budget in zip(shapes, budgets) if budget.tiers))
    sections = "".join(
        _slo_section(plan, budget, None if history is None else history.get(plan.id), shape, symbol_id(shape) if budget.tiers else "")
        for plan, budget, shape in zip(plans, budgets, shapes)
    )
    return ReportPart(rows, sections, drawn)


def assemble_report(parts: list[ReportPart], live: bool, source: str = "") -> str:
    """The page from its parts, in order; `live`: the sections show history from `source`."""
    note = (
        f'<p class="note">Live data from {escape(source)}.</p>'
        if live
        else '<p class="note">From the specs only; run <code>slogen report --prometheus URL</code> for burn-down and burn-rate history.</p>'
    )
    # Each distinct detection plot is drawn once, as a <symbol> every SLO of that shape
    # <use>s: 10,000 SLOs cost a few drawings instead of 10,000 (90 MB of SVG).
    # Page CSS does not reach into a <use>d copy: the text style is set on the drawing.
    shapes = dict.fromkeys(shape for part in parts for shape in part.shapes)
    drawings = "".join(
        f'<symbol id="{symbol_id(shape)}" viewBox="0 0 {WIDTH} {HEIGHT}"><g font-size="11px" fill="#444">{detection_drawing(shape)[0]}</g></symbol>'
        for shape in shapes
    )
    defs = f'<svg class="plot-defs" xmlns="http://www.w3.org/2000/svg" width="0" height="0" aria-hidden="true">{drawings}</svg>' if shapes else ""
    summary = _table_around(BUDGET_HEADERS, "".join(part.rows for part in parts), "summary")
    sections = "".join(part.sections for part in parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>SLO error budgets</title><style>{CSS}</style></head><body>"
        f"{defs}<h1>SLO error budgets</h1>{note}<h2>Summary</h2>{summary}{sections}"
        "<footer><p class=\"note\">Generated by slogen. Downtime is the length of a full outage the budget allows.</p></footer>"
        "</body></html>\n"
    )
