"""What specs claim across files (service names, slo_ids), and the clashes between them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from slogen.emit.dashboards.boards import OVERVIEW_FILE
from slogen.plan import names
from slogen.spec.errors import Diagnostic, Problem
from slogen.spec.load import LoadedSpec


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
