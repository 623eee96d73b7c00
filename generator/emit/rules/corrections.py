"""Corrections after the fact: windows of 1d and more leave out what a past one-off exclusion covers.

The gate (plan/exclusions.py) zeroes the 5m base rates while an exclusion is in the spec,
but history recorded before it was added cannot be rewritten.  A one-off's bounds are
constants, so what the base rates recorded during it, per one-off [from, to + tail) =
D seconds ending at E, is a constant once E has passed:

    avg_over_time(slo:sli_errors:rate5m{...}[D] @ E) * D / 3600

in the hourly series' units (each hourly point is the average rate of an hour).  The
hourly group records it (`amount_rules`), once E has passed, one series per one-off:
read every 3m by every long window, it would cost each of them D / 1m samples.  Each
window of a day or more then adds, to the hourly points it sums, minus each amount times
the share of the exclusion still inside the window: 1 while the window holds all of it,
falling linearly to 0 as the window's start passes through it.  The amounts join the
hourly points by `or` under one `sum` (their `slo_exclusion` label keeps them apart), so
a group that recorded nothing then is corrected by nothing, and nothing is read twice.

Where the gate was on while the time passed, the base rates it recorded are 0 and so is
the correction: the two never count the same time twice.  So an exclusion entered today
moves the 30d budget at the hourly group's next evaluation: within the hour.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW, HOUR
from slogen.spec.durations import format_duration

# How far back a window reads the amounts the hourly group records: two of its evaluations.
AMOUNT_READ = 2 * HOUR


def one_offs(plan: SLOPlan) -> tuple[tuple[int, int, str], ...]:
    """(start, end with tail, count_as) of each one-off exclusion of an SLO."""
    if plan.exclusion is None:
        return ()
    return tuple((w.start, w.end + w.tail, w.count_as) for w in plan.exclusion.windows if w.kind == "one-off")


def clip(start: int, end: int, window: int) -> str:
    """The share of [start, end) inside the window ending now, once `end` has passed (PromQL, no labels)."""
    return f"clamp(({end + window} - vector(time())) / {end - start}, 0, 1)"


def _span(start: int, end: int) -> str:
    iso = [datetime.fromtimestamp(v, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for v in (start, end)]
    return "/".join(iso)


def _kept(spans: Sequence[tuple[int, int, str]], events: bool) -> list[tuple[int, int, str]]:
    # count_as good keeps the events: only an absent one-off leaves them out.
    return [s for s in spans if s[2] == "absent"] if events else list(spans)


def amounts(plan: SLOPlan, by: str) -> list[tuple[str, str]]:
    """(recorded name, PromQL) of what each past one-off left in the base rates, for the hourly group."""
    spans = one_offs(plan)
    out = []
    for events, rate, name in ((False, names.errors_rate, names.EXCLUDED_ERRORS), (True, names.events_rate, names.EXCLUDED_EVENTS)):
        terms = []
        for start, end, _ in _kept(spans, events):
            length = end - start
            recorded = f"{by}(avg_over_time({plan.selector(rate(BASE_WINDOW))}[{format_duration(length)}] @ {end})) * {length} / {HOUR}"
            # Recorded only once E has passed: before, `@ E` would read a part of the span.
            terms.append(f'label_replace(\n  {recorded},\n  "{names.LABEL_EXCLUSION}", "{_span(start, end)}", "", ""\n)\nand on () (vector(time()) >= {end})')
        if terms:
            out.append((name, "\nor\n".join(terms)))
    return out


def _summed(plan: SLOPlan, rate: str, name: str, window: int, by: str, spans: Sequence[tuple[int, int, str]]) -> str:
    terms = [f"sum_over_time({plan.selector(rate)}[{format_duration(window)}])"]
    for start, end, _ in spans:
        selector = f'{name}{{{names.LABEL_ID}="{plan.id}", {names.LABEL_EXCLUSION}="{_span(start, end)}"}}'
        amount = f"last_over_time({selector}[{format_duration(AMOUNT_READ)}])"
        terms.append(f"- {amount}\n  * on () group_left ()\n  {clip(start, end, window)}")
    return f"{by}(\n  " + "\nor\n  ".join(terms) + "\n)"


def corrected(plan: SLOPlan, window: int, by: str) -> str:
    """The error ratio over a window of 1d or more of one SLO, its past one-offs left out."""
    spans = one_offs(plan)
    parts = []
    for events, rate, name in ((False, names.errors_rate, names.EXCLUDED_ERRORS), (True, names.events_rate, names.EXCLUDED_EVENTS)):
        parts.append(_summed(plan, rate(HOUR), name, window, by, _kept(spans, events)))
    return f"{parts[0]}\n/\n{parts[1]}"
