r"""arXiv bulk metadata snapshot: JSON lines in the Kaggle ``arxiv-metadata-oai-snapshot`` schema.

One JSON object per line::

    {"id": "0704.0001", "submitter": "Pavel Nadolsky",
     "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
     "title": "Calculation of prompt diphoton ...\\n  LHC energies",
     "comments": "37 pages, 15 figures; published version",
     "journal-ref": "Phys.Rev.D76:013009,2007", "doi": "10.1103/PhysRevD.76.013009",
     "report-no": "ANL-HEP-PR-07-12", "categories": "hep-ph", "license": null,
     "abstract": "  A fully differential calculation ...",
     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...],
     "update_date": "2008-11-26",
     "authors_parsed": [["Bal\\u00e1zs", "C.", ""], ...]}

What the fields hold, and how they are read:

- ``title`` and ``abstract`` keep arXiv's hard line wraps and indentation; whitespace
  is collapsed to single spaces. LaTeX in them is left alone (it is often maths).
- ``authors`` is one free-text string (commas, " and ", LaTeX accents, affiliations in
  parentheses, numbered affiliations with a legend at the end). ``authors_parsed`` is
  the Kaggle pipeline's split of it, ``[last, first, suffix, affiliation...]``; it is
  used when present. Its known artefact "C. -P." (for "C.-P.") is undone.
- ``categories`` is space separated. Its order is NOT a reliable signal of the primary
  category (arXiv's OAI metadata sorts it, and re-packaged dumps reorder it), so
  ``primary_category`` is set only when a record has exactly one category.
- ``doi`` may hold several DOIs separated by whitespace; each becomes an id.
- ``versions[0].created`` (RFC 2822) is the first submission date; without versions,
  ``update_date`` is the only date there is (in re-packaged dumps it is often the
  announcement date).

Parsing streams: one line in, at most one record out (a ``Work`` or a ``Rejected``,
after a ``Repaired`` for anything mended), so arbitrarily large files run in constant
memory. Lines are decoded by ``json_api.decode_json``: a line nested deeper than
``MAX_JSON_DEPTH`` levels, or with a number too long to read, is rejected like invalid
JSON.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from email.utils import parsedate
from typing import Any

from scholarscope.ingest.json_api import UnreadableJSON, decode_json
from scholarscope.records import Author, Authorship, ParseItem, Rejected, Repaired, Work, make_id

SOURCE = "arxiv_snapshot"
BOM = "\ufeff"

_MONTHS = {
    name: n for n, name in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_DAY = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")
_EXTRA_FIELDS = ("submitter", "report-no", "license", "update_date")
# Keys that mark an OpenAlex or Semantic Scholar object rather than an arXiv record.
_FOREIGN_KEYS = ("paperId", "display_name", "openalex", "authorships", "abstract_inverted_index")

# LaTeX accent macros -> Unicode combining marks. Symbol macros take the next letter
# directly (\'a, \'{a}); letter macros need braces or a space (\c{c}, \v s).
_SYMBOL_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303"}
_SYMBOL_ACCENTS |= {"=": "\u0304", ".": "\u0307"}
_LETTER_ACCENTS = {"c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328"}
_LETTER_ACCENTS |= {"r": "\u030a", "d": "\u0323", "b": "\u0331"}
_ACCENTED = re.compile(
    r"\\([" + re.escape("".join(_SYMBOL_ACCENTS)) + r"])(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|"
    r"(\\[ij]|[A-Za-z]))"
    r"|\\([" + "".join(_LETTER_ACCENTS) + r"])(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))"
)
_LETTERS = {"ss": "ß", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ"}
_LETTERS |= {"o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
_LETTER_MACRO = re.compile(
    r"\\(" + "|".join(sorted(_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])"
)
_OTHER_MACRO = re.compile(r"\\[A-Za-z]+\s*|\\")

# Authors are separated by , ; : or "and" -- or only by a closing parenthesis, as in
# "A. Drago (Ferrara) G. Pagliara (Frankfurt)" (\x00 marks masked parenthesised text).
_SEPARATOR = re.compile(r"\s*(?:[,;:]|\band\b)\s*|(?<=\x00)\s+(?=[^\W\d_])")
_WORD = re.compile(r"[^\W_]")  # a letter or digit
_INITIAL = re.compile(r"(?<=\.)(?=[^\W\d_])")  # "J.P.Hague": a letter right after a dot
_SUFFIX = re.compile(r"(?:Jr|Sr|II|III|IV)\.?")
_ET_AL = re.compile(r"(?:^|\s)et\.?\s*al\.?$")
_NUMBER_REFS = re.compile(r"[\d\s,]+(?:and\s+\d+)?")
_LEGEND_ITEM = re.compile(r"\((\d+)\)")
_SPACED_HYPHEN = re.compile(r"(?<=\.) -(?=\w)")


def looks_like(head: str) -> bool:
    """True when the first non-blank line is an arXiv snapshot record.

    >>> looks_like('{"id": "0704.0001", "authors": "A. B", "abstract": "x"}')
    True
    """
    lines = head.lstrip(BOM).lstrip().split("\n", 1)
    first = lines[0].strip()
    if not first.startswith("{"):
        return False
    try:
        record, _ = decode_json(first)
    except json.JSONDecodeError:
        # The head may cut a very long first line (thousands of authors).
        was_cut = len(lines) == 1
        return was_cut and _starts_like_record(first)
    except UnreadableJSON:
        # A line nested too deep, or with a number too long to read: parse() rejects
        # it and reads on, so judge the file by how the line starts.
        return _starts_like_record(first)
    if not isinstance(record, dict):
        return False
    record_id = record.get("id")
    return (
        isinstance(record_id, str)
        and not record_id.startswith(("http:", "https:"))
        and "abstract" in record
        and ("categories" in record or "authors" in record)
        and not any(key in record for key in _FOREIGN_KEYS)
    )


def _starts_like_record(line: str) -> bool:
    """The Kaggle schema writes "id" first and "authors" before the abstract."""
    return re.match(r'\{\s*"id"\s*:\s*"(?!https?:)', line) is not None and (
        '"authors"' in line or '"categories"' in line
    )


def parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]:
    """Yield one ``Work`` per record line, or a ``Rejected`` naming the line (a
    ``Repaired`` first when something had to be mended).

    >>> line = '{"id": "2503.11731", "title": "T", "abstract": "A", "categories": "cs.CV"}'
    >>> next(parse([line], "f.jsonl")).primary_category
    'cs.CV'
    """
    for number, line in enumerate(lines, start=1):
        if not line or line.isspace():
            continue
        if number == 1:
            line = line.lstrip(BOM)
        try:
            record, notes = decode_json(line)
        except json.JSONDecodeError as error:
            reason = f"invalid JSON: {error.msg} (column {error.colno})"
            yield Rejected(origin, reason, line=number)
            continue
        except UnreadableJSON as error:
            yield Rejected(origin, error.reason, line=number)
            continue
        for note in notes:
            yield Repaired(origin, note, line=number)
        if not isinstance(record, dict):
            kind = type(record).__name__
            yield Rejected(origin, f"expected a JSON object, found a {kind}", line=number)
            continue
        yield from _parse_record(record, origin, number)


def _parse_record(record: dict[str, Any], origin: str, number: int) -> Iterator[ParseItem]:
    """The record's ``Work``, after a ``Repaired`` for each DOI that is not one; or a
    ``Rejected`` when it has no usable arXiv id."""
    title = _clean(record.get("title"))
    named = f" (title {title!r})" if title else ""
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id.strip():
        problem = "has no arXiv id" if not record_id else f"has a non-text id {record_id!r}"
        yield Rejected(origin, f"record {problem}{named}", line=number)
        return
    try:
        ids = [make_id("arxiv", record_id)]
    except ValueError:  # nothing left once the prefix and version are taken off ("v2")
        yield Rejected(origin, f"record id {record_id!r} is not an arXiv id{named}", line=number)
        return
    doi_field = record.get("doi")
    for doi in doi_field.split() if isinstance(doi_field, str) else []:
        try:
            ids.append(make_id("doi", doi))
        except ValueError:  # "doi:" or "https://doi.org/" with nothing after it
            reason = f"DOI {doi!r} is empty once its prefix is taken off; left out"
            yield Repaired(origin, reason, line=number)
    categories_field = record.get("categories")
    categories = tuple(categories_field.split()) if isinstance(categories_field, str) else ()
    date_text, date = _first_date(record)
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors, et_al = _authors_from_parsed(parsed), None
        if isinstance(record.get("authors"), str) and _ET_AL.search(record["authors"].rstrip()):
            et_al = True
    else:
        authors, et_al = _authors_from_text(record.get("authors"))
    extra = tuple(
        (key, value) for key in _EXTRA_FIELDS if isinstance(value := record.get(key), str)
    )
    yield Work(
        ids=tuple(ids),
        source=SOURCE,
        origin=origin,
        title=title,
        abstract=_clean(record.get("abstract")),
        date=date,
        date_text=date_text,
        year=int(date[:4]) if date else None,
        categories=categories,
        primary_category=categories[0] if len(categories) == 1 else None,
        authors=authors,
        et_al=et_al,
        comments=_verbatim(record.get("comments")),
        journal_ref=_verbatim(record.get("journal-ref")),
        extra=extra,
    )


def _clean(value: object) -> str | None:
    """Whitespace-collapsed text, or None for a missing or blank value."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _verbatim(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _first_date(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(date as printed, ISO date)`` of the first version, else of ``update_date``."""
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
        if isinstance(created, str):
            iso = _rfc2822_day(created)
            if iso:
                return created, iso
    update_date = record.get("update_date")
    if isinstance(update_date, str):
        return update_date, update_date if _ISO_DATE.match(update_date) else None
    return None, None


