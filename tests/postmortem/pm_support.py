"""Postmortem test support: filling template placeholders, and a real Prometheus with backfilled data."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest
from slogen.postmortem.model import PLACEHOLDER

from prometheus_server import free_port as any_free_port
from prometheus_server import prometheus_server

ROOT = Path(__file__).resolve().parents[2]


def fill_placeholders(text: str, time_of_day: str = "14:10") -> str:
    """Replace every `[[TODO: ...]]` with a value of the kind its hint asks for."""

    def value(match) -> str:
        hint = match.group(0)
        if "@handle" in hint:
            return "@sre-oncall"
        if "YYYY-MM-DD" in hint:
            return "2024-03-15"
        if "TICKET-123" in hint:
            return "OPS-101"
        if "HH:MM" in hint:
            return time_of_day
        return "the cache warmed from an empty config"

    return PLACEHOLDER.sub(value, text)


@pytest.fixture
def fill() -> Callable[..., str]:
    """The placeholder filler."""
    return fill_placeholders


@pytest.fixture
def free_port() -> int:
    """A port nothing listens on at the moment."""
    return any_free_port()


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed: run `make promtool`, which installs Debian's prometheus package")
    return path


def start_prometheus(openmetrics: str, workdir: Path) -> Iterator[str]:
    """Backfill `openmetrics` with promtool, start Prometheus on 127.0.0.1 over it, yield its URL, stop it."""
    data = workdir / "data"
    data.mkdir()
    source = workdir / "series.om"
    source.write_text(openmetrics)
    backfill = subprocess.run(
        [_tool("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
        capture_output=True, text=True, timeout=120,
    )
    assert backfill.returncode == 0, backfill.stderr + backfill.stdout
    # Long retention: the backfilled history is older than the default 15 days.
    with prometheus_server(workdir, "global:\n  evaluation_interval: 1m\n", "--storage.tsdb.retention.time=3650d", data=data) as url:
        yield url
