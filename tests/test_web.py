"""The web server as a user and an API client meet it: a real server on a free port over
a real database built from examples/ (ingested and enriched), plus one record whose
title, authors, comments and abstract carry HTML, scripts and LaTeX. Every test that
takes a database (``db``, ``scored_db``, ``new_database``) runs twice, on SQLite and on
PostgreSQL (``store_kind`` in conftest.py)."""

from __future__ import annotations

import copy
import csv
import gzip
import http.client
import io
import json
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import jsonschema
import numpy as np
import psycopg
import pytest
from click.testing import CliRunner
from markupsafe import escape

from scholarscope import profile, work_views
from scholarscope.cli import cli
from scholarscope.embed import Encoder, load_encoder
from scholarscope.embed.minilm import bf16_supported
from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.pipeline.score import score_store
from scholarscope.search import MIN_SIMILARITY, POOL, SemanticIndex
from scholarscope.store import open_store
from scholarscope.web import App, server
from scholarscope.web.app import Response
from scholarscope.web.openapi import openapi_document
from scholarscope.web.query_batch import QueryBatch
from scholarscope.web.routes import ROUTES
from web_client import ask, serving

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "examples"
ADMIN_TOKEN = "correct horse battery staple"

# A record in the arXiv snapshot format whose every text field tries to inject markup.
HOSTILE = {
    "id": "2501.00666",
    "authors": "Mallory <img src=x onerror=alert(1)> Evil and Bob Tables",
    "title": "<script>alert('title')</script> Attacks on $\\mathcal{O}(n^2)$ & \"quotes\"",
    "comments": "Accepted at <b>NeurIPS</b> 2025; see \\href{javascript:alert(2)}{here}",
    "categories": "cs.CR",
    "abstract": (
        "We show <script>alert(3)</script> and \\href{javascript:alert(4)}{a link} and "
        "\\textit{pair-wise} terms $x_i^2 \\leq \\frac{1}{2}$ < 5 & more. Code: "
        'https://github.com/mallory/xss"onmouseover="alert(5)'
    ),
    "update_date": "2025-01-15",
}


