"""The site without the HTTP: a route and its parameters go in, a ``Response`` (status,
content type, body) comes out. ``asgi.py`` puts it behind Starlette's routing, and
``server.py`` behind uvicorn.

A page is its view's dict (``views.py``) served as JSON, CSV, BibTeX or rendered into its
template. The database is only read, through read-only connections, except by the write
endpoints (``routes.WRITE_ROUTES``), which ``asgi.py`` lets through only with the admin
token. Answers and read-side results are cached until the database files change (any
commit changes the size or time of the database or its write-ahead log).

Refusals are raised for ``asgi.py`` to answer: ``BadRequest`` (400, with the reason),
``views.NotFound`` (404), ``QueryInterrupted`` (503: the page's queries ran past the
request's time budget, ``REQUEST_BUDGET``).
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape

from scholarscope import export, mathtext, models
from scholarscope.merged import source_name
from scholarscope.search import QueryEncoder, SemanticIndex, SemanticMatches
from scholarscope.store import Store, open_store
from scholarscope.store.sqlite import QueryInterrupted, ReaderPool
from scholarscope.taxonomy import field_label
from scholarscope.web import filters, views
from scholarscope.web.params import BadRequest, parse_params
from scholarscope.web.query_batch import QueryBatch
from scholarscope.web.routes import CONTENT_TYPES, Route, WriteRoute

HERE = Path(__file__).parent
# A request for more works than this (or an export) is heavy: it takes its turn in a lane
# of its own, so that a 5,000-work export (a second of Python) never holds up the
# profiles and searches queued behind it; they share the CPU with it instead.
HEAVY_WORKS = 200
LANES = 2  # the page lane and the heavy lane: each reads through one connection at a time
# Seconds a page's queries may take, counted from when its turn to be built comes; a
# query still running then is stopped and the request answered 503. Pages take
# milliseconds (the largest, a 5,000-work export of the 60k corpus, under a second):
# the budget is for the pathological query, which would otherwise hold the process and
# every request queued behind it.
REQUEST_BUDGET = 10.0
STATIC = {"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class OverBudget(Exception):  # noqa: N818 - named for what the user is told
    """A page whose queries ran past the request's time budget (HTTP 503)."""


class Conflict(Exception):  # noqa: N818 - named for its HTTP status
    """An identity edit the database's state does not allow (HTTP 409): merging a
    person into themselves, moving works a person does not have, undoing an undo."""


_MISSING = object()


class DataCache:
    """A cache emptied whenever the database changes (``changed``: the store's
    ``change_probe``), holding at most ``size`` units (each item weighs ``weigh(item)``,
    1 by default); the least recently used items go first."""

    def __init__(
        self,
        changed: Callable[[], Hashable],
        size: int,
        weigh: Callable[[Any], int] = lambda _: 1,
    ) -> None:
        self.changed = changed
        self.size = size
        self.weigh = weigh
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._weight = 0
        self._signature: Hashable = _MISSING
        self._lock = threading.Lock()

    def check(self, signature: Hashable = _MISSING) -> None:
        """Forget everything if the database changed since the last check (``signature``:
        what ``changed`` answered just now, when the caller asked it already)."""
        if signature is _MISSING:
            signature = self.changed()
        with self._lock:
            if signature != self._signature:
                self._items.clear()
                self._weight = 0
                self._signature = signature

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The cached value, or ``default``."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return default

    def put(self, key: Hashable, value: Any) -> None:
        weight = self.weigh(value)
        if weight > self.size:
            return
        with self._lock:
            if key in self._items:
                self._weight -= self.weigh(self._items.pop(key))
            self._items[key] = value
            self._weight += weight
            while self._weight > self.size:
                _, dropped = self._items.popitem(last=False)
                self._weight -= self.weigh(dropped)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The cached value, made and kept first if missing (None is a value too)."""
        found = self.get(key, _MISSING)
        if found is _MISSING:
            found = make()
            self.put(key, found)
        return found


class Templates(Environment):
    """The page templates. They read the views' dicts, so ``w.title`` looks the key up
    first; Jinja's default tries an attribute first, and a dict's missing attribute costs
    a raised AttributeError on every ``{{ w.… }}`` (a fifth of rendering a list of works).
    Anything else (a key a dict lacks, ``.items()``, objects) goes the default way."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


