"""What `status` says from what Prometheus answered (pure: the answers are data, as the
HTTP client returns them): right after a deploy, with selectors that match nothing, and
with one SLO lacking data beside others."""

from __future__ import annotations

from pathlib import Path

from slogen_testing import compile_paths
from slogen.live.prometheus_api import Sample
from slogen.live.status import raw_selectors, raw_series_lookbacks, status_queries, status_report
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
    assert "shop/checkout: rules loaded, waiting for the first evaluations (up to 60 min)" in report.notes
    assert [(r.slo, r.action) for r in report.rows] == [("shop/checkout", "waiting (up to 60 min)")]
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
    assert [r.name for r in report.rows] == ["checkout"]
    assert report.rows[0].level == len(first.policy.states) - 1
    assert any(p.startswith("shop/search: the SLI's selector") for p in report.problems)
