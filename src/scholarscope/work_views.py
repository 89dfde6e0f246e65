"""Read side: a work as every client shows it, merged from its source records.

Each field comes from the first source in ``merged.SOURCE_PRIORITY`` that gives it (the
arXiv API and snapshot describe an arXiv paper best; a profile page knows least).
Citations are never mixed: every source's figure is listed, and the displayed
``citations`` is the figure of the first source in ``CITATION_PRIORITY`` that has one,
named in ``citations_source``. The novelty and the AI Score are the ``score`` stage's.

The rules that choose a work's date, field, code status, venue and citation figure are
functions of their own (``shown_date``, ``field_key``, ``code_state``, ``shown_venue``,
``citation_source``): the ``score`` stage merges what it scores with the same ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from scholarscope.merged import (
    by_priority,
    first_stated_field,
    first_value,
    source_name,
    source_rank,
    stated_categories,
    stated_field,
)
from scholarscope.records import Work, calendar_date, is_match_key
from scholarscope.store import Store
from scholarscope.taxonomy import (
    arxiv_key,
    field_badge,
    field_label,
    field_name,
)
from scholarscope.versions import VersionLink, version_entries

CITATION_PRIORITY = ("openalex", "semantic_scholar", "profile_page")
ID_PRIORITY = ("arxiv", "doi", "openalex", "s2", "pmid", "mag")


def work_view(
    work_id: int,
    records: list[tuple[str, int, Work]],
    keys: list[str],
    citations: list[tuple[Any, ...]],
    enrichment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One merged work as a dict, from its source records (pure).

    ``records`` are (origin, seq, Work); ``citations`` (source, as_of, count, by_year);
    ``enrichment`` the work's ``work_enrichment`` row, if it was enriched.
    """
    works = by_priority([r[2] for r in records])
    ids = [k for k in keys if not is_match_key(k)]
    with_authors = [w for w in works if w.authors]
    author_source = with_authors[0] if with_authors else None
    shown = (
        [
            a.author.name
            for a in sorted(author_source.authors, key=lambda a: a.position or 0)
            if a.position is not None
        ]
        if author_source
        else []
    )
    date_value = shown_date(works)
    return {
        "id": shown_id(work_id, keys),
        "work_id": work_id,
        "ids": ids,
        "title": first_value(works, "title"),
        "date": date_value,
        "date_text": first_value(works, "date_text") or date_value,
        "year": first_value(works, "year"),
        **_field(works, enrichment),
        **_code(works, enrichment),
        "authors": shown,
        "et_al": bool(author_source and author_source.et_al),
        "affiliation": first_value(works, "affiliation_tag"),
        "abstract": first_value(works, "abstract"),
        "comments": first_value(works, "comments"),
        "journal_ref": first_value(works, "journal_ref"),
        "venue": _venue(works, enrichment),
        "doi": next((k[4:] for k in ids if k.startswith("doi:")), None),
        **citation_fields(citations),
        "sources": sorted({w.source for w in works}, key=source_rank),
    }


def citation_fields(citations: list[tuple[Any, ...]]) -> dict[str, Any]:
    """A work's citation figures as shown (pure): every source's newest figure
    (``citations``: (source, as_of, count, by_year)) and the one displayed, from the
    first source in ``CITATION_PRIORITY`` that has one."""
    by_source = {
        source: {"count": count, "as_of": as_of or None, "by_year": orjson.loads(by_year)}
        for source, as_of, count, by_year in citations
    }
    shown_source = citation_source(by_source)
    return {
        "citations": by_source[shown_source]["count"] if shown_source else None,
        "citations_source": shown_source,
        "citations_by_source": by_source,
    }


def citation_source(sources: Collection[str]) -> str | None:
    """The source whose citation figure a work shows: the first in ``CITATION_PRIORITY``
    that has one, else the first by name.

    >>> citation_source({"profile_page", "semantic_scholar"}), citation_source({"x", "b"})
    ('semantic_scholar', 'b')
    """
    shown = next((s for s in CITATION_PRIORITY if s in sources), None)
    return shown if shown is not None or not sources else sorted(sources)[0]


def shown_date(works: list[Work]) -> str | None:
    """The date a work shows: the first calendar day its records give, in the given
    (priority) order. A database written before ingest checked dates may hold
    "2024-13-45", which no page, sort or score may trip over.

    >>> shown_date([Work(ids=(), source="a", origin="o", date="2024-13-45"),
    ...             Work(ids=(), source="b", origin="o", date="2024-09")])
    '2024-09'
    """
    return next((w.date for w in works if calendar_date(w.date)), None)


def field_key(works: list[Work], enrichment: Mapping[str, Any] | None) -> str | None:
    """The key of the field a work shows (``_field`` says where it comes from): the first
    key a source states, else the arXiv category enrichment gave (chosen among a record's
    listed categories, or predicted)."""
    stated = first_stated_field(works)
    if stated:
        return stated
    category = enrichment["field_category"] if enrichment else None
    return arxiv_key(category) if category else None