def _rfc2822_day(text: str) -> str | None:
    """``'Mon, 2 Apr 2007 19:18:42 GMT'`` -> ``'2007-04-02'`` (the day as written, UTC)."""
    parts = text.split()
    if (
        len(parts) >= 4
        and parts[2] in _MONTHS
        and _DAY.fullmatch(parts[1])
        and _YEAR.fullmatch(parts[3])
    ):
        return f"{parts[3]}-{_MONTHS[parts[2]]:02d}-{int(parts[1]):02d}"
    parsed = parsedate(text)
    if parsed is None:
        return None
    return f"{parsed[0]:04d}-{parsed[1]:02d}-{parsed[2]:02d}"


def _authors_from_parsed(parsed: list[Any]) -> tuple[Authorship, ...]:
    """``[last, first, suffix, affiliation...]`` entries -> authorships in order."""
    authors: list[Authorship] = []
    for entry in parsed:
        if not isinstance(entry, list) or not entry:
            continue
        parts = [_latex_to_unicode(part) if isinstance(part, str) else "" for part in entry]
        last, first, suffix = (parts + ["", ""])[:3]
        first = _SPACED_HYPHEN.sub("-", first)
        name = " ".join(" ".join((first, last, suffix)).split())
        if not _has_word(name):
            continue  # stray ";" or "-" the Kaggle split made into an "author"
        affiliations = [" ".join(part.split()) for part in parts[3:] if part.strip()]
        authors.append(
            Authorship(
                Author(name), position=len(authors) + 1, affiliation="; ".join(affiliations) or None
            )
        )
    return tuple(authors)


