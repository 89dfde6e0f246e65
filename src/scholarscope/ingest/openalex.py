"""OpenAlex API objects: works, authors, result pages and author bundles.

OpenAlex (https://docs.openalex.org) serves every entity as a JSON object whose ``id``
is a URL such as ``https://openalex.org/W2741809807``; the letter names the kind (W work,
A author, S source, I institution, T topic, C concept, F funder, P publisher). Files
reach us in several shapes, all recognised by content:

- one entity, compact or pretty-printed: ``{"id": "https://openalex.org/W…", …}``;
- a results page: ``{"meta": {"count": …}, "results": [<entities>], …}``;
- JSON lines, one entity (or one page) per line;
- a bundle, one file per author: ``{"details": <author>, "works": [<works>]}``;
- a JSON array of entities.

A work becomes a ``Work``; its abstract is rebuilt from ``abstract_inverted_index``
(word -> positions). An author becomes ``StatedMetrics`` carrying OpenAlex's own
``summary_stats`` (h-index, i10) and totals, kept beside the figures we compute. Other
entity kinds are not works or people and are skipped without complaint. A malformed
record is a ``Rejected`` naming its line and place; the records around it still load.

``iter_json_values`` (also used by the Semantic Scholar parser) reads JSON lines and
whole JSON documents alike.
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
from scholarscope.taxonomy import openalex_key

SOURCE = "openalex"

# An object that opens with an OpenAlex id: a full entity URL of any kind, or a bare
# work/author id as some exports write it ("W0001").
_ENTITY_START = r'\{\s*"id"\s*:\s*"(?:https?://openalex\.org/[^"]+|[WA]\d+)"'
_SINGLE_OR_ARRAY = re.compile(r"\[?\s*" + _ENTITY_START)
_BUNDLE = re.compile(r'\{\s*"(?:details|works)"\s*:\s*\[?\s*' + _ENTITY_START)
_RESULTS_PAGE = re.compile(
    r'\{\s*"meta"\s*:\s*\{[^{}]*\}\s*,\s*"results"\s*:\s*\[\s*(?:\]|' + _ENTITY_START + ")"
)

_URL_PREFIXES = ("https://openalex.org/", "http://openalex.org/")
_SHORT_ID = re.compile(r"([A-Z])\d+")
_PUBMED_PREFIXES = ("https://pubmed.ncbi.nlm.nih.gov/", "http://pubmed.ncbi.nlm.nih.gov/")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# arXiv ids as they appear in landing pages, PDF links, DataCite DOIs and OAI ids:
# new style 2512.00912(v2), old style hep-th/9901001(v1).
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|oai:arxiv\.org:)"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z.-]*/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)


def looks_like(head: str) -> bool:
    """True when the text starts like an OpenAlex entity, results page or author bundle.

    Only the start of the first object is inspected, so a head cut mid-document works,
    and records that merely mention OpenAlex ids deeper inside are not claimed.

    >>> looks_like('{"id": "https://openalex.org/W2741809807", "doi": null}')
    True
    """
    text = head.lstrip("\ufeff \t\r\n")
    return any(
        pattern.match(text) is not None for pattern in (_SINGLE_OR_ARRAY, _BUNDLE, _RESULTS_PAGE)
    )


def parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]:
    """Yield a ``Work`` per work, a ``StatedMetrics`` per author, ``Rejected`` per bad
    record (see ``json_api`` for the limits on JSON) and ``Repaired`` per repair.

    Each item's origin is ``origin:line``, the line where its JSON value starts, so the
    works of one bundle share the origin of their author's ``StatedMetrics``.

    >>> [w.ids for w in parse(['{"id": "https://openalex.org/W1", "doi": "10.1/X"}'], "f")]
    [('openalex:W1', 'doi:10.1/x')]
    """
    for item in iter_json_values(lines, origin):
        if isinstance(item, (Rejected, Repaired)):
            yield item
            continue
        line, value = item
        yield from _parse_value(value, origin, line)


def _parse_value(value: Any, origin: str, line: int) -> Iterator[ParseItem]:
    """One top-level JSON value: an entity, a results page, a bundle or an array."""
    if isinstance(value, list):
        for index, element in enumerate(value):
            yield from _parse_entity(element, origin, line, f"[{index}]")
    elif isinstance(value, dict) and isinstance(value.get("results"), list):
        for index, element in enumerate(value["results"]):
            yield from _parse_entity(element, origin, line, f"results[{index}]")
    elif isinstance(value, dict) and "details" in value and "works" in value:
        yield from _parse_bundle(value, origin, line)
    else:
        yield from _parse_entity(value, origin, line, None)


def _parse_bundle(bundle: dict[str, Any], origin: str, line: int) -> Iterator[ParseItem]:
    """``{"details": <author>, "works": [...]}``: the author's metrics, then each work."""
    item_origin = f"{origin}:{line}"
    details = bundle["details"]
    if isinstance(details, dict) and _entity_kind(details.get("id")) == "A":
        yield _author_metrics(details, origin, line, owns_works=True)
    else:
        yield Rejected(origin, "bundle 'details' is not an OpenAlex author", line=line)
    works = bundle["works"]
    if not isinstance(works, list):
        yield Rejected(origin, "bundle 'works' is not a list", line=line)
        return
    for index, work in enumerate(works):
        where = f"works[{index}]"
        if not isinstance(work, dict):
            reason = f"{where} is not an object (got {type(work).__name__})"
            yield Rejected(origin, reason, line=line)
        elif _entity_kind(work.get("id")) != "W":
            record = nonempty_text(work.get("id"))
            yield Rejected(origin, f"{where} has no OpenAlex work id", line=line, record=record)
        else:
            yield _work(work, item_origin)


