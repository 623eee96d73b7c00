"""Foreign rate queries that count a native histogram below a threshold -> a native latency SLI.

Sloth's `events` and OpenSLO's `ratioMetric` carry PromQL; on native histograms a latency
SLI is written with `histogram_count` and `histogram_fraction` over one summed rate:

    total: histogram_count(sum [by (...)] (rate(H[w])))
    good:  histogram_fraction(0 | -Inf, T, <S>) * histogram_count(<S>)     (either order)
    bad:   histogram_count(<S>) * (1 - histogram_fraction(0 | -Inf, T, <S>))
           histogram_count(<S>) - <good>

with the same `<S>` everywhere.  Those read as `latency: {histogram: H, threshold: T,
format: native}`, which slogen can test; any other shape stays a `query` SLI.  A lower
bound of 0 and slogen's -Inf differ only for negative observations, which a latency has not.
"""

from __future__ import annotations

import promql_parser as pp
from slogen.spec.promql import SLIError, parse_query

_PROBE = "5m"


def _strip(node):
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def _call(node, name: str):
    node = _strip(node)
    return node if isinstance(node, pp.Call) and node.func.name == name else None


def _number(node) -> float | None:
    node = _strip(node)
    if isinstance(node, pp.NumberLiteral):
        return float(node.val)
    if isinstance(node, pp.UnaryExpr) and isinstance(_strip(node.expr), pp.NumberLiteral):
        return -float(_strip(node.expr).val)
    return None


def _summed(total) -> tuple[str, str] | None:
    """(S as text, H's selector) when `total` is histogram_count(S), S = sum [by] (rate(H[w]))."""
    count = _call(total, "histogram_count")
    if count is None or len(count.args) != 1:
        return None
    summed = _strip(count.args[0])
    if not (isinstance(summed, pp.AggregateExpr) and str(summed.op) == "sum" and summed.param is None):
        return None
    rate = _call(summed.expr, "rate")
    if rate is None or len(rate.args) != 1 or not isinstance(rate.args[0], pp.MatrixSelector):
        return None
    selector = rate.args[0].vector_selector
    if selector.offset is not None or selector.at is not None:
        return None
    return summed.prettify(), selector.prettify()


def _fraction(node, summed: str) -> float | None:
    """T when `node` is histogram_fraction(0 | -Inf, T, S)."""
    fraction = _call(node, "histogram_fraction")
    if fraction is None or len(fraction.args) != 3 or _strip(fraction.args[2]).prettify() != summed:
        return None
    low, high = _number(fraction.args[0]), _number(fraction.args[1])
    return high if low in (0.0, float("-inf")) and high is not None and 0 < high < float("inf") else None


def _is_count(node, summed: str) -> bool:
    count = _call(node, "histogram_count")
    return count is not None and len(count.args) == 1 and _strip(count.args[0]).prettify() == summed


def _good(node, summed: str) -> float | None:
    node = _strip(node)
    if not (isinstance(node, pp.BinaryExpr) and str(node.op) == "*"):
        return None
    for a, b in ((node.lhs, node.rhs), (node.rhs, node.lhs)):
        if _is_count(b, summed) and (threshold := _fraction(a, summed)) is not None:
            return threshold
    return None


def _bad(node, summed: str) -> float | None:
    node = _strip(node)
    if isinstance(node, pp.BinaryExpr) and str(node.op) == "-" and _is_count(node.lhs, summed):
        return _good(node.rhs, summed)
    if isinstance(node, pp.BinaryExpr) and str(node.op) == "*":
        for a, b in ((node.lhs, node.rhs), (node.rhs, node.lhs)):
            rest = _strip(b)
            if _is_count(a, summed) and isinstance(rest, pp.BinaryExpr) and str(rest.op) == "-" and _number(rest.lhs) == 1.0:
                return _fraction(rest.rhs, summed)
    return None


def native_latency(part: str, total: str, good: bool) -> dict | None:
    """A native latency SLI when `part` (good or bad events) and `total` have the shapes above, else None."""
    try:
        total_node = parse_query(total.replace("{{window}}", _PROBE), "total")
        part_node = parse_query(part.replace("{{window}}", _PROBE), "part")
    except SLIError:
        return None
    found = _summed(total_node)
    if found is None or f"[{{{{window}}}}]" not in total:
        return None
    summed, histogram = found
    threshold = (_good if good else _bad)(part_node, summed)
    if threshold is None:
        return None
    return {"latency": {"histogram": histogram, "threshold": threshold, "format": "native"}}
