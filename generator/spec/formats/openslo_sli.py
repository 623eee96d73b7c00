"""OpenSLO SLIs -> native SLIs of an Occurrences SLO.

* `ratioMetric` good|bad / total: plain counter selectors become a `ratio` SLI; PromQL
  rate queries over `{{window}}` become a `query` SLI (errors = total - good);
  `rawType`/`raw` ratios a time-weighted `query` SLI;
* `thresholdMetric` with the objective's `op`/`value`: every series of the query at
  every evaluation is one event, a bad one when the threshold does not hold.

Metric sources are Prometheus ones, inline or a `DataSource` named by `metricSourceRef`.
"""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from slogen.spec.formats.native_latency import native_latency
from slogen.spec.formats.openslo_objects import ENVELOPE, Objects
from slogen.spec.formats.source import Origin, Reader, good_total_errors, normalise_window, raw_ratio_sli, written
from slogen.spec.promql import SLIError, output_grouping, parse_query, parse_selector

# The comparison that makes an event bad, for each `op` under which it is good.
NEGATE = {"lte": ">", "lt": ">=", "gte": "<", "gt": "<="}

# An SLI's `spec`, the Reader of its document, its origin and its path there.
SLISpec = tuple[dict, Reader, Origin, tuple]


def indicator(objects: Objects, r: Reader, spec: dict) -> SLISpec | None:
    """The SLI of an SLO's `spec`: its inline indicator or the SLI its indicatorRef names."""
    if ("indicator" in spec) == ("indicatorRef" in spec):
        r.problem(("spec",), "give one of indicator or indicatorRef")
        return None
    if "indicator" in spec:
        reader, base = r, ("spec", "indicator")
        inline = r.mapping(spec["indicator"], base, ("metadata", "spec"))
        sli = inline.get("spec")
    else:
        hit = objects.lookup(r, "SLI", spec["indicatorRef"], ("spec", "indicatorRef"))
        if hit is None:
            return None
        reader, base = Reader(hit[0], objects.out), ()
        reader.mapping(hit[1], (), ENVELOPE, tool="OpenSLO")
        sli = hit[1].get("spec")
    # Timeslice budgets read their own query shapes (a slice's ratio over a fixed range);
    # openslo_calendar.timeslices_sli checks those, not the occurrence shapes.
    return indicator_spec(objects, reader, base, sli, occurrences=spec.get("budgetingMethod") not in ("Timeslices", "RatioTimeslices"))


def indicator_spec(objects: Objects, reader: Reader, base: tuple, sli: Any, occurrences: bool = True) -> SLISpec | None:
    """(SLI spec, its Reader, its origin, its path) of an SLI's `spec`; its metric sources checked
    as an occurrence SLI would use them (unless a timeslice SLO reads it)."""
    sli = reader.mapping(sli, base + ("spec",), ("description", "thresholdMetric", "ratioMetric"))
    given = [k for k in ("thresholdMetric", "ratioMetric") if k in sli]
    if len(given) != 1:
        reader.problem(base + ("spec",), "an SLI needs exactly one of thresholdMetric or ratioMetric")
        return None
    found = (sli, reader, reader.at(base + ("spec", given[0])), base + ("spec",))
    # Whether its metric sources are usable, checked as an SLO would use them.
    usable = not occurrences or occurrence_sli(objects, reader, found, {"op": "lt", "value": 0}, ()) is not None
    return found if usable else None


