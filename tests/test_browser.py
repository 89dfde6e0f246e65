"""What a person sees, in a real headless browser: Debian's chromium driven by Playwright
(``make browser`` installs it; Playwright never downloads a browser).

Screenshots go to ``test-artifacts/browser/`` (git ignores it).
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

from scholarscope.web import App  # noqa: E402
from test_web import EXAMPLES, build_db  # noqa: E402 - after the skip above
from web_client import serving  # noqa: E402

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


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_db(tmp_path_factory.mktemp("browser") / "browser.db", EXAMPLES)
    with serving(App(db)) as url:
        yield url


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


def test_profile_header_works_and_click_through(browser: Any, base: str) -> None:
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


def test_search_returns_the_expected_work(browser: Any, base: str) -> None:
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
    db = build_db(tmp_path / "openalex.db", shared_data / "openalex-authors")
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
