"""`--split`: on two clusters' synthetic series, the leaf and global files record every window and
fire every alert the unsplit file does, under promtool 2.42 and 3 (the `promtool` fixture).

One promtool run loads the unsplit rule file and the split pair, the pair's names renamed
(`slo:` -> `split:`, alerts `split_...`) so both sets live side by side, and asks at every
5 minutes, for every series the unsplit file records, whether the two sets differ: a series
on one side only, values apart by more than 1e-9 (relative), or NaN on one side only.
Then ALERTS the same way.  The input series carry a `cluster` label, as the global engine
sees them once each leaf's Prometheus added its external label: the leaves sum by it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from slogen.build.options import BuildOptions, SplitOptions
from slogen.emit.targets import Targets
from slogen_testing import compile_files, run_promtool, write_spec

SPEC = """
service: shop
labels: {team: web}
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="shop", code=~"5.."}
        total: http_requests_total{job="shop"}
  - name: good-requests
    objective: 99
    sli:
      ratio:
        good: http_requests_total{job="shop", code!~"5.."}
        total: http_requests_total{job="shop"}
  - name: latency
    objective: 99
    sli:
      latency:
        histogram: http_request_duration_seconds{job="shop"}
        threshold: 0.3
  - name: probe
    objective: 99
    sli:
      bool:
        metric: probe_success{job="probe"}
  - name: per-route
    objective: 99
    grouping: [route]
    sli:
      ratio:
        errors: http_requests_total{job="shop", code=~"5.."}
        total: http_requests_total{job="shop"}
  - name: per-cluster
    objective: 99.5
    grouping: [cluster]
    sli:
      ratio:
        errors: http_requests_total{job="shop", code=~"5.."}
        total: http_requests_total{job="shop"}
"""

MINUTES = 180
OUTAGE = range(60, 120)  # minutes of cluster a's outage


def _counter(per_minute) -> str:
    total, values = 0, []
    for minute in range(MINUTES + 1):
        values.append(str(total))
        total += per_minute(minute)
    return " ".join(values)


def _series(stop_b: int | None = None, outage: bool = True) -> list[dict]:
    """Cluster a: 60 requests a minute to /buy, all failing and slow in the outage; cluster b: 30
    to /buy and 10 to /view, fine;
    b's series stop (a staleness marker) after minute `stop_b`."""
    out = []
    for cluster, rate, broken in (("a", 60, outage), ("b", 30, False)):
        bad = (lambda m: rate if broken and m in OUTAGE else 0)
        streams = {
            f'http_requests_total{{job="shop", code="200", route="/buy", cluster="{cluster}"}}': lambda m: rate - bad(m),
            f'http_requests_total{{job="shop", code="500", route="/buy", cluster="{cluster}"}}': bad,
            f'http_request_duration_seconds_bucket{{job="shop", le="0.3", cluster="{cluster}"}}': lambda m: rate - bad(m),
            f'http_request_duration_seconds_count{{job="shop", cluster="{cluster}"}}': lambda m: rate,
        }
        if cluster == "b":  # a route only b serves: /buy is summed over clusters, /view is b's alone
            streams[f'http_requests_total{{job="shop", code="200", route="/view", cluster="{cluster}"}}'] = lambda m: 10
        for name, per_minute in streams.items():
            values = _counter(per_minute)
            if cluster == "b" and stop_b is not None:
                values = " ".join(values.split()[: stop_b + 1]) + " stale"
            out.append({"series": name, "values": values})
        probe = " ".join("0" if broken and 90 <= m < 100 else "1" for m in range(MINUTES + 1))
        if cluster == "b" and stop_b is not None:
            probe = " ".join(probe.split()[: stop_b + 1]) + " stale"
        out.append({"series": f'probe_success{{job="probe", cluster="{cluster}"}}', "values": probe})
    return out


def _rename(text: str) -> str:
    """The split pair's names moved aside, so it runs beside the unsplit file."""
    text = re.sub(r"(?<![\w:])slo:", "split:", text)
    text = text.replace("slo_leaf:", "split_leaf:").replace("slogen_slo_info", "split_slogen_slo_info")
    text = re.sub(r"(?m)^(\s*- alert: )(\S+)", r"\1split_\2", text)
    return re.sub(r"(?m)^(- name: )slogen-", r"\1split-slogen-", text)


def _differ(a: str, b: str) -> str:
    """Samples of `a` and `b` (same labels but the name) that differ, as one expression."""
    return (
        f"({a} unless {b}) or ({b} unless {a})"
        f" or (abs({a} - {b}) / (abs({a}) + 1) > 1e-9)"
        f" or (({a} != {a}) unless ({b} != {b})) or (({b} != {b}) unless ({a} != {a}))"
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    spec = write_spec(tmp_path_factory.mktemp("split") / "specs", SPEC)
    options = BuildOptions(targets=Targets.of(["prometheus"]), split=SplitOptions("prometheus", "thanos"))
    return compile_files([spec], options)


def _groups(text: str) -> list[str]:
    return [group["name"] for group in yaml.safe_load(text)["groups"]]


def _run(promtool: str, directory: Path, rule_files: dict[str, str], tests: list[dict], series: list[dict]) -> None:
    for name, text in rule_files.items():
        (directory / name).write_text(text)
    order = [name for text in rule_files.values() for name in _groups(text)]
    document = {
        "rule_files": list(rule_files),
        "evaluation_interval": "1m",
        "group_eval_order": order,
        "tests": [{"interval": "1m", "input_series": series, "promql_expr_test": tests}],
    }
    (directory / "split.test.yml").write_text(yaml.safe_dump(document, sort_keys=False, width=10_000))
    result = run_promtool(promtool, "test", "rules", "split.test.yml", cwd=directory)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]


