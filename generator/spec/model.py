"""The native spec (version 1): pydantic models, field-level validation, JSON Schema."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from slogen.spec.durations import parse_duration
from slogen.spec.promql import (
    NUMBER_WORDS,
    SLIError,
    check_histogram,
    names_problem,
    number_name_problem,
    parse_selector,
    user_query,
    utf8_name_invalid,
    utf8_name_problem,
)

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
LABEL_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
# Same language as label names, spelled differently so messages can tell them apart.
ALERT_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

# The context key of `ServiceSpec.model_validate` saying which names the target engine takes
# (promql.NAME_VALIDATIONS); without it, legacy: rules that also load on Prometheus 2.
NAME_VALIDATION = "name_validation"


def utf8_names(info: ValidationInfo) -> bool:
    """Whether this validation is for an engine that takes UTF-8 names (Prometheus 3, `--name-validation utf8`)."""
    return bool(info.context) and info.context.get(NAME_VALIDATION) == "utf8"


_LEGACY_LABEL = re.compile(LABEL_NAME_PATTERN)


def _label_name(value: str, info: ValidationInfo) -> str:
    if utf8_names(info):
        problem = utf8_name_invalid("label", value)
        if problem:
            raise ValueError(problem)
    elif not _LEGACY_LABEL.match(value):
        if not value:
            raise ValueError(f"{value!r} is not a valid label name: use letters, digits and '_', not starting with a digit")
        raise ValueError(utf8_name_problem("label", value))  # Prometheus 3 would take it quoted: say so
    elif value.lower() in NUMBER_WORDS:
        raise ValueError(number_name_problem(value))
    return value


Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=63)]
LabelName = Annotated[
    str,
    StringConstraints(max_length=128),
    AfterValidator(_label_name),
    Field(description="letters, digits and '_', not starting with a digit; any UTF-8 text with --name-validation utf8"),
]
LabelValue = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Labels = dict[LabelName, LabelValue]
Annotations = dict[LabelName, str]
Duration = Annotated[
    str,
    Field(description="Prometheus duration, e.g. 30d, 6h, 5m", examples=["30d", "1h"]),
]
PromQL = Annotated[str, StringConstraints(min_length=1, max_length=16384)]

# slogen's own labels; a spec may not set them, or series would collide.
RESERVED_LABEL_PREFIX = "slo_"


class Strict(BaseModel):
    """Unknown keys are errors; specs are values."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _raise_plain(check, value: str, info: ValidationInfo, kind: str = "selector") -> None:
    # pydantic reports ValueError messages at the field; SLIError names the field itself.
    try:
        check(value, "")
    except SLIError as err:
        raise ValueError(str(err)) from None
    problem = None if utf8_names(info) else names_problem(value, kind)
    if problem:
        raise ValueError(problem)


def _check_duration(value: str) -> str:
    parse_duration(value)
    return value


