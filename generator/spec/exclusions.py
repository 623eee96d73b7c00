"""Exclusions: time left out of an SLO's error budget (planned maintenance, corrections).

Three kinds, one model: a one-off `from`/`to`, a recurring `every`, or a signal `when`.
The plan turns them into PromQL (plan/exclusions.py); here only their shape is checked.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator
from slogen.spec.durations import parse_duration
from slogen.spec.fields import Duration, PromQL, Strict
from slogen.spec.promql import SLIError, parse_expr

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NTH = ("first", "second", "third", "fourth", "last")
DAY = 86400
# No tail at all: the one zero duration a spec may write here.
_NO_TAIL = ("0", "0s", "0m")


def _hhmm(value: str) -> int:
    hours, sep, minutes = value.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60):
        raise ValueError(f"at {value!r} must be a local time HH:MM, e.g. 02:00")
    return int(hours) * 3600 + int(minutes) * 60


def _zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin or UTC") from None
    return value


class Every(Strict):
    """A recurring window on the local wall clock: weekly (`weekday`) or monthly (`day` or `nth` + `weekday`)."""

    weekday: Literal[WEEKDAYS] | None = Field(None, description="Weekly on this day, or with `nth` monthly")  # type: ignore[valid-type]
    day: int | None = Field(None, ge=1, le=28, description="Monthly on this day of the month (1-28, in every month)")
    nth: Literal[NTH] | None = Field(None, description="Monthly on the nth `weekday`: first .. fourth, or last")  # type: ignore[valid-type]
    at: str = Field(description="Local start time HH:MM", examples=["02:00"])
    for_: Duration = Field(alias="for", description="How long, on the local wall clock", examples=["2h"])
    time_zone: str = Field("UTC", description="IANA time zone, e.g. Europe/Berlin")

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        _hhmm(value)
        return value

    _tz = field_validator("time_zone")(_zone)

    @field_validator("for_")
    @classmethod
    def _for(cls, value: str) -> str:
        if parse_duration(value) <= 0:
            raise ValueError("for must be longer than 0")
        return value

    @model_validator(mode="after")
    def _kind(self) -> Every:
        if (self.day is None) == (self.weekday is None):
            raise ValueError("give `weekday` (weekly, or monthly with `nth`) or `day` (monthly), not both")
        if self.nth is not None and self.weekday is None:
            raise ValueError("`nth` needs a `weekday`, e.g. {nth: first, weekday: tuesday}")
        longest = 7 * DAY if self.nth is None and self.day is None else DAY
        if parse_duration(self.for_) >= longest:
            what = "a weekly window must be shorter than a week" if longest > DAY else "a monthly window must be shorter than a day"
            raise ValueError(f"for {self.for_}: {what}")
        return self

    @property
    def start_second(self) -> int:
        """Local second of the day the window starts."""
        return _hhmm(self.at)

    @property
    def seconds(self) -> int:
        """The window's length in seconds."""
        return parse_duration(self.for_)


def _datetime(value: object) -> object:
    # YAML reads an unquoted timestamp as a datetime already; a string is parsed by pydantic.
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time: use ISO 8601, e.g. 2026-12-12T02:00:00Z") from None
    return value


class Exclusion(Strict):
    """Time left out of the error budget, with why: one of from/to, every, when."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="Why this time is left out, for reviewers, reports and dashboards"
    )
    from_: datetime | None = Field(None, alias="from", description="One-off: start, ISO 8601 (Z, an offset, or local with time_zone)")
    to: datetime | None = Field(None, description="One-off: end (exclusive)")
    time_zone: str | None = Field(None, description="One-off: the zone of a from/to written without an offset")
    every: Every | None = Field(None, description="Recurring: weekly or monthly, on the local wall clock")
    when: PromQL | None = Field(None, description="Signal: excluded while this PromQL returns any series", examples=['maintenance_mode{service="checkout"} == 1'])
    count_as: Literal["absent", "good"] = Field(
        "absent", description="absent: excluded events count neither good nor bad; good: excluded errors count as good events"
    )
    tail: Duration = Field("5m", description="How long after the window still is excluded, so a 5m rate carries no errors out")

    _dates = field_validator("from_", "to", mode="before")(_datetime)
    _tz = field_validator("time_zone")(lambda value: value if value is None else _zone(value))

    @field_validator("when")
    @classmethod
    def _when(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_expr(value, "when")
            except SLIError as err:
                raise ValueError(str(err).removeprefix("when: ")) from None
        return value

    @field_validator("tail")
    @classmethod
    def _tail(cls, value: str) -> str:
        if value.strip() in _NO_TAIL:
            return value
        if parse_duration(value) > DAY:
            raise ValueError("tail must be at most 1d")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Exclusion:
        kinds = [k for k, given in (("from/to", self.from_ is not None or self.to is not None), ("every", self.every), ("when", self.when)) if given]
        if len(kinds) != 1:
            raise ValueError("an exclusion needs exactly one of from/to, every or when" + (f" (got {' and '.join(kinds)})" if kinds else ""))
        if kinds == ["from/to"]:
            if self.from_ is None or self.to is None:
                raise ValueError("a one-off exclusion needs both `from` and `to`")
            for value in (self.from_, self.to):
                if (value.tzinfo is None) == (self.time_zone is None):
                    raise ValueError(
                        "give from/to with an offset (2026-12-12T02:00:00Z) or without one and a `time_zone`, not both"
                        if self.time_zone else "from/to need an offset (Z for UTC) or a `time_zone`"
                    )
            if self.utc_bounds()[1] <= self.utc_bounds()[0]:
                raise ValueError("`to` must be after `from`")
        elif self.time_zone is not None:
            raise ValueError("`time_zone` is for from/to; a recurring window takes it inside `every`")
        return self

    def utc_bounds(self) -> tuple[int, int]:
        """A one-off's start and end, UTC seconds."""
        assert self.from_ is not None and self.to is not None
        zone = zoneinfo.ZoneInfo(self.time_zone) if self.time_zone else timezone.utc
        return tuple(int((v if v.tzinfo else v.replace(tzinfo=zone)).timestamp()) for v in (self.from_, self.to))  # type: ignore[return-value]

    @property
    def tail_seconds(self) -> int:
        """The tail in seconds (0 for `0s`)."""
        return 0 if self.tail.strip() in _NO_TAIL else parse_duration(self.tail)

    @property
    def kind(self) -> str:
        """one-off, recurring or signal."""
        return "one-off" if self.from_ is not None else "recurring" if self.every is not None else "signal"
