"""Spec files -> every output file, across worker processes: the batch path of `generate` and `check`.

Once loaded, services are independent, and nearly all of a large tree's time is
per-service work: parsing, validating, planning, rules, tests, dashboards.  Forked
workers each take whole spec files through that work and send back text.  This process
keeps what reads every service (clashes between files, the overview dashboard, the
report) and the files it cannot hand out: jsonnet and the other formats, whose
documents are converted together.  The result is the one-process result, byte for
byte (tests/build/test_pipeline.py holds the two equal).
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path

from slogen.build.compile import Claim, check_targets, claim_of, clashes, compile_service, global_files, service_files, spec_warnings
from slogen.build.gcpause import paused_gc
from slogen.build.write import Staged, stage_file, start_writeback
from slogen.emit.report.html import ReportPart, report_part
from slogen.emit.targets import TargetOptions
from slogen.plan.slo import SLOPlan
from slogen.spec.errors import Diagnostic
from slogen.spec.formats import NATIVE
from slogen.spec.formats.jsonnet import JsonnetOptions
from slogen.spec.load import LoadedSpec, detect_format, discover, display_path, load_file, load_files, nothing_found
from slogen.spec.options import SpecOptions

# Below this many spec files a worker pool costs more than it saves.
PARALLEL_FROM = 16
# Files (results) between early flushes of the staging tree (see write.start_writeback).
WRITEBACK_EVERY = 100


@dataclass(frozen=True)
class ServiceOutput:
    """One compiled service as text, with what the cross-file checks need."""

    service: str
    source: str
    claim: Claim
    plans: tuple[SLOPlan, ...]
    untested: tuple[tuple[str, str], ...]
    problems: tuple[Diagnostic, ...]
    files: dict[str, str]  # empty when staged
    staged: tuple[Staged, ...] = ()
    report: ReportPart | None = None  # its share of the report, made alongside its files
    warnings: tuple[Diagnostic, ...] = ()  # compile.spec_warnings: what its spec's author should know


@dataclass(frozen=True)
class Tree:
    """Every output file of a spec tree (as text, or staged), and what `generate` reports about it."""

    files: dict[str, str]
    services: tuple[ServiceOutput, ...]
    staged: tuple[Staged, ...] = ()

    @property
    def slos(self) -> int:
        """Number of SLOs compiled."""
        return sum(len(s.plans) for s in self.services)


@dataclass(frozen=True)
class Stage:
    """Where output goes: files are compared with `out` and, given `staging`, written there."""

    out: Path
    staging: Path | None


# Directories this process made in the staging tree (each worker has its own copy).
_MADE: set[Path] = set()


def service_output(item: LoadedSpec, targets: tuple[str, ...], options: TargetOptions, stage: Stage | None = None) -> ServiceOutput:
    """Compile one loaded spec to its files (none when it has problems), staged if asked."""
    spec, document = item.spec, item.document
    compiled, problems = compile_service(spec, item.source, options.share_rules)
    files: dict[str, str] = {}
    plans: tuple[SLOPlan, ...] = ()
    untested: tuple[tuple[str, str], ...] = ()
    report = None
    if compiled is not None:
        files = service_files(compiled, targets, options)
        plans = compiled.plans
        untested = compiled.untested
        report = report_part(plans)
    staged: tuple[Staged, ...] = ()
    if stage is not None:
        staged = tuple(stage_file(stage.out, stage.staging, rel, text, _MADE) for rel, text in files.items())
        files = {}
    return ServiceOutput(
        spec.service, document.path, claim_of(item), plans, untested,
        tuple(item.diagnostic(p) for p in problems), files, staged, report, spec_warnings(item),
    )


def merge(outputs: list[ServiceOutput]) -> tuple[list[ServiceOutput], list[Diagnostic]]:
    """Keep the services that clash with no earlier one (compile.clashes); report the rest."""
    kept, diagnostics = clashes([out.claim for out in outputs])
    for index in kept:
        diagnostics += outputs[index].problems
    return [outputs[index] for index in kept], diagnostics


# What forked workers need; set in the parent just before the fork, inherited, never pickled.
_JOB: tuple[list[Path], tuple[str, ...], TargetOptions, Stage | None, SpecOptions | None] | None = None


def _file_job(path: Path) -> tuple[list[ServiceOutput], list[Diagnostic]] | None:
    """One native spec file through the whole per-service pipeline; None: the parent must load it."""
    assert _JOB is not None
    paths, targets, options, stage, spec_options = _JOB
    if path.suffix == ".jsonnet":
        return None
    loaded, foreign, problems = load_file(path, paths, None, spec_options)
    if foreign:
        return None
    return [service_output(item, targets, options, stage) for item in loaded], problems


def jobs_default() -> int:
    """Worker processes to use: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def build_tree(
    paths: list[Path],
    targets: tuple[str, ...],
    options: TargetOptions,
    jsonnet: JsonnetOptions | None = None,
    jobs: int = 0,
    stage: Stage | None = None,
    spec_options: SpecOptions | None = None,
) -> tuple[Tree | None, list[Diagnostic]]:
    """Load, compile and render a spec tree with `jobs` processes (0: one per CPU).

    With `stage`, files are compared with (and written beside) the output directory as
    they are made, and the tree holds their summaries instead of their text.
    Raises TargetError for target options or names a target cannot take.
    """
    with paused_gc():  # millions of short-lived, acyclic objects (see gcpause.py)
        return _build_tree(paths, targets, options, jsonnet, jobs, stage, spec_options)


