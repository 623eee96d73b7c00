"""What `status` and `report --prometheus` ask a running Prometheus, through one client."""

from __future__ import annotations

from slogen.emit.report.charts import History
from slogen.live.prometheus_api import Prometheus, Sample
from slogen.live.series_match import Matcher, SeriesLabels, batches, local_matcher, split_by_selector
from slogen.live.sli_series import boundaries, good_buckets, raw_series_lookbacks
from slogen.live.status import history_queries, status_queries
from slogen.plan.slo import SLOPlan

POINTS = 240  # points per history line, whatever the range
ZOOMS = 5  # range queries per series at most: 30d down to seconds takes 3


def fetch_status(client: Prometheus, plans: list[SLOPlan], now: float, raw: bool = True) -> tuple[dict[str, list[Sample]], dict[str, float]]:
    """Every status query's samples, whether each raw selector has series (unless not `raw`), the
    `le` boundaries of histograms whose good bucket has none, and the loaded rule groups."""
    results = {key: client.query(expr) for key, expr in status_queries(plans).items()}
    # A raw selector matches when a series had samples within the SLO window.  Under --split the
    # global engine never holds the raw series (they stay in each cluster): nothing to ask.
    lookbacks = raw_series_lookbacks(plans) if raw else {}
    found = series_of(client, lookbacks, now)
    results.update({f"raw:{text}": [Sample({})] if found[text] else [] for text in lookbacks})
    # A threshold that is no bucket boundary: which boundaries the histogram has.
    unmatched = {text: bucket for text, bucket in good_buckets(plans).items() if not found.get(text, True)}
    histograms = series_of(client, {bucket.buckets: lookbacks[text] for text, bucket in unmatched.items()}, now)
    results.update({f"le:{text}": [Sample({"le": le}) for le in boundaries(histograms[bucket.buckets])] for text, bucket in unmatched.items()})
    return results, client.rule_groups()


def series_of(client: Prometheus, lookbacks: dict[str, int], now: float) -> dict[str, list[SeriesLabels]]:
    """The series each selector matches among those with samples in its lookback (seconds before `now`).

    One request per batch of selectors with the same lookback (the series API takes many
    `match[]`), each selector's own series picked from the union here; a selector whose
    regex only Prometheus can judge is asked alone.
    """
    out: dict[str, list[SeriesLabels]] = {}
    by_lookback: dict[int, list[str]] = {}
    for text, back in sorted(lookbacks.items()):
        by_lookback.setdefault(back, []).append(text)
    for back, texts in sorted(by_lookback.items()):
        matchers = {text: local_matcher(text) for text in texts}
        for text in (t for t, m in matchers.items() if m is None):
            out[text] = client.series([text], now - back)
        local: dict[str, Matcher] = {text: m for text, m in matchers.items() if m is not None}
        for batch in batches(local):
            out.update(split_by_selector(client.series(batch, now - back), {text: local[text] for text in batch}))
    return out


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
