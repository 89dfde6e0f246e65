"""``scholarscope fetch``: researchers and papers from the live sources, stored as an
ingested file would be, then enriched and scored.

Where each source is and who asks: ``SCHOLARSCOPE_OPENALEX_URL``, ``…_KEY``,
``SCHOLARSCOPE_MAILTO`` (``sources.settings``), or the options of the command. Every
answer is kept beside the database (``<db>.responses/``): a fetch stopped half-way and
run again asks only for what it lacks.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
import httpx

from scholarscope.cli import _echo_some, _open, enrich, report_line, score
from scholarscope.pipeline import FileReport
from scholarscope.pipeline.fetch import fetch_openalex_author, fetch_openalex_work, hydrate_arxiv
from scholarscope.score.novelty import MIN_EARLIER
from scholarscope.sources import (
    ResponseStore,
    SourceClient,
    SourceError,
    SourceSettings,
    arxiv,
    folder_beside,
)
from scholarscope.sources.openalex import openalex_client
from scholarscope.store import Store

TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # seconds; OpenAlex pages of 200 works are large


def _settings(**urls: str | None) -> SourceSettings:
    """The sources' settings from the environment, with the base URLs given as options."""
    given = {name: url for name, url in urls.items() if url}
    return dataclasses.replace(SourceSettings.from_environment(os.environ), **given)


def _kept_answers(store: Store) -> ResponseStore | None:
    """Where the sources' answers are kept: beside the database file (nowhere for an
    in-memory database)."""
    files = store.database_files()
    return ResponseStore(folder_beside(files[0])) if files else None


@contextmanager
def _source_errors() -> Iterator[None]:
    """A ref that names nothing fetchable is a usage error; a source that cannot answer
    is an error with the source's message (which names the URL, never a key)."""
    try:
        yield
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    except SourceError as error:
        raise click.ClickException(str(error)) from error


def _echo_report(report: FileReport, client: SourceClient) -> None:
    """The ingest line of what arrived, with how much was asked over the network, and
    the problems on stderr."""
    counts = client.counts
    click.echo(
        f"{report_line(report)} ({counts.requests} requests, "
        f"{counts.from_disk} answers kept from before)"
    )
    _echo_some(report.path, report.messages, report.rejected, "problems")


@click.group("fetch")
def fetch_command() -> None:
    """Fetch from the live sources (OpenAlex today) into the database."""


@fetch_command.command("author")
@click.argument("ref")
@click.option("--openalex-url", help="OpenAlex's base URL (a mirror, or a replay server).")
@click.option(
    "--score/--no-score",
    "then_score",
    default=True,
    show_default=True,
    help="Enrich and score what arrived (loads the embedding model).",
)
@click.pass_context
def fetch_author_command(
    ctx: click.Context, ref: str, openalex_url: str | None, then_score: bool
) -> None:
    """Fetch an OpenAlex author (openalex:A…) and all their works, then enrich and
    score them, as `ingest` of the author's file would.

    Example: scholarscope fetch author openalex:A5040147688
    """
    settings = _settings(openalex_url=openalex_url)
    store = _open(ctx)
    kept = _kept_answers(store)

    def progress(done: int, total: int) -> None:
        click.echo(f"OpenAlex: {done:,} of {total:,} works", err=True)

    with httpx.Client(timeout=TIMEOUT) as http:
        client = openalex_client(settings, http, kept)
        with _source_errors():
            report = fetch_openalex_author(store, client, ref, progress)
    _echo_report(report, client)
    if then_score:
        ctx.invoke(enrich, everything=False)
        ctx.invoke(score, weights="", min_earlier=MIN_EARLIER)
    if report.rejected:
        sys.exit(1)


@fetch_command.command("work")
@click.argument("ref")
@click.option("--openalex-url", help="OpenAlex's base URL (a mirror, or a replay server).")
@click.pass_context
def fetch_work_command(ctx: click.Context, ref: str, openalex_url: str | None) -> None:
    """Fetch one work from OpenAlex (openalex:W… or doi:10.…) into the database, merged
    with the records of the same paper already stored; then run `enrich` and `score`.

    Example: scholarscope fetch work doi:10.1016/j.earscirev.2019.102936
    """
    store = _open(ctx)
    with httpx.Client(timeout=TIMEOUT) as http:
        client = openalex_client(_settings(openalex_url=openalex_url), http, _kept_answers(store))
        with _source_errors():
            report = fetch_openalex_work(store, client, ref)
    _echo_report(report, client)
    if report.rejected:
        sys.exit(1)


@click.command("hydrate")
@click.option("--arxiv-url", help="The arXiv API's base URL (a mirror, or a replay server).")
@click.option(
    "--batch",
    default=arxiv.BATCH,
    show_default=True,
    type=click.IntRange(1, arxiv.BATCH),
    help="arXiv ids asked for in one request.",
)
@click.pass_context
def hydrate_command(ctx: click.Context, arxiv_url: str | None, batch: int) -> None:
    """Give the works known only by an arXiv id (an arXiv feed's abstract and id) their
    title, authors, dates, categories and DOI from the arXiv API, one request every 3
    seconds as arXiv asks; then run `enrich` and `score` for what changed.

    Example: scholarscope hydrate
    """
    settings = _settings(arxiv_url=arxiv_url)
    store = _open(ctx)
    kept = _kept_answers(store)

    def progress(done: int, total: int) -> None:
        click.echo(f"arXiv: {done:,} of {total:,} ids", err=True)

    with httpx.Client(timeout=TIMEOUT) as http:
        client = arxiv.arxiv_client(settings, http, kept)
        with _source_errors():
            report = hydrate_arxiv(store, client, batch, progress)
    _echo_report(report, client)
    left = len(store.arxiv_ids_without_title())
    click.echo(f"{left:,} arXiv ids still without a title")
