"""The pages. Each view turns validated parameters into one plain dict — served as is
by the page's JSON twin — and names the template that renders it.

The dicts are those of the read side (``profile.build_profile``, ``work_views.scored_views``
…) with what a page adds: paging, filters, co-authors, charts' data, author links. The
CLI prints the same dicts, so the page, the API and the terminal never disagree (a
profile page computes its figures with ``profile.profile_summary``, which gives the same
figures from each work's facts, and merges only the works it shows).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from scholarscope import ids, leaderboard, models, profile, search, work_views
from scholarscope.merged import source_name
from scholarscope.models import convert
from scholarscope.researcher import WORK_SORTS, WorkFilters, find_researchers, researcher
from scholarscope.store import Store
from scholarscope.taxonomy import chosen_field, field_badge, field_label, field_name
from scholarscope.web import charts
from scholarscope.web.filters import quote_id
from scholarscope.web.params import BadRequest
from scholarscope.work_lists import (
    EXPORT_MAX,
    load_views,
    newest_works,
    paginate,
    with_author_links,
)

EXPORTS = ("csv", "bib")
SEARCH_SORTS = ("relevance", "date")
TOP_FIELDS = 5  # fields drawn in "fields over time"; the rest are "other"
# Authors a work names in a page's list (the HTML shows 3); its own page and exports name
# all. Some records name 3,000 authors: each cost 9 ms to list, and its co-authors'
# profiles were the slowest pages.
SITE_LINKS = {
    "arxiv": "https://arxiv.org/abs/{}",
    "doi": "https://doi.org/{}",
    "openalex": "https://openalex.org/{}",
    "s2": "https://www.semanticscholar.org/paper/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
}


class NotFound(LookupError):
    """Nothing at this address (HTTP 404)."""


class Redirect(Exception):  # noqa: N818 - it is not an error: the page lives elsewhere
    """The page lives at another address (HTTP 302), e.g. a name -> ``author:N``."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass
class Context:
    """What a view may use: the store; ``cached`` keeps a page's read-side results and
    ``shared`` facts about the whole database (both until the database changes;
    ``cached`` may be off, ``shared`` never is); the semantic index and a query's
    semantic matches when embeddings are available (else None)."""

    store: Store
    cached: Callable[[Hashable, Callable[[], Any]], Any]
    shared: Callable[[Hashable, Callable[[], Any]], Any]
    semantic: Callable[[], search.SemanticIndex | None]
    query_matches: Callable[[], search.SemanticMatches | None]


@dataclass
class Page:
    """A view's result: ``data`` is the JSON twin (a ``models`` structure); ``extra``
    only feeds the HTML (chart geometry, labels); ``works`` is the whole works list
    behind the page, for exports."""

    template: str
    title: str
    data: models.Model
    extra: dict[str, Any] = field(default_factory=dict)
    works: list[dict[str, Any]] | None = None


# -- shared helpers -----------------------------------------------------------------


def external_links(ids: list[str]) -> list[dict[str, str]]:
    """Links to the work on the sites its ids belong to.

    >>> external_links(["arxiv:2409.19252", "doi:10.1145/3664647.3680919", "title:x"])[1]
    {'id': 'doi:10.1145/3664647.3680919', 'url': 'https://doi.org/10.1145/3664647.3680919'}
    """
    links = []
    for key in ids:
        scheme, _, value = key.partition(":")
        if scheme in SITE_LINKS and value:
            links.append({"id": key, "url": SITE_LINKS[scheme].format(quote(value, safe="/"))})
    return links


def stored_id(ref: str, scheme: str) -> int | None:
    """``ids.stored_number``: a number that can name nothing stored is a 404."""
    try:
        return ids.stored_number(ref, scheme)
    except ids.UnknownId as error:
        raise NotFound(str(error)) from None


def resolve_author_ref(store: Store, ref: str) -> int:
    """``author:N``; a source id or a name redirects to the author's ``author:N`` page."""
    number = stored_id(ref, "author")
    if number is not None:
        if store.author_row(number) is None:
            merged_into = store.merged_into("author", number)
            if merged_into is None:
                raise NotFound(f"no author with id {ref}")
            raise Redirect(f"/authors/author:{merged_into}")  # merged: the id stays valid
        if ref != f"author:{number}":
            raise Redirect(f"/authors/author:{number}")
        return number
    try:
        author_id, _ = profile.resolve_author(store, ref)
    except profile.NotFound as error:
        raise NotFound(str(error)) from None
    except profile.AmbiguousName:  # several people: the list of them, never a guess
        raise Redirect(f"/authors?q={quote(ref)}") from None
    raise Redirect(f"/authors/author:{author_id}")


