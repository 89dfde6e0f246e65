"""Ingest throughput and peak memory on the 60,419-record arXiv file, on SQLite and on
PostgreSQL, each against a plain ``json.loads`` + ``executemany`` baseline into the same
kind of store, measured in the same run.

Each measurement runs in a fresh Python process (so peak RSS is its own) on a fresh
database (a SQLite file; a new database on a throwaway PostgreSQL server that this
bench starts, as the tests do: ``tests/pg_cluster.py``). The baseline reads the same
gzip file line by line, ``json.loads`` each line and inserts one flat row per record
with ``executemany`` (2,000 rows per call, one commit at the end): the least a loader
can do. Ours parses, normalises, merges across sources, resolves authors and writes
every table and the full-text index, in transactions of 2,000 records; for a file this
big the parsing runs in a second (forked) process, whose peak RSS is reported beside
the main one.

Memory must not grow with file size, so ours also runs on the first quarter of the file;
the two peaks should be about equal.

    python bench/ingest_throughput.py [--repeat 2] [--stores sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# The tests' throwaway PostgreSQL server (initdb and pg_ctl from Debian's postgresql).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pg_cluster import PostgresCluster  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-cs"
FILE = DATA / "arxiv-cs-2025-03_2026-04.jsonl.gz"

BASELINE = r"""
import gzip, json, resource, sqlite3, sys, time
path, db = sys.argv[1], sys.argv[2]
start = time.perf_counter()
con = sqlite3.connect(db)
con.execute("CREATE TABLE work (id TEXT PRIMARY KEY, title TEXT, authors TEXT, "
            "abstract TEXT, categories TEXT, comments TEXT, date TEXT)")
rows, n = [], 0
sql = "INSERT OR REPLACE INTO work VALUES (?, ?, ?, ?, ?, ?, ?)"
with gzip.open(path, "rb") as f:
    for line in f:
        r = json.loads(line)
        rows.append((r["id"], r["title"], r["authors"], r["abstract"], r["categories"],
                     r["comments"], r["update_date"]))
        n += 1
        if len(rows) == 2000:
            con.executemany(sql, rows)
            rows = []
