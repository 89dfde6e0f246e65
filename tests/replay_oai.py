"""arXiv's OAI-PMH service for ``ReplayServer`` (``replay_server.py``), built from REAL
records: the computer-science papers of ../shared/data/arxiv-cs (Kaggle field names),
each rendered as an OAI-PMH record in arXiv's ``arXiv`` metadata format, its datestamp
the record's ``update_date``.

Served at the real endpoint's path, ``/oai`` of https://oaipmh.arxiv.org/oai, as arXiv's
service answers (https://github.com/arXiv/oaipmh: its templates, errors and set names):

- ``verb=Identify``;
- ``verb=ListRecords`` with ``metadataPrefix=arXiv`` (another prefix:
  ``cannotDisseminateFormat``), optional ``set`` (group ``cs``, archive ``cs:cs``,
  category ``cs:cs:CV``; one that does not exist: ``badArgument``), ``from`` and
  ``until`` (inclusive days; malformed or crossed: ``badArgument``); ``page_size``
  records a page, in datestamp then id order, with a ``resumptionToken`` carrying
  ``cursor``, ``completeListSize`` and ``expirationDate`` while more follow and an empty
  one on the last page; nothing in the window: ``noRecordsMatch``;
- ``verb=ListRecords&resumptionToken=T`` (any other argument beside it: ``badArgument``;
  a token it did not issue: ``badResumptionToken``);
- any other verb: ``badVerb``. Errors are answered ``200`` with an ``<error>``, as
  OAI-PMH asks.

Where the replay differs from arXiv, knowingly: its tokens carry ``cursor`` and
``completeListSize`` (as the old export.arxiv.org/oai2 did; the current service sends
only ``expirationDate`` and encodes the next ``from`` and an offset in the token), and
``<created>`` is the record's ``update_date``, as the snapshot has no version dates: for
a paper revised that day (2409.13661, dated 2025-03-19) it is the revision's day.

The file is in ``update_date`` order (60,419 records, none out of order), so loading a
window stops at the first record past it: a test of a few days reads a few hundred
lines, once per window (``load_lines`` is cached).
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from replay_server import Ask, Recording, Recordings

OAI_BASE = "https://oaipmh.arxiv.org/oai"
OAI_PATH = "/oai"
XML = "text/xml; charset=utf-8"
RESPONSE_DATE = "2026-05-01T12:00:00Z"
EXPIRES = "2026-05-02T00:00:00Z"  # arXiv's tokens expire at the next midnight UTC
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"

GROUPS = ("cs", "econ", "eess", "math", "physics", "q-bio", "q-fin", "stat")
PHYSICS_ARCHIVES = ("astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th",
                    "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph")  # fmt: skip
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# characters XML 1.0 cannot carry at all
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@lru_cache(maxsize=16)
def load_lines(
    jsonl_gz: Path, since: str | None = None, until: str | None = None, limit: int | None = None
) -> tuple[str, ...]:
    """The file's JSON lines whose ``update_date`` is in [since, until], at most ``limit``."""
    kept: list[str] = []
    with gzip.open(jsonl_gz, "rt", encoding="utf-8") as lines:
        for line in lines:
            day = json.loads(line)["update_date"]
            if until is not None and day > until:
                break  # the file is in update_date order
            if since is None or day >= since:
                kept.append(line.rstrip("\n"))
                if limit is not None and len(kept) >= limit:
                    break
    return tuple(kept)


def archive_group(archive: str) -> str:
    return "physics" if archive in PHYSICS_ARCHIVES else archive


def category_set(category: str) -> str:
    """``cs.CV`` -> ``cs:cs:CV``, ``hep-th`` -> ``physics:hep-th`` (arXiv's setSpecs)."""
    archive, _, subject = category.partition(".")
    group = archive_group(archive)
    return f"{group}:{archive}:{subject}" if subject else f"{group}:{archive}"


def set_exists(spec: str) -> bool:
    parts = spec.split(":")
    if len(parts) == 1:
        return spec in GROUPS
    if len(parts) > 3 or archive_group(parts[1]) != parts[0] or parts[0] not in GROUPS:
        return False
    return parts[1] in PHYSICS_ARCHIVES or parts[1] == parts[0]


def in_set(categories: Iterable[str], spec: str) -> bool:
    return any((s := category_set(c)) == spec or s.startswith(spec + ":") for c in categories)


# -- authors: one Kaggle string -> (keyname, forenames, suffix, affiliations) ------------

