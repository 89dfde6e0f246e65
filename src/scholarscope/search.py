"""Search over works: keyword (SQLite FTS5 over title and abstract), semantic (stored
embeddings) when an encoder is available, both fused; experts; similar works.

Read side only, no HTTP: the pages, the JSON API and the CLI (``scholarscope search``)
call these functions.

- **Keyword**: every word the user typed must occur (Porter stemming, accents folded);
  "quoted phrases" stay phrases. Ranked by BM25 with the title weighing 4× the abstract.
- **Semantic** (once the embedding stage has stored vectors): the query is embedded by
  the same model and compared with every work's vector (cosine similarity); a work is a
  semantic match when its similarity is at least ``MIN_SIMILARITY`` (0.4). With
  all-MiniLM-L6-v2 a short query and a topical abstract score 0.4–0.7, while queries about
  other subjects stay below 0.36 on the seed works ("machine translation" 0.35, "speech
  recognition" 0.31, "protein folding" 0.16), so below the floor every work would "match".
- **Hybrid**: every keyword match and the best ``POOL`` semantic matches. The first
  ``POOL`` keyword matches and the semantic ones are fused by reciprocal rank
  (1 / (60 + rank), summed); the other keyword matches follow in BM25 order. ``total``
  counts each work once.
- **Experts**: the authors of the ``POOL`` best matches of the same ranking as the works
  tab, ranked by how many of those works they wrote, then by their best-ranked one; their
  matching works are the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from scholarscope import models
from scholarscope import neighbours as nb
from scholarscope.store import Store
from scholarscope.work_lists import load_views, paging_block, with_author_links
from scholarscope.work_views import work_labels

POOL = 200  # matches considered for experts and for fusing the two rankings
MIN_SIMILARITY = 0.4  # cosine similarity a semantic match needs (see the module's text)
FUSION_K = 60  # reciprocal rank fusion constant (the usual choice)
MAX_TERMS = 32
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\w+)')
_WORD = re.compile(r"\w+")
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or our that the "
    "their this to via we with without which while using based towards toward new "
    "learning model models method approach".split()
)


class QueryEncoder(Protocol):
    """What semantic search needs of the embedding model (``scholarscope.embed``)."""

    @property
    def version(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


SemanticMatches = Callable[[str], list[tuple[int, float]]]
"""A query's semantic matches: (work_id, similarity), best first (``QueryBatch.matches``
with the loaded index and encoder)."""


@dataclass(frozen=True)
class Filters:
    """Filters of a works list; None means "any"."""

    field: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    code: bool | None = None
    venue: str | None = None

    def as_store_args(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "year_from": self.year_from,
            "year_to": self.year_to,
            "code": self.code,
            "venue": self.venue,
        }

    def accepts(self, facet: dict[str, Any] | None) -> bool:
        """The same test as the store's SQL filters, for works found by embedding."""
        if facet is None:
            return False
        year = facet["year"]
        return (
            (self.field is None or facet["field"] == self.field)
            and (self.year_from is None or (year is not None and year >= self.year_from))
            and (self.year_to is None or (year is not None and year <= self.year_to))
            and (self.code is None or bool(facet["code"]) == self.code)
            and (self.venue is None or (facet["venue"] or "").casefold() == self.venue.casefold())
        )


def fts_query(text: str, any_word: bool = False) -> str | None:
    """An FTS5 query from what a person typed: words and "quoted phrases", each quoted,
    so FTS5 operators, column filters or a stray quote are only text. None when there
    is nothing to search for.

    >>> fts_query('face anti-spoofing "domain generalization"')
    '"face" "anti" "spoofing" "domain generalization"'
    >>> fts_query('title:x OR "') , fts_query('  ""  ')
    ('"title" "x" "OR"', None)
    """
    terms: list[str] = []
    for phrase, word in _PHRASE_OR_WORD.findall(text):
        words = _WORD.findall(phrase) if phrase else [word] if word else []
        if words:
            terms.append('"' + " ".join(words) + '"')
    if not terms:
        return None
    return (" OR " if any_word else " ").join(terms[:MAX_TERMS])


