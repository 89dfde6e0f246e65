"""A researcher as every client shows them (``models.Author``): the profile's figures
beside the source-stated ones, one page of the works (filtered, sorted), the frequent
co-authors and the data of the charts. The profile page, its JSON twin and
``scholarscope profile --json`` are this one document.

The figures come from each work's facts (``profile.profile_summary``); only the works
shown are merged from their records (``work_views.views_of_facts``), so a 240-work
profile costs the works it shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from scholarscope import models, profile, work_views
from scholarscope.authors import folded_name
from scholarscope.models import convert
from scholarscope.store import Store
from scholarscope.work_lists import LIST_AUTHORS, paginate, paging_block, with_author_links

WORK_SORTS = ("profile", "date", "citations", "novelty", "ai_score")
COAUTHORS = 12  # the frequent co-authors listed


@dataclass(frozen=True)
class WorkFilters:
    """Which of a researcher's works to list, and in what order. ``field`` is a field
    key (``arxiv:cs.CV``, as ``taxonomy.chosen_field`` resolves a user's code); ``code``:
    True only works with code, False only works without, None all; ``sort``: one of
    ``WORK_SORTS``."""

    field: str | None = None
    year: int | None = None
    code: bool | None = None
    sort: str = "profile"

    def keeps(self, work: dict[str, Any]) -> bool:
        """Whether a work (its facts) passes the field, year and code filters."""
        return (
            (self.field is None or self.field == work["field_key"])
            and (self.year is None or work["year"] == self.year)
            and (self.code is None or work["code"] == self.code)
        )


@dataclass(frozen=True)
class Researcher:
    """``author``: the document; ``summary``: ``profile.profile_summary`` (every work's
    facts, the figures), which the page's header explains; ``chosen``: the facts of
    every work the filters keep, in order (what an export holds)."""

    author: models.Author
    summary: dict[str, Any]
    chosen: list[dict[str, Any]]


def _uncached(key: Hashable, make: Callable[[], Any]) -> Any:
    return make()


def researcher(
    store: Store,
    author_id: int,
    filters: WorkFilters = WorkFilters(),
    page: int = 1,
    per_page: int | None = 50,
    evidence: bool = False,
    cached: Callable[[Hashable, Callable[[], Any]], Any] = _uncached,
) -> Researcher:
    """The researcher ``author:{author_id}`` with page ``page`` of their works
    (``per_page`` None: all of them). ``evidence``: each shown work names its nearest
    earlier works (as a work's own page does; lists leave them out). ``cached(key,
    make)`` may keep the read-side results (the server's cache; here none).
    Raises ``profile.NotFound``.

    Example: ``researcher(store, 3).author.h_index``
    """
    summary = cached(("profile", author_id), lambda: profile.profile_summary(store, author_id))
    every = summary["works"]
    chosen = sort_works([w for w in every if filters.keeps(w)], filters.sort)
    per_page = per_page or max(1, len(chosen))
    page_of_works, paging = paginate(chosen, page, per_page)
    shown = work_views.views_of_facts(store, page_of_works, LIST_AUTHORS)
    if evidence:
        work_views.attach_scores(store, shown, evidence=True)
    profile.attach_attribution(store, author_id, shown)
    coauthors = cached(("coauthors", author_id), lambda: store.coauthors(author_id, COAUTHORS))
    data = {key: value for key, value in summary.items() if key != "works"}
    data.update(
        {
            "works": with_author_links(store, shown),
            "paging": paging,
            "filters": {
                "field": filters.field,
                "year": filters.year,
                "code": filters.code,
                "sort": filters.sort,
            },  # fmt: skip
            "coauthors": [
                {"id": f"author:{a}", "name": name, "shared_works": n} for a, name, n in coauthors
            ],
            "fields_over_time": fields_over_time(every),
            "novelty_distribution": novelty_distribution(every),
        }
    )
    return Researcher(convert(data, models.Author), summary, chosen)


def sort_works(works: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """``profile``: the profile's own order; otherwise by that figure, highest (newest)
    first, works without it last, ties in the profile's order."""
    if sort == "profile":
        return list(works)
    present = [w for w in works if w.get(sort) is not None]
    missing = [w for w in works if w.get(sort) is None]
    return sorted(present, key=lambda w: w[sort], reverse=True) + missing


def fields_over_time(works: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """{year: {field: works}} over the works with a year and a field."""
    table: dict[str, Counter[str]] = {}
    for work in works:
        if work["year"] and work["field"]:
            table.setdefault(str(work["year"]), Counter())[work["field"]] += 1
    return {year: dict(table[year]) for year in sorted(table)}


def novelty_distribution(works: list[dict[str, Any]]) -> list[dict[str, int]]:
    """Works per tenth of the novelty percentile (90–100 includes 100)."""
    bins = [{"from": 10 * i, "to": 10 * i + 10, "works": 0} for i in range(10)]
    for work in works:
        if work.get("novelty") is not None:
            bins[min(9, int(work["novelty"] // 10))]["works"] += 1
    return bins


def find_researchers(
    store: Store, query: str, page: int = 1, per_page: int = 50
) -> models.AuthorList:
    """People whose name holds every word of ``query`` (accents and case ignored), most
    works first, one page of them: the ``/authors`` page, its JSON twin and
    ``scholarscope authors --json``."""
    total = store.count_authors(folded_name(query)) if query else 0
    found = profile.find_authors(store, query, page * per_page) if query else []
    data = {"query": query, "paging": paging_block(page, per_page, total),
            "authors": found[(page - 1) * per_page :]}  # fmt: skip
    return convert(data, models.AuthorList)
