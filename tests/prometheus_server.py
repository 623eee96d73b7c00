"""One way to run a real Prometheus (2.42 or 3.x) on 127.0.0.1 for a test, and always stop it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

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
def server_process(args: list[str], url: str, ready: str, log_path: Path, ready_within: float = 60) -> Iterator[str]:
    """Run a server (its output to `log_path`) until `url + ready` answers 200; yield `url`; always stop it."""
    name = Path(args[0]).name
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + ready_within
            while True:
                try:
                    if httpx.get(url + ready, timeout=1, trust_env=False).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{name} did not start:\n" + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def prometheus_server(workdir: Path, config: str, *flags: str, data: Path | None = None, ready_within: float = 60, engine: Engine | None = None) -> Iterator[str]:
    """Start Prometheus (Debian's 2.42 unless `engine` says) with `config` and extra flags on a free loopback port; yield its URL."""
    exe = (engine or engine_named(PROMETHEUS_2)).prometheus
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "prometheus.yml").write_text(config)
    port = free_port()
    args = [
        exe,
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={data or workdir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        *flags,
    ]
    with server_process(args, f"http://127.0.0.1:{port}", "/-/ready", workdir / "prometheus.log", ready_within) as url:
        yield url
