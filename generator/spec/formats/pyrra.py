"""Pyrra `ServiceLevelObjective` objects -> native SLOs.

Pyrra has no notion of a service: the object's namespace is the service (a namespace
is what a team owns in Kubernetes; `default` when unset, as Kubernetes does) and its
name the SLO name.  Mapping:

* `ratio` errors/total -> a `ratio` SLI; `latency` success (`_bucket{le=...}`) / total
  (`_count`) -> a `latency` SLI when both come from one histogram, else a `ratio` SLI
  with `good`; `bool_gauge` -> a `bool` SLI; each indicator's `grouping` -> `grouping`;
* `latencyNative` (total: a native histogram, latency: a duration) -> a `latency` SLI with
  `format: native`: the share of the histogram at or below the latency, as Pyrra reads it;
* alerting: Pyrra's own four tiers (burn factors 14 and 7 page, 2 and 1 ticket), their
  windows scaled to the SLO window as Pyrra scales them (plan/windows.py `scale_tiers`);
  a tier that can never fire at a low target (factor x (1 - target) >= 1, e.g. 14x at
  90%) is left out with a warning: Pyrra emits it, but it cannot fire either.  Pyrra's
  severities (fastBurn = mediumBurn / slowBurn = longTermBurn, defaults critical /
  warning) become the `severity` labels of the page / ticket alerts; `burnrates: false`
  or `disabled` turn alerting off; `absent` alerts are not generated (see the README);
* metadata labels and annotations prefixed `pyrra.dev/` become SLO labels and alert
  annotations, as Pyrra does; other metadata (creationTimestamp, managedFields, ...)
  is for the Kubernetes object, not the rules, and is ignored, as the Sloth Kubernetes
  converter ignores it;  `apiVersion: v1alpha1` without the group is read, as Pyrra's
  file loader reads it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from slogen.spec.formats.source import PYRRA_LABELS, Conversion, ConvertedSLO, Reader, keep_alert_templates, written, written_text
from slogen.spec.indicators import threshold_seconds
from slogen.spec.numbers import fmt
from slogen.spec.promql import Selector, SLIError, parse_selector

API = "pyrra.dev/v1alpha1"
# Pyrra's file loader also reads the version without its group, as rhobs commits them.
APIS = (API, "v1alpha1")
KIND = "ServiceLevelObjective"
PREFIX = "pyrra.dev/"

# Pyrra's table (its `Windows()`): the SRE workbook's tiers for a 28d SLO, each with its
# `for`; Pyrra scales every window to the SLO window, keeping the factors, and so does
# slogen's `alerting.scale_from` (plan/windows.py `scale_tiers`).
TABLE_WINDOW = "28d"
TIERS = {
    "page": ((Decimal(14), "1h", "5m", "2m"), (Decimal(7), "6h", "30m", "15m")),
    "ticket": ((Decimal(2), "1d", "2h", "1h"), (Decimal(1), "4d", "6h", "3h")),
}


def is_pyrra(data: Any) -> bool:
    """A Pyrra ServiceLevelObjective."""
    return isinstance(data, dict) and data.get("apiVersion") in APIS and data.get("kind") == KIND


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
        bound = float(le[0][2])
    except ValueError:
        return None
    if not 0 < bound < float("inf"):
        return None  # a +Inf (or odd) bucket: read as good/total counters, not a latency threshold
    return Selector(base, all_.matchers).render(), le[0][2]


def _slo_name(r: Reader, value: Any, warnings: list) -> str | None:
    """metadata.name as a slogen SLO name: lowercase, '.' as '-' (a warning says when it changed)."""
    name = r.text(value, ("metadata", "name"))
    if name is None:
        return None
    native = re.sub(r"[^a-z0-9_-]", "-", name.lower())
    if native != name:
        warnings.append(r.warning(("metadata", "name"), f"SLO name {written(name)} is spelt {written(native)} in slogen's labels (lowercase letters, digits, '-' and '_')"))
    return native


def _target(r: Reader, target: Any) -> Decimal | None:
    """spec.target in percent, or a problem."""
    if isinstance(target, bool) or not isinstance(target, (str, int, float)):
        r.problem(("spec", "target"), "required key is missing" if target is None else "target must be a percentage, e.g. '99.9'")
        return None
    try:
        value = Decimal(str(target).strip())
    except InvalidOperation:
        r.problem(("spec", "target"), f"target {written(target)} is not a number in percent, e.g. '99.9'")
        return None
    if not value.is_finite():
        r.problem(("spec", "target"), f"target {written(target)} is not a finite number in percent, e.g. '99.9'")
        return None
    return value


def convert_pyrra(doc: tuple[str, int], data: dict) -> Conversion:
    """One ServiceLevelObjective -> one native SLO of the service named after its namespace."""
    out = Conversion()
    r = Reader(doc, out)
    r.mapping(data, (), ("apiVersion", "kind", "metadata", "spec", "status"), tool="Pyrra")
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        r.problem(("metadata",), "required key is missing" if meta is None else "expected a mapping")
        meta = {}
    spec = r.mapping(data.get("spec"), ("spec",), (
        "description", "target", "window", "indicator", "alerting", "partial_response_strategy",
        "performanceOverAccuracy", "ruleOutput",
    ))
    if data.get("spec") is None:
        r.problem(("spec",), "required key is missing")
    warnings: list = []
    name = _slo_name(r, meta.get("name"), warnings)
    namespace = meta.get("namespace")
    service = str(namespace) if isinstance(namespace, (str, int)) and namespace != "" else "default"
    service_loc = ("metadata", "namespace") if "namespace" in meta else ("metadata",)
    labels = {k[len(PREFIX):]: v for k, v in r.string_map(meta.get("labels"), ("metadata", "labels")).items() if k.startswith(PREFIX)}
    annotations = {k[len(PREFIX):]: v for k, v in r.string_map(meta.get("annotations"), ("metadata", "annotations")).items() if k.startswith(PREFIX)}
    origins = {(): r.at(()), ("name",): r.at(("metadata", "name")), ("objective",): r.at(("spec", "target")),
               ("window",): r.at(("spec", "window")), ("labels",): r.at(("metadata", "labels")), ("alerting",): r.at(("spec", "alerting"))}
    target = spec.get("target")
    percent = _target(r, target)
    slo: dict[str, Any] = {"name": name, "objective": target.strip() if isinstance(target, str) else target}
    if spec.get("window") is not None:
        slo["window"] = spec["window"]
    if spec.get("description"):
        slo["description"] = str(spec["description"])
    if labels:
        slo["labels"] = labels
    sli = _indicator(r, spec.get("indicator"), ("spec", "indicator"), origins)
    alerting = _alerting(r, spec.get("alerting"), ("spec", "alerting"), annotations, percent, warnings, origins)
    if sli is None or name is None or percent is None or alerting is None:
        return out
    slo["sli"], grouping = sli
    if grouping:
        slo["grouping"] = grouping
    slo["alerting"] = keep_alert_templates(alerting, PYRRA_LABELS, _rule_labels(slo["sli"], grouping)) if alerting else alerting
    out.slos.append(ConvertedSLO(service, slo, origins, r.at(service_loc), warnings))
    return out


def _rule_labels(sli: dict, grouping: list) -> dict[str, str]:
    """The labels Pyrra puts on an SLO's series besides `slo`: its total selector's `=` matchers
    (but the grouping labels), which its alert templates can read."""
    body = next(iter(sli.values()))
    text = body.get("total") or body.get("histogram") or body.get("metric") or ""
    try:
        matchers = parse_selector(text, "total").matchers
    except SLIError:
        return {}
    return {name: value for name, op, value in matchers if op == "=" and name != "__name__" and name not in grouping}


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
    allowed = {
        "ratio": ("errors", "total", "grouping"),
        "latency": ("success", "total", "grouping"),
        "latencyNative": ("total", "latency", "grouping"),
        "bool_gauge": ("metric", "grouping"),
    }[kind]
    body = r.mapping(indicator[kind], at, allowed)
    grouping = body.get("grouping") or []
    if kind == "bool_gauge":
        metric = r.text(body.get("metric"), at + ("metric",))
        origins[("sli", "bool", "metric")] = r.at(at + ("metric",))
        return ({"bool": {"metric": metric}}, grouping) if metric else None
    if kind == "latencyNative":
        native = _native_latency(r, body, at, origins)
        return (native, grouping) if native else None
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


def _native_latency(r: Reader, body: dict, at: tuple, origins: dict) -> dict | None:
    """latencyNative: Pyrra's share of the native histogram `total` at or below `latency`."""
    histogram = _metric(r, body.get("total"), at + ("total",))
    latency = r.text(body.get("latency"), at + ("latency",))
    if histogram is None or latency is None:
        return None
    try:
        threshold_seconds(latency)
    except ValueError:
        r.problem(at + ("latency",), f"latency {latency!r}: slogen reads a latency in ms, s or m, e.g. 300ms")
        return None
    origins[("sli", "latency")] = r.at(at + ("total", "metric"))
    origins[("sli", "latency", "threshold")] = r.at(at + ("latency",))
    return {"latency": {"histogram": histogram, "threshold": latency, "format": "native"}}


