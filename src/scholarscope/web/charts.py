"""Small charts drawn as inline SVG by the templates: the geometry is computed here.

A chart is a list of bars (stacked segments for "fields over time"), each with the text
a screen reader or a tooltip gives for it; the page also states the numbers in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 320
HEIGHT = 140
LABEL_SPACE = 18  # below the bars, for the x-axis labels
TOP_SPACE = 14  # above the bars, for the largest value
MAX_LABELS = 6  # x-axis labels shown (every other one, or fewer, when there are more bars)
SERIES = 6  # colours in the stylesheet: .s0 … .s5 (the last is "other")


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass(frozen=True)
class Chart:
    """What the template draws: segments, x labels, the largest value, a summary."""

    width: int
    height: int
    segments: list[Segment]
    labels: list[tuple[float, str]]
    top: int
    summary: str
    legend: list[tuple[int, str]] = field(default_factory=list)


def bar_chart(points: Sequence[tuple[str, float]], unit: str, summary: str) -> Chart | None:
    """One bar per (label, value); None when there is nothing to draw.

    >>> chart = bar_chart([("2021", 3), ("2022", 6)], "citations", "…")
    >>> [(s.y, s.height, s.title) for s in chart.segments]
    [(68.0, 54.0, '2021: 3 citations'), (14.0, 108.0, '2022: 6 citations')]
    """
    return stacked_chart([(label, {unit: value}) for label, value in points], [unit], summary, unit)


def stacked_chart(
    columns: Sequence[tuple[str, dict[str, float]]],
    series: Sequence[str],
    summary: str,
    unit: str = "",
) -> Chart | None:
    """Columns of stacked segments, one colour per series (in ``series`` order)."""
    if not columns or not any(sum(values.values()) for _, values in columns):
        return None
    plot = HEIGHT - LABEL_SPACE - TOP_SPACE
    top = max(sum(values.values()) for _, values in columns)
    step = WIDTH / len(columns)
    bar = max(2.0, step * 0.7)
    segments = []
    labels = []
    every = -(-len(columns) // MAX_LABELS)
    for i, (label, values) in enumerate(columns):
        x = round(i * step + (step - bar) / 2, 1)
        base = float(plot + TOP_SPACE)
        for s, name in enumerate(series):
            value = values.get(name, 0)
            if not value:
                continue
            height = round(plot * value / top, 1)
            base -= height
            what = unit if unit else name
            segments.append(
                Segment(
                    x,
                    round(base, 1),
                    round(bar, 1),
                    height,
                    min(s, SERIES - 1),
                    f"{label}: {value:g} {what}".strip(),
                )  # fmt: skip
            )
        if i % every == 0:
            labels.append((round(x + bar / 2, 1), label))
    legend = [(min(s, SERIES - 1), name) for s, name in enumerate(series)] if unit == "" else []
    return Chart(WIDTH, HEIGHT, segments, labels, int(top), summary, legend)
