"""The typer app, the consoles, and how problems are printed and exit codes chosen."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any, Optional, Sequence

import typer
from rich.console import Console
from rich.table import Table
from slogen import __version__
from slogen.build.options import BuildOptions
from slogen.build.pipeline import ServiceOutput, Tree, build_tree
from slogen.errors import EXIT_CODES, EXIT_FINDINGS, InputError, OptionError, PrometheusError, SlogenError, SpecError, TargetError, exit_code
from slogen.postmortem.commands import postmortem_app
from slogen.spec.errors import one_line
from typer.core import TyperGroup


class _Commands(TyperGroup):
    """slogen's command group: a SlogenError from any command prints its message and exits with its code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except SlogenError as err:
            print_error(err)
            sys.exit(exit_code(err))


app = typer.Typer(
    cls=_Commands,
    name="slogen",
    help="Compile SLO specs into Prometheus recording rules, burn-rate alerts, tests and dashboards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(postmortem_app, name="postmortem")
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)

# Exit codes come from slogen/errors.py's table.
EXIT_STALE = EXIT_GATE = EXIT_FINDINGS
EXIT_INPUT = EXIT_CODES[InputError]
EXIT_PROMETHEUS = EXIT_CODES[PrometheusError]
EXIT_IO = EXIT_CODES[OSError]  # sysexits' EX_IOERR: output/ (or a file beside it) could not be written


def specs_or_default(paths: Optional[list[Path]]) -> list[Path]:
    """The spec paths given, or slo_specs/."""
    return list(paths) if paths else [Path("slo_specs")]


def print_error(err: SlogenError) -> None:
    """A SlogenError as the user reads it: one line, or a SpecError's located lines and their count."""
    if isinstance(err, SpecError):
        for diagnostic in err.diagnostics:
            typer.echo(str(diagnostic), err=True)
        count = len(err.diagnostics)
        err_console.print(f"[red]{count} problem{'s' if count != 1 else ''}; nothing was written[/red]")
    else:
        # A refused option or target reads `slogen: message`: the program speaks, not a file.
        typer.echo(f"slogen: {err}" if isinstance(err, (OptionError, TargetError)) else str(err), err=True)


def compile_tree(paths: list[Path], options: BuildOptions, jobs: int = 1, sink=None, detail: bool = False) -> Tree:
    """Every command's compile (pipeline.build_tree); SpecError with every problem, or TargetError."""
    tree, diagnostics = build_tree(paths, options, jobs, sink, detail)
    if diagnostics:
        raise SpecError(diagnostics)
    return tree


def warn_specs(services: Sequence[ServiceOutput]) -> None:
    """What converting a Sloth/Pyrra/OpenSLO spec changed or left out, and what a native spec's
    author should know (compile.spec_warnings), one located line each; never an exit code."""
    for item in services:
        for warning in item.warnings:
            path, line, col, message = one_line(warning.path), warning.line, warning.col, one_line(warning.message)
            typer.echo(f"{path}:{line}:{col}: warning: {message}", err=True)


def warn_untested(services: Sequence[ServiceOutput]) -> int:
    """One warning per SLO without generated tests and no recorded reason, one note per SLO
    whose spec records why (`untested:`); how many warnings."""
    count = 0
    for compiled in services:
        for name, reason in compiled.untested:
            err_console.print(f"[yellow]warning:[/yellow] {compiled.source}: SLO {compiled.service}/{name} is UNTESTED: {reason}")
            count += 1
        for name, reason in compiled.acknowledged:
            err_console.print(f"note: {compiled.source}: SLO {compiled.service}/{name} is untested, as its spec records: {reason}")
    return count


def counted(number: int, noun: str) -> str:
    """`1 service`, `2 services`."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    """A rich table whose cells fold rather than wrap the table."""
    out = Table(title=title, title_justify="left", header_style="bold")
    for header in headers:
        out.add_column(header, overflow="fold")
    for row in rows:
        out.add_row(*row)
    return out


# Wider than any table slogen draws: a table takes its own width on a console this wide.
_UNWRAPPED = 100_000


def print_table(rows: Table) -> None:
    """Print a table on stdout: as wide as the terminal (or COLUMNS, when set) allows, and
    when stdout is a pipe or a file (a CI log), whole, every row on one line.

    rich draws for 80 columns when stdout is not a terminal, and folded each row of
    `budget`, `status` and `explain` over several lines of a CI log.
    """
    if out_console.is_terminal or os.environ.get("COLUMNS", "").strip().isdigit():
        out_console.print(rows)
    else:
        Console(highlight=False, soft_wrap=True, width=_UNWRAPPED).print(rows)


def generate_command() -> str:
    """The `generate` command matching the check/test command being run, to name in messages."""
    args = sys.argv[1:]
    for verb in ("check", "test"):
        if verb in args:
            index = args.index(verb)
            rest = args[index + 1:]
            if verb == "test":  # test's own options mean nothing to generate
                rest = _without_options(rest, flags=("--strict",), valued=("-j", "--jobs"))
            args = args[:index] + ["generate"] + rest
            break
    else:
        args = ["generate"]
    return " ".join(["slogen", *(shlex.quote(a) for a in args)])


def _without_options(args: list[str], flags: tuple[str, ...], valued: tuple[str, ...]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in flags or arg.startswith(tuple(f"{v}=" for v in valued)) or (arg.startswith("-j") and arg[2:].isdigit()):
            continue
        elif arg in valued:
            skip = True
        else:
            out.append(arg)
    return out


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit")] = False,
) -> None:
    if version:
        typer.echo(f"slogen {__version__}")
        raise typer.Exit(0)


def main() -> None:
    """Console-script entry point: no tracebacks for expected failures (a SlogenError ends in _Commands.main)."""
    try:
        app()
    except KeyboardInterrupt as err:
        typer.echo("interrupted; output/ left as it was", err=True)
        sys.exit(exit_code(err))
    except OSError as err:
        # Nothing half-written: a run that fails here left output/ as it was.
        where = f"{err.filename}: " if err.filename else ""
        typer.echo(f"{where}{err.strerror or err}", err=True)
        sys.exit(exit_code(err))
    except Exception as err:  # a slogen bug: say so plainly, details on request
        if os.environ.get("SLOGEN_DEBUG"):
            raise
        typer.echo(f"slogen: internal error: {type(err).__name__}: {err} (set SLOGEN_DEBUG=1 for a traceback)", err=True)
        sys.exit(exit_code(err))
