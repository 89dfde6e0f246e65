"""The OpenAlex parser against the real files in ../shared/data (openalex-authors and
openalex-fixtures), plus a few hand-written edge cases the real files lack."""

from __future__ import annotations

from pathlib import Path

import pytest

from scholarscope.ingest import openalex
from scholarscope.ingest.files import decode_head, iter_lines, read_head
from scholarscope.records import (
    Author,
    Authorship,
    CitationCount,
    ParseItem,
    Rejected,
    Repaired,
    StatedMetrics,
    Work,
)
from scholarscope.score.metrics import h_index

# Per author bundle: (name, works in the bundle, OpenAlex's summary_stats.h_index).
BUNDLES = {
    "A5002041459": ("Nikolaos A. Michael", 12, 6),
    "A5014657720": ("Abdulwahab Muhammad Bello", 63, 13),
    "A5018306569": ("Mohammad Alsuwaidi", 42, 11),
    "A5028390167": ("Osman Abdullatif", 150, 17),
    "A5030587820": ("Camilo A. Polo", 9, 4),
    "A5034460286": ("Moaz Salih", 22, 5),
    "A5035421092": ("Mutasim Osman", 41, 4),
    "A5039010638": ("Mohamed O. Abouelresh", 49, 14),
    "A5040147688": ("Michael H. Stephenson", 158, 31),
    "A5040857714": ("Hassan A. Eltom", 83, 15),
    "A5047482366": ("Hussain Al Ajmi", 14, 5),
    "A5051302005": ("Adhipa Herlambang", 30, 5),
    "A5054134454": ("S. Al-Hajri", 34, 14),
    "A5074794653": ("Abdulkader M. Afifi", 78, 15),
    "A5080643603": ("Septriandi A. Chan", 33, 9),
    "A5081811780": ("Moujahed Al-Husseini", 60, 22),
    "A5084630459": ("Raymond Énay", 103, 21),
    "A5088388992": ("Nabil A. Saraih", 11, 4),
    "A5102809672": ("Abdulkader M. Abed", 60, 24),
    "A5103799444": ("John Melvin", 36, 13),
}
PRO = "openalex-fixtures/openalexPro"
PYTHON = "openalex-fixtures/openalex-python"


def parse_file(path: Path) -> list[ParseItem]:
    problems: list[Rejected | Repaired] = []
    items = list(openalex.parse(iter_lines(path, "f", problems), "f"))
    assert problems == []
    return items


def works_of(items: list[ParseItem]) -> list[Work]:
    return [item for item in items if isinstance(item, Work)]


def test_every_author_file_is_covered(shared_data: Path) -> None:
    stems = {path.stem for path in (shared_data / "openalex-authors").glob("*.json")}
    assert stems == set(BUNDLES)


@pytest.mark.parametrize("stem", sorted(BUNDLES))
def test_bundle_h_index_from_works_equals_stated(shared_data: Path, stem: str) -> None:
    name, work_count, stated_h = BUNDLES[stem]
    items = parse_file(shared_data / "openalex-authors" / f"{stem}.json")
    metrics = items[0]
    assert isinstance(metrics, StatedMetrics)
    assert metrics.author.name == name
    assert metrics.author.ids[0] == f"openalex:{stem}"
    assert metrics.owns_origin_works is True
    works = works_of(items)
    assert len(works) == len(items) - 1 == work_count
    assert all(work.origin == metrics.origin == "f:1" for work in works)
    counts = [work.citations[0].count for work in works]
    assert h_index(counts) == metrics.h_index == stated_h


