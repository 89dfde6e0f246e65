"""Keeping the database up to date with the live sources: the new and changed records of
an arXiv category harvested over OAI-PMH, and the authors and categories a user follows
(``scholarscope follow``), refreshed by ``scholarscope sync`` — what a nightly cron runs.

A harvest is resumable and never asks twice within a run: it is marked running in the
store (``start_harvest``) before its first request, and the clients answer from the
answers kept since that moment (``SourceClient.refresh_before``). A run killed half-way
(or stopped by a source's error) and started again the same day therefore walks the
pages it had from disk and asks only for the rest; the records are upserts keyed by
their ids, so nothing is lost or stored twice. When a run completes, the day the next
one starts from moves to the day it ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from scholarscope.ingest import arxiv_oai as oai_format
from scholarscope.pipeline.fetch import (
    AmbiguousAuthor,
    Clients,
    Progress,
    author_ref_kind,
    fetch_author,
    labelled,
)
from scholarscope.pipeline.ingest import FileReport, ingest_items
from scholarscope.records import ParseItem, Work
from scholarscope.sources import SourceError, arxiv_oai
from scholarscope.store import Store
from scholarscope.store.follows import Harvest
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
    """What one harvest of an arXiv category did: the day it asked from, the pages it
    read, the records of the set that are not in the category (``other_categories``),
    and the ingest report of the records stored (``report.deleted``: the records arXiv says
    were withdrawn)."""

    category: str
    from_date: date
    report: FileReport
    pages: int = 0
    other_categories: int = 0


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

    A run that did not finish is taken up again by the next one the same day (UTC), from
    the same first page, with the pages it had kept; on a later day its resumption
    tokens have expired (arXiv's last until midnight UTC), so a new run starts from the
    day before which the old one had stored every record.

    Example: ``sync_arxiv_category(store, arxiv_oai.oai_client(settings, http), "cs.CV")``.
    """
    set_spec = category_set(category)
    name = harvest_name(category)
    started = now()
    state = store.start_harvest(name, _stamp(started), stale_before=_midnight(started))
    run_began = datetime.fromisoformat(str(state.running_since))
    # a run taken up again goes on with the answers it had kept; a new run asks again
    client.source.refresh_before = run_began
    from_date = since or _from_day(state, run_began)
    store.set_harvest_from(name, from_date.isoformat(), _stamp(now()))
    first = {"verb": "ListRecords", "set": set_spec, "from": from_date.isoformat()}
    sync = CategorySync(category, from_date, FileReport(client.url(first)))
    checkpoint: str | None = None
    pages = arxiv_oai.iter_list_records(client, set_spec, from_date=from_date.isoformat())
    for page_text, page in pages:
        sync.pages += 1
        items = oai_format.parse(page_text.splitlines(keepends=True), sync.report.path)
        ingest_items(store, _in_category(items, category, sync), sync.report)
        # arXiv lists records in datestamp order: every record dated before the latest
        # datestamp of the pages stored so far is stored
        checkpoint = arxiv_oai.resume_from(checkpoint, page)
        if checkpoint is not None and since is None:
            store.advance_harvest(name, checkpoint, _stamp(now()))
        if on_page:
            seen = sync.report.read + sync.report.rejected + sync.report.deleted
            on_page(seen + sync.other_categories, page.complete_list_size or 0)
    if sync.report.new or sync.report.merged:
        store.optimize_after_writes()
    # every record up to the day this run began is stored: the next run starts there
    # (that day is asked again, which is safe: storing a record again changes nothing)
    store.finish_harvest(name, run_began.date().isoformat(), _stamp(now()))
    return sync


def _from_day(state: Harvest, run_began: datetime) -> date:
    """Where a harvest without ``--since`` asks from: the day the run taken up again
    asked from; else the later of the last completed harvest's day and an abandoned
    run's checkpoint; else ``FIRST_HARVEST_DAYS`` back."""
    if state.running_from is not None:
        return date.fromisoformat(state.running_from)
    known = [day for day in (state.stored_through, state.checkpoint) if day is not None]
    if known:
        return date.fromisoformat(max(known))
    return run_began.date() - timedelta(days=FIRST_HARVEST_DAYS)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _midnight(moment: datetime) -> str:
    """The start of ``moment``'s day (UTC): an unfinished run begun before it is stale."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return _stamp(day)


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
    done it before it was stopped), or the error that stopped it (the round goes on with
    the others; the next round tries it again)."""

    target: str
    reports: list[FileReport]
    skipped: bool = False
    error: str | None = None


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
    and run again the same day (UTC) skips what it had done and goes on with the answers
    it had kept; a target a source could not answer is reported and left for the next
    round."""
    started = now()
    state = store.start_harvest(FOLLOWED, _stamp(started), stale_before=_midnight(started))
    round_began = str(state.running_since)
    refresh_before = datetime.fromisoformat(round_began)
    for client in clients.all():
        client.refresh_before = refresh_before
    done = []
    for followed in store.follows():
        if followed.synced_at is not None and followed.synced_at >= round_began:
            done.append(SyncedTarget(followed.target, [], skipped=True))
            continue
        try:
            if followed.kind == "category":
                category = followed.target.removeprefix("arxiv:")
                pages = labelled(on_page, f"arXiv {category} records")
                sync = sync_arxiv_category(
                    store, clients.arxiv_oai, category, now=now, on_page=pages
                )
                reports = [sync.report]
            else:
                reports = fetch_author(store, clients, followed.target, on_page)
        except (SourceError, ValueError, AmbiguousAuthor) as error:
            done.append(SyncedTarget(followed.target, [], error=str(error)))
            continue
        store.mark_synced(followed.target, _stamp(now()))
        done.append(SyncedTarget(followed.target, reports))
    store.finish_harvest(FOLLOWED, None, _stamp(now()))
    return done
