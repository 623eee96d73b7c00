"""The network edge: instant queries against the Prometheus HTTP API (httpx)."""

from __future__ import annotations

from datetime import datetime

import httpx
from slogen.live.http_config import HTTPConfig
from slogen.live.prometheus_api import denied
from slogen.postmortem.impact import WindowQueries

TIMEOUT_SECONDS = 30.0


class PrometheusError(Exception):
    """Prometheus could not answer a query; the message says why in one line."""


def query_value(client: httpx.Client, base_url: str, expr: str, at: datetime) -> float | None:
    """The value of a one-element instant query at `at`, None when it returns no series."""
    url = base_url.rstrip("/") + "/api/v1/query"  # a path in base_url (Thanos, VictoriaMetrics) is kept
    try:
        response = client.get(url, params={"query": expr, "time": f"{at.timestamp():.3f}"})
    except httpx.HTTPError as err:
        raise PrometheusError(f"{base_url}: cannot query Prometheus: {err}") from None
    if response.status_code in (401, 403):
        raise PrometheusError(denied(base_url, response))
    try:
        body = response.json()
    except ValueError:
        raise PrometheusError(f"{base_url}: HTTP {response.status_code}, not a Prometheus API answer") from None
    if body.get("status") != "success":
        raise PrometheusError(f"{base_url}: query {expr!r} failed: {body.get('error', f'HTTP {response.status_code}')}")
    result = body.get("data", {}).get("result", [])
    if not result:
        return None
    return sum(float(item["value"][1]) for item in result)


def fetch_window_rates(base_url: str, queries: WindowQueries, at: datetime, http: HTTPConfig | None = None) -> tuple[float, float]:
    """Per-second rates of bad events and of all events over the window ending at `at`."""
    with (http or HTTPConfig()).client(base_url.rstrip("/"), TIMEOUT_SECONDS) as client:
        events = query_value(client, base_url, queries.events, at)
        if events is None or events <= 0:
            raise PrometheusError(f"{base_url}: no events for {queries.events} at {at:%Y-%m-%dT%H:%M:%SZ}; is the SLI's data in this Prometheus?")
        if queries.bad is not None:
            bad = query_value(client, base_url, queries.bad, at) or 0.0
        else:
            good = query_value(client, base_url, queries.good or "", at) or 0.0
            bad = max(events - good, 0.0)
    return bad, events
