"""Bibliometric indicators: pure functions over plain numbers, exact and tested.

Every function takes citation counts (one int per distinct work) or plain values and
returns a number; none reads the database. Definitions, as documented in the README:

- h-index: the largest h such that h works have at least h citations each.
- i10-index: the number of works with at least 10 citations.
- g-index: the largest g such that the g most cited works have, together, at least g²
  citations (g never exceeds the number of works).
- m-quotient: h divided by the career length in years, counting the first year as one
  (a first work in 2020 and a current year of 2024 give 5 years).
- citations per year: the sum over works of each year's citations.
- primary field: the most frequent primary category over the works.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def h_index(citations: Iterable[int]) -> int:
    """The largest h such that h works have ≥ h citations.

    >>> h_index([10, 8, 5, 4, 3])
    4
    """
    ranked = sorted(citations, reverse=True)
    h = 0
    for rank, count in enumerate(ranked, start=1):
        if count < rank:
            break
        h = rank
    return h


def i10_index(citations: Iterable[int]) -> int:
    """Works with at least 10 citations.

    >>> i10_index([10, 9, 120])
    2
    """
    return sum(1 for count in citations if count >= 10)


def g_index(citations: Iterable[int]) -> int:
    """The largest g such that the top g works have ≥ g² citations in total.

    >>> g_index([10, 8, 5, 4, 3])
    5
    """
    ranked = sorted(citations, reverse=True)
    total = 0
    g = 0
    for rank, count in enumerate(ranked, start=1):
        total += count
        if total >= rank * rank:
            g = rank
    return g


def m_quotient(h: int, first_year: int | None, current_year: int) -> float | None:
    """h per year of career, the first year counted as one; None without a first year.

    >>> m_quotient(15, 2017, 2026)
    1.5
    """
    if first_year is None or first_year > current_year:
        return None
    return h / (current_year - first_year + 1)


def citations_per_year(per_work_by_year: Iterable[Iterable[tuple[int, int]]]) -> dict[int, int]:
    """Sum each year's citations over works, years ascending.

    >>> citations_per_year([[(2023, 4), (2024, 6)], [(2024, 1)]])
    {2023: 4, 2024: 7}
    """
    totals: Counter[int] = Counter()
    for by_year in per_work_by_year:
        for year, count in by_year:
            totals[year] += count
    return dict(sorted(totals.items()))


def primary_field(categories: Iterable[str]) -> str | None:
    """The most frequent category; ties go to the one met first (the newest work first
    when the caller passes works newest first).

    >>> primary_field(["cs.CV", "cs.LG", "cs.CV"])
    'cs.CV'
    """
    counts = Counter(categories)
    if not counts:
        return None
    best = max(counts.values())
    return next(category for category in counts if counts[category] == best)


def field_badge(category: str | None) -> str | None:
    """The short code the profile pages show for a category: the part after the dot.

    >>> field_badge("eess.IV"), field_badge("cs.CV"), field_badge("hep-ph")
    ('IV', 'CV', 'hep-ph')
    """
    if not category:
        return None
    return category.split(".", 1)[1] if "." in category else category
