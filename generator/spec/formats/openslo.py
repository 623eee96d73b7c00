"""OpenSLO -> native SLOs: `openslo/v1` (SLO, SLI, AlertPolicy, AlertCondition, DataSource
objects, referring to each other by name across files) and Sloth's `openslo/v1alpha`.

Mapping (v1):

* one native SLO per objective (named after the SLO, `-<displayName or index>` when
  there are several); `target` (0-1) or `targetPercent`;
* the SLI from `ratioMetric` or `thresholdMetric` (openslo_sli.py);
* rolling `timeWindow` -> window; `AlertPolicy` burn-rate conditions -> tiers of the page
  or ticket alert (openslo_alerts.py);
* calendar windows (`isRolling: false`, `1w`/`1M`/`1Q` with `calendar.timeZone` and
  `startTime`) and `Timeslices`/`RatioTimeslices` budgeting map onto native calendar
  windows and timeslice SLIs (openslo_calendar.py);
* composite SLOs (objectives with their own indicators and `compositeWeight`) -> member
  SLOs and a `weighted` composite (openslo_composite.py).

References between objects resolve through openslo_objects.py; v1alpha SLOs convert in
openslo_v1alpha.py.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from slogen.spec.durations import parse_duration
from slogen.spec.formats.openslo_alerts import alert_policies, burn_rate_condition, policy_conditions
from slogen.spec.formats.openslo_composite import composite_objective, composite_weight, is_composite, objective_indicator
from slogen.spec.formats.openslo_calendar import calendar_window, timeslices_sli
from slogen.spec.formats.openslo_objects import ENVELOPE, V1, V1_K8S, V1ALPHA, Key, Objects, object_name
from slogen.spec.formats.openslo_sli import indicator, indicator_spec, occurrence_sli
from slogen.spec.formats.openslo_v1alpha import convert_v1alpha
from slogen.spec.formats.source import Conversion, ConvertedSLO, Reader, written

_KINDS = ("SLO", "SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource", "Service")
_METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")


def is_openslo(data: Any) -> bool:
    """An OpenSLO v1 object, or a Sloth-era v1alpha SLO."""
    if not isinstance(data, dict):
        return False
    return (data.get("apiVersion") in (V1, V1_K8S) and data.get("kind") in _KINDS) or (data.get("apiVersion") == V1ALPHA and data.get("kind") == "SLO")


def convert_openslo(documents: list[tuple[Key, dict]]) -> Conversion:
    """Every OpenSLO document of the spec tree -> native SLOs; references resolve across files."""
    out = Conversion()
    documents = [(key, {**data, "apiVersion": V1} if data.get("apiVersion") == V1_K8S else data) for key, data in documents]
    objects = Objects(documents, out)
    for key, data in documents:
        if data.get("kind") != "SLO":
            continue
        if data.get("apiVersion") == V1ALPHA:
            convert_v1alpha(Reader(key, out), data)
        else:
            _convert_slo(Reader(key, out), data, objects)
    # Every object is checked, referenced or not: a policy nobody uses yet is still wrong
    # now, not when an SLO first refers to it.  (A referenced one's problems repeat; the
    # loader keeps each located problem once.)
    for (kind, _), (key, data) in sorted(objects.by_name.items(), key=lambda item: item[1][0]):
        reader = Reader(key, out)
        if kind == "AlertPolicy":
            policy_conditions(objects, reader, (), data, None)
        elif kind == "AlertCondition":
            burn_rate_condition(reader, data, (), None)
        elif kind == "SLI":
            reader.mapping(data, (), ENVELOPE, tool="OpenSLO")
            indicator_spec(objects, reader, (), data.get("spec"))
    return out


def _label_name(key: Any) -> str:
    """An OpenSLO label key as a Prometheus label name: other characters become '_'."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", str(key))
    return name if name and not name[0].isdigit() else f"_{name}"


def _slug(text: Any) -> str | None:
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return slug or None


