"""A real Prometheus on 127.0.0.1 for the benchmarks: start, query, restart, always stop.

Debian's /usr/bin/prometheus and promtool unless a binary is named (bench/native_cost.py
needs a Prometheus 3); temp storage; a free port; nothing off this machine is contacted.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import yaml


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Prometheus:
    """One Prometheus process over a data directory; restartable so new blocks are loaded."""

    def __init__(self, workdir: Path, scrape_target: str | None, scrape_interval: str = "60s", *,
                 evaluation_interval: str = "30s", jobs: dict[str, dict] | None = None, binary: str | None = None):
        """`jobs`: scrape job name -> its extra settings, each job scraping `scrape_target`
        (default one `bench` job honouring the target's labels); `binary`: default Debian's."""
        self.workdir = workdir
        self.data = workdir / "data"
        self.rules = workdir / "rules"
        self.rules.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.binary = binary
        config: dict = {"global": {"scrape_interval": scrape_interval, "evaluation_interval": evaluation_interval},
                        "rule_files": [f"{self.rules}/*.yml"]}
        if scrape_target:
            jobs = {"bench": {"honor_labels": True}} if jobs is None else jobs
            config["scrape_configs"] = [{"job_name": name, **extra, "static_configs": [{"targets": [scrape_target]}]}
                                        for name, extra in jobs.items()]
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        self.proc: subprocess.Popen | None = None
        # Only 127.0.0.1 is ever asked: a proxy from the environment could only get in the way.
        self.client = httpx.Client(timeout=120, trust_env=False)

    def start(self) -> None:
        """Start and wait until ready."""
        exe = self.binary or shutil.which("prometheus") or "/usr/bin/prometheus"
        log = open(self.workdir / "prometheus.log", "ab")
        self.proc = subprocess.Popen(
            [exe, f"--config.file={self.workdir / 'prometheus.yml'}", f"--web.listen-address=127.0.0.1:{self.port}",
             f"--storage.tsdb.path={self.data}", "--storage.tsdb.retention.time=60d", "--web.enable-lifecycle",
             "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=log,
        )
        log.close()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("prometheus exited: " + (self.workdir / "prometheus.log").read_text()[-3000:])
            try:
                if self.client.get(self.url + "/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus not ready: " + (self.workdir / "prometheus.log").read_text()[-3000:])

    def stop(self) -> None:
        """Stop it (TERM, then KILL) if running."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def reload(self) -> None:
        """Re-read config and rule files."""
        response = self.client.post(self.url + "/-/reload")
        response.raise_for_status()

    def query(self, expr: str, at: float, stats: bool = False) -> dict:
        """Instant query at a time; the API's `data` (with `stats` when asked)."""
        params = {"query": expr, "time": f"{at:.3f}"}
        if stats:
            params["stats"] = "all"
        response = self.client.post(self.url + "/api/v1/query", data=params)
        body = response.json()
        if body.get("status") != "success":
            raise RuntimeError(f"query failed: {expr}: {body}")
        return body["data"]

    def rule_groups(self) -> list[dict]:
        """The /api/v1/rules groups, with their last evaluation time and duration."""
        return self.client.get(self.url + "/api/v1/rules").json()["data"]["groups"]


@contextmanager
def running(prom: Prometheus) -> Iterator[Prometheus]:
    """Start it, and stop it however the block ends."""
    prom.start()
    try:
        yield prom
    finally:
        prom.stop()


@contextmanager
def cleaned_up(work: Path, server) -> Iterator[None]:
    """Close the run's exporter and remove its temp dir (kept with BENCH_KEEP, to debug a
    failed run) however the block ends."""
    try:
        yield
    finally:
        server.close()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


def write_families(path: Path, families: dict[str, list[str]]) -> int:
    """Write `name{labels} value timestamp` lines as an OpenMetrics file for promtool's backfill; the lines written."""
    count = 0
    with open(path, "w") as out:
        for family, lines in families.items():
            # OpenMetrics wants each family contiguous, sorted by series then time; `unknown` allows any name.
            lines.sort(key=lambda line: (line.rsplit(" ", 2)[0], int(line.rsplit(" ", 1)[1])))
            out.write(f"# TYPE {family} unknown\n")
            out.writelines(line + "\n" for line in lines)
            count += len(lines)
        out.write("# EOF\n")
    return count


def create_blocks(openmetrics: Path, data: Path) -> None:
    """Turn an OpenMetrics file into TSDB blocks under `data` (promtool's backfill), then delete the file."""
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(openmetrics), str(data)],
                   check=True, capture_output=True)
    openmetrics.unlink()
