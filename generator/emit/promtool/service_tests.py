"""Plans -> a service's `promtool test rules` files: which SLOs are tested, with which series, in which file.

scenarios.py says what each SLO's scenarios drive and expect, timing.py their numbers,
lanes.py which SLOs share test groups and eval_interval.py how often promtool evaluates;
timeslice SLOs get a file of their own (slices.py).  The text is made at the seam
(emit/text/promtool_layout.py): from templates shared by SLOs of one shape, or written
directly, both the text PyYAML writes for `test_file_data`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from slogen.emit.promtool.eval_interval import choose_eval_interval
from slogen.emit.promtool.inputs import INPUT_INTERVAL, Phase, series_values
from slogen.emit.promtool.lanes import lanes_both, sharing_lanes
from slogen.emit.promtool.scenarios import Scenario, plan_scenarios, slo_scenarios
from slogen.emit.promtool.series import SeriesError, SyntheticSeries, sli_selectors, sli_series
from slogen.emit.promtool.slice_inputs import SliceInputs, slice_inputs
from slogen.emit.promtool.slices import SUFFIX as SLICES_SUFFIX
from slogen.emit.promtool.slices import slice_groups, slice_test_text
from slogen.emit.targets.base import header
from slogen.emit.text.promtool_layout import ScenarioData, promtool_file_text, scenario_sections
from slogen.emit.text.scalars import Styler
from slogen.emit.text.templates import MARK, Template, cached, compile_template, placeholder
from slogen.plan.sli import BaseRates
from slogen.plan.slo import SLOPlan
from slogen.spec.durations import format_duration
from slogen.spec.model import SLI
from slogen.spec.promql import Selector


# promtool 2 cannot read native histogram input series ("unexpected character in series
# sequence"); `slogen test` reads this line to say so instead of running it there.
NEEDS_PROMTOOL_3 = "# Needs promtool 3: native histogram input series (`slogen test` with SLOGEN_PROMTOOL set to it).\n"


@dataclass(frozen=True)
class ServiceTests:
    """The generated tests of one service, and the SLOs left untested (and why)."""

    service: str
    eval_interval: int
    testable: tuple[tuple[SLOPlan, tuple[SyntheticSeries, ...]], ...]
    # Indices into `testable` of SLOs that share test groups (lanes.sharing_lanes).
    lanes: tuple[tuple[int, ...], ...]
    untested: tuple[tuple[str, str], ...] = field(default=())
    group_order: tuple[str, ...] = ()
    # The rule files loaded, relative to output/tests/: the service's own and, with
    # --share-rules global, the shared one; promtool's copies (cadence.py) where they have
    # an hourly group (build/compile.py says which).
    rule_files: tuple[str, ...] = ()
    # Timeslice SLOs, tested in their own file at slice cadence (slices.py).
    slices: tuple[tuple[SLOPlan, SliceInputs], ...] = ()
    slice_lanes: tuple[tuple[int, ...], ...] = ()
    # Scenarios of an SLO after its own (by SLO name): a journey's members apart (composite_tests.py).
    extra: tuple[tuple[str, tuple[Scenario, ...]], ...] = ()

    def __post_init__(self) -> None:
        for lanes, members in ((self.lanes, self.testable), (self.slice_lanes, self.slices)):
            if sorted(i for lane in lanes for i in lane) != list(range(len(members))):
                raise ValueError("test lanes must hold every tested SLO exactly once")

    @property
    def rule_paths(self) -> list[str]:
        """The rule files the test file loads, relative to output/tests/."""
        return list(self.rule_files) or [f"../rules/{self.service}.yml"]

    @property
    def main_file(self) -> str:
        """The main test file's path, relative to the output directory."""
        return f"tests/{self.service}.test.yml"

    @property
    def slices_file(self) -> str:
        """The timeslice SLOs' test file's path (slices.py), relative to the output directory."""
        return f"tests/{self.service}.{SLICES_SUFFIX}"

    @property
    def files(self) -> list[str]:
        """The test files written for the service, relative to the output directory."""
        return ([self.main_file] if self.testable else []) + ([self.slices_file] if self.slices else [])

    @cached_property
    def series(self) -> dict[str, tuple[SyntheticSeries, ...]]:
        """Input series by SLO name."""
        return {plan.name: series for plan, series in self.testable}

    # Built on first use: the test file writer instantiates shared templates instead.
    @cached_property
    def scenarios(self) -> tuple[tuple[SLOPlan, Scenario], ...]:
        """Every scenario, SLO by SLO in file order."""
        extra = dict(self.extra)
        return tuple(
            (plan, s) for plan, series in self.testable for s in plan_scenarios(plan, series, self.eval_interval) + list(extra.get(plan.name, ()))
        )

    @cached_property
    def groups(self) -> tuple[tuple[tuple[SLOPlan, Scenario], ...], ...]:
        """The file's test groups: per lane, the k-th scenario of each of its SLOs in one group."""
        per_slo: dict[str, list[tuple[SLOPlan, Scenario]]] = {}
        for plan, scenario in self.scenarios:
            per_slo.setdefault(plan.name, []).append((plan, scenario))
        out = []
        for lane in self.lanes:
            lists = [per_slo.get(self.testable[i][0].name, []) for i in lane]
            for k in range(max((len(items) for items in lists), default=0)):
                out.append(tuple(items[k] for items in lists if k < len(items)))
        return tuple(out)


