"""One service, all in memory: spec -> plans -> rule groups, tests, dashboards -> files.

Pure: nothing here reads or writes a file.  `pipeline.build_tree` runs it per service
(in worker processes for large trees) and adds the files that read every service.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Protocol, Sequence

from slogen.build.options import BuildOptions
from slogen.emit.alertmanager import FILE as ALERTMANAGER_FILE, EmittedAlert, emitted_alerts, routing_file
from slogen.emit.gates import gate_files
from slogen.emit.dashboards.boards import OVERVIEW_FILE, overview_dashboard, service_dashboard
from slogen.emit.promtool import cadence
from slogen.emit.promtool import exclusion_clock
from slogen.emit.promtool.service_tests import ServiceTests, build_service_tests, render_slice_test_file, render_test_file
from slogen.emit.text.documents import render_json
from slogen.emit.report.html import ReportPart, assemble_report, report_part
from slogen.emit.rules.corrections import one_offs
from slogen.emit.rules.recording import Group
from slogen.emit.rules.rule_file import PARTS, ServiceRules, expression_problems, global_groups, service_rules
from slogen.emit.rules.split import global_groups as split_global_groups, leaf_groups, split_refusals
from slogen.emit.targets import LEAF_SIDE, PROMTOOL, SHARED, ServiceGroups
from slogen.plan import names
from slogen.plan.calendar_periods import phase_warnings
from slogen.plan.slo import SLOPlan, plan_service, tier_warnings
from slogen.spec.errors import Diagnostic, Problem
from slogen.spec.load import LoadedSpec
from slogen.spec.model import ServiceSpec, json_schema

SHARED_SOURCE = "every spec (--share-rules global)"
SCHEMA_FILE = "schema/service-v1.json"
REPORT_FILE = "report/index.html"


@dataclass(frozen=True)
class CompiledService:
    """One service's plans and rule groups."""

    service: str
    source: str
    plans: tuple[SLOPlan, ...]
    rules: ServiceRules
    tests: ServiceTests | None = None
    # With --split: the leaf's and the global's groups (emit/rules/split.py).
    split: tuple[tuple[Group, ...], tuple[Group, ...]] | None = None

    @property
    def groups(self) -> tuple[Group, ...]:
        """The rule groups as data (what every target but plain Prometheus renders)."""
        return self.rules.groups

    @property
    def untested(self) -> tuple[tuple[str, str], ...]:
        """SLOs without generated tests, and why."""
        return self.tests.untested if self.tests else ()


class ServicePlans(Protocol):
    """A service's name and SLO plans: what the files reading every service need."""

    service: str
    plans: tuple[SLOPlan, ...]


@dataclass(frozen=True)
class RunWidePart:
    """What the overview dashboard and the routing file read of one service's plans: made
    where the plans are (a worker), so the process that writes those files need not unpickle them."""

    slos: int
    alerts: tuple[EmittedAlert, ...]
    grouping: tuple[str, ...]  # every grouped SLO's grouping labels


def run_wide_part(plans: Sequence[SLOPlan]) -> RunWidePart:
    """One service's share of the overview dashboard and the routing file."""
    return RunWidePart(
        len(plans), tuple(alert for plan in plans for alert in emitted_alerts(plan)), tuple(label for plan in plans for label in plan.grouping)
    )


def compile_service(spec: ServiceSpec, source: str, options: BuildOptions = BuildOptions()) -> tuple[CompiledService | None, list[Problem]]:
    """Plan and build one service; problems are located inside its document.

    With `--share-rules global` every service's rules go to the one file they share
    (`global_files`); `rules` are then that file's groups cut to this service's SLOs, which
    its promtool tests load (`scoped_rules`).
    """
    plans, problems = plan_service(spec)
    problems += options.targets.refusals(spec)
    if problems:
        return None, problems
    local = options.share_globally
    rules = scoped_rules(spec.service, plans) if local else service_rules(spec.service, plans)
    if rules.problems:
        return None, [Problem((), message) for message in rules.problems]
    order = rules.group_names
    split = None
    if options.split is not None:
        split, problems = _split(spec, plans, options.split.cluster_label)
        if problems:
            return None, problems
        order = tuple(group.name for side in split for group in side)
    tests = build_service_tests(spec.service, plans, {slo.name: slo.sli for slo in spec.slos}, order)
    if split is not None:
        # The generated tests load the leaf and global files together: the unsplit scenarios
        # and expectations hold for the split (split.py), proven by promtool.
        leaf, global_ = (f"{side}/{spec.service}" for side in SPLIT_SIDES)
        slow = cadence.slow(split[1])
        rule_files = (f"../{PROMTOOL.path(leaf)}", cadence.path(global_).removeprefix("tests/") if slow else f"../{PROMTOOL.path(global_)}")
        return CompiledService(spec.service, source, tuple(plans), rules, replace(tests, rule_files=rule_files), split), []
    # The tests load promtool's copy of a rule file with an hourly group (cadence.py).
    copied = local or _slow_groups(spec.service, rules) or _exclusion_clocks(plans, tests, rules)
    own = cadence.path(spec.service).removeprefix("tests/") if copied else f"../{PROMTOOL.path(spec.service)}"
    tests = replace(tests, rule_files=(own,))
    return CompiledService(spec.service, source, tuple(plans), rules, tests), []


