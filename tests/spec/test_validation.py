"""Every validation rule: its message and the line:col it points at."""

from __future__ import annotations

import pytest

from slogen_testing import compile_files, diagnostics_of, write_spec

GOOD_SLI = """\
    sli:
      ratio:
        errors: http_requests_total{job="api", code=~"5.."}
        total: http_requests_total{job="api"}
"""


def _check(tmp_path, text: str) -> list[str]:
    return diagnostics_of([write_spec(tmp_path, text)])


def _slo(extra: str = "", objective: str = "99.9", sli: str = GOOD_SLI) -> str:
    return f"service: api\nslos:\n  - name: availability\n    objective: {objective}\n{extra}{sli}"


@pytest.mark.parametrize(
    "objective, message",
    [
        ("100", "spec.yaml:4:16: slos[0].objective: objective 100 leaves no error budget: don't aim for 100%"),
        ("100.5", "spec.yaml:4:16: slos[0].objective: objective must be a percentage between 0 and 100 (exclusive), got 100.5"),
        ("0", "spec.yaml:4:16: slos[0].objective: objective must be a percentage between 0 and 100 (exclusive), got 0"),
        ("-3", "spec.yaml:4:16: slos[0].objective: objective must be a percentage between 0 and 100 (exclusive)"),
        ("yes", "spec.yaml:4:16: slos[0].objective: objective must be a number in percent, e.g. 99.9"),
        (".nan", "spec.yaml:4:16: slos[0].objective: must be a finite number, got .nan"),
        ("99.9%", "spec.yaml:4:16: slos[0].objective: expected a number, got '99.9%': drop the %"),
    ],
)
def test_objective_range(tmp_path, objective, message):
    got = _check(tmp_path, _slo(objective=objective))
    assert len(got) == 1 and got[0].startswith(str(tmp_path / message.split(":")[0]) + message[len("spec.yaml"):]), got


def test_messages_carry_path_line_and_column(tmp_path):
    got = _check(tmp_path, _slo(objective="100"))
    assert got == [
        f"{tmp_path}/spec.yaml:4:16: slos[0].objective: objective 100 leaves no error budget: don't aim for 100%, "
        "no system meets it and nothing could ever be released; pick e.g. 99.9"
    ]


def test_unknown_key_points_at_the_key(tmp_path):
    got = _check(tmp_path, _slo(extra="    windw: 30d\n"))
    assert got == [f"{tmp_path}/spec.yaml:5:5: slos[0].windw: unknown key 'windw': did you mean 'window'?"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("    objectve: 99.9\n", "slos[0].objectve: unknown key 'objectve': did you mean 'objective'?"),
        ("    groupby: [route]\n", "slos[0].groupby: unknown key 'groupby': did you mean 'grouping'?"),
        ("    alerting:\n      min_event: 5\n", "slos[0].alerting.min_event: unknown key 'min_event': did you mean 'min_events'?"),
        ("    zzz: 1\n", "slos[0].zzz: unknown key 'zzz'"),
    ],
)
def test_unknown_keys_get_the_closest_known_key_of_their_mapping(tmp_path, text, expected):
    got = _check(tmp_path, _slo(extra=text))
    assert any(line.startswith(f"{tmp_path}/spec.yaml:") and line.endswith(expected) for line in got), got


def test_unknown_key_deep_in_an_sli_names_the_sli_key(tmp_path):
    sli = "    sli:\n      latency:\n        histogram: h{job=\"a\"}\n        treshold: 0.3\n"
    got = _check(tmp_path, _slo(sli=sli))
    assert f"{tmp_path}/spec.yaml:8:9: slos[0].sli.latency.treshold: unknown key 'treshold': did you mean 'threshold'?" in got, got


@pytest.mark.parametrize("objective, hint", [("0.999", "did you mean 99.9? "), ("0.5", "did you mean 50? "), ("42", "")])
def test_an_objective_below_50_is_taken_for_a_ratio(tmp_path, objective, hint):
    got = _check(tmp_path, _slo(objective=objective, extra="    alerting: false\n"))
    assert got == [
        f"{tmp_path}/spec.yaml:4:16: slos[0].objective: objective {objective} is a percentage below 50%: {hint}objectives are "
        "percentages (99.9, not 0.999); set `allow_low_objective: true` on the SLO if you mean it"
    ]
    # Said once: the tiers it makes unfireable are not listed too.
    assert len(_check(tmp_path, _slo(objective=objective))) == 1
    assert _check(tmp_path, _slo(objective=objective, extra="    allow_low_objective: true\n    alerting: false\n")) == []


