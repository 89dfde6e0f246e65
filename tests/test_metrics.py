"""The metric definitions, on hand-made edge cases and on real Semantic Scholar data."""

from __future__ import annotations

import json

import pytest

from scholarscope.score import metrics


@pytest.mark.parametrize(
    ("citations", "h"),
    [([], 0), ([0, 0], 0), ([1], 1), ([10, 8, 5, 4, 3], 4), ([25, 8, 5, 3, 3], 3), ([5] * 5, 5)],
)
def test_h_index(citations: list[int], h: int) -> None:
    assert metrics.h_index(citations) == h


def test_i10_counts_works_with_at_least_ten() -> None:
    assert metrics.i10_index([9, 10, 11, 0]) == 2


def test_g_index_never_exceeds_the_number_of_works() -> None:
    assert metrics.g_index([10, 8, 5, 4, 3]) == 5  # 30 ≥ 25
    assert metrics.g_index([100]) == 1
    assert metrics.g_index([3, 1, 0]) == 2  # 4 ≥ 4
    assert metrics.g_index([]) == 0


def test_m_quotient_counts_the_first_year_as_one() -> None:
    assert metrics.m_quotient(10, 2021, 2025) == 2.0
    assert metrics.m_quotient(3, 2025, 2025) == 3.0
    assert metrics.m_quotient(3, None, 2025) is None


def test_citations_per_year_sums_over_works() -> None:
    assert metrics.citations_per_year([[(2024, 3), (2023, 1)], [(2024, 2)]]) == {
        2023: 1,
        2024: 5,
    }


def test_primary_field_and_badge() -> None:
    assert metrics.primary_field(["cs.LG", "cs.CV", "cs.CV"]) == "cs.CV"
    assert metrics.primary_field([]) is None
    assert metrics.field_badge("eess.IV") == "IV"
    assert metrics.field_badge("stat.ML") == "ML"


def test_semantic_scholar_author_h_index_is_23(shared_data) -> None:
    author = json.loads((shared_data / "semantic-scholar" / "Author.json").read_text())
    counts = [paper["citationCount"] or 0 for paper in author["papers"]]
    assert metrics.h_index(counts) == author["hIndex"] == 23
