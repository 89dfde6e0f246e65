"""Author identity: name folding, compatible names, and the matching rules at ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scholarscope import pipeline, profile
from scholarscope.authors import folded_name, name_key, names_compatible
from scholarscope.store import Store, open_store


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Shiming Ge", "SHIMING GE", True),
        ("C. Balázs", "C. Balazs", True),
        ("Bello, Abdulwahab", "Abdulwahab Bello", True),
        ("S. Ge", "Shiming Ge", True),
        ("S Ge", "Shiming Ge", True),
        ("Shiming Ge", "Shiming Gu", False),
        ("Xiaobo Xia", "Xiaobo Xiao", False),
        ("J. P. Hague", "John Paul Hague", True),
        ("J. Q. Hague", "John Paul Hague", False),
    ],
)
def test_names_compatible(a: str, b: str, same: bool) -> None:
    assert names_compatible(folded_name(a), folded_name(b)) is same


def test_name_keys_group_all_arxiv_sources() -> None:
    assert name_key("arxiv_feed", "Shiming Ge") == name_key("arxiv_snapshot", "Shiming  GE")
    assert name_key("profile_page", "Shiming Ge") == "name:profile_page:shiming ge"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "a.db"))


def test_distinct_openalex_ids_stay_distinct_people(store: Store, shared_data: Path) -> None:
    folder = shared_data / "openalex-authors"
    pipeline.ingest_paths(store, [folder])
    ids = set()
    for path in folder.glob("*.json"):
        for work in json.loads(path.read_text())["works"]:
            for authorship in work["authorships"]:
                if authorship["author"].get("id"):
                    ids.add(authorship["author"]["id"].rsplit("/", 1)[1])
    rows = store.query(
        "SELECT COUNT(DISTINCT author_id), COUNT(*) FROM author_key WHERE key LIKE 'openalex:%'"
    )
    assert rows[0] == (len(ids), len(ids))


def test_arxiv_byline_joins_the_profile_page_owner_on_a_shared_work(
    store: Store, seeds: Path, tmp_path: Path
) -> None:
    pipeline.ingest_paths(store, [seeds / "001_a12025aa8030061e.txt"])
    snapshot = tmp_path / "s.jsonl"
    snapshot.write_text(
        json.dumps(
            {
                "id": "2203.04181",
                "authors": "Shikun Li, Xiaobo Xia, S. Ge, Tongliang Liu",
                "title": "Selective-Supervised Contrastive Learning with Noisy Labels",
                "abstract": "Deep networks have strong capacities ...",
                "categories": "cs.CV",
                "versions": [{"version": "v1", "created": "Tue, 8 Mar 2022 16:12:17 GMT"}],
                "update_date": "2022-03-09",
            }
        )
        + "\n"
    )
    (report,) = pipeline.ingest_paths(store, [snapshot])
    assert report.merged == 1
    owner, _ = profile.resolve_author(store, "Shiming Ge")
    result = profile.build_profile(store, owner)
    assert len(result["works"]) == 50
    merged = result["works"][0]
    assert merged["id"] == "arxiv:2203.04181"
    assert merged["authors"] == ["Shikun Li", "Xiaobo Xia", "S. Ge", "Tongliang Liu"]
    assert merged["et_al"] is False
    # "S. Ge" on the arXiv record is the page's Shiming Ge, not a new person
    assert store.query("SELECT COUNT(*) FROM author WHERE name = 'S. Ge'") == [(0,)]
    assert store.query(
        "SELECT COUNT(*) FROM authorship WHERE author_id = ? AND name_as_written = 'S. Ge'",
        (owner,),
    ) == [(1,)]
