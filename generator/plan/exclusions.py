"""Exclusions -> the one gate on an SLO's 5m base rates, as PromQL.

Every window, budget, policy state and alert of an SLO is summed from its two recorded
5m base rates, so gating those gates everything.  Per SLO with exclusions, one recorded
series `slo:exclusion:state` says at each evaluation what is excluded now (0 nothing,
1 counted as good, 2 absent), each window already widened by its tail; the base rates
are then multiplied by it: events by `state < 2`, errors by `state == 0`.  So excluded
time adds nothing to any window (absent) or adds its events as good ones (count_as
good), and the 1h page window of such an SLO is summed from the gated base rates rather
than read from the counters (which no gate could reach).

Recurring windows are read on the local wall clock from the zone's offset computed in
PromQL (calendar_periods.offset_expr): no horizon, no regeneration.  Each expression is
built as text and as a Python function of time (`Expr`), so tests compare the two.

The state is scalar arithmetic on `time()` with one `vector()` around it: the rule runs
at every base-rate evaluation, and an operator between two vectors matches their label
sets where one between scalars only computes (#28 item 7: a quarter less of the state's
query time).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

from slogen.plan import names
from slogen.plan.calendar_periods import DAY, WEEK, Expr, ZoneRule, func, num, offset_expr, time_expr, zone_problem, zone_rule
from slogen.plan.sli import BaseRates
from slogen.plan.windows import BASE_WINDOW, SHORT_INTERVAL
from slogen.spec.durations import format_duration
from slogen.spec.errors import Problem
from slogen.spec.exclusions import WEEKDAYS, Exclusion
from slogen.spec.promql import names_text, user_query

ABSENT = 2
GOOD = 1
# The step of a signal's tail subquery: the base rates' interval, at which the state is evaluated anyway.
SIGNAL_STEP = format_duration(SHORT_INTERVAL)
# 1970-01-05 00:00 UTC was a Monday.
_MONDAY = 4 * DAY


@dataclass(frozen=True)
class Window:
    """One exclusion as the plan keeps it: for reports, dashboards and status."""

    reason: str
    kind: str
    count_as: str
    tail: int
    # one-off: UTC seconds [start, end); recurring: its spec text; signal: its PromQL.
    start: int = 0
    end: int = 0
    text: str = ""

    def describe(self) -> str:
        """`2026-12-12T02:00:00Z .. 2026-12-12T04:00:00Z`, `every sunday 02:00 for 2h (Europe/Berlin)`, `when ...`."""
        if self.kind == "one-off":
            from datetime import datetime, timezone

            iso = [datetime.fromtimestamp(v, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for v in (self.start, self.end)]
            return f"{iso[0]} .. {iso[1]}"
        return self.text


@dataclass(frozen=True)
class ExclusionPlan:
    """An SLO's exclusions: the state expression (text and Python mirror) and its windows."""

    state: Expr
    windows: tuple[Window, ...]
    # The spec's entries, to build the state on a shifted clock (promtool's copy: emit/promtool/exclusion_clock.py).
    entries: tuple[Exclusion, ...] = field(default=(), compare=False, repr=False)
    # The SLO's 5m errors rate before the gate: what `report --period` reads each window's left-out errors from.
    errors: str = field(default="", compare=False, repr=False)

    def terms(self) -> tuple[Expr, ...]:
        """Per window (in order), a vector of 1 while it is excluded, its tail included, else 0;
        a signal read from its condition alone, so a report reads it from the raw series."""
        return tuple(_vector(_term(entry)[0]) for entry in self.entries)

    def shifted(self, shift: int) -> Expr:
        """The state as read at UTC second time() + shift."""
        return _state(self.entries, shift)

    @property
    def counts_absent(self) -> bool:
        """Whether any exclusion leaves its events out (so the events rate is gated too)."""
        return any(w.count_as == "absent" for w in self.windows)

    def lines(self) -> list[str]:
        """One line per exclusion, as `explain` and `budget` print them."""
        out = []
        for w in self.windows:
            how = "events left out" if w.count_as == "absent" else "errors counted as good"
            out.append(f"excluded: {w.reason}: {w.describe()} ({how}, tail {format_duration(w.tail) if w.tail else '0s'})")
        return out

    def at(self, t: float) -> float:
        """The state at UTC second t (signals read as 0: their PromQL has no Python mirror)."""
        return self.state(t)


def _now(shift: int = 0) -> Expr:
    """`time() + shift`, a scalar."""
    return Expr("time()", lambda t: t) + shift if shift else Expr("time()", lambda t: t)


def _scalar(e: Expr) -> Expr:
    return Expr(f"scalar({e.text})", e.fn)


def _vector(e: Expr) -> Expr:
    return Expr(f"vector({e.text})", e.fn)


def _one_off(start: int, end: int, shift: int = 0) -> Expr:
    t = _now(shift)
    return t.ge(start) * num(end).gt(t)


