"""Query parameters: each route declares the ones it takes, with their type and limits.

The same declarations validate requests (any problem is a 400 with a sentence saying
what was wrong) and describe the API in ``/openapi.json``, so the two never disagree.
Unknown or repeated parameters are errors too: a typo must not silently drop a filter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 300  # characters in a free-text parameter
# a field key or a short code: arxiv:cs.CV, openalex:fields/19, s2:Computer Science, CV
FIELD_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9.:/ \-]{0,59}$")


class BadRequest(ValueError):
    """A request the server refuses (HTTP 400); the message is shown to the user."""


@dataclass(frozen=True)
class Param:
    """One query parameter: ``kind`` is "text", "int", "bool", "choice" or "field"."""

    name: str
    kind: str
    help: str
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    required: bool = False

    def parse(self, raw: str) -> Any:
        """The typed value of one raw query-string value (or ``BadRequest``).

        >>> Param("page", "int", "", minimum=1, maximum=10).parse("3")
        3
        >>> Param("code", "bool", "").parse("yes")
        True
        >>> Param("field", "field", "").parse("arxiv:cs.CV")
        'arxiv:cs.CV'
        """
        raw = raw.strip()
        if raw == "" and not self.required:
            return self.default
        if self.kind == "text":
            if len(raw) > MAX_TEXT:
                raise BadRequest(f"{self.name} is longer than {MAX_TEXT} characters")
            return raw
        if self.kind == "int":
            # ASCII digits only: \d and int() also take other scripts' digits, and
            # page=٣ (Arabic-Indic three) must not pass for page=3
            if not re.fullmatch(r"-?[0-9]{1,9}", raw):
                raise BadRequest(f"{self.name} must be a whole number, not {raw[:40]!r}")
            value = int(raw)
            if self.minimum is not None and value < self.minimum:
                raise BadRequest(f"{self.name} must be at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise BadRequest(f"{self.name} must be at most {self.maximum}")
            return value
        if self.kind == "bool":
            if raw.lower() in ("1", "yes", "true", "on"):
                return True
            if raw.lower() in ("0", "no", "false", "off"):
                return False
            raise BadRequest(f"{self.name} must be yes or no, not {raw[:40]!r}")
        if self.kind == "choice":
            if raw not in self.choices:
                raise BadRequest(f"{self.name} must be one of {', '.join(self.choices)}")
            return raw
        if self.kind == "field":  # a key, or a code the view resolves (taxonomy.py)
            if not FIELD_CODE.match(raw):
                raise BadRequest(
                    f"{self.name} must be a field key such as arxiv:cs.CV or a code such as CV"
                )
            return raw
        raise AssertionError(f"unknown parameter kind {self.kind!r}")

    def openapi(self) -> dict[str, Any]:
        """This parameter as an OpenAPI parameter object."""
        schemas: dict[str, dict[str, Any]] = {
            "text": {"type": "string", "maxLength": MAX_TEXT},
            "int": {"type": "integer"},
            "bool": {"type": "boolean"},
            "choice": {"type": "string", "enum": list(self.choices)},
            "field": {"type": "string", "pattern": FIELD_CODE.pattern},
        }
        schema = schemas[self.kind]
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.default is not None:
            schema["default"] = self.default
        if not self.required and self.kind != "text":
            # a form's empty field ("any" in a menu, a cleared box) sends name= : the
            # default, as documented, never a 400 for the person who cleared it
            schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
        help_text = self.help if self.required or self.kind == "text" else (
            f"{self.help} Empty: the default.")  # fmt: skip
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": help_text,
            "schema": schema,
        }


def parse_params(declared: Sequence[Param], query: Mapping[str, list[str]]) -> dict[str, Any]:
    """Validate a parsed query string against the declared parameters.

    >>> parse_params([Param("page", "int", "", default=1, minimum=1)], {"page": ["2"]})
    {'page': 2}
    >>> parse_params([Param("page", "int", "", default=1)], {"pgae": ["2"]})
    Traceback (most recent call last):
    ...
    scholarscope.web.params.BadRequest: unknown parameter 'pgae' (this page takes: page)
    """
    by_name = {p.name: p for p in declared}
    for name, given in query.items():
        if name not in by_name:
            known = ", ".join(by_name) or "no parameters"
            raise BadRequest(f"unknown parameter {name[:40]!r} (this page takes: {known})")
        if len(given) > 1:
            raise BadRequest(f"parameter {name!r} is given more than once")
    values: dict[str, Any] = {}
    for param in declared:
        if param.name in query:
            values[param.name] = param.parse(query[param.name][0])
        elif param.required:
            raise BadRequest(f"parameter {param.name!r} is required")
        else:
            values[param.name] = param.default
        if param.required and values[param.name] in (None, ""):
            raise BadRequest(f"parameter {param.name!r} must not be empty")
    return values


# Parameters shared by several routes.
PAGE = Param("page", "int", "Page number, from 1.", default=1, minimum=1, maximum=10_000)


def per_page(default: int, maximum: int = 1000) -> Param:
    return Param("per_page", "int", f"Items per page (at most {maximum}).", default, 1, maximum)


WORK_FILTERS = (
    Param(
        "field",
        "field",
        "Only works of this field: a key (arxiv:cs.CV, openalex:fields/19), or a category "
        "(cs.CV) or badge (CV) that names one field only.",
    ),
    Param("year", "int", "Only works of this year.", minimum=1000, maximum=2999),
    Param("code", "bool", "yes: only works with code available; no: only without."),
)
