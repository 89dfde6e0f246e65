"""Semantic Scholar over its Graph API (https://api.semanticscholar.org/api-docs/graph):
an author, every paper of an author (offset paging), one paper, and author search.

What it fetches is the document ``ingest/semantic_scholar.py`` already reads from a file:
an author fetched with all their papers is the author object with ``"papers": [...]``,
the shape of an S2 ``Author.json``, so a fetched author and an ingested file of the same
author give the same works and the same stated h-index. Nothing here parses or stores.

Endpoints (all under ``/graph/v1``), as the Graph API documents them:

- ``GET /author/{author_id}?fields=…``: one author; with no ``fields`` only the id and
  name come back, so every field read is asked for (``AUTHOR_FIELDS``).
- ``GET /author/{author_id}/papers?fields=…&offset=…&limit=…``: a page
  ``{"offset", "next", "data"}``; ``limit`` 100 by default and at most 1000
  (``PAPERS_LIMIT``); ``next`` is absent on the last page.
- ``GET /paper/{paper_id}?fields=…``: the id is S2's 40-hex ``paperId`` or
  ``DOI:…``, ``ARXIV:…``, ``CorpusId:…``, ``MAG:…``, ``ACL:…``, ``PMID:…``, ``PMCID:…``.
- ``GET /author/search?query=…&fields=…&offset=…&limit=…``: ``{"total", "offset",
  "next", "data"}``, authors by relevance; ``limit`` at most 1000 (``SEARCH_LIMIT``).

Every answer is at most 10 MB; a key, if any, goes in the ``x-api-key`` header; the pace
is ``S2_INTERVAL_WITH_KEY`` or ``S2_INTERVAL_WITHOUT_KEY`` (``ratelimit.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from scholarscope.sources.candidates import AuthorCandidate, count_or_none
from scholarscope.sources.client import ApiKey, SourceClient, SourceError
from scholarscope.sources.ratelimit import (
    S2_INTERVAL_WITH_KEY,
    S2_INTERVAL_WITHOUT_KEY,
    RateLimiter,
)
from scholarscope.sources.responses import ResponseStore
from scholarscope.sources.settings import SourceSettings

NAME = "Semantic Scholar"
GRAPH = "/graph/v1"
PAPERS_LIMIT = 1000  # the most papers /author/{id}/papers answers in one page
SEARCH_LIMIT = 1000  # the most authors /author/search answers in one page

# Every field an S2 Author.json author carries (authorId always comes back).
AUTHOR_FIELDS: tuple[str, ...] = (
    "externalIds",
    "url",
    "name",
    "affiliations",
    "homepage",
    "paperCount",
    "citationCount",
    "hIndex",
)
# Every field of a paper in an S2 Author.json (paperId always comes back): all that the
# parser reads (ids, title, abstract, dates, venue, authors, citations, fields of study,
# publication types) and the rest of what S2 documents for an author's papers.
PAPER_FIELDS: tuple[str, ...] = (
    "externalIds",
    "corpusId",
    "publicationVenue",
    "url",
    "title",
    "abstract",
    "venue",
    "year",
    "referenceCount",
    "citationCount",
    "influentialCitationCount",
    "isOpenAccess",
    "openAccessPdf",
    "fieldsOfStudy",
    "s2FieldsOfStudy",
    "publicationTypes",
    "publicationDate",
    "journal",
    "authors",
)
# /paper/{id} also has the TLDR, which the parser keeps; an author's papers do not
PAPER_DETAIL_FIELDS: tuple[str, ...] = (*PAPER_FIELDS, "tldr")
# What a candidate shows: never "papers", which would list every paper of every author
SEARCH_FIELDS: tuple[str, ...] = (
    "name",
    "externalIds",
    "affiliations",
    "paperCount",
    "citationCount",
    "hIndex",
)

_AUTHOR_ID = re.compile(r"[0-9]+")
_AUTHOR_URL = re.compile(r"https?://(?:www\.)?semanticscholar\.org/author/(?:[^/]+/)?([0-9]+)/?")
_SHA = re.compile(r"[0-9a-fA-F]{40}")
# our id schemes -> the prefixes /paper/{id} takes
_PAPER_PREFIXES = {"doi": "DOI", "arxiv": "ARXIV", "corpusid": "CorpusId", "mag": "MAG",
                   "acl": "ACL", "pmid": "PMID", "pmcid": "PMCID"}  # fmt: skip
# kept as typed in a path: a DOI's brackets and semicolons are common and legal there
_PATH_SAFE = "/:();,=+!*'@$&"


def s2_client(
    settings: SourceSettings,
    http: httpx.Client,
    store: ResponseStore | None = None,
    limiter: RateLimiter | None = None,
) -> SourceClient:
    """The Semantic Scholar client: its base URL, key (the ``x-api-key`` header) and
    contact (in the ``User-Agent``) from ``settings``; paced one request a second with a
    key, one every three without; ``store`` keeps every answer.

    >>> client = s2_client(SourceSettings(s2_key="k"), httpx.Client())
    >>> client.name, client.slug, client.limiter.interval, client.key.header
    ('Semantic Scholar', 's2', 1.0, 'x-api-key')
    """
    key = ApiKey(settings.s2_key, header="x-api-key") if settings.s2_key else None
    interval = S2_INTERVAL_WITH_KEY if key else S2_INTERVAL_WITHOUT_KEY
    return SourceClient(
        NAME,
        settings.s2_url,
        http,
        limiter or RateLimiter(interval),
        slug="s2",
        key=key,
        contact=settings.mailto,
        store=store,
    )


def s2_author_id(ref: str) -> str:
    """The author id S2's paths take, from ``s2:1741101``, a bare ``1741101`` or an
    author page's URL. Raises ValueError.

    >>> s2_author_id("s2:1741101"), s2_author_id("https://www.semanticscholar.org/author/A-Turing/2262347")
    ('1741101', '2262347')
    """
    value = ref.strip()
    if value[:3].lower() == "s2:":
        value = value[3:].strip()
    page = _AUTHOR_URL.fullmatch(value)
    if page is not None:
        value = page.group(1)
    if not _AUTHOR_ID.fullmatch(value):
        raise ValueError(f"{ref!r} is not a Semantic Scholar author id (s2:1741101, say)")
    return value


def s2_paper_ref(ref: str) -> str:
    """The paper id S2's paths take: ``s2:<40-hex paperId>`` (or the bare sha), and
    ``doi:``, ``arxiv:`` (version dropped), ``corpusid:``, ``mag:``, ``acl:``, ``pmid:``,
    ``pmcid:`` ids with S2's own prefix. Raises ValueError.

    >>> s2_paper_ref("doi:10.1093/mind/LIX.236.433"), s2_paper_ref("arxiv:2409.19252v2")
    ('DOI:10.1093/mind/LIX.236.433', 'ARXIV:2409.19252')
    >>> s2_paper_ref("s2:2D5673CAA9E6AF3A7B82A43F19EE920992DB07AD")
    '2d5673caa9e6af3a7b82a43f19ee920992db07ad'
    """
    value = ref.strip()
    scheme, colon, rest = value.partition(":")
    scheme, rest = scheme.strip().lower(), rest.strip()
    if colon and scheme == "s2":
        value = rest
    if _SHA.fullmatch(value):
        return value.lower()
    prefix = _PAPER_PREFIXES.get(scheme) if colon else None
    if prefix == "DOI":
        rest = re.sub(r"^https?://(?:dx\.)?doi\.org/", "", rest, flags=re.IGNORECASE)
        if rest.startswith("10.") and "/" in rest:
            return f"DOI:{rest}"
    elif prefix == "ARXIV":
        rest = re.sub(r"v[0-9]+$", "", rest)
        if rest:
            return f"ARXIV:{rest}"
    elif prefix == "CorpusId":
        if _AUTHOR_ID.fullmatch(rest):
            return f"CorpusId:{rest}"
    elif prefix is not None and rest:
        return f"{prefix}:{rest}"
    raise ValueError(
        f"{ref!r} is not a paper id Semantic Scholar takes: s2:<40-hex paperId>, doi:10.…,"
        " arxiv:…, corpusid:…, mag:…, acl:…, pmid:… or pmcid:…"
    )


def fetch_author(client: SourceClient, author_id: str) -> dict[str, Any]:
    """The S2 author object of ``author_id`` (``2262347`` or ``s2:2262347``) with every
    field in ``AUTHOR_FIELDS``, without papers: ``GET /graph/v1/author/{id}?fields=…``.

    >>> answer = lambda request: httpx.Response(200, json={"authorId": "2262347"})
    >>> http = httpx.Client(transport=httpx.MockTransport(answer))
    >>> fetch_author(s2_client(SourceSettings(), http, limiter=RateLimiter(0)), "s2:2262347")
    {'authorId': '2262347'}
    """
    path = f"{GRAPH}/author/{s2_author_id(author_id)}"
    author = client.get_json(path, {"fields": ",".join(AUTHOR_FIELDS)})
    if not isinstance(author, dict) or not isinstance(author.get("authorId"), str):
        raise _malformed(client, path, "an answer that is not an S2 author")
    return author


def iter_author_papers(
    client: SourceClient,
    author_id: str,
    on_page: Callable[[int, int], None] | None = None,
    *,
    limit: int = PAPERS_LIMIT,
    expected: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every paper S2 lists for ``author_id``, with ``PAPER_FIELDS``, ``limit`` a page
    (``GET /graph/v1/author/{id}/papers?offset=…&limit=…``), following ``next`` until a
    page has none. ``on_page(papers_so_far, total)`` after each page, the total being
    ``expected`` (the author's ``paperCount``) when given. Each page is kept by the
    client's store, so a fetch stopped half-way asks again only for the pages it lacks.

    >>> pages = {"0": {"offset": 0, "next": 1, "data": [{"paperId": "a"}]},
    ...          "1": {"offset": 1, "data": [{"paperId": "b"}]}}
    >>> answer = lambda request: httpx.Response(200, json=pages[request.url.params["offset"]])
    >>> http = httpx.Client(transport=httpx.MockTransport(answer))
    >>> client = s2_client(SourceSettings(), http, limiter=RateLimiter(0))
    >>> [paper["paperId"] for paper in iter_author_papers(client, "2262347", limit=1)]
    ['a', 'b']
    """
    if not 1 <= limit <= PAPERS_LIMIT:
        raise ValueError(f"an S2 page holds 1 to {PAPERS_LIMIT} papers, not {limit}")
    path = f"{GRAPH}/author/{s2_author_id(author_id)}/papers"
    offset = 0
    seen = 0
    while True:
        params: dict[str, str | int] = {
            "fields": ",".join(PAPER_FIELDS),
            "offset": offset,
            "limit": limit,
        }
        page = _page(client, path, client.get_json(path, params))
        papers = [paper for paper in page["data"] if isinstance(paper, dict)]
        yield from papers
        seen += len(papers)
        if on_page:
            on_page(seen, expected if expected is not None else seen)
        following = count_or_none(page.get("next"))
        # a next that does not move on (or an empty page) would ask the same page forever
        if following is None or following <= offset or not papers:
            return
        offset = following


