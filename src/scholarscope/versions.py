"""Versions of one paper: found, linked and counted once, never merged (pure).

A preprint and its journal article, a conference paper and its journal extension, one
article under two DOIs (a publisher's and JSTOR's), an article and its copy on figshare:
each stays a work of its own, with its ids, venue, date and citation figures, and the
works are *linked* as versions of one paper. (Copies of one record -- a feed record and
a profile-page block, two sources of one arXiv id -- are merged at ingest instead, see
``pipeline/ingest.py``.) A link between two works carries the rule that made it, a
confidence and the evidence in words. The rules, first match wins:

1. **Never** a document *about* a paper: titles that begin "Author response for",
   "Review for", "Decision letter for", "Reply to", "Comment on", "Correction to",
   "Erratum", "Retraction" … are two documents even with one title and abstract (a
   paper's review rounds share a title, authors and a publisher's boilerplate abstract).
2. **"preprint and published version"** / **"same title, shared authors"**: the same
   folded title (``records.fold_text``), years at most ``MAX_YEAR_GAP`` apart, and
   compatible authors: at least one surname in common, and at least half of the shorter
   list's surnames. The first name when one of the two is a preprint or repository copy
   (an arXiv id, an SSRN / Research Square / Preprints.org … DOI or venue) and the other
   published. Two preprints on one server (two arXiv ids) need more: arXiv holds real
   resubmissions of one title by some of the same authors that are other papers; they
   are linked only with near-identical abstracts or the same surnames.
3. **"same title and abstract"**: the same title where one record names no authors, or a
   generic title ("Introduction", "Editorial", "Preface", a title under
   ``MIN_TITLE_CHARS`` characters or three words), only with near-identical abstracts
   (``NEAR_ABSTRACT`` of the words in order, ``difflib``) and, for a generic title,
   compatible authors.
4. **"same abstract, similar title"**: near-identical abstracts of ``MIN_ABSTRACT_CHARS``
   or more and titles sharing ``SIMILAR_TITLE`` of their words, authors compatible or
   unnamed. An identical abstract alone is no evidence: the arXiv listing behind
   ``../shared/data/arxiv-cs`` gives four pairs of different papers the same abstract,
   and an Edward Elgar book's chapters in OpenAlex all carry the book's blurb. (Ingest
   finds these candidates by the abstract key, so in practice the folded abstracts are
   equal.)
5. **"same abstract, untitled record"**: a record without a title (a feed record under
   another arXiv id) whose abstract is near-identical to a titled work's.

A **version group** is a connected set of linked works. Its **primary version** is the
published one (a DOI that is not a preprint server's or repository's, or a venue that is
not one), then the one with ids in the most schemes (the record other databases index
best), then the earliest, then the lowest work id (``primary_version``).

Counting once (``count_versions_once``): an author's version group is one paper, shown
by its primary version (or, when the author is not on it, their lowest-numbered
version), with the citation figures of the version that has the highest: databases split
a paper's citations between its versions (a citing paper names the preprint or the
article), so the highest is the figure closest to the paper's, while a sum would count a
paper cited under both names twice.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scholarscope.records import fold_text, id_scheme

MAX_YEAR_GAP = 3  # a preprint and its journal article, or a conference paper's extension
NEAR_ABSTRACT = 0.9  # share of words in order (difflib ratio) for "near-identical"
SIMILAR_TITLE = 0.5  # share of title words (Jaccard) for "similar titles"
MIN_TITLE_CHARS = 20  # shorter folded titles are generic (the ingest title key's limit)
MIN_ABSTRACT_CHARS = 300  # a shorter abstract may be shared by chance (ingest's limit)
_COMPARED_WORDS = 600  # words of an abstract compared (a scraped page has 5,000)

RULE_PREPRINT = "preprint and published version"
RULE_TITLE = "same title, shared authors"
RULE_TITLE_ABSTRACT = "same title and abstract"
RULE_ABSTRACT = "same abstract, similar title"
RULE_UNTITLED = "same abstract, untitled record"
RULES = (RULE_PREPRINT, RULE_TITLE, RULE_TITLE_ABSTRACT, RULE_ABSTRACT, RULE_UNTITLED)

# Folded titles that name a kind of document, not a paper: two works with one of these
# are two documents unless their abstracts and authors say otherwise.
GENERIC_TITLES = frozenset(
    """introduction editorial preface foreword reply response discussion comment comments
    conclusion conclusions index contents abstract abstracts summary bibliography
    references appendix erratum errata corrigendum correction retraction obituary news
    announcements acknowledgments acknowledgements reviewers""".split()
) | frozenset(
    (
        "table of contents",
        "front matter",
        "back matter",
        "book review",
        "book reviews",
        "in memoriam",
        "letter to the editor",
        "letters to the editor",
        "editorial board",
        "guest editorial",
        "editors note",
        "analyses bibliographiques",
        "analyse douvrage",
        "introduction to the special issue",
        "preface to the special issue",
        "acknowledgment of reviewers",
        "acknowledgement to reviewers",
    )
)
# Titles of documents about a paper (rule 1), folded, matched at the start.
ABOUT_A_PAPER = (
    "author response for",
    "review for",
    "decision letter for",
    "reply to",
    "response to",
    "comment on",
    "comments on",
    "discussion of",
    "discussion on",
    "correction to",
    "erratum",
    "corrigendum",
    "retraction",
    "retracted",
    "expression of concern",
    "addendum to",
    "withdrawn",
)
# DOIs of preprint servers and repositories, by prefix (folded to lower case): a work
# whose DOIs are all of these is a preprint or a copy, not the published version.
REPOSITORY_DOIS = (
    ("arxiv", re.compile(r"10\.48550/arxiv\.")),
    ("ssrn", re.compile(r"10\.2139/ssrn\.")),
    ("preprints.org", re.compile(r"10\.20944/preprints")),
    ("research square", re.compile(r"10\.21203/rs\.")),
    ("biorxiv", re.compile(r"10\.1101/\d")),  # 10.1101/gr.… is a journal (Genome Research)
    ("eartharxiv", re.compile(r"10\.31223/")),
    ("essoar", re.compile(r"10\.(1002|22541)/essoar\.")),
    ("authorea", re.compile(r"10\.22541/au\.")),
    ("osf", re.compile(r"10\.3123[459]/")),
    ("techrxiv", re.compile(r"10\.36227/techrxiv")),
    ("chemrxiv", re.compile(r"10\.26434/chemrxiv")),
    ("egusphere", re.compile(r"10\.5194/egusphere")),
    ("researchgate", re.compile(r"10\.13140/")),
    ("figshare", re.compile(r"10\.6084/m9\.figshare")),
    ("zenodo", re.compile(r"10\.5281/zenodo")),
)
# Venues (folded) of preprint servers and repositories, for works without a DOI.
REPOSITORY_VENUES = (
    "arxiv",
    "ssrn",
    "research square",
    "preprints org",
    "biorxiv",
    "medrxiv",
    "eartharxiv",
    "ess open archive",
    "authorea",
    "techrxiv",
    "chemrxiv",
    "egusphere",
    "researchgate",
    "figshare",
    "zenodo",
)


@dataclass(frozen=True)
class VersionCandidate:
    """What the rules read of one stored work. ``titles`` are the folded titles of its
    records; ``surnames`` the last words of its authors' folded names; ``abstract`` its
    shown abstract, folded; ``ids`` its scheme ids (no match keys)."""

    work_id: int
    titles: frozenset[str]
    year: int | None
    surnames: frozenset[str]
    ids: tuple[str, ...]
    date: str | None = None
    abstract: str | None = None
    venue: str | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class VersionLink:
    """Two works found to be versions of one paper, by ``rule``, with ``confidence``
    (0-1) and the ``evidence`` in words. ``work_id < other_id``."""

    work_id: int
    other_id: int
    rule: str
    confidence: float
    evidence: str


def is_generic_title(folded: str) -> bool:
    """A folded title that names a kind of document rather than one paper.

    >>> is_generic_title("editorial"), is_generic_title("deep learning")
    (True, True)
    >>> is_generic_title("factors controlling sonic velocity in dolostones")
    False
    """
    return folded in GENERIC_TITLES or len(folded) < MIN_TITLE_CHARS or len(folded.split()) < 3


def is_about_a_paper(folded: str) -> bool:
    """A title of a document about a paper (a review round's author response, an
    erratum): never a version of anything.

    >>> is_about_a_paper("author response for upper cretaceous wedge top architecture")
    True
    """
    return any(folded == p or folded.startswith(p + " ") for p in ABOUT_A_PAPER)


def repository(candidate: VersionCandidate) -> str | None:
    """The preprint server or repository a work is a copy on (``"arxiv"``, ``"ssrn"``
    …), or None for a published work (one DOI of a publisher is enough) or one that
    says nothing of where it appeared.

    >>> repository(VersionCandidate(1, frozenset(), 2024, frozenset(),
    ...                             ("doi:10.2139/ssrn.4929753",)))
    'ssrn'
    >>> repository(VersionCandidate(2, frozenset(), 2024, frozenset(),
    ...     ("arxiv:2305.02329", "doi:10.48550/arxiv.2305.02329")))
    'arxiv'
    """
    found = _copy_on(candidate)
    return found[0] if found else None


def _copy_on(candidate: VersionCandidate) -> tuple[str, str] | None:
    """(server, the id or venue that says so) for a preprint or repository copy."""
    dois = [(_doi_server(key[4:]), key) for key in candidate.ids if key.startswith("doi:")]
    if any(server is None for server, _ in dois):
        return None  # a publisher's DOI: the published version
    for server, key in dois:
        return str(server), key
    arxiv = next((key for key in candidate.ids if key.startswith("arxiv:")), None)
    if arxiv:
        return "arxiv", arxiv
    venue = fold_text(candidate.venue or "")
    server = next((v for v in REPOSITORY_VENUES if venue == v or venue.startswith(v + " ")), None)
    return (server, f"venue {candidate.venue}") if server else None


def _doi_server(doi: str) -> str | None:
    return next((name for name, pattern in REPOSITORY_DOIS if pattern.match(doi)), None)


def is_published(candidate: VersionCandidate) -> bool:
    """A DOI of a publisher, or a venue that is no preprint server or repository."""
    if repository(candidate) is not None:
        return False
    return any(key.startswith("doi:") for key in candidate.ids) or bool(candidate.venue)


def abstract_similarity(a: str | None, b: str | None) -> float | None:
    """The share of words two folded abstracts have in common, in order (difflib's
    ratio over their first 600 words), or None when either is missing.

    >>> abstract_similarity("we study noisy labels", "we study noisy label sets")
    0.667
    """
    if not a or not b:
        return None
    words_a, words_b = a.split()[:_COMPARED_WORDS], b.split()[:_COMPARED_WORDS]
    matcher = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    return round(matcher.ratio(), 3)


def title_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the words of two folded titles.

    >>> title_similarity("kemik sandstone inner shelf sand", "abstract kemik sandstone")
    0.333
    """
    words_a, words_b = set(a.split()), set(b.split())
    if not words_a or not words_b:
        return 0.0
    return round(len(words_a & words_b) / len(words_a | words_b), 3)


