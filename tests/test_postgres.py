"""The store on a real PostgreSQL server (the tests' own throwaway cluster,
``pg_cluster.py``): the same migrations, the same answers as SQLite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from replay_recordings import openalex_recordings
from replay_server import ReplayServer
from scholarscope.cli import cli
from scholarscope.pipeline import ingest_paths
from scholarscope.store import StoreError, open_store
from scholarscope.store.migrations import MIGRATIONS
from scholarscope.store.postgres import PostgresStore
from scholarscope.web import App
from web_client import ask


def run(db: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", db, *args])
    assert result.exit_code == 0, result.output
    return result


def test_the_schema_is_made_once(postgres_url: str) -> None:
    store = open_store(postgres_url)
    assert isinstance(store, PostgresStore)
    applied = store.query("SELECT name FROM schema_migration ORDER BY name")
    assert [row[0] for row in applied] == [name for name, _ in MIGRATIONS]
    store.close()
    again = open_store(postgres_url)
    assert again.query("SELECT COUNT(*) FROM schema_migration") == [(len(MIGRATIONS),)]
    assert again.counts()["work"] == 0
    again.close()


def test_a_server_that_is_not_there_is_a_clear_error(postgres_cluster: Any) -> None:
    url = postgres_cluster.url("no_such_database")
    with pytest.raises(StoreError, match="no_such_database: cannot connect"):
        open_store(url)
    with pytest.raises(StoreError, match=r"postgresql://someone:\*\*\*@127\.0\.0\.1:9/x"):
        open_store("postgresql://someone:secret@127.0.0.1:9/x")


def test_the_seeds_give_the_profile_sqlite_gives(
    postgres_url: str, tmp_path: Path, seeds: Path
) -> None:
    """The issue's acceptance: ingest, enrich and score the seed documents into each
    store; `profile "Shiming Ge" --json` prints the same document, key for key."""
    sqlite = str(tmp_path / "seeds.db")
    printed = {}
    for db in (postgres_url, sqlite):
        ingest = run(db, "ingest", str(seeds))
        assert "003_a5f9dfde50f3564c.txt: read 50, new 47, merged 3" in ingest.stdout
        run(db, "enrich")
        run(db, "score", "--min-earlier", "10")
        printed[db] = json.loads(run(db, "profile", "Shiming Ge", "--json").stdout)
    on_postgres, on_sqlite = printed[postgres_url], printed[sqlite]
    assert on_postgres["name"] == "Shiming Ge" and on_postgres["stated"]["h_index"] == 15
    assert on_postgres["works"] and on_postgres["novelty"] is not None
    assert on_postgres == on_sqlite
    # the keyword search finds the same works; the two rank functions order them alike,
    # not identically (ts_rank is not BM25)
    found = {
        (db, query): [
            r["id"]
            for r in json.loads(run(db, "search", query, "--json", "--no-semantic").stdout)[
                "results"
            ]
        ]
        for db in (postgres_url, sqlite)
        for query in ("face anti-spoofing", "person re-identification", "all", '"in the wild"')
    }
    assert found[postgres_url, "face anti-spoofing"] == found[sqlite, "face anti-spoofing"] == [
        "arxiv:2409.03501", "arxiv:2408.07675", "arxiv:2407.08243"
    ]  # fmt: skip
    people = [found[db, "person re-identification"] for db in (postgres_url, sqlite)]
    assert len(people[0]) == 8 and set(people[0]) == set(people[1])
    assert set(people[0][:5]) == set(people[1][:5])
    # every word is indexed, as in FTS5: English stopwords too (m017)
    for query, works in (("all", 11), ('"in the wild"', 3)):
        assert len(found[postgres_url, query]) == len(found[sqlite, query]) == works, query
        assert set(found[postgres_url, query]) == set(found[sqlite, query])


def test_a_failed_write_leaves_nothing(postgres_url: str, seeds: Path) -> None:
    store = open_store(postgres_url)
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.insert_works([(1, "2026-01-01T00:00:00Z")])
            raise RuntimeError("stop")
    assert store.counts()["work"] == 0
    ingest_paths(store, [seeds / "000_6198259b7f70df20.txt"])
    assert store.counts()["work"] == 10
    # the search index follows the records (m004's triggers, in PL/pgSQL here)
    assert store.query("SELECT COUNT(*) FROM work_facet WHERE search IS NOT NULL") == [(10,)]
    # the identity edit log is append-only on this server too
    store.add_identity_edit("merge", "2026-12-07T00:00:00Z", "test", "why", None, "{}")
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        store.execute("UPDATE identity_edit SET reason = 'changed'")
    store.close()


def test_the_web_pages_read_the_same_from_either_store(
    postgres_url: str, tmp_path: Path, seeds: Path
) -> None:
    """The server on PostgreSQL: a profile's and a search's JSON twins equal the SQLite
    server's; a write committed meanwhile empties its caches (``data_version``)."""
    sqlite = str(tmp_path / "web.db")
    for db in (postgres_url, sqlite):
        run(db, "ingest", str(seeds / "001_a12025aa8030061e.txt"))
    apps = {db: App(db) for db in (postgres_url, sqlite)}
    for target in ("/authors/author:1.json", "/search.json?q=face+anti-spoofing"):
        answers = [ask(app, target) for app in apps.values()]
        assert [a.status for a in answers] == [200, 200]
        assert json.loads(answers[0].body) == json.loads(answers[1].body)
    page = ask(apps[postgres_url], "/authors/author:1")
    assert page.status == 200 and b"Shiming Ge" in page.body
    people = "/authors.json?q=nannan+wang"
    before = json.loads(ask(apps[postgres_url], people).body)["paging"]["total"]
    run(postgres_url, "ingest", str(seeds / "003_a5f9dfde50f3564c.txt"))
    after = json.loads(ask(apps[postgres_url], people).body)["paging"]["total"]
    assert (before, after) == (0, 1)


