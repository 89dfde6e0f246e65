"""Nearest neighbours by cosine similarity: the one place where vectors are compared,
for novelty (each work's nearest earlier works, ``score/novelty.py``), semantic search
and similar works (``search.py``).

Every search here has two steps: a fast product (numpy's float32 matrix products, or a
bfloat16 product where the CPU multiplies bfloat16 natively) picks candidates with a
margin that covers its rounding, then each candidate's similarity is computed exactly
(``exact_similarities``: float32 products summed in float64 in a fixed order), so a pair's
similarity is the same bits wherever it sits in a batch and whichever path picked it.

    >>> rows = unit_rows(np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32))
    >>> exact_similarities(rows[:1], np.array([[0, 1, 2]]), lambda r: rows[r]).round(4)
    array([[1.    , 0.7071, 0.    ]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# Block sizes: a query block times a candidate block of float32 similarities is 128 MB.
QUERY_BLOCK = 2048
CANDIDATE_BLOCK = 16384
# Top-k preselection: only the k column groups with the largest maxima can hold the top k.
GROUP = 32
# The matrix search keeps this many more candidates than k, whose similarities are then
# recomputed exactly: rounding differences between matrix layouts (about 1e-7) cannot
# push a true neighbour out unless more than this many others are as close to it.
MARGIN = 10
BLOCK_ROWS = 512  # stored vectors multiplied at once (0.8 MB: stays in a CPU's cache)

# How far a fast product's similarity can be from the float32 sum row by row, for unit
# vectors of 384 values. bfloat16: rounding each value to 8 significant bits moves it by
# at most 2^-8 of itself, so each product by at most 2 * 2^-8 (+ 2^-16) of itself and the
# sum by that much of sum |a_i q_i| <= 1 (Cauchy-Schwarz); oneDNN keeps the sum in float32
# and rounds it to bfloat16 at the end (2^-8 of a value <= 1): 3 * 2^-8, plus a margin for
# the float32 sums. float32: two sums of the same 384 products in different orders, each
# within 384 * 2^-24 (2.3e-5) of the exact sum.
BF16_ERROR = 3 * 2.0**-8 + 2.0**-12
F32_ERROR = 2.0**-14

Rows = Callable[[np.ndarray], np.ndarray]
"""Vectors by position: ``rows(positions)`` gives their unit vectors, one row each."""


def as_matrix(vectors: Any, dim: int | None = None) -> np.ndarray:
    """The vectors as a 2-D float32 array (no copy when they already are)."""
    rows = np.asarray(vectors, dtype=np.float32)
    if rows.ndim == 1 and rows.size == 0:
        rows = rows.reshape(0, dim or 0)
    if rows.ndim != 2 or (dim is not None and rows.shape[1] != dim):
        raise ValueError(f"vectors must be one row per work, shape {rows.shape}")
    return rows


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, np.float32(1))


def best(sims: np.ndarray, ranks: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the k candidates with the largest similarity, the lower rank on ties."""
    order = np.lexsort((ranks, -sims))[:, :k]
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(ranks, order, axis=1)


