"""Profile pages: the two seed pages in full, and edge cases they lack."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from scholarscope.ingest import profile_page
from scholarscope.records import (
    Author,
    Authorship,
    ParseItem,
    Rejected,
    Repaired,
    StatedMetrics,
    Work,
)

SHIMING_GE = "001_a12025aa8030061e.txt"
NANNAN_WANG = "003_a5f9dfde50f3564c.txt"


def _parse_file(seeds: Path, name: str) -> list[ParseItem]:
    lines = (seeds / name).read_text(encoding="utf-8").splitlines()
    return list(profile_page.parse(lines, name))


@pytest.fixture(scope="module")
def ge_items(seeds: Path) -> list[ParseItem]:
    return _parse_file(seeds, SHIMING_GE)


@pytest.fixture(scope="module")
def wang_items(seeds: Path) -> list[ParseItem]:
    return _parse_file(seeds, NANNAN_WANG)


def _works(items: list[ParseItem]) -> list[Work]:
    return [item for item in items if isinstance(item, Work)]


def _by_title(items: list[ParseItem], title: str) -> Work:
    (work,) = [work for work in _works(items) if work.title == title]
    return work


def _names(work: Work) -> list[tuple[str, int | None]]:
    return [(authorship.author.name, authorship.position) for authorship in work.authors]


def test_shiming_ge_header_figures(ge_items: list[ParseItem]) -> None:
    assert ge_items[0] == StatedMetrics(
        author=Author("Shiming Ge"),
        source="profile_page",
        origin=SHIMING_GE,
        field="CV",
        h_index=15,
        papers=54,
        citations=1706,
        novelty=53,
        ai_score=57,
        owns_origin_works=True,
    )


def test_nannan_wang_header_figures(wang_items: list[ParseItem]) -> None:
    assert wang_items[0] == StatedMetrics(
        author=Author("Nannan Wang"),
        source="profile_page",
        origin=NANNAN_WANG,
        field="CV",
        h_index=55,
        papers=113,
        citations=3144,
        novelty=51,
        ai_score=60,
        owns_origin_works=True,
    )


@pytest.mark.parametrize(
    ("fixture", "blocks", "with_year", "code", "et_al", "owner_hidden", "badges"),
    [
        # Counted by hand with grep/awk on the files (see the report).
        ("ge_items", 50, 45, 9, 47, 37, {"CV": 37, "LG": 12, "HC": 1}),
        ("wang_items", 50, 47, 20, 50, 40, {"CV": 44, "LG": 5, "IV": 1}),
    ],
)
def test_page_totals(
    request: pytest.FixtureRequest,
    fixture: str,
    blocks: int,
    with_year: int,
    code: int,
    et_al: int,
    owner_hidden: int,
    badges: dict[str, int],
) -> None:
    items = request.getfixturevalue(fixture)
    works = _works(items)
    # One StatedMetrics, then only works: no block was rejected.
    assert len(items) == blocks + 1 and len(works) == blocks
    assert sum(work.year is not None for work in works) == with_year
    assert sum(work.code_badge is True for work in works) == code
    assert sum(work.code_badge is False for work in works) == blocks - code
    assert sum(work.et_al is True for work in works) == et_al
    assert sum(work.authors[-1].position is None for work in works) == owner_hidden
    assert Counter(work.field_badge for work in works) == badges
    for work in works:
        assert work.title and work.field_badge and work.abstract
        assert work.ids == () and work.source == "profile_page" and work.citations == ()
        assert [authorship.position for authorship in work.authors[:3]] == [1, 2, 3]


def test_first_block_of_shiming_ge(ge_items: list[ParseItem]) -> None:
    first = _works(ge_items)[0]
    assert replace(first, abstract=None) == Work(
        ids=(),
        source="profile_page",
        origin=SHIMING_GE,
        title="Selective-Supervised Contrastive Learning with Noisy Labels",
        date="2022-03-08",
        date_text="Mar 8, 2022",
        year=2022,
        field_badge="CV",
        stated_fields=("arxiv:cs.CV",),
        authors=(
            Authorship(Author("Shikun Li"), 1),
            Authorship(Author("Xiaobo Xia"), 2),
            Authorship(Author("Shiming Ge"), 3),
        ),
        et_al=True,
        affiliation_tag=None,
        code_badge=True,
    )
    assert first.abstract.startswith("Deep networks have strong capacities of embedding data")
    assert first.abstract.endswith(
        "Source codes are available at https://github.com/ShikunLi/Sel-CL"
    )


def test_a_yearless_date_is_not_given_a_year(ge_items: list[ParseItem]) -> None:
    work = _by_title(
        ge_items, "Few-shot Class-Incremental Learning via Generative Co-Memory Regularization"
    )
    assert (work.date, work.date_text, work.year) == (None, "Jan 12", None)
    assert (work.field_badge, work.code_badge, work.et_al) == ("CV", False, True)
    # The owner is behind "et al.": an author, position unknown.
    assert _names(work) == [("Kexin Bao", 1), ("Yong Li", 2), ("Dan Zeng", 3), ("Shiming Ge", None)]
    yearless = [work.date_text for work in _works(ge_items) if work.year is None]
    assert yearless == ["Jan 12", "Jan 13", "Jan 13", "Jan 27", "Jan 13"]  # page order


def test_the_affiliation_tag(ge_items: list[ParseItem], wang_items: list[ParseItem]) -> None:
    work = _by_title(
        ge_items,
        "Multi-Label Noise Transition Matrix Estimation with Label Correlations: Theory and "
        "Algorithm",
    )
    assert (work.affiliation_tag, work.et_al, work.date, work.field_badge) == (
        "tsinghua",
        True,
        "2023-09-22",
        "LG",
    )
    assert _names(work) == [
        ("Shikun Li", 1),
        ("Xiaobo Xia", 2),
        ("Hansong Zhang", 3),
        ("Shiming Ge", None),
    ]
    tagged = [work.title for work in _works(wang_items) if work.affiliation_tag]
    assert tagged == [
        "VideoReTalking: Audio-based Lip Synchronization for Talking Head Video Editing In the Wild"
    ]
    assert sum(work.affiliation_tag is not None for work in _works(ge_items)) == 1


def test_authors_lines_without_et_al(ge_items: list[ParseItem]) -> None:
    work = _by_title(
        ge_items, "Interpret the Predictions of Deep Networks via Re-Label Distillation"
    )
    assert (work.et_al, work.date, work.code_badge) == (False, "2024-09-20", False)
    assert _names(work) == [("Yingying Hua", 1), ("Shiming Ge", 2), ("Daichi Zhang", 3)]
    assert work.abstract.startswith("Interpreting the predictions of a black-box deep network")
    without = [work.title for work in _works(ge_items) if not work.et_al]
    assert without == [
        "Interpret the Predictions of Deep Networks via Re-Label Distillation",
        "Learning Differentially Private Diffusion Models via Stochastic Adversarial Distillation",
        "Low-Resolution Face Recognition via Adaptable Instance-Relation Distillation",
    ]


def test_a_number_before_the_badge_is_kept_in_extra(wang_items: list[ParseItem]) -> None:
    numbered = [
        (work.extra, work.field_badge, work.date_text, work.year)
        for work in _works(wang_items)
        if work.extra
    ]
    assert numbered == [
        ((("badge_number", "88.9"),), "LG", "May 2", None),
        ((("badge_number", "70.3"),), "CV", "May 18", None),
        ((("badge_number", "50.9"),), "CV", "May 17", None),
    ]
    work = _by_title(
        wang_items,
        "Task-Driven Subspace Decomposition for Knowledge Sharing and Isolation in LoRA-based "
        "Continual Learning",
    )
    assert work.abstract.startswith("Continual Learning (CL) requires models to sequentially")


def test_last_blocks(ge_items: list[ParseItem], wang_items: list[ParseItem]) -> None:
    last = _works(ge_items)[-1]
    assert last.title == (
        "Predicting Aesthetic Score Distribution through Cumulative Jensen-Shannon Divergence"
    )
    assert (last.date, last.field_badge) == ("2017-08-23", "CV")
    assert last.abstract.endswith("the effectiveness of our introduced CJS-CNN in this task.")
    last = _works(wang_items)[-1]
    assert (
        last.title == "Improving Adversarial Robustness via Decoupled Visual Representation Masking"
    )
    assert (last.date, last.code_badge) == ("2024-06-16", True)
    assert _names(last) == [
        ("Decheng Liu", 1),
        ("Tao Chen", 2),
        ("Chunlei Peng", 3),
        ("Nannan Wang", None),
    ]
    other = _by_title(
        wang_items,
        "Motion Artifact Removal in Pixel-Frequency Domain via Alternate Masks and Diffusion Model",
    )
    assert (other.field_badge, other.date, other.code_badge) == ("IV", "2024-12-10", True)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("000_6198259b7f70df20.txt", False),
        (SHIMING_GE, True),
        ("002_5f7ca689ee55c244.txt", False),
        (NANNAN_WANG, True),
        ("004_f083b819790df835.txt", False),
    ],
)
def test_looks_like_the_seed_files(seeds: Path, name: str, expected: bool) -> None:
    head = (seeds / name).read_text(encoding="utf-8")[:65536]
    assert profile_page.looks_like(head) is expected


def test_looks_like_needs_both_header_figures() -> None:
    assert profile_page.looks_like("Ada\nh-index3\n") is False
    assert profile_page.looks_like("Ada\n4papers\n") is False
    assert profile_page.looks_like("Ada\n\nLG\nh-index 3\n1,004 papers\n") is True
    assert profile_page.looks_like('{"hIndex": 3, "papers": 4}') is False


HEADER = "Ada Lovelace\n\nLG\nh-index3\n4papers\n12citations\nNovelty40%\nAI Score50\n\n4 Papers\n"


def _parse_text(text: str) -> list[ParseItem]:
    return list(profile_page.parse(text.splitlines(), "page.txt"))


def test_blocks_are_found_whatever_the_blank_lines() -> None:
    items = _parse_text(
        HEADER + "LGJan 2, 2024\nNo Blank Lines\nAda Lovelace\nAn abstract.\n"
        "\n\n\nMLFeb 29, 2024Code\n\n\nMany Blank Lines\n\n\n"
        "C. Babbage, A. Turing et al. · cambridge\n\n\nTwo lines\nof abstract.\n\n"
    )
    assert items[0] == StatedMetrics(
        author=Author("Ada Lovelace"),
        source="profile_page",
        origin="page.txt",
        field="LG",
        h_index=3,
        papers=4,
        citations=12,
        novelty=40,
        ai_score=50,
        owns_origin_works=True,
    )
    first, second = items[1:]
    assert (first.title, first.date, first.et_al, _names(first)) == (
        "No Blank Lines",
        "2024-01-02",
        False,
        [("Ada Lovelace", 1)],
    )
    assert (second.title, second.date, second.field_badge, second.code_badge) == (
        "Many Blank Lines",
        "2024-02-29",
        "ML",
        True,
    )
    assert (second.affiliation_tag, second.abstract) == ("cambridge", "Two lines\nof abstract.")
    assert _names(second) == [("C. Babbage", 1), ("A. Turing", 2), ("Ada Lovelace", None)]


def test_malformed_blocks_are_rejected_and_reading_goes_on() -> None:
    items = _parse_text(
        HEADER
        + "CVMar 1, 2024\n\n"  # line 11: no title at all
        + "CVMar 2, 2024\nA Title With No Authors\n\n"  # lines 13-14
        + ("An abstract where the authors line should be. " * 10)
        + "\n\nCVMar 3, 2024\nA Good One\n\nAda Lovelace et al.\n\nText.\n"
    )
    assert items[1:3] == [
        Rejected("page.txt", "paper block has no title after its badge line", line=11),
        Rejected(
            "page.txt",
            "paper block has no authors line after its title",
            line=14,
            record="A Title With No Authors",
        ),
    ]
    assert [item.title for item in items[3:]] == ["A Good One"]
    assert items[3].et_al is True


def test_an_impossible_date_is_reported_and_the_year_kept() -> None:
    items = _parse_text(HEADER + "CVFeb 30, 2023\nA Title\n\nAda Lovelace\n\nText.\n")
    assert items[1] == Repaired(
        "page.txt", "date 'Feb 30, 2023' is not a calendar date; kept as text", line=11
    )
    assert (items[2].date, items[2].date_text, items[2].year) == (None, "Feb 30, 2023", 2023)


def test_header_problems() -> None:
    items = _parse_text("h-index3\n4papers\nCVMar 1, 2024\nA Title\nSomeone Else\n")
    assert items[0] == Rejected(
        "page.txt", "profile page has no owner name before its first paper", line=1
    )
    # With no owner known, only the shown authors are listed.
    assert _names(items[1]) == [("Someone Else", 1)]
    items = _parse_text("Ada\nh-index3\nFollowers 12\n4papers\n")
    assert items == [
        Rejected("page.txt", "profile header line not understood: 'Followers 12'", line=3),
        StatedMetrics(
            author=Author("Ada"),
            source="profile_page",
            origin="page.txt",
            h_index=3,
            papers=4,
            owns_origin_works=True,
        ),
    ]
