"""What `status` and `report --prometheus` ask a running Prometheus, through one client."""

from __future__ import annotations

from slogen.emit.report.charts import History
from slogen.live.prometheus_api import Prometheus, Sample
from slogen.live.status import history_queries, raw_series_lookbacks, status_queries
from slogen.plan.slo import SLOPlan

POINTS = 240  # points per history line, whatever the range
ZOOMS = 5  # range queries per series at most: 30d down to seconds takes 3


def fetch_status(client: Prometheus, plans: list[SLOPlan], now: float) -> tuple[dict[str, list[Sample]], object]:
    """Every status query's samples, whether each raw selector has series, and the loaded rule groups."""
    results = {key: client.query(expr) for key, expr in status_queries(plans).items()}
    # A raw selector matches when a series had samples within the SLO window.
    results.update(
        {f"raw:{text}": [Sample({})] if client.series_exist(text, now - back) else [] for text, back in raw_series_lookbacks(plans).items()}
    )
    return results, client.rule_groups()


def fetch_history(client: Prometheus, plans: list[SLOPlan], span: float | None, end: float) -> dict[str, History]:
    """Budget burn-down and burn-rate history per SLO, over `span` seconds (default: its window)."""
    return {plan.id: _history(client, history_queries(plan), end - (span or plan.period), end) for plan in plans}


def _history(client: Prometheus, queries: dict[str, str], start: float, end: float) -> History:
    """The history over [start, end], read where it exists.

    A young Prometheus holds minutes of a 30d window: at 240 points over 30d (a 3h step)
    that is one point or none.  So when the first point found leaves most of the range
    empty, ask again from just before it, until the points fill at least half the range
    queried: a few queries, each step a fraction of the last (3h, 45s, 3s for 12min).
    """
    low = start
    for _ in range(ZOOMS):
        step = max(1.0, (end - low) / POINTS)
        found = {key: tuple(client.query_range(expr, low, end, step)) for key, expr in queries.items()}
        first = min((t for series in found.values() for sample in series for t, _ in sample.values), default=None)
        if first is None:
            return History(start, end, None, found["remaining"], found["burn_rate"])
        if first - low < step / 2:  # a point at the range's first step: history reaches back that far
            break
        if end - first >= (end - low) / 2 or step == 1.0:
            return History(start, end, first, found["remaining"], found["burn_rate"])
        low = max(start, first - step)
    return History(start, end, start if low == start else first, found["remaining"], found["burn_rate"])
