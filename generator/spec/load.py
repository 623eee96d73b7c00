"""Files -> validated specs, keeping the line and column of every node.

The thin I/O edge of the compiler, in stages that each have their module: which files
(discovery.py), their text as YAML documents with positions (safe_yaml.py), pydantic's
errors as messages (validation_messages.py) located at the node the user wrote
(locate.py).  Here they are put together; nothing here decides what to emit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from pydantic import ValidationError
from slogen.spec import formats
from slogen.spec.adjustment_join import join_adjustments
from slogen.spec.formats.budget_adjustment import SLORef, convert_adjustments
from slogen.spec.discovery import discover, display_path, nothing_found, source_name, spec_root
from slogen.spec.errors import Diagnostic, Problem
from slogen.spec.formats.jsonnet import JsonnetOptions, evaluate
from slogen.spec.formats.source import ConvertedSLO
from slogen.spec.locate import conversion_locator, once_per_node, problem_diagnostic
from slogen.spec.model import ServiceSpec
from slogen.spec.options import SpecOptions
from slogen.spec.safe_yaml import Document, parse_yaml_documents, read_text
from slogen.spec.validation_messages import validation_problems

# Other stages import these from here: the loader's public face.
__all__ = [
    "Document", "FileRead", "LoadedSpec", "adjustment_targets", "detect_format", "discover", "display_path", "load_file",
    "load_files", "load_read", "load_specs", "nothing_found",
]

detect_format = formats.detect_format


@dataclass(frozen=True)
class LoadedSpec:
    """A validated service spec and the document it came from.

    A spec converted from another format may come from several documents; `locate`
    then maps a problem in native terms back to the node the user wrote.
    """

    spec: ServiceSpec
    document: Document
    locate: Callable[[Problem], Diagnostic] | None = None
    # What a conversion changed or left out (a foreign format's semantics kept differently).
    warnings: tuple[Diagnostic, ...] = ()
    # Per SLO, the OpenSLO SLI it was converted from, by name (None, or empty: none).
    indicators: tuple[str | None, ...] = ()

    def diagnostic(self, problem: Problem) -> Diagnostic:
        """Where a problem found in this spec is, in its source file."""
        return self.locate(problem) if self.locate else problem_diagnostic(self.document, problem)

    @property
    def converted(self) -> bool:
        """Converted from another format (a native spec a budget adjustment joined is still native)."""
        return detect_format(self.document.data) not in (formats.NATIVE, None)

    @property
    def source(self) -> str:
        """How generated output names the spec's file (discovery.source_name)."""
        return self.document.source


# One file as load_file reads it: its native specs, its foreign documents, its problems.
FileRead = tuple[list[LoadedSpec], list[tuple[Document, str]], list[Diagnostic]]


def load_specs(
    paths: list[Path], jsonnet: JsonnetOptions | None = None, options: SpecOptions | None = None
) -> tuple[list[LoadedSpec], list[Diagnostic]]:
    """Read, parse and validate every spec under `paths`; all problems, not just the first."""
    files, problems = discover(paths, options)
    loaded, found = load_files(files, paths, jsonnet, options)
    problems += found
    if not files and not problems:
        problems.append(nothing_found(paths))
    return loaded, problems


def load_files(
    files: list[Path], paths: list[Path], jsonnet: JsonnetOptions | None = None, options: SpecOptions | None = None
) -> tuple[list[LoadedSpec], list[Diagnostic]]:
    """Load discovered spec files (`paths`: what the user named, jsonnet's import root).

    Native specs come first, in file order; specs converted from other formats follow,
    as those formats refer across documents and are converted together.
    """
    return load_read([load_file(path, paths, jsonnet, options) for path in files], options)


def load_read(reads: list[FileRead], options: SpecOptions | None = None) -> tuple[list[LoadedSpec], list[Diagnostic]]:
    """Files already read (load_file), in file order: foreign documents converted together, adjustments joined."""
    loaded: list[LoadedSpec] = []
    foreign: list[tuple[Document, str]] = []
    problems: list[Diagnostic] = []
    for native, other, found in reads:
        loaded += native
        foreign += other
        problems += found
    adjustments = [(d, fmt) for d, fmt in foreign if fmt == formats.ADJUSTMENT]
    foreign = [(d, fmt) for d, fmt in foreign if fmt != formats.ADJUSTMENT]
    if foreign:
        converted, found = load_foreign(foreign, options)
        loaded += converted
        problems += found
    if adjustments:
        loaded, found = load_adjustments(loaded, [d for d, _ in adjustments])
        problems += found
    return loaded, problems


def adjustment_targets(reads: list[FileRead]) -> list[SLORef]:
    """The SLOs the budget adjustments among read files name (as written: not yet looked up)."""
    documents = [d for _, foreign, _ in reads for d, fmt in foreign if fmt == formats.ADJUSTMENT]
    adjustments, _ = convert_adjustments([((d.path, d.index), d.data) for d in documents])
    return [ref for adjustment in adjustments for ref in adjustment.targets]


