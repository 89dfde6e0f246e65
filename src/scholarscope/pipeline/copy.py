"""Moving a whole database to another store (SQLite to PostgreSQL, or back):
``scholarscope copy --from sqlite:///a.db --to postgresql://…``.

Every stored table is copied row for row, in its key order, in batches of
``BATCH_SIZE`` per transaction, into a target that must be empty (its schema made by
the same migrations). What the target derives itself is not copied: the facet rows and
the full-text index follow the records through the target's own triggers. Then each
table is verified: the same number of rows and the same checksum on both sides (SHA-256
over the rows in key order, each value in one canonical text), so a value the target's
types changed would show.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from scholarscope.store import Store

BATCH_SIZE = 2000
# The stored tables in an order that writes every row after the rows it refers to.
# work_facet and the full-text index are derived by triggers; schema_migration and
# data_version belong to each database.
TABLES = (
    "work", "work_key", "work_record", "citation", "author", "author_key", "authorship",
    "stated_metrics", "work_enrichment", "embedding", "work_novelty", "work_score",
    "work_alias", "author_alias", "identity_edit", "author_pin", "work_version_link",
    "work_version", "follow", "harvest",
)  # fmt: skip
DERIVED = ("work_facet",)  # checked after the copy too: the target's triggers made it


@dataclass(frozen=True)
class TableCopy:
    """One table copied: rows on each side and whether their checksums agree."""

    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def same(self) -> bool:
        return (self.source_rows, self.source_checksum) == (self.target_rows, self.target_checksum)


class CopyError(Exception):
    """The copy cannot start (a target that is not empty)."""


def copy_database(
    source: Store, target: Store, on_table: Callable[[str, int], None] | None = None
) -> list[TableCopy]:
    """Copy every stored table of ``source`` into the empty ``target`` and verify each
    (and the derived facet rows) by count and checksum. ``on_table(table, rows)`` after
    each table is copied. Raises ``CopyError`` when the target holds works already.

    Example: ``copy_database(open_store("a.db"), open_store("postgresql://…/b"))``.
    """
    if target.query("SELECT COUNT(*) FROM work")[0][0]:
        raise CopyError(f"{target.url}: the target holds works already: copy into an empty one")
    for table in TABLES:
        columns = source.table_columns(table)
        copied = 0
        for batch in _ordered_rows(source, table, columns):
            with target.transaction():
                target.write_rows(table, columns, batch)  # COPY on PostgreSQL
            copied += len(batch)
        if on_table:
            on_table(table, copied)
    target.optimize_after_writes()
    return [_verified(source, target, table) for table in (*TABLES, *DERIVED)]


def _ordered_rows(
    store: Store, table: str, columns: Sequence[str]
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``table`` in key order, ``BATCH_SIZE`` at a time (memory stays flat)."""
    order = ", ".join(store.table_key(table) or columns)
    sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
    yield from store.iter_rows(sql, BATCH_SIZE)


def _verified(source: Store, target: Store, table: str) -> TableCopy:
    columns = [c for c in source.table_columns(table) if c != "search"]
    sums = [_checksum(store, table, columns) for store in (source, target)]
    return TableCopy(table, sums[0][0], sums[1][0], sums[0][1], sums[1][1])


def _checksum(store: Store, table: str, columns: Sequence[str]) -> tuple[int, str]:
    """(rows, SHA-256 of the rows in key order, each value in canonical text)."""
    digest = hashlib.sha256()
    count = 0
    for rows in _ordered_rows(store, table, columns):
        for row in rows:
            count += 1
            digest.update("\x1f".join(canonical(value) for value in row).encode())
            digest.update(b"\x1e")
    return count, digest.hexdigest()


def canonical(value: Any) -> str:
    """One text per value, whichever driver read it: bytes as hex, a float by repr.

    >>> canonical(None), canonical(3), canonical(0.5), canonical(b"\\x01")
    ('\\x00', '3', '0.5', 'x01')
    """
    if value is None:
        return "\x00"
    if isinstance(value, bytes | bytearray | memoryview):
        return "x" + bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    return str(value)
