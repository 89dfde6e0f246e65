"""Novelty of a work: how far its text lies from the works published before it.

Pure functions over numpy arrays: no database, no model, no files. Definitions, as
documented in the README:

- **Similarity** is the cosine of two embedding vectors: each vector is scaled to unit
  length in float32 (an all-zero vector stays zero, similar to nothing), and the dot
  product of two such vectors is summed in float64 in a fixed order and rounded to
  float32, so a pair has the same similarity, to the bit, however the work is batched.
- **Earlier works** of a work are the works dated strictly before it, compared by calendar
  day (dates are truncated to the day): works of the same day are not each other's
  predecessors. A work without a date has no earlier works and is no work's earlier
  work; its novelty is missing with the reason :data:`NO_DATE`.
- **Order of works.** Works are ranked by (day, position in the input). Among earlier
  works of equal similarity the one ranked first wins (the older one; on the same day the
  one given first), so duplicates resolve the same way every time.
- **Neighbours** of a work are its ``k`` most similar earlier works, most similar first
  (:func:`earlier_neighbours`). They are the evidence shown beside the number. Versions
  of one paper (a preprint and its journal article, ``versions.py``) share a group
  label, and a work's own versions are never its neighbours: a paper is not compared
  with itself.
- **Raw novelty** is ``1 - similarity of the nearest earlier work`` (0 for a copy of a
  past work, about 0.3 for a typical arXiv abstract among 50k, at most 2), defined only
  when at least ``min_earlier`` works (never fewer than ``k``) are dated before it and
  all ``k`` neighbours were found (:func:`novelty_raw`). The other ``k - 1`` neighbours
  are evidence, not part of the number: a mean over all ``k`` lets a near-copy of one
  earlier work hide among its other neighbours (reworded copies of 200 real abstracts
  landed in the bottom 10% of their cohort 25% of the time with the mean of 10, every
  time with the nearest; ``bench/novelty_validation.py`` measures both). The first works
  of a corpus have only poor neighbours and look novel for that alone (the mean raw
  novelty falls as the corpus before a work grows; the figures by size are in
  ``bench/novelty_validation.json``). Hence the default ``MIN_EARLIER = 1000``: earlier
  works are marked as too early, not given an inflated number.
- **Novelty percentile** is the mid-rank percentile of the raw novelty within the work's
  cohort (its field and year): ``100 * (below + equal / 2) / n`` over the ``n`` scored
  works of the cohort, ``below`` of them with a smaller raw novelty, ``equal`` with the
  same one (the work itself included). Ties share a percentile, a cohort's percentiles
  average exactly 50, and a cohort with fewer than ``min_cohort`` scored works gives no
  percentile (:func:`cohort_percentiles`).

Stability: a work's neighbours and raw novelty depend only on itself and the works
dated before it, so adding later works never changes them; its percentile moves when its
cohort gains works. When works are added with dates *before* existing works (back-fill),
:func:`add_works` says which existing works gain a better earlier neighbour: only those
need new evidence and a new raw novelty.

Two search methods give the neighbours. ``"exact"`` compares every work with every
earlier work, in blocks of matrix products over the works sorted by date (60k works:
about 25 CPU seconds; the cost grows with the square of the corpus). ``"usearch"`` (for
a million works) walks the corpus in date order, a chunk of whole days at a time: it
asks an HNSW index (the ``usearch`` package, 8-bit vectors) that
holds every earlier chunk for 30 candidates per work, compares the work exactly with
those and with the earlier works of its own chunk, keeps the ``k`` most similar by exact
similarity, then adds the chunk to the index. The index is built with one thread, so
it, and every result, is the same on every run. It may miss a true neighbour (recall@10
0.996 at 30k-60k works, 0.975 at a million, see ``bench/novelty_index.py``); a missed
neighbour is replaced by a less similar one, so the raw novelty can only come out
higher, never lower: by 0.0001 on average at 60k works, by 0.005 at a million, where a
rare work whose search lands in the wrong region is off by up to 0.44.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from scholarscope import neighbours as nb

K = 10
# Names the raw novelty formula in what is stored with each work: a new formula makes
# `scholarscope score` compute every work again rather than keep numbers of the old one.
RAW_DEFINITION = "1-nearest"
MIN_EARLIER = 1000
MIN_COHORT = 20
NO_DATE = "no publication date"
METHODS = ("exact", "usearch")

# The approximate path: whole days are added to the index at least this many at a time,
# and each work asks the index for this many candidates before exact re-ranking.
_CHUNK = 8192
_CANDIDATES = 30
_CONNECTIVITY = 16
_EXPANSION_ADD = 128
_EXPANSION_SEARCH = 64


@dataclass(frozen=True)
class Neighbours:
    """The k nearest earlier works of each work, by row of the input.

    ``index[i]`` holds input positions, most similar first, -1 past the last neighbour;
    ``similarity[i]`` their cosine similarities (NaN past the last); ``earlier[i]`` the
    number of dated works strictly before work ``i`` (-1 when it has no date).
    """

    index: np.ndarray
    similarity: np.ndarray
    earlier: np.ndarray


@dataclass(frozen=True)
class Update:
    """What adding works to a corpus changes (see :func:`add_works`).

    ``new``: the neighbours of the added works, whose positions in the combined corpus
    follow the existing ones (existing ``0..N-1``, added ``N..N+M-1``). ``changed``: the
    existing works whose neighbour list changed, ascending, with their new lists in
    ``changed_index`` and ``changed_similarity``. ``earlier``: every existing work's new
    count of earlier works.
    """

    new: Neighbours
    changed: np.ndarray
    changed_index: np.ndarray
    changed_similarity: np.ndarray
    earlier: np.ndarray


@dataclass(frozen=True)
class Scores:
    """One number per work, NaN where there is none, and why there is none."""

    value: np.ndarray
    reason: tuple[str | None, ...]


def earlier_neighbours(
    vectors: Any,
    dates: Sequence[Any] | np.ndarray,
    k: int = K,
    *,
    method: str = "exact",
    progress: Callable[[int, int], None] | None = None,
    groups: Sequence[int] | np.ndarray | None = None,
) -> Neighbours:
    """The ``k`` most similar works dated strictly before each work.

    ``vectors`` is one row per work (scaled to unit length here); ``dates`` one date per
    work, anything numpy reads as ``datetime64[D]`` (ISO strings, ``datetime.date``),
    None or NaT for an undated work. ``method`` is ``"exact"`` or ``"usearch"``
    (approximate, see the module docstring). ``progress(done, total)`` is called as
    dated works are finished. ``groups``, one label per work (-1: none), marks versions
    of one paper: two works with the same label ``>= 0`` are never neighbours.

    >>> v = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    >>> found = earlier_neighbours(v, ["2024-01-01", "2024-01-01", "2024-01-02"], k=2)
    >>> found.index.tolist(), found.earlier.tolist()
    ([[-1, -1], [-1, -1], [0, 1]], [0, 0, 2])
    >>> found.similarity.astype(float).round(3).tolist()
    [[nan, nan], [nan, nan], [0.707, 0.707]]
    >>> earlier_neighbours(v, ["2024-01-01", "2024-01-01", "2024-01-02"], k=2,
    ...                    groups=[7, -1, 7]).index.tolist()[2]
    [1, -1]
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if k < 1:
        raise ValueError("k must be at least 1")
    rows = nb.as_matrix(vectors)
    days = _days(dates, len(rows))
    order = _rank_order(days)
    ordered_days = days[order]
    earlier = np.searchsorted(ordered_days, ordered_days, side="left")
    labels = _labels(groups, len(rows))
    ranked = None if labels is None else labels[order]

    def by_rank(ranks: np.ndarray) -> np.ndarray:
        return nb.unit_rows(rows[order[ranks]])

    def report(done: int) -> None:
        if progress is not None:
            progress(done, len(order))

    if method == "exact":
        pair = None if ranked is None else (ranked, ranked)
        sims, ranks = nb.search_exact(by_rank, earlier, by_rank, k, report, pair)
    else:
        sims, ranks = _search_chunked_index(by_rank, ordered_days, earlier, k, report, ranked)
    index = np.full((len(rows), k), -1, dtype=np.int64)
    similarity = np.full((len(rows), k), np.nan, dtype=np.float32)
    counts = np.full(len(rows), -1, dtype=np.int64)
    index[order] = _positions(order, ranks)
    similarity[order] = np.where(ranks >= 0, sims, np.nan)
    counts[order] = earlier
    return Neighbours(index, similarity, counts)


