"""``open_store(url)``: the database behind every command.

A plain path or ``sqlite:///path`` opens (and creates) a SQLite file; the default is
``scholarscope.db`` in the working folder. ``postgresql://user@host:port/database``
connects to a PostgreSQL server (``store/postgres.py``). ``read_only=True`` opens an
existing file for reading only: it never creates one, and works where the file or folder
is read-only.
A database that cannot be used raises ``StoreError`` with a message naming the file.
"""

from __future__ import annotations

from scholarscope.store.sqlite import Store, StoreError, open_sqlite

DEFAULT_URL = "scholarscope.db"


def open_store(url: str = DEFAULT_URL, read_only: bool = False) -> Store:
    """Open the store named by ``url``.

    >>> store = open_store(":memory:")
    >>> store.counts()["work"]
    0
    """
    if url.startswith("sqlite:///"):
        return open_sqlite(url[len("sqlite:///") :], read_only=read_only)
    if url.startswith(("postgresql://", "postgres://")):
        from scholarscope.store.postgres import open_postgres

        return open_postgres(url, read_only=read_only)
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise StoreError(
            f"{url}: unsupported database URL scheme {scheme!r}: give a SQLite file path "
            "(or sqlite:///path) or a postgresql://user@host:port/database URL"
        )
    return open_sqlite(url, read_only=read_only)


__all__ = ["DEFAULT_URL", "Store", "StoreError", "open_store"]
