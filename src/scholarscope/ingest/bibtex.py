r"""BibTeX files as Zotero, Google Scholar, DBLP, arXiv and publishers export them.

The shapes met in practice, all read the same way:

- Zotero: tab-indented, every capitalised word braced (``{Radiation}``), UTF-8 names,
  ``month = apr``, ``url``, ``urldate``, ``doi``, ``abstract``, ``keywords``; an arXiv
  preprint is a ``@misc`` with the DOI ``10.48550/arXiv.2205.14826`` and
  ``note = {arXiv:2205.14826 [cs]}``.
- Google Scholar: ``title={Selective-supervised contrastive learning …}`` lower-cased,
  ``booktitle``, ``pages={316--325}``, ``year`` and no id at all; an arXiv preprint is an
  ``@article`` with ``journal={arXiv preprint arXiv:2409.19252}``.
- Publishers: ACM's ``doi``, ``publisher``, ``address``, ``numpages``, ``series = {MM
  '24}``; ScienceDirect's ``doi = {https://doi.org/10.1016/…}`` and LaTeX accents
  (``donn{\'e}es``); IEEE's ``keywords={a;b}``. arXiv's and DBLP's: ``eprint`` with
  ``archivePrefix``/``eprinttype``, ``primaryClass``, a ``DBLP:`` key.

Each entry becomes one ``Work`` (``source`` "bibtex", ``origin`` "file:line" of its
``@``): title and abstract with LaTeX accents and escaped characters made the characters
they print and the braces that protect capitals dropped, formulas (``$…$``) and other
commands (``\emph{…}``) kept as written, as the other sources give them and the pages
render them; authors in "First von Last" order ("Last, First" turned round, a braced
``{Organisation Name}`` kept whole, "and others" is ``et_al``); the date from
``date`` or ``year`` and ``month`` (``mar``, ``March``, ``3``); the venue from
``journal`` or ``booktitle`` (none for an arXiv preprint: the server is no venue);
ids from ``doi`` (else a doi.org URL), ``eprint``, "arXiv:ID" in ``journal`` or
``note``, an arxiv.org URL, the arXiv DataCite DOI, ``pmid`` and a ``DBLP:`` key;
``primaryClass`` as the stated category; type, key, volume, pages, publisher, keywords
… in ``extra``. ``@string`` macros (with ``#`` concatenation), comments and
``crossref`` (the fields a paper takes from its proceedings; a proceedings entry that is
only a crossref target is no work) are resolved.

An entry whose braces or quotes do not close, or that is otherwise malformed, is a
``Rejected`` naming its line and what is wrong, and so is an entry with no title; the
other entries load. BibTeX has no id of its own (a key like ``smith2020`` is one
exporter's label, naming different papers in different files): an entry with no DOI,
arXiv or PubMed id is keyed by its title and year, ``title:<folded title>|<year>``, the
key ``pipeline.ingest`` matches titles by (a text key, not an id: it never clashes with
another record's ids), so it still merges with the same paper from any source. Without
a year, or with a title of under 20 letters, it is rejected.

The file is split into entries by bibtexparser 2 (pinned in pyproject.toml). Its 1.4
API was measured and not used: it reads a malformed entry as a comment, silently, where
2.x reports the entry's line and what is wrong; and it took 14.4 s for 5,000
Zotero-shaped entries (10 MB) where 2.x takes 0.7 s (this module, 2.2 s in all).
Values are interpolated and decoded here: 2.x leaves ``#`` concatenation and month
macros alone, and its LaTeX decoder (pylatexenc) drops the commands it does not know
(``\textbraceleft``, a paper's own macros) at 0.6 ms a title. The whole file is read
before the first entry is yielded (crossref targets follow the entries that name them).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser.exceptions import ParsingException
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String

from scholarscope.ingest.json_api import add_id
from scholarscope.records import (
    Author,
    Authorship,
    ParseItem,
    Rejected,
    Repaired,
    Work,
    calendar_date,
    fold_text,
)
from scholarscope.tex_commands import ACCENTS, TEXT_SYMBOLS

SOURCE = "bibtex"

# bibtexparser logs each malformed entry as a warning on stderr; parse() reports it as
# a Rejected, so the log line would only repeat it (an application that configures
# logging still receives it).
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

# The first thing in the file that is not blank or a "%" comment line: an entry
# (``@article{key,``), a macro, a comment or a preamble.
_FIRST_BLOCK = re.compile(
    r"@[ \t]*(?:(?:string|comment|preamble)[ \t]*[{(]"
    r"|[A-Za-z]+[ \t]*[{(][ \t]*(?:[^\s,{}()=\"#%~\\]+[ \t]*,|$))",
    re.IGNORECASE,
)
_ENTRY_KEY = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^\s,{}()=\"#%~\\]+)")

# Fields a paper takes from the entry its ``crossref`` names, when it lacks them. Ids,
# titles and abstracts are the paper's own: a proceedings' DOI given to each of its
# papers would merge them all into one work.
_INHERITED = (
    "booktitle", "journal", "year", "month", "date", "publisher", "address", "series",
    "volume", "number", "editor", "organization", "isbn", "issn",
)  # fmt: skip
# Kept verbatim (decoded) in ``Work.extra``, in this order, after type and key.
_EXTRA_FIELDS = (
    "volume", "number", "pages", "numpages", "publisher", "address", "series", "edition",
    "school", "institution", "organization", "isbn", "issn", "url", "note",
)  # fmt: skip
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = re.compile(r"([A-Za-z]+|\d{1,2})\.?(?:[\s~]+(\d{1,2}))?")
_YEAR = re.compile(r"\d{4}")
_ISO_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_DOI = re.compile(r"10\.\d{4,9}/\S+")  # SICI DOIs hold ";" and "#"
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)", re.IGNORECASE)
_ARXIV_NUMBER = r"(\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v\d+)?"
_ARXIV_ID = re.compile(_ARXIV_NUMBER, re.IGNORECASE)
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|\barxiv:\s*)" + _ARXIV_NUMBER, re.IGNORECASE
)
_ARXIV_CATEGORY = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?")
_MACRO_NAME = re.compile(r"[A-Za-z_][^\s\"#%'(),={}]*")
_PMID = re.compile(r"\d{1,9}")
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")
_URL_COMMAND = re.compile(r"\\url\s*\{([^{}]*)\}")
_ESCAPED = re.compile(r"\\([_%#&$~])")

# In field text: a formula (kept as written; as long as mathtext.py reads one), an accent
# over a letter, a command, a control symbol, a brace, a tie, a dash, TeX's quotes.
_TOKEN = re.compile(
    r"(?P<math>\$\$[^$]{1,2000}\$\$|\$(?:[^$\\]|\\.){1,400}\$|\\\(.{1,400}?\\\))"
    r"|\\(?P<mark>['`^\"~=.])\s*(?:\{\s*(?P<braced>\\[ij]|[A-Za-z])\s*\}"
    r"|(?P<bare>\\[ij](?![A-Za-z])|[A-Za-z]))"
    r"|\\(?P<letter_mark>[cvuHkrdb])(?:\s*\{\s*(?P<letter_braced>\\[ij]|[A-Za-z])\s*\}"
    r"|\s+(?P<letter_bare>[A-Za-z]))"
    r"|\\(?P<word>[A-Za-z]+)(?P<space>\s*)"
    r"|\\(?P<symbol>.?)"
    r"|(?P<open>\{)|(?P<close>\})|(?P<tie>~)|(?P<dash>---?)|(?P<quote>``|'')",
    re.DOTALL,
)
_SPECIAL = re.compile(r"[\\{}$~]|--|``|''")
# What a control symbol prints: \& is "&"; \\ (a line break) and \, (a thin space) are
# spaces; \- (a hyphenation point) and \/ (an italic correction) are nothing.
_SYMBOLS = {"\\": " ", " ": " ", ",": " ", ";": " ", ":": " ", "!": "", "-": "", "/": "", "@": ""}
# Commands BibTeX files use for characters TeX reserves (our own export writes them).
_CHARACTERS = {
    "textbackslash": "\\", "textbraceleft": "{", "textbraceright": "}",
    "textasciitilde": "~", "textunderscore": "_", "textdollar": "$", "textpercent": "%",
    "textampersand": "&", "textquotedbl": '"', "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
}  # fmt: skip


def looks_like(head: str) -> bool:
    """True when the first thing in the text (after blank and ``%`` comment lines) is a
    BibTeX entry, ``@string``, ``@comment`` or ``@preamble``.

    >>> looks_like("% exported\\n\\n@inproceedings{li2022selective,\\n  title={Sel-CL},")
    True
    >>> looks_like('{"id": "https://openalex.org/W1"}')
    False
    """
    for line in head.lstrip("\ufeff").splitlines():
        text = line.strip()
        if text and not text.startswith("%"):
            return _FIRST_BLOCK.match(text) is not None
    return False


def parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]:
    """Yield a ``Work`` per entry, in file order, with a ``Rejected`` for each entry
    that cannot be read and a ``Repaired`` for each one mended.

    >>> bib = ["@string{nips = {Advances in Neural Information Processing Systems}}",
    ...        "@article{vaswani2017attention, title={Attention is all you need},",
    ...        "  author={Vaswani, Ashish and Kaiser, {\\\\L}ukasz and others},",
    ...        "  journal=nips, doi={10.48550/arXiv.1706.03762}, month=jun, year={2017}}"]
    >>> work = next(parse(bib, "refs.bib"))
    >>> work.ids, work.origin, work.date, work.venue
    (('doi:10.48550/arxiv.1706.03762', 'arxiv:1706.03762'), 'refs.bib:2', '2017-06', \
'Advances in Neural Information Processing Systems')
    >>> [a.author.name for a in work.authors], work.et_al
    (['Ashish Vaswani', 'Łukasz Kaiser'], True)
    """
    text = "\n".join(lines).lstrip("\ufeff")
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except ParsingException as error:  # the library's own state check: not the file's fault
        yield Rejected(origin, f"the BibTeX parser stopped on this file: {error}")
        return
    macros: dict[str, str] = {}
    entries: list[Entry] = []
    failed: list[ParsingFailedBlock] = []
    for block in library.blocks:
        if isinstance(block, String):
            macros[block.key.lower()] = block.value  # BibTeX: later definitions win
        elif isinstance(block, DuplicateBlockKeyBlock):
            # a key used twice is the exporter's slip, not the paper's: both entries load
            if isinstance(block.ignore_error_block, Entry):
                entries.append(block.ignore_error_block)
        elif isinstance(block, ParsingFailedBlock):
            failed.append(block)
        elif isinstance(block, Entry):
            entries.append(block)
    by_key: dict[str, Entry] = {}
    for entry in entries:
        by_key.setdefault(entry.key.lower(), entry)
    targets = {_raw(entry, "crossref").strip('{}" ').lower() for entry in entries} - {""}
    items: list[tuple[int, list[ParseItem]]] = []
    for block in failed:
        items.append((_line(block), [_failed(block, origin)]))
    for entry in entries:
        if entry.entry_type.lower() == "proceedings" and entry.key.lower() in targets:
            continue  # the volume its papers name, not a paper
        reader = _EntryReader(entry, origin, macros, by_key)
        items.append((_line(entry), reader.items()))
    for _, group in sorted(items, key=lambda item: item[0]):
        yield from group


def _line(block: Entry | ParsingFailedBlock) -> int:
    """The 1-based line of the block's ``@`` (the library counts from 0)."""
    return (block.start_line or 0) + 1


