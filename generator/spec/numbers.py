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


# One rule for numbers people read (reports, status, explain, test names): exact short
# decimals as they are (14.4, 99.95), anything longer to 4 significant digits
# (0.9333, not 0.933333333333333), and never exponent notation (1000, not 1e+03).
HUMAN_DIGITS = 4
_EXACT_DIGITS = 6


def human(value: Decimal | float | int, digits: int = HUMAN_DIGITS) -> str:
    """A number for people: `14.4`, `99.95`, `0.9333`, `10`, `1000`, `0.0001234` (`digits` where more matter, e.g. an SLI)."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "∞" if value == float("inf") else "-∞" if value == float("-inf") else "-"
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if d == 0:
        return "0"
    d = exact(d).normalize()
    if len(d.as_tuple().digits) > max(_EXACT_DIGITS, digits):
        d = Context(prec=digits).create_decimal(d).normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "0") else text
