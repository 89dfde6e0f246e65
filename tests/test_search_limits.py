"""No stored text can freeze search: the full-text index holds at most the first 5,000
characters of a title and of an abstract (migration m007; the records keep the whole
text), and the queries of every request stop at the request's time budget (a 503).

Why: FTS5's snippet() takes time in the square of the matches in one text; before m007
a 320 KB abstract of one repeated word made ``/search?q=network`` take 17 s, and every
request queued behind it in that server process waited as long."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from pathlib import Path

import pytest

from scholarscope.pipeline import ingest_paths
from scholarscope.store import open_store
from scholarscope.store.migrations import MIGRATIONS, statements
from scholarscope.web import App
from scholarscope.web.app import REQUEST_BUDGET
from web_client import ask

README = Path(__file__).resolve().parents[1] / "README.md"
INDEXED = 5000  # characters of a title or an abstract the index reads (m007)

# One arXiv snapshot record (the Kaggle schema) whose abstract is one word 40,000 times.
HUGE = {
    "id": "2501.04242",
    "submitter": None,
    "authors": "Ada Lovelace and Charles Babbage",
    "title": "A stress test for full-text search: one word, repeated",
    "comments": None,
    "journal-ref": None,
    "doi": None,
    "report-no": None,
    "categories": "cs.IR",
    "license": None,
    "abstract": "network " * 40_000 + "zebrafish",  # 320,009 characters
    "versions": [],
    "update_date": "2025-01-15",
}


def write_huge_snapshot(folder: Path) -> Path:
    snapshot = folder / "huge-abstract.jsonl"
    snapshot.write_text(json.dumps(HUGE) + "\n")
    return snapshot


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> str:
    """The huge record beside the 2,000 records of the real arXiv snapshot sample."""
    folder = tmp_path_factory.mktemp("limits")
    path = str(folder / "limits.db")
    store = open_store(path)
    sample = shared_data / "arxiv-kaggle" / "snapshot-0704.0001-0704.2000.jsonl"
    reports = ingest_paths(store, [write_huge_snapshot(folder), sample])
    store.close()
    assert [(r.read, r.new, r.rejected) for r in reports] == [(1, 1, 0), (2000, 2000, 0)]
    return path


INDEXED_LENGTHS = (
    "SELECT length(title), length(abstract) FROM work_search WHERE rowid = "
    "(SELECT work_id FROM work_key WHERE key = ?)"
)


def indexed_lengths(path: str, arxiv_id: str) -> list[tuple[int, int]]:
    """(title, abstract) characters the full-text index holds for one work."""
    store = open_store(path)
    try:
        return store.query(INDEXED_LENGTHS, (f"arxiv:{arxiv_id}",))
    finally:
        store.close()


def test_a_320_kb_abstract_of_one_word_does_not_freeze_search(db: str) -> None:
    app = App(db)
    started = time.perf_counter()
    answer = ask(app, "/search.json?q=network")
    took = time.perf_counter() - started
    assert answer.status == 200 and took < 2.0  # 17 s before m007; ~10 ms now
    data = json.loads(answer.body)
    assert data["paging"]["total"] == 69
    best = data["results"][0]
    assert (best["id"], best["title"]) == ("arxiv:2501.04242", HUGE["title"])
    # the snippet is FTS5's usual 32 words, however long the abstract
    snippet = best["snippet"]
    assert sum(part["match"] for part in snippet) == 32
    assert "".join(part["text"] for part in snippet) == "network " * 31 + "network…"
    page = ask(app, "/search?q=network")
    assert page.status == 200 and HUGE["title"].encode() in page.body
    # the stored record is whole: the work page shows all 320,009 characters
    work = json.loads(ask(app, "/works/arxiv:2501.04242.json").body)
    assert work["abstract"] == HUGE["abstract"]


def test_the_index_holds_the_first_5000_characters_which_hold_every_real_abstract(
    db: str, shared_data: Path
) -> None:
    assert indexed_lengths(db, "2501.04242") == [(54, INDEXED)]
    # a word past the bound is not found: the one cost of the bound
    app = App(db)
    found = json.loads(ask(app, "/search.json?q=zebrafish").body)
    assert found["paging"]["total"] == 0
    # the bound cuts no real arXiv abstract: the longest of the 60,419 is 3,488 characters
    snapshot = shared_data / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
    with gzip.open(snapshot, "rt", encoding="utf-8") as lines:
        longest = max(len(json.loads(line)["abstract"] or "") for line in lines)
    assert longest == 3488 < INDEXED
    # the index still agrees with its content, the bounded text
    store = open_store(db)
    try:
        store.execute("INSERT INTO work_search (work_search) VALUES ('integrity-check')")
    finally:
        store.close()


def test_an_existing_database_gets_the_bounded_index(tmp_path: Path) -> None:
    """A database made before m007 (its index whole, by m004's own statements) is
    indexed again when it is next opened, and later records are indexed bounded."""
    path = str(tmp_path / "old.db")
    store = open_store(path)
    ingest_paths(store, [write_huge_snapshot(tmp_path)])
    store.close()
    m004 = statements(dict(MIGRATIONS)["m004_search_index"], "sqlite")
    whole_index = [
        s
        for s in m004
        if s.startswith(("CREATE VIRTUAL TABLE work_search", "CREATE TRIGGER work_facet_"))
        or s == "INSERT INTO work_search (work_search) VALUES ('rebuild')"
    ]
    assert len(whole_index) == 5
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN")
    for trigger in ("work_facet_added", "work_facet_removed", "work_facet_changed"):
        connection.execute(f"DROP TRIGGER {trigger}")
    connection.execute("DROP TABLE work_search")
    connection.execute("DROP VIEW work_search_text")
    for statement in whole_index:
        connection.execute(statement)
    connection.execute("DELETE FROM schema_migration WHERE name = 'm007_search_text_bounded'")
    connection.execute("COMMIT")
    old = connection.execute(INDEXED_LENGTHS, ("arxiv:2501.04242",)).fetchall()
    connection.close()
    assert old == [(54, len(HUGE["abstract"]))]

    store = open_store(path)  # applies m007
    second = dict(HUGE, id="2501.04243", title="The same stress test, submitted again later")
    (tmp_path / "second.jsonl").write_text(json.dumps(second) + "\n")
    ingest_paths(store, [tmp_path / "second.jsonl"])
    store.close()
    assert indexed_lengths(path, "2501.04242") == [(54, INDEXED)]
    assert indexed_lengths(path, "2501.04243") == [(43, INDEXED)]
    data = json.loads(ask(App(path), "/search.json?q=network").body)
    assert sorted(r["id"] for r in data["results"]) == ["arxiv:2501.04242", "arxiv:2501.04243"]


def test_a_request_past_its_time_budget_is_a_503(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = App(db, request_budget=0.0)  # every query stops at its first check
    answer = ask(app, "/search.json?q=network")
    assert (answer.status, answer.content_type) == (503, "application/problem+json")
    assert json.loads(answer.body) == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "this request needed more than its 0 s and was stopped; "
        "try a narrower search or a smaller page",
    }
    page = ask(app, "/works?per_page=1000")
    assert page.status == 503 and page.content_type.startswith("text/html")
    assert "needed more than its 0 s and was stopped" in page.body.decode()
    assert capsys.readouterr().err == ""  # an answer, not a bug: no traceback
    # the stopped connections serve the next request; a 503 is never cached
    app.request_budget = REQUEST_BUDGET
    again = ask(app, "/search.json?q=network")
    assert again.status == 200 and json.loads(again.body)["paging"]["total"] == 69


def test_the_budget_is_documented() -> None:
    assert REQUEST_BUDGET == 10.0
    assert f"past {REQUEST_BUDGET:g} s is stopped and answered 503" in README.read_text()
