"""Identity edits a person makes, kept forever: ``scholarscope identity merge|split|undo|
log`` and, on a server started with an admin token, ``POST /admin/identity/...``.

- **merge KEEP DROP**: two author ids are one person. Everything of DROP (its works, its
  source ids and name keys, the figures sources state for it) moves to KEEP; DROP then
  leads to KEEP (pages redirect, ``profile`` follows it), and later ingests that meet its
  source ids or name keys attach works to KEEP.
- **split AUTHOR --works …**: those works' authorships of AUTHOR move to a new person (or
  to a named one). Each is *pinned*: on that work, a byline of that name is that person,
  and ingest consults pins before every automatic rule, so a re-ingest keeps the split.
- **undo EDIT**: moves back what the edit moved. An edit that a later, still standing
  edit builds on (the same people) is undone after that one.

Every edit is appended to ``identity_edit`` with who, when, why and what it moved (the
detail an undo needs); nothing in the log is ever changed or deleted. An edit is applied
in one transaction with its log row: the log never says more or less than was done.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from scholarscope import ids
from scholarscope.authors import folded_name
from scholarscope.profile import NotFound, find_work_id
from scholarscope.store import Store

MERGE, SPLIT, UNDO = "merge", "split", "undo"


@dataclass(frozen=True)
class IdentityEdit:
    """One row of the edit log, as ``identity log --json`` prints it."""

    edit: int
    kind: str  # merge, split or undo
    made_at: str
    made_by: str
    reason: str
    summary: str  # one line a person reads: what moved where
    people: list[str]  # the author:N ids the edit concerns
    undoes: int | None = None
    undone_by: int | None = None
    works: list[str] = field(default_factory=list)  # a split's works
    papers_before: int | None = None  # a merge: KEEP's works before it
    # the keys (source ids, name keys, work ids) that find the same people and works in
    # another database: what ``replay_log`` reads
    anchors: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def author_number(ref: str) -> int:
    """N of ``author:N`` (``ids.stored_number``); anything else is refused (a name may
    mean several people).

    >>> author_number(" author:42 ")
    42
    """
    try:
        number = ids.stored_number(ref, "author")
    except ids.UnknownId as error:
        raise NotFound(str(error)) from None
    if number is None:
        raise ValueError(f"{ref!r} is not an author id: give author:N (see scholarscope authors)")
    return number


def _existing_author(store: Store, ref: str) -> tuple[int, str]:
    number = author_number(ref)
    row = store.author_row(number)
    if row is None:
        merged_into = store.merged_into("author", number)
        later = f": it was merged into author:{merged_into}" if merged_into else ""
        raise NotFound(f"no author with id author:{number}{later}")
    return number, str(row[1])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("give a reason (--reason TEXT): the log keeps why each edit was made")
    return reason


def merge_people(
    store: Store, keep_ref: str, drop_ref: str, reason: str, made_by: str
) -> IdentityEdit:
    """Merge author ``drop_ref`` into ``keep_ref`` (both ``author:N``) and log it.
    ValueError for a bad or identical id or no reason, ``NotFound`` for an id that names
    no author (now).

    Example: ``merge_people(store, "author:3", "author:17", "same ORCID", "ana")``
    """
    reason = _check_reason(reason)
    keep, keep_name = _existing_author(store, keep_ref)
    drop, drop_name = _existing_author(store, drop_ref)
    if keep == drop:
        raise ValueError(f"author:{keep} cannot be merged into itself")
    with store.transaction():
        kept_pairs = {(w, s) for w, s, *_ in store.author_authorships(keep)}
        dropped = store.authorships_full(drop)
        detail = {
            "keep": keep,
            "keep_name": keep_name,
            "drop": drop,
            "drop_name": drop_name,
            "keys": sorted(store.author_keys_of([drop]).get(drop, set())),
            "keep_keys": sorted(store.author_keys_of([keep]).get(keep, set())),
            # (work_id, source, rule, evidence) of the authorships that move to KEEP
            "moved": [[r[0], r[1], r[5], r[6]] for r in dropped if (r[0], r[1]) not in kept_pairs],
            # whole rows of the ones dropped because KEEP has the same authorship
            "dropped": [list(r) for r in dropped if (r[0], r[1]) in kept_pairs],
            "stated": [list(r) for r in store.stated_origins(drop)],
            "aliases": store.author_aliases(drop),
            "pins": [list(r) for r in store.author_pins_of(drop)],
            "papers_before": len(store.author_work_ids(keep)),
        }
        now = _now()
        edit_id = store.add_identity_edit(MERGE, now, made_by, reason, None, json.dumps(detail))
        store.merge_authors(keep, drop, now)
    return _edit_view(store, edit_id)


def split_person(
    store: Store,
    author_ref: str,
    work_refs: list[str],
    reason: str,
    made_by: str,
    into_ref: str | None = None,
) -> IdentityEdit:
    """Move the authorships of ``author_ref`` on the given works (``work:N`` or any id
    of the work) to ``into_ref``, or to a new person named as those works print the
    name, and pin them there; log it.

    Example: ``split_person(store, "author:3", ["arxiv:2409.08598"], "namesake", "ana")``
    """
    reason = _check_reason(reason)
    author, author_name = _existing_author(store, author_ref)
    if not work_refs:
        raise ValueError("name the works to split off (--works ID ...)")
    work_ids = sorted({find_work_id(store, ref) for ref in work_refs})
    with store.transaction():
        rows = store.author_authorships(author, work_ids)
        missing = sorted(set(work_ids) - {row[0] for row in rows})
        if missing:
            raise ValueError(
                f"author:{author} is not an author of {', '.join(f'work:{w}' for w in missing)}"
            )
        if len({row[0] for row in rows}) == len(store.author_work_ids(author)):
            raise ValueError(
                f"those are all of author:{author}'s works: nothing would be left to split from"
            )
        if into_ref is not None:
            into, into_name = _existing_author(store, into_ref)
            if into == author:
                raise ValueError(f"author:{author} cannot be split into itself")
            created = False
        else:
            into = store.max_ids()[1] + 1
            into_name = Counter(row[2] for row in rows).most_common(1)[0][0]
            created = True
        pins = sorted({(row[0], folded_name(row[2])) for row in rows})
        work_keys = store.work_keys(work_ids)
        detail = {
            "from": author,
            "from_name": author_name,
            "from_keys": sorted(store.author_keys_of([author]).get(author, set())),
            "into_keys": sorted(store.author_keys_of([into]).get(into, set())),
            "work_keys": [sorted(work_keys.get(w, [])) for w in work_ids],
            "into": into,
            "into_name": into_name,
            "created": created,
            "works": work_ids,
            "moved": [[row[0], row[1], row[3], row[4]] for row in rows],
            "pins": [list(pin) for pin in pins],
        }
        edit_id = store.add_identity_edit(SPLIT, _now(), made_by, reason, None, json.dumps(detail))
        if created:
            store.insert_authors([(into, into_name, folded_name(into_name))])
        store.move_authorships(
            author, into, [(row[0], row[1], "pin", str(edit_id)) for row in rows]
        )
        store.insert_pins([(work_id, name, into, edit_id) for work_id, name in pins])
    return _edit_view(store, edit_id)


def undo_edit(store: Store, edit_id: int, reason: str, made_by: str) -> IdentityEdit:
    """Move back what edit ``edit_id`` moved, and log the undo. ValueError when the edit
    is an undo, already undone, or a later standing edit concerns the same people."""
    reason = _check_reason(reason)
    with store.transaction():
        log = _log_rows(store)
        target = log.get(edit_id)
        if target is None:
            raise NotFound(f"no identity edit {edit_id} (see scholarscope identity log)")
        kind, detail = target[1], json.loads(target[6])
        if kind == UNDO:
            raise ValueError(f"edit {edit_id} is an undo: to redo, make the edit again")
        undone = _undone_by(log)
        if edit_id in undone:
            raise ValueError(f"edit {edit_id} was undone already by edit {undone[edit_id]}")
        people = _people(kind, detail)
        for later_id, row in log.items():
            if later_id > edit_id and row[1] != UNDO and later_id not in undone:
                if people & _people(row[1], json.loads(row[6])):
                    raise ValueError(f"edit {later_id} builds on the same people: undo it first")
        now = _now()
        undo_id = store.add_identity_edit(
            UNDO, now, made_by, reason, edit_id, json.dumps({"edit": edit_id})
        )
        if kind == MERGE:
            _undo_merge(store, detail)
        else:
            _undo_split(store, detail, edit_id, undo_id, now)
    return _edit_view(store, undo_id)


def _undo_merge(store: Store, detail: dict[str, Any]) -> None:
    keep, drop = int(detail["keep"]), int(detail["drop"])
    keys = list(detail["keys"])
    store.unmerge_author(
        keep,
        drop,
        detail["drop_name"],
        folded_name(detail["drop_name"]),
        keys,
        [tuple(r) for r in detail["stated"]],
        [int(a) for a in detail["aliases"]],
        [(int(w), str(n)) for w, n in detail["pins"]],
    )
    moved = [(int(w), str(s), str(r or ""), str(e or "")) for w, s, r, e in detail["moved"]]
    # what arrived after the merge through one of DROP's keys was DROP's too
    moved_pairs = {(w, s) for w, s, _, _ in moved}
    key_set = set(keys)
    later = [
        (w, s, str(r), str(e))
        for w, s, _, r, e in store.author_authorships(keep)
        if r == "key" and e in key_set and (w, s) not in moved_pairs
    ]
    store.move_authorships(keep, drop, moved + later)
    store.upsert_authorships(
        [(r[0], drop, r[1], r[2], r[3], r[4], r[5], r[6]) for r in detail["dropped"]]
    )


def _undo_split(store: Store, detail: dict[str, Any], edit_id: int, undo_id: int, now: str) -> None:
    source_author, into = int(detail["from"]), int(detail["into"])
    original = {(int(w), str(s)): (str(r or ""), str(e or "")) for w, s, r, e in detail["moved"]}
    back = [
        (w, s, *original.get((w, s), ("undo", str(undo_id))))
        for w, s, _, rule, evidence in store.author_authorships(into, list(detail["works"]))
        if rule == "pin" and evidence == str(edit_id)
    ]
    store.move_authorships(into, source_author, back)
    store.delete_pins(edit_id)
    if (
        detail["created"]
        and not store.author_authorships(into)
        and not store.author_keys_of([into])
    ):
        store.alias_author(into, source_author, now)


def _people(kind: str, detail: dict[str, Any]) -> set[int]:
    if kind == MERGE:
        return {int(detail["keep"]), int(detail["drop"])}
    return {int(detail["from"]), int(detail["into"])}


def _log_rows(store: Store) -> dict[int, tuple[Any, ...]]:
    return {int(row[0]): row for row in store.identity_edits()}


def _undone_by(log: dict[int, tuple[Any, ...]]) -> dict[int, int]:
    return {int(row[5]): edit_id for edit_id, row in log.items() if row[1] == UNDO}


def edit_log(store: Store) -> list[IdentityEdit]:
    """Every identity edit, oldest first, with what it did and whether it was undone."""
    log = _log_rows(store)
    undone = _undone_by(log)
    canonical = None
    split_works = {
        int(w) for row in log.values() if row[1] == SPLIT for w in json.loads(row[6])["works"]
    }
    if split_works:
        from scholarscope.work_views import canonical_ids

        canonical = canonical_ids(store, sorted(split_works))
    return [_edit(row, log, undone, canonical or {}) for row in log.values()]


def _edit_view(store: Store, edit_id: int) -> IdentityEdit:
    return next(edit for edit in edit_log(store) if edit.edit == edit_id)


def _edit(
    row: tuple[Any, ...],
    log: dict[int, tuple[Any, ...]],
    undone: dict[int, int],
    canonical: dict[int, str],
) -> IdentityEdit:
    edit_id, kind, made_at, made_by, reason, undoes, detail_json = row
    detail = json.loads(detail_json)
    works: list[str] = []
    if kind == MERGE:
        summary = (
            f"merged author:{detail['drop']} ({detail['drop_name']}) into "
            f"author:{detail['keep']} ({detail['keep_name']})"
        )
        people = [f"author:{detail['keep']}", f"author:{detail['drop']}"]
    elif kind == SPLIT:
        works = [canonical.get(int(w), f"work:{w}") for w in detail["works"]]
        target = "a new person" if detail["created"] else "author"
        summary = (
            f"split {len(works)} work{'s' if len(works) != 1 else ''} of "
            f"author:{detail['from']} ({detail['from_name']}) into {target} "
            f"author:{detail['into']} ({detail['into_name']})"
        )
        people = [f"author:{detail['from']}", f"author:{detail['into']}"]
    else:
        target_row = log[int(undoes)]
        summary = f"undid edit {undoes} ({target_row[1]})"
        people = _edit(target_row, log, {}, canonical).people
    return IdentityEdit(
        edit=int(edit_id),
        kind=kind,
        made_at=made_at,
        made_by=made_by,
        reason=reason,
        summary=summary,
        people=people,
        undoes=int(undoes) if undoes is not None else None,
        undone_by=undone.get(int(edit_id)),
        works=works,
        papers_before=detail.get("papers_before"),
        anchors=_anchors(kind, detail),
    )


def _anchors(kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    if kind == MERGE:
        return {"keep": detail.get("keep_keys", []), "drop": detail["keys"]}
    if kind == SPLIT:
        return {
            "from": detail.get("from_keys", []),
            "into": [] if detail["created"] else detail.get("into_keys", []),
            "works": detail.get("work_keys", []),
        }
    return {}


def replay_log(store: Store, log: list[dict[str, Any]], made_by: str) -> list[str]:
    """Make the edits of another database's log (``identity log --json``) here, in
    order, finding people and works by their anchors (source ids, name keys, work ids):
    how corrections outlive a rebuilt database. Returns one line per edit: what was done,
    or why it was skipped (someone not found, already one person). Undos follow the
    edits they undo."""
    done: dict[int, int] = {}  # edit number in the log -> edit number here
    lines = []
    for entry in log:
        number, kind, anchors = int(entry["edit"]), entry["kind"], entry.get("anchors") or {}
        reason = f"{entry['reason']} (replayed: edit {number} by {entry['made_by']})"
        try:
            edit = _replay_one(store, kind, anchors, entry, reason, made_by, done)
        except (ValueError, NotFound) as error:
            lines.append(f"edit {number} ({kind}) skipped: {error}")
            continue
        done[number] = edit.edit
        lines.append(f"edit {number} -> edit {edit.edit}: {edit.summary}")
    return lines


def _replay_one(
    store: Store,
    kind: str,
    anchors: dict[str, Any],
    entry: dict[str, Any],
    reason: str,
    made_by: str,
    done: dict[int, int],
) -> IdentityEdit:
    if kind == UNDO:
        undoes = int(entry["undoes"])
        if undoes not in done:
            raise ValueError(f"edit {undoes}, which it undoes, was not replayed")
        return undo_edit(store, done[undoes], reason, made_by)
    if kind == MERGE:
        keep, drop = _person(store, anchors.get("keep")), _person(store, anchors.get("drop"))
        if keep == drop:
            raise ValueError("they are one person here already")
        return merge_people(store, f"author:{keep}", f"author:{drop}", reason, made_by)
    if kind == SPLIT:
        source_author = _person(store, anchors.get("from"))
        into = f"author:{_person(store, anchors['into'])}" if anchors.get("into") else None
        found = store.find_work_keys([k for keys in anchors.get("works", []) for k in keys])
        works = sorted({found[k] for keys in anchors.get("works", []) for k in keys if k in found})
        if not works:
            raise ValueError("none of its works is stored here")
        return split_person(
            store, f"author:{source_author}", [f"work:{w}" for w in works], reason, made_by, into
        )
    raise ValueError(f"unknown kind of edit {kind!r}")


def _person(store: Store, keys: list[str] | None) -> int:
    """The person the anchor keys find: the first source id known here, else the first
    name key (name keys of one source family are stable across databases)."""
    found = store.find_author_keys(keys or [])
    for key in sorted(found, key=lambda k: (k.startswith("name:"), k)):
        return found[key]
    raise NotFound(f"no stored person has any of {', '.join((keys or [])[:3]) or 'no keys'}")
