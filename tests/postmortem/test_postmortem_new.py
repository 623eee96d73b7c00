"""`postmortem new`: the required-postmortem decision, templates that lint clean once filled, budget impact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pm_support import fill_placeholders, start_prometheus
from slogen.postmortem.lint import lint_postmortem
from slogen.postmortem.model import Incident, decide, parse_postmortem

from slogen_testing import run_slogen


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "severity,minutes,flags,required,template",
    [
        ("SEV1", 5, {}, True, "standard"),
        ("SEV2", 5, {}, True, "standard"),
        ("SEV3", 16, {"customer_facing": True}, True, "standard"),
        ("SEV3", 15, {"customer_facing": True}, False, "quick"),
        ("SEV4", 60, {}, False, "quick"),
        ("SEV4", 1, {"data_loss": True}, True, "standard"),
        ("SEV4", 1, {"security": True}, True, "standard"),
        ("SEV4", 1, {"near_miss": True}, True, "standard"),
        ("SEV3", 1, {"novel": True}, True, "standard"),
    ],
)
def test_decision(severity: str, minutes: int, flags: dict, required: bool, template: str) -> None:
    start = at("2024-03-01T14:00")
    incident = Incident("x", severity, start, start + timedelta(minutes=minutes), **flags)
    decision = decide(incident)
    assert (decision.required, decision.template) == (required, template)


@pytest.mark.parametrize(
    "args,template,span",
    [
        (["--severity", "SEV2", "--customer-facing"], "standard", ("2024-03-01T14:05Z", "2024-03-01T14:50Z")),
        (["--severity", "SEV4"], "quick", ("2024-03-01T14:05Z", "2024-03-01T14:12Z")),
        (["--severity", "SEV3", "--template", "standard"], "standard", ("2024-03-01T23:55Z", "2024-03-02T00:20Z")),
    ],
)
def test_new_template_lints_clean_once_filled(tmp_path: Path, args: list[str], template: str, span: tuple[str, str]) -> None:
    result = run_slogen("postmortem", "new", "--title", "Checkout 5xx after config push", "--start", span[0], "--end", span[1],
                    "--slo", "checkout/availability", "--dir", str(tmp_path), *args)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == tmp_path / "2024-03-01-checkout-5xx-after-config-push.md"
    text = path.read_text()
    raw = lint_postmortem(parse_postmortem(str(path), text))
    assert raw and {f.check for f in raw} == {"placeholders"}
    filled = fill_placeholders(text, time_of_day=span[0][11:16])
    assert lint_postmortem(parse_postmortem(str(path), filled)) == []
    path.write_text(filled)
    assert run_slogen("postmortem", "lint", str(tmp_path)).returncode == 0
    assert f"template: {template}" in text


def test_new_prefills_facts_and_spec_budget_upper_bound(tmp_path: Path) -> None:
    result = run_slogen("postmortem", "new", "--title", "Checkout down", "--severity", "sev2", "--start", "2024-03-01T14:05",
                    "--end", "2024-03-01 14:17", "--slo", "checkout/availability", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    text = Path(result.stdout.strip()).read_text()
    # 12 minutes of total failure against 0.1% of 30 days (43.2 minutes) of budget.
    assert 'budget_consumed: "<= 27.78%"' in text
    assert "budget_source: estimate" in text
    assert "**Duration:** 12m (2024-03-01 14:05 to 14:17 UTC)" in text
    assert "severity: SEV2" in text


def test_new_never_overwrites(tmp_path: Path) -> None:
    args = ("postmortem", "new", "--title", "Same", "--severity", "SEV3", "--start", "2024-03-01T14:05Z", "--end", "2024-03-01T14:10Z", "--dir", str(tmp_path))
    assert run_slogen(*args).returncode == 0
    before = (tmp_path / "2024-03-01-same.md").read_text()
    (tmp_path / "2024-03-01-same.md").write_text(before + "edited\n")
    again = run_slogen(*args)
    assert again.returncode == 2
    assert again.stderr.strip() == f"{tmp_path}/2024-03-01-same.md: already exists; not overwriting (pick another --title)"
    assert (tmp_path / "2024-03-01-same.md").read_text().endswith("edited\n")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--severity", "SEV9", "--start", "2024-03-01T14:05Z", "--end", "2024-03-01T14:10Z"], "--severity 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4"),
        (["--severity", "SEV2", "--start", "2024-03-01T14:05+01:00", "--end", "2024-03-01T14:10Z"], "--start: invalid UTC time '2024-03-01T14:05+01:00'"),
        (["--severity", "SEV2", "--start", "2024-03-01T14:05Z", "--end", "2024-03-01T14:00Z"], "--end 2024-03-01T14:00:00Z is before --start"),
        (["--severity", "SEV2", "--start", "2024-03-01T14:05Z", "--end", "2024-03-01T14:10Z", "--slo", "checkout/nope"], "--slo 'checkout/nope': no such SLO"),
    ],
)
def test_new_bad_input_is_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_slogen("postmortem", "new", "--title", "x", "--dir", str(tmp_path), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


# Backfilled traffic 12:00-16:00 UTC, one sample a minute. During the incident (14:00-14:30)
# 10 of 100 requests/s fail (error ratio 0.1) and 20 of 100 requests/s are slower than 0.3s.
T0 = int(at("2024-03-01T12:00").timestamp())
INCIDENT = (int(at("2024-03-01T14:00").timestamp()), int(at("2024-03-01T14:30").timestamp()))


def _counter(name: str, labels: str, per_second: callable) -> list[str]:
    lines, value = [], 0.0
    for ts in range(T0, T0 + 4 * 3600 + 1, 60):
        lines.append(f"{name}{{{labels}}} {value:g} {ts}")
        value += 60 * per_second(ts)
    return lines


def _gauge(name: str, labels: str, value: callable) -> list[str]:
    return [f"{name}{{{labels}}} {value(ts):g} {ts}" for ts in range(T0, T0 + 4 * 3600 + 1, 60)]


def _during(rate: float, otherwise: float):
    return lambda ts: rate if INCIDENT[0] <= ts < INCIDENT[1] else otherwise


def openmetrics() -> str:
    lines = []
    lines += _counter("http_requests_total", 'job="checkout",code="200"', _during(90, 100))
    lines += _counter("http_requests_total", 'job="checkout",code="500"', _during(10, 0))
    lines += _counter("http_request_duration_seconds_bucket", 'job="checkout",handler="/pay",le="0.3"', _during(80, 100))
    lines += _counter("http_request_duration_seconds_count", 'job="checkout",handler="/pay"', _during(100, 100))
    # The 5m base rates the rules of SLOs without counters of their own record (RECORDED).
    for slo_id, (bad, events) in RECORDED_RATES.items():
        lines += _gauge("slo:sli_events:rate5m", f'slo_id="{slo_id}"', lambda ts, events=events: events)
        # A 5m rate recorded at the incident's end still covers it: bad through the end, inclusive.
        lines += _gauge("slo:sli_errors:rate5m", f'slo_id="{slo_id}"', lambda ts, bad=bad: bad if INCIDENT[0] <= ts <= INCIDENT[1] else 0)
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory) -> str:
    yield from start_prometheus(openmetrics(), tmp_path_factory.mktemp("prometheus"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "slo,consumed,summary",
    [
        # error ratio 0.1 / budget 0.001 = burn 100; 100 x 30m / 30d = 6.94%
        ("checkout/availability", "6.94%", "error ratio 10.000% during the incident, burn rate 100.0x"),
        # slow ratio 0.2 / budget 0.01 = burn 20; 20 x 30m / 30d = 1.39% (the good-events path)
        ("checkout/latency", "1.39%", "error ratio 20.000% during the incident, burn rate 20.0x"),
    ],
)
def test_new_measures_budget_from_prometheus(tmp_path: Path, prometheus: str, slo: str, consumed: str, summary: str) -> None:
    result = run_slogen("postmortem", "new", "--title", "Checkout errors", "--severity", "SEV2", "--start", "2024-03-01T14:00Z",
                    "--end", "2024-03-01T14:30Z", "--slo", slo, "--prometheus", prometheus, "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    text = Path(result.stdout.strip()).read_text()
    assert f'budget_consumed: "{consumed}"' in text
    assert "budget_source: prometheus" in text
    assert summary in text


@pytest.mark.slow
def test_new_reports_missing_data_and_unreachable_prometheus(tmp_path: Path, prometheus: str, free_port: int) -> None:
    before = run_slogen("postmortem", "new", "--title", "x", "--severity", "SEV2", "--start", "2023-01-01T14:00Z",
                    "--end", "2023-01-01T14:30Z", "--slo", "checkout/availability", "--prometheus", prometheus, "--dir", str(tmp_path))
    assert before.returncode == 2 and "no events for" in before.stderr and "Traceback" not in before.stderr
    down = run_slogen("postmortem", "new", "--title", "x", "--severity", "SEV2", "--start", "2024-03-01T14:00Z", "--end", "2024-03-01T14:30Z",
                  "--slo", "checkout/availability", "--prometheus", f"http://127.0.0.1:{free_port}", "--dir", str(tmp_path))
    # One client for status, report and postmortem: the same words for the same failure.
    assert down.returncode == 2 and down.stderr.startswith(f"cannot reach Prometheus at http://127.0.0.1:{free_port}: ")
    assert "Traceback" not in down.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_a_prometheus_it_cannot_use_before_querying(tmp_path: Path) -> None:
    config = tmp_path / "http.yml"
    config.write_text("tls_config:\n  ca_file: missing-ca.pem\n")
    new = ("postmortem", "new", "--title", "x", "--severity", "SEV2", "--start", "2024-03-01T14:00Z", "--end", "2024-03-01T14:30Z",
           "--slo", "checkout/availability", "--dir", str(tmp_path / "pm"))
    # The certificates are loaded as the client is made: a bad file is bad input, not an internal error.
    unusable = run_slogen(*new, "--prometheus", "http://127.0.0.1:1", "--http.config.file", str(config))
    assert unusable.returncode == 2, unusable.stderr
    assert unusable.stderr.startswith(f"{config}: tls_config: cannot load the certificates: ")
    no_scheme = run_slogen(*new, "--prometheus", "127.0.0.1:9090")
    assert no_scheme.returncode == 2
    assert no_scheme.stderr.strip() == "--prometheus '127.0.0.1:9090': expected an http(s) URL such as http://127.0.0.1:9090"
    assert not (tmp_path / "pm").exists()


# SLOs whose SLI has no counters of its own: a composite, a 0/1 gauge, time slices.
RECORDED = """
service: web
slos:
  - name: availability
    objective: 99.9
    sli: {ratio: {errors: 'requests_total{job="web", code="500"}', total: 'requests_total{job="web"}'}}
  - name: probes
    objective: 99
    sli: {bool: {metric: 'probe_success{job="web"}'}}
  - name: minutes
    objective: 99
    sli:
      timeslices:
        slice: 1m
        good_when:
          ratio: {errors: 'requests_total{job="web", code="500"}', total: 'requests_total{job="web"}'}
          op: lte
          threshold: 0.02
