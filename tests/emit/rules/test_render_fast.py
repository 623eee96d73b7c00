"""The fast YAML writers of the text seam (emit/text/) must give PyYAML's exact text, or step aside."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from slogen.emit.text.documents import block_text, pyyaml_text, render_yaml
from slogen.emit.text.scalars import Unstyled

from slogen_testing import examples

ROOT = Path(__file__).resolve().parents[3]
# Rule files and generated promtool test files (floats, empty lists, lists of strings).
RULE_FILES = sorted((ROOT / "output" / "rules").glob("*.yml")) + sorted((ROOT / "tests" / "data").rglob("*.yml"))
TEST_FILES = sorted((ROOT / "output" / "tests").glob("*.test.yml"))

# Strings that sit on PyYAML's style boundaries: resolvers, indicators, quotes, blocks.
TRICKY = [
    "1", "0.5", "1e3", "-1", "+1", ".5", ".inf", "0x1f", "0o7", "1_000", "1:30", "2024-01-02", "yes", "No", "on",
    "OFF", "null", "~", "true", "=", "<<", "-", "- x", "-x", "?", "? x", "?x", ":", ": x", ":x", "a:", "a: b",
    "a:b", "a #b", "a#b", "#a", "---", "--- x", "...", "..x", "'q'", "it's", '"d"', "%x", "@x", "`x", "!x", "&x",
    "*x", "|x", ">x", "[x", "]x", "{x", "}x", ",x", "x,y", "a [b]", "{{ $labels.job }}", 'printf "%.2f"',
    "a\nb", "a\n  b", "sum(\n  rate(x[5m])\n)", "a \nb", "a\n\nb", " a", "a ", "a\n", "\na", "", "é", "a\tb",
    "x" * 200, "slo:sli_error:ratio_rate5m", 'x{a="b"} / 0.001', "a\n- b", "a\n# b", "a\n b: c",
]


def _fast_yaml(doc) -> str | None:
    """The fast writer's text of `doc`, or None where it steps aside."""
    try:
        return block_text(doc)
    except Unstyled:
        return None


def _docs() -> list[dict]:
    return [yaml.safe_load(path.read_text()) for path in RULE_FILES + TEST_FILES]


def test_real_rule_files_take_the_fast_path_and_match_pyyaml():
    docs = _docs()
    assert RULE_FILES and TEST_FILES, "no rule or test files to compare"
    for doc in docs:
        fast = _fast_yaml(doc)
        assert fast is not None, "a real rule or test file fell back to PyYAML: compiles would be slow"
        assert fast == pyyaml_text(doc)


def test_tricky_strings_as_values_and_keys_match_pyyaml():
    for text in TRICKY:
        for doc in ({"k": text}, {"groups": [{"name": "g", "rules": [{"labels": {"x": text}}]}]}, {text: "v"}):
            assert render_yaml(doc) == pyyaml_text(doc), repr(text)
            assert yaml.safe_load(render_yaml(doc)) == doc


def test_numbers_and_lists_of_strings_match_pyyaml():
    for value in (1, 0, -7, 10**20, 1.0, 0.5, -0.0, 1e-05, 1e16, 2.5e-300, 1.1 * 3, 123456789.123):
        doc = {"k": value, "l": [{"v": value}]}
        assert _fast_yaml(doc) is not None
        assert render_yaml(doc) == pyyaml_text(doc), repr(value)
    for doc in ({"k": []}, {"k": ["a"]}, {"k": ["a", "on", "1", "a: b", "- x", "it's"], "e": [], "n": {"m": ["x"]}}):
        assert _fast_yaml(doc) is not None
        assert render_yaml(doc) == pyyaml_text(doc), repr(doc)


def test_unsupported_shapes_fall_back():
    unsupported = (
        {"k": {}}, {"k": None}, ["a"], {"k": "é"}, {"k": True}, {"k": float("nan")}, {"k": float("inf")},
        {"k": [""]}, {"k": ["a\nb"]}, {"k": [1]}, {"k": [[]]},
    )
    for doc in unsupported:
        assert _fast_yaml(doc) is None, repr(doc)
        assert render_yaml(doc, "# h\n") == "# h\n" + pyyaml_text(doc)


_text = st.text(alphabet=st.sampled_from(list(" \n'\"#:-?,[]{}|>!&*%@`~=.<+0123456789eEoOnNyYtTfFaxz")), max_size=12)
_leaf = st.one_of(_text, st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.lists(_text, max_size=3))
_doc = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.dictionaries(_text, inner, min_size=1, max_size=3),
        st.lists(st.dictionaries(_text, inner, min_size=1, max_size=3), min_size=1, max_size=3),
    ),
    max_leaves=8,
)


@settings(max_examples=examples(400), deadline=None)
@given(st.dictionaries(_text, _doc, min_size=1, max_size=4))
def test_any_document_matches_pyyaml(doc):
    assert render_yaml(doc) == pyyaml_text(doc)


def test_rule_files_are_written_as_pyyaml_would_write_their_documents():
    """The direct rule-file writer and PyYAML agree byte for byte, odd text included."""
    from slogen_testing import compile_paths
    from slogen.emit.rules.recording import Group, Rule
    from slogen.emit.rules.recording import rule_file_data
    from slogen.emit.text.rule_layout import _groups_text

    services, _ = compile_paths([ROOT / "slo_specs"])
    cases = [c.groups for c in services]
    for text in TRICKY:
        labels = (("a", text), ("b", "x")) if text else (("a", "x"),)
        rule = Rule(expr=text or "x", record="r", labels=labels, annotations=(("summary", text or "s"),), for_="5m")
        alert = Rule(expr="up == 0", alert=text or "A", labels=labels)
        cases.append((Group(name=text or "g", interval=30, rules=(rule, alert)), Group(name="empty", interval=60, rules=())))
    fast = 0
    for groups in cases:
        try:
            text = _groups_text(groups)
        except Unstyled:  # the fast writer may refuse, never differ
            continue
        fast += 1
        assert text == pyyaml_text(rule_file_data(groups)), groups
    assert fast > len(services) + len(TRICKY) // 2