con.executemany(sql, rows)
con.commit()
elapsed = time.perf_counter() - start
print(n, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

BASELINE_POSTGRES = r"""
import gzip, json, resource, sys, time
import psycopg
path, db = sys.argv[1], sys.argv[2]
start = time.perf_counter()
con = psycopg.connect(db)
con.execute("CREATE TABLE work (id TEXT PRIMARY KEY, title TEXT, authors TEXT, "
            "abstract TEXT, categories TEXT, comments TEXT, date TEXT)")
rows, n = [], 0
sql = ("INSERT INTO work VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE "
       "SET title = excluded.title, authors = excluded.authors, abstract = excluded.abstract, "
       "categories = excluded.categories, comments = excluded.comments, date = excluded.date")
with gzip.open(path, "rb") as f, con.cursor() as cursor:
    for line in f:
        r = json.loads(line)
        rows.append((r["id"], r["title"], r["authors"], r["abstract"], r["categories"],
                     r["comments"], r["update_date"]))
        n += 1
        if len(rows) == 2000:
            cursor.executemany(sql, rows)
            rows = []
    cursor.executemany(sql, rows)
con.commit()
elapsed = time.perf_counter() - start
print(n, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

OURS = r"""
import resource, sys, time
from pathlib import Path
from scholarscope import pipeline
from scholarscope.store import open_store
path, db = sys.argv[1], sys.argv[2]
start = time.perf_counter()
store = open_store(db)
(report,) = pipeline.ingest_paths(store, [Path(path)])
elapsed = time.perf_counter() - start
assert report.rejected == 0, report.messages[:3]
# big files are parsed in a forked reading process: report its peak too
reader_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(report.read, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, reader_kb)
"""


def run(script: str, path: Path, db: str) -> tuple[int, float, int, int]:
    """(records, seconds, peak RSS KiB, peak RSS KiB of the reading process or 0)."""
    out = subprocess.run(
        [sys.executable, "-c", script, str(path), db],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    reader_kb = int(out[3]) if len(out) > 3 else 0
    return int(out[0]), float(out[1]), int(out[2]), reader_kb


class Databases:
    """A new empty database for each measurement: a SQLite file in ``workdir``, or a
    database on the bench's own PostgreSQL server."""

    def __init__(self, workdir: Path, cluster: PostgresCluster | None) -> None:
        self.workdir = workdir
        self.cluster = cluster
        self.made = 0

    def new(self, store: str) -> str:
        self.made += 1
        if store == "postgresql":
            assert self.cluster is not None
            return self.cluster.create_database(f"bench_{self.made}")
        return str(self.workdir / f"bench_{self.made}.db")


def measure(store: str, databases: Databases, repeat: int, full: Path, quarter: Path) -> dict:
    """The figures of one store: its baseline, ours on the whole file and on a quarter."""
    baseline_script = BASELINE_POSTGRES if store == "postgresql" else BASELINE
    results = {}
    for name, script, path in (
        ("baseline", baseline_script, full),
        ("ours", OURS, full),
        ("ours_quarter", OURS, quarter),
    ):
        runs = [run(script, path, databases.new(store)) for _ in range(repeat)]
        results[name] = min(runs, key=lambda r: r[1])
    base_n, base_s, base_kb, _ = results["baseline"]
    ours_n, ours_s, ours_kb, reader_kb = results["ours"]
    q_n, _, q_kb, q_reader_kb = results["ours_quarter"]
    return {
        "records": ours_n,
        "baseline_records_per_s": round(base_n / base_s),
        "scholarscope_records_per_s": round(ours_n / ours_s),
        "speed_vs_baseline": round((ours_n / ours_s) / (base_n / base_s), 3),
        "baseline_peak_rss_mb": round(base_kb / 1024, 1),
        "scholarscope_peak_rss_mb": round(ours_kb / 1024, 1),
        "scholarscope_quarter_file_peak_rss_mb": round(q_kb / 1024, 1),
        "peak_rss_full_over_quarter": round(ours_kb / q_kb, 2),
        # a forked child's RSS counts the pages it still shares with its parent, so the
        # sum of the two peaks overstates what the pair really uses
        "reading_process_peak_rss_mb": round(reader_kb / 1024, 1),
        "reading_process_peak_rss_full_over_quarter": round(reader_kb / max(q_reader_kb, 1), 2),
        "quarter_records": q_n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; best is kept")
    parser.add_argument("--stores", default="sqlite,postgresql", help="comma-separated")
    args = parser.parse_args()
    stores = args.stores.split(",")
    report: dict[str, object] = {"cpu": cpu_path()}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        quarter = workdir / "quarter.jsonl.gz"
        with gzip.open(FILE, "rt") as source, gzip.open(quarter, "wt") as target:
            for n, line in enumerate(source):
                if n == 60419 // 4:
                    break
                target.write(line)
        cluster = stack.enter_context(PostgresCluster()) if "postgresql" in stores else None
        databases = Databases(workdir, cluster)
        for store in stores:
            report[store] = measure(store, databases, args.repeat, FILE, quarter)
            print(store, json.dumps(report[store]), file=sys.stderr, flush=True)
    report["load_average"] = os.getloadavg()
    print(json.dumps(report, indent=2))


def cpu_path() -> str:
    """The CPU, as a line: ingest runs no vector code, so this is for the record."""
    flags = Path("/proc/cpuinfo").read_text().split("flags", 2)[1].split("\n", 1)[0]
    wide = "avx512f" if " avx512f" in flags else "avx2" if " avx2" in flags else "neither"
    return f"{os.cpu_count()} cores, {wide}"


if __name__ == "__main__":
    main()
