"""Deployment targets: golden files per dialect, promtool on the unwrapped rules, and each dialect's own rules.

Golden cases are tests/data/targets/<case>/spec.yaml with expected/<target folder>/...;
run with `pytest --update-golden` to rewrite them after a deliberate change, then review the diff.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from slogen.emit.rules.recording import Group, Rule
from slogen.emit.targets import TARGETS, TargetError, Targets, operator, parse_targets, vmalert

from slogen_testing import API_SPEC, build_options, compile_files, compile_paths, golden_tree, run_promtool, run_slogen, snapshot, write_spec

DATA = Path(__file__).resolve().parents[2] / "data" / "targets"
CASES = sorted(p.name for p in DATA.iterdir() if (p / "spec.yaml").exists())
ALL = tuple(TARGETS)
OPERATOR = {"prometheus-operator": {"namespace": "monitoring", "labels": ["release=kube-prometheus-stack"]}}
SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "schemas" / "prometheusrule-v1.yaml").read_text())
FOLDERS = {target.folder for target in TARGETS.values()}
# What each dialect adds to a Prometheus rule file, and nothing more: promtool (strict
# decoding) fails on anything left over, so a key a target forgot to declare here fails.
DIALECT_GROUP_KEYS = {"thanos": {"partial_response_strategy"}}


def rule_files(case: str, targets=ALL, flags=OPERATOR) -> dict[str, str]:
    files = compile_files([DATA / case / "spec.yaml"], build_options(targets, flags=flags))
    return {path: text for path, text in files.items() if path.split("/")[0] in FOLDERS}


def unwrap(target: str, text: str) -> dict:
    """The Prometheus rule file inside a target's file."""
    doc = yaml.safe_load(text)
    if target == "prometheus-operator":
        assert (doc["apiVersion"], doc["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
        doc = doc["spec"]
    elif target in ("mimir", "cortex"):
        doc = {key: value for key, value in doc.items() if key != "namespace"}
    dropped = DIALECT_GROUP_KEYS.get(target, set())
    return {**doc, "groups": [{k: v for k, v in group.items() if k not in dropped} for group in doc["groups"]]}


def files_of(files: dict[str, str], target: str) -> dict[str, str]:
    folder = TARGETS[target].folder + "/"
    return {path: text for path, text in files.items() if path.startswith(folder)}


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    # Generated headers name the spec relative to the working directory.
    monkeypatch.chdir(DATA.parent.parent.parent)


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    files = rule_files(case)
    assert files == golden_tree(DATA / case / "expected", files)


@pytest.mark.parametrize("target", ALL)
@pytest.mark.parametrize("case", CASES)
def test_unwrapped_rules_pass_promtool_check(case, target, promtool, tmp_path):
    files = files_of(rule_files(case), target)
    assert files
    paths = []
    for rel, text in sorted(files.items()):
        path = tmp_path / rel.replace("/", "_")
        path.write_text(yaml.safe_dump(unwrap(target, text), sort_keys=False))
        paths.append(str(path))
    result = run_promtool(promtool, "check", "rules", "--lint=all", "--lint-fatal", *paths)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", CASES)
def test_every_target_carries_the_same_rules(case):
    files = rule_files(case)
    plain = {path.split("/")[1].split(".")[0]: unwrap("prometheus", text) for path, text in files_of(files, "prometheus").items()}
    for target in ALL:
        for path, text in files_of(files, target).items():
            service = path.split("/")[1].split(".")[0]
            rules = [rule for group in unwrap(target, text)["groups"] for rule in group["rules"]]
            # vmalert reorders across its split groups, so compare as sorted lists.
            expected = [rule for group in plain[service]["groups"] for rule in group["rules"]]
            assert sorted(map(repr, rules)) == sorted(map(repr, expected)), (target, path)


def test_default_target_layout_is_unchanged():
    specs = [DATA / "http-api" / "spec.yaml"]
    files = compile_files(specs)
    assert sorted(p for p in files if p.split("/")[0] in FOLDERS) == ["rules/checkout.yml"]
    assert files == compile_files(specs, build_options(("prometheus",)))


# -- prometheus-operator ---------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_operator_objects_match_the_crd_schema_and_size_limit(case):
    for path, text in files_of(rule_files(case), "prometheus-operator").items():
        doc = yaml.safe_load(text)
        jsonschema.validate(doc, SCHEMA)
        names = [group["name"] for group in doc["spec"]["groups"]]
        assert len(names) == len(set(names)), "groups are a list-map keyed by name"
        assert doc["metadata"] == {
            "name": "slogen-" + Path(path).stem,
            "namespace": "monitoring",
            "labels": {"app.kubernetes.io/managed-by": "slogen", "release": "kube-prometheus-stack"},
        }
        assert len(text.encode()) <= operator.MAX_BYTES


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["spec"]["groups"][0].update(name=""),
        lambda d: d["spec"]["groups"][0].update(interval="30 s"),
        lambda d: d["spec"]["groups"][0].update(partial_response_strategy="sometimes"),
        lambda d: d["spec"]["groups"][0]["rules"][0].update(expr=["not", "a", "string"]),
        lambda d: d["spec"]["groups"][0]["rules"][0].update(fro="5m"),
        lambda d: d["metadata"].update(name="Slogen_Checkout"),
    ],
    ids=["empty-group-name", "bad-duration", "bad-strategy", "expr-not-int-or-string", "misspelt-key", "bad-name"],
)
def test_schema_rejects_what_the_api_server_would(mutate):
    doc = yaml.safe_load(files_of(rule_files("http-api"), "prometheus-operator")["prometheus-operator/checkout.yaml"])
    jsonschema.validate(doc, SCHEMA)
    mutate(doc)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


