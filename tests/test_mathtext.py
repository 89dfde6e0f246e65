"""Titles and abstracts as a reader sees them: the LaTeX and the publishers' HTML of real
records (arXiv cs 2025-26, OpenAlex) rendered as formatting in HTML and as plain text,
and nothing of the source's markup let through."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from scholarscope.mathtext import plain_text, render_snippet, render_text
from scholarscope.models import SnippetPart

ARXIV = "arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz"
IDS = {
    "2504.13146", "2604.04384", "2505.07440", "2511.10664", "2604.06650", "2507.09375",
    "2512.03284", "2604.03311", "2603.18528", "2504.15756", "2504.20049", "2508.05903",
    "2503.20925", "2505.13244", "2603.29945", "2509.15459", "2603.13816", "2510.21027",
    "2510.04174", "2603.18436", "2505.13379", "2507.14575", "2512.14225", "2504.15165",
}  # fmt: skip
# The elements and attributes this module writes; nothing else may reach a page.
OURS = {"em": set(), "strong": set(), "code": set(), "sup": set(), "sub": set(),
        "span": {"class"}, "a": {"href", "rel"}, "mark": set()}  # fmt: skip


def arxiv_records(shared_data: Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    with gzip.open(shared_data / ARXIV, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


@pytest.fixture(scope="module")
def arxiv(shared_data: Path) -> dict[str, str]:
    """The abstracts of ``IDS``, by id (a line is parsed only when it names one)."""
    found = {}
    with gzip.open(shared_data / ARXIV, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line[8:20].split('"')[0] in IDS:  # each line starts '{"id": "2504.13146"'
                record = json.loads(line)
                found[record["id"]] = record["abstract"]
    assert set(found) == IDS
    return found


@pytest.fixture(scope="module")
def openalex_titles(shared_data: Path) -> dict[str, str]:
    titles = {}
    for name in ("A5040147688", "A5014657720", "A5074794653"):
        data = json.loads((shared_data / f"openalex-authors/{name}.json").read_text())
        titles.update({w["id"].rsplit("/", 1)[1]: w["title"] for w in data["works"]})
    return titles


def html(text: str) -> str:
    return str(render_text(text))


def test_text_styles_become_formatting(arxiv: dict[str, str]) -> None:
    assert "performance.\n<em>Antidistillation sampling</em> provides" in html(arxiv["2504.13146"])
    learned = html(arxiv["2604.04384"])
    assert "in 2–11 singular components. The <em>learned</em> interaction matrix " in learned
    assert '<span class="math">W<sub>Q</sub><sup>T</sup> W<sub>K</sub></span>' in learned
    assert "We attempt to <em>match</em> each task" in html(arxiv["2505.07440"])  # {\em match}
    assert "We attempt to match each task" in plain_text(arxiv["2505.07440"])
    # \textcolor{red}{robust}: the colour is no part of the text
    assert "network, a\nrobust framework" in html(arxiv["2509.15459"])


def test_a_tie_is_a_space_but_a_range_and_approximately_stay(arxiv: dict[str, str]) -> None:
    models = plain_text(arxiv["2511.10664"])
    assert "Claude 3.5 Sonnet, LLaMA 3.1, Mistral Large 2, LLaMA-2 Chat 13B, and Mistral 7B" in (
        models
    )
    assert "outperforms LoRA by 1.5~1.7% despite" in plain_text(arxiv["2604.06650"])
    assert "training accuracy (~90%) and" in plain_text(arxiv["2507.09375"])


def test_a_formula_may_touch_a_word(arxiv: dict[str, str]) -> None:
    """``H$^2$U3D`` and ``NO$_2$``: a formula glued to a name, common in arXiv titles."""
    assert 'introduce H<span class="math"><sup>2</sup></span>U3D (Holistic' in html(
        arxiv["2512.03284"]
    )
    assert "We introduce H²U3D (Holistic House" in plain_text(arxiv["2512.03284"])
    assert "nitrogen dioxide (NO₂) and sulfur dioxide (SO₂)" in plain_text(arxiv["2604.03311"])
    # a formula that is a set keeps its braces
    assert "with N ∈ {2, 4, 8} addends" in plain_text(arxiv["2603.18436"])


def test_abbreviations_accents_and_characters(arxiv: dict[str, str]) -> None:
    assert "concept groups (e.g., objects, attributes" in plain_text(arxiv["2603.18528"])
    assert "However, moiré artifacts" in plain_text(arxiv["2504.15756"])
    assert "En los últimos años, los grandes modelos" in plain_text(arxiv["2504.20049"])
    assert "generative models–specifically" in plain_text(arxiv["2507.14575"])  # \unicode
    assert "a shared Bird’s Eye View (BEV)" in plain_text(arxiv["2512.14225"])  # \u2019
    assert "resilience (β=0.642, p<0.001)" in plain_text(arxiv["2603.13816"])  # \b{eta}
    assert "(25,605 records from 1,257 patients)" in plain_text(arxiv["2510.21027"])  # {,}
    assert "BLADE (Bias-Linked Adaptive DEbiasing)" in plain_text(arxiv["2510.04174"])
    scripts = arxiv["2504.15165"]  # \textsubscript{50:95}
    assert "51.4% mAP<sub>50</sub> and 31.8% mAP<sub>50:95</sub> with" in html(scripts)
    assert "51.4% mAP₅₀ and 31.8% mAP_(50:95) with" in plain_text(scripts)


def test_links_citations_and_footnotes(arxiv: dict[str, str]) -> None:
    coloured = html(arxiv["2508.05903"])  # {\color{red}https://…}
    assert coloured.endswith(
        'at <a href="https://github.com/MmelodYy/RopStitch" rel="nofollow noopener">'
        "https://github.com/MmelodYy/RopStitch</a>."
    )
    page = arxiv["2503.20925"]  # \hyperlink{https://…}{this https URL}
    assert html(page).endswith(
        '<a href="https://venkatadithya9.github.io/pgbd.github.io/" rel="nofollow noopener">'
        "this https URL</a>."
    )
    assert plain_text(page).endswith(
        "Project page: this https URL (https://venkatadithya9.github.io/pgbd.github.io/)."
    )
    assert "framework [zhang2026taming] provides" in plain_text(arxiv["2603.29945"])
    # a footnote whose brace the record never closes: the text goes on, the name does not
    assert "simplicity and effectiveness{Our code is available at https://github.com" in (
        plain_text(arxiv["2505.13244"])
    )


def test_tags_an_abstract_writes_about_stay_text(arxiv: dict[str, str]) -> None:
    tokens = arxiv["2505.13379"]
    assert "&lt;short&gt; for concise responses and &lt;think&gt; for" in html(tokens)
    assert "<short> for concise responses and <think> for" in plain_text(tokens)


def test_openalex_title_markup_is_formatting(openalex_titles: dict[str, str]) -> None:
    correction = openalex_titles["W4416995936"]
    assert correction.endswith("(2023) by Stephenson <i>et al.</i>")
    assert html(correction).endswith("(2023) by Stephenson <em>et al.</em>")
    assert plain_text(correction).endswith("(2023) by Stephenson et al.")
    assert html(openalex_titles["W4400654836"]).startswith("CO<sub>2</sub>–Rock–Brine")
    assert plain_text(openalex_titles["W4400654836"]) == (
        "CO₂–Rock–Brine Interactions in Feldspar-Rich Sandstones That Underwent Intense Heating"
    )
    # the publishers' spacing: "CO <sub>2</sub>", "Permian<i>Converrucosisporites</i>Oppel"
    assert "for a CO<sub>2</sub> basalt" in html(openalex_titles["W4408846760"])
    assert plain_text(openalex_titles["W4241953878"]).startswith(
        "The age of the carboniferous‐Permian Converrucosisporites confluens Oppel biozone"
    )


def test_no_attribute_or_unknown_tag_gets_through() -> None:
    """Edge cases no real record holds: attributes on a known tag, script links."""
    assert html('<i onclick="alert(1)">x</i> <b>open') == "<em>x</em> &lt;b&gt;open"
    assert html('<a href="javascript:alert(1)">y</a>, <sub style="x">2</sub>') == "y, <sub>2</sub>"
    assert html("<img src=x onerror=alert(1)><script>z</script>") == (
        "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;z&lt;/script&gt;"
    )
    assert html(r"\href{javascript:alert(2)}{here} \url{data:text/html,x}") == (
        "here data:text/html,x"
    )


def test_snippets_match_inside_a_tag_or_a_formula(openalex_titles: dict[str, str]) -> None:
    title = openalex_titles["W4390401119"]  # "… Potential for Subsurface CO<sub>2</sub> Storage"
    head, tail = title.split("<sub>")
    parts = [
        SnippetPart(text=head + "<", match=False),
        SnippetPart(text="sub", match=True),  # the query matched the tag's name
        SnippetPart(text=">" + tail[:-7], match=False),
        SnippetPart(text="Storage", match=True),
    ]
    assert str(render_snippet(parts)).endswith("Subsurface CO<sub>2</sub> <mark>Storage</mark>")
    formula = [{"text": "We introduce H$^2$U3D (", "match": False}]
    formula += [{"text": "Holistic", "match": True}, {"text": " House", "match": False}]
    assert str(render_snippet(formula)) == (
        'We introduce H<span class="math"><sup>2</sup></span>U3D (<mark>Holistic</mark> House'
    )


class _Markup(HTMLParser):
    """Every tag not ours, or with an attribute not ours, or not nested."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.wrong: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = OURS.get(tag)
        if allowed is None or any(name not in allowed for name, _ in attrs):
            self.wrong.append(f"<{tag} {attrs}>")
        if any(name == "href" and not (value or "").startswith("http") for name, value in attrs):
            self.wrong.append(f"<{tag} {attrs}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.wrong.append(f"</{tag}>")


def unsafe_or_unnested(text: str) -> list[str]:
    parser = _Markup()
    parser.feed(str(render_text(text)))
    parser.close()
    return parser.wrong + [f"unclosed {tag}" for tag in parser.open]


def test_real_texts_render_to_our_markup_only(shared_data: Path) -> None:
    """The first 6,000 records' titles, abstracts and comments (the slow test below: all)."""
    for record in arxiv_records(shared_data, limit=6000):
        for field in ("title", "abstract", "comments"):
            assert unsafe_or_unnested(record[field] or "") == [], (record["id"], field)


@pytest.mark.slow
def test_every_real_text_renders_to_our_markup_and_no_command_is_left(
    shared_data: Path,
) -> None:
    """All 60,419 records: only our markup, well nested, and no abstract or title whose
    plain text still shows a backslash command (1.6% of abstracts did before)."""
    left = []
    for record in arxiv_records(shared_data):
        for field in ("title", "abstract", "comments"):
            assert unsafe_or_unnested(record[field] or "") == [], (record["id"], field)
        for field in ("title", "abstract"):
            if re.search(r"\\[A-Za-z]", plain_text(record[field])):
                left.append((record["id"], field))
    assert left == []