def _percent(reader: Reader, objective: dict, loc: tuple) -> tuple[Any, tuple] | None:
    """An objective's target in percent, exactly (0.999 -> 99.9)."""
    if "target" in objective and "targetPercent" in objective:
        reader.problem(loc, "give one of target or targetPercent, not both")
        return None
    if "targetPercent" in objective:
        return objective["targetPercent"], loc + ("targetPercent",)
    if "target" in objective:
        value = objective["target"]
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            return Decimal(str(value)) * 100, loc + ("target",)
        except InvalidOperation:
            reader.problem(loc + ("target",), "target must be a number between 0 and 1, e.g. 0.999")
            return None
    reader.problem(loc, "an objective needs target (0-1) or targetPercent")
    return None


def _convert_slo(r: Reader, data: dict, objects: Objects) -> None:
    """Append one native SLO per objective of a v1 SLO object, or problems."""
    r.mapping(data, (), ENVELOPE, tool="OpenSLO")
    spec = r.mapping(data.get("spec"), ("spec",), (
        "description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives", "alertPolicies",
    ))
    if is_composite(spec):
        _convert_composite(r, data, spec, objects)
        return
    name = object_name(data)
    service = r.text(spec.get("service"), ("spec", "service"))
    window = _window(r, spec)
    method = spec.get("budgetingMethod")
    if method not in _METHODS:
        r.problem(("spec", "budgetingMethod"),
                  "budgetingMethod is required: Occurrences, Timeslices or RatioTimeslices" if method is None else
                  f"budgetingMethod {written(method)} is not supported: use Occurrences, Timeslices or RatioTimeslices")
    sli = indicator(objects, r, spec)
    alerting = alert_policies(objects, r, spec, window)
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        r.problem(("spec", "objectives"), "at least one objective is required")
        return
    labels = _labels(data)
    for index, objective in enumerate(objectives):
        loc = ("spec", "objectives", index)
        objective = r.mapping(objective, loc, (
            "displayName", "op", "value", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow",
            "indicator", "indicatorRef", "compositeWeight",
        ))
        if method == "Occurrences":
            for key in ("timeSliceTarget", "timeSliceWindow"):
                if key in objective:
                    r.problem(loc + (key,), f"{key} belongs to Timeslices budgeting, not {method}")
        if "compositeWeight" in objective:
            r.problem(loc + ("compositeWeight",), "compositeWeight belongs to a composite SLO, whose objectives each give indicator or indicatorRef")
        percent = _percent(r, objective, loc)
        # Checked whatever else is wrong, so one run reports every problem.
        if sli is None:
            native_sli = None
        elif method == "Occurrences":
            native_sli = occurrence_sli(objects, r, sli, objective, loc)
        elif method in _METHODS:
            native_sli = timeslices_sli(objects, r, sli, objective, loc, method)
        else:
            native_sli = None
        if native_sli is None or percent is None or service is None or window is None or alerting is None or method not in _METHODS:
            continue
        slo_name = name if len(objectives) == 1 else f"{name}-{_slug(objective.get('displayName')) or index}"
        slo: dict[str, Any] = {"name": slo_name, "objective": percent[0], "window": window}
        origins = {(): r.at(loc), ("name",): r.at(("metadata", "name")), ("objective",): r.at(percent[1]),
                   ("window",): r.at(("spec", "timeWindow")), ("sli",): sli[2], ("alerting",): r.at(("spec", "alertPolicies"))}
        origins.update(alerting[1])
        if spec.get("description"):
            slo["description"] = str(spec["description"])
        if labels:
            slo["labels"] = labels
            origins[("labels",)] = r.at(("metadata", "labels"))
        slo["sli"] = native_sli
        slo["alerting"] = alerting[0]
        r.out.slos.append(ConvertedSLO(service, slo, origins, r.at(("spec", "service")), indicator=_indicator_name(spec)))


def _indicator_name(spec: dict) -> str | None:
    """The name of the SLI an SLO reads: its indicatorRef, or its inline indicator's metadata.name."""
    ref = spec.get("indicatorRef")
    inline = spec.get("indicator")
    meta = inline.get("metadata") if isinstance(inline, dict) else None
    name = ref if ref is not None else meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else None


