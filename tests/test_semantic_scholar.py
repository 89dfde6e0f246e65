"""The Semantic Scholar parser against the real Graph API responses in
../shared/data/semantic-scholar, plus hand-written edge cases the real files lack."""

from __future__ import annotations

from pathlib import Path

import pytest

from scholarscope.ingest import semantic_scholar
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

TURING = Author("A. Turing", ("s2:2262347", "dblp:Alan M. Turing"))


def parse_file(path: Path) -> list[ParseItem]:
    problems: list[Rejected | Repaired] = []
    items = list(semantic_scholar.parse(iter_lines(path, "f", problems), "f"))
    assert problems == []
    return items


def works_of(items: list[ParseItem]) -> list[Work]:
    return [item for item in items if isinstance(item, Work)]


def test_author_stated_metrics_and_papers(shared_data: Path) -> None:
    items = parse_file(shared_data / "semantic-scholar" / "Author.json")
    assert items[0] == StatedMetrics(
        author=TURING,
        source="semantic_scholar",
        origin="f:1",
        h_index=23,
        papers=60,
        citations=12415,
        owns_origin_works=True,
    )
    works = works_of(items)
    assert len(works) == len(items) - 1 == 60
    counts = [work.citations[0].count for work in works]
    assert h_index(counts) == 23
    assert sum(counts) == 12416  # one more than S2's own citationCount
    # Every paper lists its own authors, Turing among them (first on 45 of the 60).
    positions = [
        [a.position for a in work.authors if a.author.ids[0] == "s2:2262347"] for work in works
    ]
    assert all(len(found) == 1 for found in positions)
    assert sum(found == [1] for found in positions) == 45


def test_author_paper_field_by_field(shared_data: Path) -> None:
    works = works_of(parse_file(shared_data / "semantic-scholar" / "Author.json"))
    first, second = works[0], works[1]
    assert first.ids == ("s2:5d10faffeae5e9f2ae868626b29e6e9b8047cecb",)
    assert first.title == "Dystopian or Utopian? Two Images of Alan Turing"
    assert first.abstract is not None
    assert first.abstract.startswith("Turing made intriguing statements about the future")
    assert (first.year, first.date, first.venue) == (2022, None, None)
    assert first.extra == (("s2_corpus_id", "251848799"),)
    assert second.ids == (
        "s2:947efa54175145240c1a33f62321f23db43571e7",
        "doi:10.1016/b978-044450423-4/50007-3",
        "mag:1970654545",
        "dblp:phd/Turing38",
    )
    assert second.abstract is None
    assert second.citations == (CitationCount("semantic_scholar", 328),)


def test_paper_field_by_field(shared_data: Path) -> None:
    items = parse_file(shared_data / "semantic-scholar" / "Paper.json")
    paper = items[0]
    assert isinstance(paper, Work)
    assert paper.ids == (
        "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad",
        "doi:10.1093/mind/lix.236.433",
        "mag:2145482038",
        "dblp:journals/x/Turing50",
    )
    assert paper.source == "semantic_scholar"
    assert paper.origin == "f:1"
    assert paper.title == "Computing Machinery and Intelligence"
    assert paper.abstract is not None
    assert paper.abstract.startswith("I propose to consider the question, “Can machines think?”")
    assert (paper.date, paper.year) == ("1950-10-01", 1950)
    assert paper.venue == "The Philosophy of Artificial Intelligence"
    assert paper.authors == (Authorship(TURING, 1),)
    assert paper.citations == (CitationCount("semantic_scholar", 10059, None, ()),)
    assert paper.categories == ()
    assert paper.extra[:5] == (
        ("s2_corpus_id", "14636783"),
        ("fields_of_study", "Computer Science"),
        ("fields_of_study", "Sociology"),
        ("type", "JournalArticle"),
        ("type", "Review"),
    )
    assert paper.extra[5][0] == "tldr"
    assert paper.extra[5][1].startswith("If the meaning of the words “machine” and “think”")


def test_paper_citations_and_references(shared_data: Path) -> None:
    items = parse_file(shared_data / "semantic-scholar" / "Paper.json")
    # The paper, 1,000 citing papers, then 14 references of which 6 have no id at all.
    assert len(items) == 1 + 1000 + 14
    citing = items[1:1001]
    assert all(isinstance(item, Work) for item in citing)
    assert len({work.ids[0] for work in works_of(citing)}) == 1000
    first_citing = citing[0]
    assert isinstance(first_citing, Work)
    assert first_citing.ids == (
        "s2:619922f86647f431ab4e105683f1780605dd745d",
        "doi:10.1109/jas.2024.124407",
    )
    assert first_citing.authors[0] == Authorship(Author("Tianyu Shen", ("s2:9738918",)), 1)
    assert len(first_citing.authors) == 7
    references = items[1001:]
    assert len(works_of(references)) == 8
    rejected = [item for item in references if isinstance(item, Rejected)]
    assert [item.reason for item in rejected[:2]] == [
        "references[5]: paper 'London Math. Soc' has no paperId or external id",
        "references[8]: paper \"Translator's notes to an article on Babbage's Analytical "
        'Engine Scientific Memoir" has no paperId or external id',
    ]
    assert len(rejected) == 6
    assert all(item.line == 1 for item in rejected)
    hartree = references[0]
    assert isinstance(hartree, Work)
    assert hartree.title == "Calculating Instruments and Machines"
    assert hartree.ids == (
        "s2:348f436fd9a3965f5ff17db031a9f43426f89b8e",
        "doi:10.2307/3610576",
        "mag:1490170747",
    )


