"""Plans -> the per-tier table of `slogen explain` and the README: pure."""

from __future__ import annotations

from dataclasses import dataclass

from slogen.emit.promtool.service_tests import ServiceTests
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import detection_time
from slogen.spec.durations import format_duration, humanize_duration
from slogen.spec.numbers import fmt, human

COLUMNS = (
    "tier",
    "severity",
    "windows",
    "factor",
    "error-rate threshold",
    "detection @100% errors",
    "budget burnt by then",
    "test (simulated)",
)


@dataclass(frozen=True)
class TierRow:
    """One tier of one SLO, as text cells."""

    slo: str
    cells: tuple[str, ...]


def _percent(value: float) -> str:
    return f"{human(value * 100)}%"


def tier_rows(plan: SLOPlan, tests: ServiceTests | None) -> list[TierRow]:
    """Every tier of an SLO: windows, factor, threshold, detection time and budget at 100% errors."""
    rows = []
    simulated = _simulated(plan, tests)
    for sev in plan.severities:
        for index, tier in enumerate(sev.tiers, start=1):
            factor = tier.factor(plan.period)
            threshold = tier.threshold(plan.period, plan.error_budget)
            # The alert holds its condition for `for` before it fires: part of the wait.
            detect = detection_time(tier, plan.period, plan.error_budget, 1.0, plan.counter_windows) + (sev.for_seconds or 0)
            # At 100% errors the budget burns at 1 / error_budget times the sustainable rate.
            burnt = detect / (float(plan.error_budget) * plan.period)
            long_, short = format_duration(tier.long_window), format_duration(tier.short_window)
            rows.append(
                TierRow(
                    f"{plan.service}/{plan.name}",
                    (
                        f"{sev.key} {index}",
                        dict(sev.labels).get("severity", sev.key),
                        f"{long_} / {short}",
                        human(factor),
                        _percent(float(threshold)),
                        humanize_duration(detect) if detect != float("inf") else "never",
                        _percent(burnt) if detect != float("inf") else "-",
                        simulated.get((sev.key, tier.long_window, tier.short_window), "untested"),
                    ),
                )
            )
    return rows


def _simulated(plan: SLOPlan, tests: ServiceTests | None) -> dict[tuple[str, int, int], str]:
    if tests is None:
        return {}
    out: dict[tuple[str, int, int], int] = {}
    for owner, scenario in tests.scenarios:
        if owner is plan and scenario.tier is not None:
            out[scenario.tier] = out.get(scenario.tier, 0) + scenario.length
    return {key: humanize_duration(seconds) for key, seconds in out.items()}


def markdown_table(plan: SLOPlan, tests: ServiceTests | None) -> str:
    """The tier table of one SLO as a GitHub markdown table."""
    lines = [
        f"**{plan.service}/{plan.name}** ({fmt(plan.objective_percent)}% {plan.window_text()})",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    rows = tier_rows(plan, tests)
    lines += ["| " + " | ".join(row.cells) + " |" for row in rows]
    if not rows:
        lines.append("| " + " | ".join(["(no alerts)"] + [""] * (len(COLUMNS) - 1)) + " |")
    return "\n".join(lines) + "\n"
