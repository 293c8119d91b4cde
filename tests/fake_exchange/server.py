"""A loopback HTTP server that answers like an exchange, for ccxt to talk to in tests.

Routes are (METHOD, path) -> Reply. Every request is recorded, so a test can assert what was
(or was not) sent. Exchange-specific answers live in one module per exchange beside this one.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body).items()}


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None  # sent as is instead of JSON (e.g. a malformed answer)


Handler = Callable[[Request], Reply]


class FakeExchangeServer:
    def __init__(self, port: int = 0) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeExchangeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, method: str, path: str, reply: Reply | Handler | Any) -> None:
        """Answer METHOD path with a Reply, a function of the request, or a JSON body."""
        if isinstance(reply, Reply):
            handler: Handler = lambda request, reply=reply: reply  # noqa: E731
        elif callable(reply):
            handler = reply
        else:
            handler = lambda request, body=reply: Reply(body)  # noqa: E731
        self.routes[(method.upper(), path)] = handler

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return Reply({"error": f"fake exchange: no route {request.method} {request.path}"}, 404)
        return handler(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One buffered write per answer and no Nagle: otherwise every keep-alive request
            # stalls ~40 ms on delayed ACKs, which would swamp the benchmark's figures.
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                request = Request(
                    method=self.command,
                    path=url.path,
                    query={k: v[-1] for k, v in parse_qs(url.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                reply = server._dispatch(request)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return _Handler
