"""Postmortem test support: filling template placeholders, and a real Prometheus with backfilled data."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from generator.postmortem.model import PLACEHOLDER

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    """A port nothing listens on at the moment."""
    return _free_port()


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
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  evaluation_interval: 1m\n")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            _tool("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=3650d",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("prometheus did not start:\n" + (workdir / "prometheus.log").read_text()[-3000:])
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
