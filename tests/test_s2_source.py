"""Semantic Scholar over real HTTP (sources/semantic_scholar.py), and author search by
name on it and on OpenAlex (sources/candidates.py): a replay server on 127.0.0.1 answers
the real Graph API endpoints from ../shared/data/semantic-scholar and OpenAlex's from
../shared/data/openalex-authors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from replay_recordings import openalex_recordings, semantic_scholar_recordings
from replay_server import Fault, Recording, Recordings, ReplayServer
from scholarscope.ingest import semantic_scholar as s2_format
from scholarscope.records import StatedMetrics, Work
from scholarscope.sources import (
    RateLimiter,
    ResponseStore,
    RetryPolicy,
    SourceClient,
    SourceError,
    SourceNotFound,
    SourceSettings,
    openalex,
)
from scholarscope.sources import semantic_scholar as s2
from scholarscope.sources.candidates import AuthorCandidate, clearly_meant
from scholarscope.sources.openalex import openalex_client

TURING = "2262347"  # semantic-scholar/Author.json: "A. Turing", 60 papers, hIndex 23
TURING_1950 = "2d5673caa9e6af3a7b82a43f19ee920992db07ad"  # Paper.json
KEY = "s2-secret-key-1234"


@pytest.fixture(scope="module")
def recordings(shared_data: Path) -> Recordings:
    both = Recordings()
    both.include(semantic_scholar_recordings(shared_data / "semantic-scholar"))
    both.include(openalex_recordings(shared_data / "openalex-authors"))
    return both


@pytest.fixture
def server(recordings: Recordings) -> Iterator[ReplayServer]:
    with ReplayServer(recordings) as replay:
        yield replay


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def s2_at(
    server: ReplayServer, http: httpx.Client, key: str | None = None, kept: Path | None = None
) -> SourceClient:
    settings = SourceSettings(s2_url=server.url, s2_key=key)
    store = ResponseStore(kept) if kept else None
    return s2.s2_client(settings, http, store, RateLimiter(0.0))


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def parsed(document: Any) -> tuple[list[StatedMetrics], list[Work]]:
    items = list(s2_format.parse(json.dumps(document).splitlines(), "s2"))
    stated = [item for item in items if isinstance(item, StatedMetrics)]
    return stated, [item for item in items if isinstance(item, Work)]


def test_a_fetched_author_is_author_json_and_parses_the_same(
    server: ReplayServer, http: httpx.Client, shared_data: Path
) -> None:
    """The bundle of A. Turing is Author.json itself (every field asked for), in two
    requests; parsed, it gives S2's h-index 23, 60 papers and 12,415 citations, and the
    same 60 works as the file."""
    recorded = read(shared_data / "semantic-scholar" / "Author.json")
    bundle = s2.author_bundle(s2_at(server, http), f"s2:{TURING}")
    assert bundle == recorded
    assert [r.path for r in server.requests] == [
        f"/graph/v1/author/{TURING}",
        f"/graph/v1/author/{TURING}/papers",
    ]
    assert server.requests[0].query == {"fields": ",".join(s2.AUTHOR_FIELDS)}
    assert server.requests[1].query == {
        "fields": ",".join(s2.PAPER_FIELDS),
        "offset": "0",
        "limit": "1000",
    }
    stated, works = parsed(bundle)
    assert [(s.h_index, s.papers, s.citations) for s in stated] == [(23, 60, 12415)]
    assert stated[0].author.ids == ("s2:2262347", "dblp:Alan M. Turing")
    assert (stated, works) == parsed(recorded)
    assert len(works) == 60
    famous = next(w for w in works if w.ids[0] == f"s2:{TURING_1950}")
    assert famous.title == "Computing Machinery and Intelligence"
    assert famous.ids[1:] == (
        "doi:10.1093/mind/lix.236.433",
        "mag:3030363341",
        "dblp:journals/x/Turing50",
    )
    assert [c.count for c in famous.citations] == [8596]
    assert works[1].title == "Systems of Logic Based on Ordinals"


def test_paging_with_a_small_limit_asks_each_offset_once(
    server: ReplayServer, http: httpx.Client, shared_data: Path
) -> None:
    """Pages of 25: offsets 0, 25 and 50, the last page (10 papers) without ``next``;
    progress counts against the author's paperCount when given."""
    progress: list[tuple[int, int]] = []
    papers = list(
        s2.iter_author_papers(
            s2_at(server, http), TURING, lambda *p: progress.append(p), limit=25, expected=60
        )
    )
    asked = server.requests_to(f"/graph/v1/author/{TURING}/papers")
    assert [(r.query["offset"], r.query["limit"]) for r in asked] == [
        ("0", "25"), ("25", "25"), ("50", "25")]  # fmt: skip
    recorded = read(shared_data / "semantic-scholar" / "Author.json")["papers"]
    assert [p["paperId"] for p in papers] == [p["paperId"] for p in recorded]
    assert progress == [(25, 60), (50, 60), (60, 60)]
    with pytest.raises(ValueError, match="1 to 1000 papers, not 1001"):
        next(s2.iter_author_papers(s2_at(server, http), TURING, limit=1001))


