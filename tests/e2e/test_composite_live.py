"""A journey over two services, end to end: a real Prometheus 3 scrapes both services'
counters (served on 127.0.0.1), evaluates each service's generated rule file and the
journey's own file, as deployed, and the journey's SLIs, burn and dashboard panel read
what was hand-computed.

The counters' hour before the server starts is backfilled (promtool's OpenMetrics
backfill) and every scrape carries its own timestamp, so each member's 5m and 1h rates are
full windows from the first evaluation and exact: a series seconds old would be
extrapolated by a factor that depends on when each member's group evaluates, which moved
a pooled ratio by up to 11%."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from engines import PROMETHEUS_3, engine
from live_prometheus import query, until, wait_for
from metrics_target import every_second, every_second_config, metrics_target
from prometheus_server import prometheus_server
from slogen_testing import compile_files, write_spec

# Requests per second and error share: very different traffic, payments badly degraded.
TRAFFIC = {"web": (100.0, 0.01), "payments": (10.0, 0.5)}
MEMBER = """
service: {service}
slos:
  - name: availability
    objective: 99
    sli:
      ratio:
        errors: requests_total{{job="{service}", code="500"}}
        total: requests_total{{job="{service}"}}
"""
JOURNEY = """
service: journeys
slos:
  - name: pooled
    objective: 99
    sli: {composite: {method: events, of: [web/availability, payments/availability]}}
  - name: weighted
    objective: 99
    sli: {composite: {method: weighted, of: [web/availability, payments/availability]}}
  - name: worst
    objective: 99
    sli: {composite: {method: worst, of: [web/availability, payments/availability]}}
"""
HISTORY = 3700  # seconds of backfilled counters: every window a rule reads is full from the start
STEP = 1  # seconds between backfilled samples, as the scrapes: a window then always starts within one interval of a sample, and extrapolation is exact
# A scrape that comes late (a loaded machine) ends a 5m window more than 1.1 intervals after
# its last sample, so that end is extrapolated by half an interval only: ~0.2% of a 5m rate,
# different for each member's group as each evaluates at its own moment.
EXACT = 0.01
EXPECTED = {
    "pooled": (100 * 0.01 + 10 * 0.5) / 110,  # pooled requests
    "weighted": (0.01 + 0.5) / 2,  # each member's ratio, equal weights
    "worst": 0.5,
}


def _samples(elapsed: float, labels: str) -> list[str]:
    """Every service's counters `elapsed` seconds after they started, as exposition lines."""
    lines = []
    for service, (rate, share) in TRAFFIC.items():
        lines.append(f'requests_total{{job="{service}",code="200"{labels}}} {rate * (1 - share) * elapsed!r}')
        lines.append(f'requests_total{{job="{service}",code="500"{labels}}} {rate * share * elapsed!r}')
    return lines


