"""The replay server the live-source clients are tested against (tests/replay_server.py):
real HTTP on 127.0.0.1, answers built from the real recordings in ../shared/data, faults
as specified, a request log, and nothing left running."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from replay_recordings import (
    ATOM,
    arxiv_recordings,
    openalex_recordings,
    semantic_scholar_recordings,
)
from replay_server import (
    Fault,
    Recording,
    Recordings,
    ReplayServer,
    gaps,
    strip_caller,
)

AUTHOR = "A5040147688"  # 158 works in openalex-authors/A5040147688.json
TURING = "2262347"  # semantic-scholar/Author.json: 60 papers
TURING_1950 = "2d5673caa9e6af3a7b82a43f19ee920992db07ad"  # Paper.json


@pytest.fixture(scope="module")
def recordings(shared_data: Path) -> Recordings:
    everything = Recordings()
    everything.include(arxiv_recordings(shared_data / "arxiv-api"))
    everything.include(
        openalex_recordings(shared_data / "openalex-authors", shared_data / "openalex-fixtures")
    )
    everything.include(semantic_scholar_recordings(shared_data / "semantic-scholar"))
    return everything


@pytest.fixture
def server(recordings: Recordings) -> Iterator[ReplayServer]:
    with ReplayServer(recordings) as replay:
        yield replay


@pytest.fixture
def client(server: ReplayServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as http:
        yield http


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------- OpenAlex


def test_openalex_cursor_paging_yields_every_work_once(
    client: httpx.Client, server: ReplayServer, shared_data: Path
) -> None:
    recorded = read_json(shared_data / "openalex-authors" / f"{AUTHOR}.json")["works"]
    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = "*"
    while cursor is not None:
        params = {"filter": f"author.id:{AUTHOR}", "per-page": "25", "cursor": cursor}
        page = client.get("/works", params=params).json()
        assert page["meta"]["count"] == 158 == len(recorded)
        assert page["meta"]["per_page"] == 25 and page["meta"]["page"] is None
        seen += [work["id"] for work in page["results"]]
        sizes.append(len(page["results"]))
        cursor = page["meta"]["next_cursor"]
    # as the real API does: the page with the last 8 works still has a cursor; the next is empty
    assert sizes == [25, 25, 25, 25, 25, 25, 8, 0]
    assert seen == [work["id"] for work in recorded] and len(set(seen)) == 158
    asked = server.requests_to("/works")
    assert [r.query["cursor"] for r in asked][0] == "*" and len(asked) == 8


def test_openalex_page_size_default_page_paging_and_select(client: httpx.Client) -> None:
    first = client.get(
        "/works", params={"filter": f"authorships.author.id:https://openalex.org/{AUTHOR}"}
    )
    assert first.json()["meta"] == {"count": 158, "db_response_time_ms": 0, "page": 1,
                                    "per_page": 25, "groups_count": None}  # fmt: skip
    last = client.get("/works", params={"filter": f"author.id:{AUTHOR}", "per_page": "50",
                                        "page": "4", "select": "id,cited_by_count"})  # fmt: skip
    assert len(last.json()["results"]) == 8
    assert set(last.json()["results"][0]) == {"id", "cited_by_count"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"per-page": "201", "cursor": "*"}, "between 1 and 200"),
        ({"cursor": "not-a-cursor"}, "invalid cursor"),
        ({"cursor": "*", "page": "2"}, "cannot be used together"),
    ],
)
def test_openalex_bad_paging_is_400(
    client: httpx.Client, params: dict[str, str], message: str
) -> None:
    answer = client.get("/works", params={"filter": f"author.id:{AUTHOR}", **params})
    assert answer.status_code == 400
    assert message in answer.json()["message"]


def test_openalex_author_by_short_full_and_orcid_id(
    client: httpx.Client, shared_data: Path
) -> None:
    details = read_json(shared_data / "openalex-authors" / f"{AUTHOR}.json")["details"]
    assert client.get(f"/authors/{AUTHOR}").json() == details
    assert client.get(f"/authors/https://openalex.org/{AUTHOR}").json() == details
    narrow = client.get(f"/authors/{AUTHOR}", params={"select": "id,display_name"}).json()
    assert narrow == {"id": details["id"], "display_name": details["display_name"]}
    fixture = read_json(shared_data / "openalex-fixtures" / "mmgeorge-papers" / "author.json")
    orcid = fixture["orcid"].removeprefix("https://orcid.org/")
    assert client.get(f"/authors/orcid:{orcid}").json()["id"] == "https://openalex.org/A5023888391"


def test_openalex_single_work_serves_the_newer_snapshot(client: httpx.Client) -> None:
    # W2741809807 is in openalex-fixtures twice: 962 citations (2025-06) and 1149 (2026-02)
    work = client.get("/works/W2741809807").json()
    assert work["cited_by_count"] == 1149
    assert client.get("/works/w2741809807").json()["updated_date"] == work["updated_date"]
    by_doi = client.get("/works/doi:" + work["doi"].removeprefix("https://doi.org/").upper())
    assert by_doi.json()["id"] == "https://openalex.org/W2741809807"


# ---------------------------------------------------------------------------------- arXiv


def test_arxiv_recording_answers_the_recorded_atom_body(
    client: httpx.Client, shared_data: Path
) -> None:
    atom = shared_data / "arxiv-api" / "atom_xml" / "id_astro-ph_0601001_s0_m100_3150dca9dc76.xml"
    expected = atom.read_text(encoding="utf-8")
    spelled = client.get("/api/query", params={"search_query": "", "id_list": "astro-ph/0601001",
                         "sortBy": "relevance", "sortOrder": "descending", "start": "0",
                         "max_results": "100"})  # fmt: skip
    reordered = client.get("/api/query?max_results=100&id_list=astro-ph%2F0601001")
    for answer in (spelled, reordered):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == ATOM
        assert answer.text == expected
    assert "<id>http://arxiv.org/abs/astro-ph/0601001v1</id>" in expected
    assert "Frequency of Hot Jupiters and Very Hot Jupiters" in expected


def test_arxiv_error_recording_keeps_its_status(client: httpx.Client) -> None:
    answer = client.get("/api/query", params={"id_list": "abc", "max_results": "100"})
    assert answer.status_code == 400
    assert "incorrect id format for abc" in answer.text


# ------------------------------------------------------------------------- Semantic Scholar


def test_s2_author_fields(client: httpx.Client) -> None:
    asked = client.get(f"/graph/v1/author/{TURING}", params={"fields": "name,hIndex,paperCount"})
    assert asked.json() == {"authorId": TURING, "name": "A. Turing", "hIndex": 23, "paperCount": 60}
    assert client.get(f"/graph/v1/author/{TURING}").json() == {
        "authorId": TURING,
        "name": "A. Turing",
    }


def test_s2_author_papers_offset_paging(client: httpx.Client, shared_data: Path) -> None:
    recorded = [
        p["paperId"] for p in read_json(shared_data / "semantic-scholar" / "Author.json")["papers"]
    ]
    pages: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        params = {"offset": str(offset), "limit": "25", "fields": "title,citationCount"}
        pages.append(client.get(f"/graph/v1/author/{TURING}/papers", params=params).json())
        offset = pages[-1].get("next")
    assert [(p["offset"], p.get("next"), len(p["data"])) for p in pages] == [
        (0, 25, 25), (25, 50, 25), (50, None, 10)
    ]  # fmt: skip
    assert "next" not in pages[-1]
    assert [p["paperId"] for page in pages for p in page["data"]] == recorded
    assert set(pages[0]["data"][0]) == {"paperId", "title", "citationCount"}


def test_s2_paper_by_external_ids(client: httpx.Client) -> None:
    fields = {"fields": "title,citationCount,citations.title"}
    by_doi = client.get("/graph/v1/paper/DOI:10.1093/mind/lix.236.433", params=fields).json()
    by_corpus = client.get("/graph/v1/paper/CorpusId:14636783", params=fields).json()
    assert by_doi == by_corpus
    assert by_doi["paperId"] == TURING_1950 and by_doi["citationCount"] == 10059
    assert by_doi["title"] == "Computing Machinery and Intelligence"
    assert len(by_doi["citations"]) == 1000 and set(by_doi["citations"][0]) == {"paperId", "title"}


# ------------------------------------------------------------------------ misses and keys


def test_unknown_url_is_404_naming_it_without_the_key(client: httpx.Client) -> None:
    answer = client.get("/api/query", params={"id_list": "9999.99999", "api_key": "SECRET"})
    assert answer.status_code == 404
    assert answer.json() == {"error": "not recorded", "method": "GET",
                             "url": "/api/query?id_list=9999.99999"}  # fmt: skip
    unknown_author = client.get("/graph/v1/author/1/papers")
    assert unknown_author.status_code == 404
    assert unknown_author.json()["url"] == "/graph/v1/author/1/papers"


def test_a_recorded_url_never_holds_a_key(recordings: Recordings) -> None:
    keyed = Recording("https://api.openalex.org/works/W1?api_key=SECRET&select=id&mailto=me%40x.org",
                      body={"id": "https://openalex.org/W1"})  # fmt: skip
    assert keyed.url == "https://api.openalex.org/works/W1?select=id"
    assert "SECRET" not in json.dumps(keyed.to_json())
    assert Recording.from_json(keyed.to_json()) == keyed
    assert all("api_key" not in r.url and "mailto" not in r.url for r in recordings)
    assert strip_caller("/q?X-Api-Key=k&a=1") == "/q?a=1"
    # the caller's key is ignored in matching, and kept in the log (it is what was sent)
    with ReplayServer(Recordings([keyed])) as own, httpx.Client(base_url=own.url) as http:
        answer = http.get(
            "/works/W1", params={"select": "id", "api_key": "OTHER", "mailto": "y@y.org"}
        )
        assert answer.json() == {"id": "https://openalex.org/W1"}
        assert own.requests[-1].query["api_key"] == "OTHER"


# -------------------------------------------------------------------------------- faults


def test_429_carries_retry_after_for_its_count(client: httpx.Client, server: ReplayServer) -> None:
    injection = server.inject("/works", Fault.too_many_requests(retry_after=2), times=2)
    answers = [client.get("/works/W2741809807") for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert [a.headers.get("retry-after") for a in answers] == ["2", "2", None]
    assert injection.hits == 2 and injection.remaining == 0
    assert [r.fault for r in server.requests] == [Fault.too_many_requests(2)] * 2 + [None]
    assert client.get("/authors/" + AUTHOR).status_code == 200  # another prefix: untouched


def test_503_with_and_without_retry_after(client: httpx.Client, server: ReplayServer) -> None:
    server.inject("/graph/v1/paper", Fault.unavailable(retry_after=1))
    server.inject("/graph/v1/paper", Fault.unavailable())
    first, second = (client.get(f"/graph/v1/paper/{TURING_1950}") for _ in range(2))
    assert (first.status_code, first.headers["retry-after"]) == (503, "1")
    assert second.status_code == 503 and "retry-after" not in second.headers
    assert client.get(f"/graph/v1/paper/{TURING_1950}").status_code == 200


def test_fault_until_cleared_and_by_method(client: httpx.Client, server: ReplayServer) -> None:
    server.inject("/api/query", Fault.unavailable(), times=None, method="GET")
    target = "/api/query?id_list=abc&max_results=100"
    assert {client.get(target).status_code for _ in range(3)} == {503}
    assert client.head(target).status_code == 400  # HEAD is not GET: no fault, the recording
    server.clear_faults()
    assert client.get(target).status_code == 400


def test_slow_first_byte_takes_its_delay(client: httpx.Client, server: ReplayServer) -> None:
    server.inject("/works", Fault.slow(first_byte=0.2))
    started = time.monotonic()
    assert client.get("/works/W2741809807").status_code == 200
    assert time.monotonic() - started >= 0.2
    server.inject("/works", Fault.slow(first_byte=0.3))
    with pytest.raises(httpx.ReadTimeout):
        client.get("/works/W2741809807", timeout=0.1)


def test_slow_body_is_trickled(
    client: httpx.Client, server: ReplayServer, shared_data: Path
) -> None:
    expected = (
        shared_data / "arxiv-api" / "atom_xml" / "id_1707.08567_s0_m100_6a1afebfc6a3.xml"
    ).read_bytes()
    server.inject("/api/query", Fault.slow(body=0.2, pieces=5))
    started = time.monotonic()
    with client.stream("GET", "/api/query?id_list=1707.08567&max_results=100") as answer:
        arrivals = [(time.monotonic(), chunk) for chunk in answer.iter_raw()]
    assert time.monotonic() - started >= 0.15  # four pauses of 0.04 s between five pieces
    assert b"".join(chunk for _, chunk in arrivals) == expected
    assert len(arrivals) >= 3  # the bytes came in several reads, not at once


def test_truncated_body_is_an_incomplete_read(client: httpx.Client, server: ReplayServer) -> None:
    server.inject("/graph/v1/author", Fault.truncated(keep=0.5))
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete|without sending complete"):
        client.get(f"/graph/v1/author/{TURING}/papers")
    assert client.get(f"/graph/v1/author/{TURING}").status_code == 200  # a new connection works


def test_invalid_json_body_fails_to_parse(client: httpx.Client, server: ReplayServer) -> None:
    server.inject("/works", Fault.invalid_json())
    answer = client.get("/works/W2741809807")
    assert answer.status_code == 200
    assert int(answer.headers["content-length"]) == len(answer.content) > 0
    with pytest.raises(json.JSONDecodeError):
        answer.json()


def test_reset_is_a_connection_error(client: httpx.Client, server: ReplayServer) -> None:
    server.inject("/authors", Fault.reset())
    with pytest.raises(httpx.ReadError, match="reset"):
        client.get(f"/authors/{AUTHOR}")
    assert [r.path for r in server.requests] == [f"/authors/{AUTHOR}"]
    assert client.get(f"/authors/{AUTHOR}").status_code == 200


# ----------------------------------------------------------------------- log and shutdown


def test_request_log_shows_what_was_asked(client: httpx.Client, server: ReplayServer) -> None:
    client.get(
        f"/graph/v1/author/{TURING}", params={"fields": "name"}, headers={"x-api-key": "k-123"}
    )
    time.sleep(0.15)
    client.post("/graph/v1/paper/batch", params={"fields": "title"}, json={"ids": [TURING_1950]})
    first, second = server.requests
    assert (first.method, first.path, first.query) == (
        "GET",
        f"/graph/v1/author/{TURING}",
        {"fields": "name"},
    )
    assert first.headers["x-api-key"] == "k-123" and first.headers["host"].startswith("127.0.0.1:")
    assert (second.method, json.loads(second.body)) == ("POST", {"ids": [TURING_1950]})
    assert gaps(server.requests)[0] >= 0.15
    assert server.requests_to("/graph/v1/paper") == [second]


def test_nothing_outlives_the_server(recordings: Recordings) -> None:
    before = set(threading.enumerate())
    with ReplayServer(recordings) as replay:
        port = int(replay.url.rsplit(":", 1)[1])
        idle = httpx.Client(base_url=replay.url)  # a keep-alive connection left open
        assert idle.get("/works/W2741809807").status_code == 200
        replay.inject("/works", Fault.slow(first_byte=5))
        hung = threading.Thread(
            target=lambda: pytest.raises(httpx.HTTPError, idle.get, "/works/W1")
        )
        hung.start()
        time.sleep(0.1)
        started = time.monotonic()
    assert time.monotonic() - started < 2  # stop() cut the waiting answer short
    hung.join(timeout=5)
    idle.close()
    assert set(threading.enumerate()) - before == set()
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=1),
    ):
        pass
