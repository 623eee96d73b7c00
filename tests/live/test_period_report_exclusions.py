"""`slogen report --period` lists each exclusion that held time in the period, with the bad
events and the budget it left out, read from a real Prometheus (2.42 and 3).

A week of raw counters (one sample a minute) for one SLO with four exclusions: a one-off
inside the week, a weekly window whose Sunday falls in it, a maintenance gauge, and a
one-off a month before (not listed). Errors burst exactly inside each window; the
recorded hourly series the report's other numbers read are written beside them. The
engine's own promtool turns the OpenMetrics into blocks. The figures are counted by hand:
the gate multiplies each 5m rate by the state at its end, so a window [S, E) with its 5m
tail leaves out the 5m rates ending at S .. E, the bad events of (S - 5m, E].
"""

from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest
from prometheus_server import prometheus_server
from slogen_testing import run_slogen

from slogen.emit.report.period_model import parse_period

WEEK = "2026-W45"  # Monday 2026-11-02 .. Sunday 2026-11-08, UTC
PERIOD = parse_period(WEEK)
HOUR, MINUTE = 3600, 60
ONE_OFF = (PERIOD.start + 2 * 86400 + 10 * HOUR, PERIOD.start + 2 * 86400 + 12 * HOUR)  # Wednesday 10:00-12:00
SUNDAY = (PERIOD.start + 6 * 86400 + 2 * HOUR, PERIOD.start + 6 * 86400 + 3 * HOUR)  # every sunday 02:00 for 1h
GAUGE = (PERIOD.start + 3 * 86400 + 15 * HOUR, PERIOD.start + 3 * 86400 + 15 * HOUR + 30 * MINUTE)  # Thursday 15:00-15:30
TOTAL, BACKGROUND = 10.0, 0.01  # requests and errors per second outside the bursts
BURST = {ONE_OFF: 1.0, SUNDAY: 2.0, GAUGE: 0.5}  # extra errors per second inside each window

SPEC = """
service: shop
slos:
  - name: availability
    objective: 99
    sli: {ratio: {errors: 'shop_requests_total{code="500"}', total: shop_requests_total}}
    exclusions:
      - reason: database upgrade
        from: 2026-11-04T10:00:00Z
        to: 2026-11-04T12:00:00Z
      - reason: weekly maintenance
        every: {weekday: sunday, at: "02:00", for: 1h, time_zone: UTC}
      - reason: deploys
        when: shop_maintenance == 1
      - reason: last month's outage
        from: 2026-10-01T00:00:00Z
        to: 2026-10-01T01:00:00Z
"""


def _error_rate(t: int) -> float:
    """Errors per second during the second before t."""
    return BACKGROUND + sum(extra for (start, end), extra in BURST.items() if start < t <= end)


def _openmetrics() -> str:
    begin, end = PERIOD.start - HOUR, PERIOD.end + HOUR
    errors = total = 0.0
    lines = ["# TYPE shop_requests counter"]
    counters, gauge = [], []
    for t in range(begin, end + 1, MINUTE):
        counters.append((t, total, errors))
        gauge.append((t, 1 if GAUGE[0] <= t < GAUGE[1] else 0))
        errors += _error_rate(t + MINUTE) * MINUTE
        total += TOTAL * MINUTE
    lines += [f'shop_requests_total{{code="200"}} {t_total - t_errors!r} {t}' for t, t_total, t_errors in counters]
    lines += [f'shop_requests_total{{code="500"}} {t_errors!r} {t}' for t, _, t_errors in counters]
    lines.append("# TYPE shop_maintenance gauge")
    lines += [f"shop_maintenance {value} {t}" for t, value in gauge]
    labels = 'slo_id="shop-availability",slo_name="availability",slo_service="shop",slo_window="1h"'
    for metric, value in (("slo:sli_events:rate1h", TOTAL), ("slo:sli_errors:rate1h", BACKGROUND)):
        lines.append(f"# TYPE {metric} gauge")
        lines += [f"{metric}{{{labels}}} {value!r} {t}" for t in range(PERIOD.start + HOUR, PERIOD.end + 1, HOUR)]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _left_out(start: int, end: int) -> float:
    """The bad events of (start - 5m, end]: the 5m rates ending at start .. end, the tail's last."""
    return sum(_error_rate(t) for t in range(start - 300 + 1, end + 1))


@pytest.fixture(scope="module")
def served(tmp_path_factory, engine):
    """(Prometheus URL, project dir) with the week's blocks made by the engine's own promtool."""
    root = tmp_path_factory.mktemp("excluded")
    (root / "slo_specs").mkdir()
    (root / "slo_specs" / "shop.yaml").write_text(SPEC)
    (root / "data.om").write_text(_openmetrics())
    made = subprocess.run(
        [engine.promtool, "tsdb", "create-blocks-from", "openmetrics", str(root / "data.om"), str(root / "tsdb")],
        capture_output=True, text=True, timeout=300,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    with prometheus_server(root / "prom", "global: {scrape_interval: 1m}\n", "--storage.tsdb.retention.time=20y", data=root / "tsdb", engine=engine) as url:
        yield url, root


def _report(url, root, *args: str) -> str:
    result = run_slogen("report", "--prometheus", url, "--period", WEEK, *args, cwd=root)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_each_exclusion_in_the_week_lists_the_errors_and_budget_it_left_out(served):
    url, root = served
    [row] = json.loads(_report(url, root, "--format", "json"))["slos"]
    events = TOTAL * PERIOD.seconds
    assert row["events"] == pytest.approx(events)
    # The gauge is read like the gate reads it: on from its first sample at 1 until the
    # 5m tail after its last (15:29), so the 5m rates ending at 15:00 .. 15:30 are left out.
    expected = [
        ("database upgrade", "2026-11-04T10:00:00Z .. 2026-11-04T12:00:00Z", 7200 + 300, _left_out(*ONE_OFF)),
        ("weekly maintenance", "every sunday 02:00 for 1h (UTC)", 3600 + 300, _left_out(*SUNDAY)),
        ("deploys", "when shop_maintenance == 1", 1800 + 300, _left_out(*GAUGE)),
    ]
    assert [(e["reason"], e["when"], e["events"]) for e in row["exclusions"]] == [(r, w, "absent") for r, w, _, _ in expected]
    for got, (reason, _, seconds, errors) in zip(row["exclusions"], expected):
        assert got["seconds"] == seconds, reason
        assert got["errors"] == pytest.approx(errors, rel=1e-6), reason
        assert got["budget_share"] == pytest.approx(errors / (0.01 * events), rel=1e-6), reason
    # The bursts' own bad events are all inside: 7200 s at 1/s, 3600 at 2/s, 1800 at 0.5/s.
    assert [round(e["errors"] - BACKGROUND * e["seconds"]) for e in row["exclusions"]] == [7200, 7200, 900]


def test_csv_and_html_carry_the_exclusions(served):
    url, root = served
    [line] = [r for r in csv.DictReader(io.StringIO(_report(url, root, "--format", "csv"))) if r["slo_id"] != "*"]
    first = line["exclusions"].split("; ")[0]
    assert first.startswith("database upgrade 125m ") and first.endswith("% of budget") and len(line["exclusions"].split("; ")) == 3
    assert run_slogen("generate", cwd=root).returncode == 0
    _report(url, root, "--out", "output")
    page = (root / "output" / "report" / f"period-{WEEK}.html").read_text()
    section = page.split("<h2>Exclusions</h2>")[1].split("</table>")[0]
    assert "database upgrade" in section and "weekly maintenance" in section and "deploys" in section
    assert "last month" not in section
