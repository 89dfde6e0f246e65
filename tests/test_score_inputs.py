"""What the score stage reads of each work: the typed facts merged from the store give
every work of a real database the ``ScoreInput`` the display views gave it, and one
work whose records cannot be read never stops the stage."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from scholarscope import pipeline, work_views
from scholarscope.enrich.fields import field_document, load_field_model
from scholarscope.pipeline import score as score_stage
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.pipeline.score import ScoreInput, content_hash
from scholarscope.store import Store, open_store

OPENALEX_AUTHORS = ("A5002041459.json", "A5054134454.json", "A5074794653.json")
SNAPSHOT_HEAD = "arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl"
TURING_PAPER = "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad"  # Computing Machinery and …
GRAIN_SIZE_DOI = "doi:10.1111/bre.12172"  # the first work of A5002041459.json


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, seeds: Path) -> Path:
    """Every kind of record scoring merges, enriched with the field model: the seeds (a
    feed and a profile page describing the same papers, Code badges, venues in comments),
    OpenAlex authors (citation figures dated, primary topics, source venues), Semantic
    Scholar (figures without a date, fields of study), the arXiv snapshot (journal-refs,
    multi-category records), and one OpenAlex work that Semantic Scholar and an arXiv
    record describe too (no real file joins three sources on one work)."""
    folder = tmp_path_factory.mktemp("score_inputs")
    path = folder / "s.db"
    store = open_store(str(path))
    joined = _joined_records(shared_data, folder)
    pipeline.ingest_paths(
        store,
        [
            seeds,
            *(shared_data / "openalex-authors" / name for name in OPENALEX_AUTHORS),
            shared_data / "semantic-scholar" / "Author.json",
            shared_data / "semantic-scholar" / "Paper.json",
            shared_data / SNAPSHOT_HEAD,
            *joined,
        ],
    )
    enrich_store(store, model=load_field_model())
    store.close()
    return path


@pytest.fixture
def store(database: Path) -> Store:
    return open_store(str(database))


def _joined_records(shared_data: Path, folder: Path) -> list[Path]:
    """A Semantic Scholar record and an arXiv record of the first OpenAlex work of
    A5002041459.json, found by its DOI: a work with three sources' records, two sources'
    citation figures, a workshop named in the arXiv comments and a code link."""
    bundle = json.loads((shared_data / "openalex-authors" / OPENALEX_AUTHORS[0]).read_text())
    work = bundle["works"][0]
    doi = work["doi"].removeprefix("https://doi.org/")
    s2 = folder / "s2" / "paper.json"
    s2.parent.mkdir()
    s2.write_text(
        json.dumps({
            "paperId": "0123456789abcdef0123456789abcdef01234567",
            "externalIds": {"DOI": doi},
            "title": work["title"],
            "year": 2015,
            "venue": "Basin Research (S2)",
            "citationCount": 41,
            "fieldsOfStudy": ["Geology"],
        })
    )  # fmt: skip
    arxiv = folder / "arxiv" / "snapshot.jsonl"
    arxiv.parent.mkdir()
    arxiv.write_text(
        json.dumps({
            "id": "1512.09999",
            "doi": doi,
            "title": work["title"],
            "authors": "Nikolaos A. Michael",
            "abstract": "Grain size sorting along sediment routing systems. Code is "
            "available at https://github.com/grain-size/routing.",
            "comments": "Accepted at the ICLR 2016 Workshop on Earth Science",
            "categories": "physics.geo-ph cs.LG",
            "update_date": "2015-12-30",
        })
        + "\n"
    )  # fmt: skip
    return [s2, arxiv]


def _old_score_input(view: Mapping[str, Any]) -> ScoreInput:
    """How the stage built a ``ScoreInput`` from a work's display view before it read
    typed facts (kept here only to compare against)."""
    text = field_document(view.get("title"), view.get("abstract")) or None
    when = score_stage.novelty_date(view.get("date"), view.get("ids", ()), view.get("year"))
    year = int(when[:4]) if when else None
    field = view.get("field_key")
    citation_source = view.get("citations_source")
    as_of = (view["citations_by_source"][citation_source]["as_of"] or "") if citation_source else ""
    venue = view.get("venue") or {}
    return ScoreInput(
        work_id=int(view["work_id"]),
        text=text,
        content_hash=content_hash(text) if text else None,
        novelty_date=when,
        cohort=f"{field or 'unknown field'} {year}" if year else None,
        citations=view.get("citations"),
        citations_year=int(as_of[:4]) if as_of[:4].isdigit() else None,
        year=year,
        code=bool(view.get("code")),
        venue_known=bool(venue),
        venue=venue.get("name"),
        venue_status=venue.get("status"),
        workshop=bool(venue.get("workshop")),
    )


def _by_key(store: Store, inputs: list[ScoreInput]) -> dict[str, ScoreInput]:
    found = {i.work_id: i for i in inputs}
    keys = store.find_work_keys([TURING_PAPER, GRAIN_SIZE_DOI, "arxiv:2408.04604",
                                 "arxiv:2409.19252", "arxiv:0704.0001"])  # fmt: skip
    return {key: found[work_id] for key, work_id in keys.items()}


def test_every_work_gets_the_score_input_its_view_gave(store: Store) -> None:
    work_ids = store.work_ids()
    views = work_views.load_work_views(store, work_ids)
    old = [_old_score_input(view) for view in views]
    problems: list[str] = []
    new = score_stage.load_score_inputs(store, problems)
    assert problems == []
    assert len(new) == len(work_ids) == 1518
    assert new == old
    # the database holds every case the merge rules choose between
    assert sum(len(view["sources"]) > 1 for view in views) == 4
    assert sum(len(view["citations_by_source"]) > 1 for view in views) == 1
    # S2's figures carry no date
    assert sum(i.citations is not None for i in new) == 1191
    assert sum(i.citations is not None and i.citations_year is None for i in new) == 1068
    assert (sum(i.code for i in new), sum(i.venue_known for i in new)) == (53, 1293)
    assert (sum(i.venue_status is not None for i in new), sum(i.workshop for i in new)) == (
        147, 2
    )  # fmt: skip
    fields = Counter((view["field_source"] or "none").split(" ")[0] for view in views)
    assert fields == {"stated": 1068, "predicted": 390, "none": 60}
    assert len({i.cohort.split()[0] for i in new if i.cohort}) == 85


def test_named_works_read_their_facts(store: Store) -> None:
    named = _by_key(store, score_stage.load_score_inputs(store))
    # OpenAlex, Semantic Scholar and arXiv on one work: the arXiv record's date and text
    # win, OpenAlex's dated figure wins over S2's, the comments name a workshop, and the
    # abstract links the code
    grain = named[GRAIN_SIZE_DOI]
    assert (grain.novelty_date, grain.year, grain.cohort) == (
        "2015-12-30", 2015, "openalex:fields/19 2015"
    )  # fmt: skip
    assert (grain.citations, grain.citations_year) == (37, 2025)
    assert (grain.venue, grain.venue_status, grain.workshop, grain.code) == (
        "ICLR", "accepted", True, True
    )  # fmt: skip
    # Semantic Scholar alone: a figure of unknown date, the venue S2 names
    turing = named[TURING_PAPER]
    assert (turing.novelty_date, turing.cohort) == ("1950-10-01", "s2:Computer Science 1950")
    assert (turing.citations, turing.citations_year) == (10059, None)
    assert (turing.venue, turing.venue_status, turing.code) == (
        "The Philosophy of Artificial Intelligence", None, False
    )  # fmt: skip
    # the feed and the profile page: the page's field badge and Code badge, the feed's
    # comments; neither gives a day, the arXiv id gives the month
    group3ad = named["arxiv:2408.04604"]
    assert (group3ad.novelty_date, group3ad.cohort) == ("2024-08", "arxiv:cs.CV 2024")
    assert (group3ad.code, group3ad.venue, group3ad.citations) == (True, "ACM MM", None)
    # a feed record alone: no title, no stated field (the field model's prediction)
    dsrl = named["arxiv:2409.19252"]
    assert (dsrl.novelty_date, dsrl.cohort) == ("2024-09", "arxiv:cs.CV 2024")
    assert (dsrl.venue, dsrl.venue_status, dsrl.code) == ("NeurIPS", "accepted", False)
    assert dsrl.text and dsrl.text.startswith("While numerous Video Violence Detection (VVD)")
    assert dsrl.content_hash == content_hash(dsrl.text) == "34c707a4eda19dcdab47fc0836faa684"
    # the arXiv snapshot: its primary category, the journal-ref's venue, published
    first = named["arxiv:0704.0001"]
    assert (first.novelty_date, first.cohort) == ("2007-04-02", "arxiv:hep-ph 2007")
    assert (first.venue, first.venue_status, first.citations) == ("Phys.Rev.D", "published",
                                                                  None)  # fmt: skip


def test_one_bad_work_is_named_and_the_others_are_read(
    store: Store, database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a database written before ingest checked dates, and one record damaged on disk
    target = sqlite3.connect(str(tmp_path / "copy.db"))
    store.connection.backup(target)
    target.close()
    copy = open_store(str(tmp_path / "copy.db"))
    keys = copy.find_work_keys(["arxiv:2409.19252", TURING_PAPER])
    month_13, damaged = keys["arxiv:2409.19252"], keys[TURING_PAPER]
    with copy.transaction():
        copy.execute(
            "UPDATE work_record SET record = json_set(record, '$.date', '2024-13-45') "
            "WHERE work_id = ?",
            (month_13,),
        )
        copy.execute("UPDATE work_record SET record = '{\"ids\": 5}' WHERE work_id = ?",
                     (damaged,))  # fmt: skip
    # four batches: the one holding the damaged work is read again a work at a time
    monkeypatch.setattr(score_stage, "READ_BATCH", 500)
    problems: list[str] = []
    inputs = {i.work_id: i for i in score_stage.load_score_inputs(copy, problems)}
    assert problems == [
        f"work:{damaged}: cannot be scored (TypeError(\"'int' object is not iterable\"))"
    ]
    assert len(inputs) == 1517 and damaged not in inputs
    # no calendar date: the month of the arXiv id dates the work
    assert (inputs[month_13].novelty_date, inputs[month_13].cohort) == (
        "2024-09", "arxiv:cs.CV 2024"
    )  # fmt: skip
