"""A replay server for the live-source clients' tests: a real HTTP server on a free port of
127.0.0.1 that answers the real endpoints of arXiv, OpenAlex and Semantic Scholar from
recorded responses, logs every request it receives, and injects faults on request.

    # openalex_recordings and the others: replay_recordings.py
    with ReplayServer(openalex_recordings(shared_data / "openalex-authors")) as server:
        server.inject("/works", Fault.too_many_requests(retry_after=2), times=3)
        ...  # a client with base_url=server.url
        assert server.requests[0].headers["user-agent"].startswith("scholarscope")

Built on the standard library's ThreadingHTTPServer, not on Starlette + uvicorn (which
``web_client.serving`` uses for the app), because two of the faults need the socket itself.
Measured with uvicorn 0.55 and a probe ASGI app: an app that raises before it answers gets
a 500, never a dropped connection, so a connection reset cannot be made at all; and a body
shorter than its Content-Length makes uvicorn log "Exception in ASGI application"
(RuntimeError "Response content shorter than Content-Length") with a traceback for every
truncated answer. Here the handler owns the socket: it can lie about Content-Length,
trickle bytes, and close with a TCP reset.

Matching: method + percent-decoded path + query parameters, order-insensitive. Parameters
that only identify the caller (``api_key``, ``mailto``, ``x-api-key``) are ignored and are
never stored in a recording's url; empty parameters count as absent; a path may declare
the API's documented defaults (arXiv: ``start=0``, ``max_results=10``, ``sortBy=relevance``,
``sortOrder=descending``), so a request that leaves them out matches a recording that
spells them. An unrecorded request answers 404 with a JSON body naming its URL.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

CALLER_PARAMETERS = frozenset({"api_key", "mailto", "x-api-key"})
# headers that describe the recorded transfer, not the answer: the replay sets its own
_TRANSFER_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"}
)

Query = tuple[tuple[str, str], ...]


def _without_callers(query: str) -> str:
    """``query`` (raw, encoded) less the caller-identifying parameters, the rest kept byte
    for byte (re-encoding would change how a recording spells its url)."""
    kept = [
        part
        for part in query.split("&")
        if part and unquote(part.partition("=")[0]).lower() not in CALLER_PARAMETERS
    ]
    return "&".join(kept)


def strip_caller(url: str) -> str:
    """``url`` without ``api_key``/``mailto``/``x-api-key`` query parameters.

    >>> strip_caller("https://api.openalex.org/works?filter=author.id:A1&api_key=K&mailto=m")
    'https://api.openalex.org/works?filter=author.id:A1'
    """
    base, sep, rest = url.partition("?")
    query, hash_sign, fragment = rest.partition("#")
    query = _without_callers(query)
    return base + (sep if query else "") + query + hash_sign + fragment


def _normalised(pairs: Iterable[tuple[str, str]], defaults: Mapping[str, str]) -> Query:
    given = [(k, v) for k, v in pairs if v != "" and k.lower() not in CALLER_PARAMETERS]
    names = {k for k, _ in given}
    given += [(k, v) for k, v in defaults.items() if k not in names]
    return tuple(sorted(given))


@dataclass(frozen=True)
class Recording:
    """One recorded answer: ``body`` is text (sent as is) or a JSON value (encoded), ``None``
    for no body. The url keeps no caller-identifying parameter, whatever it was given."""

    url: str
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    method: str = "GET"

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", strip_caller(self.url))
        object.__setattr__(self, "method", self.method.upper())

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Recording:
        """From ``{"url", "status", "headers", "body"}`` (``status_code`` also read, as the
        arXiv recordings in ../shared spell it)."""
        status = obj.get("status", obj.get("status_code", 200))
        return cls(obj["url"], int(status), dict(obj.get("headers") or {}), obj.get("body"),
                   obj.get("method", "GET"))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "status": self.status,
                               "headers": dict(self.headers), "body": self.body}  # fmt: skip
        if self.method != "GET":
            out["method"] = self.method
        return out

    def payload(self) -> tuple[dict[str, str], bytes]:
        """The headers and bytes to send."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _TRANSFER_HEADERS}
        if self.body is None:
            return headers, b""
        if isinstance(self.body, str):
            data, content_type = self.body.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = (
                json.dumps(self.body, ensure_ascii=False).encode(),
                "application/json",
            )
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = content_type
        return headers, data


@dataclass(frozen=True)
class Ask:
    """A request as a route handler sees it: ``params`` without caller parameters or empty
    values, the path's defaults filled in; ``url`` the request's URL less caller parameters."""

    method: str
    path: str
    params: dict[str, str]
    url: str


Handler = Callable[[Ask, "re.Match[str]"], "Recording | None"]


