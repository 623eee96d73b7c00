"""A fresh Prometheus burning at 5x: `status` shows the budget barely touched, says why, and gates nothing;
and what status says about history from what Prometheus answered (pure).

The generated rules run as written, every group each second (the hourly history
count included), on counters a rule group records, so everything from the 5m rates
to the policy state is the real Prometheus' (each engine) evaluation of slogen's rules.
"""

from __future__ import annotations

import json
import time

import pytest
import yaml

from slogen_testing import compile_paths
from slogen.live.prometheus_api import Sample
from slogen.live.status import status_json, status_queries, status_report, status_rows
from slogen.plan import names

from live_prometheus import running_prometheus, wait_for
from promtool_scenarios import AVAILABILITY, CALENDAR_MONTH
from slogen_testing import compile_files, run_slogen, write_spec


NOTE = "the budget counts errors so far against the budget of the whole period's traffic expected at the rate seen so far"

# Counters rising 995 and 5 a second: 0.5% errors, 5x the 0.1% budget.
COUNTERS = {
    "name": "counters",
    "interval": "1s",
    "rules": [
        {"record": "http_requests_total", "expr": f"vector(time() * {rate})", "labels": {"job": "shop", "code": code}}
        for code, rate in (("200", 995), ("500", 5))
    ],
}


@pytest.mark.slow
def test_a_fresh_slo_at_5x_is_not_frozen_and_status_says_history_is_short(tmp_path, engine):
    specs = tmp_path / "slo_specs"
    files = compile_files([write_spec(specs, AVAILABILITY, "shop.yaml")])
    groups = [{**group, "interval": "1s"} for group in yaml.safe_load(files["rules/shop.yml"])["groups"]]
    rules = yaml.safe_dump({"groups": [COUNTERS, *groups]}, sort_keys=False)
    with running_prometheus(tmp_path / "prom", rules, engine) as url:
        wait_for(url, "slo:budget_policy:state == 1", 1)
        wait_for(url, "slo:period_error_budget_remaining:ratio < 0.999", 1)
        while True:
            asked = time.time()
            result = run_slogen("status", "--prometheus", url, "--format", "json", cwd=tmp_path)
            table = run_slogen("status", "--prometheus", url, "--fail-on", "postpone-risky", cwd=tmp_path)
            # The history count steps at each full hour, the budget a group later: an hour turning
            # while the two were asked (or seconds before, the groups catching up) is asked again.
            if (asked - 5) // 3600 == time.time() // 3600:
                break
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["slos"]
    # The error ratio so far is 5x the budget...
    assert row["burn_rates"]["period"] == pytest.approx(5, rel=0.01)
    # ...over the hour or two of the 30d window the history covers: 5/720 (or 10/720) spent.
    hours = row["history"]["covered_seconds"] / 3600
    assert hours in (1, 2), row["history"]
    assert row["history"] == {"covered_seconds": hours * 3600, "needed_seconds": 30 * 86400, "insufficient": True}
    assert row["budget_remaining"] == pytest.approx(1 - 5 * hours / 720, rel=0.001)
    assert (row["policy_state"], row["fails_gate"]) == ("normal", False)
    # Burn-rate tickets may fire (5x is fast burning); the budget is not exhausted.
    assert not [alert for alert in row["firing_alerts"] if alert.startswith("SLOErrorBudgetExhausted")], row["firing_alerts"]
    # Even the first gate past normal holds, and the table and a note say why the budget is so full.
    assert table.returncode == 0, table.stderr
    assert f"insufficient history (covers {hours:.0f}h of 30d)" in table.stdout
    assert f"note: shop/availability: insufficient history (covers {hours:.0f}h of 30d): {NOTE}" in table.stderr




def _rows(tmp_path, spec: str, **found: list[Sample]):
    (compiled,), diagnostics = compile_paths([write_spec(tmp_path, spec, "shop.yaml")])
    more: list = []
    assert not diagnostics + more
    plans = list(compiled.plans)
    labels = {names.LABEL_ID: plans[0].id}
    results = {key: [] for key in status_queries(plans)}
    results.update(info=[Sample(labels, 1.0)], remaining=[Sample(labels, 0.99)], state=[Sample({**labels, names.LABEL_ACTION: "normal"}, 1.0)])
    results.update({key: [Sample(labels, value)] for key, value in found.items()})
    return status_report(plans, results)


@pytest.mark.parametrize(
    "history, hint",
    [
        (3600.0, "insufficient history (covers 1h of 30d)"),
        (2.5 * 86400, "insufficient history (covers 2.5d of 30d)"),
        # Whole clock hours, up to an hour late: an hour short counts as covered.
        (30 * 86400 - 3600, None),
        (30 * 86400 + 3600, None),
    ],
)
def test_status_says_how_much_of_a_rolling_window_history_covers(tmp_path, history, hint):
    report = _rows(tmp_path, AVAILABILITY, history=history)
    (row,) = report.rows
    assert row.short_history == hint
    assert [n for n in report.notes if "insufficient history" in n] == ([f"shop/availability: {hint}: {NOTE}"] if hint else [])
    cells = status_rows(report.rows, [])
    assert cells[0][3] == "99%" + (f" ({hint})" if hint else "")


def test_a_calendar_period_needs_only_the_part_elapsed(tmp_path):
    # Ten days into the month: full history is ten days, not the month.
    assert _rows(tmp_path, CALENDAR_MONTH, history=10 * 86400.0, calendar_elapsed=10 * 86400.0).rows[0].short_history is None
    short = _rows(tmp_path, CALENDAR_MONTH, history=86400.0, calendar_elapsed=10 * 86400.0).rows[0]
    assert short.short_history == "insufficient history (covers 1d of 10d)"


def test_rules_without_a_history_count_say_nothing_about_history(tmp_path):
    (row,) = _rows(tmp_path, AVAILABILITY).rows
    assert row.history is None and row.short_history is None
    assert status_json([row], [], [])["slos"][0]["history"] is None
