"""Composite (journey) SLOs -> their generated promtool tests, loading every rule file they read. Pure.

A composite reads its members' recorded base rates, which other services' rule files
record, so its tests are built once every service has compiled (build/pipeline.py), in a
file of their own per service holding composites (`tests/<service>.composites.test.yml`).
That file loads the rule files of every service the journey reads, members of members
included, as their own tests load them (promtool's cadence copies), and runs their groups
part by part (base rates, windows, ..., alerts), members' services first, so the journey
reads what its members recorded in the same tick.

Every leaf member (a member that is no composite) is driven by its own synthetic
counters (series.py) at the error ratio a scenario's phases say.  Members failing at one
ratio give every method that ratio: `events` pools traffic of one ratio, `weighted` is a
weighted mean of equal ratios, `worst` their max.  So the journey must behave as an
ordinary SLO at that ratio, and the ordinary scenarios apply unchanged (scenarios.py):
per tier it fires, stays quiet below the threshold and resets, and its budget follows.
Those scenarios are per-SLO: the journey's own `min_events` guard is not among them
(see scenarios.slo_scenarios), as its events are not one member's.  As one ratio for all
cannot tell the members apart, a "members apart" scenario per journey drives each leaf at
a ratio and traffic of its own and checks the journey's 5m ratio against the one its
method gives (`_journey_ratio`): a member's file not loaded, a weight or a method wrong
reads another number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from slogen.emit.promtool import cadence
from slogen.emit.promtool.eval_interval import choose_eval_interval
from slogen.emit.promtool.inputs import EVENTS_PER_SECOND, Phase
from slogen.emit.promtool.lanes import sharing_lanes
from slogen.emit.promtool.scenarios import Check, Scenario
from slogen.emit.promtool.series import SyntheticSeries, fmt_float
from slogen.emit.promtool.service_tests import ServiceTests
from slogen.emit.promtool.timing import ceil_to
from slogen.emit.rules.rule_file import PARTS
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW
from slogen.spec.durations import format_duration
from slogen.spec.promql import Selector

SUFFIX = "composites.test.yml"  # output/tests/<service>.composites.test.yml


def test_path(service: str) -> str:
    """The composite tests' file of a service, relative to the output directory."""
    return f"tests/{service}.{SUFFIX}"


@dataclass(frozen=True)
class Driver:
    """How a journey's tests drive one member SLO that is no composite: its counters and the
    selectors its rules read, or why it cannot be driven."""

    series: tuple[SyntheticSeries, ...] = ()
    reads: tuple[Selector, ...] = ()
    untested: str = ""


@dataclass(frozen=True)
class TestInputs:
    """What one compiled service lends the tests of composites reading its SLOs."""

    rule_paths: tuple[str, ...]  # as its own tests load them, relative to output/tests/
    group_order: tuple[str, ...]  # its groups (and the shared file's) as its own tests order them
    drivers: tuple[tuple[str, Driver], ...]  # by SLO name; composites are resolved to their members
    source: str = ""  # how generated files name the service's spec (their header)


def test_inputs(tests: ServiceTests, plans: Sequence[SLOPlan], reads: Mapping[str, tuple[Selector, ...]], source: str) -> TestInputs:
    """A service's rule files, group order and member drivers, from its own generated tests."""
    series = {plan.name: s for plan, s in tests.testable}
    why = dict(tests.untested)
    drivers = []
    for plan in plans:
        if plan.composite is not None:
            continue
        if plan.exclusion is not None:
            # Its tests read the exclusion state on a shifted clock (exclusion_clock.py) a journey's file does not share.
            driver = Driver(untested="it has exclusions, which its own tests alone drive")
        elif plan.name in series:
            driver = Driver(series[plan.name], reads.get(plan.name, ()))
        else:
            driver = Driver(untested=why.get(plan.name, "its time slices cannot be driven at an exact error ratio"))
        drivers.append((plan.name, driver))
    return TestInputs(tuple(tests.rule_paths), tuple(tests.group_order), tuple(drivers), source)


