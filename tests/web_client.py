"""The web application as the tests reach it: in this process through httpx's ASGI
transport (``ask``), or as a real uvicorn server on a free port in a thread (``serving``)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from scholarscope.web import App, create_app


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: httpx.Headers


_APPLICATIONS: weakref.WeakKeyDictionary[App, Starlette] = weakref.WeakKeyDictionary()


def asgi(app: App | Starlette) -> Starlette:
    """The ASGI application of ``app`` (made once per ``App``)."""
    if isinstance(app, Starlette):
        return app
    if app not in _APPLICATIONS:
        _APPLICATIONS[app] = create_app(app)
    return _APPLICATIONS[app]


def ask(
    app: App | Starlette,
    target: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One request to ``app`` in this process (httpx.ASGITransport; no socket)."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=asgi(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.request(method, target, headers=headers, content=body)

    response = asyncio.run(send())
    content_type = response.headers.get("content-type", "")
    return Answer(response.status_code, content_type, response.content, response.headers)


@contextmanager
def serving(app: App | Starlette, log: bool = False) -> Iterator[str]:
    """A real uvicorn server for ``app`` on a free port of 127.0.0.1, in a thread;
    stopped on exit. Yields its URL."""
    application = app if isinstance(app, Starlette) else create_app(app, log=log)
    config = uvicorn.Config(application, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=2)  # fmt: skip
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


_APP_INIT = App.__init__


@contextmanager
def closing_apps() -> Iterator[None]:
    """Closes (``App.close``), on leaving, every web ``App`` made inside and not inside a
    nested ``closing_apps``: on PostgreSQL an App holds connections (its change probe,
    its reader pool), which the tests' server has 100 of, and a connection left to the
    garbage collector warns (an error here) in whichever test runs then."""
    made: list[App] = []

    def recording_init(app: App, *args: Any, **kwargs: Any) -> None:
        _APP_INIT(app, *args, **kwargs)
        made.append(app)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(App, "__init__", recording_init)
            yield
    finally:
        for app in made:
            app.close()