def add_works(
    corpus: Neighbours,
    vectors: Any,
    dates: Sequence[Any] | np.ndarray,
    new_vectors: Any,
    new_dates: Sequence[Any] | np.ndarray,
    groups: Sequence[int] | np.ndarray | None = None,
    new_groups: Sequence[int] | np.ndarray | None = None,
) -> Update:
    """Neighbours of new works against an existing corpus, and the back-fill they cause.

    ``corpus`` holds the existing works' neighbours (from :func:`earlier_neighbours` or
    :func:`apply_update`, any ``k``); ``vectors``/``dates`` are the existing works,
    ``new_vectors``/``new_dates`` the added ones; ``groups``/``new_groups`` their version
    labels, as in :func:`earlier_neighbours`. The search is exact and costs
    ``M x N`` similarities (a day's feed against a million works: seconds), never the
    corpus' ``N x N``.

    Back-fill rule: an existing work's list changes only when an added work is dated
    before it and beats its current k-th neighbour (more similar, or as similar and
    older), or when it had fewer than k. Its new list is the k best of its old list and
    the added works dated before it, which is what an exact recomputation over the
    whole corpus gives (for old lists found exactly); no other work is searched again.
    Added works dated after every existing work (a daily feed) change no list. Every
    existing work dated after an added one has one more earlier work (``earlier``),
    which matters only when the count crosses ``min_earlier`` of :func:`novelty_raw`.

    >>> old_v, old_d = [[1.0, 0.0], [0.0, 1.0]], ["2024-01-01", "2024-01-03"]
    >>> old = earlier_neighbours(old_v, old_d, k=1)
    >>> update = add_works(old, old_v, old_d, [[0.1, 1.0]], ["2024-01-02"])
    >>> update.new.index.tolist(), update.changed.tolist(), update.changed_index.tolist()
    ([[0]], [1], [[2]])
    """
    k = corpus.index.shape[1]
    old_rows = nb.as_matrix(vectors)
    added_rows = nb.as_matrix(new_vectors, dim=old_rows.shape[1])
    n_old, n_added = len(old_rows), len(added_rows)
    days = np.concatenate([_days(dates, n_old), _days(new_dates, n_added)])
    both = [_label_array(groups, n_old), _label_array(new_groups, n_added)]
    labels = _labels(np.concatenate(both), n_old + n_added)

    def at(positions: np.ndarray) -> np.ndarray:
        out = np.empty((len(positions), old_rows.shape[1]), dtype=np.float32)
        is_old = positions < n_old
        out[is_old] = old_rows[positions[is_old]]
        out[~is_old] = added_rows[positions[~is_old] - n_old]
        return nb.unit_rows(out)

    order = _rank_order(days)
    ordered_days = days[order]
    rank_of = np.full(len(days), -1, dtype=np.int64)
    rank_of[order] = np.arange(len(order))
    added_ranks = np.flatnonzero(order >= n_old)  # ranks of the dated added works, ascending
    old_dated = np.flatnonzero(days[:n_old] != _UNDATED)
    gained = np.searchsorted(ordered_days[added_ranks], days[old_dated], side="left")
    affected = old_dated[gained > 0]  # existing works dated after some added work

    def by_rank(ranks: np.ndarray) -> np.ndarray:
        return at(order[ranks])

    def added_by_rank(ranks: np.ndarray) -> np.ndarray:
        return at(order[added_ranks[ranks]])

    def affected_rows(rows: np.ndarray) -> np.ndarray:
        return at(affected[rows])

    # The added works against every earlier work of the combined corpus.
    limits = np.searchsorted(ordered_days, ordered_days[added_ranks], side="left")
    pair = None if labels is None else (labels[order[added_ranks]], labels[order])
    sims, ranks = nb.search_exact(by_rank, limits, added_by_rank, k, groups=pair)
    new_rows = order[added_ranks] - n_old
    new_index = np.full((n_added, k), -1, dtype=np.int64)
    new_sims = np.full((n_added, k), np.nan, dtype=np.float32)
    new_earlier = np.full(n_added, -1, dtype=np.int64)
    new_index[new_rows] = _positions(order, ranks)
    new_sims[new_rows] = np.where(ranks >= 0, sims, np.nan)
    new_earlier[new_rows] = limits

    # Back-fill: the affected works against the added works dated before them, merged
    # with their old lists.
    earlier = corpus.earlier.copy()
    earlier[old_dated] += gained
    pair = None if labels is None else (labels[affected], labels[order[added_ranks]])
    sims, ranks = nb.search_exact(added_by_rank, gained[gained > 0], affected_rows, k, groups=pair)
    ranks = np.where(ranks >= 0, added_ranks[np.maximum(ranks, 0)], -1)
    old_index = corpus.index[affected]
    old_ranks = np.where(old_index >= 0, rank_of[np.maximum(old_index, 0)], -1)
    old_sims = np.where(old_index >= 0, corpus.similarity[affected], -np.inf)
    sims, ranks = nb.best(
        np.concatenate([old_sims, sims], axis=1), np.concatenate([old_ranks, ranks], axis=1), k
    )
    merged = _positions(order, ranks)
    differs = np.any(merged != old_index, axis=1)
    return Update(
        new=Neighbours(new_index, new_sims, new_earlier),
        changed=affected[differs],
        changed_index=merged[differs],
        changed_similarity=np.where(ranks >= 0, sims, np.nan)[differs].astype(np.float32),
        earlier=earlier,
    )