def test_the_server_replaces_a_connection_the_database_dropped(
    postgres_url: str, seeds: Path
) -> None:
    """The readers come from a pool that checks a connection before lending it: once the
    database server has ended every session (a restart, a fail-over, an administrator's
    pg_terminate_backend), the next page is answered on a new connection, not a 500."""
    run(postgres_url, "ingest", str(seeds / "001_a12025aa8030061e.txt"))
    app = App(postgres_url, cache_size=0, page_cache_bytes=0)
    assert ask(app, "/authors/author:1.json").status == 200
    admin = psycopg.connect(postgres_url, autocommit=True)
    others = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    ).fetchall()
    for (pid,) in others:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    admin.close()
    assert len(others) >= 2  # the page reader and the caches' change probe at least
    answer = ask(app, "/authors/author:1.json")
    assert answer.status == 200
    assert json.loads(answer.body)["name"] == "Shikun Li"


def test_copy_moves_a_database_to_postgresql_and_back(
    postgres_url: str, postgres_cluster: Any, tmp_path: Path, seeds: Path
) -> None:
    """`scholarscope copy`: the seeds ingested, enriched and scored (with an identity
    edit) in SQLite, copied to PostgreSQL and back to a new SQLite file: every table the
    same by count and checksum, and the profile the same everywhere."""
    sqlite = str(tmp_path / "from.db")
    for args in (["ingest", str(seeds)], ["enrich"], ["score", "--min-earlier", "10"]):
        run(sqlite, *args)
    run(sqlite, "identity", "merge", "author:3", "author:4", "--reason", "a test merge")
    there = CliRunner().invoke(cli, ["copy", "--from", sqlite, "--to", postgres_url])
    assert there.exit_code == 0, there.output
    assert "work_record: 130 rows copied" in there.stdout
    assert "verified work_facet: 127 rows" in there.stdout
    assert "DIFFERS" not in there.stdout and there.stdout.count(" same\n") == 21
    back = str(tmp_path / "back.db")
    again = CliRunner().invoke(cli, ["copy", "--from", postgres_url, "--to", back])
    assert again.exit_code == 0 and again.stdout.count(" same\n") == 21, again.output
    profiles = [
        run(db, "profile", "Shiming Ge", "--json").stdout for db in (sqlite, postgres_url, back)
    ]
    assert profiles[0] == profiles[1] == profiles[2]
    refused = CliRunner().invoke(cli, ["copy", "--from", sqlite, "--to", postgres_url])
    assert refused.exit_code == 1 and "the target holds works already" in refused.output


def test_a_fetch_into_postgresql_keeps_its_answers_in_the_working_folder(
    postgres_url: str, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with ReplayServer(openalex_recordings(shared_data / "openalex-authors")) as server:
        urls = ["--openalex-url", server.url, "--no-score"]
        first = run(postgres_url, "fetch", "author", "openalex:A5040147688", *urls)
        assert "read 158, new 158" in first.stdout and "(3 requests" in first.stdout
        again = run(postgres_url, "fetch", "author", "openalex:A5040147688", *urls)
        assert "unchanged 158, rejected 0, stated profiles 1 (0 requests, 3 answers kept" in (
            again.stdout
        )
    kept = list((tmp_path / "scholarscope.responses").glob("127.0.0.1_*_t_*/*/*.json"))
    assert len(kept) == 3
    profile = json.loads(run(postgres_url, "profile", "openalex:A5040147688", "--json").stdout)
    assert profile["h_index"] == 31  # OpenAlex's own summary_stats.h_index