def _alerting(r: Reader, value: Any, loc: tuple, annotations: dict, target: Decimal | None, warnings: list, origins: dict):
    """Pyrra's alerting: its own tiers scaled to the window; None when there is a problem."""
    alerting = r.mapping(value, loc, ("burnrates", "absent", "disabled", "name", "absentName", "severities"))
    severities = r.mapping(alerting.get("severities"), loc + ("severities",), ("fastBurn", "mediumBurn", "slowBurn", "longTermBurn", "absent"))
    # Pyrra labels each tier; slogen's page and ticket alerts each carry one label set.
    chosen = {}
    ok = True
    for native, (first, second, default) in (("page", ("fastBurn", "mediumBurn", "critical")), ("ticket", ("slowBurn", "longTermBurn", "warning"))):
        # An unset mediumBurn / longTermBurn follows fastBurn / slowBurn (one label per slogen alert).
        for key in (first, second):
            if isinstance(severities.get(key), (list, dict)):
                r.problem(loc + ("severities", key), f"{key} must be a severity name, e.g. {default}, not {written(severities[key])}")
                ok = False
        a = written_text(severities.get(first)) or default
        b = written_text(severities.get(second)) or a
        if a != b:
            r.problem(loc + ("severities", second), f"{second} {written(b)} differs from {first} {written(a)}: slogen's {native} alert has one severity for both of its tiers; give them the same value")
            ok = False
        chosen[native] = a
    if chosen["page"] == chosen["ticket"]:
        r.problem(loc + ("severities",), f"fastBurn and slowBurn are both {written(chosen['page'])}: slogen's page and ticket alerts need different severity labels")
        ok = False
    if alerting.get("disabled") is True or alerting.get("burnrates") is False:
        return False if ok else None
    if not ok:
        return None
    if target is None or not 0 < target < 100:
        return {}  # the native check of the objective says what is wrong with spec.target
    budget = 1 - target / 100
    out: dict[str, Any] = {"scale_from": TABLE_WINDOW}
    for native in ("page", "ticket"):
        tiers, fors = [], []
        for factor, long_window, short_window, after in TIERS[native]:
            if factor * budget >= 1:
                least = 100 * (1 - 1 / factor)
                warnings.append(r.warning(("spec", "target"), (
                    f"Pyrra's {fmt(factor)}x {native} tier can never fire at target {fmt(target)}: it needs an error ratio above "
                    f"{fmt(factor)} x {fmt(budget * 100)}% = {fmt(factor * budget * 100)}%; Pyrra emits it anyway, slogen leaves it "
                    f"out (it can fire from a target above {fmt(least.quantize(Decimal('0.01')))})"
                )))
                continue
            origins[("alerting", native, "tiers", len(tiers))] = r.at(("spec", "window"))
            tiers.append({"burn_rate": factor, "long_window": long_window, "short_window": short_window})
            fors.append(after)
        if not tiers:
            out[native] = False
            continue
        # slogen's alert has one `for`: the shortest of its tiers', so no tier waits longer than in Pyrra.
        out[native] = {"labels": {"severity": chosen[native]}, "tiers": tiers, "for": fors[0]}
    if out["page"] is False and out["ticket"] is False:
        return False
    if alerting.get("name"):
        out["name"] = alerting["name"]
    if annotations:
        out["annotations"] = annotations
    return out