def occurrence_sli(objects: Objects, slo_reader: Reader, sli: SLISpec, objective: dict, objective_loc: tuple) -> dict | None:
    """The native SLI of one objective of an Occurrences SLO (`slo_reader`: the SLO's document)."""
    spec, reader, _, base = sli
    if "thresholdMetric" in spec:
        query = query_source(reader, spec["thresholdMetric"], base + ("thresholdMetric",), objects)
        op, value = objective.get("op"), objective.get("value")
        if op is None:
            slo_reader.problem(objective_loc + ("op",), "op is required: a thresholdMetric objective compares with lte, lt, gte or gt")
        elif op not in NEGATE:
            slo_reader.problem(objective_loc + ("op",), f"op {written(op)} is not supported: use lte, lt, gte or gt")
        if value is None:
            slo_reader.problem(objective_loc + ("value",), "value is required: the number a thresholdMetric objective compares with")
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            slo_reader.problem(objective_loc + ("value",), f"value {written(value)} is not a number: a thresholdMetric objective compares with a number")
        if query is None or op not in NEGATE or not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        text = normalise_window(query)
        return {"query": {"errors": f"({text}) {NEGATE[op]} bool {written(value)}", "total": f"count({text})"}}
    loc = base + ("ratioMetric",)
    ratio = reader.mapping(spec["ratioMetric"], loc, ("counter", "good", "bad", "total", "rawType", "raw"))
    if "raw" in ratio:
        query = query_source(reader, ratio["raw"], loc + ("raw",), objects)
        if ratio.get("rawType") not in ("success", "failure"):
            reader.problem(loc + ("rawType",), "rawType must be success or failure")
            return None
        return None if query is None else {"query": raw_ratio_sli(query, success=ratio["rawType"] == "success")}
    if ("good" in ratio) == ("bad" in ratio) or "total" not in ratio:
        reader.problem(loc, "ratioMetric needs total and exactly one of good or bad")
        return None
    which = "good" if "good" in ratio else "bad"
    part = query_source(reader, ratio[which], loc + (which,), objects)
    total = query_source(reader, ratio["total"], loc + ("total",), objects)
    if part is None or total is None:
        return None
    if is_selector(part) and is_selector(total):
        return {"ratio": {"good" if which == "good" else "errors": part.strip(), "total": total.strip()}}
    rates = counter_rates(reader, loc, ratio, which, part, total)
    if rates is None:
        return None
    part, total = rates
    if "{{window}}" not in part + total:
        reader.problem(loc, "queries must be plain counter selectors, or rate queries over {{window}}, e.g. sum(rate(x[{{window}}]))")
        return None
    # A grouped one stays a query: this SLI's grouping is read from its queries elsewhere.
    native = native_latency(part, total, which == "good") if not output_grouping(total) else None
    if native is not None:
        return native
    errors = part if which == "bad" else good_total_errors(part, total)
    return {"query": {"errors": errors, "total": total}}


def counter_rates(reader: Reader, loc: tuple, ratio: dict, which: str, part: str, total: str) -> tuple[str, str] | None:
    """A ratioMetric's queries as rates over `{{window}}` (the window, or a timeslice's slice).

    `counter: true` says the queries read monotonically increasing counters, so the source
    means their increase over the window, not the ratio of their totals since each process
    started: `sum(x{a="b"})` becomes `sum(rate(x{a="b"}[{{window}}]))`, and a plain selector
    beside such a query is summed as slogen sums a pair of them.  Queries that already read a
    range are the user's own rates, and other queries are left as they are.
    """
    part, total = normalise_window(part), normalise_window(total)
    if ratio.get("counter") is not True or _reads_range(part) or _reads_range(total):
        return part, total
    rated = []
    for name, query in ((which, part), ("total", total)):
        expr = parse_query(query, name) if _parses(query) else None
        text = None if expr is None else _rate_of_sum(expr)
        if text is None:
            reader.problem(loc + (name,), f"counter: true: slogen takes the rate of a sum of counters (sum, sum by (...), +, -) "
                           f"over the window, which {query!r} is not; write the rate yourself, e.g. sum(rate(x[{{{{window}}}}]))")
            return None
        rated.append(f"sum(rate({text}[{{{{window}}}}]))" if isinstance(expr, pp.VectorSelector) else text)
    kept = [output_grouping(query) for query in rated]
    if kept[0] != kept[1]:
        reader.problem(loc, f"{which} keeps the labels ({', '.join(kept[0] or ())}) but total keeps ({', '.join(kept[1] or ())}): "
                       "their rates would never match; aggregate both by the same labels")
        return None
    return rated[0], rated[1]


