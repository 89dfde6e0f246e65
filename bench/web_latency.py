"""Web latency with the 60,419-work arXiv corpus: p50/p99 and requests/s for a profile
page, a work page and a search under 16 concurrent clients for 30 s, with zero errors;
with --baseline-src, the same load in the same run against the old home-made HTTP server
(issue 18: the last commit with it is 1303f8e), side by side with the new/old ratios;
with --postgres, the same load in the same run against the same server on the corpus's
PostgreSQL copy (issue 20), side by side with the PostgreSQL/SQLite ratios; and the same
requests answered in-process layer by layer, to show where the time goes:

  rows    the rows the page needs, straight from the database, with no scholarscope code
          (sqlite3 on SQLite; psycopg on PostgreSQL, the same SQL, the search's words
          matched in the tsvector column and ranked with ts_rank as the store does); not
          the embedding work: a search's query vector and the products with the stored
          vectors, a work page's similar works
  json    the page's JSON twin built in-process (read-side dicts + json.dumps)
  html    the page rendered in-process (dicts + template), no HTTP
  asgi    the same page through the ASGI application (Starlette's routing, middleware,
          the worker thread), in-process through httpx.ASGITransport: no socket, no
          HTTP parsing
  http    the real server under load (wrk from Debian, or a bounded Python client)

The new server is started as `scholarscope serve` starts it (``ServerSettings`` and
``serve``: Starlette on uvicorn, semantic search on, no request log). The old one is
started from another source tree with its own API (``App``, ``make_server``, ``run``):

    git worktree add /tmp/old-server 1303f8e
    python bench/web_latency.py --baseline-src /tmp/old-server/src

PostgreSQL: ``--db postgresql://user@host:port/db`` runs everything on that database
alone; ``--postgres`` runs each workload on the SQLite file (--db) and then on its
PostgreSQL copy, back to back (the copy made, or reused when current, by
bench/postgres_corpus.py: a PostgreSQL server kept under bench/out/pg/, started for the
run and stopped after it; ``--postgres-url`` names another copy instead). The pages
chosen are the SQLite file's (the copy keeps every id). On PostgreSQL the server's CPU
per request counts the database server's processes too ("db cpu ms/req", the kept
server's only: the processes under its postmaster), as SQLite's work is in the server's
own processes.

The new server and the in-process layers import the ``scholarscope`` on the path; where
others commit to the checkout meanwhile, pin both to one commit for the whole run:
``git worktree add /tmp/new-server HEAD`` (or ``git archive HEAD src | tar -x -C
/tmp/new-server``) and ``PYTHONPATH=/tmp/new-server/src python bench/web_latency.py …``
(the run prints where each server's package comes from).
"conns" is how the 16 keep-alive connections were spread over the server's processes
halfway through the run (a worker holding more connections queues more requests).

Each workload rotates over many different pages: 2,000 authors with 3+ works, 2,000
works, 1,000 searches built from real titles; "profile (top 20)" repeats the profiles of
the 20 most prolific authors (up to 240 works each). The server runs as `scholarscope
serve` does ("cached": answers kept until the database changes, so each page is built
once per worker process and then served from memory; measured after the same load has
run until the server stops getting faster, at least --warm seconds, as a server that has
been running a while) and with its caches off ("cold": every request is built from
the database, no warm-up), with 1 or 2 worker processes.

    python bench/web_latency.py [--db PATH|URL] [--duration 30] [--connections 16]
                                [--servers 1:cached,2:cached,2:cold] [--warm 30]
                                [--baseline-src /tmp/old-server/src]
                                [--postgres [--postgres-url URL]] [--out NAME.json]

Without --db the corpus is ingested, enriched and scored (embeddings: ~15 min on 2
cores) into bench/out/web.db, once. The server runs with the query encoder, as `serve`
does: searches are hybrid (keyword + semantic) and work pages show similar works by
embedding when the database holds vectors.
The servers compared run each workload one after the other (old first, SQLite before
PostgreSQL), so they share the machine's state as closely as a shared machine allows;
compare them by the ratios, not across runs. Figures are printed and written to
bench/out/web_latency.json (or --out).
"""

