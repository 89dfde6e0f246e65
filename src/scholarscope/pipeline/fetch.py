"""Fetching from the live sources into the store: the network gives the same documents
a user could have saved as files, and they are read by the same parsers and stored by
the same ingest (``ingest_items``), so a fetched author and an ingested file of that
author are one and the same profile.

The records' origin is the URL they were fetched from (without keys), so a work page's
provenance names it as it names a file and line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scholarscope.ingest import arxiv_atom
from scholarscope.ingest import openalex as openalex_format
from scholarscope.pipeline.ingest import FileReport, ingest_items
from scholarscope.sources import arxiv, openalex
from scholarscope.sources.client import SourceClient
from scholarscope.store import Store


def fetch_openalex_author(
    store: Store,
    client: SourceClient,
    ref: str,
    on_page: Callable[[int, int], None] | None = None,
) -> FileReport:
    """Fetch the OpenAlex author ``ref`` (``openalex:A…``) and all their works, and
    ingest them. Raises ValueError for a ref that is no author id, ``SourceError`` when
    OpenAlex cannot answer (what was fetched before stays kept for a re-run).

    Example: ``fetch_openalex_author(store, client, "openalex:A5040147688")`` with
    ``client = sources.openalex.openalex_client(settings, httpx.Client())``.
    """
    author_id = openalex.openalex_id(ref, "A")
    bundle = openalex.author_bundle(client, author_id, on_page)
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


def _ingest_openalex(store: Store, document: dict[str, Any], origin: str) -> FileReport:
    """An OpenAlex document (an author bundle, a work) ingested as a file holding it
    would be, ``origin`` the URL it came from."""
    items = openalex_format.parse([json.dumps(document, ensure_ascii=False)], origin)
    report = ingest_items(store, items, FileReport(origin))
    if report.new or report.merged:
        store.optimize_search_index()
    return report


def hydrate_arxiv(
    store: Store,
    client: SourceClient,
    batch: int = arxiv.BATCH,
    on_batch: Callable[[int, int], None] | None = None,
) -> FileReport:
    """Give the works known only by an arXiv id (an arXiv feed's abstract and id: no
    title, authors or date) their arXiv record: title, authors, dates, categories, DOI,
    fetched ``batch`` ids per request and merged by id like any other source's record.
    ``on_batch(ids_done, ids)`` after each request. Raises ``SourceError`` when arXiv
    cannot answer (the batches done are stored and kept; a re-run goes on from there).
    """
    wanted = [key.removeprefix("arxiv:") for key in store.arxiv_ids_without_title()]
    report = FileReport(client.url("/api/query"))
    for start in range(0, len(wanted), batch):
        ids = wanted[start : start + batch]
        feed = arxiv.fetch_entries(client, ids)
        origin = client.url("/api/query", {"id_list": ",".join(ids)})
        ingest_items(store, arxiv_atom.parse(feed.splitlines(keepends=True), origin), report)
        if on_batch:
            on_batch(start + len(ids), len(wanted))
    if report.new or report.merged:
        store.optimize_search_index()
    return report