def _failed(block: ParsingFailedBlock, origin: str) -> Rejected:
    error = block.error
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    key = _ENTRY_KEY.match(block.raw or "")
    return Rejected(
        origin,
        "malformed entry, not loaded: " + " ".join(reason.split()),
        line=_line(block),
        record=key.group(1) if key else None,
    )


def _raw(entry: Entry, name: str) -> str:
    """A field's value as written, braces or quotes included ("" when absent)."""
    return next((str(f.value) for f in entry.fields if f.key.lower() == name), "")


@dataclass
class _EntryReader:
    """One entry, read into a ``Work`` (or a ``Rejected``), with its repairs."""

    entry: Entry
    origin: str
    macros: dict[str, str]
    by_key: dict[str, Entry]
    notes: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        return _line(self.entry)

    def items(self) -> list[ParseItem]:
        values = self._values()
        kind = self.entry.entry_type.lower()
        key = self.entry.key
        title = tex_text(values.get("title"))
        if not title:
            return [Rejected(self.origin, "entry has no title", line=self.line, record=key)]
        date, date_text, year = self._date(values)
        ids = self._ids(values)
        if not ids:
            match_key = _title_key(title, year)
            if match_key is None:
                reason = (
                    "no DOI, arXiv or PubMed id, and "
                    + ("no year" if year is None else "a title too short")
                    + " to tell this paper from another of the same title"
                )
                return [Rejected(self.origin, reason, line=self.line, record=key)]
            ids = [match_key]
        authors, et_al = _authors(values.get("author", ""))
        category = values.get("primaryclass", "").strip()
        category = category if _ARXIV_CATEGORY.fullmatch(category) else ""
        work = Work(
            ids=tuple(ids),
            source=SOURCE,
            origin=f"{self.origin}:{self.line}",
            title=title,
            abstract=tex_text(values.get("abstract")),
            date=date,
            date_text=date_text,
            year=year,
            categories=(category,) if category else (),
            primary_category=category or None,
            authors=authors,
            et_al=et_al,
            venue=_venue(values),
            extra=self._extra(kind, key, values),
        )
        repairs: list[ParseItem] = [
            Repaired(self.origin, f"entry {key}: {note}", line=self.line) for note in self.notes
        ]
        return [*repairs, work]

    def _values(self) -> dict[str, str]:
        """Every field, macros interpolated, lower-case names; crossref fields added."""
        values = {f.key.lower(): self._interpolate(str(f.value)) for f in self.entry.fields}
        target = values.get("crossref", "").strip()
        if target:
            parent = self.by_key.get(target.lower())
            if parent is None:
                self.notes.append(f"crossref {target!r} names no entry in this file")
            else:
                inherited = {f.key.lower(): f for f in parent.fields}
                if "booktitle" not in values and "title" in inherited:
                    values["booktitle"] = self._interpolate(str(inherited["title"].value))
                for name in _INHERITED:
                    if name not in values and name in inherited:
                        values[name] = self._interpolate(str(inherited[name].value))
        return values

    def _interpolate(self, raw: str, depth: int = 0) -> str:
        """A raw value as text: ``{…}`` and ``"…"`` pieces and numbers as they are,
        macro names replaced by their ``@string`` text, joined where ``#`` joins them.
        An undefined macro keeps its name (month macros are read by ``_date``)."""
        parts: list[str] = []
        for piece in _concatenated(raw):
            if piece[:1] in '{"' and piece[-1:] in '}"' and len(piece) >= 2:
                parts.append(piece[1:-1])
            elif not _MACRO_NAME.fullmatch(piece):
                parts.append(piece)  # a number, or text no macro name looks like
            elif piece.lower() not in self.macros:
                if piece.lower() not in _MONTHS:
                    self.notes.append(f"string macro {piece!r} is not defined; kept as its name")
                parts.append(piece)
            elif depth >= 20:
                self.notes.append(f"string macro {piece!r} refers to itself; kept as its name")
                parts.append(piece)
            else:
                parts.append(self._interpolate(self.macros[piece.lower()], depth + 1))
        return "".join(parts)

    def _date(self, values: dict[str, str]) -> tuple[str | None, str | None, int | None]:
        """(ISO date, the date as written, year) from ``date``, else ``year`` and
        ``month`` (a day may follow the month: ``mar # "~8"``)."""
        written = values.get("date", "").strip()
        start = written.split("/")[0].strip()  # biblatex ranges: 2022-03-08/2022-03-10
        if _ISO_DATE.fullmatch(start):
            return start, written, int(start[:4])
        if written:
            self.notes.append(f"date {written!r} is not an ISO date; left out")
        year_text = " ".join(values.get("year", "").split())
        month_text = " ".join(values.get("month", "").split())
        date_text = " ".join(part for part in (month_text, year_text) if part) or None
        if not year_text:
            return None, date_text, None
        if not _YEAR.fullmatch(year_text):
            self.notes.append(f"year {year_text!r} is not a year; stored without a date")
            return None, date_text, None
        month = _MONTH.fullmatch(month_text) if month_text else None
        number = _month_number(month.group(1)) if month else None
        if month_text and number is None:
            self.notes.append(f"month {month_text!r} is not a month; stored with the year only")
            return year_text, date_text, int(year_text)
        if month is None or number is None:
            return year_text, date_text, int(year_text)
        day = f"-{int(month.group(2)):02d}" if month.group(2) else ""
        date = f"{year_text}-{number:02d}{day}"
        if calendar_date(date) is None:  # checked here, where the entry's line is known
            self.notes.append(f"{date_text!r} is no calendar day; stored with the year only")
            return year_text, date_text, int(year_text)
        return date, date_text, int(year_text)

    def _ids(self, values: dict[str, str]) -> list[str]:
        """DOIs, then arXiv, PubMed and DBLP ids, each once."""
        ids: list[str] = []
        doi_field = _plain_value(values.get("doi", ""))
        for token in doi_field.split():
            found = _DOI.search(token)
            if found:
                add_id(ids, "doi", found.group(0).rstrip("."))
            else:
                self.notes.append(f"DOI {token!r} is not a DOI; left out")
        url = _plain_value(values.get("url", ""))
        if not doi_field and (doi_url := _DOI_URL.search(url)):
            add_id(ids, "doi", doi_url.group(1))
        eprint = _plain_value(values.get("eprint", "") or values.get("arxivid", ""))
        prefix = (values.get("archiveprefix") or values.get("eprinttype") or "").strip().lower()
        if eprint and prefix in ("", "arxiv") and (number := _ARXIV_ID.fullmatch(eprint)):
            if prefix or "." in number.group(1):  # an old-style id needs its prefix named
                add_id(ids, "arxiv", number.group(1))
        for name in ("doi", "url", "journal", "note", "howpublished", "eprint", "arxiv"):
            for found in _ARXIV_IN_TEXT.finditer(_plain_value(values.get(name, ""))):
                add_id(ids, "arxiv", found.group(1))
        pmid = values.get("pmid", "").strip()
        if _PMID.fullmatch(pmid):
            add_id(ids, "pmid", pmid)
        if self.entry.key.startswith("DBLP:"):
            add_id(ids, "dblp", self.entry.key[5:])
        return ids

    def _extra(self, kind: str, key: str, values: dict[str, str]) -> tuple[tuple[str, str], ...]:
        extra = [("type", kind), ("bibtex_key", key)]
        for name in _EXTRA_FIELDS:
            value = (
                _plain_value(values.get(name, "")) if name == "url" else _plain(values.get(name))
            )
            if value:
                extra.append((name, value))
        keywords = _plain(values.get("keywords") or values.get("keyword"))
        for keyword in _LIST_SEPARATOR.split(keywords or ""):
            if keyword:
                extra.append(("keyword", keyword))
        return tuple(extra)


