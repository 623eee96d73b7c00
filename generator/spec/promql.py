"""Parsing user PromQL: plain selectors and free-form queries, re-printed from their trees.

Every user expression is parsed first and re-printed from its syntax tree before it
is embedded anywhere, so user text can never change the shape of the expression
around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import promql_parser as pp

BASE = "5m"
_WINDOW_VAR = re.compile(r"\{\{\s*\.?[Ww]indow\s*\}\}")


class SLIError(ValueError):
    """A user expression that cannot be used; `field` names the spec key at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Selector:
    """A parsed plain vector selector: metric name plus matchers."""

    name: str | None
    matchers: tuple[tuple[str, str, str], ...]

    def render(self, suffix: str = "", extra: tuple[tuple[str, str, str], ...] = ()) -> str:
        """Print as PromQL, optionally renaming the metric with a suffix."""
        return selector_text(self.name + suffix if self.name else None, self.matchers + extra)


def name_text(name: str) -> str:
    """A label name as PromQL spells it: bare when Prometheus 2 takes it, else quoted (Prometheus 3's UTF-8 names)."""
    return name if _LEGACY_LABEL.match(name) else f'"{escape_string(name)}"'


def names_text(names: Iterable[str]) -> str:
    """Label names for `by (...)`, `on (...)` and `without (...)`: as `name_text` spells them, and
    `nan` and `inf` quoted too (PromQL's lexer reads them as numbers there, in any case)."""
    return ", ".join(f'"{name}"' if name.lower() in NUMBER_WORDS else name_text(name) for name in names)


def selector_text(metric: str | None, matchers: Iterable[tuple[str, str, str]]) -> str:
    """`metric{label op "value", ...}`; a metric name Prometheus 2 cannot read goes inside the braces, quoted
    (`{"http.server.duration_count", ...}`, Prometheus 3), as do label names that need it."""
    parts = [f'{name_text(label)}{op}"{escape_string(value)}"' for label, op, value in matchers]
    if metric is not None and not _LEGACY_METRIC.match(metric):
        parts.insert(0, f'"{escape_string(metric)}"')
        metric = None
    elif metric is not None and not _bare_metric(metric):
        parts.insert(0, f'__name__="{metric}"')  # `on`, `bool`, `inf`: words PromQL reads otherwise; any engine takes this
        metric = None
    if not parts:
        return metric or ""
    return f"{metric or ''}{{{', '.join(parts)}}}"


@lru_cache(maxsize=1 << 10)
def _bare_metric(name: str) -> bool:
    """Whether a legacy metric name reads as one, alone and before braces (`on` and `nan` do not)."""
    for text in (name, name + '{x="y"}'):
        expr = _parsed(text)
        if not isinstance(expr, pp.VectorSelector) or expr.name != name:
            return False
    return True


# Prometheus 2's names; Prometheus 3 also takes any UTF-8 name, quoted ({"http.server.duration"}).
_LEGACY_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LEGACY_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
NUMBER_WORDS = ("nan", "inf")


def escape_string(value: str) -> str:
    """Escape a value for a double-quoted PromQL string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# promql_parser's MatchOp is unhashable and slow to compare; its name is neither.
_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def op_text(op: pp.MatchOp) -> str:
    """A matcher operator as PromQL spells it: =, !=, =~ or !~."""
    text = _OPS.get(str(op))
    if text is None:
        raise ValueError(f"unknown matcher operator {op}")
    return text


def parse_expr(text: str, field: str) -> pp.Expr:
    """Parse PromQL, turning the parser's error into an SLIError for `field`."""
    parsed = _parsed(text)
    if isinstance(parsed, str):
        raise SLIError(field, parsed)
    return parsed


def _parsed(text: str) -> pp.Expr | str:
    """The parser's tree of `text`, or what is wrong with it (cacheable, unlike an exception)."""
    try:
        return pp.parse(text)
    except ValueError as err:
        keyword = _KEYWORD_METRIC.search(text)
        if keyword is None:
            return f"invalid PromQL: {err}"
        # The parser only says "invalid promql query"; the usual cause is a metric named like a keyword.
        word = keyword[1]
        return (f"invalid PromQL: {err}: {word!r} before '{{' reads as a PromQL keyword, not a metric name; "
                f'select the metric as {{__name__="{word}", ...}}')


