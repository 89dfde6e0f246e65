"""People: identity edits survive a re-ingest of every file.

Ingests the seed documents and every folder of ``../shared/data`` into a fresh SQLite
file, then makes edits a curator would make: merges the three best suggested pairs
(``identity suggest``), undoes the second merge, and splits one work off the first kept
person. It records who is who (every authorship's person) and the profile figures of
every person an edit touched and of the 50 people with most works; re-ingests every file;
and compares. Stable means: the same authorships with the same people, the same figures.

    python bench/identity_stability.py
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from scholarscope.pipeline import FileReport, expand_paths, identity, ingest_paths
from scholarscope.profile import build_profile
from scholarscope.store import Store, open_store
from scholarscope.suggestions import suggest_merges

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT.parent / "shared" / "data"
SOURCES = [PROJECT / "examples", *sorted(p for p in DATA.iterdir() if p.is_dir())]


def ingest_everything(store: Store) -> list[FileReport]:
    return ingest_paths(store, expand_paths(SOURCES))


def who_is_who(store: Store) -> set[tuple[int, int, str]]:
    rows = store.query("SELECT work_id, author_id, source FROM authorship")
    return {(int(w), int(a), str(s)) for w, a, s in rows}


def figures(store: Store, people: list[int]) -> dict[int, tuple[Any, ...]]:
    result = {}
    for author_id in people:
        p = build_profile(store, author_id, evidence=False)
        result[author_id] = (p["name"], p["papers"], p["h_index"], p["citations"], p["field"])
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(str(Path(folder) / "stability.db"))
        start = time.perf_counter()
        ingest_everything(store)
        first_ingest = time.perf_counter() - start
        suggested = suggest_merges(store, limit=3)
        edits = []
        for s in suggested:
            edit = identity.merge_people(store, *s.authors, "bench: suggested merge", "bench")
            edits.append(edit.summary)
        if len(suggested) >= 2:
            edits.append(identity.undo_edit(store, 2, "bench: undo", "bench").summary)
        kept = identity.author_number(suggested[0].authors[0])
        first_work = f"work:{store.author_work_ids(kept)[0]}"
        edits.append(
            identity.split_person(store, f"author:{kept}", [first_work], "bench", "bench").summary
        )
        touched = sorted(
            {identity.author_number(a) for e in identity.edit_log(store) for a in e.people}
        )
        busiest = [
            int(row[0])
            for row in store.query(
                "SELECT author_id FROM authorship GROUP BY author_id "
                "ORDER BY COUNT(DISTINCT work_id) DESC, author_id LIMIT 50"
            )
        ]
        watched = sorted({a for a in touched if store.author_row(a)} | set(busiest))
        before = who_is_who(store), figures(store, watched)
        start = time.perf_counter()
        reports = ingest_everything(store)
        again = time.perf_counter() - start
        after = who_is_who(store), figures(store, watched)
        store.close()
    print(
        json.dumps(
            {
                "files": len(reports),
                "edits": edits,
                "authorships": len(before[0]),
                "people_compared_by_profile": len(watched),
                "same_people": before[0] == after[0],
                "same_figures": before[1] == after[1],
                "authorships_changed": len(before[0] ^ after[0]),
                "figures_changed": sorted(a for a in watched if before[1][a] != after[1][a]),
                "seconds": {"first_ingest": round(first_ingest, 1), "re_ingest": round(again, 1)},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
