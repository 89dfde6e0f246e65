"""Where the stages are wired: files -> parsers -> merged works and authors in the store.

``ingest_paths`` reads each file through ``scholarscope.ingest.load_path`` and writes
records in batches, one transaction per batch: a batch is stored whole or not at all, so
an interrupted ingest leaves the database as it was before that batch, and nothing
already stored is ever deleted.

How records become works (merging across sources): a record's keys are its scheme ids
(``arxiv:…``, ``doi:…``, ``openalex:W…``, ``s2:…``) and, when it has a title and a year,
``title:<folded title>|<year>``. A record joins the work any of its ids already leads
to; failing that, the work its title key leads to; failing that, it starts a new work.
When a record's ids lead to two different works, those works are merged into one.
Each source's record is kept whole beside the others (``work_record``), keyed by the
source and the record's own key, so re-ingesting a file replaces records in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from scholarscope.authors import folded_name, id_scheme_of, name_key, names_compatible
from scholarscope.ingest import load_path
from scholarscope.ingest.files import ReadProgress
from scholarscope.records import (
    ParseItem,
    Rejected,
    Repaired,
    StatedMetrics,
    Work,
    fold_text,
)
from scholarscope.store import Store
from scholarscope.store.codec import json_hash, work_to_json

BATCH_SIZE = 2000
MIN_TITLE_KEY_CHARS = 20  # shorter titles ("Introduction") are too common to match on


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
    messages: list[str] = field(default_factory=list)

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
        }


def title_key(work: Work) -> str | None:
    """``title:<folded title>|<year>``, or None without a usable title and year.

    >>> title_key(Work(ids=(), source="x", origin="f", title="Selective-Supervised "
    ...     "Contrastive Learning with Noisy Labels", year=2022))
    'title:selective supervised contrastive learning with noisy labels|2022'
    """
    if not work.title or work.year is None:
        return None
    folded = fold_text(work.title)
    if len(folded) < MIN_TITLE_KEY_CHARS:
        return None
    return f"title:{folded}|{work.year}"


def record_key(work: Work, owner: str | None) -> str | None:
    """The source's own key for a record: its first id; for a profile-page block (no
    ids) the page owner and folded title."""
    if work.ids:
        return work.ids[0]
    if owner and work.title:
        return f"page:{folded_name(owner)}:{fold_text(work.title)}"
    return None


def _ids_conflict(ids: list[str], other_keys: list[str]) -> bool:
    """Do two works carry different ids of the same scheme (two arXiv ids, two OpenAlex
    ids)? Then a shared title does not make them one work: arXiv holds real resubmissions
    of one title under two ids.

    >>> _ids_conflict(["arxiv:2506.03038"], ["arxiv:2505.17997", "title:x|2025"])
    True
    """
    theirs = {k.split(":", 1)[0]: k for k in other_keys if not k.startswith("title:")}
    return any(k.split(":", 1)[0] in theirs and theirs[k.split(":", 1)[0]] != k for k in ids)


@lru_cache(maxsize=256)
def _file_name(origin: str) -> str:
    """Records are stored under their file's name, not the path it was read from, so the
    same file ingested from two folders is the same origin."""
    return Path(origin).name


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _BatchWriter:
    """Resolves a batch of parsed records to works and authors and writes them in one
    transaction. Lookups are prefetched per batch; rows are written with executemany."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.next_work_id, self.next_author_id = store.max_ids()
        self.page_owner: dict[str, str] = {}  # origin -> owner name of a profile page
        self.seq: dict[str, int] = {}

    def write(self, items: list[Work | StatedMetrics], report: FileReport) -> None:
        with self.store.transaction():
            self._write(items, report)
        # authors.py memoises name folding for the whole process. Over a bulk ingest that
        # cache only grows (memory would grow with the file, and every full garbage
        # collection walks it), so it is emptied after each batch.
        folded_name.cache_clear()
        name_key.cache_clear()

    def _write(self, items: list[Work | StatedMetrics], report: FileReport) -> None:
        store = self.store
        now = _now()
        works = [item for item in items if isinstance(item, Work)]
        keyed: list[tuple[Work, str, list[str], str | None]] = []
        for item in items:
            if isinstance(item, StatedMetrics) and item.owns_origin_works:
                self.page_owner[item.origin] = item.author.name
        for work in works:
            key = record_key(work, self.page_owner.get(work.origin))
            if key is None:
                report.rejected += 1
                report.read -= 1
                report.messages.append(
                    Rejected(work.origin, "record has no id and no title to key it by").message()
                )
                continue
            keyed.append((work, key, list(work.ids), title_key(work)))

        all_keys = [k for _, _, ids, tkey in keyed for k in [*ids, *([tkey] if tkey else [])]]
        work_keys = store.find_work_keys(all_keys)
        hashes: dict[tuple[str, str], str] = {}
        for source in {w.source for w, *_ in keyed}:
            source_keys = [key for w, key, _, _ in keyed if w.source == source]
            for rkey, digest in store.find_record_hashes(source, source_keys).items():
                hashes[(source, rkey)] = digest

        new_works: list[tuple[int, str]] = []
        key_rows: list[tuple[str, int]] = []
        record_rows: list[tuple[object, ...]] = []
        citation_rows: list[tuple[object, ...]] = []
        placed: list[tuple[Work, int]] = []
        existing_work_ids: set[int] = set()
        for work, rkey, ids, tkey in keyed:
            text = work_to_json(work)
            digest = json_hash(text)
            if hashes.get((work.source, rkey)) == digest:
                report.unchanged += 1
                continue
            found = sorted({work_keys[k] for k in ids if k in work_keys})
            if not found and tkey and tkey in work_keys:
                candidate = work_keys[tkey]
                self._flush(new_works, key_rows, record_rows, citation_rows)
                if not _ids_conflict(ids, store.work_keys([candidate]).get(candidate, [])):
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
            for k in [*ids, *([tkey] if tkey else [])]:
                if k not in work_keys:
                    work_keys[k] = work_id
                    key_rows.append((k, work_id))
            seq = self.seq.get(work.origin, 0) + 1
            self.seq[work.origin] = seq
            record_rows.append(
                (work.source, rkey, work_id, _file_name(work.origin), seq, digest, text, now)
            )
            for c in work.citations:
                citation_rows.append(
                    (work_id, c.source, c.as_of or "", c.count, json.dumps(c.by_year))
                )
            placed.append((work, work_id))
        self._flush(new_works, key_rows, record_rows, citation_rows)
        self._write_authors(placed, existing_work_ids, items)

    def _flush(self, new_works, key_rows, record_rows, citation_rows) -> None:  # type: ignore[no-untyped-def]
        store = self.store
        store.insert_works(new_works)
        store.insert_work_keys(key_rows)
        store.upsert_work_records(record_rows)
        store.upsert_citations(citation_rows)
        for rows in (new_works, key_rows, record_rows, citation_rows):
            rows.clear()

    def _write_authors(
        self,
        placed: list[tuple[Work, int]],
        existing_work_ids: set[int],
        items: list[Work | StatedMetrics],
    ) -> None:
        store = self.store
        stated = [item for item in items if isinstance(item, StatedMetrics)]
        wanted: list[str] = []
        for work, _ in placed:
            for a in work.authors:
                wanted.extend(a.author.ids or [name_key(work.source, a.author.name)])
        for s in stated:
            wanted.extend(s.author.ids or [name_key(s.source, s.author.name)])
        author_keys = store.find_author_keys(wanted)
        work_authors = store.work_authors(sorted(existing_work_ids))
        keys_of: dict[int, set[str]] = {}
        new_authors: list[tuple[int, str, str]] = []
        key_rows: list[tuple[str, int]] = []

        def keys_for(author_id: int) -> set[str]:
            if author_id not in keys_of:
                keys_of[author_id] = store.author_keys_of([author_id]).get(author_id, set())
            return keys_of[author_id]

        def resolve(name: str, ids: tuple[str, ...], source: str, work_id: int | None) -> int:
            folded = folded_name(name)
            keys = list(ids) if ids else [name_key(source, name)]
            author_id = next((author_keys[k] for k in keys if k in author_keys), None)
            if author_id is None and work_id is not None:
                author_id = same_work_author(folded, ids, source, work_id)
            if author_id is None:
                self.next_author_id += 1
                author_id = self.next_author_id
                new_authors.append((author_id, name, folded))
                keys_of[author_id] = set()
            for k in keys:
                if k not in author_keys:
                    author_keys[k] = author_id
                    key_rows.append((k, author_id))
                    keys_for(author_id).add(k)
            if work_id is not None:
                work_authors.setdefault(work_id, []).append((author_id, folded, source))
            return author_id

        def same_work_author(
            folded: str, ids: tuple[str, ...], source: str, work_id: int
        ) -> int | None:
            """Rule 3: a compatible name on the same work from another source, unless
            the two carry different ids of one scheme (two OpenAlex people stay two)."""
            schemes = {id_scheme_of(k): k for k in ids}
            for candidate, candidate_folded, candidate_source in work_authors.get(work_id, []):
                if candidate_source == source or not names_compatible(folded, candidate_folded):
                    continue
                clash = any(
                    id_scheme_of(k) in schemes and k != schemes[id_scheme_of(k)]
                    for k in keys_for(candidate)
                )
                if not clash:
                    return candidate
            return None

        authorship_rows = []
        for work, work_id in placed:
            for a in work.authors:
                author_id = resolve(a.author.name, a.author.ids, work.source, work_id)
                authorship_rows.append(
                    (work_id, author_id, work.source, a.position, a.author.name, a.affiliation)
                )
        stated_rows = []
        for s in stated:
            author_id = resolve(s.author.name, s.author.ids, s.source, None)
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
        store.insert_authors(new_authors)
        store.insert_author_keys(key_rows)
        store.upsert_authorships(authorship_rows)
        store.upsert_stated_metrics(stated_rows)


