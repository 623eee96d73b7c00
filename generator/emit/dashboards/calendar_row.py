"""What a calendar or timeslice SLO's dashboard row shows beyond a rolling SLO's."""

from __future__ import annotations

from dataclasses import dataclass

from slogen.emit.dashboards.grafana import Grid, stat_panel, target
from slogen.plan import names
from slogen.plan.names import CAL_END, CAL_ERRORS, CAL_EVENTS
from slogen.plan.slo import SLOPlan


@dataclass(frozen=True)
class CalendarView:
    """The period's name, its ratio, what its events are, and the time-left panel."""

    plan: SLOPlan
    period: str
    ratio: str
    events: str

    def time_left_panel(self, grid: Grid) -> dict:
        """Time left in the period, and (for timeslices) the period's slices, good and in all."""
        plan = self.plan
        targets = [target("A", f"{plan.selector(CAL_END)} - time()", "time left", instant=True)]
        description = f"Time until the current {self.period} ends and its error budget starts afresh."
        if plan.timeslice is not None:
            targets += [
                target("B", f"{plan.selector(CAL_EVENTS)} - {plan.selector(CAL_ERRORS)}", "good slices", instant=True),
                target("C", plan.selector(CAL_EVENTS), "slices", instant=True),
            ]
            description += " Below it: the period's good slices and all slices with traffic."
        return stat_panel(f"Left in this {plan.calendar.unit}", description, grid, targets, "dtdurations", ((None, "blue"),))  # type: ignore[union-attr]


def calendar_view(plan: SLOPlan) -> CalendarView | None:
    """The calendar view of a calendar SLO; None for rolling ones."""
    if plan.calendar is None:
        return None
    events = f"{plan.timeslice.slice // 60}m slices" if plan.timeslice else "events"
    ratio = f"sum without ({names.LABEL_WINDOW}) ({plan.selector(names.CALENDAR_ERROR_RATIO)})"
    return CalendarView(plan, plan.calendar.describe(), ratio, events)
