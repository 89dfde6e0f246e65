"""The API description (OpenAPI 3.1) served at ``/openapi.json``, written from the route
table so that every route and parameter is documented.

Each JSON answer refers to a schema of ``components.schemas`` (``Route.schema``): the keys
a client can rely on (``required``) and their types (JSON Schema 2020-12, as OpenAPI 3.1
uses it: ``"type": ["string", "null"]`` for a value that may be missing). Objects stay open
(``additionalProperties`` is not restricted), so a key added later breaks no client.
"""

from __future__ import annotations

import re
from typing import Any

from scholarscope.web.routes import CONTENT_TYPES, ROUTES, WRITE_ROUTES
from scholarscope.web.views import EXPORT_MAX


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _t(*types: str) -> dict[str, Any]:
    """A type, or several: _t("string", "null")."""
    return {"type": types[0] if len(types) == 1 else list(types)}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _object(
    description: str, properties: dict[str, Any], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An object whose every property is required except those named in ``optional``."""
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema["required"] = [name for name in properties if name not in optional]
    schema["properties"] = properties
    return schema


STR, INT, NUM, BOOL = _t("string"), _t("integer"), _t("number"), _t("boolean")
OPT_STR, OPT_INT, OPT_NUM = _t("string", "null"), _t("integer", "null"), _t("number", "null")
OBJ, OPT_OBJ = _t("object"), _t("object", "null")
LINK = _object(
    "A work to link to: its id and title.", {"id": STR, "title": OPT_STR}, optional=("title",)
)

SCHEMAS: dict[str, Any] = {
    "Problem": _object(
        "What was wrong with the request (RFC 9457 problem details).",
        {"type": STR, "title": STR, "status": INT, "detail": STR},
    ),
    "Paging": _object(
        "Where this page is in the whole list.",
        {"page": INT, "per_page": INT, "total": INT, "pages": INT},
    ),
    "Work": _object(
        "One work merged from every source's record, with its scores (a works list item).",
        {
            "id": {**STR, "description": "arxiv:…, doi:…, openalex:W… or work:N"},
            "work_id": INT,
            "ids": _array(STR),
            "title": OPT_STR,
            "date": {**OPT_STR, "description": "ISO date, when a source gives a full one"},
            "date_text": OPT_STR,
            "year": OPT_INT,
            "field": {**OPT_STR, "description": "the badge: CV, LG, math.CV, Earth …"},
            "field_key": {
                **OPT_STR,
                "description": "the field: a key in a named taxonomy (arxiv:cs.CV, "
                "openalex:fields/19, s2:Geology)",
            },
            "field_name": OPT_STR,
            "field_category": {**OPT_STR, "description": "the arXiv category, if it is one"},
            "fields": _array(
                _object("A field a source states.", {"key": STR, "label": STR, "source": STR})
            ),
            "field_source": OPT_STR,
            "field_confidence": OPT_NUM,
            "code": BOOL,
            "code_url": OPT_STR,
            "code_state": OPT_STR,
            "code_evidence": OPT_STR,
            "authors": {
                **_array(STR),
                "description": "in order; in a list, the first 10 (et_al: more follow); "
                "on the work's own page and in exports, all",
            },
            "author_ids": _array(OPT_STR),
            "et_al": BOOL,
            "affiliation": OPT_STR,
            "abstract": OPT_STR,
            "comments": OPT_STR,
            "journal_ref": OPT_STR,
            "venue": OPT_OBJ,
            "doi": OPT_STR,
            "citations": OPT_INT,
            "citations_source": OPT_STR,
            "citations_by_source": OBJ,
            "sources": _array(STR),
            "versions": {
                **_array(
                    _object(
                        "Another version of the same paper (a preprint, a journal or "
                        "conference version, a second DOI): a work of its own, linked.",
                        {
                            "id": STR,
                            "work_id": INT,
                            "title": OPT_STR,
                            "year": OPT_INT,
                            "venue": OPT_STR,
                            "sources": _array(STR),
                            "rule": STR,
                            "confidence": {**NUM, "description": "0-1"},
                            "evidence": STR,
                            "through": {
                                **OPT_STR,
                                "description": "the version it is linked to, when that is "
                                "not this work",
                            },
                            "primary": {
                                **BOOL,
                                "description": "the version that stands for the paper",
                            },
                        },
                    )
                ),
                "description": "the other versions of this paper, nearest first "
                "(README: Versions of one paper)",
            },
            "novelty": {**OPT_NUM, "description": "percentile within field and year"},
            "novelty_reason": OPT_STR,
            "novelty_raw": OPT_NUM,
            "novelty_cohort": OPT_STR,
            "novelty_evidence": {
                **_array(
                    _object(
                        "A nearest earlier work and its cosine similarity.",
                        {"id": STR, "title": OPT_STR, "similarity": NUM},
                    )
                ),
                "description": "the nearest earlier works: on a work's own page; lists of "
                "works leave them out (follow the work's id)",
            },
            "ai_score": OPT_NUM,
            "ai_score_breakdown": OPT_OBJ,
        },
        optional=("author_ids", "novelty_evidence"),
    ),
    "WorkPage": {
        "allOf": [
            _ref("Work"),
            _object(
                "One work with every source's record, links and similar works.",
                {
                    "records": _array(OBJ),
                    "links": _array(_object("", {"id": STR, "url": STR})),
                    "similar": _object(
                        "Works like this one and how they were found.",
                        {
                            "method": STR,
                            "works": _array(
                                {"allOf": [LINK, _object("", {"similarity": OPT_NUM})]}
                            ),
                        },
                    ),
                },
            ),
        ]
    },
    "AuthorSummary": _object(
        "A person in a list of authors.", {"id": STR, "name": STR, "papers": INT}
    ),
    "AuthorList": _object(
        "People whose name contains every word of the query.",
        {"query": STR, "paging": _ref("Paging"), "authors": _array(_ref("AuthorSummary"))},
    ),
    "Author": _object(
        "An author's profile: our figures beside the source-stated ones, and one page of "
        "the works.",
        {
            "id": {**STR, "description": "author:N"},
            "name": STR,
            "field": OPT_STR,
            "field_key": OPT_STR,
            "field_name": OPT_STR,
            "field_share": {
                **OPT_OBJ,
                "description": "{works, of, taxonomy}: the works behind the primary field",
            },
            "h_index": OPT_INT,
            "i10_index": OPT_INT,
            "g_index": OPT_INT,
            "m_quotient": OPT_NUM,
            "citations": OPT_INT,
            "papers": INT,
            "works_with_citations": INT,
            "first_year": OPT_INT,
            "citations_per_year": OBJ,
            "versions_counted_once": {
                **INT,
                "description": "works that are versions of another of the author's papers, "
                "not counted again",
            },
            "novelty": OPT_NUM,
            "novelty_breakdown": OBJ,
            "ai_score": OPT_NUM,
            "ai_score_breakdown": OPT_OBJ,
            "citations_by_source": OBJ,
            "stated": OPT_OBJ,
            "stated_all": _array(OBJ),
            "reconciliation": _array(OBJ),
            "works": _array(_ref("Work")),
            "paging": _ref("Paging"),
            "filters": OBJ,
            "coauthors": _array(
                _object(
                    "The 12 people sharing most works, then the closer collaborators first "
                    "(each shared work weighs 1 / (its authors - 1)), then by id.",
                    {"id": STR, "name": STR, "shared_works": INT},
                )
            ),
            "fields_over_time": OBJ,
            "novelty_distribution": _array(_object("", {"from": INT, "to": INT, "works": INT})),
        },
    ),
    "WorkList": _object(
        "Works, newest first, filtered.",
        {"paging": _ref("Paging"), "filters": OBJ, "works": _array(_ref("Work"))},
    ),
    "Search": _object(
        "A search: the works tab has paging and results, the experts tab the experts.",
        {
            "query": STR,
            "tab": {**STR, "enum": ["works", "experts"]},
            "filters": OBJ,
            "sort": STR,
            "mode": {**STR, "enum": ["keyword", "hybrid"]},
            "semantic": STR,
            "paging": _ref("Paging"),
            "results": _array(
                {"allOf": [_ref("Work"), _object("", {"snippet": _t("array", "null")})]}
            ),
            "works_considered": INT,
            "experts": _array(
                _object(
                    "An author of the best matches, with them as evidence.",
                    {
                        "id": STR,
                        "name": OPT_STR,
                        "matching_works": INT,
                        "best_rank": INT,
                        "evidence": _array({"allOf": [LINK, _object("", {"rank": INT})]}),
                    },
                )
            ),
        },
        optional=("paging", "results", "works_considered", "experts"),
    ),
    "FieldList": _object(
        "Fields with their number of works, most first.",
        {"fields": _array(_object("", {"field": STR, "badge": STR, "name": STR, "works": INT}))},
    ),
    "Leaderboard": _object(
        "Authors of a field ranked by a metric.",
        {
            "field": {**STR, "description": "the field key"},
            "field_label": STR,
            "metric": STR,
            "min_papers": INT,
            "paging": _ref("Paging"),
            "definition": STR,
            "authors": _array(
                _object(
                    "",
                    {
                        "id": STR,
                        "name": STR,
                        "field": STR,
                        "field_key": STR,
                        "papers": INT,
                        "citations": OPT_INT,
                        "h_index": OPT_INT,
                        "novelty": OPT_NUM,
                        "ai_score": OPT_NUM,
                        "rank": INT,
                    },
                )  # fmt: skip
            ),
        },
    ),
    "Home": _object(
        "What the database holds.",
        {"stats": OBJ, "fields": _array(_object("", {"field": STR, "works": INT}))},
    ),
    "MergeResult": _object(
        "What merging two author ids did.",
        {
            "kept": {**STR, "description": "author:N, the id that stays"},
            "merged": {**STR, "description": "author:M, which now redirects to kept"},
            "name": STR,
            "papers_before": INT,
            "papers": INT,
        },
    ),
    "Identity": _object(
        "Suggested merges and the identity edit log.",
        {
            "suggestions": _array(
                _object(
                    "Two people who are probably one (identity suggest --json).",
                    {
                        "authors": _array(STR),
                        "source_ids": _array(_array(STR)),
                        "names": _array(STR),
                        "score": NUM,
                        "reasons": _array(STR),
                    },
                )
            ),
            "log": _array(_ref("IdentityEdit")),
        },
    ),
    "IdentityEdit": _object(
        "One identity edit as logged (identity log --json prints a list of these).",
        {
            "edit": {**INT, "description": "the edit's number in the log"},
            "kind": {**STR, "enum": ["merge", "split", "undo"]},
            "made_at": STR,
            "made_by": STR,
            "reason": STR,
            "summary": STR,
            "people": _array(STR),
            "undoes": OPT_INT,
            "undone_by": OPT_INT,
            "works": _array(STR),
            "papers_before": OPT_INT,
            "anchors": {
                **OBJ,
                "description": "the source ids, name keys and work ids that find the same "
                "people and works in another database (identity replay)",
            },
        },
    ),
    "IngestResult": _object(
        "What ingesting the upload did, and how many works were enriched.",
        {
            "files": _array(
                _object(
                    "",
                    {
                        "path": {**STR, "description": "upload:NAME"},
                        "read": INT,
                        "profiles": INT,
                        "new": INT,
                        "merged": INT,
                        "unchanged": INT,
                        "rejected": INT,
                        "repaired": INT,
                        "messages": _array(STR),
                    },
                )  # fmt: skip
            ),
            "enriched": INT,
        },
    ),
}


def _content(route_schema: str | None, fmt: str) -> dict[str, Any]:
    if fmt == "json" and route_schema:
        return {CONTENT_TYPES[fmt]: {"schema": _ref(route_schema)}}
    return {CONTENT_TYPES[fmt]: {"schema": STR}}


def openapi_document() -> dict[str, Any]:
    """The API as OpenAPI 3.1, from ``ROUTES``."""
    paths: dict[str, Any] = {}
    for route in ROUTES:
        for fmt in route.formats:
            error = {"$ref": "#/components/responses/" + ("Page" if fmt == "html" else "Problem")}
            path = ("/" if route.path == "/index" and fmt == "html" else route.path) + (
                "" if fmt == "html" else f".{fmt}"
            )
            placeholder = re.findall(r"\{(\w+)\}", route.path)
            parameters = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in placeholder
            ] + [p.openapi() for p in route.params]
            paths[path] = {
                "get": {
                    "summary": route.summary,
                    "parameters": parameters,
                    "responses": {
                        "200": {"description": f"the {fmt} answer",
                                "content": _content(route.schema, fmt)},
                        "302": {"description": "the same page at the canonical id"},
                        "400": error,
                        "404": error,
                        "405": error,
                        "414": error,
                        "503": error,
                    },
                }
            }  # fmt: skip
    described = {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}
    paths["/openapi.json"] = {"get": {"summary": "This description.", "responses": described}}
    error = {"$ref": "#/components/responses/Problem"}
    for write in WRITE_ROUTES:
        operation: dict[str, Any] = {
            "summary": write.summary + " Off unless the server has an admin token; then it "
            "requires it.",
            "security": [{"admin": []}],
            "parameters": [p.openapi() for p in write.params],
            "responses": {"200": {"description": "what was done",
                                  "content": _content(write.schema, "json")},
                          "400": error, "401": error, "403": error, "404": error,
                          "405": error, "413": error},
        }  # fmt: skip
        if write.upload:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/octet-stream": {"schema": STR}},
            }
        paths[write.path] = {"post": operation}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "scholarscope",
            "version": "1",
            "description": "Read-only research-intelligence API. Every page has a JSON "
            "twin at the same address plus .json; works lists export as .csv and .bib "
            f"(and as JSON with per_page up to {EXPORT_MAX}). "
            "Ids are stable: author:N, and work ids with their scheme (arxiv:…, doi:…). "
            "Errors of the API are application/problem+json (RFC 9457).",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                "Problem": {
                    "description": "what was wrong: a bad parameter (400), no admin token "
                    "(401, 403), nothing there (404), a method the address does not answer "
                    "(405), an upload (413) or address (414) too long, queries past the "
                    "request's time budget (503)",
                    "content": {"application/problem+json": {"schema": _ref("Problem"),
                                "example": {"type": "about:blank", "title": "Bad Request",
                                            "status": 400,
                                            "detail": "page must be at least 1"}}},
                },
                "Page": {
                    "description": "what was wrong, as a small page",
                    "content": {"text/html; charset=utf-8": {"schema": STR}},
                },
            },
            "securitySchemes": {"admin": {"type": "http", "scheme": "bearer"}},
        },
    }  # fmt: skip
