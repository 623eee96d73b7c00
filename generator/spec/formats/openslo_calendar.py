"""OpenSLO calendar windows and Timeslices / RatioTimeslices budgeting -> native spec.

* `timeWindow: [{duration: 1w|1M|1Q, isRolling: false, calendar: {timeZone, startTime}}]`
  -> `window: {calendar: week|month|quarter, time_zone, starts}`: a week starts on
  startTime's weekday and time; months and quarters on the 1st at 00:00 (startTime's
  month picks the quarters' phase);
* `Timeslices`: a slice (`timeSliceWindow`, minutes or a duration) is good when its
  good/total ratio is at least `timeSliceTarget` (error ratio at most 1 - it), or when
  a thresholdMetric's value meets the objective's `op`/`value`;
* `RatioTimeslices`: each slice counts as its success ratio (`ratio_of`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from slogen.spec.calendar_window import QUARTER_START_MONTHS, WEEKDAY_NAMES
from slogen.spec.durations import format_duration, parse_duration
from slogen.spec.formats.openslo_objects import Objects
from slogen.spec.formats.openslo_sli import NEGATE, SLISpec, counter_rates, is_selector, query_source
from slogen.spec.formats.source import Reader, normalise_window, written

_UNITS = {"1w": "week", "7d": "week", "1M": "month", "1Q": "quarter", "3M": "quarter"}


def calendar_window(r: Reader, window: dict, loc: tuple) -> dict | None:
    """The native calendar window of an OpenSLO `isRolling: false` time window."""
    duration = window.get("duration")
    unit = _UNITS.get(str(duration))
    if unit is None:
        r.problem(loc + ("duration",), f"calendar duration {written(duration)} is not supported: use 1w, 1M or 1Q")
        return None
    calendar = window.get("calendar") or {}
    if not isinstance(calendar, dict):
        r.problem(loc + ("calendar",), "calendar must be a mapping with timeZone and startTime")
        return None
    out: dict[str, Any] = {"calendar": unit, "time_zone": str(calendar.get("timeZone") or "UTC")}
    start = calendar.get("startTime")
    if start is None:
        return out
    at = loc + ("calendar", "startTime")
    try:
        moment = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
    except ValueError:
        r.problem(at, f"startTime {written(start)} is not a date and time like 2022-01-01 00:00:00")
        return None
    if moment.second:
        r.problem(at, f"startTime {written(start)}: a period starts on a whole minute")
        return None
    if unit == "week":
        out["starts"] = f"{WEEKDAY_NAMES[moment.weekday()]} {moment:%H:%M}"
    elif moment.day != 1 or moment.hour or moment.minute:
        r.problem(at, f"startTime {written(start)}: calendar months and quarters start on the 1st at 00:00")
        return None
    elif unit == "quarter":
        out["starts"] = QUARTER_START_MONTHS[(moment.month - 1) % 3]
    return out


def _slice(r: Reader, objective: dict, loc: tuple) -> str | None:
    value = objective.get("timeSliceWindow")
    if value is None:
        r.problem(loc, "Timeslices budgeting needs timeSliceWindow on each objective")
        return None
    try:
        seconds = value * 60 if isinstance(value, int) and not isinstance(value, bool) else parse_duration(str(value))
    except ValueError:
        seconds = 0
    if not seconds or seconds % 60 or 3600 % seconds:
        r.problem(loc + ("timeSliceWindow",), f"timeSliceWindow {written(value)} is not supported: slices are whole minutes dividing 1h, e.g. 1m or 5m")
        return None
    return format_duration(seconds)


def _target(r: Reader, objective: dict, loc: tuple) -> Decimal | None:
    value = objective.get("timeSliceTarget")
    try:
        if isinstance(value, bool) or value is None:
            raise InvalidOperation
        target = Decimal(str(value))
        if not 0 < target <= 1:
            raise InvalidOperation
    except InvalidOperation:
        r.problem(loc + ("timeSliceTarget",) if "timeSliceTarget" in objective else loc, "Timeslices needs timeSliceTarget between 0 (exclusive) and 1, e.g. 0.99")
        return None
    return target


def timeslices_sli(objects: Objects, slo_reader: Reader, sli: SLISpec, objective: dict, loc: tuple, method: str) -> dict | None:
    """The native timeslice SLI of one objective of a Timeslices or RatioTimeslices SLO (`slo_reader`: the SLO's document)."""
    spec, reader, _, base = sli
    slice_ = _slice(slo_reader, objective, loc)
    if "thresholdMetric" in spec:
        query = query_source(reader, spec["thresholdMetric"], base + ("thresholdMetric",), objects)
        op, value = objective.get("op"), objective.get("value")
        if method != "Timeslices":
            slo_reader.problem(loc, f"{method} needs a ratioMetric: a threshold has no success ratio per slice")
            return None
        if op not in NEGATE or not isinstance(value, (int, float)) or isinstance(value, bool):
            slo_reader.problem(loc, "a thresholdMetric objective needs op (lte, lt, gte or gt) and a numeric value")
            return None
        if query is None or slice_ is None:
            return None
        return {"timeslices": {"slice": slice_, "good_when": {"query": normalise_window(query), "op": op, "threshold": value}}}
    ratio_loc = base + ("ratioMetric",)
    ratio = spec["ratioMetric"]
    if not isinstance(ratio, dict) or "raw" in ratio or ("good" in ratio) == ("bad" in ratio) or "total" not in ratio:
        reader.problem(ratio_loc, f"{method} needs a ratioMetric with total and exactly one of good or bad")
        return None
    which = "good" if "good" in ratio else "bad"
    part = query_source(reader, ratio[which], ratio_loc + (which,), objects)
    total = query_source(reader, ratio["total"], ratio_loc + ("total",), objects)
    target = _target(slo_reader, objective, loc) if method == "Timeslices" else Decimal(1)
    if part is None or total is None or slice_ is None or target is None:
        return None
    if is_selector(part) and is_selector(total):
        counters = {"good" if which == "good" else "errors": part.strip(), "total": total.strip()}
        if method == "RatioTimeslices":
            return {"timeslices": {"slice": slice_, "ratio_of": counters}}
        return {"timeslices": {"slice": slice_, "good_when": {"ratio": counters, "op": "lte", "threshold": float(1 - target)}}}
    if method == "RatioTimeslices":
        reader.problem(ratio_loc, "RatioTimeslices needs plain counter selectors for good (or bad) and total")
        return None
    # Rate queries (a fixed range or {{window}}, the slice): the slice's success ratio; counters
    # (`counter: true`) are rated over the slice, as the Occurrences path rates them over its window.
    rates = counter_rates(reader, ratio_loc, ratio, which, part, total)
    if rates is None:
        return None
    part, total = rates
    good = f"({part}) / ({total})" if which == "good" else f"1 - ({part}) / ({total})"
    return {"timeslices": {"slice": slice_, "good_when": {"query": good, "op": "gte", "threshold": float(target)}}}
