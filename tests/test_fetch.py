"""Fetching from OpenAlex over real HTTP: a replay server on 127.0.0.1 answers the real
endpoints from the recorded author files in ../shared/data/openalex-authors."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from replay_recordings import ATOM, arxiv_recordings, openalex_recordings
from replay_server import Fault, Recording, Recordings, ReplayServer, gaps
from scholarscope import profile
from scholarscope.cli import cli
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.fetch import fetch_openalex_author, hydrate_arxiv
from scholarscope.researcher import researcher
from scholarscope.sources import (
    FetchCounts,
    RateLimiter,
    ResponseStore,
    SourceError,
    SourceSettings,
    arxiv,
    openalex,
)
from scholarscope.sources.openalex import openalex_client
from scholarscope.store import Store, open_store
from scholarscope.web import App
from web_client import ask

FIGURES = ("name", "papers", "h_index", "i10_index", "g_index", "citations", "first_year")


@pytest.fixture(scope="module")
def recordings(shared_data: Path) -> Recordings:
    return openalex_recordings(shared_data / "openalex-authors")


@pytest.fixture
def server(recordings: Recordings) -> Iterator[ReplayServer]:
    with ReplayServer(recordings) as replay:
        yield replay


def author_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "openalex-authors").glob("*.json"))


def figures(store: Store, ref: str) -> dict[str, Any]:
    author_id, _ = profile.resolve_author(store, ref)
    summary = profile.profile_summary(store, author_id)
    return {name: summary[name] for name in FIGURES}


def fetch(server: ReplayServer, db: Path, ref: str, kept: Path | None = None) -> Any:
    settings = SourceSettings.from_environment({"SCHOLARSCOPE_OPENALEX_URL": server.url})
    store = open_store(str(db))
    try:
        with httpx.Client(timeout=10) as http:
            client = openalex_client(settings, http, ResponseStore(kept) if kept else None)
            return fetch_openalex_author(store, client, ref), client.counts
    finally:
        store.close()


def test_a_fetched_author_is_the_profile_of_their_ingested_file(
    server: ReplayServer, shared_data: Path, tmp_path: Path
) -> None:
    """Every author of openalex-authors: fetched over HTTP, the h-index is OpenAlex's
    own ``summary_stats.h_index``, and every figure equals that of the file ingested."""
    files = author_files(shared_data)
    assert len(files) == 20
    for number, path in enumerate(files):
        details = json.loads(path.read_text())["details"]
        ref = "openalex:" + details["id"].rsplit("/", 1)[1]
        fetched_db, ingested_db = tmp_path / f"f{number}.db", tmp_path / f"i{number}.db"
        report, counts = fetch(server, fetched_db, ref)
        works = len(json.loads(path.read_text())["works"])
        assert (report.read, report.rejected, report.profiles) == (works, 0, 1), ref
        assert counts.requests == 2 + -(-works // 200)  # the author, the pages, the empty one
        ingested = open_store(str(ingested_db))
        ingest_paths(ingested, [path])
        fetched = open_store(str(fetched_db))
        assert figures(fetched, ref) == figures(ingested, ref), ref
        assert figures(fetched, ref)["h_index"] == details["summary_stats"]["h_index"], ref
        fetched.close()
        ingested.close()


class Stopped(Exception):
    """The fetch killed half-way."""


def test_a_fetch_stopped_half_way_asks_again_only_for_what_it_lacks(
    server: ReplayServer, tmp_path: Path
) -> None:
    """Michael H. Stephenson's 158 works in pages of 25 (7 pages, then the empty one):
    stopped after the third page and run again, the fetch asks only for the five pages it
    lacks, and lists each work once."""
    settings = SourceSettings.from_environment({"SCHOLARSCOPE_OPENALEX_URL": server.url})
    kept = ResponseStore(tmp_path / "kept")

    def work_ids(stop_after_pages: int | None) -> tuple[list[str], FetchCounts]:
        def on_page(done: int, total: int) -> None:
            if stop_after_pages is not None and done >= 25 * stop_after_pages:
                raise Stopped

        with httpx.Client(timeout=10) as http:
            client = openalex_client(settings, http, kept)
            works = openalex.iter_author_works(client, "A5040147688", 25, on_page)
            return [w["id"] for w in works], client.counts

    with pytest.raises(Stopped):
        work_ids(stop_after_pages=3)
    assert len(server.requests_to("/works")) == 3
    found, counts = work_ids(stop_after_pages=None)
    assert len(found) == len(set(found)) == 158
    assert (counts.from_disk, counts.requests) == (3, 5)
    assert len(server.requests_to("/works")) == 8


def test_a_storm_of_429s_is_waited_out_as_asked(server: ReplayServer, tmp_path: Path) -> None:
    """OpenAlex answers the works page 429 twice, asking for 1 s each time: the fetch
    waits that long between the questions and then reads every work; the key is sent
    and never shown."""
    settings = SourceSettings.from_environment(
        {"SCHOLARSCOPE_OPENALEX_URL": server.url, "SCHOLARSCOPE_OPENALEX_KEY": "secret-key"}
    )
    server.inject("/works", Fault.too_many_requests(retry_after=1), times=2)
    with httpx.Client(timeout=10) as http:
        client = openalex_client(settings, http)
        works = list(openalex.iter_author_works(client, "A5040147688"))
    assert len(works) == 158
    asked = server.requests_to("/works")
    assert [round(gap, 1) >= 1.0 for gap in gaps(asked[:3])] == [True, True]
    assert all(r.query.get("api_key") == "secret-key" for r in asked)
    server.inject("/authors", Fault.unavailable(retry_after=0), times=None)
    with httpx.Client(timeout=10) as http:
        client = openalex_client(settings, http)
        with pytest.raises(SourceError) as failed:
            openalex.fetch_author(client, "A5040147688")
    message = str(failed.value)
    assert message.startswith(f"OpenAlex: GET {server.url}/authors/A5040147688 failed: ")
    assert "503" in message and "secret-key" not in message


def test_fetch_author_on_the_command_line(server: ReplayServer, tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    result = CliRunner().invoke(
        cli,
        ["--db", db, "fetch", "author", "openalex:A5040147688", "--openalex-url", server.url,
         "--no-score"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    url = f"{server.url}/authors/A5040147688"
    assert f"{url}: read 158, new 158, merged 0, unchanged 0, rejected 0, stated profiles 1" in (
        result.stdout
    )
    again = CliRunner().invoke(
        cli,
        ["--db", db, "fetch", "author", "openalex:A5040147688", "--openalex-url", server.url,
         "--no-score"],
    )  # fmt: skip
    assert "read 158, new 0, merged 0, unchanged 158" in again.stdout
    assert "(0 requests, 3 answers kept from before)" in again.stdout
    assert (tmp_path / "cli.db.responses").is_dir()
    wrong = CliRunner().invoke(cli, ["--db", db, "fetch", "author", "openalex:W123"])
    assert wrong.exit_code == 2 and "'openalex:W123' is not an author's OpenAlex id" in (
        wrong.output
    )


def test_hydrate_gives_feed_works_their_arxiv_record(shared_data: Path, tmp_path: Path) -> None:
    """Three works known only by an arXiv feed's abstract and id: the arXiv API's
    recorded answers give two of them their title and authors, merged by id; for the
    third (0808.0539) arXiv answers an empty feed, as it did for an id it does not know
    (the recorded answer for 0808.05394), and it stays without. One request at a time,
    never closer than the limiter's interval."""
    feed = tmp_path / "feed.txt"
    feed.write_text(
        "We study heat-bath random walks on lattice points.\narXiv:1605.08386\n"
        "Proceedings of a workshop on information theory.\narXiv:1707.08567\n"
        "An abstract of a paper with an id arXiv does not know.\narXiv:0808.0539\n"
    )
    db = tmp_path / "feed.db"
    store = open_store(str(db))
    ingest_paths(store, [feed])
    assert store.arxiv_ids_without_title() == [
        "arxiv:0808.0539", "arxiv:1605.08386", "arxiv:1707.08567"
    ]  # fmt: skip
    settings = SourceSettings.from_environment({})
    recordings = arxiv_recordings(shared_data / "arxiv-api")
    unknown = json.loads(
        (shared_data / "arxiv-api/id_0808.05394_s0_m100_7b0c7d0a7cdd.json").read_text()
    )
    recordings.add(
        Recording(
            "https://export.arxiv.org/api/query?id_list=0808.0539&max_results=100",
            200, {"Content-Type": ATOM}, unknown["body"],
        )
    )  # fmt: skip
    with ReplayServer(recordings) as server:
        settings = dataclasses.replace(settings, arxiv_url=server.url)
        limiter = RateLimiter(0.2, one_at_a_time=True)
        with httpx.Client(timeout=10) as http:
            client = arxiv.arxiv_client(settings, http, limiter=limiter)
            report = hydrate_arxiv(store, client, batch=1)
            again = hydrate_arxiv(store, client, batch=1)
        asked = server.requests_to("/api/query")
    assert (report.read, report.merged, report.new, report.rejected) == (2, 2, 0, 0)
    # run again, only the id still without a title is asked for (and stays without)
    assert [r.query["id_list"] for r in asked] == [
        "0808.0539", "1605.08386", "1707.08567", "0808.0539"
    ]  # fmt: skip
    assert min(gaps(asked)) > 0.18  # the limiter's 0.2 s, less the clocks' jitter
    assert again.read == 0
    assert store.arxiv_ids_without_title() == ["arxiv:0808.0539"]
    author_id, _ = profile.resolve_author(store, "Caprice Stanley")
    (work,) = researcher(store, author_id).author.works
    assert (work.title, work.year, work.id) == (
        "Heat-bath random walks with Markov bases", 2016, "arxiv:1605.08386"
    )  # fmt: skip
    assert work.sources == ["arxiv_api", "arxiv_feed"]
    store.close()


