"""Researcher profile pages copied as text (seed files ``001``, ``003``).

A header with the owner's name and the figures the page states, then one block per
paper::

    Shiming Ge                                  owner's name

    CV                                          primary field
    h-index15                                   stated figures, label glued to number
    54papers
    1,706citations
    Novelty53%
    AI Score57

    54 Papers                                   heading of the paper list

    CVMar 8, 2022Code                           badge line
    Selective-Supervised Contrastive ...        title

    Shikun Li, Xiaobo Xia, Shiming Ge et al.    shown authors [et al.] [· affiliation tag]

    Deep networks have strong capacities ...    abstract (the page may cut it short)

Rules this parser follows:

- **Blocks** are found by their badge line, not by counting blank lines: an optional
  number (some pages print one, e.g. ``88.9LGMay 2``, with no label; kept in ``extra``
  as ``badge_number``), the field badge (the run of capitals before the month: ``CV``,
  ``LG``, ``ML`` ...), a date, and an optional ``Code`` badge. After it come the title,
  the authors line and the abstract: the first, second and remaining non-blank lines.
- **Dates** are ``Mar 8, 2022`` or, for recent papers, ``Jan 12`` with no year: then
  ``date`` and ``year`` stay ``None`` (no year is guessed) and ``date_text`` keeps what
  the page printed.
- **Authors.** The page shows the first authors, then "et al." when there are more, and
  sometimes an affiliation tag (``· tsinghua``). Shown authors get their positions 1, 2,
  3 ...; when the page owner is not among them, the owner is added with position
  ``None`` (an author, position unknown), since every paper on the page is theirs.
- **Ids.** The page gives none, so works have ``ids=()``; the store matches them by
  title and year. The page states no per-paper citations.
- **Problems** come out as ``Rejected`` items naming the line, and reading goes on: a
  block with no title or no authors line, a header line that is not understood, a
  header with no owner name.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from datetime import date

from scholarscope.records import (
    Author,
    Authorship,
    ParseItem,
    Rejected,
    Repaired,
    StatedMetrics,
    Work,
    fold_text,
)
from scholarscope.taxonomy import badge_key

SOURCE = "profile_page"
MAX_AUTHORS_LINE_CHARS = 300  # a longer "authors line" is an abstract: the real one is missing
HEADER_SCAN_LINES = 20  # the stated figures sit in the first lines of a page
# The store keeps integers in 64 bits; a longer figure is not a real count (and one of
# over 4,300 digits Python will not even read).
MAX_FIGURE_DIGITS = 18

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_BADGE_LINE = re.compile(
    r"^(?P<number>\d+(?:\.\d+)?)?"
    r"(?P<badge>[A-Z]{2,})"
    rf"(?P<date>(?P<month>{'|'.join(_MONTHS)}) (?P<day>\d{{1,2}})(?:, (?P<year>\d{{4}}))?)"
    r"(?P<code>Code)?$"
)

# Header figures: label and number glued together, as the page prints them.
_FIGURES = {
    "h_index": re.compile(r"^h-index\s*(\d[\d,]*)$"),
    "papers": re.compile(r"^(\d[\d,]*)\s*papers$"),
    "citations": re.compile(r"^(\d[\d,]*)\s*citations$"),
    "novelty": re.compile(r"^Novelty\s*(\d[\d,]*)%$"),
    "ai_score": re.compile(r"^AI Score\s*(\d[\d,]*)$"),
}
_LIST_HEADING = re.compile(r"^\d[\d,]* Papers$")  # "54 Papers"
_FIELD = re.compile(r"^[A-Z]{2,}$")  # "CV"
_ET_AL = re.compile(r"(?:,\s*|\s+)et al\.?$")


def looks_like(head: str) -> bool:
    """True if the first lines hold a profile header: ``h-index<N>`` and ``<N>papers``.

    >>> looks_like("Shiming Ge\\n\\nCV\\nh-index15\\n54papers\\n1,706citations\\n")
    True
    """
    top = [line.strip() for line in head.splitlines()[:HEADER_SCAN_LINES]]
    has_h_index = any(_FIGURES["h_index"].match(line) for line in top)
    has_papers = any(_FIGURES["papers"].match(line) for line in top)
    return has_h_index and has_papers


def parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]:
    """Yield the header's ``StatedMetrics`` first, then one ``Work`` per paper block.

    >>> page = ["Ada Lovelace", "CV", "h-index3", "4papers", "CVMar 8, 2022Code", "A Title",
    ...         "", "Ada Lovelace, B. Babbage", "", "An abstract."]
    >>> [type(item).__name__ for item in parse(page, "page.txt")]
    ['StatedMetrics', 'Work']
    """
    header: list[tuple[int, str]] = []
    block: list[tuple[int, str]] | None = None  # badge line, then the non-blank lines
    owner: str | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if _BADGE_LINE.match(line):
            if block is None:
                owner = yield from _parse_header(header, origin)
            else:
                yield from _parse_block(block, owner, origin)
            block = [(number, line)]
        elif block is None:
            header.append((number, line))
        elif line:
            block.append((number, line))
    if block is None:
        yield from _parse_header(header, origin)
    else:
        yield from _parse_block(block, owner, origin)


def _parse_header(
    header: list[tuple[int, str]], origin: str
) -> Generator[ParseItem, None, str | None]:
    """Yield the page's ``StatedMetrics`` (and problems); return the owner's name.

    The first non-blank line that is not a figure is the owner's name, an all-capitals
    line after it is the field.
    """
    name: str | None = None
    field: str | None = None
    figures: dict[str, int] = {}
    for number, line in header:
        if not line or _LIST_HEADING.match(line):
            continue
        figure = _match_figure(line)
        if figure is not None and figure[1] is None:
            reason = (
                f"profile header figure has more than {MAX_FIGURE_DIGITS} digits: {line[:60]!r}"
            )
            yield Rejected(origin, reason, line=number)
        elif figure is not None and figure[1] is not None:
            figures[figure[0]] = figure[1]
        elif name is None:
            name = line
        elif field is None and _FIELD.match(line):
            field = line
        else:
            yield Rejected(origin, f"profile header line not understood: {line!r}", line=number)
    if name is None:
        yield Rejected(origin, "profile page has no owner name before its first paper", line=1)
        return None
    yield StatedMetrics(
        author=Author(name),
        source=SOURCE,
        origin=origin,
        field=field,
        h_index=figures.get("h_index"),
        papers=figures.get("papers"),
        citations=figures.get("citations"),
        novelty=figures.get("novelty"),
        ai_score=figures.get("ai_score"),
        owns_origin_works=True,
    )
    return name


def _match_figure(line: str) -> tuple[str, int | None] | None:
    """``"1,706citations"`` -> ``("citations", 1706)``; ``(key, None)`` for a number too
    long to be a count; None if no figure matches."""
    for key, pattern in _FIGURES.items():
        match = pattern.match(line)
        if match is not None:
            digits = match[1].replace(",", "")
            return key, int(digits) if len(digits) <= MAX_FIGURE_DIGITS else None
    return None


def _parse_block(
    block: list[tuple[int, str]], owner: str | None, origin: str
) -> Iterator[ParseItem]:
    """One paper block (its badge line, then its non-blank lines) as a ``Work``."""
    (badge_number, badge_line), *rest = block
    badge = _BADGE_LINE.match(badge_line)
    assert badge is not None  # blocks start only at badge lines
    if not rest:
        yield Rejected(origin, "paper block has no title after its badge line", line=badge_number)
        return
    title = rest[0][1]
    if len(rest) < 2 or len(rest[1][1]) > MAX_AUTHORS_LINE_CHARS:
        yield Rejected(
            origin,
            "paper block has no authors line after its title",
            line=rest[0][0],
            record=title,
        )
        return
    authors_number, authors_line = rest[1]
    names, et_al, tag = _parse_authors_line(authors_line)
    if not names:
        yield Rejected(origin, "authors line names nobody", line=authors_number, record=title)
        return

    authors = tuple(Authorship(Author(name), position) for position, name in enumerate(names, 1))
    if owner is not None and fold_text(owner) not in {fold_text(name) for name in names}:
        authors += (Authorship(Author(owner), None),)

    year = int(badge["year"]) if badge["year"] else None
    iso_date = None
    if year is not None:
        month = _MONTHS.index(badge["month"]) + 1
        try:
            iso_date = date(year, month, int(badge["day"])).isoformat()
        except ValueError:
            yield Repaired(
                origin,
                f"date {badge['date']!r} is not a calendar date; kept as text",
                line=badge_number,
            )

    abstract = "\n".join(line for _, line in rest[2:]) or None
    yield Work(
        ids=(),
        source=SOURCE,
        origin=origin,
        title=title,
        abstract=abstract,
        date=iso_date,
        date_text=badge["date"],
        year=year,
        field_badge=badge["badge"],
        stated_fields=(key,)
        if (key := badge_key(badge["badge"]) if badge["badge"] else None)
        else (),
        authors=authors,
        et_al=et_al,
        affiliation_tag=tag,
        code_badge=badge["code"] is not None,
        extra=(("badge_number", badge["number"]),) if badge["number"] else (),
    )


def _parse_authors_line(line: str) -> tuple[list[str], bool, str | None]:
    """Split an authors line into (shown names, "et al." shown, affiliation tag).

    >>> _parse_authors_line("Shikun Li, Xiaobo Xia, Hansong Zhang et al. · tsinghua")
    (['Shikun Li', 'Xiaobo Xia', 'Hansong Zhang'], True, 'tsinghua')
    """
    names_part, _, tag = line.partition("·")
    names_part = names_part.strip()
    et_al = _ET_AL.search(names_part) is not None
    names_part = _ET_AL.sub("", names_part)
    names = [name.strip() for name in names_part.split(",") if name.strip()]
    return names, et_al, tag.strip() or None
