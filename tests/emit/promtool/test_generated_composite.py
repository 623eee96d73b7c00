"""The generated tests of composite (journey) SLOs, run by the real promtool: they load
every member's rule file, drive the members' own counters, pass on slogen's rules and
fail on a journey's rules broken (emit/promtool/composite_tests.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from slogen.build.options import BuildOptions
from slogen.build.pipeline import build_tree
from slogen_testing import run_promtool, write_spec

MEMBERS = {
    "web": """
service: web
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: requests_total{job="web", code="500"}
        total: requests_total{job="web"}
""",
    "cart": """
service: cart
slos:
  - name: latency
    objective: 99
    sli:
      latency:
        histogram: request_seconds{job="cart"}
        threshold: 0.3
""",
}
# Page tiers only: each journey's ticket tiers would add days of simulated time, and the
# scenarios are the ordinary SLOs' (test_generated_promtool.py runs them on every tier).
JOURNEYS = """
service: journeys
slos:
  - name: pooled
    objective: 99.5
    sli:
      composite:
        method: events
        of: [web/availability, {slo: cart/latency, weight: 2}]
    alerting: {ticket: false}
  - name: worst
    objective: 99.5
    sli:
      composite:
        method: worst
        of: [web/availability, cart/latency]
    alerting: {ticket: false}
  - name: nested
    objective: 99
    sli:
      composite:
        method: weighted
        of: [pooled, {slo: worst, weight: 3}]
    alerting: {ticket: false}
"""


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The members' and the journeys' output, written under a temporary folder, and the compiled tree."""
    root = tmp_path_factory.mktemp("composite")
    paths = [write_spec(root / "specs", text, f"{name}.yaml") for name, text in MEMBERS.items()]
    paths.append(write_spec(root / "specs", JOURNEYS, "journeys.yaml"))
    compiled, problems = build_tree(paths)
    assert not problems, problems
    out = root / "out"
    for rel, text in compiled.files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return out, compiled


def test_the_journeys_file_loads_every_file_it_reads(tree) -> None:
    out, compiled = tree
    journeys = next(s for s in compiled.services if s.service == "journeys")
    assert journeys.untested == ()
    assert dict(journeys.test_loads)["tests/journeys.composites.test.yml"] == ("rules/web.yml", "rules/cart.yml", "rules/journeys.yml")
    data = yaml.safe_load((out / "tests" / "journeys.composites.test.yml").read_text())
    assert data["rule_files"] == ["rules/web.yml", "rules/cart.yml", "rules/journeys.yml"]
    # Members' services first, each in its own order: the journey reads their same tick.
    order = data["group_eval_order"]
    assert order.index("slogen-web-alerts") < order.index("slogen-journeys-sli-short")
    assert order.index("slogen-cart-alerts") < order.index("slogen-journeys-sli-short")
    names = " | ".join(group["name"] for group in data["tests"])
    for slo in ("pooled", "worst", "nested"):
        assert f"journeys/{slo} budget" in names and f"journeys/{slo} page 1h/5m fires" in names
    # Both members' own counters are driven: the web counter and cart's histogram.
    series = {s["series"].split("{")[0] for group in data["tests"] for s in group["input_series"]}
    assert series == {"requests_total", "request_seconds_bucket", "request_seconds_count"}
    assert not (out / "tests" / "journeys.test.yml").exists()  # no SLO of its own to test


def test_members_apart_reads_each_method_by_hand(tree) -> None:
    """web fails 1/8 of 10/s, cart 1/4 of 20/s: pooled (10/8 + 2x20/4) / (10 + 2x20) = 0.225,
    worst 0.25, nested weighted (0.225 + 3 x 0.25) / 4 = 0.24375."""
    out, _ = tree
    data = yaml.safe_load((out / "tests" / "journeys.composites.test.yml").read_text())
    apart = {group["name"].split(" ")[0]: group for group in data["tests"] if " members apart;" in group["name"]}
    assert sorted(apart) == ["journeys/nested", "journeys/pooled", "journeys/worst"]
    for slo, ratio in (("pooled", "0.225"), ("worst", "0.25"), ("nested", "0.24375")):
        [check] = apart[f"journeys/{slo}"]["promql_expr_test"]
        assert check["expr"] == f'sum(abs(slo:sli_error:ratio_rate5m{{slo_id="journeys-{slo}"}} - {ratio}) < bool 1e-06)'
    assert "web/availability at 0.125 of 10/s, cart/latency at 0.25 of 20/s" in apart["journeys/pooled"]["name"]


def test_the_composite_file_is_written_as_pyyaml_would_write_it(tree) -> None:
    from slogen.emit.promtool.composite_tests import composite_tests
    from slogen.emit.promtool.service_tests import test_file_data
    from slogen.emit.targets.base import header
    from slogen.emit.text.documents import pyyaml_text

    out, compiled = tree
    every = {plan.id: plan for s in compiled.services for plan in s.plans}
    inputs = {s.service: s.test_inputs for s in compiled.services}
    journeys = next(s for s in compiled.services if s.service == "journeys")
    tests = composite_tests("journeys", journeys.plans, every, inputs, None)
    text = (out / "tests" / "journeys.composites.test.yml").read_text()
    # Named as every generated file names its spec (relative), not by the path read.
    assert text.startswith("# Generated by slogen from journeys.yaml.")
    assert text == header("journeys.yaml") + pyyaml_text(test_file_data(tests))


