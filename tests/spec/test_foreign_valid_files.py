"""Issue 26: a Sloth, Pyrra or OpenSLO file that its own tool reads compiles, and what slogen
says about one it refuses is clear: keys the tool ignores are warnings, `-` in alert names,
`openslo.com/v1`, required keys named with their whole path, one report per problem, the
default-tier warning from every command.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from slogen_testing import compile_files, diagnostics_of, document_paths, run_promtool, run_slogen, warnings_of, write_spec
from spec_literals import openslo_shop

SLOTH = """\
version: prometheus/v1
service: shop
x-owner: team-web
defaults: &defaults
  objective: 99.9
slos:
  - name: availability
    <<: *defaults
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: shop-availability-burn
      page_alert: {labels: {severity: critical}}
      ticket_alert: {labels: {severity: warning}}
"""


def test_sloth_keys_sloth_ignores_are_located_warnings(tmp_path):
    """`x-*` keys and blocks that only hold anchors: Sloth reads the file, so slogen compiles it and says what it ignored."""
    path = write_spec(tmp_path, SLOTH)
    assert compile_files([path])
    assert [str(w) for w in warnings_of([path])] == [
        f"{path}:3:1: x-owner: unknown key 'x-owner' is ignored, as Sloth ignores it",
        f"{path}:4:1: defaults: unknown key 'defaults' is ignored, as Sloth ignores it",
    ]


@pytest.mark.parametrize("text, tool", [
    (openslo_shop("x{code=\"200\"}", "x"), "OpenSLO"),
    ("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: api, namespace: mon}\n"
     "spec: {target: '99', window: 4w, indicator: {ratio: {errors: {metric: 'x{code=\"5\"}'}, total: {metric: x}}}}\n", "Pyrra"),
])
def test_other_tools_top_level_keys_are_warnings_too(tmp_path, text, tool):
    path = write_spec(tmp_path, "x-team: web\n" + text)
    assert compile_files([path])
    assert [str(w) for w in warnings_of([path]) if "unknown key" in w.message] == [f"{path}:1:1: x-team: unknown key 'x-team' is ignored, as {tool} ignores it"]


def test_sloth_keys_below_the_top_are_warnings_unless_they_look_like_a_known_key(tmp_path):
    """Sloth reads a team's own keys inside an SLO (`tier`, `catalogEntry`) and ignores them, so
    slogen compiles and says so; a key a letter or two from a known one (`disabled`, `evnts`) is a
    mistake whose fix would change the SLO, so it stays an error naming the key meant."""
    inner = write_spec(tmp_path / "a", SLOTH.replace("    sli:\n", "    tier: low\n    sli:\n      catalogEntry: http\n"))
    assert compile_files([inner])
    assert [str(w) for w in warnings_of([inner]) if ".tier" in w.message or "catalogEntry" in w.message] == [
        f"{inner}:9:5: slos[0].tier: unknown key 'tier' is ignored, as Sloth ignores it",
        f"{inner}:11:7: slos[0].sli.catalogEntry: unknown key 'catalogEntry' is ignored, as Sloth ignores it",
    ]
    typo = write_spec(tmp_path / "b", SLOTH.replace("page_alert: {labels", "page_alert: {disabled: true, labels"))
    assert diagnostics_of([typo]) == [
        f"{typo}:15:20: slos[0].alerting.page_alert.disabled: unknown key 'disabled': did you mean 'disable'? (Sloth would ignore it)"
    ]
    native = write_spec(tmp_path / "c", "x-owner: web\nservice: shop\nslos: []\n")
    assert any(":1:1: x-owner: unknown key" in line for line in diagnostics_of([native]))


def test_alert_names_with_a_dash_compile_and_load_in_promtool(tmp_path, promtool):
    """Sloth and Prometheus take `shop-availability-burn`: promtool loads the rules, and the generated
    tests see the alert fire under that name."""
    files = compile_files([write_spec(tmp_path, SLOTH)])
    for name, text in files.items():
        (tmp_path / "out" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / name).write_text(text)
    assert "alert: shop-availability-burn" in files["rules/shop.yml"]
    for command in (("check", "rules", "rules/shop.yml"), ("test", "rules", *sorted(n for n in files if n.startswith("tests/") and n.endswith(".test.yml")))):
        result = run_promtool(promtool, *command, cwd=tmp_path / "out")
        assert result.returncode == 0, result.stdout + result.stderr


def test_openslo_kubernetes_group_reads_as_v1(tmp_path):
    text = openslo_shop('x{code="200"}', "x")
    group = compile_files([write_spec(tmp_path / "a", text.replace("openslo/v1", "openslo.com/v1"))])
    plain = compile_files([write_spec(tmp_path / "b", text)])
    assert group.keys() == plain.keys()
    assert [v.replace("/a/", "/b/") for v in group.values()] == list(plain.values())


def test_openslo_v2alpha_is_a_located_refusal_naming_it(tmp_path):
    path = write_spec(tmp_path, "kind: SLO\napiVersion: openslo.com/v2alpha\nmetadata: {name: x}\nspec: {}\n")
    [message] = diagnostics_of([path])
    assert message.startswith(f"{path}:1:1: OpenSLO openslo.com/v2alpha is not supported: v2alpha is a draft")


CONDITION = """\
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: fast}
spec:
  severity: page
  condition: {kind: burnrate, threshold: 14.4, lookbackWindow: -1h}
