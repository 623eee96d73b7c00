"""`slogen exclude`: write a one-off exclusion into the spec file of a service, for review in git."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from slogen.build.write import write_file
from slogen.cli.app import app, specs_or_default
from slogen.cli.options import SpecsArg
from slogen.errors import InputError, SpecError
from slogen.spec.discovery import discover, display_path
from slogen.spec.exclude_edit import EditRefused, add_exclusion
from slogen.spec.load import load_file, validate_document
from slogen.spec.safe_yaml import parse_yaml_documents


def _moment(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"slogen: {option} {text!r} is not a date and time: use ISO 8601, e.g. 2026-12-01T10:00:00Z") from None
    if value.tzinfo is None:
        raise InputError(f"slogen: {option} {text!r} needs an offset: Z for UTC, or e.g. +01:00")
    return value.astimezone(timezone.utc)


def _service_file(paths: list[Path], service: str | None) -> Path:
    """The one YAML file holding the service's native spec (or the only spec file, without --service)."""
    files, problems = discover(paths)
    if problems:
        raise SpecError(problems)
    found = []
    for path in files:
        loaded, _, _ = load_file(path, paths)
        if any(service is None or spec.spec.service == service for spec in loaded):
            found.append(path)
    if service is None and len(files) == 1:
        found = files
    if len(found) != 1:
        what = f"service {service!r}" if service else "the service (pass --service)"
        raise InputError(f"slogen: {len(found)} spec files hold {what}; nothing was written" if found else f"slogen: no native spec file holds {what}; nothing was written")
    return found[0]


@app.command()
def exclude(
    specs: SpecsArg = None,
    start: Annotated[str, typer.Option("--from", help="Start, ISO 8601 with an offset, e.g. 2026-12-01T10:00:00Z")] = "",
    end: Annotated[str, typer.Option("--to", help="End (exclusive), ISO 8601 with an offset")] = "",
    reason: Annotated[str, typer.Option("--reason", help="Why this time is left out of the error budget")] = "",
    service: Annotated[Optional[str], typer.Option("--service", help="The service whose spec file takes the entry")] = None,
    slo: Annotated[Optional[str], typer.Option("--slo", help="Exclude for this SLO only (default: every SLO of the service)")] = None,
) -> None:
    """Write a one-off exclusion (a correction or past maintenance) into a service's spec file."""
    if not (start and end and reason.strip()):
        raise InputError("slogen: exclude needs --from, --to and --reason")
    begin, finish = _moment(start, "--from"), _moment(end, "--to")
    if finish <= begin:
        raise InputError("slogen: --to must be after --from")
    path = _service_file(specs_or_default(specs), service)
    text = path.read_text(encoding="utf-8")
    try:
        new = add_exclusion(text, begin, finish, reason.strip(), slo)
    except EditRefused as err:
        raise InputError(f"{display_path(path)}: {err}; nothing was written") from None
    documents, problems = parse_yaml_documents(display_path(path), new)
    for document in documents:
        problems += validate_document(document)[1]
    if problems:
        raise SpecError(problems)
    write_file(path, new)
    typer.echo(f"{display_path(path)}: exclusion {begin:%Y-%m-%dT%H:%M:%SZ} .. {finish:%Y-%m-%dT%H:%M:%SZ} added; review it with git diff, then run slogen generate")