@pytest.mark.slow
def test_generated_composite_tests_pass(promtool: str, tree) -> None:
    out, _ = tree
    result = run_promtool(promtool, "test", "rules", "journeys.composites.test.yml", cwd=out / "tests")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_under_global_sharing_the_journeys_load_the_one_file_and_pass(promtool: str, tmp_path: Path) -> None:
    """`--share-rules global`: every service's rules are in `_shared`; the journeys' tests load
    its promtool copy alone, and pass; `worst` says why it is left untested there."""
    paths = [write_spec(tmp_path / "specs", text, f"{name}.yaml") for name, text in MEMBERS.items()]
    paths.append(write_spec(tmp_path / "specs", JOURNEYS, "journeys.yaml"))
    compiled, problems = build_tree(paths, BuildOptions(share_rules="global"))
    assert not problems, problems
    out = tmp_path / "out"
    for rel, text in compiled.files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    assert sorted(p.name for p in (out / "rules").iterdir()) == ["_shared.yml"]
    journeys = next(s for s in compiled.services if s.service == "journeys")
    assert [name for name, _ in journeys.untested] == ["worst"]
    assert dict(journeys.test_loads)["tests/journeys.composites.test.yml"] == ("rules/_shared.yml",)
    for test in ("web.test.yml", "cart.test.yml", "journeys.composites.test.yml"):
        result = run_promtool(promtool, "test", "rules", test, cwd=out / "tests")
        assert result.returncode == 0, test + result.stdout + result.stderr


@pytest.mark.slow
def test_generated_composite_tests_fail_on_a_broken_journey(promtool: str, tree, tmp_path: Path) -> None:
    """The journeys' page factor 10x too high: their fires scenarios must notice."""
    out, _ = tree
    broken = tmp_path / "tests"
    (broken / "rules").mkdir(parents=True)
    for rel in ("rules/web.yml", "rules/cart.yml"):
        (broken / rel).write_text((out / "tests" / rel).read_text())
    rules = (out / "tests" / "rules" / "journeys.yml").read_text()
    assert rules.count("> 14.4\n") >= 1
    (broken / "rules" / "journeys.yml").write_text(rules.replace("> 14.4\n", "> 144\n"))
    data = yaml.safe_load((out / "tests" / "journeys.composites.test.yml").read_text())
    data["tests"] = [group for group in data["tests"] if "page 1h/5m fires" in group["name"]]
    assert data["tests"]
    (broken / "journeys.composites.test.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_promtool(promtool, "test", "rules", "journeys.composites.test.yml", cwd=broken)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "FAILED" in output, output
    assert 'exp: {__name__="ALERTS"' in output, output


@pytest.mark.slow
def test_members_apart_fails_without_a_members_file(promtool: str, tree, tmp_path: Path) -> None:
    """cart's rule file not loaded: the journeys read web alone, and members apart notices."""
    out, _ = tree
    broken = tmp_path / "tests"
    (broken / "rules").mkdir(parents=True)
    for rel in ("rules/web.yml", "rules/journeys.yml"):
        (broken / rel).write_text((out / "tests" / rel).read_text())
    data = yaml.safe_load((out / "tests" / "journeys.composites.test.yml").read_text())
    data["rule_files"] = [path for path in data["rule_files"] if "cart" not in path]
    data["group_eval_order"] = [group for group in data["group_eval_order"] if "-cart-" not in group]
    data["tests"] = [group for group in data["tests"] if " members apart;" in group["name"]]
    (broken / "journeys.composites.test.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_promtool(promtool, "test", "rules", "journeys.composites.test.yml", cwd=broken)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for slo in ("pooled", "worst", "nested"):
        assert f'ratio_rate5m{{slo_id=\\"journeys-{slo}\\"}}' in output, output


UNTESTABLE = """
service: web
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: requests_total{job="web", code="500"}
        total: requests_total{job="web"}
  - name: probes
    objective: 99
    sli: {bool: {metric: 'probe_success{job="web"}'}}
  - name: either
    objective: 99
    sli: {composite: {method: weighted, of: [availability, probes]}}
  - name: alone
    objective: 99
    untested: its members live elsewhere
    sli: {composite: {method: events, of: [availability]}}
"""


def test_a_composite_of_a_member_that_cannot_be_driven_is_untested_with_the_reason(tmp_path: Path) -> None:
    compiled, problems = build_tree([write_spec(tmp_path, UNTESTABLE)])
    assert not problems, problems
    [web] = compiled.services
    assert dict(web.untested)["either"] == (
        "its member web/probes cannot be driven: cannot synthesize input series for sli.bool.metric: "
        "a 0/1 gauge cannot be driven at an exact burn rate in a promtool test"
    )
    assert "alone" not in dict(web.untested) and "alone" not in dict(web.acknowledged)
    # The journey with tests recorded as untested: said, at its `untested:` key.
    assert [w.message for w in web.warnings if "drop `untested:`" in w.message] == ["slos[3].untested: SLO 'alone' has generated tests; drop `untested:`"]
    data = yaml.safe_load(compiled.files["tests/web.composites.test.yml"])
    assert data["rule_files"] == ["rules/web.yml"]
    assert {group["name"].split(" ")[0] for group in data["tests"]} == {"web/alone"}
