"""The cost of the inputs that once stalled a whole ingest, as ratios in one run.

- Author matching must be linear in a record's authors: ingesting one record of 10,000
  authors should cost about 4x one of 2,500 (it was quadratic: 25,000 authors took 9 s).
- A gzip of 16 million empty lines (16 KB on disk) against a plain Python loop that only
  decompresses the same file line by line: the price of our reading per line.
- A 1 GiB line (1 MB of gzip) is skipped with flat memory: peak RSS of that ingest
  against an ingest of the same file without the long line.

Each ingest runs as a fresh process on a fresh SQLite file.

    python bench/ingest_limits.py
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = r"""
import resource, sys, time
from pathlib import Path
from scholarscope.pipeline import ingest_paths
from scholarscope.store import open_store
store = open_store(sys.argv[1])
start = time.perf_counter()
ingest_paths(store, [Path(sys.argv[2])])
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

DECOMPRESS_ONLY = r"""
import gzip, sys, time
start = time.perf_counter()
with gzip.open(sys.argv[1], "rb") as lines:
    for line in lines:
        pass
print(time.perf_counter() - start)
"""

RECORD = {"title": "A record of many authors", "abstract": "x", "categories": "hep-ex"}


def ingest(folder: Path, path: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of ingesting ``path`` into a new database."""
    db = folder / f"{path.name}.db"
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(db), str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def many_authors(folder: Path, count: int) -> Path:
    path = folder / f"authors-{count}.jsonl"
    authors = ", ".join(f"Given{i} Surname{i % 977}" for i in range(count))
    path.write_text(json.dumps({"id": "2501.00001", "authors": authors, **RECORD}) + "\n")
    return path


def blank_lines(folder: Path, count: int) -> Path:
    path = folder / "blank.jsonl.gz"
    with gzip.open(path, "wb") as out:
        out.write(json.dumps({"id": "2501.00001", "authors": "A B", **RECORD}).encode() + b"\n")
        for _ in range(count // 1_000_000):
            out.write(b"\n" * 1_000_000)
    return path


def long_line(folder: Path, with_long_line: bool) -> Path:
    path = folder / f"long-{with_long_line}.jsonl.gz"
    line = json.dumps({"id": "2501.0000%d", "authors": "A B", **RECORD}) + "\n"
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write((line % 1).encode())
        if with_long_line:
            out.write(b'{"id": "2501.00002", "abstract": "')
            piece = b"a" * (1 << 20)
            for _ in range(1024):
                out.write(piece)
            out.write(b'"}\n')
        out.write((line % 3).encode())
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        small, _ = ingest(folder, many_authors(folder, 2_500))
        large, _ = ingest(folder, many_authors(folder, 10_000))
        blank = blank_lines(folder, 16_000_000)
        ours, _ = ingest(folder, blank)
        plain = float(
            subprocess.run(
                [sys.executable, "-c", DECOMPRESS_ONLY, str(blank)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        _, without = ingest(folder, long_line(folder, False))
        _, with_long = ingest(folder, long_line(folder, True))
        print(
            json.dumps(
                {
                    "authors_10000_over_2500_seconds": round(large / small, 2),
                    "authors_10000_seconds": round(large, 2),
                    "blank_lines_16M_seconds": round(ours, 2),
                    "blank_lines_over_decompress_only": round(ours / plain, 2),
                    "long_line_1GiB_peak_rss_mb": round(with_long, 1),
                    "long_line_peak_rss_over_without": round(with_long / without, 2),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