def test_grouping_by_a_static_label_is_located_at_the_grouping_entry(tmp_path):
    text = "service: api\nlabels: {team: shop}\nslos:\n  - name: availability\n    objective: 99.9\n    grouping: [route, team]\n"
    got = _check(tmp_path, text + GOOD_SLI)
    assert got == [
        f"{tmp_path}/spec.yaml:6:23: slos[0].grouping[1]: grouping label 'team' is also a static label (labels.team): the rules "
        "would overwrite its values and Prometheus would reject their results; drop one of the two or rename the static label"
    ]
    severity = "    grouping: [severity]\n    alerting:\n      page: {labels: {severity: critical}}\n"
    (message,) = _check(tmp_path, _slo(extra=severity))
    assert "slos[0].grouping[0]: grouping label 'severity' is also a static label (slos[0].alerting.page.labels.severity)" in message


@pytest.mark.parametrize("field", ["errors", "good"])
def test_a_ratio_part_selecting_the_same_series_as_total_is_an_error(tmp_path, field):
    sli = f"    sli:\n      ratio:\n        {field}: r{{code=\"5\", job=\"a\"}}\n        total: r{{job=\"a\", code=\"5\"}}\n"
    (message,) = _check(tmp_path, _slo(sli=sli))
    assert message.startswith(f"{tmp_path}/spec.yaml:7:") and f"slos[0].sli.ratio.{field}: `{field}` selects the same series as `total`" in message


def test_missing_key_points_at_the_enclosing_mapping(tmp_path):
    got = _check(tmp_path, "service: api\nslos:\n  - name: availability\n" + GOOD_SLI)
    assert got == [f"{tmp_path}/spec.yaml:3:5: slos[0].objective: required key is missing"]


def test_all_problems_are_reported_not_just_the_first(tmp_path):
    text = "service: Api\nlabels: {slo_team: x}\nslos:\n  - name: a\n    objective: 100\n    window: 30x\n" + GOOD_SLI
    got = _check(tmp_path, text)
    assert [g.split(": ", 1)[0].rsplit(":", 2)[1:] for g in got] == [["1", "10"], ["5", "16"], ["6", "13"]]
    assert "'Api' is not a valid name" in got[0]


@pytest.mark.parametrize(
    "sli, line_col, message",
    [
        (
            '    sli:\n      ratio:\n        errors: sum(rate(x[5m]))\n        total: x\n',
            "7:17",
            "slos[0].sli.ratio.errors: expected a plain selector like metric{label=\"value\"}, got 'sum(rate(x[5m]))'",
        ),
        (
            '    sli:\n      ratio:\n        errors: x{code=~"5(.."}\n        total: x\n',
            "7:17",
            "slos[0].sli.ratio.errors: invalid PromQL: illegal regex for 5(..",
        ),
        (
            '    sli:\n      ratio:\n        errors: x\n        total: x{job="api"\n',
            "8:16",
            "slos[0].sli.ratio.total: invalid PromQL",
        ),
        (
            '    sli:\n      latency:\n        histogram: h_bucket{job="a"}\n        threshold: 0.3\n',
            "7:20",
            "slos[0].sli.latency.histogram: give the histogram's base name without _bucket/_count/_sum, e.g. h",
        ),
        (
            '    sli:\n      query:\n        errors: sum(rate(x[{{window}}])) or\n        total: sum(rate(y[{{window}}]))\n',
            "7:17",
            "slos[0].sli.query.errors: invalid PromQL",
        ),
        (
            '    sli:\n      query:\n        errors: sum(rate(x[{{window}}]))\n        total: rate(y[{{window}}])[5m:]\n',
            "8:16",
            "slos[0].sli.query.total: the query must return an instant vector of per-second rates, not a range",
        ),
        (
            '    sli:\n      ratio: {errors: a, good: b, total: c}\n',
            "6:14",
            "slos[0].sli.ratio: give exactly one of `errors` or `good` beside `total`",
        ),
        ("    sli: {}\n", "5:10", "slos[0].sli: an SLI needs exactly one kind: ratio, latency, bool, query, timeslices or composite"),
    ],
)
def test_promql_and_sli_problems_point_at_the_spec_line(tmp_path, sli, line_col, message):
    got = _check(tmp_path, _slo(sli=sli))
    assert len(got) == 1, got
    assert got[0].startswith(f"{tmp_path}/spec.yaml:{line_col}: {message}"), got


