"""Plans -> multiwindow multi-burn-rate alerts: one rule per severity for every SLO of a
scope sharing its labels, tiers joined with `or`.

SLOs whose tiers have the same windows and factor share a tier's condition; the
annotations are each SLO's text, read from the alert's labels, and where SLOs'
texts differ, a template choosing by `slo_id` (no query at notification time, and
the same text promtool and Alertmanager see as before).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Sequence

from slogen.emit.rules.recording import Rule, Scope, burn_expr, events_count, gate, split_by
from slogen.plan import names
from slogen.plan.slo import SeverityPlan, SLOPlan
from slogen.plan.windows import ALERT_INTERVAL, BurnRateTier, alert_interval
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt, human, percent_text
from slogen.spec.promql import escape_string, name_text, names_text


def template_literal(text: str) -> str:
    """Make user text inert inside a Go template (Prometheus annotations are templates).

    A trailing `{` is escaped too: followed by slogen's own `{{ else ... }}` or `{{ end }}`
    it would open an action (`{{{`)."""
    out = text.replace("{{", '{{ "{{" }}')
    return out[:-1] + '{{ "{" }}' if out.endswith("{") else out


def alert_text(plan: SLOPlan, text: str) -> str:
    """A user's alert label or annotation: a template Prometheus expands when the spec says so
    (`alerting.templates`, Sloth's and Pyrra's meaning), else inert text."""
    return text if plan.alert_templates else template_literal(text)


def template_label(label: str) -> str:
    """Go template text reading one of the alert's labels: `$labels.job`, or `index $labels "service.name"`
    for a UTF-8 name, which no Go field access can spell (Go reads PromQL's string escapes)."""
    return f"$labels.{label}" if name_text(label) == label else f'index $labels "{escape_string(label)}"'


def _template_arg(label: str) -> str:
    text = template_label(label)
    return text if text.startswith("$") else f"({text})"


def tier_expr(plan: SLOPlan, tier: BurnRateTier) -> str:
    """One SLO's condition of a tier: long and short window both above its burn factor (and enough traffic)."""
    return _block(Scope.of(plan), tier, fmt(tier.factor(plan.period)), [plan])


def _tier_text(plan: SLOPlan, tier: BurnRateTier) -> str:
    return _tier_words(tier, plan.period)


@functools.lru_cache(maxsize=1 << 12)  # pure; asked for by every SLO sharing the tier and period
def _tier_words(tier: BurnRateTier, period: int) -> str:
    return (
        f"{human(tier.budget_fraction * 100)}% of the budget burns in {format_duration(tier.long_window)} "
        f"({human(tier.factor(period))}x, confirmed over {format_duration(tier.short_window)})"
    )


def tier_label(tier: BurnRateTier) -> str:
    """The tier's `slo_tier` value, `long/short` (e.g. `1h/5m`): stable while the tier fires, distinct per tier."""
    return f"{format_duration(tier.long_window)}/{format_duration(tier.short_window)}"


def exhaustion_text(plan: SLOPlan) -> str:
    """Alert template text: how long the remaining budget lasts at the alert's burn rate ($value).

    Templates have no arithmetic, so Prometheus works it out: period x remaining / burn,
    with the remaining budget of the alert's own series (its id and grouping labels).
    The sentence brings its own leading space: without a remaining budget it is left
    out, and the sentences around it stay one space apart.
    """
    matchers = ", ".join(f"{name_text(label)}=%q" for label in (names.LABEL_ID, *plan.grouping))
    args = " ".join(_template_arg(label) for label in (names.LABEL_ID, *plan.grouping))
    query = f"clamp_min({names.PERIOD_BUDGET_REMAINING}{{{matchers}}}, 0) * {plan.period} / %g"
    return (
        f'{{{{ with printf "{escape_string(query)}" {args} $value | query }}}}'
        " At this burn rate the remaining error budget is gone in {{ . | first | value | humanizeDuration }}."
        "{{ end }}"
    )


def who(plan: SLOPlan) -> str:
    """`service/name` and the grouping labels' values, as alert template text read from the alert's labels."""
    groups = "".join(f" {template_literal(label)}={{{{ {template_label(label)} }}}}" for label in plan.grouping)
    return f"{{{{ $labels.{names.LABEL_SERVICE} }}}}/{{{{ $labels.{names.LABEL_NAME} }}}}{groups}"


def _annotations(plan: SLOPlan, sev: SeverityPlan) -> dict[str, str]:
    speed = "fast" if sev.key == "page" else "faster than it can last"
    tiers = " or ".join(_tier_text(plan, t) for t in sev.tiers)
    description = (
        f"SLO {who(plan)} ({percent_text(plan.objective_percent)} {plan.window_text()}) "
        f'is burning its error budget at {{{{ $value | printf "%.2f" }}}}x the sustainable rate. '
        f"This {sev.key} alert fires when {tiers}; its slo_tier label names the tier that fired."
        f"{exhaustion_text(plan)}"
    )
    if plan.description:
        description += f" SLI: {template_literal(plan.description)}"
    out = {
        "summary": f"{who(plan)}: error budget burning {speed}",
        "description": description,
    }
    out.update({key: alert_text(plan, value) for key, value in sev.annotations})
    return out


def switch(texts: Sequence[tuple[SLOPlan, str]]) -> str:
    """One annotation for several SLOs: the text they share, or a template choosing each SLO's text by its id."""
    branches = split_by(texts, lambda item: item[1])
    if len(branches) == 1:
        return texts[0][1]
    out = []
    for index, (text, items) in enumerate(branches):
        ids = " ".join(f'"{escape_string(plan.id)}"' for plan, _ in items)  # Go reads PromQL's escapes
        out.append(f"{{{{ {'if' if index == 0 else 'else if'} eq $labels.{names.LABEL_ID} {ids} }}}}{text}")
    return "".join(out) + "{{ end }}"


def shared_annotations(texts: Sequence[tuple[SLOPlan, dict[str, str]]]) -> tuple[tuple[str, str], ...]:
    """The annotations of one alert rule for several SLOs (all with the same keys)."""
    return tuple((key, switch([(plan, annotations[key]) for plan, annotations in texts])) for key in texts[0][1])


def guard_by(plans: Sequence[SLOPlan]) -> tuple[str, ...]:
    """The labels a traffic guard joins on: the id (when several SLOs) and the grouping labels."""
    ids = (names.LABEL_ID,) if len(plans) > 1 else ()
    return ids + tuple(dict.fromkeys(g for plan in plans for g in plan.grouping))


def _block(scope: Scope, tier: BurnRateTier, factor: str, plans: list[SLOPlan]) -> str:
    """One tier's condition for the SLOs sharing its windows and factor."""
    parts = [f"{burn_expr(scope, plans, w, ' ')} > {factor}" for w in (tier.long_window, tier.short_window)]
    if len({plan.error_budget for plan in plans}) == 1:  # no join with the budgets to drop removed SLOs
        alive = gate(scope, plans, (names.LABEL_ID,))
        if alive:
            parts.append(alive)
    guarded = split_by([plan for plan in plans if plan.min_events], lambda plan: plan.min_events)
    for minimum, some in guarded:
        by = guard_by(plans)
        count = events_count(scope, some, tier.long_window, by)
        if len(some) == len(plans):
            parts.append(f"and\n  on ({names_text(by)}) {count} >= {minimum}")
        else:
            # Only some of the SLOs have a guard: drop theirs whose traffic is too low.
            parts.append(f"unless\n  on ({names_text(by)}) {count} < {minimum}")
    text = parts[0] + "\n  and\n  " + parts[1]
    return "".join([text] + [f"\n  {part}" for part in parts[2:]])


def distinct(rules: list[Rule]) -> list[Rule]:
    """Alert rules with the same name and labels (SLOs apart only by `for` or annotation keys)
    made distinct for promtool's duplicate-rule lint: the later ones set `slo_id` to the
    series' own value, followed by a template comment numbering them (expanded, it is the same label)."""
    seen: dict[tuple, int] = {}
    out = []
    for rule in rules:
        count = seen[(rule.alert, rule.labels)] = seen.get((rule.alert, rule.labels), 0) + 1
        if count > 1:
            mark = f"{{{{ $labels.{names.LABEL_ID} }}}}{{{{/* rule {count} with these labels */}}}}"
            rule = replace(rule, labels=tuple(sorted({**dict(rule.labels), names.LABEL_ID: mark}.items())))
        out.append(rule)
    return out


def alert_rules(scope: Scope, interval: int = ALERT_INTERVAL) -> list[Rule]:
    """One alert rule per alert name, severity labels, `for`, annotation keys and evaluation
    interval, for every SLO sharing them: the rules of the tiers evaluated every `interval`
    (windows.alert_interval), a severity's other tiers in their own groups' rules.
    Every group's rules are made together, so that rules alike in name and labels are told
    apart across groups too (promtool's duplicate-rule lint reads the whole file)."""
    found = [
        (plan, sev, annotations, every, tiers)
        for plan in scope.plans
        for sev in plan.severities
        for annotations in (_annotations(plan, sev),)
        for every, tiers in split_by(list(sev.tiers), lambda tier, plan=plan: alert_interval(tier, plan.counter_windows))
    ]
    classes = split_by(
        found,
        lambda item: (item[0].alert_name, item[1].labels, item[1].for_seconds, tuple(item[2]), item[0].alert_templates, item[3]),
    )
    rules = []
    speeds = []
    for (alert_name, labels, for_seconds, _, _, every), members in classes:  # type: ignore[misc]
        speeds.append(every)
        blocks = split_by(
            [(plan, tier) for plan, _, _, _, tiers in members for tier in tiers],
            lambda item: (item[1].long_window, item[1].short_window, item[1].factor(item[0].period)),
        )
        # Each tier's block carries its own slo_tier: an alert instance per firing tier, so two
        # tiers holding at once are two alerts (not one set dropped by `or`), each stable.
        # A rule of one tier sets it as a rule label, with no label_replace to evaluate.
        tiers = {tier_label(items[0][1]) for _, items in blocks}  # type: ignore[index]
        one = next(iter(tiers)) if len(tiers) == 1 else None
        parts = []
        for key, items in blocks:
            block = _block(scope, items[0][1], fmt(key[2]), [plan for plan, _ in items])  # type: ignore[index]
            if not one:
                block = f'label_replace(\n  {block},\n  "{names.LABEL_TIER}", "{tier_label(items[0][1])}", "", ""\n)'  # type: ignore[index]
            parts.append(block)
        expr = "\nor\n".join(parts)
        static = {k: alert_text(members[0][0], v) for k, v in labels}  # type: ignore[union-attr]
        if one:
            static[names.LABEL_TIER] = one
        rules.append(
            Rule(
                alert=alert_name,  # type: ignore[arg-type]
                expr=expr,
                for_=format_duration(for_seconds) if for_seconds else None,  # type: ignore[arg-type]
                # Alert labels are Go templates too: user values stay inert unless the spec
                # says they are templates.  The slo_* labels come with the series.
                labels=tuple(sorted(static.items())),
                annotations=shared_annotations([(plan, annotations) for plan, _, annotations, _, _ in members]),
            )
        )
    return [rule for rule, every in zip(distinct(rules), speeds) if every == interval]
