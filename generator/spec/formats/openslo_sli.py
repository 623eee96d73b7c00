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

from slogen.spec.formats.native_latency import native_latency
from slogen.spec.formats.openslo_objects import ENVELOPE, Objects
from slogen.spec.formats.source import Origin, Reader, good_total_errors, normalise_window, raw_ratio_sli
from slogen.spec.promql import SLIError, output_grouping, parse_selector

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
        reader.mapping(hit[1], (), ENVELOPE)
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
        if op not in NEGATE:
            slo_reader.problem(objective_loc + ("op",), "a thresholdMetric objective needs op: lte, lt, gte or gt")
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            slo_reader.problem(objective_loc + ("value",), "a thresholdMetric objective needs a numeric value")
            return None
        if query is None:
            return None
        text = normalise_window(query)
        return {"query": {"errors": f"({text}) {NEGATE[op]} bool {value!r}", "total": f"count({text})"}}
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
    part, total = normalise_window(part), normalise_window(total)
    if "{{window}}" not in part + total:
        reader.problem(loc, "queries must be plain counter selectors, or rate queries over {{window}}, e.g. sum(rate(x[{{window}}]))")
        return None
    # A grouped one stays a query: this SLI's grouping is read from its queries elsewhere.
    native = native_latency(part, total, which == "good") if not output_grouping(total) else None
    if native is not None:
        return native
    errors = part if which == "bad" else good_total_errors(part, total)
    return {"query": {"errors": errors, "total": total}}


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
            reader.problem(loc + ("metricSourceRef",), f"no DataSource named {name!r} in the spec files")
            return None
        spec = ref[1].get("spec")
        kind = spec.get("type") if isinstance(spec, dict) else None
    if not isinstance(kind, str) or kind.lower() != "prometheus":
        reader.problem(loc + ("type",) if "type" in source else loc, f"metric source type {kind!r} is not supported: slogen reads Prometheus sources")
        return None
    spec = source.get("spec")
    # `query` in the OpenSLO examples, `promql` in Nobl9's.
    query = (spec.get("query") or spec.get("promql")) if isinstance(spec, dict) else None
    if not isinstance(query, str) or not query.strip():
        reader.problem(loc + ("spec",), "a Prometheus metric source needs spec.query (or spec.promql)")
        return None
    return query


def is_selector(query: str) -> bool:
    """Whether a query is a plain selector (a counter), not an expression."""
    try:
        parse_selector(query, "query")
        return True
    except SLIError:
        return False
