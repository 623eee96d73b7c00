"""Spec -> plan: every number, window and expression an SLO needs, and what is wrong.

Pure: takes a validated `ServiceSpec`, returns plans and located problems.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property

from slogen.plan import names
from slogen.plan.calendar_periods import NOMINAL, Calendar, calendar_plan
from slogen.plan.exclusions import ExclusionPlan, exclusion_plan, gated
from slogen.plan.nodata import NoDataPlan, no_data_plan
from slogen.plan.composite import CompositePlan, composite_plan, composite_problems, composite_rates
from slogen.plan.budget_policy import DEFAULT_STATES, PolicyPlan, build_policy, policy_problems
from slogen.plan.sli import BaseRates, base_rates
from slogen.plan.timeslices import TimeslicePlan, timeslice_plan
from slogen.plan.windows import BASE_WINDOW, COUNTER_WINDOWS, DAY, DEFAULT_TIERS, FAST_WINDOW, HOUR, BurnRateTier, scale_seconds, scale_tiers, window_problems
from slogen.spec.durations import format_duration, parse_duration
from slogen.spec.errors import Problem
from slogen.spec.model import SLO, ServiceSpec, Severity, Tier, reserved_label_problem
from slogen.spec.numbers import exact, fmt, human
from slogen.spec.promql import SLIError, parse_selector

# Windows recorded for every SLO whatever its tiers, so dashboards can rely on them.
STANDARD_WINDOWS = (5 * 60, 30 * 60, HOUR, 2 * HOUR, 6 * HOUR, DAY, 3 * DAY)
MIN_PERIOD = DAY
MAX_PERIOD = 366 * DAY
SEVERITIES = ("page", "ticket")


@dataclass(frozen=True)
class SeverityPlan:
    """One alert rule of an SLO: its severity key, tiers, labels and annotations."""

    key: str
    tiers: tuple[BurnRateTier, ...]
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]
    for_seconds: int | None


@dataclass(frozen=True)
class SLOPlan:
    """Everything the emitters need to know about one SLO."""

    service: str
    name: str
    description: str
    objective_percent: Decimal
    period: int
    labels: tuple[tuple[str, str], ...]
    grouping: tuple[str, ...]
    sli_kind: str
    rates: BaseRates
    windows: tuple[int, ...]
    alert_name: str
    severities: tuple[SeverityPlan, ...]
    min_events: int | None
    policy: PolicyPlan = PolicyPlan(DEFAULT_STATES, (("severity", "ticket"),))
    # A calendar window (its period above is the nominal length burn factors use).
    calendar: Calendar | None = None
    timeslice: TimeslicePlan | None = None
    # The opt-in alert while the SLI reads no series at all (plan/nodata.py).
    no_data: NoDataPlan | None = None
    # Alert labels and annotations are Prometheus templates (alerting.templates), not inert text.
    alert_templates: bool = False
    # Who owns the service (spec `team:`, else its `team` label): only periodic reports read it.
    team: str | None = None
    # A composite (user-journey) SLO's members and method (plan/composite.py).
    composite: CompositePlan | None = None
    # Time left out of the budget (plan/exclusions.py): its rates are gated by it.
    exclusion: ExclusionPlan | None = None

    # Cached: read for every rule of the SLO (frozen dataclass, so it cannot go stale).
    @cached_property
    def id(self) -> str:
        """`<service>-<name>`."""
        return names.slo_id(self.service, self.name)

    @cached_property
    def objective(self) -> Decimal:
        """The objective as a ratio, e.g. 0.999."""
        return exact(self.objective_percent / 100)

    @cached_property
    def error_budget(self) -> Decimal:
        """1 - objective, e.g. 0.001."""
        return exact(1 - self.objective)

    @cached_property
    def id_labels(self) -> tuple[tuple[str, str], ...]:
        """The slo_* labels every series of this SLO carries."""
        return (
            (names.LABEL_ID, self.id),
            (names.LABEL_NAME, self.name),
            (names.LABEL_SERVICE, self.service),
        )

    @cached_property
    def series_labels(self) -> dict[str, str]:
        """All labels of a non-window series: slo_* labels and the spec's labels, sorted (shared: do not mutate)."""
        return dict(sorted({**dict(self.labels), **dict(self.id_labels)}.items()))

    @cached_property
    def alert_tiers(self) -> tuple[tuple[BurnRateTier, int], ...]:
        """Every tier with its severity's `for` in seconds (0 without), which every detection time shown includes."""
        return tuple((tier, sev.for_seconds or 0) for sev in self.severities for tier in sev.tiers)

    @cached_property
    def counter_windows(self) -> frozenset[int]:
        """The windows read straight from the user's counters: the 5m base rates, and the fast page
        window where a tier alerts on it (summed from the 5m rates it costs less, and serves
        dashboards as well) and the SLI can be read over it (not a query without `{{window}}`)."""
        alerting = {w for sev in self.severities for tier in sev.tiers for w in (tier.long_window, tier.short_window)}
        return COUNTER_WINDOWS if self.rates.fast and FAST_WINDOW in alerting else frozenset({BASE_WINDOW})

    def window_text(self) -> str:
        """The SLO's window in a sentence: `over 30d`, or `per calendar month (Europe/Berlin)`."""
        return f"per {self.calendar.describe()}" if self.calendar else f"over {format_duration(self.period)}"

    def selector(self, metric: str) -> str:
        """A selector for one of this SLO's recorded series (by id only, so relabelled history still counts)."""
        return f'{metric}{{{names.LABEL_ID}="{self.id}"}}'


