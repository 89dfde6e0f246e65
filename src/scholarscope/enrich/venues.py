"""Venue, status, pages, figures, tables and DOI from arXiv comments and journal-ref.

Pure text in, one :class:`VenueInfo` out; no I/O, stdlib ``re`` only.

    >>> info = parse_venue("ACMMM24, 12 pages, 5 figures")
    >>> info.venue, info.year, info.pages, info.figures
    ('ACM MM', 2024, 12, 5)

How a comment is read (each rule was grown from the real comments in
``../shared/data/arxiv-cs/``; ``bench/venue_coverage.py`` measures it):

- URLs and DOIs are masked first (``github.com/x/ACL-SSL`` names no venue).
- **Venue mentions** come from ``venue_table.VENUES`` (the names people write). Only when the
  table finds none does a fallback look for a venue it does not know: the name after a
  status phrase ("accepted at the World Modeling Workshop 2026"), the acronym in
  parentheses after a long name ("… (BHI 2025)"), a name with "Conference", "Journal" …
  opening a clause, or an acronym with a year ("IJCNN 2026"). Those keep the name as
  written.
- A mention is a **reference**, not this paper's venue, after "extended version of",
  "extension of", "preliminary", "earlier", "shorter version" … in its clause (unless a
  status phrase after a comma starts anew: "Extended version of our CVPR 2024 paper,
  accepted by TPAMI" is TPAMI), before a rejection ("submitted to NeurIPS; rejected"),
  before "style"/"template"/"gallery", or in a challenge clause without "accepted".
  An extended journal version mentioning a conference is not at that conference.
- The paper's venue is the first non-reference mention with a status phrase in its
  clause, else the first one; "X @ Y", "X at Y" and "AAAI ICWSM" give Y.
- **Year**: the digits attached to the mention ("NeurIPS 2024", "ACM MM'24", "AAAI-26",
  "CVPR2025", "ICML 25.", "NAACL SRW 2025", "ACM MM' 25", "SIGGRAPH Conference Papers
  '25", "… Conference on Multimedia (MM '24)"), else the nearest free year in its clause
  ("IJCV in Sept 2024"); only 1980–2030 counts.
- **Status**: the status phrase nearest the mention in its clause; with no venue, one
  outside reference clauses ("Under review"). "Findings of ACL" is accepted (there is no
  track field). A bare "CVPR 2025" states no status: ``None``.
- **Workshop**: "workshop" nearest this mention in its clause, "CVPRW", or "X @ VENUE"
  where X is a name ("MemFM @ ICML 2026"; not "Accepted @ ICC 2025"). The workshop's own
  name goes into ``workshop_name``: an acronym in parentheses after "workshop"
  ("Workshop (CVinW)"), else the name before it ("ICML MemFM 2026 Workshop", "BioNLP
  Workshop, ACL 2026", "FGVC12 (CVPR 2025 Workshop)"), else the name after "workshop
  on" with its acronym if given ("… (OSACT7)"); ordinals, years and the word "Workshop"
  are cut.
- **journal-ref** ("Phys.Rev.D76:013009,2007") wins for venue, year and status
  ("published"); its venue is the journal as written unless the table knows it.

Finding the mentions is ``venue_mentions.py`` and reading a workshop's own name is
``workshop_names.py``; this module chooses among the mentions and reads the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from scholarscope.enrich.venue_mentions import (
    REFERENCE,
    Mention,
    known_mentions,
    mention_year,
    unknown_mentions,
)
from scholarscope.enrich.workshop_names import name_before_at, name_of_workshop


@dataclass(frozen=True)
class VenueInfo:
    """What the comments (and journal-ref) say about where and how a work appeared.

    ``original`` keeps the comments verbatim (then `` | `` and the journal-ref when both
    are given); ``parsed`` is False when a non-empty text yielded nothing at all.
    """

    venue: str | None  # normalised short name: "NeurIPS", "ACM MM", "TIFS" …
    year: int | None  # the venue's year when the text gives it
    status: str | None  # accepted | published | to appear | submitted | under review
    workshop: bool  # a workshop of the venue
    presentation: str | None  # oral | spotlight | poster
    pages: int | None
    figures: int | None
    tables: int | None
    doi: str | None
    original: str | None
    parsed: bool
    # the workshop's own name beside its host venue: "MemFM", "BioNLP", "OSACT7"; last and
    # with a default so code that builds a VenueInfo without it keeps working
    workshop_name: str | None = None


_URL = re.compile(r"\S*(?:://|www\.|\.(?:com|org|io|net|edu|html?|pdf)\b)\S*", re.IGNORECASE)
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
_CLAUSE_BREAK = re.compile(r"[;|]|\.\s+(?=[A-Z(\[])")
_ABBREVIATION = re.compile(
    r"(?:^|\W)(?:Proc|Conf|Int|Intl|Trans|Vol|No|pp|al|vs|etc|Symp|Jan|Feb|Mar|Apr|Jun|Jul|"
    r"Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])$"
)
_YEAR = re.compile(r"(?<![\d.])(?:19|20)\d\d(?![\d])")
_JOINED = re.compile(r"\s*(?:/|\((?:Proc(?:eedings|\.) of\s+)?)\s*")
# "the AAAI 2025 LaTeX style", "CVPR AI Art Gallery": the venue of something else
_OTHER_USE = re.compile(r"\b(?:style|template|format|formatting|latex|gallery)\b", re.I)
_HOP = re.compile(r"\s*(?:@|at)?\s*(?:the\s+)?(?:(?:IEEE|ACM)\s+)?", re.IGNORECASE)
_CONTEST = re.compile(r"\b(?:challenge|competition|winner|winning|place)\b", re.IGNORECASE)
_REJECTED = re.compile(r"\breject", re.IGNORECASE)
_STATUS = re.compile(
    r"(?P<appear>\bto appear\b|\bwill appear\b|\bforthcoming\b|\bin press\b|"
    r"\b(?:will|to) be (?:published|presented|appeared)\b)"
    r"|(?P<accepted>\bac+e?pe?t+(?:ed|ance)?\b|\bcamera[\s-]?ready\b)"
    r"|(?P<published>\bpublished\b|\bappeared\b|\bpresented\b|\bversion of record\b)"
    r"|(?P<review>\bunder[\s-](?:review|revision|consideration)\b|\bin review\b|"
    r"\b(?:major|minor) revision\b)"
    r"|(?P<submitted>\bsubmit+ed\b|\bsubmission\b)",
    re.IGNORECASE,
)
# after a reference, a status phrase after a comma is about this paper again
_ANEW = re.compile(
    r",\s*(?:which\s+(?:is|was|has been)\s+|and\s+)?(?:now\s+)?(?:" + _STATUS.pattern + ")", re.I
)
_STATUS_NAMES = {
    "appear": "to appear",
    "accepted": "accepted",
    "published": "published",
    "review": "under review",
    "submitted": "submitted",
}
_WEAK_STATUS = re.compile(r"\b(?P<published>proceedings)\b|\b(?P<accepted>findings)\b", re.I)
_WORKSHOP = re.compile(r"\bworkshops?\b", re.IGNORECASE)
_PRESENTATION = re.compile(r"\b(oral|spotlight|poster)\b", re.IGNORECASE)
_NUMBER = r"(?<![\w.+])(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|no)"
_PAGES = re.compile(_NUMBER + r"\s*-?\s*(?:pages?|pp)\b|\btotal pages:?\s*(\d{1,4})\b", re.I)
_FIGURES = re.compile(_NUMBER + r"\s*-?\s*(?:figures?|figs?)\b", re.IGNORECASE)
_TABLES = re.compile(_NUMBER + r"\s*-?\s*tables?\b", re.IGNORECASE)
_NUMBER_WORDS = {
    "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip


def parse_venue(comments: str | None, journal_ref: str | None = None) -> VenueInfo:
    """Read venue, year, status, pages, figures, tables and DOI from a work's comments
    and journal-ref. Never raises; a text where nothing is recognised gives
    ``parsed=False`` with the text kept in ``original``.

    >>> info = parse_venue("Accepted by International Journal of Computer Vision (IJCV) "
    ...                    "in Sept 2024")
    >>> info.venue, info.year, info.status
    ('IJCV', 2024, 'accepted')
    >>> info = parse_venue(None, "Phys.Rev.D76:013009,2007")
    >>> info.venue, info.year, info.status
    ('Phys.Rev.D', 2007, 'published')
    """
    texts = [text for text in (comments, journal_ref) if text is not None and text.strip()]
    info = _read_comments(comments or "")
    if journal_ref and journal_ref.strip():
        ref_venue, ref_year = _read_journal_ref(journal_ref)
        if ref_venue is not None:
            same = ref_venue == info.venue
            info = replace(info, venue=ref_venue, year=ref_year, status="published")
            info = replace(info, workshop=info.workshop and same)
            info = replace(info, workshop_name=info.workshop_name if info.workshop else None)
        if info.doi is None:
            info = replace(info, doi=_first_doi(journal_ref))
    fields = (info.venue, info.year, info.status, info.presentation, info.pages, info.doi)
    recognised = any(value is not None for value in (*fields, info.figures, info.tables))
    return replace(
        info,
        original=" | ".join(texts) if texts else None,
        parsed=recognised or info.workshop or info.parsed,
    )


def _read_comments(raw: str) -> VenueInfo:
    text = " ".join(raw.split())
    doi = _first_doi(text)
    masked = _mask(_mask(text, _URL), _DOI)
    clauses = _clauses(masked)
    mentions = known = known_mentions(masked)
    chosen = _choose(masked, clauses, mentions)
    if chosen is None:
        spans = [(m.start, m.end) for m in known]
        mentions = [
            m
            for m in unknown_mentions(masked)
            if not any(a < m.end and m.start < b for a, b in spans)
        ]
        chosen = _choose(masked, clauses, mentions)
    venue, year, status, workshop, workshop_name = None, None, None, False, None
    if chosen is not None:
        clause = _clause_of(clauses, chosen.start)
        # "TOG (Proceedings of SIGGRAPH Asia 2025)", "SIGGRAPH Asia/TOG 2025": one paper
        joined = [m for m in mentions if _JOINED.fullmatch(masked, chosen.end, m.start)]
        same = [m.year for m in mentions if m.name == chosen.name or m in joined]
        near = [_clause_year(masked, clause, m, mentions) for m in (chosen, *joined)]
        venue, year = chosen.name, next((y for y in (chosen.year, *same, *near) if y), None)
        status = _status_of(masked, clause, chosen, mentions)
        if status is None and len(mentions) == 1:
            status = _status_without_venue(masked, clauses, [])
        spans = [(m.start, m.end) for m in (*known, *mentions)]
        word = _workshop_word(masked, clause, chosen, mentions)
        at_name = name_before_at(masked, clause, chosen)  # "MemFM @ ICML 2026"
        workshop = chosen.w_suffix or word is not None or at_name is not None
        workshop_name = at_name or (name_of_workshop(masked, word, spans) if word else None)
    else:  # every mention was a reference: its clause says nothing about this paper
        status = _status_without_venue(masked, clauses, known + mentions)
    presentation = _PRESENTATION.search(masked)
    return VenueInfo(
        venue=venue,
        year=year,
        status=status,
        workshop=workshop,
        presentation=presentation.group(1).lower() if presentation else None,
        pages=_count(_PAGES, masked),
        figures=_count(_FIGURES, masked),
        tables=_count(_TABLES, masked),
        doi=doi,
        original=None,
        parsed=bool(known or mentions),  # even a venue that is only referred to
        workshop_name=workshop_name,
    )


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """Blank out what ``pattern`` matches, keeping every other character in place."""
    return pattern.sub(lambda match: " " * len(match.group()), text)


def _first_doi(text: str) -> str | None:
    match = _DOI.search(text)
    return match.group().rstrip(".,;:)]}'\"") if match else None


def _count(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    if match is None:
        return None
    number = next(group for group in match.groups() if group).lower()
    return _NUMBER_WORDS[number] if number in _NUMBER_WORDS else int(number)


def _clauses(text: str) -> list[tuple[int, int]]:
    """Spans between ';', '|' and sentence ends (not after "Proc.", "Int." …)."""
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        if match.group().startswith(".") and _ABBREVIATION.search(text[: match.start()][-8:]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _clause_of(clauses: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for start, end in clauses:
        if start <= position < end:
            return start, end
    return clauses[-1]


def _choose(masked: str, clauses: list[tuple[int, int]], mentions: list[Mention]) -> Mention | None:
    """The first mention that is not a reference, preferring one with a status phrase."""
    candidates = [m for m in mentions if not _is_reference(masked, clauses, m, mentions)]
    # "STIL @ BRACIS 2025", "AAAI ICWSM 2025", "… @ ACM IVA'25": the venue is the second
    candidates = [
        m
        for m, following in zip(candidates, [*candidates[1:], None], strict=False)
        if following is None or not _HOP.fullmatch(masked, m.end, following.start)
    ]
    for mention in candidates:
        if _status_of(masked, _clause_of(clauses, mention.start), mention, mentions):
            return mention
    return candidates[0] if candidates else None


def _is_reference(
    masked: str, clauses: list[tuple[int, int]], mention: Mention, mentions: list[Mention]
) -> bool:
    """Is this mention another work's venue? A reference phrase before it in its clause
    counts unless a status phrase after a comma starts anew ("Extended version of our
    CVPR 2024 paper, accepted by TPAMI"); so does a rejection or a template after it."""
    start, end = _clause_of(clauses, mention.start)
    references = list(REFERENCE.finditer(masked, start, mention.start))
    if references and not _ANEW.search(masked, references[-1].end(), mention.start):
        return True
    later = [m.start for m in mentions if m.start > mention.start]
    after = masked[mention.end : later[0] if later else len(masked)]
    if _REJECTED.search(masked, start, mention.start) or _REJECTED.search(after):
        return True
    if _OTHER_USE.search(masked, mention.end, later[0] if later and later[0] < end else end):
        return True
    clause = masked[start:end]
    contest = _CONTEST.search(clause)
    return bool(contest) and not re.search(r"\baccepted|\bpublished", clause, re.IGNORECASE)


def _status_of(
    masked: str, clause: tuple[int, int], mention: Mention, mentions: list[Mention]
) -> str | None:
    """The status phrase nearest before the mention in its clause, else the first after it
    (before the next mention), else a weak cue ("Findings", "Proceedings") in the clause."""
    start, end = clause
    before = list(_STATUS.finditer(masked, start, mention.start))
    if before:
        return _STATUS_NAMES[before[-1].lastgroup or ""]
    later = [m.start for m in mentions if mention.start < m.start < end]
    after = _STATUS.search(masked, mention.end, later[0] if later else end)
    if after:
        return _STATUS_NAMES[after.lastgroup or ""]
    weak = _WEAK_STATUS.search(masked, start, end)
    return _STATUS_NAMES[weak.lastgroup or ""] if weak else None


def _status_without_venue(
    masked: str, clauses: list[tuple[int, int]], references: list[Mention]
) -> str | None:
    for start, end in clauses:
        clause = masked[start:end]
        if REFERENCE.search(clause) or _REJECTED.search(clause):
            continue
        if any(start <= m.start < end for m in references):
            continue
        match = _STATUS.search(clause)
        if match:
            return _STATUS_NAMES[match.lastgroup or ""]
    return None


def _nearest(masked: str, mentions: list[Mention], start: int, end: int) -> Mention | None:
    """The mention closest to the span ``start:end`` (0 when they overlap)."""

    def distance(mention: Mention) -> int:
        gap = (end, mention.start) if mention.start >= end else (mention.end, start)
        # "accepted at CVPR animal workshop 2024, submitted to IJCV": a comma separates
        return max(gap[1] - gap[0], 0) + 1000 * masked[gap[0] : gap[1]].count(",")

    return min(mentions, key=distance, default=None)


def _clause_year(
    masked: str, clause: tuple[int, int], chosen: Mention, mentions: list[Mention]
) -> int | None:
    """The nearest year in the clause that no other mention is closer to."""
    in_clause = [m for m in mentions if clause[0] <= m.start < clause[1]]
    best: tuple[int, int] | None = None
    for match in _YEAR.finditer(masked, *clause):
        if any(m.start <= match.start() < m.end for m in mentions):
            continue  # a year attached to a mention
        if (
            _nearest(masked, in_clause, *match.span()) is not chosen
            or mention_year(match.group()) is None
        ):
            continue
        distance = max(chosen.start - match.end(), match.start() - chosen.end, 0)
        if best is None or distance < best[0]:
            best = (distance, int(match.group()))
    return best[1] if best else None


def _workshop_word(
    masked: str, clause: tuple[int, int], chosen: Mention, mentions: list[Mention]
) -> re.Match[str] | None:
    """The first "workshop" in the clause that is nearer this mention than any other."""
    in_clause = [m for m in mentions if clause[0] <= m.start < clause[1]]
    for match in _WORKSHOP.finditer(masked, *clause):
        if _nearest(masked, in_clause, *match.span()) is chosen:
            return match
    return None


_REF_NAME = re.compile(r"[^\d(,;]*?(?=\s*(?:\d|\(|,|;|:\s*\d|\s--|\bvol\b|$))", re.IGNORECASE)


def _read_journal_ref(ref: str) -> tuple[str | None, int | None]:
    """The journal and year of a journal-ref: ``'Phys. Rev. A 76, 063602 (2007).'`` ->
    ``('Phys. Rev. A', 2007)``; a venue the table knows gets its short name."""
    text = " ".join(ref.split())
    text = re.sub(r"^.*?\b(?:published|appeared) in\s+", "", text, flags=re.IGNORECASE)
    masked = _mask(_mask(text, _URL), _DOI)
    in_parens = re.search(r"\(((?:19|20)\d\d)\)", masked)
    years = [mention_year(match.group()) for match in _YEAR.finditer(masked)]
    ref_year = (
        mention_year(in_parens.group(1))
        if in_parens
        else next((year for year in reversed(years) if year), None)
    )
    known = known_mentions(masked)
    if known:
        return known[0].name, known[0].year or ref_year
    name = _REF_NAME.match(masked)
    journal = name.group().strip(" ,;:-") if name else ""
    if journal.endswith(".") and len(journal.split()[-1]) > 6:
        journal = journal[:-1]  # "Acta Applicandae Mathematicae." is no abbreviation
    return (journal or None), (ref_year if journal else None)
