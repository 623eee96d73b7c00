"""The deploy gate of `slogen status`: which SLOs fail it, and one line per reason (exit 1).

An SLO fails it at or past the `--fail-on` policy state (default: the policy's last,
budget exhausted), and whenever one of its pages is firing: right after a rollout the
policy state waits for an hour of history, while the page alerts read the short windows
from the first minutes, so a gate on the policy state alone would pass an outage.
"""

from __future__ import annotations

from slogen.live.status import SLOStatus
from slogen.plan.slo import SLOPlan


def fail_on_problem(plans: list[SLOPlan], action: str | None) -> str | None:
    """Why a `--fail-on` action cannot gate these SLOs, if it cannot."""
    if action is None:
        return None
    lacking = [f"{p.service}/{p.name}" for p in plans if p.policy.level_of(action) is None]
    if lacking:
        known = sorted({s.action for p in plans for s in p.policy.states})
        if len(lacking) == len(plans):
            return f"--fail-on {action!r} is not a state of any budget policy (states: {', '.join(known)})"
        return f"--fail-on {action!r} is not a state of the budget policy of {', '.join(lacking)} (states: {', '.join(known)})"
    return None


def failing(rows: list[SLOStatus], plans: list[SLOPlan], action: str | None) -> list[SLOStatus]:
    """Rows at or past the gate: `action` in their policy, else the policy's last state (budget exhausted)."""
    by_id = {(p.service, p.name): p for p in plans}
    out = []
    for row in rows:
        policy = by_id[(row.service, row.name)].policy
        gate = policy.level_of(action) if action is not None else len(policy.states) - 1
        if row.level is not None and gate is not None and row.level >= gate:
            out.append(row)
    return out


def gate_failures(rows: list[SLOStatus], failing_rows: list[SLOStatus], action: str | None) -> list[str]:
    """One line per reason the deploy gate fails (exit 1): SLOs at or past the policy gate, and
    SLOs whose page is firing, whatever `--fail-on` says and whether or not their budget is known yet."""
    lines = []
    if failing_rows:
        gate = action or "the last state of its budget policy (budget exhausted)"
        plural = "s" if len(failing_rows) != 1 else ""
        lines.append(f"{len(failing_rows)} SLO{plural} at or past {gate}: " + ", ".join(r.slo for r in failing_rows))
    paging = [row for row in rows if row.pages]
    if paging:
        plural = "s" if len(paging) != 1 else ""
        lines.append(
            f"{len(paging)} SLO{plural} paging (a page alert is firing): " + ", ".join(f"{r.slo} ({', '.join(r.pages)})" for r in paging)
        )
    return lines
