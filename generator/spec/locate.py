"""Paths into a document -> the line and column the user wrote them at.

Pure checks report a `Problem` at a path such as `slos[0].sli.ratio.errors`; here that
path is walked down the document's YAML nodes to a `path:line:col` diagnostic, and a
spec converted from another format is mapped back to the foreign node it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import yaml
from slogen.spec.errors import Diagnostic, Loc, Problem, loc_text
from slogen.spec.formats.source import ConvertedSLO
from slogen.spec.safe_yaml import Document, mark_diagnostic


def union_member(part: Any) -> bool:
    """Whether a part of a pydantic error path names a union member (`Alerting`,
    `literal[False]`, `function-after[...]`) rather than a key the user wrote."""
    return isinstance(part, str) and (part.startswith(("literal[", "function-")) or part[:1].isupper())


def written_path(loc: Loc) -> Loc:
    """A pydantic error path without its union-member names: the keys and indices as written."""
    return tuple(part for part in loc if not union_member(part))


def node_at(root: yaml.Node | None, loc: Loc, at_key: bool = False) -> tuple[Any, str]:
    """The YAML mark for a path into a document, and the path as far as it exists."""
    if root is None:  # jsonnet output has no positions: name the whole path instead
        return None, loc_text(written_path(loc))
    node = root
    shown: list[str | int] = []
    mark = root.start_mark
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
            if hit is None and union_member(part):
                continue  # a union member's name that pydantic put in the path
            if hit is not None:
                shown.append(part)
                if last and at_key:
                    return hit[0].start_mark, loc_text(tuple(shown))
                node = hit[1]
                mark = node.start_mark
                continue
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            shown.append(part)
            node = node.value[part]
            mark = node.start_mark
            continue
        elif union_member(part) or part == "[key]":  # pydantic's marker of a mapping's key
            continue
        # A key or index the document lacks (a missing key, and every key below it): the path
        # names them all, the mark stays on the last node that exists.
        shown += [p for p in loc[i:] if not union_member(p)]
        break
    return mark, loc_text(tuple(shown))


def problem_diagnostic(document: Document, problem: Problem) -> Diagnostic:
    """Locate a pure check's problem in its document."""
    mark, shown = node_at(document.node, problem.loc, problem.at_key)
    prefix = f"{shown}: " if shown else ""
    return mark_diagnostic(document.path, mark, prefix + problem.message)


_NATIVE = " (slogen: {})"


def once_per_node(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """A foreign node that became several native fields (a Sloth raw ratio is both the errors and
    the total query) with the same problem: one diagnostic, without the native fields' names."""
    groups: dict[tuple, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        message = re.sub(re.escape(_NATIVE).replace(r"\{\}", "[^()]*") + "$", "", diagnostic.message)
        groups.setdefault((diagnostic.path, diagnostic.line, diagnostic.col, message), []).append(diagnostic)
    return [found[0] if len(found) == 1 else replace(found[0], message=key[3]) for key, found in groups.items()]


def conversion_locator(documents: dict[tuple[str, int], Document], slos: list[ConvertedSLO]) -> Callable[[Problem], Diagnostic]:
    """Map a problem in a merged native spec back to the foreign node it came from."""

    def locate(problem: Problem) -> Diagnostic:
        loc = written_path(problem.loc)
        if len(loc) >= 2 and loc[0] == "slos" and isinstance(loc[1], int) and loc[1] < len(slos):
            origin = slos[loc[1]].origin_of(tuple(loc[2:]))
        elif loc[:1] == ("service",):
            origin = slos[0].service_origin
        else:
            origin = slos[0].origin_of(())
        # Name the native field too: the source may spell it differently, or not at all.
        native = loc_text(loc)
        message = f"{problem.message}{_NATIVE.format(native)}" if native and origin.loc != tuple(loc) else problem.message
        return problem_diagnostic(documents[origin.doc], Problem(origin.loc, message, problem.at_key and origin.loc == tuple(loc)))

    return locate
