"""What the dashboard tests share: compiling the test spec, and reading queries as Grafana would send them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from slogen_testing import compile_files

DATA = Path(__file__).resolve().parent / "data" / "dashboards"
SPEC = DATA / "shop.yaml"

# What Grafana puts in place of its built-in variables for a 1h range on a ~1000px panel.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval_ms": "15000",
    "$__interval": "15s",
    "$__range_ms": "3600000",
    "$__range_s": "3600",
    "$__range": "1h",
    "${datasource}": "prometheus",
    "$datasource": "prometheus",
}
_LEFT_OVER = re.compile(r"\$\{?\w+")


def compile_spec(path: Path = SPEC) -> dict[str, str]:
    """Every output file of one spec file, as `generate` would write it."""
    return compile_files([path])


def dashboards(files: dict[str, str]) -> dict[str, dict]:
    """The dashboards among the output files, parsed."""
    return {path: json.loads(text) for path, text in files.items() if path.startswith("dashboards/")}


def panels(board: dict) -> list[dict]:
    """Every panel of a dashboard, rows included, nested panels of collapsed rows too."""
    out = []
    for panel in board["panels"]:
        out.append(panel)
        out += panel.get("panels", [])
    return out


def substitute(expr: str) -> str:
    """An expression with Grafana's variables replaced; fails on any variable it does not know."""
    for name in sorted(GRAFANA_VARIABLES, key=len, reverse=True):
        expr = expr.replace(name, GRAFANA_VARIABLES[name])
    left = _LEFT_OVER.search(expr)
    assert left is None, f"unknown Grafana variable {left.group()} in {expr}"
    return expr


def queries(board: dict) -> list[tuple[dict, dict]]:
    """(panel, target) for every query of a dashboard."""
    return [(panel, t) for panel in panels(board) for t in panel.get("targets", [])]
