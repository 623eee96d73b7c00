"""A periodic report's calendar period, its rows and totals, and their CSV and JSON. Pure.

`slogen report --period 2026-11` reads its numbers from Prometheus (live/period_report.py);
this module says what a period is, what one SLO's row holds, how rows add up to a team's
or a service's total (traffic-weighted: summed errors over summed events), and writes
them as CSV and JSON in a fixed order, so two runs over the same data are byte-identical.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slogen.errors import OptionError
from slogen.spec.durations import format_duration

NO_TEAM = "(no team)"
PERIOD_FORMS = "a month (2026-11), an ISO week (2026-W45), a quarter (2026-Q4) or a year (2026)"


@dataclass(frozen=True)
class Day:
    """One local calendar day of a period, as unix seconds [start, end)."""

    date: date
    start: int
    end: int


@dataclass(frozen=True)
class Period:
    """A calendar period in one time zone: its name, its local days and its UTC bounds [start, end)."""

    name: str
    time_zone: str
    days: tuple[Day, ...]

    @property
    def start(self) -> int:
        """The period's first second, unix time."""
        return self.days[0].start

    @property
    def end(self) -> int:
        """The second after the period, unix time: every number is read `@` it."""
        return self.days[-1].end

    @property
    def seconds(self) -> int:
        """The period's length (a DST change makes a local month an hour shorter or longer)."""
        return self.end - self.start


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OptionError(f"--time-zone {name!r}: not a tz database zone such as UTC or Europe/Berlin") from None


def _first_last(text: str) -> tuple[date, date]:
    """The first and last local day of the period `text` names."""
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            first = date(int(m[1]), int(m[2]), 1)
            after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        elif m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            after = first + timedelta(days=7)
        elif m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            first = date(int(m[1]), 3 * int(m[2]) - 2, 1)
            after = date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
        elif m := re.fullmatch(r"(\d{4})", text):
            first, after = date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1)
        else:
            raise ValueError("")
    except ValueError:
        raise OptionError(f"--period {text!r}: expected {PERIOD_FORMS}") from None
    return first, after - timedelta(days=1)


