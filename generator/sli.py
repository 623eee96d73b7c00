"""SLI kinds -> PromQL for the 5m base rates of errors and of all events.

Every user expression is parsed first and re-printed from its syntax tree before it
is embedded, so user text can never change the shape of the expression around it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import promql_parser as pp

from .spec import SLI, threshold_seconds

BASE = "5m"
_OPS = {"=": "=", "!=": "!=", "=~": "=~", "!~": "!~"}
_WINDOW_VAR = re.compile(r"\{\{\s*\.?window\s*\}\}")


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
        name = (self.name or "") + suffix if self.name else ""
        parts = [f'{label}{op}"{escape_string(value)}"' for label, op, value in self.matchers + extra]
        if not parts:
            return name
        return f"{name}{{{', '.join(parts)}}}"


def escape_string(value: str) -> str:
    """Escape a value for a double-quoted PromQL string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _op_text(op: pp.MatchOp) -> str:
    for candidate, text in ((pp.MatchOp.Equal, "="), (pp.MatchOp.NotEqual, "!="), (pp.MatchOp.Re, "=~"), (pp.MatchOp.NotRe, "!~")):
        if op == candidate:
            return text
    raise ValueError(f"unknown matcher operator {op}")


def parse_expr(text: str, field: str) -> pp.Expr:
    """Parse PromQL, turning the parser's error into an SLIError for `field`."""
    try:
        return pp.parse(text)
    except ValueError as err:
        raise SLIError(field, f"invalid PromQL: {err}") from None


def parse_selector(text: str, field: str) -> Selector:
    """Parse a plain selector such as `http_requests_total{job="api"}`."""
    expr = parse_expr(text, field)
    if not isinstance(expr, pp.VectorSelector):
        raise SLIError(field, f"expected a plain selector like metric{{label=\"value\"}}, got {text.strip()!r}")
    if expr.offset is not None or expr.at is not None:
        raise SLIError(field, "a selector here may not use offset or @")
    if expr.matchers.or_matchers:
        raise SLIError(field, "`or` inside a selector needs Prometheus 3; use a regex matcher instead")
    matchers = []
    name = expr.name
    for m in expr.matchers.matchers:
        if m.name == "__name__" and name is None and _op_text(m.op) == "=":
            name = m.value
            continue
        matchers.append((m.name, _op_text(m.op), m.value))
    return Selector(name=name, matchers=tuple(matchers))


def substitute_window(template: str, window: str) -> str:
    """Replace `{{window}}` (also `{{ .window }}`, Sloth's form) with a duration."""
    return _WINDOW_VAR.sub(window, template)


def user_query(template: str, field: str) -> str:
    """Parse a free-form query at the base window and re-print it from its tree."""
    expr = parse_expr(substitute_window(template, BASE), field)
    if isinstance(expr, (pp.MatrixSelector, pp.SubqueryExpr)):
        raise SLIError(field, "the query must return an instant vector of per-second rates, not a range")
    if isinstance(expr, (pp.NumberLiteral, pp.StringLiteral)):
        raise SLIError(field, "the query must return an instant vector of per-second rates, not a literal")
    return expr.prettify()


def le_matcher(threshold: float) -> tuple[str, str, str]:
    """`le` matcher for a bucket boundary in every text form exporters and Prometheus 3 use."""
    if float(threshold).is_integer():
        return ("le", "=~", f"{int(threshold)}(\\.0)?")
    forms: list[str] = []
    for text in (repr(float(threshold)), f"{threshold:f}".rstrip("0"), f"{threshold:g}"):
        if text not in forms:
            forms.append(text)
    if len(forms) == 1:
        return ("le", "=", forms[0])
    return ("le", "=~", "|".join(text.replace(".", "\\.").replace("+", "\\+") for text in forms))


def _by(grouping: tuple[str, ...]) -> str:
    return f"sum by ({', '.join(grouping)}) " if grouping else "sum"


def _on(grouping: tuple[str, ...]) -> str:
    return f"on ({', '.join(grouping)})"


@dataclass(frozen=True)
class BaseRates:
    """PromQL for the per-second rates of errors and events over the 5m base window."""

    events: str
    errors: str


def base_rates(sli: SLI, grouping: tuple[str, ...], events_ref: str) -> BaseRates:
    """Build the base-rate expressions of an SLI.

    `events_ref` selects the events rate recorded just before the errors rule in the
    same group: errors fall back to zero where no error series exist yet (a 5xx
    counter appears only after the first 5xx), and a missing *good* series means
    every event was bad, so a misspelt good selector is loud, not silently perfect.
    """
    by = _by(grouping)
    on = _on(grouping)
    zero = f"0 * {events_ref}"
    if sli.ratio is not None:
        total = parse_selector(sli.ratio.total, "total")
        events = f"{by}(rate({total.render()}[{BASE}]))"
        if sli.ratio.errors is not None:
            bad = parse_selector(sli.ratio.errors, "errors")
            errors = f"{by}(rate({bad.render()}[{BASE}])) or {on} {zero}"
        else:
            good = parse_selector(sli.ratio.good or "", "good")
            errors = f"{events_ref} - {on} ({by}(rate({good.render()}[{BASE}])) or {on} {zero})"
        return BaseRates(events=events, errors=errors)
    if sli.latency is not None:
        hist = parse_selector(sli.latency.histogram, "histogram")
        if not hist.name:
            raise SLIError("histogram", "the histogram selector needs a metric name")
        if hist.name.endswith(("_bucket", "_count", "_sum")):
            raise SLIError(
                "histogram",
                f"give the histogram's base name without _bucket/_count/_sum, e.g. {re.sub(r'_(bucket|count|sum)$', '', hist.name)}",
            )
        if any(label == "le" for label, _, _ in hist.matchers):
            raise SLIError("histogram", "do not match `le` in the selector; set `threshold` instead")
        seconds = threshold_seconds(sli.latency.threshold)
        if not math.isfinite(seconds):
            raise SLIError("threshold", "threshold must be finite")
        events = f"{by}(rate({hist.render('_count')}[{BASE}]))"
        good = hist.render("_bucket", (le_matcher(seconds),))
        errors = f"{events_ref} - {on} ({by}(rate({good}[{BASE}])) or {on} {zero})"
        return BaseRates(events=events, errors=errors)
    assert sli.query is not None
    events = f"{by}({user_query(sli.query.total, 'total')})"
    errors = f"{by}({user_query(sli.query.errors, 'errors')}) or {on} {zero}"
    return BaseRates(events=events, errors=errors)
