"""`slogen exclude`: the entry lands in the spec file as block YAML, the rest of the file
byte for byte as it was; foreign and unsuitable files are refused and left untouched."""

from __future__ import annotations

import shutil

from slogen_testing import ROOT, compile_files, run_slogen

ARGS = ("--from", "2026-12-01T10:00:00Z", "--to", "2026-12-01T12:30:00+01:00", "--reason", 'vendor outage: "acme"')


def test_writes_the_entry_and_keeps_the_rest_of_the_file(tmp_path):
    spec = tmp_path / "checkout.yaml"
    shutil.copy(ROOT / "slo_specs" / "checkout.yaml", spec)
    before = spec.read_text()
    result = run_slogen("exclude", str(tmp_path), "--service", "checkout", *ARGS)
    assert result.returncode == 0, result.stderr
    after = spec.read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["exclusions:", '  - reason: "vendor outage: \\"acme\\""', "    from: 2026-12-01T10:00:00Z", "    to: 2026-12-01T11:30:00Z"]
    # Only lines added: the file minus them is the file as it was.
    assert [line for line in after.splitlines() if line not in added] == before.splitlines()
    files = compile_files([spec])
    assert "@ 1796124900" in next(text for path, text in files.items() if path.startswith("rules/"))  # 11:30Z + 5m tail


def test_a_second_entry_goes_after_the_first(tmp_path):
    spec = tmp_path / "checkout.yaml"
    shutil.copy(ROOT / "slo_specs" / "checkout.yaml", spec)
    for _ in range(2):
        assert run_slogen("exclude", str(spec), "--service", "checkout", *ARGS).returncode == 0
    text = spec.read_text()
    assert text.count("exclusions:") == 1 and text.count("- reason:") == 2


def test_refuses_a_foreign_file_and_leaves_it(tmp_path):
    spec = tmp_path / "billing.sloth.yaml"
    shutil.copy(ROOT / "slo_specs" / "billing.sloth.yaml", spec)
    before = spec.read_bytes()
    result = run_slogen("exclude", str(spec), *ARGS)
    assert result.returncode == 2
    assert "not a native slogen spec (sloth" in result.stderr and "nothing was written" in result.stderr, result.stderr
    assert spec.read_bytes() == before


def test_refuses_bad_times_and_unknown_slos(tmp_path):
    spec = tmp_path / "checkout.yaml"
    shutil.copy(ROOT / "slo_specs" / "checkout.yaml", spec)
    before = spec.read_bytes()
    late = run_slogen("exclude", str(spec), "--from", "2026-12-02T00:00:00Z", "--to", "2026-12-01T00:00:00Z", "--reason", "x")
    assert late.returncode == 2 and "--to must be after --from" in late.stderr
    missing = run_slogen("exclude", str(spec), "--slo", "nope", *ARGS)
    assert missing.returncode == 2 and "no SLO named 'nope'" in missing.stderr
    assert spec.read_bytes() == before