_SYMBOL_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
                   "=": "\u0304", ".": "\u0307"}  # fmt: skip
_LETTER_ACCENTS = {"c": "\u0327", "d": "\u0323", "v": "\u030c", "u": "\u0306", "H": "\u030b",
                   "k": "\u0328", "r": "\u030a", "b": "\u0331"}  # fmt: skip
_SYMBOL_ACCENT = re.compile(r"""\\(['`^"~=.])(?:\{\s*([A-Za-z])\s*\}|\s*([A-Za-z]))""")
_LETTER_ACCENT = re.compile(r"\\([cdvuHkrb])(?:\s*\{\s*([A-Za-z])\s*\}|\s+([A-Za-z]))")
_SEPARATOR = re.compile(r"\s*(?:[,;:]|\band\b)\s*")
_SUFFIXES = frozenset({"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"})
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "da", "di", "du",
                        "dos", "das", "le", "la", "ten", "ter"})  # fmt: skip
_ET_AL = re.compile(r"^et\.?\s*al\.?$")

Author = tuple[str, str, str, tuple[str, ...]]  # keyname, forenames, suffix, affiliations


def untex(text: str) -> str:
    r"""LaTeX accents to Unicode; line breaks, stray backslashes and braces dropped.

    >>> untex(r"Tol\'ul\d{o}p\'e, \Ajinkya, G\"{o}del")
    'Tolúlọpé, Ajinkya, Gödel'
    """
    if "\\" not in text and "{" not in text:
        return text
    text = _SYMBOL_ACCENT.sub(
        lambda m: (m.group(2) or m.group(3)) + _SYMBOL_ACCENTS[m.group(1)], text
    )
    text = _LETTER_ACCENT.sub(
        lambda m: (m.group(2) or m.group(3)) + _LETTER_ACCENTS[m.group(1)], text
    )
    # "\\\\" is a line break; any other backslash left is a macro name to drop, its
    # letters kept ("\\Ajinkya" in a real record is a typo for the name)
    text = text.replace("\\\\", " ").replace("\\", "").replace("{", "").replace("}", "")
    return unicodedata.normalize("NFC", text)


def _mask(text: str) -> str:
    """``text`` with what is inside parentheses (and the parentheses) as NULs, so
    separators inside an affiliation are not taken for separators between authors."""
    depth, out = 0, []
    for char in text:
        if char == "(":
            depth += 1
        out.append("\x00" if depth else char)
        if char == ")" and depth:
            depth -= 1
    return "".join(out)


def split_name(name: str) -> tuple[str, str, str]:
    """``'Roberto M. Cesar Jr.'`` -> ``('Cesar', 'Roberto M.', 'Jr.')``; particles stay
    with the keyname: ``'Anton van den Hengel'`` -> ``('van den Hengel', 'Anton', '')``."""
    words = name.split()
    suffix = words.pop() if len(words) > 2 and words[-1] in _SUFFIXES else ""
    if not words:
        return "", "", suffix
    cut = len(words) - 1
    while cut > 1 and words[cut - 1] in _PARTICLES:
        cut -= 1
    return " ".join(words[cut:]), " ".join(words[:cut]), suffix


def split_authors(text: str) -> list[Author]:
    """An arXiv ``authors`` string -> one ``(keyname, forenames, suffix, affiliations)``
    per author: split at commas, semicolons, colons and "and" outside parentheses; a
    parenthesised group is the affiliation of its author and of the run of authors just
    before without one; a lone "Jr." is the previous author's suffix; "et al" dropped.

    >>> split_authors("Moreno D'Incà, Anton van den Hengel and Roberto M. Cesar Jr.")[1:]
    [('van den Hengel', 'Anton', '', ()), ('Cesar', 'Roberto M.', 'Jr.', ())]
    >>> split_authors("A. Smith, B. Jones (MIT), C. Wu")[0]
    ('Smith', 'A.', '', ('MIT',))
    """
    text = " ".join(untex(text).split())
    masked = _mask(text)
    pieces, start = [], 0
    for match in _SEPARATOR.finditer(masked):
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    authors: list[list[Any]] = []
    for piece in pieces:
        groups = re.findall(r"\(([^()]*)\)", piece)
        name = " ".join(re.sub(r"\([^()]*\)", " ", piece).split())
        if _ET_AL.match(name):
            continue
        if name in _SUFFIXES and authors:
            authors[-1][2] = name
            continue
        affiliations = tuple(g.strip() for g in groups if g.strip())
        if re.search(r"[^\W_]", name):  # a name has a letter or digit: not a stray "-"
            authors.append([*split_name(name), affiliations])
        else:
            name = ""
        if affiliations:  # "A, B (X)": X is A's too, as arXiv reads it
            for author in reversed(authors[:-1] if name else authors):
                if author[3]:
                    break
                author[3] = affiliations
    return [(k, f, s, tuple(a)) for k, f, s, a in authors]


