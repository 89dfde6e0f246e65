"""The enrichment of works (``pipeline/enrich.py``): field, code links and venue,
one ``work_enrichment`` row per work, derived anew when a record of the work changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scholarscope.store.database import Database, chunks


class EnrichmentQueries(Database):
    """The reads and writes of ``work_enrichment``, run through ``self.query`` and the
    one-row-per-work helpers (``_upsert``, ``_rows_by_work``) of ``Database``."""

    ENRICHMENT_COLUMNS = (
        "work_id, enriched_at, field_category, field_badge, field_confidence, field_model, "
        "code_state, code_url, code_urls, code_evidence, venue, venue_year, venue_status, "
        "venue_workshop, venue_presentation, pages, figures, tables_count, venue_doi, "
        "venue_text, venue_parsed, venue_workshop_name"
    )

    def upsert_enrichments(self, rows: Iterable[Sequence[Any]]) -> None:
        """rows: one value per column of ``ENRICHMENT_COLUMNS``, in that order."""
        self._upsert("work_enrichment", self.ENRICHMENT_COLUMNS, rows)

    def works_to_enrich(self, model_version: str, everything: bool = False) -> list[int]:
        """Works with no enrichment (never enriched, or a source record of theirs was
        stored since: see ``forget_enrichments``) or enriched by another field model
        (``everything``: all works)."""
        if everything:
            return [int(r[0]) for r in self.query("SELECT work_id FROM work ORDER BY work_id")]
        rows = self.query(
            "SELECT w.work_id FROM work w LEFT JOIN work_enrichment e ON e.work_id = w.work_id "
            "WHERE e.work_id IS NULL OR COALESCE(e.field_model, '') <> ? ORDER BY w.work_id",
            (model_version,),
        )
        return [int(row[0]) for row in rows]

    def forget_enrichments(self, work_ids: Sequence[int]) -> None:
        """Drop the enrichment of works whose records changed, so it is derived anew."""
        unique = list(dict.fromkeys(work_ids))
        for chunk in chunks(unique):
            marks = ",".join("?" * len(chunk))
            self.execute(f"DELETE FROM work_enrichment WHERE work_id IN ({marks})", chunk)

    def enrichments(self, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The stored enrichment of each work that has one, as a dict of columns."""
        return self._rows_by_work("work_enrichment", self.ENRICHMENT_COLUMNS, work_ids)

    def enrichment_coverage(self) -> dict[str, int]:
        """Counts for ``stats``: how many works each enrichment covers."""
        row = self.query(
            "SELECT COUNT(*), "
            "SUM(CASE WHEN field_category IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN code_state = 'available' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN code_state = 'promised' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN venue_text IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN venue IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN venue_text IS NOT NULL AND venue_parsed = 0 THEN 1 ELSE 0 END) "
            "FROM work_enrichment"
        )[0]
        names = (
            "enriched",
            "field_predicted",
            "code_available",
            "code_promised",
            "with_comments",
            "venue_found",
            "comments_unparsed",
        )
        return {name: int(value or 0) for name, value in zip(names, row, strict=True)}
