"""Read side: researcher profiles, work lists and author look-ups as plain dicts.

The CLI prints these dicts (as JSON or as text); later the web pages render the same
dicts. The JSON layout is documented in the README and tested.

How a merged work is shown: each field comes from the first source in
``merged.SOURCE_PRIORITY`` that gives it (the arXiv API and snapshot describe an arXiv paper
best; a profile page knows least). Citations are never mixed: every source's figure is
listed, and the displayed ``citations`` is the figure of the first source in
``CITATION_PRIORITY`` that has one, named in ``citations_source``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

import orjson

from scholarscope import ids
from scholarscope.authors import attribution_text, folded_name, names_compatible
from scholarscope.merged import (
    by_priority,
    first_value,
    source_name,
    source_rank,
    stated_categories,
    stated_field,
)
from scholarscope.records import Work, calendar_date, is_match_key
from scholarscope.score import ai_score, metrics
from scholarscope.store import Store
from scholarscope.taxonomy import (
    TAXONOMY_NAMES,
    arxiv_key,
    field_badge,
    field_label,
    field_name,
    taxonomy_of,
)
from scholarscope.versions import VersionLink, count_versions_once, version_entries

CITATION_PRIORITY = ("openalex", "semantic_scholar", "profile_page")
ID_PRIORITY = ("arxiv", "doi", "openalex", "s2", "pmid", "mag")


class NotFound(LookupError):
    """No author or work matches what was asked for."""


class AmbiguousName(LookupError):
    """A name that several people answer to, none of them clearly meant: the caller
    lists ``candidates`` (best match first) and asks for an id, never picks one."""

    def __init__(self, name: str, candidates: list[dict[str, Any]], total: int) -> None:
        super().__init__(
            f"{total} people match {name!r}; name one by its id: "
            + ", ".join(f"{c['id']} {c['name']} ({c['papers']} works)" for c in candidates)
        )
        self.name = name
        self.candidates = candidates  # the best ten at most
        self.total = total


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
    code_badge = next((w.code_badge for w in works if w.code_badge is not None), None)
    # a calendar day only: a database written before ingest checked dates may hold
    # "2024-13-45", which no page, sort or score may trip over
    date_value = next((w.date for w in works if calendar_date(w.date)), None)
    return {
        "id": shown_id(work_id, keys),
        "work_id": work_id,
        "ids": ids,
        "title": first_value(works, "title"),
        "date": date_value,
        "date_text": first_value(works, "date_text") or date_value,
        "year": first_value(works, "year"),
        **_field(works, enrichment),
        **_code(code_badge, first_value(works, "code_url"), enrichment),
        "authors": shown,
        "et_al": bool(author_source and author_source.et_al),
        "affiliation": first_value(works, "affiliation_tag"),
        "abstract": first_value(works, "abstract"),
        "comments": first_value(works, "comments"),
        "journal_ref": first_value(works, "journal_ref"),
        "venue": _venue(first_value(works, "venue"), enrichment),
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
    shown_source = next((s for s in CITATION_PRIORITY if s in by_source), None)
    if shown_source is None and by_source:
        shown_source = sorted(by_source)[0]
    return {
        "citations": by_source[shown_source]["count"] if shown_source else None,
        "citations_source": shown_source,
        "citations_by_source": by_source,
    }


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
    if stated:
        key, source, confidence = stated[0]["key"], f"stated ({stated[0]['source']})", None
        basis = f"stated by {source_name(str(stated[0]['source']))}"
    elif listed and category in listed:
        key, confidence = arxiv_key(category), enrichment["field_confidence"]  # type: ignore[index]
        source = f"stated arXiv categories {' '.join(listed)}: the classifier's choice among them"
        basis = f"the field classifier's choice among the stated categories {' '.join(listed)}"
    elif category:
        key, confidence = arxiv_key(category), enrichment["field_confidence"]  # type: ignore[index]
        source = f"predicted ({enrichment['field_model']})"  # type: ignore[index]
        basis = "predicted by the field classifier (no source states a field)"
    else:
        key, source, confidence, basis = None, None, None, None
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


def _code(
    page_badge: bool | None, record_url: str | None, enrichment: dict[str, Any] | None
) -> dict[str, Any]:
    """Code status: a repository link found in the text (enrichment), or a source's own
    Code badge or code link; "promised" is a state of its own, never a badge."""
    state = enrichment["code_state"] if enrichment else None
    url = (enrichment["code_url"] if enrichment else None) or record_url
    evidence = enrichment["code_evidence"] if enrichment else None
    if state != "available" and (page_badge or record_url):
        state, evidence = "available", "the source shows a Code badge or link"
    return {"code": state == "available", "code_url": url, "code_state": state,
            "code_evidence": evidence}  # fmt: skip


def _venue(record_venue: str | None, enrichment: dict[str, Any] | None) -> dict[str, Any] | None:
    """Venue, status and extras parsed from comments / journal-ref; the venue a source
    names (OpenAlex, Semantic Scholar) when the text names none."""
    if not (enrichment and enrichment["venue_text"] is not None) and not record_venue:
        return None
    e = enrichment if enrichment and enrichment["venue_text"] is not None else {}
    name = e.get("venue")
    return {
        "name": name or record_venue,
        "year": e.get("venue_year"),
        "status": e.get("venue_status"),
        "workshop": bool(e.get("venue_workshop")),
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
        view["_records"] = records.get(work_id, [])
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
    for view in views:
        view.pop("_records")
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
        view.pop("_records")
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
    """The id each work is shown with (as ``profile.work_view`` picks it)."""
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


def author_scores(works: list[dict[str, Any]]) -> dict[str, Any]:
    """An author's Novelty % and AI Score from their works (pure): the median of the
    works' figures, with the breakdown (see ``score/ai_score.py``)."""
    scored = [
        ai_score.AIScore(
            w["ai_score"],
            {k: c["value"] for k, c in w["ai_score_breakdown"]["components"].items()},
            w["ai_score_breakdown"]["weights"],
        )
        for w in works
        if w.get("ai_score_breakdown")
    ]
    novelty = [w.get("novelty") for w in works]
    with_novelty = sum(v is not None for v in novelty)
    missing = Counter(
        novelty_gap(w.get("novelty_reason")) for w in works if w.get("novelty") is None
    )
    novelty_breakdown = {
        "aggregation": "median of the works' novelty percentiles",
        "works_with_novelty": with_novelty,
        "works": len(works),
        "few": rests_on_few(with_novelty, len(works)),
        "missing": [{"reason": reason, "works": n} for reason, n in missing.most_common()],
    }
    novelty_breakdown["basis"] = novelty_basis(novelty_breakdown)
    breakdown = ai_score.author_ai_score(scored) if scored else None
    if breakdown is not None:
        with_figure = sum(w.get("citations") is not None for w in works)
        breakdown["works"] = len(works)
        breakdown["few"] = rests_on_few(int(breakdown["works_scored"]), len(works))  # type: ignore[call-overload]
        breakdown["left_out"] = left_out_components(breakdown, with_figure, novelty_breakdown)
        breakdown["basis"] = ai_score_basis(breakdown)
    return {
        "novelty": ai_score.author_aggregate(novelty),
        "novelty_breakdown": novelty_breakdown,
        "ai_score": ai_score.author_aggregate([s.score for s in scored]) if scored else None,
        "ai_score_breakdown": breakdown,
    }


