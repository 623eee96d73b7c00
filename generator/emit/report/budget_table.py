"""The reality check: what an objective allows, in time, in requests, and in alert delay.

Pure arithmetic over plans (exact decimals for budgets, floats only for detection
times, which come from windows.py) and pure renderers for JSON and Markdown; the
CLI prints.  Downtime is the time a *full* outage may last before the budget is
gone: for request-based SLIs it is an equivalent, not a promise about partial
failures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Context, Decimal
from functools import lru_cache

from slogen.plan.slo import SLOPlan
from slogen.plan.windows import COUNTER_WINDOWS, DAY, BurnRateTier, budget_consumed_at_fire, detection_time, workbook_detection_time
from slogen.spec.durations import format_duration, humanize_duration
from slogen.spec.numbers import exact, fmt, human

MONTH = 30 * DAY  # the reality-check table's month
YEAR = 365 * DAY
_THREE = Context(prec=3)
_UNITS = (("d", DAY, 48 * 3600), ("h", 3600, 90 * 60), ("min", 60, 90), ("s", 1, 0))


@dataclass(frozen=True)
class TierBudget:
    """One alert tier: how much budget it lets burn and how fast it fires on a full outage."""

    severity: str
    budget_percent: Decimal
    long_window: int
    short_window: int
    factor: Decimal
    workbook_detection: float  # seconds, SRE workbook formula, at 100% errors
    worst_detection: float  # seconds, slogen's worst case incl. smear and evaluation intervals


@dataclass(frozen=True)
class SLOBudget:
    """The budget of one SLO in every unit people ask about."""

    service: str
    name: str
    objective_percent: Decimal
    error_budget: Decimal
    period: int
    downtime_period: Decimal  # seconds of full outage per SLO window
    downtime_month: Decimal  # per 30-day month
    downtime_year: Decimal  # per 365-day year
    failures_allowed: Decimal | None  # requests per SLO window at the given traffic
    tiers: tuple[TierBudget, ...]
    # "calendar month (Europe/Berlin)" for a calendar SLO, whose period above is nominal.
    calendar: str = ""


def downtime(error_budget: Decimal, seconds: int) -> Decimal:
    """Seconds of full outage an error budget allows in a span."""
    return exact(error_budget * seconds)


def duration_text(seconds: Decimal | float) -> str:
    """A span in one unit at three significant digits: `7.2 h`, `3.65 d`, `43.2 min`, `52.6 min`."""
    value = Decimal(str(seconds)) if isinstance(seconds, float) else seconds
    if not value.is_finite():
        return "never"
    for unit, size, above in _UNITS:
        if value >= above:
            shown = _THREE.create_decimal(value / size).normalize()
            return f"{format(shown, 'f')} {unit}"
    raise AssertionError("unreachable")


def count_text(value: Decimal) -> str:
    """A request count: whole numbers with thousands separators, small ones to 3 digits."""
    if value >= 100:
        return f"{round(value):,}"
    return format(_THREE.create_decimal(value).normalize(), "f")


def slo_budget(plan: SLOPlan, rps: float | None = None) -> SLOBudget:
    """The reality check of one SLO; `rps` adds the requests allowed to fail per SLO window."""
    budget = plan.error_budget
    tiers = tier_budgets(plan.alert_tiers, plan.period, budget, plan.counter_windows)
    failures = None if rps is None else exact(Decimal(str(rps)) * plan.period * budget)
    return SLOBudget(
        service=plan.service,
        name=plan.name,
        objective_percent=plan.objective_percent,
        error_budget=budget,
        period=plan.period,
        downtime_period=downtime(budget, plan.period),
        downtime_month=downtime(budget, MONTH),
        downtime_year=downtime(budget, YEAR),
        failures_allowed=failures,
        tiers=tiers,
        calendar=plan.calendar.describe() if plan.calendar else "",
    )


# Most SLOs share their tiers, window and objective with many others: compute each once.
@lru_cache(maxsize=256)
def tier_budgets(
    tiers: tuple[tuple[BurnRateTier, int], ...], period: int, budget: Decimal, counters: frozenset[int] = COUNTER_WINDOWS
) -> tuple[TierBudget, ...]:
    """What each tier lets burn before it fires, and how fast it fires on a full outage (its `for` included)."""
    return tuple(
        TierBudget(
            severity=tier.severity,
            budget_percent=exact(budget_consumed_at_fire(tier, period) * 100),
            long_window=tier.long_window,
            short_window=tier.short_window,
            factor=tier.factor(period),
            workbook_detection=workbook_detection_time(tier, period, budget, 1.0) + for_seconds,
            worst_detection=detection_time(tier, period, budget, 1.0, counters) + for_seconds,
        )
        for tier, for_seconds in tiers
    )


def _seconds(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 1)


def budget_json(budgets: list[SLOBudget]) -> list[dict]:
    """Machine-readable budgets: seconds as numbers, decimals as strings (derived ones rounded as in the table)."""
    return [
        {
            "service": b.service,
            "slo": b.name,
            "objective_percent": fmt(b.objective_percent),
            "error_budget": fmt(b.error_budget),
            "window": format_duration(b.period),
            **({"calendar": b.calendar} if b.calendar else {}),
            "downtime_seconds": {
                "window": float(b.downtime_period),
                "month_30d": float(b.downtime_month),
                "year_365d": float(b.downtime_year),
            },
            "downtime": {
                "window": duration_text(b.downtime_period),
                "month_30d": duration_text(b.downtime_month),
                "year_365d": duration_text(b.downtime_year),
            },
            "failures_allowed_per_window": None if b.failures_allowed is None else float(b.failures_allowed),
            "tiers": [
                {
                    "severity": t.severity,
                    # Derived shares and factors (10.7142857142857) are rounded as everywhere
                    # people read them; the objective and budget are the spec's own exact values.
                    "budget_percent": human(t.budget_percent),
                    "long_window": format_duration(t.long_window),
                    "short_window": format_duration(t.short_window),
                    "burn_factor": human(t.factor),
                    "detection_seconds_at_100_percent_errors": {
                        "workbook": _seconds(t.workbook_detection),
                        "worst_case": _seconds(t.worst_detection),
                    },
                }
                for t in b.tiers
            ],
        }
        for b in budgets
    ]


def budget_rows(b: SLOBudget) -> list[str]:
    """The cells of one SLO's row in the budget table."""
    row = [f"{b.service}/{b.name}", *_budget_cells(b.objective_percent, b.error_budget, b.period)]
    if b.calendar:
        row[BUDGET_HEADERS.index("window")] = f"{b.calendar}, ~{format_duration(b.period)}"
    if b.failures_allowed is not None:
        row.append(count_text(b.failures_allowed))
    return row


