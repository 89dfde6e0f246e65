"""arXiv's OAI-PMH harvesting: the parser (ingest/arxiv_oai.py) on pages rendered from the
real records of ../shared/data/arxiv-cs, checked against the snapshot parser on the same
lines; and the harvester (sources/arxiv_oai.py) over real HTTP against a replay of the
endpoint (replay_oai.py), paging, waiting out a 503 and stopping on a bad token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from replay_oai import (
    OAI_BASE,
    list_records_page,
    load_lines,
    oai_error,
    render_record,
    split_authors,
)
from replay_oai import arxiv_oai_recordings as oai_recordings
from replay_server import Fault, Recording, Recordings, ReplayServer, gaps
from scholarscope.ingest import arxiv_oai, arxiv_snapshot
from scholarscope.ingest.arxiv_oai import OaiPage, page_info
from scholarscope.records import Deleted, ParseItem, Rejected, Repaired, Work
from scholarscope.sources import RateLimiter, ResponseStore, SourceError, SourceSettings
from scholarscope.sources.arxiv_oai import (
    OAI_URL,
    OaiClient,
    iter_list_records,
    oai_client,
    resume_from,
    set_for_category,
)

CS = "arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz"
SINCE, UNTIL = "2025-03-18", "2025-03-20"  # 711 real records: 328, 172 and 211 a day
COMPARED = ("ids", "title", "abstract", "date", "date_text", "year", "categories", "authors",
            "et_al", "comments", "journal_ref")  # fmt: skip


@pytest.fixture(scope="module")
def lines(shared_data: Path) -> tuple[str, ...]:
    return load_lines(shared_data / CS, SINCE, UNTIL)


@pytest.fixture(scope="module")
def records(lines: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in map(json.loads, lines)}


@pytest.fixture(scope="module")
def recordings(shared_data: Path) -> Recordings:
    return oai_recordings(shared_data / CS, page_size=40, since=SINCE, until=UNTIL)


@pytest.fixture
def server(recordings: Recordings) -> Iterator[ReplayServer]:
    own = Recordings()  # a test may add answers: never to the module's recordings
    own.include(recordings)
    with ReplayServer(own) as replay:
        yield replay


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def client_of(server: ReplayServer, http: httpx.Client, **options: Any) -> OaiClient:
    settings = SourceSettings(mailto="curator@example.org")
    return oai_client(settings, http, limiter=RateLimiter(0.0), base_url=f"{server.url}/oai",
                      **options)  # fmt: skip


def parsed(text: str, origin: str = "page") -> list[ParseItem]:
    return list(arxiv_oai.parse(text.split("\n"), origin))


def works(items: list[ParseItem]) -> dict[str, Work]:
    return {item.ids[0]: item for item in items if isinstance(item, Work)}


def names(work: Work) -> list[str]:
    return [authorship.author.name for authorship in work.authors]


# -- the parser -------------------------------------------------------------------------


def test_a_page_parses_to_the_works_the_snapshot_gives(lines: tuple[str, ...]) -> None:
    """All 711 records of three days, rendered as one page: every field the two formats
    share is what the snapshot parser reads from the same JSON lines."""
    page = list_records_page([json.loads(line) for line in lines])
    items = parsed(page)
    assert all(isinstance(item, Work) for item in items)
    oai, snapshot = works(items), works(list(arxiv_snapshot.parse(lines, "cs.jsonl")))
    assert len(oai) == len(snapshot) == 711
    for key, work in oai.items():
        assert {f: getattr(work, f) for f in COMPARED} == {
            f: getattr(snapshot[key], f) for f in COMPARED
        }, key
    assert {work.source for work in oai.values()} == {"arxiv_api"}  # as the Atom parser's


def test_real_records_in_detail(lines: tuple[str, ...]) -> None:
    page = works(parsed(list_records_page([json.loads(line) for line in lines])))
    sensor = page["arxiv:2503.11731"]
    assert sensor.title == (
        "Industrial-Grade Sensor Simulation via Gaussian Splatting: A Modular Framework for "
        "Scalable Editing and Full-Stack Validation"
    )
    assert (sensor.date, sensor.year, sensor.date_text) == ("2025-03-18", 2025, "2025-03-18")
    assert sensor.categories == ("cs.CV", "cs.RO")
    assert sensor.primary_category == "cs.CV"  # arXiv lists the primary first
    assert len(sensor.authors) == 16
    assert names(sensor)[:2] == ["Xianming Zeng", "Sicong Du"]
    assert names(sensor)[-1] == "Qiang Li"
    assert sensor.comments is None and sensor.doi is None
    assert sensor.abstract is not None and sensor.abstract.startswith(
        "Sensor simulation is pivotal for scalable validation of autonomous driving systems,"
    )
    safe = page["arxiv:2503.11742"]
    assert names(safe)[0] == "Moreno D'Incà"  # accented, and an apostrophe escaped in XML
    assert (safe.comments, safe.categories) == ("Work in progress", ("cs.CV", "cs.AI"))
    assert names(page["arxiv:2503.12953"])[-1] == "Anton van den Hengel"
    assert names(page["arxiv:2503.14880"])[2] == "Roberto M. Cesar Jr."
    flow = page["arxiv:2503.14880"]
    assert flow.comments == (  # verbatim, its line breaks kept, as the snapshot keeps them
        "Accepted at CVPR 2025. The code and dataset are available at\n"
        "  https://github.com/hmorimitsu/ptlflow/tree/main/ptlflow/models/dpflow. 24\n"
        "  pages, 17 figures"
    )
    assert flow.date == "2025-03-20"


def test_doi_journal_ref_and_license_as_the_snapshot_reads_them(
    records: dict[str, dict[str, Any]],
) -> None:
    """The arxiv-cs file has no DOI or journal-ref (its source lacks them): one real
    record with them added, as arXiv serves a published paper."""
    record = records["2503.13016"] | {
        "doi": "10.1109/CVPR.2025.01234 10.48550/arXiv.2503.13016",
        "journal-ref": "CVPR 2025, pp. 1-10",
        "license": "http://creativecommons.org/licenses/by/4.0/",
    }
    (work,) = works(parsed(list_records_page([record]))).values()
    (snapshot,) = works(list(arxiv_snapshot.parse([json.dumps(record)], "s"))).values()
    assert work.ids == snapshot.ids == (
        "arxiv:2503.13016", "doi:10.1109/cvpr.2025.01234", "doi:10.48550/arxiv.2503.13016"
    )  # fmt: skip
    assert work.doi == "10.1109/cvpr.2025.01234"
    assert work.journal_ref == snapshot.journal_ref == "CVPR 2025, pp. 1-10"
    assert ("license", "http://creativecommons.org/licenses/by/4.0/") in work.extra
    assert work.title == "Efficient Motion-Aware Video MLLM" and work.comments == "CVPR 2025"


def test_a_deleted_record_is_reported_not_stored(records: dict[str, dict[str, Any]]) -> None:
    chosen = [records[key] for key in ("2503.11731", "2503.11742", "2503.11750")]
    page = list_records_page(chosen, deleted={"2503.11742"})
    items = parsed(page, "oai-page-1")
    assert list(works(items)) == ["arxiv:2503.11731", "arxiv:2503.11750"]
    (deleted,) = [item for item in items if isinstance(item, Deleted)]
    assert (deleted.record, deleted.on) == ("2503.11742", "2025-03-18")
    assert deleted.message().startswith("oai-page-1:")
    assert deleted.message().endswith("record 2503.11742: deleted at the source on 2025-03-18")
    assert not any(isinstance(item, Rejected) for item in items)
    assert page_info(page).records == 3 and page_info(page).deleted == 1


@pytest.mark.parametrize(
    ("damage", "named", "reason"),
    [
        (("<id>2503.11742</id>", "<id>not-an-id</id>"), "number 2", "'not-an-id' is not an arXiv"),
        (("<id>2503.11742</id>", ""), "2503.11742", "record has no <id>"),
        (('<arXiv xmlns="http://arxiv.org/OAI/arXiv/"', '<arXiv xmlns="urn:other"'),
         "2503.11742", "no arXiv-format metadata (found {urn:other}arXiv)"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_rejected_by_name_and_the_others_parse(
    records: dict[str, dict[str, Any]], damage: tuple[str, str], named: str, reason: str
) -> None:
    good = [render_record(records[key]) for key in ("2503.11731", "2503.11750")]
    bad = render_record(records["2503.11742"])
    assert damage[0] in bad
    page = list_records_page([]).replace(
        "<ListRecords>\n", "<ListRecords>\n" + "\n".join([good[0], bad.replace(*damage), good[1]])
    )
    items = parsed(page)
    assert list(works(items)) == ["arxiv:2503.11731", "arxiv:2503.11750"]
    (rejected,) = [item for item in items if isinstance(item, Rejected)]
    assert rejected.record == named and reason in rejected.reason
    starts = [number for number, line in enumerate(page.split("\n"), 1) if line == "<record>"]
    assert rejected.line == starts[1]  # the line of the damaged record's <record>


def test_a_page_cut_short_keeps_the_records_before_the_cut(
    records: dict[str, dict[str, Any]],
) -> None:
    page = list_records_page([records["2503.11731"], records["2503.11742"]])
    cut = page[: page.index("<record>", page.index("</record>"))]
    items = parsed(cut)
    assert list(works(items)) == ["arxiv:2503.11731"]
    assert [item.reason for item in items if isinstance(item, Rejected)] == [
        "malformed XML: the text ends inside the response"
    ]


def test_oai_errors_parse_to_nothing_or_a_rejection() -> None:
    assert parsed(oai_error("noRecordsMatch", "No records match.")) == []
    (rejected,) = parsed(oai_error("badArgument", "Set does not exist"))
    assert isinstance(rejected, Rejected)
    assert rejected.reason == ("the OAI-PMH service answered error badArgument: Set does not exist")
    assert arxiv_oai.looks_like(oai_error("badVerb", "x"))


def test_page_info_of_an_error_and_of_arxivs_own_token_form() -> None:
    error = page_info(oai_error("badResumptionToken", "Token is invalid."))
    assert (error.error_code, error.error_message, error.is_last) == (
        "badResumptionToken", "Token is invalid.", True
    )  # fmt: skip
    # the current service's token: an expirationDate, no cursor nor completeListSize
    current = page_info(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
        "<resumptionToken expirationDate='2026-05-02T00:00:00Z'>verb%3DListRecords%26skip"
        "%3D2500</resumptionToken></ListRecords></OAI-PMH>"
    )
    assert current == OaiPage(
        token="verb%3DListRecords%26skip%3D2500", expiration_date="2026-05-02T00:00:00Z"
    )
    with pytest.raises(ValueError, match="not an OAI-PMH response"):
        page_info('<feed xmlns="http://www.w3.org/2005/Atom"/>')
    with pytest.raises(ValueError, match="malformed XML"):
        page_info("<OAI-PMH")


def test_the_replay_splits_authors_as_arxivs_keyname_and_forenames() -> None:
    assert split_authors(r"Tol\'ul\d{o}p\'e \`Og\'unr\`em\'i, Dan Jurafsky and, Karen Livescu") == [
        ("Ògúnrèmí", "Tolúlọpé", "", ()),
        ("Jurafsky", "Dan", "", ()),
        ("Livescu", "Karen", "", ()),
    ]
    # an affiliation covers the run of authors just before it that have none
    assert split_authors("A. Smith (CMU), B. Wu, C. Li (MIT, Cambridge); J. Doe, Jr., et al") == [
        ("Smith", "A.", "", ("CMU",)),
        ("Wu", "B.", "", ("MIT, Cambridge",)),
        ("Li", "C.", "", ("MIT, Cambridge",)),
        ("Doe", "J.", "Jr.", ()),
    ]


# -- the harvester over HTTP -------------------------------------------------------------


def test_set_for_category_and_the_base_url() -> None:
    assert set_for_category("cs.CV") == "cs:cs:CV"
    assert set_for_category("math.AG") == "math:math:AG"
    assert set_for_category("nlin.CD") == "physics:nlin:CD"
    assert set_for_category("cs") == "cs:cs"
    with pytest.raises(ValueError, match="not an arXiv category"):
        set_for_category("computer vision")
    with httpx.Client() as http:
        client = oai_client(SourceSettings(), http)
        assert client.url({"verb": "Identify"}) == f"{OAI_URL}?verb=Identify"
        assert client.source.limiter.interval == 3.0  # arXiv's pace
        with pytest.raises(ValueError, match="names its endpoint's path"):
            oai_client(SourceSettings(), http, base_url="https://oaipmh.arxiv.org")


def test_a_harvest_pages_through_every_record_once(
    server: ReplayServer, http: httpx.Client, records: dict[str, dict[str, Any]]
) -> None:
    """cs.AI from 19 to 20 March 2025: 111 real records (42 + 69), 40 a page."""
    seen: list[OaiPage] = []
    pages = list(
        iter_list_records(client_of(server, http), set_for_category("cs.AI"),
                          "2025-03-19", "2025-03-20", on_page=seen.append)
    )  # fmt: skip
    harvested = [work for text, _ in pages for work in works(parsed(text)).values()]
    expected = {
        f"arxiv:{key}"
        for key, record in records.items()
        if "cs.AI" in record["categories"].split() and record["update_date"] >= "2025-03-19"
    }
    assert len(harvested) == len(expected) == 111
    assert {work.ids[0] for work in harvested} == expected  # every record, once
    infos = [info for _, info in pages]
    assert seen == infos
    assert [(i.records, i.cursor, i.complete_list_size) for i in infos] == [
        (40, 0, 111), (40, 40, 111), (31, 80, 111)
    ]  # fmt: skip
    assert [i.token is None for i in infos] == [False, False, True]
    assert [(i.earliest_datestamp, i.latest_datestamp) for i in infos] == [
        ("2025-03-19", "2025-03-19"), ("2025-03-19", "2025-03-20"), ("2025-03-20", "2025-03-20")
    ]  # fmt: skip
    asked = server.requests_to("/oai")
    first = {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs:cs:AI"}
    assert asked[0].query == first | {"from": "2025-03-19", "until": "2025-03-20"}
    assert [set(r.query) for r in asked[1:]] == [{"verb", "resumptionToken"}] * 2
    assert asked[1].query["resumptionToken"] == infos[0].token
    assert asked[0].headers["user-agent"].endswith("(mailto:curator@example.org)")
    checkpoint = None
    for info in infos:
        checkpoint = resume_from(checkpoint, info)
    assert checkpoint == "2025-03-20"


def test_on_page_waits_until_the_caller_is_done_with_a_page(
    server: ReplayServer, http: httpx.Client
) -> None:
    seen: list[OaiPage] = []
    harvest = iter_list_records(client_of(server, http), "cs:cs:AI", "2025-03-19", None,
                                on_page=seen.append)  # fmt: skip
    _, first = next(harvest)
    assert seen == []  # not stored yet: no checkpoint may be saved
    harvest.close()  # the caller stopped (killed, failed) before storing it
    assert seen == [] and len(server.requests) == 1
    assert resume_from("2025-03-01", first) == "2025-03-19"


def test_no_records_in_the_window_is_an_empty_harvest(
    server: ReplayServer, http: httpx.Client
) -> None:
    client = client_of(server, http)
    assert list(iter_list_records(client, "cs:cs:CV", "2025-03-21", "2025-03-22")) == []
    assert list(iter_list_records(client, "q-fin:q-fin:ST", "2025-03-19", "2025-03-19")) == []
    assert [r.query.get("from") for r in server.requests] == ["2025-03-21", "2025-03-19"]


def test_other_oai_errors_stop_with_the_url_and_advice(
    server: ReplayServer, http: httpx.Client
) -> None:
    client = client_of(server, http)
    with pytest.raises(SourceError) as bad_set:
        list(iter_list_records(client, "cs:math:AG", "2025-03-19"))
    assert "badArgument" in str(bad_set.value) and "Check the set" in bad_set.value.advice
    assert f"GET {server.url}/oai?from=2025-03-19&metadataPrefix=arXiv" in str(bad_set.value)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        next(iter_list_records(client, "cs:cs:CV", "2025-03-19T00:00:00Z"))


def test_an_expired_token_stops_the_harvest_with_restart_advice(
    server: ReplayServer, http: httpx.Client, tmp_path: Path
) -> None:
    kept = ResponseStore(tmp_path / "kept")
    client = client_of(server, http, store=kept)
    harvest = iter_list_records(client, "cs:cs:CV", "2025-03-19", "2025-03-19")
    _, first = next(harvest)
    assert first.token is not None
    query = {"verb": "ListRecords", "resumptionToken": first.token}
    expired = oai_error("badResumptionToken", "Token has expired.", query)
    server.recordings.add(Recording(f"{OAI_BASE}?{urlencode(query)}", 200, {}, expired))
    with pytest.raises(SourceError) as error:
        next(harvest)
    message = str(error.value)
    assert message.startswith(f"arXiv OAI-PMH: GET {server.url}/oai?resumptionToken=")
    assert "OAI-PMH error badResumptionToken (Token has expired.)" in message
    assert message.endswith("Run sync again: it restarts from the last harvest date.")
    # the first page is kept; the error is not (the next run must ask again)
    assert kept.get("GET", client.url(query)) is None
    assert len(list((tmp_path / "kept").rglob("*.json"))) == 1


def test_a_503_is_waited_out_as_asked(server: ReplayServer, http: httpx.Client) -> None:
    harvest = iter_list_records(client_of(server, http), "cs:cs:CV", "2025-03-19", "2025-03-19")
    _, first = next(harvest)
    server.inject("/oai", Fault.unavailable(retry_after=1), times=1)
    rest = list(harvest)
    assert [info.records for info in [first] + [info for _, info in rest]] == [40] * 4 + [12]
    asked = server.requests_to("/oai")
    assert asked[1].fault is not None and asked[2].query == asked[1].query
    assert gaps(asked)[1] >= 1.0  # the retry came after the second asked for


def test_the_replay_answers_as_arxivs_service(server: ReplayServer, http: httpx.Client) -> None:
    client = client_of(server, http)

    def ask(**params: str) -> OaiPage:
        return page_info(client.source.get_text("/oai", params))

    assert ask(verb="ListRecords", resumptionToken="nonsense").error_code == "badResumptionToken"
    assert ask(verb="ListRecords", metadataPrefix="oai_dc").error_code == (
        "cannotDisseminateFormat"
    )
    assert ask(verb="ListRecords", metadataPrefix="arXiv", until="19 March").error_code == (
        "badArgument"
    )
    mixed = ask(verb="ListRecords", metadataPrefix="arXiv", set="cs:cs:CV", resumptionToken="x")
    assert mixed.error_code == "badArgument"  # the token is an exclusive argument
    assert ask(verb="ListSomething").error_code == "badVerb"
    identify = client.source.get_text("/oai", {"verb": "Identify"})
    assert "<earliestDatestamp>2025-03-18</earliestDatestamp>" in identify
    assert "<granularity>YYYY-MM-DD</granularity>" in identify
    whole = ask(verb="ListRecords", metadataPrefix="arXiv", set="cs")
    assert (whole.records, whole.complete_list_size) == (40, 711)


def test_kept_pages_are_asked_again_by_a_later_sync(
    server: ReplayServer, http: httpx.Client, tmp_path: Path
) -> None:
    """A list "since a date" grows: a later sync must not be answered from kept pages."""
    store = ResponseStore(tmp_path / "kept")
    for _ in range(2):
        client = client_of(server, http, store=store)
        pages = list(iter_list_records(client, "cs:cs:AI", "2025-03-19", "2025-03-20"))
        assert len(pages) == 3 and client.source.counts.from_disk == 0
    assert len(server.requests) == 6
    assert len(list((tmp_path / "kept").rglob("*.json"))) == 3


def test_every_item_a_harvest_parses_is_a_work_or_named(
    shared_data: Path, http: httpx.Client
) -> None:
    """Deleted records on the wire: the harvest reports them by id, stores the rest."""
    replay = oai_recordings(shared_data / CS, page_size=100, since="2025-03-19",
                            until="2025-03-19", deleted={"2409.13661", "2503.12828"})  # fmt: skip
    with ReplayServer(replay) as server:
        items = [
            item
            for text, _ in iter_list_records(client_of(server, http), "cs:cs:CV", "2025-03-19")
            for item in parsed(text)
        ]
    assert sum(isinstance(item, Work) for item in items) == 170
    assert not any(isinstance(item, Repaired) for item in items)
    deleted = sorted(item.record for item in items if isinstance(item, Deleted))
    assert deleted == ["2409.13661", "2503.12828"]  # a 2024 paper revised that day, and one new


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<html><body>Service maintenance</body></html>", "not an OAI-PMH response"),
        ('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>', "malformed XML"),
        (
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
            "<resumptionToken>same</resumptionToken></ListRecords></OAI-PMH>",
            "answered the resumption token it was asked with",
        ),
    ],
)
def test_an_answer_that_cannot_be_paged_stops_the_harvest(body: str, problem: str) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text=body))
    with httpx.Client(transport=transport) as http:
        client = oai_client(SourceSettings(), http, limiter=RateLimiter(0.0))
        with pytest.raises(SourceError, match=problem) as error:
            list(iter_list_records(client, "cs:cs:CV", "2026-04-01"))
    assert error.value.url.startswith(f"GET {OAI_URL}?")
    assert error.value.advice == "Run sync again: it restarts from the last harvest date."


def test_an_authors_affiliations_are_kept() -> None:
    """arXiv's own metadata format names affiliations in its own namespace."""
    page = (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header>'
        "<identifier>oai:arXiv.org:2503.11731</identifier><datestamp>2025-03-19</datestamp>"
        '</header><metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2503.11731</id>'
        "<created>2025-03-14</created><authors><author><keyname>Ge</keyname><forenames>Shiming"
        "</forenames><affiliation>IIE, CAS</affiliation><affiliation>UCAS</affiliation></author>"
        "<author><keyname>Li</keyname></author></authors><title>T</title><categories>cs.CV"
        "</categories><abstract>A</abstract></arXiv></metadata></record></ListRecords></OAI-PMH>"
    )
    (work,) = parsed(page)
    assert isinstance(work, Work)
    assert [(a.author.name, a.affiliation) for a in work.authors] == [
        ("Shiming Ge", "IIE, CAS; UCAS"),
        ("Li", None),
    ]
