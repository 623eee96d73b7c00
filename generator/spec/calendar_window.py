"""Calendar-aligned SLO windows: this week, month or quarter in a time zone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
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
