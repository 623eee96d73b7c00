"""Issue 16: real Sloth, Pyrra and OpenSLO files keep their source tool's meaning.

Each test is one class of real files (tests/conformance/*/real holds the files
themselves): Sloth's per-group SLIs, missing good series, crashes, YAML lists of OpenSLO
objects, Pyrra files as committed, shared severities, Pyrra's alerting semantics, one-pass
validation, Sloth's global options and the label compatibility mode.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from slogen.emit.native_yaml import native_data
from slogen.spec.load import load_specs

from promtool_scenarios import counter, run
from slogen_testing import compile_files, diagnostics_of, run_slogen, write_spec
from spec_literals import openslo_shop

REAL = Path(__file__).resolve().parents[1] / "conformance"


def _native(paths, **kwargs) -> list[dict]:
    loaded, diagnostics = load_specs(paths, **kwargs)
    assert not diagnostics, "\n".join(map(str, diagnostics))
    return [native_data(item.spec) for item in loaded]


def _warnings(paths) -> list[str]:
    loaded, diagnostics = load_specs(paths)
    assert not diagnostics, "\n".join(map(str, diagnostics))
    return [str(w) for item in loaded for w in item.warnings]


SLOTH_BY_HOST = """
version: prometheus/v1
service: gateway
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(requests_total{code=~"5.."}[{{.window}}])) by (host)
        total_query: sum(rate(requests_total[{{.window}}]) )by (host)
    alerting:
      name: GatewayBurn
      page_alert: {labels: {severity: critical}}
      ticket_alert: {labels: {severity: warning}}
