"""The pure synthesis of promtool tests: scenarios follow the window math, inputs encode the rates."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slogen_testing import compile_files, compile_paths
from slogen.emit.promtool.eval_interval import EVAL_INTERVALS, tick_budget
from slogen.emit.promtool.inputs import INPUT_INTERVAL, Phase, series_values
from slogen.emit.promtool.lanes import sharing_lanes
from slogen.emit.promtool.scenarios import plan_scenarios
from slogen.emit.promtool.timing import FIRE_BURN, QUIET_BURN
from slogen.emit.promtool.series import SyntheticSeries
from slogen.plan.windows import DEFAULT_TIERS, HOUR, promtool_detection_time, promtool_reach_time, promtool_seen, smeared_reach_time

from slogen_testing import example_services, examples
from spec_literals import shop_slo

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def services():
    """The compiled example services."""
    return example_services()


def _expand(notation: str) -> list[float]:
    """promtool's expanding notation, as far as slogen uses it: `a` and `a+bxn`."""
    out: list[float] = []
    for part in notation.split():
        match = re.fullmatch(r"(-?[\d.e+-]+?)\+([\d.e+-]+)x(\d+)", part)
        if match:
            start, step, n = float(match[1]), float(match[2]), int(match[3])
            out += [start + step * k for k in range(n + 1)]
        else:
            out.append(float(part))
    return out


def test_series_values_encode_the_phases() -> None:
    series = SyntheticSeries("errors_total", (), 0.0, 1.0)
    phases = (Phase(600, 1200, 0.25),)
    values = _expand(series_values(series, phases, 1800))
    assert len(values) == 1800 // INPUT_INTERVAL + 1
    increments = [b - a for a, b in zip(values, values[1:])]
    per_second = [inc / INPUT_INTERVAL for inc in increments]
    assert per_second[:10] == [0.0] * 10
    assert per_second[10:20] == pytest.approx([10 * 0.25] * 10)
    assert per_second[20:] == [0.0] * 10


def test_every_tier_gets_fires_and_quiet_scenarios(services) -> None:
    for compiled in services:
        tests = compiled.tests
        for plan in compiled.plans:
            names = [s.name for p, s in tests.scenarios if p is plan]
            assert f"{plan.service}/{plan.name} budget" in names
            for sev in plan.severities:
                for tier in sev.tiers:
                    prefix = f"{plan.service}/{plan.name} {sev.key} "
                    assert any(n.startswith(prefix) and n.endswith(f"fires at {FIRE_BURN}x") for n in names)
                    assert any(n.startswith(prefix) and n.endswith(f"quiet at {QUIET_BURN}x") for n in names)


def test_fires_deadline_is_the_theoretical_detection_time(services) -> None:
    for compiled in services:
        e = compiled.tests.eval_interval
        for plan, scenario in compiled.tests.scenarios:
            if "fires" not in scenario.name:
                continue
            sev = next(s for s in plan.severities if s.key == scenario.tier[0])
            tier = next(t for t in sev.tiers if (t.long_window, t.short_window) == scenario.tier[1:])
            (phase,) = scenario.phases
            threshold = float(tier.threshold(plan.period, plan.error_budget))
            assert phase.ratio == pytest.approx(FIRE_BURN * threshold)
            deadline = promtool_detection_time(
                tier, plan.period, plan.error_budget, phase.ratio, e, INPUT_INTERVAL, sev.for_seconds or 0, plan.counter_windows, start=phase.start
            )
            firing = [c for c in scenario.checks if c.expr.startswith("ALERTS{")]
            assert len(firing) == 1
            assert deadline <= firing[0].at - phase.start < deadline + e
            # The deadline is at least the long window's own reach time: never a free pass.
            assert firing[0].at - phase.start >= promtool_reach_time(tier.long_window, 1 / FIRE_BURN)
            never = [c for c in scenario.checks if c.expr.startswith("count_over_time(ALERTS")]
            assert never[0].at == phase.start and never[0].samples == ()


