"""The scalar rules the template engine relies on (emit/text/scalars.py), read off PyYAML itself."""

from __future__ import annotations

import re
import re._parser as sre_parse

import yaml
from hypothesis import given
from hypothesis import strategies as st
from slogen.emit.text.scalars import _UNRESOLVABLE, block_scalar, inert, memo_styler, unresolvable

_PATTERNS = {regexp for resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.values() for _, regexp in resolvers}


def _characters(parsed) -> set[str]:
    """Every character a parsed pattern can match; fails on a construct matching more."""
    found: set[str] = set()
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            found.add(chr(arg))
        elif name == "IN":
            for kind, value in arg:
                if str(kind) == "LITERAL":
                    found.add(chr(value))
                elif str(kind) == "RANGE":
                    found |= {chr(c) for c in range(value[0], value[1] + 1)}
                else:
                    raise AssertionError(f"unexpected class member {kind}")
        elif name == "BRANCH":
            for branch in arg[1]:
                found |= _characters(branch)
        elif name == "SUBPATTERN":
            found |= _characters(arg[-1])
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            found |= _characters(arg[2])
        elif name != "AT":
            raise AssertionError(f"unexpected construct {name}")
    return found


def test_no_resolver_reads_a_character_called_unresolvable():
    alphabet = set()
    for regexp in _PATTERNS:
        alphabet |= _characters(sre_parse.parse(regexp.pattern, regexp.flags))
    assert alphabet and not any(unresolvable(c) for c in alphabet), sorted(c for c in alphabet if unresolvable(c))
    # And the set is no wider than it needs to be for the characters templates meet.
    assert all(unresolvable(c) for c in '/;{}()",[]|#%@`^$\\')


@given(st.text(alphabet=st.sampled_from(list("0123456789-+.:eExXoObTtZ ~<=!&*yesnulfaIiNn_")), max_size=8), st.sampled_from(list('/;{}(),"')))
def test_text_holding_an_unresolvable_character_reads_as_a_string(text, odd):
    for candidate in (odd + text, text + odd, text[:2] + odd + text[2:]):
        assert _UNRESOLVABLE.search(candidate)
        assert not any(regexp.match(candidate) for regexp in _PATTERNS)


def test_inert_names_and_the_memo_styler():
    assert inert("svc-a.b/c_1") and not inert("a b") and not inert("'a") and not inert("é") and not inert("")
    style = memo_styler()
    assert style("on", 0) == block_scalar("on", 0) == " 'on'"
    assert style("x" * 300, 2) is style("x" * 300, 2)
    assert re.fullmatch(r" x+", style("x" * 300, 2))