def _concatenated(raw: str) -> list[str]:
    """The pieces of ``a # "b" # {c}``, split at the ``#`` outside braces and quotes."""
    pieces: list[str] = []
    depth, quoted, start = 0, False, 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            pieces.append(raw[start:index].strip())
            start = index + 1
    pieces.append(raw[start:].strip())
    return pieces


def _month_number(text: str) -> int | None:
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return _MONTHS.get(text.lower())


def _title_key(title: str, year: int | None) -> str | None:
    """The key ``pipeline.ingest`` matches titles by (``prepared_record.title_key``:
    folded title and year, 20 folded characters at least), or None."""
    folded = fold_text(title)
    if year is None or len(folded) < 20:
        return None
    return f"title:{folded}|{year}"


def _authors(raw: str) -> tuple[tuple[Authorship, ...], bool | None]:
    """Authors in the entry's order; "and others" (or "and et al.") is the et-al. mark."""
    authorships: list[Authorship] = []
    et_al = None
    if not raw.strip():
        return (), None
    for written in split_multiple_persons_names(raw):
        if fold_text(written) in ("others", "et al"):
            et_al = True
            continue
        parts = parse_single_name_into_parts(written, strict=False)
        name = _plain(parts.merge_first_name_first) or _plain(written)
        if name:
            authorships.append(Authorship(Author(name), position=len(authorships) + 1))
    return tuple(authorships), et_al