def apply_update(corpus: Neighbours, update: Update) -> Neighbours:
    """The combined corpus' neighbours: existing rows (with back-fill), then added rows.

    >>> old = earlier_neighbours([[1.0, 0.0]], ["2024-01-01"], k=1)
    >>> update = add_works(old, [[1.0, 0.0]], ["2024-01-01"], [[1.0, 0.0]], ["2024-01-02"])
    >>> apply_update(old, update).index.tolist()
    [[-1], [0]]
    """
    index = np.concatenate([corpus.index, update.new.index])
    similarity = np.concatenate([corpus.similarity, update.new.similarity])
    index[update.changed] = update.changed_index
    similarity[update.changed] = update.changed_similarity
    earlier = np.concatenate([update.earlier, update.new.earlier])
    return Neighbours(index, similarity, earlier)


def novelty_raw(
    similarities: np.ndarray, earlier: np.ndarray, *, min_earlier: int = MIN_EARLIER
) -> Scores:
    """Raw novelty ``1 - similarity of the nearest earlier work``, per work.

    ``similarities`` is :attr:`Neighbours.similarity` (``k`` columns, most similar first)
    and ``earlier`` is :attr:`Neighbours.earlier`. A work gets no number when it is
    undated, when fewer than ``min_earlier`` works (at least ``k``) are dated before it,
    or when the search found fewer than ``k`` neighbours.

    >>> raw = novelty_raw(np.array([[0.9, 0.7], [0.5, np.nan]]), np.array([40, 1]),
    ...                   min_earlier=2)
    >>> raw.value.round(3).tolist(), raw.reason
    ([0.1, nan], (None, 'only 1 earlier work in the corpus (2 needed)'))
    """
    sims = np.asarray(similarities, dtype=np.float64)
    counts = np.asarray(earlier)
    if min_earlier < sims.shape[1]:
        raise ValueError(f"min_earlier ({min_earlier}) must be at least k ({sims.shape[1]})")
    value = 1.0 - sims[:, 0]
    incomplete = [bool(np.isnan(row).any()) for row in sims]
    reasons: list[str | None] = []
    for count, missing in zip(counts.tolist(), incomplete, strict=True):
        if count < 0:
            reasons.append(NO_DATE)
        elif count < min_earlier:
            works = "work" if count == 1 else "works"
            reasons.append(f"only {count} earlier {works} in the corpus ({min_earlier} needed)")
        elif missing:  # the approximate search found fewer than k
            reasons.append(f"fewer than {sims.shape[1]} earlier neighbours found")
        else:
            reasons.append(None)
    value[[reason is not None for reason in reasons]] = np.nan
    return Scores(value, tuple(reasons))


