"""`slogen report --period` against a real Prometheus holding a backfilled month.

The test makes two months of synthetic hourly traffic for three SLOs, writes slogen's
recorded series from it (the hourly base-rate points every window and calendar period is
summed from, and the budget policy state a rolling 30d budget gives at each hour) as
OpenMetrics, turns them into TSDB blocks with the engine's own
`promtool tsdb create-blocks-from openmetrics`, and serves them from a real Prometheus on
127.0.0.1.  Then it counts the last full month by hand from the same traffic and checks
every number of the JSON, CSV and HTML reports against that count: an SLO that misses, two
that meet, policy state changes, worst days, team totals, and a postmortem naming an SLO.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_server import prometheus_server
from slogen_testing import run_slogen

from slogen.emit.report.period_model import parse_period

HOUR = 3600
SHOP = """
service: shop
team: payments
slos:
  - name: availability
    objective: 99.9
    sli: {ratio: {errors: 'shop_requests_total{code=~"5.."}', total: shop_requests_total}}
  - name: checkout
    objective: 99
    sli: {ratio: {errors: 'shop_checkout_total{code=~"5.."}', total: shop_checkout_total}}
"""
LEDGER = """
service: ledger
labels: {team: core}
slos:
  - name: ingest
    objective: 99.5
    sli: {ratio: {errors: 'ledger_ingest_total{result="fail"}', total: ledger_ingest_total}}
