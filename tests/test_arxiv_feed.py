"""arXiv abstract feeds: the three seed feeds in full, and edge cases they lack."""

from __future__ import annotations

from pathlib import Path

import pytest

from scholarscope.ingest import arxiv_feed
from scholarscope.records import ParseItem, Rejected, Repaired, Work

FEED_IDS = {
    "000": [
        "2409.19252",
        "2409.14432",
        "2409.09291",
        "2409.08598",
        "2409.04714",
        "2409.02438",
        "2408.14135",
        "2408.10694",
        "2408.07476",
        "2408.05743",
    ],
    "002": [
        "2410.09865",
        "2409.14461",
        "2409.12040",
        "2409.09724",
        "2409.05393",
        "2408.08338",
        "2408.05502",
        "2408.04604",
        "2407.13426",
        "2406.20078",
    ],
    "004": [
        "2409.03501",
        "2408.12141",
        "2408.11424",
        "2408.10883",
        "2408.07675",
        "2408.02769",
        "2407.20141",
        "2407.19981",
        "2407.14746",
        "2407.08243",
    ],
}

# Every comments line in the three feeds; records not listed have none.
COMMENTS = {
    "arxiv:2409.19252": "Accepted by NeurIPS 2024",
    "arxiv:2409.14432": "Submited to IEEE Transactions on Information Forensics and Security",
    "arxiv:2409.04714": "ACM MM'24",
    "arxiv:2408.14135": "14 pages",
    "arxiv:2408.07476": "18 pages",
    "arxiv:2409.14461": "8 pages,8 figures",
    "arxiv:2408.08338": "12 pages, 6 figures. The code for this work will be released soon",
    "arxiv:2408.05502": "9 figures",
    "arxiv:2408.04604": "ACMMM24, 12 pages, 5 figures",
    "arxiv:2407.13426": "Accepted by MICCAI 2024",
    "arxiv:2409.03501": "Accepted by International Journal of Computer Vision (IJCV) in Sept 2024",
    "arxiv:2408.07675": "11 pages, 5 figures",
    "arxiv:2408.02769": "Accepted by ACM TOMM",
    "arxiv:2407.20141": "Accepted by IJCB 2024",
    "arxiv:2407.19981": "Accepted by IJCB 2024",
    "arxiv:2407.14746": "Accepted by BMVC 2024",
    "arxiv:2407.08243": "Accepted by ECAI 2024",
}

# (id, how the abstract starts, how it ends)
ABSTRACT_ENDS = [
    (
        "arxiv:2409.19252",
        "While numerous Video Violence Detection (VVD) methods",
        "demonstrate the effectiveness of our proposed DSRL.",
    ),
    (
        "arxiv:2409.04714",
        "Recent advancements in deep learning have greatly advanced",
        "will be released at https://github.com/O937-blip/SimIR.",
    ),
    (
        "arxiv:2409.02438",
        "Compared to single-modal knowledge distillation, cross-modal",
        "generalisability, and applicability of the NTDH.",
    ),
    (
        "arxiv:2408.05743",
        "Due to the advantages such as high security",
        "achieves state-of-the-art recognition accuracy.",
    ),
    (
        "arxiv:2408.04604",
        "High-resolution point clouds~(HRPCD) anomaly detection~(AD)",
        "website: https://github.com/M-3LAB/Group3AD.",
    ),
    (
        "arxiv:2407.13426",
        "Deep image registration has demonstrated exceptional accuracy",
        "available at https://github.com/x-xc/WiNet .",
    ),
    (
        "arxiv:2409.12040",
        "Remote Photoplethysmography (rPPG) is a non-contact method",
        "https://github.com/XieYiping66/SFDA-rPPG",
    ),
    (
        "arxiv:2407.08243",
        "Face anti-spoofing techniques based on domain generalization",
        "identities. The codes will be released soon.",
    ),
]


def _seed(seeds: Path, prefix: str) -> Path:
    (path,) = seeds.glob(f"{prefix}_*.txt")
    return path


def _parse_text(text: str, origin: str = "feed.txt") -> list[ParseItem]:
    return list(arxiv_feed.parse(text.splitlines(), origin))


@pytest.fixture(scope="module")
def feed_works(seeds: Path) -> dict[str, list[ParseItem]]:
    """Everything the parser yields for each seed feed, keyed by file prefix."""
    items = {}
    for prefix in FEED_IDS:
        path = _seed(seeds, prefix)
        lines = path.read_text(encoding="utf-8").splitlines()
        items[prefix] = list(arxiv_feed.parse(lines, path.name))
    return items