def test_tier_that_can_never_fire_is_an_error(tmp_path):
    got = _check(tmp_path, _slo(objective="90"))
    assert got == [
        f"{tmp_path}/spec.yaml:4:16: slos[0].objective: the page tier burning 2% of the budget in 1h can never fire: "
        "burn factor 14.4 x error budget 0.1 = 1.44 is more than a 100% error rate; lower the tier's budget share, "
        "lengthen its window, or raise the objective"
    ]


def test_window_too_short_for_the_alert_windows(tmp_path):
    got = _check(tmp_path, _slo(extra="    window: 2d\n"))
    assert got == [f"{tmp_path}/spec.yaml:5:13: slos[0].window: SLO window 2d is shorter than the 3d long window of the default ticket tier"]


def test_custom_tier_problems(tmp_path):
    alerting = (
        "    alerting:\n      page:\n        tiers:\n"
        "          - {budget_percent: 2, long_window: 1h, short_window: 2h}\n"
        "          - {budget_percent: 5, long_window: 2m}\n"
        "      ticket: {labels: {severity: page}}\n"
    )
    got = _check(tmp_path, _slo(extra=alerting))
    assert got == [
        f"{tmp_path}/spec.yaml:6:7: slos[0].alerting: page and ticket alerts would have the same labels; give them different severity labels",
        f"{tmp_path}/spec.yaml:8:64: slos[0].alerting.page.tiers[0].short_window: short window 2h must be shorter than the long window 1h",
        f"{tmp_path}/spec.yaml:9:13: slos[0].alerting.page.tiers[1].short_window: short window 5m must be shorter than the long window 2m",
        f"{tmp_path}/spec.yaml:9:30: slos[0].alerting.page.tiers[1].budget_percent: the page tier burning 5% of the budget in 2m "
        "can never fire: burn factor 1080 x error budget 0.001 = 1.08 is more than a 100% error rate; lower the tier's budget share, "
        "lengthen its window, or raise the objective",
        f"{tmp_path}/spec.yaml:9:46: slos[0].alerting.page.tiers[1].long_window: long window 2m is shorter than the 5m base rate",
    ]


def test_reserved_and_invalid_labels(tmp_path):
    text = 'service: api\nlabels: {slo_team: x, __a: b, "bad-name": c, ok: ""}\nslos:\n  - name: a\n    objective: 99\n' + GOOD_SLI
    got = _check(tmp_path, text)
    assert got == [
        f"{tmp_path}/spec.yaml:2:43: labels.bad-name: label name 'bad-name' is a UTF-8 name, which only Prometheus 3 accepts; "
        "slogen writes rules that must also load on Prometheus 2 (2.42), which rejects it: use letters, digits and '_', not starting with a digit, or give --name-validation utf8 when every engine that loads the rules is Prometheus 3 with metric_name_validation_scheme: utf8 (its default)",
        f"{tmp_path}/spec.yaml:2:50: labels.ok: must not be empty",
    ]


OTEL_SPEC = """service: api
slos:
  - name: a
    objective: 99
    grouping: ["service.name"]
    sli:
      ratio:
        errors: '{"http.server.request.duration_count", "http.response.status_code"=~"5.."}'
        total: 'http_server_request_duration_count{"url.scheme"="https"}'
  - name: b
    objective: 99
    sli:
      query:
        errors: 'sum(rate({"http.server.errors"}[{{window}}]))'
        total: 'sum by ("service.name") (rate(requests_total[{{window}}]))'
"""


