"""Web latency with the 60,419-work arXiv corpus: p50/p99 and requests/s for a profile
page, a work page and a search under 16 concurrent clients for 30 s, with zero errors;
and, in the same run, the same requests answered in-process layer by layer, to show
where the time goes:

  sqlite  the rows the page needs, straight from SQLite (sqlite3, no scholarscope code;
          not the embedding work: a search's query vector and the products with the
          stored vectors, a work page's similar works)
  json    the page's JSON twin built in-process (read-side dicts + json.dumps)
  html    the page rendered in-process (dicts + template), no HTTP
  http    the real server under load (wrk from Debian, or a bounded Python client)

Each workload rotates over many different pages: 2,000 authors with 3+ works, 2,000
works, 1,000 searches built from real titles; "profile (top 20)" repeats the profiles of
the 20 most prolific authors (up to 240 works each). The server runs as `scholarscope
serve` does ("cached": answers kept until the database changes, so each page is built
once per worker process and then served from memory; measured after the same load has
run until the server stops getting faster, at least --warm seconds, as a server that has
been running a while) and with its caches off ("cold": every request is built from
SQLite, no warm-up), with 1 or 2 worker processes.

    python bench/web_latency.py [--db PATH] [--duration 30] [--connections 16]
                                [--servers 1:cached,2:cached,2:cold]

Without --db the corpus is ingested, enriched and scored (embeddings: ~15 min on 2
cores) into bench/out/web.db, once. The server runs with the query encoder, as `serve`
does: searches are hybrid (keyword + semantic) and work pages show similar works by
embedding when the database holds vectors.
Figures are printed and written to bench/out/web_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from threadpoolctl import threadpool_limits

from scholarscope.embed import load_encoder
from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.pipeline.score import score_store
from scholarscope.profile import canonical_ids
from scholarscope.search import STOPWORDS
from scholarscope.store import open_store
from scholarscope.web import App, query_encoder

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "data" / "arxiv-cs"
OUT = HERE / "out"
SEED = 6
IN_PROCESS_SAMPLE = 200  # requests per layer measured in-process


def build_corpus(db: Path) -> None:
    print(f"building {db} from {CORPUS} (ingest + enrich + score) …", flush=True)
    started = time.perf_counter()
    store = open_store(str(db))
    ingest_paths(store, [CORPUS])
    enrich_store(store, model=load_field_model())
    score_store(store, load_encoder())
    store.close()
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def choose_targets(db: str) -> dict[str, list[str]]:
    """The pages each workload rotates over, the same on every run."""
    rng = random.Random(SEED)
    store = open_store(db)
    authors = store.query(
        "SELECT author_id, COUNT(DISTINCT work_id) AS n FROM authorship GROUP BY author_id "
        "ORDER BY author_id"
    )
    typical = rng.sample([a for a, n in authors if n >= 3], 2000)
    top = [a for a, _ in sorted(authors, key=lambda row: (-row[1], row[0]))[:20]]
    work_ids = [int(r[0]) for r in store.query("SELECT work_id FROM work ORDER BY work_id")]
    chosen = rng.sample(work_ids, 2000)
    ids = canonical_ids(store, chosen)
    titles = store.query("SELECT title FROM work_facet WHERE title IS NOT NULL ORDER BY work_id")
    queries = []
    for (title,) in rng.sample(titles, 1000):
        words = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", title)]
        words = [w for w in words if w not in STOPWORDS]
        queries.append(" ".join(words[: rng.choice((2, 3))]) or "learning")
    store.close()
    return {
        "profile": [f"/authors/author:{a}" for a in typical],
        "profile (top 20)": [f"/authors/author:{a}" for a in top],
        "work": [f"/works/{quote(ids[w], safe=':')}" for w in chosen],
        "search": [f"/search?q={quote(q)}" for q in queries],
    }


# -- in-process layers ---------------------------------------------------------------


def sqlite_rows(db: str) -> dict[str, Callable[[str], Any]]:
    """Per workload, the rows its page reads, fetched with plain sqlite3."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)

    def rows(sql: str, params: tuple[Any, ...]) -> int:
        return len(connection.execute(sql, params).fetchall())

    def profile(target: str) -> int:
        author = int(target.rsplit(":", 1)[1])
        mine = "SELECT work_id FROM authorship WHERE author_id = ?"
        return sum(
            rows(sql.format(mine=mine), (author,))
            for sql in (
                "SELECT work_id, record FROM work_record WHERE work_id IN ({mine})",
                "SELECT work_id, key FROM work_key WHERE work_id IN ({mine})",
                "SELECT * FROM work_enrichment WHERE work_id IN ({mine})",
                "SELECT * FROM citation WHERE work_id IN ({mine})",
                "SELECT * FROM work_novelty WHERE work_id IN ({mine})",
                "SELECT * FROM work_score WHERE work_id IN ({mine})",
                "SELECT o.author_id, COUNT(*) FROM authorship s JOIN authorship o "
                "ON o.work_id = s.work_id WHERE s.author_id = ? GROUP BY o.author_id",
            )
        )

    def work(target: str) -> int:
        key = target.split("/works/", 1)[1].replace("%2F", "/")
        found = connection.execute("SELECT work_id FROM work_key WHERE key = ?", (key,))
        work_id = found.fetchone()[0]
        novelty = connection.execute(
            "SELECT neighbours FROM work_novelty WHERE work_id = ?", (work_id,)
        ).fetchone()
        linked = [n for n, _ in json.loads(novelty[0])] if novelty else []
        linked += range(work_id + 1, work_id + 9)  # stands for the 8 similar works
        marks = ",".join("?" * len(linked))
        return sum(
            rows(sql, (work_id,))
            for sql in (
                "SELECT record FROM work_record WHERE work_id = ?",
                "SELECT key FROM work_key WHERE work_id = ?",
                "SELECT * FROM work_enrichment WHERE work_id = ?",
                "SELECT * FROM authorship WHERE work_id = ?",
                "SELECT * FROM citation WHERE work_id = ?",
                "SELECT * FROM work_score WHERE work_id = ?",
            )
        ) + rows(
            "SELECT f.work_id, f.title, k.key FROM work_facet f "
            f"LEFT JOIN work_key k ON k.work_id = f.work_id WHERE f.work_id IN ({marks})",
            tuple(linked),
        )

    def search(target: str) -> int:
        words = re.findall(r"\w+", urllib.request.unquote(target.split("q=", 1)[1]))
        match = " ".join(f'"{w}"' for w in words)
        page = connection.execute(
            "SELECT rowid FROM work_search WHERE work_search MATCH ? "
            "ORDER BY bm25(work_search, 4.0, 1.0) LIMIT 20",
            (match,),
        ).fetchall()
        ids = ",".join(str(r[0]) for r in page) or "0"
        return (
            rows("SELECT COUNT(*) FROM work_search WHERE work_search MATCH ?", (match,))
            + rows(f"SELECT record FROM work_record WHERE work_id IN ({ids})", ())
            + rows(
                "SELECT rowid, snippet(work_search, 1, '', '', '…', 32) FROM work_search "
                f"WHERE work_search MATCH ? AND rowid IN ({ids})",
                (match,),
            )
        )

    return {"profile": profile, "profile (top 20)": profile, "work": work, "search": search}


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p99 of latencies in milliseconds (nearest rank)."""
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50_ms": rank(0.50), "p99_ms": rank(0.99)}


def in_process(db: str, targets: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Sequential timings of each layer, one request at a time, caches off; numpy's BLAS
    on one thread, as in the server's processes (``server.py``)."""
    threadpool_limits(1)
    app = App(db, cache_size=0, page_cache_bytes=0, encoder=query_encoder)
    app.warm()
    raw = sqlite_rows(db)
    results: dict[str, dict[str, Any]] = {}
    for name, paths in targets.items():
        sample = paths[:IN_PROCESS_SAMPLE]
        layers = {
            "sqlite": raw[name],
            "json": lambda p: _ok(app.handle("GET", _as_json(p), {})),
            "html": lambda p: _ok(app.handle("GET", p, {})),
        }
        results[name] = {}
        for layer, call in layers.items():
            for path in sample[:10]:  # warm the OS page cache
                call(path)
            timings = []
            for path in sample:
                started = time.perf_counter()
                call(path)
                timings.append((time.perf_counter() - started) * 1000)
            results[name][layer] = percentiles(timings)
    return results


