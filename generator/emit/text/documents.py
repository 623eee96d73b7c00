"""Whole documents as deterministic text: YAML without aliases, JSON with sorted keys.

`render_yaml` writes the block layout itself for documents made of non-empty mappings,
lists (of mappings or one-line strings, or empty), plain ASCII strings and finite
numbers, styling each scalar by PyYAML's rules (scalars.py), and hands anything else to
PyYAML.  `render_layout` does the same for documents whose layout a writer of its own
knows (rule and promtool test files), so that the data is only built when PyYAML needs
it.  `_or_pyyaml` is the one place where a fast writer gives way: both paths give
byte-identical text (tests/emit/rules/test_render_fast.py).
"""

from __future__ import annotations

from typing import Any, Callable

import orjson
import yaml

from slogen.emit.text.scalars import Unstyled, block_key, block_scalar, yaml_number

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


def pyyaml_text(data: Any) -> str:
    """PyYAML's rendering of `data` with slogen's settings (the reference for every fast path)."""
    return yaml.dump(
        data,
        Dumper=_RuleDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,
        indent=2,
    )


def render_yaml(data: Any, header: str = "") -> str:
    """YAML text of `data` after `header`: keys in the order given, no line folding, no aliases."""
    return _or_pyyaml(lambda: block_text(data), lambda: data, header)


def render_layout(write: Callable[[], str], data: Callable[[], Any], header: str = "") -> str:
    """`header` and the text `write()` makes of a document of fixed layout, or, where a
    scalar is beyond the fast writers, PyYAML's text of the same document, `data()`."""
    return _or_pyyaml(write, data, header)


def _or_pyyaml(write: Callable[[], str], data: Callable[[], Any], header: str) -> str:
    try:
        return header + write()
    except Unstyled:
        return header + pyyaml_text(data())


def render_json(data: Any) -> str:
    """JSON text with sorted keys, two-space indentation and a trailing newline."""
    # orjson, not json.dumps: with `indent` the standard library falls back to its
    # pure-Python encoder: ~8 s for 10,000 SLOs' dashboards, orjson ~0.5 s.  Same layout
    # and the same shortest round-trip floats, spelled differently only in exponents
    # (1e-05 -> 0.00001, 1.5e-07 -> 1.5e-7); non-finite floats become null, not `NaN`.
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def block_text(data: Any) -> str:
    """The block YAML of a document of non-empty mappings and lists; raises Unstyled."""
    if not isinstance(data, dict):
        raise Unstyled(data)
    out: list[str] = []
    _mapping(data, 0, out)
    return "\n".join(out) + "\n"


# Label sets repeat on every rule of an SLO: their rendered lines are kept, bounded.
_LEAF_CACHE: dict[tuple, list[str]] = {}
_LEAF_CACHE_MAX = 1 << 14


def _mapping(data: dict, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    """Block mapping at column `indent`; `first_prefix` replaces the first key's indentation."""
    if not data:
        raise Unstyled(data)
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
            raise Unstyled(key)
        line = (first_prefix if first_prefix is not None else pad) + block_key(key) + ":"
        first_prefix = None
        if isinstance(value, str):
            out.append(line + block_scalar(value, indent))
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
            out.append(line + " " + yaml_number(value))


def _sequence(data: list, indent: int, out: list[str]) -> None:
    """Indentless block sequence at column `indent`, as PyYAML writes mapping values."""
    pad = " " * indent
    for item in data:
        if isinstance(item, dict):
            _mapping(item, indent + 2, out, first_prefix=pad + "- ")
        elif isinstance(item, str) and item and "\n" not in item:
            out.append(pad + "-" + block_scalar(item, indent))
        else:
            raise Unstyled(item)
