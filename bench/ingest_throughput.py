"""Ingest throughput and peak memory on the 60,419-record arXiv file, against a plain
``json.loads`` + ``executemany`` baseline measured in the same run.

Each measurement runs in a fresh Python process (so peak RSS is its own) on a fresh
SQLite file. The baseline reads the same gzip file line by line, ``json.loads`` each
line and inserts one flat row per record with ``executemany`` (2,000 rows per call, one
commit at the end): the least a loader can do. Ours parses, normalises, merges across
sources, resolves authors and writes every table, in transactions of 2,000 records;
for a file this big the parsing runs in a second (forked) process, whose peak RSS is
reported beside the main one.

Memory must not grow with file size, so ours also runs on the first quarter of the file;
the two peaks should be about equal.

    python bench/ingest_throughput.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

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


def run(script: str, path: Path, workdir: Path, name: str) -> tuple[int, float, int, int]:
    """(records, seconds, peak RSS KiB, peak RSS KiB of the reading process or 0)."""
    db = workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", script, str(path), str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    reader_kb = int(out[3]) if len(out) > 3 else 0
    return int(out[0]), float(out[1]), int(out[2]), reader_kb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; best is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        quarter = workdir / "quarter.jsonl.gz"
        with gzip.open(FILE, "rt") as source, gzip.open(quarter, "wt") as target:
            for n, line in enumerate(source):
                if n == 60419 // 4:
                    break
                target.write(line)
        results = {}
        for name, script, path in (
            ("baseline", BASELINE, FILE),
            ("scholarscope", OURS, FILE),
            ("scholarscope_quarter", OURS, quarter),
        ):
            runs = [run(script, path, workdir, name) for _ in range(args.repeat)]
            results[name] = min(runs, key=lambda r: r[1])
    base_n, base_s, base_kb, _ = results["baseline"]
    ours_n, ours_s, ours_kb, reader_kb = results["scholarscope"]
    q_n, q_s, q_kb, q_reader_kb = results["scholarscope_quarter"]
    report = {
        "records": ours_n,
        "baseline_records_per_s": round(base_n / base_s),
        "scholarscope_records_per_s": round(ours_n / ours_s),
        "speed_vs_baseline": round((ours_n / ours_s) / (base_n / base_s), 2),
        "baseline_peak_rss_mb": round(base_kb / 1024, 1),
        "scholarscope_peak_rss_mb": round(ours_kb / 1024, 1),
        "scholarscope_quarter_file_peak_rss_mb": round(q_kb / 1024, 1),
        "peak_rss_full_over_quarter": round(ours_kb / q_kb, 2),
        # a forked child's RSS counts the pages it still shares with its parent, so the
        # sum of the two peaks overstates what the pair really uses
        "reading_process_peak_rss_mb": round(reader_kb / 1024, 1),
        "reading_process_quarter_file_peak_rss_mb": round(q_reader_kb / 1024, 1),
        "reading_process_peak_rss_full_over_quarter": round(reader_kb / max(q_reader_kb, 1), 2),
        "quarter_records": q_n,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
