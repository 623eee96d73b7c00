"""Every emitted dashboard type-checks against Grafana 11, 12 and 13's published types."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from grafana_types import VERSIONS, package, typecheck
from slogen_testing import ROOT, compile_files

# Each runs tsc over Grafana's published types.
pytestmark = pytest.mark.slow

DATA = ROOT / "tests" / "data"


def _boards() -> dict[str, dict]:
    """The repository's dashboards plus those of every test spec tree with dashboards."""
    boards = {f"repo-{p.name}": json.loads(p.read_text()) for p in sorted((ROOT / "output" / "dashboards").glob("*.json"))}
    for tree in sorted(p for p in DATA.iterdir() if list(p.glob("*.yaml"))):
        files = compile_files(sorted(tree.glob("*.yaml")))
        boards.update({f"{tree.name}-{path.split('/')[-1]}": json.loads(text) for path, text in files.items() if path.startswith("dashboards/")})
    # --split: a cluster variable (test_cluster_variable.py's spec).
    from slogen.build.options import BuildOptions, SplitOptions
    from test_cluster_variable import SPEC
    from slogen_testing import write_spec
    import tempfile
    with tempfile.TemporaryDirectory() as directory:
        files = compile_files([write_spec(Path(directory), SPEC)], BuildOptions(split=SplitOptions()))
    boards["split-shop.json"] = json.loads(files["dashboards/shop.json"])
    return boards


@pytest.fixture(scope="module")
def boards() -> dict[str, dict]:
    return _boards()


@pytest.mark.parametrize("major", sorted(VERSIONS))
def test_dashboards_fit_grafana_types(major, boards, tmp_path):
    if not (package(major) / "package.json").exists():
        pytest.fail("Grafana's schema packages are missing: run `make test` (it runs npm ci in tools/grafana-schema)")
    assert json.loads((package(major) / "package.json").read_text())["version"] == VERSIONS[major]
    result = typecheck(boards, major, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "mutate, complaint",
    [
        (lambda panel: panel["options"].update(footer={"show": False, "reducer": ["sum"], "fields": ""}), "footer"),
        (lambda panel: panel["options"].update(cellHeight="huge"), '"huge"'),
        (lambda panel: panel["fieldConfig"]["overrides"].append({"matcher": {"id": "byName", "options": "x"}, "properties": [{"id": "custom.hidden", "value": True}]}), "hidden"),
        (lambda panel: panel["options"].update(showHeaderz=True), "showHeaderz"),
    ],
)
def test_the_check_catches_unknown_keys_and_bad_values(mutate, complaint, tmp_path):
    """The type check can fail: the defects Grafana 12.2+ reports are caught for the current line."""
    overview = json.loads((ROOT / "output" / "dashboards" / "slo-overview.json").read_text())
    broken = copy.deepcopy(overview)
    (table,) = [p for p in broken["panels"] if p["type"] == "table"]
    mutate(table)
    result = typecheck({"broken.json": broken}, "13", tmp_path)
    assert result.returncode != 0 and complaint in result.stdout, result.stdout
