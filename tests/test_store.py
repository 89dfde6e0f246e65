"""The store: opening, migrations, portable SQL, and what it refuses. A test that takes
``new_database`` runs on SQLite and on PostgreSQL. The others open no database or are
about SQLite's file (a path or sqlite:/// URL, its FTS5 index, a damaged, missing or
read-only file, a full disk); their PostgreSQL counterparts (the schema made once, a
failed write rolled back, a server that is not there) are in test_postgres.py."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scholarscope import pipeline
from scholarscope.store import StoreError, open_store
from scholarscope.store.migrations import MIGRATIONS, statements
from scholarscope.web import App
from web_client import ask


def test_open_creates_the_schema_once(tmp_path: Path) -> None:
    # a path and a sqlite:/// URL; on PostgreSQL: test_the_schema_is_made_once
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
    """No SQLite-only syntax except the marked WITHOUT ROWID hint (a step written per
    dialect is checked in both)."""
    for _, step in MIGRATIONS:
        for statement in [*statements(step, "sqlite"), *statements(step, "postgresql")]:
            upper = statement.upper()
            assert "AUTOINCREMENT" not in upper
            assert "WITHOUT ROWID" not in upper  # only via the {without_rowid} marker
            assert "INTEGER PRIMARY KEY" not in upper  # SQLite's rowid alias


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    # on PostgreSQL: test_a_failed_write_leaves_nothing
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
    store.optimize_after_writes()
    assert store.query(segments) == [(1,)] and store.query(match) == found
    ingest_paths(store, sorted(examples.glob("*")))  # the other seeds, then merged again
    assert store.query(segments) == [(1,)]
    assert store.counts()["work"] == 127


def test_a_snapshot_reads_one_state_while_another_connection_writes(
    new_database: Callable[[str], str],
) -> None:
    # what a web page reads (App._reader): an ingest committing meanwhile shows after it
    from scholarscope.pipeline import ingest_paths

    examples = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*"))
    store = open_store(new_database("s"))
    ingest_paths(store, examples[:1])
    reader = store.reader()
    with reader.snapshot():
        before = reader.counts()["work"]
        ingest_paths(store, examples[1:])
        assert reader.counts()["work"] == before
        assert reader.query("SELECT COUNT(*) FROM work_record")[0][0] == before
    assert (before, reader.counts()["work"]) == (10, 127)
    reader.close()
    store.close()


@contextmanager
def mounted_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A real file system of ``size`` at ``folder`` (a full disk, a read-only one), for
    what no permission bit shows to root. Skipped where mounting is not allowed."""
    folder.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mount.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def test_a_read_open_never_creates_a_database(tmp_path: Path) -> None:
    typo = tmp_path / "typo.db"
    with pytest.raises(StoreError, match="no such database .a read command never creates"):
        open_store(str(typo), read_only=True)
    assert not typo.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, not a database\n" * 10, "not a SQLite database"),
        (None, "the database file is damaged, perhaps truncated"),
    ],
)
def test_files_that_are_no_database_are_named(
    tmp_path: Path, seeds: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "bad.db"
    if content is None:  # a real database cut short
        whole = tmp_path / "whole.db"
        store = open_store(str(whole))
        pipeline.ingest_paths(store, [seeds])
        store.close()
        content = whole.read_bytes()[:100_000]
    path.write_bytes(content)
    for read_only in (False, True):
        with pytest.raises(StoreError, match=f"^{path}: {message}"):
            open_store(str(path), read_only=read_only).counts()


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=f"the folder {tmp_path / 'nowhere'} does not exist"):
        open_store(str(tmp_path / "nowhere" / "x.db"))


def test_a_read_only_database_is_read_but_not_written(tmp_path: Path, seeds: Path) -> None:
    with mounted_tmpfs(tmp_path / "ro", "20m") as folder:
        store = open_store(str(folder / "s.db"))
        pipeline.ingest_paths(store, [seeds / "000_6198259b7f70df20.txt"])
        store.close()  # the last connection to close removes the -wal and -shm files
        assert sorted(p.name for p in folder.iterdir()) == ["s.db"]
        remount_read_only(folder)
        reader = open_store(str(folder / "s.db"), read_only=True)
        assert reader.counts()["work"] == 10
        assert reader.reader().counts()["work"] == 10  # the web server's connections
        reader.close()
        answer = ask(App(str(folder / "s.db")), "/works.json")
        assert answer.status == 200 and len(json.loads(answer.body)["works"]) == 10
        with pytest.raises(StoreError, match="the database file is read-only; this command"):
            open_store(str(folder / "s.db"))


def test_a_full_disk_rolls_back_the_batch_and_keeps_what_was_stored(
    tmp_path: Path, seeds: Path, shared_data: Path
) -> None:
    with mounted_tmpfs(tmp_path / "full", "6m") as folder:
        store = open_store(str(folder / "s.db"))
        pipeline.ingest_paths(store, [seeds])
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
            pipeline.ingest_paths(store, [shared_data / "arxiv-kaggle"])
        assert store.counts()["work"] == 127  # the seeds; nothing of the failed batch
        assert store.query("PRAGMA integrity_check") == [("ok",)]
        store.close()
