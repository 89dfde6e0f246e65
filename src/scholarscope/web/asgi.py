"""The site as an ASGI application on Starlette: every address of ``routes.py`` (a page
and its ``.json``, ``.csv``, ``.bib`` twins), the static files, ``/openapi.json`` and the
write endpoints; errors, security headers, the Host allow-list and the request log.

Errors: a page answers a small HTML page; the API (``….json``, ``….csv``, ``….bib``,
``/admin/…``, ``/openapi.json``) answers ``application/problem+json`` (RFC 9457:
``type``, ``title``, ``status``, ``detail``). 400 a bad parameter (the detail says which),
401 a write without the admin token (403: writes are off), 404 nothing there, 405 a
method the address does not answer (with ``Allow``), 409 an identity edit the data does
not allow, 413 an upload over ``MAX_UPLOAD``, 503 a page whose
queries ran past the request's budget. A bug is a 500 that says nothing of the internals
(the traceback goes to stderr).

A write endpoint checks the method and the token before it reads a byte of the body, and
streams an upload to disk under the size cap: a client without the token costs nothing.

    >>> from starlette.applications import Starlette
    >>> isinstance(create_app(App.__new__(App)), Starlette)
    True
"""

from __future__ import annotations

import asyncio
import hmac
import json
import sys
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from markupsafe import escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response as HTTPResponse
from starlette.routing import BaseRoute
from starlette.routing import Route as StarletteRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scholarscope.web import views
from scholarscope.web.app import App, Conflict, OverBudget, Response
from scholarscope.web.balance import WorkerBalance
from scholarscope.web.openapi import openapi_document
from scholarscope.web.params import BadRequest
from scholarscope.web.routes import (
    CONTENT_TYPES,
    MAX_UPLOAD,
    ROUTES,
    WRITE_ROUTES,
    Route,
    WriteRoute,
)

MAX_TARGET = 4000  # characters in a request's path and query string
PROBLEM = "application/problem+json"
# Names a browser may use to reach the server. Checking the Host header keeps a page of
# another site from reading this one through a rebound DNS name (DNS rebinding).
LOCAL_HOSTS = ("127.0.0.1", "localhost")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
]


def create_app(
    app: App,
    allowed_hosts: Sequence[str] = LOCAL_HOSTS,
    log: bool = False,
    warm: Callable[[], None] | None = None,
    balance: WorkerBalance | None = None,
) -> Starlette:
    """The ASGI application serving ``app``. ``allowed_hosts``: the Host names it answers
    (``*`` any); ``log``: one line per request on stderr; ``warm``: run once in a worker
    thread when the server starts, before it serves (``server.py`` loads semantic
    search's encoder and vectors there); ``balance``: this process's share of the
    connections among several serving processes (``server.py``)."""
    routes: list[BaseRoute] = []
    for route in ROUTES:
        routes.extend(_page_routes(app, route))
    for write_route in WRITE_ROUTES:
        routes.append(
            StarletteRoute(write_route.path, _write_endpoint(app, write_route), methods=["POST"])
        )
    openapi = json.dumps(openapi_document(), ensure_ascii=False).encode()

    async def openapi_json(request: Request) -> HTTPResponse:
        return HTTPResponse(openapi, media_type=CONTENT_TYPES["json"])

    async def static(request: Request) -> HTTPResponse:
        name = request.path_params["name"]
        return await _answer("html", lambda: run_in_threadpool(app.static_file, name))

    routes.append(StarletteRoute("/openapi.json", openapi_json, methods=["GET"]))
    routes.append(StarletteRoute("/static/{name}", static, methods=["GET"]))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if warm is not None:
            await run_in_threadpool(warm)
        if balance is not None:
            balance.start()
        yield

    return Starlette(
        routes=routes,
        middleware=[
            Middleware(ResponseHeaders, log=log, balance=balance),
            Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
        ],
        exception_handlers={HTTPException: _routing_error},
        lifespan=lifespan,
    )


