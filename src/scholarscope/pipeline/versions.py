"""The version stage: which works an ingest batch touched are versions of another
stored paper (the rules are in ``versions.py``), and their version groups.

It runs at the end of every ingest batch, inside the batch's transaction
(``pipeline/ingest.py``), for the works the batch gave a new or changed record. Why at
ingest rather than at the start of ``score``: an author's papers, h-index and citations
count a version group once, and those figures are shown straight after an ingest, with
no scoring; and a batch's links commit with the batch, so an interrupted ingest leaves
no link missing (a re-run finds those records unchanged and touches nothing).

Kept cheap for bulk files, because almost no work has a version: a touched work's
candidates are the works holding its folded title's key in any year (one range read of
the ``work_key`` index per work, ``Store.same_title_works``), the work holding its
abstract key, and the works it is already linked to (checked again, so that a link goes
when its evidence goes). Only works with a candidate are read further.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from scholarscope.records import fold_text, is_match_key
from scholarscope.store import Store
from scholarscope.versions import (
    VersionCandidate,
    VersionLink,
    compare,
    primary_version,
    version_groups,
)

TITLE_KEY = "title:"


def link_versions(
    store: Store, touched: Iterable[tuple[int, str | None, int | None]]
) -> list[VersionLink]:
    """Find the version links of the touched works, given as (work_id, the title key of
    its new record (``pipeline.prepared_record.title_key``), the work its abstract key leads to),
    replace their stored links with them, and regroup the works concerned. Returns the
    links the touched works hold now. Runs inside the caller's transaction (the caller
    knows where each abstract key leads: it has just looked them up).

    A link that no longer holds is dropped, and the novelty of its two works with it:
    each was computed without the other, which may now be its nearest earlier work.

    >>> from scholarscope.store import open_store
    >>> link_versions(open_store(":memory:"), [(1, "title:a paper|2024", None)])
    []
    """
    touched = list(touched)
    touched_ids = sorted({work_id for work_id, _, _ in touched})
    titles = [(work_id, key[: key.rindex("|") + 1]) for work_id, key, _ in touched if key]
    old = store.version_links_of(touched_ids)
    pairs = {_pair(a, b) for a, b, *_ in old}
    pairs.update(_pair(a, b) for a, b in store.same_title_works(titles))
    pairs.update(_pair(a, b) for a, _, b in touched if b is not None and b != a)
    if not pairs:
        return []
    concerned = sorted({w for pair in pairs for w in pair})
    candidates = version_candidates(store, concerned)
    links = [
        link
        for a, b in sorted(pairs)
        if a in candidates and b in candidates
        if (link := compare(candidates[a], candidates[b])) is not None
    ]
    rechecked = sorted({w for pair in pairs for w in pair} & set(touched_ids))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [(x.work_id, x.other_id, x.rule, x.confidence, x.evidence) for x in links]
    store.replace_version_links(rechecked, rows, now)
    kept = {(x.work_id, x.other_id) for x in links}
    dropped = {_pair(a, b) for a, b, *_ in old} - kept
    store.delete_novelty(sorted({w for pair in dropped for w in pair}))
    regroup(store, concerned)
    return links


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def version_candidates(store: Store, work_ids: Sequence[int]) -> dict[int, VersionCandidate]:
    """The stored works as the version rules read them."""
    return {
        work_id: candidate_from_features(work_id, features)
        for work_id, features in store.version_features(work_ids).items()
    }


def candidate_from_features(work_id: int, features: dict[str, Any]) -> VersionCandidate:
    """One work's ``Store.version_features`` as a ``VersionCandidate``: its titles are
    its records' folded titles (from their title keys) and its shown title, folded.

    >>> c = candidate_from_features(7, {"title": "Factors Controlling Sonic Velocity",
    ...     "year": 2022, "date": None, "venue": None, "abstract": None, "sources": [],
    ...     "keys": ["doi:10.1/x", "title:factors controlling sonic velocity|2022"],
    ...     "names": ["moaz salih", "hassan a eltom"]})
    >>> sorted(c.titles), sorted(c.surnames), c.ids
    (['factors controlling sonic velocity'], ['eltom', 'salih'], ('doi:10.1/x',))
    """
    keys = features["keys"]
    titles = {key[len(TITLE_KEY) :].rsplit("|", 1)[0] for key in keys if key.startswith(TITLE_KEY)}
    shown = fold_text(features["title"] or "")
    if shown:
        titles.add(shown)
    abstract = fold_text(features["abstract"] or "")
    return VersionCandidate(
        work_id=work_id,
        titles=frozenset(titles),
        year=None if features["year"] is None else int(features["year"]),
        surnames=frozenset(name.split()[-1] for name in features["names"] if name.split()),
        ids=tuple(key for key in keys if not is_match_key(key)),
        date=features["date"],
        abstract=abstract or None,
        venue=features["venue"],
        sources=tuple(features["sources"]),
    )


def regroup(store: Store, work_ids: Sequence[int]) -> None:
    """Recompute the version groups of the works and of every work linked to them,
    directly or not, or grouped with them before; store each group's primary version."""
    before = store.version_groups_of(work_ids)
    start = set(work_ids)
    for members in store.version_group_members(sorted(set(before.values()))).values():
        start.update(members)
    seen = set(start)
    frontier = sorted(start)
    edges: list[tuple[int, int]] = []
    while frontier:
        following = []
        for a, b, *_ in store.version_links_of(frontier):
            edges.append((a, b))
            if b not in seen:
                seen.add(b)
                following.append(b)
        frontier = sorted(following)
    groups = version_groups(edges)
    candidates = version_candidates(store, [w for group in groups for w in group])
    rows: list[tuple[int, int]] = []
    for group in groups:
        primary = primary_version(candidates[w] for w in group if w in candidates)
        rows.extend((w, primary) for w in group)
    store.replace_version_groups(sorted(seen), rows)
