"""Deterministic text for emitted files: YAML without aliases, JSON with sorted keys."""

from __future__ import annotations

import json
from typing import Any

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


def to_yaml(data: Any, header: str = "") -> str:
    """YAML text, keys in the order given, no line folding, no aliases."""
    body = yaml.dump(
        data,
        Dumper=_RuleDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,
        indent=2,
    )
    return header + body


def to_json(data: Any) -> str:
    """JSON text with sorted keys and a trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