def composite_tests(
    service: str, plans: Sequence[SLOPlan], every: Mapping[str, SLOPlan], inputs: Mapping[str, TestInputs], shared: str | None
) -> ServiceTests | None:
    """The tests of one service's composite SLOs (None when it has none), with the ones left
    untested and why; `every`: every SLO of the run by slo_id, `inputs`: every service's by
    name, `shared`: the name of the file `--share-rules global` writes (None without it)."""
    testable: list[tuple[SLOPlan, tuple[SyntheticSeries, ...]]] = []
    reads: list[tuple[Selector, ...]] = []
    untested: list[tuple[str, str]] = []
    edges: list[tuple[str, str]] = []
    extra: list[tuple[str, tuple[Scenario, ...]]] = []
    composites = [plan for plan in plans if plan.composite is not None]
    if not composites:
        return None
    for plan in composites:
        leaves, deps = _closure(plan, every)
        reason = _own_reason(plan, shared)
        drivers = []
        for member in leaves:
            driver = dict(inputs[member.service].drivers)[member.name]
            if driver.untested and not reason:
                reason = f"its member {member.service}/{member.name} cannot be driven: {driver.untested}"
            if shared and every[names.slo_id(member.service, member.name)].exclusion is not None and not reason:
                # The shared file's copy reads exclusions on the real clock (exclusion_clock.py shifts a service's own copy).
                reason = f"with --share-rules global its member {member.service}/{member.name} has exclusions, which the shared file's test copy does not shift"
            drivers.append(driver)
        if not reason and _cyclic(deps):
            reason = "the services of its members read each other's series both ways, so promtool cannot run them in one order"
        if reason:
            untested.append((plan.name, reason))
            continue
        unique: dict[str, SyntheticSeries] = {}
        for driver in drivers:
            unique.update((s.notation(), s) for s in driver.series)
        testable.append((plan, tuple(unique.values())))
        reads.append(tuple(selector for driver in drivers for selector in driver.reads))
        edges += deps
        apart = members_apart(plan, every, list(zip(leaves, drivers)))
        if apart is not None:
            extra.append((plan.name, (apart,)))
    if not testable:
        return ServiceTests(service, 0, (), (), tuple(untested))
    order = _service_order(service, edges)
    if order is None:  # composites acyclic each, cyclic together: rare enough to leave them untested
        why = "the services of this service's composites read each other's series both ways, so promtool cannot run them in one order"
        return ServiceTests(service, 0, (), (), tuple(untested + [(plan.name, why) for plan, _ in testable]))
    lanes = sharing_lanes(tuple(testable), reads)
    e = choose_eval_interval([plan for plan, _ in testable], {plan.name: s for plan, s in testable}, lanes)
    rule_files = tuple(dict.fromkeys(path for name in order for path in inputs[name].rule_paths))
    if shared:
        # Every service's rules are in the shared file: its promtool copy holds the members' and the journey's.
        rule_files = (cadence.path(shared).removeprefix("tests/"),)
    return ServiceTests(
        service, e, tuple(testable), lanes, tuple(untested), _group_order(order, inputs, shared), rule_files=rule_files,
        extra=tuple((name, tuple(_at_interval(s, e) for s in scenarios)) for name, scenarios in extra),
    )


# When the members-apart scenario reads the journey's 5m ratio: its members' 5m rates are
# whole by 10m, and one evaluation more leaves room for a member recorded a tick late.
_SETTLED = 600
_TOLERANCE = 1e-6


def members_apart(plan: SLOPlan, every: Mapping[str, SLOPlan], leaves: list[tuple[_Leaf, Driver]]) -> Scenario | None:
    """Each leaf member at an error ratio of its own, and the journey's 5m ratio as its method
    combines them, computed here: a member whose file is not loaded, or a weight or method
    mixed up, reads another ratio.  None when the leaves' series overlap (feeding one
    would change what another reads), as the ordinary scenarios do not need them apart."""
    if len(sharing_lanes(tuple((plan, driver.series) for _, driver in leaves), [driver.reads for _, driver in leaves])) > 1:
        return None
    # Ratios and traffic differing per member: pooled events and a weighted mean then differ.
    # Eighths, sixteenths, ...: binary fractions, so every counter and expected ratio is exact.
    share = 1 / (2 << len(leaves).bit_length())
    ratios = {leaf: (index + 1) * share for index, (leaf, _) in enumerate(leaves)}
    traffic = {leaf: EVENTS_PER_SECOND * 2 ** (index % 4) for index, (leaf, _) in enumerate(leaves)}  # small counters
    expected, _ = _journey_ratio(plan, every, ratios, traffic)
    # The length and check time depend on the file's evaluation interval: set by _at_interval.
    drives = tuple((s.notation(), (Phase(0, 0, ratios[leaf]),), traffic[leaf]) for leaf, driver in leaves for s in driver.series)
    check = Check(0, f"sum(abs({plan.selector(names.error_ratio(BASE_WINDOW))} - {fmt_float(expected)}) < bool {_TOLERANCE})", (("{}", 1.0),))
    parts = ", ".join(f"{leaf.service}/{leaf.name} at {fmt_float(r)} of {fmt_float(traffic[leaf])}/s" for leaf, r in ratios.items())
    notes = (f"{parts}: the journey's 5m ratio {fmt_float(expected)}",)
    return Scenario(f"{plan.service}/{plan.name} members apart", 0, (), (check,), notes, None, EVENTS_PER_SECOND, drives)