# A headline figure resting on fewer works than this, or on less than this share of the
# author's works, is flagged on the page: a median of 1 work of 60 is that work's figure.
FEW_WORKS = 5
FEW_SHARE = 0.25


def rests_on_few(count: int, of: int) -> bool:
    """Does a figure computed from ``count`` of ``of`` works rest on too few of them?

    >>> rests_on_few(1, 60), rests_on_few(11, 50), rests_on_few(30, 50), rests_on_few(0, 5)
    (True, True, False, False)
    """
    return 0 < count and (count < FEW_WORKS or count < FEW_SHARE * of)


_NOVELTY_GAPS = (
    (re.compile(r"cohort has \d+ scored works? \((\d+) needed\)"),
     "fewer than {} scored works in their field and year"),
    (re.compile(r"only \d+ earlier works? in the corpus \((\d+) needed\)"),
     "fewer than {} earlier works in the corpus to compare with"),
    (re.compile(r"fewer than (\d+) earlier neighbours found"),
     "fewer than {} earlier neighbours found"),
)  # fmt: skip


def novelty_gap(reason: str | None) -> str:
    """Why a work has no novelty, in words shared by the works with the same gap (the
    score stage's reasons name each work's own counts).

    >>> novelty_gap("cohort has 15 scored works (20 needed)")
    'fewer than 20 scored works in their field and year'
    >>> novelty_gap("no publication date"), novelty_gap(None)
    ('no publication date', 'not scored')
    """
    if not reason:
        return "not scored"
    for pattern, words in _NOVELTY_GAPS:
        match = pattern.fullmatch(reason)
        if match:
            return words.format(match.group(1))
    return reason


