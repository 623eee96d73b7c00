"""The one placeholder-template engine: text written once for stand-in names, filled per SLO.

SLOs that share their numbers differ in their rule and test text only by their identity
(service, name, label values, ...).  A template is that text written, by the same layout
writer and the same styling, for a stand-in whose identity values are placeholders
(`placeholder(i)`), then cut at the placeholders.  A 10,000-SLO tree comes down to a few
dozen templates per file kind.

Filling is exact by construction.  The writer styles every scalar through the styler
`compile_template` gives it, which decides for each scalar holding placeholders:

* pasted: the real values go where the placeholders were, inside the placeholder
  text's style.  Only for scalars whose placeholders all stand for values the caller
  guarantees inert (scalars.inert: no space, quote, `:`, `#`, escape or non-ASCII, and a
  letter, digit or `_` first), and that hold a character no YAML resolver reads
  (scalars.unresolvable).  Then every rule PyYAML styles a scalar by (indicators at the
  start or the end, `: ` and ` #`, clean lines, resolvers) gives the same answer for
  the placeholder text and the real text;
* restyled: the scalar is styled again from its real text at fill time.

Placeholders in text the writer does not style (a test group's raw name, joined and
styled later) are replaced by the real values as they are.

A template's sections (parts of the file its caller interleaves with other SLOs') are
joined by a control character that styled YAML never holds raw, and split again when
filled.  tests/emit/text/test_templates.py holds filled text to the text written
directly, for rule and test files.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Callable, TypeVar

from slogen.emit.text.scalars import Styler, Unstyled, block_scalar, inert, unresolvable

MARK = "slogenslot"
_RESTYLED = "R"
_HOLE = re.compile(rf"( {MARK}{_RESTYLED}\d+x|{MARK}\d+x)")
_PLACEHOLDER = re.compile(rf"{MARK}(\d+)x")
_SECTION = "\x1e"


def placeholder(index: int) -> str:
    """The stand-in text for identity value `index` of a template."""
    return f"{MARK}{index}x"


@dataclass(frozen=True)
class Template:
    """Text with holes: identity values pasted, or scalars restyled from their real text."""

    pieces: tuple[str, ...]
    # (position in pieces, identity index to paste, or ~index into `restyled`)
    holes: tuple[tuple[int, int], ...]
    # Scalars styled at fill time: their pieces (literal text or identity index) and indentation.
    restyled: tuple[tuple[tuple[str | int, ...], int], ...]
    # values[:pasted] are pasted into styled text: every fill must give inert ones.
    pasted: int

    def fits(self, values: Sequence[str]) -> bool:
        """Whether `values` may fill this template (the pasted ones are inert)."""
        return all(inert(value) for value in values[: self.pasted])

    def fill(self, values: Sequence[str], style: Styler = block_scalar) -> list[str]:
        """The sections' text for one set of identity values (see `fits`); raises Unstyled
        where a restyled scalar is beyond the fast writer."""
        styled = [style("".join(values[p] if type(p) is int else p for p in parts), indent) for parts, indent in self.restyled]  # type: ignore[misc]
        out = list(self.pieces)
        for position, index in self.holes:
            out[position] = values[index] if index >= 0 else styled[~index]
        return "".join(out).split(_SECTION)


def compile_template(write: Callable[[Styler], Sequence[str]], pasted: int) -> Template | None:
    """The template of the sections `write(style)` makes for a stand-in whose identity values
    are placeholders, values[:pasted] guaranteed inert by every fill; None where the stand-in's
    own text is beyond the fast writer."""
    restyled: dict[tuple[tuple[str | int, ...], int], int] = {}

    def style(text: str, indent: int) -> str:
        if MARK not in text or _pastable(text, pasted):
            return block_scalar(text, indent)
        index = restyled.setdefault((_split(text), indent), len(restyled))
        return f" {MARK}{_RESTYLED}{index}x"

    try:
        sections = write(style)
    except Unstyled:
        return None
    pieces = _HOLE.split(_SECTION.join(sections))
    holes = []
    for position in range(1, len(pieces), 2):
        token = pieces[position].strip()[len(MARK):-1]
        holes.append((position, ~int(token[1:]) if token.startswith(_RESTYLED) else int(token)))
    return Template(tuple(pieces), tuple(holes), tuple(restyled), pasted)


def _pastable(text: str, pasted: int) -> bool:
    """Whether the real values of this scalar's placeholders can be pasted into its styled text."""
    return all(int(i) < pasted for i in _PLACEHOLDER.findall(text)) and unresolvable(text)


def _split(text: str) -> tuple[str | int, ...]:
    """Literal pieces and identity indices, in order."""
    parts = _PLACEHOLDER.split(text)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts) if p or i % 2)


T = TypeVar("T")

# Templates (and what their callers keep beside them) by the caller's key, bounded:
# a tree has a few dozen shapes, a pathological one may have one per SLO.
_CACHE: dict[Hashable, object] = {}
_CACHE_MAX = 1 << 11


def cached(key: Hashable, make: Callable[[], T]) -> T:
    """`make()`, remembered under `key` (callers put their file kind in it)."""
    # One lookup: a key holds a whole plan, whose hash is computed afresh each time.
    value = _CACHE.get(key, _CACHE)
    if value is not _CACHE:
        return value  # type: ignore[return-value]
    value = make()
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[key] = value
    return value
