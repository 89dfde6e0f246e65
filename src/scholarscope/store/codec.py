"""Work records to and from the JSON text kept in ``work_record.record``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from typing import Any

import orjson

from scholarscope.records import Author, Authorship, CitationCount, Work

# ``origin`` (the file a record was read from) is kept in its own column, not in the
# record: the same record read from two files is the same record, unchanged.
_WORK_FIELDS = tuple(f.name for f in fields(Work) if f.name != "origin")


def work_to_json(work: Work) -> str:
    """Stable JSON for a Work (sorted keys, so equal works give equal text).

    Written out by hand because ``dataclasses.asdict`` deep-copies every value and was
    the slowest step of ingest.
    """
    data: dict[str, Any] = {name: getattr(work, name) for name in _WORK_FIELDS}
    if not work.stated_fields:  # a record without one reads as before it existed
        del data["stated_fields"]
    data["authors"] = [
        {
            "author": {"name": a.author.name, "ids": a.author.ids},
            "position": a.position,
            "affiliation": a.affiliation,
        }
        for a in work.authors
    ]
    data["citations"] = [
        {"source": c.source, "count": c.count, "as_of": c.as_of, "by_year": c.by_year}
        for c in work.citations
    ]
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def json_hash(text: str) -> str:
    """Short content hash used to tell an unchanged record from a changed one."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def work_from_json(text: str, origin: str, max_authors: int | None = None) -> Work:
    """The inverse of ``work_to_json``, given the origin stored beside the record.

    ``max_authors``: keep only the first ``max_authors`` authors with a position (and
    those without one), and mark the list cut (``et_al``), as lists of works show them: a
    record can name 3,000 authors, and building each one's objects cost 9 ms. Such a
    Work is for showing, never to store. (orjson: lists decode every record they show,
    at twice the speed of the json module.)
    """
    data: dict[str, Any] = orjson.loads(text)
    data["origin"] = origin
    data["ids"] = tuple(data["ids"])
    data["categories"] = tuple(data["categories"])
    data["stated_fields"] = tuple(data.get("stated_fields", ()))
    if max_authors is not None:
        placed = [a for a in data["authors"] if a["position"] is not None]
        if len(placed) > max_authors:
            unplaced = [a for a in data["authors"] if a["position"] is None]
            first = sorted(placed, key=lambda a: a["position"])[:max_authors]
            data["authors"], data["et_al"] = first + unplaced, True
    data["authors"] = tuple(
        Authorship(
            author=Author(name=a["author"]["name"], ids=tuple(a["author"]["ids"])),
            position=a["position"],
            affiliation=a["affiliation"],
        )
        for a in data["authors"]
    )
    data["citations"] = tuple(
        CitationCount(
            source=c["source"],
            count=c["count"],
            as_of=c["as_of"],
            by_year=tuple((int(y), int(n)) for y, n in c["by_year"]),
        )
        for c in data["citations"]
    )
    data["extra"] = tuple((k, v) for k, v in data["extra"])
    return Work(**data)
