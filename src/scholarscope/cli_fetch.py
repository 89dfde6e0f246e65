"""``scholarscope fetch``, ``hydrate``, ``follow`` and ``sync``: researchers and papers
from the live sources, stored as an ingested file would be, then enriched and scored.

Where each source is and who asks: ``SCHOLARSCOPE_OPENALEX_URL``, ``…_KEY``,
``SCHOLARSCOPE_MAILTO`` and the others (``sources.settings``), or the options of the
command. Every answer is kept beside the database (``<db>.responses/``): a fetch stopped
half-way and run again asks only for what it lacks. ``--dry-run`` asks nothing and
stores nothing: it says what the command would ask first.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import httpx

from scholarscope.cli import _echo_some, _open, enrich, report_line, score
from scholarscope.pipeline import FileReport
from scholarscope.pipeline.fetch import (
    AmbiguousAuthor,
    Clients,
    fetch_author,
    fetch_work,
    hydrate_arxiv,
)
from scholarscope.progress import Progress
from scholarscope.score.novelty import MIN_EARLIER
from scholarscope.sources import (
    ARXIV_INTERVAL,
    ResponseStore,
    SourceError,
    SourceSettings,
    answers_folder,
    arxiv,
)
from scholarscope.sources.arxiv_oai import oai_client
from scholarscope.sources.dry_run import RefusingTransport, WouldAsk
from scholarscope.sources.openalex import openalex_client
from scholarscope.sources.semantic_scholar import s2_client
from scholarscope.store import Store, open_store

TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # seconds; OpenAlex pages of 200 works are large


def source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that asks the sources takes: where each source is, and
    ``--dry-run``."""
    options = (
        click.option("--openalex-url", help="OpenAlex's base URL (a mirror, a replay server)."),
        click.option("--s2-url", help="Semantic Scholar's base URL."),
        click.option("--arxiv-url", help="The arXiv API's base URL."),
        click.option("--arxiv-oai-url", help="arXiv's OAI-PMH endpoint."),
        click.option(
            "--dry-run", is_flag=True, help="Say what would be asked; ask and store nothing."
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


@dataclasses.dataclass(frozen=True)
class Session:
    """What a command that asks the sources works with: the store it writes (an empty
    in-memory one in a dry run), the database itself, the sources' settings, and where
    answers are kept."""

    store: Store
    database: Store
    settings: SourceSettings
    kept: ResponseStore | None
    dry_run: bool


def _session(ctx: click.Context, urls: dict[str, Any]) -> Session:
    dry_run = bool(urls.pop("dry_run", False))
    given = {name: url for name, url in urls.items() if url}
    try:
        settings = dataclasses.replace(SourceSettings.from_environment(os.environ), **given)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    db = str(ctx.obj["db"])
    folder = answers_folder(db)
    kept = ResponseStore(folder) if folder else None
    if dry_run:  # the database is only read: never created, never migrated
        on_server = db.startswith(("postgresql://", "postgres://"))
        exists = on_server or Path(db.removeprefix("sqlite:///")).exists()
        read = _open(ctx, read_only=True) if exists else open_store(":memory:")
        return Session(open_store(":memory:"), read, settings, kept, dry_run)
    real = _open(ctx)
    return Session(real, real, settings, kept, dry_run)


@contextmanager
def _clients(session: Session, refresh_before: datetime | None = None) -> Iterator[Clients]:
    """One client per source over one HTTP client (one that sends nothing in a dry run)."""
    transport = RefusingTransport() if session.dry_run else None
    with httpx.Client(timeout=TIMEOUT, transport=transport) as http:
        settings, kept = session.settings, session.kept
        arxiv_api = arxiv.arxiv_client(settings, http, kept)
        try:
            oai = oai_client(
                settings, http, kept, arxiv_api.limiter, base_url=settings.arxiv_oai_url
            )
        except ValueError as error:
            message = f"--arxiv-oai-url (SCHOLARSCOPE_ARXIV_OAI_URL): {error}"
            raise click.UsageError(message) from error
        clients = Clients(
            openalex_client(settings, http, kept), s2_client(settings, http, kept), arxiv_api, oai
        )
        for client in clients.all():
            client.refresh_before = refresh_before
        yield clients


@contextmanager
def _source_errors(session: Session, clients: Clients | None = None) -> Iterator[None]:
    """A ref that names nothing fetchable is a usage error; a source that cannot answer
    is an error with the source's message (which names the URL, never a key); a dry run
    stops at its first request and says what it was."""
    try:
        yield
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    except SourceError as error:
        raise click.ClickException(str(error)) from error
    except WouldAsk as asked:
        click.echo(f"would ask: {asked} ({_kept_count(clients)} answers kept from before)")
        click.echo("dry run: nothing asked, nothing stored")
        sys.exit(0)


def _echo_dry_run(session: Session) -> None:
    if session.dry_run:
        click.echo("dry run: every answer was kept from before; nothing asked, nothing stored")


def _kept_count(clients: Clients | None) -> int:
    if clients is None:
        return 0
    return sum(c.counts.from_disk for c in clients.all())


def _requests(clients: Clients) -> str:
    asked = sum(c.counts.requests for c in clients.all())
    return f"({asked} requests, {_kept_count(clients)} answers kept from before)"


def _echo_report(report: FileReport, clients: Clients) -> None:
    """The ingest line of what arrived, with how much was asked over the network, and
    the problems on stderr."""
    click.echo(f"{report_line(report)} {_requests(clients)}")
    _echo_some(report.path, report.messages, report.rejected, "problems")


class Bars:
    """The pipeline's progress callback (``what, done, total``) on stderr: one
    ``Progress`` per thing counted ("OpenAlex works"); a count that starts again (the
    next author's works) closes the bar before it and opens a new one. ``finish()``
    closes what is still open: call it when the command's work ends."""

    def __init__(self) -> None:
        self._open: dict[str, Progress] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        bar = self._open.get(what)
        if bar is not None and done < bar.done:
            bar.finish()
            bar = None
        if bar is None:
            source, _, unit = what.rpartition(" ")
            bar = self._open[what] = Progress(source or what, unit, sys.stderr)
        bar.update(done, total)

    def finish(self) -> None:
        for bar in self._open.values():
            bar.finish()
        self._open.clear()


def _then_score(ctx: click.Context, session: Session, changed: bool, wanted: bool) -> None:
    if wanted and changed and not session.dry_run:
        ctx.invoke(enrich, everything=False)
        ctx.invoke(score, weights="", min_earlier=MIN_EARLIER)


def score_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--score/--no-score``: enrich and score what arrived, or leave it for later."""
    option = click.option(
        "--score/--no-score",
        "then_score",
        default=True,
        show_default=True,
        help="Enrich and score what arrived (loads the embedding model).",
    )
    return option(command)


@click.group("fetch")
def fetch_command() -> None:
    """Fetch a researcher or a paper from OpenAlex, Semantic Scholar or arXiv."""


@fetch_command.command("author")
@click.argument("ref")
@click.option(
    "--refresh",
    is_flag=True,
    help="Ask again for what was fetched before (new citation figures are kept by date).",
)
@source_options
@score_option
@click.pass_context
def fetch_author_command(
    ctx: click.Context, ref: str, refresh: bool, then_score: bool, **urls: Any
) -> None:
    """Fetch a researcher and all their works: openalex:A…, orcid:… (OpenAlex), s2:…
    (Semantic Scholar), or a name (searched on OpenAlex; when it does not clearly mean
    one person, the candidates are listed with their ids). Semantic Scholar is asked too
    when the person's S2 id is known, and OpenAlex when their OpenAlex id is. Then the
    works are enriched and scored, as `ingest` of the same files would.

    Example: scholarscope fetch author openalex:A5040147688
    """
    session = _session(ctx, urls)
    since = datetime.now(UTC) if refresh else None
    bars = Bars()
    with _clients(session, since) as clients, _source_errors(session, clients):
        try:
            reports = fetch_author(session.store, clients, ref, bars)
        except AmbiguousAuthor as ambiguous:
            _echo_candidates(ambiguous)
            sys.exit(1)
        finally:
            bars.finish()
    for report in reports:
        _echo_report(report, clients)
    _echo_dry_run(session)
    changed = any(r.new or r.merged for r in reports)
    _then_score(ctx, session, changed or refresh, then_score)
    if any(r.rejected for r in reports):
        sys.exit(1)


def _echo_candidates(ambiguous: AmbiguousAuthor) -> None:
    click.echo(f"{ambiguous}. Fetch one by its id:", err=True)
    for c in ambiguous.candidates:
        figures = ", ".join(
            part
            for part in (
                f"{c.works:,} works" if c.works is not None else "",
                f"{c.citations:,} citations" if c.citations is not None else "",
                f"h-index {c.h_index}" if c.h_index is not None else "",
                c.affiliation or "",
                f"orcid:{c.orcid}" if c.orcid else "",
            )
            if part
        )
        click.echo(f"  {c.ref}  {c.name}  ({figures})", err=True)


@fetch_command.command("work")
@click.argument("ref")
@click.option(
    "--refresh",
    is_flag=True,
    help="Ask again what was asked before (new figures; a paper a source did not know).",
)
@source_options
@click.pass_context
def fetch_work_command(ctx: click.Context, ref: str, refresh: bool, **urls: Any) -> None:
    """Fetch one paper into the database, merged with the records of the same paper
    already stored: openalex:W… (OpenAlex), doi:… (OpenAlex, else Semantic Scholar),
    arxiv:… (the arXiv API), s2:… (Semantic Scholar). Then run `enrich` and `score`.

    Example: scholarscope fetch work doi:10.1016/j.earscirev.2019.102936
    """
    session = _session(ctx, urls)
    since = datetime.now(UTC) if refresh else None
    with _clients(session, since) as clients, _source_errors(session, clients):
        report = fetch_work(session.store, clients, ref)
    _echo_report(report, clients)
    _echo_dry_run(session)
    if report.rejected:
        sys.exit(1)


@click.command("hydrate")
@click.option(
    "--batch",
    default=arxiv.BATCH,
    show_default=True,
    type=click.IntRange(1, arxiv.BATCH),
    help="arXiv ids asked for in one request.",
)
@source_options
@click.pass_context
def hydrate_command(ctx: click.Context, batch: int, **urls: Any) -> None:
    """Give the works known only by an arXiv id (an arXiv feed's abstract and id) their
    title, authors, dates, categories and DOI from the arXiv API, one request every 3
    seconds as arXiv asks; then run `enrich` and `score` for what changed.

    Example: scholarscope hydrate
    """
    session = _session(ctx, urls)
    wanted = session.database.arxiv_ids_without_title()
    if session.dry_run:
        requests = -(-len(wanted) // batch)
        click.echo(
            f"{len(wanted):,} arXiv ids without a title: {requests:,} requests of up to "
            f"{batch} ids, about {requests * ARXIV_INTERVAL:,.0f} s at one request every "
            f"{ARXIV_INTERVAL:g} s"
        )
    bar = Progress("arXiv", "ids", sys.stderr)
    with _clients(session) as clients, _source_errors(session, clients):
        report = hydrate_arxiv(session.store, clients.arxiv, batch, bar.update, wanted)
    bar.finish()
    _echo_report(report, clients)
    _echo_dry_run(session)
    left = len(session.database.arxiv_ids_without_title())
    click.echo(f"{left:,} arXiv ids still without a title")
