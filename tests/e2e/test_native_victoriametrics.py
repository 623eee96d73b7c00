"""What VictoriaMetrics really does with native histograms, on the pinned binaries: why the
vmalert target refuses `format: native` and `auto` (emit/targets/vmalert.py).

Prometheus 3 scrapes an exponential native histogram (protobuf) and a classic one it stores
as NHCB, and remote-writes both to VictoriaMetrics v1.151: the exponential one arrives as
classic-like `_count`/`_sum` counters and `_bucket{vmrange=...}` buckets, never as a
histogram series; the NHCB one is dropped by Prometheus' remote write v1 and VictoriaMetrics
accepts nothing over v2.  MetricsQL has no `histogram_count`; `histogram_share` over the
vmrange buckets reads the converted one.
"""

from __future__ import annotations

import time

import httpx
import pytest
import yaml
from engines import PROMETHEUS_3, TOOLS_BIN, engine
from live_prometheus import query, until
from metrics_target import metrics_target
from native_exposition import CONTENT_TYPE, exponential_histogram
from prometheus_server import free_port, prometheus_server, served

pytestmark = pytest.mark.slow

H = "http_request_duration_seconds"
# Requests per second in the schema-0 buckets (0.125, 0.25], (0.25, 0.5], (0.5, 1], (1, 2].
RATES = (50, 40, 10, 10)


def classic_text(seconds: float) -> str:
    requests = 100 * seconds
    text = f"# TYPE {H} histogram\n"
    for bound, share in (("0.1", 0.5), ("0.3", 0.9), ("+Inf", 1.0)):
        text += f'{H}_bucket{{le="{bound}"}} {requests * share}\n'
    return text + f"{H}_sum {requests * 0.2}\n{H}_count {requests}\n"


def vm_query(url: str, expr: str) -> dict:
    return httpx.get(url + "/api/v1/query", params={"query": expr}, timeout=10, trust_env=False).json()


def vm_names(url: str, job: str) -> set[tuple[str, str]]:
    """(name, vmrange) of every series of `job` VictoriaMetrics holds."""
    body = httpx.get(url + "/api/v1/series", params={"match[]": f'{{job="{job}"}}', "start": "0"}, timeout=10, trust_env=False).json()
    return {(s["__name__"], s.get("vmrange", "")) for s in body["data"]}


def test_victoriametrics_keeps_no_native_histogram_series(tmp_path):
    port = free_port()
    vm = f"http://127.0.0.1:{port}"
    args = [str(TOOLS_BIN / "victoria-metrics"), f"-storageDataPath={tmp_path / 'vm'}", f"-httpListenAddr=127.0.0.1:{port}", "-search.latencyOffset=0s", "-search.disableCache"]
    born = time.monotonic() - 1000
    exponential = lambda: exponential_histogram(H, [int(r * (time.monotonic() - born)) for r in RATES], first_index=-2)  # noqa: E731
    with (
        served(args, lambda: httpx.get(vm + "/health", timeout=1, trust_env=False).status_code == 200, tmp_path / "vm.log"),
        metrics_target(exponential, CONTENT_TYPE) as exp_target,
        metrics_target(lambda: classic_text(time.monotonic() - born)) as nhcb_target,
    ):
        config = {
            "global": {"scrape_interval": "1s"},
            "scrape_configs": [
                {"job_name": "exp", "scrape_native_histograms": True, "scrape_protocols": ["PrometheusProto"], "static_configs": [{"targets": [exp_target]}]},
                {"job_name": "nhcb", "convert_classic_histograms_to_nhcb": True, "static_configs": [{"targets": [nhcb_target]}]},
            ],
            "remote_write": [{"url": vm + "/api/v1/write", "send_native_histograms": True}],
        }
        with prometheus_server(tmp_path / "prom", yaml.safe_dump(config), engine=engine(PROMETHEUS_3)) as url:
            # Prometheus holds both as native histograms: exponential (schema 0) and custom buckets.
            for job in ("exp", "nhcb"):
                [stored] = until(f"{job} in Prometheus", lambda job=job: query(url, f'{H}{{job="{job}"}}'))
                assert "histogram" in stored, stored

            def arrived() -> bool:
                httpx.get(vm + "/internal/force_flush", timeout=10, trust_env=False)
                names = vm_names(vm, "exp")
                return (f"{H}_count", "") in names and ("up", "") in vm_names(vm, "nhcb")

            until("the remote-written series in VictoriaMetrics", arrived)

            def five_seconds() -> list:
                # The bucket counts are whole numbers: over 5s of scrapes their rates' share is within
                # 0.5% of 90/110, over 1s only within 2.2%. Remote write sends every few seconds, later
                # on a loaded machine: a fixed sleep does not say how many scrapes VictoriaMetrics holds.
                httpx.get(vm + "/internal/force_flush", timeout=10, trust_env=False)
                return vm_query(vm, f'count_over_time({H}_count{{job="exp"}}[1m]) >= 6')["data"]["result"]

            until("six scrapes of the exponential histogram in VictoriaMetrics", five_seconds)
            exp = vm_names(vm, "exp")
            # The exponential histogram became counters: one per bucket, labelled by its range.
            assert {n for n, _ in exp if n.startswith(H)} == {f"{H}_bucket", f"{H}_count", f"{H}_sum"}, exp
            assert {r for n, r in exp if n == f"{H}_bucket"} == {"1.250e-01...2.500e-01", "2.500e-01...5.000e-01", "5.000e-01...1.000e+00", "1.000e+00...2.000e+00"}
            assert vm_query(vm, f'{H}{{job="exp"}}')["data"]["result"] == []
            # The NHCB histogram never left Prometheus (remote write v1 carries no custom buckets).
            assert not any(n.startswith(H) for n, _ in vm_names(vm, "nhcb"))
            assert "Dropped float native histogram with custom buckets (NHCB)" in (tmp_path / "prom" / "prometheus.log").read_text()
            # slogen's native events query is refused; MetricsQL's own share of the vmrange buckets works.
            refused = vm_query(vm, f'histogram_count(sum(rate({H}{{job="exp"}}[1m])))')
            assert refused["status"] == "error" and 'unsupported function "histogram_count"' in refused["error"]
            [share] = vm_query(vm, f'histogram_share(0.5, sum(rate({H}_bucket{{job="exp"}}[1m])) by (vmrange))')["data"]["result"]
            assert float(share["value"][1]) == pytest.approx(90 / 110, rel=0.01)