def test_fetch_work_by_doi_or_openalex_id(server: ReplayServer, tmp_path: Path) -> None:
    """One of Stephenson's papers, fetched by its DOI, then by its OpenAlex id (the same
    record: unchanged), then with all his works (it is one of them); a DOI OpenAlex does
    not know is a clear error."""
    db = str(tmp_path / "work.db")

    def run(*args: str) -> Any:
        urls = ["--openalex-url", server.url, "--s2-url", server.url]
        return CliRunner().invoke(cli, ["--db", db, "fetch", *args, *urls])

    by_doi = run("work", "doi:10.1016/J.EARSCIREV.2019.102936")
    assert by_doi.exit_code == 0, by_doi.output
    url = f"{server.url}/works/doi:10.1016/j.earscirev.2019.102936"
    assert f"{url}: read 1, new 1, merged 0, unchanged 0, rejected 0" in by_doi.stdout
    by_id = run("work", "openalex:W2969676768")
    assert "read 1, new 0, merged 0, unchanged 1, rejected 0" in by_id.stdout
    author = run("author", "openalex:A5040147688", "--no-score")
    assert "read 158, new 157, merged 0, unchanged 1" in author.stdout
    store = open_store(db)
    assert store.counts()["work"] == 158
    store.close()
    unknown = run("work", "doi:10.9999/not.there")
    assert unknown.exit_code == 1
    assert (
        f"OpenAlex and Semantic Scholar: GET {server.url}/works/doi:10.9999/not.there and "
        f"GET {server.url}/graph/v1/paper/DOI:10.9999/not.there?fields="
    ) in unknown.output
    assert "failed: neither knows this DOI." in unknown.output