def _comparison(files: dict[str, str]) -> tuple[dict[str, str], list[dict]]:
    unsplit = files["rules/shop.yml"]
    records = sorted(set(re.findall(r"(?m)^\s*- record: (\S+)", unsplit)))
    assert len(records) >= 20
    rule_files = {"unsplit.yml": unsplit, "leaf.yml": _rename(files["rules/leaf/shop.yml"]), "global.yml": _rename(files["rules/global/shop.yml"])}
    split_name = lambda name: _rename(f" {name}").strip()  # noqa: E731
    alerts = 'ALERTS{alertname!~"split_.*"}'
    renamed = 'label_replace(ALERTS{alertname=~"split_.*", alertname!="split_SLOClusterIncomplete"}, "alertname", "$1", "alertname", "split_(.*)")'
    tests = []
    for minute in range(5, MINUTES + 1, 5):
        for record in records:
            tests.append({"expr": _differ(record, split_name(record)), "eval_time": f"{minute}m", "exp_samples": []})
        tests.append({"expr": _differ(alerts, renamed), "eval_time": f"{minute}m", "exp_samples": []})
    return rule_files, tests


def test_the_split_records_and_alerts_what_the_unsplit_rules_do(files, promtool, tmp_path):
    rule_files, tests = _comparison(files)
    # Not a comparison of two empty sets: the windows exist, and cluster a's outage pages.
    tests.append({"expr": 'count(split:sli_error:ratio_rate30d) > bool 0', "eval_time": f"{MINUTES}m", "exp_samples": [{"labels": "{}", "value": 1}]})
    tests.append({
        "expr": 'count(ALERTS{alertname="split_SLOErrorBudgetBurn", severity="page", alertstate="firing"}) > bool 0',
        "eval_time": "75m", "exp_samples": [{"labels": "{}", "value": 1}],
    })
    # The grouped SLO keeps the clusters apart: only a's series burns.
    tests.append({
        "expr": 'split:sli_error:ratio_rate5m{slo_id="shop-per-cluster"}', "eval_time": "90m",
        "exp_samples": [
            {"labels": 'split:sli_error:ratio_rate5m{cluster="a", slo_id="shop-per-cluster", slo_name="per-cluster", slo_service="shop", slo_window="5m", team="web"}', "value": 1},
            {"labels": 'split:sli_error:ratio_rate5m{cluster="b", slo_id="shop-per-cluster", slo_name="per-cluster", slo_service="shop", slo_window="5m", team="web"}', "value": 0},
        ],
    })
    _run(promtool, tmp_path, rule_files, tests, _series())


def test_a_silent_cluster_is_incomplete_not_an_outage(files, promtool, tmp_path):
    """Cluster b stops at 100m: the split still equals the unsplit rules, no page fires, and a
    ticket names cluster b once it has sent nothing for 10 minutes (the 5m lookback, then `for: 5m`)."""
    rule_files, tests = _comparison(files)
    pages = 'ALERTS{alertname="split_SLOErrorBudgetBurn"}'
    tests += [{"expr": pages, "eval_time": f"{m}m", "exp_samples": []} for m in range(5, MINUTES + 1, 5)]
    firing = 'count by (cluster) (ALERTS{alertname="split_SLOClusterIncomplete", alertstate="firing"})'
    tests += [
        {"expr": 'ALERTS{alertname="split_SLOClusterIncomplete"}', "eval_time": "100m", "exp_samples": []},
        {"expr": firing, "eval_time": "105m", "exp_samples": []},
        # One per SLO of the service: six.
        {"expr": firing, "eval_time": "112m", "exp_samples": [{"labels": '{cluster="b"}', "value": 6}]},
        {"expr": firing, "eval_time": "155m", "exp_samples": [{"labels": '{cluster="b"}', "value": 6}]},
    ]
    _run(promtool, tmp_path, rule_files, tests, _series(stop_b=100, outage=False))


def test_the_split_adds_its_files_and_leaves_the_unsplit_file_alone(files):
    assert "slo_leaf:" not in files["rules/shop.yml"]
    assert set(files) >= {"rules/leaf/shop.yml", "rules/global/shop.yml", "thanos/global/shop.yml", "tests/rules/global/shop.yml"}
    assert "partial_response_strategy" in files["thanos/global/shop.yml"]
    tests = yaml.safe_load(files["tests/shop.test.yml"])
    assert tests["rule_files"] == ["../rules/leaf/shop.yml", "rules/global/shop.yml"]


def test_the_generated_tests_pass_on_the_split(files, promtool, tmp_path):
    """The generated per-SLO tests load leaf and global together, and promtool passes them."""
    for name, text in files.items():
        if name.startswith(("rules/", "tests/")):
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    result = run_promtool(promtool, "test", "rules", "shop.test.yml", cwd=tmp_path / "tests")
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]

