"""Hostile text in specs stays text: in PromQL, in YAML, and in alert templates."""

from __future__ import annotations

import json

import yaml

from promtool_scenarios import check_rule_test
from slogen_testing import compile_files, run_promtool, write_spec

NASTY = 'a"b\\c\n{{ $labels.slo_id }} }} {{ .Value }} {{ template "x" }}'

SPEC = {
    "service": "inj",
    "labels": {"team": NASTY},
    "slos": [
        {
            "name": "avail",
            "objective": 99,
            "description": NASTY,
            "sli": {"ratio": {"errors": 'req_total{code="500", path="/a\\"b{{x}}"}', "total": 'req_total{path="/a\\"b{{x}}"}'}},
            "alerting": {
                "labels": {"owner": "{{ $value }}"},
                "annotations": {"runbook_url": "https://runbooks.example.com/{{ $labels.team }}", "note": NASTY},
                "ticket": False,
            },
        }
    ],
}


def test_hostile_text_is_inert_everywhere(tmp_path, promtool):
    spec = write_spec(tmp_path / "specs", yaml.safe_dump(SPEC, sort_keys=False))
    files = compile_files([spec])
    rules_text = files["rules/inj.yml"]
    (tmp_path / "rules.yml").write_text(rules_text)
    check = run_promtool(promtool, "check", "rules", "rules.yml", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr

    # YAML round-trips the values exactly.
    groups = yaml.safe_load(rules_text)["groups"]
    recorded = [r for g in groups for r in g["rules"] if "record" in r]
    # The rules written per SLO carry every label; the shared ones (labels from their inputs) any they set.
    labelled = [r for r in recorded if "team" in r.get("labels", {})]
    assert {r["record"] for r in labelled} >= {"slo:sli_events:rate5m", "slo:sli_errors:rate5m", "slo:error_budget:ratio", "slogen_slo_info"}
    assert all(r["labels"]["team"] == NASTY for r in labelled)
    info = next(r for r in recorded if r["record"] == "slogen_slo_info")
    assert info["labels"]["slo_description"] == NASTY
    # Dashboards are valid JSON holding the same text.
    for path, text in files.items():
        if path.endswith(".json"):
            json.loads(text)

    # Only errors, from the start: every window's ratio is exactly 1, the burn exactly 100.
    series = {'req_total{code="500", path="/a\\"b{{x}}"}': "0+60x30"}
    alerts = [
        {
            "eval_time": "20m",
            "alertname": "SLOErrorBudgetBurn",
            # Both page tiers hold (every ratio is 1): one alert each, named by slo_tier.
            # 20 minutes at 100x, an hour of history: 1 - 100/720 of the budget left, 30d x that / 100.
            "exp_alerts": [
                {
                    "exp_labels": {
                        "severity": "page",
                        "owner": "{{ $value }}",
                        "slo_id": "inj-avail",
                        "slo_name": "avail",
                        "slo_service": "inj",
                        "slo_tier": tier,
                        "team": NASTY,
                    },
                    "exp_annotations": {
                        "summary": "inj/avail: error budget burning fast",
                        "description": (
                            "SLO inj/avail (99% over 30d) is burning its error budget at 100.00x the sustainable "
                            "rate. This page alert fires when 2% of the budget burns in 1h (14.4x, confirmed "
                            "over 5m) or 5% of the budget burns in 6h (6x, confirmed over 30m); its slo_tier label "
                            "names the tier that fired. At this burn rate the remaining error budget is gone in 6h 12m 0s. SLI: " + NASTY
                        ),
                        "runbook_url": "https://runbooks.example.com/{{ $labels.team }}",
                        "note": NASTY,
                    },
                }
                for tier in ("1h/5m", "6h/30m")
            ],
        }
    ]
    check_rule_test(tmp_path, promtool, rules_text, series, alerts=alerts)


def test_text_ending_in_a_brace_stays_text_beside_another_slos(tmp_path, promtool):
    # Two SLOs of one service share an alert rule whose annotations choose each SLO's text
    # with `{{ if }}...{{ else if }}...{{ end }}`: a description ending in `{` must not
    # join the next `{{` into `{{{`, which Go reads as an action opening on `{`.
    slos = [
        {"name": name, "objective": 99, "description": text, "sli": {"ratio": {"errors": f'r_total{{s="{name}", code="500"}}', "total": f'r_total{{s="{name}"}}'}}}
        for name, text in (("a", "ends in a brace {"), ("b", "{ starts with one and ends in two {{"))
    ]
    files = compile_files([write_spec(tmp_path / "specs", yaml.safe_dump({"service": "br", "slos": slos}))])
    (tmp_path / "rules.yml").write_text(files["rules/br.yml"])
    result = run_promtool(promtool, "check", "rules", "rules.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
