"""The `slogen` command line: parse arguments, call the core, print. No logic here."""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Optional, Sequence

import typer
from rich.console import Console
from rich.table import Table
from slogen import __version__
from slogen.build.compile import CompiledService, compile_all, output_files, spec_warnings
from slogen.build.fingerprint import inputs_digest, remember, up_to_date
from slogen.build.gcpause import paused_gc
from slogen.build.pipeline import ServiceOutput, Stage, Tree, build_tree
from slogen.build.out_dir import Access, out_dir_problem, unwritable
from slogen.build.write import Changes, OutputConflict, changes_of, commit, diff_output, staging_area, write_file
from slogen.emit.native_yaml import render_native
from slogen.emit.report.budget_table import BUDGET_HEADERS, TIER_HEADERS, budget_json, budget_rows, render_markdown, slo_budget, tier_rows
from slogen.emit.report.explain import COLUMNS, markdown_table
from slogen.emit.report.explain import tier_rows as explain_rows
from slogen.emit.report.html import History, render_report
from slogen.emit.targets import TARGETS, TargetError, TargetOptions, parse_targets
from slogen.emit.targets.base import SHARE_RULES
from slogen.emit.targets.operator import parse_label, parse_namespace
from slogen.live.http_config import HTTPConfigOpt, TenantOpt, load_http_config
from slogen.live.prometheus_api import Prometheus, PrometheusError, Sample
from slogen.live.promtool_run import PromtoolMissing, run_promtool_tests
from slogen.live.status import (
    STATUS_HEADERS,
    raw_series_lookbacks,
    status_report,
    fail_on_problem,
    failing,
    history_queries,
    status_json,
    status_queries,
    status_rows,
)
from slogen.postmortem.commands import postmortem_app
from slogen.spec.durations import parse_duration
from slogen.spec.errors import Diagnostic, one_line
from slogen.spec.formats.jsonnet import JsonnetOptions
from slogen.spec.load import LoadedSpec, load_specs
from slogen.spec.options import COMPAT_MODES, SpecOptions
from slogen.spec.promql import NAME_VALIDATIONS
from slogen.spec.model import json_schema

app = typer.Typer(
    name="slogen",
    help="Compile SLO specs into Prometheus recording rules, burn-rate alerts, tests and dashboards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(postmortem_app, name="postmortem")
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)

EXIT_STALE = 1
EXIT_INPUT = 2
EXIT_IO = 74  # sysexits' EX_IOERR: output/ (or a file beside it) could not be written

