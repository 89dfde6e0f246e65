"""Reads of authors: finding one by name or key, their works, names, co-authors and
stated figures, for profiles (``profile.py``, ``researcher.py``), the web pages,
leaderboards and search.

``coauthors`` numbers its placeholders (``?1``, ``?2``), SQLite's way of using one
parameter twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scholarscope.store.database import Database


class AuthorReads(Database):
    """Read-only queries of authors, run through ``self.query``, ``self._query_in`` and
    (for named columns) ``self.connection`` of ``Database``."""

    def find_authors(self, folded_query: str, limit: int = 50) -> list[tuple[Any, ...]]:
        """Authors whose folded name contains every word of the query, most works first:
        (author_id, name, number of works)."""
        words = folded_query.split()
        if not words:
            return []
        where = " AND ".join("a.folded_name LIKE ?" for _ in words)
        return self.query(
            "SELECT a.author_id, a.name, COUNT(DISTINCT s.work_id) AS works FROM author a "
            f"LEFT JOIN authorship s ON s.author_id = a.author_id WHERE {where} "
            "GROUP BY a.author_id, a.name ORDER BY works DESC, a.author_id LIMIT ?",
            (*[f"%{w}%" for w in words], limit),
        )

    def find_authors_by_surname(self, surname: str, limit: int = 200) -> list[tuple[Any, ...]]:
        """Authors whose folded name ends with the word ``surname``, most works first:
        (author_id, name, number of works)."""
        return self.query(
            "SELECT a.author_id, a.name, COUNT(DISTINCT s.work_id) AS works FROM author a "
            "LEFT JOIN authorship s ON s.author_id = a.author_id "
            "WHERE a.folded_name = ? OR a.folded_name LIKE ? "
            "GROUP BY a.author_id, a.name ORDER BY works DESC, a.author_id LIMIT ?",
            (surname, f"% {surname}", limit),
        )

    def author_by_key(self, key: str) -> int | None:
        rows = self.query("SELECT author_id FROM author_key WHERE key = ?", (key,))
        return int(rows[0][0]) if rows else None

    def author_row(self, author_id: int) -> tuple[int, str] | None:
        rows = self.query("SELECT author_id, name FROM author WHERE author_id = ?", (author_id,))
        return rows[0] if rows else None

    def author_work_ids(self, author_id: int) -> list[int]:
        rows = self.query(
            "SELECT DISTINCT work_id FROM authorship WHERE author_id = ? ORDER BY work_id",
            (author_id,),
        )
        return [int(row[0]) for row in rows]

    def prolific_authors(self, limit: int) -> list[tuple[int, str, int]]:
        """The people with the most works, most first (then by id): (author_id, name,
        works)."""
        rows = self.query(
            "SELECT a.author_id, a.name, c.works FROM (SELECT author_id, "
            "COUNT(DISTINCT work_id) AS works FROM authorship GROUP BY author_id "
            "ORDER BY works DESC, author_id LIMIT ?) c JOIN author a ON a.author_id = c.author_id "
            "ORDER BY c.works DESC, a.author_id",
            (limit,),
        )
        return [(int(a), str(name), int(n)) for a, name, n in rows]

    def stated_metrics(self, author_id: int) -> list[dict[str, Any]]:
        """The figures each source states about an author today: the latest dated row
        of each (source, origin)."""
        return self._stated_rows(
            "WHERE s.author_id = ? AND s.as_of = (SELECT MAX(d.as_of) FROM stated_metrics d "
            "WHERE d.author_id = s.author_id AND d.source = s.source AND d.origin = s.origin) "
            "ORDER BY s.source, s.origin",
            author_id,
        )

    def stated_history(self, author_id: int) -> list[dict[str, Any]]:
        """Every dated row of the figures sources state about an author (each fetch of a
        later snapshot adds one), by source, origin and date."""
        return self._stated_rows(
            "WHERE s.author_id = ? ORDER BY s.source, s.origin, s.as_of", author_id
        )

    def _stated_rows(self, where: str, author_id: int) -> list[dict[str, Any]]:
        names = ("source", "origin", "as_of", "field", "h_index", "i10_index", "papers",
                 "citations", "novelty", "ai_score")  # fmt: skip
        rows = self.query(
            f"SELECT {', '.join('s.' + n for n in names)} FROM stated_metrics s {where}",
            (author_id,),
        )
        return [dict(zip(names, row, strict=True)) for row in rows]

    def author_folded_names(self, author_ids: Sequence[int]) -> dict[int, str]:
        rows = self._query_in(
            "SELECT author_id, folded_name FROM author WHERE author_id IN ({marks})", author_ids
        )
        return {int(author_id): folded for author_id, folded in rows}

    def author_names(self, author_ids: Sequence[int]) -> dict[int, str]:
        rows = self._query_in(
            "SELECT author_id, name FROM author WHERE author_id IN ({marks})", author_ids
        )
        return {int(author_id): name for author_id, name in rows}

    def count_authors(self, folded_query: str) -> int:
        """How many authors ``find_authors`` would list without a limit."""
        words = folded_query.split()
        if not words:
            return 0
        where = " AND ".join("folded_name LIKE ?" for _ in words)
        rows = self.query(f"SELECT COUNT(*) FROM author WHERE {where}", [f"%{w}%" for w in words])
        return int(rows[0][0])

    def coauthors(self, author_id: int, limit: int = 10) -> list[tuple[int, str, int]]:
        """The people an author shares most works with: (author_id, name, shared works),
        most shared first; among equals, the closer collaborators first: each shared
        work counts 1 / (its authors - 1), so a paper of three binds more than one of
        3,000 (Newman's collaboration weight), then by id. Names are looked up for the
        ``limit`` shown only: a co-author of a 3,303-author report has 3,302 others."""
        return self.query(
            "WITH mine AS (SELECT DISTINCT work_id FROM authorship WHERE author_id = ?1), "
            "team AS MATERIALIZED (SELECT m.work_id, (SELECT COUNT(DISTINCT t.author_id) "
            "  FROM authorship t WHERE t.work_id = m.work_id) AS size FROM mine m), "
            "pair AS (SELECT DISTINCT o.work_id, o.author_id, t.size FROM team t "
            "  JOIN authorship o ON o.work_id = t.work_id WHERE o.author_id <> ?1), "
            "shared AS (SELECT author_id, COUNT(*) AS n, "
            "  ROUND(SUM(1.0 / (size - 1)), 9) AS closeness FROM pair GROUP BY author_id) "
            "SELECT s.author_id, a.name, s.n FROM ("
            "  SELECT * FROM shared ORDER BY n DESC, closeness DESC, author_id LIMIT ?2) s "
            "JOIN author a ON a.author_id = s.author_id "
            "ORDER BY s.n DESC, s.closeness DESC, s.author_id",
            (author_id, limit),
        )

    def field_author_works(
        self, field: str, min_papers: int
    ) -> list[tuple[int, str, int, str | None, str | None, str | None]]:
        """For every author with at least ``min_papers`` works, one of them in ``field``:
        (author_id, name, work_id, field_category, field, date) per work of theirs."""
        return self.query(
            "WITH candidate AS (SELECT DISTINCT s.author_id FROM authorship s "
            "  JOIN work_facet f ON f.work_id = s.work_id WHERE f.field = ?), "
            "counted AS (SELECT s.author_id FROM authorship s "
            "  JOIN candidate c ON c.author_id = s.author_id "
            "  GROUP BY s.author_id HAVING COUNT(DISTINCT s.work_id) >= ?) "
            "SELECT DISTINCT a.author_id, a.name, s.work_id, f.field_category, f.field, f.date "
            "FROM counted c JOIN author a ON a.author_id = c.author_id "
            "JOIN authorship s ON s.author_id = c.author_id "
            "LEFT JOIN work_facet f ON f.work_id = s.work_id "
            "ORDER BY a.author_id, s.work_id",
            (field, min_papers),
        )