def novelty_basis(b: dict[str, Any]) -> str:
    """What an author's Novelty % rests on, in one sentence (pure)."""
    if not b["works_with_novelty"]:
        gaps = "; ".join(f"{m['works']}: {m['reason']}" for m in b["missing"])
        return f"No work has a novelty ({gaps})." if gaps else "No work has a novelty."
    text = f"Median of {b['works_with_novelty']} of {_works(b['works'])}"
    if b["missing"]:
        gaps = "; ".join(f"{m['works']}: {m['reason']}" for m in b["missing"])
        text += f"; the other {b['works'] - b['works_with_novelty']} have none ({gaps})"
    return text + "."


def left_out_components(
    breakdown: dict[str, Any], with_figure: int, novelty: dict[str, Any]
) -> dict[str, str]:
    """Why each component no work of the author has is left out of the AI Score."""
    found: dict[str, str] = {}
    components = breakdown["components"]
    if not components["impact"]["works"]:
        found["impact"] = (
            "no citation figures stored"
            if not with_figure
            else f"the {_works(with_figure)} with a citation figure have too few cited works "
            "in their field and year to be ranked"
        )
    if not components["novelty"]["works"]:
        first = novelty["missing"][0]["reason"] if novelty["missing"] else "not scored"
        found["novelty"] = f"no work has a novelty ({first})"
    if not components["venue"]["works"]:
        found["venue"] = "no source says where any work appeared"
    if not components["openness"]["works"]:
        found["openness"] = "no work was scored for code"
    return found


def ai_score_basis(b: dict[str, Any]) -> str:
    """What an author's AI Score rests on, in one sentence (pure)."""
    used = [f"{name} ({_works(c['works'])})" for name, c in b["components"].items() if c["works"]]
    left = [f"{reason}: {name} left out" for name, reason in b["left_out"].items()]
    if not b["works_scored"]:
        text = "No work has an AI Score: a work needs a citation impact or a novelty"
    else:
        text = f"Median of {b['works_scored']} of {_works(b['works'])} scored"
        if b["works_scored"] < b["works"]:
            text += " (a work needs a citation impact or a novelty)"
    if used:
        text += "; from " + ", ".join(used)
    return text + "".join(f"; {line}" for line in left) + "."


