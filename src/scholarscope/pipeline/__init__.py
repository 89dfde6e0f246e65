"""Where the stages are wired: store -> compute -> store.

- ``ingest``: files -> parsers -> merged works and authors (``ingest_paths``); at the
  end of each batch, ``versions``: which works are versions of one paper
  (``link_versions``).
- ``enrich``: works -> field prediction, code status, venue -> ``work_enrichment``
  (``enrich_store``).
- ``classify``: files -> predicted fields, nothing stored (``classify_paths``).
- ``merge``: two author ids of one person -> one (``merge_authors``).
"""

from scholarscope.pipeline.ingest import (
    BATCH_SIZE,
    FileReport,
    expand_paths,
    ingest_items,
    ingest_paths,
    record_key,
)
from scholarscope.pipeline.prepared_record import title_key

__all__ = [
    "BATCH_SIZE",
    "FileReport",
    "expand_paths",
    "ingest_items",
    "ingest_paths",
    "record_key",
    "title_key",
]
