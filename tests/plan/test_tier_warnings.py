"""SLO windows other than 30d: the default tiers' factors there, the located warning when one
falls below 1, and `alerting.scale_from`, the fix it names (shown by the real promtool)."""

from __future__ import annotations

import pytest
from slogen.plan.slo import tier_warnings
from slogen.spec.load import load_specs

from promtool_scenarios import ERR, OK, counter, fires, quiet, run
from slogen_testing import run_slogen, write_spec
from spec_literals import shop_slo, shop_spec

def _spec(window: str = "7d", alerting: str = "") -> str:
    return shop_spec(shop_slo(window=window, more=alerting))


def _warnings(tmp_path, text: str) -> list[str]:
    loaded, diagnostics = load_specs([write_spec(tmp_path, text)])
    assert not diagnostics
    return [str(item.diagnostic(problem)) for item in loaded for problem in tier_warnings(item.spec)]


def test_a_week_with_the_default_tiers_warns_at_its_window(tmp_path):
    (warning,) = _warnings(tmp_path, _spec("7d"))
    assert warning.startswith(f"{tmp_path}/spec.yaml:5:13: slos[0].window: the default alert tiers are made for a 30d window: over 7d ")
    # Both ticket tiers, their factors, what it means and the fix.
    assert "ticket tiers 10% of the budget in 1d and 10% of the budget in 3d burn at factors 0.7 and 0.2333, below 1" in warning
    assert "would spend only 23.33% of the error budget by the window's end keeps the alert firing" in warning
    assert "add `alerting.scale_from: 30d` to scale the default tiers' windows to 7d" in warning
    assert warning.endswith("or give the tiers explicitly")


@pytest.mark.parametrize(
    "window, alerting, factor",
    [
        ("28d", "", "0.9333"),  # the 3d ticket tier only
        ("{calendar: week}", "", "0.2333"),  # a calendar week: factors from its nominal 7d
        ("30d", "", None),
        ("90d", "", None),
        ("7d", "    alerting: {scale_from: 30d}\n", None),
        ("7d", "    alerting: false\n", None),
        # Explicit ticket tiers are the author's choice; the default page tiers stay above 1.
        ("7d", "    alerting:\n      ticket:\n        tiers: [{budget_percent: 10, long_window: 1d}]\n", None),
        ("7d", "    alerting: {ticket: false}\n", None),
    ],
)
def test_which_windows_warn(tmp_path, window, alerting, factor):
    warnings = _warnings(tmp_path, _spec(window, alerting))
    assert len(warnings) == (factor is not None)
    if factor:
        assert f"factor {factor}, below 1" in warnings[0] or f"and {factor}, below 1" in warnings[0]


def test_the_cli_prints_the_warning_and_succeeds(tmp_path):
    write_spec(tmp_path / "specs", _spec("7d"))
    for command in (["validate", "specs"], ["generate", "specs", "--out", "out"], ["explain", "specs"]):
        result = run_slogen(*command, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "specs/spec.yaml:5:13: warning: slos[0].window: the default alert tiers are made for a 30d window" in result.stderr
    # explain shows the tiers as they are: windows and factors.
    assert all(row in result.stdout for row in ("1d / 2h", "0.7 ", "3d / 6h", "0.2333"))


def test_a_default_window_from_the_command_line_is_located_at_the_slo(tmp_path):
    write_spec(tmp_path / "specs", _spec("7d").replace("    window: 7d\n", ""))
    result = run_slogen("validate", "specs", "--default-slo-period", "7d", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "specs/spec.yaml:3:5: warning: slos[0].window: the default alert tiers" in result.stderr


def test_explain_shows_the_scaled_tiers(tmp_path):
    write_spec(tmp_path / "specs", _spec("7d", "    alerting: {scale_from: 30d}\n"))
    result = run_slogen("explain", "--markdown", "specs", cwd=tmp_path)
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    # The workbook's windows x 7/30, to the minute, at least 5m; the factors kept.
    for row in ("| page 1 | page | 14m / 5m | 14.4 |", "| page 2 | page | 84m / 7m | 6 |", "| ticket 1 | ticket | 336m / 28m | 3 |", "| ticket 2 | ticket | 1008m / 84m | 1 |"):
        assert row in result.stdout


@pytest.mark.slow
def test_a_steady_burn_well_inside_the_budget_holds_a_week_slo_ticket_open(tmp_path, promtool):
    # 0.04% errors on a 99.9% SLO spend 40% of a week's budget in a week. The default 3d
    # tier (0.2333x over 7d) tickets it and never lets go; scaled, its 1008m/84m tier at 1x
    # stays quiet, and so does every other tier.  A sample every 2m keeps a day cheap (and
    # two samples in Prometheus 3's left-open 5m range).
    day = 24 * 30
    series = {OK: counter((day, 2 * 599.76)), ERR: counter((day, 2 * 0.24))}
    minutes = (2 * 60, 12 * 60, 24 * 60)
    run(tmp_path / "default", promtool, _spec("7d"), series, [fires("ticket", m) for m in minutes], interval="2m")
    checks = [quiet(m) for m in minutes]
    run(tmp_path / "scaled", promtool, _spec("7d", "    alerting: {scale_from: 30d}\n"), series, checks, interval="2m")
