"""The bench corpus on PostgreSQL: a PostgreSQL server whose data folder is kept under
bench/out/pg/, holding a copy of bench/out/web.db (the 60,419-work arXiv corpus that
bench/web_latency.py builds: ingested, enriched, scored) made with `scholarscope copy`.

The server is tests/pg_cluster.py's ``PostgresCluster`` (Debian's PostgreSQL binaries,
run as the ``postgres`` account when we are root, trust authentication on 127.0.0.1,
fsync off), imported from tests/ through ``sys.path``: the benches use the server the
tests use rather than a second recipe for one. Unlike the tests' throwaway cluster, its
data folder stays in bench/out/pg/ between runs, so a bench reuses the copy (seconds)
instead of making it again (minutes, printed by ``--fresh``). The copy is made again
when web.db changed since (its size or time, recorded in bench/out/pg/copied.json) or
when asked (``--fresh``).

    python bench/postgres_corpus.py [--db bench/out/web.db] [--fresh] [--serve]

prints the copy's URL and, when it copied, how long `scholarscope copy` took (and its
verification: every table's row count and checksum); ``--serve`` keeps the server up
until Ctrl-C. Other benches call ``postgres_copy(web_db)``, a context manager giving the
URL while the server runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
FOLDER = OUT / "pg"  # the kept cluster: data/, server.log, copied.json
DATABASE = "web"

sys.path.insert(0, str(HERE.parent / "tests"))  # tests/pg_cluster.py, not a package
from pg_cluster import PostgresCluster  # noqa: E402


class KeptCluster(PostgresCluster):
    """``PostgresCluster`` with its data in ``folder``, kept when it stops."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        os.rmdir(self.folder)  # the empty temporary folder the tests' cluster made
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.data = folder / "data"

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            super().start()  # initdb, then start
            return
        # initdb refuses a folder that holds a cluster: start the kept one, with the
        # options the tests' cluster starts with (a fresh port each time)
        if (self.data / "postmaster.pid").exists():  # a bench that died left it running
            subprocess.run(self._command("pg_ctl", "-D", str(self.data), "-m", "fast", "stop"),
                           capture_output=True)  # fmt: skip
        self.start_server()

    def stop(self) -> None:
        """A clean shutdown (the next start needs no recovery); the data stays."""
        subprocess.run(self._command("pg_ctl", "-D", str(self.data), "-m", "fast", "stop"),
                       capture_output=True)  # fmt: skip

    def has_database(self, name: str) -> bool:
        found = subprocess.run(
            [str(self.bin / "psql"), "-X", "-At", "-d", self.url(), "-c",
             f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return found.stdout.strip() == "1"

    def drop_database(self, name: str) -> None:
        subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-d", self.url(), "-c",
             f'DROP DATABASE IF EXISTS "{name}"'],
            check=True, capture_output=True,
        )  # fmt: skip


def postmaster_pid(url: str) -> int | None:
    """The process id of the kept server's postmaster when ``url`` names a database on it
    (its port), else None: a bench counts that server's CPU."""
    pid_file = FOLDER / "data" / "postmaster.pid"  # pid, data folder, start time, port, …
    if not url.startswith(("postgresql://", "postgres://")) or not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    port = urlsplit(url).port
    return int(lines[0]) if len(lines) > 3 and port == int(lines[3]) else None


def safe(url: str) -> str:
    """``url`` without a password, for printing."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def source_stamp(web_db: Path) -> dict[str, int | str]:
    """What identifies the SQLite file's state: a write changes its size or time (the
    file is migrated first, by ``migrated``, so its schema is the code's)."""
    stat = web_db.stat()
    return {"path": str(web_db.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def migrated(web_db: Path) -> None:
    """Bring the SQLite file's schema up to date (opening it for writing does), so that
    a read-only copy from it works and its stamp stays put afterwards."""
    from scholarscope.store import open_store

    open_store(str(web_db)).close()


def copy_into(cluster: KeptCluster, web_db: Path) -> dict[str, object]:
    """A new database ``DATABASE`` holding ``web_db``, made by `scholarscope copy` (the
    CLI, as a person would run it); returns its time and verdict."""
    cluster.drop_database(DATABASE)
    url = cluster.create_database(DATABASE)
    scholarscope = Path(sys.executable).with_name("scholarscope")
    print(f"copying {web_db} into {url} (scholarscope copy) …", flush=True)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    # its output read as it comes, to time each table ("TABLE: N rows copied" after
    # each) and the verification that follows the last one
    process = subprocess.Popen(
        [str(scholarscope), "copy", "--from", str(web_db), "--to", url],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines, tables, last = [], {}, started
    for line in process.stdout:
        now = time.perf_counter()
        lines.append(line.rstrip("\n"))
        if line.rstrip().endswith(" rows copied"):
            tables[line.split(":", 1)[0]] = round(now - last, 1)
            last = now
    seconds = time.perf_counter() - started
    print("\n".join(lines), flush=True)
    if process.wait() != 0:
        raise RuntimeError(f"scholarscope copy failed with status {process.returncode}")
    slowest = dict(sorted(tables.items(), key=lambda item: -item[1])[:5])
    print(f"  slowest tables (s): {slowest}; verification {seconds - (last - started):.1f} s")
    verified = [line for line in lines if line.startswith("verified ")]
    return {
        "copy_s": round(seconds, 1),
        "tables_s": tables,
        "verify_s": round(seconds - (last - started), 1),
        "load_average_before": round(load, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "tables_verified_same": sum(line.endswith(" same") for line in verified),
        "tables_verified": len(verified),
    }


@contextmanager
def postgres_copy(web_db: Path, fresh: bool = False) -> Iterator[str]:
    """The URL of ``web_db``'s PostgreSQL copy while the kept server runs; copied first
    when there is none, when ``web_db`` changed since the last copy, or when ``fresh``."""
    migrated(web_db)
    stamp_file = FOLDER / "copied.json"
    cluster = KeptCluster(FOLDER)
    cluster.start()
    try:
        stamp = source_stamp(web_db)
        kept = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
        if fresh or kept.get("source") != stamp or not cluster.has_database(DATABASE):
            stamp_file.unlink(missing_ok=True)  # no stamp while a copy is half made
            made = copy_into(cluster, web_db)
            stamp_file.write_text(json.dumps({"source": stamp, **made}, indent=2) + "\n")
            print(f"  copied in {made['copy_s']} s", flush=True)
        else:
            print(f"reusing the PostgreSQL copy of {web_db} (made in {kept.get('copy_s')} s)")
        url = cluster.url(DATABASE)
        from scholarscope.store import open_store

        open_store(url).close()  # the copy's schema up to the code's (new migrations)
        yield url
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(OUT / "web.db"), help="the SQLite corpus")
    parser.add_argument("--fresh", action="store_true", help="copy again even if current")
    parser.add_argument("--serve", action="store_true", help="keep the server up (Ctrl-C)")
    args = parser.parse_args()
    web_db = Path(args.db)
    if not web_db.exists():
        sys.exit(f"{web_db} does not exist: python bench/web_latency.py builds it")
    with postgres_copy(web_db, fresh=args.fresh) as url:
        print(url, flush=True)
        if args.serve:
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()