"""


def test_a_missing_op_is_required_and_every_other_problem_is_said_too(tmp_path):
    path = write_spec(tmp_path, CONDITION)
    assert diagnostics_of([path]) == [
        f"{path}:6:14: spec.condition.op: op is required: gt or gte (a burn-rate alert fires when the rate is above the threshold)",
        f"{path}:6:64: spec.condition.lookbackWindow: lookbackWindow '-1h' is not a duration like 1h",
    ]


def test_a_missing_threshold_op_is_required(tmp_path):
    path = write_spec(tmp_path, openslo_shop("x", "y").replace("ratioMetric:", "thresholdMetric: {metricSource: {type: Prometheus, spec: {query: x}}}\n      x:"))
    path.write_text(path.read_text().replace("objectives: [{target: 0.99}]", "objectives: [{target: 0.99, value: 1}]"))
    assert any("objectives[0].op: op is required" in line for line in diagnostics_of([path])), diagnostics_of([path])


def test_pyrra_latency_without_success_names_success(tmp_path):
    path = write_spec(tmp_path, (
        "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: lat, namespace: mon}\n"
        "spec:\n  target: '99'\n  window: 2w\n  indicator:\n    latency:\n      total: {metric: h_count}\n"
    ))
    assert diagnostics_of([path]) == [f"{path}:9:7: spec.indicator.latency.success.metric: required key is missing"]


# One valid document per shape of each format: every key is dropped in turn below.
SKELETONS = {
    "sloth": yaml.safe_load(SLOTH.replace("    <<: *defaults\n", "    objective: 99.9\n")),
    "sloth-k8s": {"apiVersion": "sloth.slok.dev/v1", "kind": "PrometheusServiceLevel", "metadata": {"name": "n"}, "spec": {
        "service": "shop", "slos": [{"name": "a", "objective": 99.9, "sli": {"raw": {"errorRatioQuery": "sum(rate(x[{{.window}}]))"}},
                                     "alerting": {"name": "A", "pageAlert": {"labels": {"x": "1"}}, "ticketAlert": {"disable": True}}}]}},
    "pyrra-latency": {"apiVersion": "pyrra.dev/v1alpha1", "kind": "ServiceLevelObjective", "metadata": {"name": "lat", "namespace": "mon"},
                      "spec": {"target": "99", "window": "4w", "indicator": {"latency": {
                          "success": {"metric": 'h_bucket{le="1"}'}, "total": {"metric": "h_count"}}}}},
    "pyrra-ratio": {"apiVersion": "pyrra.dev/v1alpha1", "kind": "ServiceLevelObjective", "metadata": {"name": "r", "namespace": "mon"},
                    "spec": {"target": "99", "window": "4w", "indicator": {"ratio": {
                        "errors": {"metric": 'x{code="5"}'}, "total": {"metric": "x"}}}}},
    "openslo": yaml.safe_load(openslo_shop('x{code="200"}', "x").replace(
        "  indicator:", "  alertPolicies:\n    - kind: AlertPolicy\n      metadata: {name: p}\n      spec:\n        conditions:\n"
        "          - kind: AlertCondition\n            metadata: {name: c}\n            spec: {severity: page, condition: "
        "{kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h}}\n  indicator:")),
    "openslo-threshold": yaml.safe_load(openslo_shop("x", "y").replace(
        "      ratioMetric:\n", "      thresholdMetric: {metricSource: {type: Prometheus, spec: {query: 'h{q=\"0.9\"}'}}}\n").replace(
        "objectives: [{target: 0.99}]", "objectives: [{target: 0.99, op: lte, value: 0.5}]").split("        good:")[0]),
}


def _drop(document, path):
    out = copy.deepcopy(document)
    parent = out
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return out


def _shown(path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


@pytest.mark.parametrize("fmt", sorted(SKELETONS))
def test_a_missing_key_is_named_with_its_whole_path(tmp_path, fmt):
    """For every key of every format: when dropping it is an error, a message names the key's own path
    (or a path below it), or is at its parent and names the key; never a path with the key left out."""
    skeleton = SKELETONS[fmt]
    assert compile_files([write_spec(tmp_path / "ok", yaml.safe_dump(skeleton, sort_keys=False))])
    checked = 0
    for index, path in enumerate(p for p in document_paths(skeleton) if p and isinstance(p[-1], str)):
        spec = write_spec(tmp_path / str(index), yaml.safe_dump(_drop(skeleton, path), sort_keys=False))
        messages = diagnostics_of([spec])
        if not messages or path[-1] in ("apiVersion", "kind", "version"):  # optional, or no longer this format
            continue
        checked += 1
        key, parent = _shown(path), _shown(path[:-1])
        said = [line.split(": ", 2)[1:] for line in messages]
        # At the key (or below it), or at its parent naming it: "one of ratio, latency, ...".
        assert any(at == key or at.startswith((key + ".", key + "[")) or (at == parent and path[-1] in text) for at, text in said), (path, messages)
    assert checked >= 5


def test_an_invalid_raw_query_is_reported_once(tmp_path):
    """A Sloth raw ratio is both the errors and the total query of its native SLI: one problem, one line."""
    path = write_spec(tmp_path, SLOTH.replace(
        "      events:\n        error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n"
        "        total_query: sum(rate(http_requests_total[{{.window}}]))\n",
        "      raw:\n        error_ratio_query: sum(rate(x[{{.window}}]]))\n").replace("x-owner: team-web\n", "").replace("shop-availability-burn", "ShopBurn"))
    assert diagnostics_of([path]) == [f"{path}:10:28: slos[0].sli.raw.error_ratio_query: invalid PromQL: unexpected right bracket ']'"]


def test_a_calendar_start_is_written_as_the_user_wrote_it(tmp_path):
    path = write_spec(tmp_path, openslo_shop("x", "y").replace(
        "timeWindow: [{duration: 28d, isRolling: true}]",
        "timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: 2022-01-01 12:00:00, timeZone: UTC}}]"))
    [message] = diagnostics_of([path])
    assert "startTime 2022-01-01 12:00:00: calendar months and quarters start on the 1st at 00:00" in message


def test_default_tiers_warning_for_a_foreign_spec_from_every_command(tmp_path):
    """An OpenSLO SLO over 7d without alert policies: validate, generate and convert say the same located warning."""
    write_spec(tmp_path / "specs", openslo_shop('x{code="200"}', "x").replace("duration: 28d", "duration: 7d"))
    said = set()
    for command in (["validate", "specs"], ["generate", "specs", "--out", "out"], ["convert", "specs"]):
        result = run_slogen(*command, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        [line] = [line for line in result.stderr.splitlines() if "warning:" in line]
        said.add(line)
    [line] = said
    assert line.startswith("specs/spec.yaml:7:15: warning: spec.timeWindow: the default alert tiers are made for a 30d window: over 7d")
    assert "add `alerting.scale_from: 30d` to the native spec `slogen convert` prints" in line
