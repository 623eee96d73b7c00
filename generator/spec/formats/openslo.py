"""OpenSLO -> native SLOs: `openslo/v1` (SLO, SLI, AlertPolicy, AlertCondition, DataSource
objects, referring to each other by name across files) and Sloth's `openslo/v1alpha`.

Mapping (v1):

* one native SLO per objective (named after the SLO, `-<displayName or index>` when
  there are several); `target` (0-1) or `targetPercent`;
* `ratioMetric` good|bad / total: plain counter selectors become a `ratio` SLI; PromQL
  rate queries over `{{window}}` become a `query` SLI (errors = total - good);
  `rawType`/`raw` ratios a time-weighted `query` SLI;
* `thresholdMetric` with the objective's `op`/`value`: every series of the query at
  every evaluation is one event, a bad one when the threshold does not hold;
* rolling `timeWindow` -> window; `AlertPolicy` burn-rate conditions -> tiers of the page
  (severity page/critical) or ticket (ticket/warning/info) alert: `threshold` x
  `lookbackWindow` is the budget share, `alertAfter` the `for`;
* calendar windows (`isRolling: false`, `1w`/`1M`/`1Q` with `calendar.timeZone` and
  `startTime`) and `Timeslices`/`RatioTimeslices` budgeting map onto native calendar
  windows and timeslice SLIs (openslo_calendar.py); composite objectives are refused.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from slogen.spec.durations import parse_duration
from slogen.spec.formats.openslo_calendar import calendar_window, timeslices_sli
from slogen.spec.formats.source import Conversion, ConvertedSLO, Reader, good_total_errors, normalise_window, raw_ratio_sli
from slogen.spec.model import CALENDAR_NOMINAL_SECONDS
from slogen.spec.promql import SLIError, parse_selector

V1 = "openslo/v1"
V1ALPHA = "openslo/v1alpha"
_KINDS = ("SLO", "SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource", "Service")
# OpenSLO leaves severities free; these are the spellings seen (Nobl9 writes High/Medium/Low).
_PAGE = ("page", "critical", "high")
_TICKET = ("ticket", "warning", "info", "medium", "low")
_NEGATE = {"lte": ">", "lt": ">=", "gte": "<", "gt": "<="}
_METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
_ENVELOPE = ("apiVersion", "kind", "metadata", "spec")


def is_openslo(data: Any) -> bool:
    """An OpenSLO v1 object, or a Sloth-era v1alpha SLO."""
    if not isinstance(data, dict):
        return False
    return (data.get("apiVersion") == V1 and data.get("kind") in _KINDS) or (data.get("apiVersion") == V1ALPHA and data.get("kind") == "SLO")


def _name(data: dict) -> Any:
    meta = data.get("metadata")
    return meta.get("name") if isinstance(meta, dict) else None


def convert_openslo(documents: list[tuple[tuple[str, int], dict]]) -> Conversion:
    """Every OpenSLO document of the spec tree -> native SLOs; references resolve across files."""
    out = Conversion()
    objects: dict[tuple[str, str], tuple[tuple[str, int], dict]] = {}
    for key, data in documents:
        if data.get("apiVersion") != V1:
            continue
        name = _name(data)
        if not isinstance(name, str) or not name:
            Reader(key, out).problem(("metadata",), "metadata.name is required")
            continue
        if not isinstance(data.get("kind"), str):
            continue
        if (data["kind"], name) in objects:
            first = objects[(data["kind"], name)][0]
            Reader(key, out).problem(("metadata", "name"), f"{data['kind']} {name!r} is already defined in {first[0]}")
            continue
        objects[(data["kind"], name)] = (key, data)
    for key, data in documents:
        if data.get("kind") != "SLO":
            continue
        if data.get("apiVersion") == V1ALPHA:
            _v1alpha(Reader(key, out), data)
        else:
            _SLO(Reader(key, out), data, objects, out).convert()
    # Every object is checked, referenced or not: a policy nobody uses yet is still wrong
    # now, not when an SLO first refers to it.  (A referenced one's problems repeat; the
    # loader keeps each located problem once.)
    for (kind, _), (key, data) in sorted(objects.items(), key=lambda item: item[1][0]):
        checker = _SLO(Reader(key, out), {}, objects, out)
        if kind == "AlertPolicy":
            checker.policy(checker.reader, (), data, None)
        elif kind == "AlertCondition":
            _condition(checker.reader, data, (), None)
        elif kind == "SLI":
            checker.reader.mapping(data, (), _ENVELOPE)
            checker.indicator_spec(checker.reader, (), data.get("spec"))
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


def _query_source(reader: Reader, source: Any, loc: tuple, objects: dict) -> str | None:
    """The PromQL of `{metricSource: ...}`, checking that it is a Prometheus one."""
    wrapper = reader.mapping(source, loc, ("metricSource",))
    loc = loc + ("metricSource",)
    source = reader.mapping(wrapper.get("metricSource"), loc, ("metricSourceRef", "type", "spec"))
    kind = source.get("type")
    if kind is None and source.get("metricSourceRef"):
        name = source["metricSourceRef"]
        ref = objects.get(("DataSource", name)) if isinstance(name, str) else None
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


def _is_selector(query: str) -> bool:
    try:
        parse_selector(query, "query")
        return True
    except SLIError:
        return False


class _SLO:
    """One OpenSLO v1 SLO object, with the objects it refers to."""

    def __init__(self, reader: Reader, data: dict, objects: dict, out: Conversion):
        self.reader, self.data, self.objects, self.out = reader, data, objects, out

    def convert(self) -> None:
        """Append one native SLO per objective, or problems."""
        r, data = self.reader, self.data
        r.mapping(data, (), _ENVELOPE)
        spec = r.mapping(data.get("spec"), ("spec",), (
            "description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives", "alertPolicies",
        ))
        name = _name(data)
        service = r.text(spec.get("service"), ("spec", "service"))
        window = self._window(spec)
        method = spec.get("budgetingMethod")
        if method not in _METHODS:
            r.problem(("spec", "budgetingMethod"),
                      "budgetingMethod is required: Occurrences, Timeslices or RatioTimeslices" if method is None else
                      f"budgetingMethod {method!r} is not supported: use Occurrences, Timeslices or RatioTimeslices")
        sli = self._indicator(spec)
        alerting = self._alerting(spec, window)
        objectives = spec.get("objectives")
        if not isinstance(objectives, list) or not objectives:
            r.problem(("spec", "objectives"), "at least one objective is required")
            return
        labels = self._labels()
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
            for key in ("indicator", "indicatorRef", "compositeWeight"):
                if key in objective:
                    r.problem(loc + (key,), f"{key} is not supported: composite SLOs do not map onto one SLI")
            percent = _percent(r, objective, loc)
            # Checked whatever else is wrong, so one run reports every problem.
            if sli is None:
                native_sli = None
            elif method == "Occurrences":
                native_sli = self._native_sli(sli, objective, loc)
            elif method in _METHODS:
                native_sli = timeslices_sli(self, sli, objective, loc, method)
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
            self.out.slos.append(ConvertedSLO(service, slo, origins, r.at(("spec", "service"))))

    def _labels(self) -> dict[str, str]:
        meta = self.data.get("metadata")
        labels = meta.get("labels") if isinstance(meta, dict) else None
        if not isinstance(labels, dict):
            return {}
        # OpenSLO label values may be lists; a Prometheus label holds one string.  OpenSLO
        # keys may hold '-' or '.', which Prometheus label names may not: they become '_'.
        return {_label_name(k): ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in labels.items()}

    def _window(self, spec: dict) -> str | dict | None:
        r = self.reader
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
            r.problem(loc + ("duration",), f"duration {duration!r} is not supported: use a rolling duration in d, w or h, e.g. 28d")
            return None
        return duration

    def _lookup(self, reader: Reader, kind: str, ref: Any, loc: tuple) -> tuple[tuple[str, int], dict] | None:
        """The object a reference names, or a problem where the reference is written."""
        if not isinstance(ref, str) or not ref:
            reader.problem(loc, f"expected the name of a {kind}")
            return None
        hit = self.objects.get((kind, ref))
        if hit is None:
            reader.problem(loc, f"no {kind} named {ref!r} in the spec files")
        return hit

    def _inline_or_ref(self, reader: Reader, item: Any, loc: tuple, kind: str, ref_key: str):
        """(reader, loc, object) of an inline object, or of the one `ref_key` names; None when unknown."""
        if isinstance(item, dict) and ref_key in item:
            hit = self._lookup(reader, kind, item[ref_key], loc + (ref_key,))
            if hit is None:
                return None
            return Reader(hit[0], self.out), (), hit[1]
        if not isinstance(item, dict):
            shown = f"{item!r}" if isinstance(item, str) else "a name"
            reader.problem(loc, f"expected an inline {kind} or a reference `{ref_key}: {shown}`")
            return None
        return reader, loc, item

    def _indicator(self, spec: dict):
        """(SLI spec, its Reader, its origin) from an inline indicator or an indicatorRef."""
        r = self.reader
        if ("indicator" in spec) == ("indicatorRef" in spec):
            r.problem(("spec",), "give one of indicator or indicatorRef")
            return None
        if "indicator" in spec:
            reader, base = r, ("spec", "indicator")
            inline = r.mapping(spec["indicator"], base, ("metadata", "spec"))
            sli = inline.get("spec")
        else:
            hit = self._lookup(r, "SLI", spec["indicatorRef"], ("spec", "indicatorRef"))
            if hit is None:
                return None
            reader, base = Reader(hit[0], self.out), ()
            reader.mapping(hit[1], (), _ENVELOPE)
            sli = hit[1].get("spec")
        # Timeslice budgets read their own query shapes (a slice's ratio over a fixed range);
        # openslo_calendar.timeslices_sli checks those, not the occurrence shapes.
        return self.indicator_spec(reader, base, sli, occurrences=spec.get("budgetingMethod") not in ("Timeslices", "RatioTimeslices"))

    def indicator_spec(self, reader: Reader, base: tuple, sli: Any, occurrences: bool = True):
        """(SLI spec, its Reader, its origin, its path) of an SLI's `spec`; its metric sources checked
        as an occurrence SLI would use them (unless a timeslice SLO reads it)."""
        sli = reader.mapping(sli, base + ("spec",), ("description", "thresholdMetric", "ratioMetric"))
        given = [k for k in ("thresholdMetric", "ratioMetric") if k in sli]
        if len(given) != 1:
            reader.problem(base + ("spec",), "an SLI needs exactly one of thresholdMetric or ratioMetric")
            return None
        found = (sli, reader, reader.at(base + ("spec", given[0])), base + ("spec",))
        return found if not occurrences or self._sources(found) else None

    def _sources(self, sli) -> bool:
        """Whether an SLI's metric sources are usable, checked as an SLO would use them."""
        return self._native_sli(sli, {"op": "lt", "value": 0}, ()) is not None

    def _native_sli(self, sli, objective: dict, objective_loc: tuple) -> dict | None:
        spec, reader, _, base = sli
        if "thresholdMetric" in spec:
            query = _query_source(reader, spec["thresholdMetric"], base + ("thresholdMetric",), self.objects)
            op, value = objective.get("op"), objective.get("value")
            if op not in _NEGATE:
                self.reader.problem(objective_loc + ("op",), "a thresholdMetric objective needs op: lte, lt, gte or gt")
                return None
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                self.reader.problem(objective_loc + ("value",), "a thresholdMetric objective needs a numeric value")
                return None
            if query is None:
                return None
            text = normalise_window(query)
            return {"query": {"errors": f"({text}) {_NEGATE[op]} bool {value!r}", "total": f"count({text})"}}
        loc = base + ("ratioMetric",)
        ratio = reader.mapping(spec["ratioMetric"], loc, ("counter", "good", "bad", "total", "rawType", "raw"))
        if "raw" in ratio:
            query = _query_source(reader, ratio["raw"], loc + ("raw",), self.objects)
            if ratio.get("rawType") not in ("success", "failure"):
                reader.problem(loc + ("rawType",), "rawType must be success or failure")
                return None
            return None if query is None else {"query": raw_ratio_sli(query, success=ratio["rawType"] == "success")}
        if ("good" in ratio) == ("bad" in ratio) or "total" not in ratio:
            reader.problem(loc, "ratioMetric needs total and exactly one of good or bad")
            return None
        which = "good" if "good" in ratio else "bad"
        part = _query_source(reader, ratio[which], loc + (which,), self.objects)
        total = _query_source(reader, ratio["total"], loc + ("total",), self.objects)
        if part is None or total is None:
            return None
        if _is_selector(part) and _is_selector(total):
            return {"ratio": {"good" if which == "good" else "errors": part.strip(), "total": total.strip()}}
        part, total = normalise_window(part), normalise_window(total)
        if "{{window}}" not in part + total:
            reader.problem(loc, "queries must be plain counter selectors, or rate queries over {{window}}, e.g. sum(rate(x[{{window}}]))")
            return None
        errors = part if which == "bad" else good_total_errors(part, total)
        return {"query": {"errors": errors, "total": total}}

    def policy(self, reader: Reader, loc: tuple, policy: dict, window: str | None) -> list:
        """Each condition of an AlertPolicy: (severity, tier, alertAfter, label, origin), or None where it has a problem."""
        reader.mapping(policy, loc, ("kind",) + _ENVELOPE)
        body = reader.mapping(policy.get("spec"), loc + ("spec",), (
            "description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets",
        ))
        out: list = []
        for index, condition in enumerate(reader.sequence(body.get("conditions"), loc + ("spec", "conditions"))):
            resolved = self._inline_or_ref(reader, condition, loc + ("spec", "conditions", index), "AlertCondition", "conditionRef")
            if resolved is None:
                out.append(None)
                continue
            c_reader, c_loc, condition = resolved
            mapped = _condition(c_reader, condition, c_loc, window)
            out.append(None if mapped is None else mapped + (c_reader.at(c_loc),))
        return out

    def _alerting(self, spec: dict, window: str | None):
        """(native alerting, origins) from the alert policies; defaults when there are none."""
        r = self.reader
        policies = spec.get("alertPolicies")
        if not policies:
            return {}, {}
        if not isinstance(policies, list):
            r.problem(("spec", "alertPolicies"), "expected a list")
            return None
        tiers: dict[str, list] = {"page": [], "ticket": []}
        fors: dict[str, set] = {"page": set(), "ticket": set()}
        labels: dict[str, dict] = {"page": {}, "ticket": {}}
        origins: dict = {}
        ok = True
        for index, policy in enumerate(policies):
            resolved = self._inline_or_ref(r, policy, ("spec", "alertPolicies", index), "AlertPolicy", "alertPolicyRef")
            if resolved is None:
                ok = False
                continue
            for mapped in self.policy(*resolved, window):
                if mapped is None:
                    ok = False
                    continue
                severity, tier, after, label, origin = mapped
                origins[("alerting", severity, "tiers", len(tiers[severity]))] = origin
                tiers[severity].append(tier)
                fors[severity].add(after)
                labels[severity] = {"severity": label}
        for severity in ("page", "ticket"):
            if len(fors[severity]) > 1:
                r.problem(("spec", "alertPolicies"), f"the {severity} conditions have different alertAfter durations; slogen's {severity} alert has one `for`")
                ok = False
        if not ok:
            return None
        out: dict[str, Any] = {}
        for severity in ("page", "ticket"):
            if not tiers[severity]:
                out[severity] = False
                continue
            out[severity] = {"labels": labels[severity], "tiers": tiers[severity]}
            after = next(iter(fors[severity]))
            if after:
                out[severity]["for"] = after
        return out, origins


