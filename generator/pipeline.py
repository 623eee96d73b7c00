"""Spec files -> every output file, across worker processes: the batch path of `generate` and `check`.

Once loaded, services are independent, and nearly all of a large tree's time is
per-service work: parsing, validating, planning, rules, tests, dashboards.  Forked
workers each take whole spec files through that work and send back text.  This process
keeps what reads every service (clashes between files, the overview dashboard, the
report) and the files it cannot hand out: jsonnet and the other formats, whose
documents are converted together.  The result is the one-process result, byte for
byte (tests/test_pipeline.py holds the two equal).
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, replace
from pathlib import Path

from . import names
from .compile import OVERVIEW_FILE, check_targets, compile_service, global_files, service_files
from .errors import Diagnostic, Problem
from .formats.jsonnet import JsonnetOptions
from .formats import NATIVE
from .gcpause import paused_gc
from .load import LoadedSpec, detect_format, discover, display_path, load_file, load_files
from .plan import SLOPlan
from .targets import TargetOptions
from .write import Staged, stage_file

# Below this many spec files a worker pool costs more than it saves.
PARALLEL_FROM = 16


@dataclass(frozen=True)
class ServiceOutput:
    """One compiled service as text, with what the cross-file checks need."""

    service: str
    source: str
    document: tuple[str, int]  # (path, index) of the spec's document: its identity
    service_at: Diagnostic  # where a clash on the service name is reported
    slo_ids_at: tuple[tuple[str, Diagnostic], ...]  # each slo_id, and where a clash on it is reported
    plans: tuple[SLOPlan, ...]
    untested: tuple[tuple[str, str], ...]
    problems: tuple[Diagnostic, ...]
    files: dict[str, str]  # empty when staged
    staged: tuple[Staged, ...] = ()


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
    at = item.diagnostic(Problem(("service",), _HOLE))
    slo_ids_at = tuple(
        (names.slo_id(spec.service, slo.name), item.diagnostic(Problem(("slos", index, "name"), _HOLE))) for index, slo in enumerate(spec.slos)
    )
    compiled, problems = compile_service(spec, document.path)
    files: dict[str, str] = {}
    plans: tuple[SLOPlan, ...] = ()
    untested: tuple[tuple[str, str], ...] = ()
    if compiled is not None:
        files = service_files(compiled, targets, options)
        plans = compiled.plans
        untested = compiled.tests.untested if compiled.tests else ()
    staged: tuple[Staged, ...] = ()
    if stage is not None:
        staged = tuple(stage_file(stage.out, stage.staging, rel, text, _MADE) for rel, text in files.items())
        files = {}
    return ServiceOutput(
        spec.service, document.path, (document.path, document.index), at, slo_ids_at, plans, untested,
        tuple(item.diagnostic(p) for p in problems), files, staged,
    )


# Clash messages are only known in the parent: the workers locate them with this hole.
_HOLE = "\x00"


def _at(where: Diagnostic, message: str) -> Diagnostic:
    return replace(where, message=where.message.replace(_HOLE, message))


def merge(outputs: list[ServiceOutput]) -> tuple[list[ServiceOutput], list[Diagnostic]]:
    """Keep the services that clash with no earlier one; report the later of each clash."""
    kept: list[ServiceOutput] = []
    diagnostics: list[Diagnostic] = []
    seen_services: dict[str, str] = {}
    seen_ids: dict[str, tuple[tuple[str, int], str]] = {}
    for out in outputs:
        if out.service in seen_services:
            diagnostics.append(_at(out.service_at, f"service {out.service!r} is already defined in {seen_services[out.service]}"))
            continue
        seen_services[out.service] = out.source
        if out.service == OVERVIEW_FILE:
            diagnostics.append(_at(out.service_at, f"service name {OVERVIEW_FILE!r} is reserved for the overview dashboard"))
            continue
        clash = False
        for sid, at in out.slo_ids_at:
            if sid in seen_ids and seen_ids[sid][0] != out.document:
                diagnostics.append(_at(at, f"slo_id {sid!r} is also produced by a spec in {seen_ids[sid][1]}; rename one"))
                clash = True
            seen_ids.setdefault(sid, (out.document, out.source))
        if clash:
            continue
        diagnostics += out.problems
        kept.append(out)
    return kept, diagnostics


# What forked workers need; set in the parent just before the fork, inherited, never pickled.
_JOB: tuple[list[Path], tuple[str, ...], TargetOptions, Stage | None] | None = None


def _file_job(path: Path) -> tuple[list[ServiceOutput], list[Diagnostic]] | None:
    """One native spec file through the whole per-service pipeline; None: the parent must load it."""
    assert _JOB is not None
    paths, targets, options, stage = _JOB
    if path.suffix == ".jsonnet":
        return None
    loaded, foreign, problems = load_file(path, paths)
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
) -> tuple[Tree | None, list[Diagnostic]]:
    """Load, compile and render a spec tree with `jobs` processes (0: one per CPU).

    With `stage`, files are compared with (and written beside) the output directory as
    they are made, and the tree holds their summaries instead of their text.
    Raises TargetError for target options or names a target cannot take.
    """
    with paused_gc():  # millions of short-lived, acyclic objects (see gcpause.py)
        return _build_tree(paths, targets, options, jsonnet, jobs, stage)


def _build_tree(
    paths: list[Path], targets: tuple[str, ...], options: TargetOptions, jsonnet: JsonnetOptions | None, jobs: int, stage: Stage | None
) -> tuple[Tree | None, list[Diagnostic]]:
    check_targets(targets, options, [])
    _MADE.clear()
    files, diagnostics = discover(paths)
    jobs = jobs or jobs_default()
    results: list[tuple[list[ServiceOutput], list[Diagnostic]] | None]
    if jobs > 1 and len(files) >= PARALLEL_FROM:
        results = _parallel(files, (paths, targets, options, stage), jobs)
    else:
        results = [None] * len(files)
    # Files the workers handed back (or all, without workers) load here, together.
    rest = [path for path, result in zip(files, results) if result is None]
    loaded, found = load_files(rest, paths, jsonnet)
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
        diagnostics.append(Diagnostic(", ".join(str(p) for p in paths) or ".", 1, 1, "no spec files (*.yaml, *.yml, *.jsonnet) found"))
    kept, found = merge(outputs)
    diagnostics += found
    if diagnostics:
        return None, diagnostics
    check_targets(targets, options, [s.service for s in kept])
    out_files = global_files(kept)
    if stage is not None:
        staged = [stage_file(stage.out, stage.staging, rel, text, _MADE) for rel, text in out_files.items()]
        return Tree({}, tuple(kept), tuple(staged + [s for service in kept for s in service.staged])), []
    for service in kept:
        out_files.update(service.files)
    return Tree(out_files, tuple(kept)), []


def _parallel(
    files: list[Path], job: tuple[list[Path], tuple[str, ...], TargetOptions, Stage | None], jobs: int
) -> list[tuple[list[ServiceOutput], list[Diagnostic]] | None]:
    global _JOB
    _JOB = job
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(files))) as pool:
            # Small chunks keep the workers evenly loaded; results come back in file order.
            return list(pool.imap(_file_job, files, chunksize=max(1, len(files) // (jobs * 64))))
    finally:
        _JOB = None
