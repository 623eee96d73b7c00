"""Selector parsing: the plain-selector path reads what promql-parser itself reads."""

from __future__ import annotations

import promql_parser as pp
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from slogen.spec.promql import _parse_selector, _parse_selector_fully

from slogen_testing import examples

_NAMES = st.sampled_from(["m", "http_requests_total", "job:rate5m", "sum", "rate", "on", "by", "bool", "offset", "inf", "nan", "x1", "_a", "A"])
_LABELS = st.sampled_from(["job", "code", "__name__", "le", "a", "A_1", "on", "by"])
_VALUES = st.one_of(st.text(st.characters(codec="utf-8", exclude_characters='\\"\n'), max_size=6), st.sampled_from(["", "x", "5..", "(", "a|b", 'q\\"t', "\\n", "\\q"]))
_OPS = st.sampled_from(["=", "!=", "=~", "!~"])
_SPACE = st.sampled_from(["", " ", "  ", "\n"])


@st.composite
def selectors(draw) -> str:
    """Selectors as people write them, and near misses."""
    s = draw(_SPACE)
    matchers = [f"{draw(_LABELS)}{draw(_SPACE)}{draw(_OPS)}{draw(_SPACE)}\"{draw(_VALUES)}\"" for _ in range(draw(st.integers(0, 3)))]
    body = ("," + draw(_SPACE)).join(matchers) + draw(st.sampled_from(["", ",", " , "]))
    name = draw(st.one_of(st.just(""), _NAMES))
    braces = draw(st.sampled_from(["{%s}", "{%s}", "%s", "{%s"])) % body
    return s + name + s + braces + draw(st.sampled_from(["", " ", "[5m]", " offset 5m", " or m"]))


@settings(max_examples=examples(2000), deadline=None)
@given(selectors())
@example('{__name__="m", job="a"}')
@example('m{__name__="x"}')
@example('{__name__=~"m"}')
@example('{a=""}')
@example('on{a="b"}')
def test_plain_selectors_parse_as_the_parser_does(text: str) -> None:
    assert _parse_selector.__wrapped__(text) == _parse_selector_fully(text)


# Prometheus 3's names: any UTF-8 text (surrogates are no UTF-8), legacy ones among them.
_UTF8_NAMES = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=12),
    st.sampled_from(["service.name", "http.server.request.duration_count", 'a"b', "a\\b", "new\nline", "1st", "le", "job", "ü", "nan", "Inf", "on", "bool", "sum", "offset"]),
)


@settings(max_examples=examples(500), deadline=None)
@given(_UTF8_NAMES, _UTF8_NAMES, st.lists(_UTF8_NAMES, min_size=1, max_size=3, unique=True), _VALUES, _OPS)
def test_printed_names_parse_back_to_themselves(metric: str, label: str, grouping: list[str], value: str, op: str) -> None:
    """Whatever the names, what slogen prints parses (promql-parser reads Prometheus 3's quoted names) to the same names."""
    from slogen.spec.promql import Selector, names_text

    assume(label != "__name__")
    if op in ("=~", "!~"):
        value = "x"  # an arbitrary string is no regular expression
    parsed = _parse_selector_fully(Selector(metric, ((label, op, value),)).render())
    assert parsed == Selector(metric, ((label, op, value),)), parsed
    tree = pp.parse(f"sum by ({names_text(grouping)}) (m)")
    assert list(tree.modifier.labels) == grouping



# Expressions as slogen writes and reads them: selectors inside functions, aggregations
# and binary operators, with values that look like syntax (quotes, `=`, escapes, `|`).
_ANY_VALUES = st.one_of(_VALUES, st.sampled_from(["a=", '=\\"', "b\\\\", "x|y-1", "svc-a|svc-b.c", "a||b", "|a", "a|", ".", "__slogen_slot_0"]))
_WRAPS = st.sampled_from(["%s", "sum(rate(%s[5m]))", "sum by (a) (rate(%s[{{window}}]))", "%s / 0.001", "%s or on () 0 * x", "(%s)", "%s # c"])


@st.composite
def expressions(draw) -> str:
    """A few selectors (and near misses) joined by operators, each wrapped."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        matchers = [f"{draw(_LABELS)}{draw(_OPS)}\"{draw(_ANY_VALUES)}\"" for _ in range(draw(st.integers(0, 3)))]
        name = draw(st.one_of(st.just(""), _NAMES))
        parts.append(draw(_WRAPS) % (name + draw(st.sampled_from(["{%s}", "{%s}", "{%s"])) % ", ".join(matchers)))
    return draw(st.sampled_from([" + ", " / ", " or ", "\n/\n"])).join(parts)


def _parses(text: str) -> bool:
    try:
        pp.parse(text)
    except ValueError:
        return False
    return True


@settings(max_examples=examples(2000), deadline=None)
@given(expressions())
@example('x{a=~"a=", b="c"}')
@example('x{a="b\\"c\\\\d\\ne"} / y{slo_id=~"svc-a|svc-b"}')
@example('x{__name__="m", a!="v"}')
@example('{__name__="__slogen_slot_0"}')
def test_selectors_read_by_shape_is_what_the_parser_reads(text: str) -> None:
    from slogen.spec.promql import _selectors_of, expression_shape, selectors_read

    assert selectors_read.__wrapped__(text) == (_selectors_of.__wrapped__(text) or ())
    # What the shape caches of expression_problem and selectors_read rest on.
    assert _parses(expression_shape(text)) == _parses(text)


@settings(max_examples=examples(2000), deadline=None)
@given(expressions(), st.sampled_from(["", "sum(%s) / 2", "%s > bool 0", "max_over_time(%s[1h:5m])"]))
@example('sum(rate(x{job="svc1", slo="s0", code=~"5.."}[5m]))', "")
@example('x{a="b\\"c"} / y{slo_id=~"svc-a|svc-b"}', "")
@example('{__name__="m", a!="v"}', "")
@example('x{a="\t"}', "")
@example('x{a="é"} + y{b="__slogen_slot_0"}', "")
# Long enough that the printer breaks lines, by the values' widths.
@example('sum by (code) (rate(requests_total{job="svc0001-with-a-long-name", code=~"5.."}[5m])) / sum(rate(requests_total{job="s"}[5m]))', "")
@example('sum by (code) (rate(requests_total{job="s", code=~"5.."}[5m])) / sum(rate(requests_total{job="svc0001-with-a-long-name"}[5m]))', "")
def test_queries_printed_by_shape_are_the_text_printed(text: str, wrap: str) -> None:
    """A query printed from its shape, values written back, is what printing its own tree gives (problems alike)."""
    from slogen.spec.promql import _printed_query, _printed_text, substitute_window

    text = substitute_window(wrap % text if wrap else text, "5m")
    assert _printed_query.__wrapped__(text) == _printed_text.__wrapped__(text)


@settings(max_examples=examples(1000), deadline=None)
@given(expressions())
@example('sum(rate(x{job="b", job="a"}[5m]))')
@example('sum by (a) (rate(requests_total{job="svc0001", code=~"5..|429"}[{{window}}]))')
@example('sum(rate({__name__="m", a="\t"}[5m]))')
def test_a_summed_rate_selector_read_by_shape_is_the_one_printed(text: str) -> None:
    """The counter a query SLI's tests drive (emit/promtool/series.py), read from the query's shape, is the one its own tree prints."""
    from slogen.emit.promtool.series import _summed_rate_part, _summed_rate_selector

    found = _summed_rate_part.__wrapped__(text)
    assert _summed_rate_selector(text) == (found[0] if found is not None else None)
