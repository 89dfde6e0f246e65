"""Nearest-neighbour search for Novelty: exact matrix search against the vector indexes
installable from PyPI, then the novelty neighbour stage itself, at 60k and 1M vectors.

Two parts, each measurement in a fresh Python process so its peak RSS is its own:

``index``: a plain k-nearest-neighbour benchmark (no dates). For each corpus and each
method: build time (vectors added one thread at a time, as the novelty stage adds them,
because a graph built by several threads depends on their timing), queries per second
for a sample of 2,000 queries searched with 2 threads, recall@10 against exact search,
and recall@10 after asking for 30 candidates and keeping the 10 most similar by exact
float32 similarity ("reranked", what the novelty stage does), the same with a search
expansion of 128 instead of 64 ("ef128"), index memory (RSS growth while building) and
the process's peak RSS. "exact" is a numpy matrix product of each block of
queries with every vector and a partial sort: the baseline every index must beat.

``novelty``: ``earlier_neighbours`` from ``scholarscope.score.novelty`` end to end (k=10
nearest strictly earlier works for every work), exact and approximate: wall and CPU
time, the RSS of the loaded input and the peak RSS of the stage, recall@10 and the share
of works whose whole list is right ("same") on 2,000 sampled works whose earlier
neighbours are found by brute force, and the mean and largest absolute error of their
raw novelty (1 - similarity of the nearest). Then ``add_works`` for 1,000 new works (perturbed
copies of corpus works), once as a day's feed dated after the corpus ("feed s") and once
dated at random inside its period ("back s", with the number of existing works whose
list changed).

Corpora: ``real-30k``: the MiniLM vectors of the field-classifier training cache
(``/tmp/scholarscope-train/minilm-256.npz``, 30,600 arXiv abstracts, made by
``make train-fields``) with each record's announce date from ``../shared/data/arxiv-cs``;
skipped when the cache is missing. ``synthetic-60k`` and ``synthetic-1M``: unit vectors in
384 dimensions with nested clusters (a common direction, 40 fields, 800 sub-fields, a
topic per 50 works, five sub-topics per topic, each level weighted with per-work jitter),
dated over ten years with each topic born on a random day and its works after it. Their
similarity profile is close to the real vectors' (nearest neighbour ≈ 0.78 against 0.74
real, tenth ≈ 0.68 against 0.67, random pairs ≈ 0.18 against 0.29).

The machine is shared: each row also prints CPU seconds and the 1-minute load average
at its start, and the exact baseline runs in the same invocation, so compare ratios.
BLAS uses 2 threads (``OPENBLAS_NUM_THREADS=2``), the machine's cores.

    python bench/novelty_index.py                      # everything (about an hour)
    python bench/novelty_index.py --part index --corpus synthetic-60k real-30k
    python bench/novelty_index.py --part novelty --corpus synthetic-1M --method usearch
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
ARXIV = PROJECT.parent / "shared" / "data" / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
CACHE = Path("/tmp/scholarscope-train/minilm-256.npz")
CORPORA = ("real-30k", "synthetic-60k", "synthetic-1M")
INDEX_METHODS = ("exact", "usearch-f32", "usearch-f16", "usearch-i8", "hnswlib", "faiss-hnsw")
NOVELTY_METHODS = ("exact", "usearch")
SLOW_AT_1M = {"usearch-f32", "usearch-f16"}  # single-thread builds of 15-20 minutes
SAMPLE = 2000
FEED = 1000
K = 10
OVERSAMPLE = 30
CONNECTIVITY = 16
EF_ADD = 128
EF_SEARCH = 64
WIDE_EF_SEARCH = 128


# --- corpora ------------------------------------------------------------------------------


def synthetic_corpus(n: int, seed: int = 0, dim: int = 384) -> tuple[np.ndarray, np.ndarray]:
    """``n`` clustered unit vectors and their dates (see the module docstring)."""
    rng = np.random.default_rng(seed)
    topics = max(1, n // 50)
    level_weights = ((1, 0.20), (40, 0.15), (800, 0.15), (topics, 0.15), (topics * 5, 0.12))
    centres = []
    for count, weight in level_weights:
        centre = rng.standard_normal((count, dim), dtype=np.float32)
        centre /= np.linalg.norm(centre, axis=1, keepdims=True)
        centres.append((centre, np.float32(np.sqrt(weight))))
    noise_weight = np.float32(np.sqrt(1.0 - sum(weight for _, weight in level_weights)))
    sub_topic = rng.integers(0, topics * 5, n)
    topic = sub_topic // 5
    sub_field = topic % 800
    field = sub_field % 40
    vectors = np.empty((n, dim), dtype=np.float32)
    step = 65536
    for start in range(0, n, step):
        stop = min(n, start + step)
        rows = slice(start, stop)
        block = rng.standard_normal((stop - start, dim), dtype=np.float32)
        block *= noise_weight / np.linalg.norm(block, axis=1, keepdims=True)
        common = np.zeros(stop - start, dtype=np.int64)
        members = (common, field[rows], sub_field[rows], topic[rows], sub_topic[rows])
        for (centre, weight), member in zip(centres, members, strict=True):
            jitter = rng.uniform(0.3, 1.7, (stop - start, 1)).astype(np.float32)
            block += (weight * jitter) * centre[member]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        vectors[rows] = block
    span = 3650
    birth = rng.integers(0, span, topics)[topic]
    # Later days are more likely (the corpus grows), never past the span's end.
    day = birth + ((1.0 - np.sqrt(rng.random(n))) * (span - birth)).astype(np.int64)
    dates = np.datetime64("2015-01-01", "D") + day.astype("timedelta64[D]")
    return vectors, dates


def real_corpus() -> tuple[np.ndarray, np.ndarray] | None:
    """The cached MiniLM vectors with each record's announce date, or None without them."""
    if not CACHE.exists() or not ARXIV.exists():
        return None
    from scholarscope.enrich.fields import field_document

    stored = np.load(CACHE)
    dates_by_key: dict[str, str] = {}
    with gzip.open(ARXIV, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            text = field_document(record.get("title"), record.get("abstract"))
            key = hashlib.sha1(text.encode("utf-8")).hexdigest()
            dates_by_key[key] = record["update_date"]
    keys = stored["keys"].tolist()
    known = np.array([key in dates_by_key for key in keys])
    vectors = np.ascontiguousarray(stored["vectors"][known], dtype=np.float32)
    dates = np.array([dates_by_key[key] for key in keys if key in dates_by_key], "datetime64[D]")
    return vectors, dates


def load_corpus(name: str) -> tuple[np.ndarray, np.ndarray] | None:
    if name == "real-30k":
        return real_corpus()
    sizes = {"synthetic-60k": 60_000, "synthetic-1M": 1_000_000}
    return synthetic_corpus(sizes[name])


# --- measurements (each in its own process) -----------------------------------------------


def rss_mb() -> float:
    """Resident memory now, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def exact_top(queries: np.ndarray, vectors: np.ndarray, k: int) -> np.ndarray:
    """The k most similar rows of ``vectors`` for each query, most similar first."""
    found = np.empty((len(queries), k), dtype=np.int64)
    step = max(1, 2**26 // len(vectors))  # at most 256 MB of similarities at a time
    for start in range(0, len(queries), step):
        sims = queries[start : start + step] @ vectors.T
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
        found[start : start + step] = np.take_along_axis(top, order, axis=1)
    return found


class Searcher:
    """One library's index behind two calls: add everything, search a batch."""

    def __init__(self, method: str, dim: int) -> None:
        self.method = method
        if method.startswith("usearch"):
            from usearch.index import Index

            self.index: Any = Index(
                ndim=dim,
                metric="ip",
                dtype=method.split("-")[1],
                connectivity=CONNECTIVITY,
                expansion_add=EF_ADD,
                expansion_search=EF_SEARCH,
            )
        elif method == "hnswlib":
            import hnswlib

            self.index = hnswlib.Index(space="ip", dim=dim)
        elif method == "faiss-hnsw":
            import faiss

            self.index = faiss.IndexHNSWFlat(dim, CONNECTIVITY, faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efConstruction = EF_ADD
            self.index.hnsw.efSearch = EF_SEARCH
        else:
            raise ValueError(method)

    def add(self, vectors: np.ndarray) -> None:
        keys = np.arange(len(vectors), dtype=np.uint64)
        if self.method.startswith("usearch"):
            self.index.add(keys, vectors, threads=1)
        elif self.method == "hnswlib":
            self.index.init_index(max_elements=len(vectors), ef_construction=EF_ADD, M=CONNECTIVITY)
            self.index.set_ef(EF_SEARCH)
            self.index.add_items(vectors, keys, num_threads=1)
        else:
            import faiss

            faiss.omp_set_num_threads(1)
            self.index.add(vectors)

    def set_expansion(self, ef: int) -> None:
        if self.method.startswith("usearch"):
            self.index.expansion_search = ef
        elif self.method == "hnswlib":
            self.index.set_ef(ef)
        else:
            self.index.hnsw.efSearch = ef

    def search(self, queries: np.ndarray, k: int) -> np.ndarray:
        if self.method.startswith("usearch"):
            return np.asarray(self.index.search(queries, k, threads=2).keys, dtype=np.int64)
        if self.method == "hnswlib":
            labels, _ = self.index.knn_query(queries, k, num_threads=2)
            return np.asarray(labels, dtype=np.int64)
        import faiss

        faiss.omp_set_num_threads(2)
        _, labels = self.index.search(queries, k)
        return np.asarray(labels, dtype=np.int64)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean over queries of |found ∩ truth| / |truth| (padding -1 never matches)."""
    hits = [
        len(set(a.tolist()) & set(b.tolist()) - {-1}) for a, b in zip(found, truth, strict=True)
    ]
    return float(np.sum(hits) / max(1, np.count_nonzero(truth >= 0)))


def rerank(candidates: np.ndarray, queries: np.ndarray, vectors: np.ndarray, k: int) -> np.ndarray:
    """Keep the k candidates most similar by exact float32 similarity."""
    safe = np.where(candidates >= 0, candidates, 0)
    sims = np.einsum("qd,qcd->qc", queries, vectors[safe])
    sims[candidates < 0] = -np.inf
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(candidates, order, axis=1)


def measure_index(corpus: str, method: str) -> dict[str, Any]:
    loaded = load_corpus(corpus)
    assert loaded is not None
    vectors, _ = loaded
    queries = vectors[np.random.default_rng(1).choice(len(vectors), SAMPLE, replace=False)]
    truth = exact_top(queries, vectors, K)
    before = rss_mb()
    cpu = time.process_time()
    started = time.perf_counter()
    if method == "exact":
        build = 0.0
        search_started = time.perf_counter()
        found = exact_top(queries, vectors, OVERSAMPLE)
        seconds = time.perf_counter() - search_started
        wide_found, wide_seconds = found, seconds
    else:
        searcher = Searcher(method, vectors.shape[1])
        searcher.add(vectors)
        build = time.perf_counter() - started
        search_started = time.perf_counter()
        found = searcher.search(queries, OVERSAMPLE)
        seconds = time.perf_counter() - search_started
        searcher.set_expansion(WIDE_EF_SEARCH)
        search_started = time.perf_counter()
        wide_found = searcher.search(queries, OVERSAMPLE)
        wide_seconds = time.perf_counter() - search_started
    return {
        "build_s": build,
        "qps": SAMPLE / seconds,
        "recall": recall(found[:, :K], truth),
        "recall_reranked": recall(rerank(found, queries, vectors, K), truth),
        "wide_qps": SAMPLE / wide_seconds,
        "wide_recall_reranked": recall(rerank(wide_found, queries, vectors, K), truth),
        "index_mb": rss_mb() - before,
        "peak_mb": peak_rss_mb(),
        "cpu_s": time.process_time() - cpu,
        "n": len(vectors),
    }


def exact_earlier_sample(
    vectors: np.ndarray, dates: np.ndarray, sample: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: the k nearest strictly earlier works of each sampled work, and their
    similarities (NaN past the last).

    Every similarity of a block of sampled works is computed; the 3k best earlier ones
    are re-scored in float64 and ranked by (similarity, date, position), the module's
    tie rule.
    """
    days = dates.astype("datetime64[D]")
    found = np.full((len(sample), k), -1, dtype=np.int64)
    found_sims = np.full((len(sample), k), np.nan)
    step = 100
    for start in range(0, len(sample), step):
        works = sample[start : start + step]
        sims = vectors[works] @ vectors.T
        sims[days[None, :] >= days[works][:, None]] = -np.inf
        best = np.argpartition(-sims, 3 * k, axis=1)[:, : 3 * k]
        for row, work in enumerate(works):
            candidates = best[row][sims[row, best[row]] > -np.inf]
            exact = (vectors[candidates].astype(np.float64) * vectors[work]).sum(axis=1)
            order = np.lexsort((candidates, days[candidates], -exact))[:k]
            found[start + row, : len(order)] = candidates[order]
            found_sims[start + row, : len(order)] = exact[order]
    return found, found_sims


def measure_novelty(corpus: str, method: str) -> dict[str, Any]:
    from scholarscope.score.novelty import earlier_neighbours

    loaded = load_corpus(corpus)
    assert loaded is not None
    vectors, dates = loaded
    before = rss_mb()
    cpu = time.process_time()
    started = time.perf_counter()
    result = earlier_neighbours(vectors, dates, K, method=method)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    peak = peak_rss_mb()
    sample = np.random.default_rng(2).choice(len(vectors), min(SAMPLE, len(vectors)), False)
    truth, truth_sims = exact_earlier_sample(vectors, dates, sample, K)
    # Raw novelty (1 - nearest similarity, score/novelty.py) of the sampled works with k
    # earlier works.
    full = ~np.isnan(truth_sims).any(axis=1)
    error = np.abs(truth_sims[full][:, 0] - result.similarity[sample][full][:, 0])
    figures = {
        "seconds": seconds,
        "cpu_s": cpu_seconds,
        "recall": recall(result.index[sample], truth),
        "exact_match": float(np.mean(np.all(result.index[sample] == truth, axis=1))),
        "raw_error": float(error.mean()),
        "raw_error_max": float(error.max()),
        "input_mb": before,
        "peak_mb": peak,
        "n": len(vectors),
    }
    return figures | measure_additions(vectors, dates, result)


def measure_additions(vectors: np.ndarray, dates: np.ndarray, corpus: Any) -> dict[str, Any]:
    """``add_works`` for 1,000 new works, each a perturbed copy of a random corpus work
    (cosine about 0.9 to it): once as a day's feed dated after the corpus, once dated at
    random inside its period (back-fill)."""
    from scholarscope.score.novelty import add_works

    rng = np.random.default_rng(7)
    noise = rng.standard_normal((FEED, vectors.shape[1]), dtype=np.float32)
    noise *= 0.45 / np.linalg.norm(noise, axis=1, keepdims=True)
    new_vectors = vectors[rng.choice(len(vectors), FEED, replace=False)] + noise
    feed_dates = np.full(FEED, dates.max() + np.timedelta64(1, "D"))
    span = int((dates.max() - dates.min()).astype(int))
    backfill_dates = dates.min() + rng.integers(0, span, FEED).astype("timedelta64[D]")
    figures: dict[str, Any] = {}
    for name, new_dates in (("feed", feed_dates), ("backfill", backfill_dates)):
        started = time.perf_counter()
        update = add_works(corpus, vectors, dates, new_vectors, new_dates)
        figures[f"{name}_s"] = time.perf_counter() - started
        figures[f"{name}_changed"] = len(update.changed)
    return figures


# --- driver ---------------------------------------------------------------------------------


def run_child(part: str, corpus: str, method: str) -> dict[str, Any] | None:
    """One measurement in a fresh process; None when its corpus is unavailable."""
    if corpus == "real-30k" and not CACHE.exists():
        return None
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")
    load = os.getloadavg()[0]
    command = [sys.executable, __file__, "--child", part, corpus, method]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if output.returncode != 0:
        print(output.stderr, file=sys.stderr)
        return {"error": output.stderr.strip().splitlines()[-1], "load": load}
    figures: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    figures["load"] = load
    return figures


def print_index_row(corpus: str, method: str, f: dict[str, Any]) -> None:
    if "error" in f:
        print(f"{corpus:14} {method:12} failed: {f['error']}", flush=True)
        return
    print(
        f"{corpus:14} {method:12} {f['recall']:9.4f} {f['recall_reranked']:9.4f} "
        f"{f['qps']:9.0f} {f['wide_recall_reranked']:9.4f} {f['wide_qps']:9.0f} "
        f"{f['build_s']:8.1f} {f['index_mb']:8.0f} {f['peak_mb']:8.0f} "
        f"{f['cpu_s']:8.1f} {f['load']:5.1f}",
        flush=True,
    )


def print_novelty_row(corpus: str, method: str, f: dict[str, Any]) -> None:
    if "error" in f:
        print(f"{corpus:14} {method:10} failed: {f['error']}", flush=True)
        return
    print(
        f"{corpus:14} {method:10} {f['n']:9d} {f['seconds']:9.1f} {f['cpu_s']:8.1f} "
        f"{f['recall']:8.4f} {f['exact_match']:8.3f} {f['raw_error']:8.5f} "
        f"{f['raw_error_max']:8.4f} {f['input_mb']:8.0f} {f['peak_mb']:8.0f} "
        f"{f['feed_s']:7.1f} {f['backfill_s']:7.1f} {f['backfill_changed']:8d} {f['load']:5.1f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("index", "novelty"), nargs="+")
    parser.add_argument("--corpus", choices=CORPORA, nargs="+", default=list(CORPORA))
    parser.add_argument("--method", nargs="+", help="methods to run (default: all)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        part, corpus, method = args.child
        measure = measure_index if part == "index" else measure_novelty
        print(json.dumps(measure(corpus, method)))
        return 0
    parts = args.part or ["index", "novelty"]
    if "index" in parts:
        print(
            f"k-NN search, recall@{K} on {SAMPLE} queries; build single-threaded, search 2 threads"
        )
        print(
            f"{'corpus':14} {'method':12} {'recall':>9} {'reranked':>9} {'q/s':>9} "
            f"{'rr ef128':>9} {'q/s ef128':>9} "
            f"{'build s':>8} {'index MB':>8} {'peak MB':>8} {'cpu s':>8} {'load':>5}"
        )
        for corpus in args.corpus:
            for method in args.method or INDEX_METHODS:
                too_slow = corpus == "synthetic-1M" and method in SLOW_AT_1M
                if method not in INDEX_METHODS or too_slow:
                    continue
                figures = run_child("index", corpus, method)
                if figures is not None:
                    print_index_row(corpus, method, figures)
    if "novelty" in parts:
        print(f"\nearlier_neighbours(k={K}) end to end; recall against brute force")
        print(
            f"{'corpus':14} {'method':10} {'works':>9} {'wall s':>9} {'cpu s':>8} "
            f"{'recall':>8} {'same':>8} {'raw err':>8} {'max err':>8} {'input MB':>8} "
            f"{'peak MB':>8} {'feed s':>7} "
            f"{'back s':>7} {'changed':>8} {'load':>5}"
        )
        for corpus in args.corpus:
            for method in args.method or NOVELTY_METHODS:
                too_slow = corpus == "synthetic-1M" and method == "exact"  # ~n²/2 products
                if method not in NOVELTY_METHODS or too_slow:
                    continue
                figures = run_child("novelty", corpus, method)
                if figures is not None:
                    print_novelty_row(corpus, method, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