# -- rendering ------------------------------------------------------------------------


def _x(text: str) -> str:
    return escape(_NOT_XML.sub("", text))


def _element(name: str, value: object) -> str:
    return f"<{name}>{_x(value)}</{name}>" if isinstance(value, str) and value.strip() else ""


def render_record(record: dict[str, Any], deleted: bool = False) -> str:
    """One Kaggle record as an OAI-PMH ``<record>`` in the ``arXiv`` format."""
    categories = (record.get("categories") or "").split()
    specs = "".join(
        f"<setSpec>{_x(s)}</setSpec>" for s in dict.fromkeys(map(category_set, categories))
    )
    status = ' status="deleted"' if deleted else ""
    header = (
        f"<header{status}><identifier>oai:arXiv.org:{_x(record['id'])}</identifier>"
        f"<datestamp>{_x(record['update_date'])}</datestamp>{specs}</header>"
    )
    if deleted:
        return f"<record>\n{header}\n</record>"
    authors = []
    for keyname, forenames, suffix, affiliations in split_authors(record.get("authors") or ""):
        named = [("keyname", keyname), ("forenames", forenames), ("suffix", suffix)]
        named += [("affiliation", affiliation) for affiliation in affiliations]
        parts = [_element(tag, value) for tag, value in named]
        authors.append(f"<author>{''.join(parts)}</author>")
    fields = [
        _element("id", record["id"]),
        # the announce date: the snapshot has no version dates, and v1 was announced then
        _element("created", record["update_date"]),
        f"<authors>{''.join(authors)}</authors>" if authors else "",
        _element("title", record.get("title")),
        _element("categories", record.get("categories")),
        _element("comments", record.get("comments")),
        _element("report-no", record.get("report-no")),
        _element("journal-ref", record.get("journal-ref")),
        _element("doi", record.get("doi")),
        _element("license", record.get("license")),
        _element("abstract", record.get("abstract")),
    ]
    metadata = (
        f'<metadata>\n<arXiv xmlns="{ARXIV_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
        f'instance" xsi:schemaLocation="{ARXIV_NS} https://oaipmh.arxiv.org/OAI/arXiv.xsd">\n'
        + "\n".join(field for field in fields if field)
        + "\n</arXiv>\n</metadata>"
    )
    return f"<record>\n{header}\n{metadata}\n</record>"


def _response(request: dict[str, str], body: str) -> str:
    attributes = "".join(f" {name}={quoteattr(value)}" for name, value in request.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
        f"<responseDate>{RESPONSE_DATE}</responseDate>\n"
        f"<request{attributes}>{OAI_BASE}</request>\n{body}\n</OAI-PMH>\n"
    )


def oai_error(code: str, message: str, request: dict[str, str] | None = None) -> str:
    """An OAI-PMH error response (``request`` echoes the arguments, none for bad ones)."""
    return _response(request or {}, f"<error code={quoteattr(code)}>{_x(message)}</error>")


def list_records_page(
    records: Sequence[dict[str, Any]],
    *,
    request: dict[str, str] | None = None,
    token: str | None = None,
    cursor: int | None = None,
    complete: int | None = None,
    deleted: Collection[str] = (),
) -> str:
    """A ``ListRecords`` response holding ``records``; with ``cursor``, a
    ``resumptionToken`` (empty when ``token`` is None: the last page of a list)."""
    body = "\n".join(render_record(r, r["id"] in deleted) for r in records)
    if cursor is not None:
        size = f' completeListSize="{complete}"' if complete is not None else ""
        if token is None:
            body += f'\n<resumptionToken cursor="{cursor}"{size}/>'
        else:
            body += (
                f'\n<resumptionToken cursor="{cursor}"{size} expirationDate="{EXPIRES}">'
                f"{_x(token)}</resumptionToken>"
            )
    request = request if request is not None else {"verb": "ListRecords"}
    return _response(request, f"<ListRecords>\n{body}\n</ListRecords>")


