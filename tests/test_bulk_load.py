"""Set-based writes of a big batch: SQLite's facet triggers set aside and the works
refreshed in one statement (``IngestWrites.upsert_work_records``); PostgreSQL's COPY into
staging tables and statement triggers (``PostgresStore.write_rows``, m016). Either way
the facet rows and the search index must be what the row triggers would have made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scholarscope.pipeline import ingest_paths
from scholarscope.store import Store, open_store

FACET = "work_id, title, abstract, field_category, field, year, date, code, venue"
KAGGLE_2000 = "arxiv-kaggle/snapshot-0704.0001-0704.2000.jsonl"


def facets_and_truth(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The stored facet rows, and the rows the ``work_facet_source`` view derives now."""
    stored = store.query(f"SELECT {FACET} FROM work_facet ORDER BY work_id")
    derived = store.query(f"SELECT {FACET} FROM work_facet_source ORDER BY work_id")
    return stored, derived


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "bulk.db")
    return str(request.getfixturevalue("postgres_url"))


def test_a_big_batch_leaves_the_facets_the_row_triggers_would(
    url: str, shared_data: Path, seeds: Path, tmp_path: Path
) -> None:
    store = open_store(url)
    ingest_paths(store, [shared_data / KAGGLE_2000])  # one batch of 2,000: set-based
    stored, derived = facets_and_truth(store)
    assert len(stored) == 2000 and stored == derived
    # a second file whose records move to other works: 300 Kaggle records re-keyed so
    # that each joins the work of the record 300 lines below it (its arXiv id), leaving
    # its first work without a record: that work's facet row must go
    lines = (shared_data / KAGGLE_2000).read_text().splitlines()
    moved = []
    for line, target in zip(lines[:300], lines[300:600], strict=True):
        record, other = json.loads(line), json.loads(target)
        record["id"] = other["id"]
        moved.append(json.dumps(record))
    changed = tmp_path / "moved.jsonl"
    changed.write_text("\n".join(moved) + "\n")
    (report,) = ingest_paths(store, [changed])
    assert (report.read, report.merged) == (300, 300)
    stored, derived = facets_and_truth(store)
    assert stored == derived
    # 190 of the 300 also carry their first record's DOI: ids leading to two works, which
    # were merged; every facet row is a work with records, and every such work has one
    assert len(stored) == 1810
    assert store.query("SELECT COUNT(DISTINCT work_id) FROM work_record") == [(1810,)]
    store.close()


def test_sqlite_gets_its_triggers_back_after_a_big_batch_and_after_a_failed_one(
    tmp_path: Path, shared_data: Path
) -> None:
    store = open_store(str(tmp_path / "bulk.db"))
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    before = store.query(triggers)
    assert len([name for name, _ in before if name.startswith("work_record_")]) == 4
    ingest_paths(store, [shared_data / KAGGLE_2000])
    assert store.query(triggers) == before
    rows = store.query(
        "SELECT source, record_key, work_id, origin, seq, record_hash, record, ingested_at "
        "FROM work_record ORDER BY record_key LIMIT 500"
    )
    with pytest.raises(RuntimeError, match="stop"):
        with store.transaction():
            store.upsert_work_records(rows)
            assert store.query(triggers) == before  # made again right after the write
            with store.row_triggers_set_aside("work_record"):
                raise RuntimeError("stop")
    assert store.query(triggers) == before  # the rollback brought them back
    # and they still work: a record moved by hand moves its facet row
    store.execute("UPDATE work_record SET work_id = 1 WHERE work_id = 2")
    stored, derived = facets_and_truth(store)
    assert stored == derived and 2 not in {row[0] for row in stored}
    store.close()
