"""The scoring stage on the real seeds with the real embedding model: what is embedded,
searched and stored, what a second run or a new file redoes, and what profiles show."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scholarscope import pipeline, profile, work_views
from scholarscope.cli import cli
from scholarscope.embed import load_encoder
from scholarscope.pipeline import score as score_stage
from scholarscope.pipeline.score import score_store
from scholarscope.store import Store, open_store

MIN_EARLIER = 10  # the seeds are 127 works: the default (1,000) would leave every one out
FEEDS = ("000_6198259b7f70df20.txt", "002_5f7ca689ee55c244.txt", "004_f083b819790df835.txt")


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    return load_encoder()


@pytest.fixture(scope="module")
def first_run(
    tmp_path_factory: pytest.TempPathFactory, seeds: Path, encoder
) -> tuple[Store, score_stage.ScoreReport]:
    """The seeds ingested and scored once (tests that write take a copy)."""
    store = _seeded(tmp_path_factory.mktemp("scored"), [seeds])
    return store, score_store(store, encoder, min_earlier=MIN_EARLIER)


@pytest.fixture
def scored_seeds(first_run: tuple[Store, score_stage.ScoreReport]) -> Store:
    return first_run[0]


def _copy(store: Store, tmp_path: Path) -> Store:
    target = sqlite3.connect(str(tmp_path / "copy.db"))
    store.connection.backup(target)
    target.close()
    return open_store(str(tmp_path / "copy.db"))


def _seeded(tmp_path: Path, paths: Sequence[Path]) -> Store:
    tmp_path.mkdir(exist_ok=True)
    store = open_store(str(tmp_path / "s.db"))
    pipeline.ingest_paths(store, list(paths))
    return store


def _novelty(store: Store) -> dict[int, tuple]:
    rows = store.query(
        "SELECT work_id, neighbours, novelty_raw, novelty_percentile, earlier_works "
        "FROM work_novelty ORDER BY work_id"
    )
    return {row[0]: row[1:] for row in rows}


def _scores(store: Store) -> dict[int, tuple]:
    return {r[0]: r[1:] for r in store.query("SELECT work_id, ai_score, breakdown FROM work_score")}


def test_seeds_are_embedded_searched_and_scored_once(
    tmp_path: Path, encoder, first_run: tuple[Store, score_stage.ScoreReport]
) -> None:
    store, first = first_run
    assert (first.works, first.embedded, first.without_text) == (127, 127, 0)
    assert first.novelty_computed == 127
    # undated page works, and works with fewer than 10 works dated before them
    assert first.too_early == 18
    store = _copy(store, tmp_path)
    before = (_novelty(store), _scores(store))
    again = score_store(store, encoder, min_earlier=MIN_EARLIER)
    assert (again.embedded, again.already_embedded, again.novelty_computed) == (0, 127, 0)
    assert (_novelty(store), _scores(store)) == before  # the same numbers, to the bit


def test_neighbours_are_strictly_earlier_and_most_similar_first(scored_seeds: Store) -> None:
    store = scored_seeds
    inputs = {i.work_id: i for i in score_stage.load_score_inputs(store)}
    for work_id, (neighbours, raw, _, earlier) in _novelty(store).items():
        found = json.loads(neighbours)
        day = np.datetime64(inputs[work_id].novelty_date or "NaT", "D")
        assert all(np.datetime64(inputs[n].novelty_date, "D") < day for n, _ in found)
        sims = [s for _, s in found]
        assert sims == sorted(sims, reverse=True)
        if raw is not None:
            assert len(found) == 10 and earlier >= MIN_EARLIER
            assert raw == pytest.approx(1 - sims[0], abs=1e-6)


def test_adding_a_file_later_gives_what_scoring_everything_at_once_gives(
    tmp_path: Path, seeds: Path, encoder, scored_seeds: Store
) -> None:
    everything = scored_seeds
    # the same works, one feed (papers of July-September 2024) arriving after the rest:
    # it is dated before many stored works, whose neighbour lists must take it in
    others = [p for p in sorted(seeds.iterdir()) if p.name != FEEDS[0]]
    step = _seeded(tmp_path / "step", others)
    # the same vectors as the first database (in bfloat16 a text's vector moves in the 4th
    # decimal with the other texts of its embedding batch; stored vectors never change)
    with step.transaction():
        step.insert_embeddings(
            everything.query("SELECT content_hash, model, vector FROM embedding")
        )
    first = score_store(step, encoder, min_earlier=MIN_EARLIER)
    assert (first.embedded, first.novelty_computed) == (0, 120)
    pipeline.ingest_paths(step, [seeds / FEEDS[0]])
    added = score_store(step, encoder, min_earlier=MIN_EARLIER)
    assert 10 < added.novelty_computed < 127  # the new works and the back-filled ones
    assert added.novelty_kept == 127 - added.novelty_computed
    assert _by_first_key(step) == _by_first_key(everything)


def _by_first_key(store: Store) -> dict[str, tuple]:
    """Novelty and AI Score keyed by arXiv id or title (work ids differ between databases)."""

    def label(view: dict) -> str:
        return view["title"] if view["id"].startswith("work:") else view["id"]

    return {
        label(v): (
            v["novelty"],
            v["novelty_raw"],
            tuple(e["title"] or e["id"] for e in v["novelty_evidence"]),
            v["ai_score"],
        )
        for v in work_views.scored_views(store, store.work_ids())
    }


def test_a_changed_abstract_is_embedded_and_searched_again(
    tmp_path: Path, encoder, scored_seeds: Store
) -> None:
    store = _copy(scored_seeds, tmp_path)
    changed = tmp_path / "changed.jsonl"
    changed.write_text(
        json.dumps(
            {
                "id": "2409.19252",
                "title": "Beyond Euclidean: Dual-Space Representation Learning for Weakly "
                "Supervised Video Violence Detection",
                "authors": "Jiaxu Leng, Zhanjie Wu, Mingpi Tan",
                "abstract": "We detect violence in videos with hyperbolic representations.",
                "categories": "cs.CV",
                "update_date": "2024-09-28",
            }
        )
        + "\n"
    )
    pipeline.ingest_paths(store, [changed])
    report = score_store(store, encoder, min_earlier=MIN_EARLIER)
    assert report.embedded == 1  # the snapshot's title and abstract win over the feed's
    assert report.novelty_computed >= 1


def test_a_killed_run_keeps_its_finished_batches(
    tmp_path: Path, seeds: Path, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _seeded(tmp_path, [seeds / FEEDS[0]])
    monkeypatch.setattr(score_stage, "EMBED_BATCH", 4)
    calls = []

    class Killed:
        version = encoder.version

        def encode(
            self, texts: Sequence[str], progress: Callable[[int], None] | None = None
        ) -> np.ndarray:
            calls.append(len(texts))
            if len(calls) == 2:
                raise KeyboardInterrupt  # the user presses Ctrl-C during the second batch
            return encoder.encode(texts)

    with pytest.raises(KeyboardInterrupt):
        score_store(store, Killed(), min_earlier=MIN_EARLIER)
    assert len(store.embedded_hashes(encoder.version)) == 4
    resumed = score_store(store, encoder, min_earlier=MIN_EARLIER)
    assert (resumed.already_embedded, resumed.embedded) == (4, 6)


def test_profile_shows_novelty_evidence_and_the_ai_score_breakdown(scored_seeds: Store) -> None:
    store = scored_seeds
    author_id, _ = profile.resolve_author(store, "Nannan Wang")
    found = profile.build_profile(store, author_id)
    scored = [w for w in found["works"] if w["novelty"] is not None]
    assert scored
    work = scored[0]
    assert 0 <= work["novelty"] <= 100
    assert len(work["novelty_evidence"]) == 10
    assert {"id", "title", "similarity"} == set(work["novelty_evidence"][0])
    breakdown = work["ai_score_breakdown"]
    shares = sum(c["weight"] for c in breakdown["components"].values())
    assert shares == pytest.approx(1.0, abs=1e-3)
    assert breakdown["components"]["impact"]["value"] is None  # no source counts citations
    undated = [w for w in found["works"] if w["novelty_reason"] == "no publication date"]
    assert undated and all(w["novelty"] is None for w in undated)
    assert found["novelty_breakdown"]["aggregation"] == "median of the works' novelty percentiles"
    assert found["novelty"] == pytest.approx(
        float(np.median([w["novelty"] for w in scored])), abs=0.05
    )


def test_score_command_reports_each_step(tmp_path: Path, scored_seeds: Store) -> None:
    db = str(tmp_path / "copy.db")
    _copy(scored_seeds, tmp_path).close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db, "score", "--min-earlier", "10"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "scored 127 works: embedded 0 (already 127, without text 0), "
        "neighbours found 0 (kept 127), without novelty"
    )
    bad = runner.invoke(cli, ["--db", db, "score", "--weights", "fame=1"])
    assert bad.exit_code == 2
    assert "unknown AI Score component 'fame'" in bad.output


def test_one_bad_work_never_stops_the_stage(tmp_path: Path, scored_seeds: Store) -> None:
    # a database written before ingest checked dates, and one record damaged on disk
    store = _copy(scored_seeds, tmp_path)
    month_13, damaged = (row[0] for row in store.query(
        "SELECT work_id FROM work_record WHERE source = 'arxiv_feed' ORDER BY work_id LIMIT 2"
    ))  # fmt: skip
    with store.transaction():
        store.execute(
            "UPDATE work_record SET record = json_set(record, '$.date', '2024-13-45') "
            "WHERE work_id = ?",
            (month_13,),
        )
        store.execute(
            "UPDATE work_record SET record = '{\"ids\": 5}' WHERE work_id = ?", (damaged,)
        )
    store.close()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "copy.db"), "score",
                                      "--min-earlier", "10"])  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(f"work:{damaged}: cannot be scored (TypeError(")
    assert result.stdout.startswith("scored 126 works: embedded 0 (already 126,")


def test_score_prints_progress_lines_when_not_on_a_terminal(tmp_path: Path, seeds: Path) -> None:
    _seeded(tmp_path, [seeds / FEEDS[0]]).close()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "s.db"), "score"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "embed: 10 of 10 (100%), done\n"
