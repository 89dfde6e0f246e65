"""``scholarscope search`` and ``export`` on the seed documents: the same library
functions as the web, so the same answers as the JSON twins and the web's exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scholarscope.cli import cli
from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.store import open_store
from scholarscope.web import App
from web_client import ask

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli_search") / "seeds.db"
    store = open_store(str(path))
    ingest_paths(store, [EXAMPLES])
    enrich_store(store, model=load_field_model())
    store.close()
    return str(path)


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_search_prints_the_matches_best_first(db: str) -> None:
    lines = run(db, "search", "noisy labels", "--no-semantic").splitlines()
    assert lines[0] == "keyword search for 'noisy labels': 9 works"
    assert lines[1] == (
        "  1. [LG] Multi-Label Noise Transition Matrix Estimation with Label Correlations: "
        "Theory and Algorithm"
    )
    assert lines[2].startswith("     Shikun Li, Xiaobo Xia, Hansong Zhang · 2023 · work:")


def test_search_json_is_the_web_twin(db: str) -> None:
    printed = json.loads(run(db, "search", "noisy labels", "--no-semantic", "--json"))
    served = json.loads(ask(App(db), "/search.json?q=noisy+labels").body)
    assert printed == served
    assert (printed["mode"], printed["paging"]["total"]) == ("keyword", 9)
    experts = json.loads(run(db, "search", "noisy labels", "--experts", "--json"))
    assert [(e["name"], e["matching_works"]) for e in experts["experts"][:2]] == [
        ("Shiming Ge", 5),
        ("Nannan Wang", 4),
    ]


def test_search_refuses_a_query_without_words_and_an_ambiguous_field(db: str) -> None:
    result = CliRunner().invoke(cli, ["--db", db, "search", "?!"])
    assert result.exit_code == 2 and "no words to search for" in result.output
    result = CliRunner().invoke(cli, ["--db", db, "search", "noisy", "--field", "cs.XX"])
    assert result.exit_code == 0 and result.output.startswith("keyword search for 'noisy': 0 works")


def test_export_of_an_author_is_the_web_export(db: str, tmp_path: Path) -> None:
    target = tmp_path / "ge.csv"
    run(db, "export", "--author", "Shiming Ge", "--format", "csv", "-o", str(target))
    served = ask(App(db), "/authors/author:3.csv").body.decode()
    assert target.read_bytes().decode() == served
    rows = list(csv.DictReader(io.StringIO(served)))
    assert len(rows) == 50
    assert rows[0]["title"] == "Selective-Supervised Contrastive Learning with Noisy Labels"
    bib = run(db, "export", "--author", "author:3", "--format", "bib", "--year-from", "2024")
    assert bib.count("@misc{") == 17 + 4 and "year = {2023}" not in bib


def test_export_of_a_search_and_of_every_work(db: str) -> None:
    found = json.loads(run(db, "export", "--search", "noisy labels", "--format", "json"))
    assert [w["title"] for w in found[:2]] == [
        "Multi-Label Noise Transition Matrix Estimation with Label Correlations: Theory and "
        "Algorithm",
        "Selective-Supervised Contrastive Learning with Noisy Labels",
    ]
    every = run(db, "export", "--format", "csv", "--field", "arxiv:cs.CV", "--limit", "5")
    rows = list(csv.DictReader(io.StringIO(every)))
    assert len(rows) == 5 and {r["field"] for r in rows} == {"CV"}
    result = CliRunner().invoke(cli, ["--db", db, "export", "--author", "x", "--search", "y"])
    assert result.exit_code == 2 and "not both" in result.output
