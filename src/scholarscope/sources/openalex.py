"""OpenAlex over its REST API (https://docs.openalex.org): an author, every work of an
author (cursor paging), one work.

What it fetches is the document ``ingest/openalex.py`` already reads from a file: an
author fetched with all their works is the bundle ``{"details": <author>, "works":
[<works>]}`` an OpenAlex author file holds, so a fetched author and an ingested file of
the same author give the same profile. Nothing here parses or stores.

Endpoints: ``GET /authors/{id}``, ``GET /works/{id}`` (an OpenAlex id, or ``doi:…``),
``GET /works?filter=author.id:{id}&per-page=200&cursor=*``, following ``meta.next_cursor``
until it is null.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from scholarscope.sources.client import ApiKey, SourceClient, SourceError
from scholarscope.sources.ratelimit import OPENALEX_INTERVAL, RateLimiter
from scholarscope.sources.responses import ResponseStore
from scholarscope.sources.settings import SourceSettings

NAME = "OpenAlex"
PER_PAGE = 200  # the most works OpenAlex answers in one page
_SHORT_ID = re.compile(r"[AWSI]\d+")
_PREFIXES = ("openalex:", "https://openalex.org/", "http://openalex.org/")


def openalex_client(
    settings: SourceSettings,
    http: httpx.Client,
    store: ResponseStore | None = None,
    limiter: RateLimiter | None = None,
) -> SourceClient:
    """The OpenAlex client: its base URL, key (the ``api_key`` parameter) and contact
    (``mailto``, OpenAlex's polite pool) from ``settings``; ``store`` keeps every answer."""
    key = ApiKey(settings.openalex_key, query_param="api_key") if settings.openalex_key else None
    return SourceClient(
        NAME,
        settings.openalex_url,
        http,
        limiter or RateLimiter(OPENALEX_INTERVAL),
        slug="openalex",
        key=key,
        contact=settings.mailto,
        contact_param="mailto",
        store=store,
    )


def openalex_id(ref: str, kind: str) -> str:
    """The short OpenAlex id (``A5040147688``) of ``openalex:A…``, an OpenAlex URL or a
    bare id; ``kind`` is the letter expected (A author, W work). Raises ValueError.

    >>> openalex_id("openalex:A5040147688", "A"), openalex_id("https://openalex.org/W1", "W")
    ('A5040147688', 'W1')
    """
    value = ref.strip()
    for prefix in _PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
            break
    if not _SHORT_ID.fullmatch(value) or value[0] != kind:
        what = {"A": "an author", "W": "a work"}[kind]
        raise ValueError(f"{ref!r} is not {what}'s OpenAlex id (openalex:{kind}… expected)")
    return value


def fetch_author(client: SourceClient, author_id: str) -> dict[str, Any]:
    """The OpenAlex author object of ``author_id`` (``A…``)."""
    author = client.get_json(f"/authors/{author_id}")
    return _object(client, author, f"/authors/{author_id}")


def fetch_work(client: SourceClient, work_ref: str) -> dict[str, Any]:
    """The OpenAlex work object of ``work_ref``: ``W…``, or ``doi:10.…``."""
    work = client.get_json(f"/works/{work_ref}")
    return _object(client, work, f"/works/{work_ref}")


def iter_author_works(
    client: SourceClient,
    author_id: str,
    per_page: int = PER_PAGE,
    on_page: Callable[[int, int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every work OpenAlex lists for ``author_id``, page by page with its cursor.
    ``on_page(works_so_far, total)`` after each page. Each page is kept by the client's
    store, so a fetch stopped half-way asks again only for the pages it lacks."""
    cursor = "*"
    seen = 0
    while cursor:
        params: dict[str, str | int] = {
            "filter": f"author.id:{author_id}",
            "per-page": per_page,
            "cursor": cursor,
        }
        page = client.get_json("/works", params)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise _malformed(client, "/works", "a results page without results")
        meta = page.get("meta") or {}
        works = [w for w in page["results"] if isinstance(w, dict)]
        yield from works
        seen += len(works)
        if on_page:
            on_page(seen, int(meta.get("count") or seen))
        next_cursor = meta.get("next_cursor")
        cursor = next_cursor if isinstance(next_cursor, str) and works else ""


def author_bundle(
    client: SourceClient, author_id: str, on_page: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """``{"details": <author>, "works": [<works>]}``: what an OpenAlex author file
    holds, fetched."""
    details = fetch_author(client, author_id)
    return {
        "details": details,
        "works": list(iter_author_works(client, author_id, on_page=on_page)),
    }


def _object(client: SourceClient, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise _malformed(client, path, "an answer that is not an OpenAlex object")
    return value


def _malformed(client: SourceClient, path: str, what: str) -> SourceError:
    return SourceError(
        NAME, client.url(path), f"answered {what}", "Check --openalex-url: is it OpenAlex?"
    )