def _parse_entity(entity: Any, origin: str, line: int, where: str | None) -> Iterator[ParseItem]:
    """One entity: a work or an author; other OpenAlex kinds yield nothing."""
    place = where or "the record"
    if not isinstance(entity, dict):
        yield Rejected(origin, f"{place} is not an object (got {type(entity).__name__})", line=line)
        return
    raw_id = entity.get("id")
    kind = _entity_kind(raw_id)
    if kind is None:
        record = raw_id if isinstance(raw_id, str) else None
        reason = f"{place} has no OpenAlex id" if record is None else f"{place}: not an OpenAlex id"
        yield Rejected(origin, reason, line=line, record=record)
    elif kind == "W":
        yield _work(entity, f"{origin}:{line}")
    elif kind == "A":
        yield _author_metrics(entity, origin, line, owns_works=False)


def _entity_kind(raw_id: Any) -> str | None:
    """``'W'``/``'A'``/other letter for an OpenAlex id, ``'other'`` for non-letter kinds
    (``keywords/…``), None when it is not an OpenAlex id at all."""
    if not isinstance(raw_id, str):
        return None
    key = raw_id.strip()
    is_url = False
    for prefix in _URL_PREFIXES:
        if key.lower().startswith(prefix):
            key = key[len(prefix) :]
            is_url = True
            break
    short = _SHORT_ID.fullmatch(key)
    if short:
        return short.group(1)
    return "other" if is_url and key else None


def _author_metrics(
    author: dict[str, Any], origin: str, line: int, owns_works: bool
) -> StatedMetrics | Rejected:
    """OpenAlex's own figures for one author (all zeros for a deleted author)."""
    name = nonempty_text(author.get("display_name"))
    if name is None:
        return Rejected(
            origin, "author has no display_name", line=line, record=nonempty_text(author.get("id"))
        )
    stats = author.get("summary_stats")
    stats = stats if isinstance(stats, dict) else {}
    return StatedMetrics(
        author=Author(name, ids=_person_ids(author)),
        source=SOURCE,
        origin=f"{origin}:{line}",
        as_of=_date_part(author.get("updated_date")),
        h_index=strict_int(stats.get("h_index")),
        i10_index=strict_int(stats.get("i10_index")),
        papers=strict_int(author.get("works_count")),
        citations=strict_int(author.get("cited_by_count")),
        owns_origin_works=owns_works,
    )


def _work(work: dict[str, Any], origin: str) -> Work:
    extra: list[tuple[str, str]] = []
    work_type = nonempty_text(work.get("type"))
    if work_type:
        extra.append(("type", work_type))
    topic = work.get("primary_topic")
    topic_name = nonempty_text(topic.get("display_name")) if isinstance(topic, dict) else None
    if topic_name:
        extra.append(("openalex_primary_topic", topic_name))
    year = strict_int(work.get("publication_year"))
    field = topic.get("field") if isinstance(topic, dict) else None
    field_id = str(field.get("id") or "") if isinstance(field, dict) else ""
    number = field_id.rsplit("/", 1)[-1]
    return Work(
        ids=_work_ids(work),
        source=SOURCE,
        origin=origin,
        title=nonempty_text(work.get("display_name")) or nonempty_text(work.get("title")),
        abstract=_abstract(work),
        date=nonempty_text(work.get("publication_date")),
        year=year,
        authors=_authorships(work.get("authorships")),
        venue=_venue(work),
        citations=_citations(work),
        stated_fields=(openalex_key(int(number)),)
        if "/fields/" in field_id and number.isdigit()
        else (),
        extra=tuple(extra),
    )


