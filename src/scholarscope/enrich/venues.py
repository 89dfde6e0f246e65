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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from scholarscope.enrich.venue_table import NOT_VENUES, VENUES


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


@dataclass(frozen=True)
class _Mention:
    name: str
    start: int
    end: int
    year: int | None  # the year written right after the name
    w_suffix: bool  # "CVPRW", "ICCV-W"


FIRST_YEAR, LAST_YEAR = 1980, 2030

# a multi-word name followed by one of these is still that venue ("… Vision Workshops")
_NAME_CONTINUES = {"Workshop", "Workshops", "Datasets", "Track", "Findings", "Main", "Conference"}
_NOT_A_VENUE_NAME = {
    "IEEE", "ACM", "CVF", "IEEE/CVF", "SPIE", "DOI", "ISBN", "ISSN", "COVID", "SARS", "GPT",
    "LLM", "LLMs", "AI", "ML", "NLP", "CV", "RL", "USA", "UK", "EU", "US", "PDF", "GPU",
    "CPU", "ISO", "IEC", "CEUR", "LNCS", "LNAI", "LNEE", "CCIS", "PMLR", "EPTCS", "OASIcs",
    "LIPIcs", "PhD", "MSc", "BSc", "MS", "BS", "TR", "SOTA", "API", "URL", "CC", "BY",
    "OpenAI", "ChatGPT", "GitHub", "MDPI", "ARR", "II", "III", "VI", "VII", "VIII", "IX",
    "XI", "XII", "NSF", "NIH", "ERC", "DARPA", "NASA", "MIT", "CMU", "ETH", "IET", "WIP",
    "CIFAR", "MNIST", "ArXiv", "ARXIV", "ISCA", "arXiv",
}  # fmt: skip
_PUBLISHERS = {
    "Springer", "Elsevier", "Wiley", "Taylor", "Frontiers", "MDPI", "SAGE", "Sage", "Atlantis",
    "IOP", "Routledge", "SciTePress",
}  # fmt: skip
_PART_OF_NAME = ("and", "of", "on", "for", "&")  # "Conference on Pattern Recognition"
_KIND_WORDS = re.compile(
    r"\b(?:Conference|Conf|Symposium|Workshop|Journal|Transactions|Letters|Magazine|"
    r"Congress|Forum|Meeting|Colloquium|Summit)\b"
)


def _alias_regex(alias: str) -> str:
    """Spaces match any run of spaces or hyphens (or nothing), "and" also matches "&",
    a comma may be left out and "Transactions" may be "Trans."."""
    words = []
    for word in re.split(r"[\s-]+", alias):
        if word == "and":
            words.append("(?:and|&)")
        elif word == "Transactions":
            words.append(r"Trans(?:actions|\.)?")
        else:
            words.append(re.escape(word).replace(",", ",?"))
    return r"[\s-]*".join(words)


def _build_mention_regex() -> tuple[re.Pattern[str], dict[str, tuple[str | None, str]]]:
    """One regex for every alias: a named group per alias (``a0``, ``a1`` …), longest
    first so "SIGGRAPH Asia" wins over "SIGGRAPH", bucketed by first letter (a lookahead
    per bucket keeps it fast), then an optional "W" suffix and an attached year."""
    entries: list[tuple[str, str, str | None, str]] = []  # (alias, regex, venue, guard)
    for venue in VENUES:
        for alias in venue.aliases:
            guard = "name" if alias.count(" ") >= 2 else ""
            entries.append((alias, _alias_regex(alias), venue.name, guard))
        for alias in venue.exact:
            guard = "word" if any(c.islower() for c in alias) else ""
            entries.append((alias, f"(?-i:{_alias_regex(alias)})", venue.name, guard))
    entries += [(alias, _alias_regex(alias), None, "") for alias in NOT_VENUES]
    entries.sort(key=lambda entry: -len(entry[0]))
    buckets: dict[str, list[str]] = {}
    for i, (alias, regex, _, _) in enumerate(entries):
        buckets.setdefault(alias[0].lower(), []).append(f"(?P<a{i}>{regex})")
    alternatives = "|".join(
        f"(?=[{re.escape(first)}{re.escape(first.upper())}])(?:{'|'.join(groups)})"
        for first, groups in buckets.items()
    )
    pattern = (
        rf"(?<![A-Za-z0-9])(?:{alternatives})(?P<w>-?W)?(?![A-Za-z])"
        # "NAACL SRW 2025", "SIGGRAPH Conference Papers '25"
        r"(?:(?:\s+(?:SRW|EA|Findings|Workshops?|Main|Demo|Industry|(?:Conference\s+)?Papers))?"
        r"(?:\)?(?:[\s'’‘-]*(?P<y4>(?:19|20)\d\d)|(?:['’‘]\s?|-|\s+['’‘]|)(?P<y2>\d\d))(?!\d)"
        r"|\s(?P<y2s>\d\d)(?=\s*(?:[.,;:)]|$))))?"  # "ICML 25." but not "ICML 25 pages"
    )
    names = {f"a{i}": (entry[2], entry[3]) for i, entry in enumerate(entries)}
    return re.compile(pattern, re.IGNORECASE), names


