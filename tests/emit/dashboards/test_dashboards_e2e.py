"""Every dashboard query, run against a real Prometheus evaluating slogen's rules, returns data.

The test starts Debian's prometheus on 127.0.0.1 with temporary storage, has it scrape
a tiny local exporter whose counters fail a share of requests (enough to fire the page
and ticket alerts), loads the generated rules of tests/data/dashboards/shop.yaml and
runs each panel query through the HTTP API as Grafana would.

Rule group intervals are rewritten to 1s in the test's copy of the rule file: the
generated 1h interval of the hourly group would otherwise mean an hour before the 1d+
windows, the SLO-window ratio and the budget series exist.  The expressions, which are
what the dashboards depend on, are unchanged.
"""

from __future__ import annotations

import math
import time

import httpx
import pytest
import yaml

from dashboard_support import compile_spec, dashboards, queries, substitute
from metrics_target import every_second, every_second_config, metrics_target
from prometheus_server import prometheus_server

pytestmark = pytest.mark.slow

DEADLINE = 45  # seconds for the rules and alerts to produce every series
# Requests per second by (route, code): /cart fails 37.5%, /pay 16.7%, far above any burn threshold.
RATES = {("/cart", "200"): 100.0, ("/cart", "500"): 60.0, ("/pay", "200"): 100.0, ("/pay", "500"): 20.0}


STARTED = time.monotonic()


def _exposition() -> str:
    elapsed = time.monotonic() - STARTED
    lines = ["# TYPE http_requests_total counter"]
    for (route, code), rate in sorted(RATES.items()):
        lines.append(f'http_requests_total{{code="{code}",route="{route}"}} {rate * elapsed:.3f}')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory, engine):
    """Base URL of a running Prometheus (each engine) scraping the exporter and evaluating the shop rules."""
    files = compile_spec()
    work = tmp_path_factory.mktemp("prometheus")
    (work / "rules.yml").write_text(every_second(files["rules/shop.yml"]))
    with metrics_target(_exposition) as target:
        config = yaml.safe_dump(every_second_config([work / "rules.yml"], target))
        with prometheus_server(work, config, "--log.level=warn", ready_within=20, engine=engine) as url:
            yield url


def _run(client: httpx.Client, target: dict) -> list[dict]:
    """The result of one panel query, instant or over the last two minutes."""
    expr = substitute(target["expr"])
    now = time.time()
    if target["instant"]:
        response = client.get("/api/v1/query", params={"query": expr, "time": now})
    else:
        response = client.get("/api/v1/query_range", params={"query": expr, "start": now - 120, "end": now, "step": 2})
    response.raise_for_status()
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def _finite(result: list[dict]) -> bool:
    samples = [s for series in result for s in series.get("values", [series.get("value")]) if s]
    return any(math.isfinite(float(value)) for _, value in samples)


def test_every_dashboard_query_returns_data(prometheus: str) -> None:
    boards = dashboards(compile_spec())
    every = [(path, panel, t) for path, board in sorted(boards.items()) for panel, t in queries(board)]
    assert len(every) > 20
    with httpx.Client(base_url=prometheus, timeout=10) as client:
        deadline = time.monotonic() + DEADLINE
        while True:
            results = {(path, panel["id"], t["refId"]): _run(client, t) for path, panel, t in every}
            empty = [
                f"{path}: {panel['title']} [{t['refId']}]: {t['expr']}"
                for path, panel, t in every
                if not _finite(results[(path, panel["id"], t["refId"])])
            ]
            if not empty or time.monotonic() > deadline:
                break
            time.sleep(1)
    assert not empty, "queries without data:\n" + "\n".join(empty)

    overview = boards["dashboards/slo-overview.json"]
    for panel, t in queries(overview):
        rows = {series["metric"].get("slo_id") for series in results[("dashboards/slo-overview.json", panel["id"], t["refId"])]}
        # One row per SLO, the grouped one too: every column joins on the same slo_id set.
        assert rows == {"shop-availability", "shop-routes"}, (t["refId"], rows)
    firing = next(t for _, t in queries(overview) if t["refId"] == "E")
    expected = {"shop-availability": 2.0, "shop-routes": 2.0}
    # Alerts start firing one evaluation after their condition holds: on a busy machine
    # the last of them may come a little after the queries first returned data.
    with httpx.Client(base_url=prometheus, timeout=10) as client:
        deadline = time.monotonic() + DEADLINE
        while True:
            counts = {series["metric"]["slo_id"]: float(series["value"][1]) for series in _run(client, firing)}
            if counts == expected or time.monotonic() > deadline:
                break
            time.sleep(1)
    # availability: its page and its ticket; routes: a ticket per route (two routes).  No
    # budget-exhausted alert: a minute of history spends a sliver of a 30d budget, however
    # fast it burns (README, budget with short history).
    assert counts == expected, counts