from __future__ import annotations

import argparse
import contextlib
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from threadpoolctl import threadpool_limits

import postgres_corpus  # bench/postgres_corpus.py (this script's folder is on sys.path)
from scholarscope.embed import load_encoder
from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.pipeline.score import score_store
from scholarscope.search import STOPWORDS
from scholarscope.store import open_store
from scholarscope.web import App, create_app, query_encoder
from scholarscope.web.app import Response
from scholarscope.web.routes import ROUTES
from scholarscope.work_views import canonical_ids

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


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def database_rows(db: str) -> dict[str, Callable[[str], Any]]:
    """Per workload, the rows its page reads, fetched with plain sqlite3 or psycopg (no
    scholarscope code): the same SQL on both but for the full-text search, FTS5's
    MATCH, bm25 and snippet on SQLite, the tsvector column's @@, ts_rank and ts_headline
    on PostgreSQL (the product's search_postgres.py reads them so)."""
    postgres = is_postgres(db)
    if postgres:
        import psycopg

        connection: Any = psycopg.connect(db, autocommit=True)
        connection.execute("SET default_transaction_read_only = on")
    else:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)

    def fetch(sql: str, params: tuple[Any, ...]) -> list[Any]:
        if postgres:  # psycopg's placeholder is %s
            sql = sql.replace("?", "%s")
        return connection.execute(sql, params).fetchall()

    def rows(sql: str, params: tuple[Any, ...]) -> int:
        return len(fetch(sql, params))

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
        work_id = fetch("SELECT work_id FROM work_key WHERE key = ?", (key,))[0][0]
        novelty = fetch("SELECT neighbours FROM work_novelty WHERE work_id = ?", (work_id,))
        linked = [n for n, _ in json.loads(novelty[0][0])] if novelty else []
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
        words = re.findall(r"\w+", unquote(target.split("q=", 1)[1]))
        match = " ".join(f'"{w}"' for w in words)
        page = fetch(
            "SELECT rowid FROM work_search WHERE work_search MATCH ? "
            "ORDER BY bm25(work_search, 4.0, 1.0) LIMIT 20",
            (match,),
        )
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

    def search_postgres(target: str) -> int:
        # every word required, each stemmed by the store's text search configuration
        # (its name is the product's, m017: English stemming, every word kept), as the
        # store's tsquery does it: one phraseto_tsquery per quoted word, joined by &&
        from scholarscope.store.migrations_postgres import TEXT_SEARCH

        words = tuple(re.findall(r"\w+", unquote(target.split("q=", 1)[1])))
        one = f"phraseto_tsquery('{TEXT_SEARCH}', ?)"
        query = " && ".join([one] * len(words)) or "''::tsquery"
        matched = f"FROM work_facet f, (SELECT {query} AS q) m WHERE f.search @@ m.q"
        page = fetch(
            f"SELECT f.work_id {matched} "
            "ORDER BY ts_rank('{0.0, 0.0, 0.25, 1.0}', f.search, m.q) DESC, f.work_id LIMIT 20",
            words,
        )
        ids = ",".join(str(r[0]) for r in page) or "0"
        return (
            rows(f"SELECT COUNT(*) {matched}", words)
            + rows(f"SELECT record FROM work_record WHERE work_id IN ({ids})", ())
            + rows(
                f"SELECT f.work_id, ts_headline('{TEXT_SEARCH}', left(f.abstract, 5000), m.q, "
                f"'MaxWords=32, MinWords=12, MaxFragments=1') {matched} "
                f"AND f.work_id IN ({ids})",
                words,
            )
        )

    return {"profile": profile, "profile (top 20)": profile, "work": work,
            "search": search_postgres if postgres else search}  # fmt: skip


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p99 of latencies in milliseconds (nearest rank)."""
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50_ms": rank(0.50), "p99_ms": rank(0.99)}


def in_process(db: str, targets: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Sequential timings of each layer, one request at a time, caches off; numpy's BLAS
    on one thread, as in the server's processes (``server.py``)."""
    import asyncio

    import httpx

    threadpool_limits(1)
    app = App(db, cache_size=0, page_cache_bytes=0, encoder=query_encoder)
    app.warm()
    raw = database_rows(db)
    loop = asyncio.new_event_loop()
    site = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(app)), base_url="http://127.0.0.1"
    )

    def via_asgi(target: str) -> None:
        response = loop.run_until_complete(site.get(target))
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}: {response.content[:200]!r}")

    results: dict[str, dict[str, Any]] = {}
    for name, paths in targets.items():
        sample = paths[:IN_PROCESS_SAMPLE]
        layers = {
            "rows": raw[name],
            "json": lambda p: _ok(answer(app, p, "json")),
            "html": lambda p: _ok(answer(app, p, "html")),
            "asgi": via_asgi,
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
    loop.run_until_complete(site.aclose())
    loop.close()
    return results


def answer(app: App, target: str, fmt: str) -> Response:
    """``target``'s page in ``fmt`` straight from ``App.page``, as ``asgi.py`` asks it (the
    route matched on the decoded path), without Starlette and uvicorn."""
    head, _, query = target.partition("?")
    path = unquote(head)
    for route in ROUTES:
        args = route.match(path)
        if args is not None and fmt in route.formats:
            return app.page(route, args, path, query, fmt)
    raise RuntimeError(f"no route for {target}")


def _ok(response: Response) -> None:
    if response.status != 200:
        raise RuntimeError(f"status {response.status}: {response.body[:200]!r}")


# -- the real server under load ----------------------------------------------------------


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/PID/stat after the name: state, ppid, pgrp, …) of every
    process running now (Linux)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        yield int(stat.parent.name), fields


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by the processes of one process group: the
    server and its workers."""
    total = 0
    for _, fields in process_stats():
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds(postmaster: int | None) -> float:
    """CPU time used so far by a PostgreSQL server: its postmaster, the backends that
    serve the connections (its children) and those already ended (the postmaster's
    cutime and cstime, once it has reaped them). 0 without a postmaster (SQLite, or a
    server not ours)."""
    if postmaster is None:
        return 0.0
    total = 0
    for pid, fields in process_stats():
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        elif int(fields[1]) == postmaster:  # a backend or a background process
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def connections_per_process(group: int, port: int) -> list[int]:
    """Established connections to ``port`` held by each process of one process group
    (the server's), most first: how the clients' keep-alive connections are spread over
    the worker processes. Read from /proc (Linux)."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # ESTABLISHED
            established.add(f"socket:[{fields[9]}]")
    held = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            links = [os.readlink(fd) for fd in (stat.parent / "fd").iterdir()]
        except OSError:  # the process ended meanwhile
            continue
        count = sum(link in established for link in links)
        if count:
            held.append(count)
    return sorted(held, reverse=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The new server (Starlette on uvicorn), as `scholarscope serve` starts it (cli.py): its
# settings and ``serve``; semantic search on, no request log (--quiet).
NEW_SERVER = (
    "import sys; from scholarscope.web import ServerSettings, serve; "
    "serve(ServerSettings(sys.argv[1], semantic=True, log=False, "
    "cached=sys.argv[4] == 'cached'), port=int(sys.argv[2]), workers=int(sys.argv[3]))"
)
# The old home-made server (http.server threads, forked workers; 1303f8e and before),
# started with its own API from the source tree given by --baseline-src.
OLD_SERVER = (
    "import sys; from scholarscope.web import App, make_server, run; "
    "from scholarscope.web import query_encoder as e; "
    "app = App(sys.argv[1], encoder=e) if sys.argv[4] == 'cached' else "
    "App(sys.argv[1], cache_size=0, page_cache_bytes=0, encoder=e); "
    "run(make_server(app, port=int(sys.argv[2])), workers=int(sys.argv[3]))"
)


def start_server(
    db: str, workers: int, cached: bool, baseline_src: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """The server in its own process (and session), as `scholarscope serve` runs it; with
    ``baseline_src``, the old server from that source tree (first on PYTHONPATH)."""
    port = free_port()
    mode = "cached" if cached else "cold"
    env = dict(os.environ)
    if baseline_src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [baseline_src, env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-c", OLD_SERVER if baseline_src else NEW_SERVER, db, str(port),
         str(workers), mode],
        start_new_session=True, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"the server ended with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/index.json", timeout=5) as response:
                if response.status == 200:
                    if workers > 1:  # the other workers load the encoder at the same time
                        time.sleep(3)
                    return process, url
        except OSError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError("the server did not start")


def server_source(baseline_src: str | None) -> str:
    """Where the server's ``scholarscope`` package is imported from (a check that
    --baseline-src really is the one used)."""
    env = dict(os.environ)
    if baseline_src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [baseline_src, env.get("PYTHONPATH")]))
    code = "import scholarscope.web as w; print(w.__file__)"
    found = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return found.stdout.strip()


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


