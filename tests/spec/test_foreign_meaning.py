"""Issue 26, meaning changes: real foreign files whose rules meant something else.

1. a timeslice whose good query returns nothing (every request failed) is a bad slice,
   not a missing one; a slice without traffic stays no slice (-1);
2. OpenSLO `counter: true` queries are read as counters in both budgeting methods;
3. alert templates of Sloth and Pyrra files stay templates, reading slogen's labels.

Each is proven on the emitted rules by the real promtool of every engine.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slogen.build.options import BuildOptions
from slogen.spec.options import SpecOptions

from promtool_scenarios import check_rule_test, file_order, run, run_rule_test
from slogen_testing import compile_files, diagnostics_of, examples, write_spec

REAL = Path(__file__).resolve().parents[1] / "conformance"

SLICE_ID = "api-service-api-availability-four-nines-availability"


def _slice(minutes: int, value: int) -> dict:
    return {
        "expr": f'slo:timeslice_good:bool{{slo_id="{SLICE_ID}"}}',
        "eval_time": f"{minutes}m",
        "exp_samples": [{"labels": "{}", "value": value}],
    }


def test_openslo_timeslice_with_every_request_failing_is_a_bad_slice(tmp_path, promtool):
    """slogo's Timeslices SLO (good: 2xx|3xx rate over 5m): 20 minutes of 200s (good slices),
    20 of 500s only, where the good query has no series (bad slices, not none), then 20
    without traffic (0/0: no slice)."""
    spec = (REAL / "openslo/real/slogo-list-timeslices-two-objectives.yaml").read_text()
    series = {
        'http_requests_total{status="200"}': "0+60x20 _x40",
        'http_requests_total{status="500"}': "_x20 0+60x20 1200x20",
    }
    checks = [_slice(15, 1), _slice(35, 0), _slice(55, -1)]
    for check in checks:  # the judgement carries the SLO's labels; compare the value alone
        check["expr"] = f"sum({check['expr']})"
    run(tmp_path, promtool, spec, series, checks)


# --- the property: for any timeslice SLI, missing good series beside a total with data is a bad slice

TOTAL = 'req_total{job="a"}'
GOOD = 'req_total{job="a", code="200"}'


def _rate(selector: str, window: str, by: str) -> str:
    return f"sum{by}(rate({selector}[{window}]))"


@st.composite
def timeslice_specs(draw) -> tuple[str, int]:
    """A spec with one timeslice SLI that has a good and a total part (native or OpenSLO, any
    form slogen reads them in), and how many slice series it judges."""
    slice_minutes = draw(st.sampled_from([1, 2, 5]))
    slice_ = f"{slice_minutes}m"
    if draw(st.booleans()):  # OpenSLO Timeslices / RatioTimeslices
        method = draw(st.sampled_from(["Timeslices", "RatioTimeslices"]))
        form = "selector" if method == "RatioTimeslices" else draw(st.sampled_from(["selector", "{{window}}", "fixed", "counter sum"]))
        if form in ("selector", "counter sum"):  # counters, rated over the slice
            good, total = (GOOD, TOTAL) if form == "selector" else (f"sum({GOOD})", f"sum({TOTAL})")
        else:
            window = "{{window}}" if form == "{{window}}" else slice_
            good, total = _rate(GOOD, window, ""), _rate(TOTAL, window, "")
        objective = {"target": 0.99, "timeSliceWindow": slice_}
        if method == "Timeslices":
            objective["timeSliceTarget"] = draw(st.sampled_from([0.5, 0.9, 0.999, 1]))
        doc = {
            "apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": "avail"},
            "spec": {
                "service": "shop", "budgetingMethod": method, "timeWindow": [{"duration": "7d", "isRolling": True}],
                "objectives": [objective],
                "indicator": {"metadata": {"name": "r"}, "spec": {"ratioMetric": {
                    "counter": form in ("selector", "counter sum"),
                    "good": {"metricSource": {"type": "Prometheus", "spec": {"query": good}}},
                    "total": {"metricSource": {"type": "Prometheus", "spec": {"query": total}}},
                }}},
            },
        }
        return yaml.safe_dump(doc, sort_keys=False), 1
    grouping = draw(st.sampled_from([[], ["route"]]))
    by = f" by ({', '.join(grouping)})" if grouping else ""
    kind = draw(st.sampled_from(["ratio", "ratio_of", "query", "scaled query", "count query"]))
    counters = {"good": GOOD, "total": TOTAL}
    if kind == "ratio_of":
        sli = {"slice": slice_, "ratio_of": counters}
    elif kind == "ratio":
        # On the error ratio: good while it stays under a threshold below 1.
        sli = {"slice": slice_, "good_when": {"ratio": counters, "op": draw(st.sampled_from(["lt", "lte"])),
                                               "threshold": draw(st.sampled_from([0, 0.01, 0.5, 0.99]))}}
    else:
        ratio = f"{_rate(GOOD, '{{window}}', by)} / {_rate(TOTAL, '{{window}}', by)}"
        if kind == "count query":  # the share of routes (or hosts, users) that served a success: empty when none did
            ratio = f"count{by}({_rate(GOOD, '{{window}}', by)} > 0) / count{by}({_rate(TOTAL, '{{window}}', by)})"
        query, top = (ratio, 1) if kind == "query" else (f"100 * ({ratio})", 100)
        sli = {"slice": slice_, "good_when": {"query": query, "op": draw(st.sampled_from(["gt", "gte"])),
                                               "threshold": top * draw(st.sampled_from([0.01, 0.5, 0.99, 1]))}}
    slo = {"name": "avail", "objective": 99, "window": "7d", "grouping": grouping, "sli": {"timeslices": sli}}
    return yaml.safe_dump({"service": "shop", "slos": [slo]}, sort_keys=False), 2 if grouping else 1


@pytest.mark.slow
@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(drawn=timeslice_specs())
def test_missing_good_series_beside_traffic_is_a_bad_slice(promtool, drawn):
    """Every request fails for 20 minutes: the good series never exists, the total does.
    Every slice the SLI judges then is bad (0), never missing and never good."""
    spec, slices = drawn
    with tempfile.TemporaryDirectory() as tmp:
        # Every 30s: Prometheus 3's left-open ranges need two samples inside a 1m slice.
        series = {'req_total{job="a", code="500", route="x"}': "0+30x40", 'req_total{job="a", code="500", route="y"}': "0+3x40"}
        checks = [
            {"expr": "max(slo:timeslice_good:bool)", "eval_time": "15m", "exp_samples": [{"labels": "{}", "value": 0}]},
            {"expr": "count(slo:timeslice_good:bool)", "eval_time": "15m", "exp_samples": [{"labels": "{}", "value": slices}]},
        ]
        run(Path(tmp), promtool, spec, series, checks, interval="30s")


# --- 3. alert templates of Sloth and Pyrra files

# Sloth's own convention (its default titles read sloth_service and sloth_slo), as real files
# copy it into routing labels and annotations.
SLOTH_TEMPLATES = """
version: prometheus/v1
service: myservice
slos:
  - name: requests-availability
    objective: 99.9
    labels: {category: availability}
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels:
        service: "{{ $labels.sloth_service }}"
        slo: '{{ index $labels "sloth_slo" }}'
        sli_type: "{{ $labels.category }}"
      annotations:
        title: "(page) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast."
      page_alert:
        labels: {severity: critical}
      ticket_alert:
        labels: {severity: warning}
