"""The scoring stage: embed -> novelty -> AI Score, each step doing only what is missing.

1. **Embed**: the text of a work (title and abstract, as the field classifier reads it)
   is hashed; texts whose hash has no vector from the current embedding model are
   embedded, a batch at a time, each batch committed: killing the run loses at most one
   batch, and the next run goes on from there.
2. **Novelty** (``score/novelty.py``): a work's k nearest earlier works are computed
   only when it is new, its text or date changed, the embedding model or the raw
   novelty formula changed, one of its stored neighbours no longer exists (merged into
   another work) or is now a version of it (``versions.py``: a paper's own versions are
   never its neighbours), or a work dated before it arrived that is closer than its
   current k-th neighbour. Then every work's
   percentile within its cohort (field and year) is refreshed: cheap, and a cohort's
   percentiles move whenever it gains a work.
3. **AI Score** (``score/ai_score.py``): recomputed for every work from the stored parts,
   since the citation-impact percentile of a work depends on its whole cohort.

Each work is read as its ``ScoreFacts`` (``load_score_facts``): its records, ids, newest
citation figures and enrichment from the store, merged by the rules its pages show it by.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

import numpy as np

from scholarscope import work_views
from scholarscope.enrich.fields import field_document
from scholarscope.merged import by_priority, first_value
from scholarscope.records import Work, is_match_key
from scholarscope.score import ai_score as ai
from scholarscope.score import novelty as nov
from scholarscope.store import Store

EMBED_BATCH = 256  # texts embedded and committed at a time
READ_BATCH = 2000  # works read at a time
EXACT_SEARCH_LIMIT = 100_000  # works; beyond, novelty uses the approximate index
_ARXIV_NEW_ID = "arxiv:"


class Encoder(Protocol):
    """What the stage needs of an embedding model (``scholarscope.embed``)."""

    @property
    def version(self) -> str: ...

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


@dataclass
class ScoreReport:
    """What one scoring run did."""

    works: int = 0
    without_text: int = 0
    embedded: int = 0
    already_embedded: int = 0
    novelty_computed: int = 0
    novelty_kept: int = 0
    too_early: int = 0
    scored: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # per step
    messages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScoreFacts:
    """What scoring needs of one work, merged from its stored records with the rules the
    pages show it by (``work_views``): the novelty and AI Score of a work are those of
    the title, date, field, citations, code and venue a person sees."""

    work_id: int
    ids: tuple[str, ...]  # sorted, no match keys: an arXiv id dates a work no source dates
    title: str | None
    abstract: str | None
    date: str | None  # the first calendar date a record gives (``work_views.shown_date``)
    year: int | None
    field_key: str | None  # ``work_views.field_key``
    citations: int | None  # the shown figure (``work_views.citation_source``)
    citations_as_of: str | None  # when that figure was counted; None when not known
    code: bool
    venue: work_views.Venue | None  # None: no source says where the work appeared


@dataclass(frozen=True)
class ScoreInput:
    """What scoring reads of one work (from its ``ScoreFacts``)."""

    work_id: int
    text: str | None  # the embedded text; None when the work has neither title nor abstract
    content_hash: str | None
    novelty_date: str | None  # ISO date, possibly partial (yyyy-mm, yyyy)
    cohort: str | None  # "arxiv:cs.CV 2024": field key and year
    citations: int | None
    citations_year: int | None  # the year the citation figure was counted
    year: int | None
    code: bool
    venue_known: bool  # a source says something about where the work appeared
    venue: str | None
    venue_status: str | None
    workshop: bool


def content_hash(text: str) -> str:
    """The key of an embedded text: the first 32 hex digits of its SHA-256.

    >>> content_hash("A title\\nAn abstract.")
    'fedd293a51dc4e396352cd86fc11b5a4'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def novelty_date(date: str | None, ids: Sequence[str], year: int | None) -> str | None:
    """The date a work counts as published for novelty: the date a source gives, else
    the month in a new-style arXiv id (``arxiv:2409.19252`` -> ``2024-09``), else the year.

    >>> novelty_date(None, ["arxiv:2409.19252"], None)
    '2024-09'
    >>> novelty_date("2023-05-02", [], 2023)
    '2023-05-02'
    >>> novelty_date(None, ["doi:10.1/x"], None) is None
    True
    """
    if date:
        return str(date)
    for key in ids:
        number = key[len(_ARXIV_NEW_ID) :] if key.startswith(_ARXIV_NEW_ID) else ""
        head = number.split(".")[0]
        if len(head) == 4 and head.isdigit() and "." in number and 1 <= int(head[2:]) <= 12:
            return f"20{head[:2]}-{head[2:]}"
    return str(year) if year else None


