"""Diagnostics: every user mistake becomes one `path:line:col: message` line.

`Diagnostic` and `one_line` live in slogen/errors.py with the error that carries them
(SpecError); they are re-exported here for the stages that locate problems.
"""

from __future__ import annotations

from dataclasses import dataclass

from slogen.errors import Diagnostic, one_line

__all__ = ["Diagnostic", "Loc", "Problem", "loc_text", "one_line"]

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """A problem found by a pure check, located by its path inside a document.

    The loader turns the path into a line and column; pure code never sees files.
    """

    loc: Loc
    message: str
    # Point at the key of the last path element rather than at its value.
    at_key: bool = False


def loc_text(loc: Loc) -> str:
    """Render a document path like `slos[0].sli.ratio.errors`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")
