"""Calendar-aligned SLO windows: this week, month or quarter in a time zone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from slogen.spec.fields import Strict

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

    @field_validator("starts")
    @classmethod
    def _starts(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A field check, not a model check, so a bad `starts` is reported at its own line.
        calendar = info.data.get("calendar")
        if value is not None and calendar is not None:
            _week_start(value) if calendar == "week" else _quarter_start(calendar, value)
        return value


def week_start(window: CalendarWindow) -> tuple[int, int]:
    """(weekday, 0 = Monday; second of the day) a calendar week starts."""
    if window.calendar != "week" or window.starts is None:
        return (0, 0)
    return _week_start(window.starts)


def _week_start(starts: str) -> tuple[int, int]:
    day, _, at = starts.strip().lower().partition(" ")
    if day not in WEEKDAY_NAMES:
        raise ValueError(f"starts {starts!r}: a week starts on a weekday name and an optional HH:MM, e.g. saturday 12:00")
    if not at:
        return (WEEKDAY_NAMES.index(day), 0)
    hours, _, minutes = at.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ValueError(f"starts {starts!r}: the time must be HH:MM, e.g. saturday 12:00")
    return (WEEKDAY_NAMES.index(day), int(hours) * 3600 + int(minutes) * 60)


def quarter_start(window: CalendarWindow) -> int:
    """The month (1-3) the first quarter of the year starts."""
    if window.starts is None or window.calendar == "week":
        return 1
    return _quarter_start(window.calendar, window.starts)


def _quarter_start(calendar: str, starts: str) -> int:
    if calendar != "quarter" or starts.strip().lower() not in QUARTER_START_MONTHS:
        raise ValueError(
            "starts is for weeks (a weekday) and quarters (january, february or march); months start on the 1st"
        )
    return QUARTER_START_MONTHS.index(starts.strip().lower()) + 1