def scoped_rules(service: str, plans: list[SLOPlan]) -> ServiceRules:
    """`--share-rules global`: the shared file's groups as written for this service's SLOs
    alone, what its promtool tests load (`tests/rules/<service>.yml`).  Every rule of it is
    one of the shared file's, or (a rule shared by SLOs, such as a chain of per-SLO
    thresholds) the same rule without the other services' SLOs, whose series these tests
    never write; so a service's tests need not run every other service's rules."""
    groups = list(global_groups(SHARED, plans))
    return ServiceRules(service, tuple(plans), None, tuple(g.name for g in groups), tuple(expression_problems(groups)), groups)


SPLIT_SIDES = (LEAF_SIDE, "global")


def _split(spec: ServiceSpec, plans: list[SLOPlan], cluster: str) -> tuple[tuple[tuple[Group, ...], tuple[Group, ...]], list[Problem]]:
    """The leaf's and the global's groups of one service, or why its SLOs cannot be split."""
    index = {slo.name: i for i, slo in enumerate(spec.slos)}
    problems = [Problem(("slos", index[name]), why) for name, why in split_refusals(plans)]
    problems += [
        Problem(("slos", index[plan.name]), f"label {cluster!r} is the cluster label of --split: the leaves' external label sets it, not the spec")
        for plan in plans if cluster in dict(plan.labels)
    ]
    if problems:
        return ((), ()), problems
    slis = {slo.name: slo.sli for slo in spec.slos}
    split = (leaf_groups(spec.service, plans, slis, cluster), split_global_groups(spec.service, plans, cluster))
    return split, [Problem((), message) for message in expression_problems(split[0] + split[1])]


def _exclusion_clocks(plans: Sequence[SLOPlan], tests: ServiceTests | None, rules: ServiceRules) -> tuple[tuple[Group, Group], ...]:
    """The groups whose exclusion state rules promtool's copy reads on a shifted clock (exclusion_clock.py)."""
    if tests is None or not any(plan.exclusion for plan in plans):
        return ()
    spans: dict[str, int] = {}
    for plan, scenario in tests.scenarios:
        spans[plan.name] = max(spans.get(plan.name, 0), scenario.length)
    return exclusion_clock.replacements(rules.groups, plans, spans)


def _slow_groups(service: str, rules: ServiceRules) -> tuple[Group, ...]:
    """The service's own groups promtool would run too often: its shared rules' (the hourly
    averages); the only per-SLO rules in such a group are one-off exclusions' amounts
    (corrections.py), and their SLOs take the direct path, so the rule templates need not be built."""
    if any(one_offs(plan) for plan in rules.plans) or not rules.shared:
        return cadence.slow(rules.groups)
    groups = [Group(names.group_name(service, part), interval, shared) for (part, interval, _, _), shared in zip(PARTS, rules.shared) if shared]
    return cadence.slow(groups)


def _add_cadence_copy(files: dict[str, str], name: str, slow: tuple[Group, ...], source: str, groups, text=None, also=(), original: str = "") -> None:
    """promtool's copy of rule file `name` (cadence.py), when it has `slow` groups (or exclusion
    clocks to shift): from the promtool dialect's file among `files`, or rendered now when no
    target wrote one; `original` names what it copies when that is not the file `name`."""
    if slow or also:
        rule_file = PROMTOOL.path(name)
        rendered = files.get(rule_file) or PROMTOOL.render_file(name, source, groups, None, text)
        files[cadence.path(name)] = cadence.copy(rendered, slow, original or rule_file, also)


def service_groups(compiled: CompiledService, options: BuildOptions) -> ServiceGroups:
    """What the targets' run-wide checks read of this service (group sizes only where read)."""
    dialects = (options.split.leaf, options.split.global_) if options.split is not None else ()
    read = options.targets.reads_groups(dialects) and not options.share_globally  # global: no file of its own
    counts = tuple(len(group.rules) for group in compiled.groups) if read else ()
    if compiled.split is None or not dialects:
        return ServiceGroups(compiled.service, counts)
    sides = tuple(
        ServiceGroups(compiled.service, tuple(len(group.rules) for group in groups) if read else (), side)
        for side, groups in zip(SPLIT_SIDES, compiled.split)
    )
    return ServiceGroups(compiled.service, counts, split=sides)


