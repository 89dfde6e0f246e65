"""Validate novelty and the AI Score on real data; time the scoring stages at 60k works.

Everything runs through the library calls the CLI makes (ingest, enrich, score) on a
fresh SQLite file, and writes its figures to ``bench/novelty_validation.json``:

1. **Near-duplicates are not novel.** 200 real works of ``arxiv-cs`` (seeded choice,
   announced 2025-06 .. 2025-12, abstracts of at least three sentences) get a reworded
   copy (``tools/near_duplicates.py``: sentences shuffled, a few neighbouring words swapped,
   same categories) dated 7 days after the original. Share of copies in the bottom 10%
   of novelty of their cohort; target >= 95%. The same share under the other raw
   novelty formulas considered (mean of 10, of 3, nearest and mean averaged), computed
   from the stored similarities, shows why the shipped one was chosen; and the mean raw
   novelty by the number of earlier works shows why ``MIN_EARLIER`` is 1,000.
2. **Stability.** Scoring the same corpus twice gives identical numbers; then the works
   announced in the last month (2026-04) are ingested and scored as a daily feed would
   be: no earlier work's neighbours or raw novelty may change, and only the new works
   are searched (counts and time printed).
3. **Relation to impact.** On the OpenAlex works with abstracts (``openalex-authors``),
   Spearman correlation of raw novelty with citations per year. Those ~1k works are
   their own corpus (geoscience, 1990s-2026): novelty there needs at least ``k`` earlier
   works rather than the default 1,000, which this run states.
4. **The seed profiles.** Shiming Ge's and Nannan Wang's computed Novelty % and AI Score
   beside the stated figures, with the breakdown.
5. **Speed.** Each scoring step's time on the 60k corpus, and peak memory.

    python bench/novelty_validation.py            # full run: ~10 min, embeds 62k texts
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from scholarscope import pipeline, profile, work_views
from scholarscope.embed import load_encoder
from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.pipeline.score import score_store
from scholarscope.score import novelty as nov
from scholarscope.store import Store, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from near_duplicates import reworded, sentences, swap_words  # noqa: E402  (a development tool)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ARXIV = SHARED / "data" / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
OPENALEX = SHARED / "data" / "openalex-authors"
SEEDS = SHARED / "seeds"
OUT = ROOT / "bench" / "novelty_validation.json"
COPIES = 200
LAST_MONTH = "2026-04"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=COPIES)
    args = parser.parse_args(argv)
    encoder = load_encoder()
    model = load_field_model()
    results: dict[str, Any] = {"encoder": encoder.version, "field_model": model.version}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        earlier, last_month, copies = write_inputs(tmp, args.copies)
        store = open_store(str(tmp / "bench.db"))
        pipeline.ingest_paths(store, [earlier, copies, SEEDS])
        enrich_store(store, model=model)
        start = time.perf_counter()
        first = score_store(store, encoder, on_progress=_progress)
        results["speed"] = {
            "works": first.works,
            "seconds_by_step": first.seconds,
            "seconds_total": round(time.perf_counter() - start, 1),
            "texts_embedded": first.embedded,
            "peak_rss_mb": _peak_rss_mb(),
        }
        print("scored", first.works, "works:", first.seconds, file=sys.stderr)
        results["near_duplicates"] = near_duplicates(store, copies)
        results["near_duplicates_by_formula"] = formulas(store, copies)
        results["raw_novelty_by_earlier_works"] = by_corpus_size(store)
        results["stability"] = stability(store, encoder, last_month, model)
        results["seed_profiles"] = seed_profiles(store)
        results["openalex_spearman"] = openalex_spearman(tmp, encoder)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


def write_inputs(tmp: Path, n_copies: int) -> tuple[Path, Path, Path]:
    """The arXiv file split before/after the last month, and the reworded copies."""
    with gzip.open(ARXIV, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    earlier = [r for r in records if r["update_date"] < LAST_MONTH]
    last_month = [r for r in records if r["update_date"] >= LAST_MONTH]
    candidates = [
        r
        for r in earlier
        if "2025-06-01" <= r["update_date"] <= "2025-12-20" and len(sentences(r["abstract"])) >= 3
    ]
    rng = random.Random(2026)
    originals = rng.sample(candidates, n_copies)
    copies = []
    for number, original in enumerate(originals, start=1):
        day = date.fromisoformat(original["update_date"]) + timedelta(days=7)
        copy = dict(original)
        copy.update(
            id=f"2712.{number:05d}",
            title=swap_words(" ".join(original["title"].split()), 1, rng),
            abstract=reworded(" ".join(original["abstract"].split()), seed=number),
            update_date=day.isoformat(),
            comments=None,
            doi=None,
            original=original["id"],
        )
        copies.append(copy)
    paths = []
    for name, rows in (("earlier", earlier), ("last_month", last_month), ("copies", copies)):
        path = tmp / f"{name}.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        paths.append(path)
    return paths[0], paths[1], paths[2]


def near_duplicates(store: Store, copies_path: Path) -> dict[str, Any]:
    copies = [json.loads(line) for line in copies_path.read_text().splitlines()]
    keys = store.find_work_keys([f"arxiv:{c['id']}" for c in copies])
    originals = store.find_work_keys([f"arxiv:{c['original']}" for c in copies])
    rows = store.novelty(list(keys.values()))
    percentiles, nearest_is_original = [], 0
    for copy in copies:
        row = rows[keys[f"arxiv:{copy['id']}"]]
        percentiles.append(row["novelty_percentile"])
        first = json.loads(row["neighbours"])[0][0]
        nearest_is_original += first == originals[f"arxiv:{copy['original']}"]
    scored = [p for p in percentiles if p is not None]
    bottom = sum(p <= 10.0 for p in scored)
    return {
        "copies": len(copies),
        "with_percentile": len(scored),
        "in_bottom_10_percent": bottom,
        "share_in_bottom_10_percent": round(bottom / len(copies), 4),
        "target": 0.95,
        "nearest_earlier_is_the_original": nearest_is_original,
        "median_percentile_of_copies": float(np.median(scored)) if scored else None,
        "worst_percentiles": sorted(scored)[-5:],
    }


# Raw novelty formulas over the stored similarities (k columns, most similar first): the
# shipped one (score/novelty.py) and the alternatives it was chosen against.
FORMULAS = {
    "1 - nearest (shipped)": lambda s: 1 - s[:, 0],
    "1 - mean of 10": lambda s: 1 - s.mean(axis=1),
    "1 - (nearest + mean of 10) / 2": lambda s: 1 - (s[:, 0] + s.mean(axis=1)) / 2,
    "1 - mean of 3 nearest": lambda s: 1 - s[:, :3].mean(axis=1),
}


def _scored_rows(store: Store) -> tuple[list[int], np.ndarray, list[str]]:
    """(work ids, similarities, cohorts) of every work with a raw novelty."""
    rows = store.query(
        "SELECT work_id, neighbours, cohort FROM work_novelty WHERE novelty_raw IS NOT NULL "
        "ORDER BY work_id"
    )
    sims = np.array([[sim for _, sim in json.loads(n)] for _, n, _ in rows], dtype=np.float64)
    return [int(w) for w, _, _ in rows], sims, [str(c) for _, _, c in rows]


def formulas(store: Store, copies_path: Path) -> dict[str, Any]:
    """Share of the copies in the bottom 10% of their cohort under each formula."""
    copies = [json.loads(line) for line in copies_path.read_text().splitlines()]
    keys = store.find_work_keys([f"arxiv:{c['id']}" for c in copies])
    work_ids, sims, cohorts = _scored_rows(store)
    position = {w: p for p, w in enumerate(work_ids)}
    copy_rows = [position[w] for w in keys.values() if w in position]
    result = {}
    for name, formula in FORMULAS.items():
        raw = nov.Scores(formula(sims), (None,) * len(work_ids))
        percentiles = nov.cohort_percentiles(raw, cohorts).value[copy_rows]
        result[name] = {
            "share_in_bottom_10_percent": round(float(np.mean(percentiles <= 10.0)), 4),
            "median_percentile_of_copies": round(float(np.median(percentiles)), 2),
            "worst_percentiles": sorted(np.round(percentiles, 1).tolist())[-3:],
        }
    return result


def by_corpus_size(store: Store) -> dict[str, Any]:
    """Mean raw novelty (shipped formula) by how many works are dated before the work,
    every dated work with 10 neighbours included: the reason for ``MIN_EARLIER``."""
    rows = [
        (json.loads(n), int(earlier))
        for n, earlier in store.query("SELECT neighbours, earlier_works FROM work_novelty")
    ]
    buckets = [(10, 100), (100, 300), (300, 1000), (1000, 3000), (3000, 10000), (10000, 10**9)]
    result = {}
    for low, high in buckets:
        nearest = [
            1 - found[0][1]
            for found, earlier in rows
            if low <= earlier < high and len(found) == nov.K
        ]
        if nearest:
            label = f"{low}-{high}" if high < 10**9 else f"{low}+"
            result[label] = {"works": len(nearest), "mean_raw": round(float(np.mean(nearest)), 4)}
    return result


def stability(store: Store, encoder: Any, last_month: Path, model: Any) -> dict[str, Any]:
    before = _novelty_snapshot(store)
    scores_before = _score_snapshot(store)
    again = score_store(store, encoder)
    same_twice = _novelty_snapshot(store) == before and _score_snapshot(store) == scores_before
    pipeline.ingest_paths(store, [last_month])
    enrich_store(store, model=model)
    start = time.perf_counter()
    daily = score_store(store, encoder)
    seconds = round(time.perf_counter() - start, 1)
    after = _novelty_snapshot(store)
    changed = [w for w, value in before.items() if after.get(w) != value]
    return {
        "second_run_identical": same_twice,
        "second_run_neighbour_searches": again.novelty_computed,
        "later_month_works_added": daily.works - again.works,
        "later_month_neighbour_searches": daily.novelty_computed,
        "later_month_kept": daily.novelty_kept,
        "later_month_seconds_by_step": daily.seconds,
        "later_month_seconds_total": seconds,
        "earlier_works_whose_neighbours_or_raw_novelty_changed": len(changed),
    }


def seed_profiles(store: Store) -> dict[str, Any]:
    result = {}
    for name in ("Shiming Ge", "Nannan Wang"):
        author_id, _ = profile.resolve_author(store, name)
        found = profile.build_profile(store, author_id)
        stated = found["stated"] or {}
        result[name] = {
            "stated_novelty": stated.get("novelty"),
            "stated_ai_score": stated.get("ai_score"),
            "novelty": found["novelty"],
            "novelty_breakdown": found["novelty_breakdown"],
            "ai_score": found["ai_score"],
            "ai_score_breakdown": found["ai_score_breakdown"],
            "works_without_novelty_reasons": _count(
                w["novelty_reason"] for w in found["works"] if w["novelty"] is None
            ),
        }
    return result


def openalex_spearman(tmp: Path, encoder: Any) -> dict[str, Any]:
    store = open_store(str(tmp / "openalex.db"))
    pipeline.ingest_paths(store, [OPENALEX])
    report = score_store(store, encoder, min_earlier=nov.K)
    today_year = date.today().year
    rows = store.novelty([int(r[0]) for r in store.query("SELECT work_id FROM work")])
    raw, rate = [], []
    for view in work_views.load_work_views(store, sorted(rows)):
        row = rows[view["work_id"]]
        if row["novelty_raw"] is None or view["citations"] is None or not view["year"]:
            continue
        raw.append(row["novelty_raw"])
        rate.append(view["citations"] / max(1, today_year - view["year"] + 1))
    return {
        "works": report.works,
        "with_abstract_novelty_and_citations": len(raw),
        "min_earlier": nov.K,
        "spearman_novelty_vs_citations_per_year": round(spearman(raw, rate), 4),
        "published_reference": 0.18,
    }


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rho: Pearson correlation of the mid-ranks."""

    def ranks(values: list[float]) -> np.ndarray:
        array = np.asarray(values, dtype=np.float64)
        ordered = np.sort(array)
        low = np.searchsorted(ordered, array, side="left")
        high = np.searchsorted(ordered, array, side="right")
        return (low + high - 1) / 2.0

    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def _novelty_snapshot(store: Store) -> dict[int, tuple[Any, ...]]:
    rows = store.query("SELECT work_id, neighbours, novelty_raw FROM work_novelty")
    return {int(w): (n, raw) for w, n, raw in rows}


def _score_snapshot(store: Store) -> dict[int, tuple[Any, ...]]:
    rows = store.query(
        "SELECT s.work_id, s.ai_score, n.novelty_percentile FROM work_score s "
        "LEFT JOIN work_novelty n ON n.work_id = s.work_id"
    )
    return {int(w): (a, p) for w, a, p in rows}


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _progress(step: str, done: int, total: int) -> None:
    if done == total or done % 5120 < 256:
        print(f"{step}: {done}/{total}", file=sys.stderr)


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    sys.exit(main())
