"""OpenSLO calendar windows, Timeslices and RatioTimeslices -> native spec, on real files.

The files are /work/staging/corpus16/openslo (sources: its SOURCES.md): nobl9/nobl9-openslo
pkg/openslotonobl9/test_data/inputs/v1_slos.yaml @7fa18d7 and grokify/slogo
examples/red-metrics/availability.yaml, examples/saas-crm/user-retention.yaml @c4f35c9.
They are top-level YAML lists; the tests split them into documents and adjust what
belongs to other conversions (Nobl9's `promql:` key, hyphenated label names) and
say so where they do.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from slogen.emit.native_yaml import native_data
from slogen.spec.load import load_specs
from slogen_testing import diagnostics_of, write_spec

HERE = Path(__file__).parent / "data" / "openslo_calendar"


def _documents(name: str) -> list[dict]:
    return yaml.safe_load((HERE / name).read_text())


def _write(tmp_path: Path, docs: list[dict]) -> Path:
    return write_spec(tmp_path, yaml.safe_dump_all(docs, sort_keys=False))


def _native(paths) -> list[dict]:
    loaded, diagnostics = load_specs(paths)
    assert not diagnostics, "\n".join(map(str, diagnostics))
    return [native_data(item.spec) for item in loaded]


def test_nobl9_calendar_week_from_saturday_noon_in_new_york(tmp_path):
    # annotator-throughput: a thresholdMetric (Occurrences) over calendar weeks starting
    # 2022-01-01 12:00 (a Saturday) in America/New_York.
    docs = [d for d in _documents("nobl9-list-slos-calendar-threshold-sli.yaml") if d["metadata"]["name"] == "annotator-throughput"]
    for doc in docs:  # Nobl9 spells the query `promql:`; OpenSLO's Prometheus source says `query:`
        source = doc["spec"].get("thresholdMetric", {}).get("metricSource", {})
        if "spec" in source:
            source["spec"] = {"query": source["spec"]["promql"]}
    [spec] = _native([_write(tmp_path, docs)])
    slo = spec["slos"][0]
    assert slo["window"] == {"calendar": "week", "time_zone": "America/New_York", "starts": "saturday 12:00"}
    assert set(slo["sli"]) == {"query"}


def test_slogo_timeslices_become_good_when_the_slice_ratio_meets_its_target(tmp_path):
    docs = _documents("slogo-list-timeslices-two-objectives.yaml")
    for doc in docs:  # hyphenated label names are another conversion's business
        doc["metadata"]["labels"].pop("metric-type")
    [spec] = _native([_write(tmp_path, docs)])
    first, second = spec["slos"]
    assert (first["objective"], first["window"]) == (99.99, "4w")
    query = '(sum(rate(http_requests_total{status=~"2..|3.."}[5m]))) / (sum(rate(http_requests_total[5m])))'
    assert first["sli"] == {"timeslices": {"slice": "5m", "good_when": {"query": query, "op": "gte", "threshold": 0.99}}}
    assert second["sli"]["timeslices"]["good_when"]["threshold"] == 0.95


def test_slogo_bigquery_timeslices_refuse_what_cannot_map(tmp_path):
    path = _write(tmp_path, _documents("slogo-list-bigquery-3M-timeslices.yaml"))
    got = "\n".join(diagnostics_of([path]))
    assert "metric source type 'BigQuery' is not supported" in got
    assert "timeSliceWindow '1d' is not supported: slices are whole minutes dividing 1h" in got
    assert "duration '3M' is not supported" in got  # rolling 3M: months are calendar windows only


OPENSLO = """
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: payments
  budgetingMethod: {method}
  indicator:
    metadata: {name: errors}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout", code="200"}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout"}'}}}
  timeWindow: [{duration: 1Q, isRolling: false, calendar: {startTime: '2024-02-01 00:00:00', timeZone: Europe/Berlin}}]
  objectives: [{target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 2}]
"""


def test_counter_ratios_map_to_ratio_slices_and_fiscal_quarters(tmp_path):
    [spec] = _native([write_spec(tmp_path, OPENSLO.replace("{method}", "Timeslices"))])
    slo = spec["slos"][0]
    assert slo["window"] == {"calendar": "quarter", "time_zone": "Europe/Berlin", "starts": "february"}
    counters = {"good": 'http_requests_total{job="checkout", code="200"}', "total": 'http_requests_total{job="checkout"}'}
    assert slo["sli"] == {"timeslices": {"slice": "2m", "good_when": {"ratio": counters, "op": "lte", "threshold": 0.05}}}
    [spec] = _native([write_spec(tmp_path, OPENSLO.replace("{method}", "RatioTimeslices"))])
    assert spec["slos"][0]["sli"] == {"timeslices": {"slice": "2m", "ratio_of": counters}}


def test_months_must_start_on_the_first(tmp_path):
    text = OPENSLO.replace("{method}", "Timeslices").replace("1Q", "1M").replace("2024-02-01 00:00:00", "2024-02-03 00:00:00")
    [line] = diagnostics_of([write_spec(tmp_path, text)])
    assert line.endswith("spec.timeWindow[0].calendar.startTime: startTime '2024-02-03 00:00:00': calendar months and quarters start on the 1st at 00:00")
