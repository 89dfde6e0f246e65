"""Versions of one paper (``versions.py``, ``pipeline/versions.py``): the candidates
that share a title, what the version rules read of each work, and the links and groups
the version stage stores. (A merge of two works moves their rows: ``ingest_writes``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scholarscope.store.database import Database, chunks


class VersionQueries(Database):
    """The reads and writes of ``work_version_link`` and ``work_version``, run through
    ``self.query``, ``self._query_in`` and ``self.execute`` of ``Database``."""

    def same_title_works(self, titles: Sequence[tuple[int, str]]) -> list[tuple[int, int]]:
        """For each (work_id, ``title:<folded title>|`` prefix): (work_id, other) for every
        other work that holds a title key with that prefix, in any year (a key leads to
        the first work stored with it). One index range read per work; a work holding
        its own title keys only gives no row."""
        rows: list[tuple[int, int]] = []
        for chunk in chunks(list(dict.fromkeys(titles))):
            values = ", ".join(["(?, ?, ?)"] * len(chunk))
            bounds = [x for work_id, prefix in chunk for x in (work_id, prefix, prefix + "~")]
            rows.extend(
                self.query(
                    f"WITH p (work_id, low, high) AS (VALUES {values}) SELECT p.work_id, "
                    "k.work_id FROM p JOIN work_key k ON k.key > p.low AND k.key < p.high "
                    "AND k.work_id <> p.work_id",
                    bounds,
                )
            )
        return [(int(work_id), int(other)) for work_id, other in rows]

    def version_features(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """What the version rules read of each work: its shown title, year, date, venue
        and abstract (``work_facet``), its keys, its authors' folded names and its
        records' sources."""
        found: dict[int, dict[str, Any]] = {}
        for work_id in work_ids:
            found[work_id] = {"title": None, "year": None, "date": None, "venue": None,
                              "abstract": None, "keys": [], "names": [], "sources": []}  # fmt: skip
        columns = ("title", "year", "date", "venue", "abstract")
        for row in self._query_in(
            f"SELECT work_id, {', '.join(columns)} FROM work_facet WHERE work_id IN ({{marks}})",
            work_ids,
        ):
            found[int(row[0])].update(zip(columns, row[1:], strict=True))
        for work_id, key in self._query_in(
            "SELECT work_id, key FROM work_key WHERE work_id IN ({marks}) ORDER BY key", work_ids
        ):
            found[int(work_id)]["keys"].append(key)
        for work_id, name in self._query_in(
            "SELECT DISTINCT s.work_id, a.folded_name FROM authorship s "
            "JOIN author a ON a.author_id = s.author_id WHERE s.work_id IN ({marks})",
            work_ids,
        ):
            found[int(work_id)]["names"].append(name)
        for work_id, source in self._query_in(
            "SELECT DISTINCT work_id, source FROM work_record WHERE work_id IN ({marks}) "
            "ORDER BY work_id, source",
            work_ids,
        ):
            found[int(work_id)]["sources"].append(source)
        return found

    def version_links_of(self, work_ids: Sequence[int]) -> list[tuple[int, int, str, float, str]]:
        """(work_id, other_id, rule, confidence, evidence) of every link of the works."""
        rows = self._query_in(
            "SELECT work_id, other_id, rule, confidence, evidence FROM work_version_link "
            "WHERE work_id IN ({marks}) ORDER BY work_id, other_id",
            work_ids,
        )
        return [(int(w), int(o), rule, float(c), evidence) for w, o, rule, c, evidence in rows]

    def replace_version_links(
        self, work_ids: Sequence[int], rows: Sequence[tuple[int, int, str, float, str]], at: str
    ) -> None:
        """Every link of the works becomes ``rows`` (work_id, other_id, rule, confidence,
        evidence), each stored both ways round."""
        for column in ("work_id", "other_id"):
            for chunk in chunks(list(dict.fromkeys(work_ids))):
                marks = ",".join("?" * len(chunk))
                self.execute(f"DELETE FROM work_version_link WHERE {column} IN ({marks})", chunk)
        both = {(a, b): row for a, b, *row in rows} | {(b, a): row for a, b, *row in rows}
        self.executemany(
            "INSERT INTO work_version_link (work_id, other_id, rule, confidence, evidence, "
            "linked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (work_id, other_id) DO UPDATE "
            "SET rule = excluded.rule, confidence = excluded.confidence, "
            "evidence = excluded.evidence, linked_at = excluded.linked_at",
            [(a, b, *row, at) for (a, b), row in sorted(both.items())],
        )

    def version_groups_of(self, work_ids: Sequence[int]) -> dict[int, int]:
        """The primary version of each of the works that is in a version group."""
        rows = self._query_in(
            "SELECT work_id, primary_id FROM work_version WHERE work_id IN ({marks})", work_ids
        )
        return {int(w): int(p) for w, p in rows}

    def version_group_members(self, primary_ids: Sequence[int]) -> dict[int, list[int]]:
        """The works of each version group, by its primary version."""
        members: dict[int, list[int]] = {}
        for work_id, primary_id in self._query_in(
            "SELECT work_id, primary_id FROM work_version WHERE primary_id IN ({marks}) "
            "ORDER BY work_id",
            primary_ids,
        ):
            members.setdefault(int(primary_id), []).append(int(work_id))
        return members

    def replace_version_groups(
        self, work_ids: Sequence[int], rows: Iterable[tuple[int, int]]
    ) -> None:
        """The works' version groups become ``rows`` (work_id, primary_id); a work of
        ``work_ids`` without a row is in no group."""
        for chunk in chunks(list(dict.fromkeys(work_ids))):
            marks = ",".join("?" * len(chunk))
            self.execute(f"DELETE FROM work_version WHERE work_id IN ({marks})", chunk)
        self.executemany("INSERT INTO work_version (work_id, primary_id) VALUES (?, ?)", rows)

    def version_group_map(self) -> dict[int, int]:
        """Every grouped work's primary version (novelty never compares the two)."""
        rows = self.query("SELECT work_id, primary_id FROM work_version ORDER BY work_id")
        return {int(w): int(p) for w, p in rows}

    def version_link_rows(self) -> list[tuple[int, int, str, float, str]]:
        """Every link once (work_id < other_id), for benchmarks and exports."""
        rows = self.query(
            "SELECT work_id, other_id, rule, confidence, evidence FROM work_version_link "
            "WHERE work_id < other_id ORDER BY work_id, other_id"
        )
        return [(int(w), int(o), rule, float(c), evidence) for w, o, rule, c, evidence in rows]
