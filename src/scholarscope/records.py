"""The one normalised record model every format is parsed into.

Parsers (``scholarscope.ingest``) turn raw files into these frozen values; the store
keeps them; metrics and views read them. Nothing here does I/O.

Ids always carry their scheme, so ids from different sources never collide::

    >>> make_id("arxiv", "2409.19252v2")
    'arxiv:2409.19252'
    >>> make_id("doi", "https://doi.org/10.1145/3664647.3680609")
    'doi:10.1145/3664647.3680609'
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

ID_SCHEMES = ("arxiv", "doi", "openalex", "s2", "orcid", "dblp", "pmid", "mag")

_ARXIV_VERSION = re.compile(r"v\d+$")
_WORD = re.compile(r"[a-z0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
_URL_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "https://openalex.org/",
    "http://openalex.org/",
    "https://orcid.org/",
    "http://orcid.org/",
    "http://arxiv.org/abs/",
    "https://arxiv.org/abs/",
)


def make_id(scheme: str, value: str) -> str:
    """Return ``scheme:value`` with the value in its canonical form.

    arXiv ids lose their version suffix, DOIs and OpenAlex ids lose their URL prefix,
    DOIs are lower-cased (DOIs are case-insensitive).

    >>> make_id("openalex", "https://openalex.org/W2741809807")
    'openalex:W2741809807'
    """
    if scheme not in ID_SCHEMES:
        raise ValueError(f"unknown id scheme {scheme!r}; expected one of {ID_SCHEMES}")
    value = value.strip()
    for prefix in _URL_PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
            break
    if value.lower().startswith(f"{scheme}:"):
        value = value[len(scheme) + 1 :]
    if scheme == "arxiv":
        value = _ARXIV_VERSION.sub("", value)
    elif scheme == "doi":
        value = value.lower()
    if not value:
        raise ValueError(f"empty {scheme} id")
    return f"{scheme}:{value}"


# Keys that find a stored work by its text rather than by an id a source gave it
# (``pipeline.ingest``): never shown, linked or counted as ids.
MATCH_KEY_PREFIXES = ("title:", "abstract:")


def is_match_key(key: str) -> bool:
    """``title:…|2024`` and ``abstract:…`` keys, as opposed to ids.

    >>> is_match_key("abstract:3f2a"), is_match_key("arxiv:2409.19252")
    (True, False)
    """
    return key.startswith(MATCH_KEY_PREFIXES)


def id_scheme(scheme_id: str) -> str:
    """``'arxiv:2409.19252'`` -> ``'arxiv'``."""
    return scheme_id.split(":", 1)[0]


def fold_text(text: str) -> str:
    """Lower-case ASCII letters, digits and single spaces: the key used to compare names
    and titles across sources.

    >>> fold_text("  Schrödinger's  Cat: A Study ")
    'schrodingers cat a study'
    """
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = text.replace("'", "").replace("\u2019", "")
    return " ".join(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class Author:
    """A person as one source names them. ``ids`` are scheme ids (openalex:, s2:, orcid:)."""

    name: str
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Authorship:
    """One author on one work.

    ``position`` is 1-based in the source's author list; ``None`` means the source says
    the person is an author without giving the position (a profile page's owner hidden
    behind "et al.").
    """

    author: Author
    position: int | None
    affiliation: str | None = None


@dataclass(frozen=True)
class CitationCount:
    """A citation figure as one source states it, at one date."""

    source: str
    count: int
    as_of: str | None = None
    by_year: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Work:
    """One scholarly work as one source describes it.

    ``source`` names the kind of source (``arxiv_feed``, ``profile_page``,
    ``arxiv_snapshot``, ``arxiv_api``, ``openalex``, ``semantic_scholar``); ``origin``
    names the file (and line) it came from. Fields a source does not give are ``None``
    or empty, never guessed.
    """

    ids: tuple[str, ...]
    source: str
    origin: str
    title: str | None = None
    abstract: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd, or yyyy-mm / yyyy when that is all we know
    date_text: str | None = None  # the date exactly as the source printed it
    year: int | None = None
    categories: tuple[str, ...] = ()  # arXiv-style categories, source order
    primary_category: str | None = None  # only when the source states it
    field_badge: str | None = None  # a badge the source showed (CV, LG …)
    # field keys the source states, best first (taxonomy.py): 'openalex:fields/19' from
    # an OpenAlex primary topic, 's2:Geology', 'arxiv:cs.CV' for a profile page's badge
    stated_fields: tuple[str, ...] = ()
    authors: tuple[Authorship, ...] = ()
    et_al: bool | None = None  # the source showed "et al." after the listed authors
    affiliation_tag: str | None = None  # e.g. "tsinghua" from "· tsinghua"
    comments: str | None = None
    journal_ref: str | None = None
    venue: str | None = None
    code_badge: bool | None = None  # the source showed a Code badge
    code_url: str | None = None
    citations: tuple[CitationCount, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()  # other source fields worth keeping, verbatim

    @property
    def doi(self) -> str | None:
        """The DOI without its scheme, if the work carries one."""
        for scheme_id in self.ids:
            if scheme_id.startswith("doi:"):
                return scheme_id[4:]
        return None


# What one record may hold; past these it is rejected as a whole, with the reason. The
# largest real records: 5,154 authors (a 2015 LHC paper), abstracts of a few thousand
# characters (whole scraped pages in OpenAlex: 30,000).
MAX_AUTHORS = 10_000
MAX_TEXT_CHARS = 1 << 20  # title, abstract, comments, journal-ref and venue together
EARLIEST_YEAR, LATEST_YEAR = 1000, 2999  # a year outside is a typing error, not a date


def calendar_date(text: str | None) -> str | None:
    """``text`` when it is an ISO date that exists (``yyyy``, ``yyyy-mm`` or
    ``yyyy-mm-dd``, years 1000-2999), else None.

    >>> calendar_date("2024-02-29"), calendar_date("2023-02-29"), calendar_date("2024-00-10")
    ('2024-02-29', None, None)
    """
    if text is None or not _ISO_DATE.fullmatch(text):
        return None
    year, month, day = int(text[:4]), int(text[5:7] or 1), int(text[8:10] or 1)
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    try:
        datetime.date(year, month, day)
    except ValueError:
        return None
    return text


def check_work(work: Work) -> tuple[Work | None, str | None]:
    """A parsed work held to the limits every record must meet, whatever its format:
    ``(work, None)`` when it meets them; ``(repaired work, what was repaired)`` when its
    date is no calendar day (the date is dropped, its text kept in ``date_text``) or its
    year is out of range; ``(None, why)`` when it is too large to store.

    >>> check_work(Work(ids=("doi:10.1/x",), source="openalex", origin="f",
    ...                 date="2024-13-45", year=2024))[1]
    "date '2024-13-45' is not a calendar date; stored without a date"
    """
    if len(work.authors) > MAX_AUTHORS:
        return None, f"{len(work.authors):,} authors, more than the {MAX_AUTHORS:,} allowed"
    texts = (work.title, work.abstract, work.comments, work.journal_ref, work.venue)
    size = sum(len(text) for text in texts if text)
    if size > MAX_TEXT_CHARS:
        return None, f"{size:,} characters of text, more than the {MAX_TEXT_CHARS:,} allowed"
    repairs = []
    year = work.year
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        repairs.append(f"year {year} is out of range; stored without a year")
        year = None
    date, date_text = work.date, work.date_text
    if date is not None and calendar_date(date) is None:
        repairs.append(f"date {date!r} is not a calendar date; stored without a date")
        date, date_text = None, date_text or date
    if not repairs:
        return work, None
    return replace(work, date=date, date_text=date_text, year=year), "; ".join(repairs)


def ids_clash(first: Sequence[str], second: Sequence[str]) -> bool:
    """Do two records or works carry different ids of one scheme (two DOIs, two arXiv
    ids)? Then they are two papers, whatever else they share (a key a source filed them
    under, a title: arXiv holds real resubmissions of one title under two ids). Match
    keys (``is_match_key``) are not ids and never clash.

    >>> ids_clash(("openalex:W1", "doi:10.1/a"), ("openalex:W1", "doi:10.1/b"))
    True
    >>> ids_clash(["arxiv:2506.03038"], ["arxiv:2505.17997", "title:x|2025"])
    True
    """
    schemes: dict[str, set[str]] = {}
    for key in first:
        if not is_match_key(key):
            schemes.setdefault(id_scheme(key), set()).add(key)
    return any(
        id_scheme(key) in schemes and key not in schemes[id_scheme(key)]
        for key in second
        if not is_match_key(key)
    )


def _is_known(value: object) -> bool:
    return value is not None and value != "" and value != ()


def update_work(stored: Work, later: Work) -> Work:
    """A source's later record of a work, over the record of it already stored.

    The rule, field by field: a field the later record states replaces the stored one;
    a field it leaves null or empty keeps the stored value, so a source that sends a
    sparse copy of a record (Semantic Scholar's null-filled paper) never erases what it
    said before. A date goes with its printed form and year. Lists of ids, citation
    figures and extra fields are joined, the later record's entries first (a citation
    figure of the same source and date is replaced). A later record that carries another
    id of a scheme the stored one has (another DOI) is another paper (``ids_clash``): it
    replaces the stored record whole.

    >>> old = Work(ids=("s2:1",), source="s2", origin="a", title="Computing Machinery",
    ...            year=1950, venue="Mind")
    >>> new = Work(ids=("s2:1",), source="s2", origin="b", title=None, year=1950)
    >>> kept = update_work(old, new)
    >>> kept.title, kept.venue, kept.origin
    ('Computing Machinery', 'Mind', 'b')
    """
    if ids_clash(stored.ids, later.ids):
        return later  # another paper under the same key: a replacement, not an update
    values: dict[str, object] = {}
    for item in fields(Work):
        name = item.name
        old, new = getattr(stored, name), getattr(later, name)
        values[name] = new if _is_known(new) else old
    # a date, its printed form and its year go together: the later record's, when it
    # states a date, or a year other than the stored one
    states_date = _is_known(later.date) or (_is_known(later.year) and later.year != stored.year)
    dated = later if states_date else stored
    values.update(date=dated.date, date_text=dated.date_text, year=dated.year)
    values["ids"] = tuple(dict.fromkeys((*later.ids, *stored.ids)))
    later_citations = {(c.source, c.as_of) for c in later.citations}
    values["citations"] = later.citations + tuple(
        c for c in stored.citations if (c.source, c.as_of) not in later_citations
    )
    later_extra = {key for key, _ in later.extra}
    values["extra"] = later.extra + tuple(e for e in stored.extra if e[0] not in later_extra)
    return Work(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StatedMetrics:
    """Figures a source states about a person (a profile header, OpenAlex
    ``summary_stats``, Semantic Scholar ``hIndex``). Kept beside ours, never mixed in.
    """

    author: Author
    source: str
    origin: str
    as_of: str | None = None
    field: str | None = None
    h_index: int | None = None
    i10_index: int | None = None
    papers: int | None = None
    citations: int | None = None
    novelty: int | None = None
    ai_score: int | None = None
    # When True, every Work from the same origin is by this author (a profile page).
    owns_origin_works: bool = False


@dataclass(frozen=True)
class Rejected:
    """A record (or a whole file) that could not be read, and why."""

    origin: str
    reason: str
    line: int | None = None
    record: str | None = None

    def message(self) -> str:
        """``file:line: record X: reason`` with the parts that are known."""
        parts = [self.origin + (f":{self.line}" if self.line is not None else "")]
        if self.record:
            parts.append(f"record {self.record}")
        parts.append(self.reason)
        return ": ".join(parts)


@dataclass(frozen=True)
class Repaired:
    """A record that loaded, but only after a repair the user should know about."""

    origin: str
    reason: str
    line: int | None = None

    def message(self) -> str:
        """``file:line: reason``."""
        return f"{self.origin}{f':{self.line}' if self.line is not None else ''}: {self.reason}"


@dataclass(frozen=True)
class Deleted:
    """A record its source says was withdrawn (an OAI-PMH header with
    ``status="deleted"``): nothing to store, but counted and named. What was stored of it
    before stays (nothing stored is ever deleted)."""

    origin: str
    record: str
    on: str | None = None
    line: int | None = None

    def message(self) -> str:
        """``file:line: record X: deleted at the source on D``."""
        where = self.origin + (f":{self.line}" if self.line is not None else "")
        return f"{where}: record {self.record}: deleted at the source" + (
            f" on {self.on}" if self.on else ""
        )


ParseItem = Work | StatedMetrics | Rejected | Repaired | Deleted

__all__ = [
    "Author",
    "Deleted",
    "Authorship",
    "CitationCount",
    "ParseItem",
    "Rejected",
    "Repaired",
    "StatedMetrics",
    "Work",
    "calendar_date",
    "check_work",
    "fold_text",
    "id_scheme",
    "ids_clash",
    "is_match_key",
    "make_id",
    "update_work",
]
