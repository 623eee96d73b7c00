"""One service's release gate as a Flagger `MetricTemplate` (flagger.app/v1beta1).

Flagger's Prometheus provider keeps the last sample's value of the answer; no sample, or
NaN, is ErrNoValuesFound, on which the canary's check fails ("Halt advancement no values
found"): a failed check like any other, so `analysis.threshold` of them roll the canary
back. release_query.py answers one sample, 0 when the release may go, so the canary's
metric is `thresholdRange: {max: 0}` (README "Release gates").
"""

from __future__ import annotations

API_VERSION = "flagger.app/v1beta1"
KIND = "MetricTemplate"
FOLDER = "gates/flagger"


def manifest(name: str, labels: dict[str, str], query: str, prometheus: str) -> dict:
    """The MetricTemplate as data."""
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name, "labels": labels},
        "spec": {"provider": {"type": "prometheus", "address": prometheus}, "query": query},
    }
