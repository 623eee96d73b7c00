"""Diagnostics: every user mistake becomes one `path:line:col: message` line."""

from __future__ import annotations

from dataclasses import dataclass

Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one input file, at a 1-based line and column."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{one_line(self.path)}:{self.line}:{self.col}: {one_line(self.message)}"


@dataclass(frozen=True)
class Problem:
    """A problem found by a pure check, located by its path inside a document.

    The loader turns the path into a line and column; pure code never sees files.
    """

    loc: Loc
    message: str
    # Point at the key of the last path element rather than at its value.
    at_key: bool = False


class SpecError(Exception):
    """Raised by the I/O shell when inputs have problems; carries all of them."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def one_line(text: str) -> str:
    """Escape what could break or disguise a line (newlines, form feeds, other controls):
    one problem, one line, even when the message quotes user text."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def loc_text(loc: Loc) -> str:
    """Render a document path like `slos[0].sli.ratio.errors`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")
