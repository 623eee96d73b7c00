"""`slogen postmortem new|lint|guide|index`: parse arguments, call the core, print."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from slogen.errors import EXIT_CODES, EXIT_FINDINGS, InputError, OptionError, PrometheusError
from slogen.plan.slo import SLOPlan, plan_slo
from slogen.postmortem.impact import BudgetImpact, WindowQueries, estimate_impact, measured_impact, window_queries
from slogen.postmortem.files import load_postmortems, read_index, write_index, write_new
from slogen.postmortem.guide import render_guide
from slogen.postmortem.index import INDEX_NAME, index_entry, render_index
from slogen.postmortem.lint import DEFAULT_SEVERITY, lint_postmortem, parse_severities
from slogen.postmortem.model import Incident, decide, incident_problems, parse_utc
from slogen.live.http_config import HTTPConfig, HTTPConfigOpt, TenantOpt, load_http_config
from slogen.live.prometheus_api import Prometheus
from slogen.postmortem.templates import render_postmortem
from slogen.spec.load import load_specs
from slogen.spec.model import SLO
from slogen.spec.options import SpecOptions
from slogen.spec.promql import SLIError
from slogen.spec.promql_names import NAME_VALIDATIONS

postmortem_app = typer.Typer(
    help="Blameless postmortems as code: write them from templates, lint them in CI, index them.",
    no_args_is_help=True,
)

# A Prometheus that cannot measure the incident is bad input here (exit 2, not 3): --prometheus is optional.
EXIT_INPUT = EXIT_CODES[InputError]
QUERY_TIMEOUT = 30.0  # seconds per query: the window queries read a whole incident's raw samples
DEFAULT_DIR = Path("postmortems")

DirOpt = Annotated[Path, typer.Option("--dir", "-d", help="Postmortem directory")]


def _fail(lines: list[str], code: int = EXIT_INPUT) -> None:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


def _find_slo(slo: str, specs: Path, names: str = "legacy") -> tuple[SLO, SLOPlan]:
    service_name, sep, slo_name = slo.partition("/")
    if not sep or not service_name or not slo_name:
        _fail([f"--slo {slo!r}: expected service/name, e.g. checkout/availability"])
    loaded, diagnostics = load_specs([specs], options=SpecOptions(name_validation=names))
    if diagnostics:
        _fail([str(d) for d in sorted(diagnostics)])
    known = []
    for item in loaded:
        for index, spec_slo in enumerate(item.spec.slos):
            known.append(f"{item.spec.service}/{spec_slo.name}")
            if item.spec.service == service_name and spec_slo.name == slo_name:
                plan, problems = plan_slo(item.spec, index)
                if plan is None:
                    _fail([f"{item.document.path}: {slo}: {p.message}" for p in problems])
                return spec_slo, plan
    _fail([f"--slo {slo!r}: no such SLO in {specs}/; known: {', '.join(sorted(known)) or 'none'}"])
    raise AssertionError("unreachable")


def _impact(slo: str, specs: Path, incident: Incident, prometheus: str | None, http: HTTPConfig | None = None, names: str = "legacy") -> BudgetImpact:
    spec_slo, plan = _find_slo(slo, specs, names)
    if prometheus is None:
        return estimate_impact(plan, incident.duration)
    if incident.duration <= 0:
        _fail(["--prometheus: the incident has no duration to measure (--end equals --start)"])
    try:
        queries = window_queries(spec_slo.sli, incident.duration, plan)
        with Prometheus(prometheus, QUERY_TIMEOUT, http) as client:
            events = _rate(client, queries.events, incident.end)
            if events is None or events <= 0:
                _fail([f"{prometheus}: no events for {queries.events} at {incident.end:%Y-%m-%dT%H:%M:%SZ}; is the SLI's data in this Prometheus?"])
            bad = _bad_rate(client, queries, incident.end, events)
    except (OptionError, PrometheusError, SLIError) as err:
        _fail([str(err)])
    return measured_impact(plan, incident.duration, bad, events)


def _rate(client: Prometheus, expr: str, at: datetime) -> float | None:
    """The summed value of an instant query at `at`; None when it returns no series."""
    samples = client.query(expr, at.timestamp())
    return sum(s.value for s in samples) if samples else None


def _bad_rate(client: Prometheus, queries: WindowQueries, at: datetime, events: float) -> float:
    # No error series means no errors; no good series means nothing was good.
    if queries.bad is not None:
        return _rate(client, queries.bad, at) or 0.0
    return max(events - (_rate(client, queries.good or "", at) or 0.0), 0.0)


@postmortem_app.command()
def new(
    title: Annotated[str, typer.Option(help="What happened, in a few words")],
    severity: Annotated[str, typer.Option(help="SEV1 (worst) .. SEV4")],
    start: Annotated[str, typer.Option(help="When impact began, UTC: 2024-03-01T14:05Z")],
    end: Annotated[str, typer.Option(help="When impact ended, UTC")],
    slo: Annotated[Optional[str], typer.Option(help="The SLO it hit, service/name, for the budget it consumed")] = None,
    customer_facing: Annotated[bool, typer.Option("--customer-facing", help="Customers saw it")] = False,
    data_loss: Annotated[bool, typer.Option("--data-loss", help="Data was lost")] = False,
    security: Annotated[bool, typer.Option("--security", help="A security incident")] = False,
    near_miss: Annotated[bool, typer.Option("--near-miss", help="Request a postmortem for a near-miss")] = False,
    novel: Annotated[bool, typer.Option("--novel", help="Request a postmortem for a novel failure mode")] = False,
    template: Annotated[str, typer.Option(help="auto (standard when required, else quick), standard or quick")] = "auto",
    prometheus: Annotated[Optional[str], typer.Option(help="Prometheus base URL to measure the budget consumed")] = None,
    specs: Annotated[Path, typer.Option(help="SLO spec directory")] = Path("slo_specs"),
    directory: DirOpt = DEFAULT_DIR,
    http_config: HTTPConfigOpt = None,
    tenant: TenantOpt = None,
    name_validation: Annotated[
        str, typer.Option("--name-validation", help="legacy or utf8: the names the specs may use, as `slogen generate --name-validation`")
    ] = "legacy",
) -> None:
    """Write postmortems/YYYY-MM-DD-<slug>.md from the template the incident needs; never overwrites."""
    problems = []
    moments = {}
    for name, text in (("start", start), ("end", end)):
        try:
            moments[name] = parse_utc(text)
        except ValueError as err:
            problems.append(f"--{name}: {err}")
    if template not in ("auto", "standard", "quick"):
        problems.append(f"--template {template!r} is not one of auto, standard, quick")
    if prometheus is not None and slo is None:
        problems.append("--prometheus needs --slo to know what to measure")
    if name_validation not in NAME_VALIDATIONS:
        problems.append(f"--name-validation {name_validation!r}: expected one of {', '.join(NAME_VALIDATIONS)}")
    try:
        http = load_http_config(http_config, tenant)
    except OptionError as err:
        problems.append(str(err))
    if problems:
        _fail(problems)
    incident = Incident(
        title=title, severity=severity.upper(), start=moments["start"], end=moments["end"],
        customer_facing=customer_facing, data_loss=data_loss, security=security, near_miss=near_miss, novel=novel,
    )
    problems = incident_problems(incident)
    if problems:
        _fail(problems)
    decision = decide(incident)
    impact = _impact(slo, specs, incident, prometheus, http, name_validation) if slo is not None else None
    chosen = decision.template if template == "auto" else template
    try:
        path = write_new(directory, incident.file_name, render_postmortem(incident, decision, chosen, impact))
    except FileExistsError:
        _fail([f"{directory / incident.file_name}: already exists; not overwriting (pick another --title)"])
    required = f"required: {'; '.join(decision.reasons)}" if decision.required else "not required; kept as a quick record"
    typer.echo(f"wrote {path} ({chosen} template; postmortem {required})", err=True)
    if impact is not None:
        typer.echo(f"error budget: {impact.summary()}", err=True)
    typer.echo(str(path))


@postmortem_app.command()
def lint(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Postmortem files or directories (default: postmortems/)", show_default=False)] = None,
    rule: Annotated[
        Optional[list[str]],
        typer.Option("--rule", help=f"CHECK=error|warning|off; checks: {', '.join(DEFAULT_SEVERITY)}"),
    ] = None,
) -> None:
    """Check postmortems for CI; prints path:line: severity: message (check id); exits 1 on errors."""
    severities, problems = parse_severities(rule or [])
    if problems:
        _fail([f"--rule: {p}" for p in problems])
    postmortems, problems = load_postmortems(list(paths) if paths else [DEFAULT_DIR])
    if not postmortems and not problems:
        problems.append(f"{', '.join(str(p) for p in paths or [DEFAULT_DIR])}: no postmortems (*.md) found")
    findings = [f for pm in postmortems for f in lint_postmortem(pm, severities)]
    for finding in findings:
        typer.echo(str(finding))
    for problem in problems:
        typer.echo(problem, err=True)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    typer.echo(f"{len(postmortems)} postmortems: {errors} errors, {warnings} warnings", err=True)
    if problems:
        raise typer.Exit(EXIT_INPUT)
    if errors:
        raise typer.Exit(EXIT_FINDINGS)


@postmortem_app.command()
def guide() -> None:
    """Print the 60-minute postmortem meeting agenda and facilitation tips."""
    typer.echo(render_guide(), nl=False)


@postmortem_app.command()
def index(
    directory: DirOpt = DEFAULT_DIR,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if the index is stale instead of writing it")] = False,
) -> None:
    """Write DIR/README.md: every postmortem with severity, duration, budget consumed and open action items."""
    postmortems, problems = load_postmortems([directory])
    if problems:
        _fail(problems)
    text = render_index([index_entry(pm) for pm in postmortems])
    if check:
        if read_index(directory) != text:
            _fail([f"{directory / INDEX_NAME}: stale (run `slogen postmortem index`)"], EXIT_FINDINGS)
        typer.echo(f"{directory / INDEX_NAME} is up to date", err=True)
        return
    path = write_index(directory, text)
    typer.echo(f"wrote {path} ({len(postmortems)} postmortems)", err=True)


