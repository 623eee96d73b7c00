"""Specs -> output files, all in memory: the pure heart of `slogen generate`."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol, Sequence

import promql_parser as pp

from . import names
from .alerts import alert_rules
from .dashboards import OVERVIEW_FILE, overview_dashboard, service_dashboard
from .errors import Diagnostic, Problem
from .load import LoadedSpec
from .plan import SLOPlan, plan_service
from .policy_rules import exhausted_alert_rules, policy_rules
from .promtool_tests import ServiceTests, build_service_tests, render_test_file
from .render import to_json
from .report import render_report
from .rules import Group, hourly_rules, long_rules, mid_rules, short_rules
from .spec import ServiceSpec, json_schema
from .targets import DEFAULT_TARGETS, TargetOptions, check_options, prometheus, target_files
from .targets.operator import check_services as operator_check_services
from .windows import ALERT_INTERVAL, HOURLY_INTERVAL, LONG_INTERVAL, MID_INTERVAL, SHORT_INTERVAL

_PARTS = (
    ("sli-short", SHORT_INTERVAL, short_rules),
    ("sli-mid", MID_INTERVAL, mid_rules),
    ("sli-hourly", HOURLY_INTERVAL, hourly_rules),
    # Policy state and the exhausted alert right after the remaining budget they read,
    # in the same evaluation: their input changes no more often than this group runs.
    ("sli-long", LONG_INTERVAL, lambda plan: long_rules(plan) + policy_rules(plan) + exhausted_alert_rules(plan)),
    ("alerts", ALERT_INTERVAL, alert_rules),
)


@dataclass(frozen=True)
class CompiledService:
    """One service's plans and rule groups."""

    service: str
    source: str
    plans: tuple[SLOPlan, ...]
    groups: tuple[Group, ...]
    tests: ServiceTests | None = None

    @property
    def untested(self) -> tuple[tuple[str, str], ...]:
        """SLOs without generated tests, and why."""
        return self.tests.untested if self.tests else ()


class ServicePlans(Protocol):
    """A service's name and SLO plans: what the files reading every service need."""

    service: str
    plans: tuple[SLOPlan, ...]


def build_groups(service: str, plans: list[SLOPlan]) -> list[Group]:
    """All rule groups of one service, in evaluation order, empty groups left out."""
    groups = []
    for part, interval, build in _PARTS:
        rules = tuple(rule for plan in plans for rule in build(plan))
        if rules:
            groups.append(Group(name=names.group_name(service, part), interval=interval, rules=rules))
    return groups


# The values of `=` and `!=` matchers cannot make an expression invalid, and they are
# what differs between the rules of different SLOs (slo_id, job, ...).  Masked, 10,000
# SLOs' expressions come down to a few hundred shapes, each parsed once per process.
# Kept as they are: regex values (`=~`, `!~`: an invalid regex is a parse error), empty
# values (a selector needs one non-empty matcher) and values with unusual escapes.
_EQ_VALUE = re.compile(r'(?<==)"(?:[^"\\\n]|\\[\\"n])+"')
_PARSED_SHAPES: set[str] = set()


def _shape(expr: str) -> str:
    """The expression with every equality matcher's value replaced by "x" (`=~` values never match)."""
    if "'" in expr or "`" in expr:
        return expr  # other string quotes: parse it as it is
    return _EQ_VALUE.sub('"x"', expr)


def expression_problems(groups: list[Group]) -> list[str]:
    """Parse every emitted expression; any failure is a slogen bug, reported, not crashed on."""
    problems = []
    for group in groups:
        for rule in group.rules:
            shape = _shape(rule.expr)
            if shape in _PARSED_SHAPES:
                continue
            try:
                pp.parse(shape)
                pp.parse(rule.expr)
            except ValueError as err:
                problems.append(f"internal error: generated invalid PromQL for {rule.record or rule.alert} in {group.name}: {err}")
                continue
            _PARSED_SHAPES.add(shape)
    return problems


def compile_service(spec: ServiceSpec, source: str) -> tuple[CompiledService | None, list[Problem]]:
    """Plan and build one service; problems are located inside its document."""
    plans, problems = plan_service(spec)
    if problems:
        return None, problems
    groups = build_groups(spec.service, plans)
    bugs = expression_problems(groups)
    if bugs:
        return None, [Problem((), message) for message in bugs]
    tests = build_service_tests(spec.service, plans, {slo.name: slo.sli for slo in spec.slos}, tuple(group.name for group in groups))
    return CompiledService(spec.service, source, tuple(plans), tuple(groups), tests), []


def render_rule_file(compiled: CompiledService) -> str:
    """The Prometheus rule file of one service."""
    return prometheus.render(compiled.service, compiled.source, compiled.groups, TargetOptions())


def output_files(
    services: list[CompiledService], targets: tuple[str, ...] = DEFAULT_TARGETS, options: TargetOptions = TargetOptions()
) -> dict[str, str]:
    """Every file `generate` writes, relative to the output directory; rule files per target."""
    check_targets(targets, options, [c.service for c in services])
    files = global_files(services)
    for compiled in services:
        files.update(service_files(compiled, targets, options))
    return files


def check_targets(targets: tuple[str, ...], options: TargetOptions, services: list[str]) -> None:
    """Refuse target options and service names a target cannot take (TargetError)."""
    check_options(targets, options)
    if "prometheus-operator" in targets:
        operator_check_services(services)


def service_files(compiled: CompiledService, targets: tuple[str, ...], options: TargetOptions) -> dict[str, str]:
    """The files of one service: its rules per target, its promtool tests, its dashboard."""
    files = target_files([(compiled.service, compiled.source, compiled.groups)], targets, options)
    if compiled.tests is not None and compiled.tests.testable:
        files[f"tests/{compiled.service}.test.yml"] = render_test_file(compiled.tests, compiled.source)
    files[f"dashboards/{compiled.service}.json"] = to_json(service_dashboard(compiled.service, compiled.plans))
    return files


def global_files(services: Sequence[ServicePlans]) -> dict[str, str]:
    """The files that read every service: the schema, the overview dashboard, the report."""
    files: dict[str, str] = {"schema/service-v1.json": to_json(json_schema())}
    ordered = sorted(services, key=lambda c: c.service)
    if ordered:
        files[f"dashboards/{OVERVIEW_FILE}.json"] = to_json(overview_dashboard([(c.service, c.plans) for c in ordered]))
    # The static report needs nothing but the specs, so it is generated (and drift-checked)
    # like every other file; `slogen report --prometheus` writes a live one beside it.
    files["report/index.html"] = render_report([plan for c in ordered for plan in c.plans])
    return files


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
