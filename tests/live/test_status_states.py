"""What `status` says from what Prometheus answered (pure: the answers are data, as the
HTTP client returns them): right after a deploy, with selectors that match nothing, and
with one SLO lacking data beside others."""

from __future__ import annotations

from pathlib import Path

import pytest
from slogen_testing import compile_paths
from slogen.live.prometheus_api import Sample
from slogen.live.sli_series import raw_selectors, raw_series_lookbacks
from slogen.live.status import status_queries, status_report, status_rows
from slogen.live.status_gate import failing, gate_failures
from slogen.plan import names

from spec_literals import shop_slo, shop_spec

SPEC = shop_spec(shop_slo("checkout"))


def _compiled(tmp_path: Path):
    path = tmp_path / "shop.yaml"
    path.write_text(SPEC)
    (compiled,), diagnostics = compile_paths([path])
    more: list = []
    assert not diagnostics + more
    return compiled


def _answers(plans, **found: list[Sample]) -> dict[str, list[Sample]]:
    results = {key: [] for key in status_queries(plans)}
    results.update({f"raw:{text}": [] for text in raw_series_lookbacks(plans)})
    results.update(found)
    return results


def test_right_after_a_deploy_status_says_it_is_waiting_not_that_selectors_are_wrong(tmp_path):
    compiled = _compiled(tmp_path)
    plans = list(compiled.plans)
    total = raw_selectors(plans[0])["total"][0]
    results = _answers(plans, **{f"raw:{total}": [Sample({}, 12.0)]})
    loaded = {g.name: 60.0 for g in compiled.groups} | {compiled.groups[2].name: 3600.0}
    report = status_report(plans, results, loaded, {"shop": tuple(g.name for g in compiled.groups)})
    assert report.problems == []
    assert (
        "shop/checkout: rules loaded; the SLI over the window, the budget left and the policy state wait for "
        "their first evaluations (up to 60 min)"
    ) in report.notes
    assert [(r.slo, r.action, r.missing, r.waiting) for r in report.rows] == [("shop/checkout", None, "waiting (up to 60 min)", True)]
    # The same answers without the rule groups: the rules are not loaded.
    assert any("are not loaded" in p for p in status_report(plans, results, {}, {"shop": ()}).problems)


def test_an_sli_whose_selectors_match_no_series_is_named(tmp_path):
    compiled = _compiled(tmp_path)
    plans = list(compiled.plans)
    selectors = raw_selectors(plans[0])
    assert selectors == {"total": ('http_requests_total{job="shop"}',), "errors": ('http_requests_total{job="shop", code=~"5.."}',)}
    loaded = {g.name: 60.0 for g in compiled.groups}
    report = status_report(plans, _answers(plans), loaded, {"shop": tuple(g.name for g in compiled.groups)})
    assert report.problems == [
        'shop/checkout: the SLI\'s selector http_requests_total{job="shop"} matches no series: check the metric name and labels, '
        "and that the target is scraped"
    ]
    assert any('error selector http_requests_total{job="shop", code=~"5.."} matches no series' in n for n in report.notes)


def test_an_slo_with_data_is_shown_beside_one_without(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(SPEC + SPEC.split("slos:\n", 1)[1].replace("checkout", "search").replace('job="shop"', 'job="search"'))
    (two,), _ = compile_paths([path])
    plans = list(two.plans)
    first = plans[0]
    labels = {names.LABEL_ID: first.id}
    results = _answers(
        plans,
        info=[Sample(labels, 1.0)],
        remaining=[Sample(labels, -0.5)],
        state=[Sample({**labels, names.LABEL_ACTION: first.policy.states[-1].action}, 1.0)],
        **{f"raw:{raw_selectors(first)['total'][0]}": [Sample({}, 3.0)]},
    )
    report = status_report(plans, results, {g.name: 60.0 for g in two.groups}, {"shop": tuple(g.name for g in two.groups)})
    # Every SLO gets a row; the one without series says so.
    assert [(r.name, r.missing) for r in report.rows] == [("checkout", None), ("search", "the SLI's selector matches no series")]
    assert report.rows[0].level == len(first.policy.states) - 1
    assert any(p.startswith("shop/search: the SLI's selector") for p in report.problems)


PAGED = """\
service: shop
slos:
  - name: checkout
    objective: 99.9
    grouping: [route]
    sli:
      ratio:
        errors: http_requests_total{job="shop", code=~"5.."}
        total: http_requests_total{job="shop"}
    alerting:
      name: CheckoutBurn
      page: {labels: {severity: critical}}
      ticket: {labels: {severity: warning}}
"""


def _paged(tmp_path: Path, **found: list[Sample]):
    path = tmp_path / "paged.yaml"
    path.write_text(PAGED)
    (compiled,), diagnostics = compile_paths([path])
    assert not diagnostics
    plans = list(compiled.plans)
    report = status_report(plans, _answers(plans, **found), {g.name: 60.0 for g in compiled.groups}, {"shop": tuple(g.name for g in compiled.groups)})
    return plans, report


def test_a_page_is_known_by_its_severity_labels_and_fails_the_gate_before_the_budget_is_known(tmp_path):
    ids = {names.LABEL_ID: "shop-checkout"}
    a, b = {**ids, "route": "/a"}, {**ids, "route": "/b"}
    plans, report = _paged(
        tmp_path,
        info=[Sample(ids, 1.0)],
        remaining=[Sample(a, 0.9)],
        state=[Sample({**a, names.LABEL_ACTION: "normal"}, 1.0)],
        **{"ratio:300": [Sample(a, 0.0001), Sample(b, 1.0)]},
        # /a: a ticket (warning) only; /b, new since the last hourly evaluation: the page (critical).
        alerts=[Sample({**a, "alertname": "CheckoutBurn", "severity": "warning"}, 3.0), Sample({**b, "alertname": "CheckoutBurn", "severity": "critical"}, 1000.0)],
    )
    assert report.problems == []
    first, new = report.rows
    assert (first.slo, first.action, first.alerts, first.pages, first.missing) == ("shop/checkout route=/a", "normal", ("CheckoutBurn/warning",), (), None)
    assert (new.slo, new.remaining, new.action, new.pages, new.missing, new.waiting) == ("shop/checkout route=/b", None, None, ("CheckoutBurn/critical",), "waiting", True)
    assert dict(new.burn_rates)["5m"] == pytest.approx(1000)
    assert gate_failures(report.rows, failing(report.rows, plans, None), None) == [
        "1 SLO paging (a page alert is firing): shop/checkout route=/b (CheckoutBurn/critical)"
    ]
    cells = status_rows(report.rows, [])
    assert cells[1][2:] == ["waiting", "waiting", "5m:1000x 1h:- 6h:- period:waiting", "waiting", "CheckoutBurn/critical (fails gate)"]
    assert cells[0][6] == "CheckoutBurn/warning"