SpecsArg = Annotated[
    Optional[list[Path]], typer.Argument(help="Spec files or directories (default: slo_specs/)", show_default=False)
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output directory")]
TargetOpt = Annotated[
    Optional[list[str]],
    typer.Option("--target", "-t", help=f"Rule dialect(s), repeatable or comma-separated: {', '.join(TARGETS)} [default: prometheus]", show_default=False),
]
NamespaceOpt = Annotated[Optional[str], typer.Option("--operator-namespace", help="metadata.namespace of each PrometheusRule")]
ShareOpt = Annotated[
    str,
    typer.Option(
        "--share-rules",
        help="service: rules shared by SLOs are written once per service; global: once for every service, in <target>/_shared "
        "(one Prometheus or one Mimir tenant evaluating every service)",
    ),
]
LabelOpt = Annotated[
    Optional[list[str]], typer.Option("--operator-label", help="key=value label on each PrometheusRule (for ruleSelector); repeatable")
]
ExtStrOpt = Annotated[
    Optional[list[str]], typer.Option("--ext-str", help="Jsonnet external variable as a string: NAME=VALUE (repeatable)")
]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes for large trees (0: one per CPU)")]
ExtCodeOpt = Annotated[
    Optional[list[str]], typer.Option("--ext-code", help="Jsonnet external variable as code: NAME=EXPR (repeatable)")
]


# Sloth's global flags, for every spec of the run (README: "Migrating from Sloth / Pyrra / OpenSLO").
DefaultPeriodOpt = Annotated[
    Optional[str], typer.Option("--default-slo-period", help="Window of every SLO that sets none (Sloth specs never do), e.g. 28d [default: 30d]", show_default=False)
]
ExtraLabelsOpt = Annotated[
    Optional[list[str]], typer.Option("--extra-labels", help="key=value label on every SLO's series and alerts; repeatable (the spec's labels win)")
]
DisableAlertsOpt = Annotated[bool, typer.Option("--disable-alerts", help="Recording rules only: no SLO alerts")]
IncludeOpt = Annotated[Optional[str], typer.Option("--include", help="Read only files found in spec directories whose path matches this regex")]
ExcludeOpt = Annotated[Optional[str], typer.Option("--exclude", help="Skip files found in spec directories whose path matches this regex")]
CompatOpt = Annotated[
    Optional[list[str]],
    typer.Option("--label-compat", help=f"Also emit a migrated tool's label names: {', '.join(COMPAT_MODES)}; repeatable", show_default=False),
]

# Named after Prometheus 3's metric_name_validation_scheme, which decides what its rule files may name.
NameValidationOpt = Annotated[
    str,
    typer.Option(
        "--name-validation",
        help="Names the engine loading the rules takes, as Prometheus 3's metric_name_validation_scheme: legacy "
        "(rules that load on Prometheus 2.42 and 3.x) or utf8 (Prometheus 3 with the utf8 scheme, its default: "
        'quoted names such as {"http.server.request.duration_count"} and grouping by "service.name")',
    ),
]


def _spec_options(
    default_period: Optional[str] = None,
    extra_labels: Optional[list[str]] = None,
    disable_alerts: bool = False,
    include: Optional[str] = None,
    exclude: Optional[str] = None,
    compat: Optional[list[str]] = None,
    name_validation: str = "legacy",
) -> SpecOptions:
    """The spec options of a command line, or a message and exit 2."""
    if name_validation not in NAME_VALIDATIONS:
        typer.echo(f"--name-validation {name_validation!r}: expected one of {', '.join(NAME_VALIDATIONS)}", err=True)
        raise typer.Exit(EXIT_INPUT)
    if default_period is not None:
        try:
            parse_duration(default_period)
        except ValueError as err:
            typer.echo(f"--default-slo-period: {err}", err=True)
            raise typer.Exit(EXIT_INPUT)
    for option, pattern in (("--include", include), ("--exclude", exclude)):
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as err:
                typer.echo(f"{option} {pattern!r}: not a regular expression: {err}", err=True)
                raise typer.Exit(EXIT_INPUT)
    modes = tuple(sorted({m.strip() for value in compat or [] for m in value.split(",") if m.strip()}))
    unknown = [m for m in modes if m not in COMPAT_MODES]
    if unknown:
        typer.echo(f"--label-compat {unknown[0]!r}: expected one of {', '.join(COMPAT_MODES)}", err=True)
        raise typer.Exit(EXIT_INPUT)
    labels = _pairs("--extra-labels", extra_labels)
    return SpecOptions(default_period, tuple(sorted(labels.items())), disable_alerts, include, exclude, modes, name_validation)


def _specs(paths: Optional[list[Path]]) -> list[Path]:
    return list(paths) if paths else [Path("slo_specs")]


def _fail(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in sorted(diagnostics):
        typer.echo(str(diagnostic), err=True)
    count = len(diagnostics)
    err_console.print(f"[red]{count} problem{'s' if count != 1 else ''}; nothing was written[/red]")
    raise typer.Exit(EXIT_INPUT)


def _check_out(out: Path, paths: list[Path], access: Access = "replace", adopt: bool = False) -> None:
    """Refuse an unsafe --out (the root, a home, a repository's top, the specs, an empty value...) before touching anything."""
    typed = str(out)
    if out == Path("."):  # typer reads `--out ""` as Path("."): look at the value as typed
        args = sys.argv[1:]
        for index, arg in enumerate(args[:args.index("--")] if "--" in args else args):
            if arg in ("--out", "-o") and index + 1 < len(args):
                typed = args[index + 1]
            elif arg.startswith("--out="):
                typed = arg[len("--out="):]
    problem = out_dir_problem(typed, paths, access, adopt)
    if problem is not None:
        typer.echo(f"slogen: {problem}; nothing was written", err=True)
        raise typer.Exit(EXIT_INPUT)
    problem = unwritable(out) if access != "read" else None
    if problem is not None:
        typer.echo(f"slogen: {problem}", err=True)
        raise typer.Exit(EXIT_IO)


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


def _pairs(option: str, values: Optional[list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        name, sep, text = value.partition("=")
        if not sep or not name:
            typer.echo(f"{option} {value!r}: expected NAME=VALUE", err=True)
            raise typer.Exit(EXIT_INPUT)
        out[name] = text
    return out


def _jsonnet(ext_str: Optional[list[str]], ext_code: Optional[list[str]]) -> JsonnetOptions:
    return JsonnetOptions(_pairs("--ext-str", ext_str), _pairs("--ext-code", ext_code))


def load_and_compile(
    paths: list[Path], jsonnet: JsonnetOptions | None = None, options: SpecOptions | None = None
) -> tuple[list[LoadedSpec], list[CompiledService]]:
    """Load and compile, or print every problem and exit 2."""
    loaded, diagnostics = load_specs(paths, jsonnet, options)
    services, more = compile_all(loaded)
    diagnostics += more
    if diagnostics:
        _fail(diagnostics)
    return loaded, services


def compile_specs(paths: list[Path], jsonnet: JsonnetOptions | None = None, options: SpecOptions | None = None) -> list[CompiledService]:
    """Load and compile, or print every problem and exit 2."""
    return load_and_compile(paths, jsonnet, options)[1]


def _target_options(
    target: Optional[list[str]], namespace: Optional[str], labels: Optional[list[str]], share: str = "service"
) -> tuple[tuple[str, ...], TargetOptions]:
    if share not in SHARE_RULES:
        raise TargetError(f"--share-rules {share!r}: choose from {', '.join(SHARE_RULES)}")
    options = TargetOptions(
        operator_namespace=parse_namespace(namespace) if namespace is not None else None,
        operator_labels=tuple(parse_label(label) for label in labels or []),
        share_rules=share,
    )
    return parse_targets(target), options


def build(
    paths: list[Path],
    jsonnet: JsonnetOptions,
    target: Optional[list[str]],
    namespace: Optional[str],
    labels: Optional[list[str]],
    jobs: int,
    stage: Stage,
    spec_options: SpecOptions | None = None,
    share: str = "service",
) -> Tree:
    """Load, compile and stage a spec tree (in worker processes when large), or print every problem and exit 2."""
    try:
        tree, diagnostics = build_tree(paths, *_target_options(target, namespace, labels, share), jsonnet, jobs, stage, spec_options)
    except TargetError as err:
        typer.echo(f"slogen: {err}", err=True)
        raise typer.Exit(EXIT_INPUT)
    if tree is None:
        _fail(diagnostics)
    assert tree is not None
    return tree


def _summary(changes: Changes) -> str:
    parts = [f"{len(changes.added)} added", f"{len(changes.changed)} changed", f"{len(changes.removed)} removed"]
    return ", ".join(parts)


@app.command()
def generate(
    specs: SpecsArg = None,
    out: OutOpt = Path("output"),
    target: TargetOpt = None,
    operator_namespace: NamespaceOpt = None,
    operator_label: LabelOpt = None,
    ext_str: ExtStrOpt = None,
    ext_code: ExtCodeOpt = None,
    jobs: JobsOpt = 0,
    default_slo_period: DefaultPeriodOpt = None,
    extra_labels: ExtraLabelsOpt = None,
    disable_alerts: DisableAlertsOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    label_compat: CompatOpt = None,
    share_rules: ShareOpt = "service",
    name_validation: NameValidationOpt = "legacy",
    adopt_out: Annotated[
        bool, typer.Option("--adopt-out", help="Take over an existing non-empty directory as the output; files slogen did not write are kept")
    ] = False,
) -> None:
    """Compile specs into OUT (atomically; files slogen did not write are kept)."""
    paths = _specs(specs)
    _check_out(out, paths, adopt=adopt_out)
    jsonnet = _jsonnet(ext_str, ext_code)
    spec_options = _spec_options(default_slo_period, extra_labels, disable_alerts, include, exclude, label_compat, name_validation)
    # Options change the output as much as the specs do, so they are part of the inputs.
    options = repr((target, operator_namespace, operator_label, jsonnet, share_rules) + ((spec_options,) if spec_options != SpecOptions() else ()))
    inputs = inputs_digest(paths, options)
    last = up_to_date(out, inputs)
    if last is not None:
        err_console.print(f"{last['services']} services, {last['slos']} SLOs -> {out}/ (up to date, specs unchanged)")
        return
    try:
        # Workers write their files beside `out` as they go; one swap at the end.
        with staging_area(out) as staging, paused_gc(freeze=True):
            tree = build(paths, jsonnet, target, operator_namespace, operator_label, jobs, Stage(out, staging), spec_options, share_rules)
            changes = commit(out, staging, list(tree.staged))
    except OutputConflict as err:
        typer.echo(f"{out}: refusing to overwrite files slogen did not write: {err}", err=True)
        raise typer.Exit(EXIT_INPUT)
    _warn_specs(tree.services)
    _warn_untested(tree.services)
    services, slos = tree.services, tree.slos
    # Remember only inputs that did not change while we compiled them.
    if inputs is not None and inputs_digest(paths, options) == inputs:
        remember(out, inputs, len(services), slos)
    if changes.any:
        err_console.print(f"{len(services)} services, {slos} SLOs -> {out}/ ({_summary(changes)})")
    else:
        err_console.print(f"{len(services)} services, {slos} SLOs -> {out}/ (up to date)")


@app.command()
def check(
    specs: SpecsArg = None,
    out: OutOpt = Path("output"),
    target: TargetOpt = None,
    operator_namespace: NamespaceOpt = None,
    operator_label: LabelOpt = None,
    ext_str: ExtStrOpt = None,
    ext_code: ExtCodeOpt = None,
    jobs: JobsOpt = 0,
    default_slo_period: DefaultPeriodOpt = None,
    extra_labels: ExtraLabelsOpt = None,
    disable_alerts: DisableAlertsOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    label_compat: CompatOpt = None,
    share_rules: ShareOpt = "service",
    name_validation: NameValidationOpt = "legacy",
) -> None:
    """Validate specs and exit 1 when OUT differs from what generate (with the same options) would write."""
    spec_options = _spec_options(default_slo_period, extra_labels, disable_alerts, include, exclude, label_compat, name_validation)
    _check_out(out, _specs(specs), "read")
    with paused_gc(freeze=True):
        tree = build(_specs(specs), _jsonnet(ext_str, ext_code), target, operator_namespace, operator_label, jobs, Stage(out, None), spec_options, share_rules)
    changes = changes_of(out, list(tree.staged))
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
def validate(
    specs: SpecsArg = None,
    ext_str: ExtStrOpt = None,
    ext_code: ExtCodeOpt = None,
    default_slo_period: DefaultPeriodOpt = None,
    extra_labels: ExtraLabelsOpt = None,
    disable_alerts: DisableAlertsOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    label_compat: CompatOpt = None,
    name_validation: NameValidationOpt = "legacy",
) -> None:
    """Validate specs; print every problem as path:line:col: message."""
    spec_options = _spec_options(default_slo_period, extra_labels, disable_alerts, include, exclude, label_compat, name_validation)
    loaded, services = load_and_compile(_specs(specs), _jsonnet(ext_str, ext_code), spec_options)
    _warn_specs(loaded)
    slos = sum(len(s.plans) for s in services)
    err_console.print(f"{len(services)} services, {slos} SLOs: valid")


def _warn_specs(items: Sequence[LoadedSpec | ServiceOutput]) -> None:
    """What converting a Sloth/Pyrra/OpenSLO spec changed or left out, and what a native spec's
    author should know (compile.spec_warnings), one located line each; never an exit code."""
    for item in items:
        for warning in spec_warnings(item) if isinstance(item, LoadedSpec) else item.warnings:
            path, line, col, message = one_line(warning.path), warning.line, warning.col, one_line(warning.message)
            typer.echo(f"{path}:{line}:{col}: warning: {message}", err=True)


def _warn_untested(services: Sequence[CompiledService | ServiceOutput]) -> int:
    count = 0
    for compiled in services:
        for name, reason in compiled.untested:
            err_console.print(f"[yellow]warning:[/yellow] {compiled.source}: SLO {compiled.service}/{name} is UNTESTED: {reason}")
            count += 1
    return count


@app.command("test")
def test_rules(
    specs: SpecsArg = None,
    out: OutOpt = Path("output"),
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="promtool processes at once (default: CPUs)")] = None,
    default_slo_period: DefaultPeriodOpt = None,
    extra_labels: ExtraLabelsOpt = None,
    disable_alerts: DisableAlertsOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    label_compat: CompatOpt = None,
    name_validation: NameValidationOpt = "legacy",
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any SLO is untested (README: which SLIs cannot be)")] = False,
) -> None:
    """Run the generated promtool tests in OUT/tests with the real promtool (give the options generate had)."""
    _check_out(out, _specs(specs), "read")
    spec_options = _spec_options(default_slo_period, extra_labels, disable_alerts, include, exclude, label_compat, name_validation)
    services = compile_specs(_specs(specs), None, spec_options)
    files = output_files(services)
    changes = diff_output(out, files)
    # Rule files another target replaced (prometheus-operator only) are rendered from the
    # specs below: the same groups that target's files carry.
    stale = [rel for rel in changes.added + changes.changed if rel.startswith("tests/") or (rel.startswith("rules/") and rel in changes.changed)]
    if stale:
        for rel in stale:
            typer.echo(f"{out / rel}: missing or stale: run `{generate_command()}` before testing", err=True)
        raise typer.Exit(EXIT_STALE)
    untested = _warn_untested(services)
    loads = {rel: c.tests.rule_paths for c in services if c.tests is not None for rel in c.tests.files}
    tests = [rel for rel in sorted(files) if rel in loads]
    with tempfile.TemporaryDirectory(prefix="slogen-test-") as tmp:
        paths = []
        for rel in tests:
            rules = [os.path.normpath(f"tests/{path}") for path in loads[rel]]
            if any(path in changes.added for path in rules):
                for path in rules:
                    _materialize(Path(tmp), path, files[path])
                paths.append(_materialize(Path(tmp), rel, files[rel]))
            else:
                paths.append(out / rel)
        try:
            results = run_promtool_tests(paths, jobs)
        except PromtoolMissing as err:
            typer.echo(str(err), err=True)
            raise typer.Exit(EXIT_STALE)
    for rel, result in zip(tests, results):
        shown = out / rel
        if result.passed:
            err_console.print(f"[green]PASS[/green] {shown} ({result.seconds:.1f}s)")
        else:
            err_console.print(f"[red]FAIL[/red] {shown} ({result.seconds:.1f}s)")
            typer.echo(result.output, err=True)
    failed = sum(not r.passed for r in results)
    summary = f"{len(results) - failed}/{len(results)} test files passed"
    if untested:
        summary += f"; {untested} SLO{'s' if untested != 1 else ''} untested" + (" (--strict)" if strict else "")
    err_console.print(summary)
    if failed or (strict and untested):
        raise typer.Exit(EXIT_STALE)


def _materialize(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@app.command()
def explain(
    specs: SpecsArg = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print GitHub markdown tables (as in the README)")] = False,
    default_slo_period: DefaultPeriodOpt = None,
    name_validation: NameValidationOpt = "legacy",
) -> None:
    """Print each SLO's alert tiers: windows, factor, threshold, detection time, budget burnt."""
    loaded, services = load_and_compile(_specs(specs), None, _spec_options(default_slo_period, name_validation=name_validation))
    _warn_specs(loaded)
    for compiled in services:
        for plan in compiled.plans:
            if markdown:
                typer.echo(markdown_table(plan, compiled.tests))
                continue
            table = Table(title=f"{plan.service}/{plan.name} ({plan.objective_percent}% {plan.window_text()})")
            for column in COLUMNS:
                table.add_column(column)
            for row in explain_rows(plan, compiled.tests):
                table.add_row(*row.cells)
            # Eight columns do not fit rich's 80-column default for pipes; never wrap cells.
            Console(highlight=False, width=max(out_console.width, 140)).print(table)
    _warn_untested(services)


@app.command()
def convert(
    specs: Annotated[list[Path], typer.Argument(help="Spec files or directories in any format slogen reads")],
    ext_str: ExtStrOpt = None,
    ext_code: ExtCodeOpt = None,
    name_validation: NameValidationOpt = "legacy",
) -> None:
    """Print the native slogen spec equivalent to Sloth, OpenSLO, Pyrra or jsonnet specs."""
    loaded, _ = load_and_compile(list(specs), _jsonnet(ext_str, ext_code), _spec_options(name_validation=name_validation))
    typer.echo(render_native([item.spec for item in loaded], [item.document.path for item in loaded]), nl=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the native spec."""
    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))


def _plans(specs: Optional[list[Path]], name_validation: str = "legacy"):
    return [plan for service in compile_specs(_specs(specs), None, _spec_options(name_validation=name_validation)) for plan in service.plans]


def _table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


@app.command()
def budget(
    specs: SpecsArg = None,
    rps: Annotated[Optional[float], typer.Option("--rps", min=0, help="Traffic in requests/s: adds the requests allowed to fail")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown")] = "table",
    name_validation: NameValidationOpt = "legacy",
) -> None:
    """Show each SLO's error budget as downtime, failed requests and alert detection times."""
    if format not in ("table", "json", "markdown"):
        typer.echo(f"--format: expected table, json or markdown, got {format!r}", err=True)
        raise typer.Exit(EXIT_INPUT)
    budgets = [slo_budget(plan, rps) for plan in _plans(specs, name_validation)]
    if format == "json":
        typer.echo(json.dumps(budget_json(budgets), indent=2))
    elif format == "markdown":
        typer.echo(render_markdown(budgets, rps), nl=False)
    else:
        headers = BUDGET_HEADERS + ([f"failures / window at {rps:g} rps"] if rps is not None else [])
        out_console.print(_table("Error budgets (downtime = a full outage)", headers, [budget_rows(b) for b in budgets]))
        tiers = [row for b in budgets for row in tier_rows(b)]
        if tiers:
            out_console.print(_table("Alert tiers: detection time at 100% errors", TIER_HEADERS, tiers))


EXIT_GATE = 1
EXIT_PROMETHEUS = 3


@app.command()
def status(
    specs: SpecsArg = None,
    prometheus: Annotated[str, typer.Option("--prometheus", "-p", help="Prometheus base URL, e.g. http://127.0.0.1:9090")] = ...,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
    fail_on: Annotated[
        Optional[str],
        typer.Option("--fail-on", help="Exit 1 when an SLO is in this policy state or a later one (default: budget exhausted)"),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each query")] = 10.0,
    http_config: HTTPConfigOpt = None,
    tenant: TenantOpt = None,
    name_validation: NameValidationOpt = "legacy",
) -> None:
    """Show every SLO's live SLI, budget left, burn rates, policy state and firing alerts.

    Exit 0 when all is well, 1 when an SLO is at or past --fail-on, 2 on bad input,
    3 when Prometheus cannot answer or the rules are not deployed.
    """
    if format not in ("table", "json"):
        typer.echo(f"--format: expected table or json, got {format!r}", err=True)
        raise typer.Exit(EXIT_INPUT)
    services = compile_specs(_specs(specs), None, _spec_options(name_validation=name_validation))
    plans = [plan for service in services for plan in service.plans]
    problem = fail_on_problem(plans, fail_on)
    try:
        client = Prometheus(prometheus, timeout, load_http_config(http_config, tenant))
    except ValueError as err:
        problem = problem or str(err)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(EXIT_INPUT)
    try:
        with client:
            results = {key: client.query(expr) for key, expr in status_queries(plans).items()}
            now = time.time()
            # A raw selector matches when a series had samples within the SLO window.
            results.update(
                {f"raw:{text}": [Sample({})] if client.series_exist(text, now - back) else [] for text, back in raw_series_lookbacks(plans).items()}
            )
            loaded = client.rule_groups()
    except PrometheusError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(EXIT_PROMETHEUS)
    found = status_report(plans, results, loaded, {s.service: tuple(g.name for g in s.groups) for s in services})
    rows, problems = found.rows, found.problems
    gated = failing(rows, plans, fail_on)
    if format == "json":
        typer.echo(json.dumps(status_json(rows, gated, problems), indent=2))
    else:
        out_console.print(_table(f"SLO status from {client.url}", STATUS_HEADERS, status_rows(rows, gated)))
    for line in found.notes:
        typer.echo(f"note: {line}", err=True)
    for line in problems:
        typer.echo(line, err=True)
    # The worst real state decides: an SLO past the gate fails it even if another has no data.
    if gated:
        gate = fail_on or "the last state of its budget policy (budget exhausted)"
        typer.echo(f"{len(gated)} SLO{'s' if len(gated) != 1 else ''} at or past {gate}: " + ", ".join(r.slo for r in gated), err=True)
        raise typer.Exit(EXIT_GATE)
    if problems:
        raise typer.Exit(EXIT_PROMETHEUS)


@app.command()
def report(
    specs: SpecsArg = None,
    out: OutOpt = Path("output"),
    prometheus: Annotated[
        Optional[str], typer.Option("--prometheus", "-p", help="Add budget burn-down and burn-rate history from this Prometheus")
    ] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="History to plot, e.g. 7d (default: each SLO's window)")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each query")] = 10.0,
    http_config: HTTPConfigOpt = None,
    tenant: TenantOpt = None,
    name_validation: NameValidationOpt = "legacy",
) -> None:
    """Write OUT/report/index.html (as generate does), or with --prometheus OUT/report/live.html with history."""
    _check_out(out, _specs(specs), "write")
    plans = _plans(specs, name_validation)
    history = None
    source = ""
    if prometheus is not None:
        try:
            span = parse_duration(since) if since is not None else None
            client = Prometheus(prometheus, timeout, load_http_config(http_config, tenant))
        except ValueError as err:
            typer.echo(f"--since: {err}" if "duration" in str(err) else str(err), err=True)
            raise typer.Exit(EXIT_INPUT)
        source = client.url
        end = time.time()
        history = {}
        try:
            with client:
                for plan in plans:
                    start = end - (span or plan.period)
                    step = max(1.0, (end - start) / 240)  # ~240 points per line whatever the range
                    found = {
                        key: tuple(client.query_range(expr, start, end, step)) for key, expr in history_queries(plan).items()
                    }
                    history[plan.id] = History(start, end, found["remaining"], found["burn_rate"])
        except PrometheusError as err:
            typer.echo(str(err), err=True)
            raise typer.Exit(EXIT_PROMETHEUS)
    # Without history the page is the one `generate` writes; a live page gets its own name
    # so it never makes the generated output look stale.
    path = out / "report" / ("live.html" if history is not None else "index.html")
    write_file(path, render_report(plans, history, source))
    err_console.print(f"{len(plans)} SLOs -> {path}")


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
        # Nothing half-written: a run that fails here left output/ as it was.
        where = f"{err.filename}: " if err.filename else ""
        typer.echo(f"{where}{err.strerror or err}", err=True)
        sys.exit(EXIT_IO)
    except Exception as err:  # a slogen bug: say so plainly, details on request
        if os.environ.get("SLOGEN_DEBUG"):
            raise
        typer.echo(f"slogen: internal error: {type(err).__name__}: {err} (set SLOGEN_DEBUG=1 for a traceback)", err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