def _tiers(severity: str, spec: Severity, period: int) -> tuple[BurnRateTier, ...]:
    if spec.tiers is None:
        return DEFAULT_TIERS[severity]
    out = []
    for tier in spec.tiers:
        long_window = parse_duration(tier.long_window)
        short_window = parse_duration(tier.short_window) if tier.short_window else max(BASE_WINDOW, long_window // 12)
        if tier.burn_rate is not None:
            fraction = exact(tier.burn_rate * long_window / Decimal(period))
            out.append(BurnRateTier(severity, fraction, long_window, short_window, exact(tier.burn_rate)))
        else:
            out.append(BurnRateTier(severity, exact(tier.budget_percent / 100), long_window, short_window))
    return tuple(out)


def _for_seconds(text: str | None, period: int, reference: int) -> int | None:
    if not text:
        return None
    seconds = parse_duration(text)
    return seconds if reference == period else scale_seconds(seconds, period, reference)


def _tier_problems(tier: BurnRateTier, spec_tier: Tier | None, loc: tuple, period: int, budget: Decimal) -> list[Problem]:
    """What makes a tier unusable; default tiers are blamed on the SLO's window or objective."""
    slo_loc = loc[:2]
    name = "" if spec_tier is not None else f" of the default {tier.severity} tier"

    def at(key: str, default_key: str) -> tuple:
        return loc + (key,) if spec_tier is not None else slo_loc + (default_key,)

    problems = []
    for window, key in ((tier.long_window, "long_window"), (tier.short_window, "short_window")):
        for message in window_problems(window, key.replace("_", " ")):
            problems.append(Problem(at(key, "window"), message + name))
    if tier.short_window >= tier.long_window:
        problems.append(
            Problem(at("short_window", "window"), f"short window {format_duration(tier.short_window)} must be shorter than the long window {format_duration(tier.long_window)}")
        )
    if tier.long_window > period:
        problems.append(
            Problem(
                at("long_window", "window"),
                f"SLO window {format_duration(period)} is shorter than the {format_duration(tier.long_window)} long window{name}",
            )
        )
    factor = tier.factor(period)
    if factor * budget > 1:
        problems.append(
            Problem(
                at("burn_rate" if spec_tier is not None and spec_tier.burn_rate is not None else "budget_percent", "objective"),
                f"the {tier.severity} tier burning {fmt(tier.budget_fraction * 100)}% of the budget in {format_duration(tier.long_window)} "
                f"can never fire: burn factor {fmt(factor)} x error budget {fmt(budget)} = {fmt(factor * budget)} is more than "
                "a 100% error rate; lower the tier's budget share, lengthen its window, or raise the objective",
            )
        )
    return problems


def label_problems(labels: dict[str, str] | list[str], loc: tuple) -> list[Problem]:
    """Reserved label names, each reported at its own key."""
    problems = []
    for position, name in enumerate(labels):
        message = reserved_label_problem(name)
        if message:
            where = loc + ((name,) if isinstance(labels, dict) else (position,))
            problems.append(Problem(where, message, at_key=isinstance(labels, dict)))
    return problems


# Below this, an objective is far likelier a ratio written where a percentage belongs.
LOW_OBJECTIVE = 50


def objective_problems(slo: SLO, loc: tuple) -> list[Problem]:
    """An objective under 50% without `allow_low_objective: true`: most likely a ratio."""
    if slo.objective >= LOW_OBJECTIVE or slo.allow_low_objective:
        return []
    hint = f"did you mean {fmt(slo.objective * 100)}? " if slo.objective < 1 else ""
    return [
        Problem(
            loc + ("objective",),
            f"objective {fmt(slo.objective)} is a percentage below {LOW_OBJECTIVE}%: {hint}objectives are percentages "
            "(99.9, not 0.999); set `allow_low_objective: true` on the SLO if you mean it",
        )
    ]


def grouping_problems(service: ServiceSpec, slo: SLO, loc: tuple) -> list[Problem]:
    """Grouping labels that a static label of the rules would overwrite.

    Prometheus then sees several series with the same labels after the rule's labels
    are applied and drops the rule's whole result at evaluation time.
    """
    static = {name: ("labels",) for name in service.labels}
    static.update({name: loc + ("labels",) for name in slo.labels})
    if slo.alerting is not False:
        static.update({name: loc + ("alerting", "labels") for name in slo.alerting.labels})
        for key in SEVERITIES:
            sev = getattr(slo.alerting, key)
            if sev is not False:
                static.update({name: loc + ("alerting", key, "labels") for name in sev.labels})
    problems = []
    for position, label in enumerate(slo.grouping):
        if label in static:
            where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in static[label]).replace(".[", "[")
            problems.append(
                Problem(
                    loc + ("grouping", position),
                    f"grouping label {label!r} is also a static label ({where}.{label}): the rules would overwrite its "
                    "values and Prometheus would reject their results; drop one of the two or rename the static label",
                )
            )
    return problems


