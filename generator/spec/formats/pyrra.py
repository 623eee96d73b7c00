"""Pyrra `ServiceLevelObjective` objects -> native SLOs.

Pyrra has no notion of a service: the object's namespace is the service (a namespace
is what a team owns in Kubernetes; `default` when unset, as Kubernetes does) and its
name the SLO name.  Mapping:

* `ratio` errors/total -> a `ratio` SLI; `latency` success (`_bucket{le=...}`) / total
  (`_count`) -> a `latency` SLI when both come from one histogram, else a `ratio` SLI
  with `good`; `bool_gauge` -> a `bool` SLI; each indicator's `grouping` -> `grouping`;
* `latencyNative` -> an error: native histograms cannot be tested with the promtool
  slogen is proven against (2.42), so slogen would emit rules nobody checked;
* alerting: Pyrra's severities (fastBurn / slowBurn, defaults critical / warning) become
  the `severity` labels of the page / ticket alerts; `burnrates: false` or `disabled`
  turn alerting off; tiers are slogen's (Pyrra scales its windows to the SLO window);
  `absent` alerts are not generated (see the README);
* metadata labels and annotations prefixed `pyrra.dev/` become SLO labels and alert
  annotations, as Pyrra does; other metadata is for the rule object, not the rules.
"""

from __future__ import annotations

from typing import Any

from slogen.spec.formats.source import Conversion, ConvertedSLO, Reader
from slogen.spec.promql import Selector, SLIError, parse_selector

API = "pyrra.dev/v1alpha1"
KIND = "ServiceLevelObjective"
PREFIX = "pyrra.dev/"


def is_pyrra(data: Any) -> bool:
    """A Pyrra ServiceLevelObjective."""
    return isinstance(data, dict) and data.get("apiVersion") == API and data.get("kind") == KIND


def _metric(reader: Reader, value: Any, loc: tuple) -> str | None:
    body = reader.mapping(value, loc, ("metric",))
    return reader.text(body.get("metric"), loc + ("metric",))


def _same_histogram(success: str, total: str) -> tuple[str, str] | None:
    """(histogram base selector, threshold) when success is `<h>_bucket{..., le}` and total `<h>_count{...}`."""
    try:
        good, all_ = parse_selector(success, "success"), parse_selector(total, "total")
    except SLIError:
        return None
    if not (good.name and all_.name and good.name.endswith("_bucket") and all_.name.endswith("_count")):
        return None
    base = good.name[: -len("_bucket")]
    le = [m for m in good.matchers if m[0] == "le" and m[1] == "="]
    rest = tuple(m for m in good.matchers if m[0] != "le")
    if base != all_.name[: -len("_count")] or len(le) != 1 or sorted(rest) != sorted(all_.matchers):
        return None
    try:
        float(le[0][2])
    except ValueError:
        return None
    return Selector(base, all_.matchers).render(), le[0][2]


def convert_pyrra(doc: tuple[str, int], data: dict) -> Conversion:
    """One ServiceLevelObjective -> one native SLO of the service named after its namespace."""
    out = Conversion()
    r = Reader(doc, out)
    r.mapping(data, (), ("apiVersion", "kind", "metadata", "spec", "status"))
    meta = r.mapping(data.get("metadata"), ("metadata",), ("name", "namespace", "labels", "annotations"))
    spec = r.mapping(data.get("spec"), ("spec",), (
        "description", "target", "window", "indicator", "alerting", "partial_response_strategy",
        "performanceOverAccuracy", "ruleOutput",
    ))
    name = r.text(meta.get("name"), ("metadata", "name"))
    service = str(meta.get("namespace") or "default")
    service_loc = ("metadata", "namespace") if meta.get("namespace") else ("metadata",)
    labels = {k[len(PREFIX):]: v for k, v in r.string_map(meta.get("labels"), ("metadata", "labels")).items() if k.startswith(PREFIX)}
    annotations = {k[len(PREFIX):]: v for k, v in r.string_map(meta.get("annotations"), ("metadata", "annotations")).items() if k.startswith(PREFIX)}
    origins = {(): r.at(()), ("name",): r.at(("metadata", "name")), ("objective",): r.at(("spec", "target")),
               ("window",): r.at(("spec", "window")), ("labels",): r.at(("metadata", "labels")), ("alerting",): r.at(("spec", "alerting"))}
    target = spec.get("target")
    slo: dict[str, Any] = {"name": name, "objective": target}
    if isinstance(target, str):
        try:
            float(target)
            # Keep the exact text: 99.95 stays 99.95, not a float's neighbour.
            slo["objective"] = target.strip()
        except ValueError:
            r.problem(("spec", "target"), f"target {target!r} is not a number in percent, e.g. '99.9'")
            return out
    if spec.get("window") is not None:
        slo["window"] = spec["window"]
    if spec.get("description"):
        slo["description"] = str(spec["description"])
    if labels:
        slo["labels"] = labels
    sli = _indicator(r, spec.get("indicator"), ("spec", "indicator"), origins)
    alerting = _alerting(r, spec.get("alerting"), ("spec", "alerting"), annotations)
    if sli is None or name is None:
        return out
    slo["sli"], grouping = sli
    if grouping:
        slo["grouping"] = grouping
    slo["alerting"] = alerting
    out.slos.append(ConvertedSLO(service, slo, origins, r.at(service_loc)))
    return out