def test_bundle_metrics_and_first_work_field_by_field(shared_data: Path) -> None:
    items = parse_file(shared_data / "openalex-authors" / "A5002041459.json")
    michael = Author("Nikolaos A. Michael", ("openalex:A5002041459", "orcid:0000-0002-6113-9589"))
    assert items[0] == StatedMetrics(
        author=michael,
        source="openalex",
        origin="f:1",
        as_of="2026-02-01",
        h_index=6,
        i10_index=5,
        papers=12,
        citations=127,
        owns_origin_works=True,
    )
    work = items[1]
    assert isinstance(work, Work)
    assert work.ids == ("openalex:W2181906270", "doi:10.1111/bre.12172", "mag:2181906270")
    assert work.source == "openalex"
    assert work.title == "Fractionation of grain size in terrestrial sediment routing systems"
    assert work.abstract is not None
    assert work.abstract.startswith("Abstract Sediment is fractionated by size during its cascade")
    assert work.abstract.endswith("source‐to‐sink approaches to basin analysis.")
    assert (work.date, work.year) == ("2015-11-30", 2015)
    assert work.venue == "Basin Research"
    assert len(work.authors) == 7
    assert work.authors[0] == Authorship(
        Author("Philip A. Allen", ("openalex:A5103059223", "orcid:0000-0002-7543-7042")),
        1,
        "Imperial College London",
    )
    assert work.authors[1] == Authorship(michael, 2, "Saudi Aramco (Saudi Arabia)")
    assert work.authors[2].author == Author("Mitchall D’Arcy", ("openalex:A5061640324",))
    assert work.citations == (
        CitationCount(
            "openalex",
            37,
            "2025-11-06",
            (
                (2015, 1),
                (2016, 1),
                (2017, 2),
                (2018, 3),
                (2019, 7),
                (2020, 2),
                (2021, 3),
                (2022, 2),
                (2023, 5),
                (2024, 5),
                (2025, 6),
            ),
        ),
    )
    assert work.categories == ()
    assert work.extra == (
        ("type", "article"),
        ("openalex_primary_topic", "Geological formations and processes"),
    )


def test_arxiv_id_found_in_locations(shared_data: Path) -> None:
    works = works_of(parse_file(shared_data / "openalex-authors" / "A5074794653.json"))
    with_arxiv = [work for work in works if any(i.startswith("arxiv:") for i in work.ids)]
    assert [work.ids for work in with_arxiv] == [
        ("openalex:W4416993495", "doi:10.48550/arxiv.2512.00912", "arxiv:2512.00912")
    ]


def test_single_work(shared_data: Path) -> None:
    items = parse_file(shared_data / PYTHON / "W2741809807.json")
    assert len(items) == 1
    work = items[0]
    assert isinstance(work, Work)
    assert work.ids == (
        "openalex:W2741809807",
        "doi:10.7717/peerj.4375",
        "pmid:29456894",
        "mag:2741809807",
    )
    assert work.origin == "f:1"
    assert work.title == (
        "The state of OA: a large-scale analysis of the prevalence and impact of Open Access "
        "articles"
    )
    assert work.abstract is not None
    assert work.abstract.startswith(
        "Despite growing interest in Open Access (OA) to scholarly literature, there is an unmet"
    )
    assert (work.date, work.year, work.venue) == ("2018-02-13", 2018, "PeerJ")
    assert len(work.authors) == 9
    assert work.authors[1] == Authorship(
        Author("Jason Priem", ("openalex:A5023888391", "orcid:0000-0001-6187-6610")),
        2,
        work.authors[1].affiliation,
    )
    citations = work.citations[0]
    assert (citations.count, citations.as_of) == (962, "2025-06-11")
    assert citations.by_year[0] == (2017, 9)
    assert citations.by_year[-1] == (2025, 30)
    assert dict(work.extra)["openalex_primary_topic"] == "scientometrics and bibliometrics research"


def test_pretty_printed_older_work_uses_primary_location(shared_data: Path) -> None:
    (work,) = parse_file(shared_data / PYTHON / "W-api-response.json")
    assert isinstance(work, Work)
    assert work.ids == ("openalex:W2755950973", "doi:10.1103/physrevlett.118.091101")
    assert work.venue == "Physical Review Letters"
    assert work.abstract is not None
    assert work.abstract.startswith("We present the observation of GW170104")
    assert work.citations[0].count == 850


def test_single_author(shared_data: Path) -> None:
    assert parse_file(shared_data / PYTHON / "A5023888391.json") == [
        StatedMetrics(
            author=Author("Jason Priem", ("openalex:A5023888391", "orcid:0000-0001-6187-6610")),
            source="openalex",
            origin="f:1",
            as_of="2025-06-08",
            h_index=17,
            i10_index=20,
            papers=62,
            citations=3890,
        )
    ]


def test_author_without_summary_stats(shared_data: Path) -> None:
    (metrics,) = parse_file(shared_data / PYTHON / "A-api-response.json")
    assert isinstance(metrics, StatedMetrics)
    assert metrics.author.name == "B. P. Abbott"
    assert (metrics.h_index, metrics.i10_index) == (None, None)
    assert (metrics.papers, metrics.citations, metrics.as_of) == (523, 28451, "2023-08-01")


