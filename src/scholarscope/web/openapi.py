"""The API description (OpenAPI 3.1) served at ``/openapi.json``, written from the route
table so that every route and parameter is documented.

Each JSON answer refers to a schema of ``components.schemas`` (``Route.schema``), generated
from the read model (``models.py``), the structures the answers are encoded from: JSON
Schema 2020-12 as OpenAPI 3.1 uses it, every key required unless a list leaves it out.
"""

from __future__ import annotations

import re
from typing import Any

from scholarscope import models
from scholarscope.web.routes import CONTENT_TYPES, MAX_UPLOAD, ROUTES, WRITE_ROUTES, WriteRoute
from scholarscope.web.views import EXPORT_MAX


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


STR = {"type": "string"}


def component_schemas() -> dict[str, Any]:
    """The read model's schemas (``models.py``), documented as open objects: a key added
    later must break no client, so ``additionalProperties: false`` (how the models refuse
    unknown keys when they are built) is not promised."""
    schemas = models.schema_components()
    for schema in schemas.values():
        schema.pop("additionalProperties", None)
    return schemas


def _content(route_schema: str | None, fmt: str) -> dict[str, Any]:
    if fmt == "json" and route_schema:
        return {CONTENT_TYPES[fmt]: {"schema": _ref(route_schema)}}
    return {CONTENT_TYPES[fmt]: {"schema": STR}}


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A refusal answered as a problem document (RFC 9457), said what it means here."""
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def _write_responses(write: WriteRoute) -> dict[str, Any]:
    """Every status a write endpoint answers (``asgi.py`` checks the token, then
    ``app.py`` does the write): the token's refusals come first, whatever the request."""
    responses: dict[str, Any] = {
        "200": {"description": "what was done", "content": _content(write.schema, "json")},
        "401": _problem("no valid 'Authorization: Bearer <admin token>'",
                        {"WWW-Authenticate": {"description": "how to authenticate: Bearer",
                                              "schema": {"type": "string"}}}),
        "403": _problem("writes are off: the server was started without an admin token"),
    }  # fmt: skip
    if write.upload:  # the body is saved under a size cap; nothing is looked up
        responses["400"] = _problem("an empty body, or an unknown, repeated or over-long parameter")
        responses["413"] = _problem("the uploaded file is larger than the server takes")
    else:  # an identity edit names authors, works or an earlier edit
        responses["400"] = _problem("a parameter missing or of the wrong form")
        responses["404"] = _problem("no such author, work or edit (the detail says which)")
        responses["409"] = _problem(
            "an edit the data does not allow: a person merged into themselves, works a "
            "person does not have, an edit undone twice (the detail says why)"
        )
    return dict(sorted(responses.items()))


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
    for write in WRITE_ROUTES:
        operation: dict[str, Any] = {
            "summary": write.summary + " Off unless the server has an admin token; then it "
            "requires it.",
            "security": [{"admin": []}],
            "parameters": [p.openapi() for p in write.params],
            "responses": _write_responses(write),
        }
        if write.upload:
            operation["requestBody"] = {
                "required": True,
                "description": "One file of any supported format (the name parameter's "
                "suffix tells which), of at least 1 byte; a larger file than the server "
                "takes is a 413.",
                "content": {"application/octet-stream": {"schema": {
                    "type": "string", "minLength": 1, "maxLength": MAX_UPLOAD}}},
            }  # fmt: skip
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
            "schemas": component_schemas(),
            "responses": {
                "Problem": {
                    "description": "what was wrong: a bad parameter (400), no admin token "
                    "(401, 403), nothing there (404), an identity edit the data does not allow "
                    "(409), a method the address does not answer "
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
