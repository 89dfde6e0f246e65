"""``scholarscope search`` and ``scholarscope export``: the web's search and works-list
exports from the command line, through the same library functions (``search.py``,
``export.py``, ``work_lists.py``) and the same JSON structures (``models.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from scholarscope import export, models, profile, search
from scholarscope.cli import NotFoundError, _open
from scholarscope.mathtext import plain_text
from scholarscope.store import Store
from scholarscope.taxonomy import chosen_field
from scholarscope.work_lists import EXPORT_MAX, load_views


def _filters(store: Store, field: str | None, year_from: int | None, year_to: int | None,
             code: bool | None, venue: str | None) -> search.Filters:  # fmt: skip
    try:
        key = chosen_field(field, (f for f, _ in store.field_counts()))
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    return search.Filters(key, year_from, year_to, code, venue)


def _semantic(store: Store, wanted: bool) -> tuple[Any, Any]:
    """The stored vectors and a query-matching function, when semantic search is wanted
    and the database holds vectors of the installed encoder; else (None, None)."""
    if not wanted or not store.has_embeddings():
        return None, None
    try:
        from scholarscope.embed import load_encoder
    except ImportError as error:
        click.echo(f"semantic search is off: {error}", err=True)
        return None, None
    encoder = load_encoder(threads=1)
    index = search.SemanticIndex.load(store, encoder.version)
    if index is None:
        return None, None
    return index, search.query_matches(index, encoder)


_filter_options = [
    click.option("--field", help="Only works of this field (arxiv:cs.CV, cs.CV or CV)."),
    click.option("--year-from", type=int, help="Only works of this year or later."),
    click.option("--year-to", type=int, help="Only works of this year or earlier."),
    click.option("--code/--no-code", default=None, help="Only works with (without) code."),
    click.option("--venue", help="Only works of this venue (NeurIPS, CVPR …)."),
]


def _with_filters(command: Any) -> Any:
    for option in reversed(_filter_options):
        command = option(command)
    return command


@click.command("search")
@click.argument("query")
@click.option("--experts", is_flag=True, help="The authors of the best matches instead.")
@_with_filters
@click.option(
    "--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True
)
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--per-page", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--semantic/--no-semantic",
    default=True,
    show_default=True,
    help="Hybrid search with the stored embeddings (loads the embedding model: seconds).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the search as the API's JSON.")
@click.pass_context
def search_command(
    ctx: click.Context,
    query: str,
    experts: bool,
    field: str | None,
    year_from: int | None,
    year_to: int | None,
    code: bool | None,
    venue: str | None,
    sort: str,
    page: int,
    per_page: int,
    semantic: bool,
    as_json: bool,
) -> None:
    """Find works by the words of their title and abstract (every word must match;
    "quoted phrases" stay phrases), hybrid with semantic search when embeddings are
    stored; or, with --experts, the people who wrote the best matches.

    Example: scholarscope search "face anti-spoofing domain generalization" --experts
    """
    if search.fts_query(query) is None:  # the web answers no results; a typo here
        raise click.UsageError(f"{query!r} has no words to search for")
    store = _open(ctx, read_only=True)
    filters = _filters(store, field, year_from, year_to, code, venue)
    index, matches = _semantic(store, semantic)
    tab = "experts" if experts else "works"
    try:
        found, _ = search.search_results(
            store, query, filters, sort, tab, page, per_page, index, matches
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    if as_json:
        click.echo(models.encode(found).decode())
        return
    click.echo(_render_search(found))


def _render_search(found: models.Search) -> str:
    lines = [f"{found.mode} search for {found.query!r}"]
    if found.experts:
        lines[0] += f": the authors of the {found.works_considered} best matches"
        for rank, expert in enumerate(found.experts, start=1):
            lines.append(
                f"{rank:>3}. {expert.name} ({expert.id}): {expert.matching_works} matching "
                f"work{'s' if expert.matching_works != 1 else ''}, best rank {expert.best_rank}"
            )
            lines += [f"       {e.rank:>3}. {plain_text(e.title) or e.id}" for e in expert.evidence]
        return "\n".join(lines)
    if isinstance(found.paging, models.Paging):
        paging = found.paging
        lines[0] += f": {paging.total:,} work{'s' if paging.total != 1 else ''}"
        lines[0] += f" (page {paging.page} of {paging.pages})" if paging.pages > 1 else ""
    start = (found.paging.page - 1) * found.paging.per_page if found.paging else 0
    for rank, work in enumerate(found.results or [], start=start + 1):
        badge = f"[{work.field}] " if work.field else ""
        authors = ", ".join(work.authors[:3]) + (" et al." if len(work.authors) > 3 else "")
        lines.append(f"{rank:>3}. {badge}{plain_text(work.title) or work.id}")
        lines.append(f"     {authors} · {work.year or 'no year'} · {work.id}")
        if work.snippet:
            text = "".join(
                click.style(part.text, bold=True) if part.match else part.text
                for part in work.snippet
            )
            lines.append(f"     {plain_text(text)}")
    return "\n".join(lines)


@click.command("export")
@click.option("--author", help="The works of this author (name or author:N), profile order.")
@click.option("--search", "query", help="The works this search finds, best first.")
@_with_filters
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "bib", "json"]),
    default="csv",
    show_default=True,
)
@click.option("--limit", default=EXPORT_MAX, show_default=True, type=click.IntRange(1, EXPORT_MAX))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (default: stdout).",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    author: str | None,
    query: str | None,
    field: str | None,
    year_from: int | None,
    year_to: int | None,
    code: bool | None,
    venue: str | None,
    fmt: str,
    limit: int,
    output: Path | None,
) -> None:
    """Export works as CSV, BibTeX or JSON (the web's .csv, .bib and .json exports): an
    author's works, a search's results, or every stored work, newest first; filtered.

    Example: scholarscope export --author "Shiming Ge" --format bib -o ge.bib
    """
    if author and query:
        raise click.UsageError("give --author or --search, not both")
    store = _open(ctx, read_only=True)
    filters = _filters(store, field, year_from, year_to, code, venue)
    if author:
        try:
            author_id, _ = profile.resolve_author(store, author)
        except profile.NotFound as error:
            raise NotFoundError(str(error)) from error
        facts = profile.profile_summary(store, author_id)["works"]
        every = load_views(store, [w["work_id"] for w in facts], None)
        works = [w for w in every if _accepts(filters, w)][:limit]
    elif query:
        try:
            _, ids = search.search_results(store, query, filters, export_limit=limit)
        except ValueError as error:
            raise click.UsageError(str(error)) from error
    else:
        _, ids = store.find_work_ids(None, **filters.as_store_args(), limit=limit, offset=0)
    if not author:
        works = load_views(store, ids, None)
    if fmt == "csv":
        text = export.works_csv(works)
    elif fmt == "bib":
        text = export.works_bibtex(works)
    else:
        text = models.encode(models.convert(works, list[models.Work])).decode() + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{output}: {len(works)} works", err=True)


def _accepts(filters: search.Filters, work: dict[str, Any]) -> bool:
    """The search filters, on a loaded work view."""
    facet = {"field": work["field_key"], "year": work["year"], "code": work["code"],
             "venue": (work["venue"] or {}).get("name")}  # fmt: skip
    return filters.accepts(facet)