# Words PromQL's lexer takes as keywords or numbers even before `{`, so `on{job="x"}` does not parse.
_KEYWORD_METRIC = re.compile(r'(?<![\w:."])(atan2|on|ignoring|group_left|group_right|bool|inf|nan)\s*\{', re.IGNORECASE)


def parse_selector(text: str, field: str) -> Selector:
    """Parse a plain selector such as `http_requests_total{job="api"}`."""
    parsed = _parse_selector(text)
    if isinstance(parsed, str):
        raise SLIError(field, parsed)
    return parsed


# A selector in the usual spelling, values without escapes: `metric{label op "value", ...}`.
_MATCHER_TEXT = r'[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|!~|!=|=)\s*"[^"\\\n]*"'
_PLAIN_SELECTOR = re.compile(
    rf"\s*([A-Za-z_:][A-Za-z0-9_:]*)?\s*(?:\{{\s*((?:{_MATCHER_TEXT}\s*,\s*)*(?:{_MATCHER_TEXT}\s*)?)\}})?\s*\Z"
)
_MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"\\\n]*)"')


# Specs are validated, then planned and synthesized from the same selectors: parse each
# text once (a problem is kept as its message; `field` only says where it was found).
@lru_cache(maxsize=1 << 12)
def _parse_selector(text: str) -> Selector | str:
    match = _PLAIN_SELECTOR.match(text)
    if match and (match[1] or match[2]) and _plain_shape_is_selector(expression_shape(text)):
        # Thousands of SLOs' selectors differ only in matcher values, which cannot change
        # what they parse to: the parser checked the shape, the values are read here
        # (tests/spec/test_promql.py holds this to the parser's own result).
        name = match[1]
        matchers = []
        for label, op, value in _MATCHER.findall(match[2] or ""):
            if label == "__name__" and name is None and op == "=":
                name = value
                continue
            matchers.append((label, op, value))
        return Selector(name=name, matchers=tuple(matchers))
    return _parse_selector_fully(text)


@lru_cache(maxsize=1 << 10)
def _plain_shape_is_selector(shape: str) -> bool:
    return isinstance(_parse_selector_fully(shape), Selector)


def _parse_selector_fully(text: str) -> Selector | str:
    expr = _parsed(text)
    if isinstance(expr, str):
        return expr
    if not isinstance(expr, pp.VectorSelector):
        return f"expected a plain selector like metric{{label=\"value\"}}, got {text.strip()!r}"
    if expr.offset is not None or expr.at is not None:
        return "a selector here may not use offset or @"
    if expr.matchers.or_matchers:
        return "`or` inside a selector needs Prometheus 3; use a regex matcher instead"
    matchers = []
    name = expr.name
    for m in expr.matchers.matchers:
        if m.name == "__name__" and name is None and op_text(m.op) == "=":
            name = m.value
            continue
        matchers.append((m.name, op_text(m.op), m.value))
    return Selector(name=name, matchers=tuple(matchers))


def substitute_window(template: str, window: str) -> str:
    """Replace `{{window}}` (also `{{ .window }}`, Sloth's form) with a duration."""
    return _WINDOW_VAR.sub(window, template)


def parse_query(template: str, field: str) -> pp.Expr:
    """Parse a free-form query with `{{window}}` at the base window (5m)."""
    parsed = _parse_query(template)
    if isinstance(parsed, str):
        raise SLIError(field, parsed)
    return parsed


# A query SLI's queries are parsed to validate the spec, then again for its rules (the
# same text at 5m), to find its counters and to check names: each text parsed once.
def _parse_query(template: str) -> pp.Expr | str:
    return _parsed_query(substitute_window(template, BASE))


@lru_cache(maxsize=1 << 10)
def _parsed_query(text: str) -> pp.Expr | str:
    return _parsed(text)


