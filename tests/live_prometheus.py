"""A real Prometheus (Debian's /usr/bin/prometheus) on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from engines import Engine
from prometheus_server import prometheus_server
from slogen_testing import compile_files, write_spec
from spec_literals import shop_slo, shop_spec


@contextlib.contextmanager
def running_prometheus(directory: Path, rules: str, engine: Engine | None = None) -> Iterator[str]:
    """Start Prometheus with one rule file, evaluated every second; yield its URL; always stop it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "rules.yml").write_text(rules)
    # No scrape targets: every series comes from the rule file, so nothing leaves loopback.
    config = "global: {scrape_interval: 1s, evaluation_interval: 1s}\n" f"rule_files: ['{directory}/rules.yml']\n"
    with prometheus_server(directory, config, ready_within=20, engine=engine) as url:
        yield url


def wait_for(url: str, query: str, count: int, timeout: float = 45) -> None:
    """Wait until an instant query returns `count` series (the rules have been evaluated); a
    readiness bound, not a behaviour check: the first Prometheus of a cold run can take a while."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(url + "/api/v1/query", params={"query": query}, timeout=2, trust_env=False).json()
        if len(body["data"]["result"]) >= count:
            return
        time.sleep(0.2)
    pytest.fail(f"{query} never returned {count} series")


def query(url: str, expr: str, at: float | None = None) -> list[dict]:
    """An instant query's result series (at `at`, default now), failing the test when Prometheus refuses it."""
    params = {"query": expr} | ({} if at is None else {"time": repr(at)})
    body = httpx.get(url + "/api/v1/query", params=params, timeout=5, trust_env=False).json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def until(what: str, check, timeout: float = 90):
    """Poll `check()` until it returns something truthy, and return that; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.5)
    return found


SHOP = shop_spec(
    shop_slo(),
    """  - name: checkout
    objective: 99
    sli:
      ratio:
        errors: checkout_total{job="shop", code=~"5.."}
        total: checkout_total{job="shop"}
""",
)

EDGE = """
service: edge
slos:
  - name: routes
    objective: 99
    grouping: [route]
    sli:
      ratio:
        errors: edge_requests_total{code=~"5.."}
        total: edge_requests_total
"""

# (slo_id, extra labels, error ratio): remaining = 1 - ratio / budget.
TRAFFIC = [
    ("shop-availability", {}, 0.0004),  # 60% left: normal
    ("shop-checkout", {}, 0.0095),  # 5% left: freeze
    ("edge-routes", {"route": "/a"}, 0.02),  # -100%: feature freeze, burning 2x
    ("edge-routes", {"route": "/b"}, 0.0),  # untouched: normal
]


def _inputs() -> str:
    """Constant base rates per SLO: 1000 events/s and the error ratio above (and that ratio over 1h)."""
    rules = []
    for slo_id, extra, ratio in TRAFFIC:
        for window in ("5m", "1h"):
            # The labels slogen's own base rules carry: shared rules select by slo_service.
            service, _, name = slo_id.partition("-")
            labels = {"slo_id": slo_id, "slo_service": service, "slo_name": name, "slo_window": window, **extra}
            rules.append({"record": f"slo:sli_events:rate{window}", "expr": "vector(1000)", "labels": labels})
            rules.append({"record": f"slo:sli_errors:rate{window}", "expr": f"vector({1000 * ratio!r})", "labels": labels})
        # The fast page tier's 1h ratio, which slogen's rules read from the counters.
        labels = {**labels, "slo_window": "1h"}
        rules.append({"record": "slo:sli_error:ratio_rate1h", "expr": f"vector({ratio!r})", "labels": labels})
    return yaml.safe_dump({"groups": [{"name": "inputs", "interval": "1s", "rules": rules}]}, sort_keys=False)


def _fast(rule_file: str) -> list[dict]:
    # The hourly points come from the inputs group, constant from the first second:
    # slogen's hourly group, run every second beside it, would add points that race
    # the inputs' first evaluations and move the period SLI by a few percent.
    groups = yaml.safe_load(rule_file)["groups"]
    return [{**group, "interval": "1s"} for group in groups if not group["name"].endswith("-sli-hourly")]


@contextlib.contextmanager
def live_slogen_prometheus(root: Path, engine: Engine | None = None) -> Iterator[tuple[str, Path]]:
    """Prometheus evaluating slogen's generated rules for SHOP and EDGE; yields (url, root with slo_specs/).

    The generated rule file is loaded as is, with every group evaluated each second
    so tests are quick; a second group stands in for the user's exporters by
    recording constant base rates (5m and hourly) per SLO.  Everything downstream
    (window ratios, remaining budget, policy state, alerts) is computed by
    Prometheus from slogen's rules.
    """
    specs = root / "slo_specs"
    files = compile_files([write_spec(specs, SHOP, "shop.yaml"), write_spec(specs, EDGE, "edge.yaml")])
    groups = _fast(files["rules/shop.yml"]) + _fast(files["rules/edge.yml"]) + yaml.safe_load(_inputs())["groups"]
    with running_prometheus(root / "prom", yaml.safe_dump({"groups": groups}, sort_keys=False), engine) as url:
        wait_for(url, "slo:budget_policy:state == 1", 4)
        wait_for(url, 'ALERTS{alertstate="firing"}', 2)
        yield url, root