def author_bundle(
    client: SourceClient, author_id: str, on_page: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """The author object with ``"papers": [<every paper>]``: what an S2 ``Author.json``
    holds, fetched, for ``ingest/semantic_scholar.parse`` to read.

    >>> answers = {"/graph/v1/author/1": {"authorId": "1", "paperCount": 1},
    ...            "/graph/v1/author/1/papers": {"offset": 0, "data": [{"paperId": "a"}]}}
    >>> answer = lambda request: httpx.Response(200, json=answers[request.url.path])
    >>> http = httpx.Client(transport=httpx.MockTransport(answer))
    >>> author_bundle(s2_client(SourceSettings(), http, limiter=RateLimiter(0)), "s2:1")
    {'authorId': '1', 'paperCount': 1, 'papers': [{'paperId': 'a'}]}
    """
    author = fetch_author(client, author_id)
    count = author.get("paperCount")
    expected = count if isinstance(count, int) and not isinstance(count, bool) else None
    papers = list(iter_author_papers(client, author_id, on_page, expected=expected))
    return {**author, "papers": papers}


def fetch_paper(client: SourceClient, ref: str) -> dict[str, Any]:
    """The S2 paper object of ``ref`` (see ``s2_paper_ref``) with ``PAPER_DETAIL_FIELDS``:
    ``GET /graph/v1/paper/{id}?fields=…``.

    >>> answer = lambda request: httpx.Response(200, json={"paperId": request.url.path[16:]})
    >>> http = httpx.Client(transport=httpx.MockTransport(answer))
    >>> fetch_paper(s2_client(SourceSettings(), http, limiter=RateLimiter(0)), "arxiv:2409.19252")
    {'paperId': 'ARXIV:2409.19252'}
    """
    path = f"{GRAPH}/paper/{quote(s2_paper_ref(ref), safe=_PATH_SAFE)}"
    paper = client.get_json(path, {"fields": ",".join(PAPER_DETAIL_FIELDS)})
    if not isinstance(paper, dict) or not isinstance(paper.get("paperId"), str):
        raise _malformed(client, path, "an answer that is not an S2 paper")
    return paper


def search_authors(client: SourceClient, name: str, limit: int = 10) -> list[AuthorCandidate]:
    """The people S2 finds for ``name``, best first, at most ``limit`` (1 to 1000):
    ``GET /graph/v1/author/search?query=…&fields=…&limit=…``, one page.

    >>> found = {"total": 1, "offset": 0, "data": [{"authorId": "2262347", "name":
    ...     "A. Turing", "paperCount": 60, "citationCount": 12415, "hIndex": 23}]}
    >>> answer = lambda request: httpx.Response(200, json=found)
    >>> http = httpx.Client(transport=httpx.MockTransport(answer))
    >>> [c.ref for c in search_authors(s2_client(SourceSettings(), http), "Alan Turing")]
    ['s2:2262347']
    """
    query = " ".join(name.split())
    if not query:
        raise ValueError("search for a name, not an empty string")
    if not 1 <= limit <= SEARCH_LIMIT:
        raise ValueError(f"an S2 author search answers 1 to {SEARCH_LIMIT} authors, not {limit}")
    path = f"{GRAPH}/author/search"
    params: dict[str, str | int] = {
        "query": query,
        "fields": ",".join(SEARCH_FIELDS),
        "limit": limit,
    }
    page = _page(client, path, client.get_json(path, params))
    found = (_candidate(author) for author in page["data"] if isinstance(author, dict))
    return [candidate for candidate in found if candidate is not None][:limit]


def _candidate(author: Mapping[str, Any]) -> AuthorCandidate | None:
    ident, name = author.get("authorId"), author.get("name")
    if not isinstance(ident, str) or not ident or not isinstance(name, str) or not name.strip():
        return None
    external = author.get("externalIds")
    orcid = external.get("ORCID") if isinstance(external, dict) else None
    if isinstance(orcid, list):  # S2 gives DBLP names as a list; an ORCID may come so too
        orcid = next((value for value in orcid if isinstance(value, str)), None)
    places = author.get("affiliations")
    places = places if isinstance(places, list) else []
    named = [place.strip() for place in places if isinstance(place, str) and place.strip()]
    return AuthorCandidate(
        ref=f"s2:{ident}",
        name=name.strip(),
        works=count_or_none(author.get("paperCount")),
        citations=count_or_none(author.get("citationCount")),
        h_index=count_or_none(author.get("hIndex")),
        orcid=(orcid.strip() or None) if isinstance(orcid, str) else None,
        affiliation="; ".join(dict.fromkeys(named)) or None,
        source=NAME,
    )


def _page(client: SourceClient, path: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("data"), list):
        raise _malformed(client, path, "a page without data")
    return value


def _malformed(client: SourceClient, path: str, what: str) -> SourceError:
    advice = "Check --s2-url: is it Semantic Scholar's Graph API?"
    return SourceError(NAME, client.url(path), f"answered {what}", advice)