def author_metrics(works: list[dict[str, Any]], current_year: int) -> dict[str, Any]:
    """Our figures for an author from their merged works (pure).

    Each work counts once, with its displayed citation figure; works no source gives a
    figure for are counted as papers but not in citation metrics. ``by_source`` shows the
    same metrics per citation source, to explain differences between sources.
    """
    shown = [w["citations"] for w in works if w["citations"] is not None]
    years = [w["year"] for w in works if w["year"]]
    h = metrics.h_index(shown) if shown else None
    by_source: dict[str, dict[str, int]] = {}
    for source in sorted({s for w in works for s in w["citations_by_source"]}):
        counts = [
            w["citations_by_source"][source]["count"]
            for w in works
            if source in w["citations_by_source"]
        ]
        by_source[source] = {
            "works_with_figure": len(counts),
            "citations": sum(counts),
            "h_index": metrics.h_index(counts),
            "i10_index": metrics.i10_index(counts),
        }
    per_year = metrics.citations_per_year(
        w["citations_by_source"][w["citations_source"]]["by_year"]
        for w in works
        if w["citations_source"]
    )
    primary, field_share = primary_field_of(works)
    return {
        "papers": len(works),
        "citations": sum(shown) if shown else None,
        "works_with_citations": len(shown),
        "h_index": h,
        "i10_index": metrics.i10_index(shown) if shown else None,
        "g_index": metrics.g_index(shown) if shown else None,
        "m_quotient": (
            round(m, 3)
            if h is not None
            and (m := metrics.m_quotient(h, min(years, default=None), current_year)) is not None
            else None
        ),
        "first_year": min(years, default=None),
        "citations_per_year": {str(y): n for y, n in per_year.items()},
        "field": field_badge(primary),
        "field_key": primary,
        "field_name": field_name(primary),
        "field_share": field_share,
        "by_source": by_source,
    }


def primary_field_of(works: list[dict[str, Any]]) -> tuple[str | None, dict[str, Any] | None]:
    """An author's primary field (pure): the most frequent field key over their works,
    within one taxonomy, the one most of their works have a field in (an arXiv author's
    categories, a geoscientist's OpenAlex fields); ties go to the field met first (works
    newest first, or a profile page's order). With the share of works behind it.

    >>> primary_field_of([{"field_key": "openalex:fields/19"}, {"field_key": "arxiv:cs.CV"},
    ...                   {"field_key": "openalex:fields/19"}, {"field_key": None}])
    ('openalex:fields/19', {'works': 2, 'of': 4, 'taxonomy': 'OpenAlex fields'})
    """
    keys = [w["field_key"] for w in works if w.get("field_key")]
    if not keys:
        return None, None
    by_taxonomy = Counter(taxonomy_of(k) for k in keys)
    taxonomy = max(by_taxonomy, key=by_taxonomy.__getitem__)  # ties: the first met
    primary = metrics.primary_field(k for k in keys if taxonomy_of(k) == taxonomy)
    share = {"works": keys.count(primary), "of": len(works),
             "taxonomy": TAXONOMY_NAMES.get(taxonomy, taxonomy)}  # fmt: skip
    return primary, share


def find_work_id(store: Store, ref: str) -> int:
    """The work a user means: ``work:N`` (a work merged into another leads to that one)
    or any id of the work. ``NotFound`` when nothing stored matches."""
    number = _stored_number(ref, "work")
    if number is not None:
        if store.work_exists(number):
            return number
        merged_into = store.merged_into("work", number)
        if merged_into is not None:
            return merged_into
        raise NotFound(f"no work with id {ref}")
    key = ids.work_key(ref)
    found = store.find_work_keys([key]).get(key)
    if found is None:
        raise NotFound(f"no work with id {ref}")
    return found


def _stored_number(ref: str, scheme: str) -> int | None:
    """``ids.stored_number``, an id that names nothing storable being ``NotFound``."""
    try:
        return ids.stored_number(ref, scheme)
    except ids.UnknownId as error:
        raise NotFound(str(error)) from None


