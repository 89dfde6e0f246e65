"""The SQLite store: opening, migrations, portable SQL, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from scholarscope.store import StoreError, open_store
from scholarscope.store.migrations import MIGRATIONS


def test_open_creates_the_schema_once(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(str(path))
    applied = store.query("SELECT name FROM schema_migration ORDER BY name")
    assert [row[0] for row in applied] == [name for name, _ in MIGRATIONS]
    store.close()
    again = open_store(f"sqlite:///{path}")
    assert again.query("SELECT COUNT(*) FROM schema_migration") == [(len(MIGRATIONS),)]
    assert again.counts()["work"] == 0


def test_unknown_url_scheme_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="unsupported database URL scheme 'mysql'"):
        open_store("mysql://localhost/db")


def test_migrations_use_only_portable_sql() -> None:
    """No SQLite-only syntax except the marked WITHOUT ROWID hint."""
    for _, statements in MIGRATIONS:
        for statement in statements:
            upper = statement.upper()
            assert "AUTOINCREMENT" not in upper
            assert "WITHOUT ROWID" not in upper  # only via the {without_rowid} marker
            assert "INTEGER PRIMARY KEY" not in upper  # SQLite's rowid alias


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "t.db"))
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.insert_works([(1, "2026-01-01T00:00:00Z")])
            raise RuntimeError("stop")
    assert store.counts()["work"] == 0


def test_ingest_leaves_the_search_index_in_one_segment(tmp_path: Path) -> None:
    # FTS5 writes a segment per transaction; a query reads each segment of each term
    from scholarscope.ingest import load_path
    from scholarscope.pipeline import FileReport, ingest_items, ingest_paths

    examples = Path(__file__).resolve().parent.parent / "examples"
    seed = next(examples.glob("000_*.txt"))
    store = open_store(str(tmp_path / "s.db"))
    ingest_items(store, load_path(seed, seed.name), FileReport(seed.name), batch_size=2)
    segments = "SELECT COUNT(DISTINCT segid) FROM work_search_idx"
    match = "SELECT rowid FROM work_search WHERE work_search MATCH 'face' ORDER BY rowid"
    found = store.query(match)
    assert store.query(segments)[0][0] > 1 and len(found) == 2
    store.optimize_search_index()
    assert store.query(segments) == [(1,)] and store.query(match) == found
    ingest_paths(store, sorted(examples.glob("*")))  # the other seeds, then merged again
    assert store.query(segments) == [(1,)]
    assert store.counts()["work"] == 130


def test_a_snapshot_reads_one_state_while_another_connection_writes(tmp_path: Path) -> None:
    # what a web page reads (App._reader): an ingest committing meanwhile shows after it
    from scholarscope.pipeline import ingest_paths

    examples = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*"))
    store = open_store(str(tmp_path / "s.db"))
    ingest_paths(store, examples[:1])
    reader = store.reader()
    with reader.snapshot():
        before = reader.counts()["work"]
        ingest_paths(store, examples[1:])
        assert reader.counts()["work"] == before
        assert reader.query("SELECT COUNT(*) FROM work_record")[0][0] == before
    assert (before, reader.counts()["work"]) == (10, 130)
    reader.close()
    store.close()