"""


def _alert_run(tmp_path: Path, promtool: str, spec: str, series: dict, alertname: str, labels: dict, options=None):
    """Compile, then let promtool evaluate the page alert at 10m: its labels as expected, and
    promtool's report of the alert as it fired (an alert test expecting nothing prints what it got)."""
    files = compile_files([write_spec(tmp_path / "specs", spec)], options or BuildOptions())
    service = next(path for path in files if path.startswith("rules/")).removeprefix("rules/")
    rules = files.get(f"tests/rules/{service}") or files[f"rules/{service}"]  # an untested query SLI has no promtool copy
    by = ", ".join(labels)
    check = {"expr": f'group by ({by}) (ALERTS{{alertname="{alertname}", alertstate="firing", severity="{labels.get("severity", "critical")}"}})',
             "eval_time": "10m", "exp_samples": [{"labels": "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}", "value": 1}]}
    check_rule_test(tmp_path, promtool, rules, series, promql=[check], order=file_order(rules))
    got = run_rule_test(tmp_path, promtool, rules, series, alerts=[{"eval_time": "10m", "alertname": alertname, "exp_alerts": []}], order=file_order(rules))
    assert got.returncode != 0
    return got.stdout + got.stderr


FAILING = {'http_requests_total{code="500"}': "0+600x30", 'http_requests_total{code="200"}': "0+600x30"}


@pytest.mark.parametrize("compat", [(), ("sloth",)], ids=["plain", "label-compat"])
def test_sloth_alert_templates_expand_to_sloths_values(tmp_path, promtool, compat):
    """Routing labels and annotations reading sloth_service / sloth_slo expand to the service and
    SLO names, as under Sloth, with and without --label-compat sloth."""
    options = BuildOptions(spec=SpecOptions(compat=compat))
    labels = {"service": "myservice", "slo": "requests-availability", "sli_type": "availability", "severity": "critical"}
    report = _alert_run(tmp_path, promtool, SLOTH_TEMPLATES, FAILING, "MyServiceHighErrorRate", labels, options)
    assert 'title="(page) myservice requests-availability SLO error budget burn rate is too fast."' in report, report


