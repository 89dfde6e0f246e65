"""Where the stages are wired: files -> parsers -> merged works and authors in the store.

``ingest_paths`` reads each file through ``scholarscope.ingest.load_path`` and writes
records in batches, one transaction per batch: a batch is stored whole or not at all, so
an interrupted ingest leaves the database as it was before that batch, and nothing
already stored is ever deleted.

How records become works (merging across sources): a record's keys are its scheme ids
(``arxiv:…``, ``doi:…``, ``openalex:W…``, ``s2:…``), when it has a title and a year
``title:<folded title>|<year>``, and when it has an abstract of some length
``abstract:<hash of the folded abstract>``. A record joins the work any of its ids
already leads to; failing that, the work its title key leads to; failing that, if the
record lacks ids or a title (a feed copy: id and abstract only; a profile page block: no
id), the work its abstract key leads to: such a record is a copy of a paper's record,
never another version of it; failing that, it starts a new work. A title or abstract
never joins two works that carry different ids of one scheme. When a record's ids lead
to two different works, those works are merged into one.
Each source's record is kept whole beside the others (``work_record``), keyed by the
source and the record's own key, so re-ingesting a file replaces records in place.

A record's keys and stored text are computed before its batch (``prepared_record.py``);
a big file is parsed in a second process while this one writes (``read_ahead.py``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from scholarscope.authors import folded_name, name_key
from scholarscope.ingest import load_path
from scholarscope.ingest.files import ReadProgress
from scholarscope.pipeline.prepared_record import PreparedRecord, prepare_record
from scholarscope.pipeline.read_ahead import can_read_ahead, read_ahead
from scholarscope.pipeline.resolve import AuthorResolver
from scholarscope.pipeline.versions import link_versions
from scholarscope.records import (
    Deleted,
    ParseItem,
    Rejected,
    Repaired,
    StatedMetrics,
    Work,
    fold_text,
    ids_clash,
    update_work,
)
from scholarscope.store import Store
from scholarscope.store.codec import work_from_json

BATCH_SIZE = 2000
MAX_KEPT_MESSAGES = 1000  # rejections (and repairs) of one file kept word for word


@dataclass
class FileReport:
    """What ingesting one file did."""

    path: str
    read: int = 0  # work records parsed
    profiles: int = 0  # stated author figures parsed (profile headers, author objects)
    new: int = 0  # records that started a new work
    merged: int = 0  # records that joined a work already stored (from any source)
    unchanged: int = 0  # records identical to the stored copy
    rejected: int = 0
    repaired: int = 0
    deleted: int = 0  # records the source says were withdrawn: nothing stored
    # the first MAX_KEPT_MESSAGES rejections and repairs (warnings), each "file:line:
    # reason"; the counts above are exact, so memory stays flat however bad a file is
    messages: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    def reject(self, message: str) -> None:
        self.rejected += 1
        if len(self.messages) < MAX_KEPT_MESSAGES:
            self.messages.append(message)

    def repair(self, message: str) -> None:
        self.repaired += 1
        if len(self.repairs) < MAX_KEPT_MESSAGES:
            self.repairs.append(message)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "read": self.read,
            "profiles": self.profiles,
            "new": self.new,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "repaired": self.repaired,
            "messages": self.messages,
            "repairs": self.repairs,
        }


def record_key(work: Work, owner: str | None) -> str | None:
    """The source's own key for a record: its first id; for a profile-page block (no
    ids) the page owner and folded title."""
    return _record_key(work.ids, work.title, owner)


def _record_key(ids: tuple[str, ...], title: str | None, owner: str | None) -> str | None:
    if ids:
        return ids[0]
    if owner and title:
        return f"page:{folded_name(owner)}:{fold_text(title)}"
    return None


@lru_cache(maxsize=256)
def _file_name(origin: str) -> str:
    """Records are stored under their file's name, not the path it was read from, so the
    same file ingested from two folders is the same origin."""
    return Path(origin).name


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _BatchWriter:
    """Resolves a batch of prepared records to works and authors and writes them in one
    transaction. Lookups are prefetched per batch; rows are written with executemany."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.next_work_id = self.next_author_id = 0  # read inside each batch's transaction
        self.page_owner: dict[str, str] = {}  # origin -> owner name of a profile page
        self.seq: dict[str, int] = {}

    def write(self, items: list[PreparedRecord | StatedMetrics], report: FileReport) -> None:
        with self.store.transaction():
            # Another process may have written since our last batch (two ingests, or an
            # upload to the server, into one database): ids are read under the write
            # lock, so every writer's ids follow the last one committed.
            self.next_work_id, self.next_author_id = self.store.max_ids()
            self._write(items, report)
        # authors.py memoises name folding for the whole process. Over a bulk ingest that
        # cache only grows (memory would grow with the file, and every full garbage
        # collection walks it), so it is emptied after each batch.
        folded_name.cache_clear()
        name_key.cache_clear()

    def _write(self, items: list[PreparedRecord | StatedMetrics], report: FileReport) -> None:
        store = self.store
        now = _now()
        records: list[PreparedRecord] = []
        stated: list[StatedMetrics] = []
        for item in items:
            if isinstance(item, StatedMetrics):
                stated.append(item)
                if item.owns_origin_works:
                    self.page_owner[item.origin] = item.author.name
            else:
                records.append(item)
        keyed: list[tuple[PreparedRecord, str]] = []
        for record in records:
            key = _record_key(record.ids, record.title, self.page_owner.get(record.origin))
            if key is None:
                report.read -= 1
                report.reject(
                    Rejected(record.origin, "record has no id and no title to key it by").message()
                )
                continue
            keyed.append((record, key))

        hashes: dict[tuple[str, str], str] = {}
        for source in {record.source for record, _ in keyed}:
            source_keys = [key for record, key in keyed if record.source == source]
            for rkey, digest in store.find_record_hashes(source, source_keys).items():
                hashes[(source, rkey)] = digest
        keyed = self._updated(keyed, hashes)
        work_keys = store.find_work_keys([k for record, _ in keyed for k in record.keys])

        new_works: list[tuple[int, str]] = []
        key_rows: list[tuple[str, int]] = []
        record_rows: list[tuple[object, ...]] = []
        citation_rows: list[tuple[object, ...]] = []
        placed: list[tuple[PreparedRecord, int]] = []
        existing_work_ids: set[int] = set()
        for record, rkey in keyed:
            # the record's place in its file, counted over every record (unchanged ones
            # too): a re-run after an interruption numbers the rest as the first run would
            seq = self.seq.get(record.origin, 0) + 1
            self.seq[record.origin] = seq
            if hashes.get((record.source, rkey)) == record.digest:
                report.unchanged += 1
                continue
            found = sorted({work_keys[k] for k in record.ids if k in work_keys})
            text_keys = [record.title_key, record.abstract_key if record.partial else None]
            for text_key in text_keys:
                if found or text_key is None or text_key not in work_keys:
                    continue
                candidate = work_keys[text_key]
                self._flush(new_works, key_rows, record_rows, citation_rows)
                if not ids_clash(store.work_keys([candidate]).get(candidate, []), record.ids):
                    found = [candidate]
            if not found:
                self.next_work_id += 1
                work_id = self.next_work_id
                new_works.append((work_id, now))
                report.new += 1
            else:
                work_id = found[0]
                existing_work_ids.add(work_id)
                report.merged += 1
                for other in found[1:]:
                    # flush what is pending so the merge sees every row, then merge
                    self._flush(new_works, key_rows, record_rows, citation_rows)
                    store.merge_works(work_id, other)
                    for k, v in list(work_keys.items()):
                        if v == other:
                            work_keys[k] = work_id
                    # records of this batch already placed on the merged-away work
                    placed = [(r, work_id if w == other else w) for r, w in placed]
                    existing_work_ids.discard(other)
            for k in record.keys:
                if k not in work_keys:
                    work_keys[k] = work_id
                    key_rows.append((k, work_id))
            record_rows.append(
                (
                    record.source,
                    rkey,
                    work_id,
                    _file_name(record.origin),
                    seq,
                    record.digest,
                    record.text,
                    now,
                )
            )
            for c_source, as_of, count, by_year in record.citations:
                citation_rows.append((work_id, c_source, as_of, count, by_year))
            placed.append((record, work_id))
            # a later copy in this batch compares with this one, not with what was stored
            hashes[(record.source, rkey)] = record.digest
        self._flush(new_works, key_rows, record_rows, citation_rows)
        # a stored work got a new or changed record: what enrichment derived is stale
        store.forget_enrichments(sorted(existing_work_ids))
        self._write_authors(placed, existing_work_ids, stated)
        # which of these works are versions of another paper (pipeline/versions.py)
        keys = [(w, r.title_key, work_keys.get(r.abstract_key or "")) for r, w in placed]
        link_versions(store, keys)

    def _updated(
        self, keyed: list[tuple[PreparedRecord, str]], hashes: dict[tuple[str, str], str]
    ) -> list[tuple[PreparedRecord, str]]:
        """A changed record of a source over its stored one: the two merged field by field
        (``records.update_work``: what the later one leaves null keeps the stored value).
        A record repeated within the batch is merged over its first copy likewise."""
        changed = [
            (record, rkey)
            for record, rkey in keyed
            if hashes.get((record.source, rkey), record.digest) != record.digest
        ]
        stored: dict[tuple[str, str], str] = {}
        for source in {record.source for record, _ in changed}:
            source_keys = [rkey for record, rkey in changed if record.source == source]
            for rkey, stored_text in self.store.find_records(source, source_keys).items():
                stored[(source, rkey)] = stored_text
        result: list[tuple[PreparedRecord, str]] = []
        for record, rkey in keyed:
            before = stored.get((record.source, rkey))
            if before is not None and before != record.text:
                earlier = work_from_json(before, record.origin)
                record = prepare_record(
                    update_work(earlier, work_from_json(record.text, record.origin))
                )
            stored[(record.source, rkey)] = record.text  # what a repeat in the batch updates
            result.append((record, rkey))
        return result

    def _flush(
        self,
        new_works: list[tuple[int, str]],
        key_rows: list[tuple[str, int]],
        record_rows: list[tuple[object, ...]],
        citation_rows: list[tuple[object, ...]],
    ) -> None:
        store = self.store
        store.insert_works(new_works)
        store.insert_work_keys(key_rows)
        store.upsert_work_records(record_rows)
        store.upsert_citations(citation_rows)
        new_works.clear()
        key_rows.clear()
        record_rows.clear()
        citation_rows.clear()

    def _write_authors(
        self,
        placed: list[tuple[PreparedRecord, int]],
        existing_work_ids: set[int],
        stated: list[StatedMetrics],
    ) -> None:
        store = self.store
        stated_bylines = [
            (
                s.author.name,
                folded_name(s.author.name),
                s.author.ids or (name_key(s.source, s.author.name),),
            )
            for s in stated
        ]
        wanted = [k for record, _ in placed for byline in record.authors for k in byline[2]]
        wanted.extend(k for _, _, keys in stated_bylines for k in keys)
        touched = sorted(existing_work_ids)
        resolver = AuthorResolver(
            store,
            store.find_author_keys(wanted),
            store.work_authors(touched),
            store.author_pins(touched),  # a new work has no pins
            self.next_author_id,
        )
        authorship_rows = []
        for record, work_id in placed:
            source = record.source
            for name, folded, keys, ids, position, affiliation in record.authors:
                found = resolver.resolve(name, folded, keys, ids, source, work_id)
                authorship_rows.append(
                    (
                        work_id,
                        found.author_id,
                        source,
                        position,
                        name,
                        affiliation,
                        found.rule,
                        found.evidence,
                    )
                )
        stated_rows = []
        for s, (name, folded, keys) in zip(stated, stated_bylines, strict=True):
            author_id = resolver.resolve(name, folded, keys, s.author.ids, s.source, None).author_id
            stated_rows.append(
                (
                    author_id,
                    s.source,
                    _file_name(s.origin),
                    s.as_of or "",
                    s.field,
                    s.h_index,
                    s.i10_index,
                    s.papers,
                    s.citations,
                    s.novelty,
                    s.ai_score,
                )
            )
        self.next_author_id = resolver.next_author_id
        store.insert_authors(resolver.new_authors)
        store.insert_author_keys(resolver.key_rows)
        store.upsert_authorships(authorship_rows)
        store.upsert_stated_metrics(stated_rows)


