"""`for:` delays every alert by its duration: every detection time shown counts it."""

from __future__ import annotations

from pathlib import Path

from slogen_testing import compile_paths
from slogen.emit.report.budget_table import slo_budget
from slogen.emit.report.explain import tier_rows
from slogen.emit.report.charts import detection_drawing, detection_shape

SPEC = """\
service: api
slos:
  - name: a
    objective: 99.9
    sli:
      ratio: {{errors: 'r_total{{code="5"}}', total: r_total}}
    alerting:
      page: {{{page}}}
      ticket: false
"""


def _plan(tmp_path: Path, page: str):
    path = tmp_path / f"spec{len(page)}.yaml"
    path.write_text(SPEC.format(page=page))
    (compiled,), diagnostics = compile_paths([path])
    more: list = []
    assert not diagnostics + more
    return compiled


def test_for_is_counted_in_explain_budget_and_the_report(tmp_path: Path) -> None:
    plain, held = _plan(tmp_path, ""), _plan(tmp_path, "for: 1h")
    hour = 3600.0
    for a, b in zip(slo_budget(plain.plans[0]).tiers, slo_budget(held.plans[0]).tiers):
        assert b.worst_detection == a.worst_detection + hour
        assert b.workbook_detection == a.workbook_detection + hour
    rows = [r.cells[5] for r in tier_rows(plain.plans[0], None)], [r.cells[5] for r in tier_rows(held.plans[0], None)]
    assert rows[0] != rows[1]
    # 94s (the 5m ratio recorded by the 1m base-rate group, then the 30s alerts), then the hour of `for`
    assert rows[1][0] == "61.6min"
    # The report's plot is drawn per shape: `for` makes a different drawing.
    assert detection_drawing(detection_shape(plain.plans[0])) != detection_drawing(detection_shape(held.plans[0]))
