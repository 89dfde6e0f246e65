"""Semantic Scholar Graph API responses: papers, authors, citations and references.

The Graph API (https://api.semanticscholar.org/api-docs/graph) answers with JSON in a
few shapes, all recognised by content:

- a paper: ``{"paperId": "2d56…", "externalIds": {"DOI": …, "ArXiv": …}, "title": …,
  "authors": [{"authorId", "name"}], "citations": [<papers>], "references": [<papers>]}``;
- an author: ``{"authorId": "2262347", "name": …, "hIndex": 23, "paperCount": …,
  "citationCount": …, "papers": [<papers>]}``;
- a citation or reference edge: ``{"contexts": […], "intents": […], "isInfluential": …,
  "citingPaper": <paper>}`` (or ``"citedPaper"``);
- a page of any of these: ``{"offset": 0, "next": 100, "data": [...]}``, a batch
  answer (a JSON array), or JSON lines.

A paper becomes a ``Work`` (its citing and cited papers are works too); an author
becomes ``StatedMetrics`` with S2's own h-index, then one ``Work`` per listed paper.
Any field may be null. A paper with neither a ``paperId`` nor an external id cannot
be stored and comes out as a ``Rejected`` naming its title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from scholarscope.ingest.json_api import add_id, iter_json_values, nonempty_text, strict_int
from scholarscope.records import (
    Author,
    Authorship,
    CitationCount,
    ParseItem,
    Rejected,
    Repaired,
    StatedMetrics,
    Work,
)

SOURCE = "semantic_scholar"

# The first key of the first object: every Graph API answer opens with one of these.
_FIRST_KEY = re.compile(r'\[?\s*\{\s*"([A-Za-z]+)"\s*:')
_OPENING_KEYS = {
    "paperId",
    "authorId",
    "externalIds",
    "contexts",
    "contextsWithIntent",
    "intents",
    "isInfluential",
    "citingPaper",
    "citedPaper",
    "offset",
    "next",
    "total",
    "data",
}
_S2_ID_KEY = re.compile(r'"(?:paperId|authorId)"\s*:')

# externalIds keys that are id schemes of ours; the rest of interest go to ``extra``.
_PAPER_SCHEMES = {"DOI": "doi", "ArXiv": "arxiv", "MAG": "mag", "PubMed": "pmid", "DBLP": "dblp"}
_PAPER_EXTRA_IDS = {"CorpusId": "s2_corpus_id", "PubMedCentral": "pmcid", "ACL": "acl"}


def looks_like(head: str) -> bool:
    """True when the text opens like a Semantic Scholar Graph API answer and names a
    ``paperId`` or ``authorId``.

    >>> looks_like('{"paperId": "2d5673caa9e6af3a7b82a43f19ee920992db07ad", "title": null}')
    True
    """
    text = head.lstrip("\ufeff \t\r\n")
    first = _FIRST_KEY.match(text)
    if first is None or first.group(1) not in _OPENING_KEYS:
        return False
    return _S2_ID_KEY.search(text) is not None


def parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]:
    """Yield ``Work``, ``StatedMetrics``, ``Rejected`` and ``Repaired`` items from Graph
    API JSON (see ``json_api`` for the limits on JSON).

    Each item's origin is ``origin:line``, the line where its JSON value starts.

    >>> line = '{"paperId": "abc", "externalIds": {"ArXiv": "2409.19252v2"}}'
    >>> [work.ids for work in parse([line], "f")]
    [('s2:abc', 'arxiv:2409.19252')]
    """
    for item in iter_json_values(lines, origin):
        if isinstance(item, (Rejected, Repaired)):
            yield item
            continue
        line, value = item
        yield from _parse_value(value, origin, line, None)


def _parse_value(value: Any, origin: str, line: int, where: str | None) -> Iterator[ParseItem]:
    """A paper, an author, a citation edge, or a list/page of them."""
    place = where or "the record"
    if isinstance(value, list):
        for index, element in enumerate(value):
            yield from _parse_value(element, origin, line, _join(where, f"[{index}]"))
    elif not isinstance(value, dict):
        reason = f"{place} is not an object (got {type(value).__name__})"
        yield Rejected(origin, reason, line=line)
    elif isinstance(value.get("data"), list):
        for index, element in enumerate(value["data"]):
            yield from _parse_value(element, origin, line, _join(where, f"data[{index}]"))
    elif "citingPaper" in value or "citedPaper" in value:
        key = "citingPaper" if "citingPaper" in value else "citedPaper"
        yield from _parse_value(value[key], origin, line, _join(where, key))
    elif "authorId" in value and "paperId" not in value:
        yield from _parse_author(value, origin, line, where)
    elif "paperId" in value or "externalIds" in value:
        yield from _parse_paper(value, origin, line, where)
    else:
        yield Rejected(origin, f"{place} is not a Semantic Scholar paper or author", line=line)


def _parse_author(
    author: dict[str, Any], origin: str, line: int, where: str | None
) -> Iterator[ParseItem]:
    """S2's figures for the author, then each of their papers as a ``Work``."""
    person = _author(author)
    if person is None:
        reason = f"{where or 'the record'}: author has no name"
        yield Rejected(origin, reason, line=line, record=nonempty_text(author.get("authorId")))
        return
    papers = author.get("papers")
    papers = papers if isinstance(papers, list) else []
    yield StatedMetrics(
        author=person,
        source=SOURCE,
        origin=f"{origin}:{line}",
        h_index=strict_int(author.get("hIndex")),
        papers=strict_int(author.get("paperCount")),
        citations=strict_int(author.get("citationCount")),
        owns_origin_works=bool(papers),
    )
    # The profile owner is an author of every listed paper, though not at a known
    # position when the paper does not list its authors itself.
    owner = (Authorship(person, None),)
    for index, paper in enumerate(papers):
        place = _join(where, f"papers[{index}]")
        if not isinstance(paper, dict):
            reason = f"{place} is not an object (got {type(paper).__name__})"
            yield Rejected(origin, reason, line=line)
            continue
        yield _paper_work(paper, origin, line, place, owner)


