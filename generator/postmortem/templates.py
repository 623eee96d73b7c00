"""The Standard and Quick postmortem templates, prefilled with what `new` knows.

Pure. Anything only people can know is a `[[TODO: ...]]` placeholder, which the
linter reports until it is replaced.
"""

from __future__ import annotations

import json

from slogen.postmortem.impact import BudgetImpact
from slogen.postmortem.model import Decision, Incident, format_span, format_utc

STANDARD_SECTIONS = ("Executive Summary", "Timeline (UTC)", "Root Cause Analysis", "Impact", "Action Items")
QUICK_SECTIONS = ("What Happened", "Timeline (UTC)", "Root Cause", "Fix")
SECTIONS = {"standard": STANDARD_SECTIONS, "quick": QUICK_SECTIONS}
# The Impact lines a Standard postmortem must state, even if only as "none known".
IMPACT_FIELDS = ("Customers affected", "Duration", "Revenue impact", "Support tickets")
PRIORITIES = {
    "standard": {"P0": "immediate fix", "P1": "prevent recurrence", "P2": "improve detection"},
    "quick": {"Immediate": "stop the bleeding", "Long-term": "keep it from coming back"},
}
STATUSES = ("open", "in progress", "done")
ACTION_HEADER = "| Priority | Action | Owner | Due | Ticket | Status |\n|---|---|---|---|---|---|\n"


def _yaml_text(value: str) -> str:
    # JSON strings are valid YAML double-quoted scalars, so any title survives.
    return json.dumps(value, ensure_ascii=False)


def _front(incident: Incident, decision: Decision, template: str, impact: BudgetImpact | None) -> str:
    lines = [
        "---",
        f"title: {_yaml_text(incident.title)}",
        f"date: {incident.start:%Y-%m-%d}",
        f"severity: {incident.severity}",
        f"start: {format_utc(incident.start)}",
        f"end: {format_utc(incident.end)}",
        f"template: {template}",
        f"required: {'true' if decision.required else 'false'}",
    ]
    if decision.reasons:
        lines.append("reasons:")
        lines += [f"  - {_yaml_text(reason)}" for reason in decision.reasons]
    if impact is not None:
        lines += [
            f"slo: {impact.slo}",
            f"budget_consumed: {_yaml_text(impact.consumed_text)}",
            f"budget_source: {'prometheus' if impact.measured else 'estimate'}",
        ]
    lines.append("---")
    return "\n".join(lines) + "\n"


def _time(incident: Incident, which: str) -> str:
    moment = incident.start if which == "start" else incident.end
    # Across midnight a bare HH:MM is ambiguous, so every row then carries its date.
    if incident.start.date() != incident.end.date():
        return f"{moment:%Y-%m-%d %H:%M}"
    return f"{moment:%H:%M}"


def _span(incident: Incident) -> str:
    same_day = incident.start.date() == incident.end.date()
    end = f"{incident.end:%H:%M}" if same_day else f"{incident.end:%Y-%m-%d %H:%M}"
    return f"{format_span(incident.duration)} ({incident.start:%Y-%m-%d %H:%M} to {end} UTC)"


def _timeline(incident: Incident) -> str:
    return (
        "| Time (UTC) | Event |\n|---|---|\n"
        f"| {_time(incident, 'start')} | Impact begins: [[TODO: what users saw]] |\n"
        "| [[TODO: HH:MM]] | Detected: [[TODO: the alert or report that told us]] |\n"
        "| [[TODO: HH:MM]] | Mitigated: [[TODO: what stopped the impact]] |\n"
        f"| {_time(incident, 'end')} | Resolved: [[TODO: how we knew it was over]] |\n"
    )


def _action_rows(template: str) -> str:
    rows = ""
    for priority, meaning in PRIORITIES[template].items():
        rows += f"| {priority} | [[TODO: {meaning}]] | [[TODO: @handle]] | [[TODO: YYYY-MM-DD]] | [[TODO: TICKET-123]] | open |\n"
    return ACTION_HEADER + rows


def _header(incident: Incident, decision: Decision) -> str:
    why = f"yes ({'; '.join(decision.reasons)})" if decision.required else "no (kept so patterns in small incidents show)"
    return (
        f"# {incident.title}\n\n"
        f"**Severity:** {incident.severity} · **Duration:** {_span(incident)} · **Authors:** [[TODO: @handle]]\n\n"
        f"**Postmortem required:** {why}\n\n"
        "This postmortem is blameless: it looks for the conditions that allowed the incident, not for culprits.\n"
    )


def render_standard(incident: Incident, decision: Decision, impact: BudgetImpact | None) -> str:
    """The Standard template for a required postmortem."""
    whys = "".join(
        f"{n}. Why {question} Because [[TODO: ...]]\n"
        for n, question in enumerate(
            (
                "did [[TODO: the symptom users saw]] happen?",
                "did that happen?",
                "did that happen?",
                "did that happen?",
                "did that happen?",
            ),
            start=1,
        )
    )
    budget = impact.summary() if impact is not None else "[[TODO: share of the error budget, or `slogen postmortem new --slo ...` computes it]]"
    return (
        _front(incident, decision, "standard", impact)
        + "\n"
        + _header(incident, decision)
        + "\n## Executive Summary\n\n[[TODO: two or three sentences: what happened, who was affected, how it was resolved]]\n"
        + "\n## Timeline (UTC)\n\n"
        + _timeline(incident)
        + "\n## Root Cause Analysis\n\n### 5 Whys\n\n"
        + whys
        + "\n**Root cause:** [[TODO: the systemic condition the last why reached]]\n"
        + "\n### Contributing Factors\n\n- [[TODO: what made it worse or slower to fix]]\n"
        + "\n## Impact\n\n"
        + "- **Customers affected:** [[TODO: who and how many]]\n"
        + f"- **Duration:** {_span(incident)}\n"
        + f"- **Error budget:** {budget}\n"
        + "- **Revenue impact:** [[TODO: estimate, or none known]]\n"
        + "- **Support tickets:** [[TODO: count]]\n"
        + "\n## Action Items\n\n"
        + _action_rows("standard")
        + "\nP0 = immediate fix, P1 = prevent recurrence, P2 = improve detection. "
        + "Every item needs an owner (@handle), a due date and a ticket: an item without them is an orphan.\n"
        + "\n## Lessons Learned\n\n"
        + "### What went well\n\n- [[TODO: ...]]\n\n"
        + "### What went poorly\n\n- [[TODO: ...]]\n\n"
        + "### Where we got lucky\n\n- [[TODO: ...]]\n"
    )


def render_quick(incident: Incident, decision: Decision, impact: BudgetImpact | None) -> str:
    """The Quick template for a minor incident."""
    budget = f"\nError budget: {impact.summary()}.\n" if impact is not None else ""
    return (
        _front(incident, decision, "quick", impact)
        + "\n"
        + _header(incident, decision)
        + "\n## What Happened\n\n[[TODO: one paragraph: what broke and what users saw]]\n"
        + budget
        + "\n## Timeline (UTC)\n\n"
        + _timeline(incident)
        + "\n## Root Cause\n\n[[TODO: the condition that allowed it, not who]]\n"
        + "\n## Fix\n\n"
        + _action_rows("quick")
    )


def render_postmortem(incident: Incident, decision: Decision, template: str, impact: BudgetImpact | None) -> str:
    """The text of a new postmortem in the chosen template."""
    render = render_standard if template == "standard" else render_quick
    return render(incident, decision, impact)
