"""No foreign document crashes slogen: documents built from each format's real key set,
with a value of the wrong type in every position, end in located problems or specs.

Each format's skeleton below is a valid document; the property replaces any subset of
its values (at any depth) with values of other types, drops keys, and wraps the whole in
a list, and asserts that loading and compiling returns (never raises) and that every
diagnostic is one located line.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slogen_testing import compile_paths

from slogen_testing import document_paths, examples

DIAGNOSTIC = re.compile(r"^[^\n]+:\d+:\d+: [^\n]+$")
# Python's reprs of values a YAML file holds (issue 26): a message writes a value as YAML does
# (2022-01-01 12:00:00, null, true, [a, b]), never as Python prints it.
REPR = re.compile(r"datetime\.|Decimal\(|\bNone\b|\bTrue\b|\bFalse\b|[\[{]'[^']|(?<![.\w])(nan|inf)\b|<class |object at 0x")
FUZZ = settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck), database=None)

SLOTH = {
    "version": "prometheus/v1",
    "service": "shop",
    "labels": {"team": "web"},
    "slo_plugins": {"chain": [{"id": "x", "config": {}}]},
    "slos": [{
        "name": "availability",
        "objective": 99.9,
        "description": "d",
        "labels": {"tier": "1"},
        "plugins": {"chain": [{"id": "y"}]},
        "sli": {
            "events": {
                "error_query": 'sum(rate(x{code=~"5.."}[{{.window}}])) by (host)',
                "total_query": "sum(rate(x[{{.window}}])) by (host)",
            },
            "raw": {"error_ratio_query": "sum(rate(x[{{.window}}]))"},
            "plugin": {"id": "p", "options": {}},
        },
        "alerting": {
            "name": "Burn",
            "labels": {"severity": "critical"},
            "annotations": {"summary": "s"},
            "page_alert": {"disable": False, "labels": {"a": "b"}, "annotations": {}},
            "ticket_alert": {"disable": True},
        },
    }],
}

SLOTH_K8S = {
    "apiVersion": "sloth.slok.dev/v1",
    "kind": "PrometheusServiceLevel",
    "metadata": {"name": "n", "namespace": "ns", "creationTimestamp": None},
    "spec": {
        "service": "shop",
        "labels": {"team": "web"},
        "sloPlugins": {"chain": [{"id": "x"}]},
        "slos": [{
            "name": "availability",
            "objective": 99.9,
            "sli": {"events": {"errorQuery": "sum(rate(x[{{.window}}]))", "totalQuery": "sum(rate(y[{{.window}}]))"},
                    "raw": {"errorRatioQuery": "x"}, "plugin": {"id": "p"}},
            "alerting": {"name": "A", "pageAlert": {"disable": False}, "ticketAlert": {"labels": {"a": "b"}}},
        }],
    },
}

PYRRA = {
    "apiVersion": "v1alpha1",
    "kind": "ServiceLevelObjective",
    "metadata": {"name": "api-errors", "namespace": "mon", "creationTimestamp": None, "managedFields": [{"manager": "x"}],
                 "labels": {"pyrra.dev/team": "t"}, "annotations": {"pyrra.dev/runbook": "r"}},
    "spec": {
        "description": "d",
        "target": "90",
        "window": "2w",
        "indicator": {
            "ratio": {"errors": {"metric": 'x{code=~"5.."}'}, "total": {"metric": "x"}, "grouping": ["route"]},
            "latency": {"success": {"metric": 'h_bucket{le="1"}'}, "total": {"metric": "h_count"}, "grouping": None},
            "latencyNative": {"latency": "1s", "total": {"metric": "h"}},
            "bool_gauge": {"metric": "up", "grouping": ["a"]},
        },
        "alerting": {"burnrates": True, "absent": True, "disabled": False, "name": "B", "absentName": "A",
                     "severities": {"fastBurn": "critical", "mediumBurn": "critical", "slowBurn": "warning", "longTermBurn": "warning", "absent": "x"}},
        "partial_response_strategy": "abort",
        "performanceOverAccuracy": False,
        "ruleOutput": {"shortRulesLabels": {}},
    },
    "status": {},
}

_PROM = {"metricSource": {"type": "Prometheus", "spec": {"query": "sum(rate(x[{{.Window}}]))"}}}
OPENSLO = [
    {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": "s", "labels": {"metric-type": ["a", "b"]}},
     "spec": {"description": "d", "service": "shop", "indicatorRef": "sli",
              "indicator": {"metadata": {"name": "i"}, "spec": {"ratioMetric": {"good": _PROM, "total": _PROM}}},
              "timeWindow": [{"duration": "28d", "isRolling": True, "calendar": {"startTime": "x", "timeZone": "UTC"}}],
              "budgetingMethod": "Occurrences",
              "objectives": [{"displayName": "x", "target": 0.99, "targetPercent": 99, "op": "lt", "value": 1,
                              "timeSliceTarget": 0.9, "timeSliceWindow": "1m", "indicatorRef": "x", "compositeWeight": 1}],
              "alertPolicies": ["Some-Name", {"alertPolicyRef": "p"}, {"kind": "AlertPolicy", "metadata": {"name": "q"},
                                                                      "spec": {"conditions": [{"conditionRef": "c"}]}}]}},
    {"apiVersion": "openslo/v1", "kind": "SLI", "metadata": {"name": "sli"},
     "spec": {"thresholdMetric": _PROM, "ratioMetric": {"counter": True, "bad": _PROM, "total": _PROM, "rawType": "success",
                                                         "raw": {"metricSource": {"metricSourceRef": "ds"}}}}},
    {"apiVersion": "openslo/v1", "kind": "DataSource", "metadata": {"name": "ds"}, "spec": {"type": "Prometheus", "connectionDetails": {}}},
    {"apiVersion": "openslo/v1", "kind": "AlertPolicy", "metadata": {"name": "p"},
     "spec": {"alertWhenBreaching": True, "conditions": [{"kind": "AlertCondition", "metadata": {"name": "i"},
                                                          "spec": {"severity": "page", "condition": {"kind": "burnrate", "op": "gt", "threshold": 14.4, "lookbackWindow": "1h", "alertAfter": "5m"}}}],
              "notificationTargets": [{"targetRef": "t"}]}},
    {"apiVersion": "openslo/v1", "kind": "AlertCondition", "metadata": {"name": "c"},
     "spec": {"severity": "ticket", "condition": {"kind": "burnrate", "op": "gte", "threshold": 1, "lookbackWindow": "3d", "alertAfter": "0m"}}},
    {"apiVersion": "openslo/v1alpha", "kind": "SLO", "metadata": {"name": "old"},
     "spec": {"service": "shop", "budgetingMethod": "Occurrences", "timeWindows": [{"count": 30, "unit": "Day"}],
              "objectives": [{"target": 0.99, "ratioMetrics": {"good": {"source": "prometheus", "queryType": "promql", "query": "sum(rate(g[{{.window}}]))"},
                                                              "total": {"source": "prometheus", "queryType": "promql", "query": "sum(rate(t[{{.window}}]))"}}}]}},
]

# Budget adjustments (issue 28) name an SLO of another document: the native spec beside them.
ADJUSTED = {"version": 1, "service": "shop", "slos": [{"name": "api", "objective": 99.9, "sli": {"ratio": {"errors": 'r{code="500"}', "total": "r"}}}]}
ADJUSTMENTS = [
    {"apiVersion": "n9/v1alpha", "kind": "BudgetAdjustment", "metadata": {"name": "m", "displayName": "M"},
     "spec": {"description": "d", "firstEventStart": "2024-02-04T02:00:00Z", "duration": "1h30m", "rrule": "FREQ=MONTHLY;BYDAY=1TU,-1FR;BYHOUR=3",
              "filters": {"slos": [{"name": "api", "project": "default"}]}}},
    {"apiVersion": "openslo.com/v2alpha", "kind": "BudgetAdjustment", "metadata": {"name": "o"},
     "spec": {"description": "d", "service": "shop", "indicatorRef": "api", "startTime": "2026-12-01T10:00:00Z", "duration": "2h"}},
]

WRONG = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.just(""), st.just([]), st.just({}), st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2), st.just([None, 1, "x"]),
    # Strings that are wrong as PromQL or as values: odd buckets, ranges, durations, names.
    st.sampled_from(['h_bucket{le="+Inf"}', 'h_bucket{le="NaN"}', "x[5m]", "{}", "sum(x) by (a)", "1M", "0s", "-1", "1e999", "Some-Name"]),
)


def _replace(value, path, new):
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


@st.composite
def broken(draw, skeleton):
    """The skeleton with some values replaced by values of other types, or keys dropped."""
    doc = copy.deepcopy(skeleton)
    paths = [p for p in document_paths(doc) if p]
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=6)):
        try:
            if draw(st.booleans()) and isinstance(path[-1], str):
                parent = doc
                for part in path[:-1]:
                    parent = parent[part]
                parent.pop(path[-1], None)
            else:
                doc = _replace(doc, path, draw(WRONG))
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier replacement removed this path
    return doc


def _holds(tmp_path: Path, documents: list) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    _, diagnostics = compile_paths([path])
    more: list = []
    for line in map(str, diagnostics + more):
        assert DIAGNOSTIC.match(line), line
        assert not REPR.search(line.split(": ", 1)[1]), line


@FUZZ
@given(doc=broken(SLOTH))
def test_sloth_never_crashes(tmp_path_factory, doc):
    _holds(tmp_path_factory.mktemp("f"), [doc])


@FUZZ
@given(doc=broken(SLOTH_K8S))
def test_sloth_k8s_never_crashes(tmp_path_factory, doc):
    _holds(tmp_path_factory.mktemp("f"), [doc])


@FUZZ
@given(doc=broken(PYRRA))
def test_pyrra_never_crashes(tmp_path_factory, doc):
    _holds(tmp_path_factory.mktemp("f"), [doc])


@FUZZ
@given(docs=broken(OPENSLO), as_list=st.booleans())
def test_openslo_never_crashes(tmp_path_factory, docs, as_list):
    documents = [docs] if as_list else (docs if isinstance(docs, list) else [docs])
    _holds(tmp_path_factory.mktemp("f"), documents)


@FUZZ
@given(docs=broken(ADJUSTMENTS), as_list=st.booleans())
def test_budget_adjustments_never_crash(tmp_path_factory, docs, as_list):
    documents = docs if isinstance(docs, list) else [docs]
    _holds(tmp_path_factory.mktemp("f"), [ADJUSTED] + ([documents] if as_list else documents))


def test_the_skeletons_are_read_as_their_formats(tmp_path):
    """The property starts from documents each converter recognises (else it would test little)."""
    from slogen.spec.load import detect_format

    assert [detect_format(d) for d in (SLOTH, SLOTH_K8S, PYRRA, OPENSLO[0])] == ["sloth", "sloth-k8s", "pyrra", "openslo"]
    assert [detect_format(d) for d in ADJUSTMENTS] == ["budget-adjustment"] * 2
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump_all([ADJUSTED, *ADJUSTMENTS], sort_keys=False))
    assert not compile_paths([path])[1]
