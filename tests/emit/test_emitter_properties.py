"""Property test: every spec that validates goes through every emitter (rules, tests,
dashboards, report, `explain`, `budget`) without an internal error, over the full range
of objectives and custom tiers, those near 100% errors included."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from slogen.build.pipeline import build_tree
from slogen.emit.report.budget_table import budget_json, budget_rows, render_markdown, slo_budget, tier_rows
from slogen.emit.report.explain import markdown_table
from slogen.emit.report.explain import tier_rows as explain_rows
from slogen.emit.report.html import render_report
from slogen.spec.durations import parse_duration

from slogen_testing import examples

PROPERTY = settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck), database=None)

WINDOWS = ["5m", "30m", "1h", "2h", "6h", "12h", "1d", "2d", "3d", "7d"]


@st.composite
def severity(draw, objective: float, window: str) -> dict | bool:
    """Off, default tiers, or one to three custom tiers of any budget share and window,
    some with a threshold right at the edge of 100% errors."""
    choice = draw(st.sampled_from(["off", "default", "custom"]))
    if choice == "off":
        return False
    if choice == "default":
        return {}
    tiers = []
    for _ in range(draw(st.integers(1, 3))):
        long_window = draw(st.sampled_from(WINDOWS[2:]))
        percent = draw(st.sampled_from([0.5, 1, 2, 5, 10, 25, 33, 50, 80, 100, "edge"]))
        if percent == "edge":
            # threshold = budget share x period / long window x error budget, near 1.
            share = draw(st.sampled_from([0.9, 0.99, 1.0])) * parse_duration(long_window) / parse_duration(window) / (1 - objective / 100)
            percent = round(100 * share, 3)
            assume(0 < percent <= 100)
        tier = {"budget_percent": percent, "long_window": long_window}
        if draw(st.booleans()):
            tier["short_window"] = draw(st.sampled_from(WINDOWS[:4]))
        tiers.append(tier)
    out: dict = {"tiers": tiers}
    if draw(st.booleans()):
        out["for"] = draw(st.sampled_from(["1m", "5m", "1h"]))
    return out


@st.composite
def specs(draw) -> dict:
    """A native spec with objectives from 50% to 99.999% and any alerting shape."""
    objective = draw(st.sampled_from([50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999]))
    window = draw(st.sampled_from(["7d", "28d", "30d", "90d"]))
    alerting: dict = {"page": draw(severity(objective, window)), "ticket": draw(severity(objective, window))}
    if draw(st.booleans()):
        alerting["min_events"] = draw(st.integers(1, 10_000))
    slo = {
        "name": "a",
        "objective": objective,
        "window": window,
        "sli": {"ratio": {"errors": 'r_total{code=~"5.."}', "total": "r_total"}},
        "alerting": alerting,
    }
    return {"service": "svc", "slos": [slo]}


def test_every_emitter_takes_every_valid_spec(tmp_path: Path) -> None:
    counter = itertools.count()
    valid = itertools.count()

    issue_17 = {"page": {"tiers": [{"budget_percent": 33, "long_window": "1d"}]}, "ticket": False}

    @PROPERTY
    @given(specs())
    # Issue 17: a single page tier at a 99% error threshold crashed the report's plot.
    @example({"service": "svc", "slos": [{"name": "a", "objective": 90, "sli": {"ratio": {"errors": "e_total", "total": "t_total"}}, "alerting": issue_17}]})
    def emits(spec: dict) -> None:
        path = tmp_path / f"spec{next(counter)}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        tree, diagnostics = build_tree([path], detail=True)
        assume(not diagnostics)  # invalid specs are another test's business
        next(valid)
        files = tree.files
        services = [s.compiled for s in tree.services]
        assert "report/index.html" in files
        plans = [plan for compiled in services for plan in compiled.plans]
        render_report(plans)
        for compiled in services:
            for plan in compiled.plans:
                explain_rows(plan, compiled.tests)
                markdown_table(plan, compiled.tests)
        budgets = [slo_budget(plan, 100.0) for plan in plans]
        json.dumps(budget_json(budgets))
        render_markdown(budgets, 100.0)
        for b in budgets:
            budget_rows(b)
            tier_rows(b)

    emits()
    assert next(valid) > PROPERTY.max_examples // 3, "the strategy must mostly draw valid specs"
