"""What `status` and `report --prometheus` ask a running Prometheus, through one client."""

from __future__ import annotations

from slogen.emit.report.charts import History
from slogen.live.prometheus_api import Prometheus, Sample
from slogen.live.status import history_queries, raw_series_lookbacks, status_queries
from slogen.plan.slo import SLOPlan

POINTS = 240  # points per history line, whatever the range


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
    history = {}
    for plan in plans:
        start = end - (span or plan.period)
        step = max(1.0, (end - start) / POINTS)
        found = {key: tuple(client.query_range(expr, start, end, step)) for key, expr in history_queries(plan).items()}
        history[plan.id] = History(start, end, found["remaining"], found["burn_rate"])
    return history