def snapshot_recordings(author: dict[str, Any], works: list[dict[str, Any]]) -> Recordings:
    """OpenAlex as it stood on one date: one author and their works (one page)."""
    short = author["id"].rsplit("/", 1)[1]
    page = {"meta": {"count": len(works), "next_cursor": None}, "results": works}
    return Recordings(
        [
            Recording(f"https://api.openalex.org/authors/{short}", body=author),
            Recording(
                f"https://api.openalex.org/works?filter=author.id:{short}&per-page=200&cursor=*",
                body=page,
            ),
        ]
    )


def test_fetching_again_later_keeps_each_dated_figure(shared_data: Path, tmp_path: Path) -> None:
    """Jason Priem and one of his papers as OpenAlex served them in June 2025 and in
    February 2026 (openalex-fixtures): fetched at each date, the profile keeps both sets
    of stated figures and shows how they moved; each work keeps both citation counts."""
    fixtures = shared_data / "openalex-fixtures"

    def read(name: str) -> dict[str, Any]:
        return json.loads((fixtures / name).read_text())

    db = tmp_path / "drift.db"
    snapshots = [
        (read("openalex-python/A5023888391.json"), read("openalex-python/W2741809807.json")),
        (read("mmgeorge-papers/author.json"), read("mmgeorge-papers/work.json")),
    ]
    for author, work in snapshots:
        with ReplayServer(snapshot_recordings(author, [work])) as replay:
            report, _ = fetch(replay, db, "openalex:A5023888391")
        assert (report.read, report.rejected) == (1, 0)
    store = open_store(str(db))
    author_id, _ = profile.resolve_author(store, "openalex:A5023888391")
    history = [
        (row["as_of"], row["h_index"], row["papers"], row["citations"])
        for row in store.stated_history(author_id)
    ]
    assert history == [("2025-06-08", 17, 62, 3890), ("2026-02-15", 17, 60, 4245)]
    # the current figures are the latest; the work's counts are both kept, by date
    assert [s["citations"] for s in store.stated_metrics(author_id)] == [4245]
    work_id = store.author_work_ids(author_id)[0]
    counts = store.query(
        "SELECT as_of, count FROM citation WHERE work_id = ? ORDER BY as_of", (work_id,)
    )
    assert counts == [("2025-06-11", 962), ("2026-02-16", 1149)]
    found = researcher(store, author_id)
    assert [(f.as_of, f.citations) for f in found.author.stated_history] == [
        ("2025-06-08", 3890),
        ("2026-02-15", 4245),
    ]
    store.close()
    page = ask(App(str(db)), f"/authors/author:{author_id}").body.decode()
    history_section = page.split('id="history-heading"')[1].split("</section>")[0]
    assert "2025-06-08" in history_section and "2026-02-15" in history_section
    assert '4,245 <span class="moved">(+355)</span>' in history_section
    assert '60 <span class="moved">(-2)</span>' in history_section