def resolve_work_ref(store: Store, ref: str) -> int:
    """``work:N``, or any id of the work: ``arxiv:2409.19252`` (a version suffix is
    ignored), ``doi:10.1145/…`` (any case), ``openalex:W…``, ``s2:…``."""
    number = stored_id(ref, "work")
    if number is not None:
        if not store.work_exists(number):
            merged_into = store.merged_into("work", number)
            if merged_into is None:
                raise NotFound(f"no work with id {ref}")
            shown = work_views.canonical_ids(store, [merged_into])[merged_into]
            raise Redirect(f"/works/{quote_id(shown)}")  # found to be one work
        return number
    key = ids.work_key(ref)
    found = store.find_work_keys([key]).get(key)
    if found is None:
        raise NotFound(f"no work with id {ref}")
    return found


# -- author profile -------------------------------------------------------------------


def resolve_field(ctx: Context, code: str | None) -> str | None:
    """The field key a user's code means among the stored fields (``chosen_field``);
    a code naming several is a 400 that lists them."""
    try:
        return chosen_field(code, (f for f, _ in _field_counts(ctx)))
    except ValueError as error:
        raise BadRequest(str(error)) from None


def author_page(ctx: Context, ref: str, params: dict[str, Any], fmt: str) -> Page:
    author_id = resolve_author_ref(ctx.store, ref)
    filters = WorkFilters(
        resolve_field(ctx, params["field"]), params["year"], params["code"], params["sort"]
    )
    found = researcher(
        ctx.store, author_id, filters, params["page"], params["per_page"], cached=ctx.cached
    )
    author, full = found.author, found.summary
    today = date.today()  # the charts mark this year's bars as counted to date
    extra = (
        {}
        if fmt != "html"
        else {
            "header": header_figures(full),
            "citations_chart": charts.bar_chart(
                list(full["citations_per_year"].items()),
                "citations",
                "Citations received per year, summed over the works' counts by year.",
                today=today,
            ),
            "novelty_chart": charts.bar_chart(
                [(f"{b.low}–{b.high}", b.works) for b in author.novelty_distribution],
                "works",
                "Works per novelty percentile band (50 is typical for the field and year).",
            ),
            "fields_chart": _fields_chart(author.fields_over_time, today),
            "figure_history": figure_history(author.stated_history),
            "field_choices": sorted({w["field_key"] for w in full["works"] if w["field_key"]}),
            "year_choices": sorted({w["year"] for w in full["works"] if w["year"]}, reverse=True),
            "sorts": WORK_SORTS,
        }
    )
    exported = (
        load_views(ctx.store, [w["work_id"] for w in found.chosen[:EXPORT_MAX]], max_authors=None)
        if fmt in EXPORTS
        else None
    )
    return Page("author.html", author.name, author, extra, exported)


def _fields_chart(timeline: dict[str, dict[str, int]], today: date) -> charts.Chart | None:
    totals: Counter[str] = Counter()
    for counts in timeline.values():
        totals.update(counts)
    top = [name for name, _ in totals.most_common(TOP_FIELDS)]
    series = top + (["other"] if len(totals) > len(top) else [])
    columns: list[tuple[str, dict[str, float]]] = []
    for year, counts in timeline.items():
        column: dict[str, float] = {name: counts.get(name, 0) for name in top}
        other = sum(n for name, n in counts.items() if name not in top)
        if other:
            column["other"] = other
        columns.append((year, column))
    return charts.stacked_chart(columns, series, "Works per year, by field.", today=today)


def figure_history(rows: list[models.StatedFigures]) -> list[dict[str, Any]]:
    """The sources whose figures were fetched on more than one date, each with its rows
    oldest first and how each figure moved since the row before (the drift)."""
    series: dict[tuple[str, str], list[models.StatedFigures]] = {}
    for row in rows:
        series.setdefault((row.source, row.origin), []).append(row)
    shown = []
    for (source, origin), dated in series.items():
        if len(dated) < 2:
            continue
        lines = []
        for before, row in zip([None, *dated], dated, strict=False):
            lines.append(
                {
                    "as_of": row.as_of,
                    **{
                        name: (getattr(row, name), _moved(before, row, name))
                        for name in ("h_index", "i10_index", "papers", "citations")
                    },
                }
            )
        shown.append({"source": source_name(source), "origin": origin, "rows": lines})
    return shown


def _moved(before: models.StatedFigures | None, row: models.StatedFigures, name: str) -> int | None:
    old, new = (getattr(before, name) if before else None), getattr(row, name)
    return new - old if old is not None and new is not None else None


