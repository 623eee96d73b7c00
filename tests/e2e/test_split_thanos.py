"""`--split prometheus,thanos` end to end on a real distributed engine, on 127.0.0.1 only.

Two Prometheus 3 leaves (external labels cluster=a and cluster=b), each scraping its own
counters served by this test, evaluate the leaf rule file and remote-write only the leaf
series (`slo_leaf:*`, the raw counters stay in the cluster) into `thanos receive`;
`thanos query` reads receive and the ruler's own recordings; `thanos rule` evaluates the
global rule file through the query and sends its alerts to a real Alertmanager (Debian's).

In order: (a) the global 5m and 1h SLIs equal the pooled ratio of the served rates, and
`slogen status --split` and `report --prometheus --split` read them through thanos query (the
burn rates pooled, no word about raw selectors the global engine never holds); (c) leaf b
stopped raises SLOClusterIncomplete for cluster b and no page (status sees the ticket through
the query, and no page), and the global SLI is cluster a's alone (missing, not good); (d) b
back: the alert resolves and the SLI is pooled again; (b) a full outage of cluster a pages at
the global level, and the time from the outage's start to the page at Alertmanager is printed
(the README's measured latency); the page's 1h burn is cluster a's own weighted by its 2/3 of
the traffic (b's healthy third dilutes it), not a's own burn: the right budget share.

The rules' intervals are the generated ones (30s on both sides), so the measured latency is
the real one. Each leaf is backfilled with the hour of counters before it starts (promtool's
OpenMetrics backfill, 5s apart as the scrapes), so its 5m and 1h windows are full from the
first evaluation: the SLIs are exact, and the outage must outweigh a real hour of history.
Only the staleness is the test's own, to keep it within minutes: the query's lookback delta is
1m (Thanos' default 5m: a silent cluster counts as present for 5 minutes), so the global's 1m
and 3m groups run every 30s (a series must be recorded within the lookback to be read), and the
deployed SLOClusterIncomplete has `for: 0s` (generated: 5m), so the ticket comes within about a minute
and a half of the leaf stopping instead of about 10 minutes. And the hourly group records
nothing, as in the minutes after a deploy: its first evaluation falls anywhere in the hour (the
ruler's file path sets its offset), and once it has run, the pooled 0.37% (3.7x the 0.1% budget)
fires the 1d/2h and 3d/6h burn tickets, which would race every check that Alertmanager holds
no other alert. The whole file: about 4 minutes.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import time
from datetime import datetime
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
from slogen.live.fetch import fetch_history
from slogen.live.prometheus_api import Prometheus
from slogen_testing import compile_files, compile_paths, run_slogen, write_spec
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
    """The generated global file, SLOClusterIncomplete's `for:` shortened (module docstring), and the
    groups of minutes evaluated every 30s: with the test's 1m lookback a 4m group's series (the page
    reads `slo:error_budget:ratio`) would be visible one minute in four, and the page would wait
    for that minute (with 3m groups, measured 167-194s where the rules allow about 90s);
    the hourly group's rules made to record nothing (module docstring: its first evaluation, at
    a random minute of the hour, would fire the burn tickets in ~5% of runs)."""
    rules = yaml.safe_load(text)
    for group in rules["groups"]:
        if group["interval"] in ("1m", "2m", "3m", "4m"):
            group["interval"] = "30s"
        if group["name"].endswith("-sli-hourly"):
            group["rules"] = [{**rule, "expr": f"({rule['expr']}) and on () (vector(0) > 1)"} for rule in group["rules"]]
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


def _status(specs: Path, query_url: str, *flags: str, exit_codes: tuple[int, ...] = (0,)) -> tuple[dict, str]:
    """`slogen status --split` against thanos query, as JSON, and what it said on stderr."""
    result = run_slogen("status", str(specs), "--split", "prometheus,thanos", "-p", query_url, "--format", "json", *flags)
    assert result.returncode in exit_codes, result.stdout + result.stderr
    return json.loads(result.stdout), result.stderr


def _status_reads_global(specs: Path, query_url: str, clusters: list[str], counters: dict[str, Counters]):
    """status's burn rates are the global pooled ones, and it asks nothing of the raw series (they stay in the leaves)."""
    events, errors = _pooled(clusters, counters)

    def check() -> None:
        body, stderr = _status(specs, query_url)
        (row,) = body["slos"]
        assert not body["problems"] and "matches no series" not in stderr, stderr
        for window in ("5m", "1h"):
            assert _close(row["burn_rates"][window], errors / events / 0.001), (window, row, stderr)

    return check


