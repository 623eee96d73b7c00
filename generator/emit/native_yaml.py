"""Native specs -> YAML text: what `slogen convert` prints so a team can migrate for good."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from slogen.emit.text.documents import render_yaml
from slogen.spec.model import ServiceSpec


def _plain(value: Any) -> Any:
    """Decimals as YAML numbers (99.9, not '99.9'); everything else as it is."""
    if isinstance(value, Decimal):
        normal = value.normalize()
        return int(normal) if normal == normal.to_integral_value() else float(str(normal))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def native_data(spec: ServiceSpec) -> dict[str, Any]:
    """A spec as the smallest native document that means the same: defaults left out."""
    body = spec.model_dump(mode="python", by_alias=True, exclude_defaults=True)
    return _plain({"version": 1, **body})


def render_native(specs: list[ServiceSpec], sources: list[str]) -> str:
    """Every spec as a YAML document, in load order (stable: files are read sorted)."""
    parts = []
    for spec, source in zip(specs, sources):
        header = f"# Converted by slogen from {source}\n"
        parts.append(render_yaml(native_data(spec), header))
    return "---\n".join(parts)