def test_fires_deadline_follows_the_windows_read_from_counters(tmp_path: Path) -> None:
    # A query without {{window}} cannot be read over 1h: its fast window is summed from the
    # 5m rates, which reach a step later, and the page's deadline allows for that.
    spec = tmp_path / "q.yaml"
    spec.write_text(
        "service: q\nslos:\n  - name: p\n    objective: 99.9\n    sli:\n      query:\n"
        '        errors: sum(rate(r_total{code="500"}[5m]))\n'
        "        total: sum(rate(r_total[5m]))\n"
    )
    (compiled,), diagnostics = compile_paths([spec])
    assert not diagnostics
    ((plan, series),) = compiled.tests.testable
    assert plan.counter_windows == frozenset({300})
    e = 60  # fine enough that the deadlines fall on different ticks
    scenario = next(s for s in plan_scenarios(plan, series, e) if s.name.endswith("page 1h/5m fires at 1.1x"))
    (phase,) = scenario.phases
    tier = next(t for t in plan.severities[0].tiers if t.long_window == HOUR)
    summed = promtool_detection_time(tier, plan.period, plan.error_budget, phase.ratio, e, INPUT_INTERVAL, 0, plan.counter_windows, start=phase.start)
    raw = promtool_detection_time(tier, plan.period, plan.error_budget, phase.ratio, e, INPUT_INTERVAL, 0, start=phase.start)
    assert summed > raw + e
    firing = next(c for c in scenario.checks if c.expr.startswith("ALERTS{"))
    assert summed <= firing.at - phase.start < summed + e


def test_window_model_follows_the_hourly_cadence() -> None:
    # Every window but the raw 5m one ramps over the 5m rates; a window summed from the
    # hourly series (1d and more) is shown as it stood at the last full hour.
    assert promtool_reach_time(86400, 0.5) == smeared_reach_time(86400, 300, 0.5) == 43200 + 150
    assert promtool_reach_time(300, 0.5) == 150
    assert promtool_seen(86400, 7199) == 3600 and promtool_seen(86400, 7200) == 7200
    assert promtool_seen(7200, 7199) == 7199


def test_hourly_tiers_wait_for_the_next_hour() -> None:
    """At 100% errors a 1d/2h tier's windows cross within minutes; promtool shows the 1d
    window at the next full hour (one tick later on 2.x, whose range at the hour reads one
    point more), so the deadline depends on where in the hour the errors start."""
    tier, period, budget, e = DEFAULT_TIERS["ticket"][0], 30 * 86400, Decimal("0.001"), 60
    assert tier.long_window == 86400
    on_the_hour = promtool_detection_time(tier, period, budget, 1.0, e, INPUT_INTERVAL, start=3600)
    late_in_it = promtool_detection_time(tier, period, budget, 1.0, e, INPUT_INTERVAL, start=3600 + 3000)
    assert on_the_hour == 3600 + 2 * e
    assert late_in_it == 600 + 2 * e
    # A 2h long window is summed from the 5m rates: no hourly wait.
    assert promtool_detection_time(replace(tier, long_window=7200), period, budget, 1.0, e, INPUT_INTERVAL, start=3600) < 1200


def test_evaluation_intervals_divide_an_hour() -> None:
    # promtool's copy of the hourly group records where `time() % 3600 == 0`: only ticks on
    # the hour exist when the evaluation interval divides it.
    assert all(HOUR % e == 0 for e in EVAL_INTERVALS)