def build_service_tests(service: str, plans: list[SLOPlan], slis: dict[str, SLI], group_order: tuple[str, ...]) -> ServiceTests:
    """Scenarios for one service, and the SLOs that cannot be tested, with the reason.

    An SLI whose inputs cannot be synthesized still compiles to valid rules, so it is
    reported untested (loudly, by `slogen test`) rather than blocking the rules.
    """
    testable: list[tuple[SLOPlan, tuple[SyntheticSeries, ...]]] = []
    reads: list[tuple[Selector, ...]] = []
    untested: list[tuple[str, str]] = []
    slices: list[tuple[SLOPlan, SliceInputs]] = []
    slice_reads: list[tuple[Selector, ...]] = []
    for plan in plans:
        sli = slis[plan.name]
        if sli.timeslices is not None:
            try:
                slices.append((plan, slice_inputs(sli.timeslices, plan.grouping)))
            except SeriesError as err:
                untested.append((plan.name, f"cannot synthesize input series for sli.timeslices.{err.field}: {err}"))
                continue
            slice_reads.append(sli_selectors(sli))
            continue
        try:
            series = sli_series(sli, plan.grouping)
        except SeriesError as err:
            untested.append((plan.name, f"cannot synthesize input series for sli.{sli.kind}.{err.field}: {err}"))
            continue
        if series is None:
            untested.append((plan.name, "its query SLI has no `test` block naming the counters to drive"))
            continue
        testable.append((plan, series))
        reads.append(sli_selectors(sli))
    by_name = {plan.name: series for plan, series in testable}
    # The interval is sized with lanes of the selectors each SLI reads, but the file has
    # always been written with lanes of the selectors its rules' base rates read (a query
    # SLI's may differ): kept so, as the generated files are.
    sized_by, lanes = lanes_both(tuple(testable), reads)
    e = choose_eval_interval([plan for plan, _ in testable], by_name, sized_by)
    slice_lanes = sharing_lanes(tuple((plan, inputs.series) for plan, inputs in slices), slice_reads)
    return ServiceTests(
        service, e, tuple(testable), lanes, tuple(untested), group_order, slices=tuple(slices), slice_lanes=slice_lanes
    )


def group_name(group: tuple[tuple[SLOPlan, Scenario], ...]) -> str:
    """A test group's name: each SLO's scenario and notes (promtool prints it on failure)."""
    return " | ".join("; ".join((scenario.name,) + scenario.notes) for _, scenario in group)


def test_file_data(tests: ServiceTests) -> dict:
    """The promtool test file of one service as a YAML document (rule file path relative to output/tests/)."""
    groups = []
    for group in tests.groups:
        groups.append(
            {
                # promtool prints the name of a failing test: say what was injected and expected.
                "name": group_name(group),
                "interval": format_duration(INPUT_INTERVAL),
                "input_series": [
                    {"series": s.notation(), "values": series_values(s, *_drive(scenario, s))}
                    for plan, scenario in group
                    for s in tests.series[plan.name]
                ],
                "promql_expr_test": [
                    {
                        "expr": check.expr,
                        "eval_time": format_duration(check.at),
                        "exp_samples": [{"labels": labels, "value": value} for labels, value in check.samples],
                    }
                    for _, scenario in group
                    for check in scenario.checks
                ],
            }
        )
    return {
        "rule_files": tests.rule_paths,
        "evaluation_interval": format_duration(tests.eval_interval),
        # promtool 2.42 runs groups in random order unless told: keep the rule file's
        # order (base rates, windows, hourly, long windows, alerts) so nothing lags a tick.
        "group_eval_order": list(tests.group_order),
        "tests": groups,
    }



