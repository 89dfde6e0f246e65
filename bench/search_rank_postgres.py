"""Keyword search on PostgreSQL against SQLite's: the same corpus (bench/out/web.db, the
60,419-work arXiv corpus, and its PostgreSQL copy), the same few hundred queries, the
product's own search path on each store (``Store.best_matching_work_ids`` and
``find_work_ids`` of store/search.py on SQLite: FTS5, BM25 with the title weighing 4x the
abstract; of store/search_postgres.py on PostgreSQL: the tsvector column, ts_rank with
the same weights). How close is PostgreSQL's ranking to BM25's, and what does it cost?

Queries (seeded, from real titles of the corpus, as people type them): pairs of adjacent
words, three words, quoted two-word phrases, single words, and a title's opening as
pasted (stopwords and all). Each query goes through ``search.fts_query`` as the search
page sends it. Per query, with SQLite's BM25 order as the reference:

  sets      the works matched: Jaccard of the two sets, and each side's count
  @10, @20  the share of SQLite's first 10 (20) that PostgreSQL has in its first 10 (20)
  kendall   Kendall's tau-b of the works in both first-20 lists, in the two orders
  spearman  SQLite's first 20 (those PostgreSQL matches) ranked by PostgreSQL in its
            whole ranking: Spearman's rho against their BM25 ranks
  top-1     whether both put the same work first

and the same figures for the queries with no word that the store's text search
configuration drops as a stopword ("no stop": FTS5 indexes every word; PostgreSQL's
stock english configuration drops "all", "what", "how" …, so such a word was required on
SQLite and ignored on PostgreSQL until m017 made the store's own configuration keep
every word: since then no query has one, and "no stop" is "all").

Timings, each query on each store once after a warm-up pass, the two stores alternating
which goes first: "page" is the keyword search page's query (``search_work_ids``,
keyword mode: the first 20 and the count of all matches), "pool" the keyword part of a
hybrid search (``find_work_ids``, the first 200 and the count), "snippets" the 20
results' snippets (``search_snippets``).

    python bench/search_rank_postgres.py [--db bench/out/web.db] [--postgres-url URL]
                                         [--queries 300] [--seed 20] [--variants]

``--variants`` also ranks PostgreSQL's matches in other ways than the product does (not
the product's path: the same match, another ORDER BY), to see which comes closest to
BM25's order: ts_rank with its length normalisations (1: divided by 1 + the log of the
document's length, 2: by its length) and ts_rank_cd (cover density).

Without --postgres-url the copy is bench/postgres_corpus.py's (made or reused, its
server started for the run). Figures are printed and written to
bench/out/search_rank_postgres.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import time
from pathlib import Path
from typing import Any

from scipy.stats import kendalltau, spearmanr

import postgres_corpus  # bench/postgres_corpus.py (this script's folder is on sys.path)
from scholarscope.search import STOPWORDS, Filters, fts_query, search_work_ids
from scholarscope.store import Store, open_store
from scholarscope.store.migrations_postgres import TEXT_SEARCH
from scholarscope.store.search_postgres import tsquery

OUT = Path(__file__).resolve().parent / "out"
EVERY = 1_000_000  # a limit past any query's matches: the whole ranking
# how many queries of each kind (scaled to --queries)
KINDS = {"pair": 100, "three": 60, "phrase": 40, "single": 80, "title": 20}


def make_queries(store: Store, count: int, seed: int) -> list[tuple[str, str]]:
    """(kind, query text) from real titles, seeded; no query twice."""
    rng = random.Random(seed)
    titles = [t for (t,) in store.query("SELECT title FROM work_facet WHERE title IS NOT NULL")]
    titles.sort()  # the same order on every run, whatever the store returned
    scale = count / sum(KINDS.values())
    queries: dict[str, str] = {}
    for kind, wanted in KINDS.items():
        made = 0
        while made < round(wanted * scale):
            title = rng.choice(titles)
            words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]*[A-Za-z]", title)]
            content = [w for w in words if len(w) > 2 and w not in STOPWORDS and "-" not in w]
            if kind == "title":  # as pasted: the first four words, stopwords and all
                text = " ".join(title.split()[:4])
            elif kind == "single" and content:
                text = rng.choice(content)
            elif kind in ("pair", "phrase") and len(content) >= 2:
                i = rng.randrange(len(content) - 1)
                text = " ".join(content[i : i + 2])
                text = f'"{text}"' if kind == "phrase" else text
            elif kind == "three" and len(content) >= 3:
                text = " ".join(content[:3])
            else:
                continue
            if fts_query(text) and text not in queries:
                queries[text] = kind
                made += 1
    return [(kind, text) for text, kind in queries.items()]


def agreement(sqlite_ids: list[int], pg_ids: list[int]) -> dict[str, Any]:
    """How PostgreSQL's ranking of one query compares with SQLite's (see the docstring)."""
    s_set, p_set = set(sqlite_ids), set(pg_ids)
    union = s_set | p_set
    found: dict[str, Any] = {
        "sqlite_n": len(sqlite_ids),
        "pg_n": len(pg_ids),
        "jaccard": len(s_set & p_set) / len(union) if union else 1.0,
    }
    for k in (10, 20):  # only where SQLite has k results (the share is of a full page)
        if len(sqlite_ids) >= k:
            found[f"at{k}"] = len(set(sqlite_ids[:k]) & set(pg_ids[:k])) / k
    s20, p20 = sqlite_ids[:20], pg_ids[:20]
    shared = [w for w in s20 if w in set(p20)]
    if len(shared) >= 3:
        tau = kendalltau([s20.index(w) for w in shared], [p20.index(w) for w in shared])
        found["kendall"] = float(tau.statistic)
    pg_rank = {w: i for i, w in enumerate(pg_ids)}
    ranked = [w for w in s20 if w in pg_rank]
    if len(ranked) >= 3:
        rho = spearmanr(range(len(ranked)), [pg_rank[w] for w in ranked])
        found["spearman"] = float(rho.statistic)
    if sqlite_ids and pg_ids:
        found["top1"] = sqlite_ids[0] == pg_ids[0]
    return found


def pg_stopwords(pg: Store, text: str) -> list[str]:
    """The words of ``text`` that the store's text search configuration drops as
    stopwords (the stock english one drops "all", "what", "how" …; the store's, since
    m017, none): FTS5 requires them, a configuration that drops them ignores them, and a
    query of stopwords alone finds nothing there."""
    words = re.findall(r"\w+", text)
    dropped = pg.query(
        "SELECT w FROM unnest(CAST(? AS text[])) AS w "
        f"WHERE numnode(phraseto_tsquery('{TEXT_SEARCH}', w)) = 0",
        (words,),
    )
    return [w for (w,) in dropped]


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def timings(store: Store, text: str, page: list[int]) -> dict[str, float]:
    """Milliseconds of the three search steps of one query on one store."""
    match = fts_query(text) or ""
    return {
        "page": timed(lambda: search_work_ids(store, text, Filters(), "relevance", 20, 0)),
        "pool": timed(lambda: store.find_work_ids(match, order="relevance", limit=200)),
        "snippets": timed(lambda: store.search_snippets(match, page)),
    }


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {"median": round(statistics.median(ordered), 3), "p99": round(p99, 3)}


def mean(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in rows if key in r]
    return round(statistics.fmean(values), 3) if values else None


def compare(sqlite: Store, pg: Store, queries: list[tuple[str, str]]) -> dict[str, Any]:
    per_query = []
    for kind, text in queries:  # the whole rankings (also the warm-up pass)
        match = fts_query(text) or ""
        s_ids = sqlite.best_matching_work_ids(match, EVERY)
        p_ids = pg.best_matching_work_ids(match, EVERY)
        per_query.append({"kind": kind, "query": text, **agreement(s_ids, p_ids),
                          "pg_stopwords": pg_stopwords(pg, text),
                          "s_top": s_ids[:20], "p_top": p_ids[:20]})  # fmt: skip
    times: dict[str, dict[str, list[float]]] = {"sqlite": {}, "pg": {}}
    for i, (row, (_, text)) in enumerate(zip(per_query, queries, strict=True)):
        order = [("sqlite", sqlite, row["s_top"]), ("pg", pg, row["p_top"])]
        for label, store, page in order if i % 2 == 0 else order[::-1]:
            for step, ms in timings(store, text, page).items():
                times[label].setdefault(step, []).append(ms)
    return {"per_query": per_query, "times": times}


# other orders of PostgreSQL's matches (--variants); the product's is ts_rank, flag 0
WEIGHTS = "'{0.0, 0.0, 0.25, 1.0}'"
VARIANTS = {
    "ts_rank, 0 (product)": f"ts_rank({WEIGHTS}, f.search, m.q)",
    "ts_rank, 1 (log length)": f"ts_rank({WEIGHTS}, f.search, m.q, 1)",
    "ts_rank, 2 (length)": f"ts_rank({WEIGHTS}, f.search, m.q, 2)",
    "ts_rank_cd, 0": f"ts_rank_cd({WEIGHTS}, f.search, m.q)",
    "ts_rank_cd, 1 (log length)": f"ts_rank_cd({WEIGHTS}, f.search, m.q, 1)",
}


def variants(sqlite: Store, pg: Store, queries: list[tuple[str, str]]) -> dict[str, Any]:
    """The order figures of each way of ranking PostgreSQL's matches, over all queries."""
    found = {}
    print(f"\n{'PostgreSQL ranked by':<28} {'@10':>6} {'@20':>6} {'kendall':>8} "
          f"{'spearman':>9} {'top-1':>6}")  # fmt: skip
    for name, rank in VARIANTS.items():
        rows = []
        for _, text in queries:
            match = fts_query(text) or ""
            query, values = tsquery(match)
            p_ids = [w for (w,) in pg.query(
                f"SELECT f.work_id FROM work_facet f, (SELECT {query} AS q) m "
                f"WHERE f.search @@ m.q ORDER BY {rank} DESC, f.work_id", values
            )]  # fmt: skip
            rows.append(agreement(sqlite.best_matching_work_ids(match, EVERY), p_ids))
        both = [r for r in rows if "top1" in r]
        line = {k: mean(rows, k) for k in ("at10", "at20", "kendall", "spearman")}
        line["top1"] = round(sum(r["top1"] for r in both) / len(both), 3)
        found[name] = line
        print(f"{name:<28} {line['at10']:>6} {line['at20']:>6} {line['kendall']:>8} "
              f"{line['spearman']:>9} {line['top1']:>6}", flush=True)  # fmt: skip
    return found