def cohort_percentiles(
    raw: Scores, cohort_keys: Sequence[Hashable], *, min_cohort: int = MIN_COHORT
) -> Scores:
    """Mid-rank percentile (0-100) of each raw novelty within its cohort.

    ``cohort_keys`` gives each work's cohort, e.g. ``(field, year)``; works without a raw
    number keep its reason and do not count in their cohort. ``100 * (below + equal / 2)
    / n``: ties share a percentile, the cohort's mean is exactly 50, and a cohort of fewer
    than ``min_cohort`` scored works gives no percentile.

    >>> raw = Scores(np.array([0.1, 0.2, 0.2, 0.4, 0.3]), (None,) * 5)
    >>> found = cohort_percentiles(raw, ["cv", "cv", "cv", "cv", "lg"], min_cohort=2)
    >>> found.value.tolist(), found.reason[4]
    ([12.5, 50.0, 50.0, 87.5, nan], 'cohort has 1 scored work (2 needed)')
    """
    keys = list(cohort_keys)
    if len(keys) != len(raw.value):
        raise ValueError(f"{len(keys)} cohort keys for {len(raw.value)} works")
    members: dict[Hashable, list[int]] = {}
    for position, (key, reason) in enumerate(zip(keys, raw.reason, strict=True)):
        if reason is None:
            members.setdefault(key, []).append(position)
    value = np.full(len(keys), np.nan)
    reasons = list(raw.reason)
    for positions in members.values():
        if len(positions) < min_cohort:
            works = "work" if len(positions) == 1 else "works"
            for position in positions:
                reasons[position] = (
                    f"cohort has {len(positions)} scored {works} ({min_cohort} needed)"
                )
            continue
        scores = raw.value[positions]
        ranked = np.sort(scores)
        below = np.searchsorted(ranked, scores, side="left")
        equal = np.searchsorted(ranked, scores, side="right") - below
        value[positions] = 100.0 * (below + equal / 2) / len(positions)
    return Scores(value, tuple(reasons))


