"""`slogen status` against a real Prometheus running slogen's own generated rules (see live_prometheus.py)."""

from __future__ import annotations

import json

import pytest
from slogen.live.prometheus_api import Prometheus, PrometheusError

from live_prometheus import live_slogen_prometheus
from prometheus_server import free_port
from slogen_testing import run_slogen, write_spec

GHOST = """
service: ghost
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: ghost_total{code=~"5.."}
        total: ghost_total
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory, engine):
    """A Prometheus (each engine) evaluating slogen's rules for SHOP and EDGE; yields (url, root with slo_specs/)."""
    with live_slogen_prometheus(tmp_path_factory.mktemp("status"), engine) as found:
        yield found


def test_status_json_reports_sli_budget_burn_state_and_alerts(live):
    url, root = live
    result = run_slogen("status", "--prometheus", url, "--format", "json", cwd=root)
    assert result.returncode == 1, result.stderr  # edge /a has exhausted its budget: the default gate
    assert "1 SLO at or past the last state of its budget policy (budget exhausted): edge/routes route=/a" in result.stderr
    rows = {(r["service"], r["slo"], r["group"].get("route")): r for r in json.loads(result.stdout)["slos"]}
    assert set(rows) == {("shop", "availability", None), ("shop", "checkout", None), ("edge", "routes", "/a"), ("edge", "routes", "/b")}
    shop = rows[("shop", "availability", None)]
    assert shop["sli"] == pytest.approx(0.9996)
    assert shop["budget_remaining"] == pytest.approx(0.6)
    assert shop["burn_rates"]["1h"] == pytest.approx(0.4) and shop["burn_rates"]["period"] == pytest.approx(0.4)
    assert (shop["policy_state"], shop["policy_level"], shop["firing_alerts"], shop["fails_gate"]) == ("normal", 0, [], False)
    checkout = rows[("shop", "checkout", None)]
    assert checkout["budget_remaining"] == pytest.approx(0.05) and checkout["policy_state"] == "freeze"
    exhausted = rows[("edge", "routes", "/a")]
    assert exhausted["budget_remaining"] == pytest.approx(-1.0) and exhausted["policy_state"] == "feature-freeze"
    # 2x burn: over the 3d ticket tier's factor 1, under every other tier's.
    assert exhausted["firing_alerts"] == ["SLOErrorBudgetBurn/ticket", "SLOErrorBudgetExhausted/ticket"]
    assert exhausted["fails_gate"] is True
    assert rows[("edge", "routes", "/b")]["policy_state"] == "normal"


def test_fail_on_gates_by_policy_state(live):
    url, root = live
    shop = str(root / "slo_specs" / "shop.yaml")
    assert run_slogen("status", shop, "-p", url, "--fail-on", "feature-freeze", cwd=root).returncode == 0
    gated = run_slogen("status", shop, "-p", url, "--fail-on", "freeze", cwd=root)
    assert gated.returncode == 1 and "1 SLO at or past freeze: shop/checkout" in gated.stderr
    assert "shop/availability" in gated.stdout and "freeze (fails gate)" in gated.stdout
    unknown = run_slogen("status", shop, "-p", url, "--fail-on", "panic", cwd=root)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "--fail-on 'panic' is not a state of any budget policy (states: feature-freeze, freeze, normal, postpone-risky)"


def test_rules_not_deployed_is_a_clear_error(live, tmp_path):
    url, _ = live
    write_spec(tmp_path / "slo_specs", GHOST, "ghost.yaml")
    result = run_slogen("status", "-p", url, cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.strip() == (
        'ghost/availability: no slogen_slo_info{slo_id="ghost-availability"} series: '
        "the rules of output/rules/ghost.yml are not loaded into this Prometheus"
    )


def test_failed_query_and_wrong_url_are_one_line_errors(live, tmp_path):
    url, root = live
    with Prometheus(url) as client, pytest.raises(PrometheusError) as err:
        client.query("sum(")
    assert str(err.value).startswith(f"Prometheus at {url} failed query 'sum(': bad_data: invalid parameter")
    assert "parse error" in str(err.value) and "\n" not in str(err.value)
    wrong = run_slogen("status", "-p", url + "/not-prometheus", cwd=root)
    assert wrong.returncode == 3
    assert wrong.stderr.strip() == f"{url}/not-prometheus/api/v1/query answered HTTP 404 without JSON: is this the Prometheus URL?"


def test_unreachable_prometheus(tmp_path):
    write_spec(tmp_path / "slo_specs", GHOST, "ghost.yaml")
    port = free_port()
    result = run_slogen("status", "-p", f"http://127.0.0.1:{port}", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.strip() == f"cannot reach Prometheus at http://127.0.0.1:{port}: [Errno 111] Connection refused"
