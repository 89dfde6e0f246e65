"""The ``scholarscope`` command: each command parses its arguments, makes one library
call, and prints the result (as text, or as JSON with ``--json``).

Exit status: 0 when everything was read; 1 when some records were rejected or needed
repair (each is listed on stderr with file, line and reason); 2 for a usage error or
something that could not be found.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import click

from scholarscope import models, pipeline, profile
from scholarscope.ingest.files import ReadProgress
from scholarscope.researcher import find_researchers, researcher
from scholarscope.score.novelty import MIN_EARLIER
from scholarscope.store import DEFAULT_URL, Store, StoreError, open_store
from scholarscope.terminal import plain_work, render_profile, render_work
from scholarscope.work_lists import newest_works

MAX_MESSAGES_PER_FILE = 20
PROGRESS_MIN_BYTES = 1_000_000


class NotFoundError(click.ClickException):
    exit_code = 2


class DatabaseError(click.ClickException):
    """The database cannot be opened or written: said in one line, exit status 2."""

    exit_code = 2


def _open(ctx: click.Context, read_only: bool = False) -> Store:
    """The store of ``--db``; a read command opens it read-only (never creating it).
    Closed when the command ends (a server's connection is not left to the collector)."""
    store = open_store(ctx.obj["db"], read_only=read_only)
    ctx.call_on_close(store.close)
    return store


class AmbiguousError(click.ClickException):
    """A name several people answer to: the candidates, best first, and exit status 2."""

    exit_code = 2

    def __init__(self, ambiguous: profile.AmbiguousName) -> None:
        people = "\n".join(
            f"  {c['id']:>14}  {c['name']}  ({c['papers']} works)" for c in ambiguous.candidates
        )
        shown = "" if ambiguous.total == len(ambiguous.candidates) else " (the best ten)"
        super().__init__(
            f"{ambiguous.total} people match {ambiguous.name!r}; name one by its id"
            f"{shown}:\n{people}"
        )


class _Commands(click.Group):
    """Every command's database trouble (a file that is not a database, a damaged one, a
    full disk, a read-only file) ends in one clear line and exit status 2, not a
    traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as error:
            raise DatabaseError(str(error)) from error
        except profile.AmbiguousName as error:
            raise AmbiguousError(error) from error
        except sqlite3.Error as error:
            db = ctx.obj["db"] if ctx.obj else DEFAULT_URL
            raise DatabaseError(f"{db}: {error}") from error


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group(cls=_Commands)
@click.option(
    "--db",
    default=DEFAULT_URL,
    envvar="SCHOLARSCOPE_DB",
    show_default=True,
    help="Database: a SQLite file path, sqlite:///path, or postgresql://user@host:port/db "
    "(env SCHOLARSCOPE_DB).",
)
@click.version_option(package_name="scholarscope")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """scholarscope: ingest scholarly metadata and explain researcher profiles."""
    ctx.obj = {"db": db}


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--verbose", is_flag=True, help="List every repaired record too, not only their number."
)
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], verbose: bool) -> None:
    """Read files (any supported format, plain or .gz; folders are walked) into the
    database, and print per file: read, new, merged, unchanged, rejected.

    Rejected records are listed on stderr (exit status 1); records stored after a repair
    (bytes read as Latin-1, a date that is no calendar day) are counted, and listed with
    --verbose.

    Example: scholarscope ingest examples/
    """
    store = _open(ctx)
    bars: dict[str, Any] = {}

    def show_progress(report: pipeline.FileReport, progress: ReadProgress) -> None:
        if not sys.stderr.isatty() or progress.total_bytes < PROGRESS_MIN_BYTES:
            return
        bar = bars.get(report.path)
        if bar is None:
            bar = click.progressbar(length=progress.total_bytes, label=report.path, file=sys.stderr)
            bar.__enter__()
            bars[report.path] = bar
        bar.update(progress.done_bytes - bar.pos)
        if progress.done_bytes >= progress.total_bytes:
            bar.__exit__(None, None, None)

    reports = pipeline.ingest_paths(store, paths, on_progress=show_progress)
    for report in reports:
        _echo_some(report.path, report.messages, report.rejected, "problems")
        if verbose:
            _echo_some(report.path, report.repairs, report.repaired, "repairs")
        click.echo(report_line(report))
    repaired = sum(report.repaired for report in reports)
    if repaired and not verbose:
        repairs = "repair" if repaired == 1 else "repairs"
        click.echo(
            f"{repaired:,} {repairs} made while reading (bytes read as Latin-1, a date that "
            "is no calendar day …); the records were stored (--verbose lists them)",
            err=True,
        )
    if any(report.rejected for report in reports):
        ctx.exit(1)


def report_line(report: pipeline.FileReport) -> str:
    """What ingesting one file (or one fetch) did, in one line."""
    return (
        f"{report.path}: read {report.read}, new {report.new}, merged {report.merged}, "
        f"unchanged {report.unchanged}, rejected {report.rejected}"
        + (f", repaired {report.repaired}" if report.repaired else "")
        + (f", stated profiles {report.profiles}" if report.profiles else "")
        + (f", deleted at the source {report.deleted}" if report.deleted else "")
    )


def _echo_some(path: str, messages: list[str], total: int, what: str) -> None:
    """The first messages of a file on stderr, then how many more there were."""
    for message in messages[:MAX_MESSAGES_PER_FILE]:
        click.echo(message, err=True)
    hidden = total - min(len(messages), MAX_MESSAGES_PER_FILE)
    if hidden > 0:
        click.echo(f"{path}: … and {hidden:,} more {what}", err=True)


@cli.command()
@click.option("--all", "everything", is_flag=True, help="Enrich every work again.")
@click.pass_context
def enrich(ctx: click.Context, everything: bool) -> None:
    """Derive from each work's text its field (predicted only where no source states
    one), its code status and its venue. Only works that need it are done, unless --all.

    Example: scholarscope enrich
    """
    from scholarscope.enrich.fields import load_field_model
    from scholarscope.pipeline.enrich import enrich_store

    report = enrich_store(_open(ctx), everything=everything, model=load_field_model())
    for message in report.messages[:MAX_MESSAGES_PER_FILE]:
        click.echo(message, err=True)
    click.echo(
        f"enriched {report.works} works: field predicted {report.field_predicted}, "
        f"chosen among stated categories {report.field_chosen}, "
        f"code available {report.code_available}, code promised {report.code_promised}, "
        f"venue found {report.venue_found}, comments unparsed {report.comments_unparsed}, "
        f"failed {report.failed}"
    )
    if report.failed:
        ctx.exit(1)


@cli.command()
@click.option(
    "--weights",
    default="",
    help="AI Score weights, e.g. impact=0.5,venue=0 (unnamed components keep their default).",
)
@click.option(
    "--min-earlier",
    default=MIN_EARLIER,
    show_default=True,
    help="Earlier works a work needs in the database before it gets a novelty figure.",
)
@click.pass_context
def score(ctx: click.Context, weights: str, min_earlier: int) -> None:
    """Embed the text of every work, find its nearest earlier works, and compute its
    novelty and AI Score: only what is missing or changed. Safe to stop and run again.

    Example: scholarscope score --weights impact=0.5,novelty=0.3
    """
    from scholarscope.embed import load_encoder
    from scholarscope.pipeline.score import score_store
    from scholarscope.score.ai_score import parse_weights

    try:
        chosen = parse_weights(weights)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    store = _open(ctx)
    bar: Any = None
    lines = ProgressLines()

    def show_progress(step: str, done: int, total: int) -> None:
        nonlocal bar
        if not sys.stderr.isatty():
            lines.update(step, done, total)
            return
        if bar is None:
            bar = click.progressbar(length=total, label=step, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)
            bar = None

    report = score_store(
        store, load_encoder(), chosen, min_earlier=min_earlier, on_progress=show_progress
    )
    _echo_some("score", report.messages, len(report.messages), "problems")
    click.echo(
        f"scored {report.works} works: embedded {report.embedded} "
        f"(already {report.already_embedded}, without text {report.without_text}), "
        f"neighbours found {report.novelty_computed} (kept {report.novelty_kept}), "
        f"without novelty {report.too_early}, with AI Score {report.scored}"
    )
    if report.messages:
        ctx.exit(1)


class ProgressLines:
    """Progress for a log rather than a terminal (cron, a pipe, CI): one line on stderr
    every ``every`` seconds, with the count done and an estimate of the time left.

    >>> lines = ProgressLines(every=0)
    >>> lines.estimate(done=250, total=1000, elapsed=60.0)
    'about 3 min left'
    """

    def __init__(self, every: float = 30.0) -> None:
        self.every = every
        self.started = time.monotonic()
        self.last = self.started

    def update(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.every and done < total:
            return
        self.last = now
        share = done / total if total else 1.0
        estimate = self.estimate(done, total, now - self.started)
        click.echo(f"{step}: {done:,} of {total:,} ({share:.0%}), {estimate}", err=True)

    @staticmethod
    def estimate(done: int, total: int, elapsed: float) -> str:
        if done >= total:
            return "done"
        if done == 0:
            return "estimating the time left"
        left = elapsed / done * (total - done)
        return f"about {left / 60:.0f} min left" if left >= 90 else f"about {left:.0f} s left"


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def classify(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Predict the field of every record in files of any supported format (folders are
    walked), ignoring the categories the files state; print one JSON line per record:
    {"id", "field", "badge", "confidence", "taxonomy", "in_domain"}. The model knows
    arXiv computer science only: a text it finds out of that domain gets "field": null,
    "in_domain": false and a "reason". Nothing is stored.

    Example: scholarscope classify examples/000_6198259b7f70df20.txt
    """
    from scholarscope.enrich.fields import load_field_model
    from scholarscope.pipeline.classify import Classified, classify_paths

    trouble = False
    for item in classify_paths(pipeline.expand_paths(paths), load_field_model()):
        if isinstance(item, Classified):
            click.echo(json.dumps(item.as_dict(), ensure_ascii=False))
        else:
            click.echo(item.message(), err=True)
            trouble = True
    if trouble:
        ctx.exit(1)


