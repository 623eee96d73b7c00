"""`--name-validation utf8`: rules for OpenTelemetry-style names, proven on the engines that take them.

promtool 3 checks and runs the generated rules and tests; a real Prometheus 3 scrapes dotted
series from a target served here, records the SLIs by `service.name` and expands the alert
templates that read dotted labels; Prometheus 2.42, and 3 with the legacy scheme, refuse the
same file (which is why legacy stays the default).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from dashboard_support import queries, substitute
from engines import PROMETHEUS_2, PROMETHEUS_3, TOOLS_BIN, engine
from live_prometheus import query, until
from metrics_target import every_second, every_second_config, metrics_target
from prometheus_server import free_port, prometheus_server
from slogen_testing import run_promtool, run_slogen, write_spec

ODD = 'odd "label" \\ ü'  # a quote, a backslash and a non-ASCII letter: every escape on the way

# A ratio and a latency SLI on Prometheus 3 / OpenTelemetry names, grouped by dotted labels.
SPEC = f"""
service: shop
labels: {{"team.name": payments}}
slos:
  - name: availability
    objective: 99.5
    grouping: ["service.name"]
    sli:
      ratio:
        errors: '{{"http.server.request.duration_seconds_count", "http.response.status_code"=~"5.."}}'
        total: '{{"http.server.request.duration_seconds_count"}}'
  - name: latency
    objective: 99
    grouping: ["service.name", {json.dumps(ODD)}]
    sli:
      latency:
        histogram: '{{"http.server.request.duration_seconds", "url.scheme"="https"}}'
        threshold: 300ms
"""

# The rest of the PromQL slogen writes from names: good counters, timeslices, calendar windows, gauges.
MORE = """
service: more
slos:
  - name: calls
    objective: 99
    grouping: ["k8s.pod.name"]
    sli:
      ratio:
        good: '{"rpc.server.calls", "rpc.grpc.status_code"="0"}'
        total: '{"rpc.server.calls"}'
  - name: slices
    objective: 99
    window: {calendar: month, time_zone: Europe/Paris}
    grouping: ["service.name"]
    sli:
      timeslices:
        slice: 1m
        good_when:
          latency: {histogram: '{"http.server.request.duration_seconds"}', quantile: 0.99}
          op: lt
          threshold: 300ms
  - name: probe
    objective: 99
    grouping: ["service.name"]
    sli:
      bool: {metric: '{"probe.success"}'}
"""


def _generate(tmp_path: Path, name: str, spec: str, target: str = "prometheus") -> Path:
    """`slogen generate --name-validation utf8` of one spec into tmp_path/<name>/out."""
    write_spec(tmp_path / name / "specs", spec, f"{name}.yaml")
    done = run_slogen("generate", "specs", "--out", "out", "--target", target, "--name-validation", "utf8", cwd=tmp_path / name)
    assert done.returncode == 0, done.stderr
    return tmp_path / name / "out"


@pytest.mark.slow
def test_promtool_3_checks_and_runs_the_generated_rules_and_tests(tmp_path):
    three = engine(PROMETHEUS_3).promtool
    for name, spec in (("shop", SPEC), ("more", MORE)):
        rules = _generate(tmp_path, name, spec) / "rules" / f"{name}.yml"
        checked = run_promtool(three, "check", "rules", "--lint=all", "--lint-fatal", str(rules))
        assert checked.returncode == 0, checked.stdout + checked.stderr
    # What the generated tests feed: quoted names in promtool 3's series notation.
    tests = (tmp_path / "shop" / "out" / "tests" / "shop.test.yml").read_text()
    assert """'{"http.server.request.duration_seconds_count", "http.response.status_code"="500", "service.name"="slogen-test"}'""" in tests
    # `slogen test` with promtool 3, as a user on Prometheus 3 runs it; every SLO is tested (--strict).
    ran = subprocess.run(
        [sys.executable, "-m", "slogen", "test", "specs", "--out", "out", "--name-validation", "utf8", "--strict"],
        cwd=tmp_path / "shop", capture_output=True, text=True, timeout=900, env={**os.environ, "SLOGEN_PROMTOOL": three},
    )
    assert ran.returncode == 0, ran.stderr
    assert "1/1 test files passed" in ran.stderr, ran.stderr
    # Why legacy is the default: 2.42 cannot read the same file.
    two = run_promtool(engine(PROMETHEUS_2).promtool, "check", "rules", str(tmp_path / "shop" / "out" / "rules" / "shop.yml"))
    assert two.returncode != 0 and "unexpected string" in two.stdout + two.stderr, two.stdout + two.stderr


# The target's traffic: availability fails 10% (5xx), latency 20% above 300ms; both steady.
RPS, ERRORS, SLOW = 100.0, 0.1, 0.2
BUCKETS = {"0.1": 0.5, "0.3": 1 - SLOW, "+Inf": 1.0}  # share of requests at or under each bound


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _series(name: str, labels: dict[str, str], value: float) -> str:
    """One sample in the text format's quoted-name syntax (Prometheus 3 parses it from any text target)."""
    parts = [f'"{_escape(name)}"'] + [f'"{_escape(k)}"="{_escape(v)}"' for k, v in labels.items()]
    return "{" + ",".join(parts) + "} " + repr(value) + "\n"