def resolve_author(store: Store, name_or_id: str) -> tuple[int, list[dict[str, Any]]]:
    """The author a user means: ``author:N``, a source id (``openalex:A…``, ``s2:…``,
    ``orcid:…``) or a name. Returns the author id and the other people who match. An
    ``author:N`` merged into another author leads to that author."""
    number = _stored_number(name_or_id, "author")
    if number is not None:
        if store.author_row(number):
            return number, []
        merged_into = store.merged_into("author", number)
        if merged_into is not None:
            return merged_into, []
    if ":" in name_or_id and not name_or_id.startswith("name:"):
        found = store.author_by_key(name_or_id.strip())
        if found is not None:
            return found, []
    ranked = name_matches(store, name_or_id)
    if not ranked:
        raise NotFound(f"no author matches {name_or_id!r}")
    best_kind = ranked[0][0]
    best = [row for row in ranked if row[0] == best_kind]
    people = [{"id": f"author:{row[1]}", "name": row[2], "papers": row[3]} for row in ranked]
    if len(best) > 1:
        raise AmbiguousName(name_or_id, people[:10], len(people))
    return int(best[0][1]), people[1:10]


def name_matches(store: Store, name: str) -> list[tuple[int, int, str, int]]:
    """The people a name may mean, best first: (kind, author_id, name, works), where kind
    0 is the same name (case and accents aside), 1 a compatible form ("A. Turing" for
    "Alan Turing"), 2 a name that only contains the query's words ("Alan Turingyear");
    within a kind, most works first. ``resolve_author`` takes the best kind's only person.
    """
    folded = folded_name(name)
    rows = {row[0]: row for row in store.find_authors(folded)}
    words = folded.split()
    if len(words) > 1:  # the same surname: where "A. Turing" is, for "Alan Turing"
        for row in store.find_authors_by_surname(words[-1]):
            rows.setdefault(row[0], row)
    ranked = []
    for author_id, author_name, works in rows.values():
        other = folded_name(author_name)
        if other == folded:
            kind = 0
        elif names_compatible(folded, other):
            kind = 1
        elif all(word in other for word in words):
            kind = 2
        else:
            continue
        ranked.append((kind, int(author_id), str(author_name), int(works)))
    return sorted(ranked, key=lambda row: (row[0], -row[3], row[1]))


def build_profile(
    store: Store, author_id: int, today: date | None = None, evidence: bool = True
) -> dict[str, Any]:
    """The profile of one author: our metrics, the figures sources state, every work's
    merged view (with its novelty evidence unless ``evidence`` is False, see
    ``attach_scores``), in the profile's order."""
    summary = profile_summary(store, author_id, today)
    facts = summary["works"]
    summary["works"] = scored_views(store, [w["work_id"] for w in facts], evidence)
    for view, fact in zip(summary["works"], facts, strict=True):
        if "citations_version" in fact:  # a version group's figure (count_versions_once)
            view.update({k: fact[k] for k in (*CITATION_KEYS, "citations_version")})
    attach_attribution(store, author_id, summary["works"])
    return summary


def attach_attribution(store: Store, author_id: int, works: list[dict[str, Any]]) -> None:
    """Each work's ``attribution``: how it came to this person, per source that names
    them: ``{"source", "name", "rule", "why"}`` (rules in ``authors.py``)."""
    found: dict[int, list[dict[str, Any]]] = {}
    wanted = [w["work_id"] for w in works]
    for work_id, source, name, rule, evidence in store.author_authorships(author_id, wanted):
        found.setdefault(work_id, []).append(
            {"source": source, "name": name, "rule": rule,
             "why": attribution_text(rule, evidence)}
        )  # fmt: skip
    for work in works:
        work["attribution"] = found.get(work["work_id"], [])