def reserved_label_problem(name: str) -> str | None:
    """Why a label name may not be set by a spec, if it may not."""
    if name.startswith("__"):
        return f"label name {name!r} is reserved for Prometheus internals"
    if name.startswith(RESERVED_LABEL_PREFIX):
        return f"label name {name!r} is reserved: slogen sets the slo_* labels itself"
    return None


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
    """A classic histogram: good events are those in the bucket le=threshold."""

    histogram: PromQL = Field(
        description="Selector of the histogram's base name, e.g. http_request_duration_seconds{job=\"api\"}"
    )
    threshold: float | str = Field(
        description="Latency threshold in seconds (0.3) or as a duration (300ms); must be a bucket boundary"
    )

    @field_validator("histogram")
    @classmethod
    def _histogram(cls, value: str, info: ValidationInfo) -> str:
        _raise_plain(check_histogram, value, info)
        return value

    @field_validator("threshold")
    @classmethod
    def _positive(cls, value: float | str) -> float | str:
        seconds = threshold_seconds(value)
        if seconds != seconds or seconds == float("inf"):
            raise ValueError("threshold must be a finite number of seconds, a bucket boundary such as 0.3")
        if not seconds > 0:
            raise ValueError("threshold must be greater than 0")
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
    def _threshold(cls, value: float | str) -> float | str:
        threshold_seconds(value)
        return value

    @model_validator(mode="after")
    def _one_value(self) -> SliceCondition:
        given = [k for k in ("ratio", "latency", "query") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("good_when needs exactly one of ratio, latency or query" + (f" (got {', '.join(given)})" if given else ""))
        return self


class TimeslicesSLI(Strict):
    """The share of good slices (e.g. minutes): a slice is good when its value meets the threshold."""

    slice: Duration = Field("1m", description="Slice length: a whole number of minutes that divides 1h")
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


SLI_KINDS = ("ratio", "latency", "bool", "query", "timeslices")


class SLI(Strict):
    """Exactly one SLI kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    ratio: RatioSLI | None = None
    latency: LatencySLI | None = None
    # `bool` is a builtin; the attribute gets an underscore, the spec key does not.
    bool_: BoolSLI | None = Field(None, alias="bool")
    query: QuerySLI | None = None
    timeslices: TimeslicesSLI | None = None

    def _given(self) -> list[str]:
        return [k for k in SLI_KINDS if getattr(self, "bool_" if k == "bool" else k) is not None]

    @model_validator(mode="after")
    def _exactly_one(self) -> SLI:
        given = self._given()
        if len(given) != 1:
            raise ValueError(
                "an SLI needs exactly one kind: ratio, latency, bool, query or timeslices"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @property
    def kind(self) -> str:
        """The SLI kind's key."""
        return self._given()[0]


class Tier(Strict):
    """A burn-rate tier: alert when `budget_percent` of the budget burns in `long_window`."""

    budget_percent: Decimal | None = Field(None, gt=0, le=100, description="Share of the error budget, in percent")
    burn_rate: Decimal | None = Field(
        None, gt=0, description="Instead of budget_percent: the burn factor itself, e.g. 14 (as Sloth and Pyrra state tiers)"
    )
    long_window: Duration
    short_window: Duration | None = Field(None, description="Default: long_window / 12, the SRE workbook's advice")

    _long = field_validator("long_window")(_check_duration)

    @model_validator(mode="after")
    def _one_of_share_rate(self) -> Tier:
        if (self.budget_percent is None) == (self.burn_rate is None):
            raise ValueError("give exactly one of `budget_percent` or `burn_rate`")
        if self.burn_rate is not None and not self.burn_rate.is_finite():
            raise ValueError("burn_rate must be a finite number")
        return self

    @field_validator("short_window")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        return None if value is None else _check_duration(value)


class Severity(Strict):
    """One alert rule: its labels, annotations and tiers (joined with `or`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    labels: Labels = {}
    annotations: Annotations = {}
    for_: Duration | None = Field(None, alias="for", description="Optional `for` duration of the alert rule")
    tiers: list[Tier] | None = Field(None, min_length=1, description="Default: the SRE workbook's tiers")

    @field_validator("for_")
    @classmethod
    def _for(cls, value: str | None) -> str | None:
        return None if value is None else _check_duration(value)


class NoData(Strict):
    """The opt-in alert raised while an SLO's SLI reads no series at all (its 5m events rate is gone)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    for_: Duration = Field("10m", alias="for", description="How long the events rate must be missing before the alert fires")
    labels: Labels = Field({}, description="Default: the SLO's ticket labels, or severity=ticket")
    annotations: Annotations = {}

    _for = field_validator("for_")(_check_duration)


class Alerting(Strict):
    """Multiwindow multi-burn-rate alerts: a page rule and a ticket rule."""

    name: Annotated[str, StringConstraints(pattern=ALERT_NAME_PATTERN, max_length=128)] = "SLOErrorBudgetBurn"
    labels: Labels = {}
    annotations: Annotations = {}
    page: Severity | Literal[False] = Severity()
    ticket: Severity | Literal[False] = Severity()
    min_events: int | None = Field(
        None, ge=1, description="A tier fires only when its long window saw at least this many events"
    )
    scale_from: Duration | None = Field(
        None,
        description="The tiers (default or given) and `for` durations are made for an SLO window of this length: "
        "scale their windows to this SLO's window, keeping each tier's burn factor (as Pyrra does; its table is for 28d)",
    )
    # Literal, not bool: a bad mapping is then reported at its own keys only (load.py drops literal branches).
    no_data: NoData | Literal[True, False] = Field(
        False,
        description="Opt in (`true`, or a mapping to set `for`, labels, annotations): alert while the SLI's series are gone, "
        "so its events rate is not recorded at all (a missing scrape target, a renamed metric); no traffic is not no data",
    )

    @field_validator("scale_from")
    @classmethod
    def _scale_from(cls, value: str | None) -> str | None:
        return None if value is None else _check_duration(value)


class PolicyState(Strict):
    """One state of an error-budget policy: what the team does while the budget is in its range."""

    action: Name = Field(description="Label value naming the state, e.g. freeze")
    above: Decimal | None = Field(
        None,
        lt=100,
        description="The state applies while budget remaining (percent) is above this; omit on the last state",
    )
    description: str = Field("", description="What the team does in this state, for alerts and reports")

    @field_validator("above")
    @classmethod
    def _finite(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not value.is_finite():
            raise ValueError("above must be a finite percentage of budget remaining")
        return value


class PolicyAlert(Strict):
    """The alert raised when the budget is exhausted (the last state is active)."""

    labels: Labels = Field({}, description="Default: the SLO's ticket labels, or severity=ticket")
    annotations: Annotations = {}


class BudgetPolicy(Strict):
    """Error-budget policy: states from healthiest to exhausted, and the exhausted alert."""

    states: list[PolicyState] = Field(
        min_length=2,
        description="Highest threshold first; every state but the last has `above`; thresholds strictly decrease",
    )
    alert: PolicyAlert | Literal[False] = PolicyAlert()


CALENDAR_UNITS = ("week", "month", "quarter")
# The period length burn factors of calendar SLOs use (30d keeps the SRE workbook's factors for months).
CALENDAR_NOMINAL_SECONDS = {"week": 7 * 86400, "month": 30 * 86400, "quarter": 90 * 86400}
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
QUARTER_START_MONTHS = ("january", "february", "march")


class CalendarWindow(Strict):
    """A calendar-aligned window: this week, month or quarter in a time zone."""

    calendar: Literal["week", "month", "quarter"]
    time_zone: str = Field("UTC", description="IANA time zone, e.g. Europe/Berlin")
    starts: str | None = Field(
        None,
        description="week: the weekday and local time a week starts (default monday 00:00, e.g. saturday 12:00); "
        "quarter: the month the first quarter starts (january, february or march); months start on the 1st",
    )

    @model_validator(mode="after")
    def _starts(self) -> CalendarWindow:
        if self.starts is not None:
            week_start(self) if self.calendar == "week" else quarter_start(self)
        return self


def week_start(window: CalendarWindow) -> tuple[int, int]:
    """(weekday, 0 = Monday; second of the day) a calendar week starts."""
    if window.calendar != "week" or window.starts is None:
        return (0, 0)
    day, _, at = window.starts.strip().lower().partition(" ")
    if day not in WEEKDAY_NAMES:
        raise ValueError(f"starts {window.starts!r}: a week starts on a weekday name and an optional HH:MM, e.g. saturday 12:00")
    if not at:
        return (WEEKDAY_NAMES.index(day), 0)
    hours, _, minutes = at.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ValueError(f"starts {window.starts!r}: the time must be HH:MM, e.g. saturday 12:00")
    return (WEEKDAY_NAMES.index(day), int(hours) * 3600 + int(minutes) * 60)


def quarter_start(window: CalendarWindow) -> int:
    """The month (1-3) the first quarter of the year starts."""
    if window.starts is None or window.calendar == "week":
        return 1
    if window.calendar != "quarter" or window.starts.strip().lower() not in QUARTER_START_MONTHS:
        raise ValueError(
            "starts is for weeks (a weekday) and quarters (january, february or march); months start on the 1st"
        )
    return QUARTER_START_MONTHS.index(window.starts.strip().lower()) + 1


class SLO(Strict):
    """One service level objective."""

    name: Name
    objective: Decimal = Field(description="Target in percent, 0 < objective < 100, e.g. 99.9")
    window: Duration | CalendarWindow = Field("30d", description="A rolling duration (30d) or a calendar window")
    description: str = ""
    labels: Labels = {}
    sli: SLI
    grouping: list[LabelName] = Field(
        [], description="One SLO per combination of these labels' values (per route, per tenant, ...)"
    )
    alerting: Alerting | Literal[False] = Alerting()
    policy: BudgetPolicy | None = Field(None, description="Error-budget policy of this SLO (default: the service's)")
    allow_low_objective: bool = Field(
        False, description="An objective below 50% is refused as a likely ratio (0.999 for 99.9) unless this is true"
    )

    @field_validator("objective", mode="before")
    @classmethod
    def _objective_number(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise ValueError("objective must be a number in percent, e.g. 99.9")
        return value

    @field_validator("objective")
    @classmethod
    def _objective_range(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("objective must be a finite number in percent, e.g. 99.9")
        if value == 100:
            raise ValueError(
                "objective 100 leaves no error budget: don't aim for 100%, no system meets it "
                "and nothing could ever be released; pick e.g. 99.9"
            )
        if not 0 < value < 100:
            raise ValueError(f"objective must be a percentage between 0 and 100 (exclusive), got {value}")
        return value

    @field_validator("window")
    @classmethod
    def _window(cls, value: str | CalendarWindow) -> str | CalendarWindow:
        return value if isinstance(value, CalendarWindow) else _check_duration(value)

    @field_validator("grouping")
    @classmethod
    def _grouping(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("grouping labels must be unique")
        if "le" in value:
            raise ValueError("grouping by `le` would split histogram buckets, not SLOs")
        return value


class ServiceSpec(Strict):
    """One service's SLOs: the native spec, version 1."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="slogen service spec",
        json_schema_extra={"$id": "https://slogen.invalid/schema/service-v1.json"},
    )

    version: Literal[1] = 1
    service: Name
    labels: Labels = {}
    policy: BudgetPolicy | None = Field(None, description="Error-budget policy of every SLO (default: slogen's)")
    slos: list[SLO] = Field(min_length=1)


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
    raise ValueError(f"threshold {value!r} is not a number of seconds or a duration like 300ms")


def json_schema() -> dict[str, Any]:
    """JSON Schema of the native spec, for editors and CI."""
    schema = ServiceSpec.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
