"""Serving the site with uvicorn (``scholarscope serve``).

``serve`` binds the socket, then runs one process, or several worker processes under
uvicorn's supervisor, which replaces a worker that dies (killed for memory, say). Each
worker builds its own ``App`` (read-only connections, caches) from ``ServerSettings``,
which reach the spawned workers through the environment (``SETTINGS_VARIABLE``), and
loads semantic search's encoder and vectors before it serves (``warm``).

Connections and requests at once are bounded per process (``MAX_CONNECTIONS``); beyond
that uvicorn answers 503 at once instead of letting the process drown.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import signal
import socket
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from threadpoolctl import threadpool_limits
from uvicorn.supervisors import Multiprocess

from scholarscope.search import QueryEncoder
from scholarscope.web.app import App
from scholarscope.web.asgi import LOCAL_HOSTS, create_app
from scholarscope.web.balance import WorkerBalance

DEFAULT_PORT = 8000
MAX_CONNECTIONS = 1000  # per process; idle keep-alive connections count too
SETTINGS_VARIABLE = "SCHOLARSCOPE_SERVER_SETTINGS"
SWITCH_INTERVAL = 0.001  # seconds a thread holds the GIL while another waits (see warm)


@dataclass(frozen=True)
class ServerSettings:
    """What a serving process needs to build its application.

    ``semantic``: load the query encoder (semantic search, similar works); ``cached``:
    keep answers and read-side results until the database changes (off: every request
    is built from SQLite, as ``bench/web_latency.py`` measures it cold)."""

    db: str
    admin_token: str | None = None
    semantic: bool = True
    allowed_hosts: tuple[str, ...] = LOCAL_HOSTS
    log: bool = True
    cached: bool = True
    balance_folder: str | None = None  # where worker processes tell their connections


def query_encoder() -> QueryEncoder | None:
    """The model semantic search embeds queries with (one thread, see ``load_encoder``),
    or None, said on stderr, when the embedding packages are not installed."""
    try:
        from scholarscope.embed import load_encoder

        return load_encoder(threads=1)
    except ImportError as error:
        print(f"semantic search is off: {error}", file=sys.stderr)
        return None


def build_app(settings: ServerSettings) -> Starlette:
    """The ASGI application for ``settings`` (raises ValueError for a database the
    server cannot serve)."""
    app = App(
        settings.db,
        admin_token=settings.admin_token,
        encoder=query_encoder if settings.semantic else None,
        cache_size=256 if settings.cached else 0,
        page_cache_bytes=64 * 1024 * 1024 if settings.cached else 0,
    )
    balance = WorkerBalance(Path(settings.balance_folder)) if settings.balance_folder else None
    return create_app(
        app, settings.allowed_hosts, settings.log, warm=lambda: warm(app), balance=balance
    )


def app_from_environment() -> Starlette:
    """uvicorn's factory in every worker process: the settings ``serve`` left in the
    environment."""
    fields = json.loads(os.environ[SETTINGS_VARIABLE])
    fields["allowed_hosts"] = tuple(fields["allowed_hosts"])
    return build_app(ServerSettings(**fields))


def serve(
    settings: ServerSettings,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    workers: int = 1,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); ``on_ready(url)`` once the socket
    is bound (port 0: any free port). Raises ValueError or OSError (the database, the
    address) before anything is served."""
    # uvicorn stops on SIGINT and SIGTERM, then sends the signal on to the handler it
    # found: here one that ends the process as Ctrl-C does, with status 0
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _serve(settings, host, port, workers, on_ready)
    except KeyboardInterrupt:
        pass


def _serve(
    settings: ServerSettings,
    host: str,
    port: int,
    workers: int,
    on_ready: Callable[[str], None] | None,
) -> None:
    app = build_app(settings)  # in this process: a bad database is an error here
    with tempfile.TemporaryDirectory(prefix="scholarscope-workers-") as folder:
        if workers > 1:
            settings = dataclasses.replace(settings, balance_folder=folder)
        os.environ[SETTINGS_VARIABLE] = json.dumps(dataclasses.asdict(settings))
        _run(app, host, port, workers, on_ready)


def _run(
    app: Starlette,
    host: str,
    port: int,
    workers: int,
    on_ready: Callable[[str], None] | None,
) -> None:
    config = uvicorn.Config(
        "scholarscope.web.server:app_from_environment" if workers > 1 else app,
        factory=workers > 1,
        host=host,
        port=port,
        workers=workers,
        limit_concurrency=MAX_CONNECTIONS,
        access_log=False,  # ResponseHeaders logs each request, its path made printable
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    sock = _bind(host, port)  # an address in use is an OSError here, said in one line
    try:
        bound_host, bound_port = sock.getsockname()[:2]
        if on_ready:
            on_ready(f"http://{bound_host}:{bound_port}")
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, inherited by the worker processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on the
    # connections of a socket that says it is TCP; with it on, a response's headers and
    # body, written apart, wait ~40 ms for the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # connections wait from now on, until a process serves them
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def warm(app: App) -> None:
    """``app.warm()`` in a serving process before it serves; a failure is logged, and
    requests load what they need later.

    First, numpy's BLAS goes to one thread in this process: a request's one product
    (a query against the stored vectors) gains nothing from a second thread, and the
    BLAS threads spin between products on the cores the other requests need (measured:
    a hybrid search cost 44 ms of CPU for 23 ms of wall time with two threads, 24 ms
    with one; the query encoder is loaded with one PyTorch thread for the same reason).

    The interpreter's switch interval goes from 5 ms to 1 ms: the lane thread builds a
    page while the event loop thread waits for the GIL to read the next request or send
    a finished answer, and it waited up to 5 ms at each step behind a long page
    (measured, 16 clients on 2 processes, caches off: p99 of the 20 largest profiles
    258 and 248 ms at 5 ms, 216 and 234 at 1 ms; typical profiles 52.8 and 56.7 against
    51.2 and 53.9; CPU per request unchanged).

    Last, what is loaded by then (~170,000 objects: the encoder, its libraries, the
    templates) is moved out of the garbage collector's sight (``gc.freeze``): it stays
    for the life of the process, and every full collection walked it again, a pause of
    ~60 ms every few hundred requests (measured: one profile in four took 80 ms more).
    """
    threadpool_limits(1)
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        app.warm()
    except Exception:
        traceback.print_exc(file=sys.stderr)
    gc.collect()
    gc.freeze()
