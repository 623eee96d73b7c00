"""The `slogen` command line: parse arguments, call the core, print. No logic here."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from . import __version__
from .compile import CompiledService, compile_all, output_files
from .errors import Diagnostic
from .fingerprint import inputs_digest, remember, up_to_date
from .load import load_specs
from .spec import json_schema
from .write import Changes, OutputConflict, diff_output, write_output

app = typer.Typer(
    name="slogen",
    help="Compile SLO specs into Prometheus recording rules, burn-rate alerts, tests and dashboards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)

EXIT_STALE = 1
EXIT_INPUT = 2

SpecsArg = Annotated[
    Optional[list[Path]], typer.Argument(help="Spec files or directories (default: slo_specs/)", show_default=False)
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output directory")]


def _specs(paths: Optional[list[Path]]) -> list[Path]:
    return list(paths) if paths else [Path("slo_specs")]


def _fail(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in sorted(diagnostics):
        typer.echo(str(diagnostic), err=True)
    count = len(diagnostics)
    err_console.print(f"[red]{count} problem{'s' if count != 1 else ''}; nothing was written[/red]")
    raise typer.Exit(EXIT_INPUT)


def compile_specs(paths: list[Path]) -> list[CompiledService]:
    """Load and compile, or print every problem and exit 2."""
    loaded, diagnostics = load_specs(paths)
    services, more = compile_all(loaded)
    diagnostics += more
    if diagnostics:
        _fail(diagnostics)
    return services


def _summary(changes: Changes) -> str:
    parts = [f"{len(changes.added)} added", f"{len(changes.changed)} changed", f"{len(changes.removed)} removed"]
    return ", ".join(parts)


@app.command()
def generate(specs: SpecsArg = None, out: OutOpt = Path("output")) -> None:
    """Compile specs into OUT (atomically; files slogen did not write are kept)."""
    paths = _specs(specs)
    inputs = inputs_digest(paths)
    last = up_to_date(out, inputs)
    if last is not None:
        err_console.print(f"{last['services']} services, {last['slos']} SLOs -> {out}/ (up to date, specs unchanged)")
        return
    services = compile_specs(paths)
    files = output_files(services)
    try:
        changes = write_output(out, files)
    except OutputConflict as err:
        typer.echo(f"{out}: refusing to overwrite files slogen did not write: {err}", err=True)
        raise typer.Exit(EXIT_INPUT)
    slos = sum(len(s.plans) for s in services)
    # Remember only inputs that did not change while we compiled them.
    if inputs is not None and inputs_digest(paths) == inputs:
        remember(out, inputs, len(services), slos)
    if changes.any:
        err_console.print(f"{len(services)} services, {slos} SLOs -> {out}/ ({_summary(changes)})")
    else:
        err_console.print(f"{len(services)} services, {slos} SLOs -> {out}/ (up to date)")


@app.command()
def check(specs: SpecsArg = None, out: OutOpt = Path("output")) -> None:
    """Validate specs and exit 1 when OUT differs from what generate would write."""
    services = compile_specs(_specs(specs))
    changes = diff_output(out, output_files(services))
    if not changes.any:
        err_console.print(f"{out}/ is up to date")
        return
    for rel in changes.added:
        typer.echo(f"{out / rel}: missing (run `make generate`)", err=True)
    for rel in changes.changed:
        typer.echo(f"{out / rel}: stale (run `make generate`)", err=True)
    for rel in changes.removed:
        typer.echo(f"{out / rel}: no longer produced by the specs (run `make generate`)", err=True)
    raise typer.Exit(EXIT_STALE)


@app.command()
def validate(specs: SpecsArg = None) -> None:
    """Validate specs; print every problem as path:line:col: message."""
    services = compile_specs(_specs(specs))
    slos = sum(len(s.plans) for s in services)
    err_console.print(f"{len(services)} services, {slos} SLOs: valid")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the native spec."""
    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit")] = False,
) -> None:
    if version:
        typer.echo(f"slogen {__version__}")
        raise typer.Exit(0)


def main() -> None:
    """Console-script entry point: no tracebacks for expected failures."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted; output/ left as it was", err=True)
        sys.exit(130)
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        typer.echo(f"{where}{err.strerror or err}", err=True)
        sys.exit(1)
    except Exception as err:  # a slogen bug: say so plainly, details on request
        if os.environ.get("SLOGEN_DEBUG"):
            raise
        typer.echo(f"slogen: internal error: {type(err).__name__}: {err} (set SLOGEN_DEBUG=1 for a traceback)", err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
