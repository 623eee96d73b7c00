"""Files -> validated specs, keeping the line and column of every node.

The thin I/O edge of the compiler: it reads files, parses YAML into nodes with
positions, validates with the pydantic models and turns every problem into a
`path:line:col: message` diagnostic.  Nothing here decides what to emit.
"""

from __future__ import annotations

import difflib
import os
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from slogen.spec import formats
from slogen.spec.errors import Diagnostic, Loc, Problem, loc_text
from slogen.spec.formats.jsonnet import JsonnetOptions, evaluate
from slogen.spec.formats.source import ConvertedSLO
from slogen.spec.model import ServiceSpec
from slogen.spec.options import SpecOptions

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SPEC_SUFFIXES = (".yaml", ".yml", ".jsonnet")
MAX_FILE_BYTES = 4 * 1024 * 1024
# Aliases let a few lines stand for billions of nodes ("billion laughs"); bound what a
# document may expand to before anything walks it.
MAX_EXPANDED_NODES = 200_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class Document:
    """One YAML document of a spec file: plain data plus its node tree."""

    path: str
    index: int
    data: Any
    node: yaml.Node | None


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

    def diagnostic(self, problem: Problem) -> Diagnostic:
        """Where a problem found in this spec is, in its source file."""
        return self.locate(problem) if self.locate else problem_diagnostic(self.document, problem)


def discover(paths: list[Path], options: SpecOptions | None = None) -> tuple[list[Path], list[Diagnostic]]:
    """Spec files under the given files and directories, in a stable order (include/exclude
    patterns select among the files found in directories).

    Symbolic links to directories are followed; a link that points nowhere, or back to a
    directory being walked (a loop), is a located problem: a spec silently left out would
    have its service's output deleted.
    """
    found: list[Path] = []
    problems: list[Diagnostic] = []
    wanted = options.wanted if options is not None else lambda _: True
    for path in paths:
        if path.is_dir():
            files, broken = _walk(path)
            found += [p for p in files if wanted(p)]
            problems += broken
        elif path.is_file():
            found.append(path)
        elif path.is_symlink():
            problems.append(Diagnostic(str(path), 1, 1, f"broken symbolic link (to {os.readlink(path)})"))
        else:
            problems.append(Diagnostic(str(path), 1, 1, "no such file or directory"))
    unique = list(dict.fromkeys(found))
    return unique, problems