def _labels(data: dict) -> dict[str, str]:
    meta = data.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if not isinstance(labels, dict):
        return {}
    # OpenSLO label values may be lists; a Prometheus label holds one string.  OpenSLO
    # keys may hold '-' or '.', which Prometheus label names may not: they become '_'.
    return {_label_name(k): ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in labels.items()}


def _window(r: Reader, spec: dict) -> str | dict | None:
    windows = spec.get("timeWindow")
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        r.problem(("spec", "timeWindow"), "timeWindow must be a list of exactly one window")
        return None
    loc = ("spec", "timeWindow", 0)
    window = r.mapping(windows[0], loc, ("duration", "isRolling", "calendar"))
    if "calendar" in window or window.get("isRolling") is False:
        return calendar_window(r, window, loc)
    duration = window.get("duration")
    try:
        parse_duration(duration)
    except ValueError:
        r.problem(loc + ("duration",), f"duration {written(duration)} is not supported: use a rolling duration in d, w or h, e.g. 28d")
        return None
    return duration


def _convert_composite(r: Reader, data: dict, spec: dict, objects: Objects) -> None:
    """A composite SLO: one member SLO per objective, then the `weighted` composite of them (openslo_composite.py)."""
    name = object_name(data)
    service = r.text(spec.get("service"), ("spec", "service"))
    window = _window(r, spec)
    for key in ("indicator", "indicatorRef"):
        if key in spec:
            r.problem(("spec", key), f"a composite SLO's objectives give their own indicators: drop spec.{key}")
    method = spec.get("budgetingMethod")
    if method != "Occurrences":
        r.problem(("spec", "budgetingMethod"), f"a composite SLO with budgetingMethod {written(method)} is not supported: "
                  "only Occurrences composites (weights multiplying burn rates) have a native form")
    alerting = alert_policies(objects, r, spec, window)
    members: list[tuple[str, Decimal, Decimal]] = []
    converted: list[ConvertedSLO] = []
    objectives = spec["objectives"]
    for index, objective in enumerate(objectives):
        loc = ("spec", "objectives", index)
        objective = r.mapping(objective, loc, (
            "displayName", "op", "value", "target", "targetPercent", "indicator", "indicatorRef", "compositeWeight",
        ))
        sli = objective_indicator(objects, r, objective, loc)
        weight = composite_weight(r, objective, loc)
        percent = _percent(r, objective, loc)
        native_sli = occurrence_sli(objects, r, sli, objective, loc) if sli is not None else None
        if native_sli is None or weight is None or percent is None or service is None or window is None:
            continue
        member = f"{name}-{_slug(objective.get('displayName')) or index}"
        members.append((member, weight, Decimal(str(percent[0]))))
        origins = {(): r.at(loc), ("name",): r.at(loc), ("objective",): r.at(percent[1]), ("window",): r.at(("spec", "timeWindow")),
                   ("sli",): sli[2], ("alerting",): r.at(loc)}  # type: ignore[index]
        slo = {"name": member, "objective": percent[0], "window": window, "sli": native_sli, "alerting": False}
        converted.append(ConvertedSLO(service, slo, origins, r.at(("spec", "service")), indicator=_indicator_name(objective)))
    if alerting is None or service is None or window is None or len(members) != len(objectives) or method != "Occurrences":
        return
    objective_percent, of = composite_objective(members)
    slo = {"name": name, "objective": objective_percent, "window": window, "sli": {"composite": {"method": "weighted", "of": of}},
           "alerting": alerting[0]}
    if spec.get("description"):
        slo["description"] = str(spec["description"])
    labels = _labels(data)
    if labels:
        slo["labels"] = labels
    origins = {(): r.at(()), ("name",): r.at(("metadata", "name")), ("objective",): r.at(("spec", "objectives")),
               ("window",): r.at(("spec", "timeWindow")), ("sli",): r.at(("spec", "objectives")), ("alerting",): r.at(("spec", "alertPolicies"))}
    origins.update(alerting[1])
    r.out.slos.extend(converted + [ConvertedSLO(service, slo, origins, r.at(("spec", "service")))])
