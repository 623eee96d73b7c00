"""Latency SLIs on native histograms (`format: native`) and through a migration (`format: auto`),
proven on promtool 3: promtool 2.42 cannot read native histogram input series (see
test_promtool_2_cannot_read_native_series)."""

from __future__ import annotations

import pytest
from engines import PROMETHEUS_2, PROMETHEUS_3, engine
from histogram_series import classic, native_custom, native_exponential
from promtool_scenarios import run, run_rule_test

H = "http_request_duration_seconds"
BOUNDS = (0.1, 0.3, 1)


def spec(*slos: tuple[str, str, str], threshold: str = "0.3") -> str:
    """A service of latency SLOs, each (name, job, format), threshold 0.3s."""
    text = "service: shop\nslos:\n"
    for name, job, fmt in slos:
        text += (
            f"  - name: {name}\n    objective: 99\n    sli:\n      latency:\n"
            f'        histogram: {H}{{job="{job}"}}\n        threshold: {threshold}\n        format: {fmt}\n'
        )
    return text


def history(hours: int) -> list[list[int]]:
    """Per-minute bucket counts whose traffic and share of slow requests change every hour."""
    shapes = [(30, 20, 5, 5), (10, 10, 20, 20), (50, 40, 6, 4), (5, 5, 1, 1), (20, 20, 10, 10), (40, 15, 3, 2)]
    return [list(shapes[minute // 60 % len(shapes)]) for minute in range(hours * 60)]


def hand_ratio(hist: list[list[int]], minutes: int) -> float:
    """Slow requests / all requests over the first `minutes`: the exact period error ratio."""
    bad = sum(m[2] + m[3] for m in hist[:minutes])
    return bad / sum(sum(m) for m in hist[:minutes])


def ratio(slo: str, window: str) -> str:
    return f'slo:sli_error:ratio_rate{window}{{slo_id="shop-{slo}"}}'


def near(expr: str, minutes: int, expected: float, tolerance: float) -> dict:
    """`expr` is within an absolute tolerance of a value."""
    return {"expr": f"count(abs({expr} - {expected!r}) < {tolerance!r})", "eval_time": f"{minutes}m", "exp_samples": [{"labels": "{}", "value": 1}]}


def same(a: str, b: str, minutes: int, tolerance: float) -> dict:
    """Two single-series expressions within an absolute tolerance of each other."""
    return near(f"({a} - on () {b})", minutes, 0.0, tolerance)


def close(a: str, b: str, minutes: int, relative: float) -> dict:
    """Two single-series expressions within a relative tolerance of each other."""
    return near(f"({a} / on () {b})", minutes, 1.0, relative)


def absent(expr: str, minutes: int) -> dict:
    return {"expr": expr, "eval_time": f"{minutes}m", "exp_samples": []}


@pytest.fixture
def promtool3() -> str:
    return engine(PROMETHEUS_3).promtool


def test_native_custom_buckets_read_like_the_classic_buckets(tmp_path, promtool3):
    # The same observations as classic series (job a) and as NHCB (job b): every window agrees
    # with the hand count, the 5m and 1h ratios with each other to float precision.
    hist = history(3)
    series = classic(H, 'job="a"', BOUNDS, hist) | native_custom(H, 'job="b"', BOUNDS, hist)
    checks = [same(ratio("native", w), ratio("classic", w), m, 1e-9) for w in ("5m", "1h") for m in (30, 90, 150)]
    checks += [near(ratio("native", "5m"), 150, hand_ratio(hist[145:150], 5), 1e-9)]
    # The period SLI: the hand count, but for promtool's first 5m rates, which undercount.
    checks += [same(ratio("native", "30d"), ratio("classic", "30d"), 181, 1e-9), near(ratio("native", "30d"), 181, hand_ratio(hist, 180), 0.005)]
    run(tmp_path, promtool3, spec(("classic", "a", "classic"), ("native", "b", "native")), series, checks)


def test_exponential_threshold_between_boundaries_is_interpolated(tmp_path, promtool3):
    # Schema 0 has boundaries 0.25, 0.5, 1: a threshold of 0.5 reads the buckets' exact share,
    # 0.3 interpolates inside (0.25, 0.5] exponentially: log2(0.3/0.25) of its count is good.
    hist = [[10, 20, 20, 10]] * 60
    series = native_exponential(H, 'job="b"', hist)
    at_boundary = 1 - 30 / 60
    import math

    between = 1 - (10 + 20 * math.log2(0.3 / 0.25)) / 60
    run(tmp_path, promtool3, spec(("native", "b", "native"), threshold="0.5"), series, [near(ratio("native", "5m"), 30, at_boundary, 1e-9)])
    run(tmp_path, promtool3, spec(("native", "b", "native"), threshold="0.3"), series, [near(ratio("native", "5m"), 30, between, 1e-9)])


def test_custom_buckets_threshold_between_boundaries_is_interpolated_linearly(tmp_path, promtool3):
    # Without `buckets:` slogen cannot know the boundaries: on NHCB a threshold of 0.2 reads
    # half of (0.1, 0.3] as good (linear interpolation), not a bucket count.  State the
    # buckets and validate refuses it (tests/spec: test_native_buckets_refuse...).
    hist = [[30, 20, 5, 5]] * 60
    series = native_custom(H, 'job="b"', BOUNDS, hist)
    run(tmp_path, promtool3, spec(("native", "b", "native"), threshold="0.2"), series, [near(ratio("native", "5m"), 30, 1 - 40 / 60, 1e-9)])


def test_migration_in_the_middle_of_the_window_keeps_the_period_sli(tmp_path, promtool3):
    # One history, four ways: classic throughout (a, the reference); classic, then both for an
    # hour, then native only (b); classic switched to native at once (c); and an old `classic`
    # SLO over c's series, which loses every event after the switch.
    hist = history(6)
    series = classic(H, 'job="a"', BOUNDS, hist)
    series |= classic(H, 'job="b"', BOUNDS, hist, stop=210) | native_custom(H, 'job="b"', BOUNDS, hist, start=150)
    series |= classic(H, 'job="c"', BOUNDS, hist, stop=150) | native_custom(H, 'job="c"', BOUNDS, hist, start=151)
    slos = spec(("reference", "a", "classic"), ("overlap", "b", "auto"), ("switch", "c", "auto"), ("stuck", "c", "classic"))
    end = 361
    checks = [near(ratio("reference", "30d"), end, hand_ratio(hist, 360), 0.005)]
    # While both exist, no double counting: every window equals the reference's.
    checks += [same(ratio("overlap", w), ratio("reference", w), m, 1e-9) for w in ("5m", "1h", "6h") for m in (160, 200, 240, 300)]
    checks += [same(f'slo:sli_events:rate5m{{slo_id="shop-{s}"}}', 'slo:sli_events:rate5m{slo_id="shop-reference"}', m, 1e-9) for s in ("overlap",) for m in (155, 180, 215, 240)]
    # An abrupt switch: the 5m base rates add the two halves of their window, exact but for the
    # tick whose window holds one classic sample (no rate: that tick undercounts by a third).
    # Prometheus' extrapolation of each half by the half's average rate costs the 1h window
    # below 1% while it spans the switch.
    checks += [same(f'slo:sli_events:rate5m{{slo_id="shop-{s}"}}', 'slo:sli_events:rate5m{slo_id="shop-reference"}', m, 1e-9) for s in ("switch",) for m in (151, 152, 153, 155, 200)]
    checks += [close(ratio("switch", w), ratio("reference", w), m, 0.01) for w in ("5m", "1h", "6h") for m in (156, 200, 300)]
    # The period SLI (and the budget) is the reference's: exactly with an overlap, within 0.1%
    # after an abrupt switch, with the switch 2.5h into 6h of history (over 30d, 120x less).
    checks += [same(ratio("overlap", "30d"), ratio("reference", "30d"), end, 1e-9)]
    checks += [close(ratio("switch", "30d"), ratio("reference", "30d"), end, 0.001)]
    for slo in ("overlap", "switch"):
        checks += [close(f'slo:period_error_budget_remaining:ratio{{slo_id="shop-{slo}"}}', 'slo:period_error_budget_remaining:ratio{slo_id="shop-reference"}', end, 0.001)]
    # The classic SLO reads nothing 5 minutes after its series stop.
    checks += [absent('slo:sli_events:rate5m{slo_id="shop-stuck"}', m) for m in (160, 300)]
    run(tmp_path, promtool3, slos, series, checks)


def test_promtool_2_cannot_read_native_series(tmp_path):
    # Why the native tests (and the generated tests of native SLOs) run on promtool 3 only.
    series = native_custom(H, 'job="b"', BOUNDS, [[1, 1, 1, 1]] * 10)
    rules = "groups:\n- name: g\n  rules:\n  - record: c\n    expr: histogram_count(rate(http_request_duration_seconds[5m]))\n"
    result = run_rule_test(tmp_path, engine(PROMETHEUS_2).promtool, rules, series, promql=[absent("c", 5)])
    assert result.returncode != 0
    assert "unexpected character in series sequence: '{'" in result.stdout + result.stderr
