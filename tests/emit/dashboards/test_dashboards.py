"""Dashboard structure: what Grafana needs to import them, and what an SRE expects to see."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import promql_parser as pp
import pytest
from slogen_testing import compile_files, compile_paths
from slogen.emit.dashboards.boards import BURN_WINDOWS, dashboard_uid
from slogen.emit.dashboards.grafana import SCHEMA_VERSION
from slogen.plan import names
from slogen.spec.durations import format_duration

from dashboard_support import DATA, compile_spec, dashboards, panels, queries, substitute
from slogen_testing import golden_tree

ROOT = Path(__file__).resolve().parents[3]
EXPECTED = DATA / "expected"
RECORDED = {
    names.OBJECTIVE,
    names.ERROR_BUDGET,
    names.CURRENT_BURN_RATE,
    names.PERIOD_BURN_RATE,
    names.PERIOD_BUDGET_REMAINING,
    "ALERTS",
}
_RECORDED_WINDOW = re.compile(r"^slo:sli_error:ratio_rate\d+[mhd]$")


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return compile_spec()


@pytest.fixture(scope="module")
def boards(files: dict[str, str]) -> dict[str, dict]:
    return dashboards(files)


def _all_repo_boards() -> dict[str, dict]:
    return dashboards(compile_files([ROOT / "slo_specs"]))


def test_one_dashboard_per_service_and_an_overview(boards: dict[str, dict]) -> None:
    assert sorted(boards) == ["dashboards/shop.json", "dashboards/slo-overview.json"]


def test_golden_files(files: dict[str, str]) -> None:
    produced = {path.removeprefix("dashboards/"): text for path, text in files.items() if path.startswith("dashboards/")}
    expected = golden_tree(EXPECTED, produced)
    assert sorted(expected) == sorted(produced), "run pytest --update-golden to rewrite tests/data/dashboards/expected"
    for name in produced:
        assert produced[name] == expected[name], f"{name} differs from its golden file (pytest --update-golden to accept)"


def test_output_is_deterministic(files: dict[str, str]) -> None:
    assert compile_spec() == files
    for path, text in files.items():
        if path.endswith(".json"):
            assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("source", ["test spec", "repo specs"])
def test_every_panel_queries_the_datasource_variable_with_valid_promql(source: str, boards: dict[str, dict]) -> None:
    checked = boards if source == "test spec" else _all_repo_boards()
    for path, board in checked.items():
        for panel in panels(board):
            if panel["type"] == "row":
                continue
            where = f"{path}: panel {panel['title']!r}"
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
            assert panel["targets"], f"{where} has no queries"
            refs = [t["refId"] for t in panel["targets"]]
            assert len(refs) == len(set(refs)), f"{where} repeats a refId"
            for t in panel["targets"]:
                assert t["datasource"] == panel["datasource"], where
                pp.parse(substitute(t["expr"]))


def _selectors(expr: str) -> tuple[list[str], list[str]]:
    metrics, ranges = [], []

    def visit(node):
        if isinstance(node, pp.VectorSelector):
            metrics.append(node.name)
        if isinstance(node, (pp.MatrixSelector, pp.SubqueryExpr)):
            ranges.append(str(node))

    pp.walk(pp.parse(substitute(expr)), visit)
    return metrics, ranges


@pytest.mark.parametrize("source", ["test spec", "repo specs"])
def test_queries_read_only_recorded_series_without_ranges(source: str, boards: dict[str, dict]) -> None:
    checked = boards if source == "test spec" else _all_repo_boards()
    for path, board in checked.items():
        for panel, t in queries(board):
            metrics, ranges = _selectors(t["expr"])
            assert metrics, t["expr"]
            for metric in metrics:
                assert metric in RECORDED or _RECORDED_WINDOW.match(metric), f"{path}: {metric} is not a slogen series"
            # Ranges cost samples; recorded windows already hold them.
            assert not ranges, f"{path}: {panel['title']}: {ranges}"


def _overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


@pytest.mark.parametrize("source", ["test spec", "repo specs"])
def test_panel_ids_unique_and_grid_without_overlap(source: str, boards: dict[str, dict]) -> None:
    checked = boards if source == "test spec" else _all_repo_boards()
    for path, board in checked.items():
        every = panels(board)
        ids = [p["id"] for p in every]
        assert len(ids) == len(set(ids)), path
        for panel in every:
            grid = panel["gridPos"]
            assert grid["x"] >= 0 and grid["y"] >= 0 and grid["w"] > 0 and grid["h"] > 0, panel["title"]
            assert grid["x"] + grid["w"] <= 24, panel["title"]
        for a, b in itertools.combinations(every, 2):
            assert not _overlap(a["gridPos"], b["gridPos"]), f"{path}: {a['title']!r} overlaps {b['title']!r}"


def _datasource_refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource":
                yield value
            else:
                yield from _datasource_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _datasource_refs(item)


def test_dashboard_metadata(boards: dict[str, dict]) -> None:
    uids = set()
    for path, board in boards.items():
        assert board["schemaVersion"] == SCHEMA_VERSION >= 39
        assert board["id"] is None, "provisioned and imported dashboards must not carry a database id"
        assert board["tags"] and "slogen" in board["tags"]
        assert board["description"] and board["title"]
        assert len(board["uid"]) <= 40
        uids.add(board["uid"])
        variables = board["templating"]["list"]
        assert variables == [v for v in variables if v["name"] == "datasource"]
        assert variables[0]["type"] == "datasource" and variables[0]["query"] == "prometheus"
        # Every datasource reference goes through the variable: no installation's uid leaks in.
        refs = list(_datasource_refs(board))
        assert refs and all(ref == {"type": "prometheus", "uid": "${datasource}"} for ref in refs), path
    assert uids == {"slo-shop", "slogen-overview"}


def test_uids_are_stable_short_and_distinct() -> None:
    long_a, long_b = "a" * 60 + "x", "a" * 60 + "y"
    assert dashboard_uid("shop") == "slo-shop"
    assert dashboard_uid(long_a) == dashboard_uid(long_a)
    assert len(dashboard_uid(long_a)) == 40 and dashboard_uid(long_a) != dashboard_uid(long_b)


def test_each_slo_gets_a_row_with_every_panel_kind(boards: dict[str, dict]) -> None:
    board = boards["dashboards/shop.json"]
    rows = [p for p in board["panels"] if p["type"] == "row"]
    assert [r["title"] for r in rows] == ["availability: 99.9% over 30d", "routes: 95% over 7d"]
    kinds = [p["type"] for p in board["panels"]]
    per_row = ["row", "stat", "gauge", "stat", "timeseries", "timeseries", "timeseries", "state-timeline"]
    assert kinds == per_row * 2
    for panel, t in queries(board):
        assert 'slo_id="shop-' in t["expr"], f"{panel['title']}: query not limited to one SLO"


def _panel(board: dict, slo: str, title_start: str, kind: str | None = None) -> dict:
    found, current = [], None
    for panel in board["panels"]:
        if panel["type"] == "row":
            current = panel["title"].split(":")[0]
        elif current == slo and panel["title"].startswith(title_start) and kind in (None, panel["type"]):
            found.append(panel)
    assert len(found) == 1, (slo, title_start)
    return found[0]


def test_burn_rate_panel_shows_alerting_windows_with_tier_factors(boards: dict[str, dict]) -> None:
    board = boards["dashboards/shop.json"]
    burn = _panel(board, "availability", "Burn rate by alerting window")
    assert [t["legendFormat"] for t in burn["targets"]] == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
    assert {format_duration(w) for w in BURN_WINDOWS} <= {t["legendFormat"] for t in burn["targets"]}
    steps = burn["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [(s["value"], s["color"]) for s in steps] == [(None, "green"), (1, "orange"), (3, "orange"), (6, "red"), (14.4, "red")]
    assert burn["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "dashed"

    routes = _panel(board, "routes", "Burn rate by alerting window")
    legends = [t["legendFormat"] for t in routes["targets"]]
    assert legends == ["5m {{route}}", "1h {{route}}", "2h {{route}}", "6h {{route}}", "1d {{route}}", "3d {{route}}", "7d {{route}}"]
    # 10% in 1d of a 7d window = 0.7x; 50% in 7d = 0.5x; ticket-only, so orange lines.
    steps = routes["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [(s["value"], s["color"]) for s in steps] == [(None, "green"), (0.5, "orange"), (0.7, "orange")]


def test_budget_panels_use_policy_tiers_and_the_slo_window(boards: dict[str, dict]) -> None:
    board = boards["dashboards/shop.json"]
    gauge = _panel(board, "availability", "Error budget remaining", "gauge")
    steps = [(s["value"], s["color"]) for s in gauge["fieldConfig"]["defaults"]["thresholds"]["steps"]]
    assert [v for v, _ in steps] == [None, 0.0, 0.1, 0.5]
    burn_down = _panel(board, "routes", "Error budget remaining over the last 7d")
    assert burn_down["timeFrom"] == "7d"
    assert [t["expr"] for t in burn_down["targets"]] == ['slo:period_error_budget_remaining:ratio{slo_id="shop-routes"}']
    sli = _panel(board, "availability", "SLI over 30d")
    assert sli["targets"][0]["expr"] == '1 - sum without (slo_window) (slo:sli_error:ratio_rate30d{slo_id="shop-availability"})'
    assert sli["fieldConfig"]["defaults"]["thresholds"]["steps"][1] == {"color": "green", "value": 0.999}


def test_overview_links_every_row_to_an_existing_service_dashboard() -> None:
    boards = _all_repo_boards()
    overview = boards.pop("dashboards/slo-overview.json")
    (table,) = overview["panels"]
    assert table["type"] == "table"
    uid_query = table["targets"][0]["expr"]
    linked = set(re.findall(r'"slo_dashboard", "([^"]+)"', uid_query))
    assert linked == {board["uid"] for board in boards.values()}
    links = [
        prop["value"][0]["url"]
        for o in table["fieldConfig"]["overrides"]
        for prop in o["properties"]
        if prop["id"] == "links"
    ]
    assert links and all(url.startswith("/d/${__value.raw}") for url in links)
    (service,) = [o for o in table["fieldConfig"]["overrides"] if o["matcher"]["options"] == "Service"]
    (mappings,) = [prop["value"] for prop in service["properties"] if prop["id"] == "mappings"]
    assert {"pattern": "^slo-(.+)$", "result": {"text": "$1", "index": 0}} in [m["options"] for m in mappings]
    organize = table["transformations"][1]["options"]
    columns = sorted(organize["indexByName"], key=organize["indexByName"].get)
    assert [organize["renameByName"][c] for c in columns] == [
        "Service", "SLO", "Objective", "SLI over window", "Budget remaining", "Burn rate (5m)", "Firing alerts"
    ]
    assert table["options"]["sortBy"] == [{"desc": False, "displayName": "Budget remaining"}]


def test_overview_service_name_is_reserved(tmp_path: Path) -> None:
    spec = (DATA / "shop.yaml").read_text().replace("service: shop", "service: slo-overview")
    (tmp_path / "spec.yaml").write_text(spec)
    services, diagnostics = compile_paths([tmp_path / "spec.yaml"])
    assert not services
    assert [d.message for d in diagnostics] == ["service: service name 'slo-overview' is reserved for the overview dashboard"]


def test_budget_panels_colour_by_the_slos_own_policy(tmp_path: Path) -> None:
    spec = tmp_path / "p.yaml"
    spec.write_text(
        "service: p\nslos:\n  - name: a\n    objective: 99\n"
        "    sli: {ratio: {errors: 'x{code=\"500\"}', total: x}}\n"
        "    policy:\n      states:\n"
        "        - {action: go, above: 25}\n        - {action: careful, above: -50}\n        - {action: stop}\n"
        "  - name: b\n    objective: 99\n    sli: {ratio: {errors: 'x{code=\"500\"}', total: x}}\n"
    )
    board = json.loads(compile_files([spec])["dashboards/p.json"])
    steps = {
        panel["title"] + " " + panel["targets"][0]["expr"]: [(s["value"], s["color"]) for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]
        for panel in panels(board)
        if panel["type"] == "gauge"
    }
    custom = next(v for k, v in steps.items() if 'slo_id="p-a"' in k)
    default = next(v for k, v in steps.items() if 'slo_id="p-b"' in k)
    assert custom == [(None, "dark-red"), (-0.5, "red"), (0.25, "green")]
    assert default == [(None, "dark-red"), (0.0, "red"), (0.1, "orange"), (0.5, "green")]