def test_schema_accepts_case_insensitive_strategy_and_integer_expr():
    doc = yaml.safe_load(files_of(rule_files("http-api"), "prometheus-operator")["prometheus-operator/checkout.yaml"])
    doc["spec"]["groups"][0]["partial_response_strategy"] = "WARN"
    doc["spec"]["groups"][0]["rules"][0]["expr"] = 1
    jsonschema.validate(doc, SCHEMA)


def test_operator_without_namespace_leaves_it_to_kubectl():
    files = rule_files("no-alerts", ("prometheus-operator",), {})
    (text,) = files.values()
    metadata = yaml.safe_load(text)["metadata"]
    assert "namespace" not in metadata
    assert metadata["labels"] == {"app.kubernetes.io/managed-by": "slogen"}


def _big_group(rules: int) -> Group:
    expr = "sum(rate(http_requests_total{job=\"api\"}[5m]))" + " + 0" * 200
    return Group("slogen-big-sli-short", 30, tuple(Rule(record=f"slo:big_{i}:ratio", expr=expr) for i in range(rules)))


def test_operator_refuses_objects_over_512_kib():
    fits = operator.render("big", "spec.yaml", (_big_group(100),), operator.OperatorOptions())
    assert 64 * 1024 < len(fits.encode()) <= operator.MAX_BYTES
    with pytest.raises(TargetError, match=r"service 'big': its PrometheusRule is \d+ KiB, over the operator's 512 KiB limit"):
        operator.render("big", "spec.yaml", (_big_group(1000),), operator.OperatorOptions())


def test_operator_names_must_not_clash(tmp_path):
    spec = "service: {name}\nslos:\n  - name: up\n    objective: 99\n    sli:\n      ratio:\n        errors: e_total\n        total: t_total\n"
    paths = [write_spec(tmp_path, spec.format(name=n), f"{n}.yaml") for n in ("pay_api", "pay-api")]
    assert compile_files(paths, build_options(("prometheus", "vmalert")))  # only the operator maps both to one name
    with pytest.raises(TargetError, match="services 'pay-api' and 'pay_api' would both be PrometheusRule 'slogen-pay-api'"):
        compile_files(paths, build_options(("prometheus-operator",)))


@pytest.mark.parametrize(
    "text, message",
    [
        ("release", "expected key=value"),
        ("a b=c", "'a b' is not a Kubernetes label key"),
        ("Example.com/x=y", "not a Kubernetes label key"),
        ("team=" + "x" * 64, "is not a Kubernetes label value"),
    ],
)
def test_bad_operator_labels_are_refused(text, message):
    with pytest.raises(TargetError, match=message):
        operator.parse_label(text)


def test_good_operator_labels_and_namespace():
    assert operator.parse_label("prometheus.io/rules=") == ("prometheus.io/rules", "")
    assert operator.parse_label("release=kube-prometheus-stack") == ("release", "kube-prometheus-stack")
    assert operator.parse_namespace("monitoring") == "monitoring"
    with pytest.raises(TargetError):
        operator.parse_namespace("-monitoring")


# -- mimir / cortex, thanos ------------------------------------------------------------


@pytest.mark.parametrize("target", ["mimir", "cortex"])
@pytest.mark.parametrize("case", CASES)
def test_mimir_files_are_one_namespace_per_service(case, target):
    for path, text in files_of(rule_files(case), target).items():
        docs = list(yaml.safe_load_all(text))
        assert len(docs) == 1, "mimirtool reads each extra YAML document as another namespace"
        assert list(docs[0]) == ["namespace", "groups"]
        assert docs[0]["namespace"] == Path(path).stem
        # Keys the Mimir and Cortex rulers both decode (strictly, KnownFields).
        assert all(set(group) <= {"name", "interval", "rules"} for group in docs[0]["groups"])


@pytest.mark.parametrize("case", CASES)
def test_thanos_groups_abort_on_partial_response(case):
    for text in files_of(rule_files(case), "thanos").values():
        groups = yaml.safe_load(text)["groups"]
        assert groups and all(group["partial_response_strategy"] == "abort" for group in groups)


# -- vmalert ---------------------------------------------------------------------------


def test_metric_names_walks_the_whole_expression():
    expr = 'sum by (a) (rate(x_total[5m])) or on () 0 * -(y:z{k="v"}) / max_over_time(w[1h:1m]) > topk(1, {__name__="n"})'
    assert vmalert.metric_names(expr) == {"x_total", "y:z", "w", "n"}