def _backfill(tsdb: Path, origin: float, end: float, instance: str) -> None:
    """The counters from `origin` to `end`, every STEP seconds, as blocks the server starts with."""
    tsdb.mkdir(parents=True)
    lines = []
    for t in [origin + STEP * i for i in range(1, int((end - origin) // STEP) + 1)]:
        lines += [f"{line} {t:.3f}" for line in _samples(t - origin, "," + instance)]
    # OpenMetrics wants each series' samples together, in time order (a stable sort keeps it).
    lines.sort(key=lambda line: line.split("}")[0])
    source = tsdb.parent / "history.om"
    source.write_text("\n".join(["# TYPE requests counter", *lines, "# EOF", ""]))
    promtool = engine(PROMETHEUS_3).promtool
    result = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _value(url: str, expr: str, at: float | None = None) -> float:
    result = query(url, expr, at)
    assert len(result) == 1, (expr, result)
    return float(result[0]["value"][1])


def test_a_journey_over_two_services(tmp_path):
    specs = tmp_path / "specs"
    paths = [write_spec(specs, MEMBER.format(service=s), f"{s}.yaml") for s in TRAFFIC] + [write_spec(specs, JOURNEY, "journeys.yaml")]
    files = compile_files(paths)
    rules = tmp_path / "rules"
    rules.mkdir()
    for service in TRAFFIC:  # one file per service, as each is deployed
        (rules / f"{service}.yml").write_text(every_second(files[f"rules/{service}.yml"]))
    origin = time.time() - HISTORY

    def exposition() -> str:
        ms = round(time.time() * 1000)
        return "\n".join(f"{line} {ms}" for line in _samples(ms / 1000 - origin, "")) + "\n"

    with metrics_target(exposition) as target:
        config = yaml.safe_dump(every_second_config([f"{rules}/*.yml"], target, job="counters", honor_labels=True))
        prom = engine(PROMETHEUS_3)
        _backfill(tmp_path / "prom" / "tsdb", origin, time.time() - 1, f'instance="{target}"')
        with prometheus_server(tmp_path / "prom", config, "--web.enable-lifecycle", ready_within=30, engine=prom) as url:
            # The journey deployed once its members record: before, its first evaluations would
            # pool whichever member recorded first, and a 1h window would remember that for an hour.
            wait_for(url, 'slo:sli_events:rate5m{slo_service=~"web|payments"}', 2)
            # And each member's 1h ratio, another group's (worst's 1h is their max): the journey's
            # first evaluations must not read one member alone.
            wait_for(url, 'slo:sli_error:ratio_rate1h{slo_service=~"web|payments"}', 2)
            (rules / "journeys.yml").write_text(every_second(files["rules/journeys.yml"]))
            assert httpx.post(url + "/-/reload", timeout=10, trust_env=False).status_code == 200
            wait_for(url, 'slo:sli_error:ratio_rate1h{slo_service="journeys"} >= 0', 3)
            time.sleep(6)  # a few evaluations with every member's rates in
            for name, expected in EXPECTED.items():
                for window in ("5m", "1h"):
                    got = _value(url, f'slo:sli_error:ratio_rate{window}{{slo_id="journeys-{name}"}}')
                    assert got == pytest.approx(expected, rel=EXACT), (name, window)
            # worst burns 50x: its page alert is pending or firing, once the journey's alerts group,
            # another than the ratios', has run with them.
            until("worst's page", lambda: query(url, 'ALERTS{slo_id="journeys-worst", severity="page"}'))
            # The dashboard's members' contributions: they add up to the pooled journey's 1h burn,
            # and payments spends most of it.
            board = json.loads(files["dashboards/journeys.json"])
            panels = [p for p in board["panels"] if p["title"].startswith("Members' contribution")]
            assert len(panels) == 3
            # Each member's 1h sums hold as many points as that member has recorded, and the two
            # groups began a point apart or not (their evaluation offsets differ): the expected
            # shares are computed from the counts the engine holds, at the rates served.
            # All read at one instant a little in the past, so no evaluation lands between them.
            at = time.time() - 2
            counts = {s: _value(url, f'count_over_time(slo:sli_events:rate5m{{slo_id="{s}-availability"}}[1h])', at) for s in TRAFFIC}
            errors = {s: counts[s] * rate * share for s, (rate, share) in TRAFFIC.items()}
            events = sum(counts[s] * rate for s, (rate, _) in TRAFFIC.items())
            pooled = {t["legendFormat"]: _value(url, t["expr"], at) for t in panels[0]["targets"]}
            assert sum(pooled.values()) == pytest.approx(sum(errors.values()) / events / 0.01, rel=EXACT), counts
            assert pooled["payments-availability"] == pytest.approx(errors["payments"] / events / 0.01, rel=EXACT), counts
            assert pooled["payments-availability"] > 4 * pooled["web-availability"]
            worst = {t["legendFormat"]: _value(url, t["expr"]) for t in panels[2]["targets"]}
            assert max(worst.values()) == pytest.approx(50, rel=EXACT)
