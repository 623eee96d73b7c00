"""OpenSLO v1 composite SLOs -> native member SLOs and one `weighted` composite.

An OpenSLO composite gives no SLO-level indicator: each objective names its own
(`indicator` or `indicatorRef`), with its own target and a `compositeWeight` (default 1),
and under Occurrences budgeting "the weight multiplies the burn rate": the composite
burns at sum(w_i x burn_i), burn_i = error ratio_i / (1 - target_i).  That is exactly a
native `weighted` composite whose member weights are w_i / (1 - target_i) and whose error
budget is 1 / sum(w_i / (1 - target_i)): its ratio sum(w'_i r_i) / sum(w'_i) over that
budget is sum(w_i r_i / b_i).  Each objective becomes a member SLO (`<slo>-<displayName
or index>`, alerting off: OpenSLO's alert policies belong to the composite), and the
composite keeps the SLO's name, window and alert policies.  Timeslice budgeting of a
composite ("a bad slice of any objective is bad") has no native form and is refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from slogen.spec.formats.openslo_objects import ENVELOPE, Objects
from slogen.spec.formats.openslo_sli import SLISpec, indicator_spec
from slogen.spec.formats.source import Reader


def is_composite(spec: dict) -> bool:
    """Whether an SLO's objectives name their own indicators (OpenSLO's composite form)."""
    objectives = spec.get("objectives")
    return isinstance(objectives, list) and any(isinstance(o, dict) and ("indicator" in o or "indicatorRef" in o) for o in objectives)


def objective_indicator(objects: Objects, r: Reader, objective: dict, loc: tuple) -> SLISpec | None:
    """The SLI of one composite objective: inline or by reference."""
    if ("indicator" in objective) == ("indicatorRef" in objective):
        r.problem(loc, "every objective of a composite SLO needs one of indicator or indicatorRef")
        return None
    if "indicator" in objective:
        base = loc + ("indicator",)
        inline = r.mapping(objective["indicator"], base, ("metadata", "spec"))
        return indicator_spec(objects, r, base, inline.get("spec"))
    hit = objects.lookup(r, "SLI", objective["indicatorRef"], loc + ("indicatorRef",))
    if hit is None:
        return None
    reader = Reader(hit[0], objects.out)
    reader.mapping(hit[1], (), ENVELOPE)
    return indicator_spec(objects, reader, (), hit[1].get("spec"))


def composite_weight(r: Reader, objective: dict, loc: tuple) -> Decimal | None:
    """An objective's compositeWeight (default 1), greater than 0."""
    value: Any = objective.get("compositeWeight", 1)
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        weight = Decimal(str(value))
        if not weight.is_finite() or weight <= 0:
            raise InvalidOperation
    except InvalidOperation:
        r.problem(loc + ("compositeWeight",), "compositeWeight must be a number greater than 0, e.g. 2")
        return None
    return weight


def composite_objective(members: list[tuple[str, Decimal, Decimal]]) -> tuple[Decimal, list[dict]]:
    """(the composite's objective in percent, its `of` list) from (member name, weight, target percent) each."""
    scaled = [(name, weight / (1 - percent / 100)) for name, weight, percent in members]
    budget = 1 / sum(w for _, w in scaled)
    return (1 - budget) * 100, [{"slo": name, "weight": float(w)} for name, w in scaled]
