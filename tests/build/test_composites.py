"""Composite SLOs across files: located refusals for members that do not exist or cannot
combine, cycles, and composites that could not be deployed; the README's example compiles."""

from __future__ import annotations

from slogen_testing import compile_files, diagnostics_of, run_slogen, snapshot, write_spec

MEMBER = """
service: {service}
slos:
  - name: availability
    objective: 99.9
    {window}
    sli:
      ratio:
        errors: requests_total{{job="{service}", code="500"}}
        total: requests_total{{job="{service}"}}
"""
README_EXAMPLE = """
service: checkout-journey
slos:
  - name: checkout
    objective: 99.5
    sli:
      composite:
        method: events          # or weighted (with weight:) or worst
        of: [web/availability, cart/availability, {slo: payments/availability, weight: 2}]
"""


def members(directory, window: str = "", **extra: str):
    paths = [write_spec(directory, MEMBER.format(service=s, window=window), f"{s}.yaml") for s in ("web", "cart", "payments")]
    return paths + [write_spec(directory, text, f"{name}.yaml") for name, text in extra.items()]


def test_the_readme_example_compiles_to_a_file_of_its_own(tmp_path):
    files = compile_files(members(tmp_path, journey=README_EXAMPLE))
    rules = files["rules/checkout-journey.yml"]
    assert 'or 2 * slo:sli_events:rate5m{slo_id="payments-availability"}' in rules
    assert "requests_total" not in rules  # it reads only the members' recorded series
    assert 'slo_composite_of: web-availability,cart-availability,payments-availability' in rules


def test_missing_members_are_located(tmp_path):
    journey = README_EXAMPLE.replace("cart/availability", "cart/availabilty").replace("web/availability", "shop/availability")
    found = diagnostics_of(members(tmp_path, journey=journey))
    assert found == [
        f"{tmp_path}/journey.yaml:8:14: slos[0].sli.composite.of[0]: member 'shop/availability' does not exist: no spec defines service 'shop'",
        f"{tmp_path}/journey.yaml:8:33: slos[0].sli.composite.of[1]: member 'cart/availabilty' does not exist: "
        "service 'cart' has no SLO 'availabilty' (it has availability)",
    ]


def test_a_cycle_is_refused(tmp_path):
    a = """
service: a
slos:
  - name: journey
    objective: 99
    sli: {composite: {method: events, of: [b/journey]}}
"""
    b = a.replace("service: a", "service: b").replace("b/journey", "a/journey")
    found = diagnostics_of([write_spec(tmp_path, a, "a.yaml"), write_spec(tmp_path, b, "b.yaml")])
    assert found == [f"{tmp_path}/b.yaml:5:44: slos[0].sli.composite.of[0]: composite members form a cycle: a-journey -> b-journey -> a-journey"]


def test_members_that_cannot_combine_are_located(tmp_path):
    probe = """
service: probe
slos:
  - name: up
    objective: 99
    window: 28d
    sli: {bool: {metric: probe_success}}
"""
    journey = """
service: journey
slos:
  - name: pooled
    objective: 99
    sli: {composite: {method: events, of: [probe/up, web/availability]}}
  - name: worst
    objective: 99
    sli: {composite: {method: worst, of: [probe/up, web/availability]}}
"""
    found = diagnostics_of(members(tmp_path, probe=probe, journey=journey))
    assert found == [
        f"{tmp_path}/journey.yaml:5:44: slos[0].sli.composite.of[0]: member 'probe/up' counts samples of a 0/1 gauge, not requests: "
        "pooling them with other members' events means nothing; use method weighted",
        f"{tmp_path}/journey.yaml:8:43: slos[1].sli.composite.of[0]: member 'probe/up' records no 30d window, which the worst of its "
        "windows needs: give the composite the member's window (28d), or the member an alert tier over it",
    ]


def test_what_one_spec_shows_is_located(tmp_path):
    mixed = """
service: shop
slos:
  - name: availability
    objective: 99.9
    sli: {ratio: {errors: 'requests_total{code="500"}', total: requests_total}}
  - name: journey
    objective: 99
    grouping: [route]
    window: {calendar: month}
    sli: {composite: {method: worst, of: [availability, web/availability, journey]}}
"""
    found = diagnostics_of(members(tmp_path, shop=mixed))
    assert [line.split(": ", 1)[1] for line in found] == [
        "slos[1].grouping: a composite SLO takes no grouping: it combines whole member SLOs",
        "slos[1].sli.composite.method: method worst takes a rolling window (e.g. 30d), not a calendar one",
        "slos[1].sli.composite.of: a composite reading another service's SLOs must sit in a service of composites only "
        "(a journey service), so its rule file can be deployed where every member's series is visible; move it to a service of its own",
        "slos[1].sli.composite.of[2]: composite 'journey' lists itself as a member",
    ]


def test_a_refused_run_writes_nothing(tmp_path):
    specs = tmp_path / "specs"
    members(specs, journey=README_EXAMPLE.replace("payments/availability", "payments/latency"))
    result = run_slogen("generate", str(specs), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "member 'payments/latency' does not exist" in result.stderr
    assert not (tmp_path / "out").exists() or snapshot(tmp_path / "out") == {}
