"""Plans (and optionally live history) -> one self-contained HTML report.

Pure: returns text.  No external assets, no scripts: inline CSS and SVG only, so the
page works from file:// and renders the same everywhere.  Without history the page
depends only on the specs, so `make generate` can keep it under version control.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from html import escape

from slogen.emit.report.budget_table import BUDGET_HEADERS, TIER_HEADERS, SLOBudget, TierBudget, budget_rows, duration_text, slo_budget, tier_cells
from slogen.emit.report.charts import (
    HEIGHT, WIDTH, DetectionShape, History, burn_rate_plot, burndown_plot, detection_drawing, detection_reference, detection_shape, span_text,
)
from slogen.plan.budget_policy import PolicyPlan
from slogen.plan.slo import SLOPlan
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt


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
    return "".join(f"<tr>{row}</tr>\n" for row in cells)


def _table_around(headers: list[str], body: str, cls: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f'<table class="{cls}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n'


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
    """One SLO's section, one element or table row a line (so a changed SLO is a small diff)."""
    parts = [f'<section class="slo" id="{escape(plan.id)}">\n<h2>{escape(plan.service)}/{escape(plan.name)}</h2>\n']
    if plan.description:
        parts.append(f"<p>{escape(plan.description)}</p>\n")
    parts.append(
        f"<p>Objective <b>{fmt(plan.objective_percent)}%</b> over "
        f"{escape(plan.calendar.describe()) + ' (budget arithmetic per ' + format_duration(plan.period) + ')' if plan.calendar else format_duration(plan.period)} "
        f"({escape(plan.sli_kind)} SLI{', per ' + escape(', '.join(plan.grouping)) if plan.grouping else ''}); "
        f"error budget <b>{fmt(plan.error_budget * 100)}%</b>.</p>\n"
    )
    downtime = _downtime_table(plan.period, budget.downtime_period, budget.downtime_month, budget.downtime_year)
    parts.append("<h3>Allowed downtime (full outage)</h3>\n" + downtime)
    parts.append("<h3>Budget policy</h3>\n" + _policy_table(plan.policy))
    if budget.tiers:
        parts.append("<h3>Alert tiers (detection at 100% errors)</h3>\n" + _tiers_table(budget.tiers))
        parts.append(_figure("Detection time vs error rate", "detection", detection_reference(plan, shape, symbol)))
    else:
        parts.append("<p>No burn-rate alerts.</p>\n")
    if plan.exclusion is not None:
        rows = [[w.reason, w.describe(), "left out" if w.count_as == "absent" else "counted as good", format_duration(w.tail) if w.tail else "0s"] for w in plan.exclusion.windows]
        parts.append("<h3>Exclusions (time left out of the budget)</h3>\n" + _table(["reason", "when", "events", "tail"], rows, "exclusions"))
    if history is not None and history.since is None:
        # Rules deployed minutes ago, or not at all: say so rather than draw empty charts.
        parts.append(
            f'<h3>History</h3>\n<p class="empty">No history yet: Prometheus holds no budget or burn rate of this SLO '
            f"in the {escape(span_text(history))}.</p>\n"
        )
    elif history is not None:
        parts.append(_figure("Budget burn-down", "burndown", burndown_plot(plan, history)))
        parts.append(_figure("Burn rate (1h window)", "burnrate", burn_rate_plot(plan, history)))
    parts.append("</section>\n")
    return "".join(parts)


def _figure(title: str, cls: str, body: str) -> str:
    return f'<h3>{title}</h3>\n<figure class="{cls}">\n{body}</figure>\n'


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
        f'<symbol id="{symbol_id(shape)}" viewBox="0 0 {WIDTH} {HEIGHT}"><g font-size="11px" fill="#444">\n{detection_drawing(shape)[0]}</g></symbol>\n'
        for shape in shapes
    )
    defs = f'<svg class="plot-defs" xmlns="http://www.w3.org/2000/svg" width="0" height="0" aria-hidden="true">\n{drawings}</svg>\n' if shapes else ""
    summary = _table_around(BUDGET_HEADERS, "".join(part.rows for part in parts), "summary")
    sections = "".join(part.sections for part in parts)
    # One element, table row or SVG shape a line, in spec order: a one-SLO change is a
    # diff of that SLO's lines (and of its detection drawing, when that changes).
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>SLO error budgets</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{defs}<h1>SLO error budgets</h1>\n{note}\n<h2>Summary</h2>\n{summary}{sections}"
        "<footer><p class=\"note\">Generated by slogen. Downtime is the length of a full outage the budget allows.</p></footer>\n"
        "</body>\n</html>\n"
    )