@cli.command("profile")
@click.argument("name_or_id")
@click.option(
    "--limit",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Show this many works (0: all); a last line says how many more there are.",
)
@click.option(
    "--abstracts/--no-abstracts",
    default=False,
    show_default=True,
    help="Print each shown work's abstract.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the profile as JSON.")
@click.pass_context
def profile_command(
    ctx: click.Context, name_or_id: str, limit: int, abstracts: bool, as_json: bool
) -> None:
    """Show a researcher: our metrics beside the figures sources state, then the works.

    NAME_OR_ID is a name ("Shiming Ge"), author:N, or a source id (openalex:A…, s2:…).
    A name that several people answer to (none the same name, or several) lists them,
    best match first, and asks for an id (exit status 2; with --json, the list as JSON);
    other people the name also matches are named on stderr. The text shows the first
    --limit works, titles and abstracts as plain text (LaTeX and HTML made readable);
    --json is the profile page's JSON (/authors/author:N.json) with every work, as
    stored, each with its nearest earlier works.

    Example: scholarscope profile "Shiming Ge" --limit 20 --abstracts
    """
    store = _open(ctx, read_only=True)
    try:
        author_id, others = profile.resolve_author(store, name_or_id)
    except profile.NotFound as error:
        raise NotFoundError(str(error)) from error
    except profile.AmbiguousName as error:
        if not as_json:
            raise
        _print_json(
            {"ambiguous": error.name, "matches": error.total, "candidates": error.candidates}
        )
        ctx.exit(2)
    if others:
        named = ", ".join(f"{o['id']} ({o['name']}, {o['papers']} works)" for o in others)
        click.echo(f"also matching {name_or_id!r}: {named}", err=True)
    shown = None if as_json or not limit else limit
    document = researcher(store, author_id, per_page=shown, evidence=True).author
    if as_json:
        _print_json(models.to_builtins(document))
    else:
        click.echo(render_profile(models.to_builtins(document), abstracts=abstracts))


