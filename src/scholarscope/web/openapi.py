"""The API description (OpenAPI 3.1) served at ``/openapi.json``, written from the route
table so that every route and parameter is documented."""

from __future__ import annotations

import re
from typing import Any

from scholarscope.web.routes import CONTENT_TYPES, ROUTES


def openapi_document() -> dict[str, Any]:
    """The API as OpenAPI 3.1, from ``ROUTES``."""
    paths: dict[str, Any] = {}
    error = {"$ref": "#/components/responses/Error"}
    for route in ROUTES:
        for fmt in route.formats:
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
                                "content": {CONTENT_TYPES[fmt]: {}}},
                        "302": {"description": "the same page at the canonical id"},
                        "400": error,
                        "404": error,
                    },
                }
            }  # fmt: skip
    described = {"200": {"description": "OpenAPI 3.1"}}
    paths["/openapi.json"] = {"get": {"summary": "This description.", "responses": described}}
    paths["/admin/ingest"] = {
        "post": {
            "summary": "Ingest and enrich one uploaded file (any supported format). Off "
            "unless the server has an admin token; then it requires it.",
            "security": [{"admin": []}],
            "parameters": [{"name": "name", "in": "query", "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/octet-stream": {}}},
            "responses": {"200": {"description": "per-file counts"}, "400": error,
                          "401": error, "403": error},
        }
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "scholarscope",
            "version": "1",
            "description": "Read-only research-intelligence API. Every page has a JSON "
            "twin at the same address plus .json; works lists export as .csv and .bib. "
            "Ids are stable: author:N, and work ids with their scheme (arxiv:…, doi:…).",
        },
        "paths": paths,
        "components": {
            "responses": {
                "Error": {
                    "description": "what was wrong",
                    "content": {"application/json": {"example": {
                        "error": {"status": 400, "message": "page must be at least 1"}}}},
                }
            },
            "securitySchemes": {"admin": {"type": "http", "scheme": "bearer"}},
        },
    }  # fmt: skip
