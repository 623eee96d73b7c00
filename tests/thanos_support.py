"""Thanos for end-to-end tests: receive, query and rule from the pinned full `thanos` binary
(`make engines` builds it from tools/engines/thanos), each on free 127.0.0.1 ports with temp
storage, always stopped."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from engines import tool
from slogen.live.http_config import TENANT_HEADER
from prometheus_server import free_port, served


@dataclass(frozen=True)
class Component:
    """A running Thanos component: its HTTP URL and gRPC (Store API) address."""

    http: str
    grpc: str


def _ready(url: str):
    return lambda: httpx.get(url + "/-/ready", timeout=1, trust_env=False).status_code == 200


@contextlib.contextmanager
def _component(workdir: Path, command: str, *flags: str, grpc: int | None = None) -> Iterator[Component]:
    workdir.mkdir(parents=True, exist_ok=True)
    http, grpc = free_port(), grpc or free_port()
    args = [tool("thanos", "thanos"), command, f"--http-address=127.0.0.1:{http}", f"--grpc-address=127.0.0.1:{grpc}", *flags]
    url = f"http://127.0.0.1:{http}"
    with served(args, _ready(url), workdir / f"{command}.log", ready_within=60):
        yield Component(url, f"127.0.0.1:{grpc}")


@contextlib.contextmanager
def thanos_receive(workdir: Path) -> Iterator[tuple[Component, str]]:
    """`thanos receive` alone (no hashring: it ingests what it is sent); yields it and its remote-write URL."""
    with contextlib.ExitStack() as stack:
        # A free port is free only when asked: another process (a parallel test, a client's
        # ephemeral port) may bind it before receive does.  Then new ports, up to three times.
        for attempt in range(3):
            port = free_port()
            flags = (
                f"--remote-write.address=127.0.0.1:{port}",
                f"--tsdb.path={workdir / 'tsdb'}",
                # Receive's own external label, which `thanos_query` drops as a replica label.
                '--label=receive_replica="0"',
            )
            try:
                receive = stack.enter_context(_component(workdir, "receive", *flags))
                break
            except pytest.fail.Exception as error:
                if "address already in use" not in str(error) or attempt == 2:
                    raise
        yield receive, f"http://127.0.0.1:{port}/api/v1/receive"


@contextlib.contextmanager
def thanos_query(workdir: Path, *endpoints: str, lookback_delta: str = "5m", tenant_label: str | None = None) -> Iterator[Component]:
    """`thanos query` over the Store API `endpoints`; with `tenant_label`, enforcing tenancy: every
    selector gets `tenant_label="<the X-Scope-OrgID header>"` (Thanos' `--query.enforce-tenancy`)."""
    flags = [f"--endpoint={e}" for e in endpoints]
    flags += ["--query.replica-label=receive_replica", f"--query.lookback-delta={lookback_delta}"]
    if tenant_label is not None:
        flags += ["--query.enforce-tenancy", f"--query.tenant-header={TENANT_HEADER}", f"--query.tenant-label-name={tenant_label}"]
    with _component(workdir, "query", *flags) as query:
        yield query


@contextlib.contextmanager
def thanos_rule(workdir: Path, rule_file: Path, query_url: str, alertmanager_url: str, grpc: int) -> Iterator[Component]:
    """`thanos rule` evaluating `rule_file` through a query API and sending its alerts to one Alertmanager;
    its gRPC port is chosen by the caller, because the query it reads through must also read its
    recorded series (given that address before the ruler starts)."""
    flags = (
        f"--data-dir={workdir / 'data'}",
        f"--rule-file={rule_file}",
        f"--query={query_url.removeprefix('http://')}",
        f"--alertmanagers.url={alertmanager_url}",
    )
    with _component(workdir, "rule", *flags, grpc=grpc) as rule:
        yield rule


def instant(url: str, query: str) -> list[dict]:
    """An instant query's result vector (a Prometheus-compatible query API)."""
    body = httpx.get(url + "/api/v1/query", params={"query": query}, timeout=10, trust_env=False).json()
    assert body["status"] == "success", body
    return body["data"]["result"]