"""


def test_sloth_outer_by_is_one_sli_per_group(tmp_path, promtool):
    """Class 1 (kuadrant): a host failing 100% beside a healthy busy host pages, for that host only."""
    [spec] = _native([write_spec(tmp_path, SLOTH_BY_HOST)])
    assert spec["slos"][0]["grouping"] == ["host"]
    series = {
        'requests_total{host="busy", code="200"}': counter((120, 6000)),
        'requests_total{host="small", code="500"}': counter((120, 60)),
    }
    checks = [
        {"expr": 'count by (host) (count without (slo_tier) (ALERTS{alertname="GatewayBurn", alertstate="firing", severity="critical"}))',
         "eval_time": "60m", "exp_samples": [{"labels": '{host="small"}', "value": 1}]},
        {"expr": 'slo:sli_error:ratio_rate5m{host="busy"}', "eval_time": "60m", "exp_samples": [{"labels": _labels("busy"), "value": 0}]},
    ]
    run(tmp_path, promtool, SLOTH_BY_HOST, series, checks)


def _labels(host: str) -> str:
    return f'{{__name__="slo:sli_error:ratio_rate5m", host="{host}", slo_id="gateway-availability", slo_name="availability", slo_service="gateway", slo_window="5m"}}'


def test_sloth_by_mismatch_is_a_located_error(tmp_path):
    bad = SLOTH_BY_HOST.replace("by (host)\n", "by (host, route)\n", 1)
    [message] = diagnostics_of([write_spec(tmp_path, bad)])
    assert message.startswith(f"{tmp_path}/spec.yaml:8:22: slos[0].sli.events.error_query: error_query keeps the labels (host, route) but total_query keeps (host)")


def test_sloth_raw_ratio_by_is_grouped_too(tmp_path):
    text = """
    version: prometheus/v1
    service: gateway
    slos:
      - name: latency
        objective: 99
        sli:
          raw:
            error_ratio_query: 1 - (sum by (host) (rate(h_bucket{le="0.5"}[{{.window}}])) / sum by (host) (rate(h_count[{{.window}}])))
    """
    [spec] = _native([write_spec(tmp_path, text)])
    slo = spec["slos"][0]
    assert slo["grouping"] == ["host"] and slo["sli"]["query"]["total"].startswith("count by (host)(")


OPENSLO_GOOD_TOTAL = openslo_shop('sum(rate(http_requests_total{code!~"5.."}[{{.Window}}]))', "sum(rate(http_requests_total[{{.Window}}]))", counter=True)


def test_openslo_missing_good_series_is_all_bad(tmp_path, promtool):
    """Class 2: with only 5xx traffic the good query is empty; the SLI must be 100% errors, not 0."""
    series = {'http_requests_total{code="500"}': counter((60, 60))}
    checks = [{"expr": "slo:sli_error:ratio_rate5m", "eval_time": "30m",
               "exp_samples": [{"labels": '{__name__="slo:sli_error:ratio_rate5m", slo_id="shop-availability", slo_name="availability", slo_service="shop", slo_window="5m"}', "value": 1}]}]
    run(tmp_path, promtool, OPENSLO_GOOD_TOTAL, series, checks)


def test_openslo_policy_name_as_plain_string_is_a_located_refusal(tmp_path):
    """Class 3: `alertPolicies: [Some-Name]` crashed (exit 70); now one located line, exit 2."""
    text = OPENSLO_GOOD_TOTAL + "  alertPolicies: [Some-Name]\n"
    path = write_spec(tmp_path, text)
    result = run_slogen("validate", str(path))
    assert result.returncode == 2, result.stderr
    assert f"{path}:16:19: spec.alertPolicies[0]: expected an inline AlertPolicy or a reference `alertPolicyRef: 'Some-Name'`" in result.stderr


def test_openslo_yaml_list_is_read_as_objects(tmp_path):
    """Class 4: the list form oslo, the OpenSLO SDK and Nobl9 write."""
    document = yaml.safe_load(OPENSLO_GOOD_TOTAL)
    path = tmp_path / "list.yaml"
    path.write_text(yaml.safe_dump([document, {**document, "metadata": {"name": "second"}}], sort_keys=False))
    assert [s["name"] for spec in _native([path]) for s in spec["slos"]] == ["availability", "second"]
    # Positions stay those of each list item.
    second = yaml.safe_load(OPENSLO_GOOD_TOTAL.replace("name: availability", "name: second").replace("Occurrences", "Timeslots"))
    path.write_text(yaml.safe_dump([document, second], sort_keys=False))
    [message] = diagnostics_of([path])
    assert message.startswith(f"{path}:35:22: spec.budgetingMethod: budgetingMethod 'Timeslots' is not"), message


def test_pyrra_files_as_committed_are_read(tmp_path):
    """Class 5: `apiVersion: v1alpha1` and full Kubernetes metadata (rhobs/configuration)."""
    [spec] = _native([REAL / "pyrra/real/rhobs-rhelemeter-receive-availability-v1alpha1.yaml"])
    assert spec["service"] == "default" and spec["slos"][0]["objective"] == 99
    text = """
    apiVersion: v1alpha1
    kind: ServiceLevelObjective
    metadata:
      name: api
      namespace: web
      creationTimestamp: null
      resourceVersion: "42"
      uid: 0f0e
      generation: 3
      managedFields: [{manager: kubectl, operation: Apply}]
    spec:
      target: "99"
      window: 28d
      indicator: {ratio: {errors: {metric: 'x_total{code="500"}'}, total: {metric: x_total}}}
    """
    assert _native([write_spec(tmp_path, text)])[0]["service"] == "web"


def test_sloth_shared_severity_gets_sloth_severity(tmp_path):
    """Class 6 (skyapps): `severity` in alerting.labels; Sloth tells the alerts apart with sloth_severity."""
    [spec] = _native([REAL / "sloth/real/skyapps-tiers-raw-error-ratio.yaml"])
    alerting = spec["slos"][0]["alerting"]
    assert alerting["labels"]["severity"] == "critical"
    assert alerting["page"]["labels"] == {"sloth_severity": "page"} and alerting["ticket"]["labels"] == {"sloth_severity": "ticket"}


PYRRA_90 = """
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: client-errors, namespace: parca}
spec:
  target: '90'
  window: 2w
  indicator:
    ratio:
      errors: {metric: 'grpc_client_handled_total{grpc_code="Unavailable"}'}
      total: {metric: grpc_client_handled_total}
