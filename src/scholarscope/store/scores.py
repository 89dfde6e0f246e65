"""What the score stage stores and the pages read of it (``pipeline/score.py``): text
embeddings keyed by content hash and model, each work's novelty and its percentile in
its cohort, and the AI Score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scholarscope.store.database import Database, chunks


class ScoreQueries(Database):
    """The reads and writes of ``embedding``, ``work_novelty`` and ``work_score``, run
    through ``self.query``, ``self._query_in`` and the one-row-per-work helpers of
    ``Database``."""

    def embedded_hashes(self, model: str) -> set[str]:
        """Content hashes that already have a vector from ``model``."""
        rows = self.query("SELECT content_hash FROM embedding WHERE model = ?", (model,))
        return {row[0] for row in rows}

    def insert_embeddings(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """rows: (content_hash, model, float32 bytes); a vector already stored is kept."""
        self.executemany(
            "INSERT INTO embedding (content_hash, model, vector) VALUES (?, ?, ?) "
            "ON CONFLICT (content_hash, model) DO NOTHING",
            rows,
        )

    def embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, bytes]:
        """The stored vector bytes of each content hash that has one."""
        rows = self._query_in(
            "SELECT content_hash, vector FROM embedding WHERE model = ? "
            "AND content_hash IN ({marks})",
            hashes,
            before=(model,),
        )
        return {content_hash: bytes(vector) for content_hash, vector in rows}

    NOVELTY_COLUMNS = (
        "work_id, model, content_hash, novelty_date, earlier_works, neighbours, novelty_raw, "
        "reason, cohort, novelty_percentile, computed_at"
    )

    def novelty_inputs(self) -> dict[int, dict[str, Any]]:
        """What each stored novelty was computed from: work_id -> {model, content_hash,
        novelty_date, earlier_works, neighbours (JSON)}."""
        columns = "work_id, model, content_hash, novelty_date, earlier_works, neighbours"
        return self._rows_by_work_all("work_novelty", columns)

    def upsert_novelty(self, rows: Iterable[Sequence[Any]]) -> None:
        """rows: one value per column of ``NOVELTY_COLUMNS``, in that order."""
        self._upsert("work_novelty", self.NOVELTY_COLUMNS, rows)

    def delete_novelty(self, work_ids: Sequence[int]) -> None:
        for chunk in chunks(list(dict.fromkeys(work_ids))):
            marks = ",".join("?" * len(chunk))
            self.execute(f"DELETE FROM work_novelty WHERE work_id IN ({marks})", chunk)

    def novelty_raw_values(self) -> list[tuple[int, float | None, str | None]]:
        """(work_id, novelty_raw, cohort) of every work with a stored novelty."""
        rows = self.query("SELECT work_id, novelty_raw, cohort FROM work_novelty ORDER BY work_id")
        return [(int(w), raw, cohort) for w, raw, cohort in rows]

    def set_novelty_percentiles(
        self, rows: Iterable[tuple[str | None, float | None, str | None, int]]
    ) -> None:
        """rows: (cohort, percentile, reason there is none, work_id)."""
        self.executemany(
            "UPDATE work_novelty SET cohort = ?, novelty_percentile = ?, reason = ? "
            "WHERE work_id = ?",
            rows,
        )

    def novelty(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The stored novelty of each work that has one, as a dict of columns."""
        return self._rows_by_work("work_novelty", self.NOVELTY_COLUMNS, work_ids)

    SCORE_COLUMNS = "work_id, ai_score, breakdown, computed_at"

    def replace_scores(self, rows: Iterable[Sequence[Any]]) -> None:
        """Replace every stored AI Score (they are recomputed together: each depends on
        its cohort). rows: one value per column of ``SCORE_COLUMNS``."""
        self.execute("DELETE FROM work_score")
        self._upsert("work_score", self.SCORE_COLUMNS, rows)

    def scores(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return self._rows_by_work("work_score", self.SCORE_COLUMNS, work_ids)

    def score_coverage(self) -> dict[str, int]:
        """Counts for ``stats``: embedded texts, works with novelty, works scored."""
        return {
            "embeddings": int(self.query("SELECT COUNT(*) FROM embedding")[0][0]),
            "novelty_computed": int(
                self.query("SELECT COUNT(*) FROM work_novelty WHERE novelty_raw IS NOT NULL")[0][0]
            ),
            "novelty_too_early": int(
                self.query("SELECT COUNT(*) FROM work_novelty WHERE novelty_raw IS NULL")[0][0]
            ),
            "ai_scored": int(
                self.query("SELECT COUNT(*) FROM work_score WHERE ai_score IS NOT NULL")[0][0]
            ),
        }

    def work_score_values(
        self, work_ids: Sequence[int]
    ) -> dict[int, tuple[float | None, float | None]]:
        """(novelty percentile, AI Score) of each work that has either."""
        rows = self._query_in(
            "SELECT w.work_id, n.novelty_percentile, s.ai_score FROM work w "
            "LEFT JOIN work_novelty n ON n.work_id = w.work_id "
            "LEFT JOIN work_score s ON s.work_id = w.work_id WHERE w.work_id IN ({marks})",
            work_ids,
        )
        return {
            int(w): (novelty, score)
            for w, novelty, score in rows
            if novelty is not None or score is not None
        }

    def work_vectors(self, model: str) -> list[tuple[int, bytes]]:
        """(work_id, float32 vector bytes) of every work embedded by ``model``, through
        the hash of its text that the novelty stage recorded for it."""
        rows = self.query(
            "SELECT n.work_id, e.vector FROM work_novelty n JOIN embedding e "
            "ON e.content_hash = n.content_hash WHERE e.model = ? ORDER BY n.work_id",
            (model,),
        )
        return [(int(work_id), bytes(vector)) for work_id, vector in rows]

    def has_embeddings(self) -> bool:
        """Whether any text has a stored vector (else semantic search has nothing)."""
        return bool(self.query("SELECT EXISTS (SELECT 1 FROM embedding)")[0][0])
