"""Calendar periods in a time zone, as PromQL that needs no regeneration.

PromQL's date functions (`month()`, `day_of_month()`, ...) read UTC only, so the
local time of a timestamp is `t + offset(t)`, with the zone's offset computed in
PromQL from its *recurring* rule: the POSIX TZ string at the end of the zone's
tzdata file (e.g. `CET-1CEST,M3.5.0,M10.5.0/3`: DST from the last Sunday of March
02:00 to the last Sunday of October 03:00).  The expression stays right for as long
as the zone keeps that rule; `zone_problem` checks it against tzdata's own
transitions over CHECK_YEARS and refuses zones whose offset changes irregularly.

Every expression is built twice at once (`Expr`): as PromQL text and as a Python
function with PromQL's semantics, so tests compare the very expression emitted with
`zoneinfo` over decades and every zone, and promtool checks the text on chosen days.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable

from slogen.spec.durations import format_duration
from slogen.spec.errors import Problem
from slogen.spec.model import CALENDAR_NOMINAL_SECONDS, CalendarWindow, quarter_start, week_start

DAY = 86400
WEEK = 7 * DAY
HOUR = 3600
NOMINAL = CALENDAR_NOMINAL_SECONDS
# Longest period of each unit plus the hour the subqueries step by: how far back they read.
LOOKBACK = {"week": 7 * DAY + HOUR, "month": 31 * DAY + HOUR, "quarter": 92 * DAY + HOUR}
# Years over which a zone's recurring rule must agree with tzdata's transitions.
CHECK_YEARS = (2026, 2056)


# --- a PromQL expression and its value in Python, built together -----------------


@dataclass(frozen=True)
class Expr:
    """PromQL text of a label-less instant vector (or a number) and its value at time t."""

    text: str
    fn: Callable[[float], float]
    const: bool = False
    # PromQL precedence of the text's outermost operator (ATOM: none), so operands get
    # parentheses only where they change the meaning: Prometheus prints and parses a
    # rule at every evaluation, and every parenthesis is one more node to walk.
    prec: int = 100

    def __call__(self, t: float) -> float:
        return self.fn(t)

    def _op(self, other: Expr | float, op: str, py: Callable[[float, float], float]) -> Expr:
        b = lift(other)
        if self.const and b.const:
            return num(py(self.fn(0), b.fn(0)))
        fa, fb = self.fn, b.fn
        prec = _PRECEDENCE[op.split()[0]]
        # Left-associative: an equal operator on the right needs parentheses, on the left not.
        left = self.text if self.prec >= prec else f"({self.text})"
        right = b.text if b.prec > prec else f"({b.text})"
        return Expr(f"{left} {op} {right}", _last(lambda t: py(fa(t), fb(t))), prec=prec)

    def __add__(self, other: Expr | float) -> Expr:
        if isinstance(other, (int, float)) and other <= 0 and not self.const:
            return self - (-other)  # `t - 3600` rather than `t + -3600`
        return self._op(other, "+", lambda a, b: a + b)

    def __sub__(self, other: Expr | float) -> Expr:
        if isinstance(other, (int, float)) and other == 0:
            return self
        return self._op(other, "-", lambda a, b: a - b)

    def __mul__(self, other: Expr | float) -> Expr:
        if isinstance(other, (int, float)) and other == 1:
            return self
        return self._op(other, "*", lambda a, b: a * b)

    def __truediv__(self, other: Expr | float) -> Expr:
        return self._op(other, "/", lambda a, b: a / b)

    def __mod__(self, other: Expr | float) -> Expr:
        # Go's math.Mod, as PromQL: the sign of the dividend.
        return self._op(other, "%", math.fmod)

    def ge(self, other: Expr | float) -> Expr:
        """1 where self >= other, else 0."""
        return self._op(other, ">= bool", lambda a, b: float(a >= b))

    def gt(self, other: Expr | float) -> Expr:
        """1 where self > other, else 0."""
        return self._op(other, "> bool", lambda a, b: float(a > b))

    def eq(self, other: Expr | float) -> Expr:
        """1 where self == other, else 0."""
        return self._op(other, "== bool", lambda a, b: float(a == b))


def _last(fn: Callable[[float], float]) -> Callable[[float], float]:
    """fn, remembering its last value: shared subexpressions are asked again for the same t."""
    memo: list = [None, 0.0]

    def at(t: float) -> float:
        if memo[0] != t:
            memo[1] = fn(t)
            memo[0] = t
        return memo[1]

    return at


_PRECEDENCE = {"or": 1, "and": 2, "unless": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5}


def num(value: float) -> Expr:
    """A constant."""
    value = float(value)
    text = str(int(value)) if value.is_integer() else repr(value)
    return Expr(text, lambda t: value, const=True)


def lift(value: Expr | float) -> Expr:
    """A number as a constant expression; expressions unchanged."""
    return value if isinstance(value, Expr) else num(value)


def _utc(v: float) -> datetime:
    return datetime.fromtimestamp(int(v), timezone.utc)


def _days_in_month(d: datetime) -> int:
    nxt = (d.replace(day=1) + timedelta(days=32)).replace(day=1)
    return (nxt - d.replace(day=1)).days


_FUNCS: dict[str, Callable[[float], float]] = {
    "year": lambda v: _utc(v).year,
    "month": lambda v: _utc(v).month,
    "day_of_month": lambda v: _utc(v).day,
    # PromQL: 0 = Sunday.
    "day_of_week": lambda v: (_utc(v).weekday() + 1) % 7,
    "days_in_month": lambda v: _days_in_month(_utc(v)),
    "floor": math.floor,
}


def func(name: str, arg: Expr) -> Expr:
    """A PromQL function of a label-less vector."""
    inner, py = arg.fn, _FUNCS[name]
    return Expr(f"{name}({arg.text})", _last(lambda t: float(py(inner(t)))))


def time_expr(shift: int = 0) -> Expr:
    """`vector(time() + shift)`: evaluation (or subquery step) time as a vector."""
    text = "vector(time())" if shift == 0 else f"vector(time() {'+' if shift > 0 else '-'} {abs(shift)})"
    return Expr(text, lambda t: t + shift)


# --- the zone's rule ----------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """`Mm.w.d/time`: the w-th (5 = last) weekday d (0 = Sunday) of month m, at `seconds` local."""

    month: int
    week: int
    weekday: int
    seconds: int


@dataclass(frozen=True)
class ZoneRule:
    """A zone's recurring rule: standard offset, and DST's offset and transitions if any."""

    std: int
    dst: int | None = None
    start: Transition | None = None
    end: Transition | None = None


_NAME = r"(?:[A-Za-z]{3,}|<[^>]+>)"
_OFFSET = r"[+-]?\d{1,3}(?::\d{2}){0,2}"
_RULE = re.compile(rf"^{_NAME}({_OFFSET})(?:{_NAME}({_OFFSET})?(?:,(M[\d.]+(?:/{_OFFSET})?),(M[\d.]+(?:/{_OFFSET})?))?)?$")


def _seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _transition(text: str) -> Transition:
    date, _, at = text.partition("/")
    month, week, weekday = (int(p) for p in date[1:].split("."))
    return Transition(month, week, weekday, _seconds(at) if at else 2 * 3600)


def parse_posix(text: str) -> ZoneRule | None:
    """A POSIX TZ string in its Mm.w.d form, or None (Julian-day rules are not used by any zone today)."""
    match = _RULE.match(text)
    if not match:
        return None
    std_text, dst_text, start, end = match.groups()
    std = -_seconds(std_text)  # POSIX counts west of Greenwich as positive
    if start is None:
        # A DST name without rules would mean the US rules of 1987: no zone uses that.
        return ZoneRule(std) if dst_text is None and re.fullmatch(rf"{_NAME}{_OFFSET}", text) else None
    dst = -_seconds(dst_text) if dst_text else std + 3600
    return ZoneRule(std, dst, _transition(start), _transition(end))


def _footer(zone: str) -> str | None:
    """The POSIX TZ string closing the zone's TZif file (version 2 or later)."""
    for root in zoneinfo.TZPATH:
        try:
            with open(f"{root}/{zone}", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if not data.startswith(b"TZif") or data[4:5] < b"2" or not data.endswith(b"\n"):
            return None
        return data[data.rindex(b"\n", 0, len(data) - 1) + 1 : -1].decode("ascii", "replace")
    return None


# --- the offset and the period index in PromQL --------------------------------------


def _after(y: Expr, tr: Transition, december: float = 12) -> Expr:
    """1 once this year's transition has passed, read on a clock `y` shifted so the transition falls at midnight.

    On that clock the transition is 00:00 of day D of month m, so it has passed when
    y's month is later, or is m and y's day is D or later.  Day D is the w-th weekday
    d: with r the day of the last d on or before y's day (`dom - (dow - d) mod 7`), the
    w-th has come when r >= 7w - 6 and the last one when r > days_in_month - 7.
    Months and booleans add up: month + (day reached) > m says both at once.
    `december` 0 reads December as the month before January (see offset_expr).
    """
    recent = func("day_of_month", y) - (func("day_of_week", y) + (7 - tr.weekday)) % 7
    reached = recent.ge(func("days_in_month", y) - 6 if tr.week == 5 else 7 * tr.week - 6)
    month = func("month", y) if december == 12 else func("month", y) % 12
    return (month + reached).gt(tr.month)


def offset_expr(rule: ZoneRule, t: Expr) -> Expr:
    """UTC offset in seconds at UTC time t.

    DST starts at a time on the standard clock and ends at one on the DST clock, so the
    two transitions are read on clocks up to a day apart, which may straddle New Year
    and then belong to different years.  Reading the year's first transition with
    December as month 0 makes it say "not yet" in December and January alike, so
    "between the two transitions" (first passed, second not) is 0 around New Year on
    either clock; no zone changes its clock in December or January (zone_problem
    checks every zone's result against tzdata).
    """
    if rule.dst is None or rule.start is None or rule.end is None:
        return num(rule.std)
    started = (t + (rule.std - rule.start.seconds), rule.start)
    ended = (t + (rule.dst - rule.end.seconds), rule.end)
    north = rule.start.month < rule.end.month
    first, second = (started, ended) if north else (ended, started)
    between = _after(*first, december=0) * (num(1) - _after(*second))
    # Northern zones keep DST between start and end; southern ones outside end..start.
    dst = between if north else num(1) - between
    return dst * (rule.dst - rule.std) + rule.std


@dataclass(frozen=True)
class Calendar:
    """A calendar period: its unit, time zone, and where weeks or quarters start."""

    unit: str
    time_zone: str = "UTC"
    # week: the local weekday (0 = Monday) and second of the day a week starts;
    # quarter: the month (1-3) the first quarter of the year starts.
    week_start: tuple[int, int] = (0, 0)
    quarter_start_month: int = 1

    @property
    def nominal(self) -> int:
        """The period length burn factors use."""
        return NOMINAL[self.unit]

    @property
    def lookback(self) -> int:
        """How far back the period's subqueries read."""
        return LOOKBACK[self.unit]

    def describe(self) -> str:
        """`month (Europe/Berlin)`."""
        return f"calendar {self.unit} ({self.time_zone})"

    @property
    def hour_phase(self) -> int:
        """Seconds after each UTC hour at which the period's local hours end: 0 for whole-hour
        zones, 1800 for Asia/Kolkata (+5:30), 2700 for Asia/Kathmandu (+5:45).

        The period is summed from hourly points on this grid, so its first point starts
        exactly at its start.  From the standard offset: only a zone whose summer time
        moves the clocks by a fraction of an hour (Australia/Lord_Howe) has periods off
        this grid (`phase_warning`).
        """
        second = self.week_start[1] if self.unit == "week" else 0
        return (zone_rule(self.time_zone).std - second) % HOUR

    def phase_warning(self) -> str | None:
        """Why the period's boundaries are not exact in this zone, if they are not."""
        rule = zone_rule(self.time_zone)
        if rule.dst is None or (rule.dst - rule.std) % HOUR == 0:
            return None
        shift = format_duration(abs(rule.dst - rule.std))
        return (
            f"time zone {self.time_zone!r} moves its clocks by {shift} for summer time: a period starting in summer time "
            f"is summed from hourly points on its standard-time grid, so its count starts and ends {shift} off its "
            f"boundaries (up to {shift} of the previous period's events and slices counted as its own)"
        )


def zone_rule(zone: str) -> ZoneRule:
    """The recurring rule of a zone `zone_problem` accepted."""
    rule = _zone_rule(zone)
    assert rule is not None, zone
    return rule


@lru_cache(maxsize=64)
def _zone_rule(zone: str) -> ZoneRule | None:
    footer = _footer(zone)
    return parse_posix(footer) if footer is not None else None


def local_start_expr(cal: Calendar, local: Expr) -> Expr:
    """Local wall-clock time (seconds, read as if UTC) at which the period holding local time `local` started."""
    if cal.unit == "week":
        weekday, second = cal.week_start
        # 1970-01-01 was a Thursday (weekday 3).
        origin = ((weekday - 3) % 7) * DAY + second
        return local - (local - origin) % WEEK
    month_start = local - ((func("day_of_month", local) - 1) * DAY + local % DAY)
    if cal.unit == "month":
        return month_start
    # Back over the months of this quarter already past: one or two, each as long as it was.
    back = (func("month", local) - cal.quarter_start_month + 12) % 3
    previous = func("days_in_month", month_start - DAY)
    before = func("days_in_month", month_start - DAY - previous * DAY)
    return month_start - back.ge(1) * previous * DAY - back.ge(2) * before * DAY


def local_end_expr(cal: Calendar, start: Expr) -> Expr:
    """Local wall-clock time at which the period starting at local time `start` ends."""
    if cal.unit == "week":
        return start + WEEK
    days = func("days_in_month", start)
    if cal.unit == "quarter":
        # 32 and 62 days after the 1st fall in the next month and the one after.
        days = days + func("days_in_month", start + 32 * DAY) + func("days_in_month", start + 62 * DAY)
    return start + days * DAY


def utc_expr(cal: Calendar, local: Expr, guess: Expr) -> Expr:
    """UTC time of local time `local`: minus the offset in force at `guess` (local minus today's offset).

    Right unless a DST change falls within its own size of the moment, which no zone
    schedules at a period's start (midnight of the 1st, or of a week's first day).
    """
    return local - offset_expr(zone_rule(cal.time_zone), guess)


# --- the same in Python, from zoneinfo: bounds for reports, and the check -----------


def period_bounds(cal: Calendar, t: float) -> tuple[int, int]:
    """UTC start and end (seconds) of the period holding t, from zoneinfo."""
    tz = zoneinfo.ZoneInfo(cal.time_zone)
    local = datetime.fromtimestamp(t, tz)
    if cal.unit == "week":
        weekday, second = cal.week_start
        start = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=(local.weekday() - weekday) % 7)
        start += timedelta(seconds=second)
        if start > local:
            start -= timedelta(days=7)
        end = start + timedelta(days=7)
    else:
        step = 1 if cal.unit == "month" else 3
        first = 1 if cal.unit == "month" else cal.quarter_start_month
        months = local.year * 12 + local.month - 1
        index = (months - (first - 1)) // step
        begin = index * step + first - 1
        start = local.replace(year=begin // 12, month=begin % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = begin + step
        end = start.replace(year=nxt // 12, month=nxt % 12 + 1)
    naive = (start.replace(tzinfo=None), end.replace(tzinfo=None))
    return tuple(int(d.replace(tzinfo=tz).timestamp()) for d in naive)  # type: ignore[return-value]


def _offset(tz: zoneinfo.ZoneInfo, t: int) -> int:
    return int(datetime.fromtimestamp(t, timezone.utc).astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]


@lru_cache(maxsize=64)
def zone_problem(zone: str) -> str | None:
    """Why a time zone cannot be used, if it cannot."""
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {zone!r}: use an IANA name such as Europe/Berlin or UTC"
    rule = _zone_rule(zone)
    if rule is None:
        return f"time zone {zone!r} has no recurring rule slogen can write as PromQL"
    formula = offset_expr(rule, Expr("t", lambda t: t))
    first = int(datetime(CHECK_YEARS[0], 1, 1, tzinfo=timezone.utc).timestamp())
    last = int(datetime(CHECK_YEARS[1], 1, 1, tzinfo=timezone.utc).timestamp())
    before = _offset(tz, first)
    t = first
    while t < last:
        nxt = t + WEEK
        after = _offset(tz, nxt)
        if formula(t) != before:
            break
        if after != before:
            lo, hi = t, nxt  # offset(lo) == before, offset(hi) == after: find the change
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if _offset(tz, mid) == before else (lo, mid)
            if formula(lo) != before or formula(hi) != _offset(tz, hi):
                t = lo
                break
        t, before = nxt, after
    else:
        return None
    when = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d")
    return (
        f"time zone {zone!r} changes its UTC offset irregularly (near {when}), not by one yearly rule; "
        "slogen writes the offset as a yearly rule in PromQL"
    )


def phase_warnings(windows: list[object]) -> list[Problem]:
    """Located warnings for the calendar windows (of a service's SLOs, in order) whose
    boundaries are not exact; windows whose zone is refused are left to `calendar_plan`."""
    warnings = []
    for index, window in enumerate(windows):
        if isinstance(window, CalendarWindow) and zone_problem(window.time_zone) is None:
            warning = Calendar(window.calendar, window.time_zone).phase_warning()
            if warning:
                warnings.append(Problem(("slos", index, "window", "time_zone"), warning))
    return warnings


def calendar_plan(window: object, loc: tuple) -> tuple[Calendar | None, list[Problem]]:
    """The calendar of a spec's window (None for a rolling one), or why its time zone cannot be used."""
    if not isinstance(window, CalendarWindow):
        return None, []
    problem = zone_problem(window.time_zone)
    if problem:
        return None, [Problem(loc + ("time_zone",), problem)]
    return Calendar(window.calendar, window.time_zone, week_start(window), quarter_start(window)), []
