"""Reading input files: gzip by content (not by name), text decoding, damaged files.

Parsers never open files; they receive the lines this module yields. Whatever goes
wrong while reading (a truncated gzip stream, bytes that are not UTF-8) is appended to
the caller's ``problems`` list as a ``Rejected`` or ``Repaired`` naming file and line,
and reading goes on where it can.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scholarscope.records import Rejected, Repaired

GZIP_MAGIC = b"\x1f\x8b"
HEAD_BYTES = 65536
PROGRESS_EVERY = 2000  # lines between two progress updates
# The longest line read (32 MiB). The longest real ones are a Semantic Scholar paper
# with its 1,000 citing papers on one line (2.7 MB) and OpenAlex result pages of 200
# works (a few MB). A longer line is rejected and skipped without ever being held in
# memory whole (a 5 MB gzip can expand to one 5 GB line).
MAX_LINE_BYTES = 32 << 20
READ_BLOCK = 1 << 20  # bytes read at a time


@dataclass
class ReadProgress:
    """How far through a file reading has got: in bytes of the file on disk (compressed
    bytes for a gzip file), for progress bars, and the number of the last line read, for
    messages about the record that line ends."""

    total_bytes: int
    done_bytes: int = 0
    line: int = 0


def _open_binary(path: Path) -> io.BufferedIOBase:
    with open(path, "rb") as raw:
        magic = raw.read(2)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(path, "rb")
    return open(path, "rb")


def _disk_position(stream: io.BufferedIOBase) -> int:
    raw = getattr(stream, "fileobj", None) or stream  # a GzipFile reads from .fileobj
    return raw.tell()


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of the (decompressed) content; fewer if the file is short
    or its gzip stream breaks early."""
    with _open_binary(path) as stream:
        try:
            return stream.read(size)
        except (EOFError, OSError, zlib.error):
            return b""


def decode_head(head: bytes) -> str:
    """Head bytes as text for format detection (never fails)."""
    return head.decode("utf-8", errors="replace")


def is_binary(head: bytes) -> bool:
    """A NUL byte in the first block means this is not a text format we read."""
    return b"\x00" in head[:8192]


def iter_lines(
    path: Path,
    origin: str,
    problems: list[Rejected | Repaired],
    progress: ReadProgress | None = None,
) -> Iterator[str]:
    """Yield the file's text lines without their line ends, decompressing gzip.

    A line that is not valid UTF-8 is decoded as Latin-1 (every byte is a Latin-1
    character, so nothing is lost) and a ``Repaired`` is recorded. A line longer than
    ``MAX_LINE_BYTES`` is rejected and read past; an empty line stands in its place, so
    parsers still count lines right. A truncated or corrupt gzip stream ends
    the file with a ``Rejected`` naming the last good line.

    >>> problems = []
    >>> list(iter_lines(Path("examples/000_6198259b7f70df20.txt"), "000", problems))[1]
    'Accepted by NeurIPS 2024'
    """
    line_number = 0
    with _open_binary(path) as stream:
        try:
            for raw in _raw_lines(stream):
                line_number += 1
                if progress is not None:
                    progress.line = line_number
                    if line_number % PROGRESS_EVERY == 0:
                        progress.done_bytes = _disk_position(stream)
                if isinstance(raw, int):
                    problems.append(
                        Rejected(
                            origin,
                            f"line of {raw:,} bytes, longer than the "
                            f"{MAX_LINE_BYTES:,} a line may have; skipped",
                            line=line_number,
                        )
                    )
                    raw = b""
                yield _decode_line(raw, origin, line_number, problems).rstrip("\r")
            if progress is not None:
                progress.done_bytes = progress.total_bytes
        except (EOFError, OSError, zlib.error) as error:
            problems.append(
                Rejected(
                    origin,
                    f"compressed stream is truncated or corrupt after line {line_number} "
                    f"({error}); the records before it were read",
                    line=line_number + 1,
                )
            )


def _raw_lines(stream: io.BufferedIOBase) -> Iterator[bytes | int]:
    """The stream's lines without their "\\n", cut from blocks of up to ``READ_BLOCK``
    bytes: reading a gzip stream line by line cost four times as much (16 million empty
    lines: 6.0 -> 1.1 s). A line longer than ``MAX_LINE_BYTES`` comes out as its length
    in bytes, "\\n" included: it is read past, never held whole. ``read1`` hands over
    what one read of the file gave, so a gzip stream cut short loses no line before the
    break."""
    pending: list[bytes] = []  # the start of a line that a later block ends, in pieces
    pending_bytes = 0
    overlong = -1  # while reading past an over-long line: its bytes so far
    while block := stream.read1(READ_BLOCK):
        parts = block.split(b"\n")
        rest = parts.pop()  # after the last "\n" of the block
        for part in parts:
            if overlong >= 0:
                yield overlong + len(part) + 1
                overlong = -1
                continue
            if pending:
                part = b"".join((*pending, part))
                pending, pending_bytes = [], 0
            yield part if len(part) <= MAX_LINE_BYTES else len(part) + 1
        if overlong >= 0:
            overlong += len(rest)
        elif rest:
            pending.append(rest)
            pending_bytes += len(rest)
            if pending_bytes > MAX_LINE_BYTES:
                overlong, pending, pending_bytes = pending_bytes, [], 0
    if overlong >= 0:
        yield overlong
    elif pending:
        yield b"".join(pending)


def _decode_line(
    raw: bytes, origin: str, line_number: int, problems: list[Rejected | Repaired]
) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(
            Repaired(
                origin,
                f"not valid UTF-8 (byte {raw[error.start]:#04x} at column "
                f"{error.start + 1}); read as Latin-1",
                line=line_number,
            )
        )
        return raw.decode("latin-1")
