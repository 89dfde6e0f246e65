"""Parsers, one module per input format, and the two entry points that pick one.

Every format module offers the same two functions:

- ``looks_like(head: str) -> bool`` — does this text (the first 64 KiB of a file,
  decompressed) look like my format? Decided by content, never by file name.
- ``parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]`` — pure: text lines
  in, ``Work`` / ``StatedMetrics`` / ``Rejected`` / ``Repaired`` out, streaming where
  the format allows it.

``load_path`` opens a file (gzip or not), detects its format and runs the parser.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from scholarscope.ingest import (
    arxiv_atom,
    arxiv_feed,
    arxiv_snapshot,
    bibtex,
    openalex,
    profile_page,
    semantic_scholar,
)
from scholarscope.ingest.files import ReadProgress, decode_head, is_binary, iter_lines, read_head
from scholarscope.records import ParseItem, Rejected, Repaired, Work, check_work

# Most specific first: detection stops at the first module whose looks_like() is true.
# BibTeX (the first thing in the file is an "@entry{") comes before the two plain-text
# formats, which take text with no marker of its own.
FORMATS: dict[str, ModuleType] = {
    "arxiv_atom": arxiv_atom,
    "openalex": openalex,
    "semantic_scholar": semantic_scholar,
    "arxiv_snapshot": arxiv_snapshot,
    "bibtex": bibtex,
    "profile_page": profile_page,
    "arxiv_feed": arxiv_feed,
}


def detect_format(head: str) -> str | None:
    """Name of the format whose parser recognises this text, or None.

    >>> detect_format('{"id": "2503.11731", "authors": "A. B", "abstract": "x", '
    ...               '"categories": "cs.CV"}')
    'arxiv_snapshot'
    """
    for name, module in FORMATS.items():
        if module.looks_like(head):
            return name
    return None


def load_path(
    path: Path, origin: str | None = None, progress: ReadProgress | None = None
) -> Iterator[ParseItem]:
    """Read one file of any supported format, plain or gzip-compressed.

    Yields parsed records; problems come out as ``Rejected``/``Repaired`` items in the
    same stream, so one bad record never stops the rest. Every Work passes the checks of
    ``records.check_work`` (a date that is no calendar day is dropped and reported, a
    record past the size limits is rejected).
    """
    origin = origin or str(path)
    problem = _not_a_readable_file(path)
    if problem:
        yield Rejected(origin, problem)
        return
    try:
        head = read_head(path)
    except OSError as error:
        yield Rejected(origin, f"cannot be read: {error.strerror or error}")
        return
    if is_binary(head):
        yield Rejected(origin, "binary content (NUL bytes), not a scholarly metadata format")
        return
    text_head = decode_head(head)
    if not text_head.strip():  # str.strip() also takes U+001C-U+001F, NEL, U+3000 …
        yield Rejected(origin, "the file is empty (nothing but blank characters)")
        return
    name = detect_format(text_head)
    if name is None:
        first_line = text_head.strip().splitlines()[0][:80]
        yield Rejected(origin, f"not in any known format (it begins {first_line!r})")
        return
    problems: list[Rejected | Repaired] = []
    progress = progress or ReadProgress(total_bytes=0)
    for item in FORMATS[name].parse(iter_lines(path, origin, problems, progress), origin):
        if problems:
            yield from problems
            problems.clear()
        if isinstance(item, Work):
            checked, reason = check_work(item)
            record = item.ids[0] if item.ids else repr(item.title)
            if checked is None:
                yield Rejected(origin, reason or "", line=progress.line, record=record)
                continue
            if reason is not None:
                yield Repaired(origin, f"record {record}: {reason}", line=progress.line)
            item = checked
        yield item
    yield from problems


def _not_a_readable_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None. Asked before opening it: opening a
    FIFO waits for a writer forever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return f"a link to {os.readlink(path)}, which does not exist"
        return "no such file"
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    if stat.S_ISDIR(mode) and path.is_symlink():
        return f"a link to the folder {os.readlink(path)}: not followed (name the folder)"
    if stat.S_ISDIR(mode):
        return "a folder that cannot be listed (permission denied): its files were not read"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file: skipped, reading it could wait forever"
    if not stat.S_ISREG(mode):
        return "not a regular file (a socket or a device): skipped"
    return None
