"""The PostgreSQL store: the same ``Store`` (every query of the store's parts, the same
numbered migrations) over a psycopg 3 connection, for a team that serves many readers
and several writers from one database server.

``open_postgres("postgresql://user@host:port/db")`` connects and brings the schema up to
date. What differs from SQLite is here or in ``migrations_postgres.py``:

- Placeholders: the store's SQL is written with SQLite's ``?`` (and ``?1``, ``?2`` where
  one value is used twice); ``_translated`` turns it into psycopg's ``%s`` with the
  values in order, once per statement text.
- Transactions: psycopg's ``transaction()``, each write transaction holding one
  advisory lock, so writers take turns as SQLite's do (the ingest resolves ids and keys
  by reading before it writes); readers never wait, and a page's reads run in one
  ``REPEATABLE READ`` read-only transaction, so they see one snapshot.
- A web request's time limit is PostgreSQL's ``statement_timeout``.
- The full-text index is a ``tsvector`` column with a GIN index (``search.py`` asks the
  dialect which SQL to run).

- The web server's readers come from a psycopg_pool pool (``reader_pool``).

psycopg is an extra: ``pip install 'scholarscope[postgres]'``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from scholarscope.store.database import on_conflict, safe_url, waiting_for_a_writer
from scholarscope.store.ingest_writes import WORK_RECORD_COLUMNS, WORK_RECORD_KEY
from scholarscope.store.search_postgres import PostgresSearchQueries
from scholarscope.store.sqlite import QueryInterrupted, Store, StoreError

try:
    import psycopg
    import psycopg_pool
    from psycopg import errors as pg_errors
except ImportError:  # pragma: no cover - the extra is installed by make setup
    psycopg = None  # type: ignore[assignment]

_PLACEHOLDER = re.compile(r"\?(\d*)")
WRITE_LOCK = 1  # the key of the advisory lock every write transaction holds
COPY_MIN_ROWS = 100  # from this many rows, ``write_rows`` loads them through COPY


@lru_cache(maxsize=1024)
def _plan(sql: str) -> tuple[str, tuple[int | None, ...]]:
    """``sql`` with psycopg's placeholders, and for each the index of the value it takes
    (None: the next one in order). A literal ``%`` is doubled.

    >>> _plan("SELECT ?1 LIKE 'a%' OR ?1 = ?2")
    ("SELECT %s LIKE 'a%%' OR %s = %s", (0, 0, 1))
    >>> _plan("SELECT * FROM t WHERE a = ? AND b IN (?, ?)")
    ('SELECT * FROM t WHERE a = %s AND b IN (%s, %s)', (None, None, None))
    """
    order: list[int | None] = []

    def mark(match: re.Match[str]) -> str:
        order.append(int(match.group(1)) - 1 if match.group(1) else None)
        return "%s"

    return _PLACEHOLDER.sub(mark, sql.replace("%", "%%")), tuple(order)


def _translated(sql: str, params: Sequence[Any]) -> tuple[str, Sequence[Any] | None]:
    """``sql`` and ``params`` as psycopg takes them (no parameters: the text as is, so
    a ``%`` in a migration is not read as a placeholder)."""
    if not params:
        return sql, None
    text, order = _plan(sql)
    if all(index is None for index in order):
        return text, params
    position = iter(params)
    return text, [next(position) if index is None else params[index] for index in order]


class PostgresStore(PostgresSearchQueries, Store):
    """A scholarscope database on a PostgreSQL server (see the module's docstring)."""

    dialect = "postgresql"
    without_rowid = ""  # see migrations.py
    connection: Any  # a psycopg.Connection in autocommit mode (transactions are explicit)

    def __init__(self, connection: Any, url: str) -> None:
        self.connection = connection
        self.url = url
        self.immutable = False
        self.counts_writes = False  # set once the schema has ``data_version`` (m015)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(*_translated(sql, params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        text, _ = _plan(sql)
        batch = [_translated(sql, row)[1] or () for row in rows]
        if batch:
            with self.connection.cursor() as cursor:
                cursor.executemany(text, batch)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(*_translated(sql, params)).fetchall()

    def iter_rows(self, sql: str, size: int = 2000) -> Iterator[list[tuple[Any, ...]]]:
        """``Database.iter_rows`` through a server-side cursor, in one snapshot."""
        with self.connection.transaction():
            with self.connection.cursor(name="scholarscope_rows") as cursor:
                cursor.execute(sql)
                while rows := cursor.fetchmany(size):
                    yield rows

    def write_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        key: Sequence[str] = (),
        update: bool = False,
    ) -> None:
        """``Database.write_rows`` through ``COPY`` for many rows: straight into ``table``
        without a key, else into a staging table merged by one ``INSERT … SELECT … ON
        CONFLICT`` (the facet triggers then run once for the lot, m016). Row by row,
        psycopg's pipelined executemany with its per-row triggers stored 600 arXiv
        records a second, several times less than the same batches on SQLite."""
        if len(rows) < COPY_MIN_ROWS:
            super().write_rows(table, columns, rows, key, update)
            return
        names = ", ".join(columns)
        if not key:
            self._copy(table, names, rows)
            return
        # one row per key, as executemany's would end: ON CONFLICT DO UPDATE refuses
        # to change a row twice in one statement
        at = [columns.index(k) for k in key]
        unique: dict[tuple[Any, ...], Sequence[Any]] = {}
        for row in rows:
            row_key = tuple(row[i] for i in at)
            if update or row_key not in unique:
                unique[row_key] = row
        stage = f"stage_{table}"
        self.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS "
            f"AS SELECT {names} FROM {table} WITH NO DATA"
        )
        self._copy(stage, names, list(unique.values()))
        self.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage}"
            + on_conflict(columns, key, update)
        )
        self.execute(f"TRUNCATE {stage}")

    def _copy(self, table: str, names: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def upsert_work_records(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """The records' works' facet rows follow by m016's statement triggers: one
        set-based refresh per statement, however many rows."""
        self.write_rows("work_record", WORK_RECORD_COLUMNS, rows, WORK_RECORD_KEY, True)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside is committed together (and counted in ``data_version``, the
        web server's sign of a change), or rolled back on any exception."""
        with self.connection.transaction():
            # Writers take turns, as on SQLite (BEGIN IMMEDIATE): ingest reads the
            # largest ids and the keys it will insert before writing them, which two
            # writers at once would both read alike. Readers never wait (MVCC).
            turn = self.connection.execute("SELECT pg_try_advisory_xact_lock(%s)", (WRITE_LOCK,))
            if not turn.fetchone()[0]:
                waiting_for_a_writer(self.url)
                self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield
            if self.counts_writes:
                self.connection.execute("UPDATE data_version SET n = n + 1")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        with self.connection.transaction():
            self.connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield

    def reader(self) -> PostgresStore:
        """Another connection to the same database, for a web server thread."""
        return _connect(self.url, read_only=True)

    def reader_pool(self, size: int) -> PostgresReaderPool:
        """Read-only connections for a server's page threads (at most ``size`` in use at
        once): a psycopg_pool pool, which checks a connection before lending it and
        replaces a broken one (a restarted or failed-over server), instead of failing
        the page."""
        return PostgresReaderPool(self.url, size)

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Every statement inside is stopped after ``seconds`` with ``QueryInterrupted``
        (``statement_timeout``, set for the enclosing transaction only: use it inside
        ``snapshot()``, as the web server does)."""
        milliseconds = max(1, int(seconds * 1000))
        self.connection.execute(f"SET LOCAL statement_timeout = {milliseconds}")
        try:
            yield
        except pg_errors.QueryCanceled as error:
            raise QueryInterrupted(f"the query ran past its time limit of {seconds} s") from error

    def change_probe(self) -> DataVersion:
        """The ``data_version`` count, read on a connection of its own."""
        return DataVersion(self.url)

    def table_columns(self, table: str) -> list[str]:
        """The stored columns of ``table`` (not the generated ones), in the table's order."""
        rows = self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ? AND is_generated = 'NEVER' "
            "ORDER BY ordinal_position",
            (table,),
        )
        return [str(row[0]) for row in rows]

    def table_key(self, table: str) -> list[str]:
        """The columns of ``table``'s primary key, in the key's order."""
        rows = self.query(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass) "
            "AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            (table,),
        )
        return [str(row[0]) for row in rows]

    def has_table(self, name: str) -> bool:
        return bool(self.query("SELECT to_regclass(?) IS NOT NULL", (name,))[0][0])

    def database_files(self) -> list[Path]:
        return []  # a server's database has no file of ours to watch


class DataVersion:
    """A PostgreSQL database's ``ChangeProbe``: its ``data_version`` count (m015), which
    every write transaction adds one to, read on a connection of its own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._probe = _connect(url, read_only=True)
        self._lock = threading.Lock()

    def __call__(self) -> Hashable:
        with self._lock:
            try:
                return self._read()
            except psycopg.OperationalError:
                # the server ended the session (a restart, a fail-over): once more on
                # a new connection, as the reader pool does
                self._probe.close()
                self._probe = _connect(self.url, read_only=True)
                return self._read()

    def _read(self) -> int:
        return int(self._probe.query("SELECT n FROM data_version")[0][0])

    def close(self) -> None:
        with self._lock:
            self._probe.close()


class PostgresReaderPool:
    """The web server's read-only connections to one database, lent one page at a time
    (``connection()``). The pool opens its first connection when first asked, in the
    serving process (a connection must not cross a fork), and keeps up to ``size``."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, size),
            kwargs={"autocommit": True},
            configure=_reader_configured,
            check=psycopg_pool.ConnectionPool.check_connection,
            open=False,
            name="scholarscope-readers",
        )
        self._opened = False
        self._lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[PostgresStore]:
        with self._lock:
            if not self._opened:
                self._pool.open(wait=False)
                self._opened = True
        try:
            with self._pool.connection() as connection:
                yield PostgresStore(connection, self.url)
        except psycopg_pool.PoolTimeout as error:
            message = f"{safe_url(self.url)}: no connection to the database ({error})"
            raise StoreError(message) from error

    def close(self) -> None:
        self._pool.close()


