"""What a raw SLI selector matching no series means, by side (pure: the answers are data):
an error selector reads 100%, a good one 0%, and a latency threshold that is no bucket
boundary is named with the boundaries the histogram has (end to end in test_status_fresh_deploy.py)."""

from __future__ import annotations

import pytest
from slogen.build.options import BuildOptions
from slogen.live.prometheus_api import Sample
from slogen.live.sli_series import GoodBucket, boundaries, good_buckets, raw_selectors, selector_findings, unmatched
from slogen.spec.options import SpecOptions

from slogen_testing import compile_paths, write_spec

LATENCY = """
service: api
slos:
  - name: latency
    objective: 99
    sli:
      latency:
        histogram: {histogram}
        threshold: {threshold}
"""


def _plan(tmp_path, histogram: str, threshold: str, utf8: bool = False):
    spec = write_spec(tmp_path, LATENCY.format(histogram=histogram, threshold=threshold), "api.yaml")
    options = BuildOptions(spec=SpecOptions(name_validation="utf8")) if utf8 else BuildOptions()
    (compiled,), diagnostics = compile_paths([spec], options)
    assert not diagnostics
    return compiled.plans[0]


@pytest.mark.parametrize(
    "histogram, threshold, utf8, expected",
    [
        ("'http_request_duration_seconds{job=\"api\"}'", "200ms", False,
         GoodBucket("0.2", 'http_request_duration_seconds{job="api"}', 'http_request_duration_seconds_bucket{job="api"}')),
        ("'http_request_duration_seconds{job=\"api\"}'", "1", False,
         GoodBucket("1", 'http_request_duration_seconds{job="api"}', 'http_request_duration_seconds_bucket{job="api"}')),
        ("'{\"http.server.request.duration_seconds\", \"url.scheme\"=\"https\"}'", "0.25", True,
         GoodBucket("0.25", '{"http.server.request.duration_seconds", "url.scheme"="https"}', '{"http.server.request.duration_seconds_bucket", "url.scheme"="https"}')),
    ],
)
def test_the_good_bucket_of_a_latency_sli(tmp_path, histogram, threshold, utf8, expected):
    plan = _plan(tmp_path, histogram, threshold, utf8)
    (text,) = raw_selectors(plan)["good"]
    assert good_buckets([plan]) == {text: expected}


def test_a_missing_bucket_names_the_boundaries_and_a_missing_error_selector_reads_100(tmp_path):
    plan = _plan(tmp_path, "'http_request_duration_seconds{job=\"api\"}'", "200ms")
    (good,) = raw_selectors(plan)["good"]
    boundaries = [Sample({"le": le}) for le in ("0.1", "0.25", "0.5", "1", "+Inf")]
    problems, notes = selector_findings(plan, {"good": (good,)}, {f"le:{good}": boundaries})
    assert problems == [
        'api/latency: 0.2 is not a bucket boundary of http_request_duration_seconds{job="api"}; the boundaries are 0.1, 0.25, 0.5, 1, +Inf: '
        "no request counts as good, so the SLI reads 0% and pages; set the threshold to a boundary"
    ]
    assert notes == []
    # No bucket series at all (a summary, a misspelt name): the good selector reads nothing, 0%.
    problems, notes = selector_findings(plan, {"good": (good,)}, {f"le:{good}": []})
    assert problems == [] and notes == [
        f"api/latency: the SLI's good-events selector {good} matches no series: every event counts as bad (the SLI reads 0%): "
        "check the metric name and labels"
    ]


def test_boundaries_are_in_numeric_order_and_a_boundary_spelt_otherwise_is_not_called_missing(tmp_path):
    assert boundaries([{"le": le} for le in ("+Inf", "1", "0.25", "10", "0.1", "1")] + [{}]) == ["0.1", "0.25", "1", "10", "+Inf"]
    plan = _plan(tmp_path, "'http_request_duration_seconds{job=\"api\"}'", "200ms")
    (good,) = raw_selectors(plan)["good"]
    problems, notes = selector_findings(plan, {"good": (good,)}, {f"le:{good}": [Sample({"le": "0.20"}), Sample({"le": "+Inf"})]})
    assert problems == [] and len(notes) == 1


@pytest.mark.parametrize("fmt", ["native", "auto"])
def test_a_native_histogram_side_is_missing_only_when_none_of_its_series_match(tmp_path, fmt):
    # Issue 29: after a migration the classic `_count` is gone and the native series reads;
    # before it, the other way round. Neither is a missing selector; both gone is.
    plan = _plan(tmp_path, "'http_request_duration_seconds{job=\"api\"}'", f"0.25\n        format: {fmt}")
    selectors = raw_selectors(plan)
    assert 'http_request_duration_seconds{job="api"}' in selectors["total"] and 'http_request_duration_seconds{job="api"}' in selectors["good"]
    assert ('http_request_duration_seconds_count{job="api"}' in selectors["total"]) == (fmt == "auto")
    native_only = {f"raw:{t}": [] if "_count" in t or "_bucket" in t else [Sample({})] for side in selectors.values() for t in side}
    assert unmatched(plan, native_only) == {"total": (), "good": ()}
    nothing = {f"raw:{t}": [] for side in selectors.values() for t in side}
    assert unmatched(plan, nothing) == selectors
