"""One way to run a real Prometheus (2.42 or 3.x) on 127.0.0.1 for a test, and always stop it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest
from engines import PROMETHEUS_2, Engine
from engines import engine as engine_named


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def prometheus_server(workdir: Path, config: str, *flags: str, data: Path | None = None, ready_within: float = 60, engine: Engine | None = None) -> Iterator[str]:
    """Start Prometheus (Debian's 2.42 unless `engine` says) with `config` and extra flags on a free loopback port; yield its URL."""
    exe = (engine or engine_named(PROMETHEUS_2)).prometheus
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "prometheus.yml").write_text(config)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        exe,
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={data or workdir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        *flags,
    ]
    ready = lambda: httpx.get(url + "/-/ready", timeout=1, trust_env=False).status_code == 200  # noqa: E731
    with served(args, ready, workdir / "prometheus.log", ready_within):
        yield url


@contextlib.contextmanager
def served(args: list[str], ready: Callable[[], bool], log_path: Path, ready_within: float = 60) -> Iterator[None]:
    """Run a server until the block ends, once `ready()` (polled, with whatever credentials it needs) says so; always stop it."""
    log = open(log_path, "wb")
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + ready_within
        while True:
            try:
                if ready():
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{Path(args[0]).name} did not start:\n" + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