def _identify(earliest: str) -> str:
    return _response(
        {"verb": "Identify"},
        f"<Identify><repositoryName>arXiv</repositoryName><baseURL>{OAI_BASE}</baseURL>"
        "<protocolVersion>2.0</protocolVersion><adminEmail>help@arxiv.org</adminEmail>"
        f"<earliestDatestamp>{earliest}</earliestDatestamp>"
        "<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DD</granularity>"
        "</Identify>",
    )


def _is_day(text: str) -> bool:
    if not _DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def arxiv_oai_recordings(
    jsonl_gz: Path,
    page_size: int = 100,
    *,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    deleted: Collection[str] = (),
) -> Recordings:
    """arXiv's OAI-PMH endpoint over the records of ``jsonl_gz`` whose ``update_date``
    is in [since, until] (at most ``limit`` of them); the ids in ``deleted`` are served
    as deleted records (a header with ``status="deleted"``, no metadata)."""
    records = sorted(
        (json.loads(line) for line in load_lines(jsonl_gz, since, until, limit)),
        key=lambda r: (r["update_date"], r["id"]),
    )
    earliest = records[0]["update_date"] if records else "2005-09-16"

    def answer(text: str) -> Recording:
        return Recording(OAI_BASE, 200, {"Content-Type": XML}, text)

    def list_records(ask: Ask, _: re.Match[str]) -> Recording | None:
        params = dict(ask.params)
        verb = params.pop("verb", "")
        if verb == "Identify":
            if params:
                return answer(oai_error("badArgument", "Identify takes no other argument"))
            return answer(_identify(earliest))
        if verb != "ListRecords":
            return answer(oai_error("badVerb", "Invalid verb provided"))
        if "resumptionToken" in params:
            if set(params) != {"resumptionToken"}:
                return answer(oai_error("badArgument", "No other parameters allowed with it"))
            token = params["resumptionToken"]
            query = _decode_token(token)
            if query is None:
                request = {"verb": "ListRecords", "resumptionToken": token}
                return answer(oai_error("badResumptionToken", "Token is invalid.", request))
            spec, start, stop, cursor = query
        else:
            if set(params) - {"metadataPrefix", "set", "from", "until"}:
                return answer(oai_error("badArgument", "Unallowed parameter"))
            prefix = params.get("metadataPrefix")
            if prefix is None:
                return answer(oai_error("badArgument", "metadataPrefix required."))
            if prefix != "arXiv":
                return answer(oai_error("cannotDisseminateFormat", f"No format {prefix!r}"))
            spec, start, stop = (
                params.get("set", ""),
                params.get("from", ""),
                params.get("until", ""),
            )
            for day in (start, stop):
                if day and not _is_day(day):
                    return answer(oai_error("badArgument", "dates are YYYY-MM-DD"))
            if start and stop and start > stop:
                return answer(oai_error("badArgument", "until is before from"))
            if spec and not set_exists(spec):
                return answer(oai_error("badArgument", "Set does not exist"))
            cursor = 0
        request = {"verb": "ListRecords", **params}
        chosen = [
            r
            for r in records
            if (not start or r["update_date"] >= start)
            and (not stop or r["update_date"] <= stop)
            and (not spec or in_set((r.get("categories") or "").split(), spec))
        ]
        if not chosen:
            return answer(oai_error("noRecordsMatch", "No records match.", request))
        if cursor >= len(chosen):
            return answer(oai_error("badResumptionToken", "Token is past the list.", request))
        page = chosen[cursor : cursor + page_size]
        following = cursor + page_size
        following_token = _encode_token(spec, start, stop, following)
        next_token = following_token if following < len(chosen) else None
        paged = cursor > 0 or next_token is not None
        text = list_records_page(
            page,
            request=request,
            token=next_token,
            cursor=cursor if paged else None,
            complete=len(chosen),
            deleted=deleted,
        )
        return answer(text)

    recordings = Recordings()
    recordings.route(OAI_PATH, list_records)
    return recordings


def _encode_token(spec: str, start: str, stop: str, cursor: int) -> str:
    return f"arXiv|{spec}|{start}|{stop}|{cursor}"


def _decode_token(token: str) -> tuple[str, str, str, int] | None:
    parts = token.split("|")
    if len(parts) != 5 or parts[0] != "arXiv" or not re.fullmatch("[0-9]+", parts[4]):
        return None
    _, spec, start, stop, cursor = parts
    if (spec and not set_exists(spec)) or any(d and not _is_day(d) for d in (start, stop)):
        return None
    return spec, start, stop, int(cursor)
