"""Spec paths -> every output file: the one compile path of every command.

    discover -> load (file:line kept) -> per service: plan, rules, tests, dashboards
             -> cross-file checks (clashes, the targets' run-wide checks)
             -> the files that read every service -> the sink (output/ is written last)

Once loaded, services are independent, and nearly all of a large tree's time is
per-service work: parsing, validating, planning, rules, tests, dashboards.  Forked
workers each take whole spec files through that work; given a sink, they stage their
files themselves (generate's sink writes them into the run's private staging tree beside
output/, check's only compares) and send back summaries, so hundreds of MB of text never
cross a pipe.  This process keeps what reads every service (clashes between files, target
checks, the overview dashboard, the report) and the files it cannot hand out: jsonnet
and the other formats, whose documents are converted together, and budget adjustments:
a worker hands their files back, and the files whose SLOs they may name are loaded here
too, joined, compiled again, and what their workers staged withdrawn.  output/ itself changes
only at the end, when generate swaps the staging tree in (build/write.commit); a run
with problems removes the staging tree and leaves output/ as it was.  The result is the one-process
result, byte for byte (tests/build/test_pipeline.py holds the two equal).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Protocol

from slogen.build.claims import Claim, claim_of, clashes
from slogen.emit.gates import check_names
from slogen.build.composites import CompositeRef, composite_problems, composite_refs
from slogen.build.compile import (
    SPLIT_SIDES, CompiledService, RunWidePart, compile_service, global_files, run_wide_part, service_files, service_groups, shared_groups,
    spec_warnings,
)
from slogen.build.gcpause import paused_gc
from slogen.build.options import BuildOptions
from slogen.build.write import Staged
from slogen.emit.promtool.composite_tests import TestInputs, composite_tests, test_inputs, test_path
from slogen.emit.promtool.series import sli_selectors
from slogen.emit.promtool.service_tests import render_test_file
from slogen.emit.report.html import ReportPart, report_part
from slogen.emit.targets import SHARED, ServiceGroups
from slogen.plan.slo import SLOPlan
from slogen.spec.errors import Diagnostic, Problem
from slogen.spec.model import ServiceSpec
from slogen.spec.adjustment_join import looked_at
from slogen.spec.load import FileRead, LoadedSpec, adjustment_targets, discover, display_path, load_file, load_read, nothing_found

# Below this many spec files a worker pool costs more than it saves.
PARALLEL_FROM = 16



class Sink(Protocol):
    """Where files go as they are made (build/write.Stager): `stage` in any process, `take` in this one."""

    def stage(self, files: dict[str, str]) -> tuple[Staged, ...]:
        """Compare (and stage) files; their summaries."""

    def take(self, staged: tuple[Staged, ...]) -> None:
        """Record what was staged."""

    def withdraw(self, staged: tuple[Staged, ...]) -> None:
        """Forget files taken before (and remove them from the staging tree): compiled again since."""


@dataclass(frozen=True)
class ServiceOutput:
    """One compiled service: its files as text, and what the cross-file checks and commands read."""

    service: str
    source: str
    claim: Claim
    # Its plans (`plans`); pickled by a worker (see `lent`), since a generate run's parent reads
    # only `run_wide` and the report part made from them.
    lent_plans: tuple[SLOPlan, ...] | bytes
    untested: tuple[tuple[str, str], ...]  # SLOs without generated tests, and why, that record no reason of their own
    problems: tuple[Diagnostic, ...]
    files: dict[str, str]  # empty once handed to a sink
    groups: ServiceGroups | None = None
    group_names: tuple[str, ...] = ()
    test_loads: tuple[tuple[str, tuple[str, ...]], ...] = ()  # test file -> the rule files it loads (relative to tests/)
    report: ReportPart | None = None  # its share of the report, made alongside its files
    warnings: tuple[Diagnostic, ...] = ()  # compile.spec_warnings: what its spec's author should know
    compiled: CompiledService | None = None  # with `detail` only (never sent from a worker)
    spec: ServiceSpec | None = None  # with `detail` only
    # SLOs without generated tests whose spec says why (`untested:`), with that reason.
    acknowledged: tuple[tuple[str, str], ...] = ()
    composites: tuple[CompositeRef, ...] = ()  # its composite SLOs' members, checked across files
    # What the tests of composites reading its SLOs load and drive (`test_inputs`); pickled
    # by a worker, since only a tree with composites reads them (see `lent`).
    lent_inputs: TestInputs | bytes | None = None
    journey_stale: tuple[tuple[str, Diagnostic], ...] = ()  # composites recording `untested:`, and the warning if tested
    staged: tuple[Staged, ...] = ()  # its files as a worker staged them, for the sink to take (and kept: see _reclaim)
    run_wide: RunWidePart | None = None  # its share of the overview dashboard and the routing file

    @cached_property
    def plans(self) -> tuple[SLOPlan, ...]:
        """Its SLOs' plans (unpickled here, once, if a worker lent them)."""
        return pickle.loads(self.lent_plans) if isinstance(self.lent_plans, bytes) else self.lent_plans

    @property
    def slos(self) -> int:
        """How many SLOs it compiled."""
        return self.run_wide.slos if self.run_wide is not None else len(self.plans)

    @property
    def test_inputs(self) -> TestInputs | None:
        """What the tests of composites reading its SLOs load and drive (unpickled here if a worker lent them)."""
        return pickle.loads(self.lent_inputs) if isinstance(self.lent_inputs, bytes) else self.lent_inputs

    def lent(self) -> ServiceOutput:
        """This output as a worker sends it: its plans and test inputs as bytes, which the parent
        unpickles only if it reads them.  A generate run without composites reads neither
        (run_wide and the report part are made here): unpickling 10,000 plans cost it ~0.7 s."""
        def packed(value):
            return value if value is None or isinstance(value, bytes) else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

        return replace(self, lent_plans=packed(self.lent_plans), lent_inputs=packed(self.lent_inputs))


