"""Issue 26: slogen reserves exactly the labels it writes, so a team's own `slo_*` label
(`slo_version`) compiles, and the refusal of a written one names them all."""

from __future__ import annotations

import re
from pathlib import Path

from slogen.spec.fields import RESERVED_LABELS

from slogen_testing import compile_files, diagnostics_of, write_spec

SPECS = Path(__file__).resolve().parents[2] / "slo_specs"
# A label name: `slo_` then lowercase words, not part of a metric name (`slo:...`) or a path.
LABEL = re.compile(r"(?<![\w:/.-])slo_[a-z_]+\b")


def test_the_reserved_labels_are_the_ones_the_output_carries():
    """Every slo_* name in the example specs' rules, tests and dashboards is reserved, and each reserved one is written."""
    files = compile_files(sorted(SPECS.glob("*.y*ml")))
    written = {name for text in files.values() for name in LABEL.findall(text)} - {"slo_specs"}  # the folder in headers
    assert written == set(RESERVED_LABELS)


SPEC = """\
service: api
labels: {{{label}: "2"}}
slos:
  - name: a
    objective: 99
    sli: {{ratio: {{errors: 'x{{code="5"}}', total: x}}}}
"""


def test_a_label_slogen_does_not_write_compiles(tmp_path):
    assert compile_files([write_spec(tmp_path, SPEC.format(label="slo_version"))])


def test_a_written_label_is_refused_naming_them(tmp_path):
    [message] = diagnostics_of([write_spec(tmp_path, SPEC.format(label="slo_window"))])
    assert message == (
        f"{tmp_path}/spec.yaml:2:10: labels.slo_window: label name 'slo_window' is reserved: slogen writes it itself "
        f"(its labels: {', '.join(RESERVED_LABELS)})"
    )