def test_deleted_author_gives_zeros(shared_data: Path) -> None:
    assert parse_file(shared_data / PYTHON / "A5317838346.json") == [
        StatedMetrics(
            author=Author("Deleted Author", ("openalex:A5317838346",)),
            source="openalex",
            origin="f:1",
            as_of="2023-11-09",
            h_index=0,
            i10_index=0,
            papers=0,
            citations=0,
        )
    ]


def test_same_author_and_work_at_two_snapshot_dates(shared_data: Path) -> None:
    (older,) = parse_file(shared_data / PYTHON / "A5023888391.json")
    (newer,) = parse_file(shared_data / "openalex-fixtures/mmgeorge-papers/author.json")
    assert isinstance(older, StatedMetrics) and isinstance(newer, StatedMetrics)
    assert older.author.ids == newer.author.ids
    assert (older.as_of, older.citations, older.papers) == ("2025-06-08", 3890, 62)
    assert (newer.as_of, newer.citations, newer.papers) == ("2026-02-15", 4245, 60)
    assert older.h_index == newer.h_index == 17
    (old_work,) = parse_file(shared_data / PYTHON / "W2741809807.json")
    (new_work,) = parse_file(shared_data / "openalex-fixtures/mmgeorge-papers/work.json")
    assert isinstance(old_work, Work) and isinstance(new_work, Work)
    assert old_work.ids == new_work.ids
    assert old_work.citations[0].count == 962
    assert new_work.citations[0].count == 1149
    assert new_work.citations[0].as_of == "2026-02-16"


@pytest.mark.parametrize(
    "name",
    [
        "C71924100.json",
        "F4320332161.json",
        "I27837315.json",
        "P4310319965.json",
        "S137773608.json",
        "T11636.json",
        "cardiac-imaging.json",
    ],
)
def test_other_entity_kinds_are_claimed_but_yield_nothing(shared_data: Path, name: str) -> None:
    path = shared_data / PYTHON / name
    assert openalex.looks_like(decode_head(read_head(path)))
    assert parse_file(path) == []


def test_results_page_of_works(shared_data: Path) -> None:
    works = works_of(parse_file(shared_data / PRO / "fixtures__keypaper_json__results_page_1.json"))
    assert [work.ids[0] for work in works] == ["openalex:W2755950973", "openalex:W2741809807"]
    assert works[0].title == "bibliometrix : An R-tool for comprehensive science mapping analysis"
    assert parse_file(shared_data / PRO / "fixtures__keypaper_json__results_page_2.json") == []


@pytest.mark.parametrize(("chunk", "count"), [(1, 50), (2, 50), (3, 50), (4, 25)])
def test_results_pages_and_json_lines_hold_the_same_works(
    shared_data: Path, chunk: int, count: int
) -> None:
    stem = f"testthat___snaps__008-pro_pipeline_parallel__json{{}}_chunk_{chunk}_results_page_"
    page = works_of(parse_file(shared_data / PRO / (stem.format("") + "1.json")))
    lines = parse_file(shared_data / PRO / (stem.format("l") + "1.json"))
    assert all(isinstance(item, Work) for item in lines)
    assert len(page) == len(lines) == count
    assert [work.ids for work in page] == [work.ids for work in works_of(lines)]
    assert parse_file(shared_data / PRO / (stem.format("") + "2.json")) == []


def test_json_lines_chunk_has_one_origin_per_line(shared_data: Path) -> None:
    name = "testthat___snaps__008-pro_pipeline_parallel__jsonl_chunk_4_results_page_1.json"
    works = works_of(parse_file(shared_data / PRO / name))
    assert works[-1].origin == "f:25"
    assert works[-1].ids == ("openalex:W4298043876", "doi:10.1111/j.1467-6435.1995.tb01287.x")
    # openalexPro stores the rebuilt abstract as text instead of the inverted index.
    assert works[0].abstract is not None
    assert works[0].abstract.startswith("The western states are experiencing increasing water")


@pytest.mark.parametrize("name", ["default", "page"])
def test_jq_jsonl_files(shared_data: Path, name: str) -> None:
    works = works_of(
        parse_file(shared_data / PRO / f"testthat___snaps__001-jq_execute__{name}.jsonl")
    )
    assert [(work.ids[0], work.citations[0].count, work.origin) for work in works] == [
        ("openalex:W2755950973", 9231, "f:1"),
        ("openalex:W2741809807", 957, "f:2"),
    ]


