"""arXiv API responses: an Atom feed, bare or inside a recorded HTTP response.

The API (``export.arxiv.org/api/query``) answers with one Atom ``<feed>``; each
``<entry>`` is one paper::

    <entry>
      <id>http://arxiv.org/abs/2104.12255v1</id>          versioned abstract URL
      <title>...</title>  <summary>...</summary>          hard-wrapped text
      <published>2021-04-20T16:07:14Z</published>         first version
      <updated>2021-04-20T16:07:14Z</updated>             this version
      <link title="pdf" href="https://arxiv.org/pdf/2104.12255v1" .../>
      <category term="cs.CR"/> ...                        all categories, in order
      <arxiv:primary_category term="cs.CR"/>              stated by arXiv: reliable
      <arxiv:comment>, <arxiv:journal_ref>, <arxiv:doi>   when the authors gave them
      <author><name>...</name><arxiv:affiliation>...</arxiv:affiliation></author>
    </entry>

Old-style ids look like ``http://arxiv.org/abs/astro-ph/0601001v1``. A bad query gives
one entry whose id is ``http://arxiv.org/api/errors#...``, titled "Error", with the
message in ``<summary>``: that becomes a ``Rejected``. A query that matches nothing is a
feed with ``<opensearch:totalResults>0`` and no entries: that yields nothing.

A recorded response is a JSON object ``{"url": ..., "status_code": ..., "body": ...}``
whose ``body`` is the feed; a status other than 200 is rejected. In that case line
numbers in messages count lines of the body, not of the JSON file.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from itertools import chain

from scholarscope.ingest.json_api import UnreadableJSON, decode_json
from scholarscope.records import (
    Author,
    Authorship,
    ParseItem,
    Rejected,
    Repaired,
    Work,
    make_id,
)

SOURCE = "arxiv_api"
BOM = "\ufeff"

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"

_ABS_URL = re.compile(r"arxiv\.org/abs/(\S+)$")
_VERSION = re.compile(r"v(\d+)$")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ERROR_SUBJECT = re.compile(r"\bfor (\S+)$")  # "incorrect id format for abc" -> "abc"
_POSITION = re.compile(r": line \d+, column \d+$")
_TAG = re.compile(r"<[^>]*>")
_API_ERROR = "the arXiv API reported an error: "


def looks_like(head: str) -> bool:
    """True for an arXiv API Atom feed, bare or as the ``body`` of a recorded response.

    >>> looks_like('<feed xmlns="http://www.w3.org/2005/Atom"><id>https://arxiv.org/api/x</id>')
    True
    """
    text = head.lstrip(BOM).lstrip()
    if text.startswith("{"):
        try:
            response, _ = decode_json(text)
        except (json.JSONDecodeError, UnreadableJSON):
            # Cut by the head limit (or not decodable at all, which parse() reports):
            # look at the raw text, undoing JSON's escaped slashes.
            return '"body"' in text and _is_arxiv_feed(text.replace("\\/", "/"))
        return isinstance(response, dict) and _is_arxiv_feed(str(response.get("body", "")))
    return _is_arxiv_feed(text)


def _is_arxiv_feed(text: str) -> bool:
    return "<feed" in text and "http://www.w3.org/2005/Atom" in text and "arxiv.org/api" in text


def parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]:
    """Yield one ``Work`` per feed entry, and a ``Rejected`` per API error or for
    malformed input.

    >>> feed = ['<feed xmlns="http://www.w3.org/2005/Atom"><entry>',
    ...         '<id>http://arxiv.org/abs/astro-ph/0601001v1</id></entry></feed>']
    >>> next(parse(feed, "f.xml")).ids
    ('arxiv:astro-ph/0601001',)
    """
    line_iter = iter(lines)
    skipped: list[str] = []
    for line in line_iter:
        skipped.append(line.lstrip(BOM) if not skipped else line)
        if line.strip():
            break
    if skipped and skipped[-1].lstrip().startswith("{"):
        yield from _parse_response("\n".join(chain(skipped, line_iter)), origin)
    else:
        yield from _parse_feed(chain(skipped, line_iter), origin, in_body=False)


def _parse_response(text: str, origin: str) -> Iterator[ParseItem]:
    """A recorded ``{url, status_code, body}`` response."""
    try:
        response, notes = decode_json(text)
    except json.JSONDecodeError as error:
        reason = f"invalid JSON: {error.msg} (column {error.colno})"
        yield Rejected(origin, reason, line=error.lineno)
        return
    except UnreadableJSON as error:
        yield Rejected(origin, error.reason, line=text.count("\n", 0, error.position) + 1)
        return
    for note in notes:
        yield Repaired(origin, note)
    body = response.get("body") if isinstance(response, dict) else None
    if not isinstance(body, str):
        yield Rejected(origin, 'not an arXiv API response: no "body" text')
        return
    status = response.get("status_code", 200)
    items = _parse_feed(body.split("\n"), origin, in_body=True)
    if status in (200, "200"):
        yield from items
        return
    # A failed request: keep the API's own error messages, drop anything else.
    errors = [
        item for item in items if isinstance(item, Rejected) and item.reason.startswith(_API_ERROR)
    ]
    if not errors:
        url = response.get("url")
        yield Rejected(
            origin, f"the arXiv API answered HTTP {status}" + (f" for {url}" if url else "")
        )
    for api_error in errors:
        yield Rejected(
            origin, f"HTTP {status}: {api_error.reason}", line=None, record=api_error.record
        )


def _parse_feed(lines: Iterable[str], origin: str, in_body: bool) -> Iterator[ParseItem]:
    """Stream the feed's entries; the parser sees one line at a time so an error's
    line number is the parser's own."""
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("start", "end"))
    feed: ET.Element | None = None
    entry_line = 0
    number = 0
    try:
        for number, line in enumerate(lines, start=1):
            if not line.isascii():
                repaired = _undo_mojibake(line)
                if repaired != line:
                    yield _mojibake_notice(line, repaired, origin, number, in_body)
                    line = repaired
            parser.feed(line + "\n")
            for event, element in parser.read_events():  # type: ignore[misc]
                assert isinstance(element, ET.Element)  # only start/end events asked for
                if event == "start":
                    if feed is None:
                        feed = element
                    elif element.tag == f"{ATOM}entry":
                        entry_line = number
                elif element.tag == f"{ATOM}entry":
                    yield from _parse_entry(element, origin, entry_line, in_body)
                    if feed is not None and element in feed:
                        feed.remove(element)  # keep memory flat on long feeds
        parser.close()
    except ET.ParseError as error:
        error_line, column = error.position
        error_at = min(error_line, number) or None  # expat counts the final newline as a line
        if str(error).startswith("no element found"):
            reason = "the text ends inside the feed" if feed is not None else "no XML element"
            where = f" (line {error_at} of the response body)" if in_body else ""
        else:
            reason = _POSITION.sub("", str(error))
            body_line = f"line {error_at} of the response body, " if in_body else ""
            where = f" ({body_line}column {column + 1})"  # expat counts columns from 0
        yield Rejected(
            origin, f"malformed XML: {reason}{where}", line=None if in_body else error_at
        )