"""


def test_pyrra_low_target_alerts_with_a_warning(tmp_path, promtool):
    """Class 7: a 90% target still alerts (Pyrra's 7x, 2x and 1x tiers); the 14x tier that cannot fire is a warning."""
    path = write_spec(tmp_path, PYRRA_90)
    [warning] = _warnings([path])
    assert warning == (
        f"{path}:5:11: spec.target: Pyrra's 14x page tier can never fire at target 90: it needs an error ratio above 14 x 10% = 140%; "
        "Pyrra emits it anyway, slogen leaves it out (it can fire from a target above 92.86)"
    )
    [spec] = _native([path])
    alerting = spec["slos"][0]["alerting"]
    assert [t["burn_rate"] for t in alerting["page"]["tiers"]] == [7] and alerting["scale_from"] == "28d"
    # 100% errors: the 7x page tier (3h/15m at 2w, for 8m) fires.
    series = {'grpc_client_handled_total{grpc_code="Unavailable"}': counter((60, 60))}
    checks = [{"expr": 'count(count without (slo_tier) (ALERTS{alertname="SLOErrorBudgetBurn", alertstate="firing", severity="critical"}))', "eval_time": "40m",
               "exp_samples": [{"labels": "{}", "value": 1}]}]
    run(tmp_path, promtool, PYRRA_90, series, checks)


def test_pyrra_windows_scale_with_the_slo_window(tmp_path):
    """Class 7: Pyrra's windows are its 28d table x window / 28d; slogen's explain shows the same."""
    text = PYRRA_90.replace("'90'", "'99'")
    result = run_slogen("explain", "--markdown", str(write_spec(tmp_path, text)))
    assert result.returncode == 0, result.stderr
    # 2w: Pyrra's 3m/30m (short raised to slogen's 5m base rate), 15m/3h, 1h/12h, 3h/2d.
    for windows in ("30m / 5m", "3h / 15m", "12h / 1h", "2d / 3h"):
        assert windows in result.stdout, result.stdout


def test_native_specs_keep_strict_errors(tmp_path):
    """Class 7: the native spec still refuses a tier that can never fire."""
    text = """
    service: shop
    slos:
      - name: low
        objective: 90
        sli: {ratio: {errors: 'x_total{code="500"}', total: x_total}}
    """
    [message] = diagnostics_of([write_spec(tmp_path, text)])
    assert "can never fire" in message


def test_pyrra_hints_name_pyrra_keys(tmp_path):
    text = PYRRA_90.replace("'90'", "'99'").replace("grpc_client_handled_total}", "'grpc_client_handled_total[5m]'}")
    [message] = diagnostics_of([write_spec(tmp_path, text)])
    assert ": spec.indicator.ratio.total.metric: " in message


def test_every_problem_of_an_openslo_document_in_one_pass(tmp_path):
    """Class 8: all problems at once, and a policy nothing refers to is still checked."""
    text = OPENSLO_GOOD_TOTAL.replace("Occurrences", "Timeslots").replace("28d", "1M") + """---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: unused}
spec:
  conditions:
    - kind: AlertCondition
      metadata: {name: fast}
      spec: {severity: urgent, condition: {kind: burnrate, op: gt, threshold: 14, lookbackWindow: 1h}}
"""
    messages = diagnostics_of([write_spec(tmp_path, text)])
    assert [m.split(": ", 2)[1] for m in messages] == ["spec.budgetingMethod", "spec.timeWindow[0].duration", "spec.conditions[0].spec.severity"]


def test_openslo_reference_problems_are_located_in_the_referring_file(tmp_path):
    """A conditionRef in a policy file is reported in that file, not in the SLO's (FINDINGS O7)."""
    slo = OPENSLO_GOOD_TOTAL + "  alertPolicies: [{alertPolicyRef: page}]\n"
    policy = """
    apiVersion: openslo/v1
    kind: AlertPolicy
    metadata: {name: page}
    spec:
      conditions: [{conditionRef: missing}]
    """
    paths = [write_spec(tmp_path, slo, "slo.yaml"), write_spec(tmp_path, policy, "policy.yaml")]
    [message] = diagnostics_of(paths)
    assert message == f"{tmp_path}/policy.yaml:5:31: spec.conditions[0].conditionRef: no AlertCondition named 'missing' in the spec files"


def test_sloth_global_options(tmp_path):
    """Class 9: --default-slo-period, --extra-labels, --disable-alerts and include/exclude patterns."""
    specs = tmp_path / "specs"
    write_spec(specs, SLOTH_BY_HOST, "gateway.yaml")
    write_spec(specs, "not: a spec\n", "values.yaml")
    out = tmp_path / "out"
    refused = run_slogen("generate", str(specs), "--out", str(out))
    assert refused.returncode == 2 and "values.yaml:1:1: not a slogen spec" in refused.stderr
    result = run_slogen(
        "generate", str(specs), "--out", str(out), "--exclude", r"values\.yaml$",
        "--default-slo-period", "28d", "--extra-labels", "env=prod", "--disable-alerts",
    )
    assert result.returncode == 0, result.stderr
    rules = (out / "rules" / "gateway.yml").read_text()
    assert "ratio_rate28d" in rules and "ratio_rate30d" not in rules
    assert "env: prod" in rules and "alert:" not in rules
    included = run_slogen("validate", str(specs), "--include", "gateway")
    assert included.returncode == 0, included.stderr


def test_label_compatibility_mode(tmp_path):
    """Class 10: --label-compat sloth adds Sloth's label names to series and alerts; pyrra adds `slo`."""
    path = write_spec(tmp_path, SLOTH_BY_HOST)
    out = tmp_path / "out"
    result = run_slogen("generate", str(path), "--out", str(out), "--label-compat", "sloth,pyrra")
    assert result.returncode == 0, result.stderr
    rules = yaml.safe_load((out / "rules" / "gateway.yml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    records = [r for g in rules["groups"] for r in g["rules"] if "record" in r]
    assert {a["labels"]["sloth_severity"] for a in alerts} == {"page", "ticket"}
    # The base rules carry the SLO's labels; the shared rules keep them from their inputs.
    meta = next(r for r in records if r["record"] == "slo:sli_events:rate5m")
    assert {k: meta["labels"][k] for k in ("sloth_id", "sloth_service", "sloth_slo", "slo")} == {
        "sloth_id": "gateway-availability", "sloth_service": "gateway", "sloth_slo": "availability", "slo": "availability",
    }
    unknown = run_slogen("validate", str(path), "--label-compat", "nobl9")
    assert unknown.returncode == 2 and "--label-compat 'nobl9': expected one of sloth, pyrra" in unknown.stderr


def test_converted_pyrra_spec_compiles_to_the_same_rules_through_convert(tmp_path):
    """`slogen convert` writes the scaled tiers as native YAML (`scale_from`, `burn_rate`) that compiles alike."""
    path = write_spec(tmp_path, PYRRA_90)
    result = run_slogen("convert", str(path))
    assert result.returncode == 0, result.stderr
    native = write_spec(tmp_path / "native", result.stdout)
    strip = lambda files: {k: "\n".join(x for x in v.split("\n") if not x.startswith("# Generated")) for k, v in files.items()}  # noqa: E731
    assert strip(compile_files([native])) == strip(compile_files([path]))


def test_infinite_latency_thresholds_never_crash(tmp_path):
    """A Pyrra `le="+Inf"` bucket is read as good/total counters; a native infinite threshold is a located error (both were exit 70)."""
    text = PYRRA_90.replace("'90'", "'99'").replace(
        "ratio:\n      errors: {metric: 'grpc_client_handled_total{grpc_code=\"Unavailable\"}'}\n      total: {metric: grpc_client_handled_total}",
        "latency:\n      success: {metric: 'h_bucket{le=\"+Inf\"}'}\n      total: {metric: h_count}",
    )
    [spec] = _native([write_spec(tmp_path, text)])
    assert spec["slos"][0]["sli"] == {"ratio": {"good": 'h_bucket{le="+Inf"}', "total": "h_count"}}
    native = "service: s\nslos:\n- name: a\n  objective: 99\n  sli: {latency: {histogram: h, threshold: .inf}}\n"
    [message] = diagnostics_of([write_spec(tmp_path / "native", native)])
    assert message.endswith("slos[0].sli.latency.threshold: threshold must be a finite number of seconds, a bucket boundary such as 0.3")


def test_a_list_mixing_objects_and_other_data_names_the_item(tmp_path):
    text = "- apiVersion: openslo/v1\n  kind: SLI\n  metadata: {name: a}\n  spec: {}\n- foo: 1\n"
    [message] = diagnostics_of([write_spec(tmp_path, text)])
    assert message.endswith("spec.yaml:1:1: a YAML list is read as OpenSLO, Pyrra or Sloth objects, but item [1] is not one (recognised by its apiVersion and kind)")


@pytest.mark.slow
def test_converted_pyrra_spec_passes_its_generated_promtool_tests(tmp_path, promtool):
    """Pyrra's tiers carry a `for`: the generated reset scenarios must not expect a pending alert to fire."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "parca.yaml").write_text((REAL / "pyrra/real/parca-grpc-profilestore-errors-999.yaml").read_text())
    out = tmp_path / "out"
    assert run_slogen("generate", str(specs), "--out", str(out)).returncode == 0
    result = run_slogen("test", str(specs), "--out", str(out), timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
