"""Keeping the database up to date with the live sources: the new and changed records of
an arXiv category harvested over OAI-PMH, and the authors and categories a user follows
(``scholarscope follow``), refreshed by ``scholarscope sync`` — what a nightly cron runs.

A harvest is resumable and never asks twice within a run: it is marked running in the
store (``start_harvest``) before its first request, and the clients answer from the
answers kept since that moment (``SourceClient.refresh_before``). A run killed half-way
and started again therefore walks the pages it had from disk and asks only for the rest;
the records are upserts keyed by their ids, so nothing is lost or stored twice. When a
run completes, the date it started from for the next time moves to the day it ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from scholarscope.ingest import arxiv_oai as oai_format
from scholarscope.pipeline.fetch import (
    Clients,
    Progress,
    author_ref_kind,
    fetch_author,
    labelled,
)
from scholarscope.pipeline.ingest import FileReport, ingest_items
from scholarscope.records import ParseItem, Work
from scholarscope.sources import arxiv_oai
from scholarscope.store import Store
from scholarscope.taxonomy import ARXIV_NAMES

# A category's first harvest without --since goes back this far: a month of new and
# changed records (cs.CV: about 6,000) rather than the whole archive by accident.
FIRST_HARVEST_DAYS = 30
_ARCHIVES = frozenset(
    {"cs", "math", "stat", "eess", "econ", "q-bio", "q-fin", "astro-ph", "cond-mat", "gr-qc",
     "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nlin", "nucl-ex", "nucl-th",
     "physics", "quant-ph"}
)  # fmt: skip
FOLLOWED = "followed"  # the harvest name of a round of `sync` over everything followed


@dataclass
class CategorySync:
    """What one harvest of an arXiv category did: the dates it asked for, the pages it
    read (``asked`` of them over the network), the records of the set that are not in
    the category (``other_categories``), the deleted records it was told of, and the
    ingest report of the records stored."""

    category: str
    from_date: date
    report: FileReport
    pages: int = 0
    other_categories: int = 0
    deleted: list[str] = field(default_factory=list)


# archives whose every category the taxonomy names: a category of theirs it does not
# know is a typo (cs.XX), not a category too new to be listed
_FULLY_NAMED = ("cs", "math", "stat", "eess", "econ")


def category_set(category: str) -> str:
    """The OAI-PMH set of an arXiv category; ValueError for a name that is none.

    >>> category_set("cs.CV")
    'cs:cs:CV'
    >>> category_set("cs.XX")
    Traceback (most recent call last):
    ...
    ValueError: 'cs.XX' is not an arXiv category (cs.CV, math.AG, hep-th …)
    """
    archive = category.partition(".")[0]
    try:
        set_spec = arxiv_oai.set_for_category(category)
    except ValueError:
        set_spec = ""
    unknown = archive in _FULLY_NAMED and category not in ARXIV_NAMES
    if not set_spec or unknown or archive not in _ARCHIVES:
        raise ValueError(f"{category!r} is not an arXiv category (cs.CV, math.AG, hep-th …)")
    return set_spec


def harvest_name(category: str) -> str:
    """The harvest state of an arXiv category is kept under this name.

    >>> harvest_name("cs.CV")
    'arxiv:cs.CV'
    """
    return f"arxiv:{category}"


def sync_arxiv_category(
    store: Store,
    client: arxiv_oai.OaiClient,
    category: str,
    *,
    since: date | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_page: Callable[[int, int], None] | None = None,
) -> CategorySync:
    """Harvest the records of arXiv ``category`` (``cs.CV``: its own papers and those
    cross-listed to it) new or changed since ``since`` — by default since the day the
    last completed harvest of it ran, or ``FIRST_HARVEST_DAYS`` back the first time —
    over OAI-PMH, and store them. ``on_page(records_so_far, records_in_all)`` after each
    page (the total is 0 when the source does not say). Raises ValueError for a name
    that is no arXiv category, ``SourceError`` when arXiv cannot answer (the pages
    stored stay stored; a re-run goes on from there).

    Example: ``sync_arxiv_category(store, arxiv_oai.oai_client(settings, http), "cs.CV")``.
    """
    set_spec = category_set(category)
    name = harvest_name(category)
    state = store.start_harvest(name, now().isoformat(timespec="microseconds"))
    run_began = datetime.fromisoformat(str(state.running_since))
    # a killed run goes on with the answers it had kept; a new run asks everything again
    client.source.refresh_before = run_began
    if since is not None:
        from_date = since
    elif state.stored_through is not None:
        from_date = date.fromisoformat(state.stored_through)
    else:
        from_date = run_began.date() - timedelta(days=FIRST_HARVEST_DAYS)
    first = {"verb": "ListRecords", "set": set_spec, "from": from_date.isoformat()}
    sync = CategorySync(category, from_date, FileReport(client.url(first)))
    pages = arxiv_oai.iter_list_records(client, set_spec, from_date=from_date.isoformat())
    for page_text, page in pages:
        sync.pages += 1
        items = oai_format.parse(page_text.splitlines(keepends=True), sync.report.path)
        ingest_items(store, _in_category(items, category, sync), sync.report)
        if on_page:
            seen = sync.report.read + sync.report.rejected + sync.other_categories
            on_page(seen, page.complete_list_size or 0)
    if sync.report.new or sync.report.merged:
        store.optimize_search_index()
    # every record up to the day this run began is stored: the next run starts there
    # (that day is asked again, which is safe: storing a record again changes nothing)
    store.finish_harvest(
        name, run_began.date().isoformat(), now().isoformat(timespec="microseconds")
    )
    return sync


def _in_category(
    items: Iterable[ParseItem], category: str, sync: CategorySync
) -> Iterator[ParseItem]:
    """The records listed in ``category`` (as primary or cross-list); the set's others
    are counted and left out."""
    for item in items:
        if isinstance(item, Work) and category not in item.categories:
            sync.other_categories += 1
            continue
        yield item


def follow_target(kind: str, ref: str) -> str:
    """The target ``follow`` keeps for an author (``openalex:A…``, ``orcid:…``, ``s2:…``;
    a name is not an id: fetch the person first) or an arXiv category (``cs.CV``).
    Raises ValueError for anything else.

    >>> follow_target("category", "cs.CV"), follow_target("author", " s2:2262347 ")
    ('arxiv:cs.CV', 's2:2262347')
    """
    value = ref.strip()
    if kind == "category":
        category_set(value.removeprefix("arxiv:"))
        return harvest_name(value.removeprefix("arxiv:"))
    if kind == "author":
        if author_ref_kind(value) == "name":
            raise ValueError(
                f"{value!r} is not an author id: follow openalex:A…, orcid:… or s2:… "
                "(`scholarscope fetch author NAME` lists the candidates' ids)"
            )
        return value
    raise ValueError(f"one follows an author or a category, not a {kind!r}")


@dataclass
class SyncedTarget:
    """One followed target brought up to date: its reports (none when this round had
    done it before it was stopped)."""

    target: str
    reports: list[FileReport]
    skipped: bool = False


def sync_followed(
    store: Store,
    clients: Clients,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_page: Progress | None = None,
) -> list[SyncedTarget]:
    """Bring everything followed up to date: each category's new and changed records
    (``sync_arxiv_category``), each author's works and figures asked again
    (``fetch_author``; new citation figures are kept by date). A round stopped half-way
    and run again skips what it had done and goes on with the answers it had kept."""
    state = store.start_harvest(FOLLOWED, now().isoformat(timespec="microseconds"))
    round_began = str(state.running_since)
    refresh_before = datetime.fromisoformat(round_began)
    for client in clients.all():
        client.refresh_before = refresh_before
    done = []
    for followed in store.follows():
        if followed.synced_at is not None and followed.synced_at >= round_began:
            done.append(SyncedTarget(followed.target, [], skipped=True))
            continue
        if followed.kind == "category":
            category = followed.target.removeprefix("arxiv:")
            pages = labelled(on_page, f"arXiv {category} records")
            reports = [
                sync_arxiv_category(
                    store, clients.arxiv_oai, category, now=now, on_page=pages
                ).report
            ]
        else:
            reports = fetch_author(store, clients, followed.target, on_page)
        store.mark_synced(followed.target, now().isoformat(timespec="microseconds"))
        done.append(SyncedTarget(followed.target, reports))
    store.finish_harvest(FOLLOWED, None, now().isoformat(timespec="microseconds"))
    return done