def ratio_problems(slo: SLO, loc: tuple) -> list[Problem]:
    """A ratio SLI whose `errors` (or `good`) selects exactly the series of `total`."""
    ratio = slo.sli.ratio
    if ratio is None:
        return []
    field, part = ("errors", ratio.errors) if ratio.errors is not None else ("good", ratio.good)
    if part is None or not same_series(part, ratio.total):
        return []
    meaning = "every event would be an error (100% errors)" if field == "errors" else "no event could ever fail"
    return [
        Problem(
            loc + ("sli", "ratio", field),
            f"`{field}` selects the same series as `total`: {meaning}; "
            f"narrow it to the {'failing' if field == 'errors' else 'successful'} events, e.g. with code=~\"5..\"",
        )
    ]


def same_series(a: str, b: str) -> bool:
    """Whether two plain selectors select the same series (matcher order aside)."""
    try:
        first, second = parse_selector(a, ""), parse_selector(b, "")
    except SLIError:
        return False
    return first.name == second.name and sorted(first.matchers) == sorted(second.matchers)


def plan_slo(service: ServiceSpec, index: int) -> tuple[SLOPlan | None, list[Problem]]:
    """Plan one SLO of a service, or say what is wrong with it."""
    slo: SLO = service.slos[index]
    loc = ("slos", index)
    problems: list[Problem] = []
    calendar, found = calendar_plan(slo.window, loc + ("window",))
    problems += found
    period = calendar.nominal if calendar else NOMINAL["month"] if found else parse_duration(slo.window)  # type: ignore[arg-type]
    if period < MIN_PERIOD or period > MAX_PERIOD:
        problems.append(Problem(loc + ("window",), f"SLO window {slo.window} must be between 1d and 366d"))
    elif period % HOUR:
        problems.append(Problem(loc + ("window",), f"SLO window {slo.window} must be a whole number of hours"))
    objective = exact(slo.objective / 100)
    budget = exact(1 - objective)
    problems += label_problems(slo.labels, loc + ("labels",))
    problems += label_problems(slo.grouping, loc + ("grouping",))
    problems += grouping_problems(service, slo, loc)
    low_objective = objective_problems(slo, loc)
    problems += low_objective + ratio_problems(slo, loc)

    severities: list[SeverityPlan] = []
    alerting = slo.alerting
    if alerting is not False:
        problems += label_problems(alerting.labels, loc + ("alerting", "labels"))
        # Tiers made for another SLO window are scaled to this one (plan/windows.py).
        reference = parse_duration(alerting.scale_from) if alerting.scale_from else period
        for key in SEVERITIES:
            sev = getattr(alerting, key)
            if sev is False:
                continue
            problems += label_problems(sev.labels, loc + ("alerting", key, "labels"))
            tiers = _tiers(key, sev, reference)
            if reference != period:
                tiers = scale_tiers(tiers, period, reference)
            for t_index, tier in enumerate(tiers):
                spec_tier = sev.tiers[t_index] if sev.tiers else None
                tier_loc = loc + ("alerting", key) + (("tiers", t_index) if spec_tier is not None else ())
                # A ratio taken for a percentage makes every tier unfireable: say it once.
                problems += [] if low_objective else _tier_problems(tier, spec_tier, tier_loc, period, budget)
            labels = {"severity": key, **alerting.labels, **sev.labels}
            annotations = {**alerting.annotations, **sev.annotations}
            severities.append(
                SeverityPlan(
                    key=key,
                    tiers=tiers,
                    labels=tuple(sorted(labels.items())),
                    annotations=tuple(sorted(annotations.items())),
                    for_seconds=_for_seconds(sev.for_, period, reference),
                )
            )
        if len(severities) == 2 and severities[0].labels == severities[1].labels:
            problems.append(
                Problem(loc + ("alerting",), "page and ticket alerts would have the same labels; give them different severity labels")
            )

    if slo.policy is not None:
        problems += policy_problems(slo.policy, loc + ("policy",))
        if slo.policy.alert is not False:
            problems += label_problems(slo.policy.alert.labels, loc + ("policy", "alert", "labels"))
    ticket = next((s for s in severities if s.key == "ticket"), None)
    if ticket is not None:
        ticket_labels = dict(ticket.labels)
    else:
        ticket_labels = {"severity": "ticket", **(alerting.labels if alerting is not False else {})}
    # `alerting: false` silences the SLO entirely, the exhausted alert included.
    policy = build_policy(slo.policy or service.policy, ticket_labels, alert=alerting is not False)
    no_data = None
    if alerting is not False:
        if not isinstance(alerting.no_data, bool):
            problems += label_problems(alerting.no_data.labels, loc + ("alerting", "no_data", "labels"))
        no_data = no_data_plan(alerting.no_data, ticket_labels)

    ref = f'{names.events_rate(BASE_WINDOW)}{{{names.LABEL_ID}="{names.slo_id(service.service, slo.name)}"}}'
    composite = composite_plan(slo.sli.composite, service.service) if slo.sli.composite else None
    if composite is not None:
        only = all(other.sli.composite is not None for other in service.slos)
        problems += composite_problems(slo.sli.composite, composite, service.service, slo.name, slo.grouping, only, calendar is not None, loc)  # type: ignore[arg-type]
        rates = composite_rates(composite)
    else:
        # The models have parsed every user expression already, so this cannot fail.
        rates = base_rates(slo.sli, tuple(slo.grouping), ref)
    entries = [(e, ("exclusions", i)) for i, e in enumerate(service.exclusions)]
    entries += [(e, loc + ("exclusions", i)) for i, e in enumerate(slo.exclusions)]
    exclusion, found = exclusion_plan(entries) if entries else (None, [])
    problems += found
    if exclusion is not None and composite is not None and composite.method == "worst":
        # A worst composite's long windows are its members' own ratios, which no gate reaches.
        problems.append(Problem(entries[0][1], "exclusions on a `worst` composite are not supported: exclude the time on its members"))
    elif exclusion is not None and rates is not None:
        exclusion = replace(exclusion, errors=rates.errors)
        rates = gated(rates, exclusion, names.slo_id(service.service, slo.name), tuple(slo.grouping))

    if problems or rates is None:
        return None, problems

    windows = set(STANDARD_WINDOWS) | {period}
    for sev in severities:
        for tier in sev.tiers:
            windows |= {tier.long_window, tier.short_window}
    labels = {**service.labels, **slo.labels}
    plan = SLOPlan(
        service=service.service,
        name=slo.name,
        description=slo.description,
        objective_percent=slo.objective,
        period=period,
        labels=tuple(sorted(labels.items())),
        grouping=tuple(slo.grouping),
        sli_kind=slo.sli.kind,
        rates=rates,
        windows=tuple(sorted(windows)),
        alert_name=alerting.name if alerting is not False else "",
        severities=tuple(severities),
        min_events=alerting.min_events if alerting is not False else None,
        policy=policy,
        calendar=calendar,
        timeslice=timeslice_plan(slo.sli.timeslices, tuple(slo.grouping)) if slo.sli.timeslices else None,
        no_data=no_data,
        alert_templates=alerting is not False and alerting.templates,
        team=service.team or service.labels.get("team"),
        composite=composite,
        exclusion=exclusion,
    )
    return plan, []


