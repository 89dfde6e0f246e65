"""The command line as a user runs it: every command documented, real files, real DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scholarscope.cli import cli
from scholarscope.web import App
from web_client import ask

COMMANDS = (
    "ingest", "enrich", "classify", "profile", "works", "authors", "merge-authors", "stats",
    "serve", "identity suggest", "identity merge", "identity split", "identity undo",
    "identity log", "identity replay", "search", "export", "fetch author", "fetch work",
    "hydrate", "follow", "follow author", "follow category", "unfollow", "sync", "sync arxiv",
    "copy",
)  # fmt: skip
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory, seeds: Path) -> str:
    db = str(tmp_path_factory.mktemp("cli") / "seeds.db")
    result = CliRunner().invoke(cli, ["--db", db, "ingest", str(seeds)])
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(cli, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert "Example: scholarscope" in result.output
    assert f"scholarscope {command}" in README.read_text() or f"`{command}`" in README.read_text()


def test_ingest_prints_per_file_counts(tmp_path: Path, seeds: Path) -> None:
    db = str(tmp_path / "x.db")
    result = CliRunner().invoke(
        cli, ["--db", db, "ingest", str(seeds / "000_6198259b7f70df20.txt")]
    )
    assert result.exit_code == 0
    assert result.output.strip().endswith(
        "000_6198259b7f70df20.txt: read 10, new 10, merged 0, unchanged 0, rejected 0"
    )


def test_ingest_exit_status_says_something_was_rejected(tmp_path: Path, seeds: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "2501.00001", "title": "T", "abstract": "a", "categories": "cs.CV"}\n{not json\n'
    )
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "ingest", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:" in result.output
    assert "read 1, new 1, merged 0, unchanged 0, rejected 1" in result.output


def test_profile_json_has_the_documented_fields(seeded_db: str) -> None:
    result = CliRunner().invoke(cli, ["--db", seeded_db, "profile", "Shiming Ge", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in (
        "name",
        "field",
        "h_index",
        "i10_index",
        "g_index",
        "citations",
        "papers",
        "stated",
        "works",
    ):
        assert key in data
    assert {
        k: data["stated"][k]
        for k in ("h_index", "papers", "citations", "novelty", "ai_score", "source")
    } == {
        "h_index": 15,
        "papers": 54,
        "citations": 1706,
        "novelty": 53,
        "ai_score": 57,
        "source": "profile_page",
    }
    work = data["works"][0]
    for key in (
        "id",
        "title",
        "date",
        "field",
        "code",
        "code_url",
        "authors",
        "et_al",
        "affiliation",
        "abstract",
        "comments",
        "doi",
        "citations",
    ):
        assert key in work
    assert len(data["works"]) == 50


def test_profile_text_reads_like_the_seed_page(seeded_db: str) -> None:
    result = CliRunner().invoke(cli, ["--db", seeded_db, "profile", "Nannan Wang"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Nannan Wang"
    assert lines[1] == "CV"
    assert "stated 55" in lines[2] and "stated 113" in lines[3] and "stated 3,144" in lines[4]
    assert "stated 51%" in lines[5] and "stated 60" in lines[6]
    assert "50 Papers" in result.output
    assert "CV  Mar 23, 2022  Code" in result.output
    assert "Kun Cheng, Xiaodong Cun, Yong Zhang et al. · tsinghua" in result.output


def test_unknown_author_is_a_clear_error(seeded_db: str) -> None:
    result = CliRunner().invoke(cli, ["--db", seeded_db, "profile", "Nobody Atall"])
    assert result.exit_code == 2
    assert "no author matches 'Nobody Atall'" in result.output


def test_authors_and_works_and_stats(seeded_db: str) -> None:
    runner = CliRunner()
    found = json.loads(runner.invoke(cli, ["--db", seeded_db, "authors", "wang", "--json"]).output)
    assert (found["query"], found["paging"]["total"], len(found["authors"])) == ("wang", 14, 14)
    assert found["authors"][0] == {"id": "author:64", "name": "Nannan Wang", "papers": 50}
    works = json.loads(
        runner.invoke(
            cli, ["--db", seeded_db, "works", "--author", "Shiming Ge", "--limit", "3", "--json"]
        ).output
    )
    assert works["paging"] == {"page": 1, "per_page": 3, "total": 50, "pages": 17}
    assert [w["date"] for w in works["works"]] == ["2022-03-08", "2022-03-08", "2024-09-20"]
    stats = json.loads(runner.invoke(cli, ["--db", seeded_db, "stats", "--json"]).output)
    assert stats["records_by_source"] == {"arxiv_feed": 30, "profile_page": 100}
    assert stats["stated_profiles"] == 2


def test_installed_command_runs(tmp_path: Path, seeds: Path) -> None:
    exe = Path(sys.executable).with_name("scholarscope")
    db = str(tmp_path / "y.db")
    subprocess.run([exe, "--db", db, "ingest", str(seeds)], check=True, capture_output=True)
    out = subprocess.run([exe, "--db", db, "stats"], check=True, capture_output=True, text=True)
    assert "records_by_source" in out.stdout


def test_classify_prints_one_json_line_per_record_ignoring_stated_fields(seeds: Path) -> None:
    feed = seeds / "000_6198259b7f70df20.txt"
    page = seeds / "003_a5f9dfde50f3564c.txt"
    result = CliRunner().invoke(cli, ["classify", str(feed), str(page)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 10 + 50
    assert rows[0]["id"] == "arxiv:2409.19252"
    assert (rows[0]["field"], rows[0]["badge"]) == ("cs.CV", "CV")
    keys = {"id", "field", "badge", "confidence", "taxonomy", "in_domain"}
    assert all(set(row) == keys for row in rows if row["in_domain"])
    assert all(0.0 < row["confidence"] <= 1.0 for row in rows if row["in_domain"])
    assert sum(row["in_domain"] for row in rows) == 60  # every seed text is CS


def test_classify_reports_unreadable_records_and_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "mixed.jsonl"
    good = {"id": "2501.00001", "title": "Image segmentation with transformers",
            "abstract": "We segment street scenes in images.", "categories": "cs.CL"}  # fmt: skip
    bad.write_text(json.dumps(good) + "\n{not json\n")
    result = CliRunner().invoke(cli, ["classify", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:" in result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (row["id"], row["badge"]) == ("arxiv:2501.00001", "CV")  # the file's cs.CL ignored


def test_merge_authors_moves_the_works_and_the_old_id_leads_to_the_kept_author(
    tmp_path: Path, seeds: Path
) -> None:
    db = str(tmp_path / "merge.db")
    assert CliRunner().invoke(cli, ["--db", db, "ingest", str(seeds)]).exit_code == 0
    merged = []
    for drop in ("author:1", "author:64"):  # Shikun Li: 10 works, all with Shiming Ge
        result = CliRunner().invoke(cli, ["--db", db, "merge-authors", "author:3", drop])
        assert result.exit_code == 0, result.output
        merged.append(result.output.strip())
    assert merged == [
        "author:1 merged into author:3 (Shiming Ge): 50 -> 50 works\n"
        "logged as edit 1 (scholarscope identity undo 1)",
        "author:64 merged into author:3 (Shiming Ge): 50 -> 100 works\n"
        "logged as edit 2 (scholarscope identity undo 2)",
    ]
    shown = CliRunner().invoke(cli, ["--db", db, "profile", "author:64", "--json"])
    data = json.loads(shown.output)
    assert (data["id"], data["name"], data["papers"]) == ("author:3", "Shiming Ge", 100)
    authors = CliRunner().invoke(cli, ["--db", db, "authors", "Shikun Li", "--json"])
    assert json.loads(authors.output)["authors"] == []
    again = CliRunner().invoke(cli, ["--db", db, "merge-authors", "author:3", "author:64"])
    assert again.exit_code == 2
    assert "no author with id author:64: it was merged into author:3" in again.output
    for keep, drop in (("author:3", "author:3"), ("author:3", "Nannan Wang")):
        refused = CliRunner().invoke(cli, ["--db", db, "merge-authors", keep, drop])
        assert refused.exit_code == 2 and "Error" in refused.output


@pytest.mark.parametrize(
    ("db", "command", "message"),
    [
        ("notes.db", "stats", "notes.db: not a SQLite database (SQLite says: file is not a"),
        ("typo.db", "profile", "typo.db: no such database (a read command never creates one"),
        ("typo.db", "serve", "typo.db: no such database (a read command never creates one"),
        ("nowhere/x.db", "ingest", "nowhere/x.db: the folder nowhere does not exist"),
        ("pipe.db", "stats", "pipe.db: not a regular file (a FIFO or a device?)"),
        ("postgresql://u@127.0.0.1:9/db", "stats", "postgresql://u@127.0.0.1:9/db: cannot connect"),
        ("mysql://u@h/db", "stats", "mysql://u@h/db: unsupported database URL scheme"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line_and_exit_2(
    tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch, db: str, command: str,
    message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.db").write_text("my notes, not a database\n" * 20)
    os.mkfifo(tmp_path / "pipe.db")
    arguments = {"stats": [], "profile": ["Shiming Ge"], "ingest": [str(seeds)], "serve": []}[
        command
    ]
    result = CliRunner().invoke(cli, ["--db", db, command, *arguments])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {message}")
    assert "Traceback" not in result.output
    assert not (tmp_path / "typo.db").exists()


def test_repairs_are_one_line_and_only_rejections_fail(tmp_path: Path, shared_data: Path) -> None:
    # the recorded arXiv API answers: 108 texts were UTF-8 decoded as Latin-1 by the
    # recording client (repaired, stored); two answers are the API's own error for the
    # malformed id "abc", which no record stands behind: listed, and exit status 1
    folder = shared_data / "arxiv-api"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "ingest", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder}/atom_xml/id_abc_s0_m100_b79c8dcf6bc3.xml:9: record abc: the arXiv API "
        "reported an error: incorrect id format for abc",
        f"{folder}/id_abc_s0_m100_b79c8dcf6bc3.json: record abc: HTTP 400: the arXiv API "
        "reported an error: incorrect id format for abc",
        "108 repairs made while reading (bytes read as Latin-1, a date that is no calendar "
        "day …); the records were stored (--verbose lists them)",
    ]
    assert "rejected 0, repaired 2" in result.stdout
    answer = folder / "q_testing_s0_m10_bc5a6c384fe9.json"
    verbose = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.db"), "ingest", "--verbose", str(answer)]
    )
    assert verbose.exit_code == 0
    assert verbose.stderr.splitlines()[0].endswith(
        "UTF-8 text had been decoded as Latin-1 (line 49 of the response body); repaired "
        "'RamÃ\\xadrez' to 'Ramírez'"
    )


def test_a_name_several_people_answer_to_is_listed_never_picked(
    tmp_path: Path, shared_data: Path
) -> None:
    db = str(tmp_path / "s2.db")
    CliRunner().invoke(cli, ["--db", db, "ingest", str(shared_data / "semantic-scholar")])
    result = CliRunner().invoke(cli, ["--db", db, "profile", "Alan Turing"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: 3 people match 'Alan Turing'; name one by its id:"
    # the compatible names first, most works first; the glued "Turingyear" last
    assert [line.split()[1:] for line in lines[1:]] == [
        ["A.", "Turing", "(60", "works)"],
        ["A.", "Turing", "(1", "works)"],
        ["Alan", "Turingyear", "(1", "works)"],
    ]
    as_json = CliRunner().invoke(cli, ["--db", db, "profile", "Alan Turing", "--json"])
    assert as_json.exit_code == 2
    listed = json.loads(as_json.stdout)
    assert (listed["ambiguous"], listed["matches"]) == ("Alan Turing", 3)
    assert [c["papers"] for c in listed["candidates"]] == [60, 1, 1]
    first = listed["candidates"][0]["id"]
    chosen = CliRunner().invoke(cli, ["--db", db, "profile", first, "--json"])
    assert json.loads(chosen.stdout)["papers"] == 60


@pytest.fixture(scope="module")
def stephenson_db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> str:
    """A real OpenAlex author of 154 works, the newest titled "… by Stephenson <i>et al.</i>"."""
    db = str(tmp_path_factory.mktemp("stephenson") / "openalex.db")
    record = shared_data / "openalex-authors/A5040147688.json"
    assert CliRunner().invoke(cli, ["--db", db, "ingest", str(record)]).exit_code == 0
    return db


def test_profile_shows_ten_works_then_says_how_to_see_the_rest(stephenson_db: str) -> None:
    result = CliRunner().invoke(cli, ["--db", stephenson_db, "profile", "openalex:A5040147688"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:2] == ["Michael H. Stephenson", "Earth and Planetary Sciences (82 of 154 works)"]
    assert "154 Papers" in lines
    # the title as a reader sees it: the publisher's <i> is formatting, not text
    assert lines[12] == (
        "Correction to: ‘The need for joined-up thinking in critical raw materials research’ "
        "(2023) by Stephenson et al."
    )
    assert lines[-1] == "… 144 more works: --limit 154 shows them all"
    blocks = result.output.split("\n\n")  # the header, "154 Papers", the works, the note
    assert len(blocks) == 2 + 10 + 1 and blocks[2].startswith("Dec 1, 2025\nCorrection to:")
    everything = CliRunner().invoke(
        cli, ["--db", stephenson_db, "profile", "openalex:A5040147688", "--limit", "0"]
    )
    assert "Sedimentary context and palaeoecology of Gigantoproductus shell beds" in (
        everything.output
    )
    assert "more works" not in everything.output and "<i>" not in everything.output
    # --json is what it was: every work, the title as stored
    as_json = CliRunner().invoke(
        cli, ["--db", stephenson_db, "profile", "openalex:A5040147688", "--json", "--limit", "1"]
    )
    works = json.loads(as_json.output)["works"]
    assert len(works) == 154 and works[0]["title"].endswith("by Stephenson <i>et al.</i>")


def test_profile_abstracts_on_request_as_plain_text(seeded_db: str) -> None:
    """The seed abstract's ``\\textit{pair-wise}`` reads "pair-wise" in the terminal."""
    short = CliRunner().invoke(cli, ["--db", seeded_db, "profile", "Shiming Ge"])
    assert "pair-wise" not in short.output and short.output.endswith(
        "… 40 more works: --limit 50 shows them all\n"
    )
    full = CliRunner().invoke(
        cli, ["--db", seeded_db, "profile", "Shiming Ge", "--limit", "50", "--abstracts"]
    )
    assert full.exit_code == 0
    text = " ".join(full.output.split())
    assert "as Sup-CL works in a pair-wise manner, noisy pairs built by noisy labels" in text
    assert "The de-occlusion module applies a generative" in text
    assert "\\textit" not in full.output and "more works" not in full.output


