"""The identity of authors: merging two author ids, the edit log of merges and splits,
the pins that hold a name on a work to a person, the undo of a merge, and what the
identity commands and the merge suggestions read of authors (``pipeline/identity.py``,
``suggestions.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scholarscope.store.database import Database


class IdentityEdits(Database):
    """Author merges, splits, pins, the edit log and the reads behind them, run through
    ``self.query``, ``self._query_in`` and ``self.execute`` of ``Database``; the writes
    run inside the caller's ``transaction()``."""

    def merge_authors(self, keep: int, drop: int, merged_at: str) -> None:
        """Move everything of author ``drop`` onto author ``keep`` (two ids are one
        person); ``drop`` then leads to ``keep`` (``author_alias``). Rows that would
        collide keep ``keep``'s version."""
        self._move_rows(
            "author_id",
            keep,
            drop,
            (
                ("author_key", None),
                ("authorship", "work_id, source"),
                ("stated_metrics", "source, origin, as_of"),
                ("author_pin", None),
            ),
        )
        self.execute("UPDATE author_alias SET author_id = ? WHERE author_id = ?", (keep, drop))
        self.execute(
            "INSERT INTO author_alias (old_id, author_id, merged_at) VALUES (?, ?, ?)",
            (drop, keep, merged_at),
        )
        self.execute("DELETE FROM author WHERE author_id = ?", (drop,))

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
            "SELECT DISTINCT source, origin FROM stated_metrics WHERE author_id = ? ORDER BY 1, 2",
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