def _condition(reader: Reader, condition: Any, loc: tuple, window: str | None):
    """(severity key, tier, alertAfter, severity label) of one burn-rate AlertCondition."""
    condition = reader.mapping(condition, loc, ("kind",) + _ENVELOPE)
    spec = reader.mapping(condition.get("spec"), loc + ("spec",), ("description", "severity", "condition"))
    body = reader.mapping(spec.get("condition"), loc + ("spec", "condition"), ("kind", "op", "threshold", "lookbackWindow", "alertAfter"))
    at = loc + ("spec", "condition")
    severity = str(spec.get("severity", ""))
    key = "page" if severity.lower() in _PAGE else "ticket" if severity.lower() in _TICKET else None
    if key is None:
        reader.problem(loc + ("spec", "severity"), f"severity {severity!r} is not one slogen maps: use page, critical or high (page alert), ticket, warning, info, medium or low (ticket alert)")
        return None
    if body.get("kind", "burnrate") != "burnrate":
        reader.problem(at + ("kind",), f"condition kind {body.get('kind')!r} is not supported: only burnrate")
        return None
    if body.get("op") not in ("gt", "gte"):
        reader.problem(at + ("op",), f"op {body.get('op')!r} is not supported: a burn-rate alert fires when the rate is above the threshold (gt or gte)")
        return None
    threshold, lookback = body.get("threshold"), body.get("lookbackWindow")
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or threshold <= 0:
        reader.problem(at + ("threshold",), "threshold must be a positive burn rate, e.g. 14.4")
        return None
    try:
        long_window = parse_duration(lookback)
    except ValueError:
        reader.problem(at + ("lookbackWindow",), f"lookbackWindow {lookback!r} is not a duration like 1h")
        return None
    after = body.get("alertAfter") or ""
    if after:
        try:
            if parse_duration(after) == 0:
                after = ""
        except ValueError:
            if after not in ("0", "0m", "0s"):
                reader.problem(at + ("alertAfter",), f"alertAfter {after!r} is not a duration like 5m")
                return None
            after = ""
    if window is None:
        return None
    # burn rate x lookback / period = the share of the budget the lookback window spends.
    period = parse_duration(window) if isinstance(window, str) else CALENDAR_NOMINAL_SECONDS[window["calendar"]]
    share = Decimal(str(threshold)) * long_window / period * 100
    return key, {"budget_percent": share.normalize(), "long_window": lookback}, after, severity


def _v1alpha(reader: Reader, data: dict) -> None:
    """Sloth's openslo/v1alpha SLOs: one SLO `<name>-<index>` per ratio objective, as Sloth names them."""
    reader.mapping(data, (), _ENVELOPE)
    spec = reader.mapping(data.get("spec"), ("spec",), ("service", "description", "budgetingMethod", "objectives", "timeWindows"))
    name, service = _name(data), reader.text(spec.get("service"), ("spec", "service"))
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
        reader.problem(("spec", "budgetingMethod"), f"budgetingMethod {spec['budgetingMethod']!r} is not supported: slogen budgets by occurrences")
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
