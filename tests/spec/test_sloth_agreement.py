"""slogen's rules for a Sloth spec agree with the rules the real `sloth generate` writes, under promtool.

Both rule sets are loaded into one `promtool test rules` run over the same synthetic
traffic.  Sloth's recorded series are renamed (`slo:*` -> `sloth:slo:*`, alerts
prefixed `Sloth`) so the two do not collide.  Each SLI window is checked against the
exact traffic-weighted error ratio computed here, for both rule sets; objective and
budget must be equal; page and ticket alerts must be in the same state at the same
evaluation steps.  Checkpoints keep transitions more than an hour from every window's
edges: within that, slogen's windows are smeared by its 5m base rates and hourly
averages (see the README), Sloth's are not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from slogen.emit.native_yaml import native_data
from slogen.spec.load import load_specs

from promtool_scenarios import check_rule_test, near
from engines import PROMETHEUS_2, engine
from slogen_testing import compile_files
import sloth_generate

SLOTH = Path(__file__).resolve().parents[1] / "conformance" / "sloth"

# case -> (SLO ids, alerts compared, SLO window Sloth was run with)
CASES = {
    "it-base": (("svc01-slo1", "svc01-slo02"), True, None),
    "it-base-28d": (("svc01-slo1", "svc01-slo02"), True, "28d"),
    "it-base-k8s": (("svc01-slo1", "svc01-slo02"), True, None),
    # Sloth never alerts for OpenSLO input; slogen keeps its default alerts (README).
    "it-openslo": (("svc01-slo1-0",), False, None),
}

WINDOWS = {"5m": 5, "30m": 30, "1h": 60, "2h": 120, "6h": 360, "1d": 1440, "3d": 4320}
PER_MINUTE = 600
OUTAGE = range(4500, 4680)  # minutes at 10% errors; 0.05% (half the 99.9% budget) otherwise
END = 4980
STEP = 5  # minutes per sample and evaluation: keeps three days of history fast


@pytest.fixture(scope="module")
def promtool() -> str:
    """Prometheus 2.42 only: the checkpoints below model its closed ranges at a 5m step (one
    sample per 5m rate window would leave Prometheus 3's left-open ranges empty). Agreement
    with Sloth's rules does not depend on the engine; both engines run slogen's own rules
    in the behaviour and generated tests."""
    return engine(PROMETHEUS_2).promtool


def _errors_per_minute(minute: int) -> float:
    return PER_MINUTE * (0.1 if minute in OUTAGE else 0.0005)


def _series() -> dict[str, str]:
    ok, bad = [0.0], [0.0]
    for start in range(0, END, STEP):
        errors = sum(_errors_per_minute(m) for m in range(start, start + STEP))
        ok.append(ok[-1] + PER_MINUTE * STEP - errors)
        bad.append(bad[-1] + errors)
    text = lambda values: " ".join(f"{v:.3f}" for v in values)  # noqa: E731
    return {
        'http_request_duration_seconds_count{job="myservice", code="200"}': text(ok),
        'http_request_duration_seconds_count{job="myservice", code="500"}': text(bad),
    }


def exact_ratio(at: int, window: int) -> float:
    """Errors / requests over the minutes (at - window, at]."""
    return sum(_errors_per_minute(m) for m in range(at - window, at)) / (PER_MINUTE * window)


# checkpoint minute -> windows checked there.  At promtool's 5m step one base rate is
# 1/72 of a 6h window, so whether the rate at a transition counts as before or after
# (it depends on the group's evaluation offset) moves a window by a few percent; in
# Prometheus, at 30s, it is 1/720.  So a window is checked where it holds one phase, or
# both transitions (their offsets cancel), never just one of them.
CHECKPOINTS = {
    4490: tuple(WINDOWS),  # before the outage: 0.05% everywhere
    4630: ("5m", "30m", "1h", "2h"),  # inside the outage
    4810: tuple(WINDOWS),  # after it: short windows clean, 6h/1d/3d hold all of it
}
# checkpoint -> (page firing, ticket firing) by the workbook's arithmetic on exact ratios
ALERT_STATES = {4490: (False, False), 4630: (True, True), 4810: (False, True)}


def _sloth_run(case: str) -> sloth_generate.SlothRun:
    """`sloth generate` on the case's input, with the period the corpus case ran with."""
    window = CASES[case][2]
    return sloth_generate.generate(SLOTH / f"{case}.input.yml", ("--default-slo-period", window) if window else ())


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_binary_writes_sloths_own_expected_output(case):
    """Cross-check of the reference: the built binary reproduces Sloth's integration-test output in the corpus."""
    run = _sloth_run(case)
    assert run.returncode == 0, run.stderr
    expected = [doc for doc in yaml.safe_load_all((SLOTH / f"{case}.expected.yml").read_text()) if doc]
    groups = [g for doc in expected for g in (doc["spec"]["groups"] if doc.get("kind") == "PrometheusRule" else doc["groups"])]
    assert list(run.groups) == groups


def _slogen_rules(tmp_path: Path, case: str, window: str | None) -> str:
    loaded, diagnostics = load_specs([SLOTH / f"{case}.input.yml"])
    assert not diagnostics and len(loaded) == 1
    data = native_data(loaded[0].spec)
    if window:  # Sloth's period is a CLI flag; the corpus case ran with it
        data["slos"] = [{**slo, "window": window} for slo in data["slos"]]
    native = tmp_path / "native.yaml"
    native.write_text(yaml.safe_dump(data))
    files = compile_files([native])
    return next(text for path, text in files.items() if path.startswith("rules/"))


def _alert_check(at: int, ours: str, sloth: str, firing: bool) -> list[dict]:
    out = []
    for expr in (ours, sloth):
        samples = [{"labels": "{}", "value": 1}] if firing else []
        # slogen fires one alert per tier (slo_tier), Sloth one per severity: count the SLO once.
        out.append({"expr": f"count(count without (slo_tier) ({expr}))" if firing else expr, "eval_time": f"{at}m", "exp_samples": samples})
    return out


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_slogen_agrees_with_sloth(tmp_path, promtool, case):
    ids, alerts, window = CASES[case]
    rules = {
        "slogen.yml": _slogen_rules(tmp_path, case, window),
        "sloth.yml": sloth_generate.renamed(_sloth_run(case).groups),
    }
    checks = []
    for slo_id in ids:
        ours, theirs = f'slo_id="{slo_id}"', f'sloth_id="{slo_id}"'
        for at, windows in CHECKPOINTS.items():
            for name in windows:
                expected = exact_ratio(at, WINDOWS[name])
                # Prometheus 2 ranges include both ends: a window of N steps sums N+1 base
                # rates, one extra edge rate in 73 for a 6h window at promtool's 5m step
                # (1 in 721 at Prometheus' 30s), so 2% where Sloth's exact rate gets 1%.
                checks.append(near(f"slo:sli_error:ratio_rate{name}{{{ours}}}", at, expected, 0.02))
                checks.append(near(f"sloth:slo:sli_error:ratio_rate{name}{{{theirs}}}", at, expected, 0.01))
        for metric in ("objective:ratio", "error_budget:ratio", "time_period:days"):
            checks.append(
                {
                    "expr": f"abs(sum(slo:{metric}{{{ours}}}) - sum(sloth:slo:{metric}{{{theirs}}})) < bool 1e-9",
                    "eval_time": "4810m",
                    "exp_samples": [{"labels": "{}", "value": 1}],
                }
            )
        if alerts and slo_id.endswith("slo1"):
            for at, states in ALERT_STATES.items():
                for severity, firing in zip(("page", "ticket"), states):
                    ours_alert = f'ALERTS{{alertstate="firing", alertname="myServiceAlert", severity="{severity}", {ours}}}'
                    their_alert = f'ALERTS{{alertstate="firing", alertname="SlothmyServiceAlert", sloth_severity="{severity}", {theirs}}}'
                    checks += _alert_check(at, ours_alert, their_alert, firing)
    check_rule_test(tmp_path, promtool, rules, _series(), promql=checks, evaluation=f"{STEP}m", interval=f"{STEP}m")


def test_checkpoints_separate_the_states():
    # The scenario must exercise both alert states and more than one ratio per window.
    assert {state for states in ALERT_STATES.values() for state in states} == {True, False}
    assert exact_ratio(4630, 60) == pytest.approx(0.1) and exact_ratio(4490, 60) == pytest.approx(0.0005)
