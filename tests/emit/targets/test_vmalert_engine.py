"""The vmalert target, loaded by a real vmalert and evaluated against a real VictoriaMetrics.

Both are built from the pinned VictoriaMetrics module (tools/engines/victoriametrics) by
`make test`. The same raw series go into VictoriaMetrics and into Prometheus 2.42
(backfilled); the SLI vmalert records must agree with what Prometheus computes.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml
from engines import PROMETHEUS_2, TOOLS_BIN, engine
from prometheus_server import free_port, prometheus_server, served
from slogen_testing import write_spec
from spec_literals import shop_slo, shop_spec

# Agreement between MetricsQL and PromQL on the same samples: VictoriaMetrics' rate()
# does not extrapolate to the window's edges and Prometheus' does, which moves a 5m
# ratio of steady counters by well under 1%.
TOLERANCE = 0.01

SPEC = shop_spec(shop_slo(grouping="[route]"))

START = 1_767_225_600  # 2026-01-01T00:00:00Z: fixed, so the data is the same every run
STEP = 15
HOURS = 2
# Per route: requests per second and the share that fails.
ROUTES = {"/pay": (20.0, 0.01), "/cart": (5.0, 0.2)}


def _binary(name: str) -> str:
    path = TOOLS_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is missing: run `make test`, which builds it from tools/engines/victoriametrics")
    return str(path)


def _vmalert_files(tmp_path: Path) -> dict[str, str]:
    from slogen_testing import build_options, compile_files

    return compile_files([write_spec(tmp_path / "specs", SPEC, "shop.yaml")], build_options(("vmalert",)))


def _samples() -> list[tuple[str, dict[str, str], int, float]]:
    """(metric, labels, unix seconds, value) of two routes' counters, every 15s for two hours."""
    out = []
    for t in range(0, HOURS * 3600 + 1, STEP):
        for route, (rps, bad) in ROUTES.items():
            out.append(("http_requests_total", {"job": "shop", "route": route, "code": "200"}, START + t, rps * (1 - bad) * t))
            out.append(("http_requests_total", {"job": "shop", "route": route, "code": "500"}, START + t, rps * bad * t))
    return out


def _series(metric: str, labels: dict[str, str]) -> str:
    return metric + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


@contextlib.contextmanager
def _server(args: list[str], url: str, ready: str, log: Path) -> Iterator[str]:
    with served(args, lambda: httpx.get(url + ready, timeout=1, trust_env=False).status_code == 200, log):
        yield url


def _instant(url: str, query: str, at: int) -> dict[str, float]:
    body = httpx.get(url + "/api/v1/query", params={"query": query, "time": at}, timeout=30, trust_env=False).json()
    assert body["status"] == "success", body
    return {r["metric"].get("route", ""): float(r["value"][1]) for r in body["data"]["result"]}