# --- search --------------------------------------------------------------------------------

_UNDATED = np.iinfo(np.int64).min


def _label_array(groups: Sequence[int] | np.ndarray | None, n: int) -> np.ndarray:
    """Version labels as int64, -1 for none."""
    if groups is None:
        return np.full(n, -1, dtype=np.int64)
    labels = np.asarray(groups, dtype=np.int64).reshape(-1)
    if labels.shape != (n,):
        raise ValueError(f"{labels.shape[0]} version labels for {n} works")
    return labels


def _labels(groups: Sequence[int] | np.ndarray | None, n: int) -> np.ndarray | None:
    """``_label_array``, or None when no work has a label (nothing to leave out)."""
    labels = _label_array(groups, n)
    return labels if bool((labels >= 0).any()) else None


def _days(dates: Sequence[Any] | np.ndarray, n: int) -> np.ndarray:
    """Days since 1970-01-01 as int64, ``_UNDATED`` where there is no date."""
    days = np.asarray(dates).astype("datetime64[D]")
    if days.shape != (n,):
        raise ValueError(f"{days.shape[0] if days.ndim else 0} dates for {n} works")
    numbers = days.astype(np.int64)
    numbers[np.isnat(days)] = _UNDATED
    return numbers


def _rank_order(days: np.ndarray) -> np.ndarray:
    """Positions of the dated works sorted by (day, position)."""
    dated = np.flatnonzero(days != _UNDATED)
    return dated[np.argsort(days[dated], kind="stable")]


