"""Deterministic text for emitted files: YAML without aliases, JSON with sorted keys.

Rule and test files are large (about 8 and 17 KB per SLO) and PyYAML spends most of
its time in its pure-Python representer and resolver, not in the C emitter.
`to_yaml` therefore writes the block layout itself for documents made of non-empty
mappings, lists (of mappings or one-line strings, or empty), plain ASCII strings and
finite numbers, choosing each scalar's style by PyYAML's own rules, and hands anything
else to PyYAML.  Both paths give byte-identical text
(tests/emit/rules/test_render_fast.py holds them to that).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import orjson
import yaml

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _RuleDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Never emit anchors/aliases: Prometheus 2.42 evaluates `expr: *alias` as a metric name."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.Dumper, value: str) -> yaml.Node:
    # Multi-line PromQL as literal blocks keeps diffs readable; everything else plain
    # or quoted as PyYAML decides (it quotes what YAML 1.1 would misread, like `on`).
    if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_RuleDumper.add_representer(str, _str)


# Printable ASCII without tabs: the scalars whose style the fast path decides itself.
_SIMPLE = re.compile(r"[\x20-\x7e]+\Z")
# Literal blocks: first line not indented (no indentation indicator), no empty lines,
# no trailing spaces (those make _str fall back to a quoted style).
_SIMPLE_LINES = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?(?:\n[\x20-\x7e]*[\x21-\x7e])*\Z")
# PyYAML writes longer keys as explicit `? key` entries.
_MAX_SIMPLE_KEY = 100
_RESOLVERS = _RuleDumper.yaml_implicit_resolvers


class _Unsupported(Exception):
    """A value the fast path does not decide; PyYAML renders the whole document."""


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


def _scalar(text: str, indent: int) -> str:
    """A scalar as PyYAML writes it after `key:` (leading space included); `indent` = key column."""
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
        # Multi-line values get the literal style (see _str) when every line is clean.
        if not _SIMPLE_LINES.match(text):
            raise _Unsupported(text)
        pad = "\n" + " " * (indent + 2)
        return " |-" + pad + pad.join(text.split("\n"))
    if not _SIMPLE.match(text):
        raise _Unsupported(text)
    if _block_plain_allowed(text) and _reads_as_str(text):
        return " " + text
    return " '" + text.replace("'", "''") + "'"


@lru_cache(maxsize=1 << 12)
def _key(text: str) -> str:
    if len(text) > _MAX_SIMPLE_KEY or not _SIMPLE.match(text):
        raise _Unsupported(text)
    return _scalar(text, 0)[1:]


# Label sets repeat on every rule of an SLO: their rendered lines are kept, bounded.
_LEAF_CACHE: dict[tuple, list[str]] = {}
_LEAF_CACHE_MAX = 1 << 14


def _mapping(data: dict, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    """Block mapping at column `indent`; `first_prefix` replaces the first key's indentation."""
    if not data:
        raise _Unsupported(data)
    if len(data) > 2 and all(type(v) is str and type(k) is str for k, v in data.items()):
        key = (tuple(data.items()), indent, first_prefix)
        lines = _LEAF_CACHE.get(key)
        if lines is None:
            lines = []
            _mapping_lines(data, indent, lines, first_prefix)
            if len(_LEAF_CACHE) >= _LEAF_CACHE_MAX:
                _LEAF_CACHE.clear()
            _LEAF_CACHE[key] = lines
        out.extend(lines)
        return
    _mapping_lines(data, indent, out, first_prefix)


def _mapping_lines(data: dict, indent: int, out: list[str], first_prefix: str | None) -> None:
    pad = " " * indent
    for key, value in data.items():
        if not isinstance(key, str):
            raise _Unsupported(key)
        line = (first_prefix if first_prefix is not None else pad) + _key(key) + ":"
        first_prefix = None
        if isinstance(value, str):
            out.append(line + _scalar(value, indent))
        elif isinstance(value, dict):
            out.append(line)
            _mapping(value, indent + 2, out)
        elif isinstance(value, list):
            if not value:
                out.append(line + " []")
                continue
            out.append(line)
            _sequence(value, indent, out)
        else:
            out.append(line + " " + _number(value))


def _number(value: Any) -> str:
    """An int or finite float as PyYAML's SafeRepresenter writes it."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is not float or value != value or value in (math.inf, -math.inf):
        raise _Unsupported(value)
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def _sequence(data: list, indent: int, out: list[str]) -> None:
    """Indentless block sequence at column `indent`, as PyYAML writes mapping values."""
    pad = " " * indent
    for item in data:
        if isinstance(item, dict):
            _mapping(item, indent + 2, out, first_prefix=pad + "- ")
        elif isinstance(item, str) and item and "\n" not in item:
            out.append(pad + "-" + _scalar(item, indent))
        else:
            raise _Unsupported(item)


# Names that cannot change how YAML styles a scalar they are pasted into, away from its
# ends: no quotes, escapes, `:`, `#`, spaces or non-ASCII (see emit/rules/rule_file.py).
_INERT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\Z")


def inert(value: str) -> bool:
    """Whether `value` may be pasted inside a styled scalar without changing its style."""
    return _INERT.match(value) is not None


# Templates of rule and test text (emit/rules/rule_file.py, emit/promtool/service_tests.py) are written for
# stand-in plans whose names are these: inert, and unlike anything a spec says.
PLACEHOLDER_MARK = "slogenslot"


def placeholder(index: int) -> str:
    """The stand-in text for identity value `index` of a template."""
    return f"{PLACEHOLDER_MARK}{index}x"


# For writers of fixed layouts (promtool test files) that use the same scalar rules.
FastPathUnsupported = _Unsupported


def block_scalar(text: str, indent: int) -> str:
    """`text` as PyYAML writes it after `key:` (or `-`) at column `indent`; raises FastPathUnsupported."""
    return _scalar(text, indent)


def block_key(text: str) -> str:
    """A mapping key as PyYAML writes it in block context; raises FastPathUnsupported."""
    return _key(text)


def yaml_number(value: Any) -> str:
    """An int or finite float as PyYAML writes it; raises FastPathUnsupported."""
    return _number(value)


def _fast_yaml(data: Any) -> str | None:
    """The block YAML of a str-only document of non-empty mappings/lists, or None."""
    if not isinstance(data, dict):
        return None
    out: list[str] = []
    try:
        _mapping(data, 0, out)
    except _Unsupported:
        return None
    return "\n".join(out) + "\n"


def to_yaml(data: Any, header: str = "") -> str:
    """YAML text, keys in the order given, no line folding, no aliases."""
    fast = _fast_yaml(data)
    if fast is not None:
        return header + fast
    return header + slow_yaml(data)


def slow_yaml(data: Any) -> str:
    """PyYAML's rendering of `data` with slogen's settings (the reference for the fast path)."""
    body = yaml.dump(
        data,
        Dumper=_RuleDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,
        indent=2,
    )
    return body


def to_json(data: Any) -> str:
    """JSON text with sorted keys, two-space indentation and a trailing newline."""
    # orjson, not json.dumps: with `indent` the standard library falls back to its
    # pure-Python encoder: ~8 s for 10,000 SLOs' dashboards, orjson ~0.5 s.  Same layout
    # and the same shortest round-trip floats, spelled differently only in exponents
    # (1e-05 -> 0.00001, 1.5e-07 -> 1.5e-7); non-finite floats become null, not `NaN`.
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
