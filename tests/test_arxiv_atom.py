"""The arXiv API (Atom) parser against the recorded responses in ../shared/data/arxiv-api:
the ``{url, status_code, body}`` JSON files and their bare ``atom_xml/*.xml`` bodies,
plus hand-written feeds for malformed input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scholarscope.ingest import arxiv_atom
from scholarscope.ingest.files import decode_head, iter_lines, read_head
from scholarscope.records import Author, Authorship, ParseItem, Rejected, Repaired, Work

API = "arxiv-api"


def parse_file(path: Path) -> list[ParseItem]:
    problems: list[Rejected | Repaired] = []
    items = list(arxiv_atom.parse(iter_lines(path, path.name, problems), path.name))
    assert problems == []
    return items


def api_files(shared_data: Path, kind: str) -> list[Path]:
    folder = shared_data / API
    return sorted(folder.glob("*.json") if kind == "json" else (folder / "atom_xml").glob("*.xml"))


def one(shared_data: Path, stem: str, kind: str = "xml") -> list[ParseItem]:
    folder = shared_data / API
    if kind == "xml":
        folder = folder / "atom_xml"
    (path,) = folder.glob(f"{stem}_s0_m100_*.{kind}")
    return parse_file(path)


def works_of(items: list[ParseItem]) -> list[Work]:
    return [item for item in items if isinstance(item, Work)]


@pytest.mark.parametrize("kind", ["xml", "json"])
def test_every_recorded_response_parses(shared_data: Path, kind: str) -> None:
    files = api_files(shared_data, kind)
    assert len(files) == 20
    works: list[Work] = []
    rejected: list[Rejected] = []
    repaired: list[Repaired] = []
    for path in files:
        for item in parse_file(path):
            if isinstance(item, Work):
                works.append(item)
            elif isinstance(item, Rejected):
                rejected.append(item)
            elif isinstance(item, Repaired):
                repaired.append(item)
    # 221 entries in 20 responses; the query "testing" was fetched in overlapping pages
    # (start 0/5/9/10/.../50, 10-100 results), all inside the first 100 results.
    assert len(works) == 221
    distinct = {work.ids[0] for work in works}
    assert len(distinct) == 105
    query = {w.ids[0] for w in works if "q_testing" in w.origin}
    assert len(query) == 100
    assert distinct - query == {
        "arxiv:1707.08567",
        "arxiv:1605.08386",
        "arxiv:2104.12255",
        "arxiv:astro-ph/0601001",
        "arxiv:quant-ph/0201082",
    }
    # One error entry (id "abc"); 54 lines of names/titles were mojibake.
    assert [r.record for r in rejected] == ["abc"]
    assert len(repaired) == 54
    # The same paper fetched twice is described identically.
    seen: dict[str, Work] = {}
    for work in works:
        first = seen.setdefault(work.ids[0], work)
        assert replace(work, origin=first.origin) == first


def test_json_responses_and_xml_bodies_give_the_same_works(shared_data: Path) -> None:
    for json_path in api_files(shared_data, "json"):
        xml_path = shared_data / API / "atom_xml" / (json_path.stem + ".xml")
        from_json = works_of(parse_file(json_path))
        from_xml = works_of(parse_file(xml_path))
        assert [replace(w, origin="") for w in from_json] == [
            replace(w, origin="") for w in from_xml
        ]


def test_entry_1707_08567_field_by_field(shared_data: Path) -> None:
    items = one(shared_data, "id_1707.08567")
    assert items[0] == Repaired(
        "id_1707.08567_s0_m100_6a1afebfc6a3.xml",
        "UTF-8 text had been decoded as Latin-1; repaired 'WÃ¼bben' to 'Wübben'",
        line=118,
    )
    (work,) = works_of(items)
    assert work.ids == ("arxiv:1707.08567",)
    assert work.source == "arxiv_api"
    assert work.origin == "id_1707.08567_s0_m100_6a1afebfc6a3.xml"
    assert work.title == (
        "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    )
    assert work.abstract is not None
    assert work.abstract.startswith(
        'The 10th Asia-Europe workshop in "Concepts in Information Theory and Communications" '
        "AEW10 was held in Boppard, Germany on June 21-23, 2017."
    )
    assert work.abstract.endswith("to pay a tribute to a well respected and special scientist.")
    assert work.date == "2017-07-27"
    assert work.date_text == "2017-07-27T08:18:33Z"
    assert work.year == 2017
    assert work.categories == ("cs.IT",)
    assert work.primary_category == "cs.IT"
    assert (
        work.comments == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    )
    assert work.journal_ref is None
    assert work.doi is None
    assert len(work.authors) == 34
    assert work.authors[0] == Authorship(Author("Kees A. Schouhamer Immink"), position=1)
    assert work.authors[4].author.name == "Peter H. N. de With"
    assert work.authors[32] == Authorship(Author("Dirk Wübben"), position=33)
    assert work.authors[33] == Authorship(Author("Hirosuke Yamamoto"), position=34)
    assert work.extra == (
        ("version", "v1"),
        ("updated", "2017-07-27T08:18:33Z"),
        ("pdf_url", "https://arxiv.org/pdf/1707.08567v1"),
    )


def test_old_style_ids_affiliations_and_journal_ref(shared_data: Path) -> None:
    (hot_jupiters,) = works_of(one(shared_data, "id_astro-ph_0601001"))
    assert hot_jupiters.ids == ("arxiv:astro-ph/0601001",)
    assert hot_jupiters.categories == ("astro-ph",)
    assert hot_jupiters.primary_category == "astro-ph"
    assert hot_jupiters.journal_ref == "ActaAstron.56:1-50,2006"
    assert hot_jupiters.date == "2006-01-02"
    assert hot_jupiters.abstract is not None
    assert hot_jupiters.abstract.startswith("We derive the frequencies of hot Jupiters")
    assert "Gould & Morgan (2003)" in hot_jupiters.abstract  # &amp; decoded
    assert hot_jupiters.authors == (
        Authorship(Author("Andrew Gould"), 1, "Ohio State"),
        Authorship(Author("Susan Dorsher"), 2, "Ohio State"),
        Authorship(Author("B. Scott Gaudi"), 3, "CfA"),
        Authorship(Author("Andrzej Udalski"), 4, "Warsaw University Observatory"),
    )
    assert ("pdf_url", "https://arxiv.org/pdf/astro-ph/0601001v1") in hot_jupiters.extra

    (quantum,) = works_of(one(shared_data, "id_quant-ph_0201082v1"))
    assert quantum.ids == ("arxiv:quant-ph/0201082",)
    assert quantum.categories == ("quant-ph", "cs.PL")
    assert quantum.primary_category == "quant-ph"
    assert quantum.comments == "32 pages"
    assert quantum.authors == (Authorship(Author("Stephen Blaha"), 1),)


def test_a_title_that_is_just_zero(shared_data: Path) -> None:
    (work,) = works_of(one(shared_data, "id_2104.12255v1"))
    assert work.ids == ("arxiv:2104.12255",)
    assert work.title == "0"
    assert work.categories == ("cs.CR",)
    assert work.comments is None


def test_dois_and_journal_refs_in_the_query_results(shared_data: Path) -> None:
    works = {w.ids[0]: w for w in works_of(one(shared_data, "q_testing", kind="json"))}
    assert len(works) == 100
    assert sum(work.doi is not None for work in works.values()) == 32
    work = works["arxiv:2202.12139"]
    assert work.ids == ("arxiv:2202.12139", "doi:10.1109/icstw55395.2022.00035")
    assert work.journal_ref is not None
    assert work.journal_ref.startswith("Artificial Intelligence in Software Testing @ 2022 IEEE")


def test_api_error_entry_is_rejected(shared_data: Path) -> None:
    assert one(shared_data, "id_abc") == [
        Rejected(
            "id_abc_s0_m100_b79c8dcf6bc3.xml",
            "the arXiv API reported an error: incorrect id format for abc",
            line=9,
            record="abc",
        )
    ]
    # The recorded response also says HTTP 400.
    assert one(shared_data, "id_abc", kind="json") == [
        Rejected(
            "id_abc_s0_m100_b79c8dcf6bc3.json",
            "HTTP 400: the arXiv API reported an error: incorrect id format for abc",
            record="abc",
        )
    ]


@pytest.mark.parametrize("kind", ["xml", "json"])
def test_empty_results_yield_nothing(shared_data: Path, kind: str) -> None:
    # 0000.0000 and 0808.05394 are well-formed ids of no paper: totalResults 0, no entries.
    assert one(shared_data, "id_0000.0000", kind) == []
    assert one(shared_data, "id_0808.05394", kind) == []
    # Asking for both 0808.05394 and 1707.08567 returns only the one that exists.
    found = works_of(one(shared_data, "id_0808.05394_1707.08567", kind))
    assert [work.ids for work in found] == [("arxiv:1707.08567",)]


# --- hand-written malformed input ----------------------------------------------------

FEED = '<feed xmlns="http://www.w3.org/2005/Atom">'


def test_malformed_xml_is_rejected_with_its_line() -> None:
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        FEED,
        "  <entry><id>http://arxiv.org/abs/2501.00001v1</id><title>Fine</title></entry>",
        "  <entry><id>http://arxiv.org/abs/2501.00002v1</id>",
        "    <title>Broken</b>",
        "  </entry>",
        "</feed>",
    ]
    items = list(arxiv_atom.parse(lines, "bad.xml"))
    assert [type(item) for item in items] == [Work, Rejected]
    assert items[1] == Rejected("bad.xml", "malformed XML: mismatched tag (column 20)", line=5)


def test_truncated_feed_keeps_the_entries_before_the_cut() -> None:
    lines = [FEED, "<entry><id>http://arxiv.org/abs/2501.00001v2</id></entry>", "<entry>"]
    items = list(arxiv_atom.parse(lines, "cut.xml"))
    assert isinstance(items[0], Work)
    assert items[0].ids == ("arxiv:2501.00001",)
    assert items[0].extra == (("version", "v2"),)
    assert items[1] == Rejected("cut.xml", "malformed XML: the text ends inside the feed", line=3)


def test_failed_responses_and_broken_wrappers() -> None:
    busy = '{"url": "https://export.arxiv.org/api/query?id_list=1", "status_code": 503, '
    busy += '"body": "<html>Service unavailable</html>"}'
    assert list(arxiv_atom.parse([busy], "r.json")) == [
        Rejected(
            "r.json",
            "the arXiv API answered HTTP 503 for https://export.arxiv.org/api/query?id_list=1",
        )
    ]
    throttled = '{"url": "u", "status_code": 429, "body": "Rate exceeded."}'
    assert list(arxiv_atom.parse([throttled], "r.json")) == [
        Rejected("r.json", "the arXiv API answered HTTP 429 for u")
    ]
    cut = ["{", '"url": "u",', '"status_code": 200']
    assert list(arxiv_atom.parse(cut, "r.json")) == [
        Rejected("r.json", "invalid JSON: Expecting ',' delimiter (column 19)", line=3)
    ]
    assert list(arxiv_atom.parse(['{"url": "u", "status_code": 200}'], "r.json")) == [
        Rejected("r.json", 'not an arXiv API response: no "body" text')
    ]


def test_entry_that_is_not_an_arxiv_paper() -> None:
    lines = [FEED, "<entry><id>urn:example:1</id><title>Other</title></entry>", "</feed>"]
    assert list(arxiv_atom.parse(lines, "x.xml")) == [
        Rejected("x.xml", "entry id 'urn:example:1' is not an arXiv abstract URL", 2, "Other")
    ]


# --- detection -----------------------------------------------------------------------


def test_looks_like_recognises_every_api_file(shared_data: Path) -> None:
    for path in api_files(shared_data, "xml") + api_files(shared_data, "json"):
        assert arxiv_atom.looks_like(decode_head(read_head(path))), path.name


def test_looks_like_accepts_a_response_cut_by_the_head_limit(shared_data: Path) -> None:
    (path,) = (shared_data / API).glob("q_testing_s0_m100_*.json")
    head = decode_head(read_head(path, size=2000))
    assert arxiv_atom.looks_like(head)


@pytest.mark.parametrize(
    "name",
    [
        "arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl",
        "openalex-fixtures/openalex-python/W2741809807.json",
        "semantic-scholar/Paper.json",
    ],
)
def test_looks_like_rejects_other_formats(shared_data: Path, name: str) -> None:
    assert not arxiv_atom.looks_like(decode_head(read_head(shared_data / name)))


def test_looks_like_rejects_seed_documents_and_other_atom_feeds(seeds: Path) -> None:
    for path in sorted(seeds.glob("*.txt")):
        assert not arxiv_atom.looks_like(decode_head(read_head(path))), path.name
    assert not arxiv_atom.looks_like(FEED + "<id>urn:some-other-service</id>")


def test_a_byte_order_mark_before_a_recorded_response_is_ignored(shared_data: Path) -> None:
    (path,) = (shared_data / API).glob("id_quant-ph_0201082v1_*.json")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = "\ufeff" + lines[0]
    assert arxiv_atom.looks_like("\n".join(lines))
    (work,) = arxiv_atom.parse(lines, "bom.json")
    assert isinstance(work, Work)
    assert work.ids == ("arxiv:quant-ph/0201082",)
