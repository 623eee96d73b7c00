"""The scraped series an SLI reads, and what it means when a selector matches none.

`status` asks Prometheus whether each raw selector of an SLI matches series (answers
under `raw:<selector>`) and, for a latency SLI whose good bucket matches nothing, which
`le` boundaries the histogram has (answers under `le:<selector>`).  The sides differ:
a `total` matching nothing leaves no SLI at all; an `errors` selector matching nothing
makes the SLI read 100% (no error counted yet, or a typo); a `good` selector (a ratio's
`good`, a latency SLI's bucket) matching nothing makes every event bad, the SLI 0%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slogen.live.prometheus_api import Sample
from slogen.live.series_match import metric_name
from slogen.plan import names
from slogen.plan.sli import le_matcher
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW
from slogen.spec.promql import selector_text, selectors_read


def _good_side(plan: SLOPlan) -> bool:
    # A ratio with `good` and a latency SLI count errors as events minus good (plan/sli.py):
    # the scraped selectors of the errors rule are then the good ones.
    return plan.rates.errors.startswith(names.events_rate(BASE_WINDOW) + "{")


def raw_selectors(plan: SLOPlan) -> dict[str, tuple[str, ...]]:
    """The selectors of scraped series the SLI reads, by side (`total`, and `errors` or `good`); slogen's own series left out."""
    out = {}
    for side, text in (("total", plan.rates.events), ("good" if _good_side(plan) else "errors", plan.rates.errors)):
        # The errors rule falls back to the recorded events rate: not a scraped series.
        found = [s.render() for s in selectors_read(text) if not (s.name or "").startswith("slo:")]
        out[side] = tuple(dict.fromkeys(found))
    return out


def raw_series_lookbacks(plans: list[SLOPlan]) -> dict[str, int]:
    """Every raw SLI selector, with how far back (seconds: the longest SLO window reading it)
    a series must have existed for it to count as matching."""
    out: dict[str, int] = {}
    for plan in plans:
        for selectors in raw_selectors(plan).values():
            for text in selectors:
                out[text] = max(out.get(text, 0), plan.period)
    return out


@dataclass(frozen=True)
class GoodBucket:
    """A latency SLI's good bucket: its threshold as written in `le`, and its histogram."""

    threshold: str  # `0.2`
    histogram: str  # the selector of the spec, `http_request_duration_seconds{job="api"}`
    buckets: str  # every bucket of it: the `_bucket` selector without `le`


def _threshold(matcher: tuple[str, str, str]) -> str | None:
    """The threshold slogen's `le` matcher was made for (plan/sli.le_matcher), or None for another matcher."""
    label, op, value = matcher
    first = value if op == "=" else value.split("|")[0].removesuffix("(\\.0)?").replace("\\", "")
    try:
        seconds = float(first)
    except ValueError:
        return None
    return first if label == "le" and le_matcher(seconds) == matcher else None


def good_buckets(plans: list[SLOPlan]) -> dict[str, GoodBucket]:
    """The good-bucket selector of every latency SLI, with its threshold and histogram."""
    out = {}
    for plan in plans:
        if plan.sli_kind != "latency":
            continue
        for text in raw_selectors(plan).get("good", ()):
            (selector,) = selectors_read(text)
            name = metric_name(selector) or ""
            le = [m for m in selector.matchers if m[0] == "le"]
            threshold = _threshold(le[0]) if len(le) == 1 else None
            if threshold is None or not name.endswith("_bucket"):
                continue
            # The name bare or quoted (a UTF-8 name, Prometheus 3): selector_text spells it.
            rest = tuple(m for m in selector.matchers if m[0] not in ("le", "__name__"))
            out[text] = GoodBucket(threshold, selector_text(name.removesuffix("_bucket"), rest), selector_text(name, rest))
    return out


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def boundaries(series: list[dict[str, str]]) -> list[str]:
    """The distinct `le` values of bucket series, in numeric order, as Prometheus has them."""

    def order(text: str) -> tuple:
        value = _number(text)
        return (1, 0.0, text) if math.isnan(value) else (0, value, text)

    return sorted({labels["le"] for labels in series if "le" in labels}, key=order)


def _alternatives(plan: SLOPlan) -> bool:
    # A latency SLI on native histograms (plan/histogram_rates.py): under `auto` its native and
    # classic series stand in for each other, so a side reads nothing only when none match.
    return plan.sli_kind == "latency" and "histogram_count(" in plan.rates.events


def unmatched(plan: SLOPlan, results: dict[str, list[Sample]]) -> dict[str, tuple[str, ...]]:
    """Per SLI side, the raw selectors no series matches (unknown when not asked: `raw:<selector>` results)."""
    out = {}
    for side, selectors in raw_selectors(plan).items():
        missing = tuple(t for t in selectors if f"raw:{t}" in results and not results[f"raw:{t}"])
        out[side] = missing if not _alternatives(plan) or len(missing) == len(selectors) else ()
    return out


def selector_findings(plan: SLOPlan, missing: dict[str, tuple[str, ...]], results: dict[str, list[Sample]]) -> tuple[list[str], list[str]]:
    """What the selectors no series matches mean, as (problems, notes): `missing` per side, from `unmatched`."""
    who = f"{plan.service}/{plan.name}"
    problems = [
        f"{who}: the SLI's selector {text} matches no series: check the metric name and labels, and that the target is scraped"
        for text in missing.get("total", ())
    ]
    notes = [
        f"{who}: the SLI's error selector {text} matches no series: a typo, or no error counted yet (the SLI then reads 100%)"
        for text in missing.get("errors", ())
    ]
    buckets = good_buckets([plan])
    for text in missing.get("good", ()):
        bucket = buckets.get(text)
        les = [s.labels["le"] for s in results.get(f"le:{text}", ())]
        # A boundary equal in value but spelt otherwise (`0.20`) is a bucket after all: not this message.
        if bucket is not None and les and float(bucket.threshold) not in map(_number, les):
            shown = ", ".join(les if len(les) <= 30 else les[:29] + ["…"])
            problems.append(
                f"{who}: {bucket.threshold} is not a bucket boundary of {bucket.histogram}; the boundaries are {shown}: "
                "no request counts as good, so the SLI reads 0% and pages; set the threshold to a boundary"
            )
        else:
            notes.append(
                f"{who}: the SLI's good-events selector {text} matches no series: every event counts as bad "
                "(the SLI reads 0%): check the metric name and labels"
            )
    return problems, notes