class SemanticIndex:
    """Every stored work vector of one model, as unit rows of one matrix.

    Where the CPU multiplies bfloat16 natively (``minilm.bf16_supported``: AVX512-BF16 or
    AMX), a bfloat16 copy of the matrix (half the memory again) picks each query's
    candidates, as float32 products do elsewhere; the answers are the same either way
    (``nearest_each``), and 6 queries take 8.7 ms instead of 19.4 (60k vectors, one core).
    """

    def __init__(
        self, model: str, work_ids: np.ndarray, matrix: np.ndarray, bf16: bool | None = None
    ) -> None:
        """``bf16``: pre-select with the bfloat16 copy (None: where the CPU has it)."""
        self.model = model
        self.work_ids = work_ids
        self.matrix = matrix
        self._row = {int(w): i for i, w in enumerate(work_ids)}
        self._bf16 = nb.bf16_copy(matrix) if bf16 or (bf16 is None and nb.native_bf16()) else None

    @classmethod
    def load(cls, store: Store, model: str) -> SemanticIndex | None:
        """The index of ``model``'s vectors, or None when the store holds none."""
        rows = store.work_vectors(model)
        if not rows:
            return None
        matrix = np.stack([np.frombuffer(vector, dtype=np.float32) for _, vector in rows])
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)
        return cls(model, np.array([w for w, _ in rows], dtype=np.int64), matrix)

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        return self.matrix[rows]

    def vector_of(self, work_id: int) -> np.ndarray | None:
        row = self._row.get(work_id)
        return None if row is None else self.matrix[row]

    def nearest(
        self,
        vector: np.ndarray,
        k: int,
        exclude: int | None = None,
        min_similarity: float | None = None,
    ) -> list[tuple[int, float]]:
        """The ``k`` works most similar to ``vector``: (work_id, cosine similarity), only
        those at ``min_similarity`` or more when it is given; equal similarities in the
        order of the rows."""
        return self.nearest_each(vector[None, :], k, exclude, min_similarity)[0]

    def nearest_each(
        self,
        vectors: np.ndarray,
        k: int,
        exclude: int | None = None,
        min_similarity: float | None = None,
    ) -> list[list[tuple[int, float]]]:
        """``nearest`` for each row of ``vectors``, each answer bit for bit the one it
        gets alone.

        A fast product of every row with the queries (bfloat16 or float32) picks each
        query's candidates: the rows within twice the product's error of its
        ``count``-th best value, which hold its true ``count`` best (the ``count`` best
        by the fast product are each at least that value minus the error in truth, so
        the true ``count``-th best is too, and a true best row is at least that minus the
        error by the fast product). Each candidate's similarity is then computed exactly
        (``neighbours.exact_similarities``, as novelty computes it), which gives a row
        the same bits however many rows are compared with it."""
        queries = [v.astype(np.float32) / (float(np.linalg.norm(v)) or 1.0) for v in vectors]
        count = min(k + 1, len(self.matrix))  # one more, in case ``exclude`` is among them
        if self._bf16 is not None:
            approximate, error = nb.bf16_similarities(self._bf16, queries), nb.BF16_ERROR
        else:
            approximate, error = nb.f32_similarities(self.matrix, queries), nb.F32_ERROR
        answers = []
        for query, row in zip(queries, approximate, strict=True):
            threshold = nb.kth_largest(row, count) - 2 * error
            if min_similarity is not None:  # a row under it has no place in the answer
                threshold = max(threshold, min_similarity - error)
            rows = np.flatnonzero(row >= threshold)
            similarities = nb.exact_similarities(query[None, :], rows[None, :], self._rows)[0]
            answers.append(self._best(rows, similarities, count, k, exclude, min_similarity))
        return answers

    def _best(
        self,
        rows: np.ndarray,
        similarities: np.ndarray,
        count: int,
        k: int,
        exclude: int | None,
        min_similarity: float | None,
    ) -> list[tuple[int, float]]:
        """The ``count`` best of the candidate ``rows`` (most similar first, equal ones in
        row order), without ``exclude`` and those under ``min_similarity``: at most k."""
        order = np.lexsort((rows, -similarities))[:count]
        found = [(int(self.work_ids[rows[i]]), float(similarities[i])) for i in order]
        if min_similarity is not None:
            found = [(w, s) for w, s in found if s >= min_similarity]
        return [(w, round(s, 4)) for w, s in found if w != exclude][:k]


def fuse(rankings: Sequence[Sequence[int]], k: int = FUSION_K) -> list[int]:
    """Reciprocal rank fusion: each list gives 1 / (k + rank) to its items.

    >>> fuse([[1, 2, 3], [3, 1]])
    [1, 3, 2]
    """
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, work_id in enumerate(ranking, start=1):
            scores[work_id] = scores.get(work_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda w: (-scores[w], w))


