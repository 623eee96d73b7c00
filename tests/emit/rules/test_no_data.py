"""The opt-in no-data alert through the real promtool: it fires when an SLI's series are gone,
not when its traffic stops, not for one quiet group of a grouped SLO, not for SLOs that
did not ask for it, and it resolves when the series come back."""

from __future__ import annotations

import yaml

from promtool_scenarios import check_rule_test
from slogen_testing import compile_files, diagnostics_of, run_promtool, write_spec

SPEC = """
service: shop
labels: {team: web}
slos:
  - name: gone                 # its counter stops being scraped at 30m and is back at 61m
    objective: 99.9
    sli:
      ratio:
        errors: gone_total{code="500"}
        total: gone_total
    alerting:
      no_data: true
  - name: idle                 # its counter stays, but stops moving: no traffic is not no data
    objective: 99.9
    sli:
      ratio:
        errors: idle_total{code="500"}
        total: idle_total
    alerting:
      no_data: {for: 5m}
  - name: routes               # one route's series go, the other's stay
    objective: 99
    grouping: [route]
    sli:
      ratio:
        errors: routes_total{code="500"}
        total: routes_total
    alerting:
      ticket: {labels: {severity: warning}}
      no_data: {for: 5m, labels: {severity: info, channel: "#shop"}, annotations: {runbook_url: "https://runbooks.example/{{nodata}}"}}
  - name: unasked              # its series go too, but it did not ask
    objective: 99.9
    sli:
      ratio:
        errors: unasked_total{code="500"}
        total: unasked_total
"""

SERIES = {
    'gone_total{code="200"}': "0+60x30 _x30 1860+60x30",
    'idle_total{code="200"}': "0+60x10 600x80",
    'routes_total{code="200", route="/a"}': "0+60x90",
    'routes_total{code="200", route="/b"}': "0+60x30 _x60",
    'unasked_total{code="200"}': "0+60x30 _x60",
}

GONE = {"slo_id": "shop-gone", "slo_name": "gone", "slo_service": "shop", "team": "web", "severity": "ticket"}
GONE_TEXT = {
    "summary": "shop/gone: no data, the series its SLI reads are gone",
    "description": "SLO shop/gone has recorded no events rate (slo:sli_events:rate5m) for at least 10m: the series its "
    "SLI reads are gone (a scrape target down, a metric or label renamed), so its burn-rate alerts cannot fire. "
    "Events: sum(rate(gone_total[5m]))",
}


def _alerts(minutes: int, *labels: dict) -> dict:
    return {
        "eval_time": f"{minutes}m",
        "alertname": "SLONoData",
        "exp_alerts": [{"exp_labels": x, "exp_annotations": GONE_TEXT} for x in labels],
    }


def test_no_data_fires_while_the_series_are_gone_and_only_then(tmp_path, promtool):
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    alerts = [
        _alerts(25),  # everything scraped; idle has not moved for 15m
        # gone's rate is missing from 35m (fewer than two samples in 5m): pending, not yet 10m.
        _alerts(40),
        _alerts(50, GONE),
        _alerts(60, GONE),
        _alerts(75),  # scraped again from 61m
    ]
    pending = {
        "expr": 'count(ALERTS{alertname="SLONoData", alertstate="pending", slo_id="shop-gone"})',
        "eval_time": "40m",
        "exp_samples": [{"labels": "{}", "value": 1}],
    }
    check_rule_test(tmp_path, promtool, files["rules/shop.yml"], SERIES, alerts=alerts, promql=[pending])


def test_a_grouped_slo_alerts_once_every_group_is_gone_with_its_own_labels_and_annotations(tmp_path, promtool):
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    series = {**SERIES, 'routes_total{code="200", route="/a"}': "0+60x30 _x60"}
    routes = {"slo_id": "shop-routes", "slo_name": "routes", "slo_service": "shop", "team": "web", "severity": "info", "channel": "#shop"}
    alerts = [
        {
            "eval_time": "50m",
            "alertname": "SLONoData",
            "exp_alerts": [
                {"exp_labels": GONE, "exp_annotations": GONE_TEXT},
                {
                    "exp_labels": routes,
                    "exp_annotations": {
                        "summary": "shop/routes: no data, the series its SLI reads are gone",
                        "description": "SLO shop/routes has recorded no events rate (slo:sli_events:rate5m) for at least 5m: "
                        "the series its SLI reads are gone (a scrape target down, a metric or label renamed), "
                        "so its burn-rate alerts cannot fire. Events: sum by (route) (rate(routes_total[5m]))",
                        "runbook_url": "https://runbooks.example/{{nodata}}",
                    },
                },
            ],
        }
    ]
    check_rule_test(tmp_path, promtool, files["rules/shop.yml"], series, alerts=alerts)


def test_rules_with_no_data_pass_promtool_lint(tmp_path, promtool):
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    (tmp_path / "rules.yml").write_text(files["rules/shop.yml"])
    result = run_promtool(promtool, "check", "rules", "--lint=all", "--lint-fatal", "rules.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


PLAIN = """
service: api
slos:
  - name: a
    objective: 99
    sli: {ratio: {errors: 'x_total{code="500"}', total: x_total}}
"""


def _no_data_alerts(rules: str) -> list[dict]:
    return [rule for group in yaml.safe_load(rules)["groups"] for rule in group["rules"] if rule.get("alert") == "SLONoData"]


def test_no_data_is_off_unless_asked(tmp_path):
    off = compile_files([write_spec(tmp_path / "off", PLAIN)])["rules/api.yml"]
    assert "SLONoData" not in off
    # Not vacuous: the same spec asking for it gets the alert, on the SLO's recorded events.
    on = compile_files([write_spec(tmp_path / "on", PLAIN + "    alerting:\n      no_data: true\n")])["rules/api.yml"]
    (alert,) = _no_data_alerts(on)
    assert 'slo:sli_events:rate5m{slo_service="api"}' in alert["expr"] and alert["for"] == "10m", alert


def test_no_data_problems_are_located(tmp_path):
    got = "\n".join(diagnostics_of([write_spec(tmp_path, PLAIN + "    alerting:\n      no_data: {for: 0m, severity: page}\n")]))
    assert "spec.yaml:7:22: slos[0].alerting.no_data.for: invalid duration '0m': must be greater than zero" in got, got
    assert "slos[0].alerting.no_data.severity" in got, got
    got = "\n".join(diagnostics_of([write_spec(tmp_path, PLAIN + "    alerting:\n      no_data: {labels: {slo_tier: x}}\n")]))
    assert "slos[0].alerting.no_data.labels.slo_tier: label name 'slo_tier' is reserved" in got, got
