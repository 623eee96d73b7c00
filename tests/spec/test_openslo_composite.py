"""OpenSLO v1 composite SLOs convert to member SLOs and a `weighted` composite that keeps
OpenSLO's burn: sum(compositeWeight x member burn) under Occurrences budgeting."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promtool_scenarios import check_rule_test, counter, file_order, near
from slogen.spec.formats.openslo_composite import composite_objective
from slogen_testing import compile_files, diagnostics_of, write_spec

DATA = Path(__file__).parent / "data" / "openslo-composite.yaml"


def test_a_composite_converts_to_members_and_a_weighted_composite(tmp_path):
    files = compile_files([DATA])
    rules = files["rules/checkout.yml"]
    # web 1 / (1 - 0.999) = 1000, payments 2 / (1 - 0.99) = 200; budget 1/1200.
    assert '1000 * (slo:sli_errors:rate5m{slo_id="checkout-checkout-web"}' in rules
    assert '200 * (slo:sli_errors:rate5m{slo_id="checkout-checkout-payments"}' in rules
    assert "slo_objective: '99.9166666666667'" in rules and "vector(0.000833333333333)" in rules


def test_the_converted_composite_burns_as_openslo_says(tmp_path, promtool):
    """web at 0.5% errors burns 5x its 99.9%, payments at 3% burns 3x its 99%: weights 1 and 2 give 5 + 2 x 3 = 11."""
    files = compile_files([DATA])
    rules = files["tests/rules/checkout.yml"] if "tests/rules/checkout.yml" in files else files["rules/checkout.yml"]
    series = {
        'requests_total{job="web", code="200"}': counter((60, 995)),
        'requests_total{job="web", code="500"}': counter((60, 5)),
        'requests_total{job="payments", code="200"}': counter((60, 97)),
        'requests_total{job="payments", code="500"}': counter((60, 3)),
    }
    checks = [near('slo:current_burn_rate:ratio{slo_id="checkout-checkout"}', 30, 11.0, 0.001)]
    check_rule_test(tmp_path, promtool, rules, series, promql=checks, order=file_order(rules))


def test_refusals_are_located(tmp_path):
    text = DATA.read_text()
    bad = text.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices").replace("compositeWeight: 2", "compositeWeight: 0")
    found = diagnostics_of([write_spec(tmp_path, bad, "checkout.yaml")])
    assert [line.split(": ", 1)[1] for line in found] == [
        "spec.budgetingMethod: a composite SLO with budgetingMethod 'Timeslices' is not supported: only Occurrences composites "
        "(weights multiplying burn rates) have a native form",
        "spec.objectives[1].compositeWeight: compositeWeight must be a number greater than 0, e.g. 2",
    ]


@given(
    st.lists(
        st.tuples(st.decimals(min_value="0.01", max_value="100", places=2), st.decimals(min_value="50", max_value="99.99", places=2),
                  st.floats(min_value=0, max_value=1)),
        min_size=1, max_size=6,
    )
)
def test_the_weighted_composite_keeps_openslos_burn(members):
    """For any weights, targets and member error ratios: the native composite's burn is sum(w_i x burn_i)."""
    objective, of = composite_objective([(f"m{i}", w, t) for i, (w, t, _) in enumerate(members)])
    budget = 1 - float(objective) / 100
    ratios = [r for _, _, r in members]
    native = sum(m["weight"] * r for m, r in zip(of, ratios)) / sum(m["weight"] for m in of) / budget
    openslo = sum(float(w) * r / (1 - float(t) / 100) for w, t, r in members)
    assert native == pytest.approx(openslo, rel=1e-9, abs=1e-9)
