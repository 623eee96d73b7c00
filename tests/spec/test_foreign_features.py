"""The README's table of foreign features is true: every refusal and warning it names is
produced, with that message, by a corpus file (tests/conformance/expected.yaml, checked
by test_conformance.py) or by one of the small documents below, run here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from slogen_testing import compile_paths, warnings_of

from slogen_testing import write_spec
from spec_literals import openslo_shop

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
TABLE = README[README.index("<!-- foreign-features -->"): README.index("<!-- /foreign-features -->")]
ROWS = [[cell.strip() for cell in line.strip().strip("|").split(" | ")] for line in TABLE.splitlines() if line.startswith("| ") and "---" not in line][1:]
EXCERPTS = [(row[0], row[1], re.sub(r"^`|`$", "", row[3])) for row in ROWS if len(row) == 4 and row[3]]

OPENSLO = openslo_shop("sum(rate(ok_total[{{.Window}}]))", "sum(rate(all_total[{{.Window}}]))")

PYRRA = """
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: api}
spec:
  target: '99'
  window: 28d
  indicator: {ratio: {errors: {metric: 'x_total{code="500"}'}, total: {metric: x_total}}}
"""

SLOTH = """
version: prometheus/v1
service: gateway
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(x{code="500"}[{{.window}}])) by (host, route)
        total_query: sum(rate(x[{{.window}}])) by (host)
"""

NATIVE_API = "version: 1\nservice: web\nslos:\n  - {name: api, objective: 99.9, sli: {ratio: {errors: 'r{code=\"500\"}', total: r}}}\n---\n"


def nobl9_adjustment(rrule: str = "FREQ=WEEKLY", slo: str = "api", extra: str = "") -> str:
    """A native spec and a Nobl9 BudgetAdjustment naming its SLO, in one file."""
    return NATIVE_API + f"""apiVersion: n9/v1alpha
kind: BudgetAdjustment
metadata: {{name: m}}
spec:
  description: maintenance
  firstEventStart: 2024-02-04T02:00:00Z
  duration: 1h
  rrule: {rrule}
  filters: {{slos: [{{name: {slo}, project: default}}]}}
{extra}"""


# Refusals no corpus file shows, each as a small document.
INLINE = {
    "nobl9-recurring": nobl9_adjustment(),
    "nobl9-interval": nobl9_adjustment("FREQ=WEEKLY;INTERVAL=2"),
    "nobl9-until": nobl9_adjustment("FREQ=DAILY;UNTIL=20251016T000000Z"),
    "nobl9-yearly": nobl9_adjustment("FREQ=YEARLY"),
    "nobl9-overrides": nobl9_adjustment(extra="  overrides: [{date: 2024-02-11T02:00:00Z, exclude: true}]\n"),
    "nobl9-no-slo": nobl9_adjustment(slo="apii"),
    "openslo-adjustment-months": NATIVE_API + "apiVersion: openslo.com/v2alpha\nkind: BudgetAdjustment\nmetadata: {name: o}\n"
    "spec: {description: d, service: web, indicatorRef: api, startTime: 2026-12-01T10:00:00Z, duration: 1M}\n",
    "sloth-by-mismatch": SLOTH,
    "sloth-alert-windows": "apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec: {}\n",
    "pyrra-medium-burn": PYRRA + "  alerting: {severities: {fastBurn: critical, mediumBurn: high}}\n",
    "pyrra-same-severities": PYRRA + "  alerting: {severities: {fastBurn: warning}}\n",
    "pyrra-native-latency-unit": PYRRA.replace("indicator: {ratio: {errors: {metric: 'x_total{code=\"500\"}'}, total: {metric: x_total}}}", "indicator: {latencyNative: {latency: 1h, total: {metric: h}}}"),
    "openslo-policy-string": OPENSLO + "  alertPolicies: [Some-Name]\n",
    "openslo-no-window": openslo_shop("sum(ok_total)", "sum(all_total)"),
    "openslo-counter-max": openslo_shop("max(ok_total)", "sum(all_total)", counter=True),
    "openslo-v2alpha": OPENSLO.replace("openslo/v1", "openslo.com/v2alpha"),
    "sloth-x-key": "x-owner: web\n" + SLOTH.replace("by (host, route)", "by (host)"),
    "openslo-no-op": OPENSLO + "  alertPolicies:\n    - kind: AlertPolicy\n      metadata: {name: p}\n      spec:\n        conditions:\n"
    "          - kind: AlertCondition\n            metadata: {name: c}\n            spec: {severity: page, condition: {kind: burnrate, threshold: 14, lookbackWindow: 1h}}\n",
    "openslo-composite": OPENSLO.replace("objectives: [{target: 0.99}]", "objectives: [{target: 0.99, compositeWeight: 1}]"),
    "openslo-composite-timeslices": OPENSLO.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices").replace(
        "objectives: [{target: 0.99}]", "objectives: [{target: 0.99, indicatorRef: x}]"),
    "openslo-severity": OPENSLO + """---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: c}
spec: {severity: urgent, condition: {kind: burnrate, op: gt, threshold: 14, lookbackWindow: 1h}}
""",
}


def _messages(tmp_path: Path, text: str) -> list[str]:
    path = write_spec(tmp_path, text)
    _, diagnostics = compile_paths([path])
    return [str(d) for d in diagnostics] + [str(w) for w in warnings_of([path])]


@pytest.fixture(scope="module")
def seen(tmp_path_factory) -> list[str]:
    """Every message of the corpus (as recorded) and of the inline documents (as run now)."""
    recorded = yaml.safe_load((ROOT / "tests/conformance/expected.yaml").read_text())
    out = [m for outcome in recorded.values() for m in outcome.get("errors", []) + outcome.get("warnings", [])]
    for name, text in INLINE.items():
        out += _messages(tmp_path_factory.mktemp(name), text)
    return out


def test_the_table_lists_refusals():
    assert len(EXCERPTS) >= 15, EXCERPTS


@pytest.mark.parametrize(("fmt", "feature", "excerpt"), EXCERPTS, ids=[f"{f}: {x}" for f, _, x in EXCERPTS])
def test_each_refusal_in_the_readme_has_its_message(seen, fmt, feature, excerpt):
    assert any(excerpt in message for message in seen), f"{fmt} {feature}: no message contains {excerpt!r}"


@pytest.mark.parametrize("name", sorted(INLINE))
def test_each_inline_refusal_is_located(tmp_path, name):
    messages = _messages(tmp_path, INLINE[name])
    assert messages and all(re.match(r"^[^\n]+:\d+:\d+: ", m) for m in messages), messages