def _parse_authors(text: str) -> tuple[list[tuple[str, str | None]], bool]:
    r"""Split an arXiv ``authors`` string into ``(name, affiliation)`` pairs, and say
    whether it ended in "et al".

    arXiv's conventions: ``A (X), B`` gives A the affiliation X; ``A, B (X)`` gives it
    to both (a trailing affiliation covers the run of authors before it that have
    none); ``A (1), B (1,2) ((1) X, (2) Y)`` numbers affiliations and ends with a legend.

    >>> _parse_authors(r"C. Bal\'azs, A. Smith (MIT) and E. L. Berger, et al")
    ([('C. Balázs', 'MIT'), ('A. Smith', 'MIT'), ('E. L. Berger', None)], True)
    """
    if "\\" in text or "{" in text:
        text = _latex_to_unicode(text)
    text = " ".join(text.split())
    if "." in text:
        text = _INITIAL.sub(" ", text)  # "J.P.Hague" -> "J. P. Hague", as arXiv prints it
    if "(" not in text:  # most strings: no affiliations, so a plain split will do
        return _plain_names(text)
    # Separators inside parentheses belong to affiliations: find them on a copy where
    # parenthesised text is blanked out, then cut the real string at the same places.
    masked = _mask_parentheses(text)
    pieces: list[str] = []
    start = 0
    for match in _SEPARATOR.finditer(masked):
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])

    et_al = False
    names: list[str] = []
    affiliations: list[list[str]] = []
    refs: list[list[str]] = []  # numbers pointing into the legend
    legend: dict[str, str] = {}
    for piece in pieces:
        name, groups = _split_parentheses(piece) if "(" in piece else (piece, [])
        name = name.strip(" -;")  # "S. Sigurdsson (8) - (1 Bologna; ...)"
        if _ET_AL.search(name):
            et_al = True
            name = _ET_AL.sub("", name).strip()
        own: list[str] = []
        numbers: list[str] = []
        for group in groups:
            if _LEGEND_ITEM.match(group):  # "(1) CERN, (2) MIT"
                items = _LEGEND_ITEM.split(group)[1:]
                for number, label in zip(items[0::2], items[1::2], strict=False):
                    legend[number] = label.strip(" ,;")
            elif _NUMBER_REFS.fullmatch(group):
                numbers.extend(re.findall(r"\d+", group))
            elif group:
                own.append(group)
        if own:  # covers the authors just before this one that have no affiliation
            for index in range(len(names) - 1, -1, -1):
                if affiliations[index] or refs[index]:
                    break
                affiliations[index] = own
        if names and _SUFFIX.fullmatch(name):  # "Robert W. Heath, Jr."
            names[-1] = f"{names[-1]} {name}"
        elif _has_word(name):
            names.append(name)
            affiliations.append(own)
            refs.append(numbers)
    pairs = []
    for name, own, numbers in zip(names, affiliations, refs, strict=True):
        labels = own + [legend[number] for number in numbers if legend.get(number)]
        pairs.append((name, "; ".join(labels) or None))
    return pairs, et_al


