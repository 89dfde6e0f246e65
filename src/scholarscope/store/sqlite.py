"""The SQLite store: ``Store``, and ``open_sqlite``, which opens a file and brings its
schema up to date.

``Store`` joins the parts of the store, one module of this package per concern (see
``database.py``), and adds what is SQLite's own: opening and configuring connections
(the PRAGMAs), the read-only connections of the web server and their time limit.
All statements use ``?`` placeholders and the SQL subset SQLite and PostgreSQL share,
so a PostgreSQL store can reuse them by swapping the connection and the placeholder.
The main exceptions, SQLite's alone: the PRAGMAs here, the FTS5 queries of
``search.py``, ``BEGIN IMMEDIATE`` in ``database.py`` and the numbered placeholders of
``authors.py``.
Writes happen inside ``transaction()``: a batch is committed whole or not at all.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from scholarscope.store.authors import AuthorReads
from scholarscope.store.database import WRITE_WAIT_SECONDS
from scholarscope.store.enrichment import EnrichmentQueries
from scholarscope.store.follows import FollowQueries
from scholarscope.store.identity import IdentityEdits
from scholarscope.store.ingest_writes import IngestWrites
from scholarscope.store.scores import ScoreQueries
from scholarscope.store.search import SearchQueries
from scholarscope.store.versions import VersionQueries
from scholarscope.store.works import WorkReads

READER_MMAP_BYTES = 1 << 40  # read-only connections map the file (SQLite caps it)
READER_STATEMENTS = 1024  # prepared statements a read-only connection keeps
# SQLite steps between a read-only connection's checks of its deadline (``time_limit``):
# every 10-30 µs of plain SQL; a check every 100 steps slowed a large join by 10%.
READER_PROGRESS_STEPS = 1000


class QueryInterrupted(Exception):
    """A read ran past the deadline of its ``Store.time_limit`` and was stopped."""


class Store(
    IngestWrites,
    IdentityEdits,
    VersionQueries,
    EnrichmentQueries,
    ScoreQueries,
    WorkReads,
    AuthorReads,
    SearchQueries,
    FollowQueries,
):
    """A scholarscope database. Create one with ``open_store``.

    Its queries come from the parts it inherits, each a module of this package; what
    is here opens SQLite connections: the one it is given and the read-only ones of
    ``reader``."""

    dialect = "sqlite"
    without_rowid = "WITHOUT ROWID"  # see migrations.py

    def __init__(self, connection: sqlite3.Connection, url: str, immutable: bool = False) -> None:
        self.connection = connection
        self.url = url
        # read as an immutable file (a database in a folder we may not write to): the
        # read-only connections of ``reader`` are opened the same way
        self.immutable = immutable

    def reader(self) -> Store:
        """A read-only connection to the same database file. A web server thread borrows
        one at a time, so the connection may move between threads, and runs the queries
        of one request under ``time_limit``."""
        return _open_page_reader(self._file_path(), self.url, self.immutable)

    def reader_pool(self, size: int) -> ReaderPool:
        """Read-only connections for a server's page threads (at most ``size`` in use at
        once), opened as ``reader`` opens them, on first need, and reused."""
        path, url, immutable = self._file_path(), self.url, self.immutable
        return FileReaderPool(lambda: _open_page_reader(path, url, immutable))

    def _file_path(self) -> str:
        path = str(self.query("PRAGMA database_list")[0][2])
        if not path:
            raise ValueError("an in-memory database cannot be opened a second time")
        return path

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

    def change_probe(self) -> ChangeProbe:
        """Something whose answer changes whenever a write is committed: the database
        file's and its log's times and sizes (read without a query)."""
        return FileStamps(self.database_files())

    def has_table(self, name: str) -> bool:
        return bool(self.query("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)))

    def table_columns(self, table: str) -> list[str]:
        """The stored columns of ``table``, in the table's order."""
        return [str(row[1]) for row in self.query(f"PRAGMA table_info({table})")]

    def table_key(self, table: str) -> list[str]:
        """The columns of ``table``'s primary key, in the key's order."""
        rows = self.query(f"PRAGMA table_info({table})")
        return [str(row[1]) for row in sorted(rows, key=lambda r: r[5]) if row[5]]

    def database_files(self) -> list[Path]:
        """The database file and its write-ahead log: their sizes and times change on
        every commit, which is how the web server knows its caches are stale."""
        path = self.query("PRAGMA database_list")[0][2]
        return [Path(path), Path(path + "-wal")] if path else []


def _open_page_reader(path: str, url: str, immutable: bool) -> Store:
    """A read-only connection to the database file at ``path`` for a page's queries."""
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
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
    return Store(connection, url, immutable)


class ChangeProbe(Protocol):
    """Asked, answers a value that changes whenever a write is committed to the database
    (the web server's caches follow it); closed when the server stops."""

    def __call__(self) -> Hashable: ...

    def close(self) -> None: ...


class FileStamps:
    """A SQLite database's ``ChangeProbe``: its files' times and sizes."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files

    def __call__(self) -> Hashable:
        found: list[tuple[int, int] | None] = []
        for path in self.files:
            try:
                stat = path.stat()
                found.append((stat.st_mtime_ns, stat.st_size))
            except FileNotFoundError:
                found.append(None)
        return tuple(found)

    def close(self) -> None:
        pass  # nothing is held open


class ReaderPool(Protocol):
    """Read-only connections lent to a web server's page threads, one page at a time."""

    def connection(self) -> AbstractContextManager[Store]: ...

    def close(self) -> None: ...


class FileReaderPool:
    """A SQLite file's read-only connections for the web server's page threads: opening
    one is a file open and costs nothing to keep, so each borrowed connection goes back
    to the pool and the pool grows to the number of threads that read at once."""

    def __init__(self, open_reader: Callable[[], Store]) -> None:
        self._open_reader = open_reader
        self._idle: queue.LifoQueue[Store] = queue.LifoQueue()

    @contextmanager
    def connection(self) -> Iterator[Store]:
        try:
            store = self._idle.get_nowait()
        except queue.Empty:
            store = self._open_reader()
        try:
            yield store
        finally:
            self._idle.put(store)

    def close(self) -> None:
        """Close the connections not lent out now."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


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
