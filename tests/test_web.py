"""The web server as a user and an API client meet it: a real server on a free port over
a real SQLite database built from examples/ (ingested and enriched), plus one record
whose title, authors, comments and abstract carry HTML, scripts and LaTeX."""

from __future__ import annotations

import csv
import hashlib
import http.client
import io
import json
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import numpy as np
import pytest

from scholarscope import profile
from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.store import open_store
from scholarscope.web import App, make_server
from scholarscope.web.openapi import openapi_document
from scholarscope.web.routes import ROUTES

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


def build_db(path: Path, *sources: Path) -> str:
    store = open_store(str(path))
    ingest_paths(store, list(sources))
    enrich_store(store, model=load_field_model())
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("web")
    hostile = folder / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n")
    return build_db(folder / "web.db", EXAMPLES, hostile)


@contextmanager
def start(app: App) -> Iterator[str]:
    """A real server for ``app`` on a free port, in a thread; stopped on exit."""
    server = make_server(app, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def base(db: str) -> Iterator[str]:
    with start(App(db)) as url:
        yield url


@pytest.fixture(scope="module")
def shiming(base: str) -> str:
    found = get_json(f"{base}/authors.json?q=Shiming%20Ge")["authors"]
    assert [a["name"] for a in found] == ["Shiming Ge"]
    return str(found[0]["id"])


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
    expected = json.loads(json.dumps(profile.build_profile(store, int(shiming[7:]))))
    store.close()
    for key, value in expected.items():
        if key != "works":
            assert data[key] == value, key
    assert [w["id"] for w in data["works"]] == [w["id"] for w in expected["works"][10:20]]
    assert {k: v for k, v in data["works"][0].items() if k != "author_ids"} == expected["works"][10]
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


def test_search_finds_works_by_their_words(base: str) -> None:
    data = get_json(f"{base}/search.json?q=noisy%20labels")
    assert data["mode"] == "keyword" and data["paging"]["total"] == 9
    assert data["results"][0]["title"] == (
        "Multi-Label Noise Transition Matrix Estimation with Label Correlations: Theory and "
        "Algorithm"
    )
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
    views = profile.load_work_views(
        store, [int(r[0]) for r in store.query("SELECT work_id FROM work")]
    )
    shown = Counter(v["field"] for v in views if v["field"])
    assert fields == [
        {"field": f, "works": n} for f, n in sorted(shown.items(), key=lambda x: (-x[1], x[0]))
    ]
    # the two profile pages' badges: 81 CV, 17 LG (the feeds' 30 works add predicted fields)
    badges = Counter(v["field"] for v in views if v["field_source"] == "profile page badge")
    assert (badges["CV"], badges["LG"], fields[0]["field"]) == (81, 17, "CV")
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
    assert get_json(f"{base}/fields/cs.CV.json?min_papers=20")["field"] == "CV"


def test_authors_search_pages(base: str) -> None:
    data = get_json(f"{base}/authors.json?q=wang&per_page=2&page=2")
    assert data["paging"]["per_page"] == 2 and data["paging"]["total"] > 4
    assert len(data["authors"]) == 2
    everyone = get_json(f"{base}/authors.json?q=wang&per_page=1000")["authors"]
    assert data["authors"] == everyone[2:4]


# -- exports ---------------------------------------------------------------------------


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


# -- what the server refuses ------------------------------------------------------------

BAD_REQUESTS = [
    ("/search.json?q=noisy&page=0", "page must be at least 1"),
    ("/search.json?q=noisy&page=abc", "page must be a whole number"),
    ("/search.json?q=noisy&per_page=100000", "per_page must be at most 1000"),
    ("/search.json?q=noisy&sort=bogus", "sort must be one of relevance, date"),
    ("/search.json?q=noisy&pgae=2", "unknown parameter 'pgae'"),
    ("/search.json?q=a&q=b", "parameter 'q' is given more than once"),
    ("/search.json?q=%22%22", "q has no words to search for"),
    ("/search.json?q=" + "x" * 301, "q is longer than 300 characters"),
    ("/search.json?q=noisy&code=maybe", "code must be yes or no"),
    ("/search.json?q=noisy&year_from=99999", "year_from must be at most 2999"),
    ("/search.json?q=noisy&field=%3Cscript%3E", "field must be a field code"),
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
    assert status == 400 and headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["status"] == 400 and message in error["message"]


def test_errors_on_pages_are_pages(base: str) -> None:
    status, headers, body = fetch(f"{base}/search?q=noisy&page=0")
    assert status == 400 and headers["content-type"].startswith("text/html")
    assert "page must be at least 1" in body.decode()


@pytest.mark.parametrize(
    "target",
    ["/nope", "/authors/author:999999.json", "/authors/Nobody%20Atall",
     "/works/doi:10.0/none.json", "/works/work:99999999", "/fields/ZZ.json", "/fields.csv",
     "/static/../app.py", "/static/secret.txt"],
)  # fmt: skip
def test_unknown_addresses_are_404(base: str, target: str) -> None:
    assert fetch(base + target)[0] == 404


def test_only_reads_are_allowed(base: str) -> None:
    status, headers, _ = fetch(f"{base}/authors", method="POST", body=b"x")
    assert (status, headers["allow"]) == (405, "GET")
    assert fetch(f"{base}/", method="DELETE")[0] == 405
    status, headers, body = fetch(f"{base}/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000


def test_writes_are_off_without_an_admin_token(base: str) -> None:
    status, _, body = fetch(f"{base}/admin/ingest", method="POST", body=b"abc\narXiv:2501.00001")
    assert status == 403 and "writes are off" in json.loads(body)["error"]["message"]


def test_the_write_endpoint_requires_the_token_and_then_ingests(
    tmp_path: Path,
) -> None:
    db = build_db(tmp_path / "admin.db", EXAMPLES / "000_6198259b7f70df20.txt")
    feed = (EXAMPLES / "002_5f7ca689ee55c244.txt").read_bytes()
    with start(App(db, admin_token=ADMIN_TOKEN)) as url:
        assert get_json(f"{url}/index.json")["stats"]["works"] == 10
        target = f"{url}/admin/ingest?name=002.txt"
        assert fetch(target, "POST", feed)[0] == 401
        assert fetch(target, "POST", feed, {"Authorization": "Bearer wrong"})[0] == 401
        status, _, body = fetch(target, "POST", feed, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert status == 200, body
        result = json.loads(body)
        assert (result["files"][0]["new"], result["enriched"]) == (10, 10)
        assert get_json(f"{url}/index.json")["stats"]["works"] == 20  # the cache saw it


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


# -- the search index follows the data ---------------------------------------------------


def facet_mismatches(db: str) -> list[tuple[int, dict[str, Any], dict[str, Any] | None]]:
    """Works whose ``work_facet`` row differs from what ``profile.work_view`` shows."""
    store = open_store(db)
    ids = [int(r[0]) for r in store.query("SELECT work_id FROM work ORDER BY work_id")]
    facets = store.work_facets(ids)
    wrong = []
    for view in profile.load_work_views(store, ids):
        shown = {"title": view["title"], "field": view["field"],
                 "field_category": view["field_category"], "year": view["year"],
                 "date": view["date"], "code": int(view["code"]),
                 "venue": (view["venue"] or {}).get("name")}  # fmt: skip
        row = facets.get(view["work_id"])
        stored = None if row is None else {k: row[k] for k in shown}
        if stored != shown:
            wrong.append((view["work_id"], shown, stored))
    indexed = store.query("SELECT COUNT(*) FROM work_search")[0][0]
    store.close()
    assert indexed == len(ids)
    return wrong


def test_search_index_matches_the_shown_works_across_sources(
    tmp_path: Path, shared_data: Path
) -> None:
    db = build_db(
        tmp_path / "many.db",
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
    enrich_store(open_store(db), model=load_field_model())
    assert facet_mismatches(db) == []


def test_server_connections_are_read_only(db: str) -> None:
    reader = open_store(db).reader()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("DELETE FROM work")
    reader.close()


# -- the semantic half, through the seam the embedding stage fills --------------------


class WordHashEncoder:
    """A small real encoder for this test: a hashed bag of words (64 dimensions)."""

    version = "test-word-hash-64"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                vectors[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % 64] += 1
        return vectors


def test_hybrid_search_and_similar_works_use_stored_embeddings(tmp_path: Path) -> None:
    db = build_db(tmp_path / "semantic.db", EXAMPLES)
    encoder = WordHashEncoder()
    store = open_store(db)
    ids = [int(r[0]) for r in store.query("SELECT work_id FROM work ORDER BY work_id")]
    views = profile.load_work_views(store, ids)
    texts = [f"{v['title'] or ''}\n{v['abstract'] or ''}" for v in views]
    hashes = [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts]
    vectors = encoder.encode(texts)
    with store.transaction():
        store.insert_embeddings(
            (h, encoder.version, v.tobytes()) for h, v in zip(hashes, vectors, strict=True)
        )
        store.upsert_novelty(
            (v["work_id"], encoder.version, h, v["date"], 0, "[]", None, "test", None, None,
             "2026-01-01T00:00:00Z")
            for v, h in zip(views, hashes, strict=True)
        )  # fmt: skip
    store.close()
    with start(App(db, encoder=lambda: encoder)) as url:
        hybrid = get_json(f"{url}/search.json?q=noisy%20labels&per_page=20")
        assert hybrid["mode"] == "hybrid" and hybrid["semantic"] == "on (test-word-hash-64)"
        assert hybrid["paging"]["total"] == 130  # by embedding every work is some distance away
        keyword = get_json(f"{url}/search.json?q=noisy%20labels&sort=date")  # keyword only
        assert keyword["mode"] == "keyword" and keyword["paging"]["total"] == 9
        # found by both rankings, the 9 keyword matches lead the fused list
        assert {r["id"] for r in keyword["results"]} <= {r["id"] for r in hybrid["results"][:12]}
        work = get_json(f"{url}/works/work:11.json")
        similar = work["similar"]
        assert similar["method"] == "nearest by embedding (test-word-hash-64), any date"
        scores = [s["similarity"] for s in similar["works"]]
        assert (
            len(scores) == 8
            and scores == sorted(scores, reverse=True)
            and work["id"] not in {s["id"] for s in similar["works"]}
        )


def test_no_embedding_model_is_loaded_while_no_vectors_are_stored(db: str) -> None:
    loads: list[int] = []
    app = App(db, encoder=lambda: loads.append(1))  # type: ignore[func-returns-value]
    answer = json.loads(app.handle("GET", "/search.json?q=noisy", {}).body)
    assert (answer["mode"], loads) == ("keyword", [])
