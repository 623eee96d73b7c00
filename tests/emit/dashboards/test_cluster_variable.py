"""With --split, an SLO that keeps the cluster label (grouping) gets a `cluster` variable; no other does."""

from __future__ import annotations

import json
import re

from slogen.build.options import BuildOptions, SplitOptions
from slogen_testing import compile_files, write_spec

SPEC = """
service: shop
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="shop", code=~"5.."}
        total: http_requests_total{job="shop"}
  - name: per-cluster
    objective: 99.5
    grouping: [cluster]
    sli:
      ratio:
        errors: http_requests_total{job="shop", code=~"5.."}
        total: http_requests_total{job="shop"}
"""


def _board(tmp_path, options: BuildOptions) -> dict:
    return json.loads(compile_files([write_spec(tmp_path, SPEC)], options)["dashboards/shop.json"])


def _exprs(panels: list[dict]) -> list[str]:
    return [t["expr"] for p in panels for t in p.get("targets", [])] + [e for p in panels for e in _exprs(p.get("panels", []))]


def test_a_split_slo_grouped_by_cluster_gets_the_variable(tmp_path):
    board = _board(tmp_path, BuildOptions(split=SplitOptions()))
    variables = board["templating"]["list"]
    assert [v["name"] for v in variables] == ["datasource", "cluster"]
    assert variables[1]["query"]["query"] == 'label_values(slo:sli_error:ratio_rate5m{slo_service="shop"}, cluster)'
    exprs = _exprs(board["panels"])
    grouped = [e for e in exprs if "shop-per-cluster" in e]
    assert grouped and all(re.search(r'slo_id="shop-per-cluster", cluster=~"\$cluster"', e) for e in grouped)
    # The SLO summed over clusters has no cluster label to narrow by.
    assert not any("$cluster" in e for e in exprs if "shop-availability" in e)


def test_no_variable_without_split_or_with_another_cluster_label(tmp_path):
    for options in (BuildOptions(), BuildOptions(split=SplitOptions(cluster_label="region"))):
        board = _board(tmp_path, options)
        assert [v["name"] for v in board["templating"]["list"]] == ["datasource"]
        assert "$cluster" not in json.dumps(board)
