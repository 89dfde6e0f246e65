"""Small charts drawn as inline SVG by the templates: the geometry is computed here.

A chart is a list of bars (stacked segments for "fields over time"), each with the text
a screen reader or a tooltip gives for it; the page also states the numbers in words.
A chart over years has one slot per calendar year from the first to the last, so a year
with nothing is an empty slot, and the year of ``today`` (still running) is marked.
Everything here is pure: data and the date in, coordinates and labels out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

WIDTH = 320
HEIGHT = 140
LABEL_SPACE = 18  # below the bars, for the x-axis labels
TOP_SPACE = 14  # above the bars, for the largest value
SERIES = 6  # colours in the stylesheet: .s0 … .s5 (the last is "other")
# Label widths are estimated, not measured: 11px text (style.css) whose widest digit is
# 0.64 em in DejaVu Sans, the fallback of `system-ui` on Linux; rounded up so an estimate
# never falls short of what a browser draws.
CHAR_WIDTH = 7.2
LABEL_GAP = 6  # the least space between two x-axis labels
EDGE = 1  # a label at either end of the axis keeps this far from the edge of the box
# Labelled every 1, 2, 5, 10 … slots: years that end in 0 or 5 read as a scale.
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str
    partial: bool = False  # in the year still running (drawn lighter)


@dataclass(frozen=True)
class Column:
    """One slot of the x axis: a year without works is a column whose total is 0."""

    label: str
    centre: float
    total: float
    partial: bool = False


@dataclass(frozen=True)
class Label:
    """An x-axis label; ``anchor`` is the SVG ``text-anchor`` that keeps it in the box."""

    x: float
    text: str
    anchor: str  # "start", "middle" or "end"

    @property
    def extent(self) -> tuple[float, float]:
        """(left, right) of the text as estimated from its length."""
        width = len(self.text) * CHAR_WIDTH
        left = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}
        return round(left[self.anchor], 1), round(left[self.anchor] + width, 1)


@dataclass(frozen=True)
class Chart:
    """What the template draws: segments, x labels, the largest value, a summary."""

    width: int
    height: int
    segments: list[Segment]
    labels: list[Label]
    top: int
    summary: str
    legend: list[tuple[int, str]] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    note: str = ""  # e.g. "2026 (to date)", beside the partial year's lighter bar


def bar_chart(
    points: Sequence[tuple[str, float]], unit: str, summary: str, today: date | None = None
) -> Chart | None:
    """One bar per (label, value); None when there is nothing to draw.

    With ``today`` the labels are years: every year between the first and the last gets
    a slot, and today's year is marked as counted to date.

    >>> chart = bar_chart([("2021", 3), ("2022", 6)], "citations", "…")
    >>> [(s.y, s.height, s.title) for s in chart.segments]
    [(68.0, 54.0, '2021: 3 citations'), (14.0, 108.0, '2022: 6 citations')]
    >>> bar_chart([("2023", 1)], "citations", "…").segments[0].title
    '2023: 1 citation'
    >>> chart = bar_chart([("2024", 3), ("2026", 1)], "works", "…", today=date(2026, 5, 1))
    >>> [(c.label, c.total, c.partial) for c in chart.columns], chart.note
    ([('2024', 3, False), ('2025', 0, False), ('2026', 1, True)], '2026 (to date)')
    """
    columns = [(label, {unit: value}) for label, value in points]
    return stacked_chart(columns, [unit], summary, unit, today=today)


def stacked_chart(
    columns: Sequence[tuple[str, dict[str, float]]],
    series: Sequence[str],
    summary: str,
    unit: str = "",
    today: date | None = None,
) -> Chart | None:
    """Columns of stacked segments, one colour per series (in ``series`` order).

    With ``today`` the column labels are years, as in :func:`bar_chart`.
    """
    if not columns or not any(sum(values.values()) for _, values in columns):
        return None
    current = str(today.year) if today is not None else None
    if today is not None:
        columns = every_year(columns)
        first, last = columns[0][0], columns[-1][0]
        summary = f"{summary} From {first} to {last}." if first != last else summary
        if any(label == current for label, _ in columns):
            summary += f" {current} is counted to date."
    plot = HEIGHT - LABEL_SPACE - TOP_SPACE
    top = max(sum(values.values()) for _, values in columns)
    step = WIDTH / len(columns)
    bar = step * 0.7 if step * 0.7 >= 2 else min(2.0, step)
    segments = []
    slots = []
    for i, (label, values) in enumerate(columns):
        x = round(i * step + (step - bar) / 2, 1)
        partial = label == current
        shown = f"{label} (to date)" if partial else label
        base = float(plot + TOP_SPACE)
        for s, name in enumerate(series):
            value = values.get(name, 0)
            if not value:
                continue
            height = round(plot * value / top, 1)
            base -= height
            # "1 work", "1 citation": a unit is given in the plural
            what = (unit[:-1] if value == 1 and unit.endswith("s") else unit) if unit else name
            segments.append(
                Segment(
                    x,
                    round(base, 1),
                    round(bar, 1),
                    height,
                    min(s, SERIES - 1),
                    f"{shown}: {value:g} {what}".strip(),
                    partial,
                )  # fmt: skip
            )
        slots.append(Column(label, round(i * step + step / 2, 1), sum(values.values()), partial))
    legend = [(min(s, SERIES - 1), name) for s, name in enumerate(series)] if unit == "" else []
    years = [int(c.label) for c in slots] if today is not None else None
    return Chart(
        WIDTH,
        HEIGHT,
        segments,
        axis_labels(slots, step, years),
        int(top),
        summary,
        legend,
        slots,
        f"{current} (to date)" if any(c.partial for c in slots) else "",
    )


def every_year(
    columns: Sequence[tuple[str, dict[str, float]]],
) -> list[tuple[str, dict[str, float]]]:
    """The columns keyed by year, sorted, with an empty column for each year missing.

    >>> every_year([("2022", {"a": 1}), ("2019", {"a": 2})])
    [('2019', {'a': 2}), ('2020', {}), ('2021', {}), ('2022', {'a': 1})]
    """
    by_year = {int(label): values for label, values in columns}
    return [(str(y), by_year.get(y, {})) for y in range(min(by_year), max(by_year) + 1)]


def axis_labels(
    columns: Sequence[Column], step: float, years: Sequence[int] | None = None
) -> list[Label]:
    """Labels for the first and last columns and for every k-th between, none overlapping
    and each inside [0, WIDTH]: the end labels are anchored to the edges when centring
    them would cut them. The k-th columns are the years divisible by k when ``years`` are
    given (1960, 1970 …), else every k-th column from the first.

    >>> [(l.text, l.anchor) for l in axis_labels([Column("1951", 2.1, 1)], 4.3)]
    [('1951', 'start')]
    """
    if not columns:
        return []
    widest = max(len(c.label) for c in columns) * CHAR_WIDTH + LABEL_GAP
    every = next((k for k in NICE_STEPS if k * step >= widest), NICE_STEPS[-1])
    keys = years if years is not None else range(len(columns))
    first = _placed(columns[0])
    if len(columns) == 1:
        return [first]
    last = _placed(columns[-1])
    labels = [first]
    for column, key in zip(columns[1:-1], keys[1:-1], strict=True):
        if key % every:
            continue
        label = _placed(column)
        left, right = label.extent
        if left >= labels[-1].extent[1] + LABEL_GAP and right + LABEL_GAP <= last.extent[0]:
            labels.append(label)
    if last.extent[0] >= labels[-1].extent[1] + LABEL_GAP:
        labels.append(last)
    return labels


def _placed(column: Column) -> Label:
    """The column's label centred under it, or against the nearer edge if it would spill."""
    half = len(column.label) * CHAR_WIDTH / 2
    if column.centre - half < EDGE:
        return Label(EDGE, column.label, "start")
    if column.centre + half > WIDTH - EDGE:
        return Label(WIDTH - EDGE, column.label, "end")
    return Label(column.centre, column.label, "middle")
