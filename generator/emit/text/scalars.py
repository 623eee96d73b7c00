"""How PyYAML styles one scalar, mapping key or number in block context, decided without PyYAML.

Rule and test files are large (about 8 and 17 KB per SLO) and PyYAML spends most of its
time in its pure-Python representer and resolver, not in the C emitter.  These functions
choose each plain ASCII scalar's style by PyYAML's own rules and raise `Unstyled` for
anything else; documents.py, the only place that catches it, then hands the whole
document to PyYAML, so no render_* function raises it.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any, Callable

import yaml


class Unstyled(Exception):
    """A value the fast writers do not decide; PyYAML renders the whole document (documents.py)."""


# (text, indent) -> the scalar as written after `key:` or `-`, leading space included.
Styler = Callable[[str, int], str]

# Printable ASCII without tabs: the scalars whose style is decided here.
_SIMPLE = re.compile(r"[\x20-\x7e]+\Z")
# Literal blocks: first line not indented (no indentation indicator), no empty lines,
# no trailing spaces (those make PyYAML pick a quoted style; see documents._str).
_SIMPLE_LINES = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?(?:\n[\x20-\x7e]*[\x21-\x7e])*\Z")
# PyYAML writes longer keys as explicit `? key` entries.
_MAX_SIMPLE_KEY = 100
# The implicit resolvers of SafeDumper and CSafeDumper alike (both use yaml.resolver.Resolver).
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers


def _reads_as_str(text: str) -> bool:
    """Whether `text` written plain reads back as a string (PyYAML's implicit resolvers)."""
    return not any(regexp.match(text) for _, regexp in _RESOLVERS.get(text[0], []))


def _block_plain_allowed(text: str) -> bool:
    """PyYAML's (and libyaml's) analysis of a single-line printable ASCII scalar, block context."""
    if text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    if text[0] in "#,[]{}&*!|>'\"%@`":
        return False
    if text[0] in "?:-" and (len(text) == 1 or text[1] == " "):
        return False
    return not (": " in text or text.endswith(":") or " #" in text)


def block_scalar(text: str, indent: int) -> str:
    """`text` as PyYAML writes it after `key:` (or `-`) at column `indent`, leading space included."""
    # Keys and label values repeat on every rule and are cached; expressions mostly do not
    # repeat, and caching them would only evict the short strings.
    if len(text) <= _CACHED_LEN:
        return _short_scalar(text, indent)
    return _any_scalar(text, indent)


_CACHED_LEN = 100


@lru_cache(maxsize=1 << 14)
def _short_scalar(text: str, indent: int) -> str:
    return _any_scalar(text, indent)


def _any_scalar(text: str, indent: int) -> str:
    if "\n" in text:
        # Multi-line values get the literal style (documents._str) when every line is clean.
        if not _SIMPLE_LINES.match(text):
            raise Unstyled(text)
        pad = "\n" + " " * (indent + 2)
        return " |-" + pad + pad.join(text.split("\n"))
    if not _SIMPLE.match(text):
        raise Unstyled(text)
    if _block_plain_allowed(text) and _reads_as_str(text):
        return " " + text
    return " '" + text.replace("'", "''") + "'"


@lru_cache(maxsize=1 << 12)
def block_key(text: str) -> str:
    """A mapping key as PyYAML writes it in block context."""
    if len(text) > _MAX_SIMPLE_KEY or not _SIMPLE.match(text):
        raise Unstyled(text)
    return block_scalar(text, 0)[1:]


def yaml_number(value: Any) -> str:
    """An int or finite float as PyYAML's SafeRepresenter writes it."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is not float or value != value or value in (math.inf, -math.inf):
        raise Unstyled(value)
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def memo_styler() -> Styler:
    """`block_scalar` remembering every text it styled: for one file whose label sets,
    selectors and counter values repeat beyond block_scalar's own (short-text) cache."""
    styled: dict[tuple[str, int], str] = {}

    def style(text: str, indent: int) -> str:
        line = styled.get((text, indent))
        if line is None:
            line = styled[(text, indent)] = block_scalar(text, indent)
        return line

    return style


# Names that cannot change how YAML styles a scalar they are pasted into: no quotes,
# escapes, `:`, `#`, spaces or non-ASCII, and nothing an indicator reads at the start
# (templates.py says why that is enough).
_INERT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\Z")


def inert(value: str) -> bool:
    """Whether `value` may be pasted inside a styled scalar without changing its style."""
    return _INERT.match(value) is not None


# No implicit resolver (bool, int, float, null, timestamp, merge, value) reads a scalar
# holding one of these characters: each resolver's pattern spans digits, letters and
# `-+_.: \t~<=!&*` only (tests/emit/text/test_scalars.py reads the patterns).
_UNRESOLVABLE = re.compile(r"[^-+0-9A-Za-z_.: \t~<=!&*]")


def unresolvable(text: str) -> bool:
    """Whether `text` holds a character that no YAML resolver accepts (it reads as a string)."""
    return _UNRESOLVABLE.search(text) is not None