def measure(
    load: Callable[..., dict[str, Any]],
    db: str,
    workers: int,
    mode: str,
    paths: list[str],
    args: argparse.Namespace,
    baseline_src: str | None,
    postmaster: int | None = None,
) -> dict[str, Any]:
    """One workload against a fresh server (the new one, or the old from ``baseline_src``);
    ``postmaster``: the PostgreSQL server's, whose CPU is counted too."""
    process, url = start_server(db, workers, mode != "cold", baseline_src)
    try:
        load(url, paths[:20], 2, args.connections)  # connections and imports warm
        warmed = 0
        if mode != "cold" and args.warm:  # a server that has run a while
            warmed = warm_up(load, url, paths, args.warm, args.connections)
        cpu = group_cpu_seconds(process.pid)
        db_cpu = database_cpu_seconds(postmaster)
        port = int(url.rsplit(":", 1)[1])
        spread: list[int] = []
        halfway = threading.Timer(
            args.duration / 2, lambda: spread.extend(connections_per_process(process.pid, port))
        )
        halfway.start()
        result = load(url, paths, args.duration, args.connections)
        halfway.join()
        cpu = group_cpu_seconds(process.pid) - cpu
        db_cpu = database_cpu_seconds(postmaster) - db_cpu
    finally:
        stop_server(process)
    requests = max(1, result["requests"])
    result["distinct_pages"] = len(paths)
    result["warmed_s"] = warmed
    result["server_cpu_ms_per_request"] = round(1000 * cpu / requests, 2)
    result["db_cpu_ms_per_request"] = round(1000 * db_cpu / requests, 2) if postmaster else None
    result["connections_per_process"] = "/".join(map(str, spread))
    result["load_average"] = round(os.getloadavg()[0], 1)
    return result