class Recordings:
    """Recorded answers (exact URLs) and routes (a path pattern and a function that builds
    the answer, for what paging makes too many to list). Lookup: an exact recording first,
    then the routes in the order added; a handler returns ``None`` for "not recorded"."""

    def __init__(self, recordings: Iterable[Recording] = ()) -> None:
        self._recordings: list[Recording] = []
        self._index: dict[tuple[str, str, Query], Recording] = {}
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._defaults: dict[str, dict[str, str]] = {}
        for recording in recordings:
            self.add(recording)

    def __iter__(self) -> Iterator[Recording]:
        return iter(list(self._recordings))

    def __len__(self) -> int:
        return len(self._recordings)

    def _key(self, recording: Recording) -> tuple[str, str, Query]:
        parts = urlsplit(recording.url)
        path = unquote(parts.path) or "/"
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        return recording.method, path, _normalised(pairs, self._defaults.get(path, {}))

    def add(self, recording: Recording) -> None:
        """Add (or replace) the answer to ``recording``'s method and URL."""
        self._recordings = [r for r in self._recordings if self._key(r) != self._key(recording)]
        self._recordings.append(recording)
        self._index[self._key(recording)] = recording

    def route(self, pattern: str, handler: Handler, method: str = "GET") -> None:
        """Answer requests whose decoded path fully matches ``pattern`` with ``handler``."""
        self._routes.append((method.upper(), re.compile(pattern), handler))

    def default_params(self, path: str, params: Mapping[str, str]) -> None:
        """Parameters the API assumes at ``path`` when a request leaves them out."""
        self._defaults[path] = dict(params)
        self._index = {self._key(r): r for r in self._recordings}

    def include(self, other: Recordings) -> None:
        """Everything ``other`` answers, after what this already answers."""
        for path, params in other._defaults.items():
            self.default_params(path, params)
        for recording in other._recordings:
            self.add(recording)
        self._routes.extend(other._routes)

    def answer(self, method: str, target: str) -> Recording | None:
        """The recorded answer to ``method target`` (target: path and query), or ``None``."""
        method = "GET" if method.upper() == "HEAD" else method.upper()
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = _normalised(pairs, self._defaults.get(path, {}))
        found = self._index.get((method, path, query))
        if found is not None:
            return found
        ask = Ask(method, path, dict(query), strip_caller(target))
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if route_method == method and match is not None:
                recording = handler(ask, match)
                if recording is not None:
                    return recording
        return None