@cli.command()
@click.option("--author", help="Only the works of this author (name or id), in profile order.")
@click.option("--limit", default=100, show_default=True, help="At most this many works.")
@click.option("--json", "as_json", is_flag=True, help="Print the works as JSON.")
@click.pass_context
def works(ctx: click.Context, author: str | None, limit: int, as_json: bool) -> None:
    """List works, merged across sources: an author's, or every stored work, newest first.

    --json prints the JSON of /works.json (paging, filters, works); with --author, that
    of the author's works as their profile lists them.

    Example: scholarscope works --author "Nannan Wang" --limit 5
    """
    store = _open(ctx, read_only=True)
    if author:
        try:
            author_id, _ = profile.resolve_author(store, author)
        except profile.NotFound as error:
            raise NotFoundError(str(error)) from error
        found = researcher(store, author_id, per_page=limit).author
        listed = models.WorkList(paging=found.paging, filters=found.filters, works=found.works)
    else:
        listed = newest_works(store, per_page=limit)
    if as_json:
        _print_json(models.to_builtins(listed))
    else:
        items = models.to_builtins(listed.works)
        click.echo("\n\n".join(render_work(plain_work(w), abstract=False) for w in items))


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print the matches as JSON.")
@click.pass_context
def authors(ctx: click.Context, query: str, as_json: bool) -> None:
    """Find people by name (accents and case ignored), most works first.

    --json prints the JSON of /authors.json?q=QUERY (the first 50).

    Example: scholarscope authors "ge"
    """
    found = find_researchers(_open(ctx, read_only=True), query)
    if as_json:
        _print_json(models.to_builtins(found))
    else:
        for a in found.authors:
            click.echo(f"{a.id:>14}  {a.name}  ({a.papers} works)")