def test_tick_budget_and_file_shape(services) -> None:
    files = compile_files([ROOT / "slo_specs"])
    for compiled in services:
        tests = compiled.tests
        # promtool runs a group up to its last check: the longest of its SLOs' scenarios.
        ticks = sum(max(s.length for _, s in group) // tests.eval_interval for group in tests.groups)
        assert ticks <= tick_budget(len(tests.testable))
        data = yaml.safe_load(files[f"tests/{compiled.service}.test.yml"])
        assert data["rule_files"] == [f"rules/{compiled.service}.yml"]
        assert f"tests/rules/{compiled.service}.yml" in files
        assert data["group_eval_order"] == [g.name for g in compiled.groups]
        for group in data["tests"]:
            assert group["interval"] == "1m", "promtool 2.42 loads nothing without an input interval"
            for check in group["promql_expr_test"]:
                for sample in check["exp_samples"]:
                    assert sample["value"] == 1.0, "only exact values: counts and bool comparisons"


def test_query_slo_without_test_block_is_reported_untested(tmp_path: Path) -> None:
    spec = tmp_path / "q.yaml"
    spec.write_text(
        "service: q\nslos:\n  - name: p\n    objective: 99\n    sli:\n      query:\n"
        "        errors: sum(rate(e_total[{{window}}])) - sum(rate(r_total[{{window}}]))\n"
        "        total: sum(rate(t_total[{{window}}]))\n"
    )
    (compiled,), diagnostics = compile_paths([spec])
    assert not diagnostics
    assert compiled.tests.untested == (("p", "its query SLI has no `test` block naming the counters to drive"),)
    assert "tests/q.test.yml" not in compile_files([spec])


def test_bool_slo_is_reported_untested_with_the_reason(tmp_path: Path) -> None:
    spec = tmp_path / "b.yaml"
    spec.write_text("service: b\nslos:\n  - name: up\n    objective: 99\n    sli:\n      bool: {metric: 'up{job=\"x\"}'}\n")
    (compiled,), diagnostics = compile_paths([spec])
    assert not diagnostics
    assert compiled.tests.untested == (
        ("up", "cannot synthesize input series for sli.bool.metric: a 0/1 gauge cannot be driven at an exact burn rate in a promtool test"),
    )


def test_output_is_deterministic() -> None:
    assert compile_files([ROOT / "slo_specs"]) == compile_files([ROOT / "slo_specs"])


def test_traffic_clears_min_events(services) -> None:
    from slogen.emit.promtool.inputs import EVENTS_PER_SECOND
    from slogen.emit.promtool.scenarios import traffic

    checkout = next(c for c in services if c.service == "checkout")
    availability = checkout.plans[0]
    assert availability.min_events == 100
    assert traffic(availability) == EVENTS_PER_SECOND
    heavy = replace(availability, min_events=720_000)
    # 720k events per 1h long window need 200/s; twice that for margin.
    assert traffic(heavy) == 400.0
    scenarios = plan_scenarios(heavy, checkout.tests.series["availability"], 600)
    assert {s.events_per_second for s in scenarios if "min_events" not in s.name} == {400.0}
    guards = [s for s in scenarios if "min_events" in s.name]
    assert [s.name for s in guards] == ["checkout/availability page quiet below min_events", "checkout/availability ticket quiet below min_events"]
    # Half of min_events over each severity's longest long window (6h, 3d).
    assert [s.events_per_second * w for s, w in zip(guards, (6 * 3600, 3 * 86400))] == pytest.approx([360_000, 360_000])


def test_test_files_are_written_as_pyyaml_would_write_their_documents(services):
    """The direct writer of test files and PyYAML agree byte for byte, odd names included."""
    from slogen.emit.promtool.service_tests import render_test_file, test_file_data
    from slogen.emit.targets.base import header
    from slogen.emit.text.documents import pyyaml_text

    odd = []
    for compiled in services:
        tests = compiled.tests
        assert tests is not None and tests.scenarios
        # Names PyYAML must quote, and one the fast writer hands back to PyYAML (non-ASCII).
        for service in ("on", "a: b", "it's", "é"):
            odd.append(replace(tests, service=service))
    for tests in [c.tests for c in services] + odd:
        assert render_test_file(tests, "x.yaml") == header("x.yaml") + pyyaml_text(test_file_data(tests)), tests.service


# Names and label values: inert ones (shared templates fill them in), and ones YAML
# must quote or a resolver would read as something else (written directly).
_IDENTITY = st.one_of(
    st.text("abz09_-./", min_size=1, max_size=8),
    st.sampled_from(["on", "yes", "1", "1.0", "~", "null", "-a", "a: b", "a #b", "it's", 'q"t', "b\\s", "sp ace", "é", "x:"]),
)


def test_slos_sharing_numbers_share_test_text_but_keep_their_own_names(services):
    """Test text from shared templates is the text PyYAML writes for each SLO's own scenarios."""
    from slogen.emit.promtool.service_tests import render_test_file, test_file_data
    from slogen.emit.targets.base import header
    from slogen.emit.text.documents import pyyaml_text

    bases = [c.tests for c in services if c.tests is not None and c.tests.testable]

    @settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def agree(data) -> None:
        base = data.draw(st.sampled_from(bases))
        testable = []
        # Two SLOs of each shape, so a template made for one is filled for the other.
        for copy in range(2):
            for index, (plan, series) in enumerate(base.testable):
                name = f"{data.draw(_IDENTITY)}{index}{copy}"
                labels = tuple((key, data.draw(_IDENTITY)) for key, _ in plan.labels)
                series = tuple(replace(s, labels=tuple((k, data.draw(_IDENTITY)) for k, _ in s.labels)) for s in series)
                testable.append((replace(plan, service=data.draw(_IDENTITY), name=name, labels=labels), series))
        tests = replace(base, testable=tuple(testable), lanes=sharing_lanes(tuple(testable)))
        assert render_test_file(tests, "x.yaml") == header("x.yaml") + pyyaml_text(test_file_data(tests))

    agree()


def _handlers_spec(tmp_path: Path, count: int, extra: str = "") -> Path:
    lines = ["service: shop", "slos:"]
    for i in range(count):
        sel = f'job="shop", handler="/h{i}"'
        lines += [f"  - name: h{i}", "    objective: 99.9", "    sli:", "      ratio:",
                  f'        errors: http_requests_total{{{sel}, code=~"5.."}}', f"        total: http_requests_total{{{sel}}}"]
    spec = tmp_path / f"shop{count}.yaml"
    spec.write_text("\n".join(lines) + "\n" + extra)
    return spec


def _compiled(spec: Path):
    (compiled,), diagnostics = compile_paths([spec])
    more: list = []
    assert not diagnostics + more
    return compiled


def test_slos_of_a_service_share_test_groups(tmp_path: Path) -> None:
    """promtool evaluates the whole rule file at every tick of every group: the number of
    groups must not grow with the SLOs, or a 40-SLO service's tests cost 40 x 40."""
    one = _compiled(_handlers_spec(tmp_path, 1)).tests
    forty = _compiled(_handlers_spec(tmp_path, 40)).tests
    assert len(forty.lanes) == 1
    # At the coarser interval of a large file the 5m and 30m short windows' resets are
    # not observable; every fires and quiet scenario stays.
    kinds = {s.name.split(" ", 1)[1] for _, s in forty.scenarios}
    assert kinds >= {s.name.split(" ", 1)[1] for _, s in one.scenarios if "resets" not in s.name}
    assert len(forty.groups) == len(kinds) <= len(one.groups)
    data = yaml.safe_load(compile_files([_handlers_spec(tmp_path, 40)])["tests/shop.test.yml"])
    assert len(data["tests"]) == len(forty.groups)
    # Each group feeds every SLO its own series and checks each SLO.
    for group in data["tests"]:
        assert len(group["input_series"]) == 40 * 2
        assert {re.search(r'slo_id="shop-(h\d+)"', c["expr"])[1] for c in group["promql_expr_test"]} == {f"h{i}" for i in range(40)}
    # Simulated time x SLOs, promtool's CPU, is bounded: coarser evaluation for large files.
    ticks = sum(max(s.length for _, s in g) // forty.eval_interval for g in forty.groups)
    assert ticks * 40 <= 30_000
    assert forty.eval_interval >= one.eval_interval


def test_an_slo_reading_another_slos_series_gets_its_own_groups(tmp_path: Path) -> None:
    # The service-wide SLO's selectors match the per-handler SLOs' series: fed together,
    # each would see the other's errors.
    extra = shop_slo("all", "99")
    tests = _compiled(_handlers_spec(tmp_path, 3, extra)).tests
    names = [[tests.testable[i][0].name for i in lane] for lane in tests.lanes]
    assert names == [["h0", "h1", "h2"], ["all"]]
    assert sharing_lanes(tests.testable[:3]) == ((0, 1, 2),)