def test_empty_jsonl_yields_nothing(shared_data: Path) -> None:
    assert parse_file(shared_data / PRO / "testthat___snaps__001-jq_execute__jq_filter.jsonl") == []


@pytest.mark.parametrize("page", [1, 2, 3])
def test_schema_conflict_works_with_bare_ids(shared_data: Path, page: int) -> None:
    path = shared_data / PRO / f"fixtures__schema_conflict_jsonl__results_page_{page}.json"
    assert openalex.looks_like(decode_head(read_head(path)))
    (work,) = parse_file(path)
    assert isinstance(work, Work)
    assert work.ids == (f"openalex:W000{page}",)
    assert work.title is not None and work.title.startswith("Article with")
    assert work.citations == ()


@pytest.mark.parametrize(
    "relative",
    [
        "openalex-authors/A5040147688.json",
        f"{PYTHON}/W2741809807.json",
        f"{PYTHON}/A5317838346.json",
        f"{PRO}/fixtures__keypaper_json__results_page_2.json",
        f"{PRO}/testthat___snaps__001-jq_execute__default.jsonl",
    ],
)
def test_looks_like_openalex_files(shared_data: Path, relative: str) -> None:
    assert openalex.looks_like(decode_head(read_head(shared_data / relative)))


def test_abstract_is_rebuilt_from_positions() -> None:
    line = '{"id": "W1", "abstract_inverted_index": {"b": [1], "a": [0, 2], "c": [3]}}'
    (work,) = openalex.parse([line], "f")
    assert isinstance(work, Work)
    assert work.abstract == "a b a c"
    (empty,) = openalex.parse(['{"id": "W1", "abstract_inverted_index": null}'], "f")
    assert isinstance(empty, Work) and empty.abstract is None


def test_malformed_bundle_works_are_rejected_and_the_rest_load() -> None:
    lines = [
        "{",
        '  "details": {"id": "https://openalex.org/A1", "display_name": "A. B"},',
        '  "works": [{"id": "https://openalex.org/W1"}, "oops", {"title": "no id"},',
        '            {"id": "https://openalex.org/W2", "cited_by_count": 3}]',
        "}",
    ]
    items = list(openalex.parse(lines, "bundle.json"))
    assert [type(item).__name__ for item in items] == [
        "StatedMetrics",
        "Work",
        "Rejected",
        "Rejected",
        "Work",
    ]
    assert items[2] == Rejected("bundle.json", "works[1] is not an object (got str)", line=1)
    assert items[3] == Rejected("bundle.json", "works[2] has no OpenAlex work id", line=1)
    assert isinstance(items[4], Work) and items[4].citations[0].count == 3


def test_invalid_json_line_is_rejected_with_its_number() -> None:
    lines = ['{"id": "W1"}', '{"id": "W2", broken}', "", '{"id": "W3"}']
    items = list(openalex.parse(lines, "f.jsonl"))
    assert [type(item).__name__ for item in items] == ["Work", "Rejected", "Work"]
    rejected = items[1]
    assert isinstance(rejected, Rejected)
    assert rejected.line == 2
    assert rejected.reason.startswith("invalid JSON: Expecting property name")
    assert isinstance(items[2], Work) and items[2].origin == "f.jsonl:4"


def test_truncated_document_is_rejected_at_the_break() -> None:
    lines = ["[", '  {"id": "W1"},', '  {"id": "W2",']
    items = list(openalex.parse(lines, "f.json"))
    assert len(items) == 1
    assert isinstance(items[0], Rejected)
    assert items[0].line == 3
    assert "the rest of the document was not read" in items[0].reason


def test_json_array_and_unknown_ids() -> None:
    line = '[{"id": "W7"}, {"id": "https://openalex.org/S1"}, {"id": "2503.11731"}, 5]'
    items = list(openalex.parse([line], "f"))
    assert items[0] == Work(ids=("openalex:W7",), source="openalex", origin="f:1")
    assert items[1:] == [
        Rejected("f", "[2]: not an OpenAlex id", line=1, record="2503.11731"),
        Rejected("f", "[3] is not an object (got int)", line=1),
    ]
