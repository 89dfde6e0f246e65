"""The enrichment stage: derive from the text of each work its field (when no source
states one), its code status and its venue, and store them in ``work_enrichment``.

Only works that need it are enriched: works never enriched, works with a source record
stored since, and every work when the field model changes (``--all`` forces a full run).
A record whose text cannot be parsed keeps its raw text and is counted as unparsed; an
unexpected error on one work is reported and never stops the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scholarscope.enrich.code_links import CodeStatus, find_code
from scholarscope.enrich.fields import FieldModel, category_badge
from scholarscope.enrich.venues import VenueInfo, parse_venue
from scholarscope.merged import by_priority, first_stated_field, first_value, stated_categories
from scholarscope.records import Work
from scholarscope.store import Store
from scholarscope.taxonomy import arxiv_key, in_cs_domain

ENRICH_BATCH = 2000


@dataclass
class EnrichReport:
    """What one enrichment run did."""

    works: int = 0
    field_predicted: int = 0
    field_chosen: int = 0  # multi-category records: a stated category chosen
    code_available: int = 0
    code_promised: int = 0
    venue_found: int = 0
    comments_unparsed: int = 0
    failed: int = 0
    messages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WorkText:
    """The texts of one merged work that enrichment reads."""

    work_id: int
    title: str | None
    abstract: str | None
    comments: str | None
    journal_ref: str | None
    stated_field: str | None  # the first field key a source states (merged.stated_field)
    stated_categories: tuple[str, ...]  # every arXiv category the records list
    all_texts: tuple[str, ...]  # every abstract and comments line of every source


def work_text(work_id: int, records: Sequence[Work]) -> WorkText:
    """Choose a work's texts from its source records (pure), as the profile shows them."""
    ordered = by_priority(list(records))
    texts: list[str] = []
    for record in ordered:
        for text in (record.abstract, record.comments, record.journal_ref):
            if text and text not in texts:
                texts.append(text)
    return WorkText(
        work_id=work_id,
        title=first_value(ordered, "title"),
        abstract=first_value(ordered, "abstract"),
        comments=first_value(ordered, "comments"),
        journal_ref=first_value(ordered, "journal_ref"),
        stated_field=first_stated_field(ordered),
        stated_categories=stated_categories(ordered),
        all_texts=tuple(texts),
    )


def enrichment_row(
    text: WorkText,
    prediction: FieldChoice | None,
    code: CodeStatus,
    venue: VenueInfo,
    model_version: str | None,
    now: str,
) -> tuple[Any, ...]:
    """One ``work_enrichment`` row, in ``Store.ENRICHMENT_COLUMNS`` order (pure)."""
    return (
        text.work_id,
        now,
        prediction.category if prediction else None,
        prediction.badge if prediction else None,
        round(prediction.confidence, 4)
        if prediction and prediction.confidence is not None
        else None,
        model_version,
        code.state,
        code.url,
        json.dumps(list(code.urls)),
        code.evidence,
        venue.venue,
        venue.year,
        venue.status,
        int(venue.workshop),
        venue.presentation,
        venue.pages,
        venue.figures,
        venue.tables,
        venue.doi,
        venue.original,
        int(venue.parsed),
        venue.workshop_name,
    )


def enrich_store(
    store: Store,
    everything: bool = False,
    model: FieldModel | None = None,
    on_batch: Callable[[EnrichReport, int], None] | None = None,
) -> EnrichReport:
    """Enrich every work that needs it; one transaction per batch. Without a field
    ``model`` no field is predicted (code status and venue still are).

    >>> from pathlib import Path
    >>> from scholarscope.store import open_store
    >>> from scholarscope.pipeline import ingest_paths
    >>> store = open_store(":memory:")
    >>> _ = ingest_paths(store, [Path("examples/000_6198259b7f70df20.txt")])
    >>> enrich_store(store).works
    10
    """
    report = EnrichReport()
    work_ids = store.works_to_enrich(model.version if model else "", everything)
    for start in range(0, len(work_ids), ENRICH_BATCH):
        chunk = work_ids[start : start + ENRICH_BATCH]
        records = store.work_records(chunk)
        texts = [work_text(w, [r[2] for r in records.get(w, [])]) for w in chunk]
        rows = _enrich_batch(texts, model, report)
        with store.transaction():
            store.upsert_enrichments(rows)
        if on_batch:
            on_batch(report, len(work_ids))
    return report


