"""Identity edits (merge, split, undo, the log) and suggested merges, on the seed pages and
real arXiv records of the same papers (``../shared/data/arxiv-cs``)."""

from __future__ import annotations

import gzip
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scholarscope.authors import attribution_text
from scholarscope.cli import cli
from scholarscope.ingest import load_path
from scholarscope.pipeline import FileReport, identity, ingest_items
from scholarscope.records import Work
from scholarscope.store import open_store
from scholarscope.suggestions import suggest_merges

ARXIV = "arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz"
# Three of Nannan Wang's page papers, and three of Shiming Ge's, as the arXiv snapshot
# lists them (the arXiv byline of 2601.08493 has the page's typo "Kexin Baoa" too).
FIRST = ("2504.19244",)
LATER = ("2505.13997", "2509.11587", "2601.08448", "2601.08493", "2601.08519")


def arxiv_file(shared_data: Path, folder: Path, name: str, ids: tuple[str, ...]) -> Path:
    """The real snapshot lines of these ids, as a file of their own."""
    lines = []
    with gzip.open(shared_data / ARXIV, "rt", encoding="utf-8") as source:
        for line in source:
            if json.loads(line)["id"] in ids:
                lines.append(line)
    assert len(lines) == len(ids)
    path = folder / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def run(db: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def people(db: Path) -> dict[str, tuple[int, int, int]]:
    """Every person with works: name -> (works, h-index, citations)... keyed by id."""
    store = open_store(str(db), read_only=True)
    rows = store.query(
        "SELECT a.author_id, a.name, COUNT(DISTINCT s.work_id) FROM author a "
        "JOIN authorship s ON s.author_id = a.author_id GROUP BY a.author_id"
    )
    store.close()
    return {f"author:{a}": (name, n) for a, name, n in rows}


def profile_figures(db: Path, author: str) -> tuple[Any, ...]:
    p = run(db, "profile", author, "--json")
    return (p["name"], p["papers"], p["h_index"], p["citations"])


@pytest.fixture
def db(tmp_path: Path, seeds: Path) -> Path:
    path = tmp_path / "identity.db"
    run(path, "ingest", str(seeds))
    return path


def test_a_split_holds_when_a_later_ingest_brings_the_paper_again(
    db: Path, tmp_path: Path, shared_data: Path
) -> None:
    first = arxiv_file(shared_data, tmp_path, "first.jsonl", FIRST)
    later = arxiv_file(shared_data, tmp_path, "later.jsonl", LATER)
    run(db, "ingest", str(first))  # arXiv's "Nannan Wang" is now the page's Nannan Wang
    wang = run(db, "authors", "Nannan Wang", "--json")["authors"]
    assert [(a["id"], a["papers"]) for a in wang] == [("author:64", 50)]
    works = run(db, "works", "--author", "author:64", "--json")["works"]
    (block,) = [w["id"] for w in works if w["title"].startswith("Hierarchical Identity Learning")]
    assert block.startswith("work:")  # a page block: no id until arXiv's record comes
    edit = run(db, "identity", "split", "author:64", "--works", block,
               "--reason", "test: a namesake", "--json")  # fmt: skip
    assert (edit["edit"], edit["kind"], edit["people"]) == (1, "split", ["author:64", "author:140"])
    assert edit["summary"] == (
        "split 1 work of author:64 (Nannan Wang) into a new person author:140 (Nannan Wang)"
    )
    run(db, "ingest", str(later))  # brings 2509.11587's arXiv record: its byline is pinned
    moved = run(db, "profile", "author:140", "--json")
    assert [w["id"] for w in moved["works"]] == ["arxiv:2509.11587"]
    (work,) = moved["works"]
    assert sorted((a["source"], a["rule"], a["why"]) for a in work["attribution"]) == [
        ("arxiv_snapshot", "pin", "identity edit 1 (split)"),
        ("profile_page", "pin", "identity edit 1 (split)"),
    ]
    stayed = run(db, "profile", "author:64", "--json")
    assert stayed["papers"] == 49
    reasons = {a["why"] for w in stayed["works"] for a in w["attribution"]}
    assert "the name 'nannan wang' in arXiv records" in reasons
    before = people(db), profile_figures(db, "author:64"), profile_figures(db, "author:140")
    for path in (db.parent / "first.jsonl", db.parent / "later.jsonl"):
        run(db, "ingest", str(path))
    run(db, "ingest", str(Path(__file__).resolve().parents[1] / "examples"))
    after = people(db), profile_figures(db, "author:64"), profile_figures(db, "author:140")
    assert after == before


def test_merge_then_undo_restores_every_row(db: Path) -> None:
    tables = ("author", "author_key", "authorship", "stated_metrics", "author_alias")

    def snapshot() -> dict[str, list[tuple[Any, ...]]]:
        with sqlite3.connect(db) as connection:
            return {t: sorted(connection.execute(f"SELECT * FROM {t}")) for t in tables}

    before = snapshot()
    merged = run(db, "identity", "merge", "author:3", "author:64", "--reason", "test", "--json")
    assert merged["papers"] == 100 and merged["edit"]["edit"] == 1
    assert snapshot() != before
    undone = run(db, "identity", "undo", "1", "--reason", "two people", "--json")
    assert (undone["kind"], undone["undoes"], undone["summary"]) == (
        "undo", 1, "undid edit 1 (merge)"
    )  # fmt: skip
    assert snapshot() == before
    log = run(db, "identity", "log", "--json")
    assert [(e["edit"], e["kind"], e["undone_by"], e["reason"]) for e in log] == [
        (1, "merge", 2, "test"),
        (2, "undo", None, "two people"),
    ]


def test_an_edit_others_build_on_is_undone_last_and_the_log_is_append_only(db: Path) -> None:
    run(db, "identity", "merge", "author:3", "author:1", "--reason", "a")
    run(db, "identity", "merge", "author:3", "author:64", "--reason", "b")
    refused = CliRunner().invoke(cli, ["--db", str(db), "identity", "undo", "1", "--reason", "x"])
    assert refused.exit_code == 2
    assert "edit 2 builds on the same people: undo it first" in refused.output
    run(db, "identity", "undo", "2", "--reason", "x")
    run(db, "identity", "undo", "1", "--reason", "x")
    again = CliRunner().invoke(cli, ["--db", str(db), "identity", "undo", "1", "--reason", "x"])
    assert "edit 1 was undone already by edit 4" in again.output
    with sqlite3.connect(db) as connection, pytest.raises(sqlite3.IntegrityError):
        connection.execute("UPDATE identity_edit SET reason = 'rewritten' WHERE edit_id = 1")
    with sqlite3.connect(db) as connection, pytest.raises(sqlite3.IntegrityError):
        connection.execute("DELETE FROM identity_edit")
    no_reason = CliRunner().invoke(
        cli, ["--db", str(db), "identity", "merge", "author:3", "author:1", "--reason", " "]
    )
    assert no_reason.exit_code == 2 and "give a reason" in no_reason.output


def test_the_page_typo_is_suggested_with_its_reasons_and_gone_once_merged(db: Path) -> None:
    store = open_store(str(db))
    (top,) = suggest_merges(store, limit=1)
    assert (top.names, top.authors) == (["Kexin Bao", "Kexin Baoa"], ["author:7", "author:34"])
    assert top.reasons == [
        "name (Kexin Bao / Kexin Baoa) a letter off",
        "1 shared co-author (shiming ge)",
        "same primary field (CV — Computer Vision and Pattern Recognition)",
    ]
    assert 0.5 <= top.score < 0.6
    identity.merge_people(store, "author:7", "author:34", "typo of the page", "test")
    assert all("Kexin Baoa" not in s.names for s in suggest_merges(store))
    identity.undo_edit(store, 1, "checked: keep apart", "test")
    # a merge a person undid is never suggested again
    assert all("Kexin Baoa" not in s.names for s in suggest_merges(store))
    store.close()
    shown = run(db, "identity", "suggest", "--json")
    assert shown == []


def test_a_source_id_on_an_unrelated_name_is_not_trusted(tmp_path: Path, shared_data: Path) -> None:
    # OpenAlex gives Mutasim Osman's ids to the byline "KFUPM" (his university) on one
    # work; with names as the paper printed them, that byline is not made him
    path = shared_data / "openalex-authors" / "A5035421092.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    printed = {
        ("openalex:" + w["id"].rsplit("/", 1)[-1], position): a["raw_author_name"]
        for w in raw["works"]
        for position, a in enumerate(w["authorships"], start=1)
        if a.get("raw_author_name")
    }
    works = [
        replace(
            work,
            authors=tuple(
                replace(a, author=replace(a.author, name=printed[(work.ids[0], a.position)]))
                if (work.ids[0], a.position) in printed
                else a
                for a in work.authors
            ),
        )
        for work in load_path(path)
        if isinstance(work, Work)
    ]
    store = open_store(str(tmp_path / "printed.db"))
    ingest_items(store, works, FileReport(path.name))
    osman = store.author_by_key("orcid:0000-0002-6344-9257")
    rows = store.query(
        "SELECT s.author_id, s.name_as_written, s.rule, s.evidence FROM authorship s "
        "WHERE s.name_as_written IN ('KFUPM', 'Mutasim Osman') ORDER BY 2"
    )
    store.close()
    (kfupm,) = [row for row in rows if row[1] == "KFUPM"]
    assert kfupm[0] != osman
    assert kfupm[2:] == ("unrelated-id", "openalex:A5035421092")
    # and one "Mutasim Osman" byline carries Korhan Ayranci's ids: it goes by its name too
    assert sorted((row[0] == osman, row[2]) for row in rows if row[1] == "Mutasim Osman") == [
        (False, "unrelated-id")
    ] + [(True, "key")] * (len(rows) - 2)
    assert attribution_text(*kfupm[2:]) == (
        "the name as printed: its OpenAlex id A5035421092 is another person's, of an unrelated name"
    )


