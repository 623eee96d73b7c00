"""Every command compiles through one pipeline with one options object: the bugs two paths made.

Each test here failed on the two-path code (#25): `test` could not know `--share-rules`,
the static report was written in file order, the Mimir refusal named an option that did
not exist, and `validate` ran no target checks.
"""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
from slogen.cli import app
from slogen.cli.options import SHARED
from slogen_testing import API_SPEC, run_slogen, write_spec

# Two services whose files sort the other way round from their names.
ZETA = API_SPEC.replace("service: api", "service: zeta").replace('job="api"', 'job="zeta"')
ALPHA = API_SPEC.replace("service: api", "service: alpha").replace('job="api"', 'job="alpha"')


def _specs(tmp_path):
    write_spec(tmp_path / "specs", ZETA, "a.yaml")
    write_spec(tmp_path / "specs", ALPHA, "b.yaml")
    return str(tmp_path / "specs")


def test_test_takes_generate_options_so_shared_rules_are_found(tmp_path):
    specs, out = _specs(tmp_path), str(tmp_path / "out")
    assert run_slogen("generate", specs, "--out", out, "--share-rules", "global").returncode == 0
    ran = run_slogen("test", specs, "--out", out, "--share-rules", "global", timeout=600)
    assert ran.returncode == 0, ran.stderr
    assert "2/2 test files passed" in ran.stderr
    # Without the option, test compiles other files than generate wrote, and says so.
    stale = run_slogen("test", specs, "--out", out, timeout=600)
    assert stale.returncode == 1 and "missing or stale" in stale.stderr


def test_static_report_is_the_file_generate_writes(tmp_path):
    specs, out = _specs(tmp_path), str(tmp_path / "out")
    assert run_slogen("generate", specs, "--out", out).returncode == 0
    written = (tmp_path / "out" / "report" / "index.html").read_bytes()
    assert run_slogen("report", specs, "--out", out).returncode == 0
    assert (tmp_path / "out" / "report" / "index.html").read_bytes() == written
    checked = run_slogen("check", specs, "--out", out)
    assert checked.returncode == 0, checked.stderr


def test_mimir_refusal_names_an_option_that_exists_and_lifts_it(tmp_path):
    specs = _specs(tmp_path)
    refused = run_slogen("validate", specs, "--target", "mimir", "--mimir-max-groups", "3")
    assert refused.returncode == 2
    assert "more than the tenant limit of 3" in refused.stderr and "pass --mimir-max-groups" in refused.stderr
    assert run_slogen("validate", specs, "--target", "mimir", "--mimir-max-groups", "1000").returncode == 0
    assert run_slogen("validate", specs, "--target", "mimir", "--mimir-max-groups", "0").returncode == 0


def test_validate_runs_the_targets_checks(tmp_path):
    # Two services whose PrometheusRule names clash: the operator target refuses them.
    write_spec(tmp_path / "specs", API_SPEC.replace("service: api", "service: a_b"), "a.yaml")
    write_spec(tmp_path / "specs", API_SPEC.replace("service: api", "service: a-b"), "b.yaml")
    specs = str(tmp_path / "specs")
    assert run_slogen("validate", specs).returncode == 0
    refused = run_slogen("validate", specs, "--target", "prometheus-operator")
    assert refused.returncode == 2 and "would both be PrometheusRule 'slogen-a-b'" in refused.stderr
    generated = run_slogen("generate", specs, "--out", str(tmp_path / "out"), "--target", "prometheus-operator")
    assert generated.returncode == 2 and refused.stderr.splitlines()[0] in generated.stderr


def test_a_targets_option_without_its_target_is_refused(tmp_path):
    specs = _specs(tmp_path)
    for args, message in (
        (["--mimir-max-groups", "5"], "--mimir-max-rules-per-group/--mimir-max-groups need --target mimir"),
        (["--operator-namespace", "monitoring"], "--operator-namespace/--operator-label need --target prometheus-operator"),
        (["--target", "mimir", "--mimir-max-groups", "x"], "--mimir-max-groups 'x': expected a whole number"),
    ):
        ran = run_slogen("validate", specs, *args)
        assert ran.returncode == 2 and message in ran.stderr, (args, ran.stderr)


def test_every_compiling_command_declares_the_same_options():
    group = typer.main.get_command(app)
    shared = {name for name, _, _ in SHARED}
    compiling = {"generate", "check", "validate", "test", "explain", "convert", "budget", "status", "report"}
    for name in compiling:
        params = {p.name for p in group.commands[name].params}
        assert shared <= params, (name, shared - params)
    # ... and each is declared once: its flag is spelt in one place of the CLI's source.
    source = "".join(p.read_text() for p in sorted((Path(__file__).parents[2] / "generator" / "cli").glob("*.py")))
    for flag in ("--name-validation", "--share-rules", "--default-slo-period", "--extra-labels", "--ext-str", "--target"):
        assert len(re.findall(rf'Option\(\s*"{flag}"', source)) == 1, flag


def test_a_clash_between_files_hides_no_problem_inside_them(tmp_path):
    one = API_SPEC.replace("name: availability", "name: a")
    two = API_SPEC + API_SPEC.split("slos:\n", 1)[1]  # the same SLO twice: a duplicate name
    write_spec(tmp_path / "specs", one, "a.yaml")
    write_spec(tmp_path / "specs", two, "b.yaml")
    ran = run_slogen("validate", str(tmp_path / "specs"))
    assert ran.returncode == 2
    assert "service 'api' is already defined in" in ran.stderr
    assert "SLO name 'availability' is already used by slos[0] of this service" in ran.stderr
    assert "2 problems" in ran.stderr