def user_query(template: str, field: str) -> str:
    """Parse a free-form query at the base window and re-print it from its tree."""
    printed, problem = _printed_query(substitute_window(template, BASE))
    if problem:
        raise SLIError(field, problem)
    return printed


@lru_cache(maxsize=1 << 10)
def _printed_query(text: str) -> tuple[str, str]:
    """(the query re-printed from its tree, "") or ("", what is wrong with it): validation and planning ask alike.

    Thousands of SLOs' queries differ only in matcher values, which change neither the
    tree nor, where they print as written, how the rest prints but for their length (the
    printer breaks lines by width): the text with each value blanked to as many `x` is
    parsed and printed once, and the values written back where the blanks print
    (tests/spec/test_promql.py holds this to printing the text itself).  Anything else
    takes the text's own parse."""
    values: list[str] = []
    slotted = _slotted(text, values) if _maskable(text) and _SLOT not in text else ""
    if values and all(_PRINTED_AS_IS.match(value) for value in values):
        blank = _QUOTED_SLOT.sub(lambda m: f'"{"x" * len(values[int(m[1])])}"', slotted)
        cut = _printed_cut(slotted, blank)
        if cut is not None:
            pieces, order = cut
            out = [pieces[0]]
            for index, piece in zip(order, pieces[1:]):
                out += ('"', values[index], '"', piece)
            filled = "".join(out)
            if expression_problem(filled) is None:
                return filled, ""
    return _printed_text(text)


def query_shape(template: str) -> tuple[str, tuple[str, ...]] | None:
    """A free-form query at the base window with its matcher values as numbered slots, and the
    values; None where a value may change how the query prints (see `_printed_query`)."""
    text = substitute_window(template, BASE)
    if not _maskable(text) or _SLOT in text:
        return None
    values: list[str] = []
    slotted = _slotted(text, values)
    return (slotted, tuple(values)) if all(_PRINTED_AS_IS.match(value) for value in values) else None


def fill_slots(printed: str, values: tuple[str, ...]) -> str | None:
    """A part of a slotted query printed (`query_shape`), each slot's value written back; None
    unless each slot printed at most once, quoted, and the part's selectors match each label once."""
    seen: set[int] = set()

    def value(match: re.Match[str]) -> str:
        seen.add(int(match[1]))
        return f'"{values[int(match[1])]}"'

    filled, count = _QUOTED_SLOT.subn(value, printed)
    return filled if count == len(seen) and _SLOT not in filled else None


def distinct_labels(expr: pp.Expr) -> bool:
    """Whether every selector in `expr` matches each label once (and has no `or` matchers): the
    printer sorts a selector's matchers, so two on one label print in their values' order."""
    if isinstance(expr, pp.VectorSelector):
        names = [m.name for m in expr.matchers.matchers]
        return not expr.matchers.or_matchers and len(set(names)) == len(names)
    children = [getattr(expr, attr, None) for attr in ("expr", "lhs", "rhs", "vector_selector", "param")]
    children += list(getattr(expr, "args", None) or ())
    return all(distinct_labels(child) for child in children if isinstance(child, pp.Expr))


# Values that print as they are written: printable ASCII without quotes or escapes.
_PRINTED_AS_IS = re.compile(r'[ !#-\[\]-~]*\Z')
_QUOTED_SLOT = re.compile(r'"__slogen_slot_(\d+)"')
_STRING_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"')


