"""Budget adjustments joined to the SLOs they name, among the same run's specs.

An adjustment file names SLOs other files define (native or converted alike), so the join
runs once every spec of the run has loaded:

* Nobl9 `filters.slos[]`: the SLO called `name`, in the service called `project` when
  the run has one; otherwise (Nobl9's projects, such as `default`, are not slogen
  services) the one SLO of that name in the run, refused when several services have one;
* OpenSLO `service` + `indicatorRef`: the SLOs of that service converted from OpenSLO
  SLOs that read the SLI of that name; in a native spec, where the SLI is part of its
  SLO, the SLO of that name.

A reference to nothing, or to several, is a problem where the reference is written. The
entries join the SLO's own `exclusions:`; a problem found in them later (by the plan) is
located in the adjustment.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import ValidationError

from slogen.spec.errors import Diagnostic, Loc, Problem
from slogen.spec.exclusions import Exclusion
from slogen.spec.formats.budget_adjustment import Adjustment, SLORef
from slogen.spec.formats.source import Origin, written
from slogen.spec.locate import problem_diagnostic
from slogen.spec.safe_yaml import Document
from slogen.spec.validation_messages import validation_problems

if TYPE_CHECKING:  # load.py calls this module: its LoadedSpec only as a type
    from slogen.spec.load import LoadedSpec

Slot = tuple[int, int]  # (index of the loaded spec, index of its SLO)


def join_adjustments(
    loaded: list[LoadedSpec], adjustments: list[Adjustment], documents: dict[tuple[str, int], Document]
) -> tuple[list[LoadedSpec], list[Diagnostic]]:
    """`loaded` (LoadedSpecs) with each adjustment's exclusions added to the SLOs it names; problems."""
    problems: list[Diagnostic] = []

    def at(origin: Origin, message: str) -> Diagnostic:
        return problem_diagnostic(documents[origin.doc], Problem(origin.loc, message))

    added: dict[Slot, list[tuple[Exclusion, dict[Loc, Origin]]]] = {}
    warned: dict[int, list[Diagnostic]] = {}
    for adjustment in adjustments:
        entries = []
        for data, origins in adjustment.exclusions:
            try:
                entries.append((Exclusion.model_validate(data), origins))
            except ValidationError as err:
                problems += [at(_origin(origins, p.loc), p.message) for p in validation_problems(err)]
        slots: list[Slot] = []
        for ref in adjustment.targets:
            found = _find(loaded, ref)
            if isinstance(found, tuple):
                problems.append(at(*found))
            elif any(slot in slots for slot in found):
                problems.append(at(ref.origin, f"{written(ref.name)} is named twice in this adjustment"))
            else:
                slots += found
        if len(entries) == len(adjustment.exclusions):
            for slot in slots:
                added.setdefault(slot, []).extend(entries)
        for index in dict.fromkeys(i for i, _ in slots):
            warned.setdefault(index, []).extend(at(w.origin, w.message) for w in adjustment.warnings)
    out = list(loaded)
    for index, item in enumerate(loaded):
        mine = {slo: added[(index, slo)] for slo in range(len(item.spec.slos)) if (index, slo) in added}
        if not mine:
            continue
        slos = list(item.spec.slos)
        where: dict[tuple[int, int], dict[Loc, Origin]] = {}
        for slo, entries in mine.items():
            first = len(slos[slo].exclusions)
            slos[slo] = slos[slo].model_copy(update={"exclusions": [*slos[slo].exclusions, *(e for e, _ in entries)]})
            where.update({(slo, first + k): origins for k, (_, origins) in enumerate(entries)})
        warnings = tuple(dict.fromkeys(item.warnings + tuple(warned.get(index, ()))))
        out[index] = replace(item, spec=item.spec.model_copy(update={"slos": slos}), locate=_locator(item, where, documents), warnings=warnings)
    return out, problems


def looked_at(ref: SLORef, held: Sequence[tuple[str, Collection[str]]]) -> set[int]:
    """Which of the (service, SLO names) entries a reference's join looks at: an OpenSLO
    reference, its service's; a Nobl9 one, those of its project holding an SLO of its name,
    or, with none there, every one holding such an SLO.  build/pipeline.py recompiles what
    this names, so a parallel run joins what a one-process run joins."""
    if ref.tool == "OpenSLO":
        return {i for i, (service, _) in enumerate(held) if service == ref.scope}
    named = {i for i, (_, slos) in enumerate(held) if ref.name in slos}
    return {i for i in named if held[i][0] == ref.scope} or named


def _find(loaded: list[LoadedSpec], ref: SLORef) -> list[Slot] | tuple[Origin, str]:
    """The SLOs a reference names, or where and why it names none (or too many)."""
    where = sorted(looked_at(ref, [(item.spec.service, {slo.name for slo in item.spec.slos}) for item in loaded]))
    if ref.tool == "OpenSLO":
        if not where:
            return ref.scope_origin, f"no service {written(ref.scope)} in this run's specs"
        hits = [(i, k) for i in where for k, slo in enumerate(loaded[i].spec.slos) if _reads(loaded[i], k, slo.name) == ref.name]
        if not hits:
            return ref.origin, f"no SLO of service {written(ref.scope)} reads an SLI named {written(ref.name)}"
        return hits
    hits = [(i, k) for i in where for k, slo in enumerate(loaded[i].spec.slos) if slo.name == ref.name]
    if not hits:
        return ref.origin, f"no SLO named {written(ref.name)} in this run's specs"
    if len(hits) > 1 and loaded[hits[0][0]].spec.service != ref.scope:
        services = ", ".join(sorted(written(loaded[i].spec.service) for i, _ in hits))
        return ref.scope_origin, (f"SLO {written(ref.name)} is in several services ({services}): "
                                  "give its service as the project")
    return hits


def _reads(item: LoadedSpec, index: int, name: str) -> str:
    """The SLI an SLO reads, by name: the OpenSLO SLI it was converted from, else (native) its own name."""
    indicator = item.indicators[index] if index < len(item.indicators) else None
    return indicator if indicator is not None else name


def _origin(origins: dict[Loc, Origin], loc: Loc) -> Origin:
    """Where a native path inside an entry came from: its longest mapped prefix."""
    for end in range(len(loc), -1, -1):
        if tuple(loc[:end]) in origins:
            return origins[tuple(loc[:end])]
    return origins[()]


def _locator(item: LoadedSpec, where: dict[tuple[int, int], dict[Loc, Origin]], documents: dict[tuple[str, int], Document]) -> Callable[[Problem], Diagnostic]:
    """The spec's own locator, but problems inside an added entry point at the adjustment."""

    def locate(problem: Problem) -> Diagnostic:
        loc = problem.loc
        if len(loc) >= 4 and loc[0] == "slos" and loc[2] == "exclusions" and (loc[1], loc[3]) in where:
            origin = _origin(where[(loc[1], loc[3])], tuple(loc[4:]))
            return problem_diagnostic(documents[origin.doc], Problem(origin.loc, problem.message))
        return item.diagnostic(problem)

    return locate
