"""The arXiv snapshot (Kaggle JSON lines) parser against the real files in ../shared/data
(arxiv-cs, arxiv-kaggle, unarxive), plus hand-written lines for the edge cases the real
files lack."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import pytest

from scholarscope.ingest import arxiv_snapshot
from scholarscope.ingest.files import decode_head, iter_lines, read_head
from scholarscope.records import Author, Authorship, ParseItem, Rejected, Repaired, Work

ARXIV_CS = "arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz"
KAGGLE_HEAD = "arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl"
KAGGLE_2000 = "arxiv-kaggle/snapshot-0704.0001-0704.2000.jsonl"
UNARXIVE = "unarxive/metadata_kaggle_format.jsonl"


def parse_file(path: Path, limit: int | None = None) -> list[ParseItem]:
    problems: list[Rejected | Repaired] = []
    lines = islice(iter_lines(path, path.name, problems), limit)
    items = list(arxiv_snapshot.parse(lines, path.name))
    assert problems == []
    return items


def works_by_id(items: list[ParseItem]) -> dict[str, Work]:
    return {item.ids[0]: item for item in items if isinstance(item, Work)}


def names(work: Work) -> list[str]:
    return [authorship.author.name for authorship in work.authors]


def record_line(**fields: object) -> str:
    return json.dumps({"abstract": "An abstract.", "categories": "cs.LG", **fields})


# --- the arxiv-cs file: 60,419 records without authors_parsed or versions -----------


@dataclass
class CsSummary:
    """One streaming pass over the 60,419-record file: counts, plus the works the tests
    look at (the file is far too big to keep every Work in a list)."""

    counts: Counter[str] = field(default_factory=Counter)
    years: Counter[int | None] = field(default_factory=Counter)
    ids: set[str] = field(default_factory=set)
    works: dict[str, Work] = field(default_factory=dict)


KEPT = {"arxiv:2503.11731", "arxiv:2503.11742", "arxiv:2508.06471", "arxiv:2510.02569"}
KEPT |= {"arxiv:2601.05747"}


@pytest.fixture(scope="module")
def arxiv_cs(shared_data: Path) -> CsSummary:
    summary = CsSummary()
    path = shared_data / ARXIV_CS
    for item in arxiv_snapshot.parse(iter_lines(path, path.name, []), path.name):
        summary.counts[type(item).__name__] += 1
        if isinstance(item, Work):
            summary.ids.add(item.ids[0])
            summary.years[item.year] += 1
            summary.counts["single category"] += item.primary_category is not None
            summary.counts["authors"] += len(item.authors)
            if item.ids[0] in KEPT:
                summary.works[item.ids[0]] = item
    return summary


def test_arxiv_cs_file_parses_every_record(arxiv_cs: CsSummary) -> None:
    assert arxiv_cs.counts["Work"] == 60_419
    assert arxiv_cs.counts["Rejected"] == 0
    assert len(arxiv_cs.ids) == 60_419
    # Only records with exactly one category get a primary category (38k of 74k in the
    # original scrape, 30,500 in this cut).
    assert arxiv_cs.counts["single category"] == 30_500
    assert arxiv_cs.counts["authors"] == 353_264
    assert arxiv_cs.years == {2025: 40_717, 2026: 19_702}


def test_arxiv_cs_record_field_by_field(arxiv_cs: CsSummary) -> None:
    work = arxiv_cs.works["arxiv:2503.11731"]
    assert work.ids == ("arxiv:2503.11731",)
    assert work.source == "arxiv_snapshot"
    assert work.origin == "arxiv-cs-2025-03_2026-04.jsonl.gz"
    assert work.title == (
        "Industrial-Grade Sensor Simulation via Gaussian Splatting: A Modular Framework "
        "for Scalable Editing and Full-Stack Validation"
    )
    assert work.abstract is not None
    assert work.abstract.startswith(
        "Sensor simulation is pivotal for scalable validation of autonomous driving systems, "
        "yet existing"
    )
    assert work.abstract.endswith("as a cornerstone for industrial-grade sensor simulation.")
    assert "\n" not in work.abstract and "  " not in work.abstract
    assert len(work.authors) == 16
    assert work.authors[0] == Authorship(Author("Xianming Zeng"), position=1)
    assert work.authors[15] == Authorship(Author("Qiang Li"), position=16)
    assert work.categories == ("cs.CV", "cs.RO")
    assert work.primary_category is None  # two categories, order unreliable
    assert work.date == "2025-03-18"
    assert work.date_text == "2025-03-18"
    assert work.year == 2025
    assert work.comments is None
    assert work.journal_ref is None
    assert work.et_al is None
    assert work.extra == (("update_date", "2025-03-18"),)

    second = arxiv_cs.works["arxiv:2503.11742"]
    assert names(second)[0] == "Moreno D'Incà"
    assert second.comments == "Work in progress"
    assert second.categories == ("cs.CV", "cs.AI")


def test_arxiv_cs_author_strings_with_team_names_and_stray_markup(arxiv_cs: CsSummary) -> None:
    found = arxiv_cs.works
    # "GLM-4. 5 Team, :, Aohan Zeng, ...": the lone ":" is not an author.
    assert names(found["arxiv:2508.06471"])[:3] == ["GLM-4. 5 Team", "Aohan Zeng", "Xin Lv"]
    # LaTeX in a 2025 author string: "Tolúl\d{o}pé" -> dot below; "Peter St\ütz" -> ü.
    assert names(found["arxiv:2510.02569"])[0] == "Tolúlọpé Ògúnrèmí"
    assert names(found["arxiv:2601.05747"])[-1] == "Peter Stütz"


# --- the Kaggle snapshot files: the full schema ------------------------------------


def test_kaggle_head_first_record_field_by_field(shared_data: Path) -> None:
    work = works_by_id(parse_file(shared_data / KAGGLE_HEAD, limit=1))["arxiv:0704.0001"]
    assert work.ids == ("arxiv:0704.0001", "doi:10.1103/physrevd.76.013009")
    assert work.doi == "10.1103/physrevd.76.013009"
    assert work.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert work.abstract is not None
    assert work.abstract.startswith("A fully differential calculation in perturbative")
    # authors_parsed gives "C. -P." for "C.-P."; the parser undoes that artefact.
    assert names(work) == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert [a.position for a in work.authors] == [1, 2, 3, 4]
    assert work.date == "2007-04-02"
    assert work.date_text == "Mon, 2 Apr 2007 19:18:42 GMT"
    assert work.year == 2007
    assert work.categories == ("hep-ph",)
    assert work.primary_category == "hep-ph"
    assert work.comments == "37 pages, 15 figures; published version"
    assert work.journal_ref == "Phys.Rev.D76:013009,2007"
    assert work.extra == (
        ("submitter", "Pavel Nadolsky"),
        ("report-no", "ANL-HEP-PR-07-12"),
        ("update_date", "2008-11-26"),
    )


def test_kaggle_2000_records_all_parse_and_agree_with_the_head_file(shared_data: Path) -> None:
    items = parse_file(shared_data / KAGGLE_2000)
    assert len(items) == 2000
    assert all(isinstance(item, Work) for item in items)
    works = works_by_id(items)
    assert len(works) == 2000
    # The 2,000-record file was repaired from a CSV; on the 200 ids it shares with the
    # verbatim head of the snapshot every parsed field agrees.
    head = works_by_id(parse_file(shared_data / KAGGLE_HEAD))
    assert len(head) == 200
    assert all(replace(works[key], origin=work.origin) == work for key, work in head.items())

    second = works["arxiv:0704.0002"]
    assert second.categories == ("math.CO", "cs.CG")
    assert second.primary_category is None
    assert second.date == "2007-03-31"
    assert names(second) == ["Ileana Streinu", "Louis Theran"]
    assert ("license", "http://arxiv.org/licenses/nonexclusive-distrib/1.0/") in second.extra


def test_several_dois_in_one_field_become_several_ids(shared_data: Path) -> None:
    works = works_by_id(parse_file(shared_data / KAGGLE_2000))
    assert works["arxiv:0704.0033"].ids == (
        "arxiv:0704.0033",
        "doi:10.1364/josaa.23.002578",
        "doi:10.1364/josaa.32.002407",
    )
    # Three DOIs, the third after a hard line wrap.
    assert works["arxiv:0704.0389"].ids[1:] == (
        "doi:10.1103/physrevd.75.124007",
        "doi:10.1103/physrevd.82.029901",
        "doi:10.1103/physrevd.82.129903",
    )
    assert sum(len(work.ids) > 2 for work in works.values()) == 8


def test_authors_parsed_affiliations_suffixes_and_junk_entries(shared_data: Path) -> None:
    works = works_by_id(parse_file(shared_data / KAGGLE_2000))
    assert "Neal J. Evans II" in names(works["arxiv:0704.0009"])
    # [last, first, suffix, affiliation...]: the affiliation comes through.
    jaffe = works["arxiv:0704.0052"]
    assert jaffe.authors == (
        Authorship(Author("Arthur Jaffe"), 1, "Harvard University"),
        Authorship(Author("Gordon Ritter"), 2, "Harvard University"),
    )
    # Kaggle split "... (8) - (1 Dip. Astro., ...)" into a last "author" named "-".
    assert names(works["arxiv:0704.1393"])[-1] == "S. Sigurdsson"
    assert len(works["arxiv:0704.1393"].authors) == 9
    # "The BABAR Collaboration, B. Aubert, et al": the list is marked as cut short.
    assert sum(1 for work in works.values() if work.et_al) == 13


def test_author_string_parser_agrees_with_authors_parsed(shared_data: Path) -> None:
    """Drop authors_parsed from every record of the 2,000 file and parse the bare
    ``authors`` string instead: the names match Kaggle's split on all but four records,
    and on those four the string reading is the better one."""
    lines = (shared_data / KAGGLE_2000).read_text(encoding="utf-8").splitlines()
    bare = []
    for line in lines:
        record = json.loads(line)
        del record["authors_parsed"]
        bare.append(json.dumps(record))
    with_parsed = works_by_id(list(arxiv_snapshot.parse(lines, "k")))
    from_string = works_by_id(list(arxiv_snapshot.parse(bare, "k")))
    differ = {key for key in with_parsed if names(with_parsed[key]) != names(from_string[key])}
    assert differ == {
        "arxiv:0704.0760",  # "A. Abulencia et al. (CDF Collaboration)"
        "arxiv:0704.0802",  # "Robert W. Heath, Jr." (Kaggle) / "Robert W. Heath Jr."
        "arxiv:0704.0805",  # the same
        "arxiv:0704.1937",  # "CP-PACS/JLQCD Collaborations:": Kaggle keeps only JLQCD
    }
    assert names(from_string["arxiv:0704.0760"]) == ["A. Abulencia"]
    assert from_string["arxiv:0704.0760"].et_al is True
    assert from_string["arxiv:0704.0760"].authors[0].affiliation == "CDF Collaboration"
    assert names(from_string["arxiv:0704.0802"])[1] == "Robert W. Heath Jr."
    assert names(from_string["arxiv:0704.1937"])[0] == "CP-PACS/JLQCD Collaborations"

    # Numbered affiliations resolved through the legend at the end of the string,
    # which Kaggle's split leaves as "1 and 2".
    mishchenko = from_string["arxiv:0704.0025"]
    assert mishchenko.authors == (
        Authorship(
            Author("A. S. Mishchenko"),
            1,
            "CREST, Japan Science and Technology Agency; "
            "Russian Research Centre ``Kurchatov Institute''",
        ),
        Authorship(
            Author("N. Nagaosa"),
            2,
            "CREST, Japan Science and Technology Agency; The University of Tokyo",
        ),
    )
    # Authors separated only by their parenthesised affiliations.
    drago = from_string["arxiv:0704.1510"]
    assert names(drago) == ["Alessandro Drago", "Giuseppe Pagliara", "Irene Parenti"]
    assert drago.authors[0].affiliation == "Univ. Ferrara and INFN sez. Ferrara, Italy"


def test_unarxive_metadata_parses(shared_data: Path) -> None:
    items = parse_file(shared_data / UNARXIVE)
    assert len(items) == 49
    assert all(isinstance(item, Work) for item in items)
    work = works_by_id(items)["arxiv:2212.11867"]
    assert names(work) == ["Marcus Michelen", "Xuan-Truong Vu"]
    assert work.categories == ("math.PR", "math.CA", "math.CV")
    assert work.primary_category is None
    assert work.date == "2022-12-22"
    assert work.comments == "12 pages"
    assert ("license", "http://creativecommons.org/licenses/by/4.0/") in work.extra


# --- hand-written edge cases ---------------------------------------------------------


def test_bad_json_line_is_rejected_and_the_rest_still_parse() -> None:
    lines = [
        record_line(id="2501.00001", title="First"),
        "",
        '{"id": "2501.00002", "title": "Broken",',
        "   ",
        record_line(id="2501.00003", title="Third"),
    ]
    items = list(arxiv_snapshot.parse(lines, "hand.jsonl"))
    assert [type(item) for item in items] == [Work, Rejected, Work]
    rejected = items[1]
    assert isinstance(rejected, Rejected)
    assert rejected.line == 3
    assert rejected.origin == "hand.jsonl"
    assert rejected.reason.startswith("invalid JSON: Expecting property name")
    assert [item.ids[0] for item in items if isinstance(item, Work)] == [
        "arxiv:2501.00001",
        "arxiv:2501.00003",
    ]


def test_record_without_id_is_rejected_naming_line_and_title() -> None:
    lines = [
        record_line(id="2501.00001", title="Fine"),
        record_line(title="A  paper\n  without an id"),
        record_line(id="", title="Empty id"),
        "[1, 2]",
        record_line(id=704.0001, title="Id read as a number"),
    ]
    items = list(arxiv_snapshot.parse(lines, "hand.jsonl"))
    assert isinstance(items[0], Work)
    assert items[1] == Rejected(
        "hand.jsonl", "record has no arXiv id (title 'A paper without an id')", line=2
    )
    assert items[2] == Rejected("hand.jsonl", "record has no arXiv id (title 'Empty id')", line=3)
    assert items[3] == Rejected("hand.jsonl", "expected a JSON object, found a list", line=4)
    assert items[4] == Rejected(
        "hand.jsonl",
        "record has a non-text id 704.0001 (title 'Id read as a number')",
        line=5,
    )


def test_latex_accents_affiliation_groups_and_et_al() -> None:
    authors = (
        r"C. Bal\'azs, G\"{o}del, Fran\c{c}ois Viète, {\L}ukasz Nowak, Mar\'{\i}a P\'erez (Paris), "
        r"J. Smith, K. Jones (MIT), L. Brown (1,2), M. Green (2) ((1) CERN, (2) DESY), "
        r"and others et al."
    )
    work = next(arxiv_snapshot.parse([record_line(id="1", authors=authors)], "h"))
    assert isinstance(work, Work)
    assert [(a.author.name, a.affiliation) for a in work.authors] == [
        ("C. Balázs", "Paris"),
        ("Gödel", "Paris"),
        ("François Viète", "Paris"),
        ("Łukasz Nowak", "Paris"),
        ("María Pérez", "Paris"),
        ("J. Smith", "MIT"),  # a trailing affiliation covers the authors before it
        ("K. Jones", "MIT"),
        ("L. Brown", "CERN; DESY"),
        ("M. Green", "DESY"),
        ("others", None),
    ]
    assert work.et_al is True


def test_dates_without_versions_and_odd_values() -> None:
    lines = [
        record_line(id="1", versions=[], update_date="2025-03-18"),
        record_line(
            id="2", versions=[{"version": "v1", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}]
        ),
        record_line(id="3", versions=None, update_date="sometime"),
        record_line(id="4", categories=None, authors=None, doi=None, title=None),
    ]
    works = [item for item in arxiv_snapshot.parse(lines, "h") if isinstance(item, Work)]
    assert [(w.date, w.date_text, w.year) for w in works] == [
        ("2025-03-18", "2025-03-18", 2025),
        ("2007-07-24", "Tue, 24 Jul 2007 20:10:27 GMT", 2007),
        (None, "sometime", None),
        (None, None, None),
    ]
    assert works[3].categories == () and works[3].authors == () and works[3].title is None


# --- detection -----------------------------------------------------------------------


def head_of(path: Path) -> str:
    return decode_head(read_head(path))


@pytest.mark.parametrize("name", [ARXIV_CS, KAGGLE_HEAD, KAGGLE_2000, UNARXIVE])
def test_looks_like_recognises_the_snapshot_files(shared_data: Path, name: str) -> None:
    assert arxiv_snapshot.looks_like(head_of(shared_data / name))


@pytest.mark.parametrize(
    "name",
    [
        "unarxive/arXiv_src_2212_086.full.jsonl.gz",  # full text: "paper_id", metadata nested
        "openalex-fixtures/openalex-python/W2741809807.json",
        "openalex-fixtures/openalexPro/testthat___snaps__001-jq_execute__default.jsonl",
        "openalex-authors/A5002041459.json",
        "semantic-scholar/Paper.json",
        "semantic-scholar/Author.json",
        "arxiv-api/id_1707.08567_s0_m100_6a1afebfc6a3.json",
        "arxiv-api/atom_xml/id_1707.08567_s0_m100_6a1afebfc6a3.xml",
    ],
)
def test_looks_like_rejects_other_formats(shared_data: Path, name: str) -> None:
    assert not arxiv_snapshot.looks_like(head_of(shared_data / name))


def test_looks_like_accepts_a_first_line_cut_by_the_head_limit(shared_data: Path) -> None:
    first = head_of(shared_data / KAGGLE_HEAD).split("\n", 1)[0]
    assert arxiv_snapshot.looks_like("\n\n" + first[:300])
    assert not arxiv_snapshot.looks_like(first[:300] + "\n{}")  # not cut: just broken
    assert not arxiv_snapshot.looks_like('{"id": "https://openalex.org/W1", "abstract": "x"')


def test_a_byte_order_mark_before_the_first_record_is_ignored() -> None:
    line = "\ufeff" + record_line(id="2501.00001", title="BOM")
    assert arxiv_snapshot.looks_like(line)
    (work,) = arxiv_snapshot.parse([line], "bom.jsonl")
    assert isinstance(work, Work)
    assert work.ids == ("arxiv:2501.00001",)