@lru_cache(maxsize=256)
def _budget_cells(objective_percent: Decimal, error_budget: Decimal, period: int) -> tuple[str, ...]:
    return (
        f"{fmt(objective_percent)}%",
        f"{fmt(error_budget * 100)}%",
        format_duration(period),
        duration_text(downtime(error_budget, period)),
        duration_text(downtime(error_budget, MONTH)),
        duration_text(downtime(error_budget, YEAR)),
    )


BUDGET_HEADERS = ["SLO", "objective", "error budget", "window", "downtime / window", "/ 30d month", "/ year"]
TIER_HEADERS = ["SLO", "severity", "budget burnt", "long / short window", "burn factor", "detection (workbook)", "detection (worst case)"]


def tier_rows(b: SLOBudget) -> list[list[str]]:
    """The cells of one SLO's alert tiers: detection times at 100% errors."""
    return [[f"{b.service}/{b.name}", *tier_cells(t)] for t in b.tiers]


def tier_cells(t: TierBudget) -> list[str]:
    """One tier's cells of the tier table, without the SLO column."""
    return [
        t.severity,
        f"{human(t.budget_percent)}%",
        f"{format_duration(t.long_window)} / {format_duration(t.short_window)}",
        f"{human(t.factor)}x",
        humanize_duration(t.workbook_detection) if math.isfinite(t.workbook_detection) else "never",
        humanize_duration(t.worst_detection) if math.isfinite(t.worst_detection) else "never",
    ]


def _markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_markdown(budgets: list[SLOBudget], rps: float | None) -> str:
    """The budget and alert-tier tables as Markdown."""
    headers = BUDGET_HEADERS + ([f"failures allowed / window at {rps:g} rps"] if rps is not None else [])
    out = "## Error budgets\n\n" + _markdown_table(headers, [budget_rows(b) for b in budgets])
    tiers = [row for b in budgets for row in tier_rows(b)]
    if tiers:
        out += "\n## Alert tiers (detection time at 100% errors)\n\n" + _markdown_table(TIER_HEADERS, tiers)
    return out