def test_utf8_names_are_located_errors_naming_the_engine(tmp_path):
    """Prometheus 3's quoted names: a located error saying why (was exit 70, `generated invalid PromQL`)."""
    why = "which only Prometheus 3 accepts; slogen writes rules that must also load on Prometheus 2 (2.42), which rejects it"
    option = ", or give --name-validation utf8 when every engine that loads the rules is Prometheus 3 with metric_name_validation_scheme: utf8 (its default)"
    label = "use letters, digits and '_', not starting with a digit" + option
    metric = "use letters, digits, '_' and ':', not starting with a digit" + option
    assert _check(tmp_path, OTEL_SPEC) == [
        f"{tmp_path}/spec.yaml:5:16: slos[0].grouping[0]: label name 'service.name' is a UTF-8 name, {why}: {label}",
        f"{tmp_path}/spec.yaml:8:17: slos[0].sli.ratio.errors: metric name 'http.server.request.duration_count' is a UTF-8 name, {why}: {metric}",
        f"{tmp_path}/spec.yaml:9:16: slos[0].sli.ratio.total: label name 'url.scheme' is a UTF-8 name, {why}: {label}",
        f"{tmp_path}/spec.yaml:14:17: slos[1].sli.query.errors: metric name 'http.server.errors' is a UTF-8 name, {why}: {metric}",
        f"{tmp_path}/spec.yaml:15:16: slos[1].sli.query.total: label name 'service.name' is a UTF-8 name, {why}: {label}",
    ]


def test_reserved_labels_reported_per_key(tmp_path):
    text = "service: api\nlabels: {slo_id: x, __a: b, slo_version: '2'}\nslos:\n  - name: a\n    objective: 99\n" + GOOD_SLI
    assert _check(tmp_path, text) == [
        f"{tmp_path}/spec.yaml:2:10: labels.slo_id: label name 'slo_id' is reserved: slogen writes it itself (its labels: "
        "slo_action, slo_dashboard, slo_description, slo_id, slo_name, slo_objective, slo_period, slo_service, slo_sli_kind, slo_tier, slo_window)",
        f"{tmp_path}/spec.yaml:2:21: labels.__a: label name '__a' is reserved for Prometheus internals",
    ]


def test_duplicate_slo_names(tmp_path):
    text = "service: api\nslos:\n  - name: a\n    objective: 99\n" + GOOD_SLI + "  - name: a\n    objective: 99\n" + GOOD_SLI
    assert _check(tmp_path, text) == [f"{tmp_path}/spec.yaml:9:11: slos[1].name: SLO name 'a' is already used by slos[0] of this service"]


def test_duplicate_yaml_keys_are_errors(tmp_path):
    text = "service: api\nslos:\n  - name: a\n    name: b\n    objective: 99\n" + GOOD_SLI
    assert _check(tmp_path, text) == [
        f"{tmp_path}/spec.yaml:4:5: duplicate key 'name' (first at line 3); YAML would silently keep only the last one"
    ]


def test_yaml_syntax_errors_and_tabs(tmp_path):
    assert _check(tmp_path, "service: [\n") == [
        f"{tmp_path}/spec.yaml:2:1: invalid YAML: did not find expected node content (while parsing a flow node)"
    ]
    got = _check(tmp_path, "service: x\nslos:\n\t- name: a\n")
    assert got[0].endswith("YAML does not allow tabs for indentation, use spaces") and ":3:1:" in got[0]


def test_services_and_slo_ids_are_unique_across_files(tmp_path):
    a = write_spec(tmp_path, "service: a-b\nslos:\n  - name: c\n    objective: 99\n" + GOOD_SLI, "one.yaml")
    b = write_spec(tmp_path, "service: a\nslos:\n  - name: b-c\n    objective: 99\n" + GOOD_SLI, "two.yaml")
    c = write_spec(tmp_path, "service: a\nslos:\n  - name: d\n    objective: 99\n" + GOOD_SLI, "three.yaml")
    got = diagnostics_of([a, b, c])
    assert got == [
        f"{tmp_path}/three.yaml:1:10: service: service 'a' is already defined in {tmp_path}/two.yaml",
        f"{tmp_path}/two.yaml:3:11: slos[0].name: slo_id 'a-b-c' is also produced by a spec in {tmp_path}/one.yaml; rename one",
    ]


def test_not_a_spec(tmp_path):
    assert _check(tmp_path, "- a\n- b\n") == [f"{tmp_path}/spec.yaml:1:1: not a slogen spec: expected a mapping with `service:` and `slos:`, or a Sloth, OpenSLO or Pyrra document (recognised by its version, apiVersion and kind)"]
    assert _check(tmp_path, "# only a comment\n") == [f"{tmp_path}/spec.yaml:1:1: file holds no spec"]


def test_a_ratio_objective_with_a_custom_tier_is_one_located_problem(tmp_path):
    # Issue 17: this crashed generate (exit 70) after validate said valid.
    alerting = "    alerting:\n      page:\n        tiers:\n          - {budget_percent: 33, long_window: 1d}\n      ticket: false\n"
    got = _check(tmp_path, _slo(objective="0.999", extra=alerting))
    assert len(got) == 1 and "slos[0].objective: objective 0.999 is a percentage below 50%: did you mean 99.9?" in got[0]