@dataclass(frozen=True)
class Ranking:
    """The works matching a query, best first: ``mode`` "keyword" or "hybrid";
    ``total`` counts every match once; ``ids`` holds at least the best ones asked for."""

    mode: str
    total: int
    ids: list[int]


def rank_works(
    store: Store,
    text: str,
    filters: Filters,
    semantic: SemanticMatches | None = None,
    depth: int = POOL,
) -> Ranking:
    """The relevance ranking both search tabs use, down to at least ``depth`` works:
    keyword (BM25), fused with the semantic matches when an encoder and its stored
    vectors are there.

    Only the keyword matches the ranking needs are read in order: scoring every match
    is unavoidable (BM25 over the 20,130 works matching "large language" takes 18 ms),
    but reading them all in order took as long again. The ranking of the first ``depth``
    (at least ``POOL``) keyword matches is the start of the ranking of them all: the
    head depends on the first ``POOL`` only, and the semantic matches fused into it make
    the list longer, never shorter."""
    match = fts_query(text)
    if match is None:
        raise ValueError("the query has no words to search for")
    args = filters.as_store_args()
    wanted = depth if semantic is None else max(depth, POOL)
    total, keyword_ids = store.find_work_ids(match, **args, order="relevance", limit=wanted)
    if semantic is None:
        return Ranking("keyword", total, keyword_ids)
    semantic_ids = [w for w, _ in semantic(text)]
    if filters != Filters():
        facets = store.work_facets(semantic_ids)
        semantic_ids = [w for w in semantic_ids if filters.accepts(facets.get(w))]
    head = fuse([keyword_ids[:POOL], semantic_ids])
    listed = set(head)
    ranked = head + [w for w in keyword_ids[POOL:] if w not in listed]
    # which semantic matches are keyword matches too: asked when not every one was read
    if len(keyword_ids) < wanted:
        matching = set(keyword_ids)
    else:
        matching = store.matching_work_ids(match, semantic_ids)
    semantic_only = sum(w not in matching for w in semantic_ids)
    return Ranking("hybrid", total + semantic_only, ranked)


def search_work_ids(
    store: Store,
    text: str,
    filters: Filters,
    order: str,
    limit: int,
    offset: int,
    semantic: SemanticMatches | None = None,
) -> tuple[str, int, list[int]]:
    """(mode, total, one page of work ids) for a query. ``mode`` is "keyword", or
    "hybrid" when an encoder and its stored vectors are there (ordered by relevance)."""
    match = fts_query(text)
    if match is None:
        raise ValueError("the query has no words to search for")
    if semantic is None or order != "relevance":
        args = filters.as_store_args()
        total, ids = store.find_work_ids(match, **args, order=order, limit=limit, offset=offset)
        return "keyword", total, ids
    ranking = rank_works(store, text, filters, semantic, offset + limit)
    return "hybrid", ranking.total, ranking.ids[offset : offset + limit]


def snippet_parts(snippet: str) -> list[dict[str, Any]]:
    """A snippet from the store (matched words between \\x02 and \\x03) as parts a
    page highlights and a JSON client reads without parsing any markup.

    >>> snippet_parts("a \x02net\x03 b")
    [{'text': 'a ', 'match': False}, {'text': 'net', 'match': True}, {'text': ' b', 'match': False}]
    """
    parts = []
    for i, piece in enumerate(re.split("[\x02\x03]", snippet)):
        if piece:
            parts.append({"text": piece, "match": i % 2 == 1})
    return parts


