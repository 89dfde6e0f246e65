"""``scholarscope follow`` and ``scholarscope sync``: a list of authors and arXiv
categories to keep up to date, and the command a nightly cron runs to do it."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from typing import Any

import click
from click.core import ParameterSource

from scholarscope.cli import _open
from scholarscope.cli_fetch import (
    Bars,
    _clients,
    _echo_dry_run,
    _echo_report,
    _session,
    _source_errors,
    _then_score,
    score_option,
    source_options,
)
from scholarscope.pipeline.fetch import labelled
from scholarscope.pipeline.sync import follow_target, sync_arxiv_category, sync_followed


@click.group("follow", invoke_without_command=True)
@click.pass_context
def follow_command(ctx: click.Context) -> None:
    """Keep a list of authors and arXiv categories that `scholarscope sync` brings up to
    date; without a subcommand, list them with when each was last synced.

    Example: scholarscope follow
    """
    if ctx.invoked_subcommand is not None:
        return
    follows = _open(ctx, read_only=True).follows()
    if not follows:
        click.echo("nothing followed: `scholarscope follow author|category …` adds some")
    for f in follows:
        synced = f"synced {f.synced_at}" if f.synced_at else "never synced"
        click.echo(f"{f.target}  ({f.kind}, followed since {f.added_at[:10]}, {synced})")


def _add(ctx: click.Context, kind: str, ref: str, since: datetime | None = None) -> None:
    try:
        target = follow_target(kind, ref)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    store = _open(ctx)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    added = store.add_follow(target, kind, now)
    if since is not None:  # the category's harvest is kept under its target
        store.set_harvest_start(target, since.date().isoformat(), now)
    click.echo(f"following {target}" if added else f"{target} was followed already")


@follow_command.command("author")
@click.argument("ref")
@click.pass_context
def follow_author(ctx: click.Context, ref: str) -> None:
    """Follow an author by id (openalex:A…, orcid:…, s2:…): each `sync` fetches their
    works and figures again.

    Example: scholarscope follow author openalex:A5040147688
    """
    _add(ctx, "author", ref)


@follow_command.command("category")
@click.argument("category")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Where the first sync starts (default: 30 days before it runs).",
)
@click.pass_context
def follow_category(ctx: click.Context, category: str, since: datetime | None) -> None:
    """Follow an arXiv category (cs.CV): each `sync` harvests its new and changed
    records since the last one.

    Example: scholarscope follow category cs.CV --since 2026-01-01
    """
    _add(ctx, "category", category, since)


@click.command("unfollow")
@click.argument("target")
@click.pass_context
def unfollow_command(ctx: click.Context, target: str) -> None:
    """Stop following an author or a category (as `follow` lists it); what was fetched
    stays stored.

    Example: scholarscope unfollow arxiv:cs.CV
    """
    if not _open(ctx).remove_follow(target.strip()):
        raise click.ClickException(f"{target} is not followed (`scholarscope follow` lists them)")
    click.echo(f"no longer following {target.strip()}")


@click.group("sync", invoke_without_command=True)
@source_options
@score_option
@click.pass_context
def sync_command(ctx: click.Context, then_score: bool, **urls: Any) -> None:
    """Bring everything followed up to date (what a nightly cron runs): each category's
    new and changed records since its last harvest, each author's works and citation
    figures asked again; then enrich and score what changed. Stopped half-way and run
    again, it goes on where it stopped.

    Example: scholarscope sync
    """
    if ctx.invoked_subcommand is not None:
        given = [
            name
            for name in (*urls, "then_score")
            if ctx.get_parameter_source(name) != ParameterSource.DEFAULT
        ]
        if given:
            options = ", ".join("--" + name.replace("_", "-") for name in given)
            raise click.UsageError(
                f"{options}: give the options after `{ctx.invoked_subcommand}` "
                f"(scholarscope sync {ctx.invoked_subcommand} --help)"
            )
        return
    session = _session(ctx, urls)
    if session.dry_run:
        for followed in session.database.follows():
            click.echo(
                f"would sync {followed.target} (last synced {followed.synced_at or 'never'})"
            )
        click.echo("dry run: nothing asked, nothing stored")
        return
    bars = Bars()
    with _clients(session) as clients, _source_errors(session, clients):
        try:
            synced = sync_followed(session.store, clients, on_page=bars)
        finally:
            bars.finish()
    for done in synced:
        if done.skipped:
            click.echo(f"{done.target}: synced earlier in this round")
        if done.error:
            click.echo(f"{done.target}: not synced: {done.error}", err=True)
        for report in done.reports:
            _echo_report(report, clients)
    changed = any(r.new or r.merged for d in synced for r in d.reports)
    _then_score(ctx, session, changed, then_score)
    if any(d.error for d in synced):
        sys.exit(1)


@sync_command.command("arxiv")
@click.option("--category", required=True, help="An arXiv category, such as cs.CV.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Records new or changed since this day (default: the last harvest's day, or 30 "
    "days back the first time).",
)
@source_options
@score_option
@click.pass_context
def sync_arxiv_command(
    ctx: click.Context, category: str, since: datetime | None, then_score: bool, **urls: Any
) -> None:
    """Harvest an arXiv category's new and changed records over OAI-PMH (its own papers
    and those cross-listed to it; datestamps are last-modified days), from the last
    harvest's day on, one request every 3 s; then enrich and score what changed.

    Example: scholarscope sync arxiv --category cs.CV --since 2026-04-01
    """
    session = _session(ctx, urls)
    day: date | None = since.date() if since else None
    bars = Bars()
    with _clients(session) as clients, _source_errors(session, clients):
        try:
            sync = sync_arxiv_category(
                session.store,
                clients.arxiv_oai,
                category,
                since=day,
                on_page=labelled(bars, f"arXiv {category} records"),
            )
        finally:
            bars.finish()
    _echo_report(sync.report, clients)
    click.echo(
        f"{sync.category}: {sync.pages} pages from {sync.from_date.isoformat()}, "
        f"{sync.other_categories} records of other categories left out"
    )
    _echo_dry_run(session)
    _then_score(ctx, session, bool(sync.report.new or sync.report.merged), then_score)
    if sync.report.rejected:
        sys.exit(1)
