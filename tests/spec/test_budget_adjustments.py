"""Issue 28, item 5: Nobl9 and OpenSLO v2alpha `BudgetAdjustment`s become exclusions of the
SLOs they name (joined among the run's specs), or located refusals for what does not map.

The example files are real-shaped (tests/spec/data/budget_adjustments/SOURCES.md)."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slogen.plan.exclusions import recurring_expr
from slogen.spec.exclusions import Every
from slogen.spec.formats.rrule import RuleError, parse_rrule
from slogen.spec.load import load_specs
from slogen_testing import compile_files, diagnostics_of, examples, warnings_of, write_spec

DATA = Path(__file__).parent / "data" / "budget_adjustments"


def _exclusions(paths: list[Path]) -> dict[tuple[str, str], list[dict]]:
    loaded, problems = load_specs(paths)
    assert not problems, "\n".join(map(str, problems))
    return {(item.spec.service, slo.name): [_entry(e) for e in slo.exclusions] for item in loaded for slo in item.spec.slos}


def _entry(exclusion) -> dict:
    """An exclusion as written, without the defaults every import keeps (events absent, tail 5m)."""
    data = exclusion.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert (data.pop("count_as"), data.pop("tail")) == ("absent", "5m")
    return data


NOBL9_SLO = """
version: 1
service: {service}
slos:
  - name: {name}
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{{job="{service}", code=~"5.."}}
        total: http_requests_total{{job="{service}"}}
"""


def _adjustment(rrule: str | None = None, slos: str = "- {name: api, project: default}", extra: str = "", duration: str = "1h") -> str:
    rule = f"\n  rrule: {rrule}" if rrule else ""
    return f"""
apiVersion: n9/v1alpha
kind: BudgetAdjustment
metadata:
  name: maintenance
spec:
  description: weekly maintenance
  firstEventStart: 2024-02-04T02:00:00Z
  duration: {duration}{rule}
  filters:
    slos:
      {slos}{extra}