def service_files(compiled: CompiledService, options: BuildOptions = BuildOptions()) -> dict[str, str]:
    """The files of one service: its rules per target, its promtool tests, its dashboard."""
    rules = compiled.rules
    # With --share-rules global the service's rules are in the shared file (global_files).
    files = {} if options.share_globally else options.targets.render(compiled.service, compiled.source, lambda: rules.groups, rules.text)
    tests = compiled.tests
    # A service of composites only has no tests of its own, but its composites' tests
    # (made across services, composite_tests.py) load its promtool copy all the same.
    if tests is not None and (tests.files or any(plan.composite is not None for plan in compiled.plans)):
        if tests.testable:
            files[tests.main_file] = render_test_file(tests, compiled.source)
        if tests.slices:
            files[tests.slices_file] = render_slice_test_file(tests, compiled.source)
        slow = _slow_groups(compiled.service, rules)
        also = _exclusion_clocks(compiled.plans, tests, rules)
        if slow or also:
            original = f"{PROMTOOL.path(SHARED)}, cut to this service's SLOs" if options.share_globally else ""
            _add_cadence_copy(files, compiled.service, slow, compiled.source, lambda: rules.groups, rules.text, also, original)
    if compiled.split is not None and options.split is not None:
        dialects = (options.split.leaf, options.split.global_)
        files.update(options.targets.render_split(compiled.service, compiled.source, tuple(zip(SPLIT_SIDES, dialects, compiled.split))))
        global_ = f"{SPLIT_SIDES[1]}/{compiled.service}"
        _add_cadence_copy(files, global_, cadence.slow(compiled.split[1]), compiled.source, compiled.split[1])
    cluster = options.split.cluster_label if options.split is not None else None
    files[f"dashboards/{compiled.service}.json"] = render_json(service_dashboard(compiled.service, compiled.plans, cluster))
    files.update(gate_files(compiled.service, compiled.source, compiled.plans, options.gates))
    return files


def shared_groups(services: Sequence[ServicePlans], options: BuildOptions) -> tuple[Group, ...]:
    """With `--share-rules global`, the rules every service's SLOs share; else none."""
    if not options.share_globally or not services:
        return ()
    return global_groups(SHARED, [plan for c in sorted(services, key=lambda c: c.service) for plan in c.plans])


def global_files(
    services: Sequence[ServicePlans], options: BuildOptions = BuildOptions(), report_parts: Mapping[str, ReportPart] | None = None,
    shared: tuple[Group, ...] = (), run_wide: Mapping[str, RunWidePart] | None = None,
) -> dict[str, str]:
    """The files that read every service: the schema, the overview dashboard, the report
    (from the services' `report_parts` and `run_wide` parts where made already, by service
    name), and with `--share-rules global` the `shared` rules of every service's SLOs, per target."""
    files: dict[str, str] = {SCHEMA_FILE: render_json(json_schema())}
    ordered = sorted(services, key=lambda c: c.service)
    if shared:
        files.update(options.targets.render(SHARED, SHARED_SOURCE, lambda: shared))
        _add_cadence_copy(files, SHARED, cadence.slow(shared), SHARED_SOURCE, shared)
    if ordered:
        parts = [(run_wide or {}).get(c.service) or run_wide_part(c.plans) for c in ordered]
        files[f"dashboards/{OVERVIEW_FILE}.json"] = render_json(overview_dashboard([(c.service, part.slos) for c, part in zip(ordered, parts)]))
        # Routing reads every service's alerts: one file, like the overview dashboard.
        routing = routing_file([alert for part in parts for alert in part.alerts], [label for part in parts for label in part.grouping])
        if routing is not None:
            files[ALERTMANAGER_FILE] = routing
    # The static report needs nothing but the specs, so it is generated (and drift-checked)
    # like every other file; `slogen report --prometheus` writes a live one beside it.
    made = report_parts or {}
    files[REPORT_FILE] = assemble_report([made.get(c.service) or report_part(c.plans) for c in ordered], live=False)
    return files


def spec_warnings(item: LoadedSpec) -> tuple[Diagnostic, ...]:
    """What a spec's author should know but need not fix, located: what converting a foreign
    spec changed, calendar windows whose boundaries are not exact (plan/calendar_periods.py), and for
    any spec, native or converted, default tiers burning below 1x over its window."""
    found = item.warnings + tuple(item.diagnostic(p) for p in phase_warnings([slo.window for slo in item.spec.slos]))
    return found + tuple(item.diagnostic(problem) for problem in tier_warnings(item.spec, converted=item.converted))
