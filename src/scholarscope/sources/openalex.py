"""OpenAlex over its REST API (https://docs.openalex.org): an author, every work of an
author (cursor paging), one work.

What it fetches is the document ``ingest/openalex.py`` already reads from a file: an
author fetched with all their works is the bundle ``{"details": <author>, "works":
[<works>]}`` an OpenAlex author file holds, so a fetched author and an ingested file of
the same author give the same profile. Nothing here parses or stores.

Endpoints: ``GET /authors/{id}``, ``GET /works/{id}`` (an OpenAlex id, or ``doi:…``),
``GET /works?filter=author.id:{id}&per-page=200&cursor=*``, following ``meta.next_cursor``
until it is null; and ``GET /authors?search={name}&per-page={n}`` for ``search_authors``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from scholarscope.sources.candidates import AuthorCandidate, count_or_none
from scholarscope.sources.client import ApiKey, SourceClient, SourceError
from scholarscope.sources.ratelimit import OPENALEX_INTERVAL, RateLimiter
from scholarscope.sources.responses import ResponseStore
from scholarscope.sources.settings import SourceSettings

NAME = "OpenAlex"
PER_PAGE = 200  # the most works OpenAlex answers in one page
_SHORT_ID = re.compile(r"[AWSI]\d+")
_PREFIXES = ("openalex:", "https://openalex.org/", "http://openalex.org/")
# what an author candidate shows: root fields only, as select= takes (a full author
# object carries years of counts and concepts that a list of candidates does not need)
SEARCH_SELECT = ",".join(
    (
        "id",
        "display_name",
        "orcid",
        "works_count",
        "cited_by_count",
        "summary_stats",
        "last_known_institutions",
    )
)


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


def search_authors(client: SourceClient, name: str, limit: int = 10) -> list[AuthorCandidate]:
    """The people OpenAlex finds for ``name``, most relevant first, at most ``limit`` (1 to
    200, a page): ``GET /authors?search={name}&per-page={limit}&select=…``. OpenAlex
    documents ``search`` as the way to find authors by name: it searches ``display_name``
    (and the alternative names) loosely, "John Smith" finding "John W. Smith" and
    accents ignored (https://docs.openalex.org/api-entities/authors/search-authors); the
    ``display_name.search`` filter is the deprecated spelling of the same search
    (https://developers.openalex.org/api-reference/authors).

    >>> found = {"meta": {"count": 1}, "results": [{"id": "https://openalex.org/A5084630459",
    ...     "display_name": "Raymond Énay", "works_count": 103, "cited_by_count": 1810,
    ...     "summary_stats": {"h_index": 21}, "orcid": None, "last_known_institutions":
    ...     [{"display_name": "Université Claude Bernard Lyon 1"}]}]}
    >>> answer = lambda request: httpx.Response(200, json=found)
    >>> http = httpx.Client(transport=httpx.MockTransport(answer))
    >>> client = openalex_client(SourceSettings(), http, limiter=RateLimiter(0))
    >>> [(c.ref, c.h_index, c.affiliation) for c in search_authors(client, "Raymond Enay")]
    [('openalex:A5084630459', 21, 'Université Claude Bernard Lyon 1')]
    """
    query = " ".join(name.split())
    if not query:
        raise ValueError("search for a name, not an empty string")
    if not 1 <= limit <= PER_PAGE:
        raise ValueError(f"an OpenAlex page holds 1 to {PER_PAGE} authors, not {limit}")
    params: dict[str, str | int] = {"search": query, "per-page": limit, "select": SEARCH_SELECT}
    page = client.get_json("/authors", params)
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise _malformed(client, "/authors", "a results page without results")
    found = (_candidate(author) for author in page["results"] if isinstance(author, dict))
    return [candidate for candidate in found if candidate is not None][:limit]


def _candidate(author: dict[str, Any]) -> AuthorCandidate | None:
    name = author.get("display_name")
    try:
        short = openalex_id(str(author.get("id")), "A")
    except ValueError:
        return None
    if not isinstance(name, str) or not name.strip():
        return None
    stats = author.get("summary_stats")
    orcid = author.get("orcid")
    if isinstance(orcid, str):
        orcid = orcid.strip().removeprefix("https://orcid.org/").removeprefix("http://orcid.org/")
    institutions = author.get("last_known_institutions")
    if not isinstance(institutions, list):  # answers before 2024 had one, singular
        single = author.get("last_known_institution")
        institutions = [single] if isinstance(single, dict) else []
    names = [
        place["display_name"].strip()
        for place in institutions
        if isinstance(place, dict)
        and isinstance(place.get("display_name"), str)
        and place["display_name"].strip()
    ]
    return AuthorCandidate(
        ref=f"openalex:{short}",
        name=name.strip(),
        works=count_or_none(author.get("works_count")),
        citations=count_or_none(author.get("cited_by_count")),
        h_index=count_or_none(stats.get("h_index")) if isinstance(stats, dict) else None,
        orcid=(orcid or None) if isinstance(orcid, str) else None,
        affiliation="; ".join(dict.fromkeys(names)) or None,
        source=NAME,
    )


def _object(client: SourceClient, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise _malformed(client, path, "an answer that is not an OpenAlex object")
    return value


def _malformed(client: SourceClient, path: str, what: str) -> SourceError:
    return SourceError(
        NAME, client.url(path), f"answered {what}", "Check --openalex-url: is it OpenAlex?"
    )
