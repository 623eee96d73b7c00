"""The release gates as files: golden, valid under the tools' own CRD schemas, and the
options that choose them (live behaviour: tests/live/test_release_gates.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from slogen.build.options import BuildOptions
from slogen.emit.gates import GateOptions, gate_options
from slogen.errors import OptionError

from gate_crds import problems
from slogen_testing import ROOT, compile_files, golden_tree, run_slogen, spec_trees, write_spec

CASE = ROOT / "tests" / "data" / "gates"
PROMETHEUS = "http://prometheus.monitoring:9090"
BOTH = BuildOptions(gates=GateOptions(("argo-rollouts", "flagger"), PROMETHEUS))


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # generated headers name the spec relative to the working directory


def _gates(paths: list[Path], options: BuildOptions = BOTH) -> dict[str, str]:
    return {path: text for path, text in compile_files(paths, options).items() if path.startswith("gates/")}


def test_golden():
    files = _gates([CASE / "gates.yaml"])
    assert files == golden_tree(CASE / "expected", files)


def _documents() -> dict[str, dict]:
    # Tree by tree: two trees may hold the same service.
    return {f"{name}/{path}": yaml.safe_load(text) for name, tree in spec_trees().items() for path, text in _gates(tree).items()}


def test_every_gate_object_validates_against_its_tools_crd_schema():
    documents = _documents()
    assert {doc["kind"] for doc in documents.values()} == {"AnalysisTemplate", "MetricTemplate"}
    assert {path: problems(doc) for path, doc in documents.items()} == {path: [] for path in documents}


def test_the_crd_schemas_do_refuse_a_broken_object():
    documents = _documents()
    argo = next(doc for doc in documents.values() if doc["kind"] == "AnalysisTemplate")
    metric = argo["spec"]["metrics"][0]
    metric["failureLimit"] = [0]
    metric["provider"]["prometheus"]["querry"] = metric["provider"]["prometheus"].pop("query")
    found = problems(argo)
    assert any(line.startswith("spec/metrics/0/failureLimit:") for line in found), found
    assert any("'querry' was unexpected" in line for line in found), found
    flagger = next(doc for doc in documents.values() if doc["kind"] == "MetricTemplate")
    del flagger["spec"]["provider"]["type"]
    assert any("'type' is a required property" in line for line in problems(flagger))


def test_the_readme_canary_snippet_is_a_valid_flagger_canary():
    readme = (ROOT / "README.md").read_text()
    (snippet,) = re.findall(r"```yaml\n(# Flagger Canary.*?)```", readme, re.S)
    canary = yaml.safe_load(snippet)
    assert problems(canary) == []
    (metric,) = canary["spec"]["analysis"]["metrics"]
    assert metric["templateRef"]["name"] == "slogen-checkout"
    assert metric["thresholdRange"] == {"max": 0}


def test_gates_are_opt_in_and_go_beside_any_rule_target():
    spec = CASE / "gates.yaml"
    assert _gates([spec], BuildOptions()) == {}
    files = compile_files([spec], BOTH)
    assert {"rules/shop_front.yml", "gates/argo-rollouts/shop_front.yaml", "gates/flagger/shop_front.yaml"} <= set(files)
    names = {yaml.safe_load(files[path])["metadata"]["name"] for path in files if path.startswith("gates/")}
    assert names == {"slogen-shop-front"}


def test_the_gate_state_is_a_state_of_every_policy_or_refused():
    spec = CASE / "gates.yaml"
    careful = yaml.safe_load(_gates([spec], BuildOptions(gates=GateOptions(("flagger",), PROMETHEUS, "careful")))["gates/flagger/shop_front.yaml"])
    # `careful` is level 1 of both policies; by default each policy's last state (2 and 3).
    assert ">= bool 1\n" in careful["spec"]["query"] and ">= bool 2" not in careful["spec"]["query"]
    with pytest.raises(OptionError, match=r"--gate-fail-on 'freeze' is not a state of the budget policy of shop_front/availability \(states: go, careful, stop\)"):
        _gates([spec], BuildOptions(gates=GateOptions(("flagger",), PROMETHEUS, "freeze")))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((["flux"], PROMETHEUS, None), "--gate 'flux': choose from argo-rollouts, flagger"),
        ((["flagger"], None, None), "--gate needs --gate-prometheus URL"),
        ((["flagger"], "prometheus:9090", None), "--gate-prometheus 'prometheus:9090': expected an http:// or https:// URL"),
        ((None, PROMETHEUS, None), "--gate-prometheus and --gate-fail-on need --gate"),
        ((None, None, "freeze"), "--gate-prometheus and --gate-fail-on need --gate"),
    ],
)
def test_gate_options_refused(args, message):
    with pytest.raises(OptionError, match=re.escape(message)):
        gate_options(*args)


def test_comma_separated_and_repeated_gates_in_the_tools_order():
    assert gate_options(["flagger", "argo-rollouts,flagger"], PROMETHEUS, None).tools == ("argo-rollouts", "flagger")


def test_the_command_line_refuses_in_one_line_and_writes_nothing(tmp_path):
    write_spec(tmp_path / "slo_specs", (CASE / "gates.yaml").read_text(), "shop.yaml")
    result = run_slogen("generate", "--gate", "argo-rollouts", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["slogen: --gate needs --gate-prometheus URL: the Prometheus the delivery tool asks (http://... or https://...)"]
    assert not (tmp_path / "output").exists()


def test_two_services_with_the_same_gate_name_are_refused(tmp_path):
    text = (CASE / "gates.yaml").read_text()
    paths = [write_spec(tmp_path, text, "a.yaml"), write_spec(tmp_path, text.replace("service: shop_front", "service: shop-front"), "b.yaml")]
    with pytest.raises(OptionError, match="services 'shop-front' and 'shop_front' would both have the release gate 'slogen-shop-front'"):
        compile_files(paths, BOTH)


def test_a_query_holding_double_braces_is_refused(tmp_path):
    # Argo Rollouts resolves `{{args.*}}` in the metric (fasttemplate: any other `{{...}}` is
    # "failed to resolve") and Flagger renders the query with Go's text/template; without
    # `{{` both leave the query as written, so the gate asks what the file says.
    text = (CASE / "gates.yaml").read_text().replace("team: web-oncall", 'team: "{{ .Values.team }}"')
    assert "{{ .Values.team }}" in text
    with pytest.raises(OptionError, match=r"service 'shop_front': a page alert label holds '\{\{'"):
        compile_files([write_spec(tmp_path, text, "shop.yaml")], BOTH)


def test_a_service_whose_gate_name_kubernetes_would_refuse_is_refused(tmp_path):
    # A service name may end in `-` or `_`; metadata.name (DNS-1123) must end in a letter or digit.
    text = (CASE / "gates.yaml").read_text().replace("service: shop_front", "service: shop_")
    with pytest.raises(OptionError, match=r"service 'shop_': its release gate 'slogen-shop-' is not a Kubernetes object name"):
        compile_files([write_spec(tmp_path, text, "shop.yaml")], BOTH)
    assert _gates([write_spec(tmp_path, text, "shop.yaml")], BuildOptions()) == {}  # without --gate the name is fine
