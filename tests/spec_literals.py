"""Spec texts many tests start from, written once: the `shop` service's availability SLO
(5xx of job="shop"'s http_requests_total) and its variants, and its OpenSLO form.

Line numbers matter to the tests that check located messages: shop_slo puts `window` on
the SLO's third line and the keys given in `more` right after its `sli` block.
"""

from __future__ import annotations

SHOP_ERRORS = 'http_requests_total{job="shop", code=~"5.."}'
SHOP_TOTAL = 'http_requests_total{job="shop"}'


def shop_slo(name: str = "availability", objective: str = "99.9", *, window: str = "", grouping: str = "", more: str = "") -> str:
    """One SLO of the shop service's requests, as a YAML list item; `more`: further keys, indented four spaces."""
    lines = [f"  - name: {name}", f"    objective: {objective}"]
    if window:
        lines.append(f"    window: {window}")
    if grouping:
        lines.append(f"    grouping: {grouping}")
    lines += ["    sli:", "      ratio:", f"        errors: {SHOP_ERRORS}", f"        total: {SHOP_TOTAL}"]
    return "\n".join(lines) + "\n" + more


def shop_spec(*slos: str, service_keys: str = "") -> str:
    """The shop service spec holding `slos` (default: shop_slo()'s one SLO); `service_keys` go before `slos:`."""
    return "service: shop\n" + service_keys + "slos:\n" + "".join(slos or (shop_slo(),))


def _prometheus_source(query: str) -> str:
    return "{metricSource: {type: Prometheus, spec: {query: '" + query + "'}}}"


def openslo_shop(good: str, total: str, *, counter: bool = False) -> str:
    """The shop availability SLO as an OpenSLO v1 document: `good` over `total` queries, 99% over a rolling 28d."""
    lines = [
        "apiVersion: openslo/v1",
        "kind: SLO",
        "metadata: {name: availability}",
        "spec:",
        "  service: shop",
        "  budgetingMethod: Occurrences",
        "  timeWindow: [{duration: 28d, isRolling: true}]",
        "  objectives: [{target: 0.99}]",
        "  indicator:",
        "    metadata: {name: ratio}",
        "    spec:",
        "      ratioMetric:",
    ]
    if counter:
        lines.append("        counter: true")
    lines += [f"        good: {_prometheus_source(good)}", f"        total: {_prometheus_source(total)}"]
    return "\n".join(lines) + "\n"


# The README's exclusions example (#28), as written there: every kind of exclusion.
EXCLUSIONS_EXAMPLE = """\
service: checkout
exclusions:
  - reason: database upgrade
    from: 2026-12-12T02:00:00Z
    to: 2026-12-12T04:00:00Z
  - reason: weekly maintenance
    every: {weekday: sunday, at: "02:00", for: 2h, time_zone: Europe/Berlin}
  - reason: deploys
    when: maintenance_mode{service="checkout"} == 1
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="checkout", code=~"5.."}
        total: http_requests_total{job="checkout"}
"""