def authors_compatible(a: frozenset[str], b: frozenset[str]) -> bool | None:
    """Could two author lists (surnames) be one paper's? None when either is empty;
    else at least one surname shared, and at least half of the shorter list's.

    >>> authors_compatible(frozenset({"shao", "cheng"}), frozenset({"shao", "cheng", "wu"}))
    True
    >>> authors_compatible(frozenset({"wang", "li", "zhang"}), frozenset({"wang", "chen"}))
    True
    >>> authors_compatible(frozenset({"wang", "li", "zhang"}), frozenset({"wang", "he", "xu"}))
    False
    """
    if not a or not b:
        return None
    shared = len(a & b)
    return shared >= 1 and 2 * shared >= min(len(a), len(b))


def compare(a: VersionCandidate, b: VersionCandidate) -> VersionLink | None:
    """The version link between two different works, or None (the module docstring
    gives the rules).

    >>> journal = VersionCandidate(22, frozenset({"factors controlling sonic velocity in "
    ...     "dolostones"}), 2022, frozenset({"salih", "eltom"}), ("doi:10.1016/j.mpg.1",))
    >>> ssrn = VersionCandidate(286, journal.titles, 2022, journal.surnames,
    ...                         ("doi:10.2139/ssrn.4070110",))
    >>> link = compare(ssrn, journal)
    >>> link.work_id, link.other_id, link.rule, link.confidence
    (22, 286, 'preprint and published version', 0.95)
    """
    if a.work_id == b.work_id or any(is_about_a_paper(t) for t in a.titles | b.titles):
        return None
    if a.year is not None and b.year is not None and abs(a.year - b.year) > MAX_YEAR_GAP:
        return None
    authors = authors_compatible(a.surnames, b.surnames)
    if authors is False:
        return None
    abstracts = abstract_similarity(a.abstract, b.abstract)
    near = abstracts is not None and abstracts >= NEAR_ABSTRACT
    long_abstracts = min(len(a.abstract or ""), len(b.abstract or "")) >= MIN_ABSTRACT_CHARS
    same_surnames = bool(a.surnames) and a.surnames == b.surnames
    servers = repository(a), repository(b)
    said = _Evidence(a, b, abstracts)
    shared_titles = a.titles & b.titles
    if shared_titles:
        generic = all(is_generic_title(t) for t in shared_titles)
        if authors is None or generic:
            if not near or (generic and not authors):
                return None
            return said.link(RULE_TITLE_ABSTRACT, 0.9, "the same title")
        if servers[0] is not None and servers[0] == servers[1] and not (near or same_surnames):
            return None  # two preprints on one server: a resubmission may be another paper
        confidence = 0.98 if near else 0.95 if same_surnames else 0.9
        if (servers[0] is None) != (servers[1] is None) and is_published(
            a if servers[0] is None else b
        ):
            return said.link(RULE_PREPRINT, confidence, "the same title")
        return said.link(RULE_TITLE, confidence, "the same title")
    if not (near and long_abstracts):
        return None
    if not a.titles or not b.titles:
        return said.link(RULE_UNTITLED, 0.8, "no title on one record")
    best = max(title_similarity(x, y) for x in a.titles for y in b.titles)
    if best < SIMILAR_TITLE:
        return None
    return said.link(RULE_ABSTRACT, 0.85, f"titles sharing {best:.0%} of their words")


