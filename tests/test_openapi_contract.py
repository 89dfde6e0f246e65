"""The API description promises what the server does: each request that a schemathesis
run (``bench/api_fuzz.py``) found answered otherwise than ``/openapi.json`` said is now
answered as the document says, and the document states the rule. On real databases
built from examples/ (ingested and enriched), in this process.

Query values travel as text: a value is valid for a parameter when its schema accepts
the text, or the number or boolean the text spells (as schemathesis reads the wire).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest

from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.store import open_store
from scholarscope.web import App
from scholarscope.web.openapi import openapi_document
from scholarscope.web.params import BLANK, NOT_BLANK, Param
from web_client import Answer, ask

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "examples"
TOKEN = "an admin token for the contract tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOCUMENT = openapi_document()
ZEROS = "0" * 300  # what schemathesis sent as free text: the longest value allowed


def build_db(path: Path) -> str:
    store = open_store(str(path))
    ingest_paths(store, [EXAMPLES])
    enrich_store(store, model=load_field_model())
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> App:
    """The site as `scholarscope serve` runs it without an admin token: writes are off."""
    return App(build_db(tmp_path_factory.mktemp("contract") / "read.db"))


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> App:
    """The site with an admin token (a database of its own: these tests write)."""
    return App(build_db(tmp_path_factory.mktemp("contract") / "write.db"), admin_token=TOKEN)


# -- reading the document ------------------------------------------------------------------


def operation(path: str, method: str = "get") -> dict[str, Any]:
    found: dict[str, Any] = DOCUMENT["paths"][path][method]
    return found


def parameter(path: str, name: str, method: str = "get") -> dict[str, Any]:
    (found,) = [p for p in operation(path, method)["parameters"] if p["name"] == name]
    return found


def parameter_schema(path: str, name: str, method: str = "get") -> dict[str, Any]:
    schema: dict[str, Any] = parameter(path, name, method)["schema"]
    return schema


def wire_valid(schema: dict[str, Any], raw: str) -> bool:
    """Whether a query value written as ``raw`` is valid under ``schema``: the text
    itself, or the integer or boolean it spells exactly (no spaces around)."""
    candidates: list[Any] = [raw]
    if re.fullmatch(r"-?[0-9]+", raw):
        candidates.append(int(raw))
    if raw in ("true", "false"):
        candidates.append(raw == "true")
    return any(jsonschema.Draft202012Validator(schema).is_valid(c) for c in candidates)


def query_valid(path: str, query: dict[str, str], method: str = "get") -> bool:
    """Whether every parameter of ``query`` is valid, and every required one given."""
    declared = {p["name"]: p for p in operation(path, method)["parameters"] if p["in"] == "query"}
    required = {name for name, p in declared.items() if p["required"]}
    return required <= set(query) and all(
        name in declared and wire_valid(declared[name]["schema"], value)
        for name, value in query.items()
    )


def target(path: str, query: dict[str, str]) -> str:
    return path + "?" + "&".join(f"{k}={quote(v, safe=':')}" for k, v in query.items())


def response_problems(answer: Answer, path: str, method: str = "get") -> list[str]:
    """Where ``answer`` departs from what the document says ``path`` answers: a status
    it does not list, another media type, a JSON body its schema refuses."""
    responses = operation(path, method)["responses"]
    status = str(answer.status)
    if status not in responses:
        return [f"status {status} is not documented (documented: {sorted(responses)})"]
    response = responses[status]
    if "$ref" in response:
        response = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    media = answer.content_type.split(";")[0]
    content = {k.split(";")[0]: v for k, v in response.get("content", {}).items()}
    if media not in content:
        return [f"{media} is not documented for {status} (documented: {sorted(content)})"]
    schema = content[media].get("schema")
    if schema is None or not media.endswith("json"):
        return []
    root = {**schema, "components": DOCUMENT["components"]}
    validator = jsonschema.Draft202012Validator(root)
    body = json.loads(answer.body)
    return sorted(f"{e.json_path}: {e.message}" for e in validator.iter_errors(body))


def detail(answer: Answer) -> str:
    assert answer.content_type == "application/problem+json", answer.body[:200]
    text: str = json.loads(answer.body)["detail"]
    return text


# -- 1. a year range that runs backwards ---------------------------------------------------

# the request schemathesis sent
BACKWARDS = {
    "q": ZEROS, "tab": "works", "field": "A", "year_from": "2998", "year_to": "1000",
    "code": "true", "venue": ZEROS, "sort": "relevance", "page": "1", "per_page": "20",
}  # fmt: skip


def test_a_backwards_year_range_is_valid_in_the_schema(reader: App) -> None:
    forwards = json.loads(ask(reader, "/search.json?q=noisy&year_from=2010&year_to=2030").body)
    assert forwards["paging"]["total"] > 0  # the words match works of those years
    for path in ("/search", "/search.json", "/search.csv", "/search.bib"):
        assert query_valid(path, BACKWARDS), path
        assert query_valid(path, {"q": "noisy", "year_from": "2020", "year_to": "2010"}), path
        for name in ("year_from", "year_to"):
            integer = parameter_schema(path, name)["anyOf"][0]
            assert integer == {"type": "integer", "minimum": 1000, "maximum": 2999}


def test_a_backwards_year_range_finds_no_works(reader: App) -> None:
    for query in ({"q": "noisy", "year_from": "2020", "year_to": "2010"}, BACKWARDS):
        answer = ask(reader, target("/search.json", query))
        assert (answer.status, response_problems(answer, "/search.json")) == (200, [])
        found = json.loads(answer.body)
        assert (found["results"], found["paging"]["total"]) == ([], 0)
        for path in ("/search", "/search.csv", "/search.bib"):
            answer = ask(reader, target(path, query))
            assert (answer.status, response_problems(answer, path)) == (200, []), path


def test_a_query_without_words_finds_no_works(reader: App) -> None:
    for query in ('""', "!", "?! --"):
        answer = ask(reader, target("/search.json", {"q": query}))
        assert (answer.status, response_problems(answer, "/search.json")) == (200, [])
        found = json.loads(answer.body)
        assert (found["query"], found["results"], found["paging"]["total"]) == (query, [], 0)
        experts = ask(reader, target("/search.json", {"q": query, "tab": "experts"}))
        assert (experts.status, response_problems(experts, "/search.json")) == (200, [])
        found = json.loads(experts.body)
        assert (found["experts"], found["works_considered"]) == ([], 0)
        # the page too (schemathesis found a 500 on the experts tab)
        works = ask(reader, target("/search", {"q": query}))
        assert works.status == 200 and b'class="count-heading">0 works<' in works.body
        experts = ask(reader, target("/search", {"q": query, "tab": "experts"}))
        assert experts.status == 200 and b'<li class="empty">No author found.</li>' in experts.body


# -- 2. what a write endpoint answers without the admin token ------------------------------

# the requests schemathesis sent (ST203: no Authorization header), on a server without
# an admin token, and what they are answered
WRITES_WITHOUT_TOKEN = [
    ("/admin/authors/merge", {"keep": ZEROS, "drop": ZEROS}),
    ("/admin/identity/merge", {"keep": ZEROS, "drop": ZEROS, "reason": ZEROS, "by": "admin"}),
    (
        "/admin/identity/split",
        {"author": "[Filtered]", "works": ZEROS, "into": ZEROS, "reason": ZEROS, "by": "admin"},
    ),
    ("/admin/identity/undo", {"edit": "1", "reason": ZEROS, "by": "admin"}),
    ("/admin/ingest", {"name": "upload"}),
]


def test_every_write_endpoint_documents_each_status_it_answers() -> None:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, _ in WRITES_WITHOUT_TOKEN:
        post = operation(path, "post")
        assert post["security"] == [{"admin": []}]
        own = {"413"} if path == "/admin/ingest" else {"404", "409"}
        expected = {"200", "400", "401", "403", *own}
        assert set(post["responses"]) == expected, path
        for status in expected - {"200"}:
            assert post["responses"][status]["content"] == problem, (path, status)
        assert post["responses"]["401"]["headers"]["WWW-Authenticate"]["schema"] == {
            "type": "string"
        }
        assert "writes are off" in post["responses"]["403"]["description"]


@pytest.mark.parametrize(("path", "query"), WRITES_WITHOUT_TOKEN)
def test_writes_without_a_token_are_answered_as_documented(
    reader: App, writer: App, path: str, query: dict[str, str]
) -> None:
    # no credentials: 401 (authenticate), whether or not writes are on
    for server in (reader, writer):
        bare = ask(
            server, target(path, query), "POST", {"Content-Type": "application/octet-stream"}
        )
        assert bare.status == 401 and response_problems(bare, path, "post") == []
    # credentials while writes are off: 403, no token would do
    off = ask(reader, target(path, query), "POST", AUTH)
    assert off.status == 403 and response_problems(off, path, "post") == []
    assert detail(off) == "writes are off: start the server with an admin token"
    refused = ask(writer, target(path, query), "POST")
    assert refused.status == 401 and response_problems(refused, path, "post") == []
    assert refused.headers["www-authenticate"] == "Bearer"
    wrong = ask(writer, target(path, query), "POST", {"Authorization": "Bearer wrong"})
    assert wrong.status == 401 and response_problems(wrong, path, "post") == []


# -- 3. values made only of white space -----------------------------------------------------


def test_the_schemas_white_space_is_what_the_parser_trims() -> None:
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(spaces) == 29 and "\u00a0" in spaces and "\u3000" in spaces
    assert all(BLANK.fullmatch(c) and not NOT_BLANK.search(c) for c in spaces)
    others = [chr(c) for c in range(0x110000) if not chr(c).isspace()]
    assert not any(BLANK.fullmatch(c) or not NOT_BLANK.search(c) for c in others)


def test_a_search_for_spaces_is_a_search_for_nothing(reader: App) -> None:
    nothing = json.loads(ask(reader, "/search.json").body)
    assert (nothing["query"], nothing["results"]) == ("", [])
    for spaces in ("  ", "\u00a0", " \t "):
        assert query_valid("/search.json", {"q": spaces})
        answer = ask(reader, target("/search.json", {"q": spaces}))
        assert (answer.status, response_problems(answer, "/search.json")) == (200, [])
        assert json.loads(answer.body) == nothing
    # words with spaces around are those words
    padded = json.loads(ask(reader, target("/search.json", {"q": "  noisy labels "})).body)
    assert padded == json.loads(ask(reader, "/search.json?q=noisy+labels").body)
    assert padded["query"] == "noisy labels" and padded["paging"]["total"] > 0


def test_a_blank_number_is_its_default_and_a_padded_one_is_refused(reader: App) -> None:
    # the request schemathesis sent: per_page a no-break space, answered with the default
    sent = {"year": "", "per_page": "\u00a0", "code": "true"}
    assert query_valid("/works.csv", sent)
    answer = ask(reader, target("/works.csv", sent))
    assert (answer.status, response_problems(answer, "/works.csv")) == (200, [])
    default = ask(reader, "/works.csv?code=true")
    assert answer.body == default.body
    # a number with spaces around is not a number, in the schema and on the server
    for raw in (" 3", "3 ", "\u00a03", "3\n"):
        assert not query_valid("/works.json", {"page": raw}), repr(raw)
        answer = ask(reader, target("/works.json", {"page": raw}))
        assert (answer.status, response_problems(answer, "/works.json")) == (400, [])
        assert detail(answer) == f"page must be a whole number, not {raw!r}"
    # so are a choice and a field code; a blank year is no year
    for name, raw, status in (("tab", " works", 400), ("field", " CV", 400),
                              ("year_from", " ", 200), ("code", "\t", 200)):  # fmt: skip
        query = {"q": "noisy", name: raw}
        assert query_valid("/search.json", query) is (status == 200), (name, raw)
        answer = ask(reader, target("/search.json", query))
        assert answer.status == status, (name, raw)
        assert response_problems(answer, "/search.json") == []


def test_a_required_text_of_spaces_is_invalid_in_the_schema_and_refused(writer: App) -> None:
    reason = parameter_schema("/admin/identity/merge", "reason", "post")
    assert reason == {"type": "string", "maxLength": 300, "pattern": NOT_BLANK.pattern}
    for spaces in ("  ", "\u00a0", "\u3000\n"):
        query = {"keep": "author:3", "drop": "author:64", "reason": spaces}
        assert not query_valid("/admin/identity/merge", query, "post")
        answer = ask(writer, target("/admin/identity/merge", query), "POST", AUTH)
        assert (answer.status, detail(answer)) == (400, "parameter 'reason' must not be empty")
        assert response_problems(answer, "/admin/identity/merge", "post") == []
    # optional text: blank is the default ("by": admin), in the schema as on the server
    assert wire_valid(parameter_schema("/admin/identity/merge", "by", "post"), "  ")


def test_a_text_longer_than_its_limit_is_refused_before_trimming(reader: App) -> None:
    padded = "noisy" + " " * 296  # 301 characters, 5 once trimmed
    assert not query_valid("/search.json", {"q": padded})
    answer = ask(reader, target("/search.json", {"q": padded}))
    assert (answer.status, detail(answer)) == (400, "q is longer than 300 characters")


# -- 4. the limits of the write endpoints' parameters and body ------------------------------


def test_every_whole_number_states_both_its_bounds() -> None:
    with pytest.raises(ValueError, match="edit needs a minimum and a maximum"):
        Param("edit", "int", "The edit to undo.", minimum=1)
    numbers = [
        (path, p["name"], p["schema"].get("anyOf", [p["schema"]])[0])
        for path, operations in DOCUMENT["paths"].items()
        for described in operations.values()
        for p in described.get("parameters", [])
    ]
    integers = [(path, name, s) for path, name, s in numbers if s.get("type") == "integer"]
    assert len(integers) > 20
    for path, name, schema in integers:
        assert {"minimum", "maximum"} <= set(schema), (path, name)


def test_an_edit_number_up_to_the_documented_maximum_is_taken(writer: App) -> None:
    edit = parameter_schema("/admin/identity/undo", "edit", "post")
    assert edit == {"type": "integer", "minimum": 1, "maximum": 10**9}
    path = "/admin/identity/undo"
    expected = {
        "1000000000": (404, "no identity edit 1000000000 (see scholarscope identity log)"),
        "1000000001": (400, "edit must be at most 1000000000"),
        "0": (400, "edit must be at least 1"),
        "9" * 40: (400, "edit must be at most 1000000000"),
        "-" + "9" * 40: (400, "edit must be at least 1"),
        "0000000042": (404, "no identity edit 42 (see scholarscope identity log)"),
    }
    for raw, (status, message) in expected.items():
        query = {"edit": raw, "reason": ZEROS, "by": "admin"}
        assert query_valid(path, query, "post") is (status != 400), raw
        answer = ask(writer, target(path, query), "POST", AUTH)
        assert (answer.status, detail(answer)) == (status, message), raw
        assert response_problems(answer, path, "post") == [], raw


def test_author_ids_are_in_the_schema_as_the_server_reads_them(writer: App) -> None:
    path = "/admin/identity/split"
    for name in ("author", "into"):
        schema = parameter_schema(path, name, "post")
        author = schema if name == "author" else schema["anyOf"][0]
        assert author == {"type": "string", "pattern": "^author:[0-9]+$"}
    for name in ("keep", "drop"):
        for merge in ("/admin/authors/merge", "/admin/identity/merge"):
            described = parameter(merge, name, "post")
            assert described["required"] is True, (merge, name)
            assert described["schema"]["pattern"] == "^author:[0-9]+$"
    refused = {
        ZEROS: f"'{ZEROS[:40]}' is not an author id: give author:N (see scholarscope authors)",
        "[Filtered]": "'[Filtered]' is not an author id: give author:N (see scholarscope authors)",
        " author:3": "' author:3' is not an author id: give author:N (see scholarscope authors)",
        "openalex:A5023888391": "'openalex:A5023888391' is not an author id: give author:N "
        "(see scholarscope authors)",
    }
    for raw, message in refused.items():
        query = {"author": raw, "works": "work:1", "reason": "checked"}
        assert not query_valid(path, query, "post"), raw
        answer = ask(writer, target(path, query), "POST", AUTH)
        assert (answer.status, detail(answer)) == (400, message), raw
        assert response_problems(answer, path, "post") == [], raw
    # well formed but naming no one: the documented 404
    query = {"keep": "author:99999999999999999999", "drop": "author:3", "reason": "checked"}
    assert query_valid("/admin/identity/merge", query, "post")
    answer = ask(writer, target("/admin/identity/merge", query), "POST", AUTH)
    assert (answer.status, detail(answer)) == (
        404, "no author with id author:99999999999999999999"
    )  # fmt: skip
    # merge-authors takes both ids or refuses, as the schema now requires them
    answer = ask(writer, "/admin/authors/merge?keep=author:3", "POST", AUTH)
    assert (answer.status, detail(answer)) == (400, "parameter 'drop' is required")
    assert not query_valid("/admin/authors/merge", {"keep": "author:3"}, "post")


def test_a_valid_merge_is_answered_with_its_documented_schema(writer: App) -> None:
    path = "/admin/authors/merge"
    query = {"keep": "author:3", "drop": "author:64"}  # Shiming Ge, Nannan Wang
    assert query_valid(path, query, "post")
    answer = ask(writer, target(path, query), "POST", AUTH)
    assert (answer.status, response_problems(answer, path, "post")) == (200, [])
    assert json.loads(answer.body) == {"kept": "author:3", "merged": "author:64",
                                       "name": "Shiming Ge", "papers_before": 50,
                                       "papers": 100}  # fmt: skip


def test_an_upload_must_hold_a_byte_in_the_schema_as_on_the_server(writer: App) -> None:
    body = operation("/admin/ingest", "post")["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/octet-stream"]["schema"]
    assert schema == {"type": "string", "minLength": 1, "maxLength": 50 * 1024 * 1024}
    assert not jsonschema.Draft202012Validator(schema).is_valid("")
    octets = {"Content-Type": "application/octet-stream", **AUTH}
    empty = ask(writer, "/admin/ingest?name=upload", "POST", octets, b"")
    assert (empty.status, detail(empty)) == (
        400, "the body must hold one file of 1 byte to 52428800 bytes"
    )  # fmt: skip
    assert response_problems(empty, "/admin/ingest", "post") == []
    # one byte, schema-valid: taken, and reported as in no known format
    assert jsonschema.Draft202012Validator(schema).is_valid("0")
    one = ask(writer, "/admin/ingest?name=upload", "POST", octets, b"0")
    assert (one.status, response_problems(one, "/admin/ingest", "post")) == (200, [])
    (report,) = json.loads(one.body)["files"]
    assert (report["path"], report["rejected"], report["new"]) == ("upload:upload", 1, 0)
