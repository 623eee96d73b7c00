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
"""

from __future__ import annotations

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
# The step of a signal's tail subquery where it is read without its record (reports): the base rates' interval.
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
    slo_id: str = field(default="", compare=False, repr=False)

    def terms(self) -> tuple[Expr, ...]:
        """Per window (in order), 1 while it is excluded, its tail included, else 0; a signal read
        from its condition (a subquery for the tail), so a report reads it from the raw series alone."""
        return tuple(_term(entry)[0] for entry in self.entries)

    def shifted(self, shift: int) -> Expr:
        """The state as read at UTC second time() + shift."""
        return _state(self.entries, self.slo_id, shift)

    def signals(self) -> tuple[tuple[str, str], ...]:
        """(slo_exclusion label, PromQL) of each signal with a tail: recorded just before the state, which reads them."""
        return tuple((_signal_label(self.entries, i), _signal_count(e.when)) for i, e in enumerate(self.entries)
                     if e.when is not None and e.tail_seconds)

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


def _one_off(start: int, end: int, shift: int = 0) -> Expr:
    t = time_expr(shift)
    return t.ge(start) * num(end).gt(t)


def _local(zone: str, shift: int = 0) -> Expr:
    t = time_expr(shift)
    if zone == "UTC":
        return t
    rule = zone_rule(zone)
    return t + (compact_offset(rule, t) or offset_expr(rule, t))


def compact_offset(rule: ZoneRule, t: Expr) -> Expr | None:
    """The zone's UTC offset at t in half the PromQL of offset_expr, where both transitions
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
    reached = recent.ge(func("days_in_month", y) - 6 if start.week == 5 else 7 * start.week - 6)
    counted = (func("month", y) + reached) * 2 - (start.month + end.month + 1)
    lo, hi = sorted((start.month, end.month))
    between = num(hi - lo).gt(Expr(f"abs({counted.text})", lambda v: abs(counted(v))))
    # Northern zones keep DST between start and end; southern ones outside end..start.
    dst = between if start.month < end.month else num(1) - between
    return dst * (rule.dst - rule.std) + rule.std


def recurring_expr(every, tail: int, shift: int = 0) -> Expr:
    """1 while local wall-clock time is in [at, at + for) of an occurrence, plus `tail`, else 0."""
    length = every.seconds + tail
    # A clock shifted so every occurrence starts at local midnight of its day.
    y = _local(every.time_zone, shift) - every.start_second
    if every.day is not None:
        return func("day_of_month", y).eq(every.day) * num(length).gt(y % DAY)
    weekday = WEEKDAYS.index(every.weekday)
    if every.nth is None:
        return num(length).gt((y - (_MONDAY + weekday * DAY)) % WEEK)
    on_day = func("day_of_week", y).eq((weekday + 1) % 7) * num(length).gt(y % DAY)
    dom = func("day_of_month", y)
    if every.nth == "last":
        return on_day * dom.gt(func("days_in_month", y) - 7)
    k = ("first", "second", "third", "fourth").index(every.nth) + 1
    return on_day * dom.ge(7 * k - 6) * num(7 * k + 1).gt(dom)


def _signal_count(when: str) -> str:
    return f"count({user_query(when, 'when')})"


def _signal_label(entries: tuple[Exclusion, ...], index: int) -> str:
    """`signal-N`: the N-th signal among the SLO's exclusions (1-based), naming its recorded series."""
    return f"signal-{sum(1 for e in entries[: index + 1] if e.when is not None)}"


def _signal_ref(slo_id: str, entries: tuple[Exclusion, ...], index: int) -> str:
    return f'{names.EXCLUSION_SIGNAL}{{{names.LABEL_ID}="{slo_id}", {names.LABEL_EXCLUSION}="{_signal_label(entries, index)}"}}'


def signal_expr(when: str, tail: int, recorded: str = "") -> Expr:
    """1 while the condition returns series, or did within `tail`, else 0.

    The state rule reads the tail from `recorded`: the condition's count recorded at each
    evaluation, just before the state (absent while it returns nothing), a plain range read
    rather than a subquery evaluating the condition again at every step (#28 item 7).
    Without `recorded` (a report reading past time), that subquery."""
    cond = _signal_count(when)
    if tail:
        cond = f"max_over_time({recorded}[{format_duration(tail)}])" if recorded else f"{cond} or count_over_time({cond}[{format_duration(tail)}:{SIGNAL_STEP}])"
    return Expr(f"vector(scalar({cond}) > bool 0)", lambda t: 0.0)


def _describe_every(every) -> str:
    day = f"day {every.day}" if every.day is not None else f"{every.nth + ' ' if every.nth else ''}{every.weekday}"
    return f"every {'month on ' if every.day is not None or every.nth else ''}{day} {every.at} for {every.for_} ({every.time_zone})"


def _term(exclusion: Exclusion, shift: int = 0, recorded: str = "") -> tuple[Expr, Window]:
    tail = exclusion.tail_seconds
    base = dict(reason=exclusion.reason, kind=exclusion.kind, count_as=exclusion.count_as, tail=tail)
    if exclusion.every is not None:
        return recurring_expr(exclusion.every, tail, shift), Window(**base, text=_describe_every(exclusion.every))  # type: ignore[arg-type]
    if exclusion.when is not None:
        return signal_expr(exclusion.when, tail, recorded), Window(**base, text=f"when {exclusion.when}")  # type: ignore[arg-type]
    start, end = exclusion.utc_bounds()
    return _one_off(start, end + tail, shift), Window(**base, start=start, end=end)  # type: ignore[arg-type]


def _state(entries: tuple[Exclusion, ...], slo_id: str, shift: int = 0) -> Expr:
    """0 while nothing is excluded, GOOD while only count_as-good windows are, ABSENT while an absent one is."""
    terms = [(e, _term(e, shift, _signal_ref(slo_id, entries, i))[0]) for i, e in enumerate(entries)]
    absent = [term for e, term in terms if e.count_as == "absent"]
    good = [term for e, term in terms if e.count_as == "good"]
    a, g = _any(absent), _any(good)
    if a is not None and g is not None:
        # Absent wins: 2a + g capped at 2, so the absent terms are written (and evaluated) once.
        both = a * ABSENT + g
        return Expr(f"clamp_max({both.text}, {ABSENT})", lambda t: min(both(t), ABSENT))
    return a * ABSENT if a is not None else g  # type: ignore[operator,return-value]


def _any(terms: list[Expr]) -> Expr | None:
    if not terms:
        return None
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total.gt(0) if len(terms) > 1 else total


def exclusion_plan(entries: list[tuple[Exclusion, tuple]], slo_id: str) -> tuple[ExclusionPlan | None, list[Problem]]:
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
    return ExclusionPlan(_state(tuple(kept), slo_id), tuple(windows), tuple(kept), slo_id=slo_id), []


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