def test_a_log_replayed_on_a_database_built_in_another_order_gives_the_same_people(
    db: Path, tmp_path: Path, seeds: Path
) -> None:
    run(db, "identity", "merge", "author:7", "author:34", "--reason", "page typo")
    run(db, "identity", "split", "author:3", "--works", "work:11 work:12", "--reason", "test")
    run(db, "identity", "merge", "author:3", "author:64", "--reason", "wrong")
    run(db, "identity", "undo", "3", "--reason", "two people")
    log_file = tmp_path / "edits.json"
    log_file.write_text(json.dumps(run(db, "identity", "log", "--json")), encoding="utf-8")
    rebuilt = tmp_path / "rebuilt.db"
    for path in sorted(seeds.iterdir(), reverse=True):  # other ids for the same people
        run(rebuilt, "ingest", str(path))
    assert people(rebuilt) != people(db)
    replayed = run(rebuilt, "identity", "replay", str(log_file))
    assert replayed.splitlines() == [
        "edit 1 -> edit 1: merged author:109 (Kexin Baoa) into author:83 (Kexin Bao)",
        "edit 2 -> edit 2: split 2 works of author:80 (Shiming Ge) into a new person "
        "author:138 (Shiming Ge)",
        "edit 3 -> edit 3: merged author:2 (Nannan Wang) into author:80 (Shiming Ge)",
        "edit 4 -> edit 4: undid edit 3 (merge)",
    ]

    def groups(path: Path) -> set[frozenset[tuple[str, str]]]:
        store = open_store(str(path), read_only=True)
        rows = store.query(
            "SELECT s.author_id, s.name_as_written, json_extract(r.record, '$.title') "
            "FROM authorship s JOIN work_record r ON r.work_id = s.work_id "
            "AND r.source = s.source"
        )
        store.close()
        by_person: dict[int, set[tuple[str, str]]] = {}
        for author_id, name, title in rows:
            by_person.setdefault(author_id, set()).add((name, title))
        return {frozenset(v) for v in by_person.values()}

    assert groups(rebuilt) == groups(db)
    again = run(rebuilt, "identity", "replay", str(log_file))
    assert again.splitlines()[0] == "edit 1 (merge) skipped: they are one person here already"
