"""Read side: researcher profiles (figures, their breakdowns, the reconciliation with
what sources state) and author look-ups. The works in them are ``work_views``'s.

The CLI prints these dicts (as JSON or as text); the web pages serve them as the
``models.Author`` structure. The JSON layout is documented in the README and tested.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from scholarscope import ids
from scholarscope.authors import attribution_text, folded_name, names_compatible
from scholarscope.merged import (
    source_name,
)
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
