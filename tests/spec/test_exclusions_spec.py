"""Exclusions in the spec: the README's example as written, located errors, and the
recurring windows' PromQL mirror against zoneinfo."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from slogen.plan.exclusions import recurring_expr
from slogen.plan.slo import plan_service
from slogen.spec.exclusions import Every
from slogen.spec.model import ServiceSpec
from slogen_testing import compile_files, diagnostics_of, write_spec
from spec_literals import EXCLUSIONS_EXAMPLE as README_EXAMPLE



def test_the_readme_example_compiles_as_written(tmp_path):
    files = compile_files([write_spec(tmp_path, README_EXAMPLE)])
    rules = files["rules/checkout.yml"]
    assert "slo:exclusion:state" in rules and 'maintenance_mode{service="checkout"} == 1' in rules
    # The 1h page window is read from the counters only while no exclusion touched the last hour.
    alerts = rules.split("slogen-checkout-alerts")[1]
    assert 'unless on () (max_over_time(slo:exclusion:state{slo_id="checkout-availability"}[1h]) > 0)' in alerts
    # The gated side, which PromQL reads at every evaluation, every 5m rate at 5m steps.
    assert 'sum(sum_over_time(slo:sli_errors:rate5m{slo_id="checkout-availability"}[1h:5m]))' in alerts


def test_an_slo_without_exclusions_gets_no_gate(tmp_path):
    without = README_EXAMPLE.split("exclusions:")[0] + "slos:" + README_EXAMPLE.split("slos:")[1]
    files = compile_files([write_spec(tmp_path, without)])
    assert "exclusion" not in files["rules/checkout.yml"]


@pytest.mark.parametrize(
    "entry, where, message",
    [
        ("{reason: x}", "3:5", "an exclusion needs exactly one of from/to, every or when"),
        ("{reason: x, from: 2026-12-12T02:00:00Z}", "3:5", "a one-off exclusion needs both `from` and `to`"),
        ("{reason: x, from: 2026-12-12T04:00:00Z, to: 2026-12-12T02:00:00Z}", "3:5", "`to` must be after `from`"),
        ('{reason: x, from: "2026-12-12 02:00", to: "2026-12-12 04:00"}', "3:5", "from/to need an offset (Z for UTC) or a `time_zone`"),
        ('{reason: x, from: "someday", to: 2026-12-12T04:00:00Z}', "3:23", "is not a date and time"),
        ("{reason: x, when: 'up ==', every: {weekday: sunday, at: '02:00', for: 1h}}", "3:23", "invalid PromQL"),
        ("{reason: x, every: {weekday: sunday, at: '25:00', for: 1h}}", "3:46", "must be a local time HH:MM"),
        ("{reason: x, every: {weekday: sunday, at: '02:00', for: 1h, time_zone: Mars/Base}}", "3:75", "unknown time zone"),
        ("{reason: x, every: {day: 3, at: '02:00', for: 2d}}", "3:24", "a monthly window must be shorter than a day"),
        ("{reason: x, every: {weekday: funday, at: '02:00', for: 1h}}", "3:34", "funday"),
        ("{reason: x, when: 'up == 0', count_as: bad}", "3:44", "expected absent or good"),
        ("{reason: x, every: {day: 3, at: '02:00', for: 23h}, tail: 2h}", "3:63", "together must be shorter than 1d"),
        ("{when: 'up == 0'}", "3:5", "reason"),
    ],
)
def test_bad_entries_are_located(tmp_path, entry, where, message):
    text = f"service: api\nexclusions:\n  - {entry}\nslos:\n  - {{name: a, objective: 99, sli: {{ratio: {{errors: e, total: t}}}}}}\n"
    got = diagnostics_of([write_spec(tmp_path, text)])
    assert len(got) == 1, got
    assert got[0].startswith(f"{tmp_path}/spec.yaml:{where}: ") and message in got[0], got


def test_slo_level_entries_are_located_in_the_slo(tmp_path):
    text = "service: api\nslos:\n  - name: a\n    objective: 99\n    sli: {ratio: {errors: e, total: t}}\n    exclusions:\n      - {reason: x}\n"
    got = diagnostics_of([write_spec(tmp_path, text)])
    assert len(got) == 1 and got[0].startswith(f"{tmp_path}/spec.yaml:7:9: slos[0].exclusions[0]"), got


def test_local_one_off_reads_its_time_zone():
    spec = yaml.safe_load(README_EXAMPLE)
    spec["exclusions"] = [{"reason": "x", "from": "2026-07-01 02:00", "to": "2026-07-01 03:00", "time_zone": "Europe/Berlin"}]
    plan = plan_service(ServiceSpec.model_validate(spec))[0][0]
    start = int(datetime(2026, 7, 1, 0, 0, tzinfo=timezone.utc).timestamp())  # 02:00 CEST
    assert [plan.exclusion.at(start + s) for s in (-60, 0, 3600 + 299, 3600 + 300)] == [0, 2, 2, 0]


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _in_window(every: Every, t: int, length: int) -> bool:
    """On the local wall clock from zoneinfo: is t within `length` of an occurrence's start?"""
    local = datetime.fromtimestamp(t, ZoneInfo(every.time_zone)).replace(tzinfo=None)
    for back in range(0, 8):
        day = (local - timedelta(days=back)).replace(hour=0, minute=0, second=0)
        start = day + timedelta(seconds=every.start_second)
        if not start <= local < start + timedelta(seconds=length):
            continue
        if every.day is not None:
            ok = day.day == every.day
        elif every.nth is None:
            ok = day.weekday() == WEEKDAY_NAMES.index(every.weekday)
        else:
            nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            last = day.day > ((nxt - timedelta(days=1)).day - 7)
            nth = last if every.nth == "last" else (day.day - 1) // 7 == ["first", "second", "third", "fourth"].index(every.nth)
            ok = day.weekday() == WEEKDAY_NAMES.index(every.weekday) and nth
        if ok:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    kind=st.sampled_from(["weekly", "day", "nth"]),
    weekday=st.sampled_from(WEEKDAY_NAMES),
    nth=st.sampled_from(["first", "second", "third", "fourth", "last"]),
    day=st.integers(1, 28),
    minute=st.integers(0, 24 * 60 - 1).map(lambda m: m - m % 15),
    hours=st.integers(1, 20),
    t=st.integers(int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()), int(datetime(2040, 1, 1, tzinfo=timezone.utc).timestamp())),
)
def test_recurring_mirror_agrees_with_zoneinfo(zone, kind, weekday, nth, day, minute, hours, t):
    fields = {"at": f"{minute // 60:02d}:{minute % 60:02d}", "for": f"{hours}h", "time_zone": zone}
    fields.update({"weekly": {"weekday": weekday}, "day": {"day": day}, "nth": {"weekday": weekday, "nth": nth}}[kind])
    every = Every.model_validate(fields)
    expr = recurring_expr(every, 300)
    # Away from the hour of a DST change, where wall-clock arithmetic is ambiguous by nature.
    tz = ZoneInfo(zone)
    if any(datetime.fromtimestamp(t + d, tz).utcoffset() != datetime.fromtimestamp(t, tz).utcoffset() for d in (-2 * 86400, 2 * 86400)):
        return
    assert bool(expr(t)) == _in_window(every, t, every.seconds + 300)


def test_dashboards_draw_exclusions_as_annotations(tmp_path):
    import json

    board = json.loads(compile_files([write_spec(tmp_path / "a", README_EXAMPLE)])["dashboards/checkout.json"])
    (note,) = board["annotations"]["list"]
    assert note["target"]["expr"] == 'slo:exclusion:state{slo_id="checkout-availability"} > 0'
    assert "database upgrade (2026-12-12T02:00:00Z .. 2026-12-12T04:00:00Z)" in note["textFormat"]
    without = README_EXAMPLE.split("exclusions:")[0] + "slos:" + README_EXAMPLE.split("slos:")[1]
    assert json.loads(compile_files([write_spec(tmp_path / "b", without)])["dashboards/checkout.json"])["annotations"] == {"list": []}


def test_the_report_lists_each_exclusion(tmp_path):
    page = compile_files([write_spec(tmp_path, README_EXAMPLE)])["report/index.html"]
    assert "<tr><td>weekly maintenance</td><td>every sunday 02:00 for 2h (Europe/Berlin)</td><td>left out</td><td>5m</td></tr>" in page
    assert "<td>when maintenance_mode{service=&quot;checkout&quot;} == 1</td>" in page