@lru_cache(maxsize=1 << 10)
def _printed_cut(slotted: str, blank: str) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """`blank` printed, cut at its values' blanks, and which value goes in each cut (by its
    slot in `slotted`, the same query with numbered slots for values); None where the values
    could print otherwise: the printer sorts a selector's matchers, so two on one label sort
    by their values; or a problem, whose message may quote the text."""
    expr = _parsed_query(slotted)
    (printed, problem), (blank_printed, blank_problem) = _printed_text(slotted), _printed_text(blank)
    if problem or blank_problem or isinstance(expr, str) or not distinct_labels(expr):
        return None
    # The strings print in the same order in both, the values' blanks where their slots print.
    strings, blanks = _STRING_TOKEN.findall(printed), list(_STRING_TOKEN.finditer(blank_printed))
    if len(strings) != len(blanks):
        return None
    pieces, order, at = [], [], 0
    for string, blanked in zip(strings, blanks):
        slot = _QUOTED_SLOT.fullmatch(string)
        if slot is None:
            if blanked[0] != string:
                return None
            continue
        if blanked[0].strip('"x') or len(blanked[0]) < 3:
            return None
        pieces.append(blank_printed[at:blanked.start()])
        order.append(int(slot[1]))
        at = blanked.end()
    pieces.append(blank_printed[at:])
    if sorted(order) != list(range(len(order))) or _SLOT in printed.replace(f'"{_SLOT}', ""):
        return None
    return tuple(pieces), tuple(order)


@lru_cache(maxsize=1 << 10)
def _printed_text(text: str) -> tuple[str, str]:
    expr = _parsed_query(text)
    if isinstance(expr, str):
        return "", expr
    if isinstance(expr, (pp.MatrixSelector, pp.SubqueryExpr)):
        return "", "the query must return an instant vector of per-second rates, not a range"
    if isinstance(expr, (pp.NumberLiteral, pp.StringLiteral)):
        return "", "the query must return an instant vector of per-second rates, not a literal"
    printed = expr.prettify()
    if expression_problem(printed) is not None:
        # promql-parser (0.12) prints a quoted "nan" or "inf" in by (...) bare, which no parser reads.
        return "", "promql-parser re-prints this query as PromQL it cannot read back (a label named nan or inf in by (...)?): rename the label"
    return printed, ""


def _output_grouping(expr: pp.Expr) -> tuple[str, ...] | None:
    if isinstance(expr, pp.ParenExpr):
        return _output_grouping(expr.expr)
    if isinstance(expr, pp.AggregateExpr):
        modifier = expr.modifier
        if modifier is None:
            return ()
        return tuple(modifier.labels) if "By" in str(modifier.type) else None
    if isinstance(expr, pp.BinaryExpr):
        sides = [_output_grouping(side) for side in (expr.lhs, expr.rhs) if not isinstance(side, pp.NumberLiteral)]
        if len(sides) == 1 or (len(sides) == 2 and sides[0] is not None and set(sides[0]) == set(sides[1] or ())):
            return sides[0]
        return None
    if isinstance(expr, pp.Call):
        vectors = [arg for arg in expr.args if not isinstance(arg, (pp.NumberLiteral, pp.StringLiteral))]
        return _output_grouping(vectors[0]) if vectors else None
    return None


def output_grouping(template: str) -> tuple[str, ...] | None:
    """The labels a query's result keeps when its outer aggregation says so: `sum(...) by (a)` -> (a,),
    `sum(...)` -> (); None when unknown (no outer aggregation, `without`) or unparsable."""
    parsed = _parse_query(template)
    return None if isinstance(parsed, str) else _output_grouping(parsed)


def check_histogram(text: str, field: str = "histogram") -> Selector:
    """Parse a histogram's base-name selector, refusing bucket/count names and `le`."""
    hist = parse_selector(text, "histogram")
    if not hist.name:
        raise SLIError("histogram", "the histogram selector needs a metric name")
    if hist.name.endswith(("_bucket", "_count", "_sum")):
        base = re.sub(r"_(bucket|count|sum)$", "", hist.name)
        raise SLIError("histogram", f"give the histogram's base name without _bucket/_count/_sum, e.g. {base}")
    if any(label == "le" for label, _, _ in hist.matchers):
        raise SLIError("histogram", "do not match `le` in the selector; set `threshold` instead")
    return hist