def _as_json(path: str) -> str:
    head, _, query = path.partition("?")
    return f"{head}.json" + (f"?{query}" if query else "")


def _ok(response: Any) -> None:
    if response.status != 200:
        raise RuntimeError(f"status {response.status}: {response.body[:200]!r}")


# -- the real server under load ----------------------------------------------------------


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by the processes of one process group: the
    server and its workers. Read from /proc (Linux)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # fields after the name: state, ppid, pgrp, …
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, workers: int, cached: bool) -> tuple[subprocess.Popen[bytes], str]:
    """The server in its own process (and session), as `scholarscope serve` runs it."""
    port = free_port()
    code = (
        "import sys; from scholarscope.web import App, make_server, run; "
        "from scholarscope.web import query_encoder as e; "
        "app = App(sys.argv[1], encoder=e) if sys.argv[4] == 'cached' else "
        "App(sys.argv[1], cache_size=0, page_cache_bytes=0, encoder=e); "
        "run(make_server(app, port=int(sys.argv[2])), workers=int(sys.argv[3]))"
    )
    mode = "cached" if cached else "cold"
    process = subprocess.Popen(
        [sys.executable, "-c", code, db, str(port), str(workers), mode], start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/index.json", timeout=5) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError("the server did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server we started, and its worker processes (its own session)."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_wrk(url: str, paths: list[str], seconds: int, connections: int) -> dict[str, Any]:
    """wrk rotating over ``paths``; latency percentiles, requests/s and errors."""
    lua = (
        "paths = {"
        + ",".join(json.dumps(p) for p in paths)
        + "}\n"
        + (
            "local i = 0\n"
            "request = function()\n"
            "  i = i + 1\n"
            "  return wrk.format('GET', paths[(i % #paths) + 1])\n"
            "end\n"
        )
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
             "-s", script.name, url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    found = re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\b", output, re.M)
    latency = {q: _to_ms(value, unit) for q, value, unit in found}
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return {"p50_ms": latency["50"], "p99_ms": latency["99"], "requests": requests,
            "requests_per_s": round(rate, 1), "errors": errors}  # fmt: skip


def warm_up(load: Callable[..., dict[str, Any]], url: str, paths: list[str], least: int,
            connections: int) -> int:  # fmt: skip
    """The same load in 10-second rounds until the server stops getting faster (every
    page built and kept by every worker; a work page costs ~10 ms to build, so 2,000 of
    them in 2 processes take more than 30 s): at least ``least`` seconds, at most 5
    minutes. Returns the seconds spent."""
    rates: list[float] = []
    while True:
        rates.append(load(url, paths, 10, connections)["requests_per_s"])
        spent = 10 * len(rates)
        if spent >= 300 or (spent >= least and len(rates) > 1 and rates[-1] < 1.1 * rates[-2]):
            return spent


def _to_ms(value: str, unit: str) -> float:
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


def run_python_client(url: str, paths: list[str], seconds: int, connections: int) -> dict[str, Any]:
    """A bounded Python client: ``connections`` threads, one keep-alive connection each."""
    import http.client

    host = urlsplit(url)
    deadline = time.perf_counter() + seconds
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(host.hostname or "", host.port, timeout=10)
        i = offset
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", paths[i % len(paths)])
                response = connection.getresponse()
                response.read()
                failed = response.status != 200
            except OSError:
                failed = True
                connection.close()
            if failed:
                with lock:
                    errors[0] += 1
            mine.append((time.perf_counter() - started) * 1000)
            i += connections
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {**percentiles(timings), "requests": len(timings),
            "requests_per_s": round(len(timings) / seconds, 1), "errors": errors[0]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a database holding the arXiv corpus (ingested, enriched)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--servers", default="1:cached,2:cached,2:cold", help="worker processes:cache mode, …"
    )
    parser.add_argument("--client", choices=("wrk", "python"), default=None)
    parser.add_argument(
        "--warm", type=int, default=30,
        help="least seconds of the same load before a cached run (more until it stops "
        "getting faster)",
    )  # fmt: skip
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    db = args.db or str(OUT / "web.db")
    if not Path(db).exists():
        build_corpus(Path(db))
    client = args.client or ("wrk" if shutil.which("wrk") else "python")
    load = run_wrk if client == "wrk" else run_python_client
    works = open_store(db).counts()["work"]
    print(f"{works:,} works in {db}; {os.cpu_count()} cores; load client {client}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip

    targets = choose_targets(db)
    layers = in_process(db, targets)
    report: dict[str, Any] = {"works": works, "cores": os.cpu_count(), "client": client,
                              "connections": args.connections, "duration_s": args.duration,
                              "in_process": layers, "http": {}}  # fmt: skip
    for server in args.servers.split(","):
        workers, _, mode = server.partition(":")
        for name, paths in targets.items():
            process, url = start_server(db, int(workers), mode != "cold")  # a fresh server
            try:
                load(url, paths[:20], 2, args.connections)  # connections and imports warm
                warmed = 0
                if mode != "cold" and args.warm:  # a server that has run a while
                    warmed = warm_up(load, url, paths, args.warm, args.connections)
                cpu = group_cpu_seconds(process.pid)
                result = load(url, paths, args.duration, args.connections)
                cpu = group_cpu_seconds(process.pid) - cpu
            finally:
                stop_server(process)
            result["distinct_pages"] = len(paths)
            result["warmed_s"] = warmed
            result["server_cpu_ms_per_request"] = round(1000 * cpu / max(1, result["requests"]), 2)
            result["load_average"] = round(os.getloadavg()[0], 1)
            report["http"][f"{name} | {workers}w {mode}"] = result
            print(f"  {name:<17} {workers}w {mode:<6} {result}", flush=True)

    print(f"\n{'page':<17} {'sqlite p50/p99':>15} {'json p50/p99':>15} {'html p50/p99':>15}")
    for name, by_layer in layers.items():
        cells = [f"{by_layer[k]['p50_ms']:.1f}/{by_layer[k]['p99_ms']:.1f}" for k in by_layer]
        print(f"{name:<17} " + " ".join(f"{c:>15}" for c in cells))
    print(f"\n{'http, ' + str(args.connections) + ' clients':<32} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'req/s':>8} {'errors':>7} {'pages':>6} {'cpu ms/req':>10} {'load':>5}")  # fmt: skip
    for name, r in report["http"].items():
        print(f"{name:<32} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['requests_per_s']:>8.0f} "
              f"{r['errors']:>7} {r['distinct_pages']:>6} {r['server_cpu_ms_per_request']:>10.2f} "
              f"{r['load_average']:>5}")  # fmt: skip
    (OUT / "web_latency.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