@cli.command("merge-authors")
@click.argument("keep")
@click.argument("drop")
@click.option(
    "--reason",
    default="merged with merge-authors",
    show_default=True,
    help="Why they are one person (kept in the identity log).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def merge_authors_command(
    ctx: click.Context, keep: str, drop: str, reason: str, as_json: bool
) -> None:
    """Merge author DROP into author KEEP: the same as ``identity merge``.

    DROP's works, source ids and stated figures move to KEEP; DROP then leads to KEEP.

    Example: scholarscope merge-authors author:3 author:17
    """
    from scholarscope.cli_identity import run_merge

    run_merge(ctx, keep, drop, reason, None, as_json)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Count what the database holds.

    Example: scholarscope stats
    """
    result = profile.stats(_open(ctx, read_only=True))
    if as_json:
        _print_json(result)
        return
    for key, value in result.items():
        if isinstance(value, dict):
            click.echo(f"{key}:")
            for name, count in value.items():
                click.echo(f"  {name}: {count:,}")
        else:
            click.echo(f"{key}: {value:,}")


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 127.0.0.1 keeps the server to this machine.",
)
@click.option("--port", default=8000, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    help="Server processes; one per core serves more requests at once.",
)
@click.option(
    "--admin-token",
    envvar="SCHOLARSCOPE_ADMIN_TOKEN",
    default=None,
    help="Turns on the write endpoints (POST /admin/ingest, /admin/authors/merge), which "
    "then require 'Authorization: Bearer TOKEN'. Prefer the environment variable "
    "SCHOLARSCOPE_ADMIN_TOKEN or --admin-token-file: a command line is visible to the "
    "machine's other users (ps). Without a token the server only reads.",
)
@click.option(
    "--admin-token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read the admin token from this file (its first line; keep the file private).",
)
@click.option(
    "--semantic/--no-semantic",
    default=True,
    show_default=True,
    help="Semantic search and similar works from stored embeddings (each server "
    "process loads the embedding model and the vectors when it starts).",
)
@click.option(
    "--show",
    multiple=True,
    metavar="NAME_OR_ID",
    help="Print the address of this researcher's profile (repeatable).",
)
@click.option(
    "--allowed-host",
    multiple=True,
    metavar="NAME",
    help="A host name browsers may reach the server by, besides 127.0.0.1 and localhost "
    "(repeatable; '*' any). Requests naming another Host are refused, so that a web page "
    "elsewhere cannot read this server through a rebound DNS name.",
)
@click.option("--quiet", is_flag=True, help="Do not log each request.")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    workers: int,
    admin_token: str | None,
    admin_token_file: Path | None,
    semantic: bool,
    show: tuple[str, ...],
    allowed_host: tuple[str, ...],
    quiet: bool,
) -> None:
    """Serve the web pages, the JSON API and search over the database until Ctrl-C.

    Every page has a JSON twin (add .json); works lists export as .csv and .bib; the API
    is described at /openapi.json.

    Example: scholarscope serve --show "Shiming Ge"
    """
    from scholarscope.web import ServerSettings
    from scholarscope.web import serve as serve_site

    if admin_token_file is not None:
        if admin_token:  # two tokens: which one the operator meant is a guess
            raise click.UsageError(
                "give the admin token one way: --admin-token, SCHOLARSCOPE_ADMIN_TOKEN "
                "or --admin-token-file"
            )
        admin_token = _read_admin_token(admin_token_file)
    store = _open(ctx, read_only=not admin_token)  # without uploads, the server only reads
    profiles = []
    for name in show:
        try:
            author_id, _ = profile.resolve_author(store, name)
        except profile.NotFound as error:
            raise NotFoundError(str(error)) from error
        profiles.append((name, f"/authors/author:{author_id}"))
    store.close()
    settings = ServerSettings(
        ctx.obj["db"],
        admin_token=admin_token,
        semantic=semantic,
        allowed_hosts=_allowed_hosts(host, allowed_host),
        log=not quiet,
    )

    def ready(url: str) -> None:
        writes = "POST /admin/ingest needs the admin token" if admin_token else "read-only"
        click.echo(f"serving {ctx.obj['db']} at {url}/ ({writes}; Ctrl-C stops)")
        for name, path in profiles:
            click.echo(f"  {name}: {url}{path}")

    try:
        serve_site(settings, host, port, workers, on_ready=ready)
    except (ValueError, OSError) as error:
        raise click.UsageError(str(error)) from error


def _allowed_hosts(host: str, named: tuple[str, ...]) -> tuple[str, ...]:
    """The Host names the server answers: localhost's, the address it listens on, and
    those named with --allowed-host.

    >>> _allowed_hosts("0.0.0.0", ("scholar.example.org",))
    ('127.0.0.1', 'localhost', 'scholar.example.org')
    """
    hosts = ["127.0.0.1", "localhost"]
    if host not in ("0.0.0.0", "::", "") and host not in hosts:
        hosts.append(host)
    return tuple(dict.fromkeys([*hosts, *named]))


def _read_admin_token(path: Path) -> str:
    """The token in the first line of ``path``, without the line's end and spaces."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise click.UsageError(f"--admin-token-file {path}: cannot read it ({error})") from error
    token = lines[0].strip() if lines else ""
    if not token:
        raise click.UsageError(f"--admin-token-file {path}: the first line is empty")
    return token