def _read_only(connection: Any) -> None:
    connection.execute("SET default_transaction_read_only = on")


def _configured(connection: Any) -> None:
    """Every connection's settings. PostgreSQL compiles a query it estimates costly
    (JIT); our queries read a few rows by index, and the compiling took 178 ms of a
    profile page's 232 (its co-authors, estimated before the tables were analyzed)."""
    connection.execute("SET jit = off")


def _reader_configured(connection: Any) -> None:
    _configured(connection)
    _read_only(connection)


def _connect(url: str, read_only: bool = False) -> PostgresStore:
    if psycopg is None:
        raise StoreError(
            f"{safe_url(url)}: PostgreSQL needs psycopg: pip install 'scholarscope[postgres]'"
        )
    try:
        connection = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as error:
        raise StoreError(
            f"{safe_url(url)}: cannot connect ({' '.join(str(error).split())})"
        ) from error
    _configured(connection)
    if read_only:
        _read_only(connection)
    return PostgresStore(connection, url)


def open_postgres(url: str, read_only: bool = False) -> PostgresStore:
    """Connect to the PostgreSQL database at ``url`` and bring its schema up to date
    (``read_only``: connect for reading only; the schema must be up to date)."""
    from scholarscope.store.migrations import apply_migrations, pending_migrations

    store = _connect(url, read_only)
    try:
        if not read_only:
            apply_migrations(store)
            store.counts_writes = True
        elif pending_migrations(store):
            raise StoreError(
                f"{safe_url(url)}: the database's schema is older than this version: open it "
                "once for writing (any command that writes does) to bring it up to date"
            )
    except psycopg.Error as error:
        store.close()
        raise StoreError(f"{safe_url(url)}: {' '.join(str(error).split())}") from error
    return store