def score_facts(
    work_id: int,
    records: Sequence[Work],
    keys: Sequence[str],
    citations: Sequence[tuple[Any, ...]],
    enrichment: Mapping[str, Any] | None,
) -> ScoreFacts:
    """One work's ``ScoreFacts`` from its source records, its keys, the newest citation
    figure of each source (source, as_of, count, by_year) and its ``work_enrichment``
    row, if it was enriched (pure)."""
    works = by_priority(list(records))
    figures = {source: (count, as_of) for source, as_of, count, _ in citations}
    shown = work_views.citation_source(figures)
    count, as_of = figures[shown] if shown is not None else (None, None)
    return ScoreFacts(
        work_id=work_id,
        ids=tuple(k for k in keys if not is_match_key(k)),
        title=first_value(works, "title"),
        abstract=first_value(works, "abstract"),
        date=work_views.shown_date(works),
        year=first_value(works, "year"),
        field_key=work_views.field_key(works, enrichment),
        citations=count,
        citations_as_of=as_of or None,
        code=work_views.code_state(works, enrichment) == "available",
        venue=work_views.shown_venue(works, enrichment),
    )


def load_score_facts(store: Store, work_ids: Sequence[int]) -> list[ScoreFacts]:
    """The ``ScoreFacts`` of the given works, in the given order."""
    # max_authors=0: scoring reads no author, and building every author of every record
    # (thousands on some) was a third of decoding them (64k works: 2.6 s -> 1.7 s)
    records = store.work_records(work_ids, max_authors=0)
    keys = store.work_keys(work_ids)
    citations = store.latest_citations(work_ids)
    enrichments = store.enrichments(work_ids)
    return [
        score_facts(
            work_id,
            [work for _, _, work in records.get(work_id, [])],
            keys.get(work_id, []),
            citations.get(work_id, []),
            enrichments.get(work_id),
        )
        for work_id in work_ids
    ]


def score_input(facts: ScoreFacts) -> ScoreInput:
    """A work's facts reduced to what scoring computes with (pure)."""
    text = field_document(facts.title, facts.abstract) or None
    when = novelty_date(facts.date, facts.ids, facts.year)
    year = int(when[:4]) if when else None
    field = facts.field_key  # cohorts by key: cs.CV and math.CV are two (taxonomy.py)
    as_of = facts.citations_as_of or ""
    venue = facts.venue
    return ScoreInput(
        work_id=facts.work_id,
        text=text,
        content_hash=content_hash(text) if text else None,
        novelty_date=when,
        cohort=f"{field or 'unknown field'} {year}" if year else None,
        citations=facts.citations,
        citations_year=int(as_of[:4]) if as_of[:4].isdigit() else None,
        year=year,
        code=facts.code,
        venue_known=venue is not None,
        venue=venue.name if venue else None,
        venue_status=venue.status if venue else None,
        workshop=venue.workshop if venue else False,
    )


def load_score_inputs(store: Store, problems: list[str] | None = None) -> list[ScoreInput]:
    """Every work of the store as a ``ScoreInput``, read a batch at a time. A work whose
    stored records cannot be made into one is left out and named in ``problems``: one
    bad work never stops the stage."""
    problems = [] if problems is None else problems
    work_ids = store.work_ids()
    inputs: list[ScoreInput] = []
    for start in range(0, len(work_ids), READ_BATCH):
        batch = work_ids[start : start + READ_BATCH]
        try:
            facts = load_score_facts(store, batch)
        except Exception:  # find the work at fault, one at a time
            facts = []
            for work_id in batch:
                try:
                    facts.extend(load_score_facts(store, [work_id]))
                except Exception as error:
                    problems.append(f"work:{work_id}: cannot be scored ({error!r})")
        for fact in facts:
            try:
                inputs.append(score_input(fact))
            except Exception as error:
                problems.append(f"work:{fact.work_id}: cannot be scored ({error!r})")
    return inputs


