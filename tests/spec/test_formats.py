"""Foreign inputs: how Sloth, OpenSLO, Pyrra and jsonnet specs map to the native spec,
where their errors point, and the `convert` and `--ext-*` command lines."""

from __future__ import annotations

import pytest
import yaml
from slogen.emit.native_yaml import native_data
from slogen.spec.load import load_specs

from promtool_scenarios import counter, near, quiet, run
from slogen_testing import compile_files, diagnostics_of, run_slogen, write_spec


def _native(paths) -> list[dict]:
    loaded, diagnostics = load_specs(paths)
    assert not diagnostics, "\n".join(map(str, diagnostics))
    return [native_data(item.spec) for item in loaded]


SLOTH = """
version: "prometheus/v1"
service: shop
labels: {team: web}
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="shop",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="shop"}[{{ .window }}]))
    alerting:
      name: ShopBudgetBurn
      page_alert: {labels: {severity: critical}}
      ticket_alert: {disable: true}
"""


def test_sloth_events_map_to_a_query_sli_with_alerting(tmp_path):
    [spec] = _native([write_spec(tmp_path, SLOTH)])
    slo = spec["slos"][0]
    assert slo["sli"] == {
        "query": {
            "errors": 'sum(rate(http_requests_total{job="shop",code=~"5.."}[{{window}}]))',
            "total": 'sum(rate(http_requests_total{job="shop"}[{{window}}]))',
        }
    }
    assert slo["labels"] == {"team": "web"}
    assert slo["alerting"] == {"name": "ShopBudgetBurn", "page": {"labels": {"severity": "critical"}}, "ticket": False}


def test_sloth_errors_point_into_the_sloth_file(tmp_path):
    bad = SLOTH.replace('[{{.window}}]))', '[{{.window}}])', 1)
    [message] = diagnostics_of([write_spec(tmp_path, bad)])
    assert message.startswith(f"{tmp_path}/spec.yaml:9:22: slos[0].sli.events.error_query: invalid PromQL")
    assert message.endswith("(slogen: slos[0].sli.query.errors)")


def test_sloth_k8s_spelling_mistakes_are_named(tmp_path):
    text = """
    apiVersion: sloth.slok.dev/v1
    kind: PrometheusServiceLevel
    metadata: {name: shop}
    spec:
      service: shop
      slos:
        - name: availability
          objective: 99
          sli: {raw: {error_ratio_query: "x"}}
          alerting: {name: A, pageAlert: {disable: true}, ticketAlert: {disable: true}}
    """
    assert diagnostics_of([write_spec(tmp_path, text)]) == [
        f"{tmp_path}/spec.yaml:9:18: spec.slos[0].sli.raw.errorRatioQuery: required key is missing",
        f"{tmp_path}/spec.yaml:9:19: spec.slos[0].sli.raw.error_ratio_query: unknown key 'error_ratio_query' (the Kubernetes spelling is errorRatioQuery)",
    ]


def test_sloth_raw_ratio_is_time_weighted_and_skips_no_traffic(tmp_path, promtool):
    # A raw ratio cannot be weighted by traffic: an hour at 10% errors on 1 req/s and
    # an hour at 0% on 100 req/s average to 5%, not ~0.1%.  Minutes without traffic
    # (NaN ratio) count as no time at all.
    spec = """
    version: "prometheus/v1"
    service: shop
    slos:
      - name: ratio
        objective: 99
        sli:
          raw:
            error_ratio_query: sum(rate(req_total{code="500"}[{{.window}}])) / sum(rate(req_total[{{.window}}]))
        alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}
    """
    series = {
        'req_total{code="200"}': counter((60, 54), (30, 0), (60, 6000)),
        'req_total{code="500"}': counter((60, 6), (30, 0), (60, 0)),
    }
    # 0.1 for ~35 minutes (the 5m rate outlives the traffic), then NaN, then 0 for 60:
    # ~0.037.  Traffic-weighted would be ~0.0005, NaN-as-good 0.029.
    checks = [near('slo:sli_error:ratio_rate2h{slo_id="shop-ratio"}', 150, 0.035, 0.1)]
    run(tmp_path, promtool, spec, series, checks)