"""


def test_nobl9_monthly_example_joins_by_name_and_by_project_as_service():
    # `default` is no slogen service: the SLO name alone finds the api-server SLOs;
    # `proxy` is one, and holds proxy-throughput.
    found = _exclusions([DATA / "nobl9-slos.yaml", DATA / "nobl9-monthly-three-slos.yaml"])
    entry = {
        "reason": "Adjustment for deployment happening monthly on the first Tuesday of each month for 1 hour",
        "every": {"nth": "first", "weekday": "tuesday", "at": "12:00", "for": "1h", "time_zone": "UTC"},
    }
    assert found == {(s, n): [entry] for s, n in [("api-server", "api-server-latency"), ("api-server", "api-server-uptime"), ("proxy", "proxy-throughput")]}


def test_nobl9_single_event_is_a_one_off(tmp_path):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="my-slo"))
    found = _exclusions([slos, DATA / "nobl9-single-event.yaml"])
    assert found[("web", "my-slo")] == [{"reason": "Single budget adjustment event", "from": "2022-01-01T00:00:00Z", "to": "2022-01-01T01:00:00Z"}]


def test_a_recurring_adjustment_warns_it_has_no_first_date(tmp_path):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, _adjustment("FREQ=WEEKLY"), "adjustment.yaml")
    assert [str(w) for w in warnings_of([slos, adjustment])] == [
        f"{adjustment}:7:20: spec.firstEventStart: a recurring `every:` has no first date: "
        "slogen leaves out every occurrence once the rules run, before firstEventStart too"
    ]


@pytest.mark.parametrize("rrule, every", [
    # 2024-02-04 is a Sunday: the first event's weekday, time and day of the month.
    ("FREQ=WEEKLY;INTERVAL=1", [{"weekday": "sunday"}]),
    ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;WKST=MO", [{"weekday": "monday"}, {"weekday": "wednesday"}, {"weekday": "friday"}]),
    ("FREQ=DAILY;BYDAY=SA,SU", [{"weekday": "saturday"}, {"weekday": "sunday"}]),
    ("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=22;BYMINUTE=30", [{"nth": "last", "weekday": "friday", "at": "22:30"}]),
    ("FREQ=MONTHLY;BYMONTHDAY=1,15", [{"day": 1}, {"day": 15}]),
    ("FREQ=MONTHLY", [{"day": 4}]),
])
def test_rrules_map_to_every(tmp_path, rrule, every):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, _adjustment(rrule), "adjustment.yaml")
    found = _exclusions([slos, adjustment])[("web", "api")]
    assert found == [{"reason": "weekly maintenance", "every": {"at": "02:00", "for": "1h", "time_zone": "UTC", **e}} for e in every]


def test_daily_is_seven_weekly_windows(tmp_path):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, _adjustment("FREQ=DAILY", duration="30m"), "adjustment.yaml")
    days = [e["every"]["weekday"] for e in _exclusions([slos, adjustment])[("web", "api")]]
    assert days == ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def test_count_one_is_the_first_event_alone(tmp_path):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, _adjustment("FREQ=WEEKLY;COUNT=1"), "adjustment.yaml")
    assert _exclusions([slos, adjustment])[("web", "api")] == [{"reason": "weekly maintenance", "from": "2024-02-04T02:00:00Z", "to": "2024-02-04T03:00:00Z"}]


RRULE_AT = "9:10"  # where `rrule:` is written in _adjustment's document


@pytest.mark.parametrize("rrule, message", [
    ("FREQ=WEEKLY;INTERVAL=2", "INTERVAL=2 has no `every:` form: slogen repeats every week or every month"),
    ("FREQ=WEEKLY;COUNT=4", "slogen's recurring `every:` has no end: drop COUNT=4 (or write the occurrences as one-off exclusions)"),
    ("FREQ=DAILY;UNTIL=20251016T000000Z", "slogen's recurring `every:` has no end: drop UNTIL=20251016T000000Z (or write the occurrences as one-off exclusions)"),
    ("FREQ=YEARLY", "FREQ=YEARLY has no `every:` form: slogen's recurring windows are weekly or monthly (DAILY as seven weekly ones)"),
    ("FREQ=HOURLY;INTERVAL=2", "FREQ=HOURLY has no `every:` form: slogen's recurring windows are weekly or monthly (DAILY as seven weekly ones)"),
    ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", "BYSETPOS=2 has no `every:` form: slogen's recurring windows are weekly or monthly"),
    ("FREQ=MONTHLY;BYDAY=5TU", "BYDAY=5TU: 5TU has no `every:` form: `nth` is first, second, third, fourth (1-4) or last (-1)"),
    ("FREQ=MONTHLY;BYMONTHDAY=31", "day 31 of the month has no `every:` form: `day` is 1-28, days every month has"),
    ("FREQ=WEEKLY;BYHOUR=2,14", "BYHOUR=2,14 has no `every:` form: give one hour, 0-23"),
    ("BYDAY=MO", "FREQ is required, e.g. FREQ=WEEKLY"),
])
def test_rrules_without_an_every_form_are_refused_where_written(tmp_path, rrule, message):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, _adjustment(rrule), "adjustment.yaml")
    assert diagnostics_of([slos, adjustment]) == [f"{adjustment}:{RRULE_AT}: spec.rrule: rrule {rrule!r}: {message}"]


def test_overrides_are_refused_by_name():
    problems = diagnostics_of([DATA / "nobl9-weekly-overrides.yaml"])
    assert "tests/spec/data/budget_adjustments/nobl9-weekly-overrides.yaml:16:5: spec.overrides: overrides (an event left out or moved) have no slogen form: " \
        "a recurring `every:` repeats alike; write the changed events as one-off exclusions" in problems


def test_an_slo_that_is_not_in_the_run_is_located(tmp_path):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, _adjustment(slos="- {name: apii, project: default}"), "adjustment.yaml")
    assert diagnostics_of([slos, adjustment]) == [f"{adjustment}:11:16: spec.filters.slos[0].name: no SLO named 'apii' in this run's specs"]


def test_an_slo_name_in_several_services_needs_its_service_as_project(tmp_path):
    a = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"), "a.yaml")
    b = write_spec(tmp_path, NOBL9_SLO.format(service="shop", name="api"), "b.yaml")
    adjustment = write_spec(tmp_path, _adjustment(), "adjustment.yaml")
    assert diagnostics_of([a, b, adjustment]) == [
        f"{adjustment}:11:30: spec.filters.slos[0].project: SLO 'api' is in several services ('shop', 'web'): give its service as the project"
    ]
    named = write_spec(tmp_path, _adjustment(slos="- {name: api, project: shop}"), "adjustment.yaml")
    found = _exclusions([a, b, named])
    assert found[("shop", "api")] and not found[("web", "api")]


def test_a_bad_duration_is_located_in_the_adjustment(tmp_path):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    monthly = write_spec(tmp_path, _adjustment("FREQ=MONTHLY", duration="25h"), "adjustment.yaml")
    assert diagnostics_of([slos, monthly]) == [f"{monthly}:8:13: spec.duration: for 25h: a monthly window must be shorter than a day"]
    seconds = write_spec(tmp_path, _adjustment(duration="30s"), "adjustment.yaml")
    assert diagnostics_of([slos, seconds]) == [f"{seconds}:8:13: spec.duration: duration '30s' must be whole seconds, at least 1m"]


def test_a_plan_problem_in_an_added_entry_is_located_in_the_adjustment(tmp_path):
    # A weekly window of a week less 1m, plus the default 5m tail: the plan refuses it.
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, _adjustment("FREQ=WEEKLY", duration="167h59m"), "adjustment.yaml")
    assert diagnostics_of([slos, adjustment]) == [f"{adjustment}:8:13: spec.duration: for 10079m and tail 5m together must be shorter than 7d"]


# --- OpenSLO v2alpha


def test_openslo_v2alpha_joins_the_slos_reading_its_sli():
    found = _exclusions([DATA / "openslo-slos.yaml", DATA / "openslo-v2alpha.yaml"])
    assert found[("checkout", "checkout-availability")] == [
        {"reason": "Payment vendor outage, accepted by the business", "from": "2026-12-01T10:00:00Z", "to": "2026-12-01T12:00:00Z"}
    ]


OPENSLO_ADJUSTMENT = """
apiVersion: openslo.com/v2alpha
kind: BudgetAdjustment
metadata:
  name: outage
