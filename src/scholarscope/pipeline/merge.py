"""Merging two author ids that are one person: ``scholarscope merge-authors KEEP DROP``
and, on a server started with an admin token, ``POST /admin/authors/merge``.

Everything of the dropped id (its works, its source ids and name keys, the figures
sources state for it) moves to the kept one, in one transaction; the dropped id then
leads to the kept one (pages redirect, ``profile`` follows it), and later ingests that
meet its source ids or name keys attach works to the kept author.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from scholarscope.profile import NotFound
from scholarscope.store import Store


def author_number(ref: str) -> int:
    """N of ``author:N``; anything else is refused (a name may mean several people).

    >>> author_number(" author:42 ")
    42
    """
    match = re.fullmatch(r"author:(\d{1,18})", ref.strip())
    if match is None:
        raise ValueError(f"{ref!r} is not an author id: give author:N (see scholarscope authors)")
    return int(match.group(1))


def merge_authors(store: Store, keep_ref: str, drop_ref: str) -> dict[str, Any]:
    """Merge author ``drop_ref`` into ``keep_ref`` (both ``author:N``); returns what was
    done: {"kept", "merged", "name", "papers_before", "papers"}. ValueError for a bad or
    identical id, ``NotFound`` for an id that names no author (now)."""
    keep, drop = author_number(keep_ref), author_number(drop_ref)
    if keep == drop:
        raise ValueError(f"author:{keep} cannot be merged into itself")
    for number in (keep, drop):
        if store.author_row(number) is None:
            merged_into = store.merged_into("author", number)
            later = f": it was merged into author:{merged_into}" if merged_into else ""
            raise NotFound(f"no author with id author:{number}{later}")
    row = store.author_row(keep)
    assert row is not None
    papers_before = len(store.author_work_ids(keep))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with store.transaction():
        store.merge_authors(keep, drop, now)
    return {
        "kept": f"author:{keep}",
        "merged": f"author:{drop}",
        "name": row[1],
        "papers_before": papers_before,
        "papers": len(store.author_work_ids(keep)),
    }