def _parse_paper(
    paper: dict[str, Any], origin: str, line: int, where: str | None
) -> Iterator[ParseItem]:
    """The paper, then the papers citing it and the papers it cites."""
    yield _paper_work(paper, origin, line, where or "the record", ())
    for key in ("citations", "references"):
        linked = paper.get(key)
        for index, other in enumerate(linked if isinstance(linked, list) else []):
            place = _join(where, f"{key}[{index}]")
            if isinstance(other, dict):
                yield _paper_work(other, origin, line, place, ())
            else:
                reason = f"{place} is not an object (got {type(other).__name__})"
                yield Rejected(origin, reason, line=line)


def _paper_work(
    paper: dict[str, Any],
    origin: str,
    line: int,
    place: str,
    default_authors: tuple[Authorship, ...],
) -> Work | Rejected:
    ids = _paper_ids(paper)
    title = nonempty_text(paper.get("title"))
    if not ids:
        named = f"paper {title!r}" if title else "paper without a title"
        reason = f"{place}: {named} has no paperId or external id"
        return Rejected(origin, reason, line=line)
    return Work(
        ids=ids,
        source=SOURCE,
        origin=f"{origin}:{line}",
        title=title,
        abstract=nonempty_text(paper.get("abstract")),
        date=nonempty_text(paper.get("publicationDate")),
        year=strict_int(paper.get("year")),
        authors=_authorships(paper.get("authors")) or default_authors,
        venue=_venue(paper),
        citations=_citations(paper),
        stated_fields=_fields_of_study(paper),
        extra=_paper_extra(paper),
    )


def _fields_of_study(paper: dict[str, Any]) -> tuple[str, ...]:
    """S2's fields of study as field keys (``s2:Geology``), in S2's order."""
    values = paper.get("fieldsOfStudy")
    return (
        tuple(f"s2:{value.strip()}" for value in values if nonempty_text(value))
        if isinstance(values, list)
        else ()
    )


def _paper_ids(paper: dict[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    add_id(ids, "s2", paper.get("paperId"))
    external = paper.get("externalIds")
    external = external if isinstance(external, dict) else {}
    for key, scheme in _PAPER_SCHEMES.items():
        add_id(ids, scheme, external.get(key))
    return tuple(ids)


def _paper_extra(paper: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Fields worth keeping that have no place in ``Work``: S2's corpus id and other
    ids, fields of study (S2's, not arXiv categories), publication types, the TLDR."""
    extra: list[tuple[str, str]] = []
    external = paper.get("externalIds")
    external = external if isinstance(external, dict) else {}
    for key, name in _PAPER_EXTRA_IDS.items():
        value = external.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            extra.append((name, str(value)))
    for key, name in (("fieldsOfStudy", "fields_of_study"), ("publicationTypes", "type")):
        values = paper.get(key)
        for value in values if isinstance(values, list) else []:
            if nonempty_text(value):
                extra.append((name, value.strip()))
    tldr = paper.get("tldr")
    if isinstance(tldr, dict) and nonempty_text(tldr.get("text")):
        extra.append(("tldr", tldr["text"].strip()))
    return tuple(extra)


def _authorships(raw: Any) -> tuple[Authorship, ...]:
    """Authors in S2's order; position is that 1-based order."""
    if not isinstance(raw, list):
        return ()
    authorships: list[Authorship] = []
    for position, entry in enumerate(raw, start=1):
        person = _author(entry) if isinstance(entry, dict) else None
        if person is not None:
            authorships.append(Authorship(person, position))
    return tuple(authorships)


def _author(author: dict[str, Any]) -> Author | None:
    """``Author`` with ids s2:, then dblp: and orcid: when S2 lists them."""
    name = nonempty_text(author.get("name"))
    if name is None:
        return None
    ids: list[str] = []
    add_id(ids, "s2", author.get("authorId"))
    external = author.get("externalIds")
    external = external if isinstance(external, dict) else {}
    for key, scheme in (("DBLP", "dblp"), ("ORCID", "orcid")):
        values = external.get(key)
        for value in values if isinstance(values, list) else [values]:
            add_id(ids, scheme, value)
    return Author(name, ids=tuple(ids))


def _venue(paper: dict[str, Any]) -> str | None:
    """``venue``, else the ``publicationVenue`` or ``journal`` name."""
    venue = nonempty_text(paper.get("venue"))
    if venue:
        return venue
    for key in ("publicationVenue", "journal"):
        holder = paper.get(key)
        if isinstance(holder, dict) and nonempty_text(holder.get("name")):
            return nonempty_text(holder.get("name"))
    return None


def _citations(paper: dict[str, Any]) -> tuple[CitationCount, ...]:
    count = strict_int(paper.get("citationCount"))
    return () if count is None else (CitationCount(SOURCE, count),)


def _join(where: str | None, step: str) -> str:
    """Path of a nested record for messages: ``data[3].citingPaper``."""
    if where is None:
        return step
    return where + step if step.startswith("[") else f"{where}.{step}"
