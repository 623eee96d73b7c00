"""The commands that compile and write or compare files: generate, check, validate, test, convert, schema."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer
from slogen.build.fingerprint import inputs_digest, remember, up_to_date
from slogen.build.options import BuildOptions
from slogen.build.out_dir import Access, out_dir_problem, unwritable
from slogen.build.write import Stager, changes_of, commit, diff_output, staging_area
from slogen.cli.app import (
    EXIT_INPUT, EXIT_IO, EXIT_STALE, app, compile_tree, counted, err_console, generate_command, specs_or_default, warn_specs, warn_untested,
)
from slogen.cli.options import JobsOpt, OutOpt, SpecsArg, compiles
from slogen.emit.native_yaml import render_native
from slogen.emit.targets import PROMTOOL
from slogen.live.promtool_run import run_generated_tests
from slogen.spec.model import json_schema


def check_out(out: Path, paths: list[Path], access: Access = "replace", adopt: bool = False) -> None:
    """Refuse an unsafe --out (the root, a home, a repository's top, the specs...) before touching anything."""
    problem = out_dir_problem(out, paths, access, adopt)
    if problem is not None:
        typer.echo(f"slogen: {problem}; nothing was written", err=True)
        raise typer.Exit(EXIT_INPUT)
    problem = unwritable(out) if access != "read" else None
    if problem is not None:
        typer.echo(f"slogen: {problem}", err=True)
        raise typer.Exit(EXIT_IO)


def _summary(services: int, slos: int) -> str:
    return f"{counted(services, 'service')}, {counted(slos, 'SLO')}"


@app.command()
@compiles
def generate(
    specs: SpecsArg = None,
    out: OutOpt = Path("output"),
    jobs: JobsOpt = 0,
    adopt_out: Annotated[
        bool, typer.Option("--adopt-out", help="Take over an existing non-empty directory as the output; files slogen did not write are kept")
    ] = False,
    options: BuildOptions = BuildOptions(),
) -> None:
    """Compile specs into OUT (atomically; files slogen did not write are kept)."""
    paths = specs_or_default(specs)
    check_out(out, paths, adopt=adopt_out)
    # Options change the output as much as the specs do, so they are part of the inputs.
    inputs = inputs_digest(paths, options.record_text())
    last = up_to_date(out, inputs)
    if last is not None:
        err_console.print(f"{_summary(last['services'], last['slos'])} -> {out}/ (up to date, specs unchanged)")
        return
    # Files are staged beside `out` as they are compiled; one swap at the end.
    with staging_area(out) as staging:
        stager = Stager(out, staging)
        tree = compile_tree(paths, options, jobs, stager)
        changes = commit(out, staging, stager.staged)
    warn_specs(tree.services)
    warn_untested(tree.services)
    # Remember only inputs that did not change while we compiled them.
    if inputs is not None and inputs_digest(paths, options.record_text()) == inputs:
        remember(out, inputs, len(tree.services), tree.slos)
    done = ", ".join(f"{len(files)} {what}" for what, files in (("added", changes.added), ("changed", changes.changed), ("removed", changes.removed)))
    err_console.print(f"{_summary(len(tree.services), tree.slos)} -> {out}/ ({done if changes.any else 'up to date'})")


@app.command()
@compiles
def check(specs: SpecsArg = None, out: OutOpt = Path("output"), jobs: JobsOpt = 0, options: BuildOptions = BuildOptions()) -> None:
    """Validate specs and exit 1 when OUT differs from what generate (with the same options) would write."""
    paths = specs_or_default(specs)
    check_out(out, paths, "read")
    stager = Stager(out)
    compile_tree(paths, options, jobs, stager)
    changes = changes_of(out, stager.staged)
    if not changes.any:
        err_console.print(f"{out}/ is up to date")
        return
    run = generate_command()
    for rel in changes.added:
        typer.echo(f"{out / rel}: missing (run `{run}`)", err=True)
    for rel in changes.changed:
        typer.echo(f"{out / rel}: stale (run `{run}`)", err=True)
    for rel in changes.removed:
        typer.echo(f"{out / rel}: no longer produced by the specs (run `{run}`)", err=True)
    raise typer.Exit(EXIT_STALE)


@app.command()
@compiles
def validate(specs: SpecsArg = None, options: BuildOptions = BuildOptions()) -> None:
    """Validate specs (and what the targets would refuse); print every problem as path:line:col: message."""
    tree = compile_tree(specs_or_default(specs), options)
    warn_specs(tree.services)
    err_console.print(f"{_summary(len(tree.services), tree.slos)}: valid")


@app.command("test")
@compiles
def test_rules(
    specs: SpecsArg = None,
    out: OutOpt = Path("output"),
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="promtool processes at once (default: CPUs)")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any SLO is untested (README: which SLIs cannot be)")] = False,
    options: BuildOptions = BuildOptions(),
) -> None:
    """Run the generated promtool tests in OUT/tests with the real promtool (give the options generate had)."""
    check_out(out, specs_or_default(specs), "read")
    # The tests load the promtool dialect's rule files. Those OUT lacks (other targets were
    # written) are compiled here and given to promtool from a temporary folder; a test file
    # or a rule file OUT holds must be what generate writes.
    tree = compile_tree(specs_or_default(specs), replace(options, targets=options.targets.including(PROMTOOL)))
    changes = diff_output(out, tree.files)
    rules = f"{PROMTOOL.folder}/"
    stale = [rel for rel in changes.added + changes.changed if rel.startswith("tests/") or (rel.startswith(rules) and rel in changes.changed)]
    if stale:
        for rel in stale:
            typer.echo(f"{out / rel}: missing or stale: run `{generate_command()}` before testing", err=True)
        raise typer.Exit(EXIT_STALE)
    extra = {rel for rel in changes.added if rel.startswith(rules)}
    untested = warn_untested(tree.services)
    loads = {rel: paths for service in tree.services for rel, paths in service.test_loads}
    results = run_generated_tests(out, tree.files, loads, extra, jobs)
    for result in results:
        if result.passed:
            err_console.print(f"[green]PASS[/green] {result.path} ({result.seconds:.1f}s)")
        else:
            err_console.print(f"[red]FAIL[/red] {result.path} ({result.seconds:.1f}s)")
            typer.echo(result.output, err=True)
    failed = sum(not r.passed for r in results)
    summary = f"{len(results) - failed}/{len(results)} test files passed"
    if untested:
        summary += f"; {counted(untested, 'SLO')} untested" + (" (--strict)" if strict else "")
    err_console.print(summary)
    if failed or (strict and untested):
        raise typer.Exit(EXIT_STALE)


@app.command()
@compiles
def convert(
    specs: Annotated[list[Path], typer.Argument(help="Spec files or directories in any format slogen reads")],
    options: BuildOptions = BuildOptions(),
) -> None:
    """Print the native slogen spec equivalent to Sloth, OpenSLO, Pyrra or jsonnet specs."""
    tree = compile_tree(list(specs), options, detail=True)
    warn_specs(tree.services)  # on stderr, located in the files read, as validate and generate say them
    services = [s for s in tree.services if s.spec is not None]
    typer.echo(render_native([s.spec for s in services], [s.source for s in services]), nl=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the native spec."""
    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