@dataclass(frozen=True)
class PageRequest:
    """A page asked for, its parameters validated (``App.page_request``). ``key`` is
    what the page cache keeps its answer under: the validated parameters, not the raw
    query string, so ``?a=1&b=2``, ``?b=2&a=1`` and ``?a=01&b=2`` are one page."""

    route: Route
    args: tuple[str, ...]
    path: str
    raw_query: str
    fmt: str
    params: dict[str, Any]
    key: Hashable
    embeds: str | None  # the text semantic search embeds for it, if any
    heavy: bool  # built in the heavy lane (``HEAVY_WORKS``)


class App:
    """The web application over one SQLite database file."""

    def __init__(
        self,
        db: str,
        admin_token: str | None = None,
        encoder: Callable[[], QueryEncoder | None] | None = None,
        cache_size: int = 256,
        page_cache_bytes: int = 64 * 1024 * 1024,
        request_budget: float = REQUEST_BUDGET,
    ) -> None:
        """``encoder``: a function returning the query encoder for semantic search (or
        None), called by ``warm`` or on first need, once per process; ``cache_size``:
        read-side results kept (profiles, leaderboards …); ``page_cache_bytes``: answers
        kept whole; 0 turns either off. Facts about the whole database (the stored
        vectors, the field counts of every filter menu) are always kept.
        ``request_budget``: seconds a page's queries may take (``REQUEST_BUDGET``)."""
        self.db = db
        self.request_budget = request_budget
        self.admin_token = admin_token or None
        self._load_encoder = encoder
        self._encoder: QueryEncoder | None = None
        self._encoder_loaded = False
        self._encoder_lock = threading.Lock()
        # Read-only unless it takes uploads: a server never creates a database (a
        # mistyped --db is an error, not an empty site) and serves a read-only file.
        self.read_only = self.admin_token is None
        store = open_store(db, read_only=self.read_only)
        try:
            if store.dialect == "sqlite" and not store.database_files():
                raise ValueError("the web server needs a database file, not :memory:")
            self.unindexed = store.unindexed_work_count()
            changed = store.change_probe()
        finally:
            store.close()
        self._change_probe = changed
        self.cache = DataCache(changed, cache_size)
        self.shared = DataCache(changed, 8)  # whole-database facts, until the data changes
        self.pages = DataCache(changed, page_cache_bytes, lambda r: len(r.body) + 500)
        self._readers: ReaderPool | None = None  # made on first need, in this process
        self._readers_lock = threading.Lock()
        # Pages are built one at a time per lane, in arrival order, each lane on a
        # thread of its own (see ``submit_page``).
        self.lane = ThreadPoolExecutor(1, thread_name_prefix="pages")
        self.heavy_lane = ThreadPoolExecutor(1, thread_name_prefix="heavy-pages")
        self.queries = QueryBatch()
        self.templates = Templates(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # the templates are the package's: no stat() per page
        )
        self.templates.filters.update(
            text=mathtext.render_text,
            snippet=mathtext.render_snippet,
            plain=mathtext.plain_text,
            number=filters.number,
            day=filters.day,
            path=filters.quote_id,
            url=filters.web_url,
            field_label=field_label,
        )
        self.templates.globals.update(
            query_string=filters.query_string,
            venue_line=filters.venue_line,
            byline=filters.byline,
            source_name=source_name,
            export_max=views.EXPORT_MAX,
        )
        self._static = {name: (HERE / "static" / name).read_bytes() for name in STATIC}

    # -- the pages --------------------------------------------------------------------

    def page(
        self, route: Route, args: tuple[str, ...], path: str, raw_query: str, fmt: str
    ) -> Response:
        """A route's answer for ``path`` (without its format suffix), from the page cache
        or built in its lane; ``asgi.py`` does the same without blocking its event loop.
        Raises ``BadRequest``, ``views.NotFound`` or ``OverBudget``, which ``asgi.py``
        answers."""
        request = self.page_request(route, args, path, raw_query, fmt)
        return self.cached_page(request) or self.submit_page(request).result()

    def page_request(
        self, route: Route, args: tuple[str, ...], path: str, raw_query: str, fmt: str
    ) -> PageRequest:
        """The request with its parameters validated (``BadRequest`` if they are not)."""
        params = parse_params(route.params, parse_query(raw_query))
        return PageRequest(
            route, args, path, raw_query, fmt, params,
            key=(route.path, args, fmt, tuple(sorted(params.items()))),
            embeds=route.embeds(params) if route.embeds and self._load_encoder else None,
            heavy=fmt in views.EXPORTS or params.get("per_page", 0) > HEAVY_WORKS,
        )  # fmt: skip

    def cached_page(self, request: PageRequest) -> Response | None:
        """The answer kept for ``request`` while the database has not changed."""
        self.pages.check()
        cached: Response | None = self.pages.get(request.key)
        return cached

    def submit_page(self, request: PageRequest) -> Future[Response]:
        """``request``'s page, queued for its lane's thread, which builds the pages of
        its lane one at a time in arrival order.

        Why one at a time: a page is Python, which holds the GIL, so two pages built at
        once each take twice as long, and a large page (a 240-work profile) built beside
        15 others is slowed 16-fold. Taking turns, a large page delays the pages queued
        behind it once, and no one waits behind later arrivals. One thread per lane,
        fed in order, takes no lock and wakes no other thread while pages are waiting
        (measured with 16 clients on 2 processes, caches off: a worker thread per
        request, taking turns at a lock, cost 0.3 ms more CPU per profile page).

        A search's query is announced on arrival, so that the searches waiting behind a
        page are embedded together (``QueryBatch``)."""
        self.queries.expect(request.embeds)
        lane = self.heavy_lane if request.heavy else self.lane
        built = lane.submit(self._build_page, request)
        built.add_done_callback(lambda _: self.queries.forget(request.embeds))
        return built

    def _build_page(self, request: PageRequest) -> Response:
        """The page, kept in the page cache when it is a 200."""
        try:
            response = self._make_page(request)
        except QueryInterrupted:  # never cached: only answers of 200 are
            raise OverBudget(
                f"this request needed more than its {self.request_budget:g} s and was "
                "stopped; try a narrower search or a smaller page"
            ) from None
        if response.status == 200:
            self.pages.put(request.key, response)
        return response

    def _make_page(self, request: PageRequest) -> Response:
        route, fmt, params = request.route, request.fmt, request.params
        raw_query = request.raw_query
        # asked once for both caches, and before the page's snapshot begins: data read
        # from that snapshot is never newer-looking than it is
        changed = self.cache.changed()
        self.cache.check(changed)
        self.shared.check(changed)
        with self._reader() as store:
            context = views.Context(
                store,
                self.cache.get_or_make,
                self.shared.get_or_make,
                lambda: self._semantic(store),
                lambda: self._query_matches(store),
            )
            try:
                page = route.view(context, *request.args, params, fmt)
            except views.Redirect as redirect:
                location = redirect.location + ("" if fmt == "html" else f".{fmt}")
                location += f"?{raw_query}" if raw_query else ""
                return Response(302, CONTENT_TYPES["html"], b"", (("Location", location),))
            except ValueError as error:  # a read-side function refusing its input
                raise BadRequest(str(error)) from None
            if fmt == "json":
                return _json(page.data)
            if fmt in views.EXPORTS:
                return self._export(page, fmt)
            path = "/" if request.path == "/index" else request.path
            html = self.templates.get_template(page.template).render(
                page=page, data=page.data, extra=page.extra, params=params, route=route,
                path=path, raw_query=raw_query, unindexed=self.unindexed,
            )  # fmt: skip
            return Response(200, CONTENT_TYPES["html"], html.encode())

    def _export(self, page: views.Page, fmt: str) -> Response:
        if page.works is None:
            raise BadRequest("this page has no works list to export")
        text = export.works_csv(page.works) if fmt == "csv" else export.works_bibtex(page.works)
        name = re.sub(r"[^A-Za-z0-9]+", "-", page.title).strip("-").lower()[:60] or "works"
        disposition = (("Content-Disposition", f'attachment; filename="{name}.{fmt}"'),)
        return Response(200, CONTENT_TYPES[fmt], text.encode(), disposition)

    def _query_encoder(self) -> QueryEncoder | None:
        with self._encoder_lock:
            if not self._encoder_loaded and self._load_encoder is not None:
                self._encoder = self._load_encoder()
            self._encoder_loaded = True
        return self._encoder

    def _query_matches(self, store: Store) -> SemanticMatches | None:
        """A query's semantic matches, computed with those of the other searches waiting
        in this process (``QueryBatch``); None when semantic search is off."""
        semantic = self._semantic(store)
        encoder = self._query_encoder()
        if semantic is None or encoder is None:
            return None
        return lambda text: self.queries.matches(text, semantic, encoder)

    def _semantic(self, store: Store) -> SemanticIndex | None:
        """The stored vectors of the query encoder's model; the model is not even loaded
        while the database holds no vectors at all."""
        if self._load_encoder is None or not self.shared.get_or_make(
            ("has embeddings",), store.has_embeddings
        ):
            return None
        encoder = self._query_encoder()
        if encoder is None:
            return None
        model = encoder.version
        index: SemanticIndex | None = self.shared.get_or_make(
            ("semantic", model), lambda: SemanticIndex.load(store, model)
        )
        return index

    def warm(self) -> dict[str, Any]:
        """Load what semantic search needs now, so that no request pays for it (about a
        second): the query encoder and the stored vectors of its model. Nothing is
        loaded without an encoder or while the database holds no vectors (a request
        loads them once some are stored). Returns {"model", "vectors"}: what is loaded.

        ``server.warm`` calls it in every serving process before it serves (each
        worker is a process of its own, spawned: a PyTorch model is not fork-safe), and
        the vectors are stored under the name the loaded encoder gives.
        """
        primary = open_store(self.db, read_only=True)
        try:
            store = primary.reader()  # not pooled: warm may run before a fork
        finally:
            primary.close()
        try:
            self.shared.check()
            index = self._semantic(store)
        finally:
            store.close()
        if index is None:
            return {"model": None, "vectors": None}
        return {"model": index.model, "vectors": len(index.work_ids)}

    def close(self) -> None:
        """Stop the page lanes and close every connection this application holds (its
        readers, and the change probe's on a database server)."""
        self.lane.shutdown()
        self.heavy_lane.shutdown()
        with self._readers_lock:
            if self._readers is not None:
                self._readers.close()
                self._readers = None
        self._change_probe.close()

    @contextmanager
    def _reader(self) -> Iterator[Store]:
        """A read-only connection for this page (from the store's reader pool: one per
        lane), whose queries stop once the request's time budget is spent."""
        with self._readers_lock:
            if self._readers is None:
                primary = open_store(self.db, read_only=True)
                try:
                    self._readers = primary.reader_pool(LANES)
                finally:
                    primary.close()
        with self._readers.connection() as store:
            # the whole page reads one state of the database; the limit ends before
            # the snapshot's COMMIT, which must never be interrupted
            with store.snapshot(), store.time_limit(self.request_budget):
                yield store

    def static_file(self, name: str) -> Response:
        if name not in STATIC:
            raise views.NotFound(f"no static file {name}")
        cache = (("Cache-Control", "max-age=3600"),)
        return Response(200, STATIC[name], self._static[name], cache)

    # -- the write endpoints (``asgi.py`` checks the method and the token first) -------

    def write(self, route: WriteRoute, raw_query: str, upload: Path | None) -> Response:
        """A write endpoint's answer; ``upload`` is the file the request's body was
        saved to (``/admin/ingest``)."""
        params = parse_params(route.params, parse_query(raw_query))
        if route.upload:
            assert upload is not None
            return self._admin_ingest(params, upload)
        return self._admin_identity(route.path, params)

    def _admin_identity(self, path: str, params: dict[str, Any]) -> Response:
        """``POST /admin/identity/merge|split|undo`` and ``/admin/authors/merge``: the
        identity edits of ``pipeline/identity.py``, each logged."""
        from scholarscope.pipeline import identity
        from scholarscope.profile import NotFound

        store = open_store(self.db)
        try:
            if path == "/admin/authors/merge":
                keep, drop = params["keep"] or "", params["drop"] or ""
                before = len(store.author_work_ids(identity.author_number(keep)))
                edit = identity.merge_people(
                    store, keep, drop, "merged with merge-authors", "admin"
                )
                row = store.author_row(identity.author_number(keep))
                return _json(
                    models.MergeResult(
                        kept=edit.people[0],
                        merged=edit.people[1],
                        name=row[1] if row else "",
                        papers_before=before,
                        papers=len(store.author_work_ids(identity.author_number(keep))),
                    )
                )
            if path == "/admin/identity/merge":
                edit = identity.merge_people(
                    store, params["keep"], params["drop"], params["reason"], params["by"]
                )
            elif path == "/admin/identity/split":
                edit = identity.split_person(
                    store,
                    params["author"],
                    params["works"].split(),
                    params["reason"],
                    params["by"],
                    params["into"],
                )
            else:
                edit = identity.undo_edit(store, params["edit"], params["reason"], params["by"])
            return _json(models.convert(edit.as_dict(), models.IdentityEdit))
        except ValueError as error:  # well-formed (the parameters were checked), not allowed
            raise Conflict(str(error)) from None
        except NotFound as error:
            raise views.NotFound(str(error)) from None
        finally:
            store.close()

    def _admin_ingest(self, params: dict[str, Any], upload: Path) -> Response:
        """``POST /admin/ingest?name=FILE.jsonl``: the body (saved to ``upload``) is one
        file of any supported format; it is ingested and enriched."""
        name = re.sub(r"[^A-Za-z0-9._-]", "_", params["name"])[:100].lstrip(".") or "upload"
        from scholarscope.enrich.fields import load_field_model
        from scholarscope.ingest import load_path
        from scholarscope.pipeline import FileReport, ingest_items
        from scholarscope.pipeline.enrich import enrich_store

        # The records' origin (shown on work pages, in messages) is the upload's name,
        # never the server's temporary path; the format is told by the name's suffix.
        origin = f"upload:{name}"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            upload.replace(path)
            store = open_store(self.db)
            try:
                report = ingest_items(store, load_path(path, origin), FileReport(origin))
                enriched = enrich_store(store, model=load_field_model())
            finally:
                store.close()
        result = {"files": [report.as_dict()], "enriched": enriched.works}
        return _json(models.convert(result, models.IngestResult))


# -- helpers --------------------------------------------------------------------------


def parse_query(raw_query: str) -> dict[str, list[str]]:
    """The query string's parameters; malformed or non-UTF-8 is a ``BadRequest``.

    >>> parse_query("q=face+anti-spoofing&page=2")
    {'q': ['face anti-spoofing'], 'page': ['2']}
    """
    try:
        return parse_qs(raw_query, keep_blank_values=True, strict_parsing=False,
                        max_num_fields=40, errors="strict")  # fmt: skip
    except UnicodeDecodeError:
        raise BadRequest("the address is not valid UTF-8") from None
    except ValueError as error:
        raise BadRequest(f"malformed query string ({error})") from None


def _json(value: models.Model) -> Response:
    return Response(200, CONTENT_TYPES["json"], models.encode(value))