def _work_ids(work: dict[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    listed = work.get("ids")
    listed = listed if isinstance(listed, dict) else {}
    add_id(ids, "openalex", work.get("id"))
    add_id(ids, "doi", work.get("doi") or listed.get("doi"))
    for arxiv_id in _arxiv_ids(work):
        add_id(ids, "arxiv", arxiv_id)
    pmid = listed.get("pmid")
    if isinstance(pmid, str):
        for prefix in _PUBMED_PREFIXES:
            if pmid.startswith(prefix):
                pmid = pmid[len(prefix) :].strip("/")
    add_id(ids, "pmid", pmid)
    add_id(ids, "mag", listed.get("mag"))
    return tuple(ids)


def _arxiv_ids(work: dict[str, Any]) -> list[str]:
    """arXiv ids named by the work's DOI or any of its locations (landing page, PDF)."""
    texts = [work.get("doi")]
    locations = work.get("locations")
    for location in [work.get("primary_location"), work.get("best_oa_location")] + (
        locations if isinstance(locations, list) else []
    ):
        if isinstance(location, dict):
            texts += [location.get("landing_page_url"), location.get("pdf_url"), location.get("id")]
    found: list[str] = []
    for text in texts:
        if isinstance(text, str):
            found += [match.group(1) for match in _ARXIV_IN_TEXT.finditer(text)]
    return found


def _person_ids(person: dict[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    listed = person.get("ids")
    listed = listed if isinstance(listed, dict) else {}
    add_id(ids, "openalex", person.get("id"))
    add_id(ids, "orcid", person.get("orcid") or listed.get("orcid"))
    return tuple(ids)


def _authorships(raw: Any) -> tuple[Authorship, ...]:
    """Authors in the order OpenAlex lists them; position is that 1-based order."""
    if not isinstance(raw, list):
        return ()
    authorships: list[Authorship] = []
    for position, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            continue
        person = entry.get("author")
        person = person if isinstance(person, dict) else {}
        name = nonempty_text(person.get("display_name")) or nonempty_text(
            entry.get("raw_author_name")
        )
        if name is None:
            continue
        author = Author(name, ids=_person_ids(person))
        authorships.append(Authorship(author, position, _affiliation(entry)))
    return tuple(authorships)


def _affiliation(entry: dict[str, Any]) -> str | None:
    """First institution's name, else the first raw affiliation string."""
    institutions = entry.get("institutions")
    for institution in institutions if isinstance(institutions, list) else []:
        name = (
            nonempty_text(institution.get("display_name"))
            if isinstance(institution, dict)
            else None
        )
        if name:
            return name
    raw = entry.get("raw_affiliation_strings")
    for text in raw if isinstance(raw, list) else [entry.get("raw_affiliation_string")]:
        if nonempty_text(text):
            return nonempty_text(text)
    return None


def _venue(work: dict[str, Any]) -> str | None:
    """``primary_location.source`` name; older records name it ``host_venue``."""
    location = work.get("primary_location")
    source = location.get("source") if isinstance(location, dict) else None
    if isinstance(source, dict) and nonempty_text(source.get("display_name")):
        return nonempty_text(source.get("display_name"))
    host = work.get("host_venue")
    return nonempty_text(host.get("display_name")) if isinstance(host, dict) else None


def _citations(work: dict[str, Any]) -> tuple[CitationCount, ...]:
    count = strict_int(work.get("cited_by_count"))
    if count is None:
        return ()
    by_year: list[tuple[int, int]] = []
    counts = work.get("counts_by_year")
    for entry in counts if isinstance(counts, list) else []:
        if isinstance(entry, dict):
            year, cited = strict_int(entry.get("year")), strict_int(entry.get("cited_by_count"))
            if year is not None and cited is not None:
                by_year.append((year, cited))
    as_of = _date_part(work.get("updated_date"))
    return (CitationCount(SOURCE, count, as_of, tuple(sorted(by_year))),)


def _abstract(work: dict[str, Any]) -> str | None:
    """Rebuild the abstract: put every word of the inverted index at each of its
    positions, then read the positions in order. Some exports store the text itself."""
    index = work.get("abstract_inverted_index")
    if isinstance(index, dict) and index:
        placed: dict[int, str] = {}
        for word, positions in index.items():
            for position in positions if isinstance(positions, list) else []:
                if isinstance(position, int):
                    placed[position] = word
        return " ".join(placed[position] for position in sorted(placed)) or None
    return nonempty_text(work.get("abstract"))


def _date_part(value: Any) -> str | None:
    """``'2025-06-11T00:03:37.53'`` -> ``'2025-06-11'``."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value[:10]
    return None
