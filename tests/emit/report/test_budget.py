"""`slogen budget`: the reality-check arithmetic, exactly, and the command's three formats."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from slogen_testing import ROOT, compile_paths
from slogen.emit.report.budget_table import budget_json, budget_rows, count_text, duration_text, render_markdown, slo_budget, tier_rows
from slogen.emit.report.explain import markdown_table
from slogen.emit.report.explain import tier_rows as explain_rows
from slogen.plan.windows import detection_time, workbook_detection_time
from slogen.spec.numbers import HUMAN_DIGITS

from slogen_testing import run_slogen, write_spec


def _plans(tmp_path, text: str):
    services, diagnostics = compile_paths([write_spec(tmp_path, text)])
    more: list = []
    assert not diagnostics + more
    return [plan for service in services for plan in service.plans]


def _spec(objective: str, window: str = "30d") -> str:
    return f"""
service: api
slos:
  - name: availability
    objective: {objective}
    window: {window}
    sli:
      ratio:
        errors: http_requests_total{{job="api", code=~"5.."}}
        total: http_requests_total{{job="api"}}
"""


# The reality-check table: downtime per 30-day month and per 365-day year, in seconds,
# and as printed (three significant digits; the "43 min", "22 min", "4.3 min"
# and "52 min" are these values rounded further).
REALITY_CHECK = [
    ("99", Decimal("25920"), "7.2 h", Decimal("315360"), "3.65 d"),
    ("99.9", Decimal("2592"), "43.2 min", Decimal("31536"), "8.76 h"),
    ("99.95", Decimal("1296"), "21.6 min", Decimal("15768"), "4.38 h"),
    ("99.99", Decimal("259.2"), "4.32 min", Decimal("3153.6"), "52.6 min"),
]


@pytest.mark.parametrize("objective, month, month_text, year, year_text", REALITY_CHECK)
def test_reality_check_table(tmp_path, objective, month, month_text, year, year_text):
    (plan,) = _plans(tmp_path, _spec(objective))
    budget = slo_budget(plan)
    assert budget.downtime_month == month and budget.downtime_year == year
    assert (duration_text(budget.downtime_month), duration_text(budget.downtime_year)) == (month_text, year_text)
    assert budget.downtime_period == month  # a 30d SLO window is the table's month


def test_downtime_per_window_follows_the_slo_window(tmp_path):
    (plan,) = _plans(tmp_path, _spec("99.5", "7d"))
    budget = slo_budget(plan, rps=100)
    assert budget.downtime_period == Decimal("3024")  # 0.5% of 7 days
    assert duration_text(budget.downtime_period) == "50.4 min"
    assert budget.failures_allowed == Decimal("302400")  # 100/s x 7d x 0.5%
    assert count_text(budget.failures_allowed) == "302,400"


def test_tier_detection_times_at_a_full_outage(tmp_path):
    (plan,) = _plans(tmp_path, _spec("99.9"))
    tiers = slo_budget(plan).tiers
    assert [(t.severity, t.budget_percent, t.factor) for t in tiers] == [
        ("page", 2, Decimal("14.4")), ("page", 5, 6), ("ticket", 10, 3), ("ticket", 10, 1),
    ]
    # Workbook: threshold / error rate x long window; 14.4 x 0.001 x 1h = 51.84 s.
    assert tiers[0].workbook_detection == pytest.approx(51.84)
    assert tiers[2].workbook_detection == pytest.approx(0.003 * 86400)
    page = plan.severities[0].tiers[0]
    assert tiers[0].worst_detection == detection_time(page, plan.period, plan.error_budget, 1.0)
    assert tiers[0].workbook_detection == workbook_detection_time(page, plan.period, plan.error_budget, 1.0)
    assert all(t.worst_detection > t.workbook_detection for t in tiers)


def test_budget_command_formats(tmp_path):
    write_spec(tmp_path / "slo_specs", _spec("99.99"), "api.yaml")
    as_json = run_slogen("budget", "--format", "json", "--rps", "50", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    (entry,) = json.loads(as_json.stdout)
    assert entry["downtime"] == {"window": "4.32 min", "month_30d": "4.32 min", "year_365d": "52.6 min"}
    assert entry["downtime_seconds"]["year_365d"] == 3153.6
    assert entry["failures_allowed_per_window"] == 12960.0  # 50/s x 30d x 0.01%
    assert entry["tiers"][0]["detection_seconds_at_100_percent_errors"]["workbook"] == 5.2
    markdown = run_slogen("budget", "--format", "markdown", cwd=tmp_path)
    assert "| api/availability | 99.99% | 0.01% | 30d | 4.32 min | 4.32 min | 52.6 min |" in markdown.stdout
    assert "## Alert tiers (detection time at 100% errors)" in markdown.stdout
    table = run_slogen("budget", "--rps", "50", cwd=tmp_path)
    assert table.returncode == 0 and "52.6 min" in table.stdout and "12,960" in table.stdout


def test_budget_command_reports_bad_specs_and_formats(tmp_path):
    write_spec(tmp_path / "slo_specs", _spec("100"), "api.yaml")
    bad = run_slogen("budget", cwd=tmp_path)
    assert bad.returncode == 2 and "api.yaml:4:16: slos[0].objective: objective 100 leaves no error budget" in bad.stderr
    assert "Traceback" not in bad.stderr
    write_spec(tmp_path / "slo_specs", _spec("99"), "api.yaml")
    assert run_slogen("budget", "--format", "xml", cwd=tmp_path).returncode == 2



# What people read: `human` keeps exact short decimals (99.95, 6.9048) and rounds the rest
# to HUMAN_DIGITS, so no number with a fraction shows more than six significant digits.
# Whole numbers (request counts, seconds) carry no false precision and are not counted.
_MOST_DIGITS = 6
_BURN_RATE_3X = "    alerting: {page: false, ticket: {tiers: [{burn_rate: 3, long_window: 1d}]}}\n"
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _overlong_numbers(text: str) -> list[str]:
    """Numbers in `text` with a fraction and more significant digits than people are shown."""
    return [n for n in _NUMBER.findall(text) if "." in n and len(n.replace(",", "").replace(".", "").lstrip("0")) > _MOST_DIGITS]


def _json_numbers(value) -> list:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _json_numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _json_numbers(v)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def _json_strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return [value] if isinstance(value, str) else []


@st.composite
def _rounding_specs(draw) -> tuple[str, int]:
    """Any objective 90..99.999 with three decimals, any window 1d..90d, default, scaled
    or custom tiers (a factor or window that does not divide the period makes repeating decimals)."""
    objective = Decimal(draw(st.integers(90_000, 99_999))) / 1000
    days = draw(st.integers(1, 90))
    shape = draw(st.sampled_from(["default", "scaled", "budget_percent", "burn_rate"]))
    if shape == "default":
        alerting = ""
    elif shape == "scaled":
        alerting = "    alerting: {scale_from: 30d}\n"
    else:
        value = draw(st.sampled_from(["0.5", "1", "2", "3", "5", "10", "14.4", "33"]))
        hours = draw(st.integers(1, 24 * days))
        alerting = f"    alerting: {{page: false, ticket: {{tiers: [{{{shape}: {value}, long_window: {hours}h}}]}}}}\n"
    return _spec(str(objective), f"{days}d") + alerting, draw(st.integers(1, 10_000))


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(_rounding_specs())
# The repository's search SLOs: a 3x factor over 1d of 28d burns 10.7142857142857%.
@example((_spec("99.95", "28d") + _BURN_RATE_3X, 50))
def test_budget_and_explain_print_no_unrounded_numbers(tmp_path_factory, case):
    text, rps = case
    services, diagnostics = compile_paths([write_spec(tmp_path_factory.mktemp("spec"), text)])
    assume(not diagnostics)  # objectives a default page tier cannot reach are another test's business
    (service,) = services
    (plan,) = service.plans
    budget = slo_budget(plan, float(rps))
    table = [*budget_rows(budget), *(cell for row in tier_rows(budget) for cell in row)]
    explained = [cell for row in explain_rows(plan, service.tests) for cell in row.cells]
    document = budget_json([budget])
    printed = [*table, *explained, render_markdown([budget], float(rps)), markdown_table(plan, service.tests), *_json_strings(document)]
    assert [n for text in printed for n in _overlong_numbers(text)] == []
    # JSON numbers are seconds and requests: exact products of budget, window and traffic
    # (three decimals at most for a three-decimal objective) or detection at 0.1 s.
    assert [n for n in _json_numbers(document) if Decimal(repr(n)).as_tuple().exponent < -3] == []


def test_tier_shares_and_factors_are_rounded_for_people(tmp_path):
    """The issue's `9.9702380952381%`: a derived share shows HUMAN_DIGITS digits in every format."""
    (plan,) = _plans(tmp_path, _spec("99.95", "28d") + _BURN_RATE_3X)
    budget = slo_budget(plan)
    assert budget.tiers[0].budget_percent == Decimal("10.7142857142857")  # the arithmetic keeps 15 digits
    cells = tier_rows(budget)[0]
    assert cells[2] == "10.71%" and len(cells[2].rstrip("%").replace(".", "")) == HUMAN_DIGITS
    assert budget_json([budget])[0]["tiers"][0]["budget_percent"] == "10.71"
    assert "| 10.71% |" in render_markdown([budget], None)


def test_repository_budget_prints_no_unrounded_numbers():
    result = run_slogen("budget", "slo_specs", "--format", "markdown", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert _overlong_numbers(result.stdout) == [] and "10.71%" in result.stdout