spec:
  description: vendor outage
  service: {service}
  indicatorRef: {indicator}
  startTime: 2026-12-01T10:00:00Z
  {end}
"""


def test_openslo_v2alpha_names_a_native_slo_by_its_name(tmp_path):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, OPENSLO_ADJUSTMENT.format(service="web", indicator="api", end="endTime: 2026-12-01T11:30:00Z"), "adjustment.yaml")
    assert _exclusions([slos, adjustment])[("web", "api")] == [{"reason": "vendor outage", "from": "2026-12-01T10:00:00Z", "to": "2026-12-01T11:30:00Z"}]


@pytest.mark.parametrize("service, indicator, end, message", [
    ("shop", "api", "duration: 2h", "7:12: spec.service: no service 'shop' in this run's specs"),
    ("web", "latency", "duration: 2h", "8:17: spec.indicatorRef: no SLO of service 'web' reads an SLI named 'latency'"),
    ("web", "api", "duration: 1M", "10:13: spec.duration: duration '1M' is not supported: use a positive number of m, h, d or w, e.g. 2h "
     "(calendar units M, Q, Y have no fixed length)"),
    ("web", "api", "endTime: 2026-12-01T09:00:00Z", "10:12: spec.endTime: endTime 2026-12-01T09:00:00Z must be after startTime 2026-12-01T10:00:00Z"),
    ("web", "api", "tags: [x]", "6:3: spec: give one of endTime or duration"),
])
def test_openslo_v2alpha_refusals_are_located(tmp_path, service, indicator, end, message):
    slos = write_spec(tmp_path, NOBL9_SLO.format(service="web", name="api"))
    adjustment = write_spec(tmp_path, OPENSLO_ADJUSTMENT.format(service=service, indicator=indicator, end=end), "adjustment.yaml")
    found = diagnostics_of([slos, adjustment])
    assert f"{adjustment}:{message}" in found


def test_other_openslo_v2alpha_kinds_are_still_refused_by_name(tmp_path):
    slo = write_spec(tmp_path, "apiVersion: openslo.com/v2alpha\nkind: SLO\nmetadata: {name: a}\nspec: {service: s}\n")
    [message] = diagnostics_of([slo])
    assert "OpenSLO openslo.com/v2alpha is not supported: v2alpha is a draft" in message


def test_an_adjusted_spec_compiles_with_its_gate(tmp_path):
    files = compile_files([DATA / "openslo-slos.yaml", DATA / "openslo-v2alpha.yaml"])
    rules = files["rules/checkout.yml"]
    assert "slo:exclusion:state" in rules and "1796119200" in rules  # 2026-12-01T12:00:00Z, the one-off's end


# --- the property: an RRULE slogen takes leaves out exactly the events RFC 5545 gives it

CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
SPAN_DAYS = 70


@st.composite
def rrules(draw) -> tuple[str, datetime, int]:
    """An RRULE of the subset slogen maps, its first event (UTC, to the minute) and a length under a day."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append("INTERVAL=1")
    days = draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True))
    if freq == "MONTHLY" and draw(st.booleans()):
        ordinals = st.sampled_from(["", "1", "+2", "3", "4", "-1"])
        days = [draw(ordinals) + day for day in days]
    if days:
        parts.append("BYDAY=" + ",".join(days))
    elif freq == "MONTHLY" and draw(st.booleans()):
        parts.append("BYMONTHDAY=" + ",".join(map(str, draw(st.lists(st.integers(1, 28), min_size=1, max_size=3, unique=True)))))
    for part, top in (("BYHOUR", 23), ("BYMINUTE", 59)):
        if draw(st.booleans()):
            parts.append(f"{part}={draw(st.integers(0, top))}")
    if draw(st.booleans()):
        parts.append("WKST=" + draw(st.sampled_from(CODES)))
    order = draw(st.permutations(parts[1:]))
    first = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=draw(st.integers(0, 3 * 366 * 1440)))
    return ";".join([parts[0], *order]), first, 60 * draw(st.integers(1, 1439))