def _at(query_url: str, expr: str, at: float) -> dict[str, tuple[float, float]]:
    """An instant query at `at`: (value, sample time) by cluster ("" for a global series)."""
    body = httpx.get(query_url + "/api/v1/query", params={"query": f"{expr}", "time": repr(at)}, timeout=10, trust_env=False).json()
    stamps = httpx.get(query_url + "/api/v1/query", params={"query": f"timestamp({expr})", "time": repr(at)}, timeout=10, trust_env=False).json()
    when = {s["metric"].get("cluster", ""): float(s["value"][1]) for s in stamps["data"]["result"]}
    return {s["metric"].get("cluster", ""): (float(s["value"][1]), when[s["metric"].get("cluster", "")]) for s in body["data"]["result"]}


def _budget_share(query_url: str, counters: dict[str, Counters], outage: float, found: dict[str, float]):
    """The page's 1h burn is each cluster's own 1h ratio weighted by its share of the traffic: cluster
    a's outage spends the global budget at 2/3 of its own rate, not at its own rate (a per-cluster
    page).  The leaves' samples are read as the ruler read them at its evaluation: a few seconds
    before it (remote write's delay), whichever offset gives the samples it summed."""
    selector = f'{{slo_id="{SLO}"}}'
    share_a = RATES["a"] / sum(RATES.values())

    def check() -> None:
        ((ratio, evaluated),) = _at(query_url, f"slo:sli_error:ratio_rate1h{selector}", time.time()).values()
        tried = []
        for offset in (0, 1, 2, 3, 5, 8):
            errors = _at(query_url, f"slo_leaf:sli_errors:rate1h{selector}", evaluated - offset)
            events = _at(query_url, f"slo_leaf:sli_events:rate1h{selector}", evaluated - offset)
            own = {c: errors[c][0] / events[c][0] for c in counters}
            share = events["a"][0] / (events["a"][0] + events["b"][0])
            weighted = share * own["a"] + (1 - share) * own["b"]
            tried.append((offset, ratio, weighted, own, share))
            if _close(ratio, weighted):
                break
        else:
            raise AssertionError(f"the global 1h ratio is no traffic-weighted sum of the leaves': {tried}")
        assert abs(share - share_a) <= 1e-6, (share, share_a)
        # Cluster a's own 1h ratio is its counters': the outage's seconds at 100%, the rest at its old
        # ratio, up to its last scrape, at most a scrape interval before the leaf evaluated (1% for the rest).
        def served(elapsed: float) -> float:
            elapsed = max(0.0, elapsed)
            return (ERROR_RATIOS["a"] * (3600 - elapsed) + elapsed) / 3600

        elapsed = errors["a"][1] - outage
        assert 0.99 * served(elapsed - STEP) <= own["a"] <= 1.01 * served(elapsed), (own["a"], served(elapsed - STEP), served(elapsed), elapsed)
        # So the page burns at a's share of a's own burn (plus b's little), well below a's own.
        assert ratio < 0.75 * own["a"] and ratio / 0.001 > 14.4, (ratio, own)
        found.update(ratio=ratio, a=own["a"], b=own["b"], share=share)

    return check


