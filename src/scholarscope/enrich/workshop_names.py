"""A workshop's own name beside its host venue: "MemFM @ ICML 2026" -> "MemFM".

``venues.py`` decides that a paper is at a workshop of a venue (``workshop``); what the
workshop is called (``workshop_name``) is read here from the words around "workshop" or
before an "@": an acronym in parentheses after "workshop" ("Workshop (CVinW)"), else the
name before it ("ICML MemFM 2026 Workshop", "BioNLP Workshop, ACL 2026", "FGVC12 (CVPR
2025 Workshop)"), else the name after "workshop on" with its acronym if given
("… (OSACT7)"); ordinals, years and the word "Workshop" are cut.
"""

from __future__ import annotations

import re

from scholarscope.enrich.venue_mentions import (
    _NAME,
    _NOT_A_VENUE_NAME,
    _PAREN_ACRONYM,
    Mention,
    _is_acronym,
)

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


def name_before_at(masked: str, clause: tuple[int, int], chosen: Mention) -> str | None:
    """The workshop named in "X @ VENUE" ("MemFM @ ICML 2026" -> "MemFM"); None when
    what stands before the "@" is no name ("Accepted @ ICC 2025", "under review @ MICCAI")."""
    at = _AT_HOST.search(masked, clause[0], chosen.start)
    if at is None:
        return None
    paren = _PAREN_BEFORE.search(masked, clause[0], at.start())  # "… Workshop (MULA 2025) @"
    if paren and _is_acronym(paren.group(1), 0.0):
        return paren.group(1)
    return _name_before(masked, at.start(), clause[0], [])


def name_of_workshop(masked: str, word: re.Match[str], spans: list[tuple[int, int]]) -> str | None:
    """The workshop's own name around the word "workshop": an acronym in parentheses after
    it ("Workshop (CVinW)"), the name before it ("ICML MemFM 2026 Workshop" -> "MemFM"),
    or the name after it ("workshop on … (SyntaGen)" -> "SyntaGen").

    >>> from scholarscope.enrich.venues import parse_venue
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