def exposition(seconds: float) -> str:
    """The request-duration histogram of an OpenTelemetry-instrumented service `seconds` into its life,
    per response status (the ratio SLI counts its `_count` by status, the latency SLI its buckets)."""
    text = '# TYPE "http.server.request.duration_seconds" histogram\n'
    for code, share in (("200", 1 - ERRORS), ("503", ERRORS)):
        requests = RPS * share * seconds
        labels = {"service.name": "checkout", ODD: "x", "url.scheme": "https", "http.response.status_code": code}
        for bound, under in BUCKETS.items():
            text += _series("http.server.request.duration_seconds_bucket", {**labels, "le": bound}, requests * under)
        text += _series("http.server.request.duration_seconds_sum", labels, requests * 0.2)
        text += _series("http.server.request.duration_seconds_count", labels, requests)
    return text


def otel_target():
    """A scrape target on 127.0.0.1 serving `exposition`, counters well above zero from the first scrape."""
    born = time.monotonic() - 1000
    return metrics_target(lambda: exposition(time.monotonic() - born))


LEGEND_LABEL = re.compile(r"\{\{([^{}]+?)\}\}")  # Grafana's own reading of a legend


@pytest.mark.slow
def test_prometheus_3_records_the_sli_of_dotted_series_and_expands_dotted_labels(tmp_path):
    out = _generate(tmp_path, "shop", SPEC)
    # Every group each second, so the test takes seconds: the rules themselves are as generated.
    groups = yaml.safe_load((out / "rules" / "shop.yml").read_text())["groups"]
    (tmp_path / "rules.yml").write_text(every_second(yaml.safe_dump({"groups": groups}, allow_unicode=True)))
    with otel_target() as target:
        # metric_name_validation_scheme is left at Prometheus 3's default, utf8: what --name-validation utf8 means.
        config = yaml.safe_dump(every_second_config([tmp_path / "rules.yml"], target, job="otel"))
        with prometheus_server(tmp_path / "prom", config, engine=engine(PROMETHEUS_3)) as url:
            ratios = {}
            for slo, expected in (("availability", ERRORS), ("latency", SLOW)):
                found = until(f"the {slo} SLI", lambda: query(url, f'slo:sli_error:ratio_rate5m{{slo_id="shop-{slo}"}}'))
                [sample] = found
                ratios[slo] = float(sample["value"][1])
                assert sample["metric"]["service.name"] == "checkout" and sample["metric"]["team.name"] == "payments", sample
                if slo == "latency":
                    assert sample["metric"][ODD] == "x", sample
                assert ratios[slo] == pytest.approx(expected, rel=1e-6), sample
            # Both burn 20x their budget: the page alerts' templates read the dotted labels, and their
            # remaining-budget query (printf'd with quoted names) runs on Prometheus 3.
            def alerts():
                found = httpx.get(url + "/api/v1/alerts", timeout=5, trust_env=False).json()["data"]["alerts"]
                pages = {a["labels"]["slo_id"]: a for a in found if a["labels"].get("severity") == "page"}
                done = all("gone in" in a["annotations"]["description"] for a in pages.values())
                return pages if len(pages) == 2 and done else None

            pages = until("both page alerts with their whole descriptions", alerts)
            assert pages["shop-availability"]["annotations"]["summary"] == "shop/availability service.name=checkout: error budget burning fast"
            assert pages["shop-latency"]["annotations"]["summary"] == f"shop/latency service.name=checkout {ODD}=x: error budget burning fast"
            # Dashboard queries run as Grafana sends them; legends name the dotted labels their series carry.
            board = json.loads((out / "dashboards" / "shop.json").read_text())
            legends = 0
            for panel, target in queries(board):
                for series in query(url, substitute(target["expr"])):
                    for label in LEGEND_LABEL.findall(target.get("legendFormat", "")):
                        if label.strip() in ("service.name", ODD):  # the grouping labels (slo_tier is on page alerts only)
                            assert label.strip() in series["metric"], (panel["title"], target["legendFormat"], series["metric"])
                            legends += 1
            assert legends > 10
            # `slogen status` reads the same server by the same dotted labels.
            status = run_slogen("status", "specs", "--prometheus", url, "--format", "json", "--name-validation", "utf8", cwd=tmp_path / "shop")
            rows = {row["slo"]: row for row in json.loads(status.stdout)["slos"]}
            assert rows["availability"]["group"] == {"service.name": "checkout"}, status.stdout + status.stderr
            assert rows["latency"]["group"] == {"service.name": "checkout", ODD: "x"}, status.stdout + status.stderr
            assert rows["availability"]["burn_rates"]["5m"] == pytest.approx(ERRORS / 0.005, rel=1e-3)


def test_prometheus_3_with_legacy_names_refuses_the_rules(tmp_path):
    """`metric_name_validation_scheme: legacy` on Prometheus 3 is what --name-validation legacy (the default) is for."""
    rules = _generate(tmp_path, "shop", SPEC) / "rules" / "shop.yml"
    config = tmp_path / "legacy.yml"
    config.write_text(f"global: {{metric_name_validation_scheme: legacy}}\nrule_files: ['{rules}']\n")
    done = subprocess.run(
        [engine(PROMETHEUS_3).prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{free_port()}"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0 and "invalid label name: team.name" in done.stderr, done.stderr[-2000:]


def test_vmalert_dry_run_loads_the_vmalert_rules(tmp_path):
    """VictoriaMetrics' MetricsQL parses the quoted names too (loading only: its evaluation is not proven here)."""
    out = _generate(tmp_path, "shop", SPEC, target="vmalert")
    files = sorted((out / "vmalert").rglob("*.yml"))
    assert files
    vmalert = TOOLS_BIN / "vmalert"
    if not vmalert.exists():
        pytest.fail("vmalert is missing: run `make test`, which builds it from tools/engines/victoriametrics")
    done = subprocess.run([str(vmalert), "-dryRun", *(f"-rule={f}" for f in files)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