def test_paper_with_null_values(shared_data: Path) -> None:
    assert parse_file(shared_data / "semantic-scholar" / "PaperWithNullValues.json") == [
        Work(
            ids=("s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad",),
            source="semantic_scholar",
            origin="f:1",
        )
    ]


def test_citation_edge_yields_the_citing_paper(shared_data: Path) -> None:
    (work,) = parse_file(shared_data / "semantic-scholar" / "Citation.json")
    assert isinstance(work, Work)
    assert work.ids == (
        "s2:bdcbc589c8d1e4dd0c6572630f8511557406ad2f",
        "doi:10.1109/lra.2022.3229266",
        "dblp:journals/ral/MonastirskyAS23",
    )
    assert work.title == "Learning to Throw With a Handful of Samples Using Decision Transformers"
    assert (work.year, work.date) == (2023, "2023-02-01")
    assert work.venue == "IEEE Robotics and Automation Letters"
    assert [a.author.name for a in work.authors] == ["M. Monastirsky", "Osher Azulay", "A. Sintov"]
    assert work.citations == (CitationCount("semantic_scholar", 2),)


def test_reference_edge_yields_the_cited_paper(shared_data: Path) -> None:
    (work,) = parse_file(shared_data / "semantic-scholar" / "Reference.json")
    assert isinstance(work, Work)
    assert work.ids == (
        "s2:331f0fb3b6176c6e463e0401025b04f6ace9ccd3",
        "arxiv:1402.0030",
        "mag:2122262818",
        "dblp:journals/corr/MnihG14",
    )
    assert work.title == "Neural Variational Inference and Learning in Belief Networks"
    assert work.citations == (CitationCount("semantic_scholar", 707),)
    assert ("fields_of_study", "Mathematics") in work.extra


@pytest.mark.parametrize(
    "name",
    ["Author.json", "Paper.json", "Citation.json", "Reference.json", "PaperWithNullValues.json"],
)
def test_looks_like_semantic_scholar_files(shared_data: Path, name: str) -> None:
    head = decode_head(read_head(shared_data / "semantic-scholar" / name))
    assert semantic_scholar.looks_like(head)


def test_page_of_citations_and_author_without_paper_authors() -> None:
    page = (
        '{"offset": 0, "next": 2, "data": ['
        '{"isInfluential": false, "citingPaper": {"paperId": "p1", "externalIds": '
        '{"PubMed": "123", "CorpusId": 9}, "authors": [{"authorId": null, "name": "X Y"}]}}, '
        '{"citingPaper": {"paperId": null, "title": "Ghost", "externalIds": null}}, '
        '{"citingPaper": null}]}'
    )
    author = (
        '{"authorId": "7", "name": "Z", "externalIds": {"ORCID": "0000-0001-2345-6789"}, '
        '"hIndex": null, "papers": [{"paperId": "p2", "authors": null}]}'
    )
    items = list(semantic_scholar.parse([page, author], "f"))
    assert items[0] == Work(
        ids=("s2:p1", "pmid:123"),
        source="semantic_scholar",
        origin="f:1",
        authors=(Authorship(Author("X Y"), 1),),
        extra=(("s2_corpus_id", "9"),),
    )
    assert items[1] == Rejected(
        "f", "data[1].citingPaper: paper 'Ghost' has no paperId or external id", line=1
    )
    assert items[2] == Rejected("f", "data[2].citingPaper is not an object (got NoneType)", line=1)
    owner = Author("Z", ("s2:7", "orcid:0000-0001-2345-6789"))
    assert items[3] == StatedMetrics(
        author=owner, source="semantic_scholar", origin="f:2", owns_origin_works=True
    )
    # The paper lists no authors, so the profile owner stands in, position unknown.
    assert items[4] == Work(
        ids=("s2:p2",),
        source="semantic_scholar",
        origin="f:2",
        authors=(Authorship(owner, None),),
    )


def test_invalid_json_and_unknown_objects_are_rejected() -> None:
    lines = ['{"paperId": "a"}', '{"paperId": ', '{"title": "no ids"}', "[1]"]
    items = list(semantic_scholar.parse(lines, "f"))
    assert items[0] == Work(ids=("s2:a",), source="semantic_scholar", origin="f:1")
    assert isinstance(items[1], Rejected) and items[1].line == 2
    assert items[1].reason.startswith("invalid JSON")
    assert items[2:] == [
        Rejected("f", "the record is not a Semantic Scholar paper or author", line=3),
        Rejected("f", "[0] is not an object (got int)", line=4),
    ]
