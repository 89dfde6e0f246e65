"""People: B3 precision, recall and F1 of author resolution against OpenAlex's person ids.

OpenAlex gives every authorship in ``../shared/data/openalex-authors/`` (20 researchers
and their works) a person id. Those ids are hidden: every work is ingested with its
authors' names as printed (``raw_author_name``), positions and affiliations only, into a
fresh SQLite store, and the
people the resolver makes are compared with OpenAlex's, authorship by authorship (a
work listed in several files counts once). A name-only baseline (one person per folded
name) is scored in the same run.

B3, per authorship: precision is the share of the authorships put with it that OpenAlex
gives the same person; recall the share of OpenAlex's authorships of that person put
with it; both averaged over every authorship with a person id, F1 of the two averages.

    python bench/identity_b3.py
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

from scholarscope.authors import folded_name
from scholarscope.ingest import load_path
from scholarscope.pipeline import FileReport, ingest_items
from scholarscope.records import Author, Work
from scholarscope.store import open_store
from scholarscope.suggestions import Suggestion, suggest_merges

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "openalex-authors"

Authorship = tuple[str, int]  # (the work's first id, the author's position)


def read_works() -> list[Work]:
    """Every work of the folder once (the first file that lists it)."""
    works: dict[str, Work] = {}
    for path in sorted(DATA.iterdir()):
        for item in load_path(path):
            if isinstance(item, Work) and item.ids:
                works.setdefault(item.ids[0], item)
    return list(works.values())


def openalex_people(works: list[Work]) -> dict[Authorship, str]:
    """OpenAlex's person id of each authorship that has one."""
    truth = {}
    for work in works:
        for authorship in work.authors:
            person = next((i for i in authorship.author.ids if i.startswith("openalex:")), None)
            if person and authorship.position is not None:
                truth[(work.ids[0], authorship.position)] = person
    return truth


def printed_names() -> dict[tuple[str, int], str]:
    """Each authorship's name as the paper printed it (``raw_author_name``), by OpenAlex
    work id and position. The parser keeps OpenAlex's ``display_name``, which is the
    person's normalised name: telling people apart by it would use OpenAlex's answer."""
    names = {}
    for path in sorted(DATA.iterdir()):
        for work in json.loads(path.read_text())["works"]:
            work_id = "openalex:" + str(work["id"]).rsplit("/", 1)[-1]
            for position, entry in enumerate(work.get("authorships") or [], start=1):
                if entry.get("raw_author_name"):
                    names[(work_id, position)] = entry["raw_author_name"]
    return names


def as_printed(works: list[Work], keep_orcids: bool = False) -> list[Work]:
    """The works with their authors as printed: names only, no person ids (with
    ``keep_orcids``, the ORCIDs the authorships carry stay)."""
    printed = printed_names()
    result = []
    for work in works:
        openalex_id = next((i for i in work.ids if i.startswith("openalex:W")), "")
        authors = tuple(
            replace(
                a,
                author=Author(
                    printed.get((openalex_id, a.position or 0), a.author.name),
                    ids=tuple(i for i in a.author.ids if keep_orcids and i.startswith("orcid:")),
                ),
            )
            for a in work.authors
        )
        result.append(replace(work, authors=authors))
    return result


def resolved_people(
    works: list[Work], path: Path, truth: dict[Authorship, str]
) -> tuple[dict[Authorship, str], dict[str, object]]:
    """The person our resolver gives each authorship, ingesting the works as given; and
    the precision of the top suggested merges (``suggestions.py``)."""
    store = open_store(str(path))
    ingest_items(store, works, FileReport("openalex-authors"))
    key_of = store.find_work_keys([w.ids[0] for w in works])
    first_id = {work_id: key for key, work_id in key_of.items()}
    rows = store.query("SELECT work_id, author_id, position FROM authorship")
    people = {
        (first_id[work_id], position): f"author:{author_id}"
        for work_id, author_id, position in rows
        if work_id in first_id and position is not None
    }
    found = suggest_merges(store, limit=max(TOP))
    overruled = store.query(
        "SELECT s.name_as_written, a.name, s.evidence FROM authorship s JOIN author_key k "
        "ON k.key = s.evidence JOIN author a ON a.author_id = k.author_id "
        "WHERE s.rule = 'unrelated-id' ORDER BY 1"
    )
    store.close()
    figures = suggestion_precision(found, people, truth)
    figures["bylines_whose_id_names_an_unrelated_person"] = len(overruled)
    figures["examples"] = [f"{printed} (id of {owner})" for printed, owner, _ in overruled]
    return people, figures


TOP = (10, 25, 50)


def suggestion_precision(
    found: list[Suggestion], people: dict[Authorship, str], truth: dict[Authorship, str]
) -> dict[str, object]:
    """Share of the top k suggested pairs that are one OpenAlex person: a pair is right
    when the OpenAlex id most of each person's authorships carry is the same."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for item, person in people.items():
        if item in truth:
            votes[person][truth[item]] += 1
    majority = {person: counts.most_common(1)[0][0] for person, counts in votes.items()}
    right = [majority.get(s.authors[0]) == majority.get(s.authors[1]) for s in found]
    result: dict[str, object] = {"suggested": len(found)}
    for k in TOP:
        if len(right) >= k:
            result[f"precision_at_{k}"] = round(sum(right[:k]) / k, 2)
    return result


def name_only(works: list[Work]) -> dict[Authorship, str]:
    return {
        (work.ids[0], a.position): folded_name(a.author.name)
        for work in works
        for a in work.authors
        if a.position is not None
    }


def b3(predicted: dict[Authorship, str], truth: dict[Authorship, str]) -> dict[str, float]:
    items = [item for item in truth if item in predicted]
    by_predicted: dict[str, set[Authorship]] = defaultdict(set)
    by_true: dict[str, set[Authorship]] = defaultdict(set)
    for item in items:
        by_predicted[predicted[item]].add(item)
        by_true[truth[item]].add(item)
    precision = recall = 0.0
    for item in items:
        together, same = by_predicted[predicted[item]], by_true[truth[item]]
        shared = len(together & same)
        precision += shared / len(together)
        recall += shared / len(same)
    precision, recall = precision / len(items), recall / len(items)
    f1 = 2 * precision * recall / (precision + recall)
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def main() -> None:
    works = read_works()
    truth = openalex_people(works)
    report: dict[str, object] = {
        "works": len(works),
        "authorships_with_an_openalex_person": len(truth),
        "openalex_people": len(set(truth.values())),
    }
    with tempfile.TemporaryDirectory() as folder:
        for label, keep_orcids in (("names_only", False), ("names_and_orcids", True)):
            given = as_printed(works, keep_orcids)
            ours, suggested = resolved_people(given, Path(folder) / f"{label}.db", truth)
            report[label] = {
                "ours": b3(ours, truth) | {"people": len(set(ours.values()))},
                "name_only_baseline": b3(name_only(given), truth),
                "suggestions": suggested,
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
