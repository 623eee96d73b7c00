"""Composite SLOs across files: each member must exist, combine, and form no cycle.

A composite is planned with its own service alone (plan/composite.py); what its members
are is only known once every service has compiled, so the places to blame are located
up front, with a hole for the message, like claims.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from slogen.plan.slo import SLOPlan
from slogen.spec.durations import format_duration
from slogen.spec.errors import Diagnostic, Problem
from slogen.spec.load import LoadedSpec

_HOLE = "\x00"
# Kinds whose events are not requests: pooling them with requests would mean nothing.
_NOT_REQUESTS = {"bool": "samples of a 0/1 gauge", "timeslices": "time slices"}


@dataclass(frozen=True)
class CompositeRef:
    """One composite SLO's members, each with the place its reference is blamed at."""

    slo_id: str
    method: str
    windows: tuple[int, ...]  # what a worst composite reads of each member
    members: tuple[tuple[str, str, Diagnostic], ...]  # (member slo_id, `service/slo`, where)


def composite_refs(item: LoadedSpec, plans: Sequence[SLOPlan]) -> tuple[CompositeRef, ...]:
    """The composites of one compiled service, located in its document."""
    index = {slo.name: i for i, slo in enumerate(item.spec.slos)}
    out = []
    for plan in plans:
        if plan.composite is None:
            continue
        at = ("slos", index[plan.name], "sli", "composite", "of")
        members = tuple(
            (m.id, f"{m.service}/{m.name}", item.diagnostic(Problem(at + (i,), _HOLE)))
            for i, m in enumerate(plan.composite.members)
        )
        out.append(CompositeRef(plan.id, plan.composite.method, plan.windows, members))
    return tuple(out)


def _at(where: Diagnostic, message: str) -> Diagnostic:
    return replace(where, message=where.message.replace(_HOLE, message))


def _combine_problem(ref: CompositeRef, member: SLOPlan) -> str | None:
    method = ref.method
    if member.grouping:
        return f"is grouped by {', '.join(member.grouping)}: a composite combines whole SLOs, so its members take no grouping"
    if method == "events" and member.sli_kind in _NOT_REQUESTS:
        return f"counts {_NOT_REQUESTS[member.sli_kind]}, not requests: pooling them with other members' events means nothing; use method weighted"
    if method == "events" and member.composite is not None and member.composite.method != "events":
        return f"is a {member.composite.method} composite, whose events are seconds, not requests; use method weighted"
    missing = [w for w in ref.windows if w not in member.windows] if method == "worst" else []
    if missing:
        return (
            f"records no {', '.join(format_duration(w) for w in missing)} window, which the worst of its windows needs: "
            f"give the composite the member's window ({format_duration(member.period)}), or the member an alert tier over it"
        )
    return None


def composite_problems(plans: Sequence[SLOPlan], refs: Sequence[CompositeRef], failed: set[str]) -> list[Diagnostic]:
    """Members that do not exist or cannot combine, and cycles; `failed`: services that did not compile (not blamed twice)."""
    by_id = {plan.id: plan for plan in plans}
    services = {plan.service for plan in plans}
    problems = []
    for ref in refs:
        for member_id, text, where in ref.members:
            service, _, name = text.partition("/")
            if service in failed:
                continue
            member = by_id.get(member_id)
            if member is None or member.service != service:
                if service not in services:
                    problems.append(_at(where, f"member {text!r} does not exist: no spec defines service {service!r}"))
                else:
                    known = ", ".join(sorted(p.name for p in plans if p.service == service))
                    problems.append(_at(where, f"member {text!r} does not exist: service {service!r} has no SLO {name!r} (it has {known})"))
                continue
            problem = _combine_problem(ref, member)
            if problem:
                problems.append(_at(where, f"member {text!r} {problem}"))
    return problems + _cycles(refs)


def _cycles(refs: Sequence[CompositeRef]) -> list[Diagnostic]:
    """One problem per cycle of composites, at the reference that closes it."""
    edges = {ref.slo_id: ref for ref in refs}
    done: set[str] = set()
    problems = []

    def visit(node: str, path: list[str]) -> None:
        ref = edges[node]
        for member_id, _, where in ref.members:
            if member_id in path:
                cycle = path[path.index(member_id):] + [member_id]
                problems.append(_at(where, "composite members form a cycle: " + " -> ".join(cycle)))
            elif member_id in edges and member_id not in done:
                visit(member_id, path + [member_id])
        done.add(node)

    for ref in refs:
        if ref.slo_id not in done:
            visit(ref.slo_id, [ref.slo_id])
    return problems
