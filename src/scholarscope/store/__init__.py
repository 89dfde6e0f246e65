"""``open_store(url)``: the database behind every command.

A plain path or ``sqlite:///path`` opens (and creates) a SQLite file; the default is
``scholarscope.db`` in the working folder.
"""

from __future__ import annotations

from scholarscope.store.sqlite import Store, open_sqlite

DEFAULT_URL = "scholarscope.db"


def open_store(url: str = DEFAULT_URL) -> Store:
    """Open the store named by ``url``.

    >>> store = open_store(":memory:")
    >>> store.counts()["work"]
    0
    """
    if url.startswith("sqlite:///"):
        return open_sqlite(url[len("sqlite:///") :])
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise ValueError(
            f"unsupported database URL scheme {scheme!r}: this version stores data in SQLite "
            "(give a file path or sqlite:///path)"
        )
    return open_sqlite(url)


__all__ = ["DEFAULT_URL", "Store", "open_store"]