NATIVE_TEMPLATES = """
service: shop
slos:
  - name: avail
    objective: 99.9
    window: {calendar: month, time_zone: UTC}
    sli:
      ratio: {errors: 'r_total{code="500"}', total: r_total}
    alerting:
      templates: true
      labels: {route: "{{ $labels.slo_service }}"}
      annotations: {link: "https://x.example/{{ $labels.slo_name }}"}
      no_data: true
"""


def test_every_alert_of_a_templated_slo_keeps_the_templates(tmp_path):
    """Burn-rate, budget-exhausted, forecast and no-data alerts all carry the templates as written
    (`alerting.templates: true`, what a converted Sloth file says); without it all are inert."""
    for templates in (True, False):
        spec = NATIVE_TEMPLATES if templates else NATIVE_TEMPLATES.replace("templates: true", "templates: false")
        rules = yaml.safe_load(compile_files([write_spec(tmp_path, spec)])["rules/shop.yml"])
        alerts = [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]
        assert {rule["alert"] for rule in alerts} == {"SLOErrorBudgetBurn", "SLOErrorBudgetExhausted", "SLOErrorBudgetForecast", "SLONoData"}
        for rule in alerts:
            kept = rule["labels"]["route"] == "{{ $labels.slo_service }}"
            assert kept == templates, rule
            if rule["alert"] in ("SLOErrorBudgetBurn", "SLOErrorBudgetForecast"):  # the others' are the policy's and no_data's own
                assert ("https://x.example/{{ $labels.slo_name }}" in rule["annotations"]["link"]) == templates, rule


def test_sloth_templates_read_slogens_labels(tmp_path):
    files = compile_files([write_spec(tmp_path, SLOTH_TEMPLATES)])
    assert "sloth" not in files["rules/myservice.yml"].split("groups:", 1)[1]


def test_kuadrant_grouped_summary_keeps_its_template(tmp_path):
    """kuadrant's real latency SLO: `{{$labels.request_host}}` in the summary names the failing host."""
    spec = (REAL / "sloth/real/kuadrant-latency-by-request-host.yaml").read_text()
    files = compile_files([write_spec(tmp_path / "specs", spec)])
    assert "High latency on HTTPRoute requests responses {{$labels.request_host}}" in files[next(f for f in files if f.startswith("rules/"))]


@pytest.mark.parametrize("compat", [(), ("sloth",)], ids=["plain", "label-compat"])
def test_slojka_routing_label_templates_expand_to_sloths_values(tmp_path, promtool, compat):
    """slojka's real Sloth file (a company's SLO catalogue, alerting merged from a `_common_blocks`
    anchor): its routing labels read sloth_service, sloth_slo and its own `title` and `category`
    labels, and its page alert carries them expanded as under Sloth, with or without --label-compat."""
    text = (REAL / "sloth/real/slojka-cart-add-x-keys-anchors-label-templates.yaml").read_text(encoding="utf-8")
    selector = 'http_server_duration_milliseconds_%s{service="shop-rest", namespace="production", http_method="POST", http_route="/cart/add", http_status_code="%s"%s}'
    series = {selector % ("count", "500", ""): "0+600x30", selector % ("count", "200", ""): "0+600x30",
              selector % ("bucket", "200", ', le="1000"'): "0+600x30"}  # the latency SLO meets its objective
    labels = {"service": "shop", "slo": "cart-add_availabilty", "sli_type": "availability", "title": "Добавить в корзину",
              "slack_channel": "shop-monitoring", "severity": "critical"}
    options = BuildOptions(spec=SpecOptions(compat=compat))
    report = _alert_run(tmp_path, promtool, text, series, "ServiceSLOViolation", labels, options)
    assert "var-service=shop&var-slo=cart-add_availabilty" in report, report


