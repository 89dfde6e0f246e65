"""The enrichment stage on the real seeds: what is stored, shown, and redone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scholarscope import pipeline, profile, work_views
from scholarscope.cli import cli
from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline.enrich import enrich_store, work_text
from scholarscope.records import Work
from scholarscope.store import Store, open_store


@pytest.fixture
def store(tmp_path: Path, seeds: Path) -> Store:
    store = open_store(str(tmp_path / "e.db"))
    pipeline.ingest_paths(store, [seeds])
    return store


def _view(store: Store, key: str) -> dict:
    work_id = store.find_work_keys([key])[key]
    (view,) = work_views.load_work_views(store, [work_id])
    return view


def test_enrich_seeds_counts_and_is_incremental(store: Store) -> None:
    works = store.counts()["work"]
    report = enrich_store(store)
    assert report.works == works
    assert report.field_predicted == 0  # no field model is given here
    # feeds + pages, less the papers on both (one available, one promised)
    assert (report.code_available, report.code_promised) == (10 + 27 - 1, 6 + 3 - 1)
    assert report.failed == 0
    assert store.enrichment_coverage()["enriched"] == works
    assert enrich_store(store).works == 0  # nothing changed, nothing redone
    assert enrich_store(store, everything=True).works == works


def test_feed_record_gets_venue_code_and_a_marked_prediction(store: Store) -> None:
    enrich_store(store)
    dsrl = _view(store, "arxiv:2409.19252")
    assert dsrl["venue"]["name"] == "NeurIPS"
    assert (dsrl["venue"]["year"], dsrl["venue"]["status"]) == (2024, "accepted")
    assert dsrl["field"] is None  # the feed states no field; none predicted without a model
    group3ad = _view(store, "arxiv:2408.04604")
    assert (group3ad["venue"]["name"], group3ad["venue"]["year"]) == ("ACM MM", 2024)
    assert (group3ad["venue"]["pages"], group3ad["venue"]["figures"]) == (12, 5)
    assert group3ad["code_url"] == "https://github.com/M-3LAB/Group3AD"
    assert group3ad["code_state"] == "available"
    promised = _view(store, "arxiv:2409.08598")
    assert (promised["code"], promised["code_state"]) == (False, "promised")


def test_field_model_predicts_every_work_without_a_stated_field(store: Store) -> None:
    model = load_field_model()
    report = enrich_store(store, model=model)
    # the 97 page blocks state their badge; the 30 feed records, less the 3 that are page
    # blocks too, state nothing
    assert (store.counts()["work"], report.field_predicted, report.field_chosen) == (127, 27, 0)
    dsrl = _view(store, "arxiv:2409.19252")  # a feed record: abstract and comments only
    assert (dsrl["field"], dsrl["field_key"], dsrl["field_category"]) == (
        "CV", "arxiv:cs.CV", "cs.CV"
    )  # fmt: skip
    assert dsrl["field_name"] == "Computer Vision and Pattern Recognition"
    assert dsrl["field_source"] == f"predicted ({model.version})"
    assert 0.5 < dsrl["field_confidence"] <= 1.0
    assert enrich_store(store, model=model).works == 0  # same model: nothing redone


def test_profile_page_work_keeps_its_badge_and_gains_the_url(store: Store) -> None:
    enrich_store(store)
    author_id, _ = profile.resolve_author(store, "Shiming Ge")
    first = profile.build_profile(store, author_id)["works"][0]
    assert (first["field"], first["field_key"], first["field_source"]) == (
        "CV", "arxiv:cs.CV", "stated (profile_page)"
    )  # fmt: skip
    assert first["code_url"] == "https://github.com/ShikunLi/Sel-CL"
    assert first["code"] is True


def test_work_text_prefers_the_best_source() -> None:
    feed = Work(ids=("arxiv:1",), source="arxiv_feed", origin="f", abstract="feed text",
                comments="Accepted by NeurIPS 2024")  # fmt: skip
    snap = Work(ids=("arxiv:1",), source="arxiv_snapshot", origin="s", title="T",
                abstract="snapshot text", primary_category="cs.CV")  # fmt: skip
    text = work_text(7, [feed, snap])
    assert (text.abstract, text.comments, text.stated_field) == (
        "snapshot text",
        "Accepted by NeurIPS 2024",
        "arxiv:cs.CV",
    )
    assert text.all_texts == ("snapshot text", "feed text", "Accepted by NeurIPS 2024")


def test_enrich_command_and_stats_coverage(tmp_path: Path, seeds: Path) -> None:
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    runner.invoke(cli, ["--db", db, "ingest", str(seeds)])
    result = runner.invoke(cli, ["--db", db, "enrich"])
    assert result.exit_code == 0, result.output
    assert "code available 36, code promised 8" in result.output
    stats = json.loads(runner.invoke(cli, ["--db", db, "stats", "--json"]).output)
    assert stats["enrichment"]["code_available"] == 36
    assert stats["enrichment"]["with_comments"] == 17  # the feeds' comments lines


def test_a_new_record_for_a_stored_work_is_enriched_again(store: Store, tmp_path: Path) -> None:
    model = load_field_model()
    enrich_store(store, model=model)
    snapshot = tmp_path / "s.jsonl"
    snapshot.write_text(
        json.dumps(
            {
                "id": "2409.19252",
                "title": "Beyond Euclidean: Dual-Space Representation Learning for Weakly "
                "Supervised Video Violence Detection",
                "authors": "Jiaxu Leng, Zhanjie Wu, Mingpi Tan",
                "abstract": "While numerous Video Violence Detection (VVD) methods ...",
                "comments": "Accepted by NeurIPS 2024",
                "categories": "cs.CV",
                "update_date": "2024-09-30",
            }
        )
        + "\n"
    )
    pipeline.ingest_paths(store, [snapshot])
    assert enrich_store(store, model=model).works == 1
    dsrl = _view(store, "arxiv:2409.19252")
    assert (dsrl["field_source"], dsrl["field_confidence"]) == ("stated (arxiv_snapshot)", None)
