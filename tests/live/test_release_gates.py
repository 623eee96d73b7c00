"""The release gates against a real Prometheus, judged as the tools judge them.

Prometheus evaluates slogen's own rules for four services (every group each second; a
group of constant base rates stands in for the exporters, as in live_prometheus.py), and
a fifth service's rules are never loaded. Each gate's query is read from its generated
file, asked of Prometheus, and the answer handed to `gate-eval` (tools/engines/gates):
Argo Rollouts' provider and condition evaluation over the expr-lang/expr Argo pins, and
Flagger's reading of the answer and its thresholdRange, with the range the README's
Canary gives.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml
from slogen.build.options import BuildOptions
from slogen.emit.gates import GateOptions

from engines import tool
from live_prometheus import _fast, running_prometheus, wait_for
from slogen_testing import ROOT, compile_files, write_spec

RATIO = 'errors: http_requests_total{job="%s", code=~"5.."}\n        total: http_requests_total{job="%s"}'


def _spec(service: str, slos: tuple[str, ...], policy: str = "", alerting: str = "") -> str:
    body = "".join(f"  - name: {slo}\n    objective: 99\n    sli:\n      ratio:\n        {RATIO % (service, service)}\n{alerting}" for slo in slos)
    return f"service: {service}\n{policy}slos:\n{body}"


# service -> (SLOs, the error ratio of each SLO fed to Prometheus; None: no series).
SERVICES = {
    "healthy": (("availability", "checkout"), (0.0004, 0.0)),  # 96% and 100% of the budget left, no burn
    # 2x burn over the whole (unrecorded) window: -100% left, the policy's last state; no page (under 14.4x).
    "frozen": (("availability",), (0.02,)),
    # 50x: the page fires; its policy keeps it in its first state, so only the page stops the release.
    "paging": (("availability",), (0.5,)),
    "partial": (("availability", "search"), (0.0, None)),  # one SLO without series
    "ghost": (("availability",), (None,)),  # rules never loaded: Prometheus has nothing of it
}
POLICY = {"paging": "policy:\n  states:\n    - {action: go, above: -10000}\n    - {action: stop}\n"}
# A page label with a tab and two spaces: Flagger collapses whitespace runs in the query it sends.
ALERTING = {"paging": '    alerting:\n      page: {labels: {severity: page, team: "on  call\\tnow"}}\n'}
PROMETHEUS = "http://prometheus.monitoring:9090"  # written into the objects; the test asks its own server


def _inputs() -> list[dict]:
    rules = []
    for service, (slos, ratios) in SERVICES.items():
        for slo, ratio in zip(slos, ratios):
            if ratio is None:
                continue
            ids = {"slo_id": f"{service}-{slo}", "slo_service": service, "slo_name": slo}
            for window in ("5m", "1h"):
                labels = {**ids, "slo_window": window}
                rules.append({"record": f"slo:sli_events:rate{window}", "expr": "vector(1000)", "labels": labels})
                rules.append({"record": f"slo:sli_errors:rate{window}", "expr": f"vector({1000 * ratio!r})", "labels": labels})
            rules.append({"record": "slo:sli_error:ratio_rate1h", "expr": f"vector({ratio!r})", "labels": {**ids, "slo_window": "1h"}})
    return [{"name": "inputs", "interval": "1s", "rules": rules}]


@pytest.fixture(scope="module")
def live(tmp_path_factory, engine):
    """(Prometheus URL, the generated files) with every service but `ghost` loaded."""
    root = tmp_path_factory.mktemp("gates")
    specs = [write_spec(root / "specs", _spec(s, slos, POLICY.get(s, ""), ALERTING.get(s, "")), f"{s}.yaml") for s, (slos, _) in SERVICES.items()]
    files = compile_files(specs, BuildOptions(gates=GateOptions(("argo-rollouts", "flagger"), PROMETHEUS)))
    groups = [g for s in SERVICES if s != "ghost" for g in _fast(files[f"rules/{s}.yml"])] + _inputs()
    with running_prometheus(root / "prom", yaml.safe_dump({"groups": groups}, sort_keys=False), engine) as url:
        wait_for(url, "slo:budget_policy:level", 5)
        wait_for(url, 'ALERTS{alertname="SLOErrorBudgetBurn", severity="page", slo_service="paging"}', 1)
        yield url, files


def _answer(url: str, query: str) -> dict:
    body = httpx.get(url + "/api/v1/query", params={"query": query}, timeout=10, trust_env=False).json()
    assert body["status"] == "success", body
    return body["data"]


def _eval(*args: str, answer: dict) -> str:
    done = subprocess.run([tool("gate-eval", "gates"), *args], input=json.dumps(answer), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _readme_threshold() -> dict:
    (canary,) = re.findall(r"```yaml\n(# Flagger Canary.*?)```", (ROOT / "README.md").read_text(), re.S)
    return yaml.safe_load(canary)["spec"]["analysis"]["metrics"][0]["thresholdRange"]


def _values(answer: dict) -> list[str]:
    assert answer["resultType"] == "vector", answer
    return [sample["value"][1] for sample in answer["result"]]


# service -> (the answer's values, Argo's phase, Flagger's verdict)
EXPECTED = {
    "healthy": (["0"], "Successful", "pass 0"),
    "frozen": (["1"], "Failed", "halt: 1 outside the threshold range"),
    "paging": (["1"], "Failed", "halt: 1 outside the threshold range"),
    "partial": (["1"], "Failed", "halt: 1 outside the threshold range"),
    "ghost": ([], "Failed", "halt: no values found"),
}


@pytest.mark.parametrize("service", list(EXPECTED))
def test_argo_rollouts_analysis_passes_only_a_healthy_service(live, service):
    url, files = live
    (metric,) = yaml.safe_load(files[f"gates/argo-rollouts/{service}.yaml"])["spec"]["metrics"]
    answer = _answer(url, metric["provider"]["prometheus"]["query"])
    values, phase, _ = EXPECTED[service]
    assert (_values(answer), _eval("argo", "-success", metric["successCondition"], answer=answer)) == (values, phase)
    assert "failureCondition" not in metric and metric["failureLimit"] == 0  # one Failed measurement fails the analysis


@pytest.mark.parametrize("service", list(EXPECTED))
def test_flagger_canary_check_passes_only_a_healthy_service(live, service):
    url, files = live
    template = yaml.safe_load(files[f"gates/flagger/{service}.yaml"])
    # PrometheusProvider.trimQuery: every run of RE2's \s (ASCII whitespace) becomes one space.
    answer = _answer(url, re.sub(r"[\t\n\f\r ]+", " ", template["spec"]["query"]))
    bounds = [arg for key, value in _readme_threshold().items() for arg in (f"-{key}", str(value))]
    values, _, verdict = EXPECTED[service]
    assert (_values(answer), _eval("flagger", *bounds, answer=answer)) == (values, verdict)


def test_the_page_alone_stops_the_paging_service(live):
    url, _ = live
    (level,) = _values(_answer(url, 'slo:budget_policy:level{slo_service="paging"}'))
    assert level == "0"  # its policy's first state: the page is what fails the gate


def test_without_the_length_guard_an_empty_answer_would_be_an_error_not_a_failure():
    # What the guard is for, on Argo's own evaluation: `result[0]` of an empty result is an
    # error (retried up to consecutiveErrorLimit), the guarded condition a Failed measurement.
    empty = {"resultType": "vector", "result": []}
    assert _eval("argo", "-success", "result[0] == 0", answer=empty).startswith("Error: ")
    assert _eval("argo", "-success", "len(result) == 1 && result[0] == 0", answer=empty) == "Failed"
    assert _eval("argo", "-success", "len(result) == 1 && result[0] == 0", answer={"resultType": "vector", "result": [
        {"metric": {}, "value": [0, "NaN"]}]}) == "Failed"
