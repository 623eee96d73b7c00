"""A real Prometheus (Debian's /usr/bin/prometheus) on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_prometheus(directory: Path, rules: str) -> Iterator[str]:
    """Start Prometheus with one rule file, evaluated every second; yield its URL; always stop it."""
    exe = shutil.which("prometheus")
    if exe is None:
        pytest.fail("prometheus is not installed: run `make test`, which installs Debian's prometheus package")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "rules.yml").write_text(rules)
    port = free_port()
    # No scrape targets: every series comes from the rule file, so nothing leaves loopback.
    (directory / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n" f"rule_files: ['{directory}/rules.yml']\n"
    )
    log = open(directory / "prometheus.log", "wb")
    proc = subprocess.Popen(
        [
            exe,
            f"--config.file={directory}/prometheus.yml",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={directory}/tsdb",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/-/ready", timeout=0.5, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("prometheus did not start:\n" + (directory / "prometheus.log").read_text()[-3000:])
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def wait_for(url: str, query: str, count: int, timeout: float = 15) -> None:
    """Wait until an instant query returns `count` series (the rules have been evaluated)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(url + "/api/v1/query", params={"query": query}, timeout=2, trust_env=False).json()
        if len(body["data"]["result"]) >= count:
            return
        time.sleep(0.2)
    pytest.fail(f"{query} never returned {count} series")
