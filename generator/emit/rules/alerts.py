"""Plan -> multiwindow multi-burn-rate alerts: one rule per severity, tiers joined with `or`."""

from __future__ import annotations

from slogen.emit.rules.recording import Rule, events_count_expr
from slogen.plan import names
from slogen.plan.slo import SeverityPlan, SLOPlan
from slogen.plan.windows import BurnRateTier
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt, percent_text


def template_literal(text: str) -> str:
    """Make user text inert inside a Go template (Prometheus annotations are templates)."""
    return text.replace("{{", '{{ "{{" }}')


def _burn(plan: SLOPlan, window: int, factor: str) -> str:
    ratio = plan.selector(names.error_ratio(window))
    return f"sum without ({names.LABEL_WINDOW}) ({ratio}) / {fmt(plan.error_budget)} > {factor}"


def tier_expr(plan: SLOPlan, tier: BurnRateTier) -> str:
    """Long and short window both above the tier's burn factor (and enough traffic)."""
    factor = fmt(tier.factor(plan.period))
    parts = [_burn(plan, tier.long_window, factor), _burn(plan, tier.short_window, factor)]
    if plan.min_events:
        on = f"on ({', '.join(plan.grouping)})"
        parts.append(f"{on} {events_count_expr(plan, tier.long_window)} >= {plan.min_events}")
    return "\n  and\n  ".join(parts)


def _tier_text(plan: SLOPlan, tier: BurnRateTier) -> str:
    return (
        f"{fmt(tier.budget_fraction * 100)}% of the budget burns in {format_duration(tier.long_window)} "
        f"({fmt(tier.factor(plan.period))}x, confirmed over {format_duration(tier.short_window)})"
    )


def _annotations(plan: SLOPlan, sev: SeverityPlan) -> tuple[tuple[str, str], ...]:
    who = f"{plan.service}/{plan.name}"
    groups = "".join(f" {label}={{{{ $labels.{label} }}}}" for label in plan.grouping)
    speed = "fast" if sev.key == "page" else "faster than it can last"
    tiers = " or ".join(_tier_text(plan, t) for t in sev.tiers)
    description = (
        f"SLO {who}{groups} ({percent_text(plan.objective_percent)} over {format_duration(plan.period)}) "
        f'is burning its error budget at {{{{ $value | printf "%.2f" }}}}x the sustainable rate. '
        f"This {sev.key} alert fires when {tiers}."
    )
    if plan.description:
        description += f" SLI: {template_literal(plan.description)}"
    out = {
        "summary": f"{who}{groups}: error budget burning {speed}",
        "description": description,
    }
    out.update({key: template_literal(value) for key, value in sev.annotations})
    return tuple(out.items())


def alert_rules(plan: SLOPlan) -> list[Rule]:
    """One alert rule per enabled severity."""
    rules = []
    for sev in plan.severities:
        expr = "\nor\n".join(f"(\n  {tier_expr(plan, tier)}\n)" for tier in sev.tiers)
        rules.append(
            Rule(
                alert=plan.alert_name,
                expr=expr,
                for_=format_duration(sev.for_seconds) if sev.for_seconds else None,
                # The slo_* labels make each SLO's rule distinct for promtool's duplicate lint;
                # the series carry them anyway.
                # Alert labels are Go templates too: user values must stay inert.
                labels=tuple(sorted({**{k: template_literal(v) for k, v in sev.labels}, **dict(plan.id_labels)}.items())),
                annotations=_annotations(plan, sev),
            )
        )
    return rules
