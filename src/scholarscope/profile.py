"""Read side: researcher profiles (figures, their breakdowns, the reconciliation with
what sources state) and author look-ups. The works in them are ``work_views``'s.

The CLI prints these dicts (as JSON or as text); the web pages serve them as the
``models.Author`` structure. The JSON layout is documented in the README and tested.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from scholarscope import ids
from scholarscope.authors import attribution_text, folded_name, names_compatible
from scholarscope.reconciliation import count_works, reconcile, reconcile_facts
from scholarscope.score import ai_score, metrics
from scholarscope.store import Store
from scholarscope.taxonomy import (
    TAXONOMY_NAMES,
    field_badge,
    field_name,
    taxonomy_of,
)
from scholarscope.versions import count_versions_once
from scholarscope.work_views import (
    CITATION_KEYS,
    attach_scores,
    scored_views,
    work_facts,
)


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
    text = f"Median of {b['works_with_novelty']} of {count_works(b['works'])}"
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
            else f"the {count_works(with_figure)} with a citation figure have too few cited works "
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
    used = [
        f"{name} ({count_works(c['works'])})" for name, c in b["components"].items() if c["works"]
    ]
    left = [f"{reason}: {name} left out" for name, reason in b["left_out"].items()]
    if not b["works_scored"]:
        text = "No work has an AI Score: a work needs a citation impact or a novelty"
    else:
        text = f"Median of {b['works_scored']} of {count_works(b['works'])} scored"
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
        "stated_history": [
            {k: s[k] for k in _HISTORY_KEYS} for s in store.stated_history(author_id)
        ],
        "reconciliation": [
            row
            for s in stated_rows
            for row in reconcile(
                ours, s, views, **reconcile_facts(store, author_id, s, facts, primary_of)
            )
        ],
        "works": views,
    }


_HISTORY_KEYS = ("source", "origin", "as_of", "h_index", "i10_index", "papers", "citations")


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