def _active_since(url: str) -> float:
    """When the ruler first found the fast page's condition true (its alert's activeAt in the rules
    API), unix time; NaN where the API does not say (a measurement, not a check)."""
    data = httpx.get(url + "/api/v1/rules", timeout=10, trust_env=False).json().get("data")
    groups = data.get("groups") or [] if isinstance(data, dict) else []
    alerts = [a for g in groups for r in g.get("rules") or [] for a in r.get("alerts") or []]
    active = [a.get("activeAt") for a in alerts if a.get("labels", {}).get("slo_tier") == "1h/5m" and a.get("labels", {}).get("severity") == "page"]
    return datetime.fromisoformat(active[0].replace("Z", "+00:00")).timestamp() if active and active[0] else float("nan")


def _no_page(am_url: str) -> None:
    pages = [a for a in _am_alerts(am_url) if a.get("severity") == "page"]
    assert not pages, f"a page reached Alertmanager: {pages}"


@pytest.mark.slow
def test_two_leaves_into_thanos_global_slis_pages_and_missing_clusters(tmp_path: Path):
    options = BuildOptions(targets=Targets.of(["prometheus"]), split=SplitOptions("prometheus", "thanos"))
    spec = write_spec(tmp_path / "specs", SPEC)
    files = compile_files([spec], options)
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
        ruler = stack.enter_context(thanos_rule(tmp_path / "rule", global_rules, query.http, am_url, rule_grpc))

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
        # Reads: status and report --prometheus against thanos query (the global engine).
        specs = tmp_path / "specs"
        reads = time.monotonic()
        _eventually("status on the global engine", _status_reads_global(specs, query.http, ["a", "b"], counters), timeout=45)
        with Prometheus(query.http) as client:
            (history,) = fetch_history(client, list(compile_paths([spec], options)[0][0].plans), 600, time.time()).values()
        assert history.burn_rate and history.burn_rate[0].values, "no burn-rate history through thanos query"
        report = run_slogen("report", str(specs), "--split", "prometheus,thanos", "--out", str(tmp_path / "out"), "-p", query.http, "--since", "10m")
        assert report.returncode == 0 and (tmp_path / "out" / "report" / "live.html").is_file(), report.stderr
        # --tenant reaches the engine: a query enforcing tenancy by the SLOs' service label (a
        # stand-in for a team's tenant label) answers the tenant `shop` and nothing to another.
        with thanos_query(tmp_path / "query-tenant", receive.grpc, f"127.0.0.1:{rule_grpc}", lookback_delta=LOOKBACK, tenant_label="slo_service") as tenanted:
            (row,) = _status(specs, tenanted.http, "--tenant", "shop")[0]["slos"]
            assert row["burn_rates"]["5m"] is not None, row
            # Another tenant sees no series (exit 3: "rules not loaded", or 0: "waiting" if the rules API is not enforced).
            (row,) = _status(specs, tenanted.http, "--tenant", "nobody", exit_codes=(0, 3))[0]["slos"]
            assert all(burn is None for burn in row["burn_rates"].values()) and row["missing"], row
        timings["status and report through thanos query"] = time.monotonic() - reads

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
        # status sees the ticket through thanos query (the ruler's ALERTS), and no page.
        (row,) = _status(specs, query.http)[0]["slos"]
        assert [a for a in row["firing_alerts"] if a.startswith("SLOClusterIncomplete")] and not row["firing_pages"], row

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
        timings["outage of cluster a -> page active in the ruler"] = _active_since(ruler.http) - outage
        # (b') The page's burn is cluster a's share of the traffic: the right budget share.
        found: dict[str, float] = {}
        share = _budget_share(query.http, counters, outage, found)
        timings["the page's burn checked as cluster a's traffic share"] = _eventually("the page's burn is a's traffic share", share, timeout=90, every=0.5)
        timings["total"] = time.monotonic() - started

    for what, seconds in timings.items():
        print(f"{what}: {seconds:.1f}s")
    print("at the page: global 1h ratio {ratio:.5f}, cluster a's own {a:.5f}, b's {b:.5f}, a's traffic share {share:.6f}".format(**found))