def _indicator(r: Reader, value: Any, loc: tuple, origins: dict):
    indicator = r.mapping(value, loc, ("ratio", "latency", "latencyNative", "bool_gauge"))
    given = [k for k in ("ratio", "latency", "latencyNative", "bool_gauge") if k in indicator]
    if len(given) != 1:
        r.problem(loc, "one of ratio, latency, latencyNative or bool_gauge must be set")
        return None
    kind = given[0]
    at = loc + (kind,)
    origins[("sli",)] = r.at(at)
    origins[("grouping",)] = r.at(at + ("grouping",))
    if kind == "latencyNative":
        r.problem(at, "latencyNative (native histograms) is not supported: use a classic histogram `latency` indicator")
        return None
    allowed = {"ratio": ("errors", "total", "grouping"), "latency": ("success", "total", "grouping"), "bool_gauge": ("metric", "grouping")}[kind]
    body = r.mapping(indicator[kind], at, allowed)
    grouping = body.get("grouping") or []
    if kind == "bool_gauge":
        metric = r.text(body.get("metric"), at + ("metric",))
        origins[("sli", "bool", "metric")] = r.at(at + ("metric",))
        return ({"bool": {"metric": metric}}, grouping) if metric else None
    first = "errors" if kind == "ratio" else "success"
    part, total = _metric(r, body.get(first), at + (first,)), _metric(r, body.get("total"), at + ("total",))
    if part is None or total is None:
        return None
    if kind == "ratio":
        origins[("sli", "ratio", "errors")] = r.at(at + ("errors", "metric"))
        origins[("sli", "ratio", "total")] = r.at(at + ("total", "metric"))
        return {"ratio": {"errors": part, "total": total}}, grouping
    histogram = _same_histogram(part, total)
    if histogram is not None:
        origins[("sli", "latency")] = r.at(at + ("success", "metric"))
        return {"latency": {"histogram": histogram[0], "threshold": float(histogram[1])}}, grouping
    origins[("sli", "ratio", "good")] = r.at(at + ("success", "metric"))
    origins[("sli", "ratio", "total")] = r.at(at + ("total", "metric"))
    return {"ratio": {"good": part, "total": total}}, grouping


def _alerting(r: Reader, value: Any, loc: tuple, annotations: dict):
    alerting = r.mapping(value, loc, ("burnrates", "absent", "disabled", "name", "absentName", "severities"))
    if alerting.get("disabled") is True or alerting.get("burnrates") is False:
        return False
    severities = r.mapping(alerting.get("severities"), loc + ("severities",), ("fastBurn", "mediumBurn", "slowBurn", "longTermBurn", "absent"))
    page = severities.get("fastBurn") or "critical"
    ticket = severities.get("slowBurn") or "warning"
    out: dict[str, Any] = {
        "page": {"labels": {"severity": page}},
        "ticket": {"labels": {"severity": ticket}},
    }
    if alerting.get("name"):
        out["name"] = alerting["name"]
    if annotations:
        out["annotations"] = annotations
    return out
