"""A real HTTP server on 127.0.0.1 for tests that need the network without leaving the machine.

Each test registers routes: a function that receives the request handler and
the 1-based number of the hit on that path, and writes whatever it likes —
well-formed responses, slow ones, lying ones. The server counts hits and keeps
the request headers so tests can check what the client sent.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

Route = Callable[[BaseHTTPRequestHandler, int], None]


def send(
    handler: BaseHTTPRequestHandler,
    status: int = 200,
    body: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """A complete response with a correct Content-Length (unless the caller sets one)."""
    headers = list(headers)
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    if not any(name.lower() == "content-length" for name, _ in headers):
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def send_chunked(
    handler: BaseHTTPRequestHandler,
    chunks: Iterable[bytes],
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """A 200 response without Content-Length, so only the client's own cap can stop it."""
    handler.send_response(200)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    try:
        for chunk in chunks:
            if chunk:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        handler.wfile.write(b"0\r\n\r\n")
    except OSError:
        pass  # the client hung up, as it should once it has seen enough


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        owner: LocalServer = self.server.owner
        number = owner.record(path, {k.lower(): v for k, v in self.headers.items()})
        route = owner.routes.get(path)
        if route is None:
            send(self, 404, b"not here", [("Content-Type", "text/plain")])
            return
        try:
            route(self, number)
        except OSError:
            self.close_connection = True  # client went away mid-response

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: Any  # the ServedInThread it serves

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # clients that hang up early are the point of several tests


class ServedInThread:
    """An HTTP server on an ephemeral 127.0.0.1 port, served by a background thread
    while the ``with`` block runs; its handler reaches this object as ``server.owner``.
    """

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        # Set on shutdown: slow routes wait on it so their threads end promptly.
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path


class LocalServer(ServedInThread):
    """Routes of fixed or scripted answers, with every request counted."""

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()

    def route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def reply(
        self,
        path: str,
        body: bytes = b"",
        status: int = 200,
        headers: Iterable[tuple[str, str]] = (("Content-Type", "text/html; charset=utf-8"),),
    ) -> None:
        """Serve the same fixed response on every hit of ``path``."""
        fixed = list(headers)
        self.route(path, lambda handler, _number: send(handler, status, body, fixed))

    def record(self, path: str, headers: dict[str, str]) -> int:
        with self._lock:
            self.hits[path] += 1
            self.requests.append((path, headers))
            return self.hits[path]
