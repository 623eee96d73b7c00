"""Exclusions in the generated tests: the state rule of promtool's copy read on a clock shifted to free time. Pure.

promtool starts every test at 1970-01-01 00:00 UTC, and the generated scenarios (alerts
fire, resolve, the budget spends) run for days from there: a weekly window would land in
the middle of them (1970-01-04 was a Sunday).  So in promtool's copy of the rule file
(cadence.py) each `slo:exclusion:state` rule reads `time() + shift`, the shift the first
whole hour from which no one-off or recurring window of the SLO is active for as long
as its scenarios run (checked on the expression's own Python mirror).  The scenarios then
prove the gated base rates carry every window, alert and budget as before; what the
state rule does inside and at the edges of its windows is proven at real times by
tests/emit/rules/test_exclusions_promtool.py.  Signals read series no scenario writes: 0.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from slogen.emit.rules.recording import Group
from slogen.plan import names
from slogen.plan.slo import SLOPlan

HOUR = 3600
STEP = 60
# How far the search looks; a spec whose windows leave no free span that long is untested.
SEARCH = 400 * 86400


def free_shift(plan: SLOPlan, span: int) -> int | None:
    """The first whole hour (seconds since 1970) from which the SLO's exclusions stay 0 for `span` seconds."""
    assert plan.exclusion is not None
    state = plan.exclusion.at
    start = 0
    t = 0
    while start < SEARCH:
        if t >= start + span:
            return start
        if state(t):
            start = -(-(t + STEP) // HOUR) * HOUR
            t = start
        else:
            t += STEP
    return None


def shifted_group(group: Group, texts: dict[str, str]) -> Group:
    """`group` with the state rule of each SLO id in `texts` given that expression (its shifted clock's)."""
    rules = []
    for rule in group.rules:
        sid = dict(rule.labels).get(names.LABEL_ID)
        if rule.record == names.EXCLUSION_STATE and sid in texts:
            rule = replace(rule, expr=texts[sid])  # type: ignore[index]
        rules.append(rule)
    return replace(group, rules=tuple(rules))


def replacements(groups: Sequence[Group], plans: Sequence[SLOPlan], spans: dict[str, int]) -> tuple[tuple[Group, Group], ...]:
    """(group, its copy for promtool) for each group holding a state rule to shift."""
    texts = {}
    for plan in plans:
        if plan.exclusion is None or plan.name not in spans or all(w.kind == "signal" for w in plan.exclusion.windows):
            continue
        shift = free_shift(plan, spans[plan.name])
        if shift:
            texts[plan.id] = plan.exclusion.shifted(shift).text
    return tuple(
        (group, shifted_group(group, texts))
        for group in groups
        if any(rule.record == names.EXCLUSION_STATE and dict(rule.labels).get(names.LABEL_ID) in texts for rule in group.rules)
    )
