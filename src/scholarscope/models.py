"""The read model: what the JSON API, the CLI's ``--json`` output and the pages show, as
typed structures (msgspec). Each JSON twin is one of these; ``/openapi.json``'s schemas
are generated from them (``schema_components``), so the JSON and its description cannot
disagree.

A key a list item leaves out (a work's ``novelty_evidence`` in lists; a search's
``results`` on the experts tab) is ``UNSET`` and absent from the JSON, not null.

Why msgspec rather than pydantic: a 240-work profile is converted and encoded on every
uncached request; msgspec's ``convert`` + ``json.encode`` of it take a fraction of
pydantic's ``model_validate`` + ``model_dump_json`` (``bench/web_latency.py`` keeps the
page within its latency target either way; the difference is the headroom).

    >>> paging = convert({"page": 1, "per_page": 20, "total": 45, "pages": 3}, Paging)
    >>> encode(paging)
    b'{"page":1,"per_page":20,"total":45,"pages":3}'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

T = TypeVar("T")


class ReadModelError(Exception):
    """Data that does not fit its declared structure: a bug (a view that grew a key not
    declared here), never the user's input, so not a ValueError (which pages answer 400)."""


def convert(data: Any, kind: type[T]) -> T:
    """``data`` (dicts, lists, values) as ``kind``; a key ``kind`` does not declare is an
    error (``ReadModelError``)."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as error:
        raise ReadModelError(f"{getattr(kind, '__name__', kind)}: {error}") from error


def encode(value: Any) -> bytes:
    """The JSON of a read-model value."""
    return msgspec.json.encode(value)


def to_builtins(value: Any) -> Any:
    """A read-model value as dicts and lists (for CSV and BibTeX writers)."""
    return msgspec.to_builtins(value)


class Model(Struct, kw_only=True, forbid_unknown_fields=True):
    """A read-model structure: keyword fields, unknown keys refused."""


class Paging(Model, kw_only=True):
    """Where this page is in the whole list."""

    page: int
    per_page: int
    total: int
    pages: int


class Link(Model, kw_only=True):
    """A work to link to: its id and title."""

    id: str
    title: str | None = None


class StatedField(Model, kw_only=True):
    """A field a source states."""

    key: str
    label: str
    source: str


class VersionLink(Model, kw_only=True):
    """Another version of the same paper (a preprint, a journal or conference version, a
    second DOI): a work of its own, linked."""

    id: str
    work_id: int
    title: str | None
    year: int | None
    venue: str | None
    sources: list[str]
    rule: str
    confidence: Annotated[float, Meta(description="0-1")]
    evidence: str
    through: Annotated[
        str | None, Meta(description="the version it is linked to, when that is not this work")
    ]
    primary: Annotated[bool, Meta(description="the version that stands for the paper")]


class Neighbour(Model, kw_only=True):
    """A nearest earlier work and its cosine similarity."""

    id: str
    title: str | None
    similarity: float


class PaperLink(Model, kw_only=True):
    """A place to read the paper."""

    id: Annotated[str, Meta(description="the arxiv:… or doi:… id the link is made from")]
    label: Annotated[str, Meta(description="arXiv, PDF or DOI")]
    kind: Literal["abstract", "pdf", "doi"]
    url: str
    via: Annotated[str | None, Meta(description="another version of the paper the id belongs to")]


class Attribution(Model, kw_only=True):
    """How a work came to this person, per source that names them."""

    source: str
    name: str
    rule: str
    why: str


class Work(Model, kw_only=True):
    """One work merged from every source's record, with its scores (a works list
    item)."""

    id: Annotated[str, Meta(description="arxiv:…, doi:…, openalex:W… or work:N")]
    work_id: int
    ids: list[str]
    title: str | None
    date: Annotated[str | None, Meta(description="ISO date, when a source gives a full one")]
    date_text: str | None
    year: int | None
    field: Annotated[str | None, Meta(description="the badge: CV, LG, math.CV, Earth …")]
    field_key: Annotated[
        str | None,
        Meta(
            description="the field: a key in a named taxonomy (arxiv:cs.CV, "
            "openalex:fields/19, s2:Geology)"
        ),
    ]
    field_name: str | None
    field_category: Annotated[str | None, Meta(description="the arXiv category, if it is one")]
    fields: list[StatedField]
    field_source: Annotated[
        str | None, Meta(description="stated (source key), or predicted (model version)")
    ]
    field_basis: Annotated[
        str | None, Meta(description="where the field comes from, in words a page shows")
    ] = None
    field_confidence: float | None
    code: bool
    code_url: str | None
    code_state: str | None
    code_evidence: str | None
    authors: Annotated[
        list[str],
        Meta(
            description="in order; in a list, the first 10 (et_al: more follow); on the "
            "work's own page and in exports, all"
        ),
    ]
    author_ids: Annotated[
        list[str | None] | UnsetType, Meta(description="author:N of each author shown, when known")
    ] = UNSET
    et_al: bool
    affiliation: str | None
    abstract: str | None
    comments: str | None
    journal_ref: str | None
    venue: dict[str, Any] | None
    doi: str | None
    citations: int | None
    citations_source: str | None
    citations_by_source: dict[str, Any]
    sources: list[str]
    versions: Annotated[
        list[VersionLink],
        Meta(
            description="the other versions of this paper, nearest first (README: Versions "
            "of one paper)"
        ),
    ]
    paper_links: Annotated[
        list[PaperLink],
        Meta(description="where to read the paper: arXiv abstract and PDF, doi.org"),
    ] = []
    novelty: Annotated[float | None, Meta(description="percentile within field and year")]
    novelty_reason: str | None
    novelty_raw: float | None
    novelty_cohort: str | None
    novelty_evidence: Annotated[
        list[Neighbour] | UnsetType,
        Meta(
            description="the nearest earlier works: on a work's own page; lists of works "
            "leave them out (follow the work's id)"
        ),
    ] = UNSET
    ai_score: float | None
    ai_score_breakdown: dict[str, Any] | None
    citations_version: Annotated[
        int | UnsetType,
        Meta(description="in a profile: the version whose citation figure is shown, when another"),
    ] = UNSET
    attribution: Annotated[
        list[Attribution] | UnsetType,
        Meta(description="on an author's profile: how each work came to this person"),
    ] = UNSET


class ExternalLink(Model, kw_only=True):
    id: str
    url: str


class SimilarWork(Model, kw_only=True):
    id: str
    title: str | None = None
    similarity: float | None


class Similar(Model, kw_only=True):
    """Works like this one and how they were found."""

    method: str
    works: list[SimilarWork]


class WorkPage(Work, kw_only=True):
    """One work with every source's record, links and similar works."""

    records: list[dict[str, Any]]
    links: list[ExternalLink]
    similar: Similar


