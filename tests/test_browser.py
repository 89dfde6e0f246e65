"""What a person sees, in a real headless browser: Debian's chromium driven by Playwright
(``make browser`` installs it; Playwright never downloads a browser).

Screenshots go to ``test-artifacts/browser/`` (git ignores it): among them the profile,
work, search and field pages at a desktop's width and at a phone's 390 px
(``{page}-desktop.png``, ``{page}-phone.png``).
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

from scholarscope.embed import load_encoder  # noqa: E402
from scholarscope.pipeline.score import score_store  # noqa: E402
from scholarscope.store import open_store  # noqa: E402
from scholarscope.web import App  # noqa: E402
from test_web import EXAMPLES, INTERNAL, build_db  # noqa: E402 - after the skip above
from web_client import closing_apps, serving  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}

if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium: run make browser", allow_module_level=True)


def serve_demo(db: str) -> Iterator[str]:
    """The seed documents as ``make demo`` builds them into the new database ``db``:
    ingested, enriched, and scored with ``--min-earlier 10`` (the 127 works are too few
    for the default 1,000); served, its URL yielded."""
    build_db(db, EXAMPLES)
    store = open_store(db)
    score_store(store, load_encoder(), min_earlier=10)
    store.close()
    with serving(App(db)) as url:
        yield url


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site on SQLite."""
    yield from serve_demo(str(tmp_path_factory.mktemp("browser") / "browser.db"))