def test_a_paper_by_its_sha_doi_or_corpus_id(
    server: ReplayServer, http: httpx.Client, shared_data: Path
) -> None:
    """Paper.json by S2's sha, its DOI and its corpus id: the same paper, TLDR included;
    an arXiv id asks ``ARXIV:<id>`` (no paper of the recordings is served by one, so the
    answer is a 404, which names the URL)."""
    client = s2_at(server, http)
    recorded = read(shared_data / "semantic-scholar" / "Paper.json")
    for ref in (f"s2:{TURING_1950}", "doi:10.1093/mind/lix.236.433", "corpusid:14636783"):
        paper = s2.fetch_paper(client, ref)
        assert paper["paperId"] == TURING_1950, ref
        assert paper["title"] == "Computing Machinery and Intelligence"
        assert paper["tldr"] == recorded["tldr"]
        assert paper["citationCount"] == 10059
    assert [r.path for r in server.requests] == [
        f"/graph/v1/paper/{TURING_1950}",
        "/graph/v1/paper/DOI:10.1093/mind/lix.236.433",
        "/graph/v1/paper/CorpusId:14636783",
    ]
    assert server.requests[0].query == {"fields": ",".join(s2.PAPER_DETAIL_FIELDS)}
    with pytest.raises(SourceNotFound, match="/graph/v1/paper/ARXIV:2203.05875") as raised:
        s2.fetch_paper(client, "arxiv:2203.05875v1")
    assert raised.value.status == 404


def test_an_unknown_author_is_not_found_naming_the_url(
    server: ReplayServer, http: httpx.Client
) -> None:
    with pytest.raises(SourceNotFound) as raised:
        s2.author_bundle(s2_at(server, http), "s2:999")
    assert raised.value.url.startswith(f"GET {server.url}/graph/v1/author/999?fields=")
    assert str(raised.value).startswith(
        f"Semantic Scholar: GET {server.url}/graph/v1/author/999?fields=externalIds%2Curl"
    )
    assert "answered 404 Not Found" in str(raised.value)


