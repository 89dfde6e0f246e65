"""Fetching from the live sources into the store: the network gives the same documents
a user could have saved as files, and they are read by the same parsers and stored by
the same ingest (``ingest_items``), so a fetched author and an ingested file of that
author are one and the same profile.

The records' origin is the URL they were fetched from (without keys), so a work page's
provenance names it as it names a file and line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from scholarscope.ingest import arxiv_atom
from scholarscope.ingest import openalex as openalex_format
from scholarscope.ingest import semantic_scholar as s2_format
from scholarscope.pipeline.ingest import FileReport, ingest_items
from scholarscope.records import ParseItem, StatedMetrics, Work
from scholarscope.sources import arxiv, openalex, semantic_scholar
from scholarscope.sources.arxiv_oai import OaiClient
from scholarscope.sources.candidates import AuthorCandidate, clearly_meant
from scholarscope.sources.client import SourceClient, SourceNotFound
from scholarscope.store import Store

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class Clients:
    """One client per live source, each with its own limiter (``sources.*_client``);
    arXiv's OAI-PMH client shares the arXiv API client's limiter (one connection to arXiv
    at a time, whichever service is asked)."""

    openalex: SourceClient
    s2: SourceClient
    arxiv: SourceClient
    arxiv_oai: OaiClient

    def all(self) -> tuple[SourceClient, ...]:
        """The sources' clients, for their counts and settings."""
        return (self.openalex, self.s2, self.arxiv, self.arxiv_oai.source)


class AmbiguousAuthor(Exception):
    """A name that does not clearly mean one person: the candidates the sources found,
    for the user to choose an id from."""

    def __init__(self, name: str, candidates: list[AuthorCandidate]) -> None:
        self.name = name
        self.candidates = candidates
        found = f"{len(candidates)} candidates" if candidates else "no one"
        super().__init__(f"{name!r} does not clearly name one person: {found} found")


def author_ref_kind(ref: str) -> str:
    """What a ``fetch author`` argument is: "openalex", "orcid", "s2" or "name".

    >>> [author_ref_kind(r) for r in ("openalex:A1", "orcid:0000-0002-1825-0097", "s2:1", "Ada")]
    ['openalex', 'orcid', 's2', 'name']
    """
    scheme, colon, _ = ref.strip().partition(":")
    if colon and scheme.lower() in ("openalex", "orcid", "s2"):
        return scheme.lower()
    if ref.strip().lower().startswith(("https://openalex.org/", "http://openalex.org/")):
        return "openalex"
    return "name"


def fetch_author(
    store: Store, clients: Clients, ref: str, on_page: Progress | None = None
) -> list[FileReport]:
    """Fetch a researcher and all their works: ``openalex:A…`` or ``orcid:…`` from
    OpenAlex, ``s2:…`` from Semantic Scholar, a name by searching OpenAlex (one clearly
    meant person, else ``AmbiguousAuthor`` with the candidates); then the other source
    too where the stored person has its id (an ``s2:`` key after OpenAlex, an
    ``openalex:`` key after S2). Ingested as the sources' files would be; one report per
    source asked. Raises ValueError for a ref that is no id, ``SourceError`` when a
    source cannot answer.

    Example: ``fetch_author(store, clients, "orcid:0000-0002-1825-0097")``.
    """
    value = ref.strip()
    kind = author_ref_kind(value)
    if kind == "name":
        candidates = openalex.search_authors(clients.openalex, value)
        chosen = clearly_meant(value, candidates)
        if chosen is None:
            raise AmbiguousAuthor(value, candidates)
        value, kind = chosen.ref, "openalex"
    if kind == "orcid":
        details = openalex.fetch_author(clients.openalex, _orcid_path(value))
        value, kind = details["id"], "openalex"
    if kind == "s2":
        key, other = f"s2:{semantic_scholar.s2_author_id(value)}", "openalex:"
    else:
        key, other = f"openalex:{openalex.openalex_id(value, 'A')}", "s2:"
    reports = [_fetch_person(store, clients, key, on_page)]
    also = _other_key(store, store.author_by_key(key), other)
    if also:
        reports.append(_fetch_person(store, clients, also, on_page))
    return reports


def _fetch_person(store: Store, clients: Clients, key: str, on_page: Progress | None) -> FileReport:
    """One person and their works from the source of ``key`` (``openalex:A…``, ``s2:…``)."""
    if key.startswith("s2:"):
        return fetch_s2_author(store, clients.s2, key, on_page)
    return fetch_openalex_author(store, clients.openalex, key, on_page)


