"""`scholarscope sync` and `follow` against a replay server: arXiv's OAI-PMH endpoint
serving the real records of ../shared/data/arxiv-cs announced on 19-20 March 2025
(``replay_oai.py``), and OpenAlex from the author files."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from replay_oai import arxiv_oai_recordings
from replay_recordings import openalex_recordings
from replay_server import Fault, Recordings, ReplayServer
from scholarscope.cli import cli
from scholarscope.pipeline.sync import FIRST_HARVEST_DAYS, sync_arxiv_category
from scholarscope.sources import (
    RateLimiter,
    ResponseStore,
    RetryPolicy,
    SourceError,
    SourceSettings,
)
from scholarscope.sources.arxiv_oai import oai_client
from scholarscope.store import Store, open_store

ARXIV_CS = "arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz"
PAGE = 60  # records a page: cs.CV's 333 records of the two days are 6 pages
CS_CV_RECORDS = 333  # listed in cs.CV (primary or cross-list) on 19 and 20 March 2025
CLI = "from scholarscope.cli import main; main()"


@pytest.fixture(scope="module")
def recordings(shared_data: Path) -> Recordings:
    oai = arxiv_oai_recordings(shared_data / ARXIV_CS, PAGE, since="2025-03-19", until="2025-03-20")
    oai.include(openalex_recordings(shared_data / "openalex-authors"))
    return oai


@pytest.fixture
def server(recordings: Recordings) -> Iterator[ReplayServer]:
    with ReplayServer(recordings) as replay:
        yield replay


def harvest(
    server: ReplayServer,
    db: Path,
    category: str,
    since: date | None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_page: Callable[[int, int], None] | None = None,
) -> Any:
    """One harvest without arXiv's 3 s pace (the pace is the CLI's and the bench's), and
    without retries (a fault injected fails the harvest at once)."""
    store = open_store(str(db))
    try:
        with httpx.Client(timeout=10) as http:
            client = oai_client(
                SourceSettings(),
                http,
                ResponseStore(db.with_name(db.name + ".responses")),
                RateLimiter(0.0),
                base_url=f"{server.url}/oai",
            )
            client.source.retry = RetryPolicy(attempts=1)
            return sync_arxiv_category(
                store, client, category, since=since, now=now, on_page=on_page
            )
    finally:
        store.close()


def records(db: Path) -> list[tuple[Any, ...]]:
    """What a harvest stored, without the wall-clock columns: every source record with
    its work, every key, every authorship."""
    store = open_store(str(db))
    try:
        return [
            *store.query(
                "SELECT work_id, source, record_key, record_hash FROM work_record ORDER BY 2, 3"
            ),
            *store.query("SELECT key, work_id FROM work_key ORDER BY 1"),
            *store.query(
                "SELECT work_id, author_id, source, position FROM authorship ORDER BY 1, 2, 3"
            ),
        ]
    finally:
        store.close()


def test_a_category_is_harvested_page_by_page_then_from_the_last_harvest(
    server: ReplayServer, tmp_path: Path
) -> None:
    db = tmp_path / "cv.db"
    first = harvest(server, db, "cs.CV", date(2025, 3, 19))
    assert (first.pages, first.report.read, first.report.new) == (6, CS_CV_RECORDS, CS_CV_RECORDS)
    assert (first.report.rejected, first.other_categories) == (0, 0)
    asked = [r.query for r in server.requests_to("/oai")]
    assert asked[0] == {
        "verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs:cs:CV", "from": "2025-03-19"
    }  # fmt: skip
    assert all(set(q) == {"verb", "resumptionToken"} for q in asked[1:])
    store = open_store(str(db))
    today = datetime.now(UTC).date().isoformat()
    state = store.harvest("arxiv:cs.CV")
    assert (state.stored_through, state.running_since) == (today, None)
    work = store.query(
        "SELECT f.title, f.field FROM work_key k JOIN work_facet f ON f.work_id = k.work_id "
        "WHERE k.key = 'arxiv:2503.13531'"
    )
    store.close()
    assert work == [
        ("Context-aware Multimodal AI Reveals Hidden Pathways in Five Centuries of Art "
         "Evolution", "arxiv:cs.CV")
    ]  # fmt: skip
    # the next harvest starts on the day the last one ran: nothing new there
    again = harvest(server, db, "cs.CV", None)
    assert (again.from_date.isoformat(), again.pages, again.report.read) == (today, 0, 0)
    assert server.requests[-1].query["from"] == today
    # a first harvest without --since goes back FIRST_HARVEST_DAYS
    fresh = harvest(server, tmp_path / "fresh.db", "cs.RO", None)
    assert (datetime.now(UTC).date() - fresh.from_date).days == FIRST_HARVEST_DAYS


def test_kill_9_during_a_sync_then_a_rerun_stores_what_an_uninterrupted_run_does(
    server: ReplayServer, tmp_path: Path
) -> None:
    """The real command at arXiv's pace (a page every 3 s), killed with SIGKILL once
    its third page was asked for; run again, it answers the pages it had from disk,
    asks only the rest, and leaves the same records as a run never stopped."""
    whole = tmp_path / "whole.db"
    harvest(server, whole, "cs.CV", date(2025, 3, 19))
    before = len(server.requests)
    db = tmp_path / "killed.db"
    command = [sys.executable, "-c", CLI, "--db", str(db), "sync", "arxiv", "--category",
               "cs.CV", "--since", "2025-03-19", "--arxiv-oai-url", f"{server.url}/oai",
               "--no-score"]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(server.requests) - before < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # into the third page: asked, perhaps answered and being stored
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    killed_asked = [r.target for r in server.requests[before:]]
    assert 3 <= len(killed_asked) < 6
    rerun = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    rerun_asked = [r.target for r in server.requests[before + len(killed_asked) :]]
    # every page once over both runs, but the one in flight at the kill, perhaps
    assert len(killed_asked) + len(rerun_asked) - len(set(killed_asked + rerun_asked)) <= 1
    assert len(set(killed_asked + rerun_asked)) == 6
    kept = int(re.search(r"(\d+) answers kept from before", rerun.stdout).group(1))  # type: ignore[union-attr]
    assert kept >= 2 and kept + len(rerun_asked) == 6
    assert records(db) == records(whole)
    store: Store = open_store(str(db))
    assert store.harvest("arxiv:cs.CV").running_since is None
    store.close()


def test_follow_then_sync_brings_everything_followed_up_to_date(
    server: ReplayServer, tmp_path: Path
) -> None:
    db = str(tmp_path / "follow.db")
    urls = ["--openalex-url", server.url, "--arxiv-oai-url", f"{server.url}/oai"]

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--db", db, *args])

    assert run("follow", "category", "cs.AI", "--since", "2025-03-19").stdout == (
        "following arxiv:cs.AI\n"
    )
    assert run("follow", "author", "openalex:A5040147688").exit_code == 0
    assert "was followed already" in run("follow", "category", "arxiv:cs.AI").stdout
    named = run("follow", "author", "Michael Stephenson")
    assert named.exit_code == 2 and "is not an author id" in named.output
    assert run("follow", "category", "cs.XX").exit_code == 2
    listed = run("follow").stdout
    assert "arxiv:cs.AI  (category, followed since" in listed and "never synced" in listed
    dry = run("sync", "--dry-run", *urls)
    assert "would sync arxiv:cs.AI (last synced never)" in dry.stdout
    assert server.requests == []
    synced = run("sync", *urls, "--no-score")
    assert synced.exit_code == 0, synced.output
    assert f"{server.url}/works?" not in synced.stdout  # reports name the author's URL
    assert f"{server.url}/authors/A5040147688: read 158, new 158" in synced.stdout
    store = open_store(db)
    assert all(f.synced_at is not None for f in store.follows())
    assert store.harvest("followed").running_since is None
    cs_ai = store.query("SELECT COUNT(*) FROM work_record WHERE source = 'arxiv_api'")[0][0]
    store.close()
    assert cs_ai == 111  # cs.AI's records of 19-20 March 2025
    # the next night: the author is asked again (new figures), the category from today
    asked = len(server.requests)
    again = run("sync", *urls, "--no-score")
    assert "read 158, new 0, merged 0, unchanged 158" in again.stdout
    assert len(server.requests) - asked == 3 + 1  # the author's 3 requests, 1 OAI page
    assert run("unfollow", "arxiv:cs.AI").stdout == "no longer following arxiv:cs.AI\n"
    assert run("unfollow", "arxiv:cs.AI").exit_code == 1
    # a target a source cannot answer is reported; the round syncs the others and ends
    assert run("follow", "author", "openalex:A1").exit_code == 0
    failed = run("sync", *urls, "--no-score")
    assert failed.exit_code == 1
    assert f"openalex:A1: not synced: OpenAlex: GET {server.url}/authors/A1 failed" in (
        failed.output
    )
    assert "/authors/A5040147688: read 158" in failed.stdout
    store = open_store(db)
    assert store.harvest("followed").running_since is None
    synced_at = {f.target: f.synced_at for f in store.follows()}
    store.close()
    assert synced_at["openalex:A1"] is None and synced_at["openalex:A5040147688"] is not None
    # options of `sync arxiv` go after `arxiv`
    misplaced = run("sync", "--dry-run", "arxiv", "--category", "cs.AI")
    assert misplaced.exit_code == 2
    assert "--dry-run: give the options after `arxiv`" in misplaced.output


def test_a_harvest_stopped_by_an_error_goes_on_the_same_day_and_anew_the_next(
    server: ReplayServer, tmp_path: Path
) -> None:
    """A first harvest on 18 April 2025 (so from 30 days back: 19 March) that a
    connection reset stops on its fourth page: three pages stored (the third ends on 20
    March), the run left running. Run again the same day, it takes the three pages it had
    from disk and asks for the other three; left so until the next day (its resumption
    tokens expired at midnight), it is abandoned, and the next run starts at its
    checkpoint (the latest datestamp of the pages it had stored)."""
    whole = tmp_path / "whole.db"
    harvest(server, whole, "cs.CV", date(2025, 3, 19))
    first_day = datetime(2025, 4, 18, 12, 0, tzinfo=UTC)
    for days_later in (0, 1):
        db = tmp_path / f"stopped-{days_later}.db"
        with pytest.raises(SourceError, match="gave no answer"):
            harvest(server, db, "cs.CV", None, now=lambda: first_day, on_page=cut_after(3, server))
        store = open_store(str(db))
        stopped = store.harvest("arxiv:cs.CV")
        store.close()
        assert (stopped.running_from, stopped.checkpoint) == ("2025-03-19", "2025-03-20")
        asked = len(server.requests)
        later = first_day + timedelta(days=days_later, hours=1)
        again = harvest(server, db, "cs.CV", None, now=lambda moment=later: moment)
        store = open_store(str(db))
        finished = store.harvest("arxiv:cs.CV")
        store.close()
        assert (finished.running_since, finished.running_from, finished.checkpoint) == (
            None, None, None
        )  # fmt: skip
        if days_later == 0:  # the same run: the same first page, three pages from disk
            assert finished.stored_through == "2025-04-18"
            assert again.from_date.isoformat() == "2025-03-19"
            assert len(server.requests) - asked == 3
        else:  # a new run, from the checkpoint
            assert finished.stored_through == "2025-04-19"
            assert again.from_date.isoformat() == stopped.checkpoint
        assert records(db) == records(whole)


def cut_after(pages: int, server: ReplayServer) -> Callable[[int, int], None]:
    """A progress callback that cuts the connection of the request after ``pages``."""
    seen: list[int] = []

    def count(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == pages:
            server.inject("/oai", Fault.reset(), times=1)

    return count
