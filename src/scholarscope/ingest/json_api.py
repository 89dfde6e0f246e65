"""Reading JSON API responses (OpenAlex, Semantic Scholar, recorded arXiv API answers,
arXiv snapshot lines): JSON lines or whole documents, and the loosely typed fields such
responses carry (nulls, numbers where strings are expected).

All JSON text is decoded by ``decode_json`` (directly or through ``iter_json_values``),
which turns what Python's ``json`` module cannot or should not read into a clear reason
for a ``Rejected`` instead of an exception that would stop the whole command:

- arrays and objects nested deeper than ``MAX_JSON_DEPTH`` (100) levels are rejected:
  ``json`` recurses once per level and fails with ``RecursionError`` at about 1,000,
  while real API records nest 8 levels at most;
- an integer of more than 4,300 digits (Python's limit for reading one) is rejected;
- a string escape that is one half of a UTF-16 surrogate pair (``\\ud800`` alone: not a
  character, and not storable) is read as U+FFFD, with a note for a ``Repaired``.

``strict_int`` takes an integer outside the 64-bit range for no number at all, as it
takes a string or a float: no real count or year is that large, and the store's integers
are 64-bit.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Any

from scholarscope.records import Rejected, Repaired, make_id

MAX_JSON_DEPTH = 100

_JSON_SPACE = " \t\r\n"
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1  # SQLite's INTEGER
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# For measuring nesting (see _max_depth): every byte but quotes and brackets, a string
# once escapes are gone (one left open runs to the end: json stops reading there, so
# nothing after it can nest), and the step each bracket takes.
_NOT_SKELETON = bytes(sorted(set(range(256)) - set(b'"[]{}')))
_SKELETON_STRING = re.compile(rb'"[^"]*(?:"|\Z)')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
# The same text as tokens, to find where nesting passes the limit (bad input only).
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)'
_TOKENS = re.compile(rf"(?P<string>{_STRING})|(?P<open>[\[{{])|(?P<close>[\]}}])", re.DOTALL)


class UnreadableJSON(ValueError):
    """JSON text we refuse to decode; ``reason`` says why, ``position`` where."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


def iter_json_values(
    lines: Iterable[str], origin: str
) -> Iterator[tuple[int, Any] | Rejected | Repaired]:
    """Yield ``(line number, value)`` for every JSON value in the text, and a
    ``Rejected``/``Repaired`` for each problem.

    JSON lines are read one line at a time (a bad line is rejected, the next ones still
    load). When the first line is not a complete value (a pretty-printed document, an
    array spread over lines) the rest of the text is read as a whole document instead.

    >>> list(iter_json_values(['{"a": 1}', '', '[2]'], "f"))
    [(1, {'a': 1}), (3, [2])]
    """
    numbered = enumerate(lines, start=1)
    seen_value = False
    for number, line in numbered:
        text = line.lstrip("\ufeff").strip()
        if not text:
            continue
        try:
            value, notes = decode_json(text)
        except json.JSONDecodeError as error:
            if not seen_value and error.pos >= len(text):
                rest = "\n".join([text] + [later for _, later in numbered])
                yield from _decode_document(rest, number, origin)
                return
            reason = f"invalid JSON: {error.msg} (column {error.colno})"
            yield Rejected(origin, reason, line=number)
            continue
        except UnreadableJSON as error:
            yield Rejected(origin, error.reason, line=number)
            continue
        seen_value = True
        for note in notes:
            yield Repaired(origin, note, line=number)
        yield number, value


def _decode_document(
    text: str, first_line: int, origin: str
) -> Iterator[tuple[int, Any] | Rejected | Repaired]:
    """Values of one multi-line document (or several concatenated ones)."""
    decoder = json.JSONDecoder()
    # One scan of the whole text: the values before a too-deep one still load.
    too_deep = nesting_too_deep(text)
    position = 0
    line = first_line
    while True:
        start = position
        while start < len(text) and text[start] in _JSON_SPACE:
            start += 1
        if start >= len(text):
            return
        line += text.count("\n", position, start)
        try:
            if too_deep is not None and start >= too_deep[0]:
                raise UnreadableJSON(_too_deep_reason(text, too_deep[1]), too_deep[1])
            try:
                value, end = decoder.raw_decode(text, start)
            except json.JSONDecodeError:
                raise
            except ValueError:
                raise _number_too_long(text, start) from None
        except json.JSONDecodeError as error:
            reason = (
                f"invalid JSON: {error.msg} (column {error.colno}); "
                "the rest of the document was not read"
            )
            yield Rejected(origin, reason, line=first_line + error.lineno - 1)
            return
        except UnreadableJSON as error:
            reason = f"{error.reason}; the rest of the document was not read"
            error_line = first_line + text.count("\n", 0, error.position)
            yield Rejected(origin, reason, line=error_line)
            return
        value, notes = _repair(value, text, start, end)
        for note in notes:
            yield Repaired(origin, note, line=line)
        yield line, value
        line += text.count("\n", start, end)
        position = end


