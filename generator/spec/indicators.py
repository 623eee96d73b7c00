"""The SLI kinds of the native spec: ratio, latency, bool, query, timeslices and composite."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from slogen.spec.composite import CompositeSLI
from slogen.spec.durations import parse_duration
from slogen.spec.fields import Duration, PromQL, Strict, utf8_names
from slogen.spec.numbers import human
from slogen.spec.promql import SLIError, check_histogram, parse_selector, user_query
from slogen.spec.promql_names import names_problem


def _raise_plain(check, value: str, info: ValidationInfo, kind: str = "selector") -> None:
    # pydantic reports ValueError messages at the field; SLIError names the field itself.
    try:
        check(value, "")
    except SLIError as err:
        raise ValueError(str(err)) from None
    problem = None if utf8_names(info) else names_problem(value, kind)
    if problem:
        raise ValueError(problem)


class RatioSLI(Strict):
    """Counters: errors (or good) and total, each a plain selector."""

    errors: PromQL | None = Field(None, description="Selector of the counter of failed events")
    good: PromQL | None = Field(None, description="Selector of the counter of good events (instead of errors)")
    total: PromQL = Field(description="Selector of the counter of all valid events")

    @field_validator("errors", "good", "total")
    @classmethod
    def _selector(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _raise_plain(parse_selector, value, info)
        return value

    @model_validator(mode="after")
    def _one_of_errors_good(self) -> RatioSLI:
        if (self.errors is None) == (self.good is None):
            raise ValueError("give exactly one of `errors` or `good` beside `total`")
        return self


class LatencySLI(Strict):
    """A histogram: good events are those at or below the threshold (classic: the bucket le=threshold)."""

    histogram: PromQL = Field(
        description="Selector of the histogram's base name, e.g. http_request_duration_seconds{job=\"api\"}"
    )
    format: Literal["classic", "native", "auto"] = Field(
        "classic",
        description="Which series the histogram is: classic (`_bucket`/`_count`), native (one series of "
        "native histograms, exponential or custom buckets), or auto (for a migration: per series, native once "
        "it covers the whole rate window, classic while it is still scraped)",
    )
    # Before `threshold`: pydantic validates fields in order, and the threshold's check reads it.
    buckets: list[float] | None = Field(
        None,
        min_length=1,
        description="Optional: the histogram's bucket boundaries in seconds (its `le` values); "
        "when given, the threshold must be one of them",
        examples=[[0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]],
    )
    threshold: float | str = Field(
        description="Latency threshold in seconds (0.3) or as a duration (300ms); must be a bucket boundary",
        examples=[0.25, "250ms"],
    )

    @field_validator("histogram")
    @classmethod
    def _histogram(cls, value: str, info: ValidationInfo) -> str:
        _raise_plain(check_histogram, value, info)
        return value

    @field_validator("buckets")
    @classmethod
    def _boundaries(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and any(b != b for b in value):
            raise ValueError("a bucket boundary must be a number of seconds, not NaN")
        return value

    @field_validator("threshold")
    @classmethod
    def _positive(cls, value: float | str, info: ValidationInfo) -> float | str:
        seconds = threshold_seconds(value)
        if seconds != seconds or seconds == float("inf"):
            raise ValueError("threshold must be a finite number of seconds, a bucket boundary such as 0.3")
        if not seconds > 0:
            raise ValueError("threshold must be greater than 0")
        buckets = info.data.get("buckets")
        # A threshold between boundaries has no `le` bucket: the good events read 0 and the SLO pages.
        if buckets and seconds not in buckets:
            histogram = info.data.get("histogram", "the histogram")
            raise ValueError(
                f"{human(seconds)} is not a bucket boundary of {histogram}; the boundaries are "
                + ", ".join("+Inf" if b == float("inf") else human(b) for b in sorted(set(buckets)))
            )
        return value


class QuerySLI(Strict):
    """Free-form PromQL giving per-second rates; `{{window}}` is substituted."""

    errors: PromQL = Field(description="PromQL for the per-second rate of errors over {{window}}")
    total: PromQL = Field(description="PromQL for the per-second rate of all events over {{window}}")
    test: RatioSLI | None = Field(
        None,
        description="For generated promtool tests: the counters the queries read, as a ratio SLI "
        "(errors or good, and total); without it the SLO is reported untested",
    )

    @field_validator("errors", "total")
    @classmethod
    def _query(cls, value: str, info: ValidationInfo) -> str:
        _raise_plain(user_query, value, info, "query")
        return value


class BoolSLI(Strict):
    """A 0/1 gauge such as `probe_success` or `up`: each sample is an event, a 0 is a bad one."""

    metric: PromQL = Field(description="Selector of a gauge whose samples are 1 (good) or 0 (bad), e.g. probe_success{job=\"blackbox\"}")

    @field_validator("metric")
    @classmethod
    def _selector(cls, value: str, info: ValidationInfo) -> str:
        _raise_plain(parse_selector, value, info)
        return value


SLICE_OPS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


class SliceLatency(Strict):
    """A quantile of a classic histogram over each slice."""

    histogram: PromQL = Field(description="Selector of the histogram's base name")
    quantile: float = Field(gt=0, lt=1, description="e.g. 0.99 for p99")

    @field_validator("histogram")
    @classmethod
    def _histogram(cls, value: str, info: ValidationInfo) -> str:
        _raise_plain(check_histogram, value, info)
        return value


class SliceCondition(Strict):
    """When a slice is good: its value (an error ratio, a latency quantile or a query) compared with a threshold."""

    ratio: RatioSLI | None = Field(None, description="The slice's error ratio: errors (or total - good) / total")
    latency: SliceLatency | None = Field(None, description="The slice's latency quantile, in seconds")
    query: PromQL | None = Field(None, description="PromQL giving one value per slice; `{{window}}` is the slice")
    op: Literal["lt", "lte", "gt", "gte"] = Field(description="The slice is good when value <op> threshold")
    threshold: float | str = Field(description="A number, or for latency a duration like 300ms")

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _raise_plain(user_query, value, info, "query")
        return value

    @field_validator("threshold")
    @classmethod
    def _threshold(cls, value: float | str, info: ValidationInfo) -> float | str:
        threshold_seconds(value)
        # A key in info.data was given or defaulted; one that failed its own check is not there.
        if isinstance(value, str) and "latency" in info.data and info.data["latency"] is None:
            raise ValueError(f"threshold {value!r} is a duration, which only a latency condition takes; compare an error ratio or a query with a number, e.g. 0.01")
        return value

    @model_validator(mode="after")
    def _one_value(self) -> SliceCondition:
        given = [k for k in ("ratio", "latency", "query") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("good_when needs exactly one of ratio, latency or query" + (f" (got {', '.join(given)})" if given else ""))
        return self


class TimeslicesSLI(Strict):
    """The share of good slices (e.g. minutes): a slice is good when its value meets the threshold."""

    slice: Duration = Field("1m", description="Slice length: a whole number of minutes that divides 1h", examples=["1m", "5m"])
    good_when: SliceCondition | None = Field(None, description="When a slice counts as good (OpenSLO Timeslices)")
    ratio_of: RatioSLI | None = Field(
        None, description="Instead of good_when: each slice counts as its success ratio, 1 - errors/total (OpenSLO RatioTimeslices)"
    )

    @model_validator(mode="after")
    def _one_rule(self) -> TimeslicesSLI:
        if (self.good_when is None) == (self.ratio_of is None):
            raise ValueError("give exactly one of good_when or ratio_of")
        return self

    @field_validator("slice")
    @classmethod
    def _slice(cls, value: str) -> str:
        seconds = parse_duration(value)
        if seconds % 60 or 3600 % seconds:
            raise ValueError(f"slice {value} must be a whole number of minutes that divides 1h, e.g. 1m or 5m")
        return value


SLI_KINDS = ("ratio", "latency", "bool", "query", "timeslices", "composite")


class SLI(Strict):
    """Exactly one SLI kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    ratio: RatioSLI | None = None
    latency: LatencySLI | None = None
    # `bool` is a builtin; the attribute gets an underscore, the spec key does not.
    bool_: BoolSLI | None = Field(None, alias="bool")
    query: QuerySLI | None = None
    timeslices: TimeslicesSLI | None = None
    composite: CompositeSLI | None = Field(None, description="A user journey: other SLOs combined (plan/composite.py)")

    def _given(self) -> list[str]:
        return [k for k in SLI_KINDS if getattr(self, "bool_" if k == "bool" else k) is not None]

    @model_validator(mode="after")
    def _exactly_one(self) -> SLI:
        given = self._given()
        if len(given) != 1:
            raise ValueError(
                "an SLI needs exactly one kind: ratio, latency, bool, query, timeslices or composite"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @property
    def kind(self) -> str:
        """The SLI kind's key."""
        return self._given()[0]


def threshold_seconds(value: float | str) -> float:
    """A latency threshold in seconds, from a number or a duration like `300ms`."""
    if isinstance(value, bool):
        raise ValueError("threshold must be a number of seconds or a duration")
    if isinstance(value, (int, float)):
        return float(value)
    text = value.strip()
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if text.endswith(suffix):
            number = text[: -len(suffix)]
            try:
                return float(Decimal(number) * Decimal(str(scale)))
            except Exception:
                break
    try:
        float(text)
        quoted = ": write the number without quotes"
    except ValueError:
        quoted = ""
    raise ValueError(f"threshold {value!r} is not a number of seconds or a duration like 300ms{quoted}")