ProgressCallback = Callable[[FileReport, ReadProgress], None]


def ingest_items(
    store: Store,
    items: Iterable[ParseItem | PreparedRecord],
    report: FileReport,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[FileReport], None] | None = None,
    writer: _BatchWriter | None = None,
) -> FileReport:
    """Store parsed records (any mix of formats), ``batch_size`` per transaction."""
    writer = writer or _BatchWriter(store)
    batch: list[PreparedRecord | StatedMetrics] = []
    for item in items:
        if isinstance(item, Rejected):
            report.reject(item.message())
            continue
        if isinstance(item, Repaired):
            report.repair(item.message())
            continue
        if isinstance(item, Deleted):
            report.deleted += 1
            continue
        if isinstance(item, Work):
            report.read += 1
            batch.append(prepare_record(item))
        elif isinstance(item, PreparedRecord):  # prepared by the reading process
            report.read += 1
            batch.append(item)
        else:
            report.profiles += 1
            batch.append(item)
        if len(batch) >= batch_size:
            writer.write(batch, report)
            batch = []
            if on_batch:
                on_batch(report)
    if batch:
        writer.write(batch, report)
    if on_batch:
        on_batch(report)
    return report


def ingest_paths(
    store: Store,
    paths: Iterable[Path],
    on_progress: ProgressCallback | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[FileReport]:
    """Ingest files (folders are walked, sorted by name); one report per file.

    A file of ``READ_AHEAD_MIN_BYTES`` or more is parsed in a second process while this
    one writes (``read_ahead.py``); the records, and so the database, are the same.

    >>> from scholarscope.store import open_store
    >>> [r.new for r in ingest_paths(open_store(":memory:"),
    ...     [Path("examples/000_6198259b7f70df20.txt")])]
    [10]
    """
    writer = _BatchWriter(store)
    reports = []
    for path in expand_paths(paths):
        report = FileReport(str(path))
        progress = ReadProgress(total_bytes=path.stat().st_size if path.is_file() else 0)
        callback = (lambda r, p=progress: on_progress(r, p)) if on_progress else None
        reading: contextlib.AbstractContextManager[Iterator[ParseItem | PreparedRecord]]
        if can_read_ahead(progress.total_bytes):
            reading = read_ahead(path, str(path), progress, batch_size)
        else:
            reading = contextlib.nullcontext(load_path(path, str(path), progress))
        with reading as items:
            ingest_items(
                store, items, report, batch_size=batch_size, on_batch=callback, writer=writer
            )
        reports.append(report)
    if any(report.new or report.merged for report in reports):
        store.optimize_after_writes()
    return reports


def _keep_unlisted(found: list[Path]) -> Callable[[OSError], None]:
    """``os.walk``'s error handler: a folder it cannot list goes in ``found`` too."""

    def keep(error: OSError) -> None:
        found.append(Path(str(error.filename)))

    return keep


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """The paths named, with folders replaced by everything under them that is not a
    folder, sorted. Named pipes, dangling links and folders that cannot be listed are
    kept in the list, so that reading names each with its reason instead of skipping
    it unseen (``ingest.load_path``)."""
    result: list[Path] = []
    for path in paths:
        if not path.is_dir():
            result.append(path)
            continue
        found: list[Path] = []
        for folder, folders, files in os.walk(path, onerror=_keep_unlisted(found)):
            found.extend(Path(folder) / name for name in files)
            found.extend(  # links to folders are not followed (a loop would never end)
                Path(folder) / name for name in folders if (Path(folder) / name).is_symlink()
            )
        result.extend(sorted(found))
    return result
