"""Which of many selectors a set of series matches, decided here as Prometheus decides it.

`status` asks Prometheus once for the series of a whole batch of selectors (the series
API takes many `match[]`), and answers each selector from that union: a series matches a
selector when every matcher holds, an absent label reading as "" and a regex anchored
at both ends, as in Prometheus.  Regexes are read through `spec/re2_pattern.py`, which
spells RE2's classes out for Python's `re`; one whose meaning it cannot reproduce is not
decided here: `local_matcher` returns None and the caller asks Prometheus about that
selector alone.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator
from urllib.parse import quote_plus

from slogen.spec.promql import Selector, selectors_read
from slogen.spec.re2_pattern import compiled

SeriesLabels = dict[str, str]
Matcher = Callable[[SeriesLabels], bool]

# One request's form body at most: far below the 1 MiB proxies commonly allow (and
# Prometheus' own 10 MiB), and a response of moderate size.
BATCH_BYTES = 64 * 1024


def _test(op: str, value: str) -> Callable[[str], bool] | None:
    if op == "=":
        return lambda seen: seen == value
    if op == "!=":
        return lambda seen: seen != value
    try:
        # Matched with fullmatch, as Prometheus anchors it; Prometheus 2 leaves `.` not matching a newline.
        pattern = compiled(value)
    except re.error:  # RE2 and Python would differ (or it is no regex): Prometheus decides
        return None
    if op == "=~":
        return lambda seen: pattern.fullmatch(seen) is not None
    return lambda seen: pattern.fullmatch(seen) is None


def metric_name(selector: Selector) -> str | None:
    """The one metric name a selector reads, if it names one (bare or as `__name__="..."`)."""
    if selector.name:
        return selector.name
    return next((value for label, op, value in selector.matchers if label == "__name__" and op == "="), None)


def local_matcher(text: str) -> Matcher | None:
    """A test of one series' labels against the selector `text`, or None when only Prometheus can tell."""
    parsed = selectors_read(text)
    if len(parsed) != 1:
        return None
    selector = parsed[0]
    tests: list[tuple[str, Callable[[str], bool]]] = []
    matchers = ((("__name__", "=", selector.name),) if selector.name else ()) + selector.matchers
    for label, op, value in matchers:
        test = _test(op, value)
        if test is None:
            return None
        tests.append((label, test))
    return lambda labels: all(test(labels.get(label, "")) for label, test in tests)


def batches(texts: Iterable[str], limit: int = BATCH_BYTES) -> Iterator[list[str]]:
    """The selectors in groups whose `match[]=...` form fields stay within `limit` bytes (a longer one alone)."""
    batch: list[str] = []
    size = 0
    for text in texts:
        cost = len("&match%5B%5D=") + len(quote_plus(text))
        if batch and size + cost > limit:
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += cost
    if batch:
        yield batch


def split_by_selector(series: list[SeriesLabels], matchers: dict[str, Matcher]) -> dict[str, list[SeriesLabels]]:
    """Each selector's own series out of the union a batch returned."""
    by_name: dict[str, list[SeriesLabels]] = {}
    for labels in series:
        by_name.setdefault(labels.get("__name__", ""), []).append(labels)
    out = {}
    for text, matcher in matchers.items():
        name = metric_name(selectors_read(text)[0])
        # Most selectors name their metric: test only that metric's series.
        candidates = by_name.get(name, []) if name is not None else series
        out[text] = [labels for labels in candidates if matcher(labels)]
    return out