def _undo_mojibake(line: str) -> str:
    """UTF-8 text that was decoded as Latin-1 (``WÃ¼bben``) back to what was meant
    (``Wübben``); any other line unchanged. Genuine Latin-1 text almost never forms
    valid UTF-8 byte sequences, so a successful round trip is the signature."""
    try:
        return line.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return line


def _mojibake_notice(line: str, repaired: str, origin: str, number: int, in_body: bool) -> Repaired:
    changed = [
        (old, new) for old, new in zip(line.split(), repaired.split(), strict=False) if old != new
    ]
    # Usually a word changed; when only spacing did (Latin-1 "Â\x85" is U+0085, a space
    # to str.split), name the whole line instead.
    before, after = changed[0] if changed else (line.strip()[:80], repaired.strip()[:80])
    where = f" (line {number} of the response body)" if in_body else ""
    reason = (
        f"UTF-8 text had been decoded as Latin-1{where}; repaired "
        f"{_TAG.sub('', before)!r} to {_TAG.sub('', after)!r}"
    )
    return Repaired(origin, reason, line=None if in_body else number)


def _parse_entry(
    entry: ET.Element, origin: str, line: int, in_body: bool
) -> Iterator[Work | Rejected | Repaired]:
    """The entry's ``Work`` (after a ``Repaired`` per DOI that is not one), or a
    ``Rejected`` for an API error entry or an id that is not an arXiv abstract URL."""
    where = None if in_body else line
    raw_id = xml_text(entry.find(f"{ATOM}id")) or ""
    title = xml_text(entry.find(f"{ATOM}title"))
    summary = xml_text(entry.find(f"{ATOM}summary"))
    if "/api/errors" in raw_id or (title == "Error" and "/abs/" not in raw_id):
        message = summary or raw_id
        subject = _ERROR_SUBJECT.search(message)
        yield Rejected(
            origin,
            f"{_API_ERROR}{message}",
            line=where,
            record=subject.group(1) if subject else None,
        )
        return
    match = _ABS_URL.search(raw_id)
    versioned_id = match.group(1) if match else ""
    try:
        # make_id also refuses an id that is empty once prefix and version are off
        # (".../abs/v1", ".../abs/arXiv:")
        ids = [make_id("arxiv", versioned_id)]
    except ValueError:
        reason = f"entry id {raw_id!r} is not an arXiv abstract URL"
        yield Rejected(origin, reason, line=where, record=title)
        return
    for doi in (xml_text(entry.find(f"{ARXIV}doi")) or "").split():
        try:
            ids.append(make_id("doi", doi))
        except ValueError:  # "doi:" or "https://doi.org/" with nothing after it
            reason = f"DOI {doi!r} is empty once its prefix is taken off; left out"
            yield Repaired(origin, reason, line=where)

    published = xml_text(entry.find(f"{ATOM}published"))
    date = published[:10] if published and _ISO_DAY.match(published) else None
    extra: list[tuple[str, str]] = []
    version = _VERSION.search(versioned_id)
    if version:
        extra.append(("version", f"v{version.group(1)}"))
    updated = xml_text(entry.find(f"{ATOM}updated"))
    if updated:
        extra.append(("updated", updated))
    for link in entry.findall(f"{ATOM}link"):
        href = link.get("href")
        if href and (link.get("title") == "pdf" or link.get("type") == "application/pdf"):
            extra.append(("pdf_url", href))
            break

    primary = entry.find(f"{ARXIV}primary_category")
    yield Work(
        ids=tuple(ids),
        source=SOURCE,
        origin=origin,
        title=title,
        abstract=summary,
        date=date,
        date_text=published,
        year=int(date[:4]) if date else None,
        categories=tuple(
            term for category in entry.findall(f"{ATOM}category") if (term := category.get("term"))
        ),
        primary_category=primary.get("term") if primary is not None else None,
        authors=_authors(entry),
        comments=xml_verbatim(entry.find(f"{ARXIV}comment")),
        journal_ref=xml_verbatim(entry.find(f"{ARXIV}journal_ref")),
        extra=tuple(extra),
    )


def _authors(entry: ET.Element) -> tuple[Authorship, ...]:
    authors: list[Authorship] = []
    for author in entry.findall(f"{ATOM}author"):
        name = xml_text(author.find(f"{ATOM}name"))
        if not name:
            continue
        authors.append(authorship(name, len(authors) + 1, author, f"{ARXIV}affiliation"))
    return tuple(authors)


def authorship(name: str, position: int, author: ET.Element, affiliation: str) -> Authorship:
    """An author of an arXiv record (the API's ``<author>``, OAI-PMH's) with the
    ``affiliation`` elements (that tag, with its namespace) it holds, joined by "; "."""
    affiliations = [text for element in author.findall(affiliation) if (text := xml_text(element))]
    return Authorship(Author(name), position=position, affiliation="; ".join(affiliations) or None)


def xml_text(element: ET.Element | None) -> str | None:
    """The element's text with whitespace collapsed; None when absent or blank."""
    if element is None or element.text is None:
        return None
    return " ".join(element.text.split()) or None


def xml_verbatim(element: ET.Element | None) -> str | None:
    """The element's text as written (comments, journal-ref); None when absent or blank."""
    if element is None or element.text is None or not element.text.strip():
        return None
    return element.text