class SnippetPart(Model, kw_only=True):
    text: str
    match: bool


class SearchResult(Work, kw_only=True):
    """A work found by a search, with the matching passage."""

    snippet: list[SnippetPart] | None


class AuthorSummary(Model, kw_only=True):
    """A person in a list of authors."""

    id: str
    name: str
    papers: int


class AuthorList(Model, kw_only=True):
    """People whose name contains every word of the query."""

    query: str
    paging: Paging
    authors: list[AuthorSummary]


class Coauthor(Model, kw_only=True):
    """The 12 people sharing most works, then the closer collaborators first (each shared
    work weighs 1 / (its authors - 1)), then by id."""

    id: str
    name: str
    shared_works: int


class NoveltyBand(Model, kw_only=True, rename={"low": "from", "high": "to"}):
    low: int
    high: int
    works: int


class FieldShare(Model, kw_only=True):
    """The works behind the primary field."""

    works: int
    of: int
    taxonomy: str


class StatedFigures(Model, kw_only=True):
    """What one source stated about a person on one date: a row of the figure history."""

    source: str
    origin: Annotated[str, Meta(description="the file and line, or the URL, it was read from")]
    as_of: Annotated[str, Meta(description="the source's date for these figures (YYYY-MM-DD)")]
    h_index: int | None
    i10_index: int | None
    papers: int | None
    citations: int | None


class Author(Model, kw_only=True):
    """An author's profile: our figures beside the source-stated ones, and one page of
    the works."""

    id: Annotated[str, Meta(description="author:N")]
    name: str
    field: str | None
    field_key: str | None
    field_name: str | None
    field_share: FieldShare | None
    h_index: int | None
    i10_index: int | None
    g_index: int | None
    m_quotient: float | None
    citations: int | None
    papers: int
    works_with_citations: int
    first_year: int | None
    citations_per_year: dict[str, int]
    versions_counted_once: Annotated[
        int,
        Meta(
            description="works that are versions of another of the author's papers, not "
            "counted again"
        ),
    ]
    novelty: float | None
    novelty_breakdown: dict[str, Any]
    ai_score: float | None
    ai_score_breakdown: dict[str, Any] | None
    citations_by_source: dict[str, Any]
    stated: dict[str, Any] | None
    stated_all: list[dict[str, Any]]
    stated_history: Annotated[
        list[StatedFigures],
        Meta(
            description="every dated set of figures each source stated, oldest first per "
            "source: a source fetched again later adds a row (its drift)"
        ),
    ]
    reconciliation: list[dict[str, Any]]
    works: list[Work]
    paging: Paging
    filters: dict[str, Any]
    coauthors: list[Coauthor]
    fields_over_time: dict[str, dict[str, int]]
    novelty_distribution: list[NoveltyBand]