def _local(zone: str, shift: int = 0, minus: int = 0) -> Expr:
    """Local wall-clock time less `minus` seconds, as a scalar: the zone's offset (or DST flag)
    is computed on vectors, which PromQL's date functions take, and joins the time once."""
    t = _now(shift)
    if zone == "UTC":
        return t - minus
    rule = zone_rule(zone)
    v = time_expr(shift)
    dst = compact_dst(rule, v)
    if dst is not None and rule.dst is not None:
        return t + _scalar(dst) * (rule.dst - rule.std) + (rule.std - minus)
    return t + _scalar(offset_expr(rule, v)) - minus


def compact_offset(rule: ZoneRule, t: Expr) -> Expr | None:
    """The zone's UTC offset at t from compact_dst, where it applies: else None."""
    dst = compact_dst(rule, t)
    return None if dst is None or rule.dst is None else dst * (rule.dst - rule.std) + rule.std


def compact_dst(rule: ZoneRule, t: Expr) -> Expr | None:
    """1 while the zone keeps DST at t, else 0, in half the PromQL of offset_expr, where both transitions
    are the same weekday of the same week of their months, read on the same shifted clock
    (the EU's last Sundays at 01:00 UTC, Australia's first Sundays): else None.

    On that clock one `month + (day reached)` counts both transitions: it lies between
    them when it is in lo+1..hi (lo, hi: their months), i.e. |2m' - (lo + hi + 1)| < hi - lo;
    December (12 or 13) and January (1 or 2) fall outside on either hemisphere.  The state
    rule runs every 1m and each PromQL node costs alike (#28 item 7); calendar SLOs keep
    offset_expr, byte for byte.  Tested equal to offset_expr for every zone it applies to.
    """
    if rule.dst is None or rule.start is None or rule.end is None:
        return None
    start, end = rule.start, rule.end
    if (start.week, start.weekday) != (end.week, end.weekday) or rule.std - start.seconds != rule.dst - end.seconds:
        return None
    y = t + (rule.std - start.seconds)
    recent = func("day_of_month", y) - (func("day_of_week", y) if start.weekday == 0 else (func("day_of_week", y) + (7 - start.weekday)) % 7)
    reached = recent.ge(_last_week(start.month, end.month) or func("days_in_month", y) - 6 if start.week == 5 else 7 * start.week - 6)
    counted = (func("month", y) + reached) * 2 - (start.month + end.month + 1)
    lo, hi = sorted((start.month, end.month))
    between = num(hi - lo).gt(Expr(f"abs({counted.text})", lambda v: abs(counted(v))))
    # Northern zones keep DST between start and end; southern ones outside end..start.
    return between if start.month < end.month else num(1) - between


def _last_week(lo: int, hi: int) -> int | None:
    """The first day of the last week of both transition months where they are as long (the EU's
    March and October: 25), else None.  `reached` decides only in those two months (elsewhere
    the month alone is in or out), so a constant saves the state a date function."""
    days = {calendar.monthrange(2001, m)[1] for m in (lo, hi)}
    return days.pop() - 6 if len(days) == 1 and 2 not in (lo, hi) else None


def recurring_expr(every, tail: int, shift: int = 0) -> Expr:
    """1 while local wall-clock time is in [at, at + for) of an occurrence, plus `tail`, else 0 (a scalar)."""
    length = every.seconds + tail
    if every.day is None and every.nth is None:
        # Seconds since the week's occurrence started, its constants added up in one.
        weekday = WEEKDAYS.index(every.weekday)
        return num(length).gt(_local(every.time_zone, shift, every.start_second + _MONDAY + weekday * DAY) % WEEK)
    # A clock shifted so every occurrence starts at local midnight of its day.
    y = _local(every.time_zone, shift, every.start_second)
    v = _vector(y)
    if every.day is not None:
        return _scalar(func("day_of_month", v).eq(every.day)) * num(length).gt(y % DAY)
    weekday = WEEKDAYS.index(every.weekday)
    on_day = func("day_of_week", v).eq((weekday + 1) % 7)
    dom = func("day_of_month", v)
    if every.nth == "last":
        on_date = on_day * dom.gt(func("days_in_month", v) - 7)
    else:
        k = ("first", "second", "third", "fourth").index(every.nth) + 1
        on_date = on_day * dom.ge(7 * k - 6) * num(7 * k + 1).gt(dom)
    return _scalar(on_date) * num(length).gt(y % DAY)


def _signal_count(when: str) -> str:
    return f"count({user_query(when, 'when')})"


def signal_expr(when: str, tail: int) -> Expr:
    """1 while the condition returns series, or did at a step of the base rates' interval within
    `tail`, else 0 (a scalar).

    Read inside the state rule: the tail's subquery costs the state less than a rule of its
    own recording the condition's count for it to read (#28 item 7)."""
    cond = _signal_count(when)
    if tail:
        cond = f"{cond} or count_over_time({cond}[{format_duration(tail)}:{SIGNAL_STEP}])"
    return Expr(f"scalar({cond})", lambda t: 0.0).gt(0)