def top_columns(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the k largest values and their columns (lower column on ties, -1 for -inf).

    The width is a multiple of ``GROUP``. Columns fall into groups (column ``c`` into
    group ``c mod width/GROUP``); when a row's k-th largest group maximum beats the next
    one, its k largest values lie in those k groups (a value in any other group is
    beaten by k group maxima), so only those groups are searched.
    """
    rows, width = sims.shape
    span = width // GROUP
    if span <= k:
        return top_k(sims, np.broadcast_to(np.arange(width), sims.shape), k)
    maxima = sims.reshape(rows, GROUP, span).max(axis=1)
    groups, tied = partition(maxima, k)
    columns = (groups[:, :, None] + np.arange(GROUP) * span).reshape(rows, -1)
    values, found = top_k(np.take_along_axis(sims, columns, axis=1), columns, k)
    if np.any(tied):
        whole = np.broadcast_to(np.arange(width), (int(tied.sum()), width))
        values[tied], found[tied] = top_k(sims[tied], whole, k)
    return values, found


def partition(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the columns of the k largest values (unordered), and whether the k-th
    largest equals the next one (then which of them is kept is arbitrary)."""
    part = np.argpartition(-values, k, axis=1)
    kth = np.take_along_axis(values, part[:, :k], axis=1).min(axis=1)
    after = np.take_along_axis(values, part[:, k : k + 1], axis=1)[:, 0]
    return part[:, :k], (kth == after) & (kth > -np.inf)


def top_k(values: np.ndarray, columns: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest ``values`` per row, ordered by (value desc, column asc); -1 for -inf."""
    if values.shape[1] > k:
        part, tied = partition(values, k)
        if np.any(tied):  # equal values at the boundary: the lowest columns must win
            part[tied] = np.lexsort((columns[tied], -values[tied]))[:, :k]
        values = np.take_along_axis(values, part, axis=1)
        columns = np.take_along_axis(columns, part, axis=1)
    order = np.lexsort((columns, -values))[:, :k]
    values = np.take_along_axis(values, order, axis=1)
    columns = np.take_along_axis(columns, order, axis=1)
    return values, np.where(values > -np.inf, columns, -1)


def search_exact(
    candidates: Rows,
    limits: np.ndarray,
    queries: Rows,
    k: int,
    report: Callable[[int], None] | None = None,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For query ``q``, the k most similar candidates among candidate ranks ``[0, limits[q])``.

    ``candidates(ranks)`` and ``queries(rows)`` give unit vectors; ``groups`` the version
    labels of the query rows and of the candidate ranks (a query's own versions are left
    out). Returns similarities (-inf) and candidate ranks (-1) where there are fewer
    than k.
    """
    n = len(limits)
    sims = np.full((n, k), -np.inf, dtype=np.float32)
    ranks = np.full((n, k), -1, dtype=np.int64)
    for start in range(0, n, QUERY_BLOCK):
        stop = min(n, start + QUERY_BLOCK)
        if limits[start:stop].max(initial=0) > 0:
            block = queries(np.arange(start, stop))
            labels = None if groups is None else (groups[0][start:stop], groups[1])
            found = search_block(block, limits[start:stop], candidates, k, labels)
            sims[start:stop], ranks[start:stop] = found
        if report is not None:
            report(stop)
    return sims, ranks


def search_block(
    block: np.ndarray,
    limits: np.ndarray,
    candidates: Rows,
    k: int,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One block of queries against its candidates, a candidate block at a time.

    Matrix products pick the ``k + MARGIN`` best of each row; their similarities are
    then recomputed exactly and the k best kept.
    """
    keep = k + MARGIN
    sims = np.full((len(block), keep), -np.inf, dtype=np.float32)
    ranks = np.full((len(block), keep), -1, dtype=np.int64)
    reach = int(limits.max())
    for first in range(0, reach, CANDIDATE_BLOCK):
        last = min(reach, first + CANDIDATE_BLOCK)
        width = -(-(last - first) // GROUP) * GROUP  # zero rows pad to whole groups
        rows = np.zeros((width, block.shape[1]), dtype=np.float32)
        rows[: last - first] = candidates(np.arange(first, last))
        products = block @ rows.T
        cut = limits - first
        if np.any(cut < width):
            products[np.arange(width) >= cut[:, None]] = -np.inf
        if groups is not None:
            mask_same_labels(products, groups[0], groups[1][first:last])
        top_sims, top_cols = top_columns(products, keep)
        top_ranks = np.where(top_cols >= 0, top_cols + first, -1)
        sims, ranks = best(np.hstack([sims, top_sims]), np.hstack([ranks, top_ranks]), keep)
    return best(exact_similarities(block, ranks, candidates), ranks, k)


def exact_similarities(queries: np.ndarray, ranks: np.ndarray, by_rank: Rows) -> np.ndarray:
    """Similarity of each query with each of its candidates (-inf for rank -1).

    Float32 products are exact in float64 and are summed in a fixed order, so a pair's
    similarity is the same bits wherever the pair sits in a batch (matrix products are
    not: their rounding depends on the block layout, which would let copies of a work
    swap places from one run layout to another).
    """
    sims = np.full(ranks.shape, -np.inf, dtype=np.float32)
    if ranks.size == 0:
        return sims
    step = 512
    for start in range(0, len(queries), step):
        block = ranks[start : start + step]
        rows = by_rank(np.maximum(block, 0).ravel()).reshape(*block.shape, -1)
        products = rows.astype(np.float64)
        products *= queries[start : start + step, None, :].astype(np.float64)
        dots = products.sum(axis=2).astype(np.float32)
        sims[start : start + step] = np.where(block >= 0, dots, -np.inf)
    return sims


def f32_similarities(matrix: np.ndarray, queries: list[np.ndarray]) -> np.ndarray:
    """Every row's similarity to each query by numpy's matrix-vector product. The
    products read far more memory than they compute (60k vectors are 93 MB), so the
    matrix is read once, a block at a time, each block multiplied with every query
    while it is in the CPU's cache: 6 queries cost 2.3 times one, not 6 times."""
    similarities = np.empty((len(queries), len(matrix)), dtype=np.float32)
    for start in range(0, len(matrix), BLOCK_ROWS):
        block = matrix[start : start + BLOCK_ROWS]
        for row, query in enumerate(queries):
            np.matmul(block, query, out=similarities[row, start : start + BLOCK_ROWS])
    return similarities


def kth_largest(values: np.ndarray, k: int) -> float:
    return float(np.partition(values, len(values) - k)[len(values) - k])


def native_bf16() -> bool:
    try:
        from scholarscope.embed.minilm import bf16_supported
    except ImportError:  # no PyTorch: float32 only
        return False
    return bf16_supported()


def bf16_similarities(matrix: Any, queries: list[np.ndarray]) -> np.ndarray:
    """Every row's similarity to each query by one bfloat16 matrix product."""
    import torch

    stacked = torch.from_numpy(np.stack(queries)).to(torch.bfloat16)
    return (matrix @ stacked.T).float().T.contiguous().numpy()


def bf16_copy(matrix: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(matrix).to(torch.bfloat16)


def mask_same_labels(products: np.ndarray, query_labels: np.ndarray, labels: np.ndarray) -> None:
    """Set to -inf each similarity of a query with a candidate of its own label (a
    version group: a work is never its own version's neighbour); ``labels``: those of
    the candidates of the block's first columns, -1 for none."""
    rows = np.flatnonzero(query_labels >= 0)
    if rows.size == 0:
        return
    hit_rows, hit_columns = np.nonzero(query_labels[rows, None] == labels[None, :])
    products[rows[hit_rows], hit_columns] = -np.inf
