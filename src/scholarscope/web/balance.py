"""Keep-alive connections spread evenly over the serving processes (``WorkerBalance``)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Hashable
from pathlib import Path


class WorkerBalance:
    """How many connections each serving process is answering, told to the others
    through a folder they share; a process answering more than its share closes some
    of its connections, and their clients reconnect to whichever process takes them.

    Why: the processes share one listening socket and the first to wake takes a new
    connection, so a burst of clients at once can all land on one process, and a
    keep-alive client stays where it landed: 16 connections split 13/3 and 15/1 for
    good, the crowded process queueing five times as many requests as the other
    (``bench/web_latency.py``: profile p99 79.5 ms at 13/3, 60.4 at 10/6). Closing a
    connection at random would not help: a reconnecting client lands on either process
    alike, so only the crowded process may close.

    A connection counts as the client address of a request answered in the last
    ``WINDOW`` seconds (ASGI tells a request, not a connection). Every ``WINDOW`` a
    thread of each process writes its count to ``folder/<pid>`` and reads the others'
    (a file not rewritten for three windows belongs to a process that is gone). A
    process holding two or more connections more than the least busy one closes, with
    an answer's ``Connection: close``, one connection for every two it holds too many
    (half of the clients it lets go come back to it) until the next reading.

    >>> import tempfile
    >>> balance = WorkerBalance(Path(tempfile.mkdtemp()))
    >>> balance.should_close(("127.0.0.1", 50000))  # no reading yet: never
    False
    """

    WINDOW = 0.5  # seconds

    def __init__(self, folder: Path, name: str | None = None) -> None:
        """``name``: this process's file in ``folder`` (its pid by default)."""
        self.folder = folder
        self.mine = folder / (name or str(os.getpid()))
        self._seen: dict[Hashable, float] = {}
        self._to_close = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Tell and read the counts every ``WINDOW`` from now on, in a daemon thread."""
        threading.Thread(target=self._exchange, name="worker-balance", daemon=True).start()

    def should_close(self, client: Hashable) -> bool:
        """Whether the connection of ``client`` (its address), answered now, should be
        closed after this answer."""
        with self._lock:
            self._seen[client] = time.monotonic()
            if self._to_close <= 0:
                return False
            self._to_close -= 1
            del self._seen[client]
            return True

    def _exchange(self) -> None:
        while True:
            try:
                self.read_counts()
            except OSError:  # the folder is gone: the server is stopping
                return
            time.sleep(self.WINDOW)

    def read_counts(self) -> None:
        """Write this process's count, read the others', and decide how many
        connections to close before the next reading."""
        now = time.monotonic()
        with self._lock:
            self._seen = {c: t for c, t in self._seen.items() if now - t < self.WINDOW}
            count = len(self._seen)
        written = self.mine.with_suffix(".new")
        written.write_text(str(count))
        written.replace(self.mine)  # readers never see a half-written count
        others = []
        for path in self.folder.iterdir():
            if path == self.mine or path.suffix:
                continue
            try:
                if time.time() - path.stat().st_mtime < 3 * self.WINDOW:
                    others.append(int(path.read_text()))
            except (OSError, ValueError):  # gone or being replaced meanwhile
                continue
        surplus = count - min(others) if others else 0
        with self._lock:
            self._to_close = surplus // 2 if surplus >= 2 else 0
