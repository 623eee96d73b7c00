"""Periods of `report --period`, their one-line refusals, and how rows add up (pure); the
CLI's refusals of option combinations (exit 2, one line, nothing written)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from slogen_testing import API_SPEC, run_slogen, write_spec

from slogen.emit.report.period_html import render_period_html
from slogen.emit.report.period_model import ExcludedTime, SLORow, parse_period, render_csv, render_json, totals
from slogen.errors import OptionError


def _utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())


@pytest.mark.parametrize(
    "text, first, last, start, end",
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), _utc(2026, 11, 1), _utc(2026, 12, 1)),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), _utc(2026, 12, 1), _utc(2027, 1, 1)),
        ("2026-W45", date(2026, 11, 2), date(2026, 11, 8), _utc(2026, 11, 2), _utc(2026, 11, 9)),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), _utc(2025, 12, 29), _utc(2026, 1, 5)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), _utc(2026, 10, 1), _utc(2027, 1, 1)),
        ("2028-Q1", date(2028, 1, 1), date(2028, 3, 31), _utc(2028, 1, 1), _utc(2028, 4, 1)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), _utc(2026, 1, 1), _utc(2027, 1, 1)),
    ],
)
def test_periods_are_calendar_periods_in_utc(text, first, last, start, end):
    period = parse_period(text)
    assert (period.days[0].date, period.days[-1].date, period.start, period.end) == (first, last, start, end)
    assert all(a.end == b.start for a, b in zip(period.days, period.days[1:]))


def test_a_time_zone_moves_the_bounds_and_a_dst_month_has_745_hours():
    period = parse_period("2026-10", "Europe/Berlin")
    assert (period.start, period.end) == (_utc(2026, 9, 30, 22), _utc(2026, 10, 31, 23))
    assert period.seconds == 745 * 3600
    assert period.days[24].end - period.days[24].start == 25 * 3600  # 25 October: clocks go back


@pytest.mark.parametrize("text", ["2026-13", "2026-W54", "2026-Q5", "Nov 2026", "2026-11-01", "", "1969-12"])
def test_a_bad_period_is_one_line_naming_the_forms(text):
    with pytest.raises(OptionError) as err:
        parse_period(text)
    assert "\n" not in str(err.value) and f"--period {text!r}" in str(err.value)


def test_a_period_not_ended_is_refused_with_its_end():
    with pytest.raises(OptionError, match=r"has not ended yet \(it ends 2027-01-01T00:00Z\)"):
        parse_period("2026-12", now=_utc(2026, 12, 31, 23, 59))
    assert parse_period("2026-12", now=_utc(2027, 1, 1)).name == "2026-12"


def test_a_bad_time_zone_is_refused():
    with pytest.raises(OptionError, match="--time-zone 'Mars/Olympus'"):
        parse_period("2026-11", "Mars/Olympus")


def _row(slo_id: str, team: str, objective: float, events: float, errors: float) -> SLORow:
    service, _, name = slo_id.partition("-")
    return SLORow(slo_id, service, name, team, objective, events, errors, 720, None, None)


def test_totals_are_traffic_weighted_and_judged_on_the_budgets_allowed():
    rows = [_row("a-x", "t", 99.9, 1_000_000, 2_000), _row("b-y", "t", 99, 100_000, 10)]
    (total,) = totals(rows, "team")
    # An average of the two SLIs would be 99.895%; summed events weigh the busy SLO.
    assert total.sli == pytest.approx(1 - 2_010 / 1_100_000)
    assert total.budget_spent == pytest.approx(2_010 / (1_000 + 1_000))
    assert [r.missed for r in rows] == [True, False]


def test_csv_and_json_keep_one_order_whatever_the_rows_order():
    rows = [_row("b-y", "t2", 99, 10, 1), _row("a-x", "t1", 99.9, 10, 0)]
    period = parse_period("2026-11")
    assert render_csv(rows, period, "team") == render_csv(rows[::-1], period, "team")
    assert render_json(rows, period, "service") == render_json(rows[::-1], period, "service")
    assert render_csv(rows, period, "team").splitlines()[1].split(",")[4] == "a-x"


def test_each_exclusion_carries_its_errors_and_budget_share_in_every_format():
    excluded = (ExcludedTime("database upgrade", "2026-11-04T10:00:00Z .. 2026-11-04T12:00:00Z", "absent", 7500, 250.0),
                ExcludedTime("deploys", "when maintenance_mode == 1", "good", 600, 0.0))
    row = SLORow("a-x", "a", "x", "t", 99.9, 1_000_000, 400, 720, None, None, exclusions=excluded)
    period = parse_period("2026-11")
    # 1,000,000 events at 99.9% allow 1,000 bad events: the upgrade left out a quarter of them.
    assert row.budget_share(excluded[0]) == pytest.approx(0.25)
    slo = json.loads(render_json([row], period, "service"))["slos"][0]
    assert slo["exclusions"] == [
        {"reason": "database upgrade", "when": "2026-11-04T10:00:00Z .. 2026-11-04T12:00:00Z", "events": "absent", "seconds": 7500,
         "errors": 250.0, "budget_share": 0.25},
        {"reason": "deploys", "when": "when maintenance_mode == 1", "events": "good", "seconds": 600, "errors": 0.0, "budget_share": 0.0},
    ]
    line = render_csv([row], period, "service").splitlines()[1]
    assert line.endswith("database upgrade 125m 250.000 bad events 25.000% of budget; deploys 10m 0.000 bad events 0.000% of budget")
    page = render_period_html([row], period, "service", "test")
    assert "<h2>Exclusions</h2>" in page and "2h 05m" in page and "25.0%" in page
    assert "<h2>Exclusions</h2>" not in render_period_html([_row("a-x", "t", 99.9, 10, 0)], period, "service", "test")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--period", "2026-11"], "--period needs --prometheus"),
        (["--by", "team"], "--by needs --period"),
        (["--format", "csv"], "--format needs --period"),
        (["-p", "http://127.0.0.1:9", "--period", "2026-11", "--by", "owner"], "--by: expected team or service, got 'owner'"),
        (["-p", "http://127.0.0.1:9", "--period", "2026-11", "--format", "pdf"], "--format: expected html, csv or json, got 'pdf'"),
        (["-p", "http://127.0.0.1:9", "--period", "2026-11", "--since", "7d"], "give one of them"),
        (["-p", "http://127.0.0.1:9", "--period", "November"], "--period 'November': expected a month (2026-11)"),
        (["-p", "http://127.0.0.1:9", "--period", "2999-01"], "the period has not ended yet"),
    ],
)
def test_cli_refuses_bad_period_options_in_one_line_with_exit_2(tmp_path, args, message):
    write_spec(tmp_path / "slo_specs", API_SPEC)
    result = run_slogen("report", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert not (tmp_path / "output").exists()


def test_team_is_the_spec_field_else_the_team_label_and_is_a_checked_name(tmp_path):
    from slogen_testing import compile_paths, diagnostics_of

    spec = "service: shop\n{}labels: {{team: core}}\nslos:\n  - name: a\n    objective: 99\n    sli: {{ratio: {{errors: 'x{{c=\"5\"}}', total: x}}}}\n"
    (field,), _ = compile_paths([write_spec(tmp_path / "a", spec.format("team: payments\n"))])
    (label,), _ = compile_paths([write_spec(tmp_path / "b", spec.format(""))])
    assert [p.team for p in field.plans] == ["payments"] and [p.team for p in label.plans] == ["core"]
    (line,) = diagnostics_of([write_spec(tmp_path / "c", spec.format("team: Pay Ments\n"))])
    assert line.startswith(f"{tmp_path / 'c' / 'spec.yaml'}:2:7: ") and "team" in line


def test_a_journeys_members_show_their_sli_and_share_of_its_errors():
    """web 1000 events 10 bad (1%), cart 100 events 5 bad (5%), payments weight 2, 10 events 2 bad (20%)."""
    import json

    from dataclasses import replace

    from slogen.emit.report.period_html import render_period_html
    from slogen.emit.report.period_model import member_shares

    rows = {r.slo_id: r for r in (_row("web-a", "t", 99.9, 1000, 10), _row("cart-a", "t", 99.9, 100, 5), _row("payments-a", "t", 99.9, 10, 2))}
    members = [("web-a", 1.0), ("cart-a", 1.0), ("payments-a", 2.0), ("gone-a", 1.0)]
    pooled = member_shares("events", members, rows)
    # Pooled bad events 10 + 5 + 2x2 = 19: web 10/19, cart 5/19, payments 4/19; a member without a row: none.
    assert [m.sli for m in pooled][:3] == pytest.approx([0.99, 0.95, 0.8]) and pooled[3].sli is None
    assert [m.share for m in pooled] == pytest.approx([10 / 19, 5 / 19, 4 / 19, 0.0])
    weighted = member_shares("weighted", members, rows)
    # Weighted ratios 0.01 + 0.05 + 2x0.2 = 0.46.
    assert [m.share for m in weighted] == pytest.approx([0.01 / 0.46, 0.05 / 0.46, 0.4 / 0.46, 0.0])
    assert [m.share for m in member_shares("worst", members, rows)] == [None] * 4
    journey = replace(_row("journeys-checkout", "t", 99.5, 1120, 19), members=pooled)
    period = parse_period("2026-11")
    data = json.loads(render_json([journey, *rows.values()], period, "team"))
    by_id = {slo["slo_id"]: slo for slo in data["slos"]}
    assert "members" not in by_id["web-a"]
    assert by_id["journeys-checkout"]["members"][2] == {"slo_id": "payments-a", "weight": 2.0, "sli": 0.8, "share_of_errors": round(4 / 19, 9)}
    page = render_period_html([journey, *rows.values()], period, "team", "http://prometheus")
    assert "<h2>Journeys&#x27; members</h2>" in page or "<h2>Journeys' members</h2>" in page
    assert "<td>journeys-checkout</td><td>payments-a</td><td>2</td><td>80.000%</td><td>21.1%</td>" in page
    plain = render_period_html(list(rows.values()), period, "team", "http://prometheus")
    assert "members" not in plain


def test_the_html_opening_never_says_every_slo_met_while_one_has_no_data():
    """A manager reads the opening only: an SLO with no data, or data for part of the period, is named there."""
    period = parse_period("2026-11")  # 720 hours
    met = _row("a-x", "t", 99.9, 1_000_000, 10)
    silent = SLORow("b-y", "b", "y", "t", 99.0, 0.0, 0.0, 0, None, None)
    partial = SLORow("c-z", "c", "z", "t", 99.0, 1000.0, 1.0, 48, None, None)
    head = render_period_html([met, silent, partial], period, "service", "test").split("<h2>By service</h2>")[0]
    assert "every SLO met" not in head
    assert "0 of 3 SLOs missed" in head
    assert "1 SLO had no events recorded in the period, so whether it met its objective is unknown: b-y." in head
    assert "1 SLO has data for part of the period only: c-z (48 of 720 hours)." in head
    whole = render_period_html([met], period, "service", "test").split("<h2>By service</h2>")[0]
    assert "1 of 1 SLO missed: every SLO met its objective." not in whole and "0 of 1 SLO missed: every SLO met its objective." in whole
    assert "no data" not in whole and "part of the period" not in whole
    by_team = render_period_html([met, silent], period, "service", "test").split("<h2>By service</h2>")[1].split("<h2>")[0]
    assert "<td>b</td><td>1</td><td>-</td><td>-</td><td>no data</td>" in by_team  # a silent service's total: not "met"
    # CSV and JSON say the same: unknown (empty, null), not "no".
    data = json.loads(render_json([met, silent], period, "service"))
    assert [(s["slo_id"], s["missed"]) for s in data["slos"]] == [("a-x", False), ("b-y", None)]
    assert [t["missed"] for t in data["totals"]] == [False, None]
    lines = render_csv([met, silent], period, "service").splitlines()[1:]
    assert [line.split(",")[7] for line in lines] == ["no", "", "no", ""]
