"""The one template engine (emit/text/templates.py): a filled template is the text written directly.

Three levels: the engine alone on scalars built from tricky literal text and identity
values; rule files; promtool test files.  The reference is always the slow way: the
document built as data, written by PyYAML.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slogen.emit.promtool.lanes import sharing_lanes
from slogen.emit.promtool import service_tests
from slogen.emit.rules.recording import rule_file_data
from slogen.emit.rules.rule_file import build_groups, service_rules
from slogen.emit.targets.base import header
from slogen.emit.text import templates
from slogen.emit.text.documents import pyyaml_text, render_yaml
from slogen.emit.text.scalars import Unstyled, inert
from slogen.emit.text.templates import compile_template, placeholder

from slogen_testing import example_services

# Literal template text: YAML indicators, resolvable words and numbers, quotes, spaces.
_LITERAL = st.text(alphabet=st.sampled_from(list(" \n'\"#:-?,[]{}|>!&*%@`~=.<+/;()0123456789eEonyYtTfaxz_")), max_size=6)
_INERT = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,6}", fullmatch=True)
# Values that are not pasted: anything, including text only PyYAML writes (non-ASCII).
_ANY = st.one_of(_INERT, st.text(alphabet=st.sampled_from(list(" \n'\"#:-?{}é1onyes.~")), max_size=6))
_PASTED = 2
_VALUES = 4


def _scalar(pieces: list[str | int], values: list[str]) -> str:
    return "".join(values[p] if isinstance(p, int) else p for p in pieces)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(st.one_of(_LITERAL, st.integers(0, _VALUES - 1)), min_size=1, max_size=4), min_size=1, max_size=4),
    st.lists(_INERT, min_size=_PASTED, max_size=_PASTED),
    st.lists(_ANY, min_size=_VALUES - _PASTED, max_size=_VALUES - _PASTED),
)
def test_a_filled_template_is_the_document_pyyaml_writes_for_the_real_values(scalars, pasted, others):
    values = pasted + others
    stand_in = [placeholder(i) for i in range(_VALUES)]
    document = [{"k": _scalar(pieces, values)} for pieces in scalars]

    def write(style, texts):
        return ["".join(f"- k:{style(text, 2)}\n" for text in texts), "tail\n"]

    template = compile_template(lambda style: write(style, [_scalar(pieces, stand_in) for pieces in scalars]), _PASTED)
    if template is None:  # the stand-in's own literal text is beyond the fast writer
        return
    assert template.fits(values)
    try:
        filled = template.fill(values)
    except Unstyled:  # a restyled value only PyYAML writes: the caller falls back to it
        assert render_yaml({"l": document}) == pyyaml_text({"l": document})
        return
    expected = pyyaml_text({"l": document}).removeprefix("l:\n")
    assert filled == [expected, "tail\n"]


def test_only_inert_values_fill_the_pasted_places():
    template = compile_template(lambda style: ["k:" + style(f'x{{a="{placeholder(0)}"}}', 0)], 1)
    assert template is not None and template.holes and not template.restyled
    assert template.fits(["ok-1.2"]) and not template.fits(["a b"]) and not template.fits([""])
    assert not inert("é") and not inert("-a") and not inert(".a")


def test_only_names_inside_unambiguous_scalars_are_pasted():
    mark = placeholder
    assert templates._pastable(f'x{{slo_id="{mark(0)}-{mark(1)}"}}', 2)
    assert templates._pastable(f"{mark(0)}/{mark(1)} fires", 2)  # `/` is read by no resolver
    assert not templates._pastable(f"{mark(0)}-{mark(1)}", 2)  # "2024-01-10" would read as a date
    assert not templates._pastable(f"1{mark(0)}2", 2)  # "132" would read as an int
    assert not templates._pastable(f'x{{a="{mark(2)}"}}', 2)  # a value not guaranteed inert
    assert not templates._pastable(f"summary of {mark(0)}", 2)  # "summary of on" reads alike, "of 1.5"?


@pytest.fixture(scope="module")
def services():
    """The compiled example services."""
    return example_services()


# Identities: inert ones (templates fill them in) and ones YAML must quote or only PyYAML writes.
_NAME = st.one_of(_INERT, st.sampled_from(["on", "yes", "1", "2024", "01-01", "a: b", "a #b", "it's", "sp ace", "é", "x:"]))


@pytest.fixture
def fills(monkeypatch):
    """Identity values of every template filled during the test, from a fresh template cache."""
    filled: list[list[str]] = []
    fill = templates.Template.fill
    monkeypatch.setattr(templates.Template, "fill", lambda self, values, *a: filled.append(list(values)) or fill(self, values, *a))
    monkeypatch.setattr(templates, "_CACHE", {})
    return filled


def test_rule_files_from_the_engine_are_the_rule_groups_pyyaml_writes(services, fills):
    """Every SLO of a shape but the first fills the first's template; the file is PyYAML's text of its groups."""
    bases = [c.plans for c in services]

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def agree(data) -> None:
        base = data.draw(st.sampled_from(bases))
        service = data.draw(_NAME)
        plans = [
            replace(plan, service=service, name=f"{data.draw(_NAME)}{index}{copy}", labels=tuple((k, data.draw(_NAME)) for k, _ in plan.labels))
            for copy in range(2)
            for index, plan in enumerate(base)
        ]
        rules = service_rules(service, plans)
        assert (rules.filled is not None) == all(inert(v) for p in plans for v in (p.service, p.name))
        assert rules.text("# h\n") == "# h\n" + pyyaml_text(rule_file_data(tuple(build_groups(service, plans))))

    agree()
    assert fills, "no rule template was filled: the engine was not exercised"


# Label values of the input series: each ends up in a notation restyled per SLO.
_ODD_VALUES = ("ok-1", "on", "a: b", "it's", "1.5", "é")


def test_test_files_from_the_engine_are_the_scenarios_pyyaml_writes(services, fills):
    """Test text filled from templates (odd label values restyled) is PyYAML's text of the file's document."""
    for base in [c.tests for c in services if c.tests is not None and c.tests.testable]:
        for odd in _ODD_VALUES:
            # Each SLO twice, its series' non-grouping labels odd: the second fills the first's template.
            testable = tuple(
                (replace(plan, name=f"{plan.name}-{copy}"), tuple(replace(s, labels=_odd(s.labels, plan.grouping, odd)) for s in series))
                for copy in range(2)
                for plan, series in base.testable
            )
            tests = replace(base, testable=testable, lanes=sharing_lanes(testable))
            assert service_tests.render_test_file(tests, "x.yaml") == header("x.yaml") + pyyaml_text(service_tests.test_file_data(tests))
    assert any("a: b" in value for values in fills for value in values), "no odd series label was filled in"


def _odd(labels: tuple[tuple[str, str], ...], grouping: tuple[str, ...], odd: str) -> tuple[tuple[str, str], ...]:
    return tuple((key, value if key in grouping else odd) for key, value in labels)


def test_slos_of_different_teams_share_their_templates(services, monkeypatch):
    """The team is read by period reports only: SLOs differing by it alone fill the same rule and test templates."""
    service = next(c for c in services if c.tests is not None and c.tests.testable)
    monkeypatch.setattr(templates, "_CACHE", {})
    made = []
    for team in ("team-a", "team-b"):
        plans = [replace(plan, team=team) for plan in service.plans]
        testable = tuple((replace(plan, team=team), series) for plan, series in service.tests.testable)
        assert service_rules(service.service, plans).filled is not None
        service_tests.render_test_file(replace(service.tests, testable=testable), "x.yaml")
        made.append(len(templates._CACHE))
    assert made[0] > 0 and made[1] == made[0], "the second team's SLOs made templates of their own"
