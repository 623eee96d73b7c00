"""Exact decimal arithmetic and canonical number text for PromQL and YAML."""

from __future__ import annotations

from decimal import Context, Decimal
from functools import lru_cache

# 15 significant digits survive a float64 round trip exactly, so printing at this
# precision never shows binary noise such as 0.9990000000000001.
_CTX = Context(prec=15)


def exact(value: Decimal | int | str) -> Decimal:
    """Round a decimal to 15 significant digits, the precision of our output."""
    return _CTX.create_decimal(Decimal(value))


# A tree's SLOs share a handful of objectives and factors, printed ~40 times per SLO.
@lru_cache(maxsize=1 << 12)
def fmt(value: Decimal | int) -> str:
    """Print a number canonically: `0.001`, `14.4`, `30`, `0.933333333333333`."""
    d = exact(value).normalize()
    if d == 0:
        return "0"
    text = format(d, "f")
    return text


def percent_text(objective_percent: Decimal) -> str:
    """`99.9` -> `99.9%`."""
    return f"{fmt(objective_percent)}%"
