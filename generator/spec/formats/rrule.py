"""An RFC 5545 RRULE (the subset Nobl9's budget adjustments take) -> slogen's recurring windows.

slogen's `every:` is a weekly or monthly window on a zone's wall clock, with no first or
last date (spec/exclusions.py). An RRULE maps when each of its occurrences is one of those:

* FREQ=WEEKLY (BYDAY or the first event's weekday), FREQ=DAILY (BYDAY or all seven days)
  and FREQ=MONTHLY with plain BYDAY weekdays: one weekly window per weekday;
* FREQ=MONTHLY with BYDAY=1TU..4TU or -1TU: `nth` + `weekday`; with BYMONTHDAY 1..28 (or
  the first event's day of the month): `day`;
* the start time from BYHOUR/BYMINUTE (one value each) or the first event, in UTC, as
  Nobl9 reads it; COUNT=1 is a one-off, the first event alone.

Anything else (INTERVAL above 1, COUNT above 1, UNTIL, YEARLY or sub-daily frequencies,
BYSETPOS, BYMONTH, ...) is a `RuleError` naming the part, for a located refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slogen.spec.durations import format_duration
from slogen.spec.exclusions import NTH, WEEKDAYS

_DAYS = {code: name for code, name in zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), WEEKDAYS)}
_ORDINAL = {"1": "first", "+1": "first", "2": "second", "+2": "second", "3": "third", "+3": "third", "4": "fourth", "+4": "fourth", "-1": "last"}
# Parts that change nothing here: WKST only matters with INTERVAL above 1, which is refused.
_IGNORED = ("WKST",)
_HANDLED = ("FREQ", "INTERVAL", "COUNT", "BYDAY", "BYMONTHDAY", "BYHOUR", "BYMINUTE", "BYSECOND", *_IGNORED)
_NO_END = "slogen's recurring `every:` has no end: drop {part} (or write the occurrences as one-off exclusions)"


class RuleError(ValueError):
    """An RRULE part with no `every:` form; the message names it."""


@dataclass(frozen=True)
class Recurrence:
    """What an RRULE became: `every:` mappings (UTC wall clock), or None for a one-off (COUNT=1)."""

    every: tuple[dict, ...] | None


def parse_rrule(rule: str, first: datetime, seconds: int) -> Recurrence:
    """`every:` windows of `seconds` for the RRULE `rule` whose first event starts at `first` (UTC)."""
    parts = _parts(rule)
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleError("FREQ is required, e.g. FREQ=WEEKLY")
    if parts.get("COUNT") == "1":
        return Recurrence(None)  # Nobl9 reads COUNT=1 as the first event alone
    for part in ("COUNT", "UNTIL"):
        if part in parts:
            raise RuleError(_NO_END.format(part=f"{part}={parts[part]}"))
    unknown = [name for name in parts if name not in _HANDLED]
    if unknown:
        raise RuleError(f"{unknown[0]}={parts[unknown[0]]} has no `every:` form: slogen's recurring windows are weekly or monthly")
    if freq not in ("DAILY", "WEEKLY", "MONTHLY"):
        raise RuleError(f"FREQ={freq} has no `every:` form: slogen's recurring windows are weekly or monthly (DAILY as seven weekly ones)")
    if parts.get("INTERVAL", "1") not in ("1", "+1"):
        raise RuleError(f"INTERVAL={parts['INTERVAL']} has no `every:` form: slogen repeats every week or every month")
    at = _at(parts, first)
    days = _by_day(parts.get("BYDAY"), freq)
    month_days = _month_days(parts.get("BYMONTHDAY"), freq)
    if days and month_days:
        raise RuleError("BYDAY with BYMONTHDAY (days that are both) has no `every:` form: give one of them")
    if not days and not month_days:
        if freq == "DAILY":
            days = [(None, name) for name in WEEKDAYS]
        elif freq == "WEEKLY":
            days = [(None, WEEKDAYS[first.weekday()])]
        else:
            month_days = _month_days(str(first.day), freq)
    length = format_duration(seconds)
    every = [({"nth": nth} if nth else {}) | {"weekday": day} for nth, day in days] + [{"day": day} for day in month_days]
    return Recurrence(tuple({**shape, "at": at, "for": length, "time_zone": "UTC"} for shape in every))


def _parts(rule: str) -> dict[str, str]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:"):]
    parts: dict[str, str] = {}
    for item in filter(None, text.split(";")):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise RuleError(f"{item!r} is not NAME=VALUE: an RRULE reads e.g. FREQ=WEEKLY;BYDAY=SU")
        name = name.strip().upper()
        if name in parts:
            raise RuleError(f"{name} is given twice")
        parts[name] = value.strip().upper()
    return parts


def _at(parts: dict[str, str], first: datetime) -> str:
    clock = {"BYHOUR": first.hour, "BYMINUTE": first.minute, "BYSECOND": first.second}
    for part in clock:
        if part in parts:
            value, limit = parts[part], 24 if part == "BYHOUR" else 60
            if not value.isdigit() or int(value) >= limit:
                raise RuleError(f"{part}={value} has no `every:` form: give one {part.removeprefix('BY').lower()}, 0-{limit - 1}")
            clock[part] = int(value)
    hour, minute, second = clock.values()
    if second:
        raise RuleError(f"the events start at second {second} of a minute: `every:` starts on a minute (at: HH:MM)")
    return f"{hour:02d}:{minute:02d}"


def _by_day(value: str | None, freq: str) -> list[tuple[str | None, str]]:
    if value is None:
        return []
    days: list[tuple[str | None, str]] = []
    for item in value.split(","):
        ordinal, code = item[:-2], item[-2:]
        if code not in _DAYS:
            raise RuleError(f"BYDAY={value}: {item!r} is not a weekday (MO..SU)")
        if not ordinal:
            days.append((None, _DAYS[code]))
        elif freq != "MONTHLY":
            raise RuleError(f"BYDAY={value}: a numbered weekday ({item}) needs FREQ=MONTHLY")
        elif ordinal in _ORDINAL:
            days.append((_ORDINAL[ordinal], _DAYS[code]))
        else:
            raise RuleError(f"BYDAY={value}: {item} has no `every:` form: `nth` is {', '.join(NTH[:-1])} (1-4) or {NTH[-1]} (-1)")
    return list(dict.fromkeys(days))


def _month_days(value: str | None, freq: str) -> list[int]:
    if value is None:
        return []
    if freq != "MONTHLY":
        raise RuleError(f"BYMONTHDAY={value} needs FREQ=MONTHLY")
    days = []
    for item in value.split(","):
        if not item.isdigit() or not 1 <= int(item) <= 28:
            raise RuleError(f"day {item} of the month has no `every:` form: `day` is 1-28, days every month has")
        days.append(int(item))
    return list(dict.fromkeys(days))


