"""The ids a person types, read in one place (the CLI, the pages, the API, the identity
edits): ``author:N`` and ``work:N`` name stored rows (``stored_number``); any other id of
a work (``arxiv:2409.19252v2``, ``DOI:10.1145/…``, ``openalex:W…``) means the key it is
stored under (``work_key``)."""

from __future__ import annotations

import re

MAX_STORED_ID = 2**63 - 1  # SQLite's largest integer


class UnknownId(LookupError):
    """An id of the right form that names nothing that can be stored: a number past
    SQLite's largest integer (a 404, never an overflow)."""


def stored_number(ref: str, scheme: str) -> int | None:
    """N of ``scheme:N`` (``author:42``, ``work:7``; surrounding spaces ignored; ASCII
    digits only, so ``author:٣`` is no id), or None when ``ref`` is not of that form.

    >>> stored_number(" author:42 ", "author"), stored_number("openalex:A1", "author")
    (42, None)
    >>> stored_number("work:99999999999999999999", "work")
    Traceback (most recent call last):
    scholarscope.ids.UnknownId: no work with id work:99999999999999999999
    """
    match = re.fullmatch(rf"{scheme}:([0-9]+)", ref.strip())
    if match is None:
        return None
    digits = match.group(1)
    if len(digits) > len(str(MAX_STORED_ID)) or int(digits) > MAX_STORED_ID:
        raise UnknownId(f"no {scheme} with id {ref}")
    return int(digits)


def work_key(ref: str) -> str:
    """The stored key that a user's id of a work means: an arXiv version suffix is
    dropped, a DOI compared in lower case, the scheme in lower case.

    >>> work_key("arxiv:2409.19252v2"), work_key("DOI:10.1145/ABC")
    ('arxiv:2409.19252', 'doi:10.1145/abc')
    """
    scheme, _, value = ref.strip().partition(":")
    scheme = scheme.lower()
    if scheme == "arxiv":
        value = re.sub(r"v[0-9]+$", "", value)
    if scheme == "doi":
        value = value.lower()
    return f"{scheme}:{value}"
