"""schemathesis against the running server (issue 18): every operation of /openapi.json,
every check except the two that need stateful links (``use_after_free``,
``ensure_resource_availability``; the API declares no links), phases examples, coverage
and fuzzing, for --minutes (default 5), against `scholarscope serve` on the demo database
(examples/, ingested, enriched and scored into a temporary folder) or on --db.

    .venv/bin/pip install schemathesis          # not a project dependency (4.32.5 here)
    .venv/bin/python bench/api_fuzz.py [--minutes 5] [--no-semantic] [--admin-token T]
                                       [--db PATH] [--strict] [--seed N]

--admin-token starts the server with that token and gives it to schemathesis
(``Authorization: Bearer T``), so the write endpoints are exercised too: they write into
the database, so the demo database (or a copy of --db) is used, never --db itself.
Without it the write endpoints are off and only their refusals are tested (401 without
credentials, as schemathesis expects of a request without its Authorization header).

By default 414 (the address is longer than the server takes; documented on every
operation) counts as a rejection of invalid data, as 400 does; schemathesis' default
list for ``negative_data_rejection`` lacks it. --strict keeps schemathesis' defaults.

Not part of the test suite (5 minutes, and schemathesis is not a dependency). The report
(NDJSON and JUnit) goes to bench/out/api_fuzz/; the exit status is schemathesis'
(0: no failures).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "api_fuzz"
BIN = Path(sys.executable).parent
STATEFUL_CHECKS = "use_after_free,ensure_resource_availability"
# schemathesis' default expected statuses for negative_data_rejection, plus 414
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428",
              "429", "5xx"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_db(folder: Path) -> Path:
    """examples/ ingested, enriched and scored (as the README's quick start does)."""
    db = folder / "demo.db"
    cli = [str(BIN / "scholarscope"), "--db", str(db)]
    for step in (["ingest", str(ROOT / "examples")], ["enrich"], ["score", "--min-earlier", "10"]):
        subprocess.run(cli + step, check=True, stdout=subprocess.DEVNULL)
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--db", help="serve a copy of this database instead of the demo one")
    parser.add_argument("--no-semantic", action="store_true", help="serve with --no-semantic")
    parser.add_argument("--admin-token", help="turn the write endpoints on, with this token")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="schemathesis' own statuses for negative_data_rejection (no 414)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="1", help="schemathesis workers (default 1)")
    args = parser.parse_args()

    schemathesis = shutil.which("schemathesis", path=str(BIN)) or shutil.which("schemathesis")
    if schemathesis is None:
        sys.exit("schemathesis is not installed: .venv/bin/pip install schemathesis")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scholarscope-fuzz-") as scratch:
        folder = Path(scratch)
        if args.db:
            db = folder / "copy.db"
            source, copy = sqlite3.connect(args.db), sqlite3.connect(db)
            source.backup(copy)
            source.close()
            copy.close()
        else:
            db = demo_db(folder)
        port = free_port()
        serve = [str(BIN / "scholarscope"), "--db", str(db), "serve", "--port", str(port),
                 "--quiet"]  # fmt: skip
        if args.no_semantic:
            serve.append("--no-semantic")
        if args.admin_token:
            serve += ["--admin-token", args.admin_token]
        log = (OUT / "server.log").open("w")
        server = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    with urllib.request.urlopen(f"{url}/index.json", timeout=5):
                        break
                except OSError:
                    time.sleep(0.1)
            config = folder / "schemathesis.toml"
            statuses = ", ".join(f'"{s}"' for s in REJECTIONS)
            config.write_text(
                "" if args.strict else
                f"[checks.negative_data_rejection]\nexpected-statuses = [{statuses}]\n"
            )  # fmt: skip
            command = [
                schemathesis, "--config-file", str(config), "--no-color", "run",
                f"{url}/openapi.json", "--checks", "all", "--exclude-checks", STATEFUL_CHECKS,
                "--phases", "examples,coverage,fuzzing", "--max-time", str(int(args.minutes * 60)),
                "--seed", str(args.seed), "--workers", args.workers,
                "--report", "ndjson,junit", "--report-dir", str(OUT),
            ]  # fmt: skip
            if args.admin_token:
                command += ["-H", f"Authorization: Bearer {args.admin_token}"]
            print(" ".join(command), flush=True)
            return subprocess.run(command).returncode
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
            errors = (OUT / "server.log").read_text()
            if "Traceback" in errors:
                print(f"the server logged tracebacks: see {OUT / 'server.log'}")


if __name__ == "__main__":
    sys.exit(main())
