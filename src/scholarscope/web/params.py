"""Query parameters: each route declares the ones it takes, with their type and limits.

The same declarations validate requests (any problem is a 400 with a sentence saying
what was wrong) and describe the API in ``/openapi.json``, so the two never disagree:
every limit the parser applies is one the schema states, in the regex dialect of JSON
Schema (ECMA-262), which is how API clients and fuzzers read the description.
Unknown or repeated parameters are errors too: a typo must not silently drop a filter.

Blank values: a value that is empty or only white space is not given (the default);
a free-text value has the white space around it trimmed. Any other value is taken with
its white space: ``page=%203`` is a 400, as the schema's ``integer`` says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 300  # characters in a free-text parameter, before trimming
# A field key or a short code: arxiv:cs.CV, openalex:fields/19, s2:Computer Science, CV
FIELD_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9.:/ \-]{0,59}$")
# An author as the write endpoints name one (``ids.stored_number``; a number past what
# can be stored is a 404 there, not a 400 here)
AUTHOR_ID = re.compile(r"^author:[0-9]+$")
# White space as Python's ``str.isspace`` (and so ``str.strip``) knows it, spelled with
# \u escapes that ECMA-262 and Python's ``re`` read alike: their own ``\s`` differ
# (ECMA's lacks U+001C-U+001F and U+0085, and adds U+FEFF).
SPACES = r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
BLANK = re.compile(rf"^[{SPACES}]*$")  # empty, or only white space
NOT_BLANK = re.compile(rf"[^{SPACES}]")  # somewhere, a character that is not white space
# ASCII digits only: \d and int() also take other scripts' digits, and page=٣
# (Arabic-Indic three) must not pass for page=3
INTEGER = re.compile(r"^[+-]?[0-9]+$")
# More digits than this is past every declared bound (int() of thousands of digits is
# slow, and refused past 4300)
MAX_DIGITS = 18


class BadRequest(ValueError):
    """A request the server refuses (HTTP 400); the message is shown to the user."""


@dataclass(frozen=True)
class Param:
    """One query parameter: ``kind`` is "text" (free text), "int", "bool", "choice",
    "field" (``FIELD_CODE``) or "author" (``AUTHOR_ID``). An "int" declares both bounds,
    so that the schema states the whole range the parser accepts."""

    name: str
    kind: str
    help: str
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    required: bool = False

    def __post_init__(self) -> None:
        if self.kind == "int" and (
            self.minimum is None
            or self.maximum is None
            or max(abs(self.minimum), abs(self.maximum)) >= 10**MAX_DIGITS
        ):
            raise ValueError(
                f"{self.name} needs a minimum and a maximum of at most {MAX_DIGITS} digits"
            )

    def parse(self, raw: str) -> Any:
        """The typed value of one raw query-string value (or ``BadRequest``).

        >>> Param("page", "int", "", minimum=1, maximum=10).parse("3")
        3
        >>> Param("code", "bool", "").parse("yes")
        True
        >>> Param("field", "field", "").parse("arxiv:cs.CV")
        'arxiv:cs.CV'
        >>> Param("q", "text", "").parse("  face anti-spoofing ")
        'face anti-spoofing'
        >>> Param("page", "int", "", default=1, minimum=1, maximum=10).parse("\\u00a0")
        1
        """
        if self.kind == "text":
            if len(raw) > MAX_TEXT:
                raise BadRequest(f"{self.name} is longer than {MAX_TEXT} characters")
            raw = raw.strip()
        elif BLANK.fullmatch(raw):
            raw = ""
        if raw == "":
            if self.required:
                raise BadRequest(f"parameter {self.name!r} must not be empty")
            return self.default
        if self.kind == "text":
            return raw
        if self.kind == "int":
            return self._number(raw)
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
            if not FIELD_CODE.fullmatch(raw):
                raise BadRequest(
                    f"{self.name} must be a field key such as arxiv:cs.CV or a code such as CV"
                )
            return raw
        if self.kind == "author":
            if not AUTHOR_ID.fullmatch(raw):
                raise BadRequest(
                    f"{raw[:40]!r} is not an author id: give author:N (see scholarscope authors)"
                )
            return raw
        raise AssertionError(f"unknown parameter kind {self.kind!r}")

    def _number(self, raw: str) -> int:
        """A whole number within the bounds. Matched whole (``fullmatch``), as ECMA-262
        reads ``$``: Python's ``$`` also matches before a final line break."""
        if not INTEGER.fullmatch(raw):
            raise BadRequest(f"{self.name} must be a whole number, not {raw[:40]!r}")
        sign = -1 if raw.startswith("-") else 1
        digits = raw.lstrip("+-").lstrip("0") or "0"
        value = sign * (int(digits) if len(digits) <= MAX_DIGITS else 10**MAX_DIGITS)
        assert self.minimum is not None and self.maximum is not None  # __post_init__
        if value < self.minimum:
            raise BadRequest(f"{self.name} must be at least {self.minimum}")
        if value > self.maximum:
            raise BadRequest(f"{self.name} must be at most {self.maximum}")
        return value

    def openapi(self) -> dict[str, Any]:
        """This parameter as an OpenAPI parameter object, stating every rule of ``parse``."""
        schemas: dict[str, dict[str, Any]] = {
            "text": {"type": "string", "maxLength": MAX_TEXT},
            "int": {"type": "integer", "minimum": self.minimum, "maximum": self.maximum},
            "bool": {"type": "boolean"},
            "choice": {"type": "string", "enum": list(self.choices)},
            "field": {"type": "string", "pattern": FIELD_CODE.pattern},
            "author": {"type": "string", "pattern": AUTHOR_ID.pattern},
        }
        schema = schemas[self.kind]
        if self.default is not None:
            schema["default"] = self.default
        if self.kind == "text":
            if self.required:
                schema["pattern"] = NOT_BLANK.pattern
                help_text = f"{self.help} Must hold more than white space (ignored around it)."
            else:
                help_text = f"{self.help} White space around it is ignored; only white space: "
                help_text += "as if not given."
        elif self.required:
            help_text = self.help
        else:
            # a form's empty field ("any" in a menu, a cleared box) sends name= : the
            # default, as documented, never a 400 for the person who cleared it
            schema = {"anyOf": [schema, {"type": "string", "pattern": BLANK.pattern}]}
            help_text = f"{self.help} Empty or only white space: the default."
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": help_text,
            "schema": schema,
        }


def parse_params(declared: Sequence[Param], query: Mapping[str, list[str]]) -> dict[str, Any]:
    """Validate a parsed query string against the declared parameters.

    >>> parse_params([Param("page", "int", "", 1, 1, 10)], {"page": ["2"]})
    {'page': 2}
    >>> parse_params([Param("page", "int", "", 1, 1, 10)], {"pgae": ["2"]})
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
