"""A periodic report as one self-contained HTML page. Pure.

It opens with what a manager asks first: which SLOs missed their objective over the
period, and by how much (percentage points below the objective, and the budget spent),
worst first, and which SLOs it cannot judge (no events, or data for part of the period).
Then the team's or service's traffic-weighted totals, then every SLO with its worst day,
the policy states it went through and the postmortems naming it, and each exclusion that
held time in the period with the bad events and budget it left out.  The numbers are
period_model's, the ones the CSV and JSON carry.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from slogen.emit.report.html import CSS, _table
from slogen.emit.report.period_model import Period, SLORow, missed_or_unknown, ordered, states_text, totals
from slogen.spec.durations import humanize_duration


def percent(value: float | None, digits: int = 3) -> str:
    """A ratio as a percentage, `-` without traffic."""
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def _short(row: SLORow) -> str:
    """How far below the objective the SLI fell, in percentage points."""
    sli = row.sli
    return "-" if sli is None else f"{row.objective_percent - sli * 100:.3f} pp"


def _slos(count: int) -> str:
    return f"{count} SLO{'s' if count != 1 else ''}"


def _unknown(rows: list[SLORow], period: Period) -> str:
    """The SLOs the verdict cannot speak for: without events in the period, or with data for part of it."""
    hours = period.seconds // 3600
    silent = [r.slo_id for r in rows if r.budget_spent is None]
    partial = [f"{r.slo_id} ({r.hours} of {hours} hours)" for r in rows if r.budget_spent is not None and r.hours < hours]
    out = ""
    if silent:
        out += (f'<p class="verdict">{_slos(len(silent))} had no events recorded in the period, so whether '
                f"{'it' if len(silent) == 1 else 'they'} met {'its' if len(silent) == 1 else 'their'} objective is unknown: "
                f"{escape(', '.join(silent))}.</p>\n")
    if partial:
        out += f'<p class="note">{_slos(len(partial))} {"has" if len(partial) == 1 else "have"} data for part of the period only: {escape(", ".join(partial))}.</p>\n'
    return out


def _missed(rows: list[SLORow], period: Period) -> str:
    missed = sorted((r for r in rows if r.missed), key=lambda r: (-(r.budget_spent or 0), r.slo_id))
    counted = f"{len(missed)} of {_slos(len(rows))}"
    # "Every SLO met" only when every SLO had events to judge: a silent one may have missed.
    unknown = _unknown(rows, period)
    if not missed:
        met = ": every SLO met its objective." if not any(r.budget_spent is None for r in rows) else "."
        return f'<p class="verdict">{counted} missed{met}</p>\n{unknown}'
    table = _table(
        ["SLO", "team", "objective", "SLI", "below objective by", "budget spent"],
        [[r.slo_id, r.team, f"{r.objective_percent:g}%", percent(r.sli), _short(r), percent(r.budget_spent, 1)] for r in missed],
        "missed",
    )
    return f'<p class="verdict">{counted} missed their objective:</p>\n{table}{unknown}'


def _totals(rows: list[SLORow], by: str) -> str:
    cells = [
        [t.key, str(t.slos), percent(t.sli), percent(t.budget_spent, 1), {None: "no data", True: "missed", False: "met"}[missed_or_unknown(t.budget_spent)], f"{t.events:.0f}", f"{t.errors:.0f}"]
        for t in totals(rows, by)
    ]
    return _table([by, "SLOs", "SLI (traffic-weighted)", "budget spent", "", "events", "bad events"], cells, "totals")


def _slo_rows(rows: list[SLORow], period: Period, by: str) -> str:
    cells = []
    for r in ordered(rows, by):
        coverage = f"{r.hours} of {period.seconds // 3600}"
        worst = f"{r.worst_day.isoformat()} ({percent(r.worst_day_sli)})" if r.worst_day else "-"
        pms = ", ".join(f"{p.date} {p.title} ({p.file})" for p in r.postmortems) or "-"
        verdict = "no data" if r.sli is None else ("missed" if r.missed else "met")
        cells.append(
            [r.slo_id, r.team, f"{r.objective_percent:g}%", percent(r.sli), verdict, percent(r.budget_spent, 1), worst,
             states_text(r, period) or "-", pms, coverage]
        )
    headers = ["SLO", "team", "objective", "SLI", "", "budget spent", "worst day (SLI)", "policy states", "postmortems", "hours with data"]
    return _table(headers, cells, "slos")


def _exclusions(rows: list[SLORow], by: str) -> str:
    """Each exclusion that held time in the period, with the bad events and the budget it left out."""
    cells = [
        [r.slo_id, e.reason, e.when, "left out" if e.count_as == "absent" else "counted as good", humanize_duration(e.seconds),
         f"{e.errors:.0f}", percent(r.budget_share(e), 1)]
        for r in ordered(rows, by) for e in r.exclusions
    ]
    if not cells:
        return ""
    headers = ["SLO", "reason", "when", "events", "time excluded (with tail)", "bad events left out", "of the budget"]
    return f"<h2>Exclusions</h2>\n{_table(headers, cells, 'exclusions')}"


_MEMBERS_NOTE = (
    " A journey's members: each member's SLI, and its share of the journey's errors (events: its weighted bad events "
    "over all members'; weighted: its weighted error ratio over their sum; worst: none, the journey is its worst member)."
)


def _members(rows: list[SLORow], by: str) -> str:
    """Each journey's members: which one spent the journey's errors in the period."""
    cells = [
        [r.slo_id, m.slo_id, f"{m.weight:g}", percent(m.sli), percent(m.share, 1)]
        for r in ordered(rows, by)
        for m in r.members
    ]
    if not cells:
        return ""
    table = _table(["journey", "member", "weight", "member's SLI", "share of the journey's errors"], cells, "members")
    return f"<h2>Journeys' members</h2>\n{table}"


def _utc(unix: int) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render_period_html(rows: list[SLORow], period: Period, by: str, source: str) -> str:
    """The whole page for one period."""
    title = f"SLO report {period.name}"
    span = f"{period.days[0].date.isoformat()} to {period.days[-1].date.isoformat()} ({period.time_zone}; {_utc(period.start)} to {_utc(period.end)})"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}.verdict{{font-size:16px;font-weight:600}}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n<p class=\"note\">{escape(span)}, read from {escape(source)}.</p>\n"
        f"<h2>Missed objectives</h2>\n{_missed(rows, period)}"
        f"<h2>By {escape(by)}</h2>\n{_totals(rows, by)}"
        f"<h2>Every SLO</h2>\n{_slo_rows(rows, period, by)}{_members(rows, by)}{_exclusions(rows, by)}"
        "<footer><p class=\"note\">Generated by slogen. SLI: good events over all events in the period. Budget spent: "
        "bad events over the bad events the objective allows for the period's traffic; above 100% the SLO missed. "
        "Totals sum events and bad events over their SLOs (traffic-weighted). Policy states: the hours each was "
        "recorded in, in the order first reached. Exclusions: the bad events recorded while each held (its tail included), "
        "left out of the budget (or counted as good), and their share of the bad events the objective allows."
        f"{_MEMBERS_NOTE if any(r.members for r in rows) else ''}</p></footer>\n</body>\n</html>\n"
    )
