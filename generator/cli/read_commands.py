"""The commands that read compiled plans (and a live Prometheus): explain, budget, status, report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from slogen.build.compile import REPORT_FILE
from slogen.build.options import BuildOptions
from slogen.build.write import write_file
from slogen.cli.app import (
    EXIT_GATE, EXIT_INPUT, EXIT_PROMETHEUS, app, compile_tree, counted, err_console, print_table, specs_or_default, table,
    warn_specs, warn_untested,
)
from slogen.cli.build_commands import check_out
from slogen.cli.options import OutOpt, SpecsArg, compiles
from slogen.emit.report.budget_table import BUDGET_HEADERS, TIER_HEADERS, budget_json, budget_rows, render_markdown, slo_budget, tier_rows
from slogen.emit.report.explain import COLUMNS, markdown_table
from slogen.emit.report.explain import tier_rows as explain_rows
from slogen.emit.report.html import render_report
from slogen.emit.report.period_html import render_period_html
from slogen.emit.report.period_model import Period, parse_period, render_csv, render_json
from slogen.live.fetch import fetch_history, fetch_status
from slogen.live.http_config import HTTPConfigOpt, TenantOpt, load_http_config
from slogen.errors import OptionError
from slogen.live.period_report import fetch_period, postmortems_naming
from slogen.live.prometheus_api import Prometheus
from slogen.live.status import STATUS_HEADERS, status_json, status_report, status_rows
from slogen.live.status_gate import fail_on_problem, failing, gate_failures
from slogen.postmortem.files import load_postmortems
from slogen.postmortem.index import index_entry
from slogen.spec.durations import parse_duration

TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each query")]


@app.command()
@compiles
def explain(
    specs: SpecsArg = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print GitHub markdown tables (as in the README)")] = False,
    options: BuildOptions = BuildOptions(),
) -> None:
    """Print each SLO's alert tiers: windows, factor, threshold, detection time, budget burnt."""
    tree = compile_tree(specs_or_default(specs), options, detail=True)
    warn_specs(tree.services)
    for service in tree.services:
        tests = service.compiled.tests if service.compiled is not None else None
        for plan in service.plans:
            notes = plan.exclusion.lines() if plan.exclusion else []
            if markdown:
                typer.echo(markdown_table(plan, tests) + "".join(f"\n- {line}" for line in notes) + ("\n" if notes else ""))
                continue
            rows = Table(title=f"{plan.service}/{plan.name} ({plan.objective_percent}% {plan.window_text()})")
            for column in COLUMNS:
                rows.add_column(column)
            for row in explain_rows(plan, tests):
                rows.add_row(*row.cells)
            print_table(rows)
            for line in notes:
                typer.echo(f"  {line}")
    warn_untested(tree.services)


