"""Full-text search on PostgreSQL: the queries of ``search.py`` over the ``tsvector``
column of ``work_facet`` (migration m004's PostgreSQL text) instead of FTS5.

The query the search layer builds is FTS5's (``search.fts_query``): quoted words and
phrases, all required, or joined by ``OR``. Here each quoted phrase becomes
``phraseto_tsquery('scholarscope_english', …)`` and they are joined by ``&&`` or
``||``: English stemming and no stopwords, as FTS5's porter tokenizer (m017). Ranking
is ``ts_rank`` with a title (weight A) worth four times the abstract (weight B), as
FTS5's ``bm25(work_search, 4.0, 1.0)`` weighs them; the two rank functions differ, so
the order is close to SQLite's, not the same. Snippets are ``ts_headline`` over the
abstract, the matched words between \\x02 and \\x03 as FTS5's ``snippet`` marks them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from scholarscope.store.migrations_postgres import TEXT_SEARCH
from scholarscope.store.search import SearchQueries

_PHRASE = re.compile(r'"([^"]*)"')
# ts_rank's weights for D, C, B, A: A (title) four times B (abstract)
_WEIGHTS = "'{0.0, 0.0, 0.25, 1.0}'"
_HEADLINE = (
    "StartSel=\x02, StopSel=\x03, MaxWords=32, MinWords=12, ShortWord=0, "
    "MaxFragments=1, FragmentDelimiter=…"
)


def tsquery(match: str) -> tuple[str, list[str]]:
    """The ``tsquery`` SQL of an FTS5 query made by ``search.fts_query``, and its values.

    >>> sql, values = tsquery('"face" "domain generalization"')
    >>> sql
    "(phraseto_tsquery('scholarscope_english', ?) && phraseto_tsquery('scholarscope_english', ?))"
    >>> values
    ['face', 'domain generalization']
    """
    phrases = _PHRASE.findall(match)
    joiner = " || " if '" OR "' in match else " && "
    parts = [f"phraseto_tsquery('{TEXT_SEARCH}', ?)"] * len(phrases)
    return "(" + joiner.join(parts or ["''::tsquery"]) + ")", phrases


class PostgresSearchQueries(SearchQueries):
    """``search.SearchQueries``'s methods, in PostgreSQL's SQL (``PostgresStore`` puts
    this class before the SQLite ones)."""

    VENUE_IS = "lower(f.venue) = lower(?)"
    RANK = f"ts_rank({_WEIGHTS}, f.search, m.q) DESC, f.work_id"
    WORK_ORDERS = {
        "relevance": RANK,
        "date": "f.date IS NULL, f.date DESC, f.work_id DESC",
    }

    def find_work_ids(
        self,
        match: str | None,
        *,
        field: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        code: bool | None = None,
        venue: str | None = None,
        order: str = "relevance",
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[int, list[int]]:
        where, params = self._facet_where(field, year_from, year_to, code, venue)
        first: list[str] = []
        if match is None:
            source = "work_facet f"
            order = "date"
        else:
            query, first = tsquery(match)
            source = f"work_facet f, (SELECT {query} AS q) m"
            where = f"f.search @@ m.q AND {where}"
        total = self.query(f"SELECT COUNT(*) FROM {source} WHERE {where}", (*first, *params))
        rows = self.query(
            f"SELECT f.work_id FROM {source} WHERE {where} "
            f"ORDER BY {self.WORK_ORDERS[order]} LIMIT ? OFFSET ?",
            (*first, *params, limit, offset),
        )
        return int(total[0][0]), [int(row[0]) for row in rows]

    def best_matching_work_ids(self, match: str, limit: int) -> list[int]:
        query, values = tsquery(match)
        rows = self.query(
            f"SELECT f.work_id FROM work_facet f, (SELECT {query} AS q) m "
            f"WHERE f.search @@ m.q ORDER BY {self.RANK} LIMIT ?",
            (*values, limit),
        )
        return [int(row[0]) for row in rows]

    def matching_work_ids(self, match: str, work_ids: Sequence[int]) -> set[int]:
        query, values = tsquery(match)
        rows = self._query_in(
            f"SELECT f.work_id FROM work_facet f WHERE f.search @@ {query} "
            "AND f.work_id IN ({marks})",
            work_ids,
            before=values,
        )
        return {int(row[0]) for row in rows}

    def search_snippets(self, match: str, work_ids: Sequence[int]) -> dict[int, str]:
        query, values = tsquery(match)
        rows: list[Any] = self._query_in(
            f"SELECT f.work_id, ts_headline('{TEXT_SEARCH}', left(f.abstract, 5000), {query}, ?) "
            "FROM work_facet f WHERE f.search @@ "
            f"{query} AND f.work_id IN ({{marks}})",
            work_ids,
            before=(*values, _HEADLINE, *values),
        )
        return {int(work_id): text for work_id, text in rows if text and "\x02" in text}

    def optimize_after_writes(self) -> None:
        """Bring the planner's statistics up to date (``ANALYZE``; a GIN index has no
        segments to merge, as FTS5's has). Autovacuum analyzes a table only after a while:
        right after a bulk load the planner guessed 933 rows for one author's
        authorships, chose a sequential scan of 353,000, and took 232 ms for a profile's
        co-authors (0.2 ms with statistics)."""
        self.execute("ANALYZE")
