"""Specs -> output files, all in memory: the pure heart of `slogen generate`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping, Protocol, Sequence

from slogen.build.gcpause import paused_gc
from slogen.emit.alertmanager import FILE as ALERTMANAGER_FILE, routing_text
from slogen.emit.dashboards.boards import OVERVIEW_FILE, overview_dashboard, service_dashboard
from slogen.emit.report.html import ReportPart, assemble_report, report_part
from slogen.emit.rules.recording import Group
from slogen.emit.rules.rule_file import PARTS, ServiceRules, build_groups, global_eval_order, global_groups, service_rules
from slogen.emit.targets import DEFAULT_TARGETS, TargetOptions, check_options, mimir, prometheus, target_files
from slogen.emit.targets.base import SHARED, header
from slogen.emit.targets.operator import check_services as operator_check_services
from slogen.emit.promtool import cadence
from slogen.emit.promtool.service_tests import ServiceTests, build_service_tests, render_slice_test_file, render_test_file
from slogen.emit.text.documents import render_json
from slogen.plan import names
from slogen.plan.calendar_periods import phase_warnings
from slogen.plan.slo import SLOPlan, plan_service, tier_warnings
from slogen.spec.errors import Diagnostic, Problem
from slogen.spec.load import LoadedSpec
from slogen.spec.model import ServiceSpec, json_schema


@dataclass(frozen=True)
class CompiledService:
    """One service's plans and rule groups."""

    service: str
    source: str
    plans: tuple[SLOPlan, ...]
    rules: ServiceRules
    tests: ServiceTests | None = None

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


def compile_service(spec: ServiceSpec, source: str, share_rules: str = "service") -> tuple[CompiledService | None, list[Problem]]:
    """Plan and build one service; problems are located inside its document.

    With `share_rules` "global" the rules shared by SLOs are left to the file every
    service shares (`global_files`), and the service's promtool tests load that file too.
    """
    plans, problems = plan_service(spec)
    if problems:
        return None, problems
    local = share_rules == "global"
    rules = service_rules(spec.service, plans, share=not local)
    if rules.problems:
        return None, [Problem((), message) for message in rules.problems]
    order = global_eval_order(spec.service, rules.group_names, plans, SHARED) if local else rules.group_names
    tests = build_service_tests(spec.service, plans, {slo.name: slo.sli for slo in spec.slos}, order)
    # The tests load promtool's copy of a rule file with an hourly group (cadence.py).
    own = cadence.path(spec.service).removeprefix("tests/") if _slow_groups(spec.service, rules) else f"../rules/{spec.service}.yml"
    shared = (cadence.path(SHARED).removeprefix("tests/"),) if local else ()
    tests = replace(tests, rule_files=(own, *shared))
    return CompiledService(spec.service, source, tuple(plans), rules, tests), []


def _slow_groups(service: str, rules: ServiceRules) -> tuple[Group, ...]:
    """The service's own groups promtool would run too often: its shared rules' (the hourly
    averages); no per-SLO rule sits in such a group, so the rule templates need not be built."""
    groups = [Group(names.group_name(service, part), interval, shared) for (part, interval, _, _), shared in zip(PARTS, rules.shared) if shared]
    return cadence.slow(groups)


def _add_cadence_copy(files: dict[str, str], name: str, slow: tuple[Group, ...], render: Callable[[], str]) -> None:
    """promtool's copy of rule file `name` (cadence.py), when it has `slow` groups: from the
    Prometheus rule file among `files`, or rendered now when no target wrote one."""
    if slow:
        rule_file = f"{prometheus.FOLDER}/{name}.{prometheus.EXTENSION}"
        files[cadence.path(name)] = cadence.copy(files.get(rule_file) or render(), slow, rule_file)


def render_rule_file(compiled: CompiledService) -> str:
    """The Prometheus rule file of one service (from templates where they apply; see rule_file.py)."""
    return compiled.rules.text(header(compiled.source))


def output_files(
    services: list[CompiledService], targets: tuple[str, ...] = DEFAULT_TARGETS, options: TargetOptions = TargetOptions()
) -> dict[str, str]:
    """Every file `generate` writes, relative to the output directory; rule files per target."""
    check_targets(targets, options, [c.service for c in services], [(c.service, c.plans) for c in services])
    files = global_files(services, None, targets, options)
    for compiled in services:
        files.update(service_files(compiled, targets, options))
    return files


def check_targets(targets: tuple[str, ...], options: TargetOptions, services: list[str], plans: Sequence[tuple[str, tuple[SLOPlan, ...]]] = ()) -> None:
    """Refuse target options, service names and tenant sizes a target cannot take (TargetError)."""
    check_options(targets, options)
    if "prometheus-operator" in targets:
        operator_check_services(services)
    if "mimir" in targets:
        mimir.check_tenant([(service, tuple(build_groups(service, p))) for service, p in plans], options)


def service_files(compiled: CompiledService, targets: tuple[str, ...], options: TargetOptions) -> dict[str, str]:
    """The files of one service: its rules per target, its promtool tests, its dashboard."""
    others = tuple(target for target in targets if target != "prometheus")
    files = target_files([(compiled.service, compiled.source, compiled.groups)], others, options) if others else {}
    if len(others) < len(targets):
        files[f"{prometheus.FOLDER}/{compiled.service}.{prometheus.EXTENSION}"] = render_rule_file(compiled)
    tests = compiled.tests
    if tests is not None and tests.files:
        if tests.testable:
            files[tests.main_file] = render_test_file(tests, compiled.source)
        if tests.slices:
            files[tests.slices_file] = render_slice_test_file(tests, compiled.source)
        _add_cadence_copy(files, compiled.service, _slow_groups(compiled.service, compiled.rules), lambda: render_rule_file(compiled))
    files[f"dashboards/{compiled.service}.json"] = render_json(service_dashboard(compiled.service, compiled.plans))
    return files