@app.command()
@compiles
def budget(
    specs: SpecsArg = None,
    rps: Annotated[Optional[float], typer.Option("--rps", min=0, help="Traffic in requests/s: adds the requests allowed to fail")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown")] = "table",
    options: BuildOptions = BuildOptions(),
) -> None:
    """Show each SLO's error budget as downtime, failed requests and alert detection times."""
    if format not in ("table", "json", "markdown"):
        typer.echo(f"--format: expected table, json or markdown, got {format!r}", err=True)
        raise typer.Exit(EXIT_INPUT)
    plans = compile_tree(specs_or_default(specs), options).plans
    budgets = [slo_budget(plan, rps) for plan in plans]
    if format == "json":
        typer.echo(json.dumps(budget_json(budgets), indent=2))
    elif format == "markdown":
        typer.echo(render_markdown(budgets, rps), nl=False)
    else:
        headers = BUDGET_HEADERS + ([f"failures / window at {rps:g} rps"] if rps is not None else [])
        print_table(table("Error budgets (downtime = a full outage)", headers, [budget_rows(b) for b in budgets]))
        tiers = [row for b in budgets for row in tier_rows(b)]
        if tiers:
            print_table(table("Alert tiers: detection time at 100% errors", TIER_HEADERS, tiers))
        for plan in plans:
            for line in plan.exclusion.lines() if plan.exclusion else []:
                typer.echo(f"{plan.id}: {line}")


@app.command()
@compiles
def status(
    specs: SpecsArg = None,
    prometheus: Annotated[str, typer.Option("--prometheus", "-p", help="Prometheus base URL, e.g. http://127.0.0.1:9090")] = ...,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
    fail_on: Annotated[
        Optional[str],
        typer.Option(
            "--fail-on", help="Exit 1 when an SLO is in this policy state or a later one (default: budget exhausted); a firing page always exits 1"
        ),
    ] = None,
    timeout: TimeoutOpt = 10.0,
    http_config: HTTPConfigOpt = None,
    tenant: TenantOpt = None,
    options: BuildOptions = BuildOptions(),
) -> None:
    """Show every SLO's live SLI, budget left, burn rates, policy state and firing alerts.

    Exit 0 when all is well, 1 when an SLO is at or past --fail-on or a page is firing,
    2 on bad input, 3 when Prometheus cannot answer or the rules are not deployed.
    """
    if format not in ("table", "json"):
        typer.echo(f"--format: expected table or json, got {format!r}", err=True)
        raise typer.Exit(EXIT_INPUT)
    tree = compile_tree(specs_or_default(specs), options)
    plans = tree.plans
    problem = fail_on_problem(plans, fail_on)
    try:
        client = Prometheus(prometheus, timeout, load_http_config(http_config, tenant))
    except OptionError as err:
        problem = problem or str(err)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(EXIT_INPUT)
    with client:
        results, loaded = fetch_status(client, plans, time.time(), raw=options.split is None)
    found = status_report(plans, results, loaded, {s.service: s.group_names for s in tree.services})
    rows, problems = found.rows, found.problems
    gated = failing(rows, plans, fail_on)
    if format == "json":
        typer.echo(json.dumps(status_json(rows, gated, problems), indent=2))
    else:
        print_table(table(f"SLO status from {client.url}", STATUS_HEADERS, status_rows(rows, gated)))
    for line in found.notes:
        typer.echo(f"note: {line}", err=True)
    for line in problems:
        typer.echo(line, err=True)
    # The worst real state decides: an SLO past the gate, or paging, fails it even if another has no data.
    reasons = gate_failures(rows, gated, fail_on)
    for line in reasons:
        typer.echo(line, err=True)
    if reasons:
        raise typer.Exit(EXIT_GATE)
    if problems:
        raise typer.Exit(EXIT_PROMETHEUS)


@app.command()
@compiles
def report(
    specs: SpecsArg = None,
    out: OutOpt = Path("output"),
    prometheus: Annotated[
        Optional[str], typer.Option("--prometheus", "-p", help="Add budget burn-down and burn-rate history from this Prometheus")
    ] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="History to plot, e.g. 7d (default: each SLO's window)")] = None,
    period: Annotated[
        Optional[str], typer.Option("--period", help="With --prometheus: report a past period, 2026-11, 2026-W45, 2026-Q4 or 2026")
    ] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="With --period: totals per team or service (default)")] = None,
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="With --period: html (a file in OUT/report/), csv or json (printed)")] = None,
    time_zone: Annotated[Optional[str], typer.Option("--time-zone", help="With --period: the zone its days start in (default UTC)")] = None,
    postmortems: Annotated[
        Optional[Path], typer.Option("--postmortems", help="With --period: the postmortems directory (default: postmortems/, if present)")
    ] = None,
    timeout: TimeoutOpt = 10.0,
    http_config: HTTPConfigOpt = None,
    tenant: TenantOpt = None,
    options: BuildOptions = BuildOptions(),
) -> None:
    """Write OUT/report/index.html (as generate does), or with --prometheus OUT/report/live.html with history,
    or with --prometheus and --period a report of a past calendar period."""
    chosen = _period_choice(prometheus, since, period, by, format, time_zone, postmortems)
    check_out(out, specs_or_default(specs), "write")
    tree = compile_tree(specs_or_default(specs), options)
    if chosen is not None:
        _period_report(tree.plans, out, chosen, prometheus or "", timeout, load_http_config(http_config, tenant))
        return
    if prometheus is None:
        # The page `generate` writes, byte for byte: the one pipeline made it.
        path = out / REPORT_FILE
        write_file(path, tree.files[REPORT_FILE])
        err_console.print(f"{counted(tree.slos, 'SLO')} -> {path}")
        return
    try:
        span = parse_duration(since) if since is not None else None
        client = Prometheus(prometheus, timeout, load_http_config(http_config, tenant))
    except (ValueError, OptionError) as err:
        typer.echo(f"--since: {err}" if "duration" in str(err) else str(err), err=True)
        raise typer.Exit(EXIT_INPUT)
    with client:
        history = fetch_history(client, tree.plans, span, time.time())
    # A live page gets its own name so it never makes the generated output look stale.
    path = out / "report" / "live.html"
    write_file(path, render_report(tree.plans, history, client.url))
    err_console.print(f"{counted(tree.slos, 'SLO')} -> {path}")


def _period_choice(
    prometheus: str | None, since: str | None, period: str | None, by: str | None, format: str | None, zone: str | None, pms: Path | None
) -> tuple[Period, str, str, Path | None] | None:
    """The period report asked for (period, by, format, postmortems directory), None for the other reports; OptionError on a bad value."""
    if period is None:
        given = [name for name, value in (("--by", by), ("--format", format), ("--time-zone", zone), ("--postmortems", pms)) if value is not None]
        if given:
            raise OptionError(f"{given[0]} needs --period (a periodic report)")
        return None
    if prometheus is None:
        raise OptionError("--period needs --prometheus: a periodic report reads the period's numbers from Prometheus")
    if since is not None:
        raise OptionError("--since plots history for the live page; a --period report covers exactly its period: give one of them")
    if (by or "service") not in ("team", "service"):
        raise OptionError(f"--by: expected team or service, got {by!r}")
    if (format or "html") not in ("html", "csv", "json"):
        raise OptionError(f"--format: expected html, csv or json, got {format!r}")
    if pms is not None and not pms.is_dir():
        raise OptionError(f"--postmortems {str(pms)!r}: no such directory")
    return parse_period(period, zone or "UTC", time.time()), by or "service", format or "html", pms


def _period_report(plans: list, out: Path, chosen: tuple[Period, str, str, Path | None], url: str, timeout: float, http) -> None:
    """Read the period from Prometheus; write the HTML page, or print CSV or JSON."""
    period, by, format, pms = chosen
    directory = pms if pms is not None else Path("postmortems")
    entries = []
    if directory.is_dir():
        found, problems = load_postmortems([directory])
        for line in problems:
            typer.echo(line, err=True)
        if problems:
            raise typer.Exit(EXIT_INPUT)
        entries = [index_entry(pm) for pm in found]
    with Prometheus(url, timeout, http) as client:
        rows = fetch_period(client, plans, period, postmortems_naming(entries, period))
    if format == "csv":
        typer.echo(render_csv(rows, period, by), nl=False)
    elif format == "json":
        typer.echo(render_json(rows, period, by), nl=False)
    else:
        path = out / "report" / f"period-{period.name}{'-by-team' if by == 'team' else ''}.html"
        write_file(path, render_period_html(rows, period, by, client.url))
        err_console.print(f"{counted(len(rows), 'SLO')} over {period.name} -> {path}")
