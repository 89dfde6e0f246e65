"""Field leaderboard: the authors whose primary field is a given field, ranked by a
chosen metric, with a minimum number of papers.

Read side only, no HTTP. Each author's figures follow the profile's definitions
(``profile.author_metrics`` and ``profile.author_scores``): papers are distinct works;
the citation figure of a work is the newest figure of the first source in
``work_views.CITATION_PRIORITY``; h-index by ``metrics.h_index``; Novelty % and AI Score
are the medians of the works' figures; the primary field is the most frequent field
over the works (ties: the newest work's field first; a profile page's own order, which
the profile uses for ties, is not consulted here). Versions of one paper count once, as
on the profile (``versions.count_versions_once``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scholarscope import profile, work_views
from scholarscope.score import ai_score, metrics
from scholarscope.store import Store
from scholarscope.taxonomy import field_badge
from scholarscope.versions import count_versions_once

METRICS = ("h_index", "citations", "papers", "novelty", "ai_score")


def shown_citations(rows: Iterable[tuple[int, str, int]]) -> dict[int, int]:
    """Per work, the citation figure a profile shows: the first source of
    ``work_views.CITATION_PRIORITY`` that has one, else the first source by name.

    >>> shown_citations([(1, "semantic_scholar", 7), (1, "openalex", 5), (2, "x", 3)])
    {1: 5, 2: 3}
    """
    by_work: dict[int, dict[str, int]] = {}
    for work_id, source, count in rows:
        by_work.setdefault(work_id, {})[source] = count
    shown = {}
    for work_id, counts in by_work.items():
        source = next((s for s in work_views.CITATION_PRIORITY if s in counts), min(counts))
        shown[work_id] = counts[source]
    return shown


def field_leaderboard(
    store: Store, field: str, metric: str, min_papers: int
) -> list[dict[str, Any]]:
    """Every author of ``field`` with at least ``min_papers`` works, best first by
    ``metric`` (authors without a figure last), then by papers and name."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    works_of: dict[int, list[tuple[int, str | None, str | None]]] = {}
    names: dict[int, str] = {}
    dates: dict[int, str] = {}
    for author_id, name, work_id, category, badge, date in store.field_author_works(
        field, min_papers
    ):
        names[author_id] = name
        works_of.setdefault(author_id, []).append((work_id, category, badge))
        dates[work_id] = date or ""
    all_works = sorted(dates)
    citations = shown_citations(store.latest_citation_counts(all_works))
    scores = store.work_score_values(all_works)
    primary_of = store.version_groups_of(all_works)
    rows: list[dict[str, Any]] = []
    for author_id, works in works_of.items():
        citations_of = citations
        if primary_of:
            works, citations_of = _versions_once(works, citations, primary_of)
            if len(works) < min_papers:  # the store counted each version
                continue
        newest_first = sorted(works, key=lambda w: dates[w[0]], reverse=True)
        primary, _ = profile.primary_field_of([{"field_key": key} for _, _, key in newest_first])
        if primary != field:
            continue
        counts = [citations_of[w] for w, _, _ in works if w in citations_of]
        novelty = [scores[w][0] for w, _, _ in works if w in scores]
        ai = [scores[w][1] for w, _, _ in works if w in scores]
        rows.append(
            {
                "id": f"author:{author_id}",
                "name": names[author_id],
                "field": field_badge(primary),
                "field_key": primary,
                "papers": len(works),
                "citations": sum(counts) if counts else None,
                "h_index": metrics.h_index(counts) if counts else None,
                "novelty": ai_score.author_aggregate(
                    [None if n is None else round(n, 1) for n in novelty]
                ),
                "ai_score": ai_score.author_aggregate(ai),
            }
        )
    rows.sort(
        key=lambda r: (r[metric] is None, -(r[metric] or 0), -r["papers"], r["name"], r["id"])
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def _versions_once(
    works: list[tuple[int, str | None, str | None]],
    citations: dict[int, int],
    primary_of: dict[int, int],
) -> tuple[list[tuple[int, str | None, str | None]], dict[int, int]]:
    """An author's works with each version group counted once, and the citation figure
    of each kept work (the highest of its versions), as the profile counts them."""
    facts = [{"work_id": w, "citations": citations.get(w)} for w, _, _ in sorted(works)]
    counted, _ = count_versions_once(facts, primary_of)
    kept = {f["work_id"]: f["citations"] for f in counted}
    figures = {w: c for w, c in kept.items() if c is not None}
    return [w for w in works if w[0] in kept], figures
