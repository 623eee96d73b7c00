"""One rule for numbers people read: exact short decimals as written, else 4 significant
digits, never binary noise (9.99999999999999%) or exponents (1e+03x)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from slogen.emit.report.explain import _percent
from slogen.emit.report.charts import fmt_float
from slogen.live.status import burn_text, ratio_percent
from slogen.spec.numbers import human


@pytest.mark.parametrize(
    "value, text",
    [
        (9.99999999999999, "10"),
        (0.933333333333333, "0.9333"),
        (1000.0, "1000"),
        (14.4, "14.4"),
        (Decimal("99.95"), "99.95"),
        (0.1 + 0.2, "0.3"),
        (1e-7, "0.0000001"),
        (Decimal("13.44"), "13.44"),
    ],
)
def test_human(value, text):
    assert human(value) == text


def test_every_place_people_read_numbers_uses_the_rule():
    assert burn_text(1000.0) == "1000x"  # was 1e+03x
    assert burn_text(0.933333333333333) == "0.9333x"
    assert _percent(0.0999999999999999) == "10%"
    assert ratio_percent(0.0999999999999999) == "10%"
    assert ratio_percent(0.9999934, 6) == "99.9993%"
    assert fmt_float(1000.0) == "1000"
