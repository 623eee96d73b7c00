"""A small run of bench/native_cost.py (`make bench`), so it cannot rot; no timing assertions."""

from __future__ import annotations

import pytest
from bench import native_cost

pytestmark = pytest.mark.slow


def test_native_cost_runs_and_each_format_reads_its_series():
    result = native_cost.run(routes=2, buckets=4, warm=8, measure=4, rounds=1)
    for fmt in ("classic", "native", "auto"):
        assert result["group_eval_ms"][fmt]["sli-short"]["n"] >= 1
        assert result["queries"][fmt]["slo:sli_events:rate5m"]["series"] == 1, result["queries"][fmt]
    assert "load average" in result["load_before"]