@dataclass(frozen=True)
class _Evidence:
    """The evidence of a link, said in words."""

    a: VersionCandidate
    b: VersionCandidate
    abstracts: float | None

    def link(self, rule: str, confidence: float, titles: str) -> VersionLink:
        a, b = sorted((self.a, self.b), key=lambda c: c.work_id)
        parts = [titles]
        years = sorted({c.year for c in (a, b) if c.year is not None})
        if years:
            parts.append(("years " if len(years) > 1 else "year ") + " and ".join(map(str, years)))
        if a.surnames and b.surnames:
            shared = sorted(a.surnames & b.surnames)
            listed = ", ".join(shared[:4]) + (" …" if len(shared) > 4 else "")
            parts.append(f"{len(shared)} of {max(len(a.surnames), len(b.surnames))} surnames "
                         f"shared ({listed})")  # fmt: skip
        else:
            parts.append("one record names no authors")
        if self.abstracts is None:
            parts.append("an abstract missing")
        else:
            parts.append(f"abstracts {self.abstracts:.0%} alike")
        for c in (a, b):
            copy = _copy_on(c)
            if copy:
                parts.append(f"{copy[1]} is on {copy[0]}")
        return VersionLink(a.work_id, b.work_id, rule, confidence, "; ".join(parts))


