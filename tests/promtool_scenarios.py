"""The one promtool-scenario harness: rule files, input series and expectations written as a
promtool test and run by the real promtool of the engine under test.

`run_rule_test` writes and runs one test file and returns promtool's result; `check_rule_test`
also asserts it passed; `run` compiles a spec first, as the behaviour tests do.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from slogen_testing import compile_files, run_promtool, write_spec
from spec_literals import shop_slo, shop_spec

AVAILABILITY = shop_spec()

# AVAILABILITY over the calendar month, in UTC.
CALENDAR_MONTH = shop_spec(shop_slo(window="{calendar: month, time_zone: UTC}"))

LATENCY = """
service: shop
slos:
  - name: latency
    objective: 99
    sli:
      latency:
        histogram: http_request_duration_seconds{job="shop"}
        threshold: 0.3
"""


def counter(*segments: tuple[int, float]) -> str:
    """promtool values for a counter: each segment is (minutes, increase per minute)."""
    values = [0.0]
    for minutes, per_minute in segments:
        for _ in range(minutes):
            values.append(values[-1] + per_minute)
    return " ".join(sample_text(v) for v in values)


def sample_text(value: float) -> str:
    """A sample as promtool series notation writes it: whole numbers without a decimal point."""
    return str(int(value)) if float(value).is_integer() else repr(value)


# The burn-rate alerts; the budget-exhausted alert has its own tests (test_policy.py).
BURN = 'alertname="SLOErrorBudgetBurn", '


def fires(severity: str, minutes: int) -> dict:
    """Assert exactly one SLO with a firing burn-rate alert of a severity at a time (of any of its tiers)."""
    return {
        # Each tier fires as its own alert (slo_tier): several tiers of one SLO count once.
        "expr": f'count(count without (slo_tier) (ALERTS{{{BURN}alertstate="firing", severity="{severity}"}}))',
        "eval_time": f"{minutes}m",
        "exp_samples": [{"labels": "{}", "value": 1}],
    }


def quiet(minutes: int, severity: str | None = None) -> dict:
    """Assert no burn-rate alert (of a severity) is firing at a time."""
    match = f', severity="{severity}"' if severity else ""
    return {"expr": f'ALERTS{{{BURN}alertstate="firing"{match}}}', "eval_time": f"{minutes}m", "exp_samples": []}


def near(expr: str, minutes: int, expected: float, tolerance: float) -> dict:
    """Assert a single-series expression is within a relative tolerance of a value."""
    return {
        "expr": f"sum(abs(({expr}) / {expected!r} - 1) < bool {tolerance!r})",
        "eval_time": f"{minutes}m",
        "exp_samples": [{"labels": "{}", "value": 1}],
    }


def _group_names(text: str) -> list[str]:
    """file_order, or none for a file that holds no groups (or is not YAML: a test of invalid rules)."""
    try:
        return file_order(text)
    except (yaml.YAMLError, KeyError, TypeError):
        return []


def file_order(rules: str) -> list[str]:
    """The group names of a rule file, in the file's order (for `group_eval_order`)."""
    return [group["name"] for group in yaml.safe_load(rules)["groups"]]


def run_rule_test(
    tmp_path: Path,
    promtool: str,
    rules: str | Mapping[str, str],
    series: Mapping[str, str],
    *,
    promql: Sequence[dict] = (),
    alerts: Sequence[dict] = (),
    evaluation: str = "1m",
    interval: str = "1m",
    order: Sequence[str] | None = None,
) -> subprocess.CompletedProcess:
    """Write the rule file(s) and one promtool test of them into `tmp_path`, and run it.

    `rules` is one file's text (rules.yml) or texts by file name, loaded in that order;
    `series` maps each input series to its values in promtool notation, sampled every
    `interval`; the rules run every `evaluation`; `promql` and `alerts` are the
    promql_expr_test and alert_rule_test entries. `order` is the group_eval_order; without
    it, every file's groups in file order (promtool's own default is a random order, and
    at steps of 5m Prometheus 3 cannot see what a group it ran later recorded a step ago).
    """
    assert promql or alerts, "a promtool test with no expectations proves nothing"
    files = {"rules.yml": rules} if isinstance(rules, str) else dict(rules)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    test: dict = {"rule_files": list(files), "evaluation_interval": evaluation}
    if order is None:
        order = [name for text in files.values() for name in _group_names(text)]
    if order:
        test["group_eval_order"] = list(order)
    case: dict = {"interval": interval, "input_series": [{"series": name, "values": values} for name, values in series.items()]}
    if alerts:
        case["alert_rule_test"] = list(alerts)
    if promql:
        case["promql_expr_test"] = list(promql)
    test["tests"] = [case]
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test, sort_keys=False, width=1 << 20))
    return run_promtool(promtool, "test", "rules", "test.yml", cwd=tmp_path)


def check_rule_test(tmp_path: Path, promtool: str, rules: str | Mapping[str, str], series: Mapping[str, str], **test) -> None:
    """run_rule_test, failing with promtool's output unless the test passes."""
    result = run_rule_test(tmp_path, promtool, rules, series, **test)
    assert result.returncode == 0, result.stdout + result.stderr


def run(
    tmp_path, promtool, spec: str, series: dict[str, str], checks: list[dict], interval: str = "1m", as_written: bool = False
):
    """Compile the spec, write a promtool test file, and run it; fail with promtool's output.

    As the generated tests do, it loads promtool's copy of the rule file, whose hourly
    group records on the hour only (emit/promtool/cadence.py), and runs the groups in the
    file's order: promtool would otherwise run every group at every tick, in random order.
    `as_written`: the rule file itself, every group at every tick (still in order).
    """
    files = compile_files([write_spec(tmp_path / "specs", spec)])
    service = next(path for path in files if path.startswith("rules/")).removeprefix("rules/")
    rules = files[f"rules/{service}"] if as_written else files.get(f"tests/rules/{service}") or files[f"rules/{service}"]
    check_rule_test(tmp_path, promtool, rules, series, promql=checks, evaluation=interval, interval=interval, order=file_order(rules))


OK = 'http_requests_total{job="shop", code="200"}'
ERR = 'http_requests_total{job="shop", code="500"}'
