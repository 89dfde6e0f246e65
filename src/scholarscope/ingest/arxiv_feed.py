"""arXiv abstract feeds: abstracts run together, each closed by its arXiv id.

This is the text of an arXiv listing with titles and authors stripped (seed files
``000``, ``002``, ``004``). Each record is an abstract, an optional comments line, then
``arXiv:<id>``; the next record's abstract starts on the same line, glued to the id::

    While numerous Video Violence Detection (VVD) methods ... in hyperbolic space.
    Accepted by NeurIPS 2024
    arXiv:2409.19252Eye movement biometrics has received increasing attention ...
    Submited to IEEE Transactions on Information Forensics and Security
    arXiv:2409.14432Image fusion combines images from multiple domains ...
    ...
    arXiv:2408.05743

The first line of a file starts with an abstract; the file ends with a bare id.

Rules this parser follows:

- **Id lines.** A line that *starts* with ``arXiv:`` and a valid id ends the record
  whose text came before it; the rest of the line starts the next record. An
  ``arXiv:`` mention in the middle of an abstract is left alone. Ids are new-style
  (``2409.19252``) or old-style (``hep-th/9901001``, ``math.GT/0309136``), with an
  optional version suffix (``v2``) that the stored id drops.
- **Where the id stops.** The next abstract is glued on without a space, so the id
  pattern must know its own length: from 2015 (``1501.``) arXiv numbers have five
  digits, from 2007-04 to 2014-12 four; old-style numbers have seven. So
  ``arXiv:2409.192523D shapes`` is ``2409.19252`` followed by ``3D shapes``.
- **DOI.** ``arXiv:2408.04604 - doi: 10.1145/3664647.3680919Deep image ...``: as on
  arXiv listing lines, the DOI belongs to the id it follows (the record that just
  ended); see ``_DOI_AFTER_ID`` for how it is cut from the glued abstract.
- **Comments.** When a record's text has two or more lines and the last one is at most
  ``MAX_COMMENTS_CHARS`` long, that last line is the comments line, kept verbatim
  ("Accepted by NeurIPS 2024", "14 pages"). A one-line record has no comments. An
  abstract wrapped over several lines whose last piece is short would be misread;
  feeds print each abstract on one line, so this does not happen in practice.
- **Problems** come out as ``Rejected`` items and reading goes on: text at the end of
  the file with no id after it, an id with no abstract before it, a line starting
  ``arXiv:`` with no valid id (the record after it is lost too, since its abstract
  began on that line).

The feed has no titles, authors or categories; those fields stay empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from scholarscope.records import ParseItem, Rejected, Repaired, Work, make_id

SOURCE = "arxiv_feed"
MAX_COMMENTS_CHARS = 300

# New-style ids: YYMM.NNNN for 2007-04 .. 2014-12, YYMM.NNNNN from 2015-01 on.
_NEW_STYLE_ID = (
    r"(?:0[7-9]|1[0-4])(?:0[1-9]|1[0-2])\.\d{4}"
    r"|(?:1[5-9]|[2-9]\d)(?:0[1-9]|1[0-2])\.\d{5}"
)
# Old-style ids: archive (optionally with a subject class) / YYMMNNN.
_OLD_STYLE_ID = r"[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7}"

_ID_LINE = re.compile(
    rf"^(?i:arxiv):(?P<id>(?:{_NEW_STYLE_ID}|{_OLD_STYLE_ID})(?:v\d+)?)(?P<rest>.*)$"
)
_ARXIV_PREFIX = re.compile(r"^arxiv:", re.IGNORECASE)
_SUBJECT_CLASS = re.compile(r"\.[A-Z]{2}/")

# " - doi: <DOI>" right after the id, with the next abstract glued on. A DOI is
# "10." + a registrant code + "/" + a suffix, and the suffix may contain almost anything,
# so where it ends is decided in two steps:
#   (a) a suffix of digits and dots (ACM's "3664647.3680919", the form in real feeds)
#       ends where the first letter (the abstract's first word), space or end of line is;
#   (b) any other suffix ("s11263-024-02240-1", "TPAMI.2024.3412345") ends at the
#       shortest point where a capitalised word ("Deep", "Face") or a space begins.
# Rule (a) misreads an abstract that starts with a digit ("...36806093D shapes"); there
# is no way to tell those apart from the text alone.
_DOI_AFTER_ID = re.compile(
    r"""
    \s*-\s*doi:\s*
    (?P<doi>
        10\.\d{4,9}/
        (?:
            \d+(?:\.\d+)*(?=[^\W\d_]|\s|$)
          | \S+?(?=[A-Z][a-z]|\s|$)
        )
    )
    """,
    re.VERBOSE,
)
_DOI_MARKER = re.compile(r"\s*-\s*doi:", re.IGNORECASE)


def looks_like(head: str) -> bool:
    """True if the text reads as an arXiv abstract feed.

    It must not be JSON or XML, and must have a line starting with ``arXiv:<id>`` that
    either has text glued after it or comes after a first line of abstract text (so a
    bare list of ids is not taken for a feed).

    >>> looks_like("An abstract.\\narXiv:2409.19252Another abstract.\\narXiv:2409.14432")
    True
    """
    text = head.lstrip()
    if not text or text[0] in "{[<":
        return False
    id_lines = [_ID_LINE.match(line) for line in text.splitlines()]
    matches = [match for match in id_lines if match is not None]
    if not matches:
        return False
    starts_with_text = id_lines[0] is None
    return starts_with_text or any(match["rest"].strip() for match in matches)


def parse(lines: Iterable[str], origin: str) -> Iterator[ParseItem]:
    """Yield one ``Work`` per record, streaming; problems as ``Rejected`` items.

    >>> feed = ["An abstract.", "Accepted by X", "arXiv:2409.19252v2Next one.", "arXiv:2409.14432"]
    >>> [(w.ids[0], w.abstract, w.comments) for w in parse(feed, "feed.txt")]
    [('arxiv:2409.19252', 'An abstract.', 'Accepted by X'), ('arxiv:2409.14432', 'Next one.', None)]
    """
    text: list[str] = []  # the current record's non-blank lines, stripped
    text_start: int | None = None  # line number where the current record's text began
    lost_from: int | None = None  # set after a malformed id line: skip to the next id
    for number, line in enumerate(lines, start=1):
        match = _ID_LINE.match(line)
        if match is None:
            if _ARXIV_PREFIX.match(line):
                yield Rejected(
                    origin,
                    f"line starts with 'arXiv:' but {line[:30]!r} has no valid arXiv id; "
                    "the abstract before it is dropped",
                    line=number,
                )
                text, text_start, lost_from = [], None, number
            elif line.strip() and lost_from is None:
                if not text:
                    text_start = number
                text.append(line.strip())
            continue

        arxiv_id = _SUBJECT_CLASS.sub("/", match["id"])
        rest = match["rest"]
        doi = None
        doi_match = _DOI_AFTER_ID.match(rest)
        if doi_match is not None:
            doi = doi_match["doi"]
            rest = rest[doi_match.end() :]
        elif _DOI_MARKER.match(rest):
            yield Repaired(
                origin,
                f"text after 'doi:' following arXiv:{arxiv_id} is not a DOI; "
                "kept as the start of the next abstract",
                line=number,
            )

        if lost_from is not None:
            yield Rejected(
                origin,
                f"its abstract began on line {lost_from}, whose arXiv id is malformed",
                line=number,
                record=make_id("arxiv", arxiv_id),
            )
        elif not text:
            yield Rejected(
                origin,
                "arXiv id with no abstract before it",
                line=number,
                record=make_id("arxiv", arxiv_id),
            )
        else:
            yield _make_work(text, arxiv_id, doi, origin)

        lost_from = None
        text = [rest.strip()] if rest.strip() else []
        text_start = number
    if text:
        yield Rejected(origin, "abstract with no arXiv id after it", line=text_start)


def _make_work(text: list[str], arxiv_id: str, doi: str | None, origin: str) -> Work:
    """One record's text lines and id as a ``Work``; see the module docstring for the
    comments rule.

    >>> _make_work(["Abstract.", "14 pages"], "2408.14135", None, "f").comments
    '14 pages'
    """
    comments = None
    if len(text) >= 2 and len(text[-1]) <= MAX_COMMENTS_CHARS:
        comments = text[-1]
        text = text[:-1]
    ids: tuple[str, ...] = (make_id("arxiv", arxiv_id),)
    if doi is not None:
        ids += (make_id("doi", doi),)
    return Work(
        ids=ids,
        source=SOURCE,
        origin=origin,
        abstract="\n".join(text),
        comments=comments,
    )
