"""The HTTP server: Python's own ``http.server``, one thread per connection, optionally
several processes sharing the listening socket.

Why the standard library: a page costs a few milliseconds of Python (building the
profile, rendering it); the server adds ~0.2 ms, and nothing else would run that Python
faster under the GIL. More cores are used by forking worker processes after the socket
is bound (``workers``), each with its own read-only connections and caches; measured in
``bench/web_latency.py``.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from threadpoolctl import threadpool_limits

from scholarscope.web.app import MAX_UPLOAD, App

DEFAULT_PORT = 8000


class ConnectionBalance:
    """Open connections per serving process, counted in memory the processes share, so
    that a process takes a new connection only when no other holds fewer.

    Why: processes sharing one listening socket race to accept, and the one idle at that
    moment wins; a browser or a load tool keeps its connections open (keep-alive), so
    one process could serve all 16 clients while the other core idled (measured: splits
    of 16/0 and 11/5 in four runs). A process that holds more connections than another
    lets the connection wait (for at most ``PATIENCE`` seconds, in case the other
    process is stuck) for a process with fewer to take it.
    """

    PATIENCE = 0.05

    def __init__(self, processes: int) -> None:
        self.counts = multiprocessing.RawArray("q", processes)  # before the fork: shared
        self.index = 0  # this process's slot, set in each process after the fork
        self._lock = threading.Lock()
        self._waiting_since: float | None = None

    def may_accept(self) -> bool:
        """Whether this process should accept the pending connection now."""
        mine = self.counts[self.index]
        if mine <= min(self.counts):
            self._waiting_since = None
            return True
        now = time.monotonic()
        if self._waiting_since is None:
            self._waiting_since = now
        if now - self._waiting_since > self.PATIENCE:
            self._waiting_since = None
            return True
        return False

    def opened(self) -> None:
        with self._lock:
            self.counts[self.index] += 1

    def closed(self) -> None:
        with self._lock:
            self.counts[self.index] -= 1


class WebServer(ThreadingHTTPServer):
    """A threading HTTP server that hands every request to an ``App``; with several
    processes (``run``), each accepts connections only in its turn (``balance``)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, log: bool = False) -> None:
        super().__init__(address, RequestHandler)
        self.app = app
        self.log = log
        self.balance: ConnectionBalance | None = None

    def get_request(self) -> tuple[socket.socket, Any]:
        if self.balance is not None and not self.balance.may_accept():
            time.sleep(0.0005)  # another process takes it meanwhile
            raise BlockingIOError("left for a process with fewer connections")
        request, address = super().get_request()
        if self.balance is not None:
            self.balance.opened()
        return request, address

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        if self.balance is not None:
            self.balance.closed()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal (a closed tab, a load tool ending
        its run); anything else is printed as usual."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "scholarscope"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body leave without waiting for an ACK
    timeout = 60  # seconds an idle keep-alive connection may hold its thread
    server: WebServer

    def do_GET(self) -> None:  # noqa: N802 - the names http.server calls
        self._answer("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._answer("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._answer("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802
        self._answer("PATCH")

    def _answer(self, method: str) -> None:
        started = time.perf_counter()
        length_text = self.headers.get("Content-Length") or "0"
        # ASCII digits only: isdigit() accepts "²", which int() then refuses
        is_number = length_text.isascii() and length_text.isdigit()
        if not is_number or int(length_text) > MAX_UPLOAD:
            self.send_error(413 if is_number else 400, "bad Content-Length")
            self.close_connection = True
            return
        body = self.rfile.read(int(length_text)) if int(length_text) else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.server.app.handle(
            "GET" if method == "HEAD" else method, self.path, headers, body
        )
        self.send_response_only(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)
        if self.server.log:
            took = (time.perf_counter() - started) * 1000
            path = printable(self.path)
            sys.stderr.write(f"{method} {path} {response.status} {took:.1f} ms\n")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        if self.server.log:  # the message quotes the client's request line
            sys.stderr.write(f"{self.address_string()} {printable(format % args)}\n")


def printable(text: str) -> str:
    r"""``text`` for the log, every character that is not printable escaped as Python's
    ``repr`` writes it, and a backslash doubled (so a client's own "\x1b" stays
    distinguishable from an escaped one). A request path reaches the log as the client
    sent it: raw, an ESC would recolour or clear the operator's terminal, and a carriage
    return or a line separator would forge a log line.

    >>> printable("/search?q=\x1b[2J\r\u2028\\x")
    '/search?q=\\x1b[2J\\r\\u2028\\\\x'
    """
    if text.isprintable() and "\\" not in text:  # nearly every path
        return text
    escaped = []
    for char in text:
        if char == "\\":
            escaped.append("\\\\")
        elif char.isprintable():
            escaped.append(char)
        else:
            escaped.append(repr(char)[1:-1])  # \x1b, \r, \u2028
    return "".join(escaped)


def make_server(
    app: App, host: str = "127.0.0.1", port: int = DEFAULT_PORT, log: bool = False
) -> WebServer:
    """Bind a server for ``app`` (port 0: any free port; see ``server.url``)."""
    return WebServer((host, port), app, log)


def run(server: WebServer, workers: int = 1, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; ``workers`` > 1 forks that many processes in all, which
    share the bound socket (each opens its own database connections). Every process
    loads semantic search's encoder and vectors (``App.warm``) before it serves."""
    children = []
    processes = max(1, workers)
    if processes > 1:
        server.balance = ConnectionBalance(processes)
    for index in range(1, processes):
        pid = os.fork()
        if pid == 0:  # a worker: serve until the parent stops it
            if server.balance is not None:
                server.balance.index = index
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                _warm(server.app)
                server.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
    try:
        _warm(server.app)
        if on_ready:
            on_ready(server.url)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for pid in children:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)


def _warm(app: App) -> None:
    """``app.warm()``; a failure is logged, and requests load what they need later.

    First, numpy's BLAS goes to one thread in this process: a request's one product
    (a query against the stored vectors) gains nothing from a second thread, and the
    BLAS threads spin between products on the cores the other requests need (measured:
    a hybrid search cost 44 ms of CPU for 23 ms of wall time with two threads, 24 ms
    with one; the query encoder is loaded with one PyTorch thread for the same reason).

    Last, what is loaded by then (~170,000 objects: the encoder, its libraries, the
    templates) is moved out of the garbage collector's sight (``gc.freeze``): it stays
    for the life of the process, and every full collection walked it again, a pause of
    ~60 ms every few hundred requests (measured: one profile in four took 80 ms more).
    """
    threadpool_limits(1)
    try:
        app.warm()
    except Exception:
        traceback.print_exc(file=sys.stderr)
    gc.collect()
    gc.freeze()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