_MENTION, _MENTION_NAMES = _build_mention_regex()
_URL = re.compile(r"\S*(?:://|www\.|\.(?:com|org|io|net|edu|html?|pdf)\b)\S*", re.IGNORECASE)
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
_CLAUSE_BREAK = re.compile(r"[;|]|\.\s+(?=[A-Z(\[])")
_ABBREVIATION = re.compile(
    r"(?:^|\W)(?:Proc|Conf|Int|Intl|Trans|Vol|No|pp|al|vs|etc|Symp|Jan|Feb|Mar|Apr|Jun|Jul|"
    r"Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])$"
)
_YEAR = re.compile(r"(?<![\d.])(?:19|20)\d\d(?![\d])")
_REFERENCE = re.compile(
    r"\b(?:extend(?!ed abstract)\w*|extension|preliminary|previous(?:ly)?|prior|earlier|"
    r"conference version|"
    r"(?:short(?:er|ened)?|mini|condensed|abridged|longer) version|journal version|based on|"
    r"builds? (?:up)?on|follow[- ]?up|companion|"
    r"supersedes|superset|code (?:of|for)|see|thesis|dissertation|degree project|"
    r"course project|capstone)\b",
    re.IGNORECASE,
)
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
# the words before a venue that is not in the table: "accepted for publication in the"
_LEAD_WORD = re.compile(
    r"\b(?:accepted|published|presented|appear(?:s|ed|ing)?|submit+ed|under review|"
    r"proceedings)\b",
    re.IGNORECASE,
)
_VENUE_LABEL = re.compile(r"(?:Conference|Venue)\s*:\s*")
_SKIP = r"(?:the\s+)?(?:(?:\d+(?:st|nd|rd|th)|(?:19|20)\d\d)\s+)*"
_PREPOSITION = re.compile(rf"\s(?:in|at|to|by|on|for|into|of)\s+{_SKIP}", re.IGNORECASE)
_SEGMENT_START = re.compile(rf"(?:^|[;|,:]\s*|\.\s+){_SKIP}", re.IGNORECASE)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
# a word of a name: "Conference", "3D", "eXplainable", "IC2S2", a lower-case "conference"
_NAME_WORD = (
    rf"(?:(?!{_MONTH})[A-Z](?:[A-Za-z&/_]|-(?!(?:19|20)\d\d)|\d(?!\d\d\d)|['’](?!\d))*|"
    r"\d+[A-Za-z][\w-]*|[a-z]+[A-Z][\w&/-]*|"
    r"(?:conference|workshop|symposium)\b)"
)
_CONNECTOR = r"(?:of|on|and|for|in|to|the|&|with|de|do|da|di|del|der|des|e|für)"
_NAME = re.compile(rf"{_NAME_WORD}(?:[,:]?\s+(?:{_CONNECTOR}\s+)*{_NAME_WORD})*")
_PAREN_ACRONYM = re.compile(
    r"\s*\(\s*(?:(?:IEEE|ACM)\s+)?([A-Z][\w&/-]*?)"
    r"(?:[\s'’-]*((?:19|20)\d\d)|\s*['’-]\s?(\d\d))?\s*\)"  # "(BHI 2025)", "(IAAI-26)"
)
# "ACM International Conference on Multimedia (MM '24)": the year of a known venue, given
# with its acronym in parentheses right after its name
_PAREN_YEAR = re.compile(
    r"(?:\s+Conference)?\s*\(\s*(?:[A-Z][\w&/]*\s*)+(?:['’‘]\s?|-)?((?:19|20)\d\d|\d\d)\s*\)"
)
_GLUED_YEAR = re.compile(r"(.*[A-Za-z])['’-]?((?:19|20)\d\d|[23]\d)")  # "ACPR2025"
_PROCEEDINGS_OF = re.compile(r"^(?:In )?(?:Proceedings of (?:the )?)?(?:\d+(?:st|nd|rd|th) )?")
_ATTACHED_YEAR = re.compile(r"[\s'’-]*((?:19|20)\d\d)(?!\d)|\s*['’]\s?(\d\d)(?!\d)")
_ACRONYM_YEAR = re.compile(
    r"(?<![\w-])([A-Z][A-Za-z]*(?:-?[A-Z][A-Za-z]*)+)"
    r"(?:[\s'’-]*((?:19|20)\d\d)|\s*['’](\d\d)|(2\d|30))(?!\d)"
)


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
    mentions = known = _known_mentions(masked)
    chosen = _choose(masked, clauses, mentions)
    if chosen is None:
        spans = [(m.start, m.end) for m in known]
        mentions = [
            m
            for m in _unknown_mentions(masked)
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
        at_name = _name_before_at(masked, clause, chosen)  # "MemFM @ ICML 2026"
        workshop = chosen.w_suffix or word is not None or at_name is not None
        workshop_name = at_name or (_workshop_name(masked, word, spans) if word else None)
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


def _year(digits: str | None) -> int | None:
    """'2024' -> 2024, '24' -> 2024, '98' -> 1998; outside 1980–2030 -> None."""
    if not digits:
        return None
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year <= LAST_YEAR - 2000 else 1900
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


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


def _known_mentions(masked: str) -> list[_Mention]:
    mentions: list[_Mention] = []
    for match in _MENTION.finditer(masked):
        group = next(k for k, v in match.groupdict().items() if v and k.startswith("a"))
        name, guard = _MENTION_NAMES[group]
        start, end = match.span(group)
        if name is None or not _guard_passes(masked, start, end, guard):
            continue
        year = _year(match.group("y4") or match.group("y2") or match.group("y2s"))
        paren = None if year else _PAREN_YEAR.match(masked, match.end())
        year = _year(paren.group(1)) if paren else year
        if year is None and _defines_abbreviation(masked, start):
            continue  # "small language models in AI for education (AIED)"
        mention = _Mention(name, start, match.end(), year, bool(match.group("w")))
        previous = mentions[-1] if mentions else None
        if previous and previous.name == name and not masked[previous.end : start].strip(" (),"):
            # "International Journal of Computer Vision (IJCV)" is one mention
            mention = _Mention(
                name, previous.start, mention.end, previous.year or mention.year,
                previous.w_suffix or mention.w_suffix,
            )  # fmt: skip
            mentions.pop()
        mentions.append(mention)
    return mentions


def _defines_abbreviation(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return before.endswith("(") and bool(re.search(r"\b[a-z]+\s*\($", before))


def _guard_passes(text: str, start: int, end: int, guard: str) -> bool:
    """Ordinary-word names ("Nature", "Pattern Recognition") must stand alone, and long
    names must not run on into another name ("… Computer Vision Systems")."""
    before = [word.strip("([{'\"") for word in text[:start].split()[-1:]]
    after = text[end:].split()[:1]
    next_word = re.match(r"[A-Za-z&]+", after[0]) if after and text[end : end + 1] == " " else None
    if guard == "word":
        if before and (re.match(r"[A-Z][a-z]", before[0]) or before[0] in _PART_OF_NAME):
            return False
        return not (next_word and re.match(r"[A-Z][a-z]|and$|of$|&$", next_word.group()))
    if guard == "name" and sum(c.isupper() for c in text[start:end]) < 2:
        return False  # "international conference on machine learning in medical imaging"
    if guard == "name" and re.match(r"\s+(?:and|&)\s+[A-Z]", text[end:]):
        return False  # "… on Software Engineering and Knowledge Engineering (SEKE)"
    if guard == "name" and next_word and re.match(r"[A-Z][a-z]", next_word.group()):
        return next_word.group() in _NAME_CONTINUES
    return True


def _unknown_mentions(masked: str) -> list[_Mention]:
    """Venues the table does not know: the name after a status phrase ("accepted at
    Climate Informatics 2026"), a name with a word like "Conference" or "Journal" opening
    a clause, or an acronym with a year ("IJCNN 2026", "ETRA26")."""
    found = []
    for lead in _LEAD_WORD.finditer(masked):
        for preposition in _PREPOSITION.finditer(masked, lead.end(), lead.end() + 60):
            # "Accepted as a full paper to …" (up to four small words between)
            if not re.fullmatch(r"(?:\s+[a-z-]+){0,4}", masked[lead.end() : preposition.start()]):
                break  # "published as Sheh, R. … for Requirements Analysis"
            if _NAME.match(masked, preposition.end()) is None:
                continue  # "accepted for publication in …"
            mention = _named_venue(masked, preposition.end(), after_status=True)
            if mention is not None:
                found.append(mention)
            break
    for segment in _SEGMENT_START.finditer(masked):
        if _LEAD_WORD.match(masked, segment.end()):
            continue  # "Published in …" is read above
        label = _VENUE_LABEL.match(masked, segment.end())  # "Conference: HCI International 2025"
        start = label.end() if label else segment.end()
        mention = _named_venue(masked, start, after_status=label is not None)
        if mention is not None:
            found.append(mention)
    for match in _ACRONYM_YEAR.finditer(masked):
        if _is_acronym(match.group(1), 0.4):
            year = _year(match.group(2) or match.group(3) or match.group(4))
            found.append(_Mention(match.group(1), match.start(), match.end(), year, False))
    found.sort(key=lambda mention: (mention.start, -mention.end))
    kept: list[_Mention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept


def _named_venue(masked: str, start: int, after_status: bool) -> _Mention | None:
    """The venue whose name starts at ``start``: the acronym in parentheses after a long
    name ("… Health Informatics (BHI 2025)"), else the name itself with the year after it.
    Without a status phrase before it, a name needs a word like "Conference" and must not
    be a label ("Name of Conference: …")."""
    name = _NAME.match(masked, start)
    if name is None or (not after_status and masked.startswith(":", name.end())):
        return None
    if after_status or _KIND_WORDS.search(name.group()):
        acronym = _paren_acronym(masked, start, name.end())
        if acronym is not None:
            return acronym
    start, text = _trim_name(name.group(), start, after_status)
    glued = _GLUED_YEAR.fullmatch(text)  # "ACPR2025"
    attached = None if glued else _ATTACHED_YEAR.match(masked, start + len(text))
    digits = (
        glued.group(2) if glued else (attached.group(attached.lastindex or 1) if attached else None)
    )
    words = _PROCEEDINGS_OF.sub("", glued.group(1) if glued else text).split()
    while len(words) > 1 and (words[-1] in ("ISSN", "ISBN", "DOI") or words[-1] in _PUBLISHERS):
        words.pop()  # "… Computer Science ISSN", "ACPR Springer"
    if len(words) == 2 and words[0] in _NOT_A_VENUE_NAME:
        words = words[1:]  # "IEEE TGRS" -> "TGRS"
    if not _is_venue_name(words, after_status, digits is not None):
        return None
    end = attached.end() if attached else start + len(text)
    return _Mention(" ".join(words), start, end, _year(digits), False)


def _paren_acronym(masked: str, start: int, name_end: int) -> _Mention | None:
    """ "(BHI 2025)", "(IJCV)" after a long name, with a year inside, before or after it."""
    before = _ATTACHED_YEAR.match(masked, name_end)
    paren = _PAREN_ACRONYM.match(masked, before.end() if before else name_end)
    if paren is None or not _is_acronym(paren.group(1), 0.0) or re.search(r"\d\d", paren[1]):
        return None
    after = _ATTACHED_YEAR.match(masked, paren.end())  # "(ISMRM) 2025"
    found = [paren.group(2), paren.group(3)] + [m[m.lastindex or 1] for m in (before, after) if m]
    year = next((_year(digits) for digits in found if _year(digits)), None)
    end = after.end() if after else paren.end()
    return _Mention(paren.group(1).rstrip("-"), start, end, year, False)


def _trim_name(text: str, start: int, after_status: bool) -> tuple[int, str]:
    """Drop a label ("Conference: X" -> "X") and what follows a comma, unless a later
    part has an "and": "Systems, Man, and Cybernetics" is one name, "… Conference,
    Eindhoven" ends at the comma."""
    if ":" in text and (not after_status or text.startswith(("Conference:", "Journal:"))):
        label, text = text.split(":", 1)
        start += len(label) + 1 + len(text) - len(text.lstrip())
        text = text.lstrip()
    parts = text.split(",")
    last = max((i for i, part in enumerate(parts) if re.search(r"\band\b|&", part)), default=0)
    if _KIND_WORDS.search(",".join(parts[1 : last + 1])):
        return start, parts[0]
    return start, ",".join(parts[: last + 1])


def _is_venue_name(words: list[str], after_status: bool, has_year: bool) -> bool:
    name = " ".join(words)
    if not words or name in _NOT_A_VENUE_NAME or _REFERENCE.search(name):
        return False
    if re.search(r"\b(?:Library|Xplore)\b", name):
        return False  # "published to ACM Digital Library"
    if _KIND_WORDS.search(name) and len(words) > 1:
        return True
    if not after_status or words[0] in _PUBLISHERS or {"ARR", "Rolling"} & set(words):
        return False
    return len(words) > 1 or _is_acronym(words[0], 0.0) or has_year


def _is_acronym(word: str, share: float) -> bool:
    """At least two capitals, and at least ``share`` of the letters."""
    letters = [c for c in word if c.isalpha()]
    capitals = sum(c.isupper() for c in letters)
    return word not in _NOT_A_VENUE_NAME and capitals >= 2 and capitals >= share * len(letters)


def _choose(
    masked: str, clauses: list[tuple[int, int]], mentions: list[_Mention]
) -> _Mention | None:
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
    masked: str, clauses: list[tuple[int, int]], mention: _Mention, mentions: list[_Mention]
) -> bool:
    """Is this mention another work's venue? A reference phrase before it in its clause
    counts unless a status phrase after a comma starts anew ("Extended version of our
    CVPR 2024 paper, accepted by TPAMI"); so does a rejection or a template after it."""
    start, end = _clause_of(clauses, mention.start)
    references = list(_REFERENCE.finditer(masked, start, mention.start))
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
    masked: str, clause: tuple[int, int], mention: _Mention, mentions: list[_Mention]
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
    masked: str, clauses: list[tuple[int, int]], references: list[_Mention]
) -> str | None:
    for start, end in clauses:
        clause = masked[start:end]
        if _REFERENCE.search(clause) or _REJECTED.search(clause):
            continue
        if any(start <= m.start < end for m in references):
            continue
        match = _STATUS.search(clause)
        if match:
            return _STATUS_NAMES[match.lastgroup or ""]
    return None


def _nearest(masked: str, mentions: list[_Mention], start: int, end: int) -> _Mention | None:
    """The mention closest to the span ``start:end`` (0 when they overlap)."""

    def distance(mention: _Mention) -> int:
        gap = (end, mention.start) if mention.start >= end else (mention.end, start)
        # "accepted at CVPR animal workshop 2024, submitted to IJCV": a comma separates
        return max(gap[1] - gap[0], 0) + 1000 * masked[gap[0] : gap[1]].count(",")

    return min(mentions, key=distance, default=None)


def _clause_year(
    masked: str, clause: tuple[int, int], chosen: _Mention, mentions: list[_Mention]
) -> int | None:
    """The nearest year in the clause that no other mention is closer to."""
    in_clause = [m for m in mentions if clause[0] <= m.start < clause[1]]
    best: tuple[int, int] | None = None
    for match in _YEAR.finditer(masked, *clause):
        if any(m.start <= match.start() < m.end for m in mentions):
            continue  # a year attached to a mention
        if _nearest(masked, in_clause, *match.span()) is not chosen or _year(match.group()) is None:
            continue
        distance = max(chosen.start - match.end(), match.start() - chosen.end, 0)
        if best is None or distance < best[0]:
            best = (distance, int(match.group()))
    return best[1] if best else None


def _workshop_word(
    masked: str, clause: tuple[int, int], chosen: _Mention, mentions: list[_Mention]
) -> re.Match[str] | None:
    """The first "workshop" in the clause that is nearer this mention than any other."""
    in_clause = [m for m in mentions if clause[0] <= m.start < clause[1]]
    for match in _WORKSHOP.finditer(masked, *clause):
        if _nearest(masked, in_clause, *match.span()) is chosen:
            return match
    return None


# "MisD @ AAAI ICWSM 2025", "MULA 2025) @ IEEE/CVF CVPR": the "@" before the host venue
_AT_HOST = re.compile(r"@\s*(?:the\s+)?(?:[A-Z][\w/]*\s+)?$")
_PAREN_BEFORE = re.compile(r"\(\s*([A-Z][\w&/-]*?)(?:[\s'’-]*(?:19|20)?\d\d)?\s*\)\s*$")
# words that end a workshop name read backwards: "Accepted at | MOSS workshop"
_NAME_STOP = re.compile(
    r"(?:ac+e?pe?t\w*|publish\w*|present\w*|submit+\w*|appear\w*|papers?|camera|ready|"
    r"proceedings|version|short|long|full|at|to|by|as|from|into|a|an|our|this)",
    re.IGNORECASE,
)
_NAME_LINKS = {"of", "on", "for", "and", "in", "&", "the", "with"}
_WORKSHOP_PREFIX = re.compile(
    r"^(?:the\s+)?(?:(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|"
    r"ninth|tenth)(?:\s+|$))?(?:(?:international|joint|annual|IEEE|ACM)\s+)*"
    r"(?:workshops?(?:\s+(?:on|of|for|in)\s+(?:the\s+)?|$))?",
    re.IGNORECASE,
)
_NAME_TAIL = re.compile(r"(?:\s+(?:workshops?|(?:19|20)\d\d|['’]?\d\d))+$", re.IGNORECASE)
_AFTER_WORKSHOP = re.compile(r"\s*(?:(?:19|20)\d\d\s*)?(?::\s*|\s+(?:on|of|for)\s+(?:the\s+)?)")


def _name_before_at(masked: str, clause: tuple[int, int], chosen: _Mention) -> str | None:
    """The workshop named in "X @ VENUE" ("MemFM @ ICML 2026" -> "MemFM"); None when
    what stands before the "@" is no name ("Accepted @ ICC 2025", "under review @ MICCAI")."""
    at = _AT_HOST.search(masked, clause[0], chosen.start)
    if at is None:
        return None
    paren = _PAREN_BEFORE.search(masked, clause[0], at.start())  # "… Workshop (MULA 2025) @"
    if paren and _is_acronym(paren.group(1), 0.0):
        return paren.group(1)
    return _name_before(masked, at.start(), clause[0], [])


def _workshop_name(masked: str, word: re.Match[str], spans: list[tuple[int, int]]) -> str | None:
    """The workshop's own name around the word "workshop": an acronym in parentheses after
    it ("Workshop (CVinW)"), the name before it ("ICML MemFM 2026 Workshop" -> "MemFM"),
    or the name after it ("workshop on … (SyntaGen)" -> "SyntaGen").

    >>> info = parse_venue("BioNLP Workshop, ACL 2026")
    >>> info.venue, info.workshop_name
    ('ACL', 'BioNLP')
    """
    paren = _PAREN_ACRONYM.match(masked, word.end())
    if paren and _is_acronym(paren.group(1), 0.0) and not _overlaps(paren.span(1), spans):
        return paren.group(1)
    before = _name_before(masked, word.start(), max(0, word.start() - 120), spans)
    opening = masked.rfind("(", max(0, word.start() - 40), word.start())
    if before is None and opening >= 0 and ")" not in masked[opening : word.start()]:
        # "FGVC12 (CVPR 2025 Workshop)": the name stands before the parentheses
        before = _name_before(masked, opening, max(0, opening - 120), spans)
    if before is not None:
        return before
    lead = _AFTER_WORKSHOP.match(masked, word.end())
    if lead is None:  # "MICCAI2024 workshop ADSMI"
        token = re.match(r"\s+([A-Z][\w-]*)", masked[word.end() :])
        if token and _is_acronym(token.group(1), 0.4) and not re.search(r"\d\d\d\d", token[1]):
            start = word.end() + token.start(1)
            return None if _overlaps((start, start + len(token[1])), spans) else token.group(1)
        return None
    name = _NAME.match(masked, lead.end())
    if name is None or _overlaps(name.span(), spans):
        return None
    paren = _PAREN_ACRONYM.match(masked, name.end())
    if paren and _is_acronym(paren.group(1), 0.0):
        return paren.group(1)  # "7th Workshop on Open-Source Arabic … (OSACT7)"
    text = _tidy_name(name.group().split(":")[0].split(",")[0])
    # one ordinary word is rarely the whole name ("workshop on Media authenticity …")
    return text if text and (len(text.split()) > 1 or _is_acronym(text, 0.4)) else None


def _name_before(masked: str, end: int, floor: int, spans: list[tuple[int, int]]) -> str | None:
    """The name that ends at ``end``, read backwards over capitalised words, acronyms and
    the small words inside names ("Gender Bias in NLP"), stopping at a venue, a status word
    or punctuation; a leading "5th Workshop on" and a trailing "Workshop" or year are cut."""
    words: list[str] = []
    for token in reversed(list(re.finditer(r"\S+", masked[floor:end]))):
        text = token.group().strip("\"'“”")
        if _overlaps((floor + token.start(), floor + token.end()), spans) or not text:
            break
        if text.endswith(":") and _is_acronym(text[:-1], 0.4):
            return text[:-1]  # "DIG-BUGS: Data in Generative Models Workshop @ ICML"
        if text[-1] in ",;:()[]" or text[0] in "([" or _NAME_STOP.fullmatch(text):
            break
        if not re.search(r"[A-Z0-9]", text) and text.lower() not in _NAME_LINKS:
            break
        words.insert(0, text)
    while words and words[0].lower() in _NAME_LINKS:
        words.pop(0)
    return _tidy_name(" ".join(words))


def _tidy_name(text: str) -> str | None:
    """ "the 5th Workshop on Scholarly Document Processing" -> "Scholarly Document
    Processing", "MemFM 2026 Workshop" -> "MemFM"; None when nothing is left."""
    name = _NAME_TAIL.sub("", text.strip())
    name = _NAME_TAIL.sub("", _WORKSHOP_PREFIX.sub("", name)).strip()
    if not re.search(r"[A-Za-z]", name) or name in _NOT_A_VENUE_NAME:
        return None
    return name


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in spans)


