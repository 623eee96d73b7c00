"""Rule files from shared templates (rule_file.py) are the files the direct path writes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slogen.emit.rules.recording import rule_file_data
from slogen.emit.rules.rule_file import build_groups, service_rules
from slogen.emit.text.documents import pyyaml_text
from slogen.emit.text.rule_layout import rule_file_text
from slogen.plan.sli import BaseRates

from slogen_testing import example_services, examples

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def plans_by_service():
    """The compiled example services."""
    return [c.plans for c in example_services()]


def _direct(service: str, plans) -> str:
    """PyYAML's text of the rule groups built the direct way (the reference)."""
    groups = tuple(build_groups(service, plans))
    text = pyyaml_text(rule_file_data(groups))
    assert rule_file_text(groups) == text
    return text


def _fast(rules) -> str:
    """What the prometheus target writes from templates (PyYAML where they do not apply)."""
    return rules.text()


def test_every_example_service_takes_the_template_path(plans_by_service):
    for plans in plans_by_service:
        rules = service_rules(plans[0].service, list(plans))
        assert rules.filled is not None, plans[0].service
        assert rules.text() == _direct(plans[0].service, plans)
        assert rules.group_names == tuple(g.name for g in rules.groups)


# Names, label values, descriptions and annotations: inert ones, ones YAML must quote or
# would read as another type, multi-line and template-like ones.
_TEXT = st.one_of(
    st.text("abz09_-./", min_size=1, max_size=8),
    st.sampled_from(["on", "yes", "1", "1.0", "~", "null", "2024-01-01", "-a", "a: b", "a #b", "it's", 'q"t', "b\\s", "sp ace",
                     "é", "x:", "{{ $labels.x }}", "two\nlines", "trail ", " lead"]),
)
# Service and SLO names: what specs allow ([a-z0-9][a-z0-9_-]*) and, for the direct path,
# names that are not inert but still make valid PromQL.
_NAME = st.one_of(
    st.text("abz09_-", min_size=1, max_size=8),
    st.sampled_from(["on", "1", "2024", "01-01", "a.b", "sp ace", "it's", "a: b", "a #b", "é"]),
)


def test_slos_sharing_a_shape_get_their_own_names_labels_and_text(plans_by_service):
    """Templates filled for other SLOs (names, labels, descriptions, annotations, rates) are the direct text."""

    @settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def agree(data) -> None:
        base = data.draw(st.sampled_from(plans_by_service))
        service = data.draw(_NAME)
        plans = []
        for copy in range(2):  # each shape twice: the second fills the first's template
            for index, plan in enumerate(base):
                severities = tuple(
                    replace(sev, annotations=tuple((k, data.draw(_TEXT)) for k, _ in sev.annotations)) for sev in plan.severities
                )
                rates = BaseRates(f'sum(rate(x{{job="{index}{copy}"}}[5m]))', plan.rates.errors)
                plans.append(
                    replace(
                        plan,
                        service=service,
                        name=f"{data.draw(_NAME)}{index}{copy}",
                        labels=tuple((k, data.draw(_TEXT)) for k, _ in plan.labels),
                        description=data.draw(st.one_of(st.just(""), _TEXT)),
                        rates=rates,
                        severities=severities,
                    )
                )
        rules = service_rules(service, plans)
        assert not rules.problems
        assert _fast(rules) == _direct(service, plans)

    agree()


def test_a_broken_expression_in_a_template_is_reported_with_the_real_service(plans_by_service, monkeypatch):
    plans = list(plans_by_service[0])
    monkeypatch.setattr("slogen.emit.text.templates._CACHE", {})
    monkeypatch.setattr("slogen.spec.promql._PARSED_SHAPES", set())
    broken = [replace(plans[0], rates=BaseRates("rate(x[5m]", plans[0].rates.errors))] + plans[1:]
    rules = service_rules(plans[0].service, broken)
    assert len(rules.problems) == 1
    assert f"slogen-{plans[0].service}-sli-short" in rules.problems[0] and "invalid PromQL" in rules.problems[0]


@pytest.mark.parametrize(
    "service, name, value",
    [
        ("a", "a", "{{ $labels.x }}"),  # Go template text: escaped in annotations, not in labels
        ("a", "a", "1"),  # a label value YAML reads as an int: quoted
        ("2024", "01-1", "01-01"),  # slo_id 2024-01-10 reads as a date: quoted
        ("on", "a", "two\nlines"),
        ("a", "a", "it's: #1 "),
    ],
)
def test_odd_identities_fill_templates_exactly(plans_by_service, service, name, value):
    plans = [
        replace(
            plan,
            service=service,
            name=f"{name}{index}",
            description=value,
            labels=tuple((k, value) for k, _ in plan.labels),
            severities=tuple(replace(sev, annotations=tuple((k, value) for k, _ in sev.annotations)) for sev in plan.severities),
        )
        for plans in plans_by_service
        for index, plan in enumerate(plans)
    ]
    rules = service_rules(service, plans)
    assert (rules.filled is None) == ("{{" in value)  # a description Go templates would read: direct
    assert _fast(rules) == _direct(service, plans)
    if service == "2024":
        assert "slo_id: '2024-01-10'" in _fast(rules)
