"""Composite (user-journey) SLIs -> 5m base rates read from the members' recorded 5m base rates.

A composite records its own `slo:sli_events:rate5m` and `slo:sli_errors:rate5m`, so every
window, budget, alert, dashboard and report row derives from them as for any SLO:

* events: the members' events and errors summed (each times its weight), so every window
  is the pooled traffic's error ratio;
* weighted: one synthetic event per second while any member has traffic, bad in the
  proportion of the weighted mean of the members' 5m error ratios (weights normalised over
  the members with traffic), so a window is the time-mean of that weighted mean: each
  member counts by its weight, whatever its traffic (OpenSLO's compositeWeight);
* worst: the same synthetic events, bad in the proportion of the worst member's 5m ratio;
  its longer windows are the max of the members' own window ratios (emit/rules/composite_rules.py).

The members' series are read as recorded at the composite's evaluation: a member recorded
in another rule group (another service's file) may be one evaluation interval (1m) older.
"""

from __future__ import annotations

from dataclasses import dataclass

from slogen.plan import names
from slogen.plan.sli import BaseRates
from slogen.plan.windows import BASE_WINDOW
from slogen.spec.composite import CompositeSLI, split_reference
from slogen.spec.errors import Problem
from slogen.spec.numbers import fmt


@dataclass(frozen=True)
class Member:
    """One member SLO: its service, name and weight."""

    service: str
    name: str
    weight: float

    @property
    def id(self) -> str:
        """The member's slo_id."""
        return names.slo_id(self.service, self.name)


@dataclass(frozen=True)
class CompositePlan:
    """How a composite SLO combines its members."""

    method: str
    members: tuple[Member, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """The members' slo_ids, in spec order."""
        return tuple(m.id for m in self.members)


def composite_plan(sli: CompositeSLI, service: str) -> CompositePlan:
    """The members resolved against the composite's own service."""
    members = []
    for member in sli.members:
        owner, name = split_reference(member.slo)
        members.append(Member(owner or service, name, member.weight))
    return CompositePlan(sli.method, tuple(members))


def composite_problems(sli: CompositeSLI, plan: CompositePlan, own: str, slo_name: str, grouping: list[str], only_composites: bool, calendar: bool, loc: tuple) -> list[Problem]:
    """What one service's spec alone shows wrong with a composite (members are checked across files later)."""
    at = loc + ("sli", "composite")
    problems = []
    if sli.method == "worst" and calendar:
        # A calendar period's ratio is summed from the base rates, not a max of the members'.
        problems.append(Problem(at + ("method",), "method worst takes a rolling window (e.g. 30d), not a calendar one"))
    if grouping:
        problems.append(Problem(loc + ("grouping",), "a composite SLO takes no grouping: it combines whole member SLOs"))
    for index, member in enumerate(plan.members):
        if member.service == own and member.name == slo_name:
            problems.append(Problem(at + ("of", index), f"composite {slo_name!r} lists itself as a member"))
    if not only_composites and any(m.service != own for m in plan.members):
        problems.append(
            Problem(
                at + ("of",),
                "a composite reading another service's SLOs must sit in a service of composites only (a journey service), "
                "so its rule file can be deployed where every member's series is visible; move it to a service of its own",
            )
        )
    return problems


def _term(metric: str, member: Member) -> str:
    selector = f'{metric}{{{names.LABEL_ID}="{member.id}"}}'
    return selector if member.weight == 1 else f"{fmt(member.weight)} * {selector}"


def composite_rates(plan: CompositePlan) -> BaseRates:
    """The composite's 5m base rates, from its members' recorded 5m base rates."""
    events, errors = names.events_rate(BASE_WINDOW), names.errors_rate(BASE_WINDOW)
    if plan.method == "events":
        pooled = [("\n  or ".join(_term(metric, m) for m in plan.members)) for metric in (events, errors)]
        return BaseRates(events=f"sum(\n  {pooled[0]}\n)", errors=f"sum(\n  {pooled[1]}\n)")
    # weighted: a member's ratio only where it saw events (0/0 would poison the sum).
    def sel(metric: str, member: Member) -> str:
        return f'{metric}{{{names.LABEL_ID}="{member.id}"}}'

    ids = "|".join(plan.ids)
    busy = f'0 * sum({events}{{{names.LABEL_ID}=~"{ids}"}} > 0) + 1'
    if plan.method == "worst":
        # The worst member's 5m ratio; its windows are the members' maxima (emit/rules/composite_rules.py).
        worst = f'max(\n  {errors}{{{names.LABEL_ID}=~"{ids}"}}\n  /\n  ({events}{{{names.LABEL_ID}=~"{ids}"}} > 0)\n)'
        return BaseRates(events=busy, errors=worst)
    ratios = "\n  or ".join(f"{fmt(m.weight)} * ({sel(errors, m)} / ({sel(events, m)} > 0))" for m in plan.members)
    weights = "\n  or ".join(f"0 * ({sel(events, m)} > 0) + {fmt(m.weight)}" for m in plan.members)
    return BaseRates(events=busy, errors=f"sum(\n  {ratios}\n)\n/\nsum(\n  {weights}\n)")
