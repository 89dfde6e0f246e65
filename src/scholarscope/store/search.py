"""Full-text search of works, behind the search page, the JSON API and
``scholarscope search``.

``work_facet`` (each work as shown, reduced to its filters) and the full-text index
``work_search`` over it are kept up to date by the triggers of migration m004. Most of
the SQL here is SQLite's own: the index is FTS5 (``MATCH``, ``bm25``, ``snippet``), and
the venue filter compares with ``COLLATE NOCASE``; PostgreSQL's is in
``search_postgres.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scholarscope.store.database import Database

OPTIMIZE_SEARCH_INDEX = "INSERT INTO work_search (work_search) VALUES ('optimize')"


class SearchQueries(Database):
    """Queries of the full-text index and the facet filters, run through ``self.query``,
    ``self._query_in`` and ``self.transaction`` of ``Database``."""

    WORK_ORDERS = {
        "relevance": "bm25(work_search, 4.0, 1.0), f.work_id",
        "date": "f.date IS NULL, f.date DESC, f.work_id DESC",
    }
    VENUE_IS = "f.venue = ? COLLATE NOCASE"  # the venue filter ignores case

    def _facet_where(
        self,
        field: str | None,
        year_from: int | None,
        year_to: int | None,
        code: bool | None,
        venue: str | None,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = ["1 = 1"]
        params: list[Any] = []
        if field is not None:
            clauses.append("f.field = ?")
            params.append(field)
        if year_from is not None:
            clauses.append("f.year >= ?")
            params.append(year_from)
        if year_to is not None:
            clauses.append("f.year <= ?")
            params.append(year_to)
        if code is not None:
            clauses.append("f.code = ?")
            params.append(int(code))
        if venue is not None:
            clauses.append(self.VENUE_IS)
            params.append(venue)
        return " AND ".join(clauses), params

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
        """Works whose title or abstract matches the FTS5 query ``match`` (every work
        when None) and the filters: (how many in all, the ids of one page)."""
        where, params = self._facet_where(field, year_from, year_to, code, venue)
        if match is None:
            source, first = "work_facet f", []
            order = "date"
        elif not params and order == "relevance":  # no filter: the index alone answers
            ranked = self.best_matching_work_ids(match, offset + limit)
            if len(ranked) < offset + limit:  # every match was read: no need to count
                return len(ranked), ranked[offset:]
            rows = self.query("SELECT COUNT(*) FROM work_search WHERE work_search MATCH ?", [match])
            return int(rows[0][0]), ranked[offset:]
        else:
            source = "work_search JOIN work_facet f ON f.work_id = work_search.rowid"
            where = f"work_search MATCH ? AND {where}"
            first = [match]
        total = self.query(f"SELECT COUNT(*) FROM {source} WHERE {where}", (*first, *params))
        rows = self.query(
            f"SELECT f.work_id FROM {source} WHERE {where} "
            f"ORDER BY {self.WORK_ORDERS[order]} LIMIT ? OFFSET ?",
            (*first, *params, limit, offset),
        )
        return int(total[0][0]), [int(row[0]) for row in rows]

    def optimize_after_writes(self) -> None:
        """Merge the full-text index into one segment: FTS5 adds a segment per write and
        merges only some of them as it goes, and a query reads every segment of each of
        its terms. Measured on the 60k arXiv corpus after ingest: 0.8 s; a search's
        snippets 1.5 -> 0.7 ms, its keyword ranking 1.3 -> 1.1 ms."""
        with self.transaction():
            self.execute(OPTIMIZE_SEARCH_INDEX)

    def best_matching_work_ids(self, match: str, limit: int) -> list[int]:
        """The ``limit`` works that match ``match`` best (BM25), without counting them all."""
        rows = self.query(
            "SELECT rowid FROM work_search WHERE work_search MATCH ? "
            "ORDER BY bm25(work_search, 4.0, 1.0), rowid LIMIT ?",
            (match, limit),
        )
        return [int(row[0]) for row in rows]

    def matching_work_ids(self, match: str, work_ids: Sequence[int]) -> set[int]:
        """Those of the works whose title or abstract matches the FTS5 query ``match``."""
        rows = self._query_in(
            "SELECT rowid FROM work_search WHERE work_search MATCH ? AND rowid IN ({marks})",
            work_ids,
            before=(match,),
        )
        return {int(row[0]) for row in rows}

    def search_snippets(self, match: str, work_ids: Sequence[int]) -> dict[int, str]:
        """The part of each work's abstract that matches, with the matched words between
        the characters \\x02 and \\x03 (the page turns them into highlights)."""
        rows = self._query_in(
            "SELECT rowid, snippet(work_search, 1, char(2), char(3), '…', 32) "
            "FROM work_search WHERE work_search MATCH ? AND rowid IN ({marks})",
            work_ids,
            before=(match,),
        )
        return {int(work_id): text for work_id, text in rows if text}