def header_figures(p: dict[str, Any]) -> list[dict[str, Any]]:
    """The header's figures: what each rests on, shown under the number (``basis``, and
    a ``warning`` when it rests on few works), and what the expandable breakdown of each
    one says."""
    stated = p["stated"] or {}
    stating = source_name(stated["source"]) if stated else ""
    reasons = {
        row["figure"]: row["reasons"]
        for row in p["reconciliation"]
        if row["source"] == stated.get("source")
    }
    sources = ", ".join(
        f"{source_name(name)}: {_count(s['citations'], 'citation')} over "
        f"{_count(s['works_with_figure'], 'work')}, h-index {s['h_index']}"
        for name, s in p["citations_by_source"].items()
    )
    novelty = p["novelty_breakdown"]
    ai = p["ai_score_breakdown"]
    cited, papers = p["works_with_citations"], p["papers"]
    cited_basis = (
        [f"from {cited} of {_count(papers, 'work')} with a citation figure"]
        if cited
        else ["no citation figures stored"]
    )
    cited_few = _few(cited, papers, profile.rests_on_few(cited, papers))
    unexplained = "{} gives no method or works for its figure, so it cannot be matched work by work"
    return [
        {
            "key": "h_index", "label": "h-index", "ours": p["h_index"], "suffix": "",
            "stated": stated.get("h_index"), "reasons": reasons.get("h_index", []),
            "basis": cited_basis, "warning": cited_few,
            "explain": [
                "The largest h such that h works have at least h citations each.",
                f"i10-index {_shown(p['i10_index'])}, g-index {_shown(p['g_index'])}, "
                f"m-quotient {_shown(p['m_quotient'])} (first work {p['first_year'] or '—'}).",
                f"{cited} of {_count(papers, 'work')} {'has' if cited == 1 else 'have'} a "
                "citation figure.",
                sources or "No source gives a citation figure for these works.",
            ],
        },
        {
            "key": "papers", "label": "papers", "ours": p["papers"], "suffix": "",
            "stated": stated.get("papers"), "reasons": reasons.get("papers", []),
            "basis": [f"{_count(p['versions_counted_once'], 'version')} counted once"]
            if p["versions_counted_once"] else ["distinct works stored"],
            "warning": None,
            "explain": ["Distinct stored works: a work merged from several sources counts once."],
        },
        {
            "key": "citations", "label": "citations", "ours": p["citations"], "suffix": "",
            "stated": stated.get("citations"), "reasons": reasons.get("citations", []),
            "basis": cited_basis, "warning": cited_few,
            "explain": [
                "The sum of each work's citation figure (the newest figure of the first of "
                "OpenAlex, Semantic Scholar, a profile page that has one).",
                sources or "No source gives a citation figure for these works.",
            ],
        },
        {
            "key": "novelty", "label": "Novelty", "ours": p["novelty"], "suffix": "%",
            "stated": stated.get("novelty"),
            "reasons": [unexplained.format(stating)]
            if stated.get("novelty") is not None and stated["novelty"] != p["novelty"] else [],
            "basis": [f"median of {novelty['works_with_novelty']} of "
                      f"{_count(novelty['works'], 'work')}"]
            if novelty["works_with_novelty"] else ["no work has a novelty"],
            "warning": _few(novelty["works_with_novelty"], novelty["works"], novelty["few"]),
            "explain": [
                novelty["basis"],
                "A work's novelty is its percentile, within its field and year, of the "
                "distance from the works that came before it; 50% is typical.",
            ],
        },
        {
            "key": "ai_score", "label": "AI Score", "ours": p["ai_score"], "suffix": "",
            "stated": stated.get("ai_score"),
            "reasons": [unexplained.format(stating)]
            if stated.get("ai_score") is not None and stated["ai_score"] != p["ai_score"]
            else [],
            "basis": _ai_basis(ai),
            "warning": _few(ai["works_scored"], ai["works"], ai["few"]) if ai else None,
            "explain": _ai_explain(ai),
        },
    ]  # fmt: skip


def _few(count: int, of: int, few: bool) -> str | None:
    """The warning a headline resting on few works carries (``profile.rests_on_few``)."""
    return f"rests on only {count} of {_count(of, 'work')}" if few else None


