"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a new
cluster in a temporary folder, run as a non-root user (the ``postgres`` account the
package creates, when the tests run as root; else the user running them) on a free port
of 127.0.0.1, with fsync off (nothing here must survive a crash). ``make test`` installs
the package (``scripts/install-debian-packages.sh postgresql``).

    with PostgresCluster() as cluster:
        url = cluster.create_database("test_1")  # postgresql://scholarscope@127.0.0.1:PORT/test_1
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "scholarscope"  # the cluster's superuser (trust authentication, local only)


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` folder (Debian keeps one per version
    under /usr/lib/postgresql), or None when none is installed."""
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """One PostgreSQL server, started by ``start`` and removed (data and all) by ``stop``."""

    def __init__(self) -> None:
        binaries = postgres_bin()
        if binaries is None:
            raise RuntimeError(
                "PostgreSQL is not installed: sh scripts/install-debian-packages.sh postgresql"
            )
        self.bin = binaries
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="scholarscope-pg-"))
        self.data = self.folder / "data"
        # as root, the server runs as the package's postgres account (initdb refuses root)
        self.run_as = "postgres" if os.geteuid() == 0 else None
        self.count = 0  # databases made, for unique names

    def _command(self, *args: str) -> list[str]:
        program = [str(self.bin / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *program] if self.run_as else program

    def start(self) -> None:
        if self.run_as:
            account = pwd.getpwnam(self.run_as)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        subprocess.run(
            self._command("initdb", "-D", str(self.data), "-U", USER, "-A", "trust",
                          "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
            check=True, capture_output=True,
        )  # fmt: skip
        self.start_server()

    def start_server(self) -> None:
        """Start the server of the cluster in ``data`` (made by ``start`` or kept)."""
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        subprocess.run(
            self._command("pg_ctl", "-D", str(self.data), "-o", options, "-w",
                          "-l", str(self.folder / "server.log"), "start"),
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"),
                capture_output=True,
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        create = f'CREATE DATABASE "{name}"'
        subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-d", self.url(), "-c", create],
            check=True,
            capture_output=True,
        )
        return self.url(name)

    def __enter__(self) -> PostgresCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