# The values of `=` and `!=` matchers cannot make an expression invalid, and they are
# what differs between the rules of different SLOs (slo_id, job, ...); nor can a regex
# value that is an alternation of plain words (`svc-a|svc-b`, as slogen writes slo_ids):
# always a valid regex, never matching the empty string.  Masked, 10,000 SLOs'
# expressions come down to a few hundred shapes, each parsed once per process.  Kept as
# they are: other regex values (an invalid regex is a parse error), empty values (a
# selector needs one non-empty matcher) and values with unusual escapes.  The pattern
# reads every double-quoted string in order, as PromQL's lexer does, capturing those
# that cannot change the parse with their operator.
_STRINGS = re.compile(
    r'(?=[="!])(?:(=)"((?:[^"\\\n]|\\[\\"n])+)"|([=!]~)"([A-Za-z0-9_:.-]+(?:\|[A-Za-z0-9_:.-]+)*)"|"(?:[^"\\]|\\.)*")', re.S
)
_PARSED_SHAPES: set[str] = set()


def _maskable(expr: str) -> bool:
    """Whether `expr`'s strings can be found by pattern (no other quotes, no comment)."""
    return not ("'" in expr or "`" in expr or "#" in expr)


def expression_shape(expr: str) -> str:
    """The expression with every matcher value that cannot change its parse replaced by "x"."""
    if not _maskable(expr):
        return expr
    return _STRINGS.sub(lambda m: m[0] if m.lastindex is None else f'{m[1] or m[3]}"x"', expr)


def expression_problem(expr: str) -> str | None:
    """Why a generated expression does not parse, or None (its shape, then itself, parsed once)."""
    shape = expression_shape(expr)
    if shape in _PARSED_SHAPES:
        return None
    try:
        pp.parse(shape)
        pp.parse(expr)
    except ValueError as err:
        return str(err)
    _PARSED_SHAPES.add(shape)
    return None


def vector_selectors(expr: pp.Expr) -> list[Selector]:
    """Every plain selector an expression reads (a walk of promql_parser's tree)."""
    if isinstance(expr, pp.VectorSelector):
        matchers = tuple((m.name, op_text(m.op), m.value) for m in expr.matchers.matchers)
        return [Selector(expr.name, matchers)]
    found: list[Selector] = []
    for attr in ("expr", "lhs", "rhs", "vector_selector", "param"):
        child = getattr(expr, attr, None)
        if isinstance(child, pp.Expr):
            found += vector_selectors(child)
    for arg in getattr(expr, "args", None) or ():
        if isinstance(arg, pp.Expr):
            found += vector_selectors(arg)
    return found


@lru_cache(maxsize=1 << 12)
def selectors_read(text: str) -> tuple[Selector, ...]:
    """The plain selectors a PromQL expression reads; () when it does not parse.

    Parsed once per shape: the masked values (expression_shape) become numbered slots,
    read back into the shape's selectors (tests/spec/test_promql.py holds this to the
    parser's own result)."""
    if not _maskable(text) or _SLOT in text:
        return _selectors_of(text) or ()
    values: list[str] = []
    shape = _slotted(text, values)
    found = _selectors_of(shape)
    if not found:  # does not parse (nor then does the text), or reads nothing
        return ()
    filled = {f"{_SLOT}{i}": value for i, value in enumerate(values)}
    return tuple(
        Selector(filled.get(s.name, s.name) if s.name else s.name, tuple((label, op, filled.get(v, v)) for label, op, v in s.matchers))
        for s in found
    )


_SLOT = "__slogen_slot_"


def _slotted(text: str, values: list[str]) -> str:
    """`text` with each masked value (see expression_shape) a numbered slot, the values appended to `values` as the parser reads them."""

    def slot(match: re.Match[str]) -> str:
        if match.lastindex is None:
            return match[0]
        values.append(_unquoted(match[2]) if match[1] else match[4])
        return f'{match[1] or match[3]}"{_SLOT}{len(values) - 1}"'

    return _STRINGS.sub(slot, text)
_ESCAPE = re.compile(r"\\(.)")


def _unquoted(value: str) -> str:
    """A masked value as the parser reads it (only \\\\, \\" and \\n escapes are masked)."""
    return _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], value) if "\\" in value else value


@lru_cache(maxsize=1 << 10)
def _selectors_of(text: str) -> tuple[Selector, ...] | None:
    expr = _parsed(text)
    return None if isinstance(expr, str) else tuple(vector_selectors(expr))