def _rfc5545_starts(rule: str, first: datetime) -> set[int]:
    """The events' starts within the span, read from the RRULE day by day as RFC 5545 defines them."""
    parts = dict(item.split("=") for item in rule.split(";"))
    hour, minute = int(parts.get("BYHOUR", first.hour)), int(parts.get("BYMINUTE", first.minute))
    days = parts["BYDAY"].split(",") if "BYDAY" in parts else []
    month_days = {int(d) for d in parts["BYMONTHDAY"].split(",")} if "BYMONTHDAY" in parts else set()
    starts = set()
    for offset in range(SPAN_DAYS):
        day = (first + timedelta(days=offset)).replace(hour=hour, minute=minute)
        if day < first:
            continue
        code, last = CODES[day.weekday()], calendar.monthrange(day.year, day.month)[1]
        if parts["FREQ"] in ("DAILY", "WEEKLY") or not month_days:
            plain = {d for d in days if d[-2:] == d}
            numbered = [(d[:-2].lstrip("+"), d[-2:]) for d in days if d[-2:] != d]
            if days:
                hit = code in plain or any(
                    code == c and (day.day > last - 7 if n == "-1" else (day.day - 1) // 7 == int(n) - 1) for n, c in numbered
                )
            elif parts["FREQ"] == "WEEKLY":
                hit = day.weekday() == first.weekday()
            elif parts["FREQ"] == "MONTHLY":
                hit = day.day == first.day
            else:
                hit = True
        else:
            hit = day.day in month_days
        if hit:
            starts.add(int(day.timestamp()))
    return starts


@settings(max_examples=examples(300), deadline=None)
@given(case=rrules())
def test_an_rrule_excludes_the_events_rfc5545_gives_it(case):
    """The RRULE's own events (read day by day) are exactly where the planned PromQL (its
    Python mirror, proven against zoneinfo and promtool) opens a window, each `duration` long."""
    rule, first, seconds = case
    try:
        windows = [Every.model_validate(shape) for shape in parse_rrule(rule, first, seconds).every or ()]
    except RuleError as err:
        # The one refusal this subset may meet: a monthly rule's default day past the 28th.
        assert "FREQ=MONTHLY" in rule and "BYDAY" not in rule and "BYMONTHDAY" not in rule and first.day > 28, err
        return
    exprs = [recurring_expr(every, 0) for every in windows]

    def inside(t: int) -> bool:
        return any(expr(t) for expr in exprs)

    expected = _rfc5545_starts(rule, first)
    begin, end = int(first.timestamp()), int(first.timestamp()) + (SPAN_DAYS - 1) * 86400
    candidates = expected | {
        int((first + timedelta(days=d)).replace(hour=0, minute=0).timestamp()) + every.start_second
        for d in range(SPAN_DAYS) for every in windows
    }
    opened = {t for t in candidates if begin <= t < end and inside(t) and not inside(t - 60)}
    assert opened == {t for t in expected if t < end}
    for t in opened:
        assert inside(t + seconds - 60) and not inside(t + seconds), (rule, t)


def test_a_tree_compiled_in_workers_still_joins_its_adjustments(tmp_path, monkeypatch):
    """Workers compile one native file alone; the adjustment's file comes back to the parent, which
    loads the file holding the SLO it names again, joins and compiles it: the workers stay."""
    from slogen.build import pipeline

    paths = [write_spec(tmp_path, NOBL9_SLO.format(service=f"s{i}", name=f"api{i}"), f"s{i}.yaml") for i in range(pipeline.PARALLEL_FROM)]
    paths.append(write_spec(tmp_path, _adjustment(slos="- {name: api3, project: s3}"), "adjustment.yaml"))
    used: list[bool] = []
    real = pipeline._parallel
    monkeypatch.setattr(pipeline, "_parallel", lambda *a: used.append(True) or real(*a))
    tree, problems = pipeline.build_tree([tmp_path], jobs=2)
    assert not problems and used == [True]
    assert "slo:exclusion:state" in tree.files["rules/s3.yml"] and "exclusion" not in tree.files["rules/s4.yml"]
    assert tree.files == pipeline.build_tree([tmp_path], jobs=1)[0].files


def test_a_missing_slo_is_located_in_the_adjustment_with_workers_too(tmp_path):
    from slogen.build import pipeline

    for i in range(pipeline.PARALLEL_FROM):
        write_spec(tmp_path, NOBL9_SLO.format(service=f"s{i}", name=f"api{i}"), f"s{i}.yaml")
    adjustment = write_spec(tmp_path, _adjustment(slos="- {name: gone, project: s3}"), "adjustment.yaml")
    tree, problems = pipeline.build_tree([tmp_path], jobs=2)
    assert not tree.files
    assert [str(p) for p in problems] == [str(p) for p in pipeline.build_tree([tmp_path], jobs=1)[1]]
    assert [str(p) for p in problems] == [f"{adjustment}:11:16: spec.filters.slos[0].name: no SLO named 'gone' in this run's specs"]


def test_convert_writes_the_adjusted_specs_with_their_entries(tmp_path):
    """`slogen convert` of specs and an adjustment: native specs holding its entries, which load alike."""
    from slogen_testing import run_slogen

    result = run_slogen("convert", str(DATA / "nobl9-slos.yaml"), str(DATA / "nobl9-monthly-three-slos.yaml"))
    assert result.returncode == 0, result.stderr
    native = write_spec(tmp_path, result.stdout, "native.yaml")
    assert _exclusions([native]) == _exclusions([DATA / "nobl9-slos.yaml", DATA / "nobl9-monthly-three-slos.yaml"])
