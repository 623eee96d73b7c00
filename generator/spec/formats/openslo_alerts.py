"""OpenSLO alert policies -> the native page and ticket alerts.

`AlertPolicy` burn-rate conditions become tiers of the page (severity page, critical or
high) or ticket (ticket, warning, info, medium or low) alert: `threshold` x
`lookbackWindow` is the budget share, `alertAfter` the `for`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from slogen.spec.durations import parse_duration
from slogen.spec.formats.openslo_objects import ENVELOPE, Objects
from slogen.spec.formats.source import Reader, written
from slogen.spec.calendar_window import CALENDAR_NOMINAL_SECONDS

# OpenSLO leaves severities free; these are the spellings seen (Nobl9 writes High/Medium/Low).
_PAGE = ("page", "critical", "high")
_TICKET = ("ticket", "warning", "info", "medium", "low")


def alert_policies(objects: Objects, r: Reader, spec: dict, window: str | dict | None):
    """(native alerting, origins) from an SLO's alert policies; defaults when there are none."""
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
        resolved = objects.inline_or_ref(r, policy, ("spec", "alertPolicies", index), "AlertPolicy", "alertPolicyRef")
        if resolved is None:
            ok = False
            continue
        for mapped in policy_conditions(objects, *resolved, window):
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


def policy_conditions(objects: Objects, reader: Reader, loc: tuple, policy: dict, window: str | dict | None) -> list:
    """Each condition of an AlertPolicy: (severity, tier, alertAfter, label, origin), or None where it has a problem."""
    reader.mapping(policy, loc, ("kind",) + ENVELOPE, tool="OpenSLO")
    body = reader.mapping(policy.get("spec"), loc + ("spec",), (
        "description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets",
    ))
    out: list = []
    for index, condition in enumerate(reader.sequence(body.get("conditions"), loc + ("spec", "conditions"))):
        resolved = objects.inline_or_ref(reader, condition, loc + ("spec", "conditions", index), "AlertCondition", "conditionRef")
        if resolved is None:
            out.append(None)
            continue
        c_reader, c_loc, condition = resolved
        mapped = burn_rate_condition(c_reader, condition, c_loc, window)
        out.append(None if mapped is None else mapped + (c_reader.at(c_loc),))
    return out


def burn_rate_condition(reader: Reader, condition: Any, loc: tuple, window: str | dict | None):
    """(severity key, tier, alertAfter, severity label) of one burn-rate AlertCondition."""
    condition = reader.mapping(condition, loc, ("kind",) + ENVELOPE, tool="OpenSLO")
    spec = reader.mapping(condition.get("spec"), loc + ("spec",), ("description", "severity", "condition"))
    body = reader.mapping(spec.get("condition"), loc + ("spec", "condition"), ("kind", "op", "threshold", "lookbackWindow", "alertAfter"))
    at = loc + ("spec", "condition")
    # Every field is checked, so one run names every problem of a condition.
    ok = True
    severity = spec.get("severity")
    key = "page" if str(severity).lower() in _PAGE else "ticket" if str(severity).lower() in _TICKET else None
    if severity is None:
        reader.problem(loc + ("spec", "severity"), "severity is required: page, critical or high (page alert), ticket, warning, info, medium or low (ticket alert)")
    elif key is None:
        reader.problem(loc + ("spec", "severity"), f"severity {written(severity)} is not one slogen maps: use page, critical or high (page alert), ticket, warning, info, medium or low (ticket alert)")
    if body.get("kind", "burnrate") != "burnrate":
        reader.problem(at + ("kind",), f"condition kind {written(body.get('kind'))} is not supported: only burnrate")
        ok = False
    op = body.get("op")
    if op is None:
        reader.problem(at + ("op",), "op is required: gt or gte (a burn-rate alert fires when the rate is above the threshold)")
    elif op not in ("gt", "gte"):
        reader.problem(at + ("op",), f"op {written(op)} is not supported: a burn-rate alert fires when the rate is above the threshold (gt or gte)")
    threshold, lookback = body.get("threshold"), body.get("lookbackWindow")
    if threshold is None:
        reader.problem(at + ("threshold",), "threshold is required: a positive burn rate, e.g. 14.4")
    elif not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or threshold <= 0:
        reader.problem(at + ("threshold",), "threshold must be a positive burn rate, e.g. 14.4")
        ok = False
    long_window = None
    if lookback is None:
        reader.problem(at + ("lookbackWindow",), "lookbackWindow is required: a duration like 1h")
    else:
        try:
            long_window = parse_duration(lookback)
        except ValueError:
            reader.problem(at + ("lookbackWindow",), f"lookbackWindow {written(lookback)} is not a duration like 1h")
    after = body.get("alertAfter") or ""
    if after:
        try:
            if parse_duration(after) == 0:
                after = ""
        except ValueError:
            if after not in ("0", "0m", "0s"):
                reader.problem(at + ("alertAfter",), f"alertAfter {written(after)} is not a duration like 5m")
                ok = False
            after = ""
    if not ok or key is None or op not in ("gt", "gte") or threshold is None or long_window is None:
        return None
    if window is None:
        return None
    # burn rate x lookback / period = the share of the budget the lookback window spends.
    period = parse_duration(window) if isinstance(window, str) else CALENDAR_NOMINAL_SECONDS[window["calendar"]]
    share = Decimal(str(threshold)) * long_window / period * 100
    return key, {"budget_percent": share.normalize(), "long_window": lookback}, after, severity