def _page_routes(app: App, route: Route) -> list[BaseRoute]:
    """Starlette's routes for one of ours: the page, and its twins with a format suffix
    (the twins first: ``{arg:path}`` alone would also match ``author:3.json``)."""
    head, brace, _ = route.path.partition("{")
    pattern = head + "{arg:path}" if brace else route.path
    answered: list[BaseRoute] = []
    for fmt in sorted(route.formats, key=lambda f: f == "html"):
        suffix = "" if fmt == "html" else f".{fmt}"
        answered.append(StarletteRoute(pattern + suffix, _page_endpoint(app, route, fmt)))
        if route.path == "/index":
            answered.append(StarletteRoute("/" + suffix, _page_endpoint(app, route, fmt)))
    return answered


def _page_endpoint(app: App, route: Route, fmt: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> HTTPResponse:
        raw_query = request.scope["query_string"].decode("latin-1")
        raw_path = request.scope.get("raw_path") or b""
        if len(raw_path) + len(raw_query) > MAX_TARGET:
            return problem(414, f"the address is longer than {MAX_TARGET} characters", fmt)
        try:  # uvicorn decodes the path leniently: a byte that is not UTF-8 is a 400 here
            unquote_to_bytes(raw_path).decode("utf-8")
        except UnicodeDecodeError:
            return problem(400, "the address is not valid UTF-8", fmt)
        path = request.scope["path"]  # decoded; no root path: the site is served at /
        if "\x00" in path:
            return problem(400, "the address is malformed", fmt)
        path = path.removesuffix("" if fmt == "html" else f".{fmt}")
        path = "/index" if path == "/" else path
        args = tuple(request.path_params.values())
        if any(arg == "" for arg in args):
            return problem(404, f"nothing at {request.scope['path']}", fmt)
        return await _answer(fmt, lambda: _page(app, route, args, path, raw_query, fmt))

    return endpoint


def _write_endpoint(app: App, route: WriteRoute) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> HTTPResponse:
        # No credentials at all: 401, as HTTP says (the client must authenticate);
        # credentials while writes are off: 403 (no token would do); a wrong one: 401.
        given = request.headers.get("authorization")
        if given is None:
            return problem(401, "a valid 'Authorization: Bearer <admin token>' is required",
                           "json", {"WWW-Authenticate": "Bearer"})  # fmt: skip
        if app.admin_token is None:
            return problem(403, "writes are off: start the server with an admin token", "json")
        if not hmac.compare_digest(given.encode(), f"Bearer {app.admin_token}".encode()):
            return problem(401, "a valid 'Authorization: Bearer <admin token>' is required",
                           "json", {"WWW-Authenticate": "Bearer"})  # fmt: skip
        raw_query = request.scope["query_string"].decode("latin-1")
        if not route.upload:
            return await _answer(
                "json", lambda: run_in_threadpool(app.write, route, raw_query, None)
            )
        with tempfile.TemporaryDirectory(prefix="scholarscope-upload-") as folder:
            upload = Path(folder) / "body"
            refused = await _save_body(request, upload)
            if refused is not None:
                return refused
            return await _answer(
                "json", lambda: run_in_threadpool(app.write, route, raw_query, upload)
            )

    return endpoint


async def _save_body(request: Request, path: Path) -> HTTPResponse | None:
    """Stream the request's body to ``path``; an answer when it is refused (empty, or
    over ``MAX_UPLOAD``: said before reading when Content-Length tells)."""
    too_large = problem(413, f"the body must hold one file of at most {MAX_UPLOAD} bytes", "json")
    declared = request.headers.get("content-length") or ""
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_UPLOAD:
        return too_large
    size = 0
    with path.open("wb") as file:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPLOAD:
                return too_large
            file.write(chunk)
    if size == 0:
        return problem(400, f"the body must hold one file of 1 byte to {MAX_UPLOAD} bytes", "json")
    return None


async def _page(
    app: App, route: Route, args: tuple[str, ...], path: str, raw_query: str, fmt: str
) -> Response:
    """The page from the cache, or built in its lane's thread (``App.submit_page``)
    while the event loop serves other connections."""
    request = app.page_request(route, args, path, raw_query, fmt)
    cached = app.cached_page(request)
    if cached is not None:
        return cached
    return await asyncio.wrap_future(app.submit_page(request))


async def _answer(fmt: str, make: Callable[[], Awaitable[Response]]) -> HTTPResponse:
    """``make()``'s answer, its refusals answered in ``fmt``."""
    try:
        response = await make()
    except BadRequest as error:
        return problem(400, str(error), fmt)
    except views.NotFound as error:
        return problem(404, str(error), fmt)
    except Conflict as error:
        return problem(409, str(error), fmt)
    except OverBudget as error:
        return problem(503, str(error), fmt)
    except Exception:  # a bug: tell the user little, the operator everything
        traceback.print_exc(file=sys.stderr)
        return problem(500, "internal error (details are in the server's log)", fmt)
    return HTTPResponse(
        response.body,
        status_code=response.status,
        headers=dict(response.headers),
        media_type=response.content_type,
    )


async def _routing_error(request: Request, error: Exception) -> HTTPResponse:
    """Starlette's own refusals: no route for the path (404), or not for the method
    (405, with the ``Allow`` header it sets)."""
    assert isinstance(error, HTTPException)
    path = request.url.path
    api = path.endswith((".json", ".csv", ".bib")) or path.startswith("/admin/")
    fmt = "json" if api else "html"
    headers = dict(error.headers or {})
    if error.status_code == 405:
        # Starlette keeps a route's methods in a set: its Allow header's order varies
        order = ("GET", "HEAD", "POST")
        allowed = sorted(headers.get("Allow", "GET").split(", "), key=order.index)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{path} answers {' and '.join(allowed)} only"
    elif error.status_code == 404:
        detail = f"nothing at {path}"
    else:
        detail = error.detail
    return problem(error.status_code, detail, fmt, headers)


def problem(
    status: int, detail: str, fmt: str, headers: dict[str, str] | None = None
) -> HTTPResponse:
    """An error in the format asked for: a problem document for the API, a small page
    otherwise.

    >>> problem(404, "nothing at /x.json", "json").body
    b'{"type":"about:blank","title":"Not Found","status":404,"detail":"nothing at /x.json"}'
    """
    if fmt != "html":
        document = {"type": "about:blank", "title": HTTPStatus(status).phrase,
                    "status": status, "detail": detail}  # fmt: skip
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return HTTPResponse(body, status, headers, media_type=PROBLEM)
    page = ERROR_PAGE.format(status=status, message=escape(detail))
    return HTTPResponse(page.encode(), status, headers, media_type=CONTENT_TYPES["html"])


ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{status} · scholarscope</title><link rel="stylesheet" href="/static/style.css">
</head><body><main class="error"><h1>{status}</h1><p>{message}</p>
<p><a href="/">scholarscope home</a></p></main></body></html>
"""


class ResponseHeaders:
    """ASGI middleware: the security headers on every response (pages, JSON, files and
    errors alike), and with ``log`` one line per request on stderr.
    With ``balance`` (several serving processes), an answer closes its connection
    (``Connection: close``; the client opens a new one) when this process holds more
    than its share of the connections (``WorkerBalance``)."""

    def __init__(
        self, app: ASGIApp, log: bool = False, balance: WorkerBalance | None = None
    ) -> None:
        self.app = app
        self.log = log
        self.balance = balance

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
                client = scope.get("client")
                if self.balance and client and self.balance.should_close(tuple(client)):
                    message["headers"].append((b"connection", b"close"))
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if self.log:
            took = (time.perf_counter() - started) * 1000
            target = scope["path"] + ("?" + scope["query_string"].decode("latin-1")
                                      if scope["query_string"] else "")  # fmt: skip
            sys.stderr.write(f"{scope['method']} {printable(target)} {status} {took:.1f} ms\n")


def printable(text: str) -> str:
    r"""``text`` for the log, every character that is not printable escaped as Python's
    ``repr`` writes it, and a backslash doubled (so a client's own "\x1b" stays
    distinguishable from an escaped one). A request path reaches the log decoded from
    the client's percent-escapes: raw, an ESC would recolour or clear the operator's
    terminal, and a carriage return or a line separator would forge a log line.

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
