"""A burn alert's description reads as sentences one space apart, with or without the
budget-exhaustion sentence (which needs a remaining budget Prometheus may not have yet)."""

from __future__ import annotations

import yaml

from slogen_testing import compile_files, run_promtool, write_spec

SPEC = """
service: shop
slos:
  - name: availability
    objective: 99
    description: Shop requests.
    sli:
      ratio:
        errors: requests_total{code=~"5.."}
        total: requests_total
    alerting: {ticket: false}
"""


def test_description_without_a_remaining_budget_has_single_spaces(tmp_path, promtool):
    # The generated page alert, firing on a constant 20x burn with no other series at all:
    # the template's query for the remaining budget finds nothing, as in the first minutes
    # after a deploy, and real promtool renders the description.
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    groups = yaml.safe_load(files["rules/shop.yml"])["groups"]
    burn = next(rule for group in groups for rule in group["rules"] if rule.get("alert") == "SLOErrorBudgetBurn")
    labels = {"slo_id": "shop-availability", "slo_service": "shop", "slo_name": "availability", "slo_tier": "1h/5m"}
    expr = "vector(20)"
    for name, value in labels.items():
        expr = f'label_replace({expr}, "{name}", "{value}", "", "")'
    alert = {**burn, "expr": expr}
    alert.pop("for", None)
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "burn", "rules": [alert]}]}, sort_keys=False))
    description = (
        "SLO shop/availability (99% over 30d) is burning its error budget at 20.00x the sustainable rate. "
        "This page alert fires when 2% of the budget burns in 1h (14.4x, confirmed over 5m) or 5% of the budget "
        "burns in 6h (6x, confirmed over 30m); its slo_tier label names the tier that fired. SLI: Shop requests."
    )
    test = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [],
                "alert_rule_test": [
                    {
                        "eval_time": "1m",
                        "alertname": "SLOErrorBudgetBurn",
                        "exp_alerts": [
                            {
                                "exp_labels": {**labels, **burn["labels"]},
                                "exp_annotations": {"summary": "shop/availability: error budget burning fast", "description": description},
                            }
                        ],
                    }
                ],
            }
        ],
    }
    assert set(burn["annotations"]) == {"summary", "description"}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test, sort_keys=False))
    result = run_promtool(promtool, "test", "rules", "test.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
