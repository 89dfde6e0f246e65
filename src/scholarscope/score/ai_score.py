"""The AI Score of a work and of an author: a weighted mean of components on 0–100,
every part kept so that the number can be explained.

Components of a work (each 0–100, or missing):

- ``impact``: citations per year since publication, as a percentile within the works of
  the same field and year that have a citation count (50 = typical for its cohort).
  Missing when no source gives the work a citation count.
- ``novelty``: the work's novelty percentile within its field and year (see
  ``score/novelty.py``). Missing when the work has too few earlier works to compare with.
- ``openness``: 100 when code is available (a repository link in the text, or a source's
  Code badge), else 0. "Code will be released" is 0 until it is.
- ``venue``: 100 when the work is accepted at, published in or to appear in a recognised
  venue's main track (a bare "CVPR 2024" counts: authors write that once accepted), 50
  at a recognised venue's workshop, else 0 (submitted, under review, or no venue
  recognised in what the sources say). Missing when no source says anything about
  where the work appeared (no comments, journal-ref or venue): silence is not rejection.

The score is ``sum(weight * value) / sum(weight)`` over the components present: a missing
component is dropped and the others renormalised, never counted as 0. A work needs at
least one of ``impact`` and ``novelty`` for a score: openness and venue say how a work
was shared, not what it is worth, so on their own they give no score. Weights are
settings (``DEFAULT_WEIGHTS``; ``scholarscope score --weights impact=0.5,...``).

An author's figure aggregates their works: the median of the works' values (AI Score,
and each component over the works that have it), so one outlier moves it little.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

COMPONENTS = ("impact", "novelty", "openness", "venue")
DEFAULT_WEIGHTS: dict[str, float] = {
    "impact": 0.35,
    "novelty": 0.35,
    "openness": 0.15,
    "venue": 0.15,
}
ACCEPTED = frozenset({"accepted", "published", "to appear"})
SUBSTANTIVE = ("impact", "novelty")  # a score needs at least one of these


@dataclass(frozen=True)
class AIScore:
    """A work's (or an author's) score and how it was made."""

    score: float | None  # None when no component is present
    components: dict[str, float | None]
    weights: dict[str, float]

    def breakdown(self) -> dict[str, object]:
        """The stored and shown explanation: each component with its value, weight and
        share of the score (``None`` components are listed as dropped)."""
        present = {k: v for k, v in self.components.items() if v is not None}
        total_weight = sum(self.weights[k] for k in present)
        parts = {}
        for name in COMPONENTS:
            value = self.components.get(name)
            weight = self.weights[name] / total_weight if value is not None and total_weight else 0
            parts[name] = {
                "value": None if value is None else round(value, 1),
                "weight": round(weight, 4),
                "points": None if value is None else round(weight * value, 1),
            }
        return {"score": self.score, "components": parts, "weights": dict(self.weights)}


def parse_weights(text: str) -> dict[str, float]:
    """Weights from ``"impact=0.5,venue=0"``; components not named keep their default.

    >>> parse_weights("impact=0.5, venue=0")["impact"], parse_weights("")["novelty"]
    (0.5, 0.35)
    >>> parse_weights("fame=1")
    Traceback (most recent call last):
    ...
    ValueError: unknown AI Score component 'fame' (known: impact, novelty, openness, venue)
    """
    weights = dict(DEFAULT_WEIGHTS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in weights:
            known = ", ".join(COMPONENTS)
            raise ValueError(f"unknown AI Score component {name!r} (known: {known})")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"weight of {name!r} is not a number: {value.strip()!r}") from None
        if weights[name] < 0:
            raise ValueError(f"weight of {name!r} is negative: {weights[name]}")
    if not any(weights.values()):
        raise ValueError("every AI Score weight is 0")
    return weights


def openness_component(code_available: bool) -> float:
    """100 when code is available, else 0."""
    return 100.0 if code_available else 0.0


def venue_component(venue: str | None, status: str | None, workshop: bool) -> float:
    """100 accepted/published at a recognised venue's main track, 50 at its workshop,
    0 otherwise (submitted or under review, or no venue).

    >>> venue_component("NeurIPS", "accepted", False), venue_component("CVPR", None, False)
    (100.0, 100.0)
    >>> venue_component("CVPR", "accepted", True), venue_component("TIFS", "submitted", False)
    (50.0, 0.0)
    >>> venue_component(None, "accepted", False)
    0.0
    """
    if venue is None or (status is not None and status not in ACCEPTED):
        return 0.0
    return 50.0 if workshop else 100.0


def ai_score(
    components: Mapping[str, float | None], weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> AIScore:
    """The weighted mean of the components present, 0–100 rounded to 0.1.

    >>> ai_score({"impact": None, "novelty": 80.0, "openness": 100.0, "venue": 0.0}).score
    66.2
    >>> ai_score({"impact": 40.0, "novelty": 60.0, "openness": 0.0, "venue": 100.0}).score
    50.0
    >>> ai_score({"impact": None, "novelty": None, "openness": 100.0, "venue": 100.0}).score
    >>> ai_score({name: None for name in COMPONENTS}).score is None
    True
    """
    values = {name: components.get(name) for name in COMPONENTS}
    present = {k: v for k, v in values.items() if v is not None and weights[k] > 0}
    total_weight = sum(weights[k] for k in present)
    if not any(k in present for k in SUBSTANTIVE) or total_weight == 0:
        return AIScore(None, values, dict(weights))
    score = sum(weights[k] * v for k, v in present.items()) / total_weight
    return AIScore(round(score, 1), values, dict(weights))


def author_aggregate(values: Sequence[float | None]) -> float | None:
    """An author's figure from their works' values: the median of those present.

    >>> author_aggregate([10.0, None, 70.0, 40.0]), author_aggregate([None])
    (40.0, None)
    """
    present = [v for v in values if v is not None]
    return round(median(present), 1) if present else None


def author_ai_score(work_scores: Sequence[AIScore]) -> dict[str, object]:
    """An author's AI Score with its breakdown: the median work score, and the median of
    each component over the works that have it (with how many do)."""
    components = {}
    for name in COMPONENTS:
        values = [s.components.get(name) for s in work_scores]
        components[name] = {
            "median": author_aggregate(values),
            "works": sum(v is not None for v in values),
        }
    return {
        "score": author_aggregate([s.score for s in work_scores]),
        "works_scored": sum(s.score is not None for s in work_scores),
        "aggregation": "median of the works' AI Scores",
        "components": components,
    }
