"""The command line, run as a real process: exit codes, messages, and output safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from slogen.spec.formats import detect_format

from slogen_testing import API_SPEC as SPEC
from slogen_testing import ROOT, run_slogen, snapshot, write_spec


def test_generate_check_and_stale_detection(tmp_path):
    write_spec(tmp_path / "slo_specs", SPEC, "api.yaml")
    result = run_slogen("generate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "output/rules/api.yml").exists()
    assert run_slogen("check", cwd=tmp_path).returncode == 0
    # A hand edit of a generated file is drift.
    rules = tmp_path / "output/rules/api.yml"
    rules.write_text(rules.read_text() + "# edited\n")
    stale = run_slogen("check", cwd=tmp_path)
    assert stale.returncode == 1
    assert "output/rules/api.yml: stale (run `slogen generate`)" in stale.stderr


def test_same_specs_give_byte_identical_output(tmp_path):
    write_spec(tmp_path / "slo_specs", SPEC, "api.yaml")
    run_slogen("generate", cwd=tmp_path)
    first = snapshot(tmp_path / "output")
    (tmp_path / "output/rules/api.yml").unlink()
    run_slogen("generate", cwd=tmp_path)
    assert snapshot(tmp_path / "output") == first


def test_bad_spec_exits_2_with_located_messages_and_leaves_output_alone(tmp_path):
    write_spec(tmp_path / "slo_specs", SPEC, "api.yaml")
    assert run_slogen("generate", cwd=tmp_path).returncode == 0
    (tmp_path / "output/notes.txt").write_text("mine")
    before = snapshot(tmp_path / "output")
    write_spec(tmp_path / "slo_specs", SPEC.replace("99.9", "100").replace('"api"}', '"api"'), "api.yaml")
    result = run_slogen("generate", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("slo_specs/api.yaml:4:16: slos[0].objective: objective 100 leaves no error budget")
    assert lines[1].startswith("slo_specs/api.yaml:8:16: slos[0].sli.ratio.total: invalid PromQL")
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path / "output") == before


def test_user_files_are_kept_and_stale_generated_files_removed(tmp_path):
    write_spec(tmp_path / "slo_specs", SPEC, "api.yaml")
    write_spec(tmp_path / "slo_specs", SPEC.replace("service: api", "service: web"), "web.yaml")
    assert run_slogen("generate", cwd=tmp_path).returncode == 0
    (tmp_path / "output/rules/README.md").write_text("hand-written notes")
    (tmp_path / "output/extra").mkdir()
    (tmp_path / "output/extra/kept.yml").write_text("groups: []\n")
    (tmp_path / "slo_specs/web.yaml").unlink()
    result = run_slogen("generate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = snapshot(tmp_path / "output")
    assert "rules/web.yml" not in files
    assert files["rules/README.md"] == b"hand-written notes"
    assert files["extra/kept.yml"] == b"groups: []\n"
    assert "rules/web.yml" not in json.loads(files[".slogen-manifest.json"])["files"]


def test_refuses_to_overwrite_a_file_it_did_not_write(tmp_path):
    write_spec(tmp_path / "slo_specs", SPEC, "api.yaml")
    (tmp_path / "output/rules").mkdir(parents=True)
    (tmp_path / "output/rules/api.yml").write_text("# someone's own rules\n")
    # A directory slogen did not write is refused as a whole, unless taken over with --adopt-out;
    # even then slogen writes none of the files it finds there.
    result = run_slogen("generate", cwd=tmp_path)
    assert result.returncode == 2 and "pass --adopt-out to take it over" in result.stderr, result.stderr
    result = run_slogen("generate", "--adopt-out", cwd=tmp_path)
    assert result.returncode == 2
    assert "refusing to overwrite files slogen did not write: rules/api.yml" in result.stderr
    assert (tmp_path / "output/rules/api.yml").read_text() == "# someone's own rules\n"


def test_validate_and_missing_paths(tmp_path):
    write_spec(tmp_path / "slo_specs", SPEC, "api.yaml")
    ok = run_slogen("validate", cwd=tmp_path)
    assert ok.returncode == 0 and "1 service, 1 SLO: valid" in ok.stderr
    missing = run_slogen("validate", "nope", cwd=tmp_path)
    assert missing.returncode == 2 and "nope:1:1: no such file or directory" in missing.stderr


def test_schema_is_valid_and_accepts_the_example_specs(tmp_path):
    result = run_slogen("schema", cwd=tmp_path)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    documents = [doc for spec in sorted((ROOT / "slo_specs").glob("*.yaml")) for doc in yaml.safe_load_all(spec.read_text())]
    native = [doc for doc in documents if detect_format(doc) == "native"]
    assert len(native) >= 4  # the Sloth and OpenSLO examples follow their own formats' schemas
    for doc in native:
        jsonschema.validate(doc, schema)
    bad = yaml.safe_load(SPEC)
    bad["slos"][0]["windw"] = "30d"
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError as err:
        assert "windw" in err.message
    else:
        raise AssertionError("schema accepted an unknown key")


def test_committed_output_is_up_to_date():
    result = run_slogen("check", "slo_specs", "--out", "output", cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_out_that_is_not_a_directory_is_refused_and_nothing_is_touched(tmp_path):
    specs = tmp_path / "slo_specs"
    spec = write_spec(specs, SPEC)
    before = spec.read_bytes()
    existing = tmp_path / "notes.txt"
    existing.write_text("mine\n")
    for out, expected in (
        (existing, "an existing file, not a directory"),
        (spec, "an existing file, not a directory"),
        (specs / "x.yaml", "inside the specs"),  # a typo: the next run would read output as specs
        (specs, "inside the specs"),
        (Path("-"), "not one stream"),
    ):
        result = run_slogen("generate", str(specs), "--out", str(out), cwd=tmp_path)
        assert result.returncode == 2, (out, result.stderr)
        assert expected in result.stderr and "nothing was written" in result.stderr
    assert existing.read_text() == "mine\n" and spec.read_bytes() == before
    assert sorted(p.name for p in specs.iterdir()) == [spec.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "slo_specs"]  # no `-`, no staging, no lock


def test_an_output_that_cannot_be_written_exits_74_and_leaves_no_staging(tmp_path):
    specs = tmp_path / "slo_specs"
    write_spec(specs, SPEC)
    # A parent that is a file: creating the output fails whoever runs the test (root too).
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    result = run_slogen("generate", str(specs), "--out", str(blocker / "output"), cwd=tmp_path)
    assert result.returncode == 74, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "slo_specs"]


def test_check_names_the_generate_command_that_was_run(tmp_path):
    specs = tmp_path / "slo_specs"
    write_spec(specs, SPEC)
    result = run_slogen("check", "slo_specs", "--out", "built", "--target", "prometheus", cwd=tmp_path)
    assert result.returncode == 1
    assert "(run `slogen generate slo_specs --out built --target prometheus`)" in result.stderr
    assert "make generate" not in result.stderr


def test_a_calendar_zone_with_inexact_boundaries_is_a_located_warning(tmp_path):
    spec = (
        "service: island\nslos:\n  - name: up\n    objective: 99.9\n"
        "    window: {calendar: month, time_zone: Australia/Lord_Howe}\n"
        "    sli:\n      ratio: {errors: 'e_total{code=\"5\"}', total: e_total}\n"
    )
    write_spec(tmp_path / "slo_specs", spec, "island.yaml")
    for command in (("validate", "slo_specs"), ("generate", "slo_specs", "--out", "output")):
        result = run_slogen(*command, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "slo_specs/island.yaml:5:42: warning: slos[0].window.time_zone: time zone 'Australia/Lord_Howe' moves its clocks by 30m" in result.stderr
    # Half- and quarter-hour zones whose clocks move by whole hours are exact: no warning.
    write_spec(tmp_path / "slo_specs", spec.replace("Australia/Lord_Howe", "Australia/Adelaide"), "island.yaml")
    assert "warning" not in run_slogen("validate", "slo_specs", cwd=tmp_path).stderr


BOOL_SPEC = "service: probes\nslos:\n  - name: up\n    objective: 99\n    sli:\n      bool: {metric: 'probe_success{job=\"x\"}'}\n"


def test_strict_test_fails_when_an_slo_is_untested(tmp_path):
    write_spec(tmp_path / "slo_specs", BOOL_SPEC, "probes.yaml")
    assert run_slogen("generate", cwd=tmp_path).returncode == 0
    lenient = run_slogen("test", cwd=tmp_path)
    assert lenient.returncode == 0, lenient.stderr
    assert "SLO probes/up is UNTESTED" in lenient.stderr
    strict = run_slogen("test", "--strict", cwd=tmp_path)
    assert strict.returncode == 1, strict.stderr
    assert "1 SLO untested (--strict)" in strict.stderr


@pytest.mark.slow
def test_tests_run_for_prometheus_operator_output_alone(tmp_path):
    write_spec(tmp_path / "slo_specs", SPEC, "api.yaml")
    result = run_slogen("generate", "--target", "prometheus-operator", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "output" / "rules").exists()
    tested = run_slogen("test", cwd=tmp_path, timeout=900)
    assert tested.returncode == 0, tested.stderr
    assert "PASS output/tests/" in tested.stderr and "1/1 test files passed" in tested.stderr
    assert not (tmp_path / "output" / "rules").exists(), "test renders the rules in a temporary tree, not in output/"


def test_symbolic_links_in_the_specs_are_followed_or_located_never_silently_dropped(tmp_path):
    specs = tmp_path / "slo_specs"
    write_spec(specs, SPEC, "api.yaml")
    shared = tmp_path / "shared"
    write_spec(shared, SPEC.replace("service: api", "service: web"), "web.yaml")
    (specs / "team").symlink_to(shared, target_is_directory=True)  # a linked directory: followed
    first = run_slogen("generate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "output/rules/web.yml").exists()
    before = snapshot(tmp_path / "output")
    # The linked spec moves away: its link is broken, which must not delete web's output.
    (shared / "web.yaml").rename(tmp_path / "web.yaml")
    (shared / "web.yaml").symlink_to(tmp_path / "gone.yaml")
    (specs / "loop").symlink_to(specs, target_is_directory=True)
    broken = run_slogen("generate", cwd=tmp_path)
    assert broken.returncode == 2, broken.stderr
    assert "slo_specs/team/web.yaml:1:1: broken symbolic link" in broken.stderr
    assert "slo_specs/loop:1:1: symbolic link loop" in broken.stderr
    assert snapshot(tmp_path / "output") == before


def test_output_is_identical_whatever_the_working_directory(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)  # what marks a repository's top for slogen
    write_spec(repo / "slo_specs", SPEC, "api.yaml")
    assert run_slogen("generate", cwd=repo).returncode == 0
    at_top = snapshot(repo / "output")
    assert "from slo_specs/api.yaml." in (repo / "output/rules/api.yml").read_text()
    elsewhere = run_slogen("generate", str(repo / "slo_specs"), "--out", str(tmp_path / "out2"), cwd=Path("/"))
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert snapshot(tmp_path / "out2") == at_top
    from_below = run_slogen("check", ".", "--out", "../output", cwd=repo / "slo_specs")
    assert from_below.returncode == 0, from_below.stderr


def _piped(*args: str, columns: str | None = None) -> subprocess.CompletedProcess:
    """The CLI with stdout a pipe, as in a CI log: no COLUMNS unless given."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | ({"COLUMNS": columns} if columns else {})
    result = subprocess.run([sys.executable, "-m", "slogen", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def _table_rows(text: str) -> list[str]:
    """The body lines of rich tables; a row folded over several lines leaves its first cell empty on the rest."""
    return [line for line in text.splitlines() if line.startswith("│")]


def test_tables_in_a_ci_log_keep_every_row_on_one_line():
    """Issue 33: piped, rich drew for 80 columns and folded each row of `budget` over several lines."""
    budgets = json.loads(_piped("budget", "slo_specs", "--format", "json").stdout)
    tiers = sum(len(b["tiers"]) for b in budgets)
    budget = _table_rows(_piped("budget", "slo_specs").stdout)
    explain = _table_rows(_piped("explain", "slo_specs").stdout)
    for rows, expected in ((budget, len(budgets) + tiers), (explain, sum(max(1, len(b["tiers"])) for b in budgets))):
        assert len(rows) == expected, "\n".join(rows)
        assert all(not row[1:].startswith("  ") for row in rows), "\n".join(rows)
    assert max(len(line) for line in budget) > 80


def test_tables_keep_to_columns_when_it_is_set():
    for command in ("budget", "explain"):
        lines = _piped(command, "slo_specs", columns="100").stdout.splitlines()
        assert lines and max(len(line) for line in lines) <= 100, command