OPENSLO_SLO = """
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout, labels: {team: payments}}
spec:
  service: payments
  indicatorRef: checkout-errors
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{target: 0.999}]
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: burn}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: fast}
            spec:
              severity: critical
              condition: {kind: burnrate, op: gt, threshold: 13.44, lookbackWindow: 1h, alertAfter: 2m}
          - conditionRef: slow
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: slow}
spec:
  severity: warning
  condition: {kind: burnrate, op: gte, threshold: 2.8, lookbackWindow: 1d}
"""

OPENSLO_SLI = """
apiVersion: openslo/v1
kind: SLI
metadata: {name: checkout-errors}
spec:
  ratioMetric:
    counter: true
    bad: {metricSource: {metricSourceRef: prom}}
    total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout"}'}}}
---
apiVersion: openslo/v1
kind: DataSource
metadata: {name: prom}
spec:
  type: Prometheus
  connectionDetails: {url: http://prometheus:9090}
"""


def test_openslo_refs_resolve_across_files_and_conditions_become_tiers(tmp_path):
    write_spec(tmp_path, OPENSLO_SLO, "slo.yaml")
    sli = OPENSLO_SLI.replace("bad: {metricSource: {metricSourceRef: prom}}", "bad: {metricSource: {metricSourceRef: prom, spec: {query: 'http_requests_total{job=\"checkout\", code=~\"5..\"}'}}}")
    write_spec(tmp_path, sli, "sli.yaml")
    [spec] = _native([tmp_path])
    slo = spec["slos"][0]
    assert (spec["service"], slo["name"], slo["objective"], slo["window"]) == ("payments", "checkout", 99.9, "28d")
    assert slo["labels"] == {"team": "payments"}
    assert slo["sli"] == {"ratio": {"errors": 'http_requests_total{job="checkout", code=~"5.."}', "total": 'http_requests_total{job="checkout"}'}}
    # 13.44 x 1h of a 28d window = 2% of the budget; 2.8 x 1d = 10%: the workbook's tiers.
    assert slo["alerting"] == {
        "page": {"labels": {"severity": "critical"}, "for": "2m", "tiers": [{"budget_percent": 2, "long_window": "1h"}]},
        "ticket": {"labels": {"severity": "warning"}, "tiers": [{"budget_percent": 10, "long_window": "1d"}]},
    }


def test_openslo_refusals_name_the_field(tmp_path):
    text = (
        OPENSLO_SLO.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslots")
        .replace("[{duration: 28d, isRolling: true}]", "[{duration: 2M, calendar: {startTime: '2024-01-01 00:00:00', timeZone: UTC}}]")
        .replace("indicatorRef: checkout-errors", "indicatorRef: nowhere")
    )
    got = diagnostics_of([write_spec(tmp_path, text)])
    assert got == [
        f"{tmp_path}/spec.yaml:6:17: spec.indicatorRef: no SLI named 'nowhere' in the spec files",
        f"{tmp_path}/spec.yaml:7:20: spec.budgetingMethod: budgetingMethod 'Timeslots' is not supported: use Occurrences, Timeslices or RatioTimeslices",
        f"{tmp_path}/spec.yaml:8:27: spec.timeWindow[0].duration: calendar duration '2M' is not supported: use 1w, 1M or 1Q",
    ]


def test_openslo_non_prometheus_source_is_refused(tmp_path):
    sli = OPENSLO_SLI.replace("type: Prometheus\n  connectionDetails", "type: Datadog\n  connectionDetails")
    write_spec(tmp_path, OPENSLO_SLO, "slo.yaml")
    write_spec(tmp_path, sli, "sli.yaml")
    got = diagnostics_of([tmp_path])
    assert got == [f"{tmp_path}/sli.yaml:7:25: spec.ratioMetric.bad.metricSource: metric source type 'Datadog' is not supported: slogen reads Prometheus sources"]


def test_openslo_threshold_metric_counts_bad_instants(tmp_path, promtool):
    # Good while the p99 gauge is at most 0.5s; it is above for 30 of 120 minutes.
    spec = """
    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: p99}
    spec:
      service: api
      budgetingMethod: Occurrences
      timeWindow: [{duration: 7d, isRolling: true}]
      indicator:
        metadata: {name: p99}
        spec:
          thresholdMetric:
            metricSource: {type: Prometheus, spec: {query: 'api:latency_p99:seconds{job="api"}'}}
      objectives: [{op: lte, value: 0.5, target: 0.95}]
    """
    values = " ".join(["0.2"] * 60 + ["0.9"] * 30 + ["0.2"] * 31)
    series = {'api:latency_p99:seconds{job="api"}': values}
    checks = [near('slo:sli_error:ratio_rate2h{slo_id="api-p99"}', 120, 30 / 120, 0.05)]
    run(tmp_path, promtool, spec, series, checks)


