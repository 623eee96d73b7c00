"""A value of the wrong kind gets a message in the spec's terms, never pydantic's.

`window: 30` once read "Input should be a valid dictionary or instance of CalendarWindow"
and `objective: 99.9%` "Input should be a valid decimal" (issue 33).
"""

from __future__ import annotations

import datetime
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slogen_testing import diagnostics_of, write_spec

DIAGNOSTIC = re.compile(r"^[^\n]+:\d+:\d+: [^\n]+$")
# pydantic's own words and Python's reprs, which a spec's author should never read.
RAW = ("Input should be", "should have at least", "instance of", "datetime.", "Decimal(", "function-after", "literal[", "<class", "[type=", "None")

RATIO = {"errors": 'x{code="5"}', "total": 'x{job="a"}'}
# Every field of the native spec, on SLOs of every SLI kind.
FULL = {
    "version": 1,
    "service": "api",
    "labels": {"team": "a"},
    "policy": {"states": [{"action": "ok", "above": 50, "description": "d"}, {"action": "freeze"}], "alert": {"labels": {"a": "b"}}},
    "slos": [
        {
            "name": "a", "objective": 99.9, "window": "30d", "description": "d", "labels": {"a": "b"}, "grouping": ["route"],
            "allow_low_objective": False, "sli": {"ratio": RATIO},
            "alerting": {
                "name": "A", "labels": {"a": "b"}, "annotations": {"a": "b"}, "min_events": 5, "scale_from": "28d",
                "no_data": {"for": "10m", "labels": {"a": "b"}, "annotations": {"a": "b"}},
                "page": {
                    "labels": {"severity": "page"}, "for": "2m",
                    "tiers": [{"budget_percent": 2, "long_window": "1h", "short_window": "5m"}, {"burn_rate": 6, "long_window": "6h"}],
                },
                "ticket": {"labels": {"severity": "ticket"}},
            },
            "policy": {"states": [{"action": "ok", "above": 50}, {"action": "freeze"}]},
        },
        {"name": "b", "objective": 99, "window": {"calendar": "week", "time_zone": "UTC", "starts": "monday 00:00"},
         "sli": {"latency": {"histogram": "h", "buckets": [0.1, 0.3, 1], "threshold": 0.3}}},
        {"name": "c", "objective": 99, "sli": {"bool": {"metric": "up"}}},
        {"name": "d", "objective": 99, "sli": {"query": {
            "errors": "sum(rate(x[{{window}}]))", "total": "sum(rate(y[{{window}}]))", "test": {"good": "x", "total": "y"}}}},
        {"name": "e", "objective": 99, "sli": {"timeslices": {"slice": "1m", "good_when": {"ratio": RATIO, "op": "lt", "threshold": 0.01}}}},
        {"name": "f", "objective": 99, "sli": {"timeslices": {
            "slice": "5m", "good_when": {"latency": {"histogram": "h", "quantile": 0.99}, "op": "lte", "threshold": "300ms"}}}},
        {"name": "g", "objective": 99, "sli": {"timeslices": {"good_when": {"query": "max_over_time(x[{{window}}])", "op": "gt", "threshold": 1}}}},
        {"name": "h", "objective": 99, "sli": {"timeslices": {"ratio_of": RATIO}}, "alerting": {"no_data": True, "page": False, "ticket": False}},
    ],
}


def _paths(node, path=()):
    """Every key and index of a document, as paths."""
    if path:
        yield path
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield from _paths(child, path + (key,))


PATHS = list(_paths(FULL))
# The slips of the issue: durations without units, percents with %, numbers with units as text,
# booleans as text, a list for a mapping and the reverse; and what YAML makes of `key:` and dates.
WRONG = [
    30, 2.5, -1, "99.9%", "100 requests", "300 ms", "30", "yes", "true", True, False, None, "",
    ["a"], [{"a": 1}], {"a": 1}, datetime.date(2024, 1, 1), datetime.datetime(2024, 1, 1, 3, 4), float("inf"), "a" * 100,
]


def _replaced(path: tuple, value) -> dict:
    spec = yaml.safe_load(yaml.dump(FULL, Dumper=_NoAliases))
    node = spec
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return spec


class _NoAliases(yaml.SafeDumper):
    """Each value written where it is (FULL shares RATIO; an alias would carry a replacement to every SLO)."""

    def ignore_aliases(self, data) -> bool:
        return True


def _lines(tmp_path, spec: dict) -> list[str]:
    return diagnostics_of([write_spec(tmp_path, yaml.dump(spec, Dumper=_NoAliases, sort_keys=False))])


def test_the_full_spec_is_valid(tmp_path):
    assert _lines(tmp_path, FULL) == []


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(path=st.sampled_from(PATHS), value=st.sampled_from(WRONG))
def test_a_wrong_kind_of_value_anywhere_is_one_plain_located_line(tmp_path_factory, path, value):
    lines = _lines(tmp_path_factory.mktemp("spec"), _replaced(path, value))
    for line in lines:
        assert DIAGNOSTIC.match(line), line
        assert not any(raw in line for raw in RAW), line
    if not isinstance(value, (list, dict)):  # a mapping or list may hold several problems, one line each
        assert len(lines) <= 1, lines