def render_test_file(tests: ServiceTests, source: str) -> str:
    """The promtool test file of one service: the text PyYAML writes for `test_file_data`."""
    head = (tests.rule_paths, format_duration(tests.eval_interval), tests.group_order)

    extra = dict(tests.extra)

    def sections(plan: SLOPlan, series: tuple[SyntheticSeries, ...], style: Styler) -> list[str]:
        own = _slo_sections(plan, series, tests.eval_interval, style)
        more = extra.get(plan.name)
        if not more:
            return own
        notations = [s.notation() for s in series]
        return own + scenario_sections([_scenario_data(s, series, notations) for s in more], style)

    def lanes(style: Styler) -> list[list[list[str]]]:
        return [[sections(*tests.testable[index], style) for index in lane] for lane in tests.lanes]

    native = any(s.bounds for _, series in tests.testable for s in series)
    return promtool_file_text(head, format_duration(INPUT_INTERVAL), lanes, lambda: test_file_data(tests), header(source) + (NEEDS_PROMTOOL_3 if native else ""))


def render_slice_test_file(tests: ServiceTests, source: str) -> str:
    """The promtool test file of a service's timeslice SLOs (slices.py)."""
    return slice_test_text(tests.rule_paths, tests.group_order, slice_groups(tests.slices, tests.slice_lanes), source)


# SLOs differ in their scenario text only by their names, labels and input series when
# their numbers agree: an SLO whose identity is inert gets its text from a template
# (emit/text/templates.py) of SLOs of its shape, its series' notations restyled.
# Stand-ins for the SLI's rates, which the tests never read: only whether the fast
# window is read from the counters (SLOPlan.counter_windows) shapes tests.
_NO_RATES = BaseRates("", "")
_FAST_RATES = BaseRates("", "", "fast")


def _slo_sections(plan: SLOPlan, series: tuple[SyntheticSeries, ...], e: int, style: Styler) -> list[str]:
    """One SLO's scenarios as promtool_layout sections: from its shape's template, or written directly."""
    notations = [s.notation() for s in series]
    values = _identity(plan, series)
    template = _template(plan, series, e)
    if template is not None and template.fits(values):
        return template.fill(values + notations, style)
    return scenario_sections([_scenario_data(s, series, notations) for s in plan_scenarios(plan, series, e)], style)


def _scenario_data(scenario: Scenario, series: tuple[SyntheticSeries, ...], notations: list[str]) -> ScenarioData:
    return (
        "; ".join((scenario.name,) + scenario.notes),
        [(notation, series_values(s, *_drive(scenario, s))) for s, notation in zip(series, notations)],
        [(check.expr, format_duration(check.at), check.samples) for check in scenario.checks],
    )


def _drive(scenario: Scenario, series: SyntheticSeries) -> tuple[tuple[Phase, ...], int, float]:
    phases, eps = scenario.drive(series)
    return phases, scenario.length, eps


def _identity(plan: SLOPlan, series: tuple[SyntheticSeries, ...]) -> list[str]:
    """The values the placeholders stand for: service, SLO name, label values, group values."""
    labels = dict(series[0].labels) if series and plan.grouping else {}
    return [plan.service, plan.name, *(value for _, value in plan.labels), *(labels.get(label, "") for label in plan.grouping)]


def _template(plan: SLOPlan, series: tuple[SyntheticSeries, ...], e: int) -> Template | None:
    """The shared text of SLOs like this one (None when its stand-in's text cannot be one)."""
    # Everything the scenarios read from the plan but its identity (placeholders here).
    holder = _placeholder_plan(plan)
    key = ("tests", holder, plan.grouping, tuple((s.base, s.per_error, s.bounds, s.buckets) for s in series), e)
    return cached(key, lambda: _make_template(holder, series, e))


def _placeholder_plan(plan: SLOPlan) -> SLOPlan:
    return replace(
        plan,
        service=placeholder(0),
        name=placeholder(1),
        description="",
        labels=tuple((key, placeholder(2 + i)) for i, (key, _) in enumerate(plan.labels)),
        rates=_FAST_RATES if plan.rates.fast else _NO_RATES,
        # Annotations are the alert's text, not its behaviour: SLOs differing there share tests.
        severities=tuple(replace(sev, annotations=()) for sev in plan.severities),
        # Read by period reports only: keeping it would give every team its own templates.
        team=None,
    )


def _make_template(holder: SLOPlan, series: tuple[SyntheticSeries, ...], e: int) -> Template | None:
    if MARK in repr(replace(holder, service="", name="", labels=tuple((key, "") for key, _ in holder.labels))):
        return None  # a literal part (a label name, an alert label) reads like a placeholder
    first = 2 + len(holder.labels)
    group = {label: placeholder(first + i) for i, label in enumerate(holder.grouping)}
    # The identity values are pasted; the series' notations (after them) restyled.
    pasted = first + len(group)
    notations = [placeholder(pasted + i) for i in range(len(series))]
    data = [_scenario_data(s, series, notations) for s in slo_scenarios(holder, group, e)]
    return compile_template(lambda style: scenario_sections(data, style), pasted)