def test_the_key_is_sent_in_its_header_and_never_shown_or_kept(
    server: ReplayServer, http: httpx.Client, tmp_path: Path
) -> None:
    """With a key: every request carries ``x-api-key`` and no key in its query; no kept
    answer and no message holds it; a 403 advises checking SCHOLARSCOPE_S2_KEY, a
    source that cannot be reached --s2-url. Re-run on the kept answers, the bundle asks
    nothing."""
    client = s2_at(server, http, key=KEY, kept=tmp_path / "kept")
    assert s2.s2_client(SourceSettings(s2_key=KEY), http).limiter.interval == 1.0
    assert s2.s2_client(SourceSettings(), http).limiter.interval == 3.0
    bundle = s2.author_bundle(client, TURING)
    with pytest.raises(SourceNotFound) as missing:
        s2.fetch_paper(client, "doi:10.1/nothing")
    server.inject("/graph/v1/author/search", Fault("status", status=403))
    with pytest.raises(SourceError) as refused:
        s2.search_authors(client, "Alan Turing")
    client.retry = RetryPolicy(attempts=1)
    server.inject("/graph/v1/author/search", Fault.reset())
    with pytest.raises(SourceError) as unreachable:
        s2.search_authors(client, "Alan Turing")
    assert len(server.requests) == 5
    assert all(r.headers["x-api-key"] == KEY for r in server.requests)
    assert not any(KEY in r.target for r in server.requests)
    assert "Check the key in SCHOLARSCOPE_S2_KEY." in str(refused.value)
    assert "--s2-url (SCHOLARSCOPE_S2_URL)" in str(unreachable.value)
    for error in (missing.value, refused.value, unreachable.value):
        assert KEY not in str(error) and KEY not in error.url
    kept = [path.read_text(encoding="utf-8") for path in (tmp_path / "kept").rglob("*.json")]
    assert len(kept) == 3  # the author, the page of papers, the 404
    assert not any(KEY in text for text in kept)
    again = s2_at(server, http, key=KEY, kept=tmp_path / "kept")
    assert s2.author_bundle(again, TURING) == bundle
    assert (again.counts.requests, again.counts.from_disk) == (0, 2)


def test_an_answer_that_is_not_s2_is_a_clear_error(http: httpx.Client) -> None:
    odd = Recordings()
    odd.route(r"/graph/v1/.*", lambda ask, match: Recording(ask.url, 200, {}, ["not", "s2"]))
    with ReplayServer(odd) as server:
        client = s2_at(server, http)
        with pytest.raises(SourceError, match="answered an answer that is not an S2 author"):
            s2.fetch_author(client, TURING)
        with pytest.raises(SourceError, match="Check --s2-url"):
            list(s2.iter_author_papers(client, TURING))


def test_user_refs_become_the_ids_s2_paths_take() -> None:
    assert s2.s2_author_id(" s2:1741101 ") == "1741101"
    assert s2.s2_author_id("S2:2262347") == s2.s2_author_id("2262347") == "2262347"
    assert s2.s2_paper_ref(f"s2:{TURING_1950.upper()}") == TURING_1950
    assert s2.s2_paper_ref("doi:https://doi.org/10.1093/MIND/LIX.236.433") == (
        "DOI:10.1093/MIND/LIX.236.433"
    )
    assert s2.s2_paper_ref("arxiv:2409.19252") == "ARXIV:2409.19252"
    assert s2.s2_paper_ref("arxiv:hep-th/9901001v3") == "ARXIV:hep-th/9901001"
    assert s2.s2_paper_ref("corpusid:14636783") == "CorpusId:14636783"
    assert s2.s2_paper_ref("pmid:7564963") == "PMID:7564963"
    for bad in ("openalex:A5040147688", "s2:abc", "", "s2:"):
        with pytest.raises(ValueError, match="Semantic Scholar author id"):
            s2.s2_author_id(bad)
    for bad in ("s2:2262347", "doi:nothing", "corpusid:x", "isbn:123", "arxiv:"):
        with pytest.raises(ValueError, match="not a paper id Semantic Scholar takes"):
            s2.s2_paper_ref(bad)


def test_a_doi_with_brackets_and_a_hash_reaches_s2_intact(
    server: ReplayServer, http: httpx.Client
) -> None:
    doi = "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-#"
    with pytest.raises(SourceNotFound):
        s2.fetch_paper(s2_at(server, http), f"doi:{doi}")
    assert [r.path for r in server.requests] == [f"/graph/v1/paper/DOI:{doi}"]


def test_search_authors_on_s2_finds_turing(server: ReplayServer, http: httpx.Client) -> None:
    """S2's own figures for A. Turing, found by the DBLP name "Alan M. Turing"; the name
    typed is not his S2 name, so he is not clearly meant until it is."""
    client = s2_at(server, http)
    turing = AuthorCandidate(
        f"s2:{TURING}", "A. Turing", 60, 12415, 23, None, None, "Semantic Scholar"
    )
    found = s2.search_authors(client, "  Alan   Turing ")
    assert found == [turing]
    assert server.requests[0].path == "/graph/v1/author/search"
    assert server.requests[0].query == {
        "query": "Alan Turing",
        "fields": ",".join(s2.SEARCH_FIELDS),
        "limit": "10",
    }
    assert clearly_meant("Alan Turing", found) is None
    assert clearly_meant("a turing", s2.search_authors(client, "A. Turing")) == turing
    assert s2.search_authors(client, "Grace Hopper") == []
    with pytest.raises(ValueError, match="not an empty string"):
        s2.search_authors(client, " ")
    with pytest.raises(ValueError, match="1 to 1000 authors, not 0"):
        s2.search_authors(client, "Turing", limit=0)


