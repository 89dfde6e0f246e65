"""The stored vectors on PostgreSQL against SQLite: the 60,419-work arXiv corpus
(bench/out/web.db) and its PostgreSQL copy, where the vectors are a BYTEA column (the
``embedding`` table's ``vector``, float32 bytes, as SQLite's BLOB) read by the same
numpy code. pgvector is not used: it is not in this machine's Debian archive
(``apt-cache policy postgresql-15-pgvector`` finds no such package in bookworm).

Measured in one run, the two stores alternating which goes first:

  load      ``SemanticIndex.load(store, model)``, what a server process does once before
            it serves (``App.warm``): the vectors' query (``Store.work_vectors``) and the
            numpy matrix made of them; and the novelty stage's read of the same vectors
            by content hash (``Store.embeddings``)
  similar   ``search.similar_works`` for a work page (8 nearest works by embedding,
            their labels read from the store), over a sample of works
  semantic  a query's semantic matches (``search.query_matches``: the query embedded,
            its 200 nearest works of at least 0.4 similarity), then the hybrid search
            page built on them (``search.search_results``)

and the answers compared: the two indexes' work ids and matrices bit for bit, each
similar-works list and each query's semantic matches (work ids and scores), and novelty
recomputed from each store's vectors (``novelty.earlier_neighbours``, exact, as the
score stage runs it for this corpus: the neighbours, their similarities and the raw
novelty). The hybrid pages are not compared: their keyword half is each store's own
full-text ranking (bench/search_rank_postgres.py compares those).

    python bench/vectors_postgres.py [--db bench/out/web.db] [--postgres-url URL]
                                     [--repeats 5] [--sample 50] [--no-novelty]

Without --postgres-url the copy is bench/postgres_corpus.py's (made or reused, its
server started for the run). numpy's BLAS runs on one thread, as in the server's
processes. Figures are printed and written to bench/out/vectors_postgres.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

import postgres_corpus  # bench/postgres_corpus.py (this script's folder is on sys.path)
from scholarscope.pipeline.score import load_score_inputs
from scholarscope.score import novelty as nov
from scholarscope.search import (
    Filters,
    SemanticIndex,
    query_matches,
    search_results,
    similar_works,
)
from scholarscope.store import Store, open_store
from scholarscope.web import query_encoder

OUT = Path(__file__).resolve().parent / "out"
SEED = 20


def both(
    stores: dict[str, Store], call: Callable[[Store], Any], turn: int
) -> dict[str, tuple[float, Any]]:
    """``call`` on each store, SQLite first on even turns, PostgreSQL first on odd ones."""
    order = list(stores.items())
    found = {}
    for label, store in order[:: 1 - 2 * (turn % 2)]:
        started = time.perf_counter()
        value = call(store)
        found[label] = ((time.perf_counter() - started) * 1000, value)
    return found


def median_ratio(times: dict[str, list[float]]) -> dict[str, Any]:
    """The medians, their ratio, and the least times and theirs (a load of the index
    allocates ~300 MB: some repeats take several times the least, on either store)."""
    medians = {label: round(statistics.median(ms), 2) for label, ms in times.items()}
    least = {label: round(min(ms), 2) for label, ms in times.items()}
    least["pg_over_sqlite"] = round(least["pg"] / least["sqlite"], 2)
    return {**medians, "pg_over_sqlite": round(medians["pg"] / medians["sqlite"], 2),
            "least": least}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(OUT / "web.db"), help="the SQLite corpus")
    parser.add_argument("--postgres-url", default=None, help="its PostgreSQL copy")
    parser.add_argument("--repeats", type=int, default=5, help="loads per store")
    parser.add_argument("--sample", type=int, default=50, help="works and queries")
    parser.add_argument("--no-novelty", action="store_true", help="skip the novelty check")
    args = parser.parse_args()
    threadpool_limits(1)  # as in the server's processes (server.warm)
    with contextlib.ExitStack() as stack:
        url = args.postgres_url or stack.enter_context(postgres_corpus.postgres_copy(Path(args.db)))
        stores = {
            "sqlite": open_store(args.db, read_only=True),
            "pg": open_store(url, read_only=True),
        }
        run(stores, args)


def run(stores: dict[str, Store], args: argparse.Namespace) -> None:
    encoder = query_encoder()
    assert encoder is not None, "the embedding packages are needed"
    model = encoder.version
    load_before = os.getloadavg()[0]
    print(f"model {model}; {os.cpu_count()} cores; load average {load_before:.2f}", flush=True)
    report: dict[str, Any] = {"model": model, "cores": os.cpu_count()}

    # -- loading: the server's index, the novelty stage's read ------------------------
    hashes = [h for (h,) in stores["sqlite"].query("SELECT content_hash FROM work_novelty")]
    times: dict[str, dict[str, list[float]]] = {"query": {}, "index": {}, "embeddings": {}}
    indexes: dict[str, SemanticIndex] = {}
    read: dict[str, dict[str, bytes]] = {}
    for turn in range(args.repeats):
        steps = {
            "query": lambda s: s.work_vectors(model),
            "index": lambda s: SemanticIndex.load(s, model),
            "embeddings": lambda s: s.embeddings(model, hashes),
        }
        for step, call in steps.items():
            for label, (ms, value) in both(stores, call, turn).items():
                times[step].setdefault(label, []).append(ms)
                if step == "index":
                    indexes[label] = value
                elif step == "embeddings":
                    read[label] = value
    report["load_ms"] = {step: median_ratio(by_label) for step, by_label in times.items()}
    report["load_ms_each"] = {
        step: {label: [round(ms) for ms in each] for label, each in by_label.items()}
        for step, by_label in times.items()
    }  # every repeat, in order: the medians hide a slow first read or a slow outlier
    same_index = bool(
        np.array_equal(indexes["sqlite"].work_ids, indexes["pg"].work_ids)
        and indexes["sqlite"].matrix.tobytes() == indexes["pg"].matrix.tobytes()
    )
    report["same_index"] = same_index
    report["same_embeddings"] = read["sqlite"] == read["pg"]
    print(f"vectors: {len(indexes['sqlite'].work_ids):,} works, "
          f"{indexes['sqlite'].matrix.nbytes / 1e6:.0f} MB as float32; same index on both "
          f"stores: {same_index}; same bytes by hash: {report['same_embeddings']}")  # fmt: skip

    # -- similar works (a work page), semantic matches and the hybrid page ------------
    rng = random.Random(SEED)
    work_ids = rng.sample(sorted(int(w) for w in indexes["sqlite"].work_ids), args.sample)
    titles = dict(stores["sqlite"].query(
        f"SELECT work_id, title FROM work_facet WHERE work_id IN ({','.join(map(str, work_ids))})"
    ))  # fmt: skip
    queries = []
    for work_id in work_ids:  # a query from each sampled title: its first three words
        words = (titles.get(work_id) or "learning").split()
        queries.append(" ".join(words[:3]))
    calls = {
        "similar": [
            lambda s, w=w: similar_works(s, w, titles.get(w), indexes[label_of(s, stores)])
            for w in work_ids
        ],
        "semantic": [
            lambda s, q=q: query_matches(indexes[label_of(s, stores)], encoder)(q) for q in queries
        ],
        "hybrid page": [
            lambda s, q=q: search_results(
                s,
                q,
                Filters(),
                semantic=indexes[label_of(s, stores)],
                matches=query_matches(indexes[label_of(s, stores)], encoder),
            )
            for q in queries
        ],  # fmt: skip
    }
    same: dict[str, int] = {}
    for step, sample in calls.items():
        step_times: dict[str, list[float]] = {}
        agreeing = 0
        for turn, call in enumerate(sample):
            found = both(stores, call, turn)
            for label, (ms, _) in found.items():
                step_times.setdefault(label, []).append(ms)
            answers = {label: value for label, (_, value) in found.items()}
            if step == "similar":
                agreeing += answers["sqlite"]["works"] == answers["pg"]["works"]
            elif step == "semantic":
                agreeing += answers["sqlite"] == answers["pg"]
        report[f"{step}_ms"] = median_ratio(step_times)
        if step != "hybrid page":
            same[step] = agreeing
    report["identical_answers"] = {step: f"{n}/{args.sample}" for step, n in same.items()}

    # -- novelty from each store's vectors --------------------------------------------
    if not args.no_novelty:
        report["novelty"] = novelty_check(stores, read, model)

    report["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(f"\n{'ms: median (least)':<30} {'sqlite':>16} {'pg':>16} {'pg/sqlite':>12}")
    for key, label in (("load_ms", None), ("similar_ms", "similar works (8)"),
                       ("semantic_ms", "semantic matches (query)"),
                       ("hybrid page_ms", "hybrid search page")):  # fmt: skip
        rows = report[key].items() if label is None else [(label, report[key])]
        for name, figures in rows:
            name = {"query": "load: the vectors' query", "index": "load: SemanticIndex.load",
                    "embeddings": "load: novelty's read"}.get(name, name)  # fmt: skip
            least = figures["least"]
            cells = [f"{figures[k]:.2f} ({least[k]:.2f})" for k in ("sqlite", "pg")]
            ratios = f"{figures['pg_over_sqlite']} ({least['pg_over_sqlite']})"
            print(f"{name:<30} {cells[0]:>16} {cells[1]:>16} {ratios:>12}")
    print(f"identical answers: {report['identical_answers']}")
    if "novelty" in report:
        print(f"novelty: {report['novelty']}")
    print(f"load average {report['load_average'][0]} before, {report['load_average'][1]} after")
    (OUT / "vectors_postgres.json").write_text(json.dumps(report, indent=2) + "\n")


def label_of(store: Store, stores: dict[str, Store]) -> str:
    return next(label for label, s in stores.items() if s is store)


def novelty_check(
    stores: dict[str, Store], read: dict[str, dict[str, bytes]], model: str
) -> dict[str, Any]:
    """Novelty's neighbours recomputed from each store (its inputs, its vectors): exact
    search, as the score stage runs it on this corpus (update_novelty's full branch)."""
    found = {}
    seconds = {}
    for label, store in stores.items():
        inputs = [i for i in load_score_inputs(store) if i.content_hash in read[label]]
        group_of = store.version_group_map()
        matrix = np.vstack([np.frombuffer(read[label][i.content_hash or ""], np.float32)
                            for i in inputs])  # fmt: skip
        dates = np.array([i.novelty_date or "NaT" for i in inputs], dtype="datetime64[D]")
        groups = [group_of.get(i.work_id, -1) for i in inputs]
        started = time.perf_counter()
        neighbours = nov.earlier_neighbours(matrix, dates, nov.K, method="exact", groups=groups)
        seconds[label] = round(time.perf_counter() - started, 1)
        raw = nov.novelty_raw(neighbours.similarity, neighbours.earlier)
        found[label] = ([i.work_id for i in inputs], neighbours, raw)
    (s_ids, s_found, s_raw), (p_ids, p_found, p_raw) = found["sqlite"], found["pg"]
    return {
        "works": len(s_ids),
        "same_works": s_ids == p_ids,
        "same_neighbours": bool(np.array_equal(s_found.index, p_found.index)),
        "same_similarities": s_found.similarity.tobytes() == p_found.similarity.tobytes(),
        "same_raw_novelty": bool(np.array_equal(s_raw.value, p_raw.value, equal_nan=True)),
        "exact_search_s": seconds,
    }


if __name__ == "__main__":
    main()
