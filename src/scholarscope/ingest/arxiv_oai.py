"""arXiv OAI-PMH responses: one ``ListRecords`` page in the ``arXiv`` metadata format.

OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html) wraps every
answer in ``<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">``; a ``ListRecords``
page holds ``<record>`` elements and, when the list goes on, a ``<resumptionToken>``::

    <record>
      <header>                                  status="deleted": no <metadata> follows
        <identifier>oai:arXiv.org:2503.11731</identifier>
        <datestamp>2025-03-18</datestamp>       last change of the record, YYYY-MM-DD
        <setSpec>cs:cs:CV</setSpec> ...
      </header>
      <metadata>
        <arXiv xmlns="http://arxiv.org/OAI/arXiv/">
          <id>2503.11731</id>                   no version: only the latest is served
          <created>2025-03-14</created>         first version; <updated>: the latest one
          <authors><author><keyname>Zeng</keyname><forenames>Xianming</forenames>
                   (<suffix>Jr.</suffix>) (<affiliation>..</affiliation>)*</author>...
          <title>..</title> <categories>cs.CV cs.RO</categories> <comments>..</comments>
          <journal-ref>..</journal-ref> <doi>..</doi> <license>..</license>
          <report-no>, <msc-class>, <acm-class>, <proxy>, <abstract>..</abstract>
        </arXiv>
      </metadata>
    </record>
    <resumptionToken cursor="0" completeListSize="2400">…</resumptionToken>

What this relies on, and where it was read:

- The element names and namespace: arXiv's schema ``arXiv.xsd`` and the template that
  fills it, in arXiv's own OAI-PMH service (https://github.com/arXiv/oaipmh,
  ``oaipmh/templates/schema/arXiv.xsd``, ``oaipmh/templates/record_formats.xml``);
  ``created`` is the first version's date and ``updated`` the latest version's.
- ``<categories>`` is arXiv's ``abs_categories`` column as stored, which arXiv's own
  pages read primary category first (https://github.com/arXiv/arxiv-browse, listings:
  ``primary_category=Category(meta.abs_categories.split()[0])``), so the first category
  is kept as ``primary_category``, as the API's ``arxiv:primary_category`` would state it.
- Datestamps are the record's last modification, day granularity
  (https://info.arxiv.org/help/oa/index.html, "Datestamps"; Identify's
  ``<granularity>YYYY-MM-DD</granularity>``): they say when arXiv last touched a record,
  not when it was submitted, so the work's date is ``created``.
- A deleted record has ``<header status="deleted">`` and no metadata (the protocol,
  section 2.5.1). arXiv declares ``<deletedRecord>persistent</deletedRecord>``; such a
  record yields no ``Work`` but a ``Deleted`` naming it, so the count of what a page
  held stays exact.
- Errors are ``<error code="…">`` elements (protocol, section 3.6): ``noRecordsMatch`` is
  an empty list, not a failure; any other code becomes a ``Rejected``.

The ``Work`` has the fields ``arxiv_atom`` gives the same paper, under the same source
name, so a paper harvested here and looked up through the API are one record of one
work (the later one's fields win, ``records.update_work``): ``arxiv:`` id, one
``doi:`` id per DOI, title and abstract with whitespace collapsed, date from
``created``, authors ``forenames keyname suffix`` with affiliations, comments and
journal-ref verbatim. ``page_info`` reads what a harvester needs to page and to
checkpoint (the resumption token, and the datestamps the page covers).

XML is read with the standard library's expat parser, which fetches no external entity
and refuses entity-expansion bombs (expat 2.4+).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from scholarscope.ingest.arxiv_atom import BOM, SOURCE, authorship, xml_text, xml_verbatim
from scholarscope.records import (
    Authorship,
    Deleted,
    ParseItem,
    Rejected,
    Repaired,
    Work,
    make_id,
)

# SOURCE is the arXiv API's name: the two are arXiv's own metadata of one paper, so they
# share the store's slot, the source priority and the author-name family of ``arxiv_api``.

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
OAI_ID_PREFIX = "oai:arXiv.org:"
NO_RECORDS = "noRecordsMatch"

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# 2503.11731, 0704.0001 (new style, 4 or 5 digits) or astro-ph/0601001, math.AG/0101001
_ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes "²"
_CHUNK = 1 << 16
_POSITION = re.compile(r": line \d+, column \d+$")
# metadata fields no ``Work`` field holds: kept verbatim in ``extra``
_EXTRA_FIELDS = ("updated", "license", "report-no", "msc-class", "acm-class")


def looks_like(head: str) -> bool:
    """True for an OAI-PMH response from arXiv.

    >>> looks_like('<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    ...            '<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request>')
    True
    """
    text = head.lstrip(BOM).lstrip()
    return "<OAI-PMH" in text and OAI[1:-1] in text and "arxiv.org" in text.lower()


@dataclass(frozen=True)
class OaiPage:
    """What one OAI-PMH list response says about itself.

    ``token`` is the resumption token to ask for the next page (None on the last page:
    the token was empty or absent); ``complete_list_size`` and ``cursor`` are the
    token's optional attributes (the old export.arxiv.org/oai2 sent them, the current
    service does not); ``records`` counts ``<record>`` elements, ``deleted`` those among
    them whose header says ``status="deleted"``; ``earliest_datestamp`` and
    ``latest_datestamp`` bound the records' datestamps (None without records);
    ``error_code`` and ``error_message`` are set when the response is an ``<error>``.
    """

    token: str | None = None
    complete_list_size: int | None = None
    cursor: int | None = None
    expiration_date: str | None = None
    records: int = 0
    deleted: int = 0
    earliest_datestamp: str | None = None
    latest_datestamp: str | None = None
    response_date: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def is_last(self) -> bool:
        """No page follows this one (an error answer is last too)."""
        return self.token is None


def page_info(text: str) -> OaiPage:
    """Read the paging facts of one OAI-PMH response; ``ValueError`` when the text is
    not well-formed XML or not an OAI-PMH response.

    >>> page = page_info('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
    ...     '<record><header><identifier>oai:arXiv.org:2503.11731</identifier>'
    ...     '<datestamp>2025-03-18</datestamp></header></record>'
    ...     '<resumptionToken cursor="0" completeListSize="9">t1</resumptionToken>'
    ...     '</ListRecords></OAI-PMH>')
    >>> page.token, page.complete_list_size, page.records, page.latest_datestamp
    ('t1', 9, 1, '2025-03-18')
    """
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    lists: list[ET.Element] = []
    page = OaiPage()
    text = text.lstrip(BOM)
    # the text in pieces, each read before the next: records are dropped as they end,
    # so a page of thousands is never held as a whole tree
    pieces = [text[start : start + _CHUNK] for start in range(0, len(text), _CHUNK)]
    try:
        for piece in [*pieces, None]:
            if piece is None:
                parser.close()
            else:
                parser.feed(piece)
            for event, element in parser.read_events():  # type: ignore[misc]
                assert isinstance(element, ET.Element)  # only start/end events asked for
                if event == "start":
                    if root is None:
                        root = element
                    elif element.tag in (f"{OAI}ListRecords", f"{OAI}ListIdentifiers"):
                        lists.append(element)
                else:
                    page = _note(page, element, lists)
    except ET.ParseError as error:
        raise ValueError(f"malformed XML: {error}") from error
    if root is None or root.tag != f"{OAI}OAI-PMH":
        found = root.tag if root is not None else "nothing"
        raise ValueError(f"not an OAI-PMH response (its root element is {found})")
    return page


def _note(page: OaiPage, element: ET.Element, lists: list[ET.Element]) -> OaiPage:
    """``page`` with what one element that has just ended adds to it."""
    tag = element.tag
    if tag == f"{OAI}header":
        stamp = xml_text(element.find(f"{OAI}datestamp"))
        earliest, latest = page.earliest_datestamp, page.latest_datestamp
        return replace(
            page,
            records=page.records + 1,
            deleted=page.deleted + (element.get("status") == "deleted"),
            earliest_datestamp=min(earliest, stamp) if earliest and stamp else earliest or stamp,
            latest_datestamp=max(latest, stamp) if latest and stamp else latest or stamp,
        )
    if tag == f"{OAI}record" and lists:
        lists[-1].remove(element)  # keep memory flat on long pages
    elif tag == f"{OAI}resumptionToken":
        return replace(
            page,
            token=xml_text(element),
            complete_list_size=_count(element.get("completeListSize")),
            cursor=_count(element.get("cursor")),
            expiration_date=element.get("expirationDate"),
        )
    elif tag == f"{OAI}responseDate":
        return replace(page, response_date=xml_text(element))
    elif tag == f"{OAI}error" and page.error_code is None:
        code = element.get("code") or "unknown"
        return replace(page, error_code=code, error_message=xml_text(element))
    return page


def parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]:
    """Yield one ``Work`` per record of an OAI-PMH ``ListRecords`` response in the
    ``arXiv`` format; a ``Deleted`` naming each deleted record; a ``Rejected`` naming
    each malformed record (the others still parse), an OAI-PMH error other than
    ``noRecordsMatch``, or XML that breaks off.

    >>> page = ['<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record>',
    ...         '<header><identifier>oai:arXiv.org:2503.11731</identifier></header><metadata>',
    ...         '<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2503.11731</id>',
    ...         '<categories>cs.CV cs.RO</categories></arXiv></metadata></record>',
    ...         '</ListRecords></OAI-PMH>']
    >>> work = next(parse(page, "oai"))
    >>> work.ids, work.categories, work.primary_category
    (('arxiv:2503.11731',), ('cs.CV', 'cs.RO'), 'cs.CV')
    """
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    lists: list[ET.Element] = []
    record_line = position = number = 0
    try:
        for number, line in enumerate(lines, start=1):
            parser.feed((line.lstrip(BOM) if number == 1 else line) + "\n")
            for event, element in parser.read_events():  # type: ignore[misc]
                assert isinstance(element, ET.Element)  # only start/end events asked for
                tag = element.tag
                if event == "start":
                    if root is None:
                        root = element
                        if tag != f"{OAI}OAI-PMH":
                            reason = f"not an OAI-PMH response (its root element is {tag})"
                            yield Rejected(origin, reason, line=number)
                            return
                    elif tag == f"{OAI}ListRecords":
                        lists.append(element)
                    elif tag == f"{OAI}record":
                        record_line = number
                elif tag == f"{OAI}record":
                    position += 1
                    yield from _parse_record(element, origin, record_line, position)
                    if lists:
                        lists[-1].remove(element)  # keep memory flat on long pages
                elif tag == f"{OAI}error":
                    code = element.get("code") or "unknown"
                    if code != NO_RECORDS:
                        message = xml_text(element) or "no message"
                        reason = f"the OAI-PMH service answered error {code}: {message}"
                        yield Rejected(origin, reason, line=number)
        parser.close()
    except ET.ParseError as error:
        error_line, column = error.position
        at = min(error_line, number) or None  # expat counts the final newline as a line
        if str(error).startswith("no element found"):
            reason = "the text ends inside the response" if root is not None else "no XML"
            yield Rejected(origin, f"malformed XML: {reason}", line=at)
        else:
            reason = _POSITION.sub("", str(error))
            yield Rejected(origin, f"malformed XML: {reason} (column {column + 1})", line=at)


def _parse_record(
    record: ET.Element, origin: str, line: int, position: int
) -> Iterator[Work | Rejected | Repaired | Deleted]:
    """One record's ``Work`` (after a ``Repaired`` per DOI that is not one), or a
    ``Rejected`` naming it: by its arXiv id when it has one, else by its place."""
    header = record.find(f"{OAI}header")
    identifier = xml_text(header.find(f"{OAI}identifier")) if header is not None else None
    metadata = record.find(f"{OAI}metadata/{ARXIV}arXiv")
    raw_id = xml_text(metadata.find(f"{ARXIV}id")) if metadata is not None else None
    named = raw_id or (identifier or "").removeprefix(OAI_ID_PREFIX) or f"number {position}"
    if header is None:
        yield Rejected(origin, "record has no <header>", line=line, record=named)
        return
    if header.get("status") == "deleted":
        yield Deleted(origin, named, xml_text(header.find(f"{OAI}datestamp")), line)
        return
    if metadata is None:
        formats = [child.tag for child in record.findall(f"{OAI}metadata/*")]
        found = f" (found {formats[0]})" if formats else ""
        reason = f"record has no arXiv-format metadata{found}; ask with metadataPrefix=arXiv"
        yield Rejected(origin, reason, line=line, record=named)
        return
    if raw_id is None:
        yield Rejected(origin, "record has no <id>", line=line, record=named)
        return
    if not _ARXIV_ID.fullmatch(raw_id):
        reason = f"record id {raw_id!r} is not an arXiv id"
        yield Rejected(origin, reason, line=line, record=f"number {position}")
        return
    ids = [make_id("arxiv", raw_id)]
    for doi in (xml_text(metadata.find(f"{ARXIV}doi")) or "").split():
        try:
            ids.append(make_id("doi", doi))
        except ValueError:  # "doi:" or "https://doi.org/" with nothing after it
            reason = f"record {raw_id}: DOI {doi!r} is empty once its prefix is taken off; left out"
            yield Repaired(origin, reason, line=line)
    created = xml_text(metadata.find(f"{ARXIV}created"))
    date = created[:10] if created and _ISO_DAY.match(created) else None
    categories = tuple((xml_text(metadata.find(f"{ARXIV}categories")) or "").split())
    extra = tuple(
        (name, value)
        for name in _EXTRA_FIELDS
        if (value := xml_text(metadata.find(f"{ARXIV}{name}")))
    )
    yield Work(
        ids=tuple(ids),
        source=SOURCE,
        origin=origin,
        title=xml_text(metadata.find(f"{ARXIV}title")),
        abstract=xml_text(metadata.find(f"{ARXIV}abstract")),
        date=date,
        date_text=created,
        year=int(date[:4]) if date else None,
        categories=categories,
        primary_category=categories[0] if categories else None,
        authors=_authors(metadata),
        comments=xml_verbatim(metadata.find(f"{ARXIV}comments")),
        journal_ref=xml_verbatim(metadata.find(f"{ARXIV}journal-ref")),
        extra=extra,
    )


def _authors(metadata: ET.Element) -> tuple[Authorship, ...]:
    authors: list[Authorship] = []
    for author in metadata.findall(f"{ARXIV}authors/{ARXIV}author"):
        parts = (
            xml_text(author.find(f"{ARXIV}{name}")) for name in ("forenames", "keyname", "suffix")
        )
        name = " ".join(part for part in parts if part)
        if not name:
            continue
        authors.append(authorship(name, len(authors) + 1, author, f"{ARXIV}affiliation"))
    return tuple(authors)


def _count(value: str | None) -> int | None:
    """A non-negative integer attribute, None when absent or not a number."""
    return int(value) if value is not None and _DIGITS.fullmatch(value.strip()) else None