"""
BUDGET = {"shop-availability": 0.001, "shop-checkout": 0.01, "ledger-ingest": 0.005}
TEAM = {"shop-availability": "payments", "shop-checkout": "payments", "ledger-ingest": "core"}
STATES = ("normal", "postpone-risky", "freeze", "feature-freeze")  # slogen's default policy
INCIDENT_DAY, CHECKOUT_DAY = 12, 20  # days of the reported month


def _last_month(now: float) -> str:
    today = datetime.fromtimestamp(now, timezone.utc).date()
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


class Traffic:
    """Hourly events and bad events per SLO, from `begin` (a UTC midnight) for `hours` hours."""

    def __init__(self, begin: int, hours: int, month_start: int):
        self.begin, self.hours = begin, hours
        self.events: dict[str, list[float]] = {}
        self.errors: dict[str, list[float]] = {}
        for slo in BUDGET:
            self.events[slo], self.errors[slo] = [], []
            for h in range(hours):
                start = begin + h * HOUR
                rate = 20 + h % 24  # busier late in the day: a quiet hour weighs less
                day = (start - month_start) // 86400 + 1  # day of the reported month (out of range outside it)
                hour_of_day = (start % 86400) // HOUR
                if slo == "shop-availability":
                    ratio = 0.1 if day == INCIDENT_DAY and 10 <= hour_of_day < 16 else 0.0003
                elif slo == "shop-checkout":
                    ratio = 0.05 if day == CHECKOUT_DAY and hour_of_day < 3 else 0.002 + 0.00001 * ((start // 86400) % 37)
                else:  # a different ratio every day: one worst day, no tie
                    ratio = 0.0005 + 0.00001 * ((start // 86400) % 37)
                self.events[slo].append(rate * HOUR)
                self.errors[slo].append(rate * ratio * HOUR)

    def point(self, h: int) -> int:
        """The time of hour h's point: the hour's end, when the hourly group records it."""
        return self.begin + (h + 1) * HOUR

    def within(self, start: int, end: int) -> range:
        """The hours whose points fall in (start, end]."""
        return range(max(0, (start - self.begin) // HOUR), min(self.hours, (end - self.begin) // HOUR))

    def level(self, slo: str, h: int) -> int:
        """The policy level after hour h's point: slogen's rolling 30d budget with its short-history coverage."""
        window = range(max(0, h - 719), h + 1)
        events = sum(self.events[slo][i] for i in window)
        errors = sum(self.errors[slo][i] for i in window)
        remaining = 1 - errors / events / BUDGET[slo] * min(1, len(window) / 720)
        return (remaining <= 0.5) + (remaining <= 0.1) + (remaining <= 0)


def _openmetrics(traffic: Traffic) -> str:
    lines = []
    for metric, counts in (("slo:sli_events:rate1h", traffic.events), ("slo:sli_errors:rate1h", traffic.errors)):
        lines.append(f"# TYPE {metric} gauge")
        for slo, values in counts.items():
            service, _, name = slo.partition("-")
            labels = f'slo_id="{slo}",slo_name="{name}",slo_service="{service}",slo_window="1h"'
            lines += [f"{metric}{{{labels}}} {v / HOUR!r} {traffic.point(h)}" for h, v in enumerate(values)]
    lines.append("# TYPE slo:budget_policy:state gauge")
    for slo in BUDGET:
        service, _, name = slo.partition("-")
        levels = [traffic.level(slo, h) for h in range(traffic.hours)]
        for n, action in enumerate(STATES):
            labels = f'slo_action="{action}",slo_id="{slo}",slo_name="{name}",slo_service="{service}"'
            # Every 15 minutes, as the 3m group would: the state changes when an hourly point lands.
            for h in range(traffic.hours):
                for quarter in (1, 2, 3, 4):
                    known = levels[h] if quarter == 4 else (levels[h - 1] if h else 0)
                    lines.append(f"{{{labels}}} {int(known == n)} {traffic.point(h) - HOUR + quarter * 900}".join(["slo:budget_policy:state", ""]))
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _postmortem(directory: Path, day: date, slo: str, title: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / f"{day.isoformat()}-{title.lower().replace(' ', '-')}.md").write_text(
        f'---\ntitle: "{title}"\ndate: {day.isoformat()}\nseverity: SEV2\nslo: {slo}\nbudget_consumed: "80%"\n---\n\n# {title}\n'
    )


def _hand_count(traffic: Traffic, period) -> dict[str, dict]:
    """Every number of each SLO's row, counted from the traffic."""
    out = {}
    hours = traffic.within(period.start, period.end)
    for slo in BUDGET:
        events = sum(traffic.events[slo][h] for h in hours)
        errors = sum(traffic.errors[slo][h] for h in hours)
        daily = []
        for day in period.days:
            span = traffic.within(day.start, day.end)
            daily.append((sum(traffic.errors[slo][h] for h in span) / sum(traffic.events[slo][h] for h in span), day.date))
        worst_ratio, worst = max(daily, key=lambda d: (d[0], -d[1].toordinal()))
        spells: dict[str, dict] = {}
        for h in hours:
            action = STATES[traffic.level(slo, h)]
            spell = spells.setdefault(action, {"action": action, "first_hour_end": traffic.point(h), "hours": 0})
            spell["hours"] += 1
        out[slo] = {
            "events": events, "errors": errors, "sli": 1 - errors / events, "budget_spent": errors / events / BUDGET[slo],
            "worst_day": worst.isoformat(), "worst_day_sli": 1 - worst_ratio, "hours_with_data": len(hours),
            "policy_states": sorted(spells.values(), key=lambda s: (s["first_hour_end"], STATES.index(s["action"]))),
        }
    return out


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, engine):
    """(Prometheus URL, project dir, period name, traffic), the blocks made by the engine's own promtool."""
    root = tmp_path_factory.mktemp("period")
    name = _last_month(time.time())
    period = parse_period(name)
    begin = period.start - 32 * 86400  # a full 30d window before the month, so its budget starts honest
    traffic = Traffic(begin, (period.end + 86400 - begin) // HOUR, period.start)
    (root / "slo_specs").mkdir()
    (root / "slo_specs" / "shop.yaml").write_text(SHOP)
    (root / "slo_specs" / "ledger.yaml").write_text(LEDGER)
    incident = period.days[INCIDENT_DAY - 1].date
    _postmortem(root / "postmortems", incident, "shop/availability", "Shop 5xx after deploy")
    _postmortem(root / "postmortems", period.days[0].date - timedelta(days=3), "shop/availability", "Older incident")
    (root / "data.om").write_text(_openmetrics(traffic))
    blocks = root / "tsdb"
    made = subprocess.run(
        [engine.promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=240h", str(root / "data.om"), str(blocks)],
        capture_output=True, text=True, timeout=300,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    config = "global: {scrape_interval: 1m}\n"
    with prometheus_server(root / "prom", config, "--storage.tsdb.retention.time=20y", data=blocks, engine=engine) as url:
        yield url, root, name, traffic


def _report(url: str, root: Path, name: str, *args: str) -> str:
    result = run_slogen("report", "--prometheus", url, "--period", name, *args, cwd=root)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _incident_week(month: str) -> str:
    year, week, _ = parse_period(month).days[INCIDENT_DAY - 1].date.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.mark.parametrize(
    "which, zone, by",
    [("month", "UTC", "team"), ("week", "Asia/Kolkata", "service")],  # Kolkata: days start at 18:30 UTC
)
def test_every_number_of_the_json_report_matches_a_hand_count(backfilled, which, zone, by):
    url, root, month, traffic = backfilled
    name = month if which == "month" else _incident_week(month)
    period = parse_period(name, zone)
    report = json.loads(_report(url, root, name, "--format", "json", "--by", by, "--time-zone", zone))
    expected = _hand_count(traffic, period)
    assert report["period"] == {"name": name, "time_zone": zone, "start": period.start, "end": period.end, "hours": len(period.days) * 24}
    order = ["ledger-ingest", "shop-availability", "shop-checkout"]  # by team or service, then id: the same order here
    assert [row["slo_id"] for row in report["slos"]] == order
    for row in report["slos"]:
        want = expected[row["slo_id"]]
        assert row["team"] == TEAM[row["slo_id"]]
        for key in ("events", "errors", "sli", "budget_spent", "worst_day_sli"):
            assert row[key] == pytest.approx(want[key], rel=1e-8), (row["slo_id"], key)
        assert (row["worst_day"], row["hours_with_data"], row["policy_states"]) == (want["worst_day"], want["hours_with_data"], want["policy_states"])
        assert row["missed"] == (want["budget_spent"] > 1)
    rows = {row["slo_id"]: row for row in report["slos"]}
    # The cases the report is for: one miss, two met, a worst day each, a state change, a postmortem.
    assert [slo for slo, row in rows.items() if row["missed"]] == ["shop-availability"]
    days = parse_period(month).days
    assert rows["shop-availability"]["worst_day"] == days[INCIDENT_DAY - 1].date.isoformat()
    if which == "month":
        assert rows["shop-checkout"]["worst_day"] == days[CHECKOUT_DAY - 1].date.isoformat()
    assert [s["action"] for s in rows["shop-availability"]["policy_states"]][0] == "normal"
    assert len(rows["shop-availability"]["policy_states"]) >= 3
    assert [p["title"] for p in rows["shop-availability"]["postmortems"]] == ["Shop 5xx after deploy"]
    assert rows["shop-checkout"]["postmortems"] == [] and rows["ledger-ingest"]["postmortems"] == []
    # Totals: summed bad events over summed events, and over the summed bad events allowed.
    for total in report["totals"]:
        slos = [slo for slo in BUDGET if (TEAM[slo] if by == "team" else slo.partition("-")[0]) == total[by]]
        events = sum(expected[s]["events"] for s in slos)
        errors = sum(expected[s]["errors"] for s in slos)
        allowed = sum(expected[s]["events"] * BUDGET[s] for s in slos)
        assert total["sli"] == pytest.approx(1 - errors / events, rel=1e-8)
        assert total["budget_spent"] == pytest.approx(errors / allowed, rel=1e-8)
        assert total["missed"] == (errors > allowed) and total["slos"] == len(slos)
    assert [t[by] for t in report["totals"]] == (["core", "payments"] if by == "team" else ["ledger", "shop"])


def test_csv_carries_the_json_numbers_and_html_opens_with_the_misses(backfilled):
    url, root, name, traffic = backfilled
    report = json.loads(_report(url, root, name, "--format", "json"))
    table = list(csv.DictReader(io.StringIO(_report(url, root, name, "--format", "csv"))))
    slos = [r for r in table if r["slo_id"] != "*"]
    assert [r["slo_id"] for r in slos] == [row["slo_id"] for row in report["slos"]]  # by service: ledger, shop
    for line, row in zip(slos, report["slos"]):
        assert float(line["sli_percent"]) == pytest.approx(row["sli"] * 100, abs=1e-6)
        assert float(line["budget_spent_percent"]) == pytest.approx(row["budget_spent"] * 100, abs=1e-3)
        assert (line["worst_day"], line["missed"]) == (row["worst_day"], "yes" if row["missed"] else "no")
        assert (float(line["events"]), float(line["errors"])) == pytest.approx((row["events"], row["errors"]), abs=1e-3)
        states = [
            f"{s['action']} {s['hours']}h" if s["first_hour_end"] <= report["period"]["start"] + HOUR
            else f"{s['action']} from {datetime.fromtimestamp(s['first_hour_end'], timezone.utc):%Y-%m-%d %H:%M} {s['hours']}h"
            for s in row["policy_states"]
        ]
        assert line["policy_states"] == "; ".join(states)
        assert line["postmortems"] == " ".join(p["file"] for p in row["postmortems"])
    assert [r["service"] for r in table if r["slo_id"] == "*"] == ["ledger", "shop"]
    # The same numbers on every run: read `@` the period's end.
    assert _report(url, root, name, "--format", "json") == json.dumps(report, indent=2) + "\n"
    # Written beside the generated output, the page leaves it up to date (as live.html does).
    assert run_slogen("generate", cwd=root).returncode == 0
    _report(url, root, name, "--out", "output")
    assert run_slogen("check", cwd=root).returncode == 0
    page = (root / "output" / "report" / f"period-{name}.html").read_text()
    head = page.split("<h2>By service</h2>")[0]
    assert "1 of 3 SLOs missed their objective" in head and "shop-availability" in head
    assert "shop-checkout" not in head and "ledger-ingest" not in head
    # By how much, against the hand count: points below the objective and the budget spent.
    missed = _hand_count(traffic, parse_period(name))["shop-availability"]
    assert f"<td>{99.9 - missed['sli'] * 100:.3f} pp</td><td>{missed['budget_spent'] * 100:.1f}%</td>" in head
    assert "no events" not in head and "part of the period" not in head  # every SLO holds the whole month


def test_a_period_prometheus_does_not_hold_exits_3_with_one_line(backfilled):
    url, root, _, _ = backfilled
    result = run_slogen("report", "--prometheus", url, "--period", "2001-05", "--format", "json", cwd=root)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "holds no recorded SLO data for 2001-05" in result.stderr


def test_every_query_reads_the_same_whenever_it_is_asked(backfilled):
    """Pinned `@` the period's end: asked now, or 5 hours after the end (points of the next
    day already held), each answer is the same; an unpinned range would read other hours."""
    from slogen.live.period_report import queries
    from slogen.live.prometheus_api import Prometheus

    url, _, name, traffic = backfilled
    period = parse_period(name)
    later = period.end + 5 * HOUR
    assert traffic.point(traffic.hours - 1) > later  # the backfill holds points after the end
    with Prometheus(url) as client:
        for key, expr in queries(period).items():
            now = sorted((tuple(sorted(s.labels.items())), s.value) for s in client.query(expr))
            then = sorted((tuple(sorted(s.labels.items())), s.value) for s in client.query(expr, later))
            assert now and now == then, key
        # The check can fail: the month's events read without `@`, at those two times, differ.
        unpinned = queries(period)["events"].replace(f" @ {period.end}", "")
        assert unpinned != queries(period)["events"]
        assert sorted(s.value for s in client.query(unpinned)) != sorted(s.value for s in client.query(unpinned, later))
