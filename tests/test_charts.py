"""The charts' geometry over real OpenAlex authors (works from 1951 to 2026, with gaps):
every year between the first and the last gets a slot, the year still running is marked,
and every x-axis label lies inside the chart's box without overlapping its neighbours."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scholarscope import profile
from scholarscope.researcher import fields_over_time
from scholarscope.store import Store, open_store
from scholarscope.web import App, charts
from test_web import build_db
from web_client import ask

AUTHORS = Path(__file__).resolve().parents[2] / "shared" / "data" / "openalex-authors"
STEPHENSON = "openalex:A5040147688"  # Michael H. Stephenson: works 1951, then 1985–2025
POLO = "openalex:A5030587820"  # Camilo A. Polo: works 2012–2022, none in 2015–2017
SPRING_2026 = date(2026, 4, 15)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_db(str(tmp_path_factory.mktemp("charts") / "charts.db"), AUTHORS)


@pytest.fixture(scope="module")
def store(db: str) -> Any:
    opened = open_store(db)
    yield opened
    opened.close()


def summary(store: Store, key: str) -> dict[str, Any]:
    author_id, _ = profile.resolve_author(store, key)
    return profile.profile_summary(store, author_id, today=SPRING_2026)


def works_chart(p: dict[str, Any], today: date) -> charts.Chart:
    """The "works per year by field" chart as the profile page builds it (one series per
    field, in order of size)."""
    timeline = fields_over_time(p["works"])
    totals: dict[str, int] = {}
    for counts in timeline.values():
        for name, n in counts.items():
            totals[name] = totals.get(name, 0) + n
    series = sorted(totals, key=lambda name: -totals[name])
    columns = [
        (year, {k: float(v) for k, v in counts.items()}) for year, counts in timeline.items()
    ]
    chart = charts.stacked_chart(columns, series, "Works per year, by field.", today=today)
    assert chart is not None
    return chart


def citations_chart(p: dict[str, Any], today: date) -> charts.Chart:
    points = [(year, float(n)) for year, n in p["citations_per_year"].items()]
    chart = charts.bar_chart(points, "citations", "Citations per year.", today=today)
    assert chart is not None
    return chart


def assert_labels_fit(chart: charts.Chart) -> None:
    """Each label's estimated text lies in [0, width], in order, with room between."""
    extents = [label.extent for label in chart.labels]
    for (left, right), label in zip(extents, chart.labels, strict=True):
        assert 0 <= left < right <= chart.width, label
    for (_, right), (left, _) in zip(extents, extents[1:], strict=False):
        assert right + charts.LABEL_GAP <= left


def test_works_chart_keeps_the_gap_years_of_a_career_from_1951(store: Store) -> None:
    chart = works_chart(summary(store, STEPHENSON), SPRING_2026)
    years = [int(c.label) for c in chart.columns]
    assert years == list(range(1951, 2026))  # 75 slots, one per calendar year
    gaps = [int(c.label) for c in chart.columns if c.total == 0]
    assert gaps[:33] == list(range(1952, 1985))  # one work in 1951, the next in 1985
    assert gaps[33:] == [1986, 1987, 1988, 1989, 1991, 1993, 1994, 1995, 1996, 1997, 1999, 2003]
    # a gap year's slot is empty: no bar is drawn there, and the bars do not close up
    step = charts.WIDTH / 75
    xs = sorted({s.x for s in chart.segments})
    assert len(xs) == 30 and xs[0] == round((step - step * 0.7) / 2, 1)
    assert xs[1] == round(xs[0] + 34 * step, 1)  # 1985, 34 slots after 1951
    drawn = {c.label for c in chart.columns for s in chart.segments if s.x < c.centre < s.x + 3}
    assert drawn == {c.label for c in chart.columns if c.total} and len(drawn) == 30
    assert not any(c.partial for c in chart.columns) and chart.note == ""


def test_works_chart_labels_stay_inside_the_box(store: Store) -> None:
    chart = works_chart(summary(store, STEPHENSON), SPRING_2026)
    texts = [label.text for label in chart.labels]
    assert texts == ["1951", "1970", "1980", "1990", "2000", "2010", "2025"]
    first, last = chart.labels[0], chart.labels[-1]
    assert (first.x, first.anchor) == (charts.EDGE, "start")  # "1951", never "951"
    assert (last.x, last.anchor) == (chart.width - charts.EDGE, "end")
    assert {label.anchor for label in chart.labels[1:-1]} == {"middle"}
    assert_labels_fit(chart)
    assert chart.summary == "Works per year, by field. From 1951 to 2025."