def global_files(
    services: Sequence[ServicePlans],
    report_parts: Mapping[str, ReportPart] | None = None,
    targets: tuple[str, ...] = DEFAULT_TARGETS,
    options: TargetOptions = TargetOptions(),
) -> dict[str, str]:
    """The files that read every service: the schema, the overview dashboard, the report
    (from the services' `report_parts` where made already, by service name), and with
    `--share-rules global` the rules shared by every service's SLOs, per target."""
    files: dict[str, str] = {"schema/service-v1.json": render_json(json_schema())}
    ordered = sorted(services, key=lambda c: c.service)
    if options.share_rules == "global" and ordered:
        groups = global_groups(SHARED, [plan for c in ordered for plan in c.plans])
        source = "every spec (--share-rules global)"
        files.update(target_files([(SHARED, source, groups)], targets, options))
        _add_cadence_copy(files, SHARED, cadence.slow(groups), lambda: prometheus.render(SHARED, source, groups, options))
    if ordered:
        files[f"dashboards/{OVERVIEW_FILE}.json"] = render_json(overview_dashboard([(c.service, c.plans) for c in ordered]))
        # Routing reads every service's alerts: one file, like the overview dashboard.
        routing = routing_text([plan for c in ordered for plan in c.plans])
        if routing is not None:
            files[ALERTMANAGER_FILE] = routing
    # The static report needs nothing but the specs, so it is generated (and drift-checked)
    # like every other file; `slogen report --prometheus` writes a live one beside it.
    made = report_parts or {}
    with paused_gc():
        parts = [made.get(c.service) or report_part(c.plans) for c in ordered]
        files["report/index.html"] = assemble_report(parts, live=False)
    return files


def spec_warnings(item: LoadedSpec) -> tuple[Diagnostic, ...]:
    """What a spec's author should know but need not fix, located: what converting a foreign
    spec changed, calendar windows whose boundaries are not exact (plan/calendar_periods.py), and for
    a native spec, default tiers burning below 1x over its window."""
    found = item.warnings + tuple(item.diagnostic(p) for p in phase_warnings([slo.window for slo in item.spec.slos]))
    if item.locate is not None:  # converted: tier_warnings' fix is not in the source's language
        return found
    return found + tuple(item.diagnostic(problem) for problem in tier_warnings(item.spec))


@dataclass(frozen=True)
class Claim:
    """What a spec claims across files (its service and slo_ids), and where a clash is reported.

    The places are located up front, with a hole for the message, so that claims made
    in worker processes can be checked in the parent (pipeline.py).
    """

    service: str
    source: str
    document: tuple[str, int]  # (path, index): the spec document's identity
    service_at: Diagnostic
    slo_ids_at: tuple[tuple[str, Diagnostic], ...]


_HOLE = "\x00"


def claim_of(item: LoadedSpec) -> Claim:
    """The claim of one loaded spec."""
    spec, document = item.spec, item.document
    slo_ids_at = tuple(
        (names.slo_id(spec.service, slo.name), item.diagnostic(Problem(("slos", index, "name"), _HOLE)))
        for index, slo in enumerate(spec.slos)
    )
    return Claim(spec.service, document.path, (document.path, document.index), item.diagnostic(Problem(("service",), _HOLE)), slo_ids_at)


def _at(where: Diagnostic, message: str) -> Diagnostic:
    return replace(where, message=where.message.replace(_HOLE, message))


def clashes(claims: Sequence[Claim]) -> tuple[list[int], list[Diagnostic]]:
    """Indices of the claims that clash with no earlier one; the later of each clash is reported."""
    kept: list[int] = []
    diagnostics: list[Diagnostic] = []
    seen_services: dict[str, str] = {}
    seen_ids: dict[str, tuple[tuple[str, int], str]] = {}
    for index, claim in enumerate(claims):
        if claim.service in seen_services:
            diagnostics.append(_at(claim.service_at, f"service {claim.service!r} is already defined in {seen_services[claim.service]}"))
            continue
        seen_services[claim.service] = claim.source
        if claim.service == OVERVIEW_FILE:
            diagnostics.append(_at(claim.service_at, f"service name {OVERVIEW_FILE!r} is reserved for the overview dashboard"))
            continue
        clash = False
        for sid, at in claim.slo_ids_at:
            if sid in seen_ids and seen_ids[sid][0] != claim.document:
                diagnostics.append(_at(at, f"slo_id {sid!r} is also produced by a spec in {seen_ids[sid][1]}; rename one"))
                clash = True
            seen_ids.setdefault(sid, (claim.document, claim.source))
        if not clash:
            kept.append(index)
    return kept, diagnostics


def compile_all(loaded: list[LoadedSpec]) -> tuple[list[CompiledService], list[Diagnostic]]:
    """Compile every loaded spec; cross-service clashes are reported at the later spec."""
    services: list[CompiledService] = []
    kept, diagnostics = clashes([claim_of(item) for item in loaded])
    for index in kept:
        item = loaded[index]
        compiled, problems = compile_service(item.spec, item.document.path)
        diagnostics += [item.diagnostic(p) for p in problems]
        if compiled is not None:
            services.append(compiled)
    return services, diagnostics