def ratio(new: float, old: float) -> float | None:
    return round(new / old, 2) if old else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", help="a database holding the arXiv corpus (ingested, enriched): a SQLite "
        "file or a postgresql:// URL",
    )  # fmt: skip
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
    parser.add_argument(
        "--baseline-src", default=None,
        help="the src/ folder of the old server's source tree (git worktree add "
        "/tmp/old-server 1303f8e: /tmp/old-server/src), measured in the same run",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", action="store_true",
        help="also run each workload on the SQLite file's PostgreSQL copy (made or reused "
        "by bench/postgres_corpus.py), back to back, with the PostgreSQL/SQLite ratios",
    )  # fmt: skip
    parser.add_argument(
        "--postgres-url", default=None,
        help="with --postgres: this database as the copy (it must hold the same corpus)",
    )  # fmt: skip
    parser.add_argument(
        "--workloads", default=None, help="only these workloads (comma-separated names)"
    )
    parser.add_argument("--no-in-process", action="store_true", help="skip the layer timings")
    parser.add_argument("--out", default="web_latency.json", help="the report, in bench/out/")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    db = args.db or str(OUT / "web.db")
    if is_postgres(db) and (args.postgres or args.baseline_src):
        sys.exit("--postgres and --baseline-src compare with a SQLite --db (the old server "
                 "has no PostgreSQL)")  # fmt: skip
    if not is_postgres(db) and not Path(db).exists():
        build_corpus(Path(db))
    with contextlib.ExitStack() as stack:
        postgres_url = args.postgres_url
        if args.postgres and not postgres_url:  # the kept copy, running for this run
            postgres_url = stack.enter_context(postgres_corpus.postgres_copy(Path(db)))
        run(args, db, postgres_url)


