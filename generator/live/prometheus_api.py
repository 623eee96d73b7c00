"""A thin client of Prometheus' HTTP API: instant and range queries, one-line errors.

The only module that talks to the network: `status`, `report --prometheus` and
`postmortem new --prometheus` all query through `Prometheus`.  Every failure becomes a
`PrometheusError` (slogen/errors.py: connection, HTTP or query) whose message is one
line a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from slogen.errors import OptionError, PrometheusConnectionError, PrometheusError, PrometheusHTTPError, PrometheusQueryError
from slogen.live.http_config import HTTPConfig

__all__ = ["Prometheus", "PrometheusError", "Sample", "check_url"]


@dataclass(frozen=True)
class Sample:
    """One series of a query result: its labels and value(s)."""

    labels: dict[str, str]
    value: float = float("nan")  # instant queries
    values: tuple[tuple[float, float], ...] = ()  # range queries: (unix time, value)


def check_url(url: str) -> str:
    """The base URL without a trailing slash, or an OptionError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionError(f"--prometheus {url!r}: expected an http(s) URL such as http://127.0.0.1:9090")
    return url.rstrip("/")


def _number(text: str) -> float:
    # Prometheus encodes sample values as strings, including "NaN" and "+Inf".
    return float(text)


class Prometheus:
    """Queries one Prometheus server."""

    def __init__(self, url: str, timeout: float = 10.0, http: HTTPConfig | None = None):
        self.url = check_url(url)
        # A path in the URL (Thanos, VictoriaMetrics: /select/0/prometheus) prefixes every API path.
        self._client = (http or HTTPConfig()).client(self.url, timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> Prometheus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, str]) -> dict:
        return self._send("GET", path, params)

    def _send(self, method: str, path: str, params: dict) -> dict:
        what = f"query {params.get('query', '')!r}" if "query" in params else path
        try:
            # POST carries the parameters as a form: no URL length limit on the way.
            sent = {"params": params} if method == "GET" else {"data": params}
            response = self._client.request(method, path, **sent)
        except httpx.ConnectError as err:
            raise PrometheusConnectionError(f"cannot reach Prometheus at {self.url}: {_reason(err)}") from None
        except httpx.TimeoutException:
            raise PrometheusConnectionError(f"Prometheus at {self.url} did not answer {what} in time") from None
        except httpx.HTTPError as err:
            raise PrometheusConnectionError(f"Prometheus at {self.url}: {type(err).__name__}: {_reason(err)}") from None
        if response.status_code in (401, 403):
            raise PrometheusHTTPError(denied(self.url, response))
        try:
            body = response.json()
        except ValueError:
            raise PrometheusHTTPError(
                f"{self.url}{path} answered HTTP {response.status_code} without JSON: is this the Prometheus URL?"
            ) from None
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error", "no error message") if isinstance(body, dict) else "unexpected answer"
            kind = body.get("errorType", f"HTTP {response.status_code}") if isinstance(body, dict) else ""
            raise PrometheusQueryError(f"Prometheus at {self.url} failed {what}: {kind}: {error}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        """An instant query returning a vector."""
        params = {"query": expr}
        if at is not None:
            params["time"] = repr(at)
        data = self._get("/api/v1/query", params)
        if data.get("resultType") != "vector":
            raise PrometheusQueryError(f"query {expr!r} returned a {data.get('resultType')}, not a vector")
        return [Sample(item["metric"], _number(item["value"][1])) for item in data["result"]]

    def series_exist(self, selector: str, since: float) -> bool:
        """Whether any series matching `selector` has had a sample since the unix time `since` (metadata only)."""
        return bool(self._get("/api/v1/series", {"match[]": selector, "start": repr(since)}))

    def series(self, selectors: list[str], since: float) -> list[dict[str, str]]:
        """The label sets of the series matching any of `selectors` with samples since the unix time `since` (one POST)."""
        return self._send("POST", "/api/v1/series", {"match[]": selectors, "start": repr(since)})

    def rule_groups(self) -> dict[str, float]:
        """The rule groups Prometheus has loaded: name -> evaluation interval in seconds."""
        data = self._get("/api/v1/rules", {})
        return {g["name"]: float(g.get("interval", 0)) for g in data.get("groups", []) if isinstance(g, dict) and "name" in g}

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Sample]:
        """A range query returning a matrix."""
        params = {"query": expr, "start": repr(start), "end": repr(end), "step": repr(step)}
        data = self._get("/api/v1/query_range", params)
        return [
            Sample(item["metric"], values=tuple((float(t), _number(v)) for t, v in item["values"]))
            for item in data["result"]
        ]


def denied(url: str, response: httpx.Response) -> str:
    """One line for an answer that refuses the credentials or tenant, with the server's own reason."""
    reason = " ".join(response.text.split())[:200] or response.reason_phrase
    return (
        f"{url} refused the request (HTTP {response.status_code}: {reason}): "
        "check the credentials and tenant (--http.config.file, --tenant)"
    )


def _reason(err: Exception) -> str:
    text = str(err) or type(err).__name__
    # httpx nests the OS error text; keep only the last, most specific line.
    return text.strip().splitlines()[-1]