class WorkList(Model, kw_only=True):
    """Works, newest first, filtered."""

    paging: Paging
    filters: dict[str, Any]
    works: list[Work]


class Evidence(Model, kw_only=True):
    id: str
    title: str | None = None
    rank: int


class Expert(Model, kw_only=True):
    """An author of the best matches, with them as evidence."""

    id: str
    name: str | None
    matching_works: int
    best_rank: int
    evidence: list[Evidence]


class Search(Model, kw_only=True):
    """A search: the works tab has paging and results, the experts tab the experts."""

    query: str
    tab: Literal["works", "experts"]
    filters: dict[str, Any]
    sort: str
    mode: Literal["keyword", "hybrid"]
    semantic: str
    paging: Paging | UnsetType = UNSET
    results: list[SearchResult] | UnsetType = UNSET
    works_considered: int | UnsetType = UNSET
    experts: list[Expert] | UnsetType = UNSET


class FieldCount(Model, kw_only=True):
    field: str
    badge: str
    name: str
    works: int


class FieldList(Model, kw_only=True):
    """Fields with their number of works, most first."""

    fields: list[FieldCount]


class LeaderboardRow(Model, kw_only=True):
    """An author of the field, ranked."""

    id: str
    name: str
    field: str
    field_key: str
    papers: int
    citations: int | None
    h_index: int | None
    novelty: float | None
    ai_score: float | None
    rank: int


class Leaderboard(Model, kw_only=True):
    """Authors of a field ranked by a metric."""

    field: Annotated[str, Meta(description="the field key")]
    field_label: str
    metric: str
    min_papers: int
    paging: Paging
    definition: str
    authors: list[LeaderboardRow]


class HomeField(Model, kw_only=True):
    field: str
    label: Annotated[str, Meta(description="CV — Computer Vision and Pattern Recognition")] = ""
    works: int


class Home(Model, kw_only=True):
    """What the database holds: its figures, fields, most prolific researchers and
    newest works."""

    stats: dict[str, Any]
    fields: list[HomeField]
    researchers: Annotated[
        list[AuthorSummary], Meta(description="the people with the most works, most first")
    ] = []
    recent_works: Annotated[
        list[Work], Meta(description="the newest works (by date), as /works lists them")
    ] = []


class MergeResult(Model, kw_only=True):
    """What merging two author ids did."""

    kept: Annotated[str, Meta(description="author:N, the id that stays")]
    merged: Annotated[str, Meta(description="author:M, which now redirects to kept")]
    name: str
    papers_before: int
    papers: int


class Suggestion(Model, kw_only=True):
    """Two people who are probably one (identity suggest --json)."""

    authors: list[str]
    source_ids: list[list[str]]
    names: list[str]
    score: float
    reasons: list[str]


class IdentityEdit(Model, kw_only=True):
    """One identity edit as logged (identity log --json prints a list of these)."""

    edit: Annotated[int, Meta(description="the edit's number in the log")]
    kind: Literal["merge", "split", "undo"]
    made_at: str
    made_by: str
    reason: str
    summary: str
    people: list[str]
    undoes: int | None
    undone_by: int | None
    works: list[str]
    papers_before: int | None
    anchors: Annotated[
        dict[str, Any],
        Meta(
            description="the source ids, name keys and work ids that find the same people "
            "and works in another database (identity replay)"
        ),
    ]


class Identity(Model, kw_only=True):
    """Suggested merges and the identity edit log."""

    suggestions: list[Suggestion]
    log: list[IdentityEdit]


class FileResult(Model, kw_only=True):
    path: Annotated[str, Meta(description="upload:NAME")]
    read: int
    profiles: int
    new: int
    merged: int
    unchanged: int
    rejected: int
    repaired: int
    messages: list[str]
    repairs: list[Any] = []


class IngestResult(Model, kw_only=True):
    """What ingesting the upload did, and how many works were enriched."""

    files: list[FileResult]
    enriched: int


class Problem(Model, kw_only=True):
    """What was wrong with the request (RFC 9457 problem details)."""

    type: str
    title: str
    status: int
    detail: str


# Every structure the API answers with, by name, for ``/openapi.json``.
SCHEMAS: tuple[type[Model], ...] = (
    Home, AuthorList, Author, WorkList, WorkPage, Search, FieldList, Leaderboard, Identity,
    IdentityEdit, MergeResult, IngestResult, Problem,
)  # fmt: skip


def schema_components() -> dict[str, Any]:
    """JSON Schemas of ``SCHEMAS`` and everything they refer to, by name, with
    references of the form ``#/components/schemas/{name}``."""
    _, components = msgspec.json.schema_components(
        SCHEMAS, ref_template="#/components/schemas/{name}"
    )
    return components