def profile_summary(store: Store, author_id: int, today: date | None = None) -> dict[str, Any]:
    """The profile of one author as ``build_profile`` gives it, but with each work's
    facts (``work_facts``, with novelty and AI Score) in place of its merged view: what a
    page needs to compute every figure and to choose the works it shows."""
    row = store.author_row(author_id)
    if row is None:
        raise NotFound(f"no author with id author:{author_id}")
    today = today or date.today()
    stated_rows = store.stated_metrics(author_id)
    page_origins = {s["origin"] for s in stated_rows if s["source"] == "profile_page"}
    work_ids = store.author_work_ids(author_id)
    # versions of one paper count once (versions.count_versions_once says how)
    facts = work_facts(store, work_ids)
    primary_of = store.version_groups_of(work_ids)
    views, folded = count_versions_once(facts, primary_of)
    # the places of the works' records, when the author has a profile page to follow
    places = store.record_origins(work_ids) if page_origins else {}
    views.sort(key=lambda v: _work_order(v, places.get(v["work_id"], []), page_origins))
    ours = author_metrics(views, today.year)
    ours["versions_counted_once"] = folded
    stated = _stated_summary(stated_rows)
    attach_scores(store, views, evidence=False)
    return {
        "id": f"author:{author_id}",
        "name": row[1],
        **{
            k: ours[k]
            for k in (
                "field",
                "field_key",
                "field_name",
                "field_share",
                "h_index",
                "i10_index",
                "g_index",
                "m_quotient",
                "citations",
                "papers",
                "works_with_citations",
                "first_year",
                "citations_per_year",
                "versions_counted_once",
            )
        },
        **author_scores(views),
        "citations_by_source": ours["by_source"],
        "stated": stated,
        "stated_all": stated_rows,
        "reconciliation": [
            row
            for s in stated_rows
            for row in reconcile(
                ours, s, views, **_reconcile_facts(store, author_id, s, facts, primary_of)
            )
        ],
        "works": views,
    }


def _reconcile_facts(
    store: Store,
    author_id: int,
    stated: dict[str, Any],
    facts: list[dict[str, Any]],
    primary_of: dict[int, int],
) -> dict[str, Any]:
    """What ``reconcile`` reads of the store besides the works: the version groups with
    more than one of the author's works, the works the stating source names the author
    on, and (for a source that dates no figure) where its records were read."""
    members: dict[int, list[dict[str, Any]]] = {}
    for fact in facts:
        if fact["work_id"] in primary_of:
            members.setdefault(primary_of[fact["work_id"]], []).append(fact)
    work_ids = [f["work_id"] for f in facts]
    listed = {
        work_id
        for work_id, source, *_ in store.author_authorships(author_id, work_ids)
        if source == stated["source"]
    }
    return {
        "groups": [group for group in members.values() if len(group) > 1],
        "listed": listed or None,  # a source naming none of them: no list to compare with
        "origins": None
        if stated["as_of"]
        else store.source_record_origins(work_ids, stated["source"]),
    }


RECONCILED = ("h_index", "i10_index", "papers", "citations")


def _works(n: int) -> str:
    return f"{n} work" if n == 1 else f"{n} works"