def test_every_emitted_vmalert_file_passes_vmalert_dry_run(tmp_path):
    vmalert = _binary("vmalert")
    from slogen_testing import build_options, compile_files, spec_trees

    trees = spec_trees()
    checked = 0
    for name, specs in trees.items():
        for rel, text in compile_files(specs, build_options(("vmalert",))).items():
            if not rel.startswith("vmalert/"):
                continue
            path = tmp_path / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            result = subprocess.run([vmalert, "-dryRun", f"-rule={path}"], capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, f"{name}/{rel}:\n{result.stdout}{result.stderr}"
            checked += 1
    assert checked >= 7


def test_vmalert_dry_run_rejects_a_broken_rule(tmp_path):
    """The dry run does check expressions (so the test above can fail)."""
    path = tmp_path / "broken.yml"
    path.write_text("groups:\n- name: g\n  rules:\n  - record: x\n    expr: sum(rate(y[5m])\n")
    result = subprocess.run([_binary("vmalert"), "-dryRun", f"-rule={path}"], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0


@pytest.mark.slow
def test_vmalert_records_the_same_sli_as_prometheus(tmp_path):
    files = _vmalert_files(tmp_path)
    (rule_file,) = [rel for rel in files if rel.startswith("vmalert/")]
    rules = tmp_path / "rules.yml"
    rules.write_text(files[rule_file])
    samples = _samples()

    # Prometheus: the raw samples backfilled, then the 5m ratio asked directly.
    openmetrics = tmp_path / "series.om"
    openmetrics.write_text("".join(f"{_series(m, l)} {v} {t}\n" for m, l, t, v in samples) + "# EOF\n")
    data = tmp_path / "prom-data"
    prom = engine(PROMETHEUS_2)
    backfill = subprocess.run([prom.promtool, "tsdb", "create-blocks-from", "openmetrics", str(openmetrics), str(data)], capture_output=True, text=True, timeout=300)
    assert backfill.returncode == 0, backfill.stderr
    at = START + HOURS * 3600 - 10 * 60
    ratio = 'sum by (route) (rate(http_requests_total{job="shop", code=~"5.."}[5m])) / sum by (route) (rate(http_requests_total{job="shop"}[5m]))'
    with prometheus_server(tmp_path / "prom", "global: {evaluation_interval: 1m}\n", "--storage.tsdb.retention.time=3650d", data=data) as url:
        expected = _instant(url, ratio, at)
    assert expected.keys() == set(ROUTES)

    # VictoriaMetrics: the same samples imported, vmalert replaying slogen's rules over them.
    vm_port = free_port()
    vm_url = f"http://127.0.0.1:{vm_port}"
    vm_args = [_binary("victoria-metrics"), f"-storageDataPath={tmp_path / 'vm'}", f"-httpListenAddr=127.0.0.1:{vm_port}", "-retentionPeriod=100y", "-search.latencyOffset=0s", "-search.disableCache"]
    with _server(vm_args, vm_url, "/health", tmp_path / "vm.log"):
        lines = "".join(f"{_series(m, l)} {v} {t * 1000}\n" for m, l, t, v in samples)
        assert httpx.post(vm_url + "/api/v1/import/prometheus", content=lines, timeout=60, trust_env=False).status_code == 204
        httpx.get(vm_url + "/internal/force_flush", timeout=30, trust_env=False)
        # One replay per group, in file order, flushing between them: a chained group
        # must see what the group before it wrote (VictoriaMetrics makes fresh samples
        # searchable only after its in-memory flush).
        for index, group in enumerate(yaml.safe_load(rules.read_text())["groups"]):
            step = tmp_path / f"group-{index}.yml"
            step.write_text(yaml.safe_dump({"groups": [group]}, sort_keys=False))
            replay = subprocess.run(
                [
                    _binary("vmalert"), f"-rule={step}", f"-datasource.url={vm_url}", f"-remoteWrite.url={vm_url}",
                    f"-replay.timeFrom={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(START + 600))}",
                    f"-replay.timeTo={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(START + HOURS * 3600))}",
                    "-replay.disableProgressBar", f"-httpListenAddr=127.0.0.1:{free_port()}",
                ],
                capture_output=True, text=True, timeout=600,
            )
            assert replay.returncode == 0, replay.stdout[-3000:] + replay.stderr[-3000:]
            httpx.get(vm_url + "/internal/force_flush", timeout=30, trust_env=False)
        recorded = _instant(vm_url, 'slo:sli_error:ratio_rate5m{slo_id="shop-availability"}', at)
        hourly = _instant(vm_url, 'slo:sli_error:ratio_rate1h{slo_id="shop-availability"}', at)

    assert recorded.keys() == set(ROUTES), recorded
    for route, (_, bad) in ROUTES.items():
        assert recorded[route] == pytest.approx(expected[route], rel=TOLERANCE), route
        assert recorded[route] == pytest.approx(bad, rel=TOLERANCE), route
        assert hourly[route] == pytest.approx(bad, rel=TOLERANCE), route
