"""What ingest looks up and writes: the ids already given, the keys and records
already stored, then works, keys, source records, citations, authors, authorships and
stated figures (``pipeline/ingest.py``), and the merge of two ids found to be one work.

Keys, records, citations, authorships and stated figures are upserts (``ON CONFLICT
… DO UPDATE`` or ``DO NOTHING``) on the tables' primary keys, so ingesting a file again
changes nothing; works and authors are plain inserts, as each gets a new id (``max_ids``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scholarscope.store.database import Database


class IngestWrites(Database):
    """The lookups and writes of ingest, run through ``self.query``, ``self._query_in``
    and ``self.execute``/``self.executemany`` of ``Database``, inside the caller's
    ``transaction()``."""

    def max_ids(self) -> tuple[int, int]:
        """The largest work_id and author_id ever given, merged-away ones included (0
        when empty): an id is never given twice, as an old one still leads somewhere."""
        row = self.query(
            "SELECT (SELECT COALESCE(MAX(work_id), 0) FROM work), "
            "(SELECT COALESCE(MAX(old_id), 0) FROM work_alias), "
            "(SELECT COALESCE(MAX(author_id), 0) FROM author), "
            "(SELECT COALESCE(MAX(old_id), 0) FROM author_alias)"
        )[0]
        return max(int(row[0]), int(row[1])), max(int(row[2]), int(row[3]))

    def find_work_keys(self, keys: Sequence[str]) -> dict[str, int]:
        rows = self._query_in("SELECT key, work_id FROM work_key WHERE key IN ({marks})", keys)
        return {key: work_id for key, work_id in rows}

    def find_record_hashes(self, source: str, record_keys: Sequence[str]) -> dict[str, str]:
        """The content hash of each of a source's record keys that is stored."""
        return self._record_column("record_hash", source, record_keys)

    def find_records(self, source: str, record_keys: Sequence[str]) -> dict[str, str]:
        """The stored record text of each of a source's record keys that is stored."""
        return self._record_column("record", source, record_keys)

    def _record_column(
        self, column: str, source: str, record_keys: Sequence[str]
    ) -> dict[str, str]:
        rows = self._query_in(
            f"SELECT record_key, {column} FROM work_record "
            "WHERE source = ? AND record_key IN ({marks})",
            record_keys,
            before=(source,),
        )
        return {key: value for key, value in rows}

    def find_author_keys(self, keys: Sequence[str]) -> dict[str, int]:
        rows = self._query_in("SELECT key, author_id FROM author_key WHERE key IN ({marks})", keys)
        return {key: author_id for key, author_id in rows}

    def author_keys_of(self, author_ids: Sequence[int]) -> dict[int, set[str]]:
        result: dict[int, set[str]] = {}
        rows = self._query_in(
            "SELECT author_id, key FROM author_key WHERE author_id IN ({marks})", author_ids
        )
        for author_id, key in rows:
            result.setdefault(author_id, set()).add(key)
        return result

    def work_authors(self, work_ids: Sequence[int]) -> dict[int, list[tuple[int, str, str]]]:
        """For each work, its (author_id, folded name, source) triples."""
        result: dict[int, list[tuple[int, str, str]]] = {}
        rows = self._query_in(
            "SELECT s.work_id, a.author_id, a.folded_name, s.source FROM authorship s "
            "JOIN author a ON a.author_id = s.author_id WHERE s.work_id IN ({marks})",
            work_ids,
        )
        for work_id, author_id, folded, source in rows:
            result.setdefault(work_id, []).append((author_id, folded, source))
        return result

    def insert_works(self, rows: Iterable[tuple[int, str]]) -> None:
        self.executemany("INSERT INTO work (work_id, created_at) VALUES (?, ?)", rows)

    def insert_work_keys(self, rows: Iterable[tuple[str, int]]) -> None:
        self.executemany(
            "INSERT INTO work_key (key, work_id) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", rows
        )

    def upsert_work_records(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """rows: (source, record_key, work_id, origin, seq, record_hash, record, ingested_at)."""
        self.executemany(
            "INSERT INTO work_record (source, record_key, work_id, origin, seq, record_hash, "
            "record, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (source, record_key) DO UPDATE SET work_id = excluded.work_id, "
            "origin = excluded.origin, seq = excluded.seq, record_hash = excluded.record_hash, "
            "record = excluded.record, ingested_at = excluded.ingested_at",
            rows,
        )

    def upsert_citations(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """rows: (work_id, source, as_of, count, by_year_json)."""
        self.executemany(
            "INSERT INTO citation (work_id, source, as_of, count, by_year) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (work_id, source, as_of) DO UPDATE SET count = excluded.count, "
            "by_year = excluded.by_year",
            rows,
        )

    def insert_authors(self, rows: Iterable[tuple[int, str, str]]) -> None:
        self.executemany("INSERT INTO author (author_id, name, folded_name) VALUES (?, ?, ?)", rows)

    def insert_author_keys(self, rows: Iterable[tuple[str, int]]) -> None:
        self.executemany(
            "INSERT INTO author_key (key, author_id) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            rows,
        )

    def upsert_authorships(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """rows: (work_id, author_id, source, position, name_as_written, affiliation, rule,
        evidence)."""
        self.executemany(
            "INSERT INTO authorship (work_id, author_id, source, position, name_as_written, "
            "affiliation, rule, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (work_id, author_id, source) DO UPDATE SET position = excluded.position, "
            "name_as_written = excluded.name_as_written, affiliation = excluded.affiliation, "
            "rule = excluded.rule, evidence = excluded.evidence",
            rows,
        )

    def upsert_stated_metrics(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """rows: (author_id, source, origin, as_of, field, h_index, i10_index, papers,
        citations, novelty, ai_score). Figures of another date are a new row (history)."""
        self.executemany(
            "INSERT INTO stated_metrics (author_id, source, origin, as_of, field, h_index, "
            "i10_index, papers, citations, novelty, ai_score) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (author_id, source, origin, as_of) DO UPDATE SET "
            "field = excluded.field, h_index = excluded.h_index, "
            "i10_index = excluded.i10_index, papers = excluded.papers, "
            "citations = excluded.citations, novelty = excluded.novelty, "
            "ai_score = excluded.ai_score",
            rows,
        )

    def merge_works(self, keep: int, drop: int) -> None:
        """Move everything of work ``drop`` onto work ``keep`` (two ids were found to be
        one work). Rows that would collide keep ``keep``'s version."""
        self._move_rows(
            "work_id",
            keep,
            drop,
            (
                ("work_key", None),
                ("work_record", None),
                ("citation", "source, as_of"),
                ("authorship", "author_id, source"),
                ("author_pin", "folded_name"),
            ),
        )
        self._merge_version_rows(keep, drop)
        for table in ("work_enrichment", "work_novelty", "work_score"):
            self.execute(f"DELETE FROM {table} WHERE work_id IN (?, ?)", (keep, drop))
        self.execute("UPDATE work_alias SET work_id = ? WHERE work_id = ?", (keep, drop))
        self.execute("INSERT INTO work_alias (old_id, work_id) VALUES (?, ?)", (drop, keep))
        self.execute("DELETE FROM work WHERE work_id = ?", (drop,))

    def _merge_version_rows(self, keep: int, drop: int) -> None:
        """``merge_works``: drop's version links become keep's (a link between the two
        goes: they are one work now); its group row goes, and a group it stood for is
        named by keep until the version stage regroups the kept work."""
        self.execute(
            "DELETE FROM work_version_link WHERE (work_id = ? AND other_id = ?) "
            "OR (work_id = ? AND other_id = ?)",
            (keep, drop, drop, keep),
        )
        for column, other in (("work_id", "other_id"), ("other_id", "work_id")):
            self.execute(
                f"DELETE FROM work_version_link WHERE {column} = ? AND {other} IN "
                f"(SELECT {other} FROM work_version_link WHERE {column} = ?)",
                (drop, keep),
            )
            self.execute(f"UPDATE work_version_link SET {column} = ? WHERE {column} = ?",
                         (keep, drop))  # fmt: skip
        self.execute("DELETE FROM work_version WHERE work_id = ?", (drop,))
        self.execute("UPDATE work_version SET primary_id = ? WHERE primary_id = ?", (keep, drop))