def report(found: dict[str, Any], load: list[float]) -> dict[str, Any]:
    rows = found["per_query"]
    kinds = ["all", *KINDS, "no stop"]
    table: dict[str, Any] = {}
    columns = (("jaccard", 8), ("at10", 6), ("at20", 6), ("kendall", 8), ("spearman", 9),
               ("top1", 6), ("pg_more", 8), ("pg_fewer", 8))  # fmt: skip
    print(f"\n{'queries':<8} {'n':>4} {'same set':>8} {'jaccard':>8} {'@10':>6} {'@20':>6} "
          f"{'kendall':>8} {'spearman':>9} {'top-1':>6} {'pg more':>8} "
          f"{'pg fewer':>8}")  # fmt: skip
    for kind in kinds:
        if kind == "no stop":  # the queries with no word PostgreSQL drops as a stopword
            mine = [r for r in rows if not r["pg_stopwords"]]
        else:
            mine = [r for r in rows if kind in ("all", r["kind"])]
        both = [r for r in mine if "top1" in r]
        line = {
            "queries": len(mine),
            "same_set": sum(r["jaccard"] == 1.0 for r in mine),
            "jaccard": mean(mine, "jaccard"),
            "at10": mean(mine, "at10"),
            "at20": mean(mine, "at20"),
            "kendall": mean(mine, "kendall"),
            "spearman": mean(mine, "spearman"),
            "top1": round(sum(r["top1"] for r in both) / len(both), 3) if both else None,
            "pg_more": sum(r["pg_n"] > r["sqlite_n"] for r in mine),
            "pg_fewer": sum(r["pg_n"] < r["sqlite_n"] for r in mine),
        }
        table[kind] = line
        cells = " ".join(f"{'' if line[k] is None else line[k]:>{w}}" for k, w in columns)
        print(f"{kind:<8} {line['queries']:>4} {line['same_set']:>8} {cells}")
    times = found["times"]
    steps: dict[str, Any] = {}
    print(f"\n{'ms per query':<10} {'sqlite median':>14} {'p99':>8} {'pg median':>10} {'p99':>8} "
          f"{'pg/sqlite median':>17} {'p99':>6}")  # fmt: skip
    for step in times["sqlite"]:
        s, p = summary(times["sqlite"][step]), summary(times["pg"][step])
        ratios = {q: round(p[q] / s[q], 2) if s[q] else None for q in ("median", "p99")}
        steps[step] = {"sqlite": s, "pg": p, "pg_over_sqlite": ratios}
        print(f"{step:<10} {s['median']:>14.2f} {s['p99']:>8.2f} {p['median']:>10.2f} "
              f"{p['p99']:>8.2f} {ratios['median']:>17} {ratios['p99']:>6}")  # fmt: skip
    worst = sorted(rows, key=lambda r: r["jaccard"])[:12]
    stopped = sum(bool(r["pg_stopwords"]) for r in rows)
    print(f"\n{stopped} queries hold a word PostgreSQL drops as a stopword; least alike sets "
          "(query: sqlite n, pg n, the dropped words):")  # fmt: skip
    for r in worst:
        print(f"  {r['kind']:<7} {r['query']!r}: {r['sqlite_n']}, {r['pg_n']} "
              f"{r['pg_stopwords'] or ''}")  # fmt: skip
    slowest = sorted(zip(times["pg"]["page"], rows, strict=True), key=lambda x: -x[0])[:5]
    print("slowest on PostgreSQL (page ms: query, matches):")
    for ms, r in slowest:
        print(f"  {ms:.1f}: {r['query']!r}, {r['pg_n']}")
    print(f"load average {load[0]:.2f} before, {load[1]:.2f} after")
    return {"by_kind": table, "timings_ms": steps, "load_average": load,
            "with_pg_stopwords": stopped,
            "least_alike": [{k: r[k] for k in ("kind", "query", "sqlite_n", "pg_n")}
                            for r in worst]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(OUT / "web.db"), help="the SQLite corpus")
    parser.add_argument("--postgres-url", default=None, help="its PostgreSQL copy")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--variants", action="store_true", help="other PostgreSQL orders too")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.postgres_url or stack.enter_context(postgres_corpus.postgres_copy(Path(args.db)))
        sqlite = open_store(args.db, read_only=True)
        pg = open_store(url, read_only=True)
        queries = make_queries(sqlite, args.queries, args.seed)
        print(f"{len(queries)} queries on {args.db} and {postgres_corpus.safe(url)}; "
              f"{os.cpu_count()} cores", flush=True)  # fmt: skip
        load = [os.getloadavg()[0]]
        found = compare(sqlite, pg, queries)
        load.append(os.getloadavg()[0])
        result = report(found, [round(x, 2) for x in load])
        if args.variants:
            result["variants"] = variants(sqlite, pg, queries)
        result["per_query"] = [
            {k: v for k, v in r.items() if k not in ("s_top", "p_top")} for r in found["per_query"]
        ]
        (OUT / "search_rank_postgres.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