def _plain_names(text: str) -> tuple[list[tuple[str, str | None]], bool]:
    """``_parse_authors`` for a string without parentheses."""
    et_al = False
    names: list[str] = []
    for name in _SEPARATOR.split(text):
        if "al" in name and _ET_AL.search(name):
            et_al = True
            name = _ET_AL.sub("", name).strip()
        if names and _SUFFIX.fullmatch(name):
            names[-1] = f"{names[-1]} {name}"
        elif _WORD.search(name):
            names.append(name)
    return [(name, None) for name in names], et_al


def _authors_from_text(value: object) -> tuple[tuple[Authorship, ...], bool | None]:
    if not isinstance(value, str):
        return (), None
    pairs, et_al = _parse_authors(value)
    authors = tuple(
        Authorship(Author(name), position=position, affiliation=affiliation)
        for position, (name, affiliation) in enumerate(pairs, start=1)
    )
    return authors, True if et_al else None


def _mask_parentheses(text: str) -> str:
    """The text with everything inside (possibly nested) parentheses, and the
    parentheses, replaced by NUL characters."""
    depth = 0
    out = []
    for char in text:
        if char == "(":
            depth += 1
        out.append("\x00" if depth else char)
        if char == ")" and depth:
            depth -= 1
    return "".join(out)


def _split_parentheses(piece: str) -> tuple[str, list[str]]:
    """``'A. Smith (MIT) (2)'`` -> ``('A. Smith', ['MIT', '2'])`` (top-level groups)."""
    depth = 0
    outside: list[str] = []
    groups: list[str] = []
    current: list[str] = []
    for char in piece:
        if char == "(":
            if depth:
                current.append(char)
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth:
                current.append(char)
            else:
                groups.append("".join(current).strip())
                current = []
        elif depth:
            current.append(char)
        else:
            outside.append(char)
    if current:  # an unclosed parenthesis: keep its text as an affiliation
        groups.append("".join(current).strip())
    return " ".join("".join(outside).split()), groups


def _latex_to_unicode(text: str) -> str:
    r"""Turn common LaTeX accent and letter macros into Unicode and drop braces.

    >>> _latex_to_unicode(r'Bal\'azs, G\"{o}del, Fran\c{c}ois, {\L}ukasz')
    'Balázs, Gödel, François, Łukasz'
    """
    if "\\" not in text and "{" not in text:
        return text
    text = _ACCENTED.sub(_accent, text)
    text = _LETTER_MACRO.sub(lambda match: _LETTERS[match.group(1)], text)
    text = _OTHER_MACRO.sub("", text)  # \\ line breaks, stray backslashes, unknown macros
    return text.replace("{", "").replace("}", "")


def _accent(match: re.Match[str]) -> str:
    symbol, braced, bare, letter_macro, letter_braced, letter_bare = match.groups()
    if symbol:
        mark, base = _SYMBOL_ACCENTS[symbol], braced or bare
    else:
        mark, base = _LETTER_ACCENTS[letter_macro], letter_braced or letter_bare
    if base.startswith("\\"):  # \'{\i}: the dotless i takes the accent as a plain i
        base = base[1]
    return unicodedata.normalize("NFC", base + mark)


def _has_word(text: str) -> bool:
    return _WORD.search(text) is not None
