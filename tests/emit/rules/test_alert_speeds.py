"""Burn alerts of 1d+ windows run in sli-long, the others in the alerts group: rules alike in
name and labels stay distinct across the two groups, as promtool's lint reads the whole file."""

from __future__ import annotations

from pathlib import Path

import yaml

from slogen_testing import compile_files, run_promtool, write_spec

SPEC = """
service: shop
slos:
  - name: fast
    objective: 99.9
    window: 30d
    sli: {ratio: {errors: 'req_total{code=~"5.."}', total: 'req_total'}}
    alerting:
      page: {labels: {severity: critical}}
      ticket: {labels: {severity: warning}}
  - name: slow
    objective: 99.5
    window: 30d
    sli: {ratio: {errors: 'req_total{code=~"5.."}', total: 'req_total'}}
    alerting:
      page:
        labels: {severity: critical}
        tiers: [{burn_rate: 3, long_window: 1d, short_window: 2h}]
      ticket: {labels: {severity: warning}}
"""


def test_alike_alerts_in_both_groups_pass_the_duplicate_lint(promtool: str, tmp_path: Path) -> None:
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    rules = tmp_path / "shop.yml"
    rules.write_text(files["rules/shop.yml"])
    groups = {g["name"]: [r.get("alert") for r in g["rules"] if "alert" in r] for g in yaml.safe_load(rules.read_text())["groups"]}
    assert "SLOErrorBudgetBurn" in groups["slogen-shop-alerts"]  # the fast SLO's page
    assert groups["slogen-shop-sli-long"].count("SLOErrorBudgetBurn") >= 2  # the slow page, the tickets
    proc = run_promtool(promtool, "check", "rules", "--lint=all", "--lint-fatal", str(rules))
    assert proc.returncode == 0, proc.stdout + proc.stderr