@pytest.mark.parametrize("case", CASES)
def test_vmalert_groups_never_read_their_own_fresh_results(case):
    for text in files_of(rule_files(case), "vmalert").values():
        for group in yaml.safe_load(text)["groups"]:
            recorded: set[str] = set()
            for rule in group["rules"]:
                assert not vmalert.metric_names(rule["expr"]) & recorded, (group["name"], rule)
                if "record" in rule:
                    recorded.add(rule["record"])


def test_vmalert_split_keeps_order_within_steps_and_names_later_steps():
    a = Rule(record="a:x:rate5m", expr="sum(rate(x[5m]))")
    b = Rule(record="b:x:rate5m", expr="a:x:rate5m * 2")
    c = Rule(record="c:x:rate5m", expr="sum(rate(y[5m]))")
    d = Rule(alert="D", expr="b:x:rate5m > a:x:rate5m")
    steps = vmalert.steps(Group("g", 30, (a, b, c, d)))
    assert [(s.name, s.interval, s.rules) for s in steps] == [("g", 30, (a, c)), ("g-step2", 30, (b,)), ("g-step3", 30, (d,))]


def test_the_prometheus_groups_do_chain_so_the_split_is_needed():
    # Without chained rules in our groups the vmalert split would be dead code.
    (service,), _ = compile_paths([DATA / "http-api" / "spec.yaml"])
    split = {group.name: len(vmalert.steps(group)) for group in service.groups}
    assert split == {
        "slogen-checkout-sli-short": 3,  # events -> errors -> 5m ratio
        "slogen-checkout-sli-mid": 2,  # budget, windows -> the alerts of windows below 1d
        "slogen-checkout-sli-hourly": 2,  # hourly points -> the hours of history they hold
        # long ratios (gated by the budget) -> period burn -> budget remaining -> policy level, alert -> state
        "slogen-checkout-sli-long": 5,
        "slogen-checkout-alerts": 2,  # 1h ratios -> alerts
    }


# -- choosing targets ------------------------------------------------------------------


def test_parse_targets_accepts_repeats_and_comma_lists_in_a_fixed_order():
    assert parse_targets(None) == ("prometheus",)
    assert parse_targets(["vmalert,thanos", "prometheus", " thanos "]) == ("prometheus", "thanos", "vmalert")


@pytest.mark.parametrize("values, message", [(["prom"], "unknown target 'prom'; choose from prometheus, "), ([","], "--target needs a target name")])
def test_parse_targets_refuses_unknown_names(values, message):
    with pytest.raises(TargetError, match=message):
        parse_targets(values)


def test_operator_options_without_the_operator_target_are_refused():
    with pytest.raises(TargetError, match="need --target prometheus-operator"):
        Targets.of(["prometheus"], OPERATOR)


# -- command line ----------------------------------------------------------------------


def test_cli_targets_generate_check_and_switch_back(tmp_path):

    write_spec(tmp_path / "slo_specs", API_SPEC, "api.yaml")
    flags = ["--target", "prometheus,prometheus-operator", "-t", "vmalert", "--operator-namespace", "monitoring", "--operator-label", "release=kps"]
    result = run_slogen("generate", *flags, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    made = sorted(p for p in snapshot(tmp_path / "output") if p.split("/")[0] in FOLDERS)
    assert made == ["prometheus-operator/api.yaml", "rules/api.yml", "vmalert/api.yml"]
    assert yaml.safe_load((tmp_path / "output/prometheus-operator/api.yaml").read_text())["metadata"]["namespace"] == "monitoring"
    assert run_slogen("check", *flags, cwd=tmp_path).returncode == 0
    # check without the flags compares with the default target: the extra folders are drift.
    stale = run_slogen("check", cwd=tmp_path)
    assert stale.returncode == 1
    assert "output/vmalert/api.yml: no longer produced by the specs" in stale.stderr
    assert run_slogen("generate", cwd=tmp_path).returncode == 0
    assert sorted(p for p in snapshot(tmp_path / "output") if p.split("/")[0] in FOLDERS) == ["rules/api.yml"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "prometheus,victoria"], "slogen: unknown target 'victoria'; choose from prometheus, prometheus-operator, mimir, cortex, thanos, vmalert"),
        (["--target", "prometheus-operator", "--operator-label", "release"], "slogen: --operator-label 'release': expected key=value"),
        (["--operator-namespace", "monitoring"], "slogen: --operator-namespace/--operator-label need --target prometheus-operator"),
    ],
)
@pytest.mark.parametrize("command", ["generate", "check"])
def test_cli_bad_target_options_exit_2_with_one_line(tmp_path, command, args, message):

    write_spec(tmp_path / "slo_specs", API_SPEC, "api.yaml")
    assert run_slogen("generate", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path / "output")
    result = run_slogen(command, *args, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, message + "\n")
    assert snapshot(tmp_path / "output") == before
