"""The first hour after a deploy, on a real Prometheus (each engine) running slogen's generated rules:
`status` shows what is known (short-window burn rates, firing alerts), says "waiting" only for the
period numbers, and a firing page fails the gate; a latency threshold that is no bucket boundary
is named with the boundaries the histogram has.

Every group runs each second except the hourly one, which keeps its real 1h interval and its
rules, each made to record nothing: it has not run yet, so no period SLI, budget or policy
state exists, as in the first minutes after a rollout (its first evaluation falls anywhere in
the first hour, and must not race the test; Prometheus 3 does not list a group without rules).
A rule group stands in for the exporters, recording the counters.
"""

from __future__ import annotations

import json

import pytest
import yaml

from live_prometheus import running_prometheus, wait_for
from promtool_scenarios import AVAILABILITY
from slogen_testing import compile_files, run_slogen, write_spec

CALM = """
service: calm
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: calm_requests_total{job="calm", code=~"5.."}
        total: calm_requests_total{job="calm"}
"""

LATENCY_200MS = """
service: lat
slos:
  - name: latency
    objective: 99
    sli:
      latency:
        histogram: http_request_duration_seconds{job="lat"}
        threshold: 200ms
"""


def _counter(name: str, per_second: float, **labels: str) -> dict:
    return {"record": name, "expr": f"vector(time() * {per_second!r})", "labels": labels}


# shop: a full outage (only 5xx); calm: 0.005% errors, 0.05x the budget; lat: a histogram
# with boundaries 0.1, 0.25, 0.5, 1 and +Inf, which a 200ms threshold misses.
COUNTERS = {
    "name": "counters",
    "interval": "1s",
    "rules": [
        _counter("http_requests_total", 100, job="shop", code="500"),
        _counter("calm_requests_total", 1000, job="calm", code="200"),
        _counter("calm_requests_total", 0.05, job="calm", code="500"),
        _counter("http_request_duration_seconds_count", 100, job="lat"),
        *(_counter("http_request_duration_seconds_bucket", rate, job="lat", le=le) for le, rate in
          (("0.1", 50), ("0.25", 90), ("0.5", 98), ("1", 99.5), ("+Inf", 100))),
    ],
}


def _fresh(rule_file: str) -> list[dict]:
    """The groups as deployed a minute ago: each evaluated every second, the hourly one not yet."""
    out = []
    for group in yaml.safe_load(rule_file)["groups"]:
        if group["name"].endswith("-sli-hourly"):
            nothing = [{**rule, "expr": f"({rule['expr']}) and on () (vector(0) > 1)"} for rule in group["rules"]]
            out.append({**group, "rules": nothing})
        else:
            out.append({**group, "interval": "1s"})
    return out


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, engine):
    """A Prometheus (each engine) minutes after a deploy of shop, calm and lat; yields (url, spec paths by service)."""
    root = tmp_path_factory.mktemp("fresh")
    specs = {name: write_spec(root / "slo_specs", text, f"{name}.yaml") for name, text in (("shop", AVAILABILITY), ("calm", CALM), ("lat", LATENCY_200MS))}
    files = compile_files(list(specs.values()))
    groups = [COUNTERS] + [group for name in specs for group in _fresh(files[f"rules/{name}.yml"])]
    with running_prometheus(root / "prom", yaml.safe_dump({"groups": groups}, sort_keys=False), engine) as url:
        wait_for(url, 'ALERTS{alertstate="firing", severity="page"}', 2)  # shop and lat
        # Every burn rate status shows, of each SLO: calm's 1h ratio is its alerts group's, which
        # no page waits for and which may run after its 6h (another group) on a loaded machine.
        for window in ("5m", "1h", "6h"):
            wait_for(url, f"slo:sli_error:ratio_rate{window}", 3)
        yield url, specs


def test_a_full_outage_right_after_a_deploy_shows_the_burn_and_the_page_and_fails_the_gate(fresh):
    url, specs = fresh
    shop = str(specs["shop"])
    table = run_slogen("status", shop, "-p", url)
    assert table.returncode == 1, table.stderr
    assert "1 SLO paging (a page alert is firing): shop/availability (SLOErrorBudgetBurn/page)" in table.stderr.splitlines()
    (line,) = [line for line in table.stdout.splitlines() if "shop/availability" in line]
    cells = [cell.strip() for cell in line.strip("│ ").split("│")]
    assert cells == [
        "shop/availability", "99.9% / 30d", "waiting", "waiting", "5m:1000x 1h:1000x 6h:1000x period:waiting",
        "waiting (up to 60 min)", "SLOErrorBudgetBurn/page (fails gate)",
    ]
    # The gate fails whatever state --fail-on names: the policy state is not known yet.
    gated = run_slogen("status", shop, "-p", url, "--fail-on", "feature-freeze", "--format", "json")
    assert gated.returncode == 1, gated.stderr
    (row,) = json.loads(gated.stdout)["slos"]
    assert row["burn_rates"] == {"5m": pytest.approx(1000), "1h": pytest.approx(1000), "6h": pytest.approx(1000), "period": None}
    assert (row["sli"], row["budget_remaining"], row["policy_state"], row["policy_level"]) == (None, None, None, None)
    assert (row["missing"], row["waiting"]) == ("waiting (up to 60 min)", True)
    assert (row["firing_alerts"], row["firing_pages"], row["fails_gate"]) == (["SLOErrorBudgetBurn/page"], ["SLOErrorBudgetBurn/page"], True)


def test_a_healthy_fresh_deploy_passes_and_waits_only_for_the_period_numbers(fresh):
    url, specs = fresh
    calm = str(specs["calm"])
    table = run_slogen("status", calm, "-p", url)
    assert table.returncode == 0, table.stderr
    (line,) = [line for line in table.stdout.splitlines() if "calm/availability" in line]
    cells = [cell.strip() for cell in line.strip("│ ").split("│")]
    assert cells[2:4] == ["waiting", "waiting"] and cells[5:] == ["waiting (up to 60 min)", "-"]
    assert cells[4].startswith("5m:0.05") and cells[4].endswith("period:waiting") and "-" not in cells[4], cells[4]
    assert table.stderr.splitlines() == [
        "note: calm/availability: rules loaded; the SLI over the window, the budget left and the policy state "
        "wait for their first evaluations (up to 60 min)"
    ]
    result = run_slogen("status", calm, "-p", url, "--format", "json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["slos"]
    assert {w: b for w, b in row["burn_rates"].items() if w != "period"} == pytest.approx({"5m": 0.05, "1h": 0.05, "6h": 0.05}, rel=0.01)
    # null only for what waits.
    assert [key for key, value in row.items() if value is None] == ["sli", "budget_remaining", "history", "policy_state", "policy_level"]
    assert row["burn_rates"]["period"] is None
    assert (row["missing"], row["waiting"], row["firing_alerts"], row["fails_gate"]) == ("waiting (up to 60 min)", True, [], False)


def test_a_threshold_that_is_no_bucket_boundary_is_named_with_the_boundaries(fresh):
    url, specs = fresh
    result = run_slogen("status", str(specs["lat"]), "-p", url)
    assert 'lat/latency: 0.2 is not a bucket boundary of http_request_duration_seconds{job="lat"}; the boundaries are 0.1, 0.25, 0.5, 1, +Inf: ' in result.stderr
    assert "reads 100%" not in result.stderr
    # Every request counts as bad: the SLI reads 0% and the page fires (exit 1 before 3).
    assert result.returncode == 1, result.stderr
    assert "5m:100x" in result.stdout and "SLOErrorBudgetBurn/page (fails gate)" in result.stdout