def fetch(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection: (status, headers with lower-case names, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request(method, target, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def get_json(url: str) -> Any:
    status, headers, body = fetch(url)
    assert status == 200, body[:300]
    assert headers["content-type"] == "application/json"
    return json.loads(body)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def unsafe_markup(html: str) -> list[str]:
    """Script elements other than our own, event-handler attributes, script URLs."""
    parser = _Tags()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag == "script" and attrs.get("src") != "/static/app.js":
            found.append(f"<script> {attrs}")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag} {name}={value}")
            if name in ("href", "src") and (value or "").strip().lower().startswith(
                ("javascript:", "data:text")
            ):
                found.append(f"{tag} {name}={value}")
    return found


def build_db(db: str, *sources: Path) -> str:
    """``db`` (a new database: a SQLite path or a PostgreSQL URL) with ``sources``
    ingested and enriched."""
    store = open_store(db)
    ingest_paths(store, list(sources))
    enrich_store(store, model=load_field_model())
    store.close()
    return db


NewDatabase = Callable[[str], str]  # conftest's new_database and module_database


@pytest.fixture(scope="module")
def db(module_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory) -> str:
    hostile = tmp_path_factory.mktemp("web") / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n")
    return build_db(module_database("web"), EXAMPLES, hostile)


@pytest.fixture(scope="module")
def base(db: str) -> Iterator[str]:
    with serving(App(db)) as url:
        yield url


@pytest.fixture(scope="module")
def shiming(base: str) -> str:
    found = get_json(f"{base}/authors.json?q=Shiming%20Ge")["authors"]
    assert [a["name"] for a in found] == ["Shiming Ge"]
    return str(found[0]["id"])


# The seed documents plus one OpenAlex author (9 works with citation figures), embedded
# with the real model and scored as `scholarscope score --min-earlier 10` does: built
# once for the module (embedding the 136 texts takes a few seconds).
POLO = "openalex-authors/A5030587820.json"  # Camilo A. Polo


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


@pytest.fixture(scope="module")
def scored_db(module_database: NewDatabase, shared_data: Path, encoder: Encoder) -> str:
    db = build_db(module_database("scored"), EXAMPLES, shared_data / POLO)
    store = open_store(db)
    report = score_store(store, encoder, min_earlier=10)
    store.close()
    assert (report.embedded, report.scored) == (136, 49)
    return db


@pytest.fixture(scope="module")
def scored(scored_db: str, encoder: Encoder) -> Iterator[str]:
    """A server with semantic search on, loaded before it serves (as ``run`` does)."""
    app = App(scored_db, encoder=lambda: encoder)
    app.warm()
    with serving(app) as url:
        yield url


# -- pages and their JSON twins -----------------------------------------------------


def test_profile_page_shows_the_seed_header_and_the_fifty_works(base: str, shiming: str) -> None:
    status, headers, body = fetch(f"{base}/authors/{shiming}")
    html = body.decode()
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert '<h1 id="author-name">Shiming Ge</h1>' in html
    stated = dict(re.findall(r'data-figure="(\w+)".*?stated-value">([^<]+)<', html, re.S))
    assert stated == {"h_index": "15", "papers": "54", "citations": "1,706", "novelty": "53%",
                      "ai_score": "57"}  # fmt: skip
    ours = dict(re.findall(r'data-figure="(\w+)".*?class="value ours">([^<]+)<', html, re.S))
    assert ours["papers"] == "50" and ours["h_index"] == "—"
    assert "the source counts 4 works not stored here" in html
    assert "m-quotient — (first work 2017)." in html and "2,017" not in html  # a year
    assert html.count('<article class="work"') == 50
    assert "50 Papers" in html
    first = html.index('<article class="work"')
    assert "Selective-Supervised Contrastive Learning with Noisy Labels" in html[first:][:2000]
    assert 'href="https://github.com/ShikunLi/Sel-CL"' in html


def test_profile_json_is_the_profile_dict_with_a_page_of_works(
    base: str, db: str, shiming: str
) -> None:
    data = get_json(f"{base}/authors/{shiming}.json?per_page=10&page=2")
    store = open_store(db)
    expected = json.loads(
        json.dumps(profile.build_profile(store, int(shiming[7:]), evidence=False))
    )
    store.close()
    for key, value in expected.items():
        if key != "works":
            assert data[key] == value, key
    assert [w["id"] for w in data["works"]] == [w["id"] for w in expected["works"][10:20]]
    assert {k: v for k, v in data["works"][0].items() if k != "author_ids"} == expected["works"][10]
    assert "novelty_evidence" not in data["works"][0]  # on the work's own page only
    assert data["paging"] == {"page": 2, "per_page": 10, "total": 50, "pages": 5}
    assert data["coauthors"][:2] == [
        {"id": data["coauthors"][0]["id"], "name": "Daichi Zhang", "shared_works": 10},
        {"id": data["coauthors"][1]["id"], "name": "Shikun Li", "shared_works": 10},
    ]
    assert sum(data["fields_over_time"]["2024"].values()) == 17


def test_profile_filters_and_sorts(base: str, shiming: str) -> None:
    lg = get_json(f"{base}/authors/{shiming}.json?field=LG")
    assert lg["paging"]["total"] == len(lg["works"]) > 0
    assert {w["field"] for w in lg["works"]} == {"LG"}
    coded = get_json(f"{base}/authors/{shiming}.json?code=yes&year=2022")
    assert coded["works"] and all(w["code"] and w["year"] == 2022 for w in coded["works"])
    newest = get_json(f"{base}/authors/{shiming}.json?sort=date")["works"]
    dates = [w["date"] for w in newest if w["date"]]
    assert dates == sorted(dates, reverse=True)


def test_field_filters_take_the_key_the_category_or_the_badge(base: str, shiming: str) -> None:
    """arxiv:cs.LG, cs.LG and LG are one field when only one stored field is LG, in every
    filter that takes one (as /fields/cs.CV)."""
    lg = get_json(f"{base}/authors/{shiming}.json?field=LG")
    by_category = get_json(f"{base}/authors/{shiming}.json?field=cs.LG")
    by_key = get_json(f"{base}/authors/{shiming}.json?field=arxiv:cs.LG")
    assert by_category["paging"]["total"] == lg["paging"]["total"] == 12
    assert by_key["works"] == by_category["works"] == lg["works"]
    assert by_category["filters"]["field"] == "arxiv:cs.LG"
    searched = get_json(f"{base}/search.json?q=noisy%20labels&field=cs.CV")
    assert searched["paging"]["total"] == 5
    assert (
        searched["results"] == get_json(f"{base}/search.json?q=noisy%20labels&field=CV")["results"]
    )
    works = get_json(f"{base}/works.json?field=cs.CV&per_page=1")["paging"]["total"]
    assert works == get_json(f"{base}/works.json?field=CV&per_page=1")["paging"]["total"] == 107
    html = fetch(f"{base}/authors/{shiming}?field=cs.LG")[2].decode()
    assert html.count('<article class="work"') == 12
    # the menu shows the filter applied, by its name
    assert '<option value="arxiv:cs.LG" selected>LG — Machine Learning</option>' in html


def test_author_name_and_source_ids_redirect_to_the_stable_id(base: str, shiming: str) -> None:
    status, headers, _ = fetch(f"{base}/authors/Shiming%20Ge")
    assert (status, headers["location"]) == (302, f"/authors/{shiming}")
    status, headers, _ = fetch(f"{base}/authors/shiming%20ge.json?sort=date")
    assert (status, headers["location"]) == (302, f"/authors/{shiming}.json?sort=date")


def test_work_page_by_any_of_its_ids(base: str) -> None:
    data = get_json(f"{base}/works/arxiv:2409.19252.json")
    assert data["id"] == "arxiv:2409.19252"
    assert (data["venue"]["name"], data["venue"]["year"], data["venue"]["status"]) == (
        "NeurIPS", 2024, "accepted")  # fmt: skip
    assert data["field_source"].startswith("predicted (")
    assert [r["source"] for r in data["records"]] == ["arxiv_feed"]
    assert data["records"][0]["origin"].endswith("000_6198259b7f70df20.txt")
    assert data["links"] == [{"id": "arxiv:2409.19252", "url": "https://arxiv.org/abs/2409.19252"}]
    assert get_json(f"{base}/works/arxiv:2409.19252v3.json")["work_id"] == data["work_id"]
    by_doi = get_json(f"{base}/works/doi:10.1145/3664647.3680919.json")
    assert by_doi["id"] == "arxiv:2408.04604"
    assert (
        get_json(f"{base}/works/{quote('doi:10.1145/3664647.3680919', safe=':')}.json")["work_id"]
        == by_doi["work_id"]
    )
    html = fetch(f"{base}/works/arxiv:2409.19252")[2].decode()
    assert "NeurIPS 2024 · accepted" in html and "What each source says" in html


# The best match for "noisy labels" on each store: SQLite ranks by FTS5's BM25,
# PostgreSQL by ts_rank, which orders alike but not identically (search_postgres.py).
BEST_NOISY_LABELS = {
    "sqlite": "Multi-Label Noise Transition Matrix Estimation with Label Correlations: Theory "
    "and Algorithm",
    "postgresql": "Selective-Supervised Contrastive Learning with Noisy Labels",
}


def test_search_finds_works_by_their_words(base: str, store_kind: str) -> None:
    data = get_json(f"{base}/search.json?q=noisy%20labels")
    assert data["mode"] == "keyword" and data["paging"]["total"] == 9
    assert data["results"][0]["title"] == BEST_NOISY_LABELS[store_kind]
    phrase = get_json(f"{base}/search.json?q=%22selective-supervised%20contrastive%22")
    assert [r["id"] for r in phrase["results"]] == [
        r["id"] for r in data["results"] if r["title"].startswith("Selective-Supervised")
    ]
    snippet = get_json(f"{base}/search.json?q=hyperbolic")["results"][0]["snippet"]
    assert {"text": "hyperbolic", "match": True} in snippet
    # filters run in SQL; they agree with the fields and code the results show
    in_cv = get_json(f"{base}/search.json?q=noisy%20labels&field=CV")["results"]
    assert [r["id"] for r in in_cv] == [r["id"] for r in data["results"] if r["field"] == "CV"]
    with_code = get_json(f"{base}/search.json?q=noisy%20labels&code=yes")["results"]
    assert [r["id"] for r in with_code] == [r["id"] for r in data["results"] if r["code"]]
    assert (len(in_cv), len(with_code)) == (5, 4)
    html = fetch(f"{base}/search?q=noisy+labels")[2].decode()
    assert html.count('<article class="work"') == 9 and "<mark>" in html


def test_experts_are_the_authors_of_the_best_matches(base: str, shiming: str) -> None:
    data = get_json(f"{base}/search.json?q=noisy%20labels&tab=experts")
    first = data["experts"][0]
    assert (first["id"], first["name"], first["matching_works"], first["best_rank"]) == (
        shiming, "Shiming Ge", 5, 1)  # fmt: skip
    assert len(first["evidence"]) == 5 and first["evidence"][0]["rank"] == 1


def test_field_leaderboard_agrees_with_the_profiles(base: str, db: str) -> None:
    fields = get_json(f"{base}/fields.json")["fields"]
    store = open_store(db)
    views = work_views.load_work_views(
        store, [int(r[0]) for r in store.query("SELECT work_id FROM work")]
    )
    shown = Counter(v["field_key"] for v in views if v["field_key"])
    assert [(f["field"], f["works"]) for f in fields] == sorted(
        shown.items(), key=lambda x: (-x[1], x[0])
    )
    cv = "Computer Vision and Pattern Recognition"
    assert fields[0] == {"field": "arxiv:cs.CV", "badge": "CV", "name": cv, "works": 107}
    # the two profile pages' badges: 81 CV, 17 LG (the feeds' 30 works add predicted fields)
    badges = Counter(v["field"] for v in views if v["field_source"] == "stated (profile_page)")
    assert (badges["CV"], badges["LG"]) == (81, 17)
    board = get_json(f"{base}/fields/CV.json?min_papers=3")
    assert board["paging"]["total"] == 21
    top = board["authors"][:2]
    assert [(a["name"], a["papers"], a["rank"]) for a in top] == [
        ("Nannan Wang", 50, 1), ("Shiming Ge", 50, 2)]  # fmt: skip
    for row in board["authors"]:
        p = profile.build_profile(store, int(row["id"][7:]))
        assert (row["papers"], row["field"], row["h_index"]) == (
            p["papers"],
            p["field"],
            p["h_index"],
        )
    store.close()
    assert get_json(f"{base}/fields/CV.json?min_papers=20")["paging"]["total"] == 2
    assert get_json(f"{base}/fields/cs.CV.json?min_papers=20")["field"] == "arxiv:cs.CV"
    assert get_json(f"{base}/fields/arxiv:cs.CV.json?min_papers=20")["paging"]["total"] == 2


def test_authors_search_pages(base: str) -> None:
    data = get_json(f"{base}/authors.json?q=wang&per_page=2&page=2")
    assert data["paging"]["per_page"] == 2 and data["paging"]["total"] > 4
    assert len(data["authors"]) == 2
    everyone = get_json(f"{base}/authors.json?q=wang&per_page=1000")["authors"]
    assert data["authors"] == everyone[2:4]


# -- exports ---------------------------------------------------------------------------


def export_links(html: str) -> dict[str, str]:
    found = re.search(r'<p class="exports">(.*?)</p>', html, re.S)
    assert found is not None
    return {label: href.replace("&amp;", "&") for href, label in
            re.findall(r'<a href="([^"]+)">(\w+)</a>', found.group(1))}  # fmt: skip


def test_every_export_link_exports_the_whole_list(base: str, shiming: str) -> None:
    html = fetch(f"{base}/authors/{shiming}?per_page=10&page=2&sort=date")[2].decode()
    links = export_links(html)
    assert set(links) == {"CSV", "BibTeX", "JSON"}
    path, _, query = links["JSON"].partition("?")
    assert path == f"/authors/{shiming}.json"
    assert parse_qs(query) == {"sort": ["date"], "per_page": ["5000"]}  # no page
    exported = get_json(base + links["JSON"])
    rows = list(csv.DictReader(io.StringIO(fetch(base + links["CSV"])[2].decode())))
    assert exported["paging"] == {"page": 1, "per_page": 5000, "total": 50, "pages": 1}
    assert [w["title"] for w in exported["works"]] == [r["title"] for r in rows]
    assert len(rows) == 50
    searched = export_links(fetch(f"{base}/search?q=noisy+labels&per_page=2&page=3")[2].decode())
    assert len(get_json(base + searched["JSON"])["results"]) == 9
    assert len(parse_bibtex(fetch(base + searched["BibTeX"])[2].decode())) == 9


def test_csv_export_parses_back(base: str, shiming: str) -> None:
    status, headers, body = fetch(f"{base}/authors/{shiming}.csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    works = get_json(f"{base}/authors/{shiming}.json")["works"]
    assert len(rows) == 50
    assert [r["title"] for r in rows] == [w["title"] for w in works]
    assert rows[0]["authors"] == "Shikun Li; Xiaobo Xia; Shiming Ge"
    assert (rows[0]["code"], rows[0]["code_url"]) == ("yes", "https://github.com/ShikunLi/Sel-CL")


def parse_bibtex(text: str) -> list[dict[str, str]]:
    """Entries of a BibTeX file: {"type", "key", field: value}; values are brace groups."""
    entries = []
    for match in re.finditer(r"@(\w+)\{([^,]+),", text):
        entry = {"type": match.group(1), "key": match.group(2)}
        i = match.end()
        while True:
            field = re.compile(r"\s*(\w+) = \{").match(text, i)
            if not field:
                break
            depth, j = 1, field.end()
            while depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            entry[field.group(1)] = text[field.end() : j - 1]
            i = j + 1 if text[j : j + 1] == "," else j
        assert text[i:].lstrip().startswith("}"), text[i : i + 80]
        entries.append(entry)
    return entries


def test_bibtex_export_parses_back(base: str, shiming: str) -> None:
    status, headers, body = fetch(f"{base}/authors/{shiming}.bib")
    assert status == 200 and headers["content-type"].startswith("application/x-bibtex")
    entries = parse_bibtex(body.decode())
    assert len(entries) == 50 and len({e["key"] for e in entries}) == 50
    first = entries[0]
    assert first["key"] == "li2022selective"
    assert first["title"] == "Selective-Supervised Contrastive Learning with Noisy Labels"
    assert first["author"] == "Shikun Li and Xiaobo Xia and Shiming Ge and others"
    feed = parse_bibtex(fetch(f"{base}/works/arxiv:2408.04604.bib")[2].decode())[0]
    assert (feed["eprint"], feed["archivePrefix"], feed["doi"]) == (
        "2408.04604", "arXiv", "10.1145/3664647.3680919")  # fmt: skip
    searched = parse_bibtex(fetch(f"{base}/search.bib?q=noisy+labels")[2].decode())
    assert len(searched) == 9


# A title and an author name that run commands when a BibTeX export is compiled: \input
# reads a file into the document, \write18 runs a program where shell escape is on.
TEX_TITLE = (
    r"\immediate\write18{id} \input{/etc/passwd} of OA: $\mathcal{O}(n^2)$ & "
    r"$\def\x{1}$ 100% ~ ^^5c"
)
TEX_AUTHOR = r"Heather \input{/etc/passwd} Piwowar"


def test_bibtex_export_cannot_run_tex_commands_from_a_record(
    new_database: NewDatabase, tmp_path: Path, shared_data: Path
) -> None:
    """A real OpenAlex work whose title, first author and abstract carry TeX commands:
    the export prints them as text, while a formula of known math commands stays math."""
    work = json.loads(
        (shared_data / "openalex-fixtures/openalex-python/W2741809807.json").read_text()
    )
    work["title"] = work["display_name"] = TEX_TITLE
    first = work["authorships"][0]
    first["author"]["display_name"] = first["raw_author_name"] = TEX_AUTHOR
    work["abstract_inverted_index"] = {r"\input{/etc/passwd}": [0], r"\write18{id}": [1]}
    record = tmp_path / "W2741809807.json"
    record.write_text(json.dumps(work))
    app = App(build_db(new_database("tex"), record))
    answer = ask(app, "/works/openalex:W2741809807.bib")
    text = answer.body.decode()
    [entry] = parse_bibtex(text)
    assert entry["title"] == (
        r"{\textbackslash}immediate{\textbackslash}write18{\textbraceleft}id{\textbraceright} "
        r"{\textbackslash}input{\textbraceleft}/etc/passwd{\textbraceright} of OA: "
        r"{$\mathcal{O}(n^2)$} \& \${\textbackslash}def{\textbackslash}x{\textbraceleft}1"
        r"{\textbraceright}\$ 100\% {\textasciitilde} {\textasciicircum}{\textasciicircum}5c"
    )
    assert entry["author"].startswith(
        r"Heather {\textbackslash}input{\textbraceleft}/etc/passwd{\textbraceright} Piwowar "
        "and Jason Priem and "
    )
    # the only commands in the file print a character, or are the formula's
    assert set(re.findall(r"\\([A-Za-z]+)", text)) == {
        "textbackslash", "textbraceleft", "textbraceright", "textasciitilde",
        "textasciicircum", "mathcal"}  # fmt: skip
    assert "^^" not in text
    # the page and the JSON keep the record's text as written
    shown = json.loads(ask(app, "/works/openalex:W2741809807.json").body)
    assert (shown["title"], shown["authors"][0]) == (TEX_TITLE, TEX_AUTHOR)
    assert shown["abstract"] == r"\input{/etc/passwd} \write18{id}"


# -- what the server refuses ------------------------------------------------------------

BAD_REQUESTS = [
    ("/search.json?q=noisy&page=0", "page must be at least 1"),
    ("/search.json?q=noisy&page=abc", "page must be a whole number"),
    ("/search.json?q=noisy&page=%D9%A3", "page must be a whole number, not '٣'"),  # Arabic 3
    ("/authors/author:3.json?year=%DB%B2%DB%B0%DB%B2%DB%B4", "year must be a whole number"),
    ("/search.json?q=noisy&per_page=100000", "per_page must be at most 5000"),
    ("/authors.json?q=wang&per_page=5000", "per_page must be at most 1000"),
    ("/search.json?q=noisy&sort=bogus", "sort must be one of relevance, date"),
    ("/search.json?q=noisy&pgae=2", "unknown parameter 'pgae'"),
    ("/search.json?q=a&q=b", "parameter 'q' is given more than once"),
    ("/search.json?q=" + "x" * 301, "q is longer than 300 characters"),
    ("/search.json?q=noisy&code=maybe", "code must be yes or no"),
    ("/search.json?q=noisy&year_from=99999", "year_from must be at most 2999"),
    ("/search.json?q=noisy&field=%3Cscript%3E", "field must be a field key such as arxiv:cs"),
    ("/fields/CV.json?min_papers=-1", "min_papers must be at least 1"),
    ("/fields/CV.json?metric=fame", "metric must be one of"),
    ("/authors/author:3.json?year=20x4", "year must be a whole number"),
    ("/works/arxiv:2409.19252.json?x=1", "unknown parameter 'x' (this page takes: no parameters)"),
    ("/search.json?q=%FF", "not valid UTF-8"),
    ("/authors/%FF.json", "not valid UTF-8"),
]


@pytest.mark.parametrize(("target", "message"), BAD_REQUESTS)
def test_bad_parameters_are_a_clear_400(base: str, target: str, message: str) -> None:
    status, headers, body = fetch(base + target)
    assert status == 400 and headers["content-type"] == "application/problem+json"
    error = json.loads(body)
    assert (error["status"], error["title"]) == (400, "Bad Request") and message in error["detail"]


# Numbers past SQLite's largest integer (2**63 - 1) name nothing: 404, never an overflow.
OVER_LONG_IDS = [
    ("/authors/author:99999999999999999999.json", "no author with id author:99999999999999999999"),
    ("/authors/author:9223372036854775808.json", "no author with id author:9223372036854775808"),
    ("/authors/%20author:99999999999999999999.json", "no author with id  author:9999"),
    ("/authors/author:" + "9" * 3000 + ".json", "no author with id author:9999"),
    ("/works/work:99999999999999999999.json", "no work with id work:99999999999999999999"),
    ("/works/work:9223372036854775808.json", "no work with id work:9223372036854775808"),
    ("/authors/author:99999999999999999999.csv", "no author with id author:9999"),
]


@pytest.mark.parametrize(("target", "message"), OVER_LONG_IDS)
def test_over_long_numeric_ids_are_a_404(base: str, target: str, message: str) -> None:
    status, headers, body = fetch(base + target)
    assert status == 404 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["detail"].startswith(message)
    page = fetch(base + target.removesuffix(".json"))
    assert page[0] == 404 and "internal error" not in page[2].decode()
    # the largest id SQLite holds is an ordinary miss; a non-canonical form redirects
    assert fetch(f"{base}/authors/author:9223372036854775807.json")[0] == 404
    status, headers, _ = fetch(f"{base}/authors/%20author:3")
    assert (status, headers["location"]) == (302, "/authors/author:3")


def test_errors_on_pages_are_pages(base: str) -> None:
    status, headers, body = fetch(f"{base}/search?q=noisy&page=0")
    assert status == 400 and headers["content-type"].startswith("text/html")
    assert "page must be at least 1" in body.decode()


@pytest.mark.parametrize(
    "target",
    ["/nope", "/authors/author:999999.json", "/authors/Nobody%20Atall",
     "/works/doi:10.0/none.json", "/works/work:99999999", "/fields/ZZ.json", "/fields.csv",
     "/static/../app.py", "/static/secret.txt", "/works/work:%D9%A3.json"],
)  # fmt: skip
def test_unknown_addresses_are_404(base: str, target: str) -> None:
    assert fetch(base + target)[0] == 404


def test_only_reads_are_allowed(base: str) -> None:
    status, headers, body = fetch(f"{base}/authors", method="POST", body=b"x")
    assert (status, headers["allow"]) == (405, "GET, HEAD")
    assert headers["content-type"].startswith("text/html") and b"answers GET and HEAD" in body
    status, headers, body = fetch(f"{base}/authors.json", method="TRACE")
    assert (status, headers["content-type"]) == (405, "application/problem+json")
    assert fetch(f"{base}/", method="DELETE")[0] == 405
    status, headers, body = fetch(f"{base}/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000


def test_writes_are_off_without_an_admin_token(base: str) -> None:
    status, _, body = fetch(f"{base}/admin/ingest", method="POST", body=b"abc\narXiv:2501.00001",
                            headers={"Authorization": "Bearer anything"})  # fmt: skip
    assert status == 403 and "writes are off" in json.loads(body)["detail"]
    status, _, body = fetch(f"{base}/admin/ingest", method="POST", body=b"abc")
    assert status == 401  # no credentials: the client is told to authenticate


def test_serve_reads_the_admin_token_from_a_file_kept_off_the_command_line(
    db: str, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(ADMIN_TOKEN + "\n")
    token_file.chmod(0o600)
    command = [sys.executable, "-c", "from scholarscope.cli import cli; cli()", "--db", db,
               "serve", "--port", "0", "--no-semantic", "--quiet",
               "--admin-token-file", str(token_file)]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            assert "(POST /admin/ingest needs the admin token; Ctrl-C stops)" in line
            url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)  # type: ignore[union-attr]
            target = f"{url}/admin/authors/merge"
            assert fetch(target, "POST")[0] == 401
            auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            status, _, body = fetch(f"{target}?keep=x&drop=y", "POST", headers=auth)
            message = "'x' is not an author id: give author:N (see scholarscope authors)"
            assert (status, json.loads(body)["detail"]) == (400, message)
            # what other users see in ps
            assert ADMIN_TOKEN.encode() not in Path(f"/proc/{server.pid}/cmdline").read_bytes()
        finally:
            server.terminate()
            assert server.wait(timeout=30) == 0


def test_serve_says_in_one_line_that_its_address_is_taken(db: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(cli, ["--db", db, "serve", "--port", port, "--no-semantic"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "Error: [Errno 98] Address already in use"


def test_the_served_socket_says_it_is_tcp_so_its_connections_send_at_once() -> None:
    # asyncio sets TCP_NODELAY only on connections of a socket whose proto is TCP; without
    # it each keep-alive answer waited ~40 ms for the client's delayed ACK (measured:
    # p50 44 ms for a cached page, 0.9 ms with it)
    sock = server._bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        with socket.create_connection(sock.getsockname()[:2]):
            connection, _ = sock.accept()
            with connection:
                assert connection.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_serve_refuses_two_admin_tokens_and_an_empty_token_file(db: str, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(ADMIN_TOKEN)
    serve = ["--db", db, "serve", "--admin-token-file", str(token_file)]
    both = CliRunner().invoke(cli, serve, env={"SCHOLARSCOPE_ADMIN_TOKEN": "another"})
    assert both.exit_code == 2
    assert (
        "give the admin token one way: --admin-token, SCHOLARSCOPE_ADMIN_TOKEN or "
        "--admin-token-file" in both.output
    )
    token_file.write_text("\n")
    empty = CliRunner().invoke(cli, serve, env={"SCHOLARSCOPE_ADMIN_TOKEN": None})
    assert empty.exit_code == 2 and "the first line is empty" in empty.output
    help_text = " ".join(CliRunner().invoke(cli, ["serve", "--help"]).output.split())
    assert "a command line is visible to the machine's other users (ps)" in help_text


def test_the_write_endpoint_requires_the_token_and_then_ingests(new_database: NewDatabase) -> None:
    db = build_db(new_database("admin"), EXAMPLES / "000_6198259b7f70df20.txt")
    feed = (EXAMPLES / "002_5f7ca689ee55c244.txt").read_bytes()
    with serving(App(db, admin_token=ADMIN_TOKEN)) as url:
        assert get_json(f"{url}/index.json")["stats"]["works"] == 10
        target = f"{url}/admin/ingest?name=002.txt"
        assert fetch(target, "POST", feed)[0] == 401
        assert fetch(target, "POST", feed, {"Authorization": "Bearer wrong"})[0] == 401
        status, _, body = fetch(target, "POST", feed, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert status == 200, body
        result = json.loads(body)
        assert (result["files"][0]["new"], result["enriched"]) == (10, 10)
        assert result["files"][0]["path"] == "upload:002.txt"
        schema = openapi_document()["paths"]["/admin/ingest"]["post"]["responses"]["200"]
        described = schema["content"]["application/json"]["schema"]
        assert schema_problems(result, described, openapi_document()) == []
        assert get_json(f"{url}/index.json")["stats"]["works"] == 20  # the cache saw it
        # the stored records name the upload, not the server's temporary file
        work = get_json(f"{url}/works/arxiv:2408.04604.json")
        assert [r["origin"] for r in work["records"]] == ["upload:002.txt"]


def test_the_write_endpoint_answers_errors_in_json_without_server_paths(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    db = build_db(new_database("admin"), EXAMPLES / "000_6198259b7f70df20.txt")
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with serving(App(db, admin_token=ADMIN_TOKEN)) as url:
        answers = {
            "empty": fetch(f"{url}/admin/ingest?name=x.txt", "POST", b"", auth),
            "unknown parameter": fetch(f"{url}/admin/ingest?nmae=x.txt", "POST", b"abc", auth),
            "GET": fetch(f"{url}/admin/ingest"),
            "not a format": fetch(
                f"{url}/admin/ingest?name=../notes.txt", "POST", b"hello\nworld\n", auth
            ),
        }
    for what, (status, headers, body) in answers.items():
        media = "application/json" if status == 200 else "application/problem+json"
        assert headers["content-type"] == media, what
        assert "/tmp" not in body.decode() and str(tmp_path) not in body.decode(), what
    errors = {what: json.loads(body) for what, (_, _, body) in answers.items()
              if what != "not a format"}  # fmt: skip
    assert errors["empty"] == {
        "type": "about:blank", "title": "Bad Request", "status": 400,
        "detail": "the body must hold one file of 1 byte to 52428800 bytes",
    }  # fmt: skip
    assert errors["unknown parameter"]["detail"].startswith("unknown parameter 'nmae'")
    assert (answers["GET"][0], errors["GET"]["detail"]) == (
        405, "/admin/ingest answers POST only"
    )  # fmt: skip
    rejected = json.loads(answers["not a format"][2])["files"][0]
    assert (rejected["path"], rejected["rejected"]) == ("upload:_notes.txt", 1)
    assert rejected["messages"] == [
        "upload:_notes.txt: not in any known format (it begins 'hello')"
    ]


def test_merging_authors_needs_the_token_and_the_merged_id_redirects(
    new_database: NewDatabase,
) -> None:
    db = build_db(new_database("merge"), EXAMPLES)
    target = "/admin/authors/merge?keep=author:3&drop=author:64"  # Ge, Wang: 50 works each
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with serving(App(db)) as url:
        status, _, body = fetch(url + target, "POST", b"", auth)
        assert (status, json.loads(body)["detail"]) == (
            403, "writes are off: start the server with an admin token"
        )  # fmt: skip
    with serving(App(db, admin_token=ADMIN_TOKEN)) as url:
        assert fetch(url + target, "POST", b"")[0] == 401
        assert fetch(url + target, "POST", b"", {"Authorization": "Bearer wrong"})[0] == 401
        assert fetch(url + target)[0] == 405
        assert get_json(f"{url}/authors/author:3.json")["papers"] == 50
        status, _, body = fetch(url + target, "POST", b"", auth)
        assert status == 200, body
        result = json.loads(body)
        assert result == {"kept": "author:3", "merged": "author:64", "name": "Shiming Ge",
                          "papers_before": 50, "papers": 100}  # fmt: skip
        schema = openapi_document()["paths"]["/admin/authors/merge"]["post"]["responses"]["200"]
        described = schema["content"]["application/json"]["schema"]
        assert schema_problems(result, described, openapi_document()) == []
        # the old id stays valid: it leads to the kept author, page and JSON twin alike
        for old, new in (("", ""), (".json", ".json")):
            status, headers, _ = fetch(f"{url}/authors/author:64{old}?sort=date")
            assert (status, headers["location"]) == (302, f"/authors/author:3{new}?sort=date")
        assert get_json(f"{url}/authors/author:3.json")["papers"] == 100  # the cache saw it
        assert get_json(f"{url}/authors.json?q=Nannan+Wang")["authors"] == []
        errors = {
            "again": fetch(url + target, "POST", b"", auth),
            "itself": fetch(f"{url}/admin/authors/merge?keep=author:3&drop=author:3", "POST",
                            b"", auth),
            "a name": fetch(f"{url}/admin/authors/merge?keep=author:3&drop=Nannan", "POST",
                            b"", auth),
        }  # fmt: skip
    assert {what: (status, json.loads(body)["detail"])
            for what, (status, _, body) in errors.items()} == {
        "again": (404, "no author with id author:64: it was merged into author:3"),
        "itself": (409, "author:3 cannot be merged into itself"),
        "a name": (400, "'Nannan' is not an author id: give author:N (see scholarscope authors)"),
    }  # fmt: skip


def test_a_work_id_merged_away_at_ingest_redirects_and_is_never_given_again(
    new_database: NewDatabase,
) -> None:
    db = build_db(new_database("works"), EXAMPLES / "000_6198259b7f70df20.txt")
    store = open_store(db)
    last = store.max_ids()[0]
    with store.transaction():  # as ingest does when a record shows two works are one
        store.merge_works(1, last)
    assert store.max_ids()[0] == last  # the merged-away id is not given to a new work
    shown = work_views.canonical_ids(store, [1])[1]
    store.close()
    with serving(App(db)) as url:
        status, headers, _ = fetch(f"{url}/works/work:{last}.json")
        assert (status, headers["location"]) == (302, f"/works/{quote(shown, safe=':@')}.json")
        assert get_json(url + headers["location"])["id"] == shown
        assert fetch(f"{url}/works/work:{last + 1}")[0] == 404


# -- hostile input ------------------------------------------------------------------------


def test_html_and_scripts_in_records_are_shown_as_text(base: str) -> None:
    found = get_json(f"{base}/search.json?q=alert%20quotes")["results"]
    assert [w["title"] for w in found] == [HOSTILE["title"]]  # JSON keeps the data as is
    work = found[0]
    pages = {
        "work": fetch(f"{base}/works/{work['id']}")[2].decode(),
        "search": fetch(f"{base}/search?q=alert+quotes")[2].decode(),
        "experts": fetch(f"{base}/search?q=alert+quotes&tab=experts")[2].decode(),
        "authors": fetch(f"{base}/authors?q=mallory")[2].decode(),
    }
    mallory = get_json(f"{base}/authors.json?q=mallory")["authors"][0]["id"]
    pages["profile"] = fetch(f"{base}/authors/{mallory}")[2].decode()
    for name, html in pages.items():
        assert unsafe_markup(html) == [], name
        assert "<script>alert" not in html and "<img src=x" not in html, name
    page = pages["work"]
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Attacks on" in page
    assert '<span class="math">O(n<sup>2</sup>)</span> &amp; &#34;quotes&#34;' in page
    assert "<em>pair-wise</em>" in page
    assert '<span class="math">x<sub>i</sub><sup>2</sup> ≤ 1/2</span> &lt; 5 &amp; more' in page
    assert "a link" in page and "javascript:" not in page.replace("\\href{javascript:", "")


PAYLOAD = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.mark.parametrize(
    ("target", "status", "reflected"),
    [
        ("/search?q={p}", 200, True),
        ("/search?q={p}&tab=experts", 200, True),
        ("/search?q=noisy&venue={p}", 200, True),
        ("/search?q=noisy&field={p}", 400, False),
        ("/search?q=noisy&sort={p}", 400, False),
        ("/search?{p}=1", 400, True),  # the unknown parameter's name is quoted back
        ("/authors?q={p}", 200, True),
        ("/authors/{p}", 404, True),  # "no author matches …"
        ("/authors/SHIMING?field={p}", 400, False),
        ("/authors/SHIMING?sort={p}", 400, False),
        ("/authors/SHIMING?code={p}", 400, False),
        ("/works/{p}", 404, True),
    ],
)
def test_query_parameters_are_reflected_only_escaped(
    base: str, shiming: str, target: str, status: int, reflected: bool
) -> None:
    """Reflected XSS: whatever a link puts in the address comes back as text."""
    url = base + target.replace("{p}", quote(PAYLOAD, safe="")).replace("SHIMING", shiming)
    answer, headers, body = fetch(url)
    html = body.decode()
    assert answer == status and headers["content-type"] == "text/html; charset=utf-8"
    assert unsafe_markup(html) == []
    assert "<script>alert" not in html and "<img src=x" not in html and PAYLOAD not in html
    if reflected:  # shown, escaped
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "script-src 'self'" in headers["content-security-policy"]


def test_snippets_render_latex_like_the_abstract(base: str) -> None:
    found = get_json(f"{base}/search.json?q=pair-wise%20noisy")["results"]
    assert [r["title"][:28] for r in found] == ["Selective-Supervised Contras"]
    parts = found[0]["snippet"]  # JSON keeps the text as stored, the matches marked
    assert {"text": "pair", "match": True} in parts and any(
        p["text"].endswith("\\textit{") for p in parts
    )
    html = fetch(f"{base}/search?q=pair-wise+noisy")[2].decode()
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.S)
    assert snippet is not None
    assert "<em><mark>pair</mark>-<mark>wise</mark></em> manner, <mark>noisy</mark>" in (
        snippet.group(1)
    )
    assert "\\textit" not in snippet.group(1)
    hostile = fetch(f"{base}/search?q=pair-wise+alert")[2].decode()  # LaTeX beside HTML
    assert "<em><mark>pair</mark>-<mark>wise</mark></em>" in hostile
    assert unsafe_markup(hostile) == [] and "<script>alert" not in hostile


def test_security_headers(base: str) -> None:
    headers = fetch(f"{base}/")[1]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


INJECTIONS = [
    "/search.json?q=" + quote("'; DROP TABLE work; --"),
    "/search.json?q=" + quote('title:* OR NEAR(" AND'),
    "/search.json?q=" + quote("noisy") + "&venue=" + quote("x' OR '1'='1"),
    "/authors.json?q=" + quote("%' OR 1=1 --"),
    "/works/" + quote("arxiv:1' OR '1'='1") + ".json",
    "/authors/" + quote("author:1 OR 1=1") + ".json",
    "/fields/" + quote("CV' --") + ".json",
]


def test_sql_injection_attempts_are_harmless(base: str) -> None:
    before = get_json(f"{base}/index.json")["stats"]
    statuses = [fetch(base + target)[0] for target in INJECTIONS]
    assert statuses == [200, 200, 200, 200, 404, 404, 404]
    assert get_json(base + INJECTIONS[3])["authors"] == []
    assert get_json(base + INJECTIONS[2])["paging"]["total"] == 0
    assert get_json(f"{base}/index.json")["stats"] == before


# -- the API description -------------------------------------------------------------------

EXAMPLES_OF = {"{id}": "arxiv:2409.19252", "{code}": "CV"}


def test_every_route_is_described_and_answers(base: str) -> None:
    document = get_json(f"{base}/openapi.json")
    assert document == json.loads(json.dumps(openapi_document()))
    assert document["openapi"] == "3.1.0"
    for route in ROUTES:
        for fmt in route.formats:
            path = ("/" if route.path == "/index" and fmt == "html" else route.path) + (
                "" if fmt == "html" else f".{fmt}"
            )
            operation = document["paths"][path]["get"]
            described = {p["name"] for p in operation["parameters"]}
            assert {p.name for p in route.params} <= described, path
            assert all(p["description"] for p in operation["parameters"] if p["in"] == "query")
            target = path.replace("{id}", "author:3" if path.startswith("/authors") else "x")
            target = target.replace("/works/x", "/works/" + EXAMPLES_OF["{id}"])
            target = target.replace("{code}", EXAMPLES_OF["{code}"])
            query = "?q=noisy" if path.startswith("/search") else ""
            assert fetch(base + target + query)[0] == 200, target


def resolve(document: dict[str, Any], ref: str) -> Any:
    """The part of the document a local "$ref" ("#/components/schemas/Work") names."""
    assert ref.startswith("#/"), ref
    node: Any = document
    for key in ref[2:].split("/"):
        assert isinstance(node, dict) and key in node, ref
        node = node[key]
    return node


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def schema_problems(value: Any, schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """Where ``value`` breaks ``schema`` (jsonschema, JSON Schema 2020-12 as OpenAPI 3.1
    uses it), its references resolved within the API ``document``."""
    root = {**schema, "components": document["components"]}
    validator = jsonschema.Draft202012Validator(root)
    return sorted(f"{error.json_path}: {error.message}" for error in validator.iter_errors(value))


def test_json_answers_follow_their_described_schemas(scored: str, shiming: str) -> None:
    document = get_json(f"{scored}/openapi.json")
    for ref in refs(document):  # every reference resolves
        resolve(document, ref)
    for path, operations in document["paths"].items():  # what OpenAPI 3 requires of them
        for operation in operations.values():
            for status, response in operation["responses"].items():
                assert "$ref" in response or response["description"], (path, status)
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in ("path", "query") and "schema" in parameter, path
                assert parameter["in"] == "query" or parameter["required"] is True, path
    schemas = document["components"]["schemas"]
    assert {"Work", "Author", "Paging", "Problem"} <= set(schemas)
    assert schemas["Paging"]["required"] == ["page", "per_page", "total", "pages"]
    assert {"id", "work_id", "title", "authors", "novelty", "ai_score"} <= set(
        schemas["Work"]["required"]
    )
    targets = {
        "/index.json": "/index.json",
        "/authors.json": "/authors.json?q=wang",
        "/authors/{id}.json": f"/authors/{shiming}.json",
        "/works.json": "/works.json?per_page=200",
        "/works/{id}.json": "/works/work:14.json",
        "/search.json": "/search.json?q=federated+learning+privacy",
        "/fields.json": "/fields.json",
        "/fields/{code}.json": "/fields/CV.json?min_papers=1",
        "/identity.json": "/identity.json",
    }
    assert set(targets) == {p for p in document["paths"] if p.endswith(".json")} - {
        "/openapi.json"}  # fmt: skip
    checked = []
    for path, target in targets.items():
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        schema = content["application/json"]["schema"]
        assert set(schema) == {"$ref"}, path
        answer = get_json(scored + target)
        assert schema_problems(answer, schema, document) == [], target
        checked.append(schema["$ref"].rsplit("/", 1)[1])
    assert checked == ["Home", "AuthorList", "Author", "WorkList", "WorkPage", "Search",
                       "FieldList", "Leaderboard", "Identity"]  # fmt: skip
    experts = get_json(f"{scored}/search.json?q=federated+learning+privacy&tab=experts")
    assert schema_problems(experts, {"$ref": "#/components/schemas/Search"}, document) == []
    error = fetch(f"{scored}/search.json?q=noisy&page=0")
    described = resolve(document, document["paths"]["/search.json"]["get"]["responses"]["400"][
        "$ref"])["content"]["application/problem+json"]["schema"]  # fmt: skip
    assert error[0] == 400 and schema_problems(json.loads(error[2]), described, document) == []
    # the checker does catch an answer that lacks a required key or has a wrong type
    work = get_json(f"{scored}/works/work:14.json")
    del work["title"]
    work["year"] = "2024"
    assert schema_problems(work, {"$ref": "#/components/schemas/WorkPage"}, document) == [
        "$.year: '2024' is not valid under any of the given schemas",
        "$: 'title' is a required property",
    ]


# -- the search index follows the data ---------------------------------------------------


def facet_mismatches(db: str) -> list[tuple[int, dict[str, Any], dict[str, Any] | None]]:
    """Works whose ``work_facet`` row differs from what ``work_views.work_view`` shows."""
    store = open_store(db)
    ids = [int(r[0]) for r in store.query("SELECT work_id FROM work ORDER BY work_id")]
    facets = store.work_facets(ids)
    wrong = []
    for view in work_views.load_work_views(store, ids):
        shown = {"title": view["title"], "field": view["field_key"],
                 "field_category": view["field_category"], "year": view["year"],
                 "date": view["date"], "code": int(view["code"]),
                 "venue": (view["venue"] or {}).get("name")}  # fmt: skip
        row = facets.get(view["work_id"])
        stored = None if row is None else {k: row[k] for k in shown}
        if stored != shown:
            wrong.append((view["work_id"], shown, stored))
    # the full-text index: SQLite's FTS5 table, PostgreSQL's tsvector column
    indexed = store.query(
        "SELECT COUNT(*) FROM work_search"
        if store.dialect == "sqlite"
        else "SELECT COUNT(*) FROM work_facet WHERE search IS NOT NULL"
    )[0][0]
    store.close()
    assert indexed == len(ids)
    return wrong


def test_search_index_matches_the_shown_works_across_sources(
    new_database: NewDatabase, tmp_path: Path, shared_data: Path
) -> None:
    db = build_db(
        new_database("many"),
        EXAMPLES,
        shared_data / "openalex-authors",
        shared_data / "semantic-scholar",
        shared_data / "arxiv-api",
    )
    assert facet_mismatches(db) == []
    # a bare feed record joins the arXiv API's work: title and abstract stay the API's
    feed = tmp_path / "feed.txt"
    feed.write_text("A different abstract about gravitational lensing.\narXiv:1707.08567\n")
    store = open_store(db)
    ingest_paths(store, [feed])
    work_id = store.find_work_keys(["arxiv:1707.08567"])["arxiv:1707.08567"]
    assert store.query("SELECT source FROM work_record WHERE work_id = ?", (work_id,)) == [
        ("arxiv_api",), ("arxiv_feed",)]  # fmt: skip
    # two works found to be one: the dropped work leaves the index
    keep, drop = work_id, store.find_work_keys(["arxiv:2409.19252"])["arxiv:2409.19252"]
    with store.transaction():
        store.merge_works(keep, drop)
    assert store.query("SELECT COUNT(*) FROM work_facet WHERE work_id = ?", (drop,)) == [(0,)]
    store.close()
    assert facet_mismatches(db) == []
    store = open_store(db)
    enrich_store(store, model=load_field_model())
    store.close()
    assert facet_mismatches(db) == []


# What each store's driver raises when a server connection tries to write.
REFUSED_WRITE = {
    "sqlite": (sqlite3.OperationalError, "attempt to write a readonly database"),
    "postgresql": (psycopg.errors.ReadOnlySqlTransaction, "read-only transaction"),
}


def test_server_connections_are_read_only(db: str, store_kind: str) -> None:
    store = open_store(db)
    reader = store.reader()
    error, message = REFUSED_WRITE[store_kind]
    with pytest.raises(error, match=message):
        reader.execute("DELETE FROM work")
    reader.close()
    assert store.counts()["work"] == 128
    store.close()


def test_a_closed_server_holds_no_connection(postgres_url: str) -> None:
    build_db(postgres_url, EXAMPLES / "000_6198259b7f70df20.txt")
    store = open_store(postgres_url)

    def others() -> int:
        """Connections to this database besides ``store``'s, once the server has ended
        those that were closed (a backend ends a moment after its client leaves)."""
        deadline = time.monotonic() + 10
        while True:
            count = store.query(
                "SELECT COUNT(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )[0][0]
            if count == 0 or time.monotonic() > deadline:
                return int(count)
            time.sleep(0.05)

    try:
        assert others() == 0
        app = App(postgres_url)
        assert ask(app, "/works.json").status == 200
        app.close()
        assert others() == 0
    finally:
        store.close()


# -- the semantic half, on works embedded and scored with the real model --------------


def test_hybrid_search_counts_only_real_matches(scored: str) -> None:
    """Semantic matches need a cosine similarity of 0.4: a query finds what is about
    it, not every work that has a vector (136 here)."""

    def total(query: str, extra: str = "") -> tuple[str, int]:
        data = get_json(f"{scored}/search.json?q={quote(query)}{extra}")
        return data["mode"], data["paging"]["total"]

    assert total("noisy labels") == ("hybrid", 9)  # the 3 semantic matches match by words too
    assert total("noisy labels", "&sort=date") == ("keyword", 9)
    assert total("protein folding") == ("hybrid", 0)  # nothing here is about it
    # no work has both words; three are about learning from crowds of annotators
    assert total("crowdsourcing annotators", "&sort=date") == ("keyword", 0)
    crowds = get_json(f"{scored}/search.json?q=crowdsourcing%20annotators")
    assert [r["title"] for r in crowds["results"]] == [
        "Coupled Confusion Correction: Learning from Crowds with Sparse Annotations",
        "Transferring Annotator- and Instance-dependent Transition Matrix for Learning from Crowds",
        "Trustable Co-label Learning from Multiple Noisy Annotators",
    ]
    assert crowds["paging"]["total"] == 3 and crowds["results"][0]["snippet"] is None
    # 4 works have every word; 6 more are about federated learning or private models
    hybrid = get_json(f"{scored}/search.json?q=federated%20learning%20privacy")
    keyword = get_json(f"{scored}/search.json?q=federated%20learning%20privacy&sort=date")
    assert (hybrid["paging"]["total"], keyword["paging"]["total"]) == (10, 4)
    assert {r["id"] for r in keyword["results"]} < {r["id"] for r in hybrid["results"]}
    assert hybrid["results"][0]["title"] == "Federated Learning with Label-Masking Distillation"
    paged = get_json(f"{scored}/search.json?q=federated%20learning%20privacy&per_page=3&page=4")
    assert [r["id"] for r in paged["results"]] == [hybrid["results"][9]["id"]]
    assert hybrid["semantic"].startswith("on (all-MiniLM-L6-v2@")


def test_experts_use_the_ranking_of_the_works_tab(scored: str) -> None:
    works = get_json(f"{scored}/search.json?q=federated%20learning%20privacy")["results"]
    experts = get_json(f"{scored}/search.json?q=federated%20learning%20privacy&tab=experts")
    assert experts["works_considered"] == 10
    first = experts["experts"][0]
    assert (first["name"], first["matching_works"], first["best_rank"]) == ("Shiming Ge", 8, 1)
    for expert in experts["experts"]:
        for evidence in expert["evidence"]:  # rank r is the works tab's r-th result
            assert works[evidence["rank"] - 1]["id"] == evidence["id"]
    # found by meaning alone: keyword search knows no expert on it
    crowds = get_json(f"{scored}/search.json?q=crowdsourcing%20annotators&tab=experts")
    assert [(e["name"], e["matching_works"]) for e in crowds["experts"][:2]] == [
        ("Shikun Li", 3), ("Shiming Ge", 3)]  # fmt: skip


def test_work_page_shows_novelty_evidence_and_the_ai_score_breakdown(scored: str) -> None:
    work = get_json(f"{scored}/works/work:14.json")
    assert work["title"] == "Distilling Channels for Efficient Deep Tracking"
    assert len(work["novelty_evidence"]) == 10
    assert work["novelty_evidence"][0]["title"] == (
        "WebUAV-3M: A Benchmark for Unveiling the Power of Million-Scale Deep UAV Tracking"
    )
    breakdown = work["ai_score_breakdown"]
    assert breakdown["weights"] == {"impact": 0.35, "novelty": 0.35, "openness": 0.15,
                                    "venue": 0.15}  # fmt: skip
    assert breakdown["components"]["openness"] == {"value": 0.0, "weight": 0.3, "points": 0.0}
    assert breakdown["components"]["impact"]["value"] is None  # no citation figure: dropped
    html = fetch(f"{scored}/works/work:14")[2].decode()
    novelty = html[html.index('id="novelty-heading"') : html.index('id="ai-heading"')]
    percentile = f"<strong>{work['novelty']:.0f}%</strong> — percentile within "
    assert percentile + work["novelty_cohort"] in novelty
    shown = re.findall(
        r'<li><a href="/works/([^"]+)">([^<]*)</a> <span class="similarity">([\d.]+)</span>',
        novelty,
    )
    assert shown == [
        (e["id"], str(escape(e["title"] or e["id"])), f"{e['similarity']:.3f}")
        for e in work["novelty_evidence"]
    ]
    for linked, _, _ in shown[:3]:  # the evidence links lead to the works
        assert get_json(f"{scored}/works/{linked}.json")["id"] == linked
    score = html[html.index('id="ai-heading"') : html.index('id="similar-heading"')]
    assert f"<strong>{work['ai_score']}</strong> — the weighted mean" in score
    rows = re.findall(
        r'<tr><th scope="row">(\w+)</th><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>',
        score,
    )
    assert rows == [
        (name, "missing (dropped)" if c["value"] is None else str(c["value"]),
         f"{c['weight']:.2f}", "—" if c["points"] is None else str(c["points"]))
        for name, c in breakdown["components"].items()
    ]  # fmt: skip
    assert ("novelty", str(work["novelty"]), "0.70", str(work["ai_score"])) in rows
    # the components left out are named, and what dropping them does
    assert "; impact, venue missing: dropped, and the other weights renormalised." in score


def test_profile_sorts_by_citations_and_by_novelty(scored: str) -> None:
    polo = get_json(f"{scored}/authors.json?q=camilo%20polo")["authors"][0]
    assert (polo["name"], polo["papers"]) == ("Camilo A. Polo", 9)

    def first(author: str, sort: str, key: str) -> list[tuple[str, Any]]:
        works = get_json(f"{scored}/authors/{author}.json?sort={sort}")["works"]
        return [(w["title"][:30], w[key]) for w in works[:3]]

    assert first(polo["id"], "profile", "citations") == [
        ("Facies architecture and paleog", 4),
        ("Asymmetrical wave-dominated si", 12),
        ("The digital rock analysis of b", 4),
    ]
    assert first(polo["id"], "citations", "citations") == [
        ("Porosity and Permeability in B", 115),
        ("Associating X-Ray Microtomogra", 25),
        ("Asymmetrical wave-dominated si", 12),
    ]
    shiming = get_json(f"{scored}/authors.json?q=shiming%20ge")["authors"][0]["id"]
    assert first(shiming, "profile", "novelty")[0] == ("Selective-Supervised Contrasti", None)
    by_novelty = get_json(f"{scored}/authors/{shiming}.json?sort=novelty")["works"]
    assert [(w["title"][:30], w["novelty"]) for w in by_novelty[:3]] == [
        # the cohort's percentiles, without the three feed copies of page blocks
        ("Interpret the Predictions of D", 58.2),
        ("Underwater Camouflaged Object ", 56.1),
        ("Distilling Channels for Effici", 52.0),
    ]
    scored_ones = [w["novelty"] for w in by_novelty if w["novelty"] is not None]
    assert len(scored_ones) == 11 and scored_ones == sorted(scored_ones, reverse=True)
    assert all(w["novelty"] is None for w in by_novelty[11:])  # unscored works last
    html = fetch(f"{scored}/authors/{shiming}?sort=novelty")[2].decode()
    first_title = re.search(r'<h3 class="title"><a href="[^"]+">([^<]+)</a>', html)
    assert first_title is not None and first_title.group(1).startswith("Interpret the Predictions")


def test_similar_works_by_embedding(scored: str) -> None:
    similar = get_json(f"{scored}/works/work:14.json")["similar"]
    assert similar["method"].startswith("nearest by embedding (all-MiniLM-L6-v2@")
    scores = [s["similarity"] for s in similar["works"]]
    assert len(scores) == 8 and scores == sorted(scores, reverse=True)
    assert similar["works"][0]["title"] == (
        "WebUAV-3M: A Benchmark for Unveiling the Power of Million-Scale Deep UAV Tracking"
    )
    assert "work:14" not in {s["id"] for s in similar["works"]}


def test_warm_loads_the_encoder_and_the_vectors_before_any_request(
    scored_db: str, encoder: Encoder
) -> None:
    loads: list[str] = []

    def load() -> Encoder:
        loads.append("encoder")
        return encoder

    app = App(scored_db, encoder=load)
    assert app.warm() == {"model": encoder.version, "vectors": 136}
    index = app.shared.get(("semantic", encoder.version))
    assert index is not None and len(index.work_ids) == 136
    for target in ("/search.json?q=noisy+labels", "/search.json?q=deep&tab=experts",
                   "/works/work:14.json"):  # fmt: skip
        assert ask(app, target).status == 200
    assert loads == ["encoder"]  # once, by warm
    assert app.shared.get(("semantic", encoder.version)) is index  # not loaded again
    assert app.warm() == {"model": encoder.version, "vectors": 136} and loads == ["encoder"]
    # without an encoder the server is keyword-only, and warm loads nothing
    plain = App(scored_db)
    assert plain.warm() == {"model": None, "vectors": None}
    answer = json.loads(ask(plain, "/search.json?q=noisy+labels").body)
    assert (answer["mode"], answer["paging"]["total"]) == ("keyword", 9)


class CountingEncoder:
    """The real encoder, recording the texts of each call."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.version = encoder.version
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.encoder.encode(texts)


def test_waiting_searches_are_embedded_and_compared_together_bit_for_bit(
    scored_db: str, encoder: Encoder
) -> None:
    store = open_store(scored_db)
    semantic = SemanticIndex.load(store, encoder.version)
    store.close()
    assert semantic is not None
    texts = ["noisy labels", "face anti-spoofing", "knowledge distillation"]
    alone = {
        t: semantic.nearest(encoder.encode([t])[0], POOL, min_similarity=MIN_SIMILARITY)
        for t in texts
    }
    assert [len(alone[t]) for t in texts] == [3, 14, 8]
    counting = CountingEncoder(encoder)
    batch = QueryBatch()
    for text in texts:
        batch.expect(text)
    assert batch.waiting == 3
    # the first to need its matches computes those of every waiting query
    assert batch.matches(texts[1], semantic, counting) == alone[texts[1]]
    assert counting.calls == [[texts[1], texts[0], texts[2]]]
    assert batch.matches(texts[0], semantic, counting) == alone[texts[0]]
    assert batch.matches(texts[2], semantic, counting) == alone[texts[2]]
    assert len(counting.calls) == 1
    for text in texts:
        batch.forget(text)
    assert batch.waiting == 0  # nothing kept once the requests ended
    assert batch.matches(texts[0], semantic, counting) == alone[texts[0]]
    assert counting.calls[1:] == [[texts[0]]]


def test_profile_summary_reads_facts_that_equal_the_merged_views(scored_db: str) -> None:
    # the page computes its figures from each work's facts and merges only the works it
    # shows (views_of_facts): for every author, the same figures, order, facts and works,
    # key for key, as the full profile
    store = open_store(scored_db)
    authors = [int(r[0]) for r in store.query("SELECT author_id FROM author ORDER BY 1")]
    compared = with_citations = 0
    for author_id in authors:
        summary = profile.profile_summary(store, author_id)
        full = profile.build_profile(store, author_id, evidence=False)
        assert {k: v for k, v in summary.items() if k != "works"} == {
            k: v for k, v in full.items() if k != "works"
        }
        assert len(summary["works"]) == len(full["works"]) == full["papers"]
        for facts, view in zip(summary["works"], full["works"], strict=True):
            assert facts == {k: view[k] for k in facts}, (author_id, view["id"])
            compared += 1
            with_citations += facts["citations"] is not None
        shown = work_views.views_of_facts(store, summary["works"])
        profile.attach_attribution(store, author_id, shown)  # as the page does
        assert json.dumps(shown) == json.dumps(full["works"])
    store.close()
    assert (len(authors), compared, with_citations) == (159, 423, 46)


def test_lists_name_a_works_first_ten_authors_and_its_page_all(
    new_database: NewDatabase, tmp_path: Path, shared_data: Path
) -> None:
    # The Gemini 2.5 report as the arXiv snapshot has it: 3,303 authors
    snapshot = shared_data / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
    with gzip.open(snapshot, "rt", encoding="utf-8") as lines:
        record = next(line for line in lines if line.startswith('{"id": "2507.06261"'))
    (tmp_path / "gemini.jsonl").write_text(record)
    db = build_db(new_database("gemini"), tmp_path / "gemini.jsonl")
    store = open_store(db)
    first_ten = store.query(
        "SELECT author_id FROM authorship WHERE position <= 10 ORDER BY position"
    )
    store.close()
    app = App(db, cache_size=0, page_cache_bytes=0)
    author = f"author:{first_ten[0][0]}"

    listed = json.loads(ask(app, f"/authors/{author}.json").body)["works"][0]
    assert listed["authors"][:3] == ["Gheorghe Comanici", "Eric Bieber", "Mike Schaekermann"]
    assert len(listed["authors"]) == 10 and listed["et_al"] is True
    assert listed["author_ids"] == [f"author:{a}" for (a,) in first_ten]
    html = ask(app, f"/authors/{author}").body.decode()
    assert re.search(r">Mike Schaekermann</a> et al\.", html)

    page = json.loads(ask(app, "/works/arxiv:2507.06261.json").body)
    assert len(page["authors"]) == len(page["author_ids"]) == 3303
    assert page["authors"][:10] == listed["authors"] and not page["et_al"]
    exported = ask(app, f"/authors/{author}.csv").body.decode()
    assert len(next(csv.DictReader(io.StringIO(exported)))["authors"].split("; ")) == 3303


def test_coauthors_rank_closer_collaborators_first(
    new_database: NewDatabase, tmp_path: Path, shared_data: Path
) -> None:
    # Lior Shani is one of the 3,303 authors of the Gemini 2.5 report and one of five
    # of arXiv:2504.03206: each co-author shares one work with him; the four of the
    # small paper come first, then the report's authors by id (they were by name)
    wanted = ('{"id": "2507.06261"', '{"id": "2504.03206"')
    snapshot = shared_data / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
    with gzip.open(snapshot, "rt", encoding="utf-8") as lines:
        records = [line for line in lines if line.startswith(wanted)]
    (tmp_path / "two.jsonl").write_text("".join(records))
    db = build_db(new_database("two"), tmp_path / "two.jsonl")
    store = open_store(db)
    (lior,) = store.query("SELECT author_id FROM author WHERE name = 'Lior Shani'")
    report = store.query(
        "SELECT s.author_id FROM authorship s JOIN work_key k ON k.work_id = s.work_id "
        "WHERE k.key = 'arxiv:2507.06261' AND s.author_id <> ? ORDER BY s.author_id",
        lior,
    )
    store.close()
    app = App(db, cache_size=0, page_cache_bytes=0)
    page = json.loads(ask(app, f"/authors/author:{lior[0]}.json").body)
    names = [c["name"] for c in page["coauthors"]]
    assert len(report) == 3301 and len(names) == 12  # the report names "Xu" twice: one person
    assert names[:4] == ["Yanming Wan", "Jiaxing Wu", "Marwa Abdulhai", "Natasha Jaques"]
    assert [c["id"] for c in page["coauthors"][4:]] == [f"author:{a}" for (a,) in report[:8]]
    assert {c["shared_works"] for c in page["coauthors"]} == {1}


def test_list_links_pair_names_when_a_source_skips_an_unnamed_author(
    new_database: NewDatabase, tmp_path: Path, shared_data: Path
) -> None:
    # A real OpenAlex work of 12 authorships whose 5th has no name: OpenAlex positions
    # count every entry, so the 11 named authors sit at positions 1-4 and 6-12
    page_file = "openalex-fixtures/openalexPro/testthat___snaps__008-pro_pipeline_parallel__json_chunk_1_results_page_1.json"  # noqa: E501
    page = json.loads((shared_data / page_file).read_text())
    work = next(w for w in page["results"] if w["id"] == "https://openalex.org/W2125576237")
    unnamed = copy.deepcopy(work)
    unnamed["authorships"][4]["author"]["display_name"] = None
    unnamed["authorships"][4]["raw_author_name"] = None
    (tmp_path / "work.json").write_text(json.dumps({"meta": page["meta"], "results": [unnamed]}))
    db = build_db(new_database("work"), tmp_path / "work.json")
    app = App(db, cache_size=0, page_cache_bytes=0)
    store = open_store(db)

    listed = json.loads(ask(app, "/works.json").body)["works"][0]
    named = [a["author"]["display_name"] for a in work["authorships"]]
    assert listed["authors"] == named[:4] + named[5:11] and listed["et_al"] is True
    ids = [int(a.split(":")[1]) for a in listed["author_ids"]]
    names = store.author_names(ids)
    assert [names[i] for i in ids] == listed["authors"]  # each link is the named person
    whole = json.loads(ask(app, f"/works/{listed['id']}.json").body)
    assert whole["authors"] == named[:4] + named[5:] and not whole["et_al"]
    store.close()


@pytest.mark.parametrize("bf16", [False, True], ids=["float32", "bfloat16"])
def test_nearest_each_gives_each_vector_its_answer_alone(
    scored_db: str, encoder: Encoder, bf16: bool
) -> None:
    if bf16 and not bf16_supported():
        pytest.skip("this CPU has no native bfloat16 products")
    store = open_store(scored_db)
    seeds = SemanticIndex.load(store, encoder.version)
    store.close()
    assert seeds is not None
    # the 136 real vectors and four rotations of them (680 rows: more than one block)
    ids = np.concatenate([seeds.work_ids + 1000 * turn for turn in range(5)])
    rows = [np.roll(seeds.matrix, 7 * turn, axis=1) for turn in range(5)]
    index = SemanticIndex("seeds x5", ids, np.concatenate(rows), bf16=bf16)
    texts = ["noisy labels", "face recognition", "federated learning", "knowledge distillation"]
    vectors = encoder.encode(texts)
    together = index.nearest_each(vectors, 12)
    for vector, answer in zip(vectors, together, strict=True):
        assert answer == index.nearest(vector, 12)
        # every row's float32 similarity, summed row by row; ties in row order
        similarities = (index.matrix * (vector / np.linalg.norm(vector))).sum(axis=1)
        best = np.lexsort((np.arange(len(ids)), -similarities))[:12]
        assert answer == [(int(ids[i]), round(float(similarities[i]), 4)) for i in best]


def test_searches_waiting_their_turn_share_one_embedding_call(
    scored_db: str, encoder: Encoder
) -> None:
    counting = CountingEncoder(encoder)
    app = App(scored_db, cache_size=0, page_cache_bytes=0, encoder=lambda: counting)
    app.warm()
    queries = ["noisy labels", "face anti-spoofing", "knowledge distillation"]
    answers: dict[str, Any] = {}

    def search(text: str) -> None:
        answers[text] = ask(app, f"/search.json?q={quote(text)}")

    building = threading.Event()
    app.lane.submit(building.wait)  # a page being built: the three searches wait their turn
    threads = [threading.Thread(target=search, args=(q,)) for q in queries]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while app.queries.waiting < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert app.queries.waiting == 3
    building.set()
    for thread in threads:
        thread.join()
    assert len(counting.calls) == 1 and sorted(counting.calls[0]) == sorted(queries)
    totals = {q: json.loads(answers[q].body)["paging"]["total"] for q in queries}
    for q in queries:  # the same answers as a search alone
        alone = json.loads(ask(app, f"/search.json?q={quote(q)}").body)
        assert json.loads(answers[q].body)["results"] == alone["results"]
    assert totals == {"noisy labels": 9, "face anti-spoofing": 14, "knowledge distillation": 23}
    assert app.queries.waiting == 0


SERVE = """
import sys
from scholarscope.web import ServerSettings, serve
serve(ServerSettings(sys.argv[1], log=False), port=0, workers=2,
      on_ready=lambda url: print(url, flush=True))
"""


def test_serve_with_worker_processes_answers_semantic_queries(scored_db: str) -> None:
    """Each forked worker loads its own encoder before it serves (a PyTorch model
    loaded before the fork hangs the worker at its first query)."""
    command = [sys.executable, "-c", SERVE, scored_db]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            for _ in range(6):  # fresh connections, answered by either process
                data = get_json(f"{url}/search.json?q=crowdsourcing+annotators")
                assert (data["mode"], data["paging"]["total"]) == ("hybrid", 3)
        finally:
            server.terminate()
            assert server.wait(timeout=30) == 0


def test_the_access_log_escapes_control_characters_of_the_request(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path with terminal escapes (clear the screen, set the window title, bell, C1
    CSI), percent-encoded as a client may send them, is logged escaped: it cannot act on
    the operator's terminal. A raw escape byte in the request line never reaches the
    application: the HTTP parser refuses it."""
    answers = []
    with serving(App(db), log=True) as url:
        port = int(url.rsplit(":", 1)[1])
        for request_line in (
            b"GET /nope%1b[2J%1b]0;owned%07%c2%9b?q=%9b HTTP/1.1",
            b"GET /\x1b[31mred HTTP/1.1",
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
                client.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                answer = b""
                while chunk := client.recv(65536):
                    answer += chunk
            answers.append(answer)
    assert answers[0].startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert answers[1].startswith(b"HTTP/1.1 400 Bad Request\r\n")
    log = capsys.readouterr().err
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", log.replace("\n", ""))
    assert "GET /nope\\x1b[2J\\x1b]0;owned\\x07\\x9b?q=%9b 404 " in log


def test_pages_are_built_in_arrival_order_one_at_a_time(db: str, shiming: str) -> None:
    app = App(db, cache_size=0, page_cache_bytes=0)
    route = next(r for r in ROUTES if r.path == "/authors/{id}")
    building = threading.Event()
    app.lane.submit(building.wait)  # a page is being built; three more requests arrive
    built: list[Future[Response]] = []
    for per_page in (5, 7, 9):
        request = app.page_request(
            route, (shiming,), f"/authors/{shiming}", f"per_page={per_page}", "json"
        )
        built.append(app.submit_page(request))
    finished: list[int] = []
    for n, future in enumerate(built):
        future.add_done_callback(lambda _, n=n: finished.append(n))
    assert not any(future.done() for future in built)
    building.set()
    pages = [json.loads(future.result(timeout=30).body) for future in built]
    assert finished == [0, 1, 2]
    assert [len(page["works"]) for page in pages] == [5, 7, 9]


def test_a_heavy_request_never_holds_up_the_light_ones(db: str, shiming: str) -> None:
    app = App(db, cache_size=0, page_cache_bytes=0)
    exported = threading.Event()

    def export() -> None:
        assert ask(app, f"/authors/{shiming}.csv").status == 200
        exported.set()

    building = threading.Event()
    app.heavy_lane.submit(building.wait)  # an export of 5,000 works is being built
    assert ask(app, f"/authors/{shiming}.json").status == 200  # a profile: its own lane
    assert ask(app, f"/authors/{shiming}.json?per_page=200").status == 200
    waiting = threading.Thread(target=export)
    waiting.start()
    assert not exported.wait(0.5)  # another heavy request waits for its lane
    building.set()
    waiting.join(timeout=30)
    assert exported.is_set()


def test_no_embedding_model_is_loaded_while_no_vectors_are_stored(db: str) -> None:
    loads: list[int] = []
    app = App(db, encoder=lambda: loads.append(1))  # type: ignore[func-returns-value]
    answer = json.loads(ask(app, "/search.json?q=noisy").body)
    assert (answer["mode"], loads) == ("keyword", [])


def test_pages_of_a_work_stored_with_an_impossible_date_answer(
    new_database: NewDatabase, tmp_path: Path, shared_data: Path
) -> None:
    """A database written before ingest checked dates holds "2024-13-45" and
    "2024-00-10": the work page, its author's profile, search and lists still answer,
    showing the date as the source printed it."""
    work = json.loads(
        (shared_data / "openalex-fixtures/openalex-python/W2741809807.json").read_text()
    )
    record = tmp_path / "W2741809807.json"
    record.write_text(json.dumps(work))
    db = build_db(new_database("dates"), record)
    store = open_store(db)
    [(stored,)] = store.query("SELECT record FROM work_record")
    for bad in ("2024-13-45", "2024-00-10"):
        # the record rewritten in Python, not with SQLite's json_set: the same on both
        with store.transaction():
            written = {**json.loads(stored), "date": bad, "date_text": bad}
            store.execute("UPDATE work_record SET record = ?", (json.dumps(written),))
        (author_id,) = store.query("SELECT MIN(author_id) FROM authorship")[0]
        app = App(db, cache_size=0, page_cache_bytes=0)
        for address in (
            "/works/openalex:W2741809807",
            "/works/openalex:W2741809807.json",
            f"/authors/author:{author_id}",
            "/search?q=open+access",
            "/works",
        ):
            answer = ask(app, address)
            assert answer.status == 200, address
        page = ask(app, "/works/openalex:W2741809807").body.decode()
        assert bad in page and "Dec 10, 2024" not in page
    store.close()


def test_a_name_several_people_answer_to_leads_to_their_list(
    new_database: NewDatabase, shared_data: Path
) -> None:
    app = App(build_db(new_database("s2"), shared_data / "semantic-scholar"))
    answer = ask(app, "/authors/Alan%20Turing")
    assert answer.status in (301, 302, 303, 307, 308)
    assert answer.headers["location"] == "/authors?q=Alan%20Turing"
    listed = json.loads(ask(app, "/authors.json?q=turing").body)["authors"]
    assert [a["papers"] for a in listed][:1] == [60]


def test_identity_edits_on_the_server_are_logged_and_undone(new_database: NewDatabase) -> None:
    db = build_db(new_database("identity"), EXAMPLES)
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    reason = "reason=checked+on+the+page&by=ana"
    with serving(App(db, admin_token=ADMIN_TOKEN)) as url:
        suggested = get_json(f"{url}/identity.json")
        assert [(s["names"], s["score"]) for s in suggested["suggestions"]] == [
            (["Kexin Bao", "Kexin Baoa"], 0.514)
        ]
        assert suggested["log"] == []
        profile_json = get_json(f"{url}/authors/author:7.json")  # Kexin Bao
        (typo,) = get_json(f"{url}/authors.json?q=Kexin+Baoa")["authors"]
        target = f"{url}/admin/identity/merge?keep=author:7&drop={typo['id']}&{reason}"
        assert fetch(target, "POST", b"")[0] == 401
        status, _, body = fetch(target, "POST", b"", auth)
        assert status == 200, body
        merged = json.loads(body)
        assert (merged["edit"], merged["kind"], merged["made_by"], merged["reason"]) == (
            1, "merge", "ana", "checked on the page"
        )  # fmt: skip
        schema = openapi_document()["paths"]["/admin/identity/merge"]["post"]["responses"]["200"]
        described = schema["content"]["application/json"]["schema"]
        assert schema_problems(merged, described, openapi_document()) == []
        papers = get_json(f"{url}/authors/author:7.json")["papers"]
        assert papers == profile_json["papers"] + typo["papers"]
        work = get_json(f"{url}/authors/author:7.json")["works"][0]["id"]
        split = f"{url}/admin/identity/split?author=author:7&works={quote(work)}&{reason}"
        status, _, body = fetch(split, "POST", b"", auth)
        assert status == 200, body
        assert json.loads(body)["summary"].startswith("split 1 work of author:7 (Kexin Bao)")
        assert get_json(f"{url}/authors/author:7.json")["papers"] == papers - 1
        for edit in (2, 1):
            status, _, body = fetch(f"{url}/admin/identity/undo?edit={edit}&{reason}", "POST",
                                    b"", auth)  # fmt: skip
            assert (status, json.loads(body)["undoes"]) == (200, edit)
        assert get_json(f"{url}/authors/author:7.json")["papers"] == profile_json["papers"]
        status, _, body = fetch(f"{url}/admin/identity/undo?edit=1&{reason}", "POST", b"", auth)
        assert (status, json.loads(body)["detail"]) == (
            409, "edit 1 was undone already by edit 4"
        )  # fmt: skip
        status, _, body = fetch(f"{url}/admin/identity/undo?edit=9&{reason}", "POST", b"", auth)
        assert status == 404
        page = get_json(f"{url}/identity.json")
        assert [(e["edit"], e["kind"], e["undone_by"]) for e in page["log"]] == [
            (4, "undo", None), (3, "undo", None), (2, "split", 3), (1, "merge", 4)
        ]  # fmt: skip
        assert page["suggestions"] == []  # a merge a person undid is not suggested again
        described = openapi_document()["paths"]["/identity.json"]["get"]["responses"]["200"]
        schema = described["content"]["application/json"]["schema"]
        for answer in (suggested, page):
            assert schema_problems(answer, schema, openapi_document()) == []
        status, _, html = fetch(f"{url}/identity")
        assert status == 200 and "Edit 2</strong> (split" in html.decode()


def test_a_field_code_two_fields_share_is_a_400_listing_both(
    new_database: NewDatabase, shared_data: Path
) -> None:
    # the 2007 snapshot holds complex analysis (math.CV) and one computer-vision paper
    db = build_db(
        new_database("cv"), shared_data / "arxiv-kaggle/snapshot-0704.0001-0704.2000.jsonl"
    )
    with serving(App(db)) as url:
        status, headers, body = fetch(f"{url}/fields/CV.json")
        assert (status, headers["content-type"]) == (400, "application/problem+json")
        assert json.loads(body)["detail"] == (
            "the field 'CV' may mean arxiv:cs.CV (Computer Vision and Pattern Recognition), "
            "arxiv:math.CV (Complex Variables): give one of those keys"
        )
        math_cv = get_json(f"{url}/fields/arxiv:math.CV.json?min_papers=1")
        cs_cv = get_json(f"{url}/fields/cs.CV.json?min_papers=1")
        assert (math_cv["field"], cs_cv["field"]) == ("arxiv:math.CV", "arxiv:cs.CV")
        names = {a["name"] for a in math_cv["authors"]} & {a["name"] for a in cs_cv["authors"]}
        assert names == set()
        works = get_json(f"{url}/works.json?field=math.CV&per_page=1")["paging"]["total"]
        assert works == 20
        assert fetch(f"{url}/works.json?field=CV")[0] == 400


# -- pages a researcher trusts at a glance (issue 18) -----------------------------------


class _Text(HTMLParser):
    """The text a person reads on a page: every text node (hidden abstracts included,
    a click away) and the page title; no attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


# Names the store and the code use, which a page must translate: the embedding model's
# version key, source keys, record keys ("page:shiming ge:…"; a space after the colon is
# prose such as "Project page: https://…"), and counts of one in the plural.
INTERNAL = re.compile(
    r"@0\.1\.0/|semantic_scholar|profile_page|arxiv_feed|\bpage:\S"
    r"|predicted by predicted|\b1 (works|citations|papers|people)\b"
)


def _author_page(app: App, name: str) -> tuple[dict[str, Any], str]:
    """The profile (JSON, HTML) of the one person of that name (or that source id)."""
    found = json.loads(ask(app, f"/authors.json?q={quote(name)}").body)["authors"]
    (ref,) = [a["id"] for a in found if a["name"] == name] if ":" not in name else [name]
    if not ref.startswith("author:"):  # a source id redirects to the author's own
        ref = ask(app, f"/authors/{ref}").headers["location"].rsplit("/", 1)[1]
    data = json.loads(ask(app, f"/authors/{ref}.json").body)
    return data, ask(app, f"/authors/{ref}").body.decode()


def _figure(html: str, key: str) -> str:
    """The text of one header card's summary (the part shown before it is opened)."""
    start = html.index("<summary>", html.index(f'data-figure="{key}"'))
    return page_text(html[start : html.index("</summary>", start)]).strip()


def _section(html: str, heading: str, end: str) -> str:
    """The text of the work page's section from the heading of id ``heading`` to the
    heading of id ``end``."""
    start = html.index(">", html.index(f'id="{heading}"')) + 1
    return page_text(html[start : html.index(f'id="{end}"')]).strip()


def test_headline_figures_say_what_they_rest_on(scored_db: str) -> None:
    """Shiming Ge's 15.3% and 13.6 beside the page's stated 53% and 57: under each
    number, how many works it is the median of, the components, what is missing and
    why, and a warning that 11 of 50 works is few."""
    data, html = _author_page(App(scored_db), "Shiming Ge")
    assert (data["novelty"], data["ai_score"]) == (15.3, 13.6)
    novelty = data["novelty_breakdown"]
    assert (novelty["works_with_novelty"], novelty["works"], novelty["few"]) == (11, 50, True)
    assert novelty["missing"] == [
        {"reason": "fewer than 20 scored works in their field and year", "works": 29},
        {"reason": "no publication date", "works": 5},
        {"reason": "fewer than 10 earlier works in the corpus to compare with", "works": 5},
    ]
    ai = data["ai_score_breakdown"]
    assert (ai["works_scored"], ai["works"], ai["few"]) == (11, 50, True)
    assert ai["left_out"] == {"impact": "no citation figures stored",
                              "venue": "no source says where any work appeared"}  # fmt: skip
    assert _figure(html, "novelty") == (
        "15.3% Novelty stated 53% median of 11 of 50 works ⚠ rests on only 11 of 50 works"
    )
    assert _figure(html, "ai_score") == (
        "13.6 AI Score stated 57 median of 11 of 50 works from novelty, openness "
        "no citation figures stored: impact left out "
        "no source says where any work appeared: venue left out "
        "⚠ rests on only 11 of 50 works"
    )
    assert _figure(html, "h_index") == "— h-index stated 15 no citation figures stored"
    # the breakdown says why the page's own figures cannot be matched
    assert html.count("profile page gives no method or works for its figure") == 2
    assert escape(novelty["basis"]) in html and novelty["basis"].startswith(
        "Median of 11 of 50 works; the other 39 have none (29: fewer than 20 scored works"
    )


def test_semantic_scholar_reconciliation_reasons_on_the_page(
    new_database: NewDatabase, shared_data: Path
) -> None:
    """S2's 12,415 against our 13,879: the page names the work read from another record
    and what S2's total leaves for it, with source names, never source keys."""
    folder = shared_data / "semantic-scholar"
    db = build_db(new_database("s2"), folder / "Author.json", folder / "Paper.json")
    data, html = _author_page(App(db), "s2:2262347")
    assert data["name"] == "A. Turing"
    (row,) = [r for r in data["reconciliation"] if r["figure"] == "citations"]
    assert (row["ours"], row["stated"]) == (13879, 12415)
    assert _figure(html, "citations") == (
        "13,879 citations stated 12,415 from 60 of 60 works with a citation figure"
    )
    for reason in row["reasons"]:
        assert f"<li>{escape(reason)}</li>" in html
    assert "Stated by Semantic Scholar (Author.json:1)." in html
    assert "Semantic Scholar: 13,879 citations over 60 works, h-index 23" in html
    assert not INTERNAL.search(page_text(html)), INTERNAL.search(page_text(html))


def test_every_work_with_an_arxiv_id_or_a_doi_links_to_the_paper(base: str) -> None:
    """In lists (the works list, a profile, search results) and on the work's own page:
    arXiv's abstract page and PDF, doi.org; a profile page's record merged with a feed
    record takes the feed's arXiv id."""
    works = get_json(f"{base}/works.json?per_page=200")["works"]
    html = fetch(f"{base}/works?per_page=200")[2].decode()
    assert len(works) == 128
    linked = 0
    for work in works:
        ids = [i for i in work["ids"] if i.startswith(("arxiv:", "doi:"))]
        assert bool(ids) == bool(work["paper_links"]), work["id"]
        article = html[html.index(f'id="w{work["work_id"]}"') :]
        article = article[: article.index("</article>")]
        for key in ids:
            scheme, _, value = key.partition(":")
            hrefs = (
                [f"https://arxiv.org/abs/{value}", f"https://arxiv.org/pdf/{value}"]
                if scheme == "arxiv"
                else [f"https://doi.org/{quote(value, safe='/')}"]
            )
            for href in hrefs:
                assert f'href="{href}"' in article, (work["id"], href)
        linked += bool(ids)
    assert linked == 31  # the 30 feed records and the hostile snapshot record
    nannan = get_json(f"{base}/authors.json?q=Nannan%20Wang")["authors"][0]["id"]
    profile_html = fetch(f"{base}/authors/{nannan}?per_page=100")[2].decode()
    assert profile_html.count('class="paper-link pdf"') == 3
    page = fetch(f"{base}/works/arxiv:2409.08598")[2].decode()
    assert (
        '<p class="paper-links">Read the paper: <a class="paper-link abstract" '
        'href="https://arxiv.org/abs/2409.08598" rel="nofollow noopener" '
        'aria-label="arXiv: arxiv:2409.08598">arXiv</a>'
    ) in page


def test_home_page_has_one_search_box_people_and_new_works(base: str) -> None:
    status, _, body = fetch(f"{base}/")
    html = body.decode()
    assert status == 200
    assert "<title>Researchers, works and fields · scholarscope</title>" in html
    assert html.count('type="search"') == 1  # the header's box is left out here
    home = get_json(f"{base}/index.json")
    assert [(a["name"], a["papers"]) for a in home["researchers"][:3]] == [
        ("Shiming Ge", 50), ("Nannan Wang", 50), ("Decheng Liu", 14)]  # fmt: skip
    newest = get_json(f"{base}/works.json?per_page=8")["works"]
    assert [w["id"] for w in home["recent_works"]] == [w["id"] for w in newest]
    for person in home["researchers"]:
        assert f'<a href="/authors/{person["id"]}">{escape(person["name"])}</a>' in html
    assert html.count('<article class="work"') == 8
    assert "CV — Computer Vision and Pattern Recognition</a>" in html
    assert not INTERNAL.search(page_text(html))


def test_no_internal_names_or_plural_slips_on_any_page(scored: str) -> None:
    """Every kind of page of the scored seed database (semantic search on, so the model
    is named), as a person reads it."""
    profile_id = get_json(f"{scored}/authors.json?q=Shiming%20Ge")["authors"][0]["id"]
    pages = ["/", f"/authors/{profile_id}", "/works/arxiv:2409.08598", "/works/work:11",
             "/search?q=noisy+labels", "/search?q=noisy+labels&tab=experts", "/works",
             "/fields", "/fields/arxiv:cs.CV", "/fields/Earth?min_papers=1",
             "/authors?q=wang"]  # fmt: skip
    for target in pages:
        status, _, body = fetch(scored + target)
        text = page_text(body.decode())
        assert status == 200, target
        assert not INTERNAL.search(text), (target, INTERNAL.search(text))
    search_text = page_text(fetch(f"{scored}/search?q=noisy+labels")[2].decode())
    assert "semantic search on (all-MiniLM-L6-v2)." in search_text
    # the JSON keeps the exact model version (vectors are stored under it)
    assert "@0.1.0/" in get_json(f"{scored}/search.json?q=noisy+labels")["semantic"]


def test_field_badges_spell_the_field_out(base: str, shiming: str) -> None:
    html = fetch(f"{base}/authors/{shiming}")[2].decode()
    first = html[html.index('<article class="work"') :]
    assert (
        '<span class="badge field" title="CV — Computer Vision and Pattern Recognition: '
        'stated by profile page">CV</span>'
    ) in first[:1500]
    page = fetch(f"{base}/works/work:11")[2].decode()
    # the work's own page: the field in full, in the badge and in its facts
    assert ">CV — Computer Vision and Pattern Recognition</span>" in page
    assert "<dd>CV — Computer Vision and Pattern Recognition (stated by profile page)</dd>" in page
    feed = get_json(f"{base}/works/arxiv:2409.19252.json")
    assert feed["field_basis"] == "predicted by the field classifier (no source states a field)"
    assert feed["field_source"].startswith("predicted (")  # the JSON keeps the model's key
    predicted = fetch(f"{base}/works/arxiv:2409.19252")[2].decode()
    assert "predicted by the field classifier" in predicted
    assert "predicted by predicted" not in predicted and "@0.1.0" not in page_text(predicted)


def test_work_page_says_why_a_work_has_no_ai_score(scored_db: str) -> None:
    """Selective-Supervised Contrastive Learning has code but neither a citation figure
    nor a novelty (its cohort is too small): no score, said so, never "— —"."""
    app = App(scored_db)
    work = json.loads(ask(app, "/works/work:11.json").body)
    assert work["title"] == "Selective-Supervised Contrastive Learning with Noisy Labels"
    assert (work["ai_score"], work["novelty"], work["citations"]) == (None, None, None)
    html = ask(app, "/works/work:11").body.decode()
    section = _section(html, "ai-heading", "similar-heading")
    assert section.startswith(
        "AI Score No AI Score: a work needs a citation impact or a novelty, and this one has "
        "neither (impact: no citation figure stored; novelty: "
        f"{work['novelty_reason']}). Openness alone gives no score."
    )
    assert "— —" not in section and "openness 100.0 not used —" in section
    # the record from the profile page: no record key, no blank Code row
    records = page_text(html[html.index('id="sources-heading"') :])
    assert "page:" not in records and "Code Code badge" in records


def test_a_record_without_the_code_badge_says_so(base: str) -> None:
    nannan = get_json(f"{base}/authors.json?q=Nannan%20Wang")["authors"][0]["id"]
    works = get_json(f"{base}/authors/{nannan}.json?per_page=100")["works"]
    plain = next(w for w in works if not w["code"] and w["sources"] == ["profile_page"])
    html = fetch(f"{base}/works/{plain['id']}")[2].decode()
    assert "<dt>Code</dt><dd>no Code badge</dd>" in html
    assert re.search(r"<dt>Code</dt><dd>\s*</dd>", html) is None


def test_the_templates_name_sources_and_count_things_for_people(db: str) -> None:
    templates = App(db).templates
    names = templates.from_string("{{ source_name('semantic_scholar') }}, {{ source_name('x') }}")
    assert names.render() == "Semantic Scholar, x"
    macros = templates.get_template("macros.html").module
    assert str(macros.count(1, "work")) == "1 work"  # type: ignore[attr-defined]
    assert str(macros.count(1706, "citation")) == "1,706 citations"  # type: ignore[attr-defined]