def reconcile(
    ours: dict[str, Any],
    stated: dict[str, Any],
    works: list[dict[str, Any]],
    groups: Sequence[Sequence[dict[str, Any]]] = (),
    listed: set[int] | None = None,
    origins: dict[int, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Set our figures beside one source's stated figures, with the reasons they differ
    (pure). Reasons come from the data, each with its share of a citation gap where the
    data gives it: works the source counts that are not stored; versions of one paper,
    which the source counts apart (``groups``: the facts of each version group's works
    before ``count_versions_once``); works the source does not list for the author
    (``listed``: the works it names them on); works counted with another source's
    figure; works without any citation figure; figures dated after the source's own, or,
    for a source that dates nothing, read from another record than the stated figures
    (``origins``: where each work's record from the source was read); and what is left:
    the source's own per-work figures against its total.
    """
    source = stated["source"]
    name = source_name(source)
    in_group = {w["work_id"] for group in groups for w in group}
    if listed is None:
        listed = {w["work_id"] for w in works} | in_group
    unlisted = [w for w in works if w["work_id"] not in listed and w["work_id"] not in in_group]
    folded = ours.get("versions_counted_once", 0)  # a source counts each version
    missing_works = (stated["papers"] or 0) - (ours["papers"] - len(unlisted)) - folded
    single = [w for w in works if w["work_id"] in listed and w["work_id"] not in in_group]
    without_figure = ours["papers"] - ours["works_with_citations"]

    def own(w: dict[str, Any]) -> dict[str, Any]:
        return w["citations_by_source"].get(source) or {}

    def shown(w: dict[str, Any]) -> int:
        return int(w["citations"] or 0)

    other_source = [
        w for w in single if w["citations"] is not None and w["citations_source"] != source
    ]
    from_source = [w for w in single if w["citations_source"] == source]
    read_from = origins or {}
    if stated["as_of"]:  # figures dated after the source's total may have grown since
        later = [w for w in from_source if (own(w).get("as_of") or "") > stated["as_of"]]
    else:  # a source that dates nothing: figures read from another record of it
        later = [w for w in from_source if read_from.get(w["work_id"], set()) - {stated["origin"]}]
    # what each known difference adds to our total against the source's
    unlisted_delta = sum(shown(w) for w in unlisted)
    other_delta = sum(shown(w) - int(own(w).get("count") or 0) for w in other_source)
    counted_of = {w["work_id"]: w for w in works if w["work_id"] in in_group}
    group_delta = 0
    for group in groups:
        counted = next(
            (counted_of[w["work_id"]] for w in group if w["work_id"] in counted_of), None
        )
        group_delta += (shown(counted) if counted else 0) - sum(
            int((w["citations_by_source"].get(source) or {}).get("count") or 0)
            for w in group
            if w["work_id"] in listed
        )
    common: list[tuple[str, int | None]] = []
    if missing_works > 0:
        common.append((f"the source counts {_works(missing_works)} not stored here", None))
    if folded:
        verb = "is a version" if folded == 1 else "are versions"
        common.append(
            (f"{_works(folded)} stored here {verb} of another of the author's papers "
             "(a preprint, a second DOI), counted once", group_delta)
        )  # fmt: skip
    if unlisted:
        verb = "is" if len(unlisted) == 1 else "are"
        common.append(
            (f"{_works(len(unlisted))} stored here {verb} not in {name}'s list of the "
             "author's works (found through other sources)", unlisted_delta)
        )  # fmt: skip
    cited: list[tuple[str, int | None]] = []
    if ours["works_with_citations"] == 0:
        cited.append(("no stored work has a citation figure from any source", None))
    elif without_figure:
        verb = "has" if without_figure == 1 else "have"
        cited.append((f"{_works(without_figure)} stored here {verb} no citation figure", None))
    if other_source:
        others = ", ".join(sorted({source_name(w["citations_source"]) for w in other_source}))
        verb = "is" if len(other_source) == 1 else "are"
        cited.append(
            (f"{_works(len(other_source))} {verb} counted with another source's figure "
             f"({others}) before {name}'s", other_delta)
        )  # fmt: skip
    later_count = sum(shown(w) for w in later)
    if later and stated["as_of"]:
        verb = "has" if len(later) == 1 else "have"
        cited.append(
            (f"{_works(len(later))} {verb} {name} figures dated after the source's own "
             f"figure ({stated['as_of']}): {later_count:,} citations between them", None)
        )  # fmt: skip
    elif later:
        read = sorted({o for w in later for o in read_from[w["work_id"]]} - {stated["origin"]})
        verb = "is" if len(later) == 1 else "are"
        cited.append(
            (f"{_works(len(later))} {verb} counted with {name} figures read from another "
             f"record ({', '.join(read)}), not from the list behind the stated figures "
             f"({stated['origin']}): {later_count:,} citations", None)
        )  # fmt: skip
    rows = []
    for figure in RECONCILED:
        if stated[figure] is None:
            continue
        reasons = []
        if ours[figure] != stated[figure]:
            parts = common + ([] if figure == "papers" else cited)
            for text, delta in parts:
                if figure == "citations" and delta:
                    text += f" ({_signed_citations(delta)})"
                reasons.append(text)
            if figure == "citations" and ours["citations"] is not None:
                rest = _citation_remainder(
                    ours["citations"] - stated["citations"] - unlisted_delta - other_delta
                    - group_delta,
                    stated, name, later, later_count,
                    unknown=missing_works > 0 or without_figure > 0,
                )  # fmt: skip
                reasons += [rest] if rest else []
        rows.append(
            {
                "figure": figure,
                "ours": ours[figure],
                "stated": stated[figure],
                "source": stated["source"],
                "origin": stated["origin"],
                "agrees": ours[figure] == stated[figure],
                "reasons": reasons,
            }
        )
    return rows


def _citation_remainder(
    rest: int,
    stated: dict[str, Any],
    name: str,
    later: list[dict[str, Any]],
    later_count: int,
    unknown: bool,
) -> str | None:
    """The part of a citation gap the listed reasons leave, when the data pins it down:
    with no figures of unknown effect it is the source's own per-work figures against
    its total; with only some newer (or other-record) figures, it is what the source's
    total leaves for those works against what they count here."""
    if not rest or unknown:
        return None
    total = stated["citations"]
    if not later:
        more = "more" if rest > 0 else "less"
        return (
            f"{name}'s own per-work figures add up to {total + rest:,}, {abs(rest):,} {more} "
            f"than its stated total of {total:,}: its total is not the sum of its per-work "
            "figures"
        )
    left = later_count - rest
    return (
        f"{name}'s figures for the other works add up to {total - left:,}, which "
        f"leaves {left:,} of its total of {total:,} for the {_works(len(later))} above, "
        f"against {later_count:,} counted here ({_signed_citations(rest)})"
    )


def _signed_citations(n: int) -> str:
    """A citation difference with its sign.

    >>> _signed_citations(1), _signed_citations(-1464)
    ('+1 citation', '-1,464 citations')
    """
    return f"{n:+,} citation" if abs(n) == 1 else f"{n:+,} citations"


def _stated_summary(stated_rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The figures of the first stating source: a profile page, then OpenAlex, then S2."""
    order = ("profile_page", "openalex", "semantic_scholar")
    ranked = sorted(
        stated_rows, key=lambda s: order.index(s["source"]) if s["source"] in order else len(order)
    )
    if not ranked:
        return None
    s = ranked[0]
    return {
        "h_index": s["h_index"],
        "i10_index": s["i10_index"],
        "papers": s["papers"],
        "citations": s["citations"],
        "novelty": s["novelty"],
        "ai_score": s["ai_score"],
        "field": s["field"],
        "source": s["source"],
        "origin": s["origin"],
        "as_of": s["as_of"] or None,
    }


def _work_order(
    view: dict[str, Any], places: list[tuple[str, int]], page_origins: set[str]
) -> tuple[int, int, str]:
    """Works listed on the author's own profile page keep the page's order (``places``:
    the (origin, seq) of the work's records); the rest follow, newest first."""
    for origin, seq in places:
        if origin in page_origins:
            return (0, seq, "")
    inverted = "".join(chr(0x10FFFF - ord(c)) for c in (view["date"] or ""))
    return (1, 0, inverted)


def list_works(store: Store, author: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Works of an author (as ``profile`` resolves the name), or the latest stored works."""
    if author:
        author_id, _ = resolve_author(store, author)
        return build_profile(store, author_id)["works"][:limit]
    return scored_views(store, store.recent_work_ids(limit))


def find_authors(store: Store, query: str, limit: int = 50) -> list[dict[str, Any]]:
    """People whose name contains every word of the query, most works first."""
    return [
        {"id": f"author:{author_id}", "name": name, "papers": papers}
        for author_id, name, papers in store.find_authors(folded_name(query), limit)
    ]


def stats(store: Store) -> dict[str, Any]:
    """What the database holds."""
    counts = store.counts()
    return {
        "works": counts["work"],
        "source_records": counts["work_record"],
        "records_by_source": store.records_by_source(),
        "authors": counts["author"],
        "authorships": counts["authorship"],
        "citation_figures": counts["citation"],
        "stated_profiles": counts["stated_metrics"],
        "enrichment": store.enrichment_coverage(),
        "scores": store.score_coverage(),
    }
