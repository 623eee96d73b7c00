"""Live scrape targets and fast rule files for end-to-end tests against real servers."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import yaml


@contextlib.contextmanager
def metrics_target(exposition: Callable[[], str]) -> Iterator[str]:
    """Serve `exposition()` (Prometheus' text format, read at every scrape) on 127.0.0.1; yield host:port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = exposition().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def every_second(rule_file: str) -> str:
    """slogen's rule file with every group evaluated each second, so a test sees minutes of rules in seconds."""
    groups = yaml.safe_load(rule_file)["groups"]
    return yaml.safe_dump({"groups": [{**group, "interval": "1s"} for group in groups]}, sort_keys=False, allow_unicode=True)