def load_adjustments(loaded: list[LoadedSpec], documents: list[Document]) -> tuple[list[LoadedSpec], list[Diagnostic]]:
    """Budget adjustments (Nobl9, OpenSLO) as exclusions of the loaded SLOs they name (adjustment_join.py)."""
    by_key = {(d.path, d.index): d for d in documents}
    adjustments, found = convert_adjustments([((d.path, d.index), d.data) for d in documents])
    problems = [problem_diagnostic(by_key[p.origin.doc], p.problem) for p in dict.fromkeys(found)]
    joined, more = join_adjustments(loaded, adjustments, by_key)
    return joined, problems + more


def load_file(
    path: Path, paths: list[Path], jsonnet: JsonnetOptions | None = None, options: SpecOptions | None = None
) -> tuple[list[LoadedSpec], list[tuple[Document, str]], list[Diagnostic]]:
    """One file's native specs, its documents in other formats (unconverted), and its problems."""
    text, problems = read_text(path)
    if text is None:
        return [], [], problems
    name, source = display_path(path), source_name(path, paths)
    if path.suffix == ".jsonnet":
        # jsonnet imports may not leave the spec directory the file was found under.
        values, found = evaluate(path, name, spec_root(path, paths), jsonnet or JsonnetOptions())
        documents = [Document(name, i, value, None, source) for i, value in enumerate(values) if value is not None]
    else:
        documents, found = parse_yaml_documents(name, text)
        documents = expand_lists([replace(document, source=source) for document in documents])
    problems += found
    if not documents and not found:
        problems.append(Diagnostic(name, 1, 1, "file holds no spec"))
    loaded: list[LoadedSpec] = []
    foreign: list[tuple[Document, str]] = []
    for document in documents:
        fmt = detect_format(document.data)
        if fmt not in (formats.NATIVE, None):
            foreign.append((document, fmt))
            continue
        if options is not None and options.changes_specs:
            document = replace(document, data=options.apply(document.data))
        spec, found = validate_document(document, options)
        problems += found
        if spec is not None:
            loaded.append(LoadedSpec(spec, document))
    return loaded, foreign, problems


def _unknown_format(document: Document) -> Diagnostic:
    message = formats.unknown_format_hint(document.data) or formats.NOT_A_SPEC
    return problem_diagnostic(document, Problem((), message))


def expand_lists(documents: list[Document]) -> list[Document]:
    """A YAML list of foreign objects (as oslo, the OpenSLO SDK and Nobl9 write them) as one document per object."""
    out: list[Document] = []
    for document in documents:
        items = document.data
        if isinstance(items, list) and items and all(detect_format(item) not in (formats.NATIVE, None) for item in items):
            nodes = document.node.value if isinstance(document.node, yaml.SequenceNode) else [None] * len(items)
            out += [replace(document, data=item, node=node) for item, node in zip(items, nodes)]
        else:
            out.append(document)
    # The (path, index) pair names a document: number the objects of a list like documents.
    return [replace(d, index=i) for i, d in enumerate(out)] if len(out) != len(documents) else out


def validate_document(document: Document, options: SpecOptions | None = None) -> tuple[ServiceSpec | None, list[Diagnostic]]:
    """Validate one document as a native spec."""
    fmt = detect_format(document.data)
    if fmt != formats.NATIVE:
        return None, [_unknown_format(document)]
    try:
        spec = ServiceSpec.model_validate(document.data, context=(options or SpecOptions()).validation_context)
    except ValidationError as err:
        return None, [problem_diagnostic(document, p) for p in validation_problems(err)]
    return spec, []


def load_foreign(documents: list[tuple[Document, str]], options: SpecOptions | None = None) -> tuple[list[LoadedSpec], list[Diagnostic]]:
    """Convert Sloth/OpenSLO/Pyrra documents to native specs, merged per service, and validate them."""
    by_key = {(d.path, d.index): d for d, _ in documents}
    conversion = formats.convert_all([((d.path, d.index), fmt, d.data) for d, fmt in documents])
    # An object several SLOs refer to is checked for each of them: report each problem once.
    problems = [problem_diagnostic(by_key[p.origin.doc], p.problem) for p in dict.fromkeys(conversion.problems)]
    services: dict[str, list[ConvertedSLO]] = {}
    for slo in conversion.slos:
        services.setdefault(slo.service, []).append(slo)
    loaded: list[LoadedSpec] = []
    for service, slos in services.items():
        locate = conversion_locator(by_key, slos)
        data = {"version": 1, "service": service, "slos": [s.slo for s in slos]}
        if options is not None:
            data = options.apply(data)
        try:
            spec = ServiceSpec.model_validate(data, context=(options or SpecOptions()).validation_context)
        except ValidationError as err:
            problems += once_per_node([locate(p) for p in validation_problems(err)])
            continue
        read = {origin.doc for s in slos for origin in (s.service_origin, *s.origins.values())}
        found = [w for s in slos for w in s.warnings] + [w for w in conversion.warnings if w.origin.doc in read]
        warnings = tuple(problem_diagnostic(by_key[w.origin.doc], w.problem) for w in dict.fromkeys(found))
        indicators = tuple(s.indicator for s in slos)
        loaded.append(LoadedSpec(spec, by_key[slos[0].service_origin.doc], locate, warnings, indicators if any(indicators) else ()))
    return loaded, problems