def _venue(values: dict[str, str]) -> str | None:
    """``journal`` (biblatex ``journaltitle``), else ``booktitle``; an arXiv preprint's
    "journal" (Google Scholar's "arXiv preprint arXiv:…", DBLP's "CoRR") is no venue."""
    for name in ("journal", "journaltitle", "booktitle"):
        venue = _plain(values.get(name))
        if venue:
            folded = fold_text(venue)
            return None if folded.startswith("arxiv") or folded == "corr" else venue
    return None


def _plain_value(raw: str) -> str:
    """An id or a URL as written, without ``\\url{}``, braces and escapes."""
    text = _URL_COMMAND.sub(r"\1", raw)
    return _ESCAPED.sub(r"\1", text).replace("{", "").replace("}", "").strip()


def _plain(raw: str | None) -> str | None:
    """A name or a short field as plain text: ``tex_text`` without any command left."""
    text = tex_text(raw, keep_commands=False)
    return text or None


def tex_text(raw: str | None, keep_commands: bool = True) -> str | None:
    r"""A BibTeX field's text: accents and escaped characters made the characters they
    print, braces that only group (BibTeX's protection of capitals) dropped, ties and
    dashes as spaces and dashes, whitespace collapsed. Formulas are kept as written, and
    so are other commands with their arguments (``\emph{…}``), unless ``keep_commands``
    is false (names), when they are dropped and their arguments kept.

    >>> tex_text(r'{BERT}: M{\"u}ller and Schr\"odinger on {$\mathcal{O}(n^2)$} \emph{bounds}')
    'BERT: Müller and Schrödinger on $\\mathcal{O}(n^2)$ \\emph{bounds}'
    >>> tex_text(r"{\L}ukasz Kaiser, Fran\c{c}ois \& {\'E}cole -- 10\%")
    'Łukasz Kaiser, François & École – 10%'
    """
    if raw is None:
        return None
    if not _SPECIAL.search(raw):
        return " ".join(raw.split()) or None
    out: list[str] = []
    kept: list[bool] = []  # for each open brace: is it a kept command's argument?
    argument_next = False  # the next "{" opens an argument of a kept command
    position = 0
    for token in _TOKEN.finditer(raw):
        if token.start() > position:
            out.append(raw[position : token.start()])
            argument_next = False
        position = token.end()
        kind = token.lastgroup
        if kind == "open":
            kept.append(argument_next)
            out.append("{" if argument_next else "")
            argument_next = False
            continue
        if kind == "close":
            was_kept = kept.pop() if kept else False
            out.append("}" if was_kept else "")
            argument_next = was_kept
            continue
        argument_next = False
        if kind == "math":
            out.append(token.group("math"))
        elif token.group("mark") or token.group("letter_mark"):
            mark = token.group("mark") or token.group("letter_mark")
            base = next(
                b for b in token.group("braced", "bare", "letter_braced", "letter_bare") if b
            )
            base = base[-1] if base.startswith("\\") else base  # \'{\i}: an accented i
            out.append(unicodedata.normalize("NFC", base + ACCENTS[mark]))
        elif token.group("word") is not None:
            word = token.group("word")
            character = _CHARACTERS.get(word, TEXT_SYMBOLS.get(word))
            if character is not None:
                out.append(character)
            elif keep_commands:
                out.append(token.group(0))
                argument_next = True
            else:
                out.append(" " if token.group("space") else "")
        elif kind == "symbol":
            symbol = token.group("symbol")
            out.append(_SYMBOLS.get(symbol, symbol))
        elif kind == "tie":
            out.append(" ")
        elif kind == "dash":
            out.append("—" if len(token.group("dash")) == 3 else "–")
        elif kind == "quote":
            out.append("“" if token.group("quote") == "``" else "”")
    out.append(raw[position:])
    out.extend("}" for was_kept in kept if was_kept)
    return " ".join("".join(out).split()) or None
