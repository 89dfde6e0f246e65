"""Reads of works: their source records, keys, citations, facets and authorships, and
the counts of ``stats``, for the pages, the JSON API and the pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scholarscope.records import Work
from scholarscope.store.codec import work_from_json
from scholarscope.store.database import Database


class WorkReads(Database):
    """Read-only queries of works, run through ``self.query`` and ``self._query_in`` of
    ``Database``."""

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables, for ``stats``."""
        tables = ("work", "work_record", "work_key", "citation", "author", "authorship")
        result = {table: int(self.query(f"SELECT COUNT(*) FROM {table}")[0][0]) for table in tables}
        result["stated_metrics"] = int(self.query("SELECT COUNT(*) FROM stated_metrics")[0][0])
        return result

    def records_by_source(self) -> dict[str, int]:
        rows = self.query(
            "SELECT source, COUNT(*) FROM work_record GROUP BY source ORDER BY source"
        )
        return {source: int(n) for source, n in rows}

    def work_ids(self) -> list[int]:
        """Every stored work's id, in ascending order."""
        return [int(row[0]) for row in self.query("SELECT work_id FROM work ORDER BY work_id")]

    def work_records(
        self, work_ids: Sequence[int], max_authors: int | None = None
    ) -> dict[int, list[tuple[str, int, Work]]]:
        """For each work: (origin, seq, Work) per source record (``max_authors``: see
        ``codec.work_from_json``)."""
        result: dict[int, list[tuple[str, int, Work]]] = {}
        rows = self._query_in(
            "SELECT work_id, origin, seq, record FROM work_record WHERE work_id IN ({marks}) "
            "ORDER BY work_id, source",
            work_ids,
        )
        for work_id, origin, seq, record in rows:
            work = work_from_json(record, origin, max_authors)
            result.setdefault(work_id, []).append((origin, seq, work))
        return result

    def record_origins(self, work_ids: Sequence[int]) -> dict[int, list[tuple[str, int]]]:
        """For each work: (origin, seq) per source record, as ``work_records`` orders them."""
        result: dict[int, list[tuple[str, int]]] = {}
        rows = self._query_in(
            "SELECT work_id, origin, seq FROM work_record WHERE work_id IN ({marks}) "
            "ORDER BY work_id, source",
            work_ids,
        )
        for work_id, origin, seq in rows:
            result.setdefault(work_id, []).append((origin, seq))
        return result

    def source_record_origins(self, work_ids: Sequence[int], source: str) -> dict[int, set[str]]:
        """For each work, the origins (file:position) of its records from ``source``:
        where that source's figures for the work were read."""
        result: dict[int, set[str]] = {}
        rows = self._query_in(
            "SELECT work_id, origin FROM work_record WHERE source = ? AND work_id IN ({marks})",
            work_ids,
            before=(source,),
        )
        for work_id, origin in rows:
            result.setdefault(work_id, set()).add(origin)
        return result

    def work_keys(self, work_ids: Sequence[int]) -> dict[int, list[str]]:
        result: dict[int, list[str]] = {}
        rows = self._query_in(
            "SELECT work_id, key FROM work_key WHERE work_id IN ({marks}) ORDER BY key", work_ids
        )
        for work_id, key in rows:
            result.setdefault(work_id, []).append(key)
        return result

    def titles_and_ids(self, work_ids: Sequence[int]) -> dict[int, tuple[str | None, list[str]]]:
        """Each stored work's title (from ``work_facet``) and its ids (keys other than the
        match keys of ``records.is_match_key``), sorted: what a link to the work shows,
        in one query."""
        result: dict[int, tuple[str | None, list[str]]] = {}
        rows = self._query_in(
            "SELECT w.work_id, f.title, k.key FROM work w "
            "LEFT JOIN work_facet f ON f.work_id = w.work_id "
            "LEFT JOIN work_key k ON k.work_id = w.work_id AND substr(k.key, 1, 6) <> 'title:' "
            "AND substr(k.key, 1, 9) <> 'abstract:' "
            "WHERE w.work_id IN ({marks}) ORDER BY w.work_id, k.key",
            work_ids,
        )
        for work_id, title, key in rows:
            _, keys = result.setdefault(int(work_id), (title, []))
            if key is not None:
                keys.append(key)
        return result

    def latest_citations(self, work_ids: Sequence[int]) -> dict[int, list[tuple[Any, ...]]]:
        """For each work, the newest figure of each source: (source, as_of, count, by_year)."""
        result: dict[int, list[tuple[Any, ...]]] = {}
        rows = self._query_in(
            "SELECT c.work_id, c.source, c.as_of, c.count, c.by_year FROM citation c "
            "WHERE c.work_id IN ({marks}) AND c.as_of = (SELECT MAX(d.as_of) FROM citation d "
            "WHERE d.work_id = c.work_id AND d.source = c.source) ORDER BY c.work_id, c.source",
            work_ids,
        )
        for work_id, source, as_of, count, by_year in rows:
            result.setdefault(work_id, []).append((source, as_of, count, by_year))
        return result

    def work_exists(self, work_id: int) -> bool:
        return bool(self.query("SELECT 1 FROM work WHERE work_id = ?", (work_id,)))

    def field_counts(self) -> list[tuple[str, int]]:
        """(field, works) over every work that has a field, most works first."""
        rows = self.query(
            "SELECT field, COUNT(*) FROM work_facet WHERE field IS NOT NULL "
            "GROUP BY field ORDER BY COUNT(*) DESC, field"
        )
        return [(field, int(n)) for field, n in rows]

    def arxiv_ids_without_title(self) -> list[str]:
        """The arXiv ids (``arxiv:…``) of the works no record gives a title: works known
        only by an arXiv feed's abstract and id, for ``hydrate``."""
        rows = self.query(
            "SELECT k.key FROM work_key k JOIN work_facet f ON f.work_id = k.work_id "
            "WHERE f.title IS NULL AND substr(k.key, 1, 6) = 'arxiv:' ORDER BY k.key"
        )
        return [str(row[0]) for row in rows]

    def work_facets(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Each work's row of ``work_facet`` (title, field, year, code, venue …)."""
        columns = "work_id, title, field_category, field, year, date, code, venue"
        names = [c.strip() for c in columns.split(",")]
        rows = self._query_in(
            f"SELECT {columns} FROM work_facet WHERE work_id IN ({{marks}})", work_ids
        )
        return {int(row[0]): dict(zip(names, row, strict=True)) for row in rows}

    def authorship_rows(
        self, work_ids: Sequence[int], first: int | None = None
    ) -> list[tuple[int, str, int | None, int]]:
        """(work_id, source, position, author_id) of every authorship of the works, or
        of each source's ``first`` authors with a position (positions may skip numbers:
        a source's unnamed author is left out).

        For ``first``, each record's cut-off position (its ``first``-th) is found once,
        then only the authorships up to it are read: numbering every authorship instead
        (a window function) cost 3.2 ms for one work with 3,302 authors, and 1.2 ms for
        a list of 50 ordinary works (0.3 and 0.7 now). ``MATERIALIZED``: otherwise
        SQLite inlines the cut-offs and looks one up for every authorship."""
        if first is None:
            rows = self._query_in(
                "SELECT work_id, source, position, author_id FROM authorship "
                "WHERE work_id IN ({marks}) ORDER BY work_id, source, position",
                work_ids,
            )
        else:
            rows = self._query_in(
                "WITH record AS (SELECT DISTINCT work_id, source FROM work_record "
                "  WHERE work_id IN ({marks})), "
                "cut AS MATERIALIZED (SELECT r.work_id, r.source, ("
                "  SELECT b.position FROM authorship b WHERE b.work_id = r.work_id "
                "  AND b.source = r.source AND b.position IS NOT NULL "
                "  ORDER BY b.position LIMIT 1 OFFSET ? - 1) AS last FROM record r) "
                "SELECT a.work_id, a.source, a.position, a.author_id FROM cut c "
                "JOIN authorship a ON a.work_id = c.work_id AND a.source = c.source "
                "WHERE a.position IS NOT NULL AND (c.last IS NULL OR a.position <= c.last) "
                "ORDER BY a.work_id, a.source, a.position",
                work_ids,
                after=(first,),
            )
        return [(int(w), source, position, int(a)) for w, source, position, a in rows]

    def latest_citation_counts(self, work_ids: Sequence[int]) -> list[tuple[int, str, int]]:
        """(work_id, source, count): the newest figure of each source for each work."""
        rows = self._query_in(
            "SELECT c.work_id, c.source, c.count FROM citation c "
            "WHERE c.work_id IN ({marks}) AND c.as_of = (SELECT MAX(d.as_of) FROM citation d "
            "WHERE d.work_id = c.work_id AND d.source = c.source)",
            work_ids,
        )
        return [(int(w), source, int(count)) for w, source, count in rows]

    def record_provenance(self, work_id: int) -> list[tuple[str, str, str, str]]:
        """(source, record_key, origin, ingested_at) of each source record of a work."""
        return self.query(
            "SELECT source, record_key, origin, ingested_at FROM work_record "
            "WHERE work_id = ? ORDER BY source, record_key",
            (work_id,),
        )

    def unindexed_work_count(self) -> int:
        """Works with source records but no ``work_facet`` row (0 unless m004's triggers
        were bypassed): the server warns when there are any."""
        rows = self.query(
            "SELECT COUNT(DISTINCT r.work_id) FROM work_record r "
            "LEFT JOIN work_facet f ON f.work_id = r.work_id WHERE f.work_id IS NULL"
        )
        return int(rows[0][0])
