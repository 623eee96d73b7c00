"""The native spec (version 1): the service, its SLOs, their alerting and budget policy; JSON Schema.

The SLI kinds (indicators.py), calendar windows (calendar_window.py) and the field types
they share (fields.py) live beside it; their public names are importable from here too,
as the native spec's one public face.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator
from slogen.spec.calendar_window import CALENDAR_NOMINAL_SECONDS, CalendarWindow, quarter_start, week_start
from slogen.spec.durations import parse_duration
from slogen.spec.exclusions import Exclusion
from slogen.spec.fields import (
    ALERT_NAME_PATTERN,
    NAME_VALIDATION,
    Annotations,
    Duration,
    LabelName,
    Labels,
    Name,
    Strict,
    reserved_label_problem,
)
from slogen.spec.indicators import SLI, SLICE_OPS, LatencySLI, QuerySLI, RatioSLI, TimeslicesSLI, threshold_seconds

# The stages after spec/ (plan, emit, postmortem) import the native spec from here alone.
__all__ = [
    "CALENDAR_NOMINAL_SECONDS", "NAME_VALIDATION", "SLI", "SLICE_OPS", "SLO", "Alerting", "BudgetPolicy", "CalendarWindow", "Exclusion",
    "LatencySLI", "NoData", "PolicyAlert", "PolicyState", "QuerySLI", "RatioSLI", "ServiceSpec", "Severity", "Tier",
    "TimeslicesSLI", "json_schema", "quarter_start", "reserved_label_problem", "threshold_seconds", "week_start",
]


def _check_duration(value: str) -> str:
    parse_duration(value)
    return value


class Tier(Strict):
    """A burn-rate tier: alert when `budget_percent` of the budget burns in `long_window`."""

    budget_percent: Decimal | None = Field(None, gt=0, le=100, description="Share of the error budget, in percent")
    burn_rate: Decimal | None = Field(
        None, gt=0, description="Instead of budget_percent: the burn factor itself, e.g. 14 (as Sloth and Pyrra state tiers)"
    )
    long_window: Duration = Field(examples=["1h", "6h"])
    short_window: Duration | None = Field(
        None, description="Default: long_window / 12, the SRE workbook's advice", examples=["5m", "30m"]
    )

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
    for_: Duration | None = Field(None, alias="for", description="Optional `for` duration of the alert rule", examples=["2m"])
    tiers: list[Tier] | None = Field(None, min_length=1, description="Default: the SRE workbook's tiers")

    @field_validator("for_")
    @classmethod
    def _for(cls, value: str | None) -> str | None:
        return None if value is None else _check_duration(value)


class NoData(Strict):
    """The opt-in alert raised while an SLO's SLI reads no series at all (its 5m events rate is gone)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    for_: Duration = Field(
        "10m", alias="for", description="How long the events rate must be missing before the alert fires", examples=["10m"]
    )
    labels: Labels = Field({}, description="Default: the SLO's ticket labels, or severity=ticket")
    annotations: Annotations = {}

    _for = field_validator("for_")(_check_duration)


class Alerting(Strict):
    """Multiwindow multi-burn-rate alerts: a page rule and a ticket rule."""

    name: Annotated[str, StringConstraints(pattern=ALERT_NAME_PATTERN, max_length=128)] = "SLOErrorBudgetBurn"
    labels: Labels = {}
    annotations: Annotations = {}
    templates: bool = Field(
        False,
        description="Alert labels and annotations are Prometheus templates, expanded per alert ({{ $labels.x }}), as in "
        "Sloth and Pyrra files; by default they are plain text",
    )
    page: Severity | Literal[False] = Severity()
    ticket: Severity | Literal[False] = Severity()
    min_events: int | None = Field(
        None, ge=1, description="A tier fires only when its long window saw at least this many events"
    )
    scale_from: Duration | None = Field(
        None,
        description="The tiers (default or given) and `for` durations are made for an SLO window of this length: "
        "scale their windows to this SLO's window, keeping each tier's burn factor (as Pyrra does; its table is for 28d)",
        examples=["28d"],
    )
    # Literal, not bool: a bad mapping is then reported at its own keys only (validation_messages.py drops literal branches).
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


class SLO(Strict):
    """One service level objective."""

    name: Name
    objective: Decimal = Field(description="Target in percent, 0 < objective < 100, e.g. 99.9")
    window: Duration | CalendarWindow = Field(
        "30d",
        description="A rolling duration (30d) or a calendar window",
        examples=["30d", "28d", {"calendar": "month", "time_zone": "Europe/Berlin"}],
    )
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
    untested: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = Field(
        None,
        description="Why this SLO has no generated tests (a bool probe, a timeslice query slogen cannot drive): "
        "recorded here, `slogen test --strict` still passes and names it",
        examples=["probe_success is checked by the blackbox exporter's own end-to-end suite"],
    )
    exclusions: list[Exclusion] = Field([], description="Time left out of this SLO's error budget (besides the service's)")

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
    team: Name | None = Field(
        None, description="The team that owns the service, for `slogen report --period --by team` (default: the `team` label)"
    )
    labels: Labels = {}
    policy: BudgetPolicy | None = Field(None, description="Error-budget policy of every SLO (default: slogen's)")
    exclusions: list[Exclusion] = Field([], description="Time left out of every SLO's error budget: maintenance, corrections")
    slos: list[SLO] = Field(min_length=1)


def json_schema() -> dict[str, Any]:
    """JSON Schema of the native spec, for editors and CI."""
    schema = ServiceSpec.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