def _field(works: list[Work], enrichment: dict[str, Any] | None) -> dict[str, Any]:
    """The field a work shows (``taxonomy.py``): the first key a source states (records
    in source order: an arXiv primary category, an OpenAlex primary topic's field, S2's
    fields of study, a profile page's badge); else, for a record listing several arXiv
    categories, the one enrichment chose among them; else the classifier's prediction,
    marked as such with its confidence. ``fields`` lists every stated key with its source."""
    stated = [
        {"key": key, "label": field_label(key), "source": w.source}
        for w in works
        if (key := stated_field(w))
    ]
    listed = stated_categories(works)
    category = enrichment["field_category"] if enrichment else None
    # ``field_source`` names the source or model as stored; ``field_basis`` says the same
    # in words a page shows (no source keys, no model version strings)
    key = field_key(works, enrichment)
    if stated:
        source, confidence = f"stated ({stated[0]['source']})", None
        basis = f"stated by {source_name(str(stated[0]['source']))}"
    elif listed and category in listed:
        confidence = enrichment["field_confidence"]  # type: ignore[index]
        source = f"stated arXiv categories {' '.join(listed)}: the classifier's choice among them"
        basis = f"the field classifier's choice among the stated categories {' '.join(listed)}"
    elif category:
        confidence = enrichment["field_confidence"]  # type: ignore[index]
        source = f"predicted ({enrichment['field_model']})"  # type: ignore[index]
        basis = "predicted by the field classifier (no source states a field)"
    else:
        source, confidence, basis = None, None, None
    return {
        **field_facts(key),
        "field_name": field_name(key),
        "field_source": source,
        "field_basis": basis,
        "field_confidence": confidence,
        "fields": stated,
    }


def field_facts(key: str | None) -> dict[str, Any]:
    """What facets and filters read of a work's field key: the key, its badge (``field``,
    as pages show it) and the arXiv category when it is one."""
    return {
        "field": field_badge(key),
        "field_key": key,
        "field_category": key[6:] if key and key.startswith("arxiv:") else None,
    }


def code_state(works: list[Work], enrichment: Mapping[str, Any] | None) -> str | None:
    """A work's code status: a repository link found in the text (enrichment), or a
    source's own Code badge or code link ("available"); "promised" is a state of its own,
    never a badge."""
    state = enrichment["code_state"] if enrichment else None
    if state == "available":
        return state
    page_badge = next((w.code_badge for w in works if w.code_badge is not None), None)
    return "available" if page_badge or first_value(works, "code_url") else state


def _code(works: list[Work], enrichment: dict[str, Any] | None) -> dict[str, Any]:
    """Code status (``code_state``) with the link and the evidence for it."""
    stated = enrichment["code_state"] if enrichment else None
    state = code_state(works, enrichment)
    url = (enrichment["code_url"] if enrichment else None) or first_value(works, "code_url")
    evidence = enrichment["code_evidence"] if enrichment else None
    if state != stated:
        evidence = "the source shows a Code badge or link"
    return {"code": state == "available", "code_url": url, "code_state": state,
            "code_evidence": evidence}  # fmt: skip


@dataclass(frozen=True)
class Venue:
    """Where a work appeared, as every client shows it and the AI Score weighs it."""

    name: str | None
    status: str | None  # "accepted", "published" … as parsed from the text; None otherwise
    workshop: bool


def shown_venue(works: list[Work], enrichment: Mapping[str, Any] | None) -> Venue | None:
    """The venue parsed from a work's comments / journal-ref (enrichment), the venue a
    source names (OpenAlex, Semantic Scholar) when the text names none; None when
    neither says anything about where the work appeared.

    >>> shown_venue([Work(ids=(), source="openalex", origin="o", venue="Nature")], None)
    Venue(name='Nature', status=None, workshop=False)
    """
    parsed = _parsed_venue(enrichment) or {}
    record_venue = first_value(works, "venue")
    if not parsed and not record_venue:
        return None
    return Venue(
        name=parsed.get("venue") or record_venue,
        status=parsed.get("venue_status"),
        workshop=bool(parsed.get("venue_workshop")),
    )