_REF_NAME = re.compile(r"[^\d(,;]*?(?=\s*(?:\d|\(|,|;|:\s*\d|\s--|\bvol\b|$))", re.IGNORECASE)


def _read_journal_ref(ref: str) -> tuple[str | None, int | None]:
    """The journal and year of a journal-ref: ``'Phys. Rev. A 76, 063602 (2007).'`` ->
    ``('Phys. Rev. A', 2007)``; a venue the table knows gets its short name."""
    text = " ".join(ref.split())
    text = re.sub(r"^.*?\b(?:published|appeared) in\s+", "", text, flags=re.IGNORECASE)
    masked = _mask(_mask(text, _URL), _DOI)
    in_parens = re.search(r"\(((?:19|20)\d\d)\)", masked)
    years = [_year(match.group()) for match in _YEAR.finditer(masked)]
    ref_year = (
        _year(in_parens.group(1))
        if in_parens
        else next((year for year in reversed(years) if year), None)
    )
    known = _known_mentions(masked)
    if known:
        return known[0].name, known[0].year or ref_year
    name = _REF_NAME.match(masked)
    journal = name.group().strip(" ,;:-") if name else ""
    if journal.endswith(".") and len(journal.split()[-1]) > 6:
        journal = journal[:-1]  # "Acta Applicandae Mathematicae." is no abbreviation
    return (journal or None), (ref_year if journal else None)