def _count(n: int, noun: str) -> str:
    """A count with its noun, singular for one.

    >>> _count(1, "work"), _count(1706, "citation")
    ('1 work', '1,706 citations')
    """
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _ai_basis(ai: dict[str, Any] | None) -> list[str]:
    """Under the AI Score: how many works it is the median of, the components it is made
    of, and each component left out with the reason."""
    if not ai:
        return ["not scored yet"]
    used = [name for name, c in ai["components"].items() if c["works"]]
    lines = [
        f"median of {ai['works_scored']} of {_count(ai['works'], 'work')}"
        if ai["works_scored"]
        else "no work has a score"
    ]
    lines += [f"from {', '.join(used)}"] if used else []
    lines += [f"{reason}: {name} left out" for name, reason in ai["left_out"].items()]
    return lines


def _ai_explain(ai: dict[str, Any] | None) -> list[str]:
    if not ai:
        return ["No work of this author has an AI Score yet (run scholarscope score)."]
    lines = [ai["basis"]]
    for name, part in ai["components"].items():
        if part["works"]:
            lines.append(
                f"{name}: median {_shown(part['median'])} over {_count(part['works'], 'work')}"
            )
    return lines


def _shown(value: Any) -> str:
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


# -- work page ------------------------------------------------------------------------