def _parses(query: str) -> bool:
    try:
        parse_query(query, "query")
        return True
    except SLIError:
        return False


def _reads_range(query: str) -> bool:
    return "{{window}}" in query or (_parses(query) and _has_range(parse_query(query, "query")))


def _has_range(expr: Any) -> bool:
    if isinstance(expr, (pp.MatrixSelector, pp.SubqueryExpr)):
        return True
    children = [getattr(expr, attr, None) for attr in ("expr", "lhs", "rhs", "param")] + list(getattr(expr, "args", None) or ())
    return any(isinstance(child, pp.Expr) and _has_range(child) for child in children)


def _rate_of_sum(expr: Any) -> str | None:
    """The query with every counter read as its rate over `{{window}}`, when rates add up as the
    counters do (a sum, a difference, a multiple); None otherwise (max, count, a ratio, a function)."""
    if isinstance(expr, pp.VectorSelector):
        # A selector alone is the counter itself; rate() needs it bare (no offset or @).
        return None if expr.offset or expr.at else expr.prettify()
    if isinstance(expr, pp.ParenExpr):
        inner = _rate_of_sum(expr.expr)
        return None if inner is None else f"({inner})"
    if isinstance(expr, pp.AggregateExpr) and str(expr.op) == "sum":
        inner = _rate_of_sum(expr.expr)
        inner = f"rate({inner}[{{{{window}}}}])" if isinstance(expr.expr, pp.VectorSelector) and inner else inner
        modifier = f" {expr.modifier}" if expr.modifier is not None else ""
        return None if inner is None else f"sum{modifier} ({inner})"
    if isinstance(expr, pp.BinaryExpr) and str(expr.op) in ("+", "-", "*"):
        sides = []
        for side, other in ((expr.lhs, expr.rhs), (expr.rhs, expr.lhs)):
            if isinstance(side, pp.NumberLiteral):
                if str(expr.op) != "*" or isinstance(other, pp.NumberLiteral):
                    return None  # counter + 1 is no counter
                sides.append(side.prettify())
                continue
            inner = _rate_of_sum(side)
            if inner is None:
                return None
            sides.append(f"rate({inner}[{{{{window}}}}])" if isinstance(side, pp.VectorSelector) else inner)
        modifier = f" {expr.modifier}" if expr.modifier is not None else ""
        return f"{sides[0]} {expr.op}{modifier} {sides[1]}"
    return None


def query_source(reader: Reader, source: Any, loc: tuple, objects: Objects) -> str | None:
    """The PromQL of `{metricSource: ...}`, checking that it is a Prometheus one."""
    wrapper = reader.mapping(source, loc, ("metricSource",))
    loc = loc + ("metricSource",)
    source = reader.mapping(wrapper.get("metricSource"), loc, ("metricSourceRef", "type", "spec"))
    kind = source.get("type")
    if kind is None and source.get("metricSourceRef"):
        name = source["metricSourceRef"]
        ref = objects.get("DataSource", name)
        if ref is None:
            reader.problem(loc + ("metricSourceRef",), f"no DataSource named {written(name)} in the spec files")
            return None
        spec = ref[1].get("spec")
        kind = spec.get("type") if isinstance(spec, dict) else None
    if not isinstance(kind, str) or kind.lower() != "prometheus":
        reader.problem(loc + ("type",) if "type" in source else loc, f"metric source type {written(kind)} is not supported: slogen reads Prometheus sources")
        return None
    spec = source.get("spec")
    # `query` in the OpenSLO examples, `promql` in Nobl9's; the osko operator (which reads
    # openslo.com/v1) writes the query as the spec itself.
    query = (spec.get("query") or spec.get("promql")) if isinstance(spec, dict) else spec
    if not isinstance(query, str) or not query.strip():
        reader.problem(loc + ("spec",), "a Prometheus metric source needs spec.query (or spec.promql, or the query as the spec)")
        return None
    return query


def is_selector(query: str) -> bool:
    """Whether a query is a plain selector (a counter), not an expression."""
    try:
        parse_selector(query, "query")
        return True
    except SLIError:
        return False
