"""Deciding locally which selectors a series matches, as Prometheus does (its own answers are
compared in test_status_scale.py), and batching the selectors within a request size."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from slogen.live.series_match import batches, local_matcher, split_by_selector


@pytest.mark.parametrize(
    "selector, labels, matches",
    [
        ('x{code=~"5.."}', {"__name__": "x", "code": "500"}, True),
        ('x{code=~"5.."}', {"__name__": "x", "code": "5000"}, False),  # anchored at both ends
        ('x{code!~"2..|3.."}', {"__name__": "x", "code": "2000"}, True),
        ('x{instance=""}', {"__name__": "x"}, True),  # an absent label reads as ""
        ('x{instance=""}', {"__name__": "x", "instance": "a"}, False),
        ('x{instance!=""}', {"__name__": "x"}, False),
        ('x{code=~".*"}', {"__name__": "x"}, True),
        ('x{code="500"}', {"__name__": "y", "code": "500"}, False),
        ('{__name__=~"x|y", code="500"}', {"__name__": "y", "code": "500"}, True),
        ('x{code=~"(?i)OK"}', {"__name__": "x", "code": "ok"}, True),
        ('x{code=~"\\\\d+"}', {"__name__": "x", "code": "٣"}, False),  # RE2's \d is ASCII
        # Read through spec/re2_pattern.py, as Prometheus reads them (these were left to Prometheus before):
        ('x{code=~"5[[:digit:]]{2}"}', {"__name__": "x", "code": "503"}, True),  # a POSIX class
        ('x{code=~"5[[:digit:]]{2}"}', {"__name__": "x", "code": "5:3"}, False),
        ('x{code=~"a{,3}"}', {"__name__": "x", "code": "a{,3}"}, True),  # not a repeat in RE2: a literal
        ('x{code=~"a{,3}"}', {"__name__": "x", "code": "aa"}, False),
        # What Python's re (even under re.ASCII) read otherwise:
        ('x{code=~"a\\\\sb"}', {"__name__": "x", "code": "a\vb"}, False),  # RE2's \s has no \v
        ('x{code=~"(?i)ok"}', {"__name__": "x", "code": "o\u212a"}, True),  # (?i) folds Unicode: the Kelvin sign
        ('x{code=~"a$\\n"}', {"__name__": "x", "code": "a\n"}, False),  # RE2's `$` is the end of the text
    ],
)
def test_a_series_matches_as_in_prometheus(selector, labels, matches):
    matcher = local_matcher(selector)
    assert matcher is not None
    assert matcher(labels) is matches


@pytest.mark.parametrize(
    "selector",
    [
        'x{code=~"\\\\pL+"}',  # Unicode class: not in Python
        'x{code=~"\\\\p{Greek}"}',
        'x{code=~"a(?i)b"}',  # a flag mid-pattern: RE2 only
        'x{code=~"(?U)a+"}',  # ungreedy: RE2 only
        'x{code=~"a*+"}',  # possessive in Python, an error in RE2
        'x{code=~"(?=a)a"}',  # look-ahead: Python only
        'x{code=~"(a)\\\\1"}',  # a back reference: Python only
        'x{code=~"(?i)[\\\\W]"}',  # a negated class folded: RE2 and Python fold at different steps
    ],
)
def test_a_regex_python_may_read_otherwise_is_left_to_prometheus(selector):
    assert local_matcher(selector) is None


def test_batches_stay_within_the_limit_and_keep_every_selector_once():
    texts = [f'op{n}_requests_total{{job="svc", code=~"5.."}}' for n in range(500)] + ["y" * 3000]
    found = list(batches(texts, limit=2000))
    assert [t for batch in found for t in batch] == texts

    def size(batch: list[str]) -> int:
        return len(urlencode({"match[]": batch}, doseq=True))

    assert all(size(batch) <= 2000 for batch in found[:-1]) and found[-1] == ["y" * 3000]  # too long for any batch: alone
    # As few as fit: no batch could have taken the next selector.
    assert all(size(batch + [after[0]]) > 2000 for batch, after in zip(found, found[1:]))


def test_each_selector_gets_its_own_series_from_the_union():
    series = [{"__name__": "x", "code": "500"}, {"__name__": "x", "code": "200"}, {"__name__": "y", "code": "500"}]
    texts = ['x{code=~"5.."}', 'x{code="404"}', '{__name__=~"x|y", code="500"}']
    found = split_by_selector(series, {text: local_matcher(text) for text in texts})
    assert found == {texts[0]: [series[0]], texts[1]: [], texts[2]: [series[0], series[2]]}


def test_a_utf8_name_is_read_quoted_as_prometheus_3_writes_it():
    matcher = local_matcher('{"http.server.request.duration_count", "service.name"="checkout"}')
    assert matcher is not None
    assert matcher({"__name__": "http.server.request.duration_count", "service.name": "checkout"}) is True
    assert matcher({"__name__": "http.server.request.duration_count", "service.name": "cart"}) is False