def run(args: argparse.Namespace, db: str, postgres_url: str | None) -> None:
    """Every workload on every server compared: (label, database, old server's source)."""
    client = args.client or ("wrk" if shutil.which("wrk") else "python")
    load = run_wrk if client == "wrk" else run_python_client
    variants: list[tuple[str, str, str | None]] = []
    if args.baseline_src:
        variants.append(("old", db, args.baseline_src))
    base = "new" if args.baseline_src else "pg" if is_postgres(db) else "sqlite"
    variants.append((base, db, None))
    if postgres_url:
        variants.append(("pg", postgres_url, None))
    works = open_store(db).counts()["work"]  # (opened for writing: brings its schema up)
    from scholarscope.embed.minilm import bf16_supported

    embed_path = "bf16 (native bfloat16)" if bf16_supported() else "fp32 (no native bfloat16)"
    print(f"{works:,} works in {postgres_corpus.safe(db)}; {os.cpu_count()} cores; load client "
          f"{client}; embeddings on the CPU in {embed_path}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    sources = {label: server_source(src) for label, _, src in variants}
    for label, source in sources.items():
        print(f"  {label} server: {source}", flush=True)
    if args.baseline_src and not sources["old"].startswith(str(Path(args.baseline_src).resolve())):
        sys.exit(f"--baseline-src {args.baseline_src} is not the package the old server imports")
    # the database server's CPU, where it is the kept copy's (bench/postgres_corpus.py)
    postmasters = {label: postgres_corpus.postmaster_pid(url) for label, url, _ in variants}
    if postgres_url:
        counted = postmasters["pg"] or "not ours: its CPU is not counted"
        print(f"  pg database: {postgres_corpus.safe(postgres_url)} (postmaster {counted})")

    targets = choose_targets(db)
    if args.workloads:
        targets = {k: v for k, v in targets.items() if k in args.workloads.split(",")}
    layers: dict[str, Any] = {}
    if not args.no_in_process:  # each store's layers (the old server has none here)
        for label, url, src in variants:
            if src is None:
                layers[label] = in_process(url, targets)
    report: dict[str, Any] = {"works": works, "cores": os.cpu_count(), "client": client,
                              "connections": args.connections, "duration_s": args.duration,
                              "embeddings": embed_path, "servers": sources,
                              "in_process": layers, "http": {}}  # fmt: skip
    for server in args.servers.split(","):
        workers, _, mode = server.partition(":")
        for name, paths in targets.items():
            for label, url, src in variants:  # back to back: old, new (SQLite), pg
                result = measure(load, url, int(workers), mode, paths, args, src,
                                 postmasters[label])  # fmt: skip
                report["http"][f"{name} | {workers}w {mode} | {label}"] = result
                print(f"  {name:<17} {workers}w {mode:<6} {label:<6} {result}", flush=True)

    for label, by_name in layers.items():
        print(f"\n{'in-process, ' + label + ', 1 at a time':<30} {'rows p50/p99':>15} "
              f"{'json p50/p99':>15} {'html p50/p99':>15} {'asgi p50/p99':>15}")  # fmt: skip
        for name, by_layer in by_name.items():
            cells = [f"{by_layer[k]['p50_ms']:.1f}/{by_layer[k]['p99_ms']:.1f}" for k in by_layer]
            print(f"{name:<30} " + " ".join(f"{c:>15}" for c in cells))
    if "pg" in layers and base in layers and base != "pg":
        report["in_process_pg_over_sqlite"] = {}
        print(f"\n{'in-process, pg / ' + base + ', p50 (p99)':<30} {'rows':>15} {'json':>15} "
              f"{'html':>15} {'asgi':>15}")  # fmt: skip
        for name, by_layer in layers["pg"].items():
            ratios = {
                layer: [ratio(by_layer[layer][q], layers[base][name][layer][q])
                        for q in ("p50_ms", "p99_ms")]
                for layer in by_layer
            }  # fmt: skip
            report["in_process_pg_over_sqlite"][name] = ratios
            print(f"{name:<30} " + " ".join(f"{f'{a} ({b})':>15}" for a, b in ratios.values()))
    print(f"\n{'http, ' + str(args.connections) + ' clients':<36} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'req/s':>8} {'errors':>7} {'pages':>6} {'cpu ms/req':>10} {'db cpu':>7} "
          f"{'conns':>6} {'load':>5}")  # fmt: skip
    for name, r in report["http"].items():
        db_cpu = r.get("db_cpu_ms_per_request")
        print(f"{name:<36} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['requests_per_s']:>8.0f} "
              f"{r['errors']:>7} {r['distinct_pages']:>6} {r['server_cpu_ms_per_request']:>10.2f} "
              f"{'' if db_cpu is None else f'{db_cpu:.2f}':>7} "
              f"{r['connections_per_process']:>6} {r['load_average']:>5}")  # fmt: skip
    pairs = [("new", "old")] if args.baseline_src else []
    if postgres_url:
        pairs.append(("pg", base))
    for new, old in pairs:
        report[f"{new}_over_{old}"] = ratio_table(report["http"], new, old)
    (OUT / args.out).write_text(json.dumps(report, indent=2) + "\n")


def ratio_table(http: dict[str, Any], new: str, old: str) -> dict[str, Any]:
    """The ``new``/``old`` ratios of each workload and server, printed and returned."""
    ratios_of = {}
    print(f"\n{new + ' / ' + old + ', same run':<26} {'p50 ' + old + '→' + new + ' ms':>16} "
          f"{'p99 ' + old + '→' + new + ' ms':>16} {'req/s':>14} {'p50':>5} {'p99':>5} "
          f"{'req/s':>5} {'errors':>10}")  # fmt: skip
    for key in http:
        if not key.endswith(f" | {old}"):
            continue
        base = key.removesuffix(f" | {old}")
        before, after = http[key], http[f"{base} | {new}"]
        ratios = {m: ratio(after[m], before[m]) for m in ("p50_ms", "p99_ms", "requests_per_s")}
        ratios_of[base] = ratios
        print(f"{base:<26} {before['p50_ms']:>7.1f}→{after['p50_ms']:<8.1f} "
              f"{before['p99_ms']:>7.1f}→{after['p99_ms']:<8.1f} "
              f"{before['requests_per_s']:>6.0f}→{after['requests_per_s']:<7.0f} "
              f"{ratios['p50_ms']:>5} {ratios['p99_ms']:>5} {ratios['requests_per_s']:>5} "
              f"{before['errors']:>4}/{after['errors']:<5}")  # fmt: skip
    return ratios_of


if __name__ == "__main__":
    main()