@dataclass(frozen=True)
class Tree:
    """Every output file of a spec tree (unless a sink took them), and what the commands report."""

    files: dict[str, str]
    services: tuple[ServiceOutput, ...]

    @property
    def slos(self) -> int:
        """Number of SLOs compiled."""
        return sum(s.slos for s in self.services)

    @property
    def plans(self) -> list[SLOPlan]:
        """Every SLO's plan, services in load order."""
        return [plan for service in self.services for plan in service.plans]


def service_output(item: LoadedSpec, options: BuildOptions, detail: bool = False) -> ServiceOutput:
    """Compile one loaded spec to its files (none when it has problems)."""
    spec, document = item.spec, item.document
    compiled, problems = compile_service(spec, item.source, options)
    if compiled is None:
        return ServiceOutput(spec.service, document.path, claim_of(item), (), (), tuple(item.diagnostic(p) for p in problems), {},
                             warnings=spec_warnings(item))
    tests = compiled.tests
    loads = tuple((rel, tuple(tests.rule_paths)) for rel in tests.files) if tests is not None else ()
    recorded = {slo.name: (index, slo.untested) for index, slo in enumerate(spec.slos) if slo.untested}
    untested = tuple((name, why) for name, why in compiled.untested if name not in recorded)
    acknowledged = tuple((name, recorded[name][1]) for name, _ in compiled.untested if name in recorded)
    # A reason recorded for an SLO that does have tests would hide nothing today, and
    # everything the day its tests break: said, located.
    tested = sorted(set(recorded) - {name for name, _ in compiled.untested}, key=lambda name: recorded[name][0])
    def stale_reason(name: str) -> Diagnostic:
        return item.diagnostic(Problem(("slos", recorded[name][0], "untested"), f"SLO {name!r} has generated tests; drop `untested:`", at_key=True))

    stale = tuple(stale_reason(name) for name in tested)
    # A composite's tests are made across services (_journey_tests): its warning is ready here, said there.
    journeys = {plan.name for plan in compiled.plans if plan.composite is not None}
    journey_stale = tuple((name, stale_reason(name)) for name in recorded if name in journeys)
    return ServiceOutput(
        spec.service, document.path, claim_of(item), compiled.plans, untested, (), service_files(compiled, options),
        service_groups(compiled, options), compiled.rules.group_names, loads, report_part(compiled.plans), spec_warnings(item) + stale,
        compiled if detail else None, spec if detail else None, acknowledged, composite_refs(item, compiled.plans),
        _test_inputs(compiled, spec), journey_stale, run_wide=run_wide_part(compiled.plans),
    )


def _test_inputs(compiled: CompiledService, spec: ServiceSpec) -> TestInputs | None:
    if compiled.tests is None:
        return None
    tested = {plan.name for plan, _ in compiled.tests.testable}
    reads = {slo.name: sli_selectors(slo.sli) for slo in spec.slos if slo.name in tested}
    return test_inputs(compiled.tests, compiled.plans, reads, compiled.source)


def _handed(output: ServiceOutput, sink: Sink | None) -> ServiceOutput:
    if sink is None:
        return output
    if output.staged:  # staged by a worker; its summaries kept, should an adjustment have it compiled again
        sink.take(output.staged)
        return output
    if not output.files:
        return output
    sink.take(sink.stage(output.files))
    return replace(output, files={})


# What forked workers need; set in the parent just before the fork, inherited, never pickled:
# the paths, the options, and the sink, if any (then workers stage their files themselves).
_JOB: tuple[list[Path], BuildOptions, Sink | None] | None = None