def find_experts(
    store: Store,
    text: str,
    filters: Filters,
    limit: int = 20,
    semantic: SemanticMatches | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(matching works considered, the authors ranked with their matching works): the
    authors of the ``POOL`` best works of ``rank_works``, as the works tab ranks them."""
    ids = rank_works(store, text, filters, semantic).ids[:POOL]
    rank = {work_id: position for position, work_id in enumerate(ids, start=1)}
    works_of: dict[int, set[int]] = {}
    for work_id, _, _, author_id in store.authorship_rows(ids):
        works_of.setdefault(author_id, set()).add(work_id)
    ranked = sorted(
        works_of, key=lambda a: (-len(works_of[a]), min(rank[w] for w in works_of[a]), a)
    )[:limit]
    names = store.author_names(ranked)
    evidence_ids = sorted({w for a in ranked for w in works_of[a]})
    labels = work_labels(store, evidence_ids)
    experts = []
    for author_id in ranked:
        works = sorted(works_of[author_id], key=lambda w: rank[w])
        experts.append(
            {
                "id": f"author:{author_id}",
                "name": names.get(author_id),
                "matching_works": len(works),
                "best_rank": rank[works[0]],
                "evidence": [{**labels[w], "rank": rank[w]} for w in works[:5]],
            }
        )
    return len(ids), experts


def similar_works(
    store: Store,
    work_id: int,
    text: str | None,
    semantic: SemanticIndex | None,
    limit: int = 8,
) -> dict[str, Any]:
    """Works like this one, at any date: by embedding when this work has a vector,
    otherwise by the words of ``text``, its title (keyword search, said so)."""
    vector = semantic.vector_of(work_id) if semantic else None
    if semantic is not None and vector is not None:
        hits = semantic.nearest(vector, limit, exclude=work_id)
        labels = work_labels(store, [w for w, _ in hits])
        return {
            "method": f"nearest by embedding ({semantic.model}), any date",
            "works": [{**labels[w], "similarity": s} for w, s in hits],
        }
    words = [w for w in _WORD.findall(text or "") if len(w) > 2 and w.lower() not in STOPWORDS]
    match = fts_query(" ".join(words[:16]), any_word=True)
    found: list[int] = []
    if match:  # titles against titles: ranking every abstract that shares a word is slow
        found = store.best_matching_work_ids(f"title : ({match})", limit + 1)
    found = [w for w in found if w != work_id][:limit]
    labels = work_labels(store, found)
    return {
        "method": "titles sharing the most words with its title (or with its abstract's "
        "opening when it has no title): keyword search, as no embeddings are stored",
        "works": [{**labels[w], "similarity": None} for w in found],
    }


def search_results(
    store: Store,
    query: str,
    filters: Filters,
    sort: str = "relevance",
    tab: str = "works",
    page: int = 1,
    per_page: int = 20,
    semantic: SemanticIndex | None = None,
    matches: SemanticMatches | None = None,
    export_limit: int | None = None,
) -> tuple[models.Search, list[int]]:
    """A search as the page, its JSON twin and ``scholarscope search`` show it: the
    works tab (one page of results with snippets) or the experts tab; and, for exports,
    the ids of the first ``export_limit`` works found (else those of the page).
    ``semantic`` and ``matches``: the stored vectors and the query's semantic matches
    (hybrid search), or None (keyword search). A query without words (``!``) finds
    nothing, as an empty one does, and so does a year range that ends before it starts.
    """
    data: dict[str, Any] = {
        "query": query,
        "tab": tab,
        "filters": filters.as_store_args(),
        "sort": sort,
        "mode": "hybrid" if semantic else "keyword",
        "semantic": f"on ({semantic.model})"
        if semantic
        else "off: no embedding model is loaded or no embeddings are stored (scholarscope score)",
    }
    if fts_query(query) is None:  # each tab's empty answer
        if tab == "experts":
            data.update({"works_considered": 0, "experts": []})
        else:
            data.update({"paging": paging_block(page, per_page, 0), "results": []})
        return models.convert(data, models.Search), []
    if tab == "experts":
        considered, experts = find_experts(store, query, filters, semantic=matches)
        data.update({"works_considered": considered, "experts": experts})
        return models.convert(data, models.Search), []
    limit, offset = (export_limit, 0) if export_limit else (per_page, (page - 1) * per_page)
    mode, total, ids = search_work_ids(store, query, filters, sort, limit, offset, matches)
    shown = ids[:per_page]
    snippets = store.search_snippets(fts_query(query) or "", shown)
    results = with_author_links(store, load_views(store, shown))
    for result in results:
        snippet = snippets.get(result["work_id"])
        result["snippet"] = snippet_parts(snippet) if snippet else None
    data.update({"mode": mode, "paging": paging_block(page, per_page, total), "results": results})
    return models.convert(data, models.Search), ids


def query_matches(index: SemanticIndex, encoder: QueryEncoder) -> SemanticMatches:
    """A query's semantic matches computed alone (the server batches them instead:
    ``web.query_batch``): the ``POOL`` nearest works with at least ``MIN_SIMILARITY``."""

    def matches(text: str) -> list[tuple[int, float]]:
        return index.nearest_each(encoder.encode([text]), POOL, min_similarity=MIN_SIMILARITY)[0]

    return matches