@pytest.fixture(scope="module")
def by_id(feed_works: dict[str, list[ParseItem]]) -> dict[str, Work]:
    works = [item for items in feed_works.values() for item in items]
    return {work.ids[0]: work for work in works if isinstance(work, Work)}


@pytest.mark.parametrize("prefix", sorted(FEED_IDS))
def test_every_record_is_read_with_its_id_in_order(
    feed_works: dict[str, list[ParseItem]], prefix: str
) -> None:
    items = feed_works[prefix]
    assert all(isinstance(item, Work) for item in items)
    assert [item.ids[0] for item in items] == [f"arxiv:{i}" for i in FEED_IDS[prefix]]


def test_thirty_records_in_the_three_feeds(by_id: dict[str, Work]) -> None:
    assert len(by_id) == 30


def test_comments_lines_exactly(by_id: dict[str, Work]) -> None:
    found = {work_id: work.comments for work_id, work in by_id.items() if work.comments}
    assert found == COMMENTS
    assert by_id["arxiv:2409.09291"].comments is None
    assert by_id["arxiv:2406.20078"].comments is None


def test_the_two_dois_belong_to_the_id_they_follow(by_id: dict[str, Work]) -> None:
    assert by_id["arxiv:2409.04714"].ids == ("arxiv:2409.04714", "doi:10.1145/3664647.3680609")
    assert by_id["arxiv:2408.04604"].ids == ("arxiv:2408.04604", "doi:10.1145/3664647.3680919")
    with_doi = sorted(work_id for work_id, work in by_id.items() if work.doi)
    assert with_doi == ["arxiv:2408.04604", "arxiv:2409.04714"]
    # The abstract glued after the DOI starts cleanly, with no DOI digits left over.
    assert by_id["arxiv:2407.13426"].abstract.startswith("Deep image registration")
    assert by_id["arxiv:2409.02438"].abstract.startswith("Compared to single-modal")


@pytest.mark.parametrize(("work_id", "start", "end"), ABSTRACT_ENDS)
def test_abstract_starts_and_ends(by_id: dict[str, Work], work_id: str, start: str, end: str):
    abstract = by_id[work_id].abstract
    assert abstract.startswith(start)
    assert abstract.endswith(end)


def test_abstracts_are_clean_and_fields_the_feed_lacks_stay_empty(
    feed_works: dict[str, list[ParseItem]], by_id: dict[str, Work]
) -> None:
    for work in by_id.values():
        assert work.source == "arxiv_feed"
        assert work.abstract == work.abstract.strip()
        assert len(work.abstract) > 1000
        assert "arXiv:" not in work.abstract and "doi:" not in work.abstract
        assert (work.title, work.authors, work.categories, work.date) == (None, (), (), None)
    assert {work.origin for work in feed_works["002"]} == {"002_5f7ca689ee55c244.txt"}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("000", True), ("001", False), ("002", True), ("003", False), ("004", True)],
)
def test_looks_like_the_seed_files(seeds: Path, prefix: str, expected: bool) -> None:
    head = _seed(seeds, prefix).read_text(encoding="utf-8")[:65536]
    assert arxiv_feed.looks_like(head) is expected


@pytest.mark.parametrize(
    "head",
    [
        "",
        '{"id": "2409.19252", "abstract": "x"}\n',
        '<?xml version="1.0"?>\n<feed>arXiv:2409.19252</feed>\n',
        "arXiv:2409.19252\narXiv:2409.14432\n",  # a bare list of ids is not a feed
        "An abstract that mentions arXiv:2409.19252 in passing.\n",
    ],
)
def test_looks_like_rejects_other_text(head: str) -> None:
    assert arxiv_feed.looks_like(head) is False


def test_looks_like_a_one_record_feed() -> None:
    assert arxiv_feed.looks_like("A lone abstract.\narXiv:2409.19252\n") is True