def primary_version(members: Iterable[VersionCandidate]) -> int:
    """The work that stands for its version group: published first, then ids in the
    most schemes, then the earliest date, then the lowest work id.

    >>> ssrn = VersionCandidate(63, frozenset(), 2024, frozenset(),
    ...                         ("doi:10.2139/ssrn.4929753", "openalex:W4401685941"))
    >>> journal = VersionCandidate(22, frozenset(), 2024, frozenset(),
    ...                            ("doi:10.1016/j.marpetgeo.2024.107147",))
    >>> primary_version([ssrn, journal])
    22
    """

    def rank(c: VersionCandidate) -> tuple[bool, int, str, int]:
        schemes = len({id_scheme(key) for key in c.ids})
        return (not is_published(c), -schemes, c.date or str(c.year or 9999), c.work_id)

    return min(members, key=rank).work_id


def version_groups(links: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The connected sets of linked works, each sorted, in order of their first work.

    >>> version_groups([(3, 4), (1, 2), (4, 9)])
    [[1, 2], [3, 4, 9]]
    """
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in sorted(parent):
        groups.setdefault(root(x), []).append(x)
    return sorted(groups.values())


def version_paths(
    work_id: int, links: Mapping[tuple[int, int], VersionLink]
) -> dict[int, tuple[VersionLink, int | None]]:
    """For each other version of a work: the link that reaches it, and the version it is
    reached through (None when the two are linked directly), nearest first.

    >>> link = lambda a, b: VersionLink(a, b, RULE_TITLE, 0.9, "")
    >>> paths = version_paths(1, {(1, 2): link(1, 2), (2, 3): link(2, 3)})
    >>> [(other, through) for other, (_, through) in paths.items()]
    [(2, None), (3, 2)]
    """
    adjacent: dict[int, list[tuple[int, VersionLink]]] = {}
    for (a, b), found in sorted(links.items()):
        adjacent.setdefault(a, []).append((b, found))
        adjacent.setdefault(b, []).append((a, found))
    reached: dict[int, tuple[VersionLink, int | None]] = {}
    frontier = [work_id]
    seen = {work_id}
    while frontier:
        following: list[int] = []
        for node in frontier:
            for other, found in adjacent.get(node, []):
                if other not in seen:
                    seen.add(other)
                    reached[other] = (found, None if node == work_id else node)
                    following.append(other)
        frontier = following
    return reached


def version_entries(
    work_id: int,
    links: Iterable[VersionLink],
    labels: Mapping[int, dict[str, Any]],
    primary_id: int,
) -> list[dict[str, Any]]:
    """A work's other versions as the work JSON lists them (``versions``), nearest first:
    each with its ``labels`` entry (id, title, year, venue, sources) and the link that
    reaches it: rule, confidence, evidence, and ``through``, the id of the version it is
    linked to when that is not this work; ``primary`` marks the group's primary version.

    >>> found = VersionLink(22, 63, RULE_PREPRINT, 0.95, "the same title")
    >>> entry, = version_entries(22, [found], {63: {"id": "doi:10.2139/ssrn.4929753"}}, 22)
    >>> entry["id"], entry["rule"], entry["confidence"], entry["primary"], entry["through"]
    ('doi:10.2139/ssrn.4929753', 'preprint and published version', 0.95, False, None)
    """
    paths = version_paths(work_id, {(x.work_id, x.other_id): x for x in links})
    entries = []
    for other, (found, through) in paths.items():
        label = labels.get(other, {"id": f"work:{other}"})
        entries.append(
            {
                **label,
                "work_id": other,
                "rule": found.rule,
                "confidence": found.confidence,
                "evidence": found.evidence,
                "through": None if through is None else labels.get(through, {}).get("id"),
                "primary": other == primary_id,
            }
        )
    return entries


def count_versions_once(
    works: Sequence[dict[str, Any]], primary_of: Mapping[int, int]
) -> tuple[list[dict[str, Any]], int]:
    """An author's works (dicts with ``work_id`` and the citation keys of
    ``work_views.citation_fields``) with each version group counted once, and how many
    works were folded into another version. ``primary_of`` maps each grouped work to its
    group's primary version. The group is shown by its primary version, or by the
    author's lowest-numbered version when they are not on the primary; it carries the
    citation figures of the version with the highest figure (the module docstring says
    why), with ``citations_version`` naming that version's work id when it is another.

    >>> works = [{"work_id": 22, "citations": 12}, {"work_id": 63, "citations": 1},
    ...          {"work_id": 5, "citations": 0}]
    >>> counted, folded = count_versions_once(works, {22: 22, 63: 22})
    >>> [(w["work_id"], w["citations"]) for w in counted], folded
    ([(22, 12), (5, 0)], 1)
    """
    members: dict[int, list[dict[str, Any]]] = {}
    for work in works:
        group = primary_of.get(work["work_id"])
        if group is not None:
            members.setdefault(group, []).append(work)
    counted: list[dict[str, Any]] = []
    folded = 0
    for work in works:
        group = primary_of.get(work["work_id"])
        if group is None:
            counted.append(work)
            continue
        versions = members[group]
        shown = next((w for w in versions if w["work_id"] == group), None)
        shown = shown or min(versions, key=lambda w: w["work_id"])
        if work is not shown:
            folded += 1
            continue
        cited = max(versions, key=lambda w: (_figure(w), w is shown))
        if cited is shown or cited.get("citations") is None:
            counted.append(shown)
            continue
        keys = ("citations", "citations_source", "citations_by_source")
        counted.append(
            {**shown, **{k: cited[k] for k in keys if k in cited},
             "citations_version": cited["work_id"]}
        )  # fmt: skip
    return counted, folded


def _figure(work: dict[str, Any]) -> int:
    count = work.get("citations")
    return -1 if count is None else int(count)


__all__ = [
    "MAX_YEAR_GAP",
    "NEAR_ABSTRACT",
    "RULES",
    "VersionCandidate",
    "VersionLink",
    "abstract_similarity",
    "authors_compatible",
    "compare",
    "count_versions_once",
    "is_about_a_paper",
    "is_generic_title",
    "is_published",
    "primary_version",
    "repository",
    "title_similarity",
    "version_entries",
    "version_groups",
    "version_paths",
]