LATENCY = '    sli:\n      latency:\n        histogram: h{job="a"}\n        buckets: [0.1, 0.25, 0.5, 1, .inf]\n        threshold: %s\n'


@pytest.mark.parametrize("threshold", ["200ms", "0.2"])
def test_a_latency_threshold_must_be_one_of_the_stated_buckets(tmp_path, threshold):
    # Issue 33: with no `le` bucket at the threshold the good events read 0 and the SLO pages.
    assert _check(tmp_path, _slo(sli=LATENCY % threshold)) == [
        f'{tmp_path}/spec.yaml:9:20: slos[0].sli.latency.threshold: 0.2 is not a bucket boundary of h{{job="a"}}; '
        "the boundaries are 0.1, 0.25, 0.5, 1, +Inf"
    ]


@pytest.mark.parametrize("fmt", ["native", "auto"])
def test_a_native_threshold_must_be_one_of_the_stated_buckets(tmp_path, fmt):
    # Issue 29: stated buckets on a native histogram are custom buckets (NHCB), where
    # histogram_fraction would interpolate linearly between boundaries: refused, listed.
    sli = (LATENCY % "0.2").replace("        buckets:", f"        format: {fmt}\n        buckets:")
    assert _check(tmp_path, _slo(sli=sli)) == [
        f'{tmp_path}/spec.yaml:10:20: slos[0].sli.latency.threshold: 0.2 is not a bucket boundary of h{{job="a"}}; '
        "the boundaries are 0.1, 0.25, 0.5, 1, +Inf"
    ]


def test_a_latency_format_is_one_of_three(tmp_path):
    sli = (LATENCY % "0.25").replace("        buckets:", "        format: exponential\n        buckets:")
    assert _check(tmp_path, _slo(sli=sli)) == [f"{tmp_path}/spec.yaml:8:17: slos[0].sli.latency.format: expected classic, native or auto, got 'exponential'"]


@pytest.mark.parametrize("threshold", ["250ms", "0.25", "1", "1s"])
def test_a_latency_threshold_on_a_stated_bucket_is_valid(tmp_path, threshold):
    assert _check(tmp_path, _slo(sli=LATENCY % threshold)) == []


def test_stated_buckets_change_no_generated_file(tmp_path):
    with_buckets = compile_files([write_spec(tmp_path, _slo(sli=LATENCY % "250ms"))])
    without = compile_files([write_spec(tmp_path, _slo(sli=(LATENCY % "250ms").replace("        buckets: [0.1, 0.25, 0.5, 1, .inf]\n", "")))])
    assert with_buckets == without


@pytest.mark.parametrize(
    "buckets, message",
    [("[]", "8:18: slos[0].sli.latency.buckets: must not be empty"), ("[.nan]", "8:18: slos[0].sli.latency.buckets: a bucket boundary must be a number of seconds, not NaN")],
)
def test_stated_buckets_are_numbers(tmp_path, buckets, message):
    sli = (LATENCY % "0.25").replace("[0.1, 0.25, 0.5, 1, .inf]", buckets)
    assert _check(tmp_path, _slo(sli=sli)) == [f"{tmp_path}/spec.yaml:{message}"]


def test_a_week_start_is_reported_at_its_own_line(tmp_path):
    got = _check(tmp_path, _slo(extra="    window:\n      calendar: week\n      starts: sunday 25:00\n"))
    assert got == [f"{tmp_path}/spec.yaml:7:15: slos[0].window.starts: starts 'sunday 25:00': the time must be HH:MM, e.g. saturday 12:00"]


def test_a_default_model_is_shared_not_copied_per_slo():
    """Specs are frozen values: a default sub-model (an SLO's page rule) is the one instance, not
    a deep copy per SLO (a tenth of validating a large tree went to those copies)."""
    from slogen.spec.model import ServiceSpec

    slo = {"objective": 99.9, "sli": {"ratio": {"errors": 'e{job="a"}', "total": 't{job="a"}'}}, "alerting": {"labels": {"a": "b"}}}
    spec = ServiceSpec.model_validate({"service": "api", "slos": [{"name": "one", **slo}, {"name": "two", **slo}]})
    first, second = (s.alerting for s in spec.slos)
    assert first.page is second.page and first.ticket is second.ticket