def _build_tree(
    paths: list[Path], targets: tuple[str, ...], options: TargetOptions, jsonnet: JsonnetOptions | None, jobs: int, stage: Stage | None,
    spec_options: SpecOptions | None = None,
) -> tuple[Tree | None, list[Diagnostic]]:
    check_targets(targets, options, [])
    _MADE.clear()
    files, diagnostics = discover(paths, spec_options)
    jobs = jobs or jobs_default()
    results: list[tuple[list[ServiceOutput], list[Diagnostic]] | None]
    if jobs > 1 and len(files) >= PARALLEL_FROM:
        results = _parallel(files, (paths, targets, options, stage, spec_options), jobs)
    else:
        results = [None] * len(files)
    # Files the workers handed back (or all, without workers) load here, together.
    rest = [path for path, result in zip(files, results) if result is None]
    loaded, found = load_files(rest, paths, jsonnet, spec_options)
    diagnostics += found
    by_path: dict[str, list[ServiceOutput]] = {}
    converted: list[ServiceOutput] = []
    for item in loaded:
        out = service_output(item, targets, options, stage)
        if item.locate is None and detect_format(item.document.data) in (NATIVE, None):
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
    kept, found = merge(outputs)
    diagnostics += found
    if diagnostics:
        return None, diagnostics
    check_targets(targets, options, [s.service for s in kept], [(s.service, s.plans) for s in kept])
    out_files = global_files(kept, {s.service: s.report for s in kept if s.report is not None}, targets, options)
    if stage is not None:
        staged = [stage_file(stage.out, stage.staging, rel, text, _MADE) for rel, text in out_files.items()]
        return Tree({}, tuple(kept), tuple(staged + [s for service in kept for s in service.staged])), []
    for service in kept:
        out_files.update(service.files)
    return Tree(out_files, tuple(kept)), []


def _parallel(
    files: list[Path], job: tuple[list[Path], tuple[str, ...], TargetOptions, Stage | None, SpecOptions | None], jobs: int
) -> list[tuple[list[ServiceOutput], list[Diagnostic]] | None]:
    global _JOB
    _JOB = job
    staging = job[3].staging if job[3] is not None else None
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(files))) as pool:
            # Small chunks keep the workers evenly loaded; results come back in file order.
            results = []
            for result in pool.imap(_file_job, files, chunksize=max(1, len(files) // (jobs * 64))):
                results.append(result)
                # This process only waits meanwhile: it can flush what workers staged.
                if staging is not None and len(results) % WRITEBACK_EVERY == 0:
                    start_writeback(staging)
            return results
    finally:
        _JOB = None
