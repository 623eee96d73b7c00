"""Spec text -> YAML documents with the position of every node, refusing what could hurt.

The guards: a file over MAX_FILE_BYTES, not UTF-8 or holding NUL bytes is refused before
parsing; recursive aliases, alias bombs and nesting past MAX_DEPTH before construction;
duplicate keys (which YAML would silently collapse) are reported where they stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from slogen.spec.discovery import display_path
from slogen.spec.errors import Diagnostic

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 4 * 1024 * 1024
# Aliases let a few lines stand for billions of nodes ("billion laughs"); bound what a
# document may expand to before anything walks it.
MAX_EXPANDED_NODES = 200_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class Document:
    """One document of a spec file: plain data plus its YAML node tree (None from jsonnet)."""

    path: str  # how messages name the file (discovery.display_path)
    index: int
    data: Any
    node: yaml.Node | None
    # How generated output names the file (discovery.source_name); the loader sets it.
    source: str = ""


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


def mark_diagnostic(path: str, mark: Any, message: str) -> Diagnostic:
    """A diagnostic at a YAML mark (0-based), or at the file's start without one."""
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
    return mark_diagnostic(path, mark, message)


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
        return mark_diagnostic(path, refused.node.start_mark, refused.message)
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
                            mark_diagnostic(path, key.start_mark, f"duplicate key {key.value!r} (first at line {first.line + 1}); YAML would silently keep only the last one")
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
            return mark_diagnostic(path, node.start_mark, f"nesting deeper than {MAX_DEPTH} levels; a spec never needs that")
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
