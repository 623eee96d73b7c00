"""Alertmanager for tests: the README's merge of slogen's routing file into a configuration,
amtool, a real Alertmanager on 127.0.0.1, and webhook receivers that record what they get."""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from prometheus_server import free_port, served

# A configuration someone already runs: a default receiver and a team route of their own.
EXISTING = {
    "route": {
        "receiver": "default",
        "group_by": ["alertname"],
        "routes": [{"receiver": "team-web", "matchers": ['team="web"']}],
    },
    "receivers": [{"name": "default"}, {"name": "team-web"}],
    "inhibit_rules": [
        {"source_matchers": ['alertname="ClusterDown"'], "target_matchers": ['alertname="InstanceDown"'], "equal": ["cluster"]}
    ],
}


def merged(routing_text: str, existing: dict | None = None) -> dict:
    """The README's three steps: slogen's routes first under `route.routes`, its receivers and
    inhibit rules beside the existing ones."""
    fragment = yaml.safe_load(routing_text)
    config = copy.deepcopy(EXISTING if existing is None else existing)
    config["route"]["routes"] = fragment["route"]["routes"] + config["route"].get("routes", [])
    config["receivers"] = config.get("receivers", []) + fragment["receivers"]
    config["inhibit_rules"] = config.get("inhibit_rules", []) + fragment.get("inhibit_rules", [])
    return config


def amtool() -> str:
    """Debian's amtool (prometheus-alertmanager, which `make promtool` installs)."""
    path = shutil.which("amtool")
    if not path:
        pytest.fail("amtool is missing: run `make promtool`, which installs Debian's prometheus-alertmanager")
    return path


def check_config(path: Path) -> subprocess.CompletedProcess:
    """`amtool check-config` on one file."""
    return subprocess.run([amtool(), "check-config", str(path)], capture_output=True, text=True, timeout=60)


def receivers_of(config: Path, labels: dict[str, str]) -> list[str]:
    """The receivers Alertmanager's routing tree sends an alert with `labels` to (`amtool config routes test`)."""
    args = [_matcher(name, value) for name, value in labels.items()]
    result = subprocess.run(
        [amtool(), "config", "routes", "test", f"--config.file={config}", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.split()


def _matcher(name: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}="{escaped}"'


class Webhook:
    """A receiver's webhook on 127.0.0.1: every notification's alerts, as Alertmanager posted them."""

    def __init__(self) -> None:
        self.notifications: list[dict] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with outer._lock:
                    outer.notifications.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def alerts(self, status: str | None = None) -> list[dict]:
        """Every alert of every notification so far (firing or resolved, or only `status`)."""
        with self._lock:
            return [a for n in self.notifications for a in n["alerts"] if status is None or a["status"] == status]

    def __enter__(self) -> Webhook:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def alertmanager_server(workdir: Path, config: dict) -> Iterator[str]:
    """Debian's Alertmanager with `config` on a free loopback port, temp storage, no cluster gossip; yields its URL."""
    exe = shutil.which("prometheus-alertmanager")
    if not exe:
        pytest.fail("prometheus-alertmanager is missing: run `make promtool`, which installs it")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "alertmanager.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        exe,
        f"--config.file={workdir / 'alertmanager.yml'}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",  # no gossip: a single instance, nothing leaves loopback
    ]
    ready = lambda: httpx.get(url + "/-/ready", timeout=1, trust_env=False).status_code == 200  # noqa: E731
    with served(args, ready, workdir / "alertmanager.log", ready_within=30):
        yield url
