"""What every record and file is held to, whatever its format: real calendar dates,
bounded lines and records, author matching in linear time, files that are not files."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scholarscope import pipeline
from scholarscope.cli import cli
from scholarscope.ingest import load_path
from scholarscope.ingest.files import MAX_LINE_BYTES
from scholarscope.pipeline.ingest import MAX_KEPT_MESSAGES
from scholarscope.records import MAX_AUTHORS, MAX_TEXT_CHARS, Rejected, Repaired, Work
from scholarscope.store import Store, open_store

OPENALEX_AUTHOR = "openalex-authors/A5002041459.json"
KAGGLE_HEAD = "arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl"
BAD_DATES = ["2024-02-30", "2024-13-45", "2024-00-10", "not a date"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "checks.db"))


def real_openalex_works(shared_data: Path, count: int) -> list[dict[str, object]]:
    works: list[dict[str, object]] = json.loads((shared_data / OPENALEX_AUTHOR).read_text())[
        "works"
    ]
    return works[:count]


def real_snapshot_lines(shared_data: Path, count: int) -> list[str]:
    return (shared_data / KAGGLE_HEAD).read_text().splitlines()[:count]


def test_dates_that_are_no_calendar_day_are_dropped_and_reported(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    works = real_openalex_works(shared_data, 5)
    for work, bad in zip(works, BAD_DATES, strict=False):
        work["publication_date"] = bad
    snapshot = [json.loads(line) for line in real_snapshot_lines(shared_data, 2)]
    snapshot[0]["versions"][0]["created"] = "Mon, 30 Feb 2024 10:00:00 GMT"
    openalex_file = tmp_path / "openalex.jsonl"
    openalex_file.write_text("".join(json.dumps(w) + "\n" for w in works))
    snapshot_file = tmp_path / "snapshot.jsonl"
    snapshot_file.write_text("".join(json.dumps(r) + "\n" for r in snapshot))

    first, second = pipeline.ingest_paths(store, [openalex_file, snapshot_file])
    assert (first.read, first.new, first.rejected, first.repaired) == (5, 5, 0, 4)
    assert first.repairs[1] == (
        f"{openalex_file}:2: record openalex:{str(works[1]['id']).rsplit('/', 1)[1]}: "
        "date '2024-13-45' is not a calendar date; stored without a date"
    )
    assert (second.read, second.repaired) == (2, 1)
    assert second.repairs == [
        f"{snapshot_file}:1: record arxiv:0704.0001: date '2024-02-30' is not a calendar "
        "date; stored without a date"
    ]
    rows = store.query("SELECT record FROM work_record WHERE source = 'openalex' ORDER BY work_id")
    stored = [json.loads(row[0]) for row in rows]
    assert [(r["date"], r["date_text"]) for r in stored] == [
        (None, "2024-02-30"),
        (None, "2024-13-45"),
        (None, "2024-00-10"),
        (None, "not a date"),
        (works[4]["publication_date"], None),
    ]
    assert [r["year"] for r in stored] == [w["publication_year"] for w in works]


def test_a_repair_is_a_warning_exit_status_0(shared_data: Path, tmp_path: Path) -> None:
    works = real_openalex_works(shared_data, 2)
    works[0]["publication_date"] = "2024-02-30"
    path = tmp_path / "openalex.jsonl"
    path.write_text("".join(json.dumps(w) + "\n" for w in works))
    db = str(tmp_path / "x.db")
    result = CliRunner().invoke(cli, ["--db", db, "ingest", str(path)])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{path}: read 2, new 2, merged 0, unchanged 0, rejected 0, repaired 1",
        "1 repair made while reading (bytes read as Latin-1, a date that is no calendar day "
        "…); the records were stored (--verbose lists them)",
    ]
    verbose = CliRunner().invoke(cli, ["--db", db, "ingest", "--verbose", str(path)])
    assert "date '2024-02-30' is not a calendar date" in verbose.output


def test_a_line_past_the_limit_is_skipped_without_holding_it(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl.gz"
    good = '{"id": "2501.0000%d", "title": "T", "abstract": "a", "categories": "cs.CV"}\n'
    head, piece, tail = b'{"id": "2501.00002", "abstract": "', b"network " * (1 << 17), b'"}\n'
    pieces = MAX_LINE_BYTES // len(piece) + 1  # 1 MiB each
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write((good % 1).encode())
        out.write(head)
        for _ in range(pieces):
            out.write(piece)
        out.write(tail)
        out.write((good % 3).encode())
    items = list(load_path(path))
    assert [i.ids for i in items if isinstance(i, Work)] == [
        ("arxiv:2501.00001",),
        ("arxiv:2501.00003",),
    ]
    (rejected,) = [i for i in items if isinstance(i, Rejected)]
    assert rejected.line == 2
    assert rejected.reason == (
        f"line of {len(head) + pieces * len(piece) + len(tail):,} bytes, longer than the "
        f"{MAX_LINE_BYTES:,} a line may have; skipped"
    )


def test_a_record_with_too_many_authors_is_rejected_and_matching_is_linear(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    (line,) = real_snapshot_lines(shared_data, 1)
    record = json.loads(line)
    del record["authors_parsed"]
    path = tmp_path / "many.jsonl"
    lines = []
    for number, count in ((1, MAX_AUTHORS), (2, MAX_AUTHORS + 1)):
        record["id"] = f"2501.0000{number}"
        record["authors"] = ", ".join(f"Given{i} Surname{i % 97}" for i in range(count))
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")
    (report,) = pipeline.ingest_paths(store, [path])
    assert (report.read, report.new, report.rejected) == (1, 1, 1)
    assert report.messages == [
        f"{path}:2: record arxiv:2501.00002: 10,001 authors, more than the 10,000 allowed"
    ]
    assert store.counts()["authorship"] == MAX_AUTHORS


def test_files_that_are_not_files_are_named_with_a_reason(
    store: Store, seeds: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "feed.txt").write_bytes((seeds / "000_6198259b7f70df20.txt").read_bytes())
    os.mkfifo(folder / "pipe")
    (folder / "gone").symlink_to(tmp_path / "nowhere")
    reports = pipeline.ingest_paths(store, [folder, folder / "pipe"])
    assert [(Path(r.path).name, r.read, r.rejected) for r in reports] == [
        ("feed.txt", 10, 0),
        ("gone", 0, 1),
        ("pipe", 0, 1),
        ("pipe", 0, 1),
    ]
    assert reports[1].messages == [
        f"{folder / 'gone'}: a link to {tmp_path / 'nowhere'}, which does not exist"
    ]
    assert reports[2].messages == [
        f"{folder / 'pipe'}: a named pipe (FIFO), not a file: skipped, "
        "reading it could wait forever"
    ]


def test_repairs_come_out_as_repaired_items(shared_data: Path, tmp_path: Path) -> None:
    works = real_openalex_works(shared_data, 1)
    works[0]["publication_date"] = "2024-00-10"
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(works[0]) + "\n")
    items = list(load_path(path))
    assert [type(i).__name__ for i in items] == ["Repaired", "Work"]
    repaired, work = items
    assert isinstance(repaired, Repaired) and repaired.line == 1
    assert isinstance(work, Work) and work.date is None and work.date_text == "2024-00-10"


def test_a_record_with_too_much_text_is_rejected(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    first, second = (json.loads(line) for line in real_snapshot_lines(shared_data, 2))
    first["abstract"] = "network " * (MAX_TEXT_CHARS // 8 + 1)
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    (report,) = pipeline.ingest_paths(store, [path])
    assert (report.read, report.new, report.rejected) == (1, 1, 1)
    assert report.messages[0].startswith(f"{path}:1: record arxiv:0704.0001: 1,048,")
    assert report.messages[0].endswith("characters of text, more than the 1,048,576 allowed")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the ingest as another user")
def test_a_folder_that_cannot_be_listed_is_named(seeds: Path) -> None:
    # permission bits do not stop root: the ingest runs as nobody, in a folder it may use
    shared = Path(tempfile.mkdtemp(prefix="scholarscope-perm-"))
    try:
        shared.chmod(0o777)
        (shared / "in" / "locked").mkdir(parents=True)
        (shared / "in" / "feed.txt").write_bytes((seeds / "000_6198259b7f70df20.txt").read_bytes())
        (shared / "in").chmod(0o755)
        (shared / "in" / "locked").chmod(0)
        code = "from scholarscope.cli import main; main()"
        result = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
             "-c", code, "--db", str(shared / "x.db"), "ingest", str(shared / "in")],
            capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert f"{shared / 'in' / 'locked'}: a folder that cannot be listed" in result.stderr
        assert f"{shared / 'in' / 'feed.txt'}: read 10, new 10" in result.stdout
    finally:
        (shared / "in" / "locked").chmod(0o755)
        shutil.rmtree(shared)


def test_a_file_of_bad_lines_keeps_counts_exact_and_messages_bounded(
    shared_data: Path, tmp_path: Path
) -> None:
    (good,) = real_snapshot_lines(shared_data, 1)
    path = tmp_path / "bad.jsonl"
    path.write_text(good + "\n" + "{not json\n" * (MAX_KEPT_MESSAGES + 500))
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "ingest", str(path)])
    assert result.exit_code == 1
    assert result.stdout == f"{path}: read 1, new 1, merged 0, unchanged 0, rejected 1500\n"
    problems = result.stderr.splitlines()
    assert len(problems) == 21 and problems[-1] == f"{path}: … and 1,480 more problems"
    assert problems[0].startswith(f"{path}:2: invalid JSON")
    (report,) = pipeline.ingest_paths(open_store(str(tmp_path / "y.db")), [path])
    assert (report.rejected, len(report.messages)) == (1500, MAX_KEPT_MESSAGES)


def test_sixteen_million_empty_lines_are_read_past(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    # 16 KB of gzip; bench/ingest_limits.py times it against a loop that only decompresses
    (first, second) = real_snapshot_lines(shared_data, 2)
    path = tmp_path / "empty-lines.jsonl.gz"
    with gzip.open(path, "wb") as out:
        out.write(first.encode() + b"\n")
        for _ in range(16):
            out.write(b"\n" * 1_000_000)
        out.write(second.encode() + b"\n")
    assert path.stat().st_size < 20_000
    (report,) = pipeline.ingest_paths(store, [path])
    assert (report.read, report.new, report.rejected, report.repaired) == (2, 2, 0, 0)
