"""`--split prometheus,thanos` end to end on a real distributed engine, on 127.0.0.1 only.

Two Prometheus 3 leaves (external labels cluster=a and cluster=b), each scraping its own
counters served by this test, evaluate the leaf rule file and remote-write only the leaf
series (`slo_leaf:*`, the raw counters stay in the cluster) into `thanos receive`;
`thanos query` reads receive and the ruler's own recordings; `thanos rule` evaluates the
global rule file through the query and sends its alerts to a real Alertmanager (Debian's).

In order: (a) the global 5m and 1h SLIs equal the pooled ratio of the served rates;
(c) leaf b stopped raises SLOClusterIncomplete for cluster b and no page, and the global
SLI is cluster a's alone (missing, not good); (d) b back: the alert resolves and the SLI is
pooled again; (b) a full outage of cluster a pages at the global level, and the time from
the outage's start to the page at Alertmanager is printed (the README's measured latency).

The rules' intervals are the generated ones (30s on both sides), so the measured latency is
the real one. Each leaf is backfilled with the hour of counters before it starts (promtool's
OpenMetrics backfill, 5s apart as the scrapes), so its 5m and 1h windows are full from the
first evaluation: the SLIs are exact, and the outage must outweigh a real hour of history.
Only the staleness is the test's own, to keep it within minutes: the query's lookback delta is
1m (Thanos' default 5m: a silent cluster counts as present for 5 minutes) and the deployed
SLOClusterIncomplete has `for: 0s` (generated: 5m), so the ticket comes within about a minute
and a half of the leaf stopping instead of about 10 minutes. The whole file: about 4.5 minutes.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml

from alertmanager_support import alertmanager_server, merged
from engines import PROMETHEUS_3, engine
from metrics_target import metrics_target
from prometheus_server import free_port, prometheus_server
from slogen.build.options import BuildOptions, SplitOptions
from slogen.emit.alertmanager import FILE
from slogen.emit.targets import Targets
from slogen_testing import compile_files, write_spec
from thanos_support import instant, thanos_query, thanos_receive, thanos_rule

SPEC = """
service: shop
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: shop_requests_total{code="500"}
        total: shop_requests_total
