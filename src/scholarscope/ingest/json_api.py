"""Reading JSON API responses (OpenAlex, Semantic Scholar): JSON lines or whole
documents, and the loosely typed fields such responses carry (nulls, numbers where
strings are expected)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from scholarscope.records import Rejected, make_id

_JSON_SPACE = " \t\r\n"


def iter_json_values(lines: Iterable[str], origin: str) -> Iterator[tuple[int, Any] | Rejected]:
    """Yield ``(line number, value)`` for every JSON value in the text.

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
            value = json.loads(text)
        except json.JSONDecodeError as error:
            if not seen_value and error.pos >= len(text):
                rest = "\n".join([text] + [later for _, later in numbered])
                yield from _decode_document(rest, number, origin)
                return
            reason = f"invalid JSON: {error.msg} (column {error.colno})"
            yield Rejected(origin, reason, line=number)
            continue
        seen_value = True
        yield number, value


def _decode_document(
    text: str, first_line: int, origin: str
) -> Iterator[tuple[int, Any] | Rejected]:
    """Values of one multi-line document (or several concatenated ones)."""
    decoder = json.JSONDecoder()
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
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as error:
            reason = (
                f"invalid JSON: {error.msg} (column {error.colno}); "
                "the rest of the document was not read"
            )
            yield Rejected(origin, reason, line=first_line + error.lineno - 1)
            return
        yield line, value
        line += text.count("\n", start, end)
        position = end


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
    """An int (not a bool); anything else is None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None
