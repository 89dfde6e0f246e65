"""Every address the server answers, declared once: its view, its query parameters and
the formats it answers in — the page (``/authors/author:3``), its JSON twin (``….json``)
and, for works lists, CSV and BibTeX exports (``….csv``, ``….bib``). The same table
validates requests (``app.py``) and writes the API description (``openapi.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scholarscope import leaderboard
from scholarscope.web import views
from scholarscope.web.identity_page import identity_page
from scholarscope.web.params import PAGE, WORK_FILTERS, Param, per_page

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "bib": "application/x-bibtex; charset=utf-8",
}


@dataclass(frozen=True)
class Route:
    """One address: ``path`` with at most one ``{placeholder}``, the view that answers
    it, its query parameters and formats, and the name of its JSON answer's schema in
    ``openapi.SCHEMAS``. ``embeds`` gives, from a request's parameters, the text its view
    will embed for semantic search (None: none), known before the request waits its turn
    (``search.QueryBatch``)."""

    path: str
    view: Callable[..., views.Page]
    params: tuple[Param, ...]
    formats: tuple[str, ...]
    summary: str
    schema: str | None = None
    embeds: Callable[[dict[str, Any]], str | None] | None = None

    def match(self, path: str) -> tuple[str, ...] | None:
        """The placeholder's value when ``path`` (without format suffix) is this route."""
        head, brace, _ = self.path.partition("{")
        if not brace:
            return () if path == self.path else None
        if path.startswith(head) and len(path) > len(head):
            return (path[len(head) :],)
        return None


WORK_SORT = Param("sort", "choice", "Order of the works.", "profile", choices=views.WORK_SORTS)
ROUTES: tuple[Route, ...] = (
    Route("/index", views.home_page, (), ("html", "json"), "What the database holds.", "Home"),
    Route(
        "/authors",
        views.authors_page,
        (Param("q", "text", "Words of the name (accents and case ignored)."), PAGE, per_page(50)),
        ("html", "json"),
        "People whose name contains every word of q, most works first.",
        "AuthorList",
    ),
    Route(
        "/authors/{id}",
        views.author_page,
        (*WORK_FILTERS, WORK_SORT, PAGE, per_page(50, views.EXPORT_MAX)),
        ("html", "json", "csv", "bib"),
        "An author's profile: figures with their breakdown and the source-stated ones, "
        "charts, co-authors, then the works (filtered, sorted, paged; exports take all). "
        "id is author:N; a source id (openalex:A…, orcid:…) or a name redirects there.",
        "Author",
    ),
    Route(
        "/works",
        views.works_page,
        (*WORK_FILTERS, PAGE, per_page(50, views.EXPORT_MAX)),
        ("html", "json", "csv", "bib"),
        "Every stored work, newest first, filtered.",
        "WorkList",
    ),
    Route(
        "/works/{id}",
        views.work_page,
        (),
        ("html", "json", "csv", "bib"),
        "One work: every source's record with provenance, novelty with its evidence, "
        "AI Score breakdown, similar works. id is work:N or any id of the work "
        "(arxiv:2409.19252, doi:10.1145/… with '/' as %2F or as is, openalex:W…).",
        "WorkPage",
    ),
    Route(
        "/search",
        views.search_page,
        (
            Param("q", "text", 'Words or "quoted phrases"; every one must match.'),
            Param("tab", "choice", "works or experts.", "works", choices=("works", "experts")),
            WORK_FILTERS[0],
            Param("year_from", "int", "Only works of this year or later.", None, 1000, 2999),
            Param("year_to", "int", "Only works of this year or earlier.", None, 1000, 2999),
            WORK_FILTERS[2],
            Param("venue", "text", "Only works of this venue (NeurIPS, CVPR …)."),
            Param("sort", "choice", "Order.", "relevance", choices=views.SEARCH_SORTS),
            PAGE,
            per_page(20, views.EXPORT_MAX),
        ),
        ("html", "json", "csv", "bib"),
        "Works whose title or abstract match (keyword; hybrid with semantic when "
        "embeddings are stored), or the experts: authors of the best matches.",
        "Search",
        views.search_text_to_embed,
    ),
    Route(
        "/identity",
        identity_page,
        (Param("limit", "int", "At most this many suggested merges.", 50, 1, 500),),
        ("html", "json"),
        "Suggested merges of people (with score and reasons, best first) and the log of "
        "every identity edit, newest first.",
        "Identity",
    ),
    Route(
        "/fields", views.fields_page, (), ("html", "json"), "Fields with their works.", "FieldList"
    ),
    Route(
        "/fields/{code}",
        views.field_page,
        (
            Param("metric", "choice", "Rank by.", "h_index", choices=leaderboard.METRICS),
            Param("min_papers", "int", "Only authors with this many works.", 3, 1, 10_000),
            PAGE,
            per_page(50),
        ),
        ("html", "json"),
        "Field leaderboard: authors whose primary field is code, ranked by a metric.",
        "Leaderboard",
    ),
)


MAX_UPLOAD = 50 * 1024 * 1024  # bytes in one uploaded file (a larger one is a 413)


@dataclass(frozen=True)
class WriteRoute:
    """A write endpoint (POST; off unless the server has an admin token, then requiring
    it): its query parameters, whether the body is an uploaded file, and the schema of
    its JSON answer."""

    path: str
    params: tuple[Param, ...]
    summary: str
    schema: str
    upload: bool = False


WRITE_ROUTES: tuple[WriteRoute, ...] = (
    WriteRoute(
        "/admin/ingest",
        (Param("name", "text", "File name of the upload.", "upload"),),
        "Ingest and enrich one uploaded file (any supported format).",
        "IngestResult",
        upload=True,
    ),
    WriteRoute(
        "/admin/authors/merge",
        (
            Param("keep", "author", "The author that stays: author:N.", required=True),
            Param("drop", "author", "The author id that is the same person.", required=True),
        ),
        "Merge two author ids that are one person: drop's works, source ids and stated "
        "figures move to keep; drop then redirects to keep. The same as "
        "/admin/identity/merge with the reason 'merged with merge-authors'.",
        "MergeResult",
    ),
    WriteRoute(
        "/admin/identity/merge",
        (
            Param("keep", "author", "The author that stays: author:N.", required=True),
            Param("drop", "author", "The author id that is the same person.", required=True),
            Param("reason", "text", "Why they are one person (kept in the log).", required=True),
            Param("by", "text", "Who makes the edit (kept in the log).", "admin"),
        ),
        "Merge two author ids that are one person, and log it (identity merge).",
        "IdentityEdit",
    ),
    WriteRoute(
        "/admin/identity/split",
        (
            Param("author", "author", "The author to split: author:N.", required=True),
            Param(
                "works",
                "text",
                "The works to move, space separated (work:N or any id).",
                required=True,
            ),
            Param("into", "author", "Move them to this author instead of a new one."),
            Param("reason", "text", "Why (kept in the log).", required=True),
            Param("by", "text", "Who makes the edit (kept in the log).", "admin"),
        ),
        "Move some works of an author to a new (or named) person, pinned there through "
        "every later ingest, and log it (identity split).",
        "IdentityEdit",
    ),
    WriteRoute(
        "/admin/identity/undo",
        (
            Param("edit", "int", "The edit to undo.", minimum=1, maximum=10**9, required=True),
            Param("reason", "text", "Why (kept in the log).", required=True),
            Param("by", "text", "Who makes the edit (kept in the log).", "admin"),
        ),
        "Move back what an identity edit moved, and log the undo (identity undo).",
        "IdentityEdit",
    ),
)
