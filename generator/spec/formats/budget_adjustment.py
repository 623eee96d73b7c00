"""Budget adjustments -> slogen exclusions: Nobl9 `BudgetAdjustment` (n9/v1alpha) and OpenSLO
v2alpha `BudgetAdjustment`.

An adjustment names SLOs that other documents define; here it becomes exclusion entries
(native dicts, with where each part came from) and the SLOs it names. spec/adjustment_join.py
attaches them to the run's specs.

* Nobl9: `firstEventStart` + `duration` is a one-off; with `rrule` (rrule.py) recurring
  windows in UTC; `description` (else the display name, else the name) is the reason;
  `filters.slos[]` name the SLOs by `name` and `project`. `overrides` are refused.
* OpenSLO v2alpha: `startTime` + `endTime` or `duration` is a one-off; `description` the
  reason; the SLOs are those of `service` that read the SLI `indicatorRef`.

Both leave the excluded events out (`count_as: absent`, slogen's default tail).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from slogen.spec.errors import Loc
from slogen.spec.formats.rrule import RuleError, parse_rrule
from slogen.spec.formats.source import Conversion, LocatedProblem, Origin, Reader, written

NOBL9 = "n9/v1alpha"
OPENSLO = ("openslo/v2alpha", "openslo.com/v2alpha")
KIND = "BudgetAdjustment"
# slogen's `reason` is at most this long; both tools allow 1050 characters.
_REASON = 500
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": Decimal("1e-9"), "us": Decimal("1e-6"), "µs": Decimal("1e-6"), "ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600)}
_SHORTHAND = re.compile(r"^(\d+)(m|h|d|w)$")
_SHORTHAND_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def is_budget_adjustment(data: Any) -> bool:
    """A Nobl9 or OpenSLO v2alpha BudgetAdjustment object."""
    return isinstance(data, dict) and data.get("kind") == KIND and (data.get("apiVersion") == NOBL9 or data.get("apiVersion") in OPENSLO)


@dataclass(frozen=True)
class SLORef:
    """An SLO an adjustment names: Nobl9 (`name`, `project`) or OpenSLO (`indicator`, `service`)."""

    tool: str  # "Nobl9" or "OpenSLO"
    name: str  # Nobl9: the SLO's name; OpenSLO: the SLI's (indicatorRef)
    scope: str  # Nobl9: the project; OpenSLO: the service
    origin: Origin  # where the reference is written
    scope_origin: Origin


@dataclass
class Adjustment:
    """One adjustment document: its exclusion entries (with their origins) and the SLOs they go to."""

    doc: tuple[str, int]
    exclusions: list[tuple[dict, dict[Loc, Origin]]] = field(default_factory=list)
    targets: list[SLORef] = field(default_factory=list)
    warnings: list[LocatedProblem] = field(default_factory=list)


def convert_adjustments(documents: list[tuple[tuple[str, int], dict]]) -> tuple[list[Adjustment], list[LocatedProblem]]:
    """Every adjustment document -> Adjustments; problems for what does not map."""
    out = Conversion()
    adjustments = []
    for key, data in documents:
        reader = Reader(key, out)
        adjustment = _nobl9(reader, data) if data.get("apiVersion") == NOBL9 else _openslo(reader, data)
        if adjustment is not None:
            # The document's own warnings (keys its tool ignores) go to the SLOs it adjusts.
            adjustment.warnings[:0] = out.warnings
            adjustments.append(adjustment)
        out.warnings = []
    return adjustments, out.problems


def _nobl9(r: Reader, data: dict) -> Adjustment | None:
    r.mapping(data, (), ("apiVersion", "kind", "metadata", "spec", "organization", "manifestSrc"), tool="Nobl9")
    meta = r.mapping(data.get("metadata"), ("metadata",), ("name", "displayName"))
    name = r.text(meta.get("name"), ("metadata", "name"))
    spec = r.mapping(data.get("spec"), ("spec",), ("description", "firstEventStart", "duration", "rrule", "filters", "overrides"))
    if "overrides" in spec:
        r.problem(("spec", "overrides"), "overrides (an event left out or moved) have no slogen form: a recurring `every:` "
                  "repeats alike; write the changed events as one-off exclusions")
    first = _timestamp(r, spec.get("firstEventStart"), ("spec", "firstEventStart"))
    seconds = _go_duration(r, spec.get("duration"), ("spec", "duration"))
    filters = r.mapping(spec.get("filters"), ("spec", "filters"), ("slos",))
    refs = r.sequence(filters.get("slos"), ("spec", "filters", "slos"))
    if not refs:
        r.problem(("spec", "filters", "slos") if "slos" in filters else ("spec", "filters") if "filters" in spec else ("spec",),
                  "filters.slos must name at least one SLO (name and project)")
    targets = []
    for index, ref in enumerate(refs):
        loc = ("spec", "filters", "slos", index)
        ref = r.mapping(ref, loc, ("name", "project"))
        slo, project = r.text(ref.get("name"), loc + ("name",)), r.text(ref.get("project"), loc + ("project",))
        if slo is not None and project is not None:
            targets.append(SLORef("Nobl9", slo, project, r.at(loc + ("name",)), r.at(loc + ("project",))))
    every = None
    rule = spec.get("rrule")
    if rule not in (None, "") and first is not None and seconds is not None:
        text = r.text(rule, ("spec", "rrule"))
        try:
            every = parse_rrule(text, first, seconds).every if text is not None else None
        except RuleError as err:
            r.problem(("spec", "rrule"), f"rrule {written(text)}: {err}")
            return None
    reason = _reason(r, spec, ("spec", "description"), meta.get("displayName") or name)
    if first is None or seconds is None or name is None or reason is None:
        return None
    out = Adjustment(r.doc, targets=targets)
    if every is None:
        end = first + timedelta(seconds=seconds)
        entry = {"reason": reason[0], "from": _iso(first), "to": _iso(end)}
        out.exclusions.append((entry, {(): r.at(("spec",)), ("from",): r.at(("spec", "firstEventStart")), ("to",): r.at(("spec", "duration")),
                                       ("reason",): reason[1]}))
        return out
    for shape in every:
        # A window's length is checked on `every` as a whole: its problems are the duration's.
        origins = {(): r.at(("spec", "rrule")), ("every",): r.at(("spec", "duration")), ("tail",): r.at(("spec", "duration")), ("reason",): reason[1]}
        out.exclusions.append(({"reason": reason[0], "every": shape}, origins))
    out.warnings.append(r.warning(("spec", "firstEventStart"), "a recurring `every:` has no first date: slogen leaves out every "
                                  "occurrence once the rules run, before firstEventStart too"))
    return out


def _openslo(r: Reader, data: dict) -> Adjustment | None:
    r.mapping(data, (), ("apiVersion", "kind", "metadata", "spec"), tool="OpenSLO")
    meta = r.mapping(data.get("metadata"), ("metadata",), ("name", "labels", "annotations"))
    name = r.text(meta.get("name"), ("metadata", "name"))
    spec = r.mapping(data.get("spec"), ("spec",), ("description", "service", "indicatorRef", "startTime", "endTime", "duration"))
    service = r.text(spec.get("service"), ("spec", "service"))
    indicator = r.text(spec.get("indicatorRef"), ("spec", "indicatorRef"))
    start = _timestamp(r, spec.get("startTime"), ("spec", "startTime"))
    end: datetime | None = None
    if ("endTime" in spec) == ("duration" in spec):
        r.problem(("spec",), "give one of endTime or duration" + (", not both" if "endTime" in spec else ""))
    elif "endTime" in spec:
        end = _timestamp(r, spec["endTime"], ("spec", "endTime"))
    elif start is not None:
        seconds = _shorthand(r, spec["duration"], ("spec", "duration"))
        end = start + timedelta(seconds=seconds) if seconds is not None else None
    if start is not None and end is not None and end <= start:
        r.problem(("spec", "endTime"), f"endTime {_iso(end)} must be after startTime {_iso(start)}")
        return None
    reason = _reason(r, spec, ("spec", "description"), None)
    if None in (name, service, indicator, start, end, reason):
        return None
    assert start is not None and end is not None and reason is not None and service is not None and indicator is not None
    to = ("spec", "endTime") if "endTime" in spec else ("spec", "duration")
    entry = {"reason": reason[0], "from": _iso(start), "to": _iso(end)}
    origins = {(): r.at(("spec",)), ("from",): r.at(("spec", "startTime")), ("to",): r.at(to), ("reason",): reason[1]}
    target = SLORef("OpenSLO", indicator, service, r.at(("spec", "indicatorRef")), r.at(("spec", "service")))
    return Adjustment(r.doc, [(entry, origins)], [target])


def _reason(r: Reader, spec: dict, loc: Loc, fallback: Any) -> tuple[str, Origin] | None:
    """The description as the exclusion's reason (shortened to slogen's 500 characters, with a warning)."""
    text = spec.get("description")
    if text in (None, "") and fallback:
        return str(fallback), r.at(("metadata",))
    text = r.text(text, loc)
    if text is None:
        return None
    text = " ".join(text.split())
    if len(text) > _REASON:
        r.out.warnings.append(r.warning(loc, f"the description is shortened to slogen's {_REASON} characters for the exclusion's reason"))
        text = text[: _REASON - 1] + "…"
    return text, r.at(loc)


def _timestamp(r: Reader, value: Any, loc: Loc) -> datetime | None:
    """An RFC 3339 time with an offset, to the second, as UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            r.problem(loc, f"{written(value)} is not an RFC 3339 time, e.g. 2024-02-05T05:00:00Z")
            return None
    if not isinstance(value, datetime):
        r.problem(loc, "required key is missing" if value is None else f"{written(value)} is not an RFC 3339 time, e.g. 2024-02-05T05:00:00Z")
        return None
    if value.tzinfo is None:
        r.problem(loc, f"{written(value)} needs an offset (Z for UTC)")
        return None
    if value.microsecond:
        r.problem(loc, f"{written(value)}: give the time to the second")
        return None
    return value.astimezone(timezone.utc)


def _go_duration(r: Reader, value: Any, loc: Loc) -> int | None:
    """A Go duration (`1h`, `1h30m`, `90m0s`) in whole seconds, at least a minute (Nobl9's rule)."""
    text = r.text(value, loc)
    if text is None:
        return None
    parts = _GO_PART.findall(text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        r.problem(loc, f"duration {written(value)} is not a duration such as 1h or 1h30m")
        return None
    seconds = sum(Decimal(number) * _GO_UNITS[unit] for number, unit in parts)
    if seconds != seconds.to_integral_value() or seconds < 60:
        r.problem(loc, f"duration {written(value)} must be whole seconds, at least 1m")
        return None
    return int(seconds)


def _shorthand(r: Reader, value: Any, loc: Loc) -> int | None:
    """An OpenSLO duration-shorthand of fixed length (m, h, d, w) in seconds."""
    match = _SHORTHAND.match(str(value).strip()) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if match is None or int(match.group(1)) <= 0:
        r.problem(loc, f"duration {written(value)} is not supported: use a positive number of m, h, d or w, e.g. 2h "
                  "(calendar units M, Q, Y have no fixed length)")
        return None
    return int(match.group(1)) * _SHORTHAND_UNITS[match.group(2)]


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