def _walk(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Spec files under root, following directory links with loop detection."""
    files: list[Path] = []
    problems: list[Diagnostic] = []

    def visit(directory: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            entries = sorted(directory.iterdir())
        except OSError as err:
            problems.append(Diagnostic(display_path(directory), 1, 1, f"cannot read directory: {err.strerror or err}"))
            return
        for entry in entries:
            if _hidden(entry, root):
                continue
            if entry.is_symlink() and not entry.exists():
                if entry.suffix in SPEC_SUFFIXES or not entry.suffix:
                    problems.append(Diagnostic(entry.as_posix(), 1, 1, f"broken symbolic link (to {os.readlink(entry)}); fix or remove it"))
                continue
            if entry.is_dir():
                stat = entry.stat()
                key = (stat.st_dev, stat.st_ino)
                if key in ancestors:
                    problems.append(Diagnostic(entry.as_posix(), 1, 1, f"symbolic link loop: this is {entry.resolve()}, a directory above it"))
                    continue
                visit(entry, ancestors | {key})
            elif entry.is_file() and entry.suffix in SPEC_SUFFIXES and entry.resolve() not in seen:
                # One file reached by two paths (a link beside its target) is one spec.
                seen.add(entry.resolve())
                files.append(entry)

    seen: set[Path] = set()
    top = root.stat()
    visit(root, frozenset({(top.st_dev, top.st_ino)}))
    return sorted(files), problems


def display_path(path: Path) -> str:
    """How a file is named in messages and generated headers: relative to the top of the
    git repository holding it, so output does not depend on the working directory or on
    where the repository is cloned; outside a repository, relative to the working
    directory when inside it."""
    try:
        resolved = path.resolve()
        top = _repository_top(resolved.parent)
        if top is not None:
            return resolved.relative_to(top).as_posix()
        cwd = Path.cwd()
        return Path(os.path.relpath(resolved, cwd)).as_posix() if resolved.is_relative_to(cwd) else str(path)
    except (OSError, ValueError):
        return str(path)


@lru_cache(maxsize=1024)
def _repository_top(directory: Path) -> Path | None:
    """The nearest directory at or above `directory` holding `.git` (a directory, or a worktree's file)."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _mark_diag(path: str, mark: Any, message: str) -> Diagnostic:
    if mark is None:
        return Diagnostic(path, 1, 1, message)
    return Diagnostic(path, mark.line + 1, mark.column + 1, message)


def _yaml_error(path: str, text: str, err: yaml.YAMLError) -> Diagnostic:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        message += "; YAML does not allow tabs for indentation, use spaces"
    return _mark_diag(path, mark, message)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _size_problem(path: str, root: yaml.Node) -> Diagnostic | None:
    """Refuse recursive aliases, deep nesting and alias bombs, before construction."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise _Refused(node, "a YAML alias refers to the node that contains it (recursive alias)")
        if depth > MAX_DEPTH:
            raise _Refused(node, f"nesting deeper than {MAX_DEPTH} levels; a spec never needs that")
        on_path.add(key)
        total = 1 + sum(size(child, depth + 1) for child in _children(node))
        on_path.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise _Refused(node, f"document expands to more than {MAX_EXPANDED_NODES} nodes through YAML aliases")
        sizes[key] = total
        return total

    try:
        size(root, 0)
    except _Refused as refused:
        return _mark_diag(path, refused.node.start_mark, refused.message)
    return None


class _Refused(Exception):
    def __init__(self, node: yaml.Node, message: str):
        super().__init__(message)
        self.node = node
        self.message = message


def _duplicate_keys(path: str, node: yaml.Node) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    stack = [node]
    seen_nodes: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:
            continue  # an aliased node is checked once
        seen_nodes.add(id(current))
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, Any] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        first = seen[key.value]
                        out.append(
                            _mark_diag(path, key.start_mark, f"duplicate key {key.value!r} (first at line {first.line + 1}); YAML would silently keep only the last one")
                        )
                    else:
                        seen[key.value] = key.start_mark
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return out


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _plain_tree(path: str, root: yaml.Node) -> bool | None | Diagnostic:
    """True for a tree without aliases or merge keys, whose nesting is within bounds.

    Such a tree (every spec anyone writes) needs neither the alias-bomb accounting of
    `_size_problem` nor PyYAML's general constructor.  None: aliases or merge keys, take
    the general path.  A Diagnostic: nested too deep, at the node `_size_problem` names.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            return None
        seen.add(id(node))
        if depth > MAX_DEPTH:
            return _mark_diag(path, node.start_mark, f"nesting deeper than {MAX_DEPTH} levels; a spec never needs that")
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                return None
            children = []
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag != _STR_TAG:
                    return None  # merge keys, and keys that are not strings
                children += (key, value)
            stack += [(child, depth + 1) for child in reversed(children)]
        elif isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                return None
            stack += [(child, depth + 1) for child in reversed(node.value)]
    return True


def _construct(node: yaml.Node, loader: Any) -> Any:
    """PyYAML's data for a plain tree (see _plain_tree); non-string scalars through PyYAML."""
    if isinstance(node, yaml.MappingNode):
        return {key.value: _construct(value, loader) for key, value in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, loader) for child in node.value]
    if node.tag == _STR_TAG:
        return node.value
    return loader.construct_object(node, deep=True)


def parse_yaml_documents(path: str, text: str) -> tuple[list[Document], list[Diagnostic]]:
    """Every document of a YAML text, with its nodes; syntax errors as diagnostics."""
    documents: list[Document] = []
    problems: list[Diagnostic] = []
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            tree = _plain_tree(path, node)
            refused = tree if isinstance(tree, Diagnostic) else _size_problem(path, node) if tree is None else None
            if refused is not None:
                problems.append(refused)
                index += 1
                continue
            problems += _duplicate_keys(path, node)
            data = _construct(node, loader) if tree else loader.construct_document(node)
            if data is not None:
                documents.append(Document(path, index, data, node))
            index += 1
    except yaml.YAMLError as err:
        problems.append(_yaml_error(path, text, err))
    except RecursionError:
        problems.append(Diagnostic(path, 1, 1, f"nesting deeper than {MAX_DEPTH} levels; a spec never needs that"))
    finally:
        loader.dispose()
    return documents, problems


def read_text(path: Path) -> tuple[str | None, list[Diagnostic]]:
    """A spec file's text, refusing what is not a reasonable UTF-8 text file."""
    name = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Diagnostic(name, 1, 1, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for a spec")]
        raw = path.read_bytes()
    except OSError as err:
        return None, [Diagnostic(name, 1, 1, f"cannot read file: {err.strerror or err}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        return None, [Diagnostic(name, line, col, "file is not UTF-8 text")]
    if "\x00" in text:
        return None, [Diagnostic(name, 1, 1, "file contains NUL bytes; not a text spec")]
    return text, []


def node_at(root: yaml.Node | None, loc: Loc, at_key: bool = False) -> tuple[Any, str]:
    """The YAML mark for a path into a document, and the path as far as it exists."""
    if root is None:  # jsonnet output has no positions: name the whole path instead
        return None, loc_text(tuple(p for p in loc if not (isinstance(p, str) and (p.startswith(("literal[", "function-")) or p[:1].isupper()))))
    node = root
    shown: list[str | int] = []
    mark = root.start_mark if root is not None else None
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
            if hit is None:
                if isinstance(part, str) and last:
                    shown.append(part)  # a missing key: point at its parent
                continue  # a union member's name that pydantic put in the path
            shown.append(part)
            if last and at_key:
                return hit[0].start_mark, loc_text(tuple(shown))
            node = hit[1]
            mark = node.start_mark
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            shown.append(part)
            node = node.value[part]
            mark = node.start_mark
        elif isinstance(part, str) and (part.startswith(("literal[", "function-")) or part[:1].isupper()):
            continue
    return mark, loc_text(tuple(shown))


def problem_diagnostic(document: Document, problem: Problem) -> Diagnostic:
    """Locate a pure check's problem in its document."""
    mark, shown = node_at(document.node, problem.loc, problem.at_key)
    prefix = f"{shown}: " if shown else ""
    return _mark_diag(document.path, mark, prefix + problem.message)


def _clean_message(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def _pattern_message(error: dict) -> str:
    from slogen.spec.fields import ALERT_NAME_PATTERN, NAME_PATTERN

    value = error.get("input")
    pattern = (error.get("ctx") or {}).get("pattern")
    if pattern == NAME_PATTERN:
        return f"{value!r} is not a valid name: use lowercase letters, digits, '-' and '_', starting with a letter or digit"
    if pattern == ALERT_NAME_PATTERN:
        return f"{value!r} is not a valid alert name: use letters, digits and '_', not starting with a digit"
    return _clean_message(error["msg"])


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold (through lists, unions, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def known_keys(loc: tuple) -> list[str]:
    """The keys the native spec allows in the mapping at `loc` (a pydantic error's path)."""
    models: list[type[BaseModel]] = [ServiceSpec]
    for part in loc[:-1]:
        if not isinstance(part, str) or part[:1].isupper() or part.startswith(("literal[", "function-")):
            continue  # list indices and union-member names stay on the same models
        fields = [f for model in models for name, f in model.model_fields.items() if part in (name, f.alias)]
        models = [m for f in fields for m in _models_in(f.annotation)]
    return sorted({f.alias or name for model in models for name, f in model.model_fields.items()})


def _did_you_mean(loc: tuple) -> str:
    close = difflib.get_close_matches(str(loc[-1]), known_keys(loc), n=1, cutoff=0.6)
    return f": did you mean {close[0]!r}?" if close else ""


def validation_problems(err: ValidationError) -> list[Problem]:
    """Pydantic errors as located problems, without the noise of union alternatives."""
    errors = err.errors(include_url=False)
    problems = []
    for e in errors:
        loc = tuple(e["loc"])
        # `x: Model | False` reports a failure for each alternative; keep the model's.
        literal_at = next((i for i, p in enumerate(loc) if isinstance(p, str) and p.startswith("literal[")), None)
        if literal_at is not None and any(
            tuple(o["loc"][:literal_at]) == loc[:literal_at] and o is not e and not any(isinstance(p, str) and p.startswith("literal[") for p in o["loc"])
            for o in errors
        ):
            continue
        message = _clean_message(e["msg"])
        if e["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}" + _did_you_mean(loc)
            problems.append(Problem(loc, message, at_key=True))
            continue
        if e["type"] == "missing":
            message = "required key is missing"
        elif e["type"] == "string_pattern_mismatch":
            message = _pattern_message(e)
        elif e["type"] == "string_too_short" and (e.get("ctx") or {}).get("min_length") == 1:
            message = "must not be empty"
        problems.append(Problem(loc, message))
    unique = list(dict.fromkeys(problems))
    return unique


detect_format = formats.detect_format


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
            out += [Document(document.path, document.index, item, node) for item, node in zip(items, nodes)]
        else:
            out.append(document)
    # The (path, index) pair names a document: number the objects of a list like documents.
    return [Document(d.path, i, d.data, d.node) for i, d in enumerate(out)] if len(out) != len(documents) else out


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


def _locator(documents: dict[tuple[str, int], Document], slos: list[ConvertedSLO]) -> Callable[[Problem], Diagnostic]:
    """Map a problem in a merged native spec back to the foreign node it came from."""

    def locate(problem: Problem) -> Diagnostic:
        # Drop the union-member names pydantic puts into paths (`Alerting`, `literal[False]`).
        loc = tuple(p for p in problem.loc if not (isinstance(p, str) and (p[:1].isupper() or p.startswith(("literal[", "function-")))))
        if len(loc) >= 2 and loc[0] == "slos" and isinstance(loc[1], int) and loc[1] < len(slos):
            origin = slos[loc[1]].origin_of(tuple(loc[2:]))
        elif loc[:1] == ("service",):
            origin = slos[0].service_origin
        else:
            origin = slos[0].origin_of(())
        # Name the native field too: the source may spell it differently, or not at all.
        native = loc_text(loc)
        message = f"{problem.message} (slogen: {native})" if native and origin.loc != tuple(loc) else problem.message
        return problem_diagnostic(documents[origin.doc], Problem(origin.loc, message, problem.at_key and origin.loc == tuple(loc)))

    return locate


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
        locate = _locator(by_key, slos)
        data = {"version": 1, "service": service, "slos": [s.slo for s in slos]}
        if options is not None:
            data = options.apply(data)
        try:
            spec = ServiceSpec.model_validate(data, context=(options or SpecOptions()).validation_context)
        except ValidationError as err:
            problems += [locate(p) for p in validation_problems(err)]
            continue
        warnings = tuple(problem_diagnostic(by_key[w.origin.doc], w.problem) for s in slos for w in s.warnings)
        loaded.append(LoadedSpec(spec, by_key[slos[0].service_origin.doc], locate, warnings))
    return loaded, problems


def _spec_root(path: Path, paths: list[Path]) -> Path:
    """The spec directory a file was found under: jsonnet imports may not leave it."""
    for given in paths:
        if given.is_dir() and path.resolve().is_relative_to(given.resolve()):
            return given
    return path.parent


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


def nothing_found(paths: list[Path]) -> Diagnostic:
    """The problem of a run whose paths hold no spec file."""
    return Diagnostic(", ".join(str(p) for p in paths) or ".", 1, 1, "no spec files (*.yaml, *.yml, *.jsonnet) found")


def load_files(
    files: list[Path], paths: list[Path], jsonnet: JsonnetOptions | None = None, options: SpecOptions | None = None
) -> tuple[list[LoadedSpec], list[Diagnostic]]:
    """Load discovered spec files (`paths`: what the user named, jsonnet's import root).

    Native specs come first, in file order; specs converted from other formats follow,
    as those formats refer across documents and are converted together.
    """
    loaded: list[LoadedSpec] = []
    foreign: list[tuple[Document, str]] = []
    problems: list[Diagnostic] = []
    for path in files:
        native, other, found = load_file(path, paths, jsonnet, options)
        loaded += native
        foreign += other
        problems += found
    if foreign:
        converted, found = load_foreign(foreign, options)
        loaded += converted
        problems += found
    return loaded, problems


def load_file(
    path: Path, paths: list[Path], jsonnet: JsonnetOptions | None = None, options: SpecOptions | None = None
) -> tuple[list[LoadedSpec], list[tuple[Document, str]], list[Diagnostic]]:
    """One file's native specs, its documents in other formats (unconverted), and its problems."""
    text, problems = read_text(path)
    if text is None:
        return [], [], problems
    if path.suffix == ".jsonnet":
        values, found = evaluate(path, display_path(path), _spec_root(path, paths), jsonnet or JsonnetOptions())
        documents = [Document(display_path(path), i, value, None) for i, value in enumerate(values) if value is not None]
    else:
        documents, found = parse_yaml_documents(display_path(path), text)
        documents = expand_lists(documents)
    problems += found
    if not documents and not found:
        problems.append(Diagnostic(display_path(path), 1, 1, "file holds no spec"))
    loaded: list[LoadedSpec] = []
    foreign: list[tuple[Document, str]] = []
    for document in documents:
        fmt = detect_format(document.data)
        if fmt not in (formats.NATIVE, None):
            foreign.append((document, fmt))
            continue
        if options is not None and options.changes_specs:
            document = Document(document.path, document.index, options.apply(document.data), document.node)
        spec, found = validate_document(document, options)
        problems += found
        if spec is not None:
            loaded.append(LoadedSpec(spec, document))
    return loaded, foreign, problems


