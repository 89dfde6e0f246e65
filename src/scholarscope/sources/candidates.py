"""The people a source offers for a name: ``AuthorCandidate``, one line of an author
search on any source (OpenAlex, Semantic Scholar), and ``clearly_meant``, the rule that
decides when a name alone is enough to pick one of them.

Both per-source modules build candidates; the CLI lists them and asks for an id unless
``clearly_meant`` names one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scholarscope.authors import folded_name


@dataclass(frozen=True)
class AuthorCandidate:
    """One person a source found for a name: ``ref`` is the id to fetch them by
    (``openalex:A5040147688``, ``s2:2262347``), ``works``, ``citations`` and ``h_index``
    the source's own figures (None where the source gave none), ``orcid`` bare
    (``0000-0002-9881-1578``), ``affiliation`` the latest institutions the source knows,
    joined with "; ", and ``source`` the source's display name.

    >>> turing = AuthorCandidate("s2:2262347", "A. Turing", 60, 12415, 23, None, None, "S2")
    >>> turing.ref, turing.h_index
    ('s2:2262347', 23)
    """

    ref: str
    name: str
    works: int | None
    citations: int | None
    h_index: int | None
    orcid: str | None
    affiliation: str | None
    source: str


def clearly_meant(name: str, candidates: Sequence[AuthorCandidate]) -> AuthorCandidate | None:
    """The one candidate a person typing ``name`` clearly meant, or None.

    The rule is deliberately strict, because fetching the wrong person is worse than
    asking: a candidate is meant when its folded name (``authors.folded_name``: case,
    accents, punctuation and "Last, First" order aside) equals the folded ``name``, and
    no other candidate's does. Two people of the same name, a name that only resembles
    the query ("A. Turing" for "Alan Turing") or no candidate at all give None, and the
    caller lists the candidates and asks for an id. Give it one source's candidates:
    the same person found on two sources is two equal names, so None.

    >>> turing = AuthorCandidate("s2:1", "A. Turing", 60, 12415, 23, None, None, "S2")
    >>> enay = AuthorCandidate("openalex:A1", "Raymond Énay", 103, 1810, 21, None, None, "OA")
    >>> clearly_meant("raymond enay", [turing, enay]) == enay
    True
    >>> clearly_meant("Alan Turing", [turing]) is None
    True
    """
    wanted = folded_name(name)
    if not wanted:
        return None
    exact = [candidate for candidate in candidates if folded_name(candidate.name) == wanted]
    return exact[0] if len(exact) == 1 else None


def count_or_none(value: Any) -> int | None:
    """A count a source states: an integer (not a boolean), else None.

    >>> count_or_none(12), count_or_none(True), count_or_none("12")
    (12, None, None)
    """
    return value if isinstance(value, int) and not isinstance(value, bool) else None
