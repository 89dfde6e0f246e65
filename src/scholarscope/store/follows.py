"""What ``scholarscope follow`` keeps and ``scholarscope sync`` reads and advances: the
followed authors and categories (``follow``) and the state of each harvest
(``harvest``): the date every record up to which is stored, and since when an
unfinished run has been going."""

from __future__ import annotations

from dataclasses import dataclass

from scholarscope.store.database import Database


@dataclass(frozen=True)
class Followed:
    """A followed author (``openalex:A…``, ``orcid:…``, ``s2:…``) or arXiv category
    (``arxiv:cs.CV``): ``kind`` is "author" or "category"; ``synced_at`` None until the
    first sync."""

    target: str
    kind: str
    added_at: str
    synced_at: str | None


@dataclass(frozen=True)
class Harvest:
    """A harvest's state: every record up to ``stored_through`` (a day) is stored;
    ``running_since`` is when an unfinished run began (None when none is),
    ``running_from`` the day it asks from, and ``checkpoint`` the day before which it
    (or a run abandoned before it) has stored every record."""

    name: str
    stored_through: str | None
    running_since: str | None
    running_from: str | None = None
    checkpoint: str | None = None


class FollowQueries(Database):
    """Reads and writes of ``follow`` and ``harvest``."""

    def add_follow(self, target: str, kind: str, added_at: str) -> bool:
        """Follow ``target``; False when it was followed already."""
        with self.transaction():
            if self.query("SELECT 1 FROM follow WHERE target = ?", (target,)):
                return False
            self.execute(
                "INSERT INTO follow (target, kind, added_at) VALUES (?, ?, ?)",
                (target, kind, added_at),
            )
        return True

    def remove_follow(self, target: str) -> bool:
        """Stop following ``target``; False when it was not followed."""
        with self.transaction():
            if not self.query("SELECT 1 FROM follow WHERE target = ?", (target,)):
                return False
            self.execute("DELETE FROM follow WHERE target = ?", (target,))
        return True

    def follows(self) -> list[Followed]:
        """Everything followed, categories first, then in the order added."""
        rows = self.query(
            "SELECT target, kind, added_at, synced_at FROM follow "
            "ORDER BY kind DESC, added_at, target"
        )
        return [Followed(str(t), str(k), str(a), s) for t, k, a, s in rows]

    def mark_synced(self, target: str, synced_at: str) -> None:
        with self.transaction():
            self.execute("UPDATE follow SET synced_at = ? WHERE target = ?", (synced_at, target))

    def harvest(self, name: str) -> Harvest:
        """The state of harvest ``name`` (never run: nothing stored, not running)."""
        rows = self.query(
            "SELECT stored_through, running_since, running_from, checkpoint FROM harvest "
            "WHERE name = ?",
            (name,),
        )
        return Harvest(name, *rows[0]) if rows else Harvest(name, None, None)

    def start_harvest(self, name: str, at: str, stale_before: str) -> Harvest:
        """Mark harvest ``name`` running since ``at``, unless a run begun at
        ``stale_before`` or later is unfinished (a killed or failed one): then that run
        goes on, and its state is returned. An older unfinished run is abandoned (its
        checkpoint kept)."""
        with self.transaction():
            current = self.harvest(name)
            if current.running_since is None or current.running_since < stale_before:
                self.execute(
                    "INSERT INTO harvest (name, stored_through, running_since, updated_at) "
                    "VALUES (?, NULL, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                    "running_since = excluded.running_since, running_from = NULL, "
                    "updated_at = excluded.updated_at",
                    (name, at, at),
                )
                current = Harvest(name, current.stored_through, at, None, current.checkpoint)
        return current

    def set_harvest_from(self, name: str, from_day: str, at: str) -> None:
        """The running harvest ``name`` asks from ``from_day``."""
        with self.transaction():
            self.execute(
                "UPDATE harvest SET running_from = ?, updated_at = ? WHERE name = ?",
                (from_day, at, name),
            )

    def advance_harvest(self, name: str, checkpoint: str, at: str) -> None:
        """The running harvest ``name`` has stored every record dated before
        ``checkpoint``."""
        with self.transaction():
            self.execute(
                "UPDATE harvest SET checkpoint = ?, updated_at = ? WHERE name = ?",
                (checkpoint, at, name),
            )

    def set_harvest_start(self, name: str, stored_through: str, at: str) -> None:
        """The next run of harvest ``name`` starts from ``stored_through``."""
        with self.transaction():
            self.execute(
                "INSERT INTO harvest (name, stored_through, running_since, updated_at) "
                "VALUES (?, ?, NULL, ?) ON CONFLICT (name) DO UPDATE SET "
                "stored_through = excluded.stored_through, updated_at = excluded.updated_at",
                (name, stored_through, at),
            )

    def finish_harvest(self, name: str, stored_through: str | None, at: str) -> None:
        """Harvest ``name`` is done: everything up to ``stored_through`` is stored (None
        keeps the date it had)."""
        with self.transaction():
            self.execute(
                "UPDATE harvest SET stored_through = COALESCE(?, stored_through), "
                "running_since = NULL, running_from = NULL, checkpoint = NULL, updated_at = ? "
                "WHERE name = ?",
                (stored_through, at, name),
            )