SLO = "service: api\nslos:\n  - name: a\n    objective: 99.9\n"
SLI = "    sli:\n      ratio: {errors: 'x{code=\"5\"}', total: 'x'}\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("    window: 30\n" + SLI, "5:13: slos[0].window: expected a duration such as 30d or a mapping, got 30: a duration needs a unit, e.g. 30d"),
        ("    window: '30'\n" + SLI, "5:13: slos[0].window: invalid duration '30': a duration needs a unit, e.g. 30d, 30h or 30m"),
        ("    window: {calendar: monthly}\n" + SLI, "5:24: slos[0].window.calendar: expected week, month or quarter, got 'monthly': did you mean month?"),
        ("    grouping: route\n" + SLI, "5:15: slos[0].grouping: expected a list, got 'route': write a list, e.g. [route]"),
        ("    labels:\n      - team: a\n" + SLI, "6:7: slos[0].labels: expected a mapping, got a list: write the keys without '- ' before them"),
        ("    alerting: {no_data: 'true'}\n" + SLI, "5:25: slos[0].alerting.no_data: expected a mapping, true or false, got 'true': write true or false without quotes"),
        ("    alerting: {page: {for: 5}}\n" + SLI, "5:28: slos[0].alerting.page.for: expected a duration such as 2m, got 5: a duration needs a unit, e.g. 5m"),
        ("    alerting: {min_events: 100 requests}\n" + SLI, "5:28: slos[0].alerting.min_events: expected a whole number, got '100 requests': drop 'requests', write 100"),
        ("    alerting: {page: {tiers: {budget_percent: 2%, long_window: 1h}}}\n" + SLI,
         "5:30: slos[0].alerting.page.tiers: expected a list, got a mapping: start each item with '- '"),
        ("    alerting: {page: {tiers: [{budget_percent: 2%, long_window: 1h}]}}\n" + SLI,
         "5:48: slos[0].alerting.page.tiers[0].budget_percent: expected a number, got '2%': drop the %"),
        ("    alerting: ticket\n" + SLI, "5:15: slos[0].alerting: expected a mapping or false, got 'ticket'"),
        ("    allow_low_objective: maybe\n" + SLI, "5:26: slos[0].allow_low_objective: expected true or false, got 'maybe'"),
        ("    description: 2024-01-01\n" + SLI, "5:18: slos[0].description: expected text, got the date 2024-01-01: quote it, or YAML reads it as a date"),
        ("    labels: {tier: 1}\n" + SLI, "5:20: slos[0].labels.tier: expected text, got 1: quote it, e.g. '1'"),
        ("    sli:\n      latency: {histogram: h, threshold: '0.3'}\n",
         "6:42: slos[0].sli.latency.threshold: threshold '0.3' is not a number of seconds or a duration like 300ms: write the number without quotes"),
        ("    sli:\n      timeslices: {ratio_of: {errors: x, total: y}, slice: 1}\n",
         "6:60: slos[0].sli.timeslices.slice: expected a duration such as 1m, got 1: a duration needs a unit, e.g. 1m"),
        ("    sli:\n      timeslices: {good_when: {ratio: {errors: x, total: y}, op: <, threshold: 0.01}}\n",
         "6:66: slos[0].sli.timeslices.good_when.op: expected lt, lte, gt or gte, got '<': write lt for <"),
        ("    sli:\n      timeslices: {good_when: {latency: {histogram: h, quantile: p99}, op: lt, threshold: 1}}\n",
         "6:66: slos[0].sli.timeslices.good_when.latency.quantile: expected a number, got 'p99'"),
        ("    sli: ratio\n", "5:10: slos[0].sli: expected a mapping, got 'ratio'"),
        # Was exit 70 in test generation: only a latency condition takes a duration.
        ("    sli:\n      timeslices: {good_when: {ratio: {errors: x, total: y}, op: lt, threshold: 300ms}}\n",
         "6:81: slos[0].sli.timeslices.good_when.threshold: threshold '300ms' is a duration, which only a latency condition takes; "
         "compare an error ratio or a query with a number, e.g. 0.01"),
    ],
)
def test_the_messages_of_likely_slips(tmp_path, text, expected):
    got = diagnostics_of([write_spec(tmp_path, SLO + text)])
    assert got == [f"{tmp_path}/spec.yaml:{expected}"]


def test_a_list_of_the_wrong_items_says_so_at_each_item(tmp_path):
    got = diagnostics_of([write_spec(tmp_path, "service: api\nslos: [a, 1]\n")])
    assert got == [
        f"{tmp_path}/spec.yaml:2:8: slos[0]: expected a mapping, got 'a'",
        f"{tmp_path}/spec.yaml:2:11: slos[1]: expected a mapping, got 1",
    ]


def test_an_empty_list_and_a_missing_value(tmp_path):
    assert diagnostics_of([write_spec(tmp_path, "service: api\nslos: []\n")]) == [f"{tmp_path}/spec.yaml:2:7: slos: must not be empty"]
    got = diagnostics_of([write_spec(tmp_path, SLO.replace("99.9", "") + SLI)])
    assert got == [f"{tmp_path}/spec.yaml:4:15: slos[0].objective: objective must be a number in percent, e.g. 99.9"]


def test_a_name_too_long(tmp_path):
    got = diagnostics_of([write_spec(tmp_path, SLO.replace("name: a", "name: " + "a" * 70) + SLI)])
    assert got == [f"{tmp_path}/spec.yaml:3:11: slos[0].name: must be at most 63 characters long, got 70"]