def _at_interval(scenario: Scenario, e: int) -> Scenario:
    """The members-apart scenario at evaluation interval `e`: checked a tick after it settles."""
    at = ceil_to(_SETTLED, e) + e
    drives = tuple((name, tuple(replace(p, end=at + e) for p in phases), eps) for name, phases, eps in scenario.own_drives)
    return replace(scenario, length=at + e, checks=tuple(replace(c, at=at) for c in scenario.checks), own_drives=drives)


def _journey_ratio(plan: SLOPlan, every: Mapping[str, SLOPlan], ratios: dict[_Leaf, float], traffic: dict[_Leaf, float]) -> tuple[float, float]:
    """(error ratio, events per second) a composite records when its leaves fail at `ratios` of `traffic`."""
    assert plan.composite is not None
    parts = []
    for member in plan.composite.members:
        found = every[member.id]
        if found.composite is not None:
            parts.append((member.weight, *_journey_ratio(found, every, ratios, traffic)))
        else:
            leaf = _Leaf(found.service, found.name)
            parts.append((member.weight, ratios[leaf], traffic[leaf]))
    if plan.composite.method == "events":
        events = sum(w * ev for w, _, ev in parts)
        return sum(w * ev * r for w, r, ev in parts) / events, events
    if plan.composite.method == "weighted":
        return sum(w * r for w, r, _ in parts) / sum(w for w, _, _ in parts), 1.0
    return max(r for _, r, _ in parts), 1.0


def _own_reason(plan: SLOPlan, shared: str | None) -> str:
    """Why the journey itself cannot be tested as an ordinary SLO driven at one ratio, if it cannot."""
    if shared and plan.composite is not None and plan.composite.method == "worst":
        # Its windows read its members' windows, which the shared file records after every
        # service's own groups: in promtool's one order the journey would read them a tick late.
        return "with --share-rules global a worst composite reads its members' windows a tick late in promtool's one group order"
    if plan.exclusion is not None:
        return "it has exclusions, whose shifted test clock (exclusion_clock.py) reads counters, not members"
    if plan.min_events and plan.composite is not None and plan.composite.method != "events":
        # Its events are one a second: a long window of fewer than twice min_events never clears the guard.
        shortest = min((tier.long_window for sev in plan.severities for tier in sev.tiers), default=0)
        if 2 * plan.min_events > shortest:
            return (
                f"a {plan.composite.method} composite counts one event a second, "
                f"too few for min_events {plan.min_events} per {format_duration(shortest)} window"
            )
    return ""


@dataclass(frozen=True)
class _Leaf:
    service: str
    name: str


def _closure(plan: SLOPlan, every: Mapping[str, SLOPlan]) -> tuple[list[_Leaf], list[tuple[str, str]]]:
    """The composite's leaf members (members of member composites included), and the
    (member's service, reader's service) pairs of every composite read on the way."""
    leaves: dict[_Leaf, None] = {}
    edges: list[tuple[str, str]] = []

    def visit(node: SLOPlan) -> None:
        assert node.composite is not None
        for member in node.composite.members:
            found = every[member.id]  # build/composites.py refused a run with a missing member
            edges.append((found.service, node.service))
            if found.composite is not None:
                visit(found)
            else:
                leaves[_Leaf(found.service, found.name)] = None

    visit(plan)
    return list(leaves), edges


def _cyclic(edges: list[tuple[str, str]]) -> bool:
    return _service_order("", edges) is None


def _service_order(service: str, edges: list[tuple[str, str]]) -> list[str] | None:
    """Services in an order where each one's members come first (None when none exists);
    a service's composites reading its own SLOs need no order of services."""
    nodes = list(dict.fromkeys([a for a, _ in edges] + [b for _, b in edges] + ([service] if service else [])))
    after = {node: [b for a, b in edges if a == node and b != node] for node in nodes}
    waiting = {node: sum(1 for a, b in set(edges) if b == node and a != node) for node in nodes}
    # Kahn's algorithm, taking ready services in the order first seen: deterministic.
    order: list[str] = []
    ready = [node for node in nodes if waiting[node] == 0]
    while ready:
        node = ready.pop(0)
        order.append(node)
        for later in dict.fromkeys(after[node]):
            waiting[later] -= 1
            if waiting[later] == 0:
                ready.append(later)
    return order if len(order) == len(nodes) else None


def _group_order(services: list[str], inputs: Mapping[str, TestInputs], shared: str | None) -> tuple[str, ...]:
    """Every loaded group: each service's own, as its own tests order them, members' services
    first, so the journey reads what they recorded in the same tick (base rates, and for
    `worst` their windows, the fast 1h one in their alerts group); with `--share-rules
    global`, the shared file's groups, which hold every service's rules."""
    loaded = [group for name in services for group in inputs[name].group_order]
    common = [names.group_name(shared, part) for part, *_ in PARTS] if shared else []
    own = [group for group in loaded if group not in common]
    return tuple(dict.fromkeys(own)) + tuple(group for group in common if group in loaded)
