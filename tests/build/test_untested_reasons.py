"""`test --strict` guards every SLO but those whose spec records why they cannot be tested (#33 item 3)."""

from __future__ import annotations

from slogen_testing import run_slogen, write_spec

SPEC = """
service: probes
slos:
  - name: up
    objective: 99
{untested}    sli:
      bool: {{metric: 'probe_success{{job="x"}}'}}
  - name: api
    objective: 99
    sli:
      ratio: {{errors: 'r_total{{code="5"}}', total: r_total}}
"""


def _run(tmp_path, untested: str):
    specs, out = str(tmp_path / "specs"), str(tmp_path / "out")
    write_spec(tmp_path / "specs", SPEC.format(untested=untested))
    assert run_slogen("generate", specs, "--out", out).returncode == 0
    return run_slogen("test", specs, "--out", out, "--strict", timeout=600)


def test_strict_fails_on_an_slo_untested_without_a_reason(tmp_path):
    ran = _run(tmp_path, "")
    assert ran.returncode == 1
    assert "SLO probes/up is UNTESTED: cannot synthesize input series for sli.bool.metric" in ran.stderr
    assert "1 SLO untested (--strict)" in ran.stderr


def test_strict_passes_when_the_spec_records_why_and_still_names_it(tmp_path):
    ran = _run(tmp_path, "    untested: checked by the blackbox exporter's own suite\n")
    assert ran.returncode == 0, ran.stderr
    assert "SLO probes/up is untested, as its spec records: checked by the blackbox exporter's own suite" in ran.stderr
    assert "UNTESTED" not in ran.stderr and "1/1 test files passed" in ran.stderr


def test_a_reason_on_a_tested_slo_is_a_located_warning(tmp_path):
    path = write_spec(tmp_path / "specs", SPEC.format(untested="").replace("  - name: api\n    objective: 99\n", "  - name: api\n    objective: 99\n    untested: stale\n"))
    ran = run_slogen("validate", str(path))
    assert ran.returncode == 0
    assert f"{path.name}:9:5: warning: slos[1].untested: SLO 'api' has generated tests; drop `untested:`" in ran.stderr.replace(str(path.parent) + "/", "")
