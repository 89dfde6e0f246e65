"""Fields outside computer science, end to end: how many real non-CS records are shown
with a CS field after ingest and enrichment, as a user sees them.

The text-only domain gate (``field_classifier_report.json``) is one part of the rule; the
other is that a stated field always wins (arXiv categories, OpenAlex's primary topic), so
the classifier sees only records that state none. This bench ingests the 2,000 records
of ``arxiv-kaggle`` and the 20 OpenAlex geoscience authors into a fresh SQLite file,
enriches them with the shipped model, and counts the shown fields:

- arxiv-kaggle: records whose stated categories are all outside CS, and records whose
  first listed category is outside CS;
- OpenAlex: works whose primary topic names a field other than Computer Science, and the
  works that state no field (these reach the classifier and its gate), listed one by one.

    python bench/field_domain.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.store import Store, open_store
from scholarscope.taxonomy import in_cs_domain

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KAGGLE = DATA / "arxiv-kaggle" / "snapshot-0704.0001-0704.2000.jsonl"
OPENALEX = DATA / "openalex-authors"
OPENALEX_CS_FIELD = "openalex:fields/17"


def shown_fields(store: Store, ids: list[str]) -> dict[str, str | None]:
    """The field key each record is shown with, by its source id."""
    keys = store.find_work_keys(ids)
    facets = store.work_facets(sorted(set(keys.values())))
    return {source_id: facets[work_id]["field"] for source_id, work_id in keys.items()}


def line(label: str, records: list[str], shown: dict[str, str | None]) -> None:
    cs = [i for i in records if shown[i] and in_cs_domain(shown[i])]
    rate = 1 - len(cs) / len(records)
    print(f"{label:58} {len(records):5}  CS shown {len(cs):3}  no CS field {rate:.1%}")


def main() -> None:
    model = load_field_model()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(str(Path(folder) / "fields.db"))
        ingest_paths(store, [KAGGLE, OPENALEX])
        print(enrich_store(store, model=model))

        stated = {}
        for text in KAGGLE.read_text(encoding="utf-8").splitlines():
            record = json.loads(text)
            stated[f"arxiv:{record['id']}"] = record["categories"].split()
        shown = shown_fields(store, list(stated))
        all_outside = [
            i for i, c in stated.items() if not any(in_cs_domain(f"arxiv:{x}") for x in c)
        ]
        first_outside = [i for i, c in stated.items() if not in_cs_domain(f"arxiv:{c[0]}")]
        print(f"\nmodel {model.version}\n")
        line("arxiv-kaggle, every stated category outside CS", all_outside, shown)
        line("arxiv-kaggle, first listed category outside CS", first_outside, shown)

        topic: dict[str, str | None] = {}
        titles: dict[str, str] = {}
        for path in sorted(OPENALEX.iterdir()):
            for work in json.loads(path.read_text(encoding="utf-8"))["works"]:
                work_id = work["id"].replace("https://openalex.org/", "openalex:")
                field = ((work.get("primary_topic") or {}).get("field") or {}).get("id")
                topic[work_id] = field and "openalex:fields/" + field.rsplit("/", 1)[-1]
                titles[work_id] = work.get("title") or ""
        shown = shown_fields(store, list(topic))
        non_cs = [i for i, f in topic.items() if f and f != OPENALEX_CS_FIELD]
        unstated = [i for i, f in topic.items() if not f]
        line("OpenAlex works, primary topic outside Computer Science", non_cs, shown)
        line("OpenAlex works stating no field (classifier + gate)", unstated, shown)
        for work_id in unstated:
            print(f"    {work_id:22} {shown[work_id] or '(none)':14} {titles[work_id][:70]}")


if __name__ == "__main__":
    main()