def decode_json(text: str) -> tuple[Any, list[str]]:
    """``json.loads``, with the limits and repairs of the module docstring: the value and
    a note for each repair made.

    Raises ``json.JSONDecodeError`` for text that is not JSON, ``UnreadableJSON`` for
    JSON nested too deep or holding a number too long to read.

    >>> decode_json('[1, {"a": null}]')
    ([1, {'a': None}], [])
    """
    too_deep = nesting_too_deep(text)
    if too_deep is not None:
        raise UnreadableJSON(_too_deep_reason(text, too_deep[1]), too_deep[1])
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:
        # Not a syntax error: the only other ValueError json raises is Python's limit
        # on the digits of an integer.
        raise _number_too_long(text, 0) from None
    return _repair(value, text, 0, len(text))


def nesting_too_deep(text: str) -> tuple[int, int] | None:
    """Where JSON text nests deeper than ``MAX_JSON_DEPTH``: ``(start of the outermost
    array/object around that point, position of the bracket too many)``, or None.

    Brackets inside strings do not count.

    >>> nesting_too_deep('{"a": [1, "[[["]}'), nesting_too_deep("[" * 150)
    (None, (0, 100))
    """
    # Almost every JSON line has fewer opening brackets than the limit: then it cannot
    # nest deeper, and nothing more is done.
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return None
    if _max_depth(text) <= MAX_JSON_DEPTH:
        return None
    # Too deep: walk the tokens to find where (a slower loop, run only for bad input).
    depth = 0
    outermost = 0
    for token in _TOKENS.finditer(text):
        if token.lastgroup == "open":
            if depth == 0:
                outermost = token.start()
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return outermost, token.start()
        elif token.lastgroup == "close":
            depth -= 1
    # Reached only for text that is not JSON, where the two counts can differ; json
    # stops reading such text before it nests that deep.
    return None


def _max_depth(text: str) -> int:
    """The deepest nesting of arrays and objects outside strings, in a few passes of C
    code (a whole document costs about as much as decoding it): remove the escapes that
    can hide a quote (``\\\\`` pairs, then ``\\"``), so every quote left delimits a string;
    keep only quotes and brackets; drop the strings; add up the brackets' steps."""
    raw = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = _SKELETON_STRING.sub(b"", raw.translate(None, _NOT_SKELETON))
    return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0)


def _too_deep_reason(text: str, position: int) -> str:
    return f"JSON nested deeper than {MAX_JSON_DEPTH} levels (column {_column(text, position)})"


def _number_too_long(text: str, start: int) -> UnreadableJSON:
    limit = sys.get_int_max_str_digits()
    number = re.compile(f"[0-9]{{{limit + 1}}}").search(text, start)
    position = number.start() if number else start
    return UnreadableJSON(
        f"JSON number longer than {limit} digits (column {_column(text, position)})", position
    )


def _column(text: str, position: int) -> int:
    """1-based column of ``position`` in its line of ``text``."""
    return position - text.rfind("\n", 0, position)


def _repair(value: Any, text: str, start: int, end: int) -> tuple[Any, list[str]]:
    """``value`` (decoded from ``text[start:end]``) with lone surrogates replaced by
    U+FFFD, and a note when there were any. Only text with a ``\\ud…`` escape can hold
    one, so other text costs two substring searches."""
    if text.find("\\ud", start, end) == -1 and text.find("\\uD", start, end) == -1:
        return value, []
    dumped = json.dumps(value, ensure_ascii=False)
    if not _LONE_SURROGATE.search(dumped):
        return value, []  # escapes of whole pairs (emoji), or of other characters
    repaired = json.loads(_LONE_SURROGATE.sub("\ufffd", dumped))
    note = (
        "JSON string holds an unpaired surrogate escape (half of a UTF-16 pair, "
        "not a character); read as U+FFFD"
    )
    return repaired, [note]


def add_id(ids: list[str], scheme: str, value: Any) -> None:
    """Append ``scheme:value`` unless the value is missing, empty or already there."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return
    try:
        scheme_id = make_id(scheme, value)
    except ValueError:
        return
    if scheme_id not in ids:
        ids.append(scheme_id)


def nonempty_text(value: Any) -> str | None:
    """A non-empty string, stripped; anything else is None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def strict_int(value: Any) -> int | None:
    """An int (not a bool) within 64 bits; anything else is None.

    >>> strict_int(12), strict_int("12"), strict_int(2**64)
    (12, None, None)
    """
    if isinstance(value, int) and not isinstance(value, bool) and _INT64_MIN <= value <= _INT64_MAX:
        return value
    return None