def _enrich_batch(
    texts: list[WorkText], model: FieldModel | None, report: EnrichReport
) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    predictions = _fields(texts, model)
    rows = []
    for text in texts:
        try:
            code = find_code(*text.all_texts)
            venue = parse_venue(text.comments, text.journal_ref)
        except Exception as error:  # one odd record never stops the run
            report.failed += 1
            report.messages.append(f"work:{text.work_id}: enrichment failed ({error!r})")
            code = find_code()
            venue = VenueInfo(
                venue=None, year=None, status=None, workshop=False, presentation=None,
                pages=None, figures=None, tables=None, doi=None,
                original=text.comments, parsed=False,
            )  # fmt: skip
        prediction = predictions.get(text.work_id)
        version = model.version if model else None
        rows.append(enrichment_row(text, prediction, code, venue, version, now))
        report.works += 1
        report.field_predicted += prediction is not None and not prediction.stated
        report.field_chosen += prediction is not None and prediction.stated
        report.code_available += code.state == "available"
        report.code_promised += code.state == "promised"
        report.venue_found += venue.venue is not None
        report.comments_unparsed += venue.original is not None and not venue.parsed
    return rows


@dataclass(frozen=True)
class FieldChoice:
    """The field enrichment gives a work no source states one for: a category chosen among
    a multi-category record's stated ones (``stated``), or a prediction."""

    category: str
    badge: str
    confidence: float | None
    model_version: str
    stated: bool


def _fields(texts: list[WorkText], model: FieldModel | None) -> dict[int, FieldChoice]:
    """The field of each work no source states one for (taxonomy.py):

    - a work whose records list arXiv categories but no primary one (the arXiv file's
      multi-category records) gets one of those: for a text inside the classifier's domain,
      the one it finds most probable among those it knows; otherwise the first listed
      outside CS (else the first listed). A stated category is never overridden by a
      prediction.
    - a work with no stated field at all gets the classifier's prediction, from real text,
      when the text is inside its domain (computer science).
    - a work with a stated field (of any taxonomy: a math category, an OpenAlex field)
      gets nothing here: it is never given a CS prediction.
    """
    choices: dict[int, FieldChoice] = {}
    listed = [t for t in texts if not t.stated_field and t.stated_categories]
    known = [t for t in listed if model and set(t.stated_categories) & set(model.classes)]
    if model and known:  # the classifier chooses only for a text inside its domain
        inside = model.in_domain([(t.title, t.abstract) for t in known])
        known = [t for t, keep in zip(known, inside, strict=True) if keep]
    if model and known:
        probs = model.predict_proba([(t.title, t.abstract) for t in known])
        column = {c: i for i, c in enumerate(model.classes)}
        for text, row in zip(known, probs, strict=True):
            among = [c for c in text.stated_categories if c in column]
            best = max(among, key=lambda c: row[column[c]])
            total = sum(row[column[c]] for c in among)
            choices[text.work_id] = FieldChoice(
                best, category_badge(best), float(row[column[best]] / total),
                model.version, stated=True,
            )  # fmt: skip
    for text in listed:
        if text.work_id not in choices:
            # a text the classifier did not choose for is outside its domain (or lists no
            # category it knows): the first listed category outside CS, as a mathematics
            # paper cross-listed to cs.IT reads; without a model, the first listed
            outside = [c for c in text.stated_categories if not in_cs_domain(arxiv_key(c))]
            first = outside[0] if model and outside else text.stated_categories[0]
            choices[text.work_id] = FieldChoice(
                first, category_badge(first), None, model.version if model else "", True
            )
    unstated = [
        t for t in texts
        if model and not t.stated_field and not t.stated_categories and (t.title or t.abstract)
    ]  # fmt: skip
    if model and unstated:
        found = model.predict([(t.title, t.abstract) for t in unstated])
        for text, prediction in zip(unstated, found, strict=True):
            category, badge = prediction.category, prediction.badge
            if category and badge:  # none for a text outside the model's domain
                choices[text.work_id] = FieldChoice(
                    category, badge, prediction.confidence, prediction.model_version,
                    stated=False,
                )  # fmt: skip
    return choices
