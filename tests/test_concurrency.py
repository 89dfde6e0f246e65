"""Several processes on one database: writers take turns and every record lands once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from scholarscope.store import open_store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KAGGLE = DATA / "arxiv-kaggle" / "snapshot-0704.0001-0704.2000.jsonl"
OPENALEX = DATA / "openalex-authors"
TABLES = ("work", "work_key", "work_record", "author", "author_key", "authorship", "citation")
RUNS = 20


def ingest_command(db: Path, *paths: Path) -> list[str]:
    code = "from scholarscope.cli import main; main()"
    return [sys.executable, "-c", code, "--db", str(db), "ingest", *map(str, paths)]


def table_counts(db: Path) -> dict[str, int]:
    store = open_store(str(db), read_only=True)
    try:
        assert store.query("PRAGMA integrity_check") == [("ok",)]
        return {table: store.query(f"SELECT COUNT(*) FROM {table}")[0][0] for table in TABLES}
    finally:
        store.close()


def test_two_ingests_at_once_store_every_record_once(tmp_path: Path, seeds: Path) -> None:
    # the two runs share the seed pages and feeds, each has a file of its own
    first = (KAGGLE, seeds)
    second = (seeds, OPENALEX)
    sequential = tmp_path / "sequential.db"
    for paths in (first, second):
        subprocess.run(ingest_command(sequential, *paths), check=True, capture_output=True)
    expected = table_counts(sequential)
    assert expected["work"] > 2000 + 130

    for run in range(RUNS):
        db = tmp_path / f"together-{run}.db"
        both = [
            subprocess.Popen(ingest_command(db, *paths), stdout=subprocess.PIPE, text=True)
            for paths in (first, second)
        ]
        outputs = [process.communicate(timeout=300)[0] for process in both]
        assert [process.returncode for process in both] == [0, 0], outputs
        assert table_counts(db) == expected, f"run {run}"


ARXIV_CS = DATA / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killing_an_ingest_leaves_no_reading_process(tmp_path: Path) -> None:
    # a file of 4 MB or more is parsed by a forked reading process
    assert ARXIV_CS.stat().st_size >= 4 << 20
    ingest = subprocess.Popen(ingest_command(tmp_path / "k.db", ARXIV_CS))
    deadline = time.monotonic() + 60
    readers: list[int] = []
    while not readers and time.monotonic() < deadline:
        time.sleep(0.1)
        readers = children_of(ingest.pid)
    assert readers, "the reading process never started"
    time.sleep(1.0)  # the reader has filled the pipe and waits for the writer
    ingest.send_signal(signal.SIGKILL)
    ingest.wait()
    deadline = time.monotonic() + 10
    while any(map(is_running, readers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(is_running, readers))


def test_uploads_to_the_server_during_an_ingest_all_land(tmp_path: Path, seeds: Path) -> None:
    from scholarscope.web import App
    from web_client import ask

    db = tmp_path / "shared.db"
    open_store(str(db)).close()
    app = App(str(db), admin_token="t" * 32)
    auth = {"authorization": f"Bearer {'t' * 32}"}
    lines = KAGGLE.read_text().splitlines()
    ingest = subprocess.Popen(ingest_command(db, ARXIV_CS), stdout=subprocess.DEVNULL)
    try:
        time.sleep(2.0)  # the ingest is writing its batches
        statuses = []
        ingesting = []  # was the command still writing when each upload was answered?
        for upload in range(10):
            body = "\n".join(lines[upload * 100 : (upload + 1) * 100]).encode()
            answer = ask(app, f"/admin/ingest?name=part{upload}.jsonl", "POST", auth, body)
            statuses.append(answer.status)
            ingesting.append(ingest.poll() is None)
    finally:
        ingest.kill()
        ingest.wait()
    assert statuses == [200] * 10
    assert ingesting[0]  # the uploads really ran beside the ingest
    counts = table_counts(db)
    store = open_store(str(db), read_only=True)
    uploaded = store.query("SELECT COUNT(*) FROM work_record WHERE origin LIKE 'upload:part%'")[0][
        0
    ]
    store.close()
    assert uploaded == 1000 and counts["work_record"] > 2000