def test_pyrra_latency_becomes_a_latency_sli_and_keeps_its_severities(tmp_path):
    text = """
    apiVersion: pyrra.dev/v1alpha1
    kind: ServiceLevelObjective
    metadata:
      name: api-latency
      namespace: web
      labels: {prometheus: k8s, pyrra.dev/team: frontend}
      annotations: {pyrra.dev/runbook: https://runbooks/api}
    spec:
      target: '99.5'
      window: 2w
      indicator:
        latency:
          success: {metric: 'http_duration_seconds_bucket{job="api",le="0.3"}'}
          total: {metric: 'http_duration_seconds_count{job="api"}'}
          grouping: [route]
      alerting: {name: ApiBurn, severities: {fastBurn: page-me}}
    """
    [spec] = _native([write_spec(tmp_path, text)])
    assert spec["service"] == "web"
    slo = spec["slos"][0]
    assert slo == {
        "name": "api-latency",
        "objective": 99.5,
        "window": "2w",
        "labels": {"team": "frontend"},
        "sli": {"latency": {"histogram": 'http_duration_seconds{job="api"}', "threshold": 0.3}},
        "grouping": ["route"],
        "alerting": {
            "name": "ApiBurn",
            "annotations": {"runbook": "https://runbooks/api"},
            # Pyrra's own table (for 28d), scaled to the 2w window by slogen as by Pyrra.
            "scale_from": "28d",
            "page": {
                "labels": {"severity": "page-me"},
                "for": "2m",
                "tiers": [
                    {"burn_rate": 14, "long_window": "1h", "short_window": "5m"},
                    {"burn_rate": 7, "long_window": "6h", "short_window": "30m"},
                ],
            },
            "ticket": {
                "labels": {"severity": "warning"},
                "for": "1h",
                "tiers": [
                    {"burn_rate": 2, "long_window": "1d", "short_window": "2h"},
                    {"burn_rate": 1, "long_window": "4d", "short_window": "6h"},
                ],
            },
        },
    }


def test_pyrra_bool_gauge_pages_per_group(tmp_path, promtool):
    text = """
    apiVersion: pyrra.dev/v1alpha1
    kind: ServiceLevelObjective
    metadata: {name: probes, namespace: edge}
    spec:
      target: '99'
      window: 7d
      indicator:
        bool_gauge:
          metric: probe_success{job="blackbox"}
          grouping: [target]
    """
    series = {
        'probe_success{job="blackbox", target="a"}': " ".join(["1"] * 121),
        'probe_success{job="blackbox", target="b"}': " ".join(["1"] * 60 + ["0"] * 61),
    }
    # Pyrra's default severities: critical for the fast tiers, warning for the slow ones.
    checks = [quiet(59)]
    checks.append({"expr": 'count by (target) (count without (slo_tier) (ALERTS{alertstate="firing", severity="critical"}))', "eval_time": "100m", "exp_samples": [{"labels": '{target="b"}', "value": 1}]})
    run(tmp_path, promtool, text, series, checks)


LIB = """
{
  availability(job, objective):: {
    name: 'availability',
    objective: objective,
    sli: { ratio: { errors: 'http_requests_total{job="%s", code=~"5.."}' % job, total: 'http_requests_total{job="%s"}' % job } },
  },
}
"""

STAMP = """
local slo = import 'lib/slo.libsonnet';
[
  { service: s, labels: { env: std.extVar('env') }, slos: [slo.availability(s, std.extVar('objective'))] }
  for s in ['cart', 'search']
]
"""