def _parsed_venue(enrichment: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The enrichment row when it holds a comments / journal-ref text read for a venue."""
    return enrichment if enrichment and enrichment["venue_text"] is not None else None


def _venue(works: list[Work], enrichment: dict[str, Any] | None) -> dict[str, Any] | None:
    """``shown_venue`` with the extras parsed from comments / journal-ref."""
    venue = shown_venue(works, enrichment)
    if venue is None:
        return None
    e = _parsed_venue(enrichment) or {}
    name, record_venue = e.get("venue"), first_value(works, "venue")
    return {
        "name": venue.name,
        "year": e.get("venue_year"),
        "status": venue.status,
        "workshop": venue.workshop,
        "workshop_name": e.get("venue_workshop_name"),
        "presentation": e.get("venue_presentation"),
        "pages": e.get("pages"),
        "figures": e.get("figures"),
        "tables": e.get("tables_count"),
        "doi": e.get("venue_doi"),
        "parsed": bool(e.get("venue_parsed")) if e else None,
        "source": "comments" if name else ("record" if record_venue else "comments"),
    }


def load_work_views(
    store: Store, work_ids: list[int], max_authors: int | None = None
) -> list[dict[str, Any]]:
    """Merged views of the given works, in the given order; with ``max_authors``, each
    names its first authors only (``et_al`` set when there are more), as lists do."""
    return _merged_views(store, work_ids, store.latest_citations(work_ids), max_authors)


def _merged_views(
    store: Store,
    work_ids: list[int],
    citations: dict[int, list[tuple[Any, ...]]],
    max_authors: int | None,
) -> list[dict[str, Any]]:
    records = store.work_records(work_ids, max_authors)
    keys = store.work_keys(work_ids)
    enrichments = store.enrichments(work_ids)
    versions = version_lists(store, work_ids)
    views = []
    for work_id in work_ids:
        view = work_view(
            work_id,
            records.get(work_id, []),
            keys.get(work_id, []),
            citations.get(work_id, []),
            enrichments.get(work_id),
        )
        view["versions"] = versions.get(work_id, [])
        view["paper_links"] = paper_links(view["ids"], view["versions"])
        views.append(view)
    return views


def paper_links(ids: Sequence[str], versions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where to read the paper (pure): the arXiv abstract page and PDF of each arXiv id,
    doi.org for each DOI. A scheme the work has no id of is taken from another version of
    the paper (a profile page's record of an arXiv preprint), named in ``via``.

    >>> [(x["label"], x["url"]) for x in paper_links(["arxiv:2409.19252", "title:x"], [])]
    [('arXiv', 'https://arxiv.org/abs/2409.19252'), ('PDF', 'https://arxiv.org/pdf/2409.19252')]
    >>> paper_links([], [{"id": "doi:10.1145/3664647.3680919"}])[0]["via"]
    'doi:10.1145/3664647.3680919'
    """
    own = [(k, None) for k in ids if k.startswith(("arxiv:", "doi:"))]
    schemes = {k.split(":", 1)[0] for k, _ in own}
    for version in versions:
        scheme = version["id"].split(":", 1)[0]
        if scheme in ("arxiv", "doi") and scheme not in schemes:
            own.append((version["id"], version["id"]))
            schemes.add(scheme)
    links = []
    for key, via in own:
        scheme, _, value = key.partition(":")
        path = quote(value, safe="/")
        if scheme == "arxiv":
            links.append({"id": key, "label": "arXiv", "kind": "abstract", "via": via,
                          "url": f"https://arxiv.org/abs/{path}"})  # fmt: skip
            links.append({"id": key, "label": "PDF", "kind": "pdf", "via": via,
                          "url": f"https://arxiv.org/pdf/{path}"})  # fmt: skip
        else:
            links.append({"id": key, "label": "DOI", "kind": "doi", "via": via,
                          "url": f"https://doi.org/{path}"})  # fmt: skip
    return links


def version_lists(store: Store, work_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each grouped work's other versions, nearest first (``versions.version_entries``):
    id, title, year, venue, sources, and the rule, confidence and evidence of the link."""
    primary_of = store.version_groups_of(work_ids)
    if not primary_of:
        return {}
    members = store.version_group_members(sorted(set(primary_of.values())))
    everyone = sorted({w for group in members.values() for w in group})
    links = [VersionLink(*row) for row in store.version_links_of(everyone) if row[0] < row[1]]
    labels = {
        work_id: {"id": shown_id(work_id, f["keys"]), "title": f["title"], "year": f["year"],
                  "venue": f["venue"], "sources": sorted(f["sources"], key=source_rank)}
        for work_id, f in store.version_features(everyone).items()
    }  # fmt: skip
    return {
        work_id: version_entries(work_id, links, labels, primary)
        for work_id, primary in primary_of.items()
    }


def scored_views(
    store: Store, work_ids: list[int], evidence: bool = True, max_authors: int | None = None
) -> list[dict[str, Any]]:
    """Merged views of the given works with their novelty and AI Score (``attach_scores``),
    in the given order (``max_authors``: see ``load_work_views``)."""
    views = load_work_views(store, work_ids, max_authors)
    attach_scores(store, views, evidence)
    return views


def views_of_facts(
    store: Store, facts: list[dict[str, Any]], max_authors: int | None = None
) -> list[dict[str, Any]]:
    """The merged views (as ``scored_views`` without evidence gives them) of works whose
    facts ``profile_summary`` holds: the records, ids and enrichment are read; the
    citation figures, novelty and AI Score, already read for the whole profile, are
    taken from the facts."""
    views = _merged_views(store, [f["work_id"] for f in facts], {}, max_authors)
    for view, fact in zip(views, facts, strict=True):
        view.update({k: v for k, v in fact.items() if k not in view or k in CITATION_KEYS})
    return views


CITATION_KEYS = ("citations", "citations_source", "citations_by_source")


def work_facts(store: Store, work_ids: list[int]) -> list[dict[str, Any]]:
    """What an author's figures, charts, filters and sorting need of each work, without
    reading its records: date, year, field, code (``work_facet``, which holds them as
    ``work_view`` shows them) and the citation figures. A 240-work profile shows 50
    works; merging the records of the other 190 was most of its cost."""
    facets = store.work_facets(work_ids)
    citations = store.latest_citations(work_ids)
    facts = []
    for work_id in work_ids:
        facet = facets.get(work_id) or {}
        facts.append(
            {
                "work_id": work_id,
                "date": facet.get("date"),
                "year": facet.get("year"),
                **field_facts(facet.get("field")),
                "code": bool(facet.get("code")),
                **citation_fields(citations.get(work_id, [])),
            }
        )
    return facts


def canonical_ids(store: Store, work_ids: Sequence[int]) -> dict[int, str]:
    """The id each work is shown with (as ``work_view`` picks it)."""
    keys = store.work_keys(list(work_ids))
    return {work_id: shown_id(work_id, keys.get(work_id, [])) for work_id in work_ids}


def shown_id(work_id: int, keys: Sequence[str]) -> str:
    """The id a work is shown with: its first id in ``ID_PRIORITY`` order, else
    ``work:N``.

    >>> shown_id(7, ["title:x", "doi:10.1/a", "arxiv:2409.19252"])
    'arxiv:2409.19252'
    >>> shown_id(7, ["title:x"])
    'work:7'
    """
    ids = [k for k in keys if not is_match_key(k)]
    best = next((k for scheme in ID_PRIORITY for k in ids if k.startswith(scheme + ":")), None)
    return best or f"work:{work_id}"


def work_labels(store: Store, work_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """{"id", "title"} of each work, for lists of links."""
    found = store.titles_and_ids(list(work_ids))
    labels = {}
    for work_id in work_ids:
        title, keys = found.get(work_id, (None, []))
        labels[work_id] = {"id": shown_id(work_id, keys), "title": title}
    return labels


def attach_scores(store: Store, views: list[dict[str, Any]], evidence: bool = True) -> None:
    """Add to each view its novelty (with the nearest earlier works as evidence, unless
    ``evidence`` is False) and its AI Score with the breakdown, as the ``score`` stage
    stored them. Lists of works on the web leave the evidence out: they never show it,
    and its titles were 40% of building a profile."""
    work_ids = [view["work_id"] for view in views]
    novelty = store.novelty(work_ids)
    scores = store.scores(work_ids)
    labels = None
    if evidence:
        neighbour_ids = sorted(
            {n for row in novelty.values() for n, _ in orjson.loads(row["neighbours"])}
        )
        labels = work_labels(store, neighbour_ids)
    for view in views:
        view.update(novelty_fields(novelty.get(view["work_id"]), labels))
        score = scores.get(view["work_id"])
        view["ai_score"] = score["ai_score"] if score else None
        view["ai_score_breakdown"] = orjson.loads(score["breakdown"]) if score else None


def novelty_fields(
    row: dict[str, Any] | None, labels: dict[int, dict[str, Any]] | None
) -> dict[str, Any]:
    """A work's novelty as shown (pure): its cohort percentile, or None with the reason;
    the raw figure; the nearest earlier works with their similarity (left out when
    ``labels``, their ids and titles, is None)."""
    fields: dict[str, Any]
    if row is None:
        fields = {"novelty": None, "novelty_reason": "not scored yet (run scholarscope score)",
                  "novelty_raw": None, "novelty_cohort": None}  # fmt: skip
    else:
        percentile = row["novelty_percentile"]
        fields = {
            "novelty": None if percentile is None else round(percentile, 1),
            "novelty_reason": row["reason"],
            "novelty_raw": None if row["novelty_raw"] is None else round(row["novelty_raw"], 4),
            "novelty_cohort": row["cohort"],
        }
    if labels is not None:
        neighbours = orjson.loads(row["neighbours"]) if row else []
        fields["novelty_evidence"] = [
            {**labels.get(work_id, {"id": f"work:{work_id}", "title": None}), "similarity": s}
            for work_id, s in neighbours
        ]
    return fields
