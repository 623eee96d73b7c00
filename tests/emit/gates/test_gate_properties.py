"""Property test: for any service whose spec validates (policies, grouping, page labels
and alert names of any text), the gates either refuse in one OptionError or are objects
their CRDs take, whose query parses and asks exactly the specs' SLOs, gate levels and pages."""

from __future__ import annotations

import promql_parser as pp
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slogen.build.options import BuildOptions
from slogen.build.pipeline import build_tree
from slogen.emit.gates import GateOptions
from slogen.errors import OptionError
from slogen.spec.promql import vector_selectors

from gate_crds import problems
from slogen_testing import examples, write_spec

PROPERTY = settings(max_examples=examples(60), deadline=None, suppress_health_check=list(HealthCheck), database=None)
ACTIONS = ["go", "careful", "freeze", "stop"]
VALUES = st.text(st.sampled_from(['a', 'Z', '"', "\\", "é", " ", "\t", "{", "}", "-", "$"]), min_size=1, max_size=6)


@st.composite
def policies(draw) -> dict | None:
    if draw(st.booleans()):
        return None
    actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=2, max_size=4, unique=True))
    above = sorted(draw(st.lists(st.integers(-200, 99), min_size=len(actions) - 1, max_size=len(actions) - 1, unique=True)), reverse=True)
    return {"states": [{"action": a, "above": x} for a, x in zip(actions, above)] + [{"action": actions[-1]}]}


@st.composite
def services(draw) -> dict:
    slos = []
    for index in range(draw(st.integers(1, 4))):
        slo: dict = {"name": f"s{index}", "objective": 99, "sli": {"ratio": {"errors": 'r_total{code="5"}', "total": "r_total"}}}
        if draw(st.booleans()):
            slo["grouping"] = ["route"]
        policy = draw(policies())
        if policy:
            slo["policy"] = policy
        page = draw(st.sampled_from(["default", "off", "labels"]))
        if page == "off":
            slo["alerting"] = {"page": False}
        elif page == "labels":
            slo["alerting"] = {"name": draw(st.sampled_from(["SLOErrorBudgetBurn", "Other"])),
                               "page": {"labels": {"severity": draw(VALUES), "team": draw(VALUES)}}}
        slos.append(slo)
    return {"service": draw(st.sampled_from(["svc", "a_b"])), "slos": slos}


def test_gates_of_any_valid_service(tmp_path):
    @PROPERTY
    @given(services(), st.sampled_from([None, *ACTIONS]))
    def check(spec, fail_on):
        path = write_spec(tmp_path, yaml.safe_dump(spec, allow_unicode=True), "svc.yaml")
        options = BuildOptions(gates=GateOptions(("argo-rollouts", "flagger"), "http://p:9090", fail_on))
        try:
            tree, diagnostics = build_tree([path], options)
        except OptionError as err:
            assert "--gate-fail-on" in str(err) or "{{" in str(err), err
            return
        assert not diagnostics, diagnostics
        (service,) = tree.services
        plans = service.plans
        argo = yaml.safe_load(tree.files[f"gates/argo-rollouts/{spec['service']}.yaml"])
        flagger = yaml.safe_load(tree.files[f"gates/flagger/{spec['service']}.yaml"])
        assert problems(argo) == [] and problems(flagger) == []
        query = flagger["spec"]["query"]
        assert argo["spec"]["metrics"][0]["provider"]["prometheus"]["query"] == query
        parsed = pp.parse(query)
        assert str(parsed.lhs) == str(len(plans))  # counts down from every SLO of the specs
        read = vector_selectors(parsed)
        levels = {}
        for selector in read:
            matchers = {name: (op, value) for name, op, value in selector.matchers}
            ids = matchers["slo_id"][1].split("|")
            if selector.name == "slo:budget_policy:level":
                levels.update(dict.fromkeys(ids))
            else:
                assert selector.name == "ALERTS"
                for plan in plans:
                    if plan.id in ids:
                        (page,) = [sev for sev in plan.severities if sev.key == "page"]
                        assert matchers["alertname"] == ("=", plan.alert_name)
                        assert {k: v for k, (_, v) in matchers.items() if k not in ("slo_id", "alertname")} == dict(page.labels)
        assert set(levels) == {plan.id for plan in plans}
        paged = {plan.id for plan in plans if any(sev.key == "page" for sev in plan.severities)}
        assert paged == {i for s in read if s.name == "ALERTS" for i in dict((n, v) for n, _, v in s.matchers)["slo_id"].split("|")}

    check()
