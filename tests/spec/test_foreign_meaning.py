"""Issue 26, meaning changes: real foreign files whose rules meant something else.

1. a timeslice whose good query returns nothing (every request failed) is a bad slice,
   not a missing one; a slice without traffic stays no slice (-1);
2. OpenSLO `counter: true` queries are read as counters in both budgeting methods;
3. alert templates of Sloth and Pyrra files stay templates, reading slogen's labels.

Each is proven on the emitted rules by the real promtool of every engine.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promtool_scenarios import run
from slogen_testing import examples

REAL = Path(__file__).resolve().parents[1] / "conformance"

SLICE_ID = "api-service-api-availability-four-nines-availability"


def _slice(minutes: int, value: int) -> dict:
    return {
        "expr": f'slo:timeslice_good:bool{{slo_id="{SLICE_ID}"}}',
        "eval_time": f"{minutes}m",
        "exp_samples": [{"labels": "{}", "value": value}],
    }


def test_openslo_timeslice_with_every_request_failing_is_a_bad_slice(tmp_path, promtool):
    """slogo's Timeslices SLO (good: 2xx|3xx rate over 5m): 20 minutes of 200s (good slices),
    20 of 500s only, where the good query has no series (bad slices, not none), then 20
    without traffic (0/0: no slice)."""
    spec = (REAL / "openslo/real/slogo-list-timeslices-two-objectives.yaml").read_text()
    series = {
        'http_requests_total{status="200"}': "0+60x20 _x40",
        'http_requests_total{status="500"}': "_x20 0+60x20 1200x20",
    }
    checks = [_slice(15, 1), _slice(35, 0), _slice(55, -1)]
    for check in checks:  # the judgement carries the SLO's labels; compare the value alone
        check["expr"] = f"sum({check['expr']})"
    run(tmp_path, promtool, spec, series, checks)


# --- the property: for any timeslice SLI, missing good series beside a total with data is a bad slice

TOTAL = 'req_total{job="a"}'
GOOD = 'req_total{job="a", code="200"}'


def _rate(selector: str, window: str, by: str) -> str:
    return f"sum{by}(rate({selector}[{window}]))"


@st.composite
def timeslice_specs(draw) -> tuple[str, int]:
    """A spec with one timeslice SLI that has a good and a total part (native or OpenSLO, any
    form slogen reads them in), and how many slice series it judges."""
    slice_minutes = draw(st.sampled_from([1, 2, 5]))
    slice_ = f"{slice_minutes}m"
    if draw(st.booleans()):  # OpenSLO Timeslices / RatioTimeslices
        method = draw(st.sampled_from(["Timeslices", "RatioTimeslices"]))
        form = "selector" if method == "RatioTimeslices" else draw(st.sampled_from(["selector", "{{window}}", "fixed"]))
        window = {"selector": "", "{{window}}": "{{window}}", "fixed": slice_}[form]
        good, total = (GOOD, TOTAL) if form == "selector" else (_rate(GOOD, window, ""), _rate(TOTAL, window, ""))
        objective = {"target": 0.99, "timeSliceWindow": slice_}
        if method == "Timeslices":
            objective["timeSliceTarget"] = draw(st.sampled_from([0.5, 0.9, 0.999, 1]))
        doc = {
            "apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": "avail"},
            "spec": {
                "service": "shop", "budgetingMethod": method, "timeWindow": [{"duration": "7d", "isRolling": True}],
                "objectives": [objective],
                "indicator": {"metadata": {"name": "r"}, "spec": {"ratioMetric": {
                    "counter": form == "selector",
                    "good": {"metricSource": {"type": "Prometheus", "spec": {"query": good}}},
                    "total": {"metricSource": {"type": "Prometheus", "spec": {"query": total}}},
                }}},
            },
        }
        return yaml.safe_dump(doc, sort_keys=False), 1
    grouping = draw(st.sampled_from([[], ["route"]]))
    by = f" by ({', '.join(grouping)})" if grouping else ""
    kind = draw(st.sampled_from(["ratio", "ratio_of", "query", "scaled query"]))
    counters = {"good": GOOD, "total": TOTAL}
    if kind == "ratio_of":
        sli = {"slice": slice_, "ratio_of": counters}
    elif kind == "ratio":
        # On the error ratio: good while it stays under a threshold below 1.
        sli = {"slice": slice_, "good_when": {"ratio": counters, "op": draw(st.sampled_from(["lt", "lte"])),
                                               "threshold": draw(st.sampled_from([0, 0.01, 0.5, 0.99]))}}
    else:
        ratio = f"{_rate(GOOD, '{{window}}', by)} / {_rate(TOTAL, '{{window}}', by)}"
        query, top = (ratio, 1) if kind == "query" else (f"100 * ({ratio})", 100)
        sli = {"slice": slice_, "good_when": {"query": query, "op": draw(st.sampled_from(["gt", "gte"])),
                                               "threshold": top * draw(st.sampled_from([0.01, 0.5, 0.99, 1]))}}
    slo = {"name": "avail", "objective": 99, "window": "7d", "grouping": grouping, "sli": {"timeslices": sli}}
    return yaml.safe_dump({"service": "shop", "slos": [slo]}, sort_keys=False), 2 if grouping else 1


@pytest.mark.slow
@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(drawn=timeslice_specs())
def test_missing_good_series_beside_traffic_is_a_bad_slice(promtool, drawn):
    """Every request fails for 20 minutes: the good series never exists, the total does.
    Every slice the SLI judges then is bad (0), never missing and never good."""
    spec, slices = drawn
    with tempfile.TemporaryDirectory() as tmp:
        series = {'req_total{job="a", code="500", route="x"}': "0+60x20", 'req_total{job="a", code="500", route="y"}': "0+6x20"}
        checks = [
            {"expr": "max(slo:timeslice_good:bool)", "eval_time": "15m", "exp_samples": [{"labels": "{}", "value": 0}]},
            {"expr": "count(slo:timeslice_good:bool)", "eval_time": "15m", "exp_samples": [{"labels": "{}", "value": slices}]},
        ]
        run(Path(tmp), promtool, spec, series, checks)
