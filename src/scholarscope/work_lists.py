"""Lists of works as every client shows them (the pages, the JSON API, the CLI): the
works' merged views with their scores, each naming the ids of its shown authors, and one
page of a list at a time."""

from __future__ import annotations

from typing import Any, TypeVar

from scholarscope import models, work_views
from scholarscope.merged import source_rank
from scholarscope.store import Store

T = TypeVar("T")
LIST_AUTHORS = 10  # authors a works list names per work (then "et al.")
EXPORT_MAX = 5000  # works in one export (CSV, BibTeX, or JSON with per_page at this)


def paginate(items: list[T], page: int, per_page: int) -> tuple[list[T], dict[str, int]]:
    """One page of a list and the paging block of the JSON.

    >>> paginate(list(range(5)), 2, 2)
    ([2, 3], {'page': 2, 'per_page': 2, 'total': 5, 'pages': 3})
    """
    start = (page - 1) * per_page
    return items[start : start + per_page], paging_block(page, per_page, len(items))


def paging_block(page: int, per_page: int, total: int) -> dict[str, int]:
    return {"page": page, "per_page": per_page, "total": total,
            "pages": max(1, -(-total // per_page))}  # fmt: skip


def load_views(
    store: Store, work_ids: list[int], max_authors: int | None = LIST_AUTHORS
) -> list[dict[str, Any]]:
    """Merged work views with their scores (no novelty evidence), in the given order,
    each naming its first ``max_authors`` authors (None: all, for exports)."""
    return work_views.scored_views(store, work_ids, evidence=False, max_authors=max_authors)


def with_author_links(
    store: Store, works: list[dict[str, Any]], max_authors: int | None = LIST_AUTHORS
) -> list[dict[str, Any]]:
    """Copies of the works with ``author_ids``: the ``author:N`` of each shown author,
    taken from the same source the names come from (None when they cannot be paired);
    ``max_authors`` as the works were loaded with (``load_views``)."""
    by_work: dict[int, dict[str, list[tuple[int, int]]]] = {}
    for work_id, source, position, author_id in store.authorship_rows(
        [w["work_id"] for w in works], max_authors
    ):
        if position is not None:
            by_work.setdefault(work_id, {}).setdefault(source, []).append((position, author_id))
    linked = []
    for work in works:
        sources = by_work.get(work["work_id"], {})
        ids: list[str | None] = [None] * len(work["authors"])
        for source in sorted(sources, key=source_rank):
            people = [f"author:{a}" for _, a in sorted(sources[source])]
            if len(people) == len(work["authors"]):
                ids = list(people)
                break
        linked.append({**work, "author_ids": ids})
    return linked


def newest_works(
    store: Store,
    field: str | None = None,
    year: int | None = None,
    code: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> models.WorkList:
    """One page of every stored work, newest first, filtered: ``field`` a field key
    (``arxiv:cs.CV``), ``year``, ``code`` (True: with code available, False: without).
    The ``/works`` page, its JSON twin and ``scholarscope works --json`` are this list.

    Example: ``newest_works(store, year=2024, per_page=5).paging.total``
    """
    total, ids = store.find_work_ids(
        None, field=field, year_from=year, year_to=year, code=code,
        limit=per_page, offset=(page - 1) * per_page,
    )  # fmt: skip
    data = {
        "paging": paging_block(page, per_page, total),
        "filters": {"field": field, "year": year, "code": code},
        "works": with_author_links(store, load_views(store, ids)),
    }
    return models.convert(data, models.WorkList)