@pytest.mark.slow
def test_jsonnet_stamps_services_with_ext_vars_from_the_cli(tmp_path):
    specs = tmp_path / "specs"
    write_spec(specs / "lib", LIB, "slo.libsonnet")
    write_spec(specs, STAMP, "services.jsonnet")
    result = run_slogen("convert", "specs", "--ext-str", "env=prod", "--ext-code", "objective=99.5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    docs = list(yaml.safe_load_all(result.stdout))
    assert [(d["service"], d["labels"], d["slos"][0]["objective"]) for d in docs] == [("cart", {"env": "prod"}, 99.5), ("search", {"env": "prod"}, 99.5)]
    missing = run_slogen("validate", "specs", "--ext-str", "env=prod", cwd=tmp_path)
    assert missing.returncode == 2
    assert "specs/services.jsonnet:3:80: jsonnet: undefined external variable: objective" in missing.stderr


def test_jsonnet_imports_stay_inside_the_spec_directory_and_errors_have_positions(tmp_path):
    (tmp_path / "secret.libsonnet").write_text("{}")
    specs = tmp_path / "specs"
    write_spec(specs, "local x = import '../secret.libsonnet'; x\n", "escape.jsonnet")
    write_spec(specs, "{ service: 'a', slos: [ }\n", "syntax.jsonnet")
    write_spec(specs, "local f(x) = 1 + f(x + 1); f(0)\n", "deep.jsonnet")
    got = diagnostics_of([specs])
    assert len(got) == 3
    assert got[0] == f"{specs}/deep.jsonnet:1:18: jsonnet: max stack frames exceeded."
    assert got[1].startswith(f"{specs}/escape.jsonnet:1:11: jsonnet: couldn't open import \"../secret.libsonnet\": import '../secret.libsonnet' is outside the spec directory")
    assert got[2] == f"{specs}/syntax.jsonnet:1:25: jsonnet: unexpected: \"}}\" while parsing terminal"


def test_jsonnet_spec_errors_name_the_field(tmp_path):
    write_spec(tmp_path, "{ service: 'a', slos: [{ name: 'x', objective: 100, sli: { bool: { metric: 'up' } } }] }\n", "a.jsonnet")
    assert diagnostics_of([tmp_path]) == [f"{tmp_path}/a.jsonnet:1:1: slos[0].objective: objective 100 leaves no error budget: don't aim for 100%, no system meets it and nothing could ever be released; pick e.g. 99.9"]


def test_convert_prints_native_yaml_that_compiles_to_the_same_rules(tmp_path):
    write_spec(tmp_path / "in", SLOTH, "sloth.yaml")
    result = run_slogen("convert", "in/sloth.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Converted by slogen from in/sloth.yaml\nversion: 1\nservice: shop\n")
    again = run_slogen("convert", "in/sloth.yaml", cwd=tmp_path)
    assert again.stdout == result.stdout
    (tmp_path / "native.yaml").write_text(result.stdout)
    strip = lambda files: {k: v.split("\n", 1)[1] for k, v in files.items() if k.startswith("rules/")}  # noqa: E731
    assert strip(compile_files([tmp_path / "native.yaml"])) == strip(compile_files([tmp_path / "in" / "sloth.yaml"]))


def test_convert_reports_bad_input_with_positions_and_exit_2(tmp_path):
    write_spec(tmp_path, SLOTH.replace("objective: 99.9", "objective: 100"), "sloth.yaml")
    result = run_slogen("convert", "sloth.yaml", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("sloth.yaml:6:16: slos[0].objective: objective 100 leaves no error budget")
    assert "Traceback" not in result.stderr


def test_jsonnet_evaluation_is_bounded_in_time_and_memory(tmp_path, monkeypatch):
    from slogen.spec.formats import jsonnet

    monkeypatch.setattr(jsonnet, "MAX_SECONDS", 2.0)
    monkeypatch.setattr(jsonnet, "MAX_MEMORY_BYTES", 512 << 20)
    # A loop that would run for hours, and an allocation far past the memory bound.
    slow = "local inner(a) = std.foldl(function(b, j) b + j, std.range(0, 30000), a);\nstd.foldl(function(a, i) inner(a), std.range(0, 30000), 0)\n"
    write_spec(tmp_path, slow, "slow.jsonnet")
    write_spec(tmp_path, "std.length(std.makeArray(1000000000, function(i) [i, i, i]))\n", "huge.jsonnet")
    got = diagnostics_of([tmp_path])
    assert got == [
        f"{tmp_path}/huge.jsonnet:1:1: jsonnet evaluation needed more than 512 MiB; stopped",
        f"{tmp_path}/slow.jsonnet:1:1: jsonnet evaluation took longer than 2s; stopped",
    ], got


PYRRA_NATIVE = """
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: api-latency, namespace: web}
spec:
  target: '99'
  window: 2w
  indicator:
    latencyNative:
      latency: %s
      total: {metric: 'http_duration_seconds{job="api"}'}
      grouping: [route]
"""


def test_pyrra_latency_native_becomes_a_native_latency_sli(tmp_path):
    # Issue 29: Pyrra's share of the native histogram at or below `latency`.
    [spec] = _native([write_spec(tmp_path, PYRRA_NATIVE % "300ms")])
    slo = spec["slos"][0]
    assert slo["sli"] == {"latency": {"histogram": 'http_duration_seconds{job="api"}', "format": "native", "threshold": "300ms"}}
    assert slo["grouping"] == ["route"]
    rules = compile_files([write_spec(tmp_path, PYRRA_NATIVE % "300ms")])["rules/web.yml"]
    assert 'histogram_fraction(-Inf, 0.3, sum by (route) (rate(http_duration_seconds{job="api"}[5m])))' in rules


def test_pyrra_latency_native_in_an_unreadable_unit_is_located(tmp_path):
    path = write_spec(tmp_path, PYRRA_NATIVE % "1h")
    assert diagnostics_of([path]) == [f"{path}:9:16: spec.indicator.latencyNative.latency: latency '1h': slogen reads a latency in ms, s or m, e.g. 300ms"]


SLOTH_NATIVE = """
version: "prometheus/v1"
service: shop
slos:
  - name: latency
    objective: 99
    sli:
      events:
        error_query: %s
        total_query: histogram_count(sum%s(rate(h{job="shop"}[{{.window}}])))
"""
S = 'sum%s(rate(h{job="shop"}[{{.window}}]))'


@pytest.mark.parametrize(
    "errors",
    [
        f"histogram_count({S}) * (1 - histogram_fraction(0, 0.3, {S}))",
        f"histogram_count({S}) - histogram_fraction(-Inf, 0.3, {S}) * histogram_count({S})",
        f"histogram_count({S}) - (histogram_count({S}) * histogram_fraction(0, 0.3, {S}))",
    ],
)
@pytest.mark.parametrize("by", ["", " by (route)"])
def test_sloth_native_histogram_queries_read_as_a_native_latency_sli(tmp_path, errors, by):
    # Issue 29: understood, so slogen can test it; grouped by the queries' `by`.
    [spec] = _native([write_spec(tmp_path, SLOTH_NATIVE % (errors.replace("%s", by), by))])
    slo = spec["slos"][0]
    assert slo["sli"] == {"latency": {"histogram": 'h{job="shop"}', "format": "native", "threshold": 0.3}}
    assert slo.get("grouping", []) == (["route"] if by else [])


@pytest.mark.parametrize(
    "errors",
    [
        f'histogram_count({S}) * (1 - histogram_fraction(0, 0.3, sum(rate(h{{job="other"}}[{{{{.window}}}}]))))',  # another histogram
        f"histogram_count({S}) * (1 - histogram_fraction(0.1, 0.3, {S}))",  # a band, not a latency threshold
        f"histogram_count({S}) * histogram_fraction(0, 0.3, {S})",  # the good events as errors
    ],
)
def test_other_histogram_queries_stay_query_slis(tmp_path, errors):
    [spec] = _native([write_spec(tmp_path, SLOTH_NATIVE % (errors.replace("%s", ""), ""))])
    assert set(spec["slos"][0]["sli"]) == {"query"}


def test_openslo_native_histogram_good_over_total_reads_as_a_native_latency_sli(tmp_path):
    write_spec(tmp_path, OPENSLO_SLO, "slo.yaml")
    summed = 'sum(rate(h{job="checkout"}[{{window}}]))'
    good = f"histogram_fraction(0, 0.25, {summed}) * histogram_count({summed})"
    sli = OPENSLO_SLI.replace("    counter: true\n", "").replace("bad: {metricSource: {metricSourceRef: prom}}", "good: {metricSource: {metricSourceRef: prom, spec: {query: '" + good + "'}}}")
    sli = sli.replace("""query: 'http_requests_total{job="checkout"}'""", f"query: 'histogram_count({summed})'")
    write_spec(tmp_path, sli, "sli.yaml")
    [spec] = _native([tmp_path])
    assert spec["slos"][0]["sli"] == {"latency": {"histogram": 'h{job="checkout"}', "format": "native", "threshold": 0.25}}
