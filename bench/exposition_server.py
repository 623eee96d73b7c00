"""A scrape target on 127.0.0.1: Prometheus' text format (or any other), computed afresh at every scrape.

The cost benchmarks (bench/*_cost.py) and the end-to-end tests (tests/metrics_target.py)
all need one; it lives here, once, because tests already import bench and not the reverse.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

TEXT = "text/plain; version=0.0.4; charset=utf-8"


class ExpositionServer:
    """Serve `exposition()` on a free 127.0.0.1 port from a daemon thread until closed."""

    def __init__(self, exposition: Callable[[], str | bytes], content_type: str = TEXT):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = exposition()
                body = body.encode() if isinstance(body, str) else body
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass  # a line per scrape would drown the benchmark's and the test's output

        # Port 0: the kernel picks a free port at bind time, so no other process can take it first.
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.target = f"127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> ExpositionServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def serving(exposition: Callable[[], str | bytes], content_type: str = TEXT) -> Iterator[str]:
    """Serve `exposition()` on 127.0.0.1 for the block; yield its host:port."""
    with ExpositionServer(exposition, content_type) as server:
        yield server.target
