"""`postmortem new --prometheus` measures a native or auto latency SLI with the rules' own reads."""

from __future__ import annotations

import re

import pytest
from slogen.postmortem.impact import window_queries
from slogen.spec.indicators import SLI


@pytest.mark.parametrize("fmt", ["native", "auto"])
def test_the_impact_queries_read_the_native_histogram(fmt):
    sli = SLI.model_validate({"latency": {"histogram": 'h{job="a"}', "threshold": 0.3, "format": fmt}})
    queries = window_queries(sli, 3600)
    assert queries.events.startswith("histogram_count(" if fmt == "native" else "sum(")
    assert 'histogram_fraction(-Inf, 0.3, ' in queries.good and "[1h]" in queries.good
    assert bool(re.search(r"\bh_(count|bucket)\b", queries.events + queries.good)) == (fmt == "auto")