def test_old_style_ids_and_version_suffixes() -> None:
    items = _parse_text(
        "A 1999 abstract.\n"
        "arXiv:hep-th/9901001v3A 2003 abstract.\n"
        "arXiv:math.GT/0309136v1A 2024 abstract.\n"
        "arXiv:2409.19252v12"
    )
    assert [item.ids for item in items] == [
        ("arxiv:hep-th/9901001",),
        ("arxiv:math/0309136",),  # the subject class is not part of the id
        ("arxiv:2409.19252",),
    ]
    assert [item.abstract for item in items] == [
        "A 1999 abstract.",
        "A 2003 abstract.",
        "A 2024 abstract.",
    ]


def test_the_id_length_separates_it_from_an_abstract_starting_with_a_digit() -> None:
    items = _parse_text(
        "First.\narXiv:1412.12343D shapes before 2015.\narXiv:2409.192523D point clouds.\n"
        "arXiv:2409.14432"
    )
    assert [item.ids[0] for item in items] == [
        "arxiv:1412.1234",
        "arxiv:2409.19252",
        "arxiv:2409.14432",
    ]
    assert [item.abstract for item in items[1:]] == ["3D shapes before 2015.", "3D point clouds."]


def test_a_doi_with_letters_is_cut_where_the_next_abstract_begins() -> None:
    items = _parse_text(
        "First abstract.\n"
        "arXiv:2409.00001 - doi: 10.1007/s11263-024-02240-1Face anti-spoofing is hard.\n"
        "arXiv:2409.00002 - doi: 10.1109/TIFS.2024.3412345\n"
        "Abstract on its own line.\n"
        "arXiv:2409.00003"
    )
    assert [item.ids for item in items] == [
        ("arxiv:2409.00001", "doi:10.1007/s11263-024-02240-1"),
        ("arxiv:2409.00002", "doi:10.1109/tifs.2024.3412345"),
        ("arxiv:2409.00003",),
    ]
    assert [item.abstract for item in items] == [
        "First abstract.",
        "Face anti-spoofing is hard.",
        "Abstract on its own line.",
    ]


def test_text_after_the_last_id_is_rejected_with_its_line() -> None:
    items = _parse_text("One.\narXiv:2409.19252Two, never closed.\nStill two.\n")
    assert items[0] == Work(
        ids=("arxiv:2409.19252",), source="arxiv_feed", origin="feed.txt", abstract="One."
    )
    assert items[1:] == [Rejected("feed.txt", "abstract with no arXiv id after it", line=2)]


def test_an_id_with_no_abstract_before_it_is_rejected() -> None:
    items = _parse_text("One.\narXiv:2409.19252\narXiv:2409.14432")
    assert items[1] == Rejected(
        "feed.txt", "arXiv id with no abstract before it", line=3, record="arxiv:2409.14432"
    )


def test_a_malformed_id_rejects_its_record_and_the_next_and_reading_goes_on() -> None:
    items = _parse_text(
        "One.\n"
        "arXiv:2409.1925Two, glued to a broken id.\n"
        "Comments of two\n"
        "arXiv:2409.14432Three.\n"
        "arXiv:2409.09291"
    )
    assert [type(item) for item in items] == [Rejected, Rejected, Work]
    assert items[0].line == 2 and "has no valid arXiv id" in items[0].reason
    assert items[1] == Rejected(
        "feed.txt",
        "its abstract began on line 2, whose arXiv id is malformed",
        line=4,
        record="arxiv:2409.14432",
    )
    assert (items[2].ids, items[2].abstract) == (("arxiv:2409.09291",), "Three.")


def test_an_unreadable_doi_is_reported_and_kept_in_the_next_abstract() -> None:
    items = _parse_text("One.\narXiv:2409.19252 - doi: none givenTwo.\narXiv:2409.14432")
    assert isinstance(items[0], Repaired) and items[0].line == 2
    assert items[1].ids == ("arxiv:2409.19252",)
    assert items[2].abstract == "- doi: none givenTwo."


def test_comments_rule_multi_line_text_and_blank_lines() -> None:
    long_line = "x" * 301
    items = _parse_text(
        "First line of an abstract.\n"
        "\n"
        f"{long_line}\n"
        "arXiv:2409.19252An abstract that cites arXiv:2301.00001 inline.\n"
        "  Accepted by CVPR 2025  \n"
        "arXiv:2409.14432"
    )
    assert (items[0].abstract, items[0].comments) == (
        f"First line of an abstract.\n{long_line}",
        None,
    )
    assert items[1].abstract == "An abstract that cites arXiv:2301.00001 inline."
    assert items[1].comments == "Accepted by CVPR 2025"
