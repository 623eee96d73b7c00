"""Hypothesis properties of the period report's emitters (pure): for any rows, CSV and JSON carry
the same numbers in the same order, whatever order the rows came in; team and service totals are
the traffic-weighted sums of their rows; and the text is deterministic."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from slogen_testing import examples

from slogen.emit.report.period_model import SLORow, parse_period, render_csv, render_json, totals

PERIOD = parse_period("2026-11")
_names = st.text(alphabet="abcdefghij-", min_size=1, max_size=6)


@st.composite
def _rows(draw) -> list[SLORow]:
    ids = draw(st.lists(_names, min_size=1, max_size=6, unique=True))
    rows = []
    for slo_id in ids:
        events = draw(st.floats(0, 1e9, allow_nan=False))
        errors = draw(st.floats(0, 1, allow_nan=False)) * events
        objective = draw(st.sampled_from([90.0, 99.0, 99.5, 99.9, 99.95, 99.999]))
        rows.append(SLORow(slo_id, draw(_names), slo_id, draw(st.sampled_from(["core", "edge", "(no team)"])), objective, events, errors, 720, None, None))
    return rows


@settings(max_examples=examples(200), deadline=None)
@given(rows=_rows(), by=st.sampled_from(["team", "service"]), seed=st.randoms(use_true_random=False))
def test_csv_and_json_agree_and_do_not_depend_on_row_order(rows, by, seed):
    shuffled = list(rows)
    seed.shuffle(shuffled)
    text_csv, text_json = render_csv(rows, PERIOD, by), render_json(rows, PERIOD, by)
    assert (render_csv(shuffled, PERIOD, by), render_json(shuffled, PERIOD, by)) == (text_csv, text_json)
    data = json.loads(text_json)
    lines = list(csv.DictReader(io.StringIO(text_csv)))
    slo_lines = [line for line in lines if line["slo_id"] != "*"]
    assert [line["slo_id"] for line in slo_lines] == [slo["slo_id"] for slo in data["slos"]]
    for line, slo in zip(slo_lines, data["slos"]):
        assert line["missed"] == {True: "yes", False: "no", None: ""}[slo["missed"]]
        assert (slo["missed"] is None) == (slo["budget_spent"] is None)  # unknown only without a budget to count
        assert float(line["events"]) == round(slo["events"], 3)
        if slo["sli"] is None:
            assert line["sli_percent"] == ""
        else:
            assert abs(float(line["sli_percent"]) - slo["sli"] * 100) <= 1e-6
    assert len(lines) - len(slo_lines) == len(data["totals"])


@settings(max_examples=examples(200), deadline=None)
@given(rows=_rows(), by=st.sampled_from(["team", "service"]))
def test_totals_are_traffic_weighted_sums_of_their_rows(rows, by):
    found = totals(rows, by)
    assert sorted(t.key for t in found) == sorted({r.team if by == "team" else r.service for r in rows})
    assert sum(t.slos for t in found) == len(rows)
    for total in found:
        mine = [r for r in rows if (r.team if by == "team" else r.service) == total.key]
        events, errors = sum(r.events for r in mine), sum(r.errors for r in mine)
        allowed = sum(r.budget * r.events for r in mine)
        assert abs(total.events - events) <= 1e-6 * max(1.0, events)
        assert abs(total.errors - errors) <= 1e-6 * max(1.0, errors)
        if events > 0:
            # A traffic-weighted SLI, never a mean of the SLIs: it lies between the rows' own.
            slis = [r.sli for r in mine if r.sli is not None]
            assert min(slis) - 1e-9 <= total.sli <= max(slis) + 1e-9
        if allowed > 0:
            assert abs(total.budget_spent - errors / allowed) <= 1e-9 * max(1.0, errors / allowed)
