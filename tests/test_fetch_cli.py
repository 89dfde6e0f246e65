"""`scholarscope fetch` by every kind of reference, against one replay server answering
OpenAlex (the author files of ../shared/data/openalex-authors), Semantic Scholar
(semantic-scholar/) and the arXiv API (arxiv-api/) at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from replay_recordings import arxiv_recordings, openalex_recordings, semantic_scholar_recordings
from replay_server import Recordings, ReplayServer
from scholarscope import profile
from scholarscope.cli import cli
from scholarscope.store import open_store

STEPHENSON = "openalex:A5040147688"


@pytest.fixture(scope="module")
def recordings(shared_data: Path) -> Recordings:
    everything = openalex_recordings(shared_data / "openalex-authors")
    everything.include(semantic_scholar_recordings(shared_data / "semantic-scholar"))
    everything.include(arxiv_recordings(shared_data / "arxiv-api"))
    return everything


@pytest.fixture
def server(recordings: Recordings) -> Iterator[ReplayServer]:
    with ReplayServer(recordings) as replay:
        yield replay


def run(server: ReplayServer, db: Path, *args: str) -> Any:
    urls = ["--openalex-url", server.url, "--s2-url", server.url, "--arxiv-url", server.url]
    return CliRunner().invoke(cli, ["--db", str(db), "fetch", *args, *urls])


def figures(db: Path, ref: str) -> tuple[str, int, int | None]:
    store = open_store(str(db))
    try:
        author_id, _ = profile.resolve_author(store, ref)
        summary = profile.profile_summary(store, author_id)
        return summary["name"], summary["papers"], summary["h_index"]
    finally:
        store.close()


def test_a_name_that_clearly_means_one_person_is_fetched(
    server: ReplayServer, tmp_path: Path
) -> None:
    result = run(server, tmp_path / "name.db", "author", "Michael H. Stephenson", "--no-score")
    assert result.exit_code == 0, result.output
    assert f"{server.url}/authors/A5040147688: read 158, new 158" in result.stdout
    # his OpenAlex summary_stats.h_index is 31
    assert figures(tmp_path / "name.db", STEPHENSON) == ("Michael H. Stephenson", 154, 31)
    searched = server.requests_to("/authors")[0]
    assert searched.path == "/authors" and searched.query["search"] == "Michael H. Stephenson"


def test_a_name_of_several_people_lists_them_with_their_ids(
    server: ReplayServer, tmp_path: Path
) -> None:
    result = run(server, tmp_path / "two.db", "author", "Abdulkader", "--no-score")
    assert result.exit_code == 1
    assert "'Abdulkader' does not clearly name one person: 2 candidates found" in result.output
    assert "  openalex:A5074794653  Abdulkader M. Afifi  (78 works" in result.output
    assert "  openalex:A5102809672  Abdulkader M. Abed  (60 works" in result.output
    assert not server.requests_to("/works")  # nothing fetched


def test_an_orcid_is_looked_up_on_openalex(server: ReplayServer, tmp_path: Path) -> None:
    result = run(server, tmp_path / "orcid.db", "author", "orcid:0000-0002-9881-1578", "--no-score")
    assert result.exit_code == 0, result.output
    assert f"{server.url}/authors/A5040147688: read 158, new 158" in result.stdout
    assert server.requests[0].path == "/authors/orcid:0000-0002-9881-1578"
    bad = run(server, tmp_path / "orcid.db", "author", "orcid:12345", "--no-score")
    assert bad.exit_code == 2 and "'orcid:12345' is not an ORCID iD" in bad.output


def test_a_semantic_scholar_author_keeps_s2s_own_h_index(
    server: ReplayServer, tmp_path: Path
) -> None:
    db = tmp_path / "s2.db"
    result = run(server, db, "author", "s2:2262347", "--no-score")
    assert result.exit_code == 0, result.output
    assert f"{server.url}/graph/v1/author/2262347: read 60, new 60" in result.stdout
    assert "stated profiles 1" in result.stdout
    store = open_store(str(db))
    author_id, _ = profile.resolve_author(store, "s2:2262347")
    stated = store.stated_metrics(author_id)
    today = datetime.now(UTC).date().isoformat()  # S2 dates nothing: the fetch's day
    assert [(s["source"], s["as_of"], s["h_index"], s["papers"]) for s in stated] == [
        ("semantic_scholar", today, 23, 60)
    ]
    assert profile.profile_summary(store, author_id)["h_index"] == 23
    store.close()


def test_a_work_by_arxiv_id_or_s2_id(server: ReplayServer, tmp_path: Path) -> None:
    db = tmp_path / "works.db"
    by_arxiv = run(server, db, "work", "arxiv:1605.08386")
    assert by_arxiv.exit_code == 0, by_arxiv.output
    assert "read 1, new 1" in by_arxiv.stdout
    by_s2 = run(server, db, "work", "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad")
    assert by_s2.exit_code == 0, by_s2.output
    assert "read 1, new 1" in by_s2.stdout
    store = open_store(str(db))
    titles = sorted(row[0] for row in store.query("SELECT title FROM work_facet"))
    store.close()
    assert "Computing Machinery and Intelligence" in titles
    assert len(titles) == 2
    # the same paper again by its DOI: OpenAlex does not know it, Semantic Scholar does
    by_doi = run(server, db, "work", "doi:10.1093/MIND/LIX.236.433")
    assert by_doi.exit_code == 0, by_doi.output
    assert "read 1, new 0, merged 0, unchanged 1" in by_doi.stdout


def test_a_dry_run_asks_nothing_and_stores_nothing(server: ReplayServer, tmp_path: Path) -> None:
    db = tmp_path / "dry.db"
    dry = run(server, db, "author", STEPHENSON, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"would ask: GET {server.url}/authors/A5040147688 (0 answers kept" in dry.stdout
    assert server.requests == []
    assert not db.exists()  # not even created
    run(server, db, "author", STEPHENSON, "--no-score")
    asked = len(server.requests)
    again = run(server, db, "author", STEPHENSON, "--dry-run")
    assert "(0 requests, 3 answers kept from before)" in again.stdout
    assert "dry run: every answer was kept from before; nothing asked, nothing stored" in (
        again.stdout
    )
    assert len(server.requests) == asked
    store = open_store(str(db))
    assert store.counts()["work"] == 158
    store.close()
