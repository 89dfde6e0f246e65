"""Many writers and readers on one database, SQLite and PostgreSQL alike: real processes
write at once while the web server answers; writers take turns (SQLite's BEGIN
IMMEDIATE, PostgreSQL's advisory lock), and one that waits says so."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scholarscope.store import open_store
from scholarscope.web import App
from web_client import ask

KAGGLE = Path(__file__).resolve().parents[2] / "shared/data/arxiv-kaggle"
CLI = "from scholarscope.cli import main; main()"
TABLES = ("work", "work_key", "work_record", "author", "author_key", "authorship", "citation",
          "stated_metrics", "work_enrichment", "work_facet")  # fmt: skip

NewDatabase = Callable[[str], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> NewDatabase:
    """Makes a new empty database of the store under test, by name."""
    if request.param == "sqlite":
        return lambda name: str(tmp_path / f"{name}.db")
    cluster = request.getfixturevalue("postgres_cluster")
    prefix = f"w{id(request.node) % 100000}_"
    return lambda name: str(cluster.create_database(prefix + name))


def command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-c", CLI, "--db", url, *args]


def counts(url: str) -> dict[str, int]:
    store = open_store(url, read_only=True)
    try:
        return {table: store.query(f"SELECT COUNT(*) FROM {table}")[0][0] for table in TABLES}
    finally:
        store.close()


def keep_asking(app: App, answers: list[int], stop: threading.Event) -> None:
    """A reader of the pages until ``stop``: each answer's status into ``answers``."""
    while not stop.is_set():
        for target in ("/search.json?q=quantum+field", "/authors.json?q=wang"):
            answers.append(ask(app, target).status)


def test_two_ingests_and_an_enrich_at_once_while_the_server_answers(
    new_database: NewDatabase, seeds: Path, shared_data: Path
) -> None:
    """Real processes on one database: two ingests (sharing the seed documents) and an
    enrich at once, while the web server answers searches and author lists; every record
    lands once (the counts of the sequential run), no process and no request fails.
    Three times, each on a new database. On PostgreSQL, without the write lock an ingest
    dies (two writers read the same largest id)."""
    first = [str(KAGGLE / "snapshot-0704.0001-0704.2000.jsonl"), str(seeds)]
    second = [str(seeds), str(shared_data / "openalex-authors")]
    sequential = new_database("sequential")
    for args in (["ingest", *first], ["ingest", *second], ["enrich"]):
        subprocess.run(command(sequential, *args), check=True, capture_output=True)
    expected = counts(sequential)
    assert expected["work"] > 2000 + 127 and expected["work_enrichment"] == expected["work"]

    for run in range(3):
        url = new_database(f"together_{run}")
        open_store(url).close()  # the schema, before the server opens it read-only
        answers: list[int] = []
        stop = threading.Event()
        server = threading.Thread(target=keep_asking, args=(App(url), answers, stop))
        server.start()
        processes = [
            subprocess.Popen(command(url, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
            for args in (["ingest", *first], ["ingest", *second], ["enrich"])
        ]  # fmt: skip
        outputs = [process.communicate(timeout=300) for process in processes]
        stop.set()
        server.join()
        assert [p.returncode for p in processes] == [0, 0, 0], outputs
        # the enrich that ran alongside saw part of the works: once more, for the rest
        subprocess.run(command(url, "enrich"), check=True, capture_output=True)
        assert counts(url) == expected, f"run {run}"
        assert answers and set(answers) == {200}


def test_a_writer_that_finds_another_writing_says_so_and_waits_its_turn(
    new_database: NewDatabase, seeds: Path
) -> None:
    url = new_database("turns")
    store = open_store(url)
    feed = str(seeds / "000_6198259b7f70df20.txt")
    with store.transaction():  # this test holds the write turn ...
        store.insert_works([(1000, "2026-12-08T00:00:00Z")])
        ingest = subprocess.Popen(command(url, "ingest", feed), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)  # fmt: skip
        assert ingest.stderr is not None
        notice = ingest.stderr.readline()  # ... until the ingest says it waits
        time.sleep(0.5)
        assert ingest.poll() is None  # still waiting
    out, rest = ingest.communicate(timeout=120)
    assert ingest.returncode == 0, rest
    assert notice.strip().endswith(
        "another process is writing to this database; waiting for its turn"
    )
    assert "read 10, new 10" in out
    # its works were numbered after the one this test wrote while it waited
    assert store.query("SELECT MIN(work_id), COUNT(*) FROM work") == [(1000, 11)]
    store.close()