@cli.command("copy")
@click.option("--from", "source_url", required=True, help="The database to copy.")
@click.option("--to", "target_url", required=True, help="An empty database to copy into.")
def copy_command(source_url: str, target_url: str) -> None:
    """Copy a whole database into another store (SQLite to PostgreSQL, or back), then
    verify every table by its row count and a checksum of its rows; exit status 1 when a
    table differs.

    Example: scholarscope copy --from scholarscope.db --to postgresql://me@db.lab:5432/scholarscope
    """
    from scholarscope.pipeline.copy import CopyError, copy_database

    source = open_store(source_url, read_only=True)
    target = open_store(target_url)
    try:
        tables = copy_database(
            source, target, lambda table, rows: click.echo(f"{table}: {rows:,} rows copied")
        )
    except CopyError as error:
        raise click.ClickException(str(error)) from error
    finally:
        source.close()
        target.close()
    for t in tables:
        verdict = "same" if t.same else f"DIFFERS (source {t.source_rows:,} rows)"
        click.echo(
            f"verified {t.table}: {t.target_rows:,} rows, sha256 {t.target_checksum[:16]} {verdict}"
        )
    if not all(t.same for t in tables):
        sys.exit(1)


def main() -> None:
    cli(prog_name="scholarscope")


from scholarscope.cli_fetch import fetch_command, hydrate_command  # noqa: E402
from scholarscope.cli_identity import identity  # noqa: E402  (it uses this module's helpers)
from scholarscope.cli_search import export_command, search_command  # noqa: E402
from scholarscope.cli_sync import follow_command, sync_command, unfollow_command  # noqa: E402

cli.add_command(identity)
cli.add_command(search_command)
cli.add_command(export_command)
cli.add_command(fetch_command)
cli.add_command(hydrate_command)
cli.add_command(follow_command)
cli.add_command(unfollow_command)
cli.add_command(sync_command)