@dataclass(frozen=True)
class Fault:
    """A misbehaviour to inject instead of (or into) the recorded answer."""

    kind: Literal["status", "slow", "truncated", "invalid_json", "reset"]
    status: int = 0
    retry_after: int | None = None
    first_byte: float = 0.0
    body_seconds: float = 0.0
    pieces: int = 1
    keep: float = 0.5

    @classmethod
    def too_many_requests(cls, retry_after: int | None = None) -> Fault:
        """429, with ``Retry-After: <seconds>`` when ``retry_after`` is given."""
        return cls("status", status=429, retry_after=retry_after)

    @classmethod
    def unavailable(cls, retry_after: int | None = None) -> Fault:
        """503, with ``Retry-After: <seconds>`` when ``retry_after`` is given."""
        return cls("status", status=503, retry_after=retry_after)

    @classmethod
    def slow(cls, first_byte: float = 0.0, body: float = 0.0, pieces: int = 10) -> Fault:
        """The recorded answer, ``first_byte`` seconds late, its body sent in ``pieces``
        parts spread over ``body`` seconds."""
        return cls("slow", first_byte=first_byte, body_seconds=body, pieces=max(1, pieces))

    @classmethod
    def truncated(cls, keep: float = 0.5) -> Fault:
        """The recorded status and headers with the full Content-Length, then only the first
        ``keep`` of the body, then the connection closed."""
        return cls("truncated", keep=keep)

    @classmethod
    def invalid_json(cls, keep: float = 0.5) -> Fault:
        """A complete HTTP answer whose body is the recorded one cut after ``keep`` of it
        (Content-Length tells the cut length): the read succeeds, the parse fails."""
        return cls("invalid_json", keep=keep)

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, then close the socket with a TCP reset and no answer."""
        return cls("reset")


@dataclass
class Injection:
    """A fault waiting for requests whose path starts with ``path_prefix``; ``remaining``
    ``None`` means every such request until ``ReplayServer.clear_faults``."""

    path_prefix: str
    fault: Fault
    remaining: int | None
    method: str | None = None
    hits: int = 0


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as it reached the server: ``time`` is ``time.monotonic()`` when its
    headers had arrived; ``query`` and ``headers`` exactly as sent (header names in lower
    case); ``fault`` the injected fault that answered it, if any."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    time: float
    fault: Fault | None


def gaps(requests: Sequence[ReceivedRequest]) -> list[float]:
    """Seconds between consecutive requests (for "one request per 3 s" assertions)."""
    return [b.time - a.time for a, b in zip(requests, requests[1:], strict=False)]


class _HTTPServer(ThreadingHTTPServer):
    # server_close() joins every handler thread, so nothing outlives ReplayServer.stop()
    daemon_threads = False
    block_on_close = True

    def __init__(self, replay: ReplayServer) -> None:
        self.replay = replay
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up mid-answer (a timeout test, a reset) is expected
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection is dropped after this
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.replay._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.replay._closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is ReplayServer.requests

    def do_GET(self) -> None:
        replay = self.server.replay
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        received = replay._receive(self.command, self.path, self.headers.items(), body)
        fault = received.fault
        if fault is not None and fault.kind == "reset":
            self._reset()
            return
        if fault is not None and fault.kind == "status":
            self._send(*_fault_answer(fault, received))
            return
        recording = replay.recordings.answer(self.command, self.path)
        if recording is None:
            recording = _not_recorded(self.command, self.path)
        headers, data = recording.payload()
        if fault is None:
            self._send(recording.status, headers, data)
        elif fault.kind == "slow":
            if replay._stopping.wait(fault.first_byte):
                return
            self._send(recording.status, headers, data, fault.pieces, fault.body_seconds)
        elif fault.kind == "invalid_json":
            self._send(recording.status, headers, data[: _cut(data, fault.keep)])
        else:  # truncated: promise the whole body, send part of it, hang up
            self._send(
                recording.status, headers, data[: _cut(data, fault.keep)], declared=len(data) or 1
            )
            self.close_connection = True

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def _send(self, status: int, headers: Mapping[str, str], data: bytes, pieces: int = 1,
              seconds: float = 0.0, declared: int | None = None) -> None:  # fmt: skip
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data) if declared is None else declared))
        self.end_headers()
        if self.command == "HEAD":
            return
        size = -(-len(data) // pieces) or 1
        for start in range(0, len(data), size):
            if start and self.server.replay._stopping.wait(seconds / pieces):
                return
            self.wfile.write(data[start : start + size])

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout turns close() into an RST; the socket must really
        # close now (socketserver would shut it down with a FIN first)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()
        self.close_connection = True


def _cut(data: bytes, keep: float) -> int:
    return max(0, min(len(data) - 1, int(len(data) * keep)))


def _fault_answer(fault: Fault, received: ReceivedRequest) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    message = {"error": f"injected fault: {fault.status}", "url": strip_caller(received.target)}
    return fault.status, headers, json.dumps(message).encode()


def _not_recorded(method: str, target: str) -> Recording:
    url = strip_caller(target)
    return Recording(url, 404, {"Content-Type": "application/json"},
                     {"error": "not recorded", "method": method.upper(), "url": url})  # fmt: skip


class ReplayServer:
    """A real HTTP server on a free port of 127.0.0.1 answering from ``recordings``; a
    context manager (``with ReplayServer(r) as server: ... server.url``)."""

    def __init__(self, recordings: Recordings | None = None) -> None:
        self.recordings = recordings if recordings is not None else Recordings()
        self._lock = threading.Lock()
        self._log: list[ReceivedRequest] = []
        self._injections: list[Injection] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``."""
        if self._http is None:
            raise RuntimeError("the replay server is not running")
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def start(self) -> None:
        self._stopping.clear()
        self._http = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="replay-server"
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, cut every open connection, and join every thread."""
        if self._http is None or self._thread is None:
            return
        self._stopping.set()
        self._http.shutdown()
        with self._lock:
            open_now = list(self._connections)
        for connection in open_now:
            _hang_up(connection)
        self._http.server_close()
        self._thread.join()
        self._http = self._thread = None

    def __enter__(self) -> ReplayServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, path_prefix: str, fault: Fault, times: int | None = 1,
               method: str | None = None) -> Injection:  # fmt: skip
        """Answer the next ``times`` requests whose path starts with ``path_prefix`` (every
        one, while ``times`` is ``None``) with ``fault``. The first injection added wins."""
        injection = Injection(path_prefix, fault, times, method.upper() if method else None)
        with self._lock:
            self._injections.append(injection)
        return injection

    def clear_faults(self) -> None:
        with self._lock:
            self._injections.clear()

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received so far, in order of arrival."""
        with self._lock:
            return list(self._log)

    def requests_to(self, path_prefix: str) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    def _receive(self, method: str, target: str, headers: Iterable[tuple[str, str]],
                 body: bytes) -> ReceivedRequest:  # fmt: skip
        arrived = time.monotonic()
        parts = urlsplit(target)
        path = unquote(parts.path)
        with self._lock:
            fault = self._take_fault(method, path)
            received = ReceivedRequest(
                method, target, path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                {k.lower(): v for k, v in headers}, body, arrived, fault,
            )  # fmt: skip
            self._log.append(received)
        return received

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for injection in self._injections:
            if injection.remaining == 0 or not path.startswith(injection.path_prefix):
                continue
            if injection.method is not None and injection.method != method:
                continue
            injection.hits += 1
            if injection.remaining is not None:
                injection.remaining -= 1
            return injection.fault
        return None

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
            stopping = self._stopping.is_set()
        if stopping:  # accepted while stop() was cutting connections
            _hang_up(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


def _hang_up(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by its handler