def _positions(order: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Ranks to input positions, -1 kept."""
    return np.where(ranks >= 0, order[np.maximum(ranks, 0)], -1)


def _search_chunked_index(
    by_rank: nb.Rows,
    ordered_days: np.ndarray,
    earlier: np.ndarray,
    k: int,
    report: Callable[[int], None],
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate neighbours: index of earlier chunks + exact search within the chunk.

    Chunks are runs of whole days (at least ``_CHUNK`` works unless the corpus ends), so
    everything in the index is strictly earlier than the chunk being searched. A chunk's
    extent depends only on the days up to its end, so later works never change what an
    earlier work was compared with.

    The index is used strictly in turn: search chunk c, add chunk c (one thread, so the
    graph is the same on every run), search chunk c+1, ... While a chunk is being added
    in a second thread, the numpy work of this chunk and the next runs beside it.
    """
    try:
        from usearch.index import Index
    except ImportError as error:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("method='usearch' needs the usearch package") from error
    n = len(ordered_days)
    best_sims = np.full((n, k), -np.inf, dtype=np.float32)
    best_ranks = np.full((n, k), -1, dtype=np.int64)
    if n == 0:
        return best_sims, best_ranks
    index: Any = Index(
        ndim=by_rank(np.arange(1)).shape[1],
        metric="ip",
        dtype="i8",
        connectivity=_CONNECTIVITY,
        expansion_add=_EXPANSION_ADD,
        expansion_search=_EXPANSION_SEARCH,
    )
    with ThreadPoolExecutor(max_workers=1) as adder:
        adding: Future[Any] | None = None
        start = 0
        while start < n:
            stop = min(n, start + _CHUNK)
            stop = int(np.searchsorted(ordered_days, ordered_days[stop - 1], side="right"))
            chunk = by_rank(np.arange(start, stop))

            def in_chunk(rows: np.ndarray, chunk: np.ndarray = chunk) -> np.ndarray:
                return chunk[rows]

            own = None if labels is None else (labels[start:stop], labels[start:stop])
            sims, ranks = nb.search_exact(
                in_chunk, earlier[start:stop] - start, in_chunk, k, None, own
            )
            ranks = np.where(ranks >= 0, ranks + start, -1)
            if adding is not None:
                adding.result()  # the index now holds every earlier chunk
                found: Any = index.search(chunk, min(_CANDIDATES, start), threads=2)
            keys = np.arange(start, stop, dtype=np.uint64)
            adding = adder.submit(index.add, keys, chunk, threads=1)
            if start > 0:
                candidates = np.asarray(found.keys, dtype=np.int64)
                missing = np.arange(candidates.shape[1]) >= np.asarray(found.counts)[:, None]
                candidates[missing] = -1
                if labels is not None:  # a work's own versions are no candidates
                    query_labels = labels[start:stop, None]
                    same = (query_labels >= 0) & (labels[np.maximum(candidates, 0)] == query_labels)
                    candidates[same] = -1
                index_sims = nb.exact_similarities(chunk, candidates, by_rank)
                sims, ranks = nb.best(
                    np.hstack([sims, index_sims]), np.hstack([ranks, candidates]), k
                )
            best_sims[start:stop], best_ranks[start:stop] = sims, ranks
            report(stop)
            start = stop
        if adding is not None:
            adding.result()
    return best_sims, best_ranks
