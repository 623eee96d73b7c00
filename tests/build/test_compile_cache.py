"""The parse cache of promql.expression_problem: same verdicts as parsing every expression."""

from __future__ import annotations

import promql_parser as pp
import pytest
from slogen.emit.rules.recording import Group, Rule
from slogen.emit.rules.rule_file import expression_problems
from slogen.spec import promql
from slogen.spec.promql import expression_shape


def _verdict(expr: str) -> bool:
    try:
        pp.parse(expr)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "expr",
    [
        'sum(rate(x{job="a", code=~"5.."}[5m]))',
        'x{slo_id="checkout-availability"} / 0.001',
        'x{a="b\\"c\\\\d\\ne"}',
        '{a=""}',
        '{a="v"}',
        '{a!="v"}',
        'x{a=~"("}',
        'x{a="\\q"}',
        "x{a='b'}",
        'x{a="b"',
        'sum by (a) (x{a="1"}) or on (a) 0 * y{b="2"}',
    ],
)
def test_masking_keeps_the_parse_verdict(expr):
    assert _verdict(expression_shape(expr)) == _verdict(expr)


def test_a_cached_shape_does_not_hide_a_broken_expression(monkeypatch):
    monkeypatch.setattr(promql, "_PARSED_SHAPES", set())
    good = Group("g", 30, (Rule(record="r", expr='x{slo_id="a"} / y{slo_id="a"}'),))
    assert expression_problems([good]) == []
    # Same masked shape would be a cache hit; a different broken shape must still be found.
    broken = Group("g", 30, (Rule(record="r", expr='x{slo_id="b"} / / y{slo_id="b"}'),))
    assert len(expression_problems([broken])) == 1
    assert expression_problems([good]) == []
