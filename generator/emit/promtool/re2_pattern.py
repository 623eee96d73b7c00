"""Prometheus' label regexes (RE2 syntax) in Python's `re`.

The two agree on what slogen's test series use, except inside a character class:
RE2 reads `[[:digit:]]` as a POSIX class, Python as a set holding `[`, `:`, `d`, ...
(and warns of a possible nested set).  So POSIX classes are spelled out, and any
other `[` inside a class is escaped, before Python reads the pattern.
"""

from __future__ import annotations

import re
from functools import lru_cache

_POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}
_CLASS = re.compile(r"\[:(\^?)([a-z]+):\]")


def python_pattern(pattern: str) -> str:
    """The pattern as Python's `re` reads it the way RE2 does (POSIX classes spelled out)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if not in_class:
            if c == "[":
                in_class = True
                out.append(c)
                # A `]` or `^]` right after the opening bracket is a member, not the end.
                for lead in ("^]", "]", "^"):
                    if pattern.startswith(lead, i + 1):
                        out.append(lead.replace("]", "\\]"))
                        i += len(lead)
                        break
            else:
                out.append(c)
            i += 1
            continue
        posix = _CLASS.match(pattern, i) if c == "[" else None
        if posix and posix.group(2) in _POSIX and not posix.group(1):
            out.append(_POSIX[posix.group(2)])
            i = posix.end()
            continue
        out.append("\\[" if c == "[" else c)
        in_class = c != "]"
        i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def compiled(pattern: str) -> re.Pattern[str]:
    """Python's compiled form of an RE2 pattern (raises re.error as re.compile does)."""
    return re.compile(python_pattern(pattern))