def score_store(
    store: Store,
    encoder: Encoder,
    weights: Mapping[str, float] = ai.DEFAULT_WEIGHTS,
    k: int = nov.K,
    min_earlier: int = nov.MIN_EARLIER,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> ScoreReport:
    """Run whatever is missing of embed -> novelty -> AI Score over the whole store.

    ``on_progress(step, done, total)`` is called as the embedding advances.
    """
    report = ScoreReport()
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        report.seconds[step] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    inputs = load_score_inputs(store, report.messages)
    report.works = len(inputs)
    report.without_text = sum(item.text is None for item in inputs)
    lap("read")
    embed_missing(store, encoder, inputs, report, on_progress)
    lap("embed")
    update_novelty(store, encoder.version, inputs, k, report, min_earlier)
    lap("novelty")
    update_scores(store, inputs, weights, report)
    lap("ai_score")
    return report


def embed_missing(
    store: Store,
    encoder: Encoder,
    inputs: Sequence[ScoreInput],
    report: ScoreReport,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Embed the texts that have no vector from ``encoder`` yet; commit per batch."""
    stored = store.embedded_hashes(encoder.version)
    missing: dict[str, str] = {}
    for item in inputs:
        if item.content_hash and item.text and item.content_hash not in stored:
            missing.setdefault(item.content_hash, item.text)
    report.already_embedded = len({i.content_hash for i in inputs if i.content_hash} & stored)
    pending = list(missing.items())
    for start in range(0, len(pending), EMBED_BATCH):
        batch = pending[start : start + EMBED_BATCH]
        vectors = encoder.encode([text for _, text in batch])
        rows = [
            (content, encoder.version, vector.astype(np.float32).tobytes())
            for (content, _), vector in zip(batch, vectors, strict=True)
        ]
        with store.transaction():
            store.insert_embeddings(rows)
        report.embedded += len(batch)
        if on_progress:
            on_progress("embed", report.embedded, len(pending))


def update_novelty(
    store: Store,
    model: str,
    inputs: Sequence[ScoreInput],
    k: int,
    report: ScoreReport,
    min_earlier: int = nov.MIN_EARLIER,
) -> None:
    """Find the neighbours of the works that need it (see the module docstring), then
    store every work's raw novelty and cohort percentile."""
    novelty_model = f"{model} k={k} raw={nov.RAW_DEFINITION}"
    scorable = [i for i in inputs if i.content_hash]
    stored_vectors = store.embeddings(model, [i.content_hash or "" for i in scorable])
    scorable = [i for i in scorable if i.content_hash in stored_vectors]
    stored = store.novelty_inputs()
    scorable_ids = {i.work_id for i in scorable}
    gone = [w for w in stored if w not in scorable_ids]
    group_of = store.version_group_map()  # versions of one paper: never neighbours
    kept = _still_valid(scorable, stored, novelty_model, group_of)
    old = [i for i in scorable if i.work_id in kept]
    added = [i for i in scorable if i.work_id not in kept]

    dim = len(next(iter(stored_vectors.values()), b"")) // 4

    def matrix(items: Sequence[ScoreInput]) -> np.ndarray:
        vectors = [np.frombuffer(stored_vectors[i.content_hash or ""], np.float32) for i in items]
        return np.vstack(vectors) if vectors else np.zeros((0, dim), np.float32)

    def dates(items: Sequence[ScoreInput]) -> np.ndarray:
        return np.array([i.novelty_date or "NaT" for i in items], dtype="datetime64[D]")

    def groups(items: Sequence[ScoreInput]) -> list[int]:
        return [group_of.get(i.work_id, -1) for i in items]

    if not old:
        items = list(added)
        found = nov.earlier_neighbours(
            matrix(items), dates(items), k, method=_method(len(items)), groups=groups(items)
        )
        recomputed = set(range(len(items)))
    else:
        corpus = _stored_neighbours(old, stored, k)
        update = nov.add_works(
            corpus,
            matrix(old),
            dates(old),
            matrix(added),
            dates(added),
            groups(old),
            groups(added),
        )
        found = nov.apply_update(corpus, update)
        items = old + added
        recomputed = set(update.changed.tolist()) | set(range(len(old), len(items)))
        recomputed |= {p for p in range(len(old)) if update.earlier[p] != corpus.earlier[p]}
    report.novelty_computed = len(recomputed)
    report.novelty_kept = len(items) - len(recomputed)
    raw = nov.novelty_raw(found.similarity, found.earlier, min_earlier=max(min_earlier, k))
    percentiles = nov.cohort_percentiles(raw, [i.cohort for i in items])
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for position in sorted(recomputed):
        item = items[position]
        neighbours = [
            [items[n].work_id, float(sim)]
            for n, sim in zip(found.index[position], found.similarity[position], strict=True)
            if n >= 0
        ]
        value = raw.value[position]
        rows.append((
            item.work_id, novelty_model, item.content_hash, item.novelty_date,
            int(found.earlier[position]), json.dumps(neighbours),
            None if np.isnan(value) else float(value), raw.reason[position],
            None, None, now,
        ))  # fmt: skip
    report.too_early = sum(reason is not None for reason in raw.reason)
    percentile_rows = [
        (item.cohort, None if np.isnan(value) else round(float(value), 2), reason, item.work_id)
        for item, value, reason in zip(items, percentiles.value, percentiles.reason, strict=True)
    ]
    with store.transaction():
        store.delete_novelty(gone)
        store.upsert_novelty(rows)
        store.set_novelty_percentiles(percentile_rows)


def _method(works: int) -> str:
    """Exact search up to this size (seconds for 60k works), the HNSW index beyond."""
    return "exact" if works <= EXACT_SEARCH_LIMIT else "usearch"


def _still_valid(
    items: Sequence[ScoreInput],
    stored: Mapping[int, Mapping[str, Any]],
    model: str,
    group_of: Mapping[int, int] | None = None,
) -> set[int]:
    """Works whose stored neighbours still hold: same model, text and date, none of them
    a version of the work (``group_of``: each grouped work's primary version; a link
    found after the work was scored), and every neighbour itself such a work (repeated
    until no work depends on one that is not)."""
    group_of = group_of or {}
    current = {i.work_id: (i.content_hash, i.novelty_date) for i in items}
    neighbours = {work_id: [n for n, _ in json.loads(row["neighbours"])]
                  for work_id, row in stored.items()}  # fmt: skip

    def own_version_among(work_id: int) -> bool:
        group = group_of.get(work_id)
        return group is not None and any(group_of.get(n) == group for n in neighbours[work_id])

    valid = {
        work_id
        for work_id, row in stored.items()
        if row["model"] == model
        and current.get(work_id) == (row["content_hash"], row["novelty_date"])
        and not own_version_among(work_id)
    }
    while True:
        still = {w for w in valid if all(n in valid for n in neighbours[w])}
        if still == valid:
            return valid
        valid = still


def _stored_neighbours(
    old: Sequence[ScoreInput], stored: Mapping[int, Mapping[str, Any]], k: int
) -> nov.Neighbours:
    """The stored neighbour lists of ``old`` as positions in ``old``."""
    position = {item.work_id: p for p, item in enumerate(old)}
    index = np.full((len(old), k), -1, dtype=np.int64)
    similarity = np.full((len(old), k), np.nan, dtype=np.float32)
    for row, item in enumerate(old):
        for column, (work_id, sim) in enumerate(json.loads(stored[item.work_id]["neighbours"])):
            index[row, column] = position[work_id]
            similarity[row, column] = sim
    earlier = np.array([stored[i.work_id]["earlier_works"] for i in old], dtype=np.int64)
    return nov.Neighbours(index, similarity, earlier)


def update_scores(
    store: Store,
    inputs: Sequence[ScoreInput],
    weights: Mapping[str, float],
    report: ScoreReport,
    today: date | None = None,
) -> None:
    """Recompute every work's AI Score from its stored parts (one transaction)."""
    current_year = (today or date.today()).year
    novelty = store.novelty([item.work_id for item in inputs])
    impact = impact_percentiles(inputs, current_year)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for item in inputs:
        stored = novelty.get(item.work_id) or {}
        components = {
            "impact": impact.get(item.work_id),
            "novelty": stored.get("novelty_percentile"),
            "openness": ai.openness_component(item.code),
            "venue": (
                ai.venue_component(item.venue, item.venue_status, item.workshop)
                if item.venue_known
                else None
            ),
        }
        result = ai.ai_score(components, weights)
        rows.append((item.work_id, result.score, json.dumps(result.breakdown()), now))
        report.scored += result.score is not None
    with store.transaction():
        store.replace_scores(rows)


def citations_per_year(citations: int, year: int, counted_in: int) -> float:
    """Citations divided by the years the work has been out, counting its first year as
    one (a paper from this year with 4 citations has 4 a year).

    >>> citations_per_year(120, 2020, 2025), citations_per_year(4, 2025, 2025)
    (20.0, 4.0)
    """
    return citations / max(1, counted_in - year + 1)


def impact_percentiles(inputs: Sequence[ScoreInput], current_year: int) -> dict[int, float]:
    """Citations per year as a percentile within each (field, year) cohort, over the
    works that have a citation count and a year (same rule as novelty's percentiles)."""
    counted = [i for i in inputs if i.citations is not None and i.year and i.cohort]
    rates = np.array(
        [
            citations_per_year(i.citations or 0, i.year or 0, i.citations_year or current_year)
            for i in counted
        ],
        dtype=np.float64,
    )
    found = nov.cohort_percentiles(nov.Scores(rates, (None,) * len(counted)),
                                   [i.cohort for i in counted])  # fmt: skip
    return {
        item.work_id: float(value)
        for item, value in zip(counted, found.value, strict=True)
        if not np.isnan(value)
    }