ProgressCallback = Callable[[FileReport, ReadProgress], None]


def ingest_items(
    store: Store,
    items: Iterable[ParseItem],
    report: FileReport,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[FileReport], None] | None = None,
    writer: _BatchWriter | None = None,
) -> FileReport:
    """Store parsed records (any mix of formats), ``batch_size`` per transaction."""
    writer = writer or _BatchWriter(store)
    batch: list[Work | StatedMetrics] = []
    for item in items:
        if isinstance(item, Rejected):
            report.rejected += 1
            report.messages.append(item.message())
            continue
        if isinstance(item, Repaired):
            report.repaired += 1
            report.messages.append(item.message())
            continue
        if isinstance(item, Work):
            report.read += 1
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

    >>> from scholarscope.store import open_store
    >>> [r.new for r in ingest_paths(open_store(":memory:"),
    ...     [Path("examples/000_6198259b7f70df20.txt")])]
    [10]
    """
    writer = _BatchWriter(store)
    reports = []
    for path in _expand(paths):
        report = FileReport(str(path))
        progress = ReadProgress(total_bytes=path.stat().st_size if path.is_file() else 0)
        callback = (lambda r, p=progress: on_progress(r, p)) if on_progress else None
        ingest_items(
            store,
            load_path(path, str(path), progress),
            report,
            batch_size=batch_size,
            on_batch=callback,
            writer=writer,
        )
        reports.append(report)
    return reports


def _expand(paths: Iterable[Path]) -> list[Path]:
    result: list[Path] = []
    for path in paths:
        if path.is_dir():
            result.extend(p for p in sorted(path.rglob("*")) if p.is_file())
        else:
            result.append(path)
    return result
