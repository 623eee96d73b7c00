"""The fast YAML writer in render.py must give PyYAML's exact text, or step aside."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render import _fast_yaml, slow_yaml, to_yaml

ROOT = Path(__file__).resolve().parent.parent
# Rule files only: promtool test files hold floats and take PyYAML's path, by design.
RULE_FILES = sorted((ROOT / "output" / "rules").glob("*.yml")) + sorted(
    p for p in (ROOT / "tests" / "data").rglob("*.yml") if not p.name.endswith(".test.yml")
)

# Strings that sit on PyYAML's style boundaries: resolvers, indicators, quotes, blocks.
TRICKY = [
    "1", "0.5", "1e3", "-1", "+1", ".5", ".inf", "0x1f", "0o7", "1_000", "1:30", "2024-01-02", "yes", "No", "on",
    "OFF", "null", "~", "true", "=", "<<", "-", "- x", "-x", "?", "? x", "?x", ":", ": x", ":x", "a:", "a: b",
    "a:b", "a #b", "a#b", "#a", "---", "--- x", "...", "..x", "'q'", "it's", '"d"', "%x", "@x", "`x", "!x", "&x",
    "*x", "|x", ">x", "[x", "]x", "{x", "}x", ",x", "x,y", "a [b]", "{{ $labels.job }}", 'printf "%.2f"',
    "a\nb", "a\n  b", "sum(\n  rate(x[5m])\n)", "a \nb", "a\n\nb", " a", "a ", "a\n", "\na", "", "é", "a\tb",
    "x" * 200, "slo:sli_error:ratio_rate5m", 'x{a="b"} / 0.001', "a\n- b", "a\n# b", "a\n b: c",
]


def _docs() -> list[dict]:
    return [yaml.safe_load(path.read_text()) for path in RULE_FILES]


def test_real_rule_files_take_the_fast_path_and_match_pyyaml():
    docs = _docs()
    assert docs, "no rule files to compare"
    for doc in docs:
        fast = _fast_yaml(doc)
        assert fast is not None, "a real rule file fell back to PyYAML: compiles would be slow"
        assert fast == slow_yaml(doc)


def test_tricky_strings_as_values_and_keys_match_pyyaml():
    for text in TRICKY:
        for doc in ({"k": text}, {"groups": [{"name": "g", "rules": [{"labels": {"x": text}}]}]}, {text: "v"}):
            assert to_yaml(doc) == slow_yaml(doc), repr(text)
            assert yaml.safe_load(to_yaml(doc)) == doc


def test_unsupported_shapes_fall_back():
    for doc in ({"k": 1}, {"k": []}, {"k": {}}, {"k": ["a"]}, {"k": None}, ["a"], {"k": "é"}):
        assert _fast_yaml(doc) is None
        assert to_yaml(doc, "# h\n") == "# h\n" + slow_yaml(doc)


_text = st.text(alphabet=st.sampled_from(list(" \n'\"#:-?,[]{}|>!&*%@`~=.<+0123456789eEoOnNyYtTfFaxz")), max_size=12)
_doc = st.recursive(
    _text,
    lambda inner: st.one_of(
        st.dictionaries(_text, inner, min_size=1, max_size=3),
        st.lists(st.dictionaries(_text, inner, min_size=1, max_size=3), min_size=1, max_size=3),
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_text, _doc, min_size=1, max_size=4))
def test_any_document_matches_pyyaml(doc):
    assert to_yaml(doc) == slow_yaml(doc)
