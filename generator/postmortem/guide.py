"""The 60-minute postmortem meeting: agenda and facilitation tips. Pure text."""

from __future__ import annotations

AGENDA = (
    (5, "Opening", "State the blameless ground rule: we look for conditions, not culprits. Say the goal: learn and leave with owned action items."),
    (15, "Timeline", "Walk the timeline (UTC) event by event. Add what people knew and saw at each point, not what they should have known."),
    (20, "Analysis", "Run the 5 Whys from the symptom to a systemic cause. Note contributing factors and where we got lucky."),
    (15, "Action items", "Agree P0 immediate fix, P1 prevent recurrence, P2 improve detection. Each gets an owner (@handle), a due date and a ticket."),
    (5, "Closing", "Read back the action items and owners, pick the date the postmortem is final, thank the people who responded."),
)

TIPS = (
    'Ask "what conditions allowed this?", never "who caused this?".',
    "Treat hindsight with care: judge decisions by what was known at the time.",
    "Invite the people closest to the incident to speak first; the facilitator keeps time, not the verdict.",
    "Park solutions during the timeline; they belong in action items.",
    "Stop asking why when you reach something the team can change; a person is never a root cause.",
    "No action item leaves the room without an owner, a due date and a ticket: orphans never get done.",
    "Run `slogen postmortem lint` before the meeting so the discussion is about content, not format.",
)


def render_guide() -> str:
    """The agenda with minutes and the facilitation tips."""
    total = sum(minutes for minutes, _, _ in AGENDA)
    lines = [f"Postmortem meeting ({total} minutes)", ""]
    start = 0
    for minutes, name, what in AGENDA:
        lines.append(f"  {start:02d}-{start + minutes:02d} min  {name} ({minutes} min): {what}")
        start += minutes
    lines += ["", "Facilitation tips:"]
    lines += [f"  - {tip}" for tip in TIPS]
    return "\n".join(lines) + "\n"