def record_view(origin: str, work: Any, provenance: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """What one source says about a work, with where and when it was read."""
    key, ingested_at = provenance.get(work.source, ("", ""))
    return {
        "source": work.source,
        "origin": origin,
        "record_key": key,
        "ingested_at": ingested_at,
        "ids": list(work.ids),
        "title": work.title,
        "date": work.date_text or work.date,
        "categories": list(work.categories),
        "primary_category": work.primary_category,
        "field_badge": work.field_badge,
        "authors": [a.author.name for a in work.authors],
        "et_al": work.et_al,
        "affiliation": work.affiliation_tag,
        "venue": work.venue,
        "comments": work.comments,
        "journal_ref": work.journal_ref,
        "code_badge": work.code_badge,
        "code_url": work.code_url,
        "citations": [
            {"source": c.source, "count": c.count, "as_of": c.as_of} for c in work.citations
        ],  # fmt: skip
        "abstract": work.abstract,
    }


def work_page(ctx: Context, ref: str, params: dict[str, Any], fmt: str) -> Page:
    export = fmt in EXPORTS
    work_id = resolve_work_ref(ctx.store, ref)
    view = work_views.scored_views(ctx.store, [work_id])[0]
    records = ctx.store.work_records([work_id]).get(work_id, [])
    provenance = {source: (key, at) for source, key, _, at in ctx.store.record_provenance(work_id)}
    data = with_author_links(ctx.store, [view], max_authors=None)[0]
    data.update(
        {
            "records": [record_view(origin, work, provenance) for origin, _, work in records],
            "links": external_links(view["ids"]),
            "similar": search.similar_works(
                ctx.store, work_id, view["title"] or (view["abstract"] or "")[:300], ctx.semantic()
            ),
        }
    )
    title = view["title"] or view["id"]
    extra = {"similar_method": readable_models(data["similar"]["method"], ctx.semantic())}
    page = convert(data, models.WorkPage)
    return Page("work.html", title, page, extra, [view] if export else None)


def readable_models(text: str, semantic: search.SemanticIndex | None) -> str:
    """``text`` with the embedding model's version string (``all-MiniLM-L6-v2@0.1.0/
    torch-2.13/fp32/256/r2``: the key vectors are stored under, which the JSON keeps)
    cut to the model's name, as a page shows it."""
    if semantic is None or "@" not in semantic.model:
        return text
    return text.replace(semantic.model, semantic.model.split("@", 1)[0])


# -- lists: authors, works, search, fields ---------------------------------------------


def authors_page(ctx: Context, params: dict[str, Any], fmt: str) -> Page:
    query = params["q"] or ""
    found = find_researchers(ctx.store, query, params["page"], params["per_page"])
    title = f"Authors matching {query}" if query else "Authors"
    return Page("authors.html", title, found)


def works_page(ctx: Context, params: dict[str, Any], fmt: str) -> Page:
    field = resolve_field(ctx, params["field"])
    found = newest_works(
        ctx.store, field, params["year"], params["code"], params["page"], params["per_page"]
    )
    exported = None
    if fmt in EXPORTS:  # every work the filters keep, up to EXPORT_MAX, all authors named
        filters = search.Filters(field, params["year"], params["year"], params["code"])
        _, ids = ctx.store.find_work_ids(None, **filters.as_store_args(), limit=EXPORT_MAX)
        exported = load_views(ctx.store, ids, max_authors=None)
    extra = {"field_choices": [f for f, _ in _field_counts(ctx)]} if fmt == "html" else {}
    return Page("works.html", "Works", found, extra, exported)


def _field_counts(ctx: Context) -> list[tuple[str, int]]:
    counts: list[tuple[str, int]] = ctx.shared(("field_counts",), lambda: ctx.store.field_counts())
    return counts


def search_text_to_embed(params: dict[str, Any]) -> str | None:
    """The query a search request ranks semantically (when semantic search is on):
    relevance order or the experts tab, and words to search for."""
    query: str = params["q"] or ""
    if search.fts_query(query) is None:
        return None
    return query if params["tab"] == "experts" or params["sort"] == "relevance" else None


def search_page(ctx: Context, params: dict[str, Any], fmt: str) -> Page:
    export = fmt in EXPORTS
    query = params["q"] or ""
    filters = search.Filters(
        resolve_field(ctx, params["field"]),
        params["year_from"],
        params["year_to"],
        params["code"],
        params["venue"],
    )
    semantic = ctx.semantic()
    found, ids = search.search_results(
        ctx.store,
        query,
        filters,
        params["sort"],
        params["tab"],
        params["page"],
        params["per_page"],
        semantic,
        ctx.query_matches() if semantic and query else None,
        EXPORT_MAX if export else None,
    )
    extra: dict[str, Any] = {"sorts": SEARCH_SORTS, "field_choices": [],
                             "semantic": readable_models(found.semantic, semantic)}  # fmt: skip
    if fmt == "html" and query:  # the field menu of the filters
        extra["field_choices"] = [f for f, _ in _field_counts(ctx)]
    title = "Search" if not query else f"Experts: {query}" if params["tab"] == "experts" else (
        f"Search: {query}")  # fmt: skip
    works = load_views(ctx.store, ids, None) if export else None
    return Page("search.html", title, found, extra, works)


def fields_page(ctx: Context, params: dict[str, Any], fmt: str) -> Page:
    counts = _field_counts(ctx)
    data = {
        "fields": [
            {"field": f, "badge": field_badge(f), "name": field_name(f), "works": n}
            for f, n in counts
        ]
    }
    return Page("fields.html", "Fields", convert(data, models.FieldList))


def field_page(ctx: Context, code: str, params: dict[str, Any], fmt: str) -> Page:
    field_code = resolve_field(ctx, code) or code
    known = {f for f, _ in _field_counts(ctx)}
    if field_code not in known:
        raise NotFound(f"no stored work is in the field {code}")
    metric, min_papers = params["metric"], params["min_papers"]
    rows: list[dict[str, Any]] = ctx.cached(
        ("leaderboard", field_code, metric, min_papers),
        lambda: leaderboard.field_leaderboard(ctx.store, field_code, metric, min_papers),
    )
    shown, paging = paginate(rows, params["page"], params["per_page"])
    data = {
        "field": field_code,
        "field_label": field_label(field_code),
        "metric": metric,
        "min_papers": min_papers,
        "paging": paging,
        "authors": shown,
        "definition": (
            "Authors whose primary field (the most frequent field over their works) is "
            f"{field_label(field_code)} ({field_code}), with at least "
            f"{_count(min_papers, 'work')}, ranked by {METRIC_NAMES[metric]} (authors without "
            "that figure last), then by papers."
        ),
    }
    extra = {"metrics": leaderboard.METRICS, "metric_names": METRIC_NAMES}
    board = convert(data, models.Leaderboard)
    return Page("field.html", f"{field_label(field_code)} leaderboard", board, extra)


# How a leaderboard's metrics read on a page (the keys are the ``metric`` parameter's).
METRIC_NAMES = {"h_index": "h-index", "citations": "citations", "papers": "papers",
                "novelty": "Novelty %", "ai_score": "AI Score"}  # fmt: skip
HOME_PEOPLE = 10  # the most prolific researchers the home page lists
HOME_WORKS = 8  # and the newest works


def home_page(ctx: Context, params: dict[str, Any], fmt: str) -> Page:
    stats = ctx.shared(("stats",), lambda: profile.stats(ctx.store))
    people = ctx.cached(("prolific", HOME_PEOPLE), lambda: ctx.store.prolific_authors(HOME_PEOPLE))
    _, newest = ctx.store.find_work_ids(None, limit=HOME_WORKS)  # newest first, as /works
    data = {
        "stats": stats,
        "fields": [
            {"field": f, "label": field_label(f) or f, "works": n} for f, n in _field_counts(ctx)
        ],
        "researchers": [{"id": f"author:{a}", "name": name, "papers": n} for a, name, n in people],
        "recent_works": with_author_links(ctx.store, load_views(ctx.store, newest)),
    }
    # the page's own title: base.html appends " · scholarscope"
    return Page("home.html", "Researchers, works and fields", convert(data, models.Home))