def labelled(on_page: Progress | None, what: str) -> Callable[[int, int], None] | None:
    """``on_page`` told what is being counted, for a source module's page callback."""
    if on_page is None:
        return None
    report = on_page
    return lambda done, total: report(what, done, total)


def _orcid_path(ref: str) -> str:
    """``orcid:0000-0002-1825-0097`` (or an orcid.org URL) as OpenAlex's author path id."""
    number = ref.strip().split(":", 1)[1].strip().removeprefix("//orcid.org/")
    number = number.removeprefix("https://orcid.org/").upper()
    if len(number) != 19 or number.count("-") != 3:
        raise ValueError(f"{ref!r} is not an ORCID iD (orcid:0000-0002-1825-0097 expected)")
    return f"orcid:{number}"


def _other_key(store: Store, author_id: int | None, prefix: str) -> str | None:
    """The stored person's id at another source (the first in order), if any."""
    if author_id is None:
        return None
    keys = sorted(k for k in store.author_keys_of([author_id]).get(author_id, ()) if
                  k.startswith(prefix))  # fmt: skip
    return keys[0] if keys else None


def fetch_s2_author(
    store: Store, client: SourceClient, ref: str, on_page: Progress | None = None
) -> FileReport:
    """Fetch a Semantic Scholar author (``s2:…``) with all their papers and ingest them
    as S2's author document would be (S2's own h-index kept beside ours)."""
    author_id = semantic_scholar.s2_author_id(ref)
    pages = labelled(on_page, "Semantic Scholar papers")
    bundle = semantic_scholar.author_bundle(client, author_id, pages)
    origin = client.url(f"/graph/v1/author/{author_id}")
    items = s2_format.parse([json.dumps(bundle, ensure_ascii=False)], origin)
    return _ingest(store, dated(items, _today()), origin)


def fetch_openalex_author(
    store: Store, client: SourceClient, ref: str, on_page: Progress | None = None
) -> FileReport:
    """Fetch the OpenAlex author ``ref`` (``openalex:A…``) and all their works, and
    ingest them. Raises ValueError for a ref that is no author id, ``SourceError`` when
    OpenAlex cannot answer (what was fetched before stays kept for a re-run).

    Example: ``fetch_openalex_author(store, client, "openalex:A5040147688")`` with
    ``client = sources.openalex.openalex_client(settings, httpx.Client())``.
    """
    author_id = openalex.openalex_id(ref, "A")
    pages = labelled(on_page, "OpenAlex works")
    bundle = openalex.author_bundle(client, author_id, pages)
    return _ingest_openalex(store, bundle, client.url(f"/authors/{author_id}"))


def fetch_openalex_work(store: Store, client: SourceClient, ref: str) -> FileReport:
    """Fetch one work from OpenAlex (``openalex:W…`` or ``doi:10.…``) and ingest it.
    Raises ValueError for a ref that is neither, ``SourceError`` (``SourceNotFound``:
    OpenAlex has no such work) when OpenAlex cannot answer."""
    value = ref.strip()
    if value.lower().startswith("doi:"):
        path_id = "doi:" + value[4:].strip().lower()
    else:
        path_id = openalex.openalex_id(value, "W")
    work = openalex.fetch_work(client, path_id)
    return _ingest_openalex(store, work, client.url(f"/works/{path_id}"))


def fetch_work(store: Store, clients: Clients, ref: str) -> FileReport:
    """Fetch one paper and ingest it, merged with the records of the same paper already
    stored: ``openalex:W…`` from OpenAlex; ``doi:…`` from OpenAlex, else (OpenAlex does
    not know it) from Semantic Scholar; ``arxiv:…`` from the arXiv API; ``s2:…`` from
    Semantic Scholar. Raises ValueError for a ref that is none of these,
    ``SourceError`` (``SourceNotFound``: no source has it) when a source cannot answer.

    Example: ``fetch_work(store, clients, "arxiv:2409.19252")``.
    """
    value = ref.strip()
    scheme = value.partition(":")[0].lower() if ":" in value else ""
    if scheme == "arxiv":
        return fetch_arxiv_work(store, clients.arxiv, value)
    if scheme == "s2":
        return fetch_s2_work(store, clients.s2, value)
    if scheme == "doi":
        try:
            return fetch_openalex_work(store, clients.openalex, value)
        except SourceNotFound as at_openalex:
            try:
                return fetch_s2_work(store, clients.s2, value)
            except SourceNotFound as at_s2:
                sources = f"{at_openalex.source} and {at_s2.source}"
                raise SourceNotFound(
                    sources, f"{at_openalex.url} and {at_s2.url}", "neither knows this DOI", ""
                ) from at_s2
    return fetch_openalex_work(store, clients.openalex, value)


