"""``Database``: the connection every query of the store runs on, and its plumbing.

The store's queries are split by concern into modules of this package, each defining a
subclass of ``Database``: ``ingest_writes`` (what ingest looks up and writes, merging
works), ``identity`` (the identity edits of authors), ``versions`` (versions of one
paper), ``enrichment``, ``scores`` (embeddings, novelty, AI Score), ``works`` and
``authors`` (reads of the pages and the pipeline) and ``search`` (the full-text index).
``sqlite.Store`` joins them and opens the connection. Inheriting this class (rather than
each part declaring what it needs) gives every part the plumbing with its types, in one
place; apart from ``BEGIN IMMEDIATE`` its SQL is shared by SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

IN_CHUNK = 500  # keys per "IN (…)" query, well under any driver's parameter limit
# Seconds a writer waits for another process's write transaction (two ingests, an
# upload to the server, enrich or score) before giving up: writers take turns, and the
# longest transaction (scoring a large corpus) takes seconds. After TURN_NOTICE_SECONDS
# of waiting it says so, once per transaction.
WRITE_WAIT_SECONDS = 600.0
TURN_NOTICE_SECONDS = 2.0
log = logging.getLogger("scholarscope.store")


def safe_url(url: str) -> str:
    """``url`` without its password, for messages.

    >>> safe_url("postgresql://me:secret@host/db")
    'postgresql://me:***@host/db'
    """
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def waiting_for_a_writer(url: str) -> None:
    """Say, on standard error, that this process waits for another one's write."""
    log.warning(
        "%s: another process is writing to this database; waiting for its turn", safe_url(url)
    )


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_sql(table: str, columns: Sequence[str], key: Sequence[str], update: bool) -> str:
    """The INSERT of one row of ``columns``, with ``write_rows``'s conflict rule.

    >>> insert_sql("t", ["k", "v"], ["k"], update=True)
    'INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v'
    """
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return sql + on_conflict(columns, key, update)


def on_conflict(columns: Sequence[str], key: Sequence[str], update: bool) -> str:
    """The ON CONFLICT clause of ``write_rows``'s rule ("" without a key)."""
    if not key:
        return ""
    if not update:
        return f" ON CONFLICT ({', '.join(key)}) DO NOTHING"
    changes = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {changes}"


class Database:
    """Runs statements on ``connection`` (which ``sqlite.Store`` opens): single ones,
    one over many keys in chunks (``_query_in``), inside a transaction or a snapshot;
    and the generic upsert and reads of the tables with one row per work, which the
    enrichment and score queries share."""

    connection: sqlite3.Connection
    url: str  # where the database is, for messages

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.connection.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def iter_rows(self, sql: str, size: int = 2000) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of ``sql`` in lists of up to ``size``, read as they are asked for,
        so that memory stays flat however big the table (``copy`` reads every table)."""
        cursor = self.connection.execute(sql)
        try:
            while rows := cursor.fetchmany(size):
                yield rows
        finally:
            cursor.close()

    def write_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        key: Sequence[str] = (),
        update: bool = False,
    ) -> None:
        """Insert ``rows`` (values of ``columns``) into ``table``. With a ``key``, a row
        whose key is stored already replaces the stored row's other columns
        (``update``) or is left out; a key given twice: the last row wins (``update``),
        or the first. PostgreSQL loads many rows through ``COPY`` (``postgres.py``)."""
        self.executemany(insert_sql(table, columns, key, update), rows)

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
        for chunk in chunks(unique):
            marks = ",".join("?" * len(chunk))
            rows.extend(self.query(sql.format(marks=marks), (*before, *chunk, *after)))
        return rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside is committed together, or rolled back on any exception
        (including KeyboardInterrupt). Writers take turns: one that finds another
        process writing says so (``waiting_for_a_writer``) and waits for its turn."""
        self._begin_writing()
        try:
            yield
            self.connection.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk): rolling
            # back again would hide the real error behind "no transaction is active"
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise

    def _begin_writing(self) -> None:
        connection = self.connection
        connection.execute(f"PRAGMA busy_timeout = {int(TURN_NOTICE_SECONDS * 1000)}")
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            waiting_for_a_writer(self.url)
            connection.execute(f"PRAGMA busy_timeout = {int(WRITE_WAIT_SECONDS * 1000)}")
            connection.execute("BEGIN IMMEDIATE")
        finally:
            connection.execute(f"PRAGMA busy_timeout = {int(WRITE_WAIT_SECONDS * 1000)}")

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

    def _move_rows(
        self,
        column: str,
        keep: int,
        drop: int,
        tables: Sequence[tuple[str, str | None]],
    ) -> None:
        """Move the rows of ``drop`` to ``keep`` (``column``: ``author_id`` or
        ``work_id``) in each of ``tables``: (table, the columns that with ``column`` make
        a row unique, or None). A row ``keep`` already has the same key of is ``keep``'s
        version: ``drop``'s is deleted instead of moved."""
        for table, key_columns in tables:
            if key_columns:
                self.execute(
                    f"DELETE FROM {table} WHERE {column} = ? AND ({key_columns}) IN "
                    f"(SELECT {key_columns} FROM {table} WHERE {column} = ?)",
                    (drop, keep),
                )
            self.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (keep, drop))

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