---
service: journeys
slos:
  - name: checkout
    objective: 99.5
    sli: {composite: {method: weighted, of: [web/availability, web/probes]}}
"""
# (bad, all) per second during the incident, as their rules would record them.
RECORDED_RATES = {"journeys-checkout": (0.05, 1), "web-probes": (2, 10), "web-minutes": (1 / 120, 1 / 60)}


@pytest.mark.slow
@pytest.mark.parametrize(
    "slo,consumed,summary",
    [
        # 0.05 / 0.005 = burn 10; 10 x 30m / 30d = 0.69%
        ("journeys/checkout", "0.69%", "error ratio 5.000% during the incident, burn rate 10.0x"),
        # 2 of 10 samples a second down: 0.2 / 0.01 = burn 20; 20 x 30m / 30d = 1.39%
        ("web/probes", "1.39%", "error ratio 20.000% during the incident, burn rate 20.0x"),
        # half the slices bad (one a minute): 0.5 / 0.01 = burn 50; 50 x 30m / 30d = 3.47%
        ("web/minutes", "3.47%", "error ratio 50.000% during the incident, burn rate 50.0x"),
    ],
)
def test_new_measures_slos_without_counters_from_their_recorded_rates(tmp_path: Path, prometheus: str, slo: str, consumed: str, summary: str) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "web.yaml").write_text(RECORDED)
    result = run_slogen("postmortem", "new", "--title", "Checkout errors", "--severity", "SEV2", "--start", "2024-03-01T14:00Z",
                        "--end", "2024-03-01T14:30Z", "--slo", slo, "--prometheus", prometheus, "--specs", str(specs), "--dir", str(tmp_path / "pm"))
    assert result.returncode == 0, result.stderr
    text = Path(result.stdout.strip()).read_text()
    assert f'budget_consumed: "{consumed}"' in text
    assert "budget_source: prometheus" in text
    assert summary in text
