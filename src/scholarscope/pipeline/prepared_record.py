"""A parsed Work reduced to what the ingest writer stores and looks up (``PreparedRecord``).

Everything here is computed from one record alone, so it runs before the record's batch
is written, in the writing process or in the reading one (``read_ahead.py``). It holds
the keys that lead a record to a work already stored: ``title_key`` and
``abstract_key`` beside the record's scheme ids (how they are used: ``ingest.py``).
"""

from __future__ import annotations

import json
from typing import NamedTuple

from scholarscope.authors import folded_name, name_key
from scholarscope.records import Work, fold_text
from scholarscope.store.codec import json_hash, work_to_json

MIN_TITLE_KEY_CHARS = 20  # shorter titles ("Introduction") are too common to match on
MIN_ABSTRACT_KEY_CHARS = 300  # an abstract this long is one paper's own text


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


def abstract_key(work: Work) -> str | None:
    """``abstract:<hash of the folded abstract>``, or None without an abstract of
    ``MIN_ABSTRACT_KEY_CHARS`` folded characters (a short one may be shared by chance).

    >>> abstract_key(Work(ids=(), source="x", origin="f", abstract="Short."))  # None
    >>> abstract_key(Work(ids=(), source="x", origin="f", abstract="Noisy labels " * 30))
    'abstract:88617154cabffe492e8e8cd45d0122aa'
    """
    if not work.abstract:
        return None
    folded = fold_text(work.abstract)
    if len(folded) < MIN_ABSTRACT_KEY_CHARS:
        return None
    return f"abstract:{json_hash(folded)}"


# One author of a prepared record: (name as written, folded name, the keys that find
# the person -- their ids, else a name key --, their ids, position, affiliation).
_Byline = tuple[str, str, tuple[str, ...], tuple[str, ...], int | None, str | None]


class PreparedRecord(NamedTuple):
    """A parsed Work reduced to what the writer stores and looks up. Everything here is
    computed from the record alone, before its batch's transaction, and is made of plain
    values (cheap to keep, and to send from a reading process)."""

    source: str
    origin: str
    ids: tuple[str, ...]
    title: str | None
    title_key: str | None
    abstract_key: str | None
    partial: bool  # no ids or no title: the abstract key may join it to a stored work
    keys: tuple[str, ...]  # ids, then the title and abstract keys: what leads to a work
    text: str  # the record as stored (codec.work_to_json)
    digest: str  # json_hash(text)
    citations: tuple[tuple[str, str, int, str], ...]  # (source, as_of, count, by_year JSON)
    authors: tuple[_Byline, ...]


def prepare_record(work: Work) -> PreparedRecord:
    text = work_to_json(work)
    tkey = title_key(work)
    akey = abstract_key(work)
    source = work.source
    authors = []
    for authorship in work.authors:
        name, ids = authorship.author.name, authorship.author.ids
        keys = ids or (name_key(source, name),)
        authors.append(
            (name, folded_name(name), keys, ids, authorship.position, authorship.affiliation)
        )
    return PreparedRecord(
        source=source,
        origin=work.origin,
        ids=work.ids,
        title=work.title,
        title_key=tkey,
        abstract_key=akey,
        partial=not work.ids or not work.title,
        keys=(*work.ids, *(key for key in (tkey, akey) if key)),
        text=text,
        digest=json_hash(text),
        citations=tuple(
            (c.source, c.as_of or "", c.count, json.dumps(c.by_year)) for c in work.citations
        ),
        authors=tuple(authors),
    )