def openalex_at(server: ReplayServer, http: httpx.Client) -> SourceClient:
    return openalex_client(SourceSettings(openalex_url=server.url), http, None, RateLimiter(0.0))


def test_search_authors_on_openalex(server: ReplayServer, http: httpx.Client) -> None:
    """OpenAlex's figures for Raymond Énay, typed without the accent (clearly meant), and
    for Michael H. Stephenson (ORCID, one institution); two Abdulkaders, most works
    first, neither clearly meant by the given name alone."""
    client = openalex_at(server, http)
    enay = openalex.search_authors(client, "Raymond Enay")
    assert enay == [
        AuthorCandidate(
            "openalex:A5084630459",
            "Raymond Énay",
            103,
            1810,
            21,
            None,
            "Université Claude Bernard Lyon 1; Laboratoire de Géologie de Lyon : Terre,"
            " Planètes et Environnement",
            "OpenAlex",
        )
    ]
    assert clearly_meant("Raymond Enay", enay) == enay[0]
    assert server.requests[0].path == "/authors"
    assert server.requests[0].query == {
        "search": "Raymond Enay",
        "per-page": "10",
        "select": openalex.SEARCH_SELECT,
    }
    stephenson = openalex.search_authors(client, "Stephenson", limit=3)[0]
    assert (stephenson.ref, stephenson.works, stephenson.citations, stephenson.h_index) == (
        "openalex:A5040147688", 158, 2821, 31)  # fmt: skip
    assert (stephenson.orcid, stephenson.affiliation) == (
        "0000-0002-9881-1578", "British Geological Survey")  # fmt: skip
    namesakes = openalex.search_authors(client, "Abdulkader")
    assert [(c.name, c.works) for c in namesakes] == [
        ("Abdulkader M. Afifi", 78), ("Abdulkader M. Abed", 60)]  # fmt: skip
    assert clearly_meant("Abdulkader", namesakes) is None
    assert openalex.search_authors(client, "Grace Hopper") == []
    with pytest.raises(ValueError, match="1 to 200 authors, not 201"):
        openalex.search_authors(client, "Abdulkader", limit=201)


def test_openalex_replay_finds_an_author_by_orcid(server: ReplayServer, http: httpx.Client) -> None:
    page = openalex_at(server, http).get_json(
        "/authors", {"filter": "orcid:https://orcid.org/0000-0002-9881-1578"}
    )
    assert page["meta"]["count"] == 1
    assert [a["display_name"] for a in page["results"]] == ["Michael H. Stephenson"]


def candidate(ref: str, name: str) -> AuthorCandidate:
    return AuthorCandidate(ref, name, 1, 1, 1, None, None, "OpenAlex")


def test_clearly_meant_is_one_exact_name_and_nothing_else() -> None:
    """Exactly one candidate whose folded name is the folded query: that one; two people
    of that name, or only resembling names, or none: nobody."""
    exact = candidate("openalex:A1", "Osman Abdullatif")
    near = candidate("openalex:A2", "O. M. Abdullatif")
    assert clearly_meant("osman  ABDULLATIF", [near, exact]) == exact
    assert clearly_meant("Abdullatif, Osman", [near, exact]) == exact
    twin = candidate("openalex:A3", "Osman Abdullatif")
    assert clearly_meant("Osman Abdullatif", [exact, near, twin]) is None
    assert clearly_meant("Osman M. Abdullatif", [exact, near]) is None
    assert clearly_meant("Osman Abdullatif", []) is None
    assert clearly_meant(" , ", [candidate("openalex:A4", ",")]) is None