def test_the_year_still_running_is_marked(store: Store) -> None:
    p = summary(store, STEPHENSON)
    chart = citations_chart(p, SPRING_2026)
    assert [c.label for c in chart.columns] == [str(y) for y in range(2012, 2027)]
    assert [c.label for c in chart.columns if c.partial] == ["2026"]
    assert chart.note == "2026 (to date)"
    partial = [s for s in chart.segments if s.partial]
    assert len(partial) == 1 and partial[0].title.startswith("2026 (to date): ")
    assert partial[0].title.endswith(" citations")
    assert chart.summary == "Citations per year. From 2012 to 2026. 2026 is counted to date."
    assert (chart.labels[0].text, chart.labels[-1].text) == ("2012", "2026")
    assert chart.labels[-1].anchor == "end"  # "2026", never "202"
    assert_labels_fit(chart)
    # a year later nothing is partial: 2026 is then a whole year
    later = citations_chart(p, date(2027, 1, 2))
    assert later.note == "" and not any(s.partial for s in later.segments)
    # the works chart of 2025, seen during 2025, marks that year
    during = works_chart(p, date(2025, 6, 30))
    assert [c.label for c in during.columns if c.partial] == ["2025"]
    assert during.note == "2025 (to date)"


def test_gap_years_of_a_short_career(store: Store) -> None:
    chart = works_chart(summary(store, POLO), SPRING_2026)
    assert [c.label for c in chart.columns if c.total == 0] == ["2015", "2016", "2017"]
    assert [label.text for label in chart.labels] == [
        "2012",
        "2014",
        "2016",
        "2018",
        "2020",
        "2022",
    ]
    assert_labels_fit(chart)


def test_every_real_author_gets_labels_inside_the_box(store: Store) -> None:
    keys = [f"openalex:{path.stem}" for path in sorted(AUTHORS.glob("A*.json"))]
    assert len(keys) == 20
    seen = 0
    for key in keys:
        p = summary(store, key)
        for chart in (works_chart(p, SPRING_2026), citations_chart(p, SPRING_2026)):
            assert_labels_fit(chart)
            first, last = chart.columns[0].label, chart.columns[-1].label
            assert (chart.labels[0].text, chart.labels[-1].text) == (first, last)
            assert [int(c.label) for c in chart.columns] == list(range(int(first), int(last) + 1))
            seen += 1
    assert seen == 40


def test_bands_that_are_not_years_keep_their_order_and_fit() -> None:
    bands = [(f"{10 * i}–{10 * i + 10}", float(i % 3)) for i in range(10)]
    chart = charts.bar_chart(bands, "works", "Works per novelty band.")
    assert chart is not None and chart.note == "" and len(chart.columns) == 10
    assert [label.text for label in chart.labels] == ["0–10", "20–30", "40–50", "60–70", "90–100"]
    assert chart.labels[-1].anchor == "end"
    assert_labels_fit(chart)


def test_profile_page_draws_the_anchors_and_keeps_the_csp(db: str) -> None:
    app = App(db)
    answer = ask(app, "/authors/openalex:A5040147688")
    if answer.status in (301, 302, 303, 307, 308):
        answer = ask(app, answer.headers["location"])
    html = answer.body.decode()
    svgs = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert len(svgs) == 2  # no novelty chart: nothing is scored in this database
    works = next(svg for svg in svgs if 'aria-label="Works per year by field' in svg)
    assert "<title>Works per year by field</title>" in works
    labels = re.findall(
        r'<text class="x-label" x="([\d.]+)" [^>]*text-anchor="(\w+)">(\d+)<', works
    )
    assert labels[0] == ("1", "start", "1951") and labels[-1] == ("319", "end", "2025")
    assert " style=" not in html and "<style" not in html
    citations = next(svg for svg in svgs if 'aria-label="Citations per year' in svg)
    marked = 'class="to-date">2026 (to date)</text>' in citations
    assert marked == (date.today().year == 2026)
    assert ('class="s0 partial"' in citations) == marked
