"""The SQLite store: the only module that runs SQL.

All statements use ``?`` placeholders and the SQL subset SQLite and PostgreSQL share,
so a PostgreSQL store can reuse them by swapping the connection and the placeholder.
Writes happen inside ``transaction()``: a batch is committed whole or not at all.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scholarscope.records import Work
from scholarscope.store.codec import work_from_json

IN_CHUNK = 500  # keys per "IN (…)" query, well under any driver's parameter limit
READER_MMAP_BYTES = 1 << 40  # read-only connections map the file (SQLite caps it)
READER_STATEMENTS = 1024  # prepared statements a read-only connection keeps
# SQLite steps between a read-only connection's checks of its deadline (``time_limit``):
# every 10-30 µs of plain SQL; a check every 100 steps slowed a large join by 10%.
READER_PROGRESS_STEPS = 1000
OPTIMIZE_SEARCH_INDEX = "INSERT INTO work_search (work_search) VALUES ('optimize')"


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class QueryInterrupted(Exception):
    """A read ran past the deadline of its ``Store.time_limit`` and was stopped."""


class Store:
    """A scholarscope database. Create one with ``open_store``."""

    without_rowid = "WITHOUT ROWID"  # see migrations.py

    def __init__(self, connection: sqlite3.Connection, url: str, immutable: bool = False) -> None:
        self.connection = connection
        self.url = url
        # read as an immutable file (a database in a folder we may not write to): the
        # read-only connections of ``reader`` are opened the same way
        self.immutable = immutable

    # -- plumbing -------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.connection.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def _query_in(
        self,
        sql: str,
        values: Sequence[Any],
        before: Sequence[Any] = (),
        after: Sequence[Any] = (),
    ) -> list:
        """Run ``sql`` (which contains ``IN ({marks})``, with the parameters ``before``
        and ``after`` around it) over ``values`` in chunks."""
        rows: list[tuple[Any, ...]] = []
        unique = list(dict.fromkeys(values))
        for chunk in _chunks(unique):
            marks = ",".join("?" * len(chunk))
            rows.extend(self.query(sql.format(marks=marks), (*before, *chunk, *after)))
        return rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside is committed together, or rolled back on any exception
        (including KeyboardInterrupt)."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.connection.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk): rolling
            # back again would hide the real error behind "no transaction is active"
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees the database as the first one found it (one read
        transaction): a page's dozen queries never mix the states before and after a
        write another process commits meanwhile. Costs nothing measurable."""
        self.connection.execute("BEGIN")
        try:
            yield
        finally:
            if self.connection.in_transaction:  # an I/O error may have ended it
                self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()

    # -- lookups used while ingesting ---------------------------------------------

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

    # -- writes -----------------------------------------------------------------

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
        citations, novelty, ai_score)."""
        self.executemany(
            "INSERT INTO stated_metrics (author_id, source, origin, as_of, field, h_index, "
            "i10_index, papers, citations, novelty, ai_score) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (author_id, source, origin) DO UPDATE SET as_of = excluded.as_of, "
            "field = excluded.field, h_index = excluded.h_index, "
            "i10_index = excluded.i10_index, papers = excluded.papers, "
            "citations = excluded.citations, novelty = excluded.novelty, "
            "ai_score = excluded.ai_score",
            rows,
        )

    def merge_works(self, keep: int, drop: int) -> None:
        """Move everything of work ``drop`` onto work ``keep`` (two ids were found to be
        one work). Rows that would collide keep ``keep``'s version."""
        for table, key_columns in (
            ("work_key", None),
            ("work_record", None),
            ("citation", "source, as_of"),
            ("authorship", "author_id, source"),
            ("author_pin", "folded_name"),
        ):
            if key_columns:
                self.execute(
                    f"DELETE FROM {table} WHERE work_id = ? AND ({key_columns}) IN "
                    f"(SELECT {key_columns} FROM {table} WHERE work_id = ?)",
                    (drop, keep),
                )
            self.execute(f"UPDATE {table} SET work_id = ? WHERE work_id = ?", (keep, drop))
        self._merge_version_rows(keep, drop)
        for table in ("work_enrichment", "work_novelty", "work_score"):
            self.execute(f"DELETE FROM {table} WHERE work_id IN (?, ?)", (keep, drop))
        self.execute("UPDATE work_alias SET work_id = ? WHERE work_id = ?", (keep, drop))
        self.execute("INSERT INTO work_alias (old_id, work_id) VALUES (?, ?)", (drop, keep))
        self.execute("DELETE FROM work WHERE work_id = ?", (drop,))

    def merge_authors(self, keep: int, drop: int, merged_at: str) -> None:
        """Move everything of author ``drop`` onto author ``keep`` (two ids are one
        person); ``drop`` then leads to ``keep`` (``author_alias``). Rows that would
        collide keep ``keep``'s version."""
        for table, key_columns in (
            ("author_key", None),
            ("authorship", "work_id, source"),
            ("stated_metrics", "source, origin"),
            ("author_pin", None),
        ):
            if key_columns:
                self.execute(
                    f"DELETE FROM {table} WHERE author_id = ? AND ({key_columns}) IN "
                    f"(SELECT {key_columns} FROM {table} WHERE author_id = ?)",
                    (drop, keep),
                )
            self.execute(f"UPDATE {table} SET author_id = ? WHERE author_id = ?", (keep, drop))
        self.execute("UPDATE author_alias SET author_id = ? WHERE author_id = ?", (keep, drop))
        self.execute(
            "INSERT INTO author_alias (old_id, author_id, merged_at) VALUES (?, ?, ?)",
            (drop, keep, merged_at),
        )
        self.execute("DELETE FROM author WHERE author_id = ?", (drop,))

    # -- identity edits (pipeline/identity.py) --------------------------------------

    def author_pins(self, work_ids: Sequence[int]) -> dict[tuple[int, str], tuple[int, int]]:
        """(work_id, folded name) -> (author_id, edit_id) of the works' pins."""
        rows = self._query_in(
            "SELECT work_id, folded_name, author_id, edit_id FROM author_pin "
            "WHERE work_id IN ({marks})",
            work_ids,
        )
        return {(int(w), name): (int(a), int(e)) for w, name, a, e in rows}

    def add_identity_edit(
        self, kind: str, made_at: str, made_by: str, reason: str, undoes: int | None, detail: str
    ) -> int:
        """Append an edit to the log; returns its id."""
        edit_id = int(self.query("SELECT COALESCE(MAX(edit_id), 0) + 1 FROM identity_edit")[0][0])
        self.execute(
            "INSERT INTO identity_edit (edit_id, kind, made_at, made_by, reason, undoes, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (edit_id, kind, made_at, made_by, reason, undoes, detail),
        )
        return edit_id

    def identity_edits(self) -> list[tuple[int, str, str, str, str, int | None, str]]:
        """The whole edit log, oldest first: (edit_id, kind, made_at, made_by, reason,
        undoes, detail JSON)."""
        return self.query(
            "SELECT edit_id, kind, made_at, made_by, reason, undoes, detail FROM identity_edit "
            "ORDER BY edit_id"
        )

    def author_authorships(
        self, author_id: int, work_ids: Sequence[int] | None = None
    ) -> list[tuple[int, str, str, str | None, str | None]]:
        """(work_id, source, name_as_written, rule, evidence) of an author's authorships,
        of the given works only when ``work_ids`` is given."""
        if work_ids is None:
            return self.query(
                "SELECT work_id, source, name_as_written, rule, evidence FROM authorship "
                "WHERE author_id = ? ORDER BY work_id, source",
                (author_id,),
            )
        return self._query_in(
            "SELECT work_id, source, name_as_written, rule, evidence FROM authorship "
            "WHERE author_id = ? AND work_id IN ({marks}) ORDER BY work_id, source",
            work_ids,
            before=(author_id,),
        )

    def move_authorships(
        self, from_author: int, to_author: int, rows: Sequence[tuple[int, str, str, str]]
    ) -> None:
        """Move authorships (work_id, source, rule, evidence) of one author to another,
        each marked with the rule given; where the other already has that authorship, the
        moved one is dropped."""
        for work_id, source, rule, evidence in rows:
            self.execute(
                "DELETE FROM authorship WHERE author_id = ? AND work_id = ? AND source = ? "
                "AND EXISTS (SELECT 1 FROM authorship WHERE author_id = ? AND work_id = ? "
                "AND source = ?)",
                (from_author, work_id, source, to_author, work_id, source),
            )
            self.execute(
                "UPDATE authorship SET author_id = ?, rule = ?, evidence = ? "
                "WHERE author_id = ? AND work_id = ? AND source = ?",
                (to_author, rule, evidence, from_author, work_id, source),
            )

    def insert_pins(self, rows: Iterable[tuple[int, str, int, int]]) -> None:
        """rows: (work_id, folded name, author_id, edit_id); a later pin replaces one."""
        self.executemany(
            "INSERT INTO author_pin (work_id, folded_name, author_id, edit_id) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (work_id, folded_name) DO UPDATE SET "
            "author_id = excluded.author_id, edit_id = excluded.edit_id",
            rows,
        )

    def delete_pins(self, edit_id: int) -> None:
        self.execute("DELETE FROM author_pin WHERE edit_id = ?", (edit_id,))

    def unmerge_author(
        self,
        holder: int,
        author_id: int,
        name: str,
        folded: str,
        keys: Sequence[str],
        stated_origins: Sequence[tuple[str, str]],
        old_ids: Sequence[int],
        pins: Sequence[tuple[int, str]],
    ) -> None:
        """Undo of a merge: ``author_id`` is a person again, with its keys, the stated
        figures of those (source, origin)s, the old ids that led to it and its pins
        (work_id, folded name); its authorships are moved by the caller."""
        for work_id, pinned_name in pins:
            self.execute(
                "UPDATE author_pin SET author_id = ? WHERE work_id = ? AND folded_name = ? "
                "AND author_id = ?",
                (author_id, work_id, pinned_name, holder),
            )
        self.execute("DELETE FROM author_alias WHERE old_id = ?", (author_id,))
        self.execute(
            "INSERT INTO author (author_id, name, folded_name) VALUES (?, ?, ?)",
            (author_id, name, folded),
        )
        for key in keys:
            self.execute(
                "UPDATE author_key SET author_id = ? WHERE key = ? AND author_id = ?",
                (author_id, key, holder),
            )
        for source, origin in stated_origins:
            self.execute(
                "UPDATE stated_metrics SET author_id = ? WHERE author_id = ? AND source = ? "
                "AND origin = ?",
                (author_id, holder, source, origin),
            )
        for old_id in old_ids:
            self.execute(
                "UPDATE author_alias SET author_id = ? WHERE old_id = ? AND author_id = ?",
                (author_id, old_id, holder),
            )

    def alias_author(self, old_id: int, author_id: int, merged_at: str) -> None:
        """An author with nothing left (a split undone) leads to ``author_id`` from now on."""
        self.execute("DELETE FROM author WHERE author_id = ?", (old_id,))
        self.execute(
            "INSERT INTO author_alias (old_id, author_id, merged_at) VALUES (?, ?, ?)",
            (old_id, author_id, merged_at),
        )

    def author_pins_of(self, author_id: int) -> list[tuple[int, str]]:
        """(work_id, folded name) of the pins that name an author."""
        return self.query(
            "SELECT work_id, folded_name FROM author_pin WHERE author_id = ? ORDER BY 1, 2",
            (author_id,),
        )

    def authorships_full(self, author_id: int) -> list[tuple[Any, ...]]:
        """Every column of an author's authorships: (work_id, source, position,
        name_as_written, affiliation, rule, evidence)."""
        return self.query(
            "SELECT work_id, source, position, name_as_written, affiliation, rule, evidence "
            "FROM authorship WHERE author_id = ? ORDER BY work_id, source",
            (author_id,),
        )

    def all_author_names(self) -> list[tuple[int, str, str]]:
        """(author_id, name, folded name) of every author."""
        return self.query("SELECT author_id, name, folded_name FROM author ORDER BY author_id")

    def author_work_facts(
        self, author_ids: Sequence[int]
    ) -> list[tuple[int, int, str, int | None, str | None, str | None]]:
        """(author_id, work_id, source, year, field, venue) of the authors' authorships."""
        return self._query_in(
            "SELECT s.author_id, s.work_id, s.source, f.year, f.field, f.venue "
            "FROM authorship s LEFT JOIN work_facet f ON f.work_id = s.work_id "
            "WHERE s.author_id IN ({marks})",
            author_ids,
        )

    def coauthor_names(self, author_ids: Sequence[int], max_team: int = 50) -> dict[int, set[str]]:
        """The folded names of each author's co-authors, over works of at most
        ``max_team`` authors (a name shared on a 3,000-author report says nothing)."""
        rows = self._query_in(
            "WITH mine AS (SELECT DISTINCT author_id, work_id FROM authorship "
            "  WHERE author_id IN ({marks})), "
            "team AS (SELECT m.author_id, m.work_id FROM mine m WHERE (SELECT COUNT(*) "
            "  FROM authorship t WHERE t.work_id = m.work_id) <= ?) "
            "SELECT DISTINCT t.author_id, a.folded_name FROM team t "
            "JOIN authorship o ON o.work_id = t.work_id AND o.author_id <> t.author_id "
            "JOIN author a ON a.author_id = o.author_id",
            author_ids,
            after=(max_team,),
        )
        result: dict[int, set[str]] = {}
        for author_id, name in rows:
            result.setdefault(int(author_id), set()).add(name)
        return result

    def stated_origins(self, author_id: int) -> list[tuple[str, str]]:
        return self.query(
            "SELECT source, origin FROM stated_metrics WHERE author_id = ? ORDER BY 1, 2",
            (author_id,),
        )

    def author_aliases(self, author_id: int) -> list[int]:
        """The old ids that lead to an author."""
        rows = self.query(
            "SELECT old_id FROM author_alias WHERE author_id = ? ORDER BY old_id", (author_id,)
        )
        return [int(row[0]) for row in rows]

    def merged_into(self, kind: str, old_id: int) -> int | None:
        """The id an old ``kind`` ("work" or "author") id was merged into, or None."""
        table = {"work": "work_alias", "author": "author_alias"}[kind]
        column = f"{kind}_id"
        rows = self.query(f"SELECT {column} FROM {table} WHERE old_id = ?", (old_id,))
        return int(rows[0][0]) if rows else None

    ENRICHMENT_COLUMNS = (
        "work_id, enriched_at, field_category, field_badge, field_confidence, field_model, "
        "code_state, code_url, code_urls, code_evidence, venue, venue_year, venue_status, "
        "venue_workshop, venue_presentation, pages, figures, tables_count, venue_doi, "
        "venue_text, venue_parsed, venue_workshop_name"
    )

    def upsert_enrichments(self, rows: Iterable[Sequence[Any]]) -> None:
        """rows: one value per column of ``ENRICHMENT_COLUMNS``, in that order."""
        self._upsert("work_enrichment", self.ENRICHMENT_COLUMNS, rows)

    def works_to_enrich(self, model_version: str, everything: bool = False) -> list[int]:
        """Works with no enrichment (never enriched, or a source record of theirs was
        stored since: see ``forget_enrichments``) or enriched by another field model
        (``everything``: all works)."""
        if everything:
            return [int(r[0]) for r in self.query("SELECT work_id FROM work ORDER BY work_id")]
        rows = self.query(
            "SELECT w.work_id FROM work w LEFT JOIN work_enrichment e ON e.work_id = w.work_id "
            "WHERE e.work_id IS NULL OR COALESCE(e.field_model, '') <> ? ORDER BY w.work_id",
            (model_version,),
        )
        return [int(row[0]) for row in rows]

    def forget_enrichments(self, work_ids: Sequence[int]) -> None:
        """Drop the enrichment of works whose records changed, so it is derived anew."""
        unique = list(dict.fromkeys(work_ids))
        for chunk in _chunks(unique):
            marks = ",".join("?" * len(chunk))
            self.execute(f"DELETE FROM work_enrichment WHERE work_id IN ({marks})", chunk)

    def enrichments(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The stored enrichment of each work that has one, as a dict of columns."""
        return self._rows_by_work("work_enrichment", self.ENRICHMENT_COLUMNS, work_ids)

    def enrichment_coverage(self) -> dict[str, int]:
        """Counts for ``stats``: how many works each enrichment covers."""
        row = self.query(
            "SELECT COUNT(*), "
            "SUM(CASE WHEN field_category IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN code_state = 'available' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN code_state = 'promised' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN venue_text IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN venue IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN venue_text IS NOT NULL AND venue_parsed = 0 THEN 1 ELSE 0 END) "
            "FROM work_enrichment"
        )[0]
        names = (
            "enriched",
            "field_predicted",
            "code_available",
            "code_promised",
            "with_comments",
            "venue_found",
            "comments_unparsed",
        )
        return {name: int(value or 0) for name, value in zip(names, row, strict=True)}

    # -- versions of one paper (versions.py; pipeline/versions.py) -------------------

    def same_title_works(self, titles: Sequence[tuple[int, str]]) -> list[tuple[int, int]]:
        """For each (work_id, ``title:<folded title>|`` prefix): (work_id, other) for every
        other work that holds a title key with that prefix, in any year (a key leads to
        the first work stored with it). One index range read per work; a work holding
        its own title keys only gives no row."""
        rows: list[tuple[int, int]] = []
        for chunk in _chunks(list(dict.fromkeys(titles))):
            values = ", ".join(["(?, ?, ?)"] * len(chunk))
            bounds = [x for work_id, prefix in chunk for x in (work_id, prefix, prefix + "~")]
            rows.extend(
                self.query(
                    f"WITH p (work_id, low, high) AS (VALUES {values}) SELECT p.work_id, "
                    "k.work_id FROM p JOIN work_key k ON k.key > p.low AND k.key < p.high "
                    "AND k.work_id <> p.work_id",
                    bounds,
                )
            )
        return [(int(work_id), int(other)) for work_id, other in rows]

    def version_features(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """What the version rules read of each work: its shown title, year, date, venue
        and abstract (``work_facet``), its keys, its authors' folded names and its
        records' sources."""
        found: dict[int, dict[str, Any]] = {}
        for work_id in work_ids:
            found[work_id] = {"title": None, "year": None, "date": None, "venue": None,
                              "abstract": None, "keys": [], "names": [], "sources": []}  # fmt: skip
        columns = ("title", "year", "date", "venue", "abstract")
        for row in self._query_in(
            f"SELECT work_id, {', '.join(columns)} FROM work_facet WHERE work_id IN ({{marks}})",
            work_ids,
        ):
            found[int(row[0])].update(zip(columns, row[1:], strict=True))
        for work_id, key in self._query_in(
            "SELECT work_id, key FROM work_key WHERE work_id IN ({marks}) ORDER BY key", work_ids
        ):
            found[int(work_id)]["keys"].append(key)
        for work_id, name in self._query_in(
            "SELECT DISTINCT s.work_id, a.folded_name FROM authorship s "
            "JOIN author a ON a.author_id = s.author_id WHERE s.work_id IN ({marks})",
            work_ids,
        ):
            found[int(work_id)]["names"].append(name)
        for work_id, source in self._query_in(
            "SELECT DISTINCT work_id, source FROM work_record WHERE work_id IN ({marks}) "
            "ORDER BY work_id, source",
            work_ids,
        ):
            found[int(work_id)]["sources"].append(source)
        return found

    def version_links_of(self, work_ids: Sequence[int]) -> list[tuple[int, int, str, float, str]]:
        """(work_id, other_id, rule, confidence, evidence) of every link of the works."""
        rows = self._query_in(
            "SELECT work_id, other_id, rule, confidence, evidence FROM work_version_link "
            "WHERE work_id IN ({marks}) ORDER BY work_id, other_id",
            work_ids,
        )
        return [(int(w), int(o), rule, float(c), evidence) for w, o, rule, c, evidence in rows]

    def replace_version_links(
        self, work_ids: Sequence[int], rows: Sequence[tuple[int, int, str, float, str]], at: str
    ) -> None:
        """Every link of the works becomes ``rows`` (work_id, other_id, rule, confidence,
        evidence), each stored both ways round."""
        for column in ("work_id", "other_id"):
            for chunk in _chunks(list(dict.fromkeys(work_ids))):
                marks = ",".join("?" * len(chunk))
                self.execute(f"DELETE FROM work_version_link WHERE {column} IN ({marks})", chunk)
        both = {(a, b): row for a, b, *row in rows} | {(b, a): row for a, b, *row in rows}
        self.executemany(
            "INSERT INTO work_version_link (work_id, other_id, rule, confidence, evidence, "
            "linked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (work_id, other_id) DO UPDATE "
            "SET rule = excluded.rule, confidence = excluded.confidence, "
            "evidence = excluded.evidence, linked_at = excluded.linked_at",
            [(a, b, *row, at) for (a, b), row in sorted(both.items())],
        )

    def version_groups_of(self, work_ids: Sequence[int]) -> dict[int, int]:
        """The primary version of each of the works that is in a version group."""
        rows = self._query_in(
            "SELECT work_id, primary_id FROM work_version WHERE work_id IN ({marks})", work_ids
        )
        return {int(w): int(p) for w, p in rows}

    def version_group_members(self, primary_ids: Sequence[int]) -> dict[int, list[int]]:
        """The works of each version group, by its primary version."""
        members: dict[int, list[int]] = {}
        for work_id, primary_id in self._query_in(
            "SELECT work_id, primary_id FROM work_version WHERE primary_id IN ({marks}) "
            "ORDER BY work_id",
            primary_ids,
        ):
            members.setdefault(int(primary_id), []).append(int(work_id))
        return members

    def replace_version_groups(
        self, work_ids: Sequence[int], rows: Iterable[tuple[int, int]]
    ) -> None:
        """The works' version groups become ``rows`` (work_id, primary_id); a work of
        ``work_ids`` without a row is in no group."""
        for chunk in _chunks(list(dict.fromkeys(work_ids))):
            marks = ",".join("?" * len(chunk))
            self.execute(f"DELETE FROM work_version WHERE work_id IN ({marks})", chunk)
        self.executemany("INSERT INTO work_version (work_id, primary_id) VALUES (?, ?)", rows)

    def version_group_map(self) -> dict[int, int]:
        """Every grouped work's primary version (novelty never compares the two)."""
        rows = self.query("SELECT work_id, primary_id FROM work_version ORDER BY work_id")
        return {int(w): int(p) for w, p in rows}

    def version_link_rows(self) -> list[tuple[int, int, str, float, str]]:
        """Every link once (work_id < other_id), for benchmarks and exports."""
        rows = self.query(
            "SELECT work_id, other_id, rule, confidence, evidence FROM work_version_link "
            "WHERE work_id < other_id ORDER BY work_id, other_id"
        )
        return [(int(w), int(o), rule, float(c), evidence) for w, o, rule, c, evidence in rows]

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

    # -- embeddings, novelty, scores ------------------------------------------------

    def embedded_hashes(self, model: str) -> set[str]:
        """Content hashes that already have a vector from ``model``."""
        rows = self.query("SELECT content_hash FROM embedding WHERE model = ?", (model,))
        return {row[0] for row in rows}

    def insert_embeddings(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """rows: (content_hash, model, float32 bytes); a vector already stored is kept."""
        self.executemany(
            "INSERT INTO embedding (content_hash, model, vector) VALUES (?, ?, ?) "
            "ON CONFLICT (content_hash, model) DO NOTHING",
            rows,
        )

    def embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, bytes]:
        """The stored vector bytes of each content hash that has one."""
        rows = self._query_in(
            "SELECT content_hash, vector FROM embedding WHERE model = ? "
            "AND content_hash IN ({marks})",
            hashes,
            before=(model,),
        )
        return {content_hash: bytes(vector) for content_hash, vector in rows}

    NOVELTY_COLUMNS = (
        "work_id, model, content_hash, novelty_date, earlier_works, neighbours, novelty_raw, "
        "reason, cohort, novelty_percentile, computed_at"
    )

    def novelty_inputs(self) -> dict[int, dict[str, Any]]:
        """What each stored novelty was computed from: work_id -> {model, content_hash,
        novelty_date, earlier_works, neighbours (JSON)}."""
        columns = "work_id, model, content_hash, novelty_date, earlier_works, neighbours"
        return self._rows_by_work_all("work_novelty", columns)

    def upsert_novelty(self, rows: Iterable[Sequence[Any]]) -> None:
        """rows: one value per column of ``NOVELTY_COLUMNS``, in that order."""
        self._upsert("work_novelty", self.NOVELTY_COLUMNS, rows)

    def delete_novelty(self, work_ids: Sequence[int]) -> None:
        for chunk in _chunks(list(dict.fromkeys(work_ids))):
            marks = ",".join("?" * len(chunk))
            self.execute(f"DELETE FROM work_novelty WHERE work_id IN ({marks})", chunk)

    def novelty_raw_values(self) -> list[tuple[int, float | None, str | None]]:
        """(work_id, novelty_raw, cohort) of every work with a stored novelty."""
        rows = self.query("SELECT work_id, novelty_raw, cohort FROM work_novelty ORDER BY work_id")
        return [(int(w), raw, cohort) for w, raw, cohort in rows]

    def set_novelty_percentiles(
        self, rows: Iterable[tuple[str | None, float | None, str | None, int]]
    ) -> None:
        """rows: (cohort, percentile, reason there is none, work_id)."""
        self.executemany(
            "UPDATE work_novelty SET cohort = ?, novelty_percentile = ?, reason = ? "
            "WHERE work_id = ?",
            rows,
        )

    def novelty(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The stored novelty of each work that has one, as a dict of columns."""
        return self._rows_by_work("work_novelty", self.NOVELTY_COLUMNS, work_ids)

    SCORE_COLUMNS = "work_id, ai_score, breakdown, computed_at"

    def replace_scores(self, rows: Iterable[Sequence[Any]]) -> None:
        """Replace every stored AI Score (they are recomputed together: each depends on
        its cohort). rows: one value per column of ``SCORE_COLUMNS``."""
        self.execute("DELETE FROM work_score")
        self._upsert("work_score", self.SCORE_COLUMNS, rows)

    def scores(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return self._rows_by_work("work_score", self.SCORE_COLUMNS, work_ids)

    def score_coverage(self) -> dict[str, int]:
        """Counts for ``stats``: embedded texts, works with novelty, works scored."""
        return {
            "embeddings": int(self.query("SELECT COUNT(*) FROM embedding")[0][0]),
            "novelty_computed": int(
                self.query("SELECT COUNT(*) FROM work_novelty WHERE novelty_raw IS NOT NULL")[0][0]
            ),
            "novelty_too_early": int(
                self.query("SELECT COUNT(*) FROM work_novelty WHERE novelty_raw IS NULL")[0][0]
            ),
            "ai_scored": int(
                self.query("SELECT COUNT(*) FROM work_score WHERE ai_score IS NOT NULL")[0][0]
            ),
        }

    def _upsert(self, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
        names = [c.strip() for c in columns.split(",")]
        updates = ", ".join(f"{c} = excluded.{c}" for c in names[1:])
        self.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({names[0]}) DO UPDATE SET {updates}",
            rows,
        )

    def _rows_by_work_all(self, table: str, columns: str) -> dict[int, dict[str, Any]]:
        names = [c.strip() for c in columns.split(",")]
        rows = self.query(f"SELECT {columns} FROM {table}")
        return {int(row[0]): dict(zip(names, row, strict=True)) for row in rows}

    def _rows_by_work(
        self, table: str, columns: str, work_ids: Sequence[int]
    ) -> dict[int, dict[str, Any]]:
        names = [c.strip() for c in columns.split(",")]
        rows = self._query_in(
            f"SELECT {columns} FROM {table} WHERE work_id IN ({{marks}})", work_ids
        )
        return {row[0]: dict(zip(names, row, strict=True)) for row in rows}

    # -- reads ------------------------------------------------------------------

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

    def stated_metrics(self, author_id: int) -> list[dict[str, Any]]:
        cursor = self.connection.execute(
            "SELECT source, origin, as_of, field, h_index, i10_index, papers, citations, "
            "novelty, ai_score FROM stated_metrics WHERE author_id = ? ORDER BY source, origin",
            (author_id,),
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- web --------------------------------------------------------------------------
    # Read-only queries behind the web pages and the JSON API (``scholarscope.web``).
    # ``work_facet`` (each work as shown, reduced to its filters) and the full-text index
    # ``work_search`` over it are kept up to date by the triggers of migration m004.

    WORK_ORDERS = {
        "relevance": "bm25(work_search, 4.0, 1.0), f.work_id",
        "date": "f.date IS NULL, f.date DESC, f.work_id DESC",
    }

    def reader(self) -> Store:
        """A read-only connection to the same database file. A web server thread borrows
        one at a time, so the connection may move between threads, and runs the queries
        of one request under ``time_limit``."""
        path = self.query("PRAGMA database_list")[0][2]
        if not path:
            raise ValueError("an in-memory database cannot be opened a second time")
        flags = "mode=ro&immutable=1" if self.immutable else "mode=ro"
        connection = sqlite3.connect(
            f"{Path(path).as_uri()}?{flags}",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            # A page's queries keep their prepared statements: each "IN (?,…)" length
            # is its own statement, and a profile's dozen queries over 1-50 works
            # overflowed the default 128 (page CPU -3%).
            cached_statements=READER_STATEMENTS,
        )
        connection.execute("PRAGMA cache_size = -8192")
        # Pages are read straight from the OS's cache, mapped into memory, instead of
        # being copied by a read() call each (SQLite caps the size at its build's limit,
        # 2 GiB by default; pages past it are read as before). Measured on the 60k corpus:
        # a profile page's SQL 1.40 -> 0.93 ms. The price, as SQLite documents: a disk
        # error while reading, or the file cut short under us, stops the process
        # (SIGBUS) instead of failing the one query.
        connection.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
        return Store(connection, self.url, self.immutable)

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Every query run inside is stopped once ``seconds`` have passed since it was
        entered, and ``QueryInterrupted`` is raised: the web server gives each request
        a budget, so that no query (a search matching too much) holds a serving process.

        SQLite calls a progress handler every ``READER_PROGRESS_STEPS`` steps of a query
        and stops the query when it answers true. A step that is one long function call
        (FTS5's ``snippet()``) is not cut short: m007 bounds the text it reads.

        >>> store = open_sqlite(":memory:")
        >>> with store.time_limit(0.0):
        ...     store.query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
        ...                 "FROM n WHERE i < 100000) SELECT COUNT(*) FROM n")
        Traceback (most recent call last):
        ...
        scholarscope.store.sqlite.QueryInterrupted: the query ran past its time limit of 0.0 s
        """
        deadline = time.monotonic() + seconds
        stopped = False

        def past_deadline() -> bool:
            nonlocal stopped
            stopped = time.monotonic() >= deadline
            return stopped

        self.connection.set_progress_handler(past_deadline, READER_PROGRESS_STEPS)
        try:
            yield
        except sqlite3.OperationalError as error:
            if not stopped:  # another problem: not ours to rename
                raise
            raise QueryInterrupted(f"the query ran past its time limit of {seconds} s") from error
        finally:
            self.connection.set_progress_handler(None, 0)

    def database_files(self) -> list[Path]:
        """The database file and its write-ahead log: their sizes and times change on
        every commit, which is how the web server knows its caches are stale."""
        path = self.query("PRAGMA database_list")[0][2]
        return [Path(path), Path(path + "-wal")] if path else []

    def work_exists(self, work_id: int) -> bool:
        return bool(self.query("SELECT 1 FROM work WHERE work_id = ?", (work_id,)))

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
            clauses.append("f.venue = ? COLLATE NOCASE")
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

    def optimize_search_index(self) -> None:
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

    def field_counts(self) -> list[tuple[str, int]]:
        """(field, works) over every work that has a field, most works first."""
        rows = self.query(
            "SELECT field, COUNT(*) FROM work_facet WHERE field IS NOT NULL "
            "GROUP BY field ORDER BY COUNT(*) DESC, field"
        )
        return [(field, int(n)) for field, n in rows]

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

    def latest_citation_counts(self, work_ids: Sequence[int]) -> list[tuple[int, str, int]]:
        """(work_id, source, count): the newest figure of each source for each work."""
        rows = self._query_in(
            "SELECT c.work_id, c.source, c.count FROM citation c "
            "WHERE c.work_id IN ({marks}) AND c.as_of = (SELECT MAX(d.as_of) FROM citation d "
            "WHERE d.work_id = c.work_id AND d.source = c.source)",
            work_ids,
        )
        return [(int(w), source, int(count)) for w, source, count in rows]

    def work_score_values(
        self, work_ids: Sequence[int]
    ) -> dict[int, tuple[float | None, float | None]]:
        """(novelty percentile, AI Score) of each work that has either."""
        rows = self._query_in(
            "SELECT w.work_id, n.novelty_percentile, s.ai_score FROM work w "
            "LEFT JOIN work_novelty n ON n.work_id = w.work_id "
            "LEFT JOIN work_score s ON s.work_id = w.work_id WHERE w.work_id IN ({marks})",
            work_ids,
        )
        return {
            int(w): (novelty, score)
            for w, novelty, score in rows
            if novelty is not None or score is not None
        }

    def record_provenance(self, work_id: int) -> list[tuple[str, str, str, str]]:
        """(source, record_key, origin, ingested_at) of each source record of a work."""
        return self.query(
            "SELECT source, record_key, origin, ingested_at FROM work_record "
            "WHERE work_id = ? ORDER BY source, record_key",
            (work_id,),
        )

    def work_vectors(self, model: str) -> list[tuple[int, bytes]]:
        """(work_id, float32 vector bytes) of every work embedded by ``model``, through
        the hash of its text that the novelty stage recorded for it."""
        rows = self.query(
            "SELECT n.work_id, e.vector FROM work_novelty n JOIN embedding e "
            "ON e.content_hash = n.content_hash WHERE e.model = ? ORDER BY n.work_id",
            (model,),
        )
        return [(int(work_id), bytes(vector)) for work_id, vector in rows]

    def has_embeddings(self) -> bool:
        """Whether any text has a stored vector (else semantic search has nothing)."""
        return bool(self.query("SELECT EXISTS (SELECT 1 FROM embedding)")[0][0])

    def unindexed_work_count(self) -> int:
        """Works with source records but no ``work_facet`` row (0 unless m004's triggers
        were bypassed): the server warns when there are any."""
        rows = self.query(
            "SELECT COUNT(DISTINCT r.work_id) FROM work_record r "
            "LEFT JOIN work_facet f ON f.work_id = r.work_id WHERE f.work_id IS NULL"
        )
        return int(rows[0][0])


class StoreError(Exception):
    """The database cannot be opened or used as asked; the message names the file and
    what is wrong, for the user to act on."""


def open_sqlite(path: str | Path, read_only: bool = False) -> Store:
    """Open a SQLite database file and bring its schema up to date.

    For writing (the default) the file is created if missing. ``read_only`` opens an
    existing file without ever creating or converting it, so reads work on a file or
    folder the user may not write to; a missing file is an error, not a new empty
    database. Problems come out as ``StoreError`` naming the file.
    """
    path = Path(path)
    if str(path) != ":memory:":
        _check_database_path(path, read_only)
    try:
        store = _connect_reader(path) if read_only else _connect_writer(path)
    except sqlite3.DatabaseError as error:
        raise StoreError(_database_problem(path, error)) from error
    from scholarscope.store.migrations import apply_migrations, pending_migrations

    try:
        if not read_only:
            apply_migrations(store)
        elif pending_migrations(store):
            store.close()
            # an older schema: bring it up to date once, when the file may be written
            try:
                writer = _connect_writer(path)
                apply_migrations(writer)
                writer.close()
            except sqlite3.DatabaseError as error:
                raise StoreError(
                    f"{path}: the database was written by an older version and must be "
                    f"upgraded, which needs write access ({error})"
                ) from error
            store = _connect_reader(path)
    except sqlite3.DatabaseError as error:
        raise StoreError(_database_problem(path, error)) from error
    return store


# Seconds a writer waits for another process's write transaction (two ingests, an
# upload to the server, enrich or score) before giving up: writers take turns, and the
# longest transaction (scoring a large corpus) takes seconds.
WRITE_WAIT_SECONDS = 600.0


def _connect_writer(path: Path) -> Store:
    """A connection for writing. SQLite answers "database is locked" without waiting
    while another process creates the file or switches it to write-ahead logging (its
    busy handler is not called there): the opening is then tried again."""
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    while True:
        try:
            return _configure_writer(path)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure_writer(path: Path) -> Store:
    connection = sqlite3.connect(str(path), isolation_level=None, timeout=WRITE_WAIT_SECONDS)
    try:
        # Takes effect only when the file is created. A stored record is ~2.4 KB of JSON:
        # 4 KB pages hold one each and leave a third of the file empty; 16 KB pages cut
        # the file by a quarter and make ingest commits (fewer, fuller pages) cheaper.
        connection.execute("PRAGMA page_size = 16384")
        # switched once, when the file is new: asking again needs no lock, switching
        # does, and fails on a file that cannot be written
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        # 8 MiB of page cache (the default is 2 MiB): ingest inserts at random places in
        # the key and name indexes, and re-reading their pages from the OS cost ~15% of
        # its SQL time. A fixed size, so memory does not grow with the database.
        connection.execute("PRAGMA cache_size = -8192")
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
    except BaseException:
        connection.close()
        raise
    return Store(connection, f"sqlite:///{path}")


# Seconds a read command waits while a writer recovers the write-ahead log.
READ_WAIT_SECONDS = 60.0


def _connect_reader(path: Path) -> Store:
    """A read-only connection that never creates the file. A write-ahead-log database in
    a folder we may not write to cannot get its shared-memory file: it is then read as an
    immutable file (nobody can be writing to it there either)."""
    uri = path.resolve().as_uri()
    connection = sqlite3.connect(
        f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=READ_WAIT_SECONDS
    )
    immutable = False
    try:
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
    except sqlite3.OperationalError:
        connection.close()
        if os.access(path.parent, os.W_OK):
            raise
        log = Path(f"{path}-wal")
        if log.exists() and log.stat().st_size > 0:  # read as immutable, it would be ignored
            raise StoreError(
                f"{path}: its write-ahead log {log.name} holds changes not yet in the "
                "database file, and the folder is read-only: open it once where it may be "
                "written (any command does), then read it here"
            ) from None
        connection = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
        immutable = True
    connection.execute("PRAGMA cache_size = -8192")
    return Store(connection, f"sqlite:///{path}", immutable)


def _check_database_path(path: Path, read_only: bool) -> None:
    """What a user mistypes or misplaces, said before SQLite says it less clearly."""
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a database file")
    if not path.parent.is_dir():
        raise StoreError(f"{path}: the folder {path.parent} does not exist")
    if not path.exists():
        if read_only:
            raise StoreError(
                f"{path}: no such database (a read command never creates one; "
                "'scholarscope ingest' does, or give --db the right file)"
            )
        if not os.access(path.parent, os.W_OK):
            raise StoreError(f"{path}: cannot create the database: the folder is read-only")
    elif not path.is_file():
        raise StoreError(f"{path}: not a regular file (a FIFO or a device?)")
    elif read_only and path.stat().st_size == 0:  # SQLite would make it a new database
        raise StoreError(f"{path}: an empty file, not a database (a read never creates one)")
    elif not os.access(path, os.R_OK):
        raise StoreError(f"{path}: the database file cannot be read (permission denied)")
    elif not read_only and not os.access(path, os.W_OK):
        raise StoreError(f"{path}: the database file is read-only; this command writes to it")


def _database_problem(path: Path, error: sqlite3.DatabaseError) -> str:
    """SQLite's complaint about a whole file, in the user's words."""
    text = str(error)
    if "file is not a database" in text:
        return f"{path}: not a SQLite database (SQLite says: {text})"
    if "malformed" in text:
        return f"{path}: the database file is damaged, perhaps truncated (SQLite says: {text})"
    return f"{path}: {text}"
