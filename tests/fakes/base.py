"""The shared machinery of the provider fakes: a threaded local HTTP server that records, scripts and stalls."""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Received:
    """One request as the provider saw it; `status`/`answer` are filled in once it is answered."""

    method: str
    path: str
    query: dict
    headers: dict  # lower-cased names
    body: bytes
    json: dict | None
    at: float
    status: int | None = None
    answer: dict | None = None

    @property
    def ok(self) -> bool:
        """True when the provider answered that it accepted the message."""
        return self.status == 200 and self.answer is not None and self.answer.get("_ok", False)


@dataclass
class Script:
    """A scripted behaviour for the next matching request: stall, then fail (or answer normally)."""

    status: int | None = None
    errcode: object = None
    stall: float = 0.0
    path: str | None = None
    extra: dict = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a requests.Session reuses its connection
    # One write per answer (handle_one_request flushes after each request), and no Nagle delay:
    # headers and body as two small writes cost ~40 ms each under delayed ACK.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - the fakes stay quiet in test output
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self):
        fake: FakeServer = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        received = Received(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            json=parsed if isinstance(parsed, dict) else None,
            at=time.time(),
        )
        status, answer = fake._dispatch(received)
        payload = json.dumps({k: v for k, v in answer.items() if k != "_ok"}, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a stalled handler must not hold up stop()
    allow_reuse_address = True
    request_queue_size = 128  # many workers connecting at once

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client gave up (timeout, killed worker) while the fake stalled
        super().handle_error(request, client_address)


class FakeServer:
    """Base of each provider fake. Subclasses fill `routes` and `send_paths`.

    - `requests`: every request except token fetches, in arrival order (recorded on arrival, before
      any stall, so a test can see that a send reached the provider even if it never got an answer).
    - `token_requests` / `token_fetches`: the token endpoint's requests and how many issued a token.
    - `fail_next(times, status=..., errcode=..., stall=..., path=...)`: the next `times` requests to
      a send endpoint (or to `path`) stall for `stall` seconds, then answer HTTP `status` or the
      provider error `errcode`; with neither they answer normally after the stall.
    - `reset()`: forget requests, scripts and tokens; releases stalled requests.
    """

    token_paths: tuple[str, ...] = ()
    send_paths: tuple[str, ...] = ()

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._arrived = threading.Condition(self._lock)
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None
        self.token_delay = 0.0
        self.token_expires_in = 7200
        # A long benchmark can stop keeping each request and rely on the counters alone.
        self.keep_requests = True
        self.reset()

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._thread is not None:  # shutdown() waits for serve_forever, which must be running
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- scripting ---------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            # Release whatever is stalled now, then arm a fresh event for later stalls.
            self._release.set()
            self._release = threading.Event()
            self.requests: list[Received] = []
            self.received_count = 0  # non-token requests, kept or not
            self.accepted_count = 0  # sends the provider accepted
            self.token_requests: list[Received] = []
            self.token_fetches = 0
            self.tokens: list[str] = []
            self.token_valid = True
            self._scripts: list[Script] = []
            self._reset_provider()

    def fail_next(self, times: int = 1, *, status: int | None = None, errcode: object = None,
                  stall: float = 0.0, path: str | None = None, **extra) -> None:
        with self._lock:
            self._scripts.extend(Script(status, errcode, stall, path, dict(extra)) for _ in range(times))

    def stall_next(self, seconds: float, times: int = 1, path: str | None = None) -> None:
        """The next `times` sends wait `seconds` before answering normally (release_stalls() or
        reset() lets them go at once)."""
        self.fail_next(times, stall=seconds, path=path)

    def release_stalls(self) -> None:
        """Let every stalled request answer now, keeping what was recorded."""
        with self._lock:
            self._release.set()
            self._release = threading.Event()

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least `count` non-token requests arrived; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self.received_count >= count, timeout)

    @property
    def delivered(self) -> list[Received]:
        """Requests to send endpoints that the provider accepted."""
        with self._lock:
            return [r for r in self.requests if r.path in self.send_paths and r.ok]

    # --- tokens --------------------------------------------------------------------------------

    @property
    def current_token(self) -> str | None:
        return self.tokens[-1] if self.tokens else None

    def expire_token(self) -> None:
        """The provider now treats the current token as expired (42001), as after its 2 hours."""
        with self._lock:
            self.token_valid = False

    def issue_token(self) -> str:
        """Issue a new token; like WeChat's /cgi-bin/token, it invalidates the previous one."""
        if self.token_delay:
            time.sleep(self.token_delay)  # widen the window in which two fetches could overlap
        with self._lock:
            self.token_fetches += 1
            token = f"token-{self.token_fetches}-{int(time.time() * 1000) % 100000}"
            self.tokens.append(token)
            self.token_valid = True
            return token

    def token_error(self, token: str | None) -> tuple[int, str] | None:
        """The provider's error for a request carrying `token`, or None if the token is good."""
        with self._lock:
            if token and token == self.current_token:
                return None if self.token_valid else (42001, "access_token expired")
            if token and token in self.tokens:
                return 40001, "invalid credential, access_token is invalid or not latest"
            return 40014, "invalid access_token"

    # --- dispatch ------------------------------------------------------------------------------

    def _dispatch(self, received: Received) -> tuple[int, dict]:
        is_token = received.path in self.token_paths
        with self._lock:
            if is_token:
                self.token_requests.append(received)
            else:
                self.received_count += 1
                if self.keep_requests:
                    self.requests.append(received)
            self._arrived.notify_all()
            script = self._take_script(received.path)
            release = self._release
        if script and script.stall:
            release.wait(script.stall)
        if script and script.status:
            status, answer = script.status, {"error": f"scripted HTTP {script.status}"}
        elif script and script.errcode is not None:
            status, answer = 200, self.error_answer(script.errcode, received)
        else:
            handler = self.routes().get((received.method, received.path))
            if handler is None:
                status, answer = 404, {"error": "no such endpoint in the fake"}
            else:
                status, answer = handler(received, script)
        with self._lock:
            received.status, received.answer = status, answer
            if received.ok and received.path in self.send_paths:
                self.accepted_count += 1
                self._on_accepted(received)
        return status, answer

    def _take_script(self, path: str) -> Script | None:
        for i, script in enumerate(self._scripts):
            if (script.path == path) if script.path else (path in self.send_paths):
                return self._scripts.pop(i)
        return None

    # --- for subclasses -------------------------------------------------------------------------

    def routes(self) -> dict:
        """{(method, path): handler(received, script) -> (status, answer dict)}."""
        raise NotImplementedError

    def error_answer(self, errcode, received: Received) -> dict:
        """The provider's answer for a scripted error code."""
        return {"errcode": int(errcode), "errmsg": f"scripted error {errcode}"}

    def _reset_provider(self) -> None:
        """Reset provider-specific state (called under the lock)."""

    def _on_accepted(self, received: Received) -> None:
        """Count an accepted send (called under the lock)."""
