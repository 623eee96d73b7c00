"""Emit's one text seam: builders' data in -> YAML/JSON text out, fast, and the same bytes as PyYAML.

Every emitted YAML file is made here, and nowhere else decides how a scalar looks:

* `scalars.py`: how PyYAML styles one scalar, key or number, decided without PyYAML;
  `Unstyled` when it cannot say (no render_* function raises it);
* `documents.py`: `render_yaml(data)` for any document, `render_layout` for a document
  whose layout is fixed (rule and promtool test files), both falling back to PyYAML in
  one place; `render_json`;
* `templates.py`: the one placeholder-template engine: text written once for stand-in
  names, filled per SLO (rule files and promtool test files alike);
* `rule_layout.py`, `promtool_layout.py`: the two fixed layouts, written line by line.

tests/emit/rules/test_render_fast.py and tests/emit/text/ hold each fast path to PyYAML's text of the same data.
"""