"""
SLO = "shop-availability"
RATES = {"a": 100.0, "b": 50.0}  # requests a second
ERROR_RATIOS = {"a": 0.005, "b": 0.001}  # each below the page's 1.44%, pooled 0.367%
STEP = 5  # seconds between scrapes, and between backfilled samples
HISTORY = 3700  # seconds of backfilled counters: the 1h window is full from the start
LOOKBACK = "1m"  # > the leaves' 30s interval plus the remote-write delay


class Counters:
    """A cluster's request counters, growing with wall time at a rate and an error ratio that can change."""

    def __init__(self, rate: float, ratio: float, origin: float) -> None:
        self.rate, self.ratio, self.since, self.base = rate, ratio, origin, (0.0, 0.0)
        self.lock = threading.Lock()

    def at(self, t: float) -> tuple[float, float]:
        """(good, errors) at wall time t."""
        elapsed = t - self.since
        return self.base[0] + self.rate * (1 - self.ratio) * elapsed, self.base[1] + self.rate * self.ratio * elapsed

    def set_ratio(self, ratio: float) -> float:
        """From now on, `ratio` of the requests fail; returns now."""
        with self.lock:
            now = time.time()
            self.base, self.since, self.ratio = self.at(now), now, ratio
            return now

    def exposition(self) -> str:
        """The counters now, with their timestamp: the leaf's rates are then exact to the float."""
        with self.lock:
            ms = round(time.time() * 1000)
            good, errors = self.at(ms / 1000)
        return (
            "# TYPE shop_requests_total counter\n"
            f'shop_requests_total{{code="200"}} {good:.6f} {ms}\n'
            f'shop_requests_total{{code="500"}} {errors:.6f} {ms}\n'
        )

    def openmetrics(self, start: float, end: float, labels: str) -> str:
        """The counters every STEP seconds from start to end, for `promtool tsdb create-blocks-from openmetrics`."""
        times = [round(start + i * STEP, 3) for i in range(int((end - start) // STEP) + 1)]
        lines = ["# TYPE shop_requests counter"]
        for code, index in (("200", 0), ("500", 1)):
            lines += [f'shop_requests_total{{code="{code}",{labels}}} {self.at(t)[index]:.6f} {t:.3f}' for t in times]
        return "\n".join(lines + ["# EOF", ""])


def _leaf_config(cluster: str, target: str, rules: Path, remote_write: str) -> str:
    return yaml.safe_dump({
        "global": {"scrape_interval": f"{STEP}s", "evaluation_interval": "30s", "external_labels": {"cluster": cluster}},
        "rule_files": [str(rules)],
        "scrape_configs": [{"job_name": "shop", "static_configs": [{"targets": [target]}]}],
        # Only the leaf rules' series leave the cluster: what the split is for.
        "remote_write": [{
            "url": remote_write,
            "write_relabel_configs": [{"source_labels": ["__name__"], "regex": "slo_leaf:.*", "action": "keep"}],
            "queue_config": {"batch_send_deadline": "1s"},
        }],
    })


def _backfill(counters: Counters, target: str, tsdb: Path, start: float, end: float) -> None:
    tsdb.mkdir(parents=True, exist_ok=True)
    source = tsdb.parent / "history.om"
    source.write_text(counters.openmetrics(start, end, f'instance="{target}",job="shop"'))
    promtool = engine(PROMETHEUS_3).promtool
    result = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _global_rules(text: str) -> str:
    """The generated global file, SLOClusterIncomplete's `for:` shortened (module docstring)."""
    rules = yaml.safe_load(text)
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "SLOClusterIncomplete":
                rule["for"] = "0s"
    return yaml.safe_dump(rules, sort_keys=False, allow_unicode=True)


def _value(query_url: str, name: str) -> float:
    (sample,) = instant(query_url, f'{name}{{slo_id="{SLO}"}}')
    return float(sample["value"][1])


def _am_alerts(url: str) -> list[dict]:
    """The alerts Alertmanager holds now (active and suppressed, not resolved), by their labels."""
    return [a["labels"] for a in httpx.get(url + "/api/v2/alerts", timeout=5, trust_env=False).json()]


def _eventually(what: str, check, timeout: float, every: float = 1.0) -> float:
    """Poll `check` (which asserts) until it passes; returns the seconds it took; fails with its last error."""
    started = time.monotonic()
    while True:
        try:
            check()
            return time.monotonic() - started
        except (AssertionError, ValueError) as error:
            if time.monotonic() - started > timeout:
                pytest.fail(f"{what}: not within {timeout:.0f}s: {error}")
        time.sleep(every)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * abs(b)


def _pooled(clusters: list[str], counters: dict[str, Counters]) -> tuple[float, float]:
    events = sum(counters[c].rate for c in clusters)
    errors = sum(counters[c].rate * counters[c].ratio for c in clusters)
    return events, errors


def _slis_are(query_url: str, clusters: list[str], counters: dict[str, Counters]):
    events, errors = _pooled(clusters, counters)

    def check() -> None:
        got = {name: _value(query_url, name) for name in ("slo:sli_events:rate5m", "slo:sli_errors:rate5m", "slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate1h")}
        want = {"slo:sli_events:rate5m": events, "slo:sli_errors:rate5m": errors, "slo:sli_error:ratio_rate5m": errors / events, "slo:sli_error:ratio_rate1h": errors / events}
        assert all(_close(got[k], want[k]) for k in want), f"got {got}, want {want}"

    return check


def _no_page(am_url: str) -> None:
    pages = [a for a in _am_alerts(am_url) if a.get("severity") == "page"]
    assert not pages, f"a page reached Alertmanager: {pages}"


@pytest.mark.slow
def test_two_leaves_into_thanos_global_slis_pages_and_missing_clusters(tmp_path: Path):
    options = BuildOptions(targets=Targets.of(["prometheus"]), split=SplitOptions("prometheus", "thanos"))
    files = compile_files([write_spec(tmp_path / "specs", SPEC)], options)
    leaf_rules, global_rules = tmp_path / "leaf.yml", tmp_path / "global.yml"
    leaf_rules.write_text(files["rules/leaf/shop.yml"])
    global_rules.write_text(_global_rules(files["thanos/global/shop.yml"]))
    origin = time.time() - HISTORY
    counters = {c: Counters(RATES[c], ERROR_RATIOS[c], origin) for c in RATES}
    prometheus3 = engine(PROMETHEUS_3)
    timings: dict[str, float] = {}

    with contextlib.ExitStack() as stack:
        targets = {c: stack.enter_context(metrics_target(counters[c].exposition)) for c in counters}
        am_url = stack.enter_context(alertmanager_server(tmp_path / "am", merged(files[FILE])))
        receive, remote_write = stack.enter_context(thanos_receive(tmp_path / "receive"))
        rule_grpc = free_port()
        query = stack.enter_context(thanos_query(tmp_path / "query", receive.grpc, f"127.0.0.1:{rule_grpc}", lookback_delta=LOOKBACK))
        stack.enter_context(thanos_rule(tmp_path / "rule", global_rules, query.http, am_url, rule_grpc))

        def leaf(cluster: str):
            workdir = tmp_path / f"leaf-{cluster}"
            config = _leaf_config(cluster, targets[cluster], leaf_rules, remote_write)
            return prometheus_server(workdir, config, engine=prometheus3)

        now = time.time()
        for cluster in counters:
            _backfill(counters[cluster], targets[cluster], tmp_path / f"leaf-{cluster}" / "tsdb", now - HISTORY + 60, now - 1)
        stack.enter_context(leaf("a"))
        leaf_b = contextlib.ExitStack()
        leaf_b.enter_context(leaf("b"))
        started = time.monotonic()

        # (a) Exact across clusters: the global sums of the leaves' rates, and its ratios, are the served ones pooled.
        timings["first global SLIs"] = _eventually("the global SLIs, both clusters pooled", _slis_are(query.http, ["a", "b"], counters), timeout=120)
        _no_page(am_url)
        assert not _am_alerts(am_url), _am_alerts(am_url)

        # (c) Leaf b stops: incomplete for b, no page; the global SLI is a's alone, b's traffic missing, not good.
        leaf_b.close()
        def incomplete_for_b() -> None:
            _no_page(am_url)
            names = {(a["alertname"], a.get("cluster")) for a in _am_alerts(am_url)}
            assert ("SLOClusterIncomplete", "b") in names, names
        timings["leaf b stopped -> SLOClusterIncomplete at Alertmanager"] = _eventually("SLOClusterIncomplete for b", incomplete_for_b, timeout=180)
        # The 5m sums are another group than the alert's: up to one more evaluation (30s) behind.
        alone = _slis_are(query.http, ["a"], counters)
        _eventually("the global SLIs, cluster a's alone", lambda: (_no_page(am_url), alone()), timeout=45)
        assert {a["alertname"] for a in _am_alerts(am_url)} == {"SLOClusterIncomplete"}, _am_alerts(am_url)

        # (d) b is back: the ticket resolves, the SLI is pooled again.
        leaf_b.enter_context(leaf("b"))
        stack.push(leaf_b)
        def recovered() -> None:
            _slis_are(query.http, ["a", "b"], counters)()
            assert not _am_alerts(am_url), _am_alerts(am_url)
        timings["leaf b back -> resolved, SLIs pooled"] = _eventually("b's recovery", recovered, timeout=150)

        # (b) Cluster a fails completely: the global page reaches Alertmanager; the latency is the README's.
        outage = counters["a"].set_ratio(1.0)
        def paged() -> None:
            pages = [a for a in _am_alerts(am_url) if a.get("severity") == "page"]
            assert all(p["alertname"] == "SLOErrorBudgetBurn" and p["slo_id"] == SLO for p in pages), pages
            assert not any("cluster" in p for p in pages), f"a page per cluster, not global: {pages}"
            # The fast tier; the 6h/30m tier may page too: the global has recorded minutes, not 6 hours.
            assert "1h/5m" in {p["slo_tier"] for p in pages}, f"no fast page yet: {pages}"
        _eventually("the global page", paged, timeout=240, every=0.25)
        timings["outage of cluster a -> page at Alertmanager"] = time.time() - outage
        timings["total"] = time.monotonic() - started

    for what, seconds in timings.items():
        print(f"{what}: {seconds:.1f}s")
