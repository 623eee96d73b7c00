"""How often a test file's rules are evaluated: the finest interval within promtool's tick budget."""

from __future__ import annotations

from slogen.emit.promtool.inputs import INPUT_INTERVAL
from slogen.emit.promtool.scenarios import plan_scenarios
from slogen.emit.promtool.series import SyntheticSeries
from slogen.emit.promtool.timing import FIRE_BURN, tier_threshold, warmup
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import promtool_detection_time, promtool_smear

# Evaluation intervals tried per file: the finest that keeps the file under MAX_TICKS
# ticks and under MAX_SLO_TICKS ticks x SLOs.  promtool evaluates every rule of the file
# at every tick, about 4 ms per SLO and tick measured on 2.42 (bench/test_cost.py), so
# SLO-ticks are the file's CPU time: 30,000 of them, about two minutes, bound a large
# service's tests, while small services keep the finer timing.
EVAL_INTERVALS = (60, 120, 300, 600, 900, 1200, 1800)
MAX_TICKS = 4000
MAX_SLO_TICKS = 30_000


def _numbers_key(plan: SLOPlan) -> tuple:
    """What an SLO's scenario timings depend on: everything but its names and series."""
    return (
        plan.period, plan.error_budget, tuple((sev.tiers, sev.for_seconds) for sev in plan.severities), plan.min_events, plan.counter_windows
    )


# Ticks per (numbers, interval): services of a large tree repeat a handful of shapes.
_TICKS: dict[tuple, tuple[int, int]] = {}
_TICKS_MAX = 1 << 12


def _slo_ticks(plan: SLOPlan, series: tuple[SyntheticSeries, ...], e: int) -> tuple[int, int]:
    """(lower bound, exact) simulated ticks of one SLO's scenarios at interval e."""
    key = (_numbers_key(plan), e)
    ticks = _TICKS.get(key)
    if ticks is None:
        least = _least_ticks(plan, e)
        exact = sum(s.length // e for s in plan_scenarios(plan, series, e)) if least <= MAX_TICKS else least
        if len(_TICKS) >= _TICKS_MAX:
            _TICKS.clear()
        ticks = _TICKS[key] = (least, exact)
    return ticks


def choose_eval_interval(
    plans: list[SLOPlan], series: dict[str, tuple[SyntheticSeries, ...]], lanes: tuple[tuple[int, ...], ...] | None = None
) -> int:
    """The finest evaluation interval keeping the file's simulated ticks within MAX_TICKS.

    SLOs of a lane share test groups (`sharing_lanes`), so a lane costs the ticks of its
    distinct scenario shapes, not of its SLOs; at most, as counted here, their sum.
    """
    lanes = lanes if lanes is not None else tuple((i,) for i in range(len(plans)))
    budget = tick_budget(len(plans))
    shapes = [{_numbers_key(plans[i]): plans[i] for i in lane}.values() for lane in lanes]
    for e in EVAL_INTERVALS:
        ticks = [[_slo_ticks(plan, series[plan.name], e) for plan in lane] for lane in shapes]
        # The fires and quiet scenarios alone are cheap to size and often rule e out.
        if sum(least for lane in ticks for least, _ in lane) > budget:
            continue
        if sum(exact for lane in ticks for _, exact in lane) <= budget:
            return e
    return EVAL_INTERVALS[-1]


def tick_budget(slos: int) -> int:
    """Most simulated ticks for a test file of `slos` SLOs (see MAX_SLO_TICKS)."""
    return min(MAX_TICKS, MAX_SLO_TICKS // max(slos, 1))


def _least_ticks(plan: SLOPlan, e: int) -> int:
    """A lower bound of an SLO's ticks at interval e: its fires and quiet scenarios."""
    ticks = 0
    for sev in plan.severities:
        for tier in sev.tiers:
            counters = plan.counter_windows
            start = warmup(sev.tiers, tier, e, counters)
            threshold = tier_threshold(tier, plan.period, plan.error_budget)
            ratio = min(FIRE_BURN * threshold, 1.0)
            detection = promtool_detection_time(tier, plan.period, plan.error_budget, ratio, e, INPUT_INTERVAL, counters=counters, start=start)
            fires = detection if ratio > threshold else 0
            quiet = tier.long_window + promtool_smear(tier.long_window, counters)
            ticks += int((2 * start + fires + quiet) // e)
    return ticks