@pytest.mark.parametrize("compat", [(), ("pyrra",)], ids=["plain", "label-compat"])
def test_pyrra_annotation_templates_expand_to_pyrras_values(tmp_path, promtool, compat):
    """rhobs' real Pyrra SLO links its dashboard with {{$labels.namespace}}: Pyrra's series carry
    the total selector's `namespace="observatorium-mst-production"`, so the link names it; so must
    slogen's.  Pyrra's `slo` label reads slogen's slo_name, with or without --label-compat pyrra."""
    text = (REAL / "pyrra/real/rhobs-mst-rules-sync-availability-995-v1alpha1.yaml").read_text()
    text = text.replace("var-interval=5m", "var-interval=5m&slo={{ $labels.slo }}")
    selector = 'client_api_requests_total{client="reload", container="thanos-rule-syncer", namespace="observatorium-mst-production", code="%s"}'
    series = {selector % "500": "0+600x30", selector % "200": "0+600x30"}
    options = BuildOptions(spec=SpecOptions(compat=compat))
    report = _alert_run(tmp_path, promtool, text, series, "APIRulesSyncAvailabilityErrorBudgetBurning", {"severity": "critical"}, options)
    assert "var-namespace=observatorium-mst-production&var-job=All&var-pod=All&var-interval=5m&slo=api-rules-sync-availability-slo" in report, report


# --- 2. OpenSLO `counter: true`: both budgeting methods rate the counters

def _counter_slo(name: str, method: str) -> dict:
    objective = {"target": 0.99} if method == "Occurrences" else {"target": 0.99, "timeSliceTarget": 0.99, "timeSliceWindow": "1m"}
    source = lambda query: {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}  # noqa: E731
    return {
        "apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": name},
        "spec": {
            "service": "shop", "budgetingMethod": method, "timeWindow": [{"duration": "7d", "isRolling": True}],
            "objectives": [objective],
            "indicator": {"metadata": {"name": f"{name}-ratio"}, "spec": {"ratioMetric": {
                "counter": True,
                # Nobl9's shape (tests/conformance/openslo/real/nobl9-list-slos-calendar-threshold-sli.yaml).
                "good": source('sum(http_requests_total{code="200"})'),
                "total": source("sum(http_requests_total)"),
            }}},
        },
    }


def test_openslo_counters_are_rated_under_both_budgeting_methods(tmp_path, promtool):
    """30 minutes of heavy success, then 10 of failures only: the counters' totals still say 99.7%
    good, their rates say 0%.  Both methods read the rates: the 5m error ratio is 1 and the slice bad."""
    spec = yaml.safe_dump_all([_counter_slo("occurrences", "Occurrences"), _counter_slo("slices", "Timeslices")], sort_keys=False)
    # Every 30s: Prometheus 3's left-open ranges need two samples inside a 1m slice.
    series = {'http_requests_total{code="200"}': "0+30000x60 1800000x20", 'http_requests_total{code="500"}': "0x60 0+300x20"}
    checks = [
        {"expr": 'sum(slo:sli_error:ratio_rate5m{slo_id="shop-occurrences"})', "eval_time": "38m", "exp_samples": [{"labels": "{}", "value": 1}]},
        {"expr": 'sum(slo:timeslice_good:bool{slo_id="shop-slices"})', "eval_time": "38m", "exp_samples": [{"labels": "{}", "value": 0}]},
        {"expr": 'sum(slo:timeslice_good:bool{slo_id="shop-slices"})', "eval_time": "20m", "exp_samples": [{"labels": "{}", "value": 1}]},
    ]
    run(tmp_path, promtool, spec, series, checks, interval="30s")


def test_nobl9_counter_sums_compile_and_a_max_is_refused_where_written(tmp_path):
    """A counter query slogen cannot rate (a max of counters) is refused at its key, in both methods."""
    for method in ("Occurrences", "Timeslices"):
        doc = _counter_slo("x", method)
        doc["spec"]["indicator"]["spec"]["ratioMetric"]["good"]["metricSource"]["spec"]["query"] = 'max(http_requests_total{code="200"})'
        [line] = diagnostics_of([write_spec(tmp_path, yaml.safe_dump(doc, sort_keys=False))])
        assert "spec.indicator.spec.ratioMetric.good: counter: true: slogen takes the rate of a sum of counters" in line, line


def test_openslos_own_counter_example_judges_slices_on_rates(tmp_path, promtool):
    """OpenSLO's v1 example (counter: true, sum(http_requests{...}), Timeslices of 1m): after 30
    minutes of heavy success, failures alone make bad slices although the totals stay 99.7% good."""
    spec = (REAL / "openslo/real/openslo-v1-examples-counter-sum-timeslices.yaml").read_text()
    web = 'http_requests{k8s_cluster="prod", component="web", code="%s"}'
    series = {web % "2xx": "0+30000x60 1800000x20", web % "5xx": "0x60 0+300x20"}
    judged = 'sum(slo:timeslice_good:bool{slo_id="web-web-availability"})'
    checks = [
        {"expr": judged, "eval_time": "20m", "exp_samples": [{"labels": "{}", "value": 1}]},
        {"expr": judged, "eval_time": "38m", "exp_samples": [{"labels": "{}", "value": 0}]},
    ]
    run(tmp_path, promtool, spec, series, checks, interval="30s")