def test_json_output_is_the_json_twin_of_the_pages(stephenson_db: str) -> None:
    """``profile``, ``works`` and ``authors --json`` print the read model the pages'
    JSON twins answer: the same document, key for key."""
    app = App(stephenson_db)
    runner = CliRunner()
    shown = runner.invoke(cli, ["--db", stephenson_db, "profile", "openalex:A5040147688", "--json"])
    printed = json.loads(shown.stdout)
    twin = json.loads(ask(app, f"/authors/{printed['id']}.json?per_page=154").body)
    # the terminal adds each work's nearest earlier works (none here: nothing is scored)
    assert {len(w.pop("novelty_evidence")) for w in printed["works"]} == {0}
    assert printed == twin
    assert (twin["name"], twin["papers"], len(twin["works"])) == ("Michael H. Stephenson", 154, 154)
    listed = runner.invoke(cli, ["--db", stephenson_db, "works", "--limit", "5", "--json"])
    works = json.loads(listed.stdout)
    assert works == json.loads(ask(app, "/works.json?per_page=5").body)
    # 158 stored works; his profile counts 154 papers, 4 being versions of others
    assert (works["paging"]["total"], len(works["works"])) == (158, 5)
    found = runner.invoke(cli, ["--db", stephenson_db, "authors", "stephenson", "--json"])
    people = json.loads(found.stdout)
    assert people == json.loads(ask(app, "/authors.json?q=stephenson").body)
    assert people["authors"][0] == {"id": printed["id"], "name": "Michael H. Stephenson",
                                    "papers": 158}  # fmt: skip
