"""One service's release gate as an Argo Rollouts `AnalysisTemplate` (argoproj.io/v1alpha1).

One metric, one measurement: the Prometheus provider runs release_query.py and hands the
answer to `successCondition` as `result`, a list of the vector's values (an empty list
when Prometheus has no sample: metricproviders/prometheus processResponse). Without a
`failureCondition` Argo fails every measurement whose success condition is false, and
`len(result) == 1` comes first, so an empty answer is a Failed measurement, not an
Error of `result[0]` out of range retried up to consecutiveErrorLimit times, nor a pass;
`failureLimit: 0` fails the analysis on it.
"""

from __future__ import annotations

API_VERSION = "argoproj.io/v1alpha1"
KIND = "AnalysisTemplate"
FOLDER = "gates/argo-rollouts"
METRIC = "slo-release-gate"
SUCCESS = "len(result) == 1 && result[0] == 0"


def manifest(name: str, labels: dict[str, str], query: str, prometheus: str) -> dict:
    """The AnalysisTemplate as data."""
    metric = {
        "name": METRIC,
        "successCondition": SUCCESS,
        "failureLimit": 0,
        "provider": {"prometheus": {"address": prometheus, "query": query}},
    }
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name, "labels": labels}, "spec": {"metrics": [metric]}}