def _describe_every(every) -> str:
    day = f"day {every.day}" if every.day is not None else f"{every.nth + ' ' if every.nth else ''}{every.weekday}"
    return f"every {'month on ' if every.day is not None or every.nth else ''}{day} {every.at} for {every.for_} ({every.time_zone})"


def _term(exclusion: Exclusion, shift: int = 0) -> tuple[Expr, Window]:
    tail = exclusion.tail_seconds
    base = dict(reason=exclusion.reason, kind=exclusion.kind, count_as=exclusion.count_as, tail=tail)
    if exclusion.every is not None:
        return recurring_expr(exclusion.every, tail, shift), Window(**base, text=_describe_every(exclusion.every))  # type: ignore[arg-type]
    if exclusion.when is not None:
        return signal_expr(exclusion.when, tail), Window(**base, text=f"when {exclusion.when}")  # type: ignore[arg-type]
    start, end = exclusion.utc_bounds()
    return _one_off(start, end + tail, shift), Window(**base, start=start, end=end)  # type: ignore[arg-type]


def _state(entries: tuple[Exclusion, ...], shift: int = 0) -> Expr:
    """0 while nothing is excluded, GOOD while only count_as-good windows are, ABSENT while an absent one is."""
    terms = [(e, _term(e, shift)[0]) for e in entries]
    absent = [term for e, term in terms if e.count_as == "absent"]
    good = [term for e, term in terms if e.count_as == "good"]
    a, g = _any(absent), _any(good)
    if a is not None and g is not None:
        # Absent wins: 2a + g capped at 2, so the absent terms are written (and evaluated) once.
        both = a * ABSENT + g
        return Expr(f"clamp_max(vector({both.text}), {ABSENT})", lambda t: min(both(t), ABSENT))
    return _vector(a * ABSENT if a is not None else g)  # type: ignore[arg-type,operator]


def _any(terms: list[Expr]) -> Expr | None:
    if not terms:
        return None
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total.gt(0) if len(terms) > 1 else total


def exclusion_plan(entries: list[tuple[Exclusion, tuple]]) -> tuple[ExclusionPlan | None, list[Problem]]:
    """The plan of an SLO's exclusions (each with its location), or why one cannot be used."""
    problems = []
    windows = []
    kept = []
    for exclusion, loc in entries:
        if exclusion.every is not None:
            problem = zone_problem(exclusion.every.time_zone)
            if problem:
                problems.append(Problem(loc + ("every", "time_zone"), problem))
                continue
            longest = WEEK if exclusion.every.day is None and exclusion.every.nth is None else DAY
            if exclusion.every.seconds + exclusion.tail_seconds >= longest:
                problems.append(Problem(loc + ("tail",), f"for {exclusion.every.for_} and tail {exclusion.tail} together must be shorter than {format_duration(longest)}"))
                continue
        windows.append(_term(exclusion)[1])
        kept.append(exclusion)
    if problems or not windows:
        return None, problems
    return ExclusionPlan(_state(tuple(kept)), tuple(windows), tuple(kept)), []


def gated(rates: BaseRates, plan: ExclusionPlan, slo_id: str, grouping: tuple[str, ...]) -> BaseRates:
    """The base rates multiplied by the exclusion state recorded just before them, and the 1h page
    window read from the counters only while no exclusion touched the last hour (else summed
    from the gated base rates, which leave it out): a full outage still pages in ~82s outside
    maintenance, and the hour after one never counts its errors."""
    state = f'{names.EXCLUSION_STATE}{{{names.LABEL_ID}="{slo_id}"}}'
    events = rates.events
    if plan.counts_absent:
        events = f"(\n  {events}\n)\n* on () group_left ()\n({state} < bool {ABSENT})"
    errors = f"(\n  {rates.errors}\n)\n* on () group_left ()\n({state} == bool 0)"
    fast = ""
    if rates.fast:
        by = f"sum by ({names_text(grouping)}) " if grouping else "sum"
        # The 5m rates every 5m tile the hour as the 120 recorded ones do, for a tenth of the
        # samples: PromQL reads this side at every evaluation, touched or not (#28 item 7).
        summed = [f'{by}(sum_over_time({rate(BASE_WINDOW)}{{{names.LABEL_ID}="{slo_id}"}}[1h:{format_duration(BASE_WINDOW)}]))'
                  for rate in (names.errors_rate, names.events_rate)]
        fast = f"(\n{rates.fast}\n)\nunless on () (max_over_time({state}[1h]) > 0)\nor\n{summed[0]}\n/\n{summed[1]}"
    return BaseRates(events=events, errors=errors, fast=fast)