def parse_period(text: str, time_zone: str = "UTC", now: float | None = None) -> Period:
    """The period `text` names, in `time_zone`; an OptionError unless it has ended by `now`."""
    zone = _zone(time_zone)
    first, last = _first_last(text)
    if first.year < 1970:
        raise OptionError(f"--period {text!r}: expected a period after 1970")

    def midnight(day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())

    count = (last - first).days + 1
    days = tuple(Day(first + timedelta(n), midnight(first + timedelta(n)), midnight(first + timedelta(n + 1))) for n in range(count))
    period = Period(text, time_zone, days)
    if now is not None and period.end > now:
        ends = datetime.fromtimestamp(period.end, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
        raise OptionError(f"--period {text!r}: the period has not ended yet (it ends {ends}); a report covers a past period")
    return period


@dataclass(frozen=True)
class StateSpell:
    """A budget policy state an SLO was in during the period: when it first was, and for how many hours."""

    action: str
    first: int  # unix time of the end of the first hour it held at
    hours: int


@dataclass(frozen=True)
class Postmortem:
    """A postmortem naming an SLO, dated within the period."""

    date: str
    title: str
    file: str
    budget: str


@dataclass(frozen=True)
class ExcludedTime:
    """One exclusion of an SLO that held time in the period: how long, and the bad events it left out."""

    reason: str
    when: str  # the spec's window, as `explain` describes it
    count_as: str  # absent: events left out; good: errors counted as good
    seconds: int  # excluded time in the period, its tail included
    errors: float  # bad events recorded while it held (left out of the budget, or counted as good)


@dataclass(frozen=True)
class MemberShare:
    """One member of a composite (journey) SLO over the period: its SLI, and its share of the journey's errors."""

    slo_id: str
    weight: float
    sli: float | None  # None without traffic
    share: float | None  # None for `worst` (the journey is its worst member, not a sum) or a journey without errors


def member_shares(method: str, members: list[tuple[str, float]], rows: dict[str, "SLORow"]) -> tuple[MemberShare, ...]:
    """Each member's SLI and share of the journey's errors over the period, from the members' own rows:
    `events`, its weighted bad events over all members' (what the journey pools); `weighted`, its
    weighted error ratio over the sum of them (the period's ratios standing for the 5m ones the
    journey averages); `worst`, no share: each member's SLI says which one the journey was."""
    ratios = {slo_id: (1 - rows[slo_id].sli) if slo_id in rows and rows[slo_id].sli is not None else None for slo_id, _ in members}
    if method == "events":
        parts = [weight * rows[slo_id].errors if slo_id in rows else 0.0 for slo_id, weight in members]
    else:
        parts = [weight * (ratios[slo_id] or 0.0) for slo_id, weight in members]
    whole = sum(parts)
    return tuple(
        MemberShare(slo_id, weight, None if ratios[slo_id] is None else 1 - ratios[slo_id], part / whole if whole > 0 and method != "worst" else None)
        for (slo_id, weight), part in zip(members, parts)
    )


@dataclass(frozen=True)
class SLORow:
    """One SLO over the period: the numbers read from Prometheus, and its spec's."""

    slo_id: str
    service: str
    name: str
    team: str
    objective_percent: float
    events: float
    errors: float
    hours: int  # hours of the period holding recorded data
    worst_day: date | None
    worst_day_sli: float | None
    states: tuple[StateSpell, ...] = ()
    postmortems: tuple[Postmortem, ...] = ()
    exclusions: tuple[ExcludedTime, ...] = ()
    members: tuple[MemberShare, ...] = ()  # a composite's members (member_shares); none for any other SLO

    @property
    def budget(self) -> float:
        """The error budget as a ratio, 0.001 for 99.9%."""
        return round(1 - self.objective_percent / 100, 12)

    @property
    def sli(self) -> float | None:
        """Good events over all events in the period, a ratio; None without traffic."""
        return 1 - self.errors / self.events if self.events > 0 else None

    @property
    def budget_spent(self) -> float | None:
        """Bad events over the bad events the objective allows for the period's traffic."""
        allowed = self.budget * self.events  # 0 when the traffic is too small to allow any (underflow)
        return self.errors / allowed if allowed > 0 else None

    def budget_share(self, excluded: ExcludedTime) -> float | None:
        """The bad events an exclusion left out over those the objective allows for the period's traffic."""
        allowed = self.budget * self.events
        return excluded.errors / allowed if allowed > 0 else None

    @property
    def missed(self) -> bool:
        """Whether the period's SLI fell below the objective (more than the whole budget spent)."""
        spent = self.budget_spent
        return spent is not None and spent > 1


@dataclass(frozen=True)
class Total:
    """A team's or a service's SLOs over the period, traffic-weighted."""

    key: str
    slos: int
    events: float
    errors: float
    allowed: float  # the bad events their objectives allow, summed

    @property
    def sli(self) -> float | None:
        """Summed good events over summed events."""
        return 1 - self.errors / self.events if self.events > 0 else None

    @property
    def budget_spent(self) -> float | None:
        """Summed bad events over the summed bad events allowed."""
        return self.errors / self.allowed if self.allowed > 0 else None


def group_key(row: SLORow, by: str) -> str:
    """The team or service a row adds up to."""
    return row.team if by == "team" else row.service


def totals(rows: list[SLORow], by: str) -> list[Total]:
    """One traffic-weighted total per team or service, sorted by name."""
    out: dict[str, Total] = {}
    for row in rows:
        key = group_key(row, by)
        old = out.get(key, Total(key, 0, 0.0, 0.0, 0.0))
        out[key] = Total(key, old.slos + 1, old.events + row.events, old.errors + row.errors, old.allowed + row.budget * row.events)
    return [out[key] for key in sorted(out)]


def ordered(rows: list[SLORow], by: str) -> list[SLORow]:
    """Rows by team or service, then SLO id: the one order every format uses."""
    return sorted(rows, key=lambda r: (group_key(r, by), r.slo_id))


def day_text(unix: int, period: Period) -> str:
    """A unix time as the local date and hour in the period's zone, e.g. 2026-11-12 14:00."""
    return datetime.fromtimestamp(unix, ZoneInfo(period.time_zone)).strftime("%Y-%m-%d %H:%M")


def states_text(row: SLORow, period: Period) -> str:
    """`normal 600h; freeze from 2026-11-12 14:00 120h`: each state in the order first reached, and
    from when (the end of the first hour recorded in it: the hourly point that moved the budget)."""
    return "; ".join(
        f"{s.action} {s.hours}h" if s.first <= period.start + 3600 else f"{s.action} from {day_text(s.first, period)} {s.hours}h"
        for s in row.states
    )


def _num(value: float | None, digits: int = 6) -> str:
    return "" if value is None else f"{round(value, digits):.{digits}f}"


def exclusions_text(row: SLORow) -> str:
    """`database upgrade 2h05m 7275.000 bad events 72.750% of budget; ...`: each exclusion that held time in the period."""
    return "; ".join(
        f"{e.reason} {format_duration(e.seconds)} {_num(e.errors, 3)} bad events {_num(_percent(row.budget_share(e)), 3) or '-'}% of budget"
        for e in row.exclusions
    )


CSV_COLUMNS = (
    "period", "time_zone", "team", "service", "slo_id", "objective_percent", "sli_percent", "missed",
    "budget_spent_percent", "events", "errors", "hours_with_data", "hours_in_period", "worst_day",
    "worst_day_sli_percent", "policy_states", "postmortems", "exclusions",
)


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


def missed_or_unknown(spent: float | None) -> bool | None:
    """Whether more than the whole budget was spent; None when no budget could be counted (no events):
    a silent SLO is not one that met its objective."""
    return None if spent is None else spent > 1


def _yes_no(missed: bool | None) -> str:
    return "" if missed is None else ("yes" if missed else "no")


def render_csv(rows: list[SLORow], period: Period, by: str) -> str:
    """One line per SLO (columns CSV_COLUMNS), then one per total with `slo_id` `*`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    hours = period.seconds // 3600
    for row in ordered(rows, by):
        writer.writerow(
            [
                period.name, period.time_zone, row.team, row.service, row.slo_id, f"{row.objective_percent:g}", _num(_percent(row.sli)),
                _yes_no(missed_or_unknown(row.budget_spent)), _num(_percent(row.budget_spent), 3), _num(row.events, 3), _num(row.errors, 3),
                row.hours, hours, row.worst_day.isoformat() if row.worst_day else "", _num(_percent(row.worst_day_sli)),
                states_text(row, period), " ".join(p.file for p in row.postmortems), exclusions_text(row),
            ]
        )
    for total in totals(rows, by):
        team, service = (total.key, "*") if by == "team" else ("*", total.key)
        spent = total.budget_spent
        writer.writerow(
            [
                period.name, period.time_zone, team, service, "*", "", _num(_percent(total.sli)), _yes_no(missed_or_unknown(spent)),
                _num(_percent(spent), 3), _num(total.events, 3), _num(total.errors, 3), "", hours, "", "", "", "", "",
            ]
        )
    return buffer.getvalue()


def _rounded(value: float | None, digits: int = 9) -> float | None:
    return None if value is None else round(value, digits)


def report_json(rows: list[SLORow], period: Period, by: str) -> dict:
    """The report as JSON-ready data: the period, the SLOs in report order, and the totals."""
    return {
        "period": {"name": period.name, "time_zone": period.time_zone, "start": period.start, "end": period.end, "hours": period.seconds // 3600},
        "by": by,
        "slos": [
            {
                "slo_id": row.slo_id, "service": row.service, "name": row.name, "team": row.team,
                "objective_percent": row.objective_percent, "sli": _rounded(row.sli), "missed": missed_or_unknown(row.budget_spent),
                "budget_spent": _rounded(row.budget_spent), "events": _rounded(row.events, 3), "errors": _rounded(row.errors, 3),
                "hours_with_data": row.hours, "worst_day": row.worst_day.isoformat() if row.worst_day else None,
                "worst_day_sli": _rounded(row.worst_day_sli),
                "policy_states": [{"action": s.action, "first_hour_end": s.first, "hours": s.hours} for s in row.states],
                "postmortems": [{"date": p.date, "title": p.title, "file": p.file, "budget_consumed": p.budget} for p in row.postmortems],
                "exclusions": [
                    {"reason": e.reason, "when": e.when, "events": e.count_as, "seconds": e.seconds, "errors": _rounded(e.errors, 3),
                     "budget_share": _rounded(row.budget_share(e))}
                    for e in row.exclusions
                ],
                **_members_json(row),
            }
            for row in ordered(rows, by)
        ],
        "totals": [
            {
                by: t.key, "slos": t.slos, "sli": _rounded(t.sli), "budget_spent": _rounded(t.budget_spent),
                "missed": missed_or_unknown(t.budget_spent), "events": _rounded(t.events, 3), "errors": _rounded(t.errors, 3),
            }
            for t in totals(rows, by)
        ],
    }


def _members_json(row: SLORow) -> dict:
    """A composite's `members` key (other SLOs' rows keep the keys they had)."""
    if not row.members:
        return {}
    return {
        "members": [
            {"slo_id": m.slo_id, "weight": m.weight, "sli": _rounded(m.sli), "share_of_errors": _rounded(m.share)} for m in row.members
        ]
    }


def render_json(rows: list[SLORow], period: Period, by: str) -> str:
    """report_json as indented JSON text."""
    return json.dumps(report_json(rows, period, by), indent=2) + "\n"