def _file_job(path: Path) -> tuple[list[ServiceOutput], list[Diagnostic]] | None:
    """One native spec file through the whole per-service pipeline; None: the parent must load it."""
    assert _JOB is not None
    paths, options, sink = _JOB
    if path.suffix == ".jsonnet":
        return None
    return _compiled_file(load_file(path, paths, None, options.spec), options, sink)


def _compiled_file(read: FileRead, options: BuildOptions, sink: Sink | None) -> tuple[list[ServiceOutput], list[Diagnostic]] | None:
    """A loaded file's services compiled (and staged, given a sink); None when it holds other formats."""
    loaded, foreign, problems = read
    if foreign:
        return None
    outputs = [service_output(item, options).lent() for item in loaded]
    if sink is not None:  # staged here, in parallel: only small summaries cross the pipe
        outputs = [replace(out, files={}, staged=sink.stage(out.files)) for out in outputs]
    return outputs, problems


def jobs_default() -> int:
    """Worker processes to use: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def build_tree(
    paths: list[Path], options: BuildOptions = BuildOptions(), jobs: int = 1, sink: Sink | None = None, detail: bool = False
) -> tuple[Tree, list[Diagnostic]]:
    """Load, compile and render a spec tree with `jobs` processes (0: one per CPU).

    Every command's compile: `sink` takes the files as they are made (the tree then holds
    none); `detail` keeps each service's CompiledService (in this process only).  With
    problems, the tree holds no files but the services that compiled (for their warnings).
    Raises TargetError when a target refuses the run (its run-wide checks).
    """
    with paused_gc():  # millions of short-lived, acyclic objects (see gcpause.py)
        return _build_tree(paths, options, jobs or jobs_default(), sink, detail)


def _build_tree(
    paths: list[Path], options: BuildOptions, jobs: int, sink: Sink | None, detail: bool
) -> tuple[Tree, list[Diagnostic]]:
    files, diagnostics = discover(paths, options.spec)
    results: list[tuple[list[ServiceOutput], list[Diagnostic]] | None]
    reads: dict[Path, FileRead] = {}
    if jobs > 1 and len(files) >= PARALLEL_FROM and not detail:
        results = _parallel(files, (paths, options, sink), jobs, sink, reads)
    else:
        results = [None] * len(files)
    # Files the workers handed back (or all, without workers) load here, together.
    for path, result in zip(files, results):
        if result is None and path not in reads:
            reads[path] = load_file(path, paths, options.jsonnet, options.spec)
    results = _reclaim(files, results, reads, paths, options, sink)
    loaded, found = load_read([reads[path] for path in files if path in reads], options.spec)
    diagnostics += found
    by_path: dict[str, list[ServiceOutput]] = {}
    converted: list[ServiceOutput] = []
    for item in loaded:
        out = _handed(service_output(item, options, detail), sink)
        if not item.converted:
            by_path.setdefault(item.document.path, []).append(out)
        else:
            converted.append(out)
    outputs: list[ServiceOutput] = []
    for path, result in zip(files, results):
        if result is None:
            outputs += by_path.pop(display_path(path), [])
        else:
            outputs += result[0]
            diagnostics += result[1]
    # Anything not matched to its file keeps load order: natives first, conversions last.
    outputs += [out for group in by_path.values() for out in group] + converted
    if not files and not diagnostics:
        diagnostics.append(nothing_found(paths))
    kept_at, found = clashes([out.claim for out in outputs])
    kept = [outputs[index] for index in kept_at]
    failed = {out.service for out in outputs if out.problems}
    refs = [ref for out in kept for ref in out.composites]
    if refs:  # only then does it read every service's plans
        found += composite_problems([plan for out in kept for plan in out.plans], refs, failed)
    # Every file's own problems too, not only those of the files that clash with none:
    # every problem in one pass, across files.
    diagnostics += found + [problem for out in outputs for problem in out.problems]
    if diagnostics:
        return Tree({}, tuple(out for out in kept if not out.problems)), diagnostics
    shared = shared_groups(kept, options)
    checked = [s.groups for s in kept if s.groups is not None]
    if shared:
        checked.append(ServiceGroups(SHARED, tuple(len(g.rules) for g in shared) if options.targets.read_groups else ()))
    sides = tuple(zip(SPLIT_SIDES, (options.split.leaf, options.split.global_))) if options.split is not None else ()
    options.targets.check(checked, sides)
    check_names([s.service for s in kept], options.gates)
    every = global_files(
        kept, options, {s.service: s.report for s in kept if s.report is not None}, shared, {s.service: s.run_wide for s in kept if s.run_wide is not None}
    )
    kept = _journey_tests(kept, every, SHARED if options.share_globally else None)
    if sink is not None:
        sink.take(sink.stage(every))
        return Tree({}, tuple(kept)), []
    for service in kept:
        every.update(service.files)
    return Tree(every, tuple(kept)), []


def _reclaim(
    files: list[Path], results: list[tuple[list[ServiceOutput], list[Diagnostic]] | None], reads: dict[Path, FileRead],
    paths: list[Path], options: BuildOptions, sink: Sink | None,
) -> list[tuple[list[ServiceOutput], list[Diagnostic]] | None]:
    """`results` without the worker files a budget adjustment among `reads` may join, which are read into `reads`.

    A worker compiled its file alone; an adjustment (handed back, like every foreign
    document) joins SLOs of other files (spec/adjustment_join.py), so the files whose SLOs
    its join looks at load again in this process, to be joined and compiled here: the join
    then sees what a one-process run sees, and reports the same problems.  What the
    workers staged for those files is withdrawn.
    """
    targets = adjustment_targets(list(reads.values()))
    if not targets:
        return results
    done = [(index, out) for index, result in enumerate(results) if result is not None for out in result[0]]
    again = {index for index, out in done if out.problems}  # failed: which SLOs it holds is not known here
    held = [(out.service, {plan.name for plan in out.plans}) for _, out in done]
    for ref in targets:
        again |= {done[entry][0] for entry in looked_at(ref, held)}
    kept = list(results)
    for index in sorted(again):
        result = results[index]
        assert result is not None
        if sink is not None:
            sink.withdraw(tuple(staged for out in result[0] for staged in out.staged))
        reads[files[index]] = load_file(files[index], paths, options.jsonnet, options.spec)
        kept[index] = None
    return kept


def _journey_tests(outputs: list[ServiceOutput], files: dict[str, str], shared: str | None) -> list[ServiceOutput]:
    """Add the tests of every service's composites (they load other services' rule files, so
    are made once all have compiled) to `files`; the services then say which are untested."""
    if not any(out.composites for out in outputs):
        return outputs
    every = {plan.id: plan for out in outputs for plan in out.plans}
    inputs = {out.service: out.test_inputs for out in outputs if out.test_inputs is not None}
    result = []
    for out in outputs:
        tests = composite_tests(out.service, out.plans, every, inputs, shared) if out.composites else None
        if tests is None:
            result.append(out)
            continue
        if tests.testable:
            files[test_path(out.service)] = render_test_file(tests, inputs[out.service].source)
        journeys = {plan.name for plan in out.plans if plan.composite is not None}
        acknowledged = dict(out.acknowledged)
        untested = [(name, why) for name, why in out.untested if name not in journeys]
        untested += [(name, why) for name, why in tests.untested if name not in acknowledged]
        still = {name for name, _ in tests.untested}
        result.append(replace(
            out,
            untested=tuple(untested),
            acknowledged=tuple((name, why) for name, why in out.acknowledged if name not in journeys or name in still),
            test_loads=out.test_loads + (((test_path(out.service), tuple(tests.rule_paths)),) if tests.testable else ()),
            warnings=out.warnings + tuple(warning for name, warning in out.journey_stale if name not in still),
        ))
    return result


def _parallel(
    files: list[Path], job: tuple[list[Path], BuildOptions, Sink | None], jobs: int, sink: Sink | None, reads: dict[Path, FileRead]
) -> list[tuple[list[ServiceOutput], list[Diagnostic]] | None]:
    """Each file's result from forked workers (None: the parent must load it; the first file's
    read, when this process loaded it already, is added to `reads`)."""
    global _JOB
    _JOB = job
    paths, options, _ = job

    def handed(result: tuple[list[ServiceOutput], list[Diagnostic]] | None) -> tuple[list[ServiceOutput], list[Diagnostic]] | None:
        return None if result is None else ([_handed(out, sink) for out in result[0]], result[1])

    try:
        # The first file compiles here, before the fork: what the first service makes once
        # per process and caches (the test scenarios' timings, the rule and test templates:
        # ~0.4 s, a twentieth of a worker's share of 1,000 services) every worker then
        # inherits instead of making it again.
        first = None
        if files[0].suffix != ".jsonnet":
            read = load_file(files[0], paths, None, options.spec)  # a YAML file reads the same with jsonnet options
            first = _compiled_file(read, options, sink)
            if first is None:
                reads[files[0]] = read
        results = [handed(first)]
        if len(files) == 1:
            return results
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(files) - 1)) as pool:
            # Small chunks keep the workers evenly loaded; results come back in file order,
            # and this process hands each file to the sink meanwhile.
            for result in pool.imap(_file_job, files[1:], chunksize=max(1, len(files) // (jobs * 64))):
                results.append(handed(result))
        return results
    finally:
        _JOB = None