def fetch_arxiv_work(store: Store, client: SourceClient, ref: str) -> FileReport:
    """One arXiv record by its id (``arxiv:2409.19252``), from the arXiv API."""
    arxiv_id = ref.strip().split(":", 1)[1].strip()
    if not arxiv_id:
        raise ValueError(f"{ref!r} names no arXiv id (arxiv:2409.19252 expected)")
    feed = arxiv.fetch_entries(client, [arxiv_id])
    origin = client.url("/api/query", {"id_list": arxiv_id})
    report = _ingest(store, arxiv_atom.parse(feed.splitlines(keepends=True), origin), origin)
    if not report.read and not report.rejected:
        raise SourceNotFound(arxiv.NAME, f"GET {origin}", "listed no such record", "")
    return report


def fetch_s2_work(store: Store, client: SourceClient, ref: str) -> FileReport:
    """One paper from Semantic Scholar (``s2:<paperId>``, ``doi:…``, ``arxiv:…``)."""
    paper_ref = semantic_scholar.s2_paper_ref(ref)
    paper = semantic_scholar.fetch_paper(client, ref)
    origin = client.url(f"/graph/v1/paper/{paper_ref}")
    items = s2_format.parse([json.dumps(paper, ensure_ascii=False)], origin)
    return _ingest(store, dated(items, _today()), origin)


def dated(items: Iterable[ParseItem], day: str) -> Iterator[ParseItem]:
    """Figures a source states without a date (Semantic Scholar's) dated ``day``, the day
    they were fetched: fetched again later, they are kept beside the earlier ones (the
    figure history) instead of replacing them.

    >>> from scholarscope.records import Work, CitationCount
    >>> work = Work(source="semantic_scholar", origin="x", ids=("s2:1",),
    ...     citations=(CitationCount("semantic_scholar", 7),))
    >>> [c.as_of for c in next(dated([work], "2026-12-07")).citations]  # type: ignore[union-attr]
    ['2026-12-07']
    """
    for item in items:
        if isinstance(item, StatedMetrics) and item.as_of is None:
            yield replace(item, as_of=day)
        elif isinstance(item, Work) and any(c.as_of is None for c in item.citations):
            counts = tuple(c if c.as_of else replace(c, as_of=day) for c in item.citations)
            yield replace(item, citations=counts)
        else:
            yield item


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _ingest_openalex(store: Store, document: dict[str, Any], origin: str) -> FileReport:
    """An OpenAlex document (an author bundle, a work) ingested as a file holding it
    would be, ``origin`` the URL it came from."""
    items = openalex_format.parse([json.dumps(document, ensure_ascii=False)], origin)
    return _ingest(store, items, origin)


def _ingest(store: Store, items: Iterable[ParseItem], origin: str) -> FileReport:
    report = ingest_items(store, items, FileReport(origin))
    if report.new or report.merged:
        store.optimize_after_writes()
    return report


def hydrate_arxiv(
    store: Store,
    client: SourceClient,
    batch: int = arxiv.BATCH,
    on_batch: Callable[[int, int], None] | None = None,
    arxiv_keys: Sequence[str] | None = None,
) -> FileReport:
    """Give the works known only by an arXiv id (an arXiv feed's abstract and id: no
    title, authors or date) their arXiv record: title, authors, dates, categories, DOI,
    fetched ``batch`` ids per request and merged by id like any other source's record.
    ``arxiv_keys`` (``arxiv:…``) are the works to hydrate, by default every one in the
    store without a title. ``on_batch(ids_done, ids)`` after each request. Raises
    ``SourceError`` when arXiv cannot answer (the batches done are stored and kept; a
    re-run goes on from there).
    """
    keys = store.arxiv_ids_without_title() if arxiv_keys is None else arxiv_keys
    wanted = [key.removeprefix("arxiv:") for key in keys]
    report = FileReport(client.url("/api/query"))
    for start in range(0, len(wanted), batch):
        ids = wanted[start : start + batch]
        feed = arxiv.fetch_entries(client, ids)
        origin = client.url("/api/query", {"id_list": ",".join(ids)})
        ingest_items(store, arxiv_atom.parse(feed.splitlines(keepends=True), origin), report)
        if on_batch:
            on_batch(start + len(ids), len(wanted))
    if report.new or report.merged:
        store.optimize_after_writes()
    return report