# The SLO window the default tiers are made for (the SRE workbook's): 14.4x, 6x, 3x and 1x.
DEFAULT_TIERS_WINDOW = 30 * DAY


def tier_warnings(service: ServiceSpec, converted: bool = False) -> list[Problem]:
    """SLOs whose default tiers, made for 30d, burn below 1x over their own window: located at the window.

    A tier's factor is its budget share x the window / its long window, so a shorter
    window lowers it: over 7d the default ticket tiers are 0.7x and 0.2333x, and a
    steady error rate spending only a quarter of the budget by the window's end holds
    a ticket open.  Not an error (the rules are valid, and some want the early ticket);
    the fix is `alerting.scale_from`, which scales the tiers' windows instead: a spec
    `converted` from Sloth or OpenSLO has no such key, so the fix is said in both languages.
    """
    out = []
    for index, slo in enumerate(service.slos):
        alerting = slo.alerting
        if alerting is False or alerting.scale_from:
            continue
        calendar, found = calendar_plan(slo.window, ("slos", index, "window"))
        period = calendar.nominal if calendar else None if found else parse_duration(slo.window)  # type: ignore[arg-type]
        # A window slogen refuses is reported as an error already.
        if period is None or not MIN_PERIOD <= period <= MAX_PERIOD or period % HOUR:
            continue
        low = [
            tier
            for key in SEVERITIES
            if (sev := getattr(alerting, key)) is not False and sev.tiers is None
            for tier in DEFAULT_TIERS[key]
            if tier.long_window <= period and tier.factor(period) < 1
        ]
        if not low:
            continue
        lowest = min(tier.factor(period) for tier in low)
        severities = " and ".join(dict.fromkeys(tier.severity for tier in low))
        shares = " and ".join(f"{fmt(tier.budget_fraction * 100)}% of the budget in {format_duration(tier.long_window)}" for tier in low)
        factors = " and ".join(human(tier.factor(period)) for tier in low)
        window = format_duration(period)
        out.append(
            Problem(
                ("slos", index, "window"),
                f"the default alert tiers are made for a {format_duration(DEFAULT_TIERS_WINDOW)} window: over {window} the {severities} "
                f"tier{'s' if len(low) > 1 else ''} {shares} burn{'' if len(low) > 1 else 's'} at factor{'s' if len(low) > 1 else ''} "
                f"{factors}, below 1, so a steady error rate that would spend only {human(lowest * 100)}% of the error budget by the "
                f"window's end keeps the alert firing; add `alerting.scale_from: {format_duration(DEFAULT_TIERS_WINDOW)}` "
                f"{'to the native spec `slogen convert` prints ' if converted else ''}to scale the "
                f"default tiers' windows to {window}, keeping their factors (as Pyrra scales its table), or give the tiers explicitly"
                f"{' (in OpenSLO, AlertPolicies with burnrate conditions)' if converted else ''}",
            )
        )
    return out


def plan_service(service: ServiceSpec) -> tuple[list[SLOPlan], list[Problem]]:
    """Plan every SLO of a service; problems are located inside the service document."""
    plans: list[SLOPlan] = []
    problems: list[Problem] = label_problems(service.labels, ("labels",))
    if service.policy is not None:
        problems += policy_problems(service.policy, ("policy",))
        if service.policy.alert is not False:
            problems += label_problems(service.policy.alert.labels, ("policy", "alert", "labels"))
    seen: dict[str, int] = {}
    for index, slo in enumerate(service.slos):
        if slo.name in seen:
            problems.append(
                Problem(("slos", index, "name"), f"SLO name {slo.name!r} is already used by slos[{seen[slo.name]}] of this service")
            )
            continue
        seen[slo.name] = index
        plan, found = plan_slo(service, index)
        problems += found
        if plan is not None:
            plans.append(plan)
    # A service-wide exclusion's problem is found once per SLO: reported once.
    return plans, list(dict.fromkeys(problems))
