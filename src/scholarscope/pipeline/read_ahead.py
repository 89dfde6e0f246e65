"""Parsing a big file in a second process while this one writes what it parsed before.

``ingest_paths`` reads a file of ``READ_AHEAD_MIN_BYTES`` or more through
``read_ahead``: a forked child runs ``load_path`` and prepares each Work
(``prepared_record.py``), sending them in batches; the records, and so the database, are
the same as when one process does both. The child never touches the database and dies
with the writing process.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from scholarscope.authors import folded_name, name_key
from scholarscope.ingest import load_path
from scholarscope.ingest.files import ReadProgress
from scholarscope.pipeline.prepared_record import PreparedRecord, prepare_record
from scholarscope.records import ParseItem, Work

# Files this big (on disk) are parsed in a second process; for smaller ones starting
# it costs more than the overlap saves.
READ_AHEAD_MIN_BYTES = 4 << 20


def can_read_ahead(total_bytes: int) -> bool:
    """Parse in a second process? Only for a big file, and only where it can be forked
    safely: "spawn" would re-import the caller's main module (breaking any script
    without a ``__main__`` guard), and forking while another thread runs can leave a
    lock that thread held locked forever in the child."""
    return (
        total_bytes >= READ_AHEAD_MIN_BYTES
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


@contextlib.contextmanager
def read_ahead(
    path: Path, origin: str, progress: ReadProgress, chunk_size: int
) -> Iterator[Iterator[ParseItem | PreparedRecord]]:
    """The items of ``load_path(path)``, Works already prepared, parsed in a second
    process so that parsing one part of the file overlaps writing the part before.

    The child sends the items in file order, a batch's worth per message: it prepares
    the next batch while this process writes one, then waits in ``send`` until this
    process takes it, so at most two batches are in flight and memory stays flat. The
    child is forked between two batches (no transaction is open) and never touches the
    database.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    reader = context.Process(
        target=_send_prepared,
        args=(path, origin, chunk_size, sender, receiver, os.getpid()),
        name="scholarscope-read",
        daemon=True,
    )
    reader.start()
    sender.close()  # this process only receives; the child holds the sending end

    def items() -> Iterator[ParseItem | PreparedRecord]:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise RuntimeError(f"{origin}: the reading process stopped unexpectedly") from None
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            chunk, progress.done_bytes = message
            yield from chunk

    try:
        yield items()
    finally:
        reader.terminate()  # already finished, unless this process stopped early
        reader.join()
        receiver.close()


def _send_prepared(
    path: Path,
    origin: str,
    chunk_size: int,
    sender: Connection,
    receiver: Connection,
    parent_pid: int,
) -> None:
    """The reading process: ``load_path`` with each Work prepared, sent in chunks with
    the read progress; then None, or the exception that stopped reading.

    It dies with the writing process, however that one ends (kill -9 included): the
    kernel kills it when its parent goes, and it holds no copy of the receiving end, so
    a send to a parent that is gone fails instead of waiting forever."""
    receiver.close()
    _die_with_parent(parent_pid)
    progress = ReadProgress(total_bytes=path.stat().st_size)
    chunk: list[ParseItem | PreparedRecord] = []
    try:
        for item in load_path(path, origin, progress):
            chunk.append(prepare_record(item) if isinstance(item, Work) else item)
            if len(chunk) >= chunk_size:
                sender.send((chunk, progress.done_bytes))
                chunk = []
                folded_name.cache_clear()  # as in ingest's _BatchWriter.write: memory stays flat
                name_key.cache_clear()
        sender.send((chunk, progress.done_bytes))
        sender.send(None)
    except (KeyboardInterrupt, BrokenPipeError):
        return  # Ctrl-C reaches both processes, and the writing one reports it; or it is gone
    except Exception as error:
        error.add_note(f"in the reading process:\n{traceback.format_exc()}")
        sender.send(error)
    finally:
        sender.close()


PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent ends


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this process when its parent ends; elsewhere (no prctl) the
    closed pipe still ends it at its next send. The parent may already have gone
    between the fork and the request: then end now."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
