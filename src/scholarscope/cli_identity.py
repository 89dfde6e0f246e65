"""``scholarscope identity …``: suggested merges, and the edits a person makes to who is
who (merge, split, undo), each kept in an append-only log (``pipeline/identity.py``)."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from typing import IO

import click

from scholarscope import profile
from scholarscope.cli import NotFoundError, _open, _print_json
from scholarscope.pipeline import identity as edits


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"


_by_option = click.option(
    "--by",
    default=None,
    help="Who makes the edit, for the log (default: the login name).",
)
_reason_option = click.option(
    "--reason", required=True, help="Why (kept in the identity log with who and when)."
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@click.group()
def identity() -> None:
    """Who is who: suggested merges, merge, split, undo and the log of every edit.

    Edits always beat the automatic rules and are re-applied by every later ingest.
    """


def _edit_or_error(call: Callable[[], edits.IdentityEdit]) -> edits.IdentityEdit:
    try:
        return call()
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    except profile.NotFound as error:
        raise NotFoundError(str(error)) from error


def _echo_edit(edit: edits.IdentityEdit, as_json: bool) -> None:
    if as_json:
        _print_json(edit.as_dict())
    else:
        click.echo(f"edit {edit.edit}: {edit.summary}")


def run_merge(
    ctx: click.Context, keep: str, drop: str, reason: str, by: str | None, as_json: bool
) -> None:
    """``merge-authors`` and ``identity merge``: one merge, printed as merge-authors
    always printed it."""
    store = _open(ctx)
    edit = _edit_or_error(lambda: edits.merge_people(store, keep, drop, reason, by or _who()))
    kept, merged = edit.people
    kept_id = edits.author_number(kept)
    papers = len(store.author_work_ids(kept_id))
    before = edit.papers_before
    row = store.author_row(kept_id)
    name = row[1] if row else kept
    if as_json:
        _print_json(
            {
                "kept": kept,
                "merged": merged,
                "name": name,
                "papers_before": before,
                "papers": papers,
                "edit": edit.as_dict(),
            }
        )
    else:
        click.echo(f"{merged} merged into {kept} ({name}): {before} -> {papers} works")
        click.echo(f"logged as edit {edit.edit} (scholarscope identity undo {edit.edit})")


@identity.command("merge")
@click.argument("keep")
@click.argument("drop")
@_reason_option
@_by_option
@_json_option
@click.pass_context
def merge_command(
    ctx: click.Context, keep: str, drop: str, reason: str, by: str | None, as_json: bool
) -> None:
    """Two ids are one person: DROP (author:M) becomes part of KEEP (author:N).

    Example: scholarscope identity merge author:3 author:17 --reason "same ORCID"
    """
    run_merge(ctx, keep, drop, reason, by, as_json)


@identity.command("split")
@click.argument("author")
@click.option(
    "--works",
    "work_refs",
    required=True,
    multiple=True,
    help="A work to move (work:N, arxiv:…, doi:…, openalex:W…); repeat, or give several "
    "separated by spaces.",
)
@click.option(
    "--into",
    "into_ref",
    default=None,
    help="Move them to this person (author:M) instead of a new one.",
)
@_reason_option
@_by_option
@_json_option
@click.pass_context
def split_command(
    ctx: click.Context,
    author: str,
    work_refs: tuple[str, ...],
    into_ref: str | None,
    reason: str,
    by: str | None,
    as_json: bool,
) -> None:
    """Some works of AUTHOR (author:N) are another person's: they move to a new person
    (or to --into author:M) and stay there through every later ingest.

    Example: scholarscope identity split author:3 --works arxiv:2409.08598 --reason namesake
    """
    store = _open(ctx)
    refs = [ref for value in work_refs for ref in value.split()]
    edit = _edit_or_error(
        lambda: edits.split_person(store, author, refs, reason, by or _who(), into_ref)
    )
    _echo_edit(edit, as_json)


@identity.command("undo")
@click.argument("edit_id", type=int)
@_reason_option
@_by_option
@_json_option
@click.pass_context
def undo_command(
    ctx: click.Context, edit_id: int, reason: str, by: str | None, as_json: bool
) -> None:
    """Move back what edit EDIT_ID moved (the log keeps both the edit and its undo).

    Example: scholarscope identity undo 3 --reason "two people after all"
    """
    store = _open(ctx)
    edit = _edit_or_error(lambda: edits.undo_edit(store, edit_id, reason, by or _who()))
    _echo_edit(edit, as_json)


@identity.command("log")
@_json_option
@click.pass_context
def log_command(ctx: click.Context, as_json: bool) -> None:
    """Every identity edit, oldest first: who, when, why, what it moved, whether undone.

    Example: scholarscope identity log --json
    """
    log = edits.edit_log(_open(ctx, read_only=True))
    if as_json:
        _print_json([edit.as_dict() for edit in log])
        return
    if not log:
        click.echo("no identity edits yet")
    for edit in log:
        undone = f" [undone by edit {edit.undone_by}]" if edit.undone_by else ""
        click.echo(
            f"{edit.edit:>4}  {edit.made_at}  {edit.made_by}: {edit.summary}{undone}\n"
            f"      why: {edit.reason}"
        )


@identity.command("suggest")
@click.option("--limit", default=20, show_default=True, help="At most this many pairs.")
@_json_option
@click.pass_context
def suggest_command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Pairs of people who are probably one person, best first, with the reasons.
    Nothing is merged: confirm one with ``identity merge KEEP DROP --reason …``.

    Example: scholarscope identity suggest --limit 10
    """
    from scholarscope.suggestions import suggest_merges

    found = suggest_merges(_open(ctx, read_only=True), limit)
    if as_json:
        _print_json([s.as_dict() for s in found])
        return
    if not found:
        click.echo("no suggested merges")
    for s in found:
        click.echo(
            f"{s.score:.2f}  {s.authors[0]} {s.names[0]}  +  {s.authors[1]} {s.names[1]}\n"
            f"      {'; '.join(s.reasons)}"
        )


@identity.command("replay")
@click.argument("log_file", type=click.File("r", encoding="utf-8"))
@_by_option
@click.pass_context
def replay_command(ctx: click.Context, log_file: IO[str], by: str | None) -> None:
    """Make the edits of a log saved from another database (``identity log --json``)
    here, finding people and works by their source ids, name keys and work ids: how
    corrections outlive a rebuilt database. Each edit is logged anew.

    Example: scholarscope identity replay edits.json
    """
    try:
        log = json.load(log_file)
        if not isinstance(log, list) or not all(isinstance(e, dict) for e in log):
            raise ValueError("not a list of edits")
    except ValueError as error:
        raise click.UsageError(
            f"{log_file.name}: not an identity log (identity log --json): {error}"
        ) from error
    for line in edits.replay_log(_open(ctx), log, by or _who()):
        click.echo(line)
