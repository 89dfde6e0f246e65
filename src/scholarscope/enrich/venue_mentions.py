"""Where a comment or journal-ref names a venue: each mention with its span and year.

Finding the names is kept apart from deciding which one is this paper's venue and what
its status is (``venues.py``): the same finder reads comments and journal-refs, and the
workshop-name reader (``workshop_names.py``) uses its name patterns.

Known names come from ``venue_table.VENUES`` through one regex (``known_mentions``);
names the table lacks are found by ``unknown_mentions``: the name after a status phrase,
a name with "Conference", "Journal" … opening a clause, or an acronym with a year. Those
keep the name as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scholarscope.enrich.venue_table import NOT_VENUES, VENUES


@dataclass(frozen=True)
class Mention:
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
REFERENCE = re.compile(
    r"\b(?:extend(?!ed abstract)\w*|extension|preliminary|previous(?:ly)?|prior|earlier|"
    r"conference version|"
    r"(?:short(?:er|ened)?|mini|condensed|abridged|longer) version|journal version|based on|"
    r"builds? (?:up)?on|follow[- ]?up|companion|"
    r"supersedes|superset|code (?:of|for)|see|thesis|dissertation|degree project|"
    r"course project|capstone)\b",
    re.IGNORECASE,
)
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


def mention_year(digits: str | None) -> int | None:
    """'2024' -> 2024, '24' -> 2024, '98' -> 1998; outside 1980–2030 -> None."""
    if not digits:
        return None
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year <= LAST_YEAR - 2000 else 1900
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def known_mentions(masked: str) -> list[Mention]:
    mentions: list[Mention] = []
    for match in _MENTION.finditer(masked):
        group = next(k for k, v in match.groupdict().items() if v and k.startswith("a"))
        name, guard = _MENTION_NAMES[group]
        start, end = match.span(group)
        if name is None or not _guard_passes(masked, start, end, guard):
            continue
        year = mention_year(match.group("y4") or match.group("y2") or match.group("y2s"))
        paren = None if year else _PAREN_YEAR.match(masked, match.end())
        year = mention_year(paren.group(1)) if paren else year
        if year is None and _defines_abbreviation(masked, start):
            continue  # "small language models in AI for education (AIED)"
        mention = Mention(name, start, match.end(), year, bool(match.group("w")))
        previous = mentions[-1] if mentions else None
        if previous and previous.name == name and not masked[previous.end : start].strip(" (),"):
            # "International Journal of Computer Vision (IJCV)" is one mention
            mention = Mention(
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


def unknown_mentions(masked: str) -> list[Mention]:
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
            year = mention_year(match.group(2) or match.group(3) or match.group(4))
            found.append(Mention(match.group(1), match.start(), match.end(), year, False))
    found.sort(key=lambda mention: (mention.start, -mention.end))
    kept: list[Mention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept


def _named_venue(masked: str, start: int, after_status: bool) -> Mention | None:
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
    return Mention(" ".join(words), start, end, mention_year(digits), False)


def _paren_acronym(masked: str, start: int, name_end: int) -> Mention | None:
    """ "(BHI 2025)", "(IJCV)" after a long name, with a year inside, before or after it."""
    before = _ATTACHED_YEAR.match(masked, name_end)
    paren = _PAREN_ACRONYM.match(masked, before.end() if before else name_end)
    if paren is None or not _is_acronym(paren.group(1), 0.0) or re.search(r"\d\d", paren[1]):
        return None
    after = _ATTACHED_YEAR.match(masked, paren.end())  # "(ISMRM) 2025"
    found = [paren.group(2), paren.group(3)] + [m[m.lastindex or 1] for m in (before, after) if m]
    year = next((mention_year(digits) for digits in found if mention_year(digits)), None)
    end = after.end() if after else paren.end()
    return Mention(paren.group(1).rstrip("-"), start, end, year, False)


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
    if not words or name in _NOT_A_VENUE_NAME or REFERENCE.search(name):
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