@pytest.fixture(scope="module")
def postgres_base(postgres_cluster: Any) -> Iterator[str]:
    """The demo site on PostgreSQL (its App's connections closed at the module's end)."""
    with closing_apps():
        yield from serve_demo(postgres_cluster.create_database("browser"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest) -> str:
    """The demo site on either store: a test that takes it runs on both. Only a few
    representative tests do: the pages are the web tests' (test_web.py runs those on
    both stores), and a browser's test takes seconds. Module-scoped like the sites, so
    that they are made outside any one test's ``closing_apps``."""
    return str(request.getfixturevalue("base" if request.param == "sqlite" else "postgres_base"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def api(url: str) -> Any:
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def test_profile_header_works_and_click_through(browser: Any, site: str) -> None:
    base = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/authors/Shiming%20Ge")
    author_id = api(f"{base}/authors.json?q=Shiming%20Ge")["authors"][0]["id"]
    assert page.url == f"{base}/authors/{author_id}"
    assert page.locator("h1").inner_text() == "Shiming Ge"

    def figure(key: str, part: str) -> str:
        return str(page.locator(f'[data-figure="{key}"] .{part}').inner_text())

    assert [figure(k, "stated-value") for k in ("h_index", "papers", "citations")] == [
        "15", "54", "1,706"]  # fmt: skip
    assert [figure(k, "stated-value") for k in ("novelty", "ai_score")] == ["53%", "57"]
    assert (figure("papers", "ours"), figure("h_index", "ours")) == ("50", "—")
    works = page.locator("article.work")
    assert works.count() == 50
    assert page.locator("#works-heading").inner_text() == "50 Papers"

    explain = page.locator('[data-figure="papers"] .explain')
    assert not explain.is_visible()  # breakdowns start folded
    page.locator('[data-figure="papers"] summary').click()
    assert explain.is_visible() and "the source counts 4 works not stored here" in (
        explain.inner_text()
    )
    abstract = works.first.locator("details.abstract p")
    assert not abstract.is_visible()  # abstracts start collapsed
    works.first.locator("details.abstract summary").click()
    assert abstract.is_visible() and abstract.inner_text().startswith("Deep networks have")
    code = works.first.locator("a.badge.code")
    assert code.get_attribute("href") == "https://github.com/ShikunLi/Sel-CL"
    page.screenshot(path=str(ARTIFACTS / "profile.png"))

    works.first.locator("h3.title a").click()
    page.wait_for_url(f"{base}/works/**")
    assert page.locator("h1").inner_text() == (
        "Selective-Supervised Contrastive Learning with Noisy Labels"
    )
    assert page.locator("#sources-heading").is_visible()
    assert page.locator("details.record summary").first.inner_text().startswith("profile page")
    page.screenshot(path=str(ARTIFACTS / "work.png"), full_page=True)
    page.close()


def test_filter_menu_applies_at_once(browser: Any, base: str) -> None:
    author_id = api(f"{base}/authors.json?q=Shiming%20Ge")["authors"][0]["id"]
    expected = api(f"{base}/authors/{author_id}.json?field=LG")["paging"]["total"]
    page = browser.new_page()
    page.goto(f"{base}/authors/{author_id}")
    menu = page.locator("select[name=field]")
    menu.select_option(label="LG — Machine Learning")  # no click on Apply
    page.wait_for_url("**field=arxiv%3Acs.LG**")
    assert page.locator("article.work").count() == expected == 12
    assert set(page.locator("article.work .badge.field").all_inner_texts()) == {"LG"}
    page.close()


def test_search_returns_the_expected_work(browser: Any, site: str) -> None:
    base = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base)
    page.locator("#q").fill("selective supervised contrastive noisy")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search?q=selective**")
    results = page.locator("article.work")
    assert results.count() == 1
    assert results.first.locator("h3.title").inner_text() == (
        "Selective-Supervised Contrastive Learning with Noisy Labels"
    )
    assert results.first.locator("mark").count() >= 3  # the matched words are highlighted
    page.screenshot(path=str(ARTIFACTS / "search.png"))
    page.get_by_role("link", name="Experts").click()
    page.wait_for_url("**tab=experts**")
    experts = page.locator("ol.experts > li > a").all_inner_texts()
    assert experts == ["Shikun Li", "Xiaobo Xia", "Shiming Ge"]
    page.close()


@pytest.mark.parametrize("target", ["/authors/Shiming%20Ge", "/search?q=noisy+labels"])
def test_pages_fit_a_phone(browser: Any, base: str, target: str) -> None:
    page = browser.new_page(viewport=PHONE, device_scale_factor=2)
    page.goto(base + target)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing forces sideways scrolling
    first, second = page.locator("article.work").first, page.locator("article.work").nth(1)
    assert first.bounding_box()["width"] <= PHONE["width"]
    assert second.bounding_box()["y"] > first.bounding_box()["y"]  # one column
    name = "phone-profile.png" if target.startswith("/authors") else "phone-search.png"
    page.screenshot(path=str(ARTIFACTS / name))
    page.close()


def test_chart_labels_lie_inside_their_charts(
    browser: Any, tmp_path: Path, shared_data: Path
) -> None:
    """On the profile of an OpenAlex author with works from 1951 to 2025, no year label
    of a chart is cut at the edge of its SVG ("951", "202"), on a desktop or a phone."""
    db = build_db(str(tmp_path / "openalex.db"), shared_data / "openalex-authors")
    measure = """() => [...document.querySelectorAll("svg.chart")].map(svg => {
      const box = svg.getBoundingClientRect();
      return {chart: svg.querySelector("title").textContent,
              box: [box.left, box.top, box.right, box.bottom],
              labels: [...svg.querySelectorAll("text.x-label")].map(text => {
                const r = text.getBoundingClientRect();
                return [text.textContent, r.left, r.top, r.right, r.bottom];
              })};
    })"""
    with serving(App(db)) as url:
        for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
            page = browser.new_page(viewport=viewport)
            page.goto(f"{url}/authors/openalex:A5040147688")
            assert page.locator("h1").inner_text() == "Michael H. Stephenson"
            drawn = {chart["chart"]: chart for chart in page.evaluate(measure)}
            assert sorted(drawn) == ["Citations per year", "Works per year by field"]
            works = [label[0] for label in drawn["Works per year by field"]["labels"]]
            assert works == ["1951", "1970", "1980", "1990", "2000", "2010", "2025"]
            citations = [label[0] for label in drawn["Citations per year"]["labels"]]
            assert (citations[0], citations[-1]) == ("2012", "2026")
            for chart in drawn.values():
                left, top, right, bottom = chart["box"]
                for text, x0, y0, x1, y1 in chart["labels"]:
                    inside = (
                        left - 0.5 <= x0,
                        top - 0.5 <= y0,
                        x1 <= right + 0.5,
                        y1 <= bottom + 0.5,
                    )
                    assert all(inside), (name, chart["chart"], text, chart["box"], x0, x1)
                for before, after in zip(chart["labels"], chart["labels"][1:], strict=False):
                    assert before[3] < after[1], (name, before[0], after[0])  # no overlap
            page.locator("section.charts").screenshot(path=str(ARTIFACTS / f"charts-{name}.png"))
            page.close()


# The pages of issue 18 ("pages a researcher trusts at a glance"), each at a desktop's
# width and a phone's: the seed profile, a work with an arXiv id, a search, a field.
PAGES = {
    "profile": "/authors/Shiming%20Ge",
    "work": "/works/arxiv:2409.08598",
    "search": "/search?q=noisy+labels",
    "field": "/fields/arxiv:cs.CV",
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}
# Markup a source left in a title or abstract, which must reach the reader rendered
# (web/mathtext.py): HTML italics, TeX math and \emph (Shiming Ge's abstracts have both).
RAW_MARKUP = re.compile(r"</?i>|\$|\\emph")


def twin(url: str) -> str:
    """The JSON twin of a page's address."""
    path, _, query = url.partition("?")
    return f"{path}.json" + (f"?{query}" if query else "")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_read_cleanly_and_link_to_papers(
    browser: Any, base: str, name: str, viewport: str
) -> None:
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    page.goto(base + PAGES[name])
    # the text a person reads, the folded abstracts included (one click away)
    text = page.evaluate("document.body.textContent")
    assert not RAW_MARKUP.search(text), RAW_MARKUP.search(text)
    assert not INTERNAL.search(text), INTERNAL.search(text)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    data = api(twin(page.url))
    works = [data] if name == "work" else data.get("works") or data.get("results") or []
    for work in works:
        wanted = set()
        for key in work["ids"]:
            scheme, _, value = key.partition(":")
            if scheme == "arxiv":
                wanted |= {f"https://arxiv.org/abs/{value}", f"https://arxiv.org/pdf/{value}"}
            elif scheme == "doi":
                wanted.add(f"https://doi.org/{value}")
        scope = page.locator(".work-page" if name == "work" else f"#w{work['work_id']}")
        shown = {a.get_attribute("href") for a in scope.locator("a.paper-link").all()}
        assert wanted <= shown, (work["id"], wanted - shown)
    if name == "work":  # a work with an arXiv id: its abstract page and PDF, at the top
        links = page.locator(".work-page > .paper-links a")
        assert links.all_inner_texts() == ["arXiv", "PDF"]
    page.screenshot(path=str(ARTIFACTS / f"{name}-{viewport}.png"), full_page=name == "work")
    page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_headline_cards_say_what_they_rest_on_and_open_in_place(
    browser: Any, base: str, viewport: str
) -> None:
    """Shiming Ge's Novelty % and AI Score: what each rests on is shown under the
    number, with a warning (11 of 50 works); a card shows that it opens, and opening it
    moves no other card."""
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    page.goto(f"{base}/authors/Shiming%20Ge")

    def card(key: str, part: str) -> Any:
        return page.locator(f'[data-figure="{key}"] .{part}')

    assert card("novelty", "ours").inner_text() == "15.3%"
    assert card("novelty", "basis").inner_text() == "median of 11 of 50 works"
    assert card("novelty", "warning").inner_text() == "⚠ rests on only 11 of 50 works"
    assert card("ai_score", "basis").all_inner_texts() == [
        "median of 11 of 50 works",
        "from novelty, openness",
        "no citation figures stored: impact left out",
        "no source says where any work appeared: venue left out",
    ]
    assert card("ai_score", "warning").is_visible()
    for key in ("novelty", "ai_score"):
        assert card(key, "basis").first.is_visible()
    marker = "el => getComputedStyle(el, '::before').content"
    assert card("novelty", "more").evaluate(marker) == '"▸ breakdown"'
    figures = page.locator("details.figure")
    before = [figures.nth(i).bounding_box() for i in range(figures.count())]
    page.locator('[data-figure="novelty"] summary').click()
    explain = page.locator('[data-figure="novelty"] .explain')
    assert explain.is_visible() and explain.inner_text().startswith(
        "Median of 11 of 50 works; the other 39 have none (24: fewer than 20 scored works in "
        "their field and year; 10: fewer than 10 earlier works in the corpus to compare with; "
        "5: no publication date)."
    )
    assert card("novelty", "more").evaluate(marker) == '"▾ breakdown"'
    assert [figures.nth(i).bounding_box() for i in range(figures.count())] == before
    box = explain.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    page.locator("section.profile-head").screenshot(
        path=str(ARTIFACTS / f"profile-header-open-{viewport}.png")
    )
    page.close()
