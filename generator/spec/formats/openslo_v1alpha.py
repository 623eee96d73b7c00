"""Sloth's OpenSLO `openslo/v1alpha` SLOs -> native SLOs, one `<name>-<index>` per ratio
objective, as Sloth names them; windows in days, occurrence budgets only."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from slogen.spec.formats.openslo_objects import ENVELOPE, object_name
from slogen.spec.formats.source import ConvertedSLO, Reader, good_total_errors, normalise_window, written


def convert_v1alpha(reader: Reader, data: dict) -> None:
    """Sloth's openslo/v1alpha SLOs: one SLO `<name>-<index>` per ratio objective, as Sloth names them."""
    reader.mapping(data, (), ENVELOPE, tool="OpenSLO")
    spec = reader.mapping(data.get("spec"), ("spec",), ("service", "description", "budgetingMethod", "objectives", "timeWindows"))
    name, service = object_name(data), reader.text(spec.get("service"), ("spec", "service"))
    window: str | None = "30d"
    windows = spec.get("timeWindows")
    if windows:
        first = windows[0] if isinstance(windows, list) and len(windows) == 1 and isinstance(windows[0], dict) else {}
        count = first.get("count")
        if str(first.get("unit", "")).lower() != "day" or isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            reader.problem(("spec", "timeWindows"), "only one time window in days is supported, e.g. [{count: 30, unit: Day}]")
            window = None
        else:
            window = f"{count}d"
    if spec.get("budgetingMethod", "Occurrences") != "Occurrences":
        reader.problem(("spec", "budgetingMethod"), f"budgetingMethod {written(spec['budgetingMethod'])} is not supported: slogen budgets by occurrences")
        window = None
    for index, objective in enumerate(reader.sequence(spec.get("objectives"), ("spec", "objectives"))):
        loc = ("spec", "objectives", index)
        objective = reader.mapping(objective, loc, ("displayName", "target", "ratioMetrics", "value", "op"))
        ratio = objective.get("ratioMetrics")
        if not isinstance(ratio, dict):
            reader.problem(loc, "missing ratioMetrics")
            continue
        queries = {}
        for part in ("good", "total"):
            source = ratio.get(part) if isinstance(ratio.get(part), dict) else {}
            query = source.get("query")
            if source.get("source") not in ("prometheus", "sloth") or source.get("queryType") != "promql" or not isinstance(query, str) or not query:
                reader.problem(loc + ("ratioMetrics", part), f"the {part} query needs source: prometheus, queryType: promql and a query")
                continue
            queries[part] = normalise_window(query)
        target = objective.get("target")
        try:
            if isinstance(target, bool) or not isinstance(target, (int, float, str)):
                raise InvalidOperation
            percent = Decimal(str(target)) * 100
        except InvalidOperation:
            reader.problem(loc + ("target",) if "target" in objective else loc,
                           "target is required" if target is None else "target must be a number between 0 and 1, e.g. 0.999")
            continue
        if len(queries) != 2 or service is None or window is None or not isinstance(name, str):
            continue
        slo = {
            "name": f"{name}-{index}",
            "objective": percent,
            "window": window,
            "sli": {"query": {"errors": good_total_errors(queries["good"], queries["total"]), "total": queries["total"]}},
        }
        if spec.get("description"):
            slo["description"] = str(spec["description"])
        origins = {(): reader.at(loc), ("name",): reader.at(("metadata", "name")), ("objective",): reader.at(loc + ("target",)),
                   ("window",): reader.at(("spec", "timeWindows")), ("sli",): reader.at(loc + ("ratioMetrics",))}
        reader.out.slos.append(ConvertedSLO(service, slo, origins, reader.at(("spec", "service"))))
