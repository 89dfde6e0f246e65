"""Property tests: no input makes a parser, a format detector or ``load_path`` raise.

Whatever the text, every parser yields only ``Work``, ``StatedMetrics``, ``Rejected`` and
``Repaired`` items, and what it yields can be stored (integers fit SQLite's 64 bits,
strings are valid Unicode). Inputs: arbitrary text and bytes, and the real files of
../shared with bytes flipped, deleted or inserted, lines or the file cut short, and JSON
values replaced by values of other types. Then one regression test per crash these
found (and the review that went with them), each asserting its rejection.

Hypothesis runs derandomized (the same examples on every run, so CI is deterministic)
with no example database; the whole file takes well under a minute. The coverage-guided
fuzzing of the same entry points is outside the suite: ``make fuzz`` (see fuzz/).
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scholarscope.ingest import (
    FORMATS,
    arxiv_atom,
    arxiv_snapshot,
    detect_format,
    load_path,
    openalex,
    profile_page,
    semantic_scholar,
)
from scholarscope.ingest.json_api import MAX_JSON_DEPTH
from scholarscope.pipeline.ingest import ingest_paths
from scholarscope.records import ParseItem, Rejected, Repaired, StatedMetrics, Work
from scholarscope.store import open_store

SHARED = Path(__file__).resolve().parents[2] / "shared"
BIBTEX = Path(__file__).resolve().parent / "data" / "bibtex"
ITEM_TYPES = (Work, StatedMetrics, Rejected, Repaired)
INT64 = range(-(2**63), 2**63)
ORIGIN = "fuzz.txt"

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Real inputs of every format: (format, file under ../shared, read whole). Files not read
# whole contribute their first lines (about 12 kB), so an example stays fast.
REAL_FILES = [
    ("arxiv_feed", "seeds/000_6198259b7f70df20.txt", True),
    ("arxiv_feed", "seeds/004_f083b819790df835.txt", True),
    ("profile_page", "seeds/001_a12025aa8030061e.txt", False),
    ("profile_page", "seeds/003_a5f9dfde50f3564c.txt", False),
    ("arxiv_snapshot", "data/arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl", False),
    ("arxiv_snapshot", "data/arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz", False),
    ("arxiv_atom", "data/arxiv-api/id_abc_s0_m100_b79c8dcf6bc3.json", True),
    ("arxiv_atom", "data/arxiv-api/id_astro-ph_0601001_s0_m100_3150dca9dc76.json", True),
    ("arxiv_atom", "data/arxiv-api/atom_xml/id_2104.12255v1_s0_m100_6ae69987ffe1.xml", True),
    ("openalex", "data/openalex-fixtures/openalex-python/W-api-response.json", True),
    ("openalex", "data/openalex-fixtures/openalex-python/A5317838346.json", True),
    ("openalex", "data/openalex-fixtures/mmgeorge-papers/author.json", True),
    (
        "openalex",
        "data/openalex-fixtures/openalexPro/testthat___snaps__001-jq_execute__page.jsonl",
        False,
    ),
    ("semantic_scholar", "data/semantic-scholar/Citation.json", True),
    ("semantic_scholar", "data/semantic-scholar/Reference.json", True),
    ("semantic_scholar", "data/semantic-scholar/PaperWithNullValues.json", True),
    ("semantic_scholar", "data/semantic-scholar/Author.json", True),
    # ../shared holds no BibTeX: the exporters' shapes of tests/data/bibtex stand in (an
    # absolute path, which SHARED / path leaves as it is)
    ("bibtex", str(BIBTEX / "zotero.bib"), True),
    ("bibtex", str(BIBTEX / "google_scholar.bib"), True),
    ("bibtex", str(BIBTEX / "acm.bib"), True),
    ("bibtex", str(BIBTEX / "sciencedirect.bib"), True),
]
JSON_FORMATS = ["arxiv_snapshot", "arxiv_atom", "openalex", "semantic_scholar"]
_CACHE: dict[str, bytes] = {}


def real_bytes(relative: str, whole: bool) -> bytes:
    """A real file's content (decompressed), or its first whole lines up to ~12 kB."""
    key = f"{relative}:{whole}"
    if key not in _CACHE:
        path = SHARED / relative
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as stream:
            data = stream.read() if whole else stream.read(12_000)
        if not whole:
            data = data[: data.rfind(b"\n") + 1] or data
        _CACHE[key] = data
    return _CACHE[key]


def as_lines(data: bytes) -> list[str]:
    """Text lines as ``ingest/files.py`` reads them: UTF-8, else Latin-1, per line."""
    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    lines = []
    for raw in pieces:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        lines.append(text.rstrip("\r\n"))
    return lines


def check_items(items: Iterable[ParseItem], origin: str = ORIGIN) -> list[ParseItem]:
    """Drain ``items``, asserting each is one of the four types, problems carry a reason
    and their file, and records can be stored."""
    drained = list(items)
    for item in drained:
        assert isinstance(item, ITEM_TYPES), item
        assert item.origin.startswith(origin)
        if isinstance(item, Rejected | Repaired):
            assert item.reason.strip()
        else:
            assert_storable(item)
    return drained


def assert_storable(value: Any) -> None:
    """Every integer fits SQLite's 64 bits; every string encodes to UTF-8 (no lone
    surrogate)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            assert_storable(getattr(value, field.name))
    elif isinstance(value, tuple):
        for element in value:
            assert_storable(element)
    elif isinstance(value, int) and not isinstance(value, bool):
        assert value in INT64, value
    elif isinstance(value, str):
        value.encode("utf-8")


# Byte sequences known to trouble parsers, inserted by the "token" edit (random bytes
# alone would almost never spell them): nesting past json's recursion limit, a number
# past Python's 4,300-digit limit and one past 64 bits, ids empty once their prefix or
# version is off, a surrogate escape, Latin-1 mojibake of U+0085, a superscript digit.
TOKENS = [
    b"[" * 3000,
    b'{"a":' * 1500,
    b"7" * 4500,
    b"123456789012345678901234567890",
    b"v1",
    b"arXiv:",
    b"doi:",
    b"https://doi.org/",
    b"https://openalex.org/",
    b"\\ud800",
    b"\xc3\x82\xc2\x85",
    b"\xc2\xb2",
    b"\x1c",
    b"\n",
    b'"',
    b"null",
    b"@article{",  # BibTeX: an entry starting inside another, braces, macros, accents
    b"}",
    b"#",
    b'\\"',
]
# Byte edits: (kind, where, bytes, token). "where" is taken modulo the length, so any
# integer is a valid place and shrinking stays meaningful.
EDITS = st.tuples(
    st.sampled_from(["flip", "delete", "insert", "token", "cut_line", "cut_file"]),
    st.integers(min_value=0, max_value=2**24),
    st.binary(min_size=1, max_size=16),
    st.sampled_from(TOKENS),
)


def apply_edit(data: bytes, edit: tuple[str, int, bytes, bytes]) -> bytes:
    kind, where, extra, token = edit
    if not data:
        return extra
    at = where % len(data)
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (extra[0] or 0x20)]) + data[at + 1 :]
    if kind == "delete":
        return data[:at] + data[at + len(extra) :]
    if kind == "insert":
        return data[:at] + extra + data[at:]
    if kind == "token":
        return data[:at] + token + data[at:]
    if kind == "cut_line":  # the line holding `at` loses its end
        end = data.find(b"\n", at)
        return data[:at] + (data[end:] if end != -1 else b"")
    return data[:at]  # cut_file: a download that stopped


def nested(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


# Stand-ins for what a Python value cannot hold or copy cheaply: replaced in the JSON
# text by nesting 5,000 levels deep and by a number of 5,000 digits.
DEEP_MARK = "\x00deep\x00"
LONG_MARK = "\x00long\x00"
MARKS = {
    json.dumps(DEEP_MARK): "[" * 5000 + "]" * 5000,
    json.dumps(LONG_MARK): "7" * 5000,
}
# Values that stress the parsers: numbers past 64 bits, a lone surrogate, ids that are
# empty once their prefix or version is off, a date with a non-ASCII digit, nesting.
EDGE_VALUES: list[Any] = [
    DEEP_MARK,
    LONG_MARK,
    10**30,
    -(2**63) - 1,
    2**64,
    "\ud800",
    "title \udfff",
    "",
    "   ",
    "v1",
    "doi:",
    "https://doi.org/",
    "https://openalex.org/",
    "arXiv:",
    "Mon, \u00b2 Apr 2007 19:18:42 GMT",
    "\u0085",
    1.5,
    float("nan"),
    float("inf"),
    [],
    {},
    nested(MAX_JSON_DEPTH + 5),
]
# Keys the parsers read, so replaced or added values land where they are used.
KEYS = """id title abstract authors authors_parsed versions created doi categories update_date
display_name authorships author institutions abstract_inverted_index counts_by_year year
publication_year cited_by_count paperId authorId externalIds data citingPaper citedPaper
papers citations references body status_code details works results meta summary_stats
h_index works_count locations primary_location source ids name hIndex tldr text""".split()
# Half of the replacements are edge values: arbitrary ones alone rarely hit them.
JSON_VALUES = st.sampled_from(EDGE_VALUES) | st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=20),
        st.sampled_from(EDGE_VALUES),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), children, max_size=4
        ),
    ),
    max_leaves=8,
)


def json_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value inside a decoded JSON value (the root included)."""
    paths = [path]
    if isinstance(value, dict):
        for key, element in value.items():
            paths += json_paths(element, path + (key,))
    elif isinstance(value, list):
        for index, element in enumerate(value):
            paths += json_paths(element, path + (index,))
    return paths


def replace_at(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    """``root`` with the value at ``path`` replaced (a copy of ``new``, since the edge
    values are shared between examples)."""
    new = copy.deepcopy(new)
    if not path:
        return new
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return root


@st.composite
def mutated_real_file(draw: st.DrawFn, formats: list[str]) -> tuple[str, bytes]:
    """A real file of one of ``formats`` (name, content) after 1-6 byte edits."""
    name, relative, whole = draw(st.sampled_from([f for f in REAL_FILES if f[0] in formats]))
    data = real_bytes(relative, whole)
    for edit in draw(st.lists(EDITS, min_size=1, max_size=6)):
        data = apply_edit(data, edit)
    return name, data


@st.composite
def real_json_with_values_replaced(draw: st.DrawFn, name: str) -> bytes:
    """A real JSON file of format ``name`` with 1-3 values (anywhere, the root included)
    replaced by JSON values of any type."""
    relative, whole = draw(st.sampled_from([(f[1], f[2]) for f in REAL_FILES if f[0] == name]))
    text = real_bytes(relative, whole).decode("utf-8")
    try:
        documents = [json.loads(text)]
        one_per_line = False
    except json.JSONDecodeError:  # JSON lines (or XML: left as it is)
        documents = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        one_per_line = True
    if not documents:
        return text.encode("utf-8")
    index = draw(st.integers(min_value=0, max_value=len(documents) - 1))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        # Paths up to a drawn depth: the fields parsers read sit near the top, and a
        # uniform pick would mostly land deep inside author and location lists.
        depth = draw(st.integers(min_value=0, max_value=6))
        paths = [path for path in json_paths(documents[index]) if len(path) <= depth]
        path = draw(st.sampled_from(paths))
        documents[index] = replace_at(documents[index], path, draw(JSON_VALUES))
    # Non-ASCII written as UTF-8 or as \u escapes; a lone surrogate written raw gives
    # bytes that are not UTF-8, as a broken exporter might write them.
    ascii_only = draw(st.booleans())
    if one_per_line:
        text = "\n".join(json.dumps(d, ensure_ascii=ascii_only) for d in documents)
    else:
        text = json.dumps(documents[0], indent=2, ensure_ascii=ascii_only)
    for mark, replacement in MARKS.items():
        text = text.replace(mark, replacement)
    return text.encode("utf-8", "surrogatepass")


# --- properties ------------------------------------------------------------------


@settings(FUZZ, max_examples=300)
@given(st.text())
def test_detect_format_and_every_looks_like_answer_on_any_text(text: str) -> None:
    assert all(isinstance(module.looks_like(text), bool) for module in FORMATS.values())
    assert detect_format(text) in {None, *FORMATS}


@pytest.mark.parametrize("name", list(FORMATS))
@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_parse_any_lines(name: str, data: st.DataObject) -> None:
    # Arbitrary lines, mixed with real lines of the format so the parser gets past its
    # first checks.
    real = as_lines(real_bytes(*next((f[1], f[2]) for f in REAL_FILES if f[0] == name)))
    lines = data.draw(st.lists(st.one_of(st.text(), st.sampled_from(real)), max_size=12))
    check_items(FORMATS[name].parse(lines, ORIGIN))


@pytest.mark.parametrize("name", list(FORMATS))
@settings(FUZZ, max_examples=200)
@given(data=st.data())
def test_parse_mutated_real_files(name: str, data: st.DataObject) -> None:
    _, content = data.draw(mutated_real_file([name]))
    check_items(FORMATS[name].parse(as_lines(content), ORIGIN))


@pytest.mark.parametrize("name", JSON_FORMATS)
@settings(FUZZ, max_examples=250)
@given(data=st.data())
def test_parse_real_json_with_values_of_other_types(name: str, data: st.DataObject) -> None:
    content = data.draw(real_json_with_values_replaced(name))
    check_items(FORMATS[name].parse(as_lines(content), ORIGIN))


@settings(FUZZ, max_examples=300)
@given(st.binary(max_size=3000))
def test_load_path_on_any_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.getbasetemp() / "any-bytes"
    path.write_bytes(data)
    check_items(load_path(path, ORIGIN))


@settings(FUZZ, max_examples=300)
@given(
    mutated_real_file(list(FORMATS)),
    st.booleans(),
    st.lists(EDITS, max_size=2),
)
def test_load_path_on_mutated_real_files(
    tmp_path_factory: pytest.TempPathFactory,
    named: tuple[str, bytes],
    compress: bool,
    gzip_edits: list[tuple[str, int, bytes, bytes]],
) -> None:
    # Gzip-compressed too, and then damaged: a cut or corrupt stream.
    data = named[1]
    if compress:
        data = gzip.compress(data, mtime=0)
        for edit in gzip_edits:
            data = apply_edit(data, edit)
    path = tmp_path_factory.getbasetemp() / "mutated"
    path.write_bytes(data)
    check_items(load_path(path, ORIGIN))


@settings(FUZZ, max_examples=60)
@given(st.sampled_from(JSON_FORMATS).flatmap(real_json_with_values_replaced))
def test_ingest_stores_real_json_with_values_of_other_types(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    # The whole way into a real SQLite store: every record the parser lets through is
    # stored (none raises), and every problem is counted.
    folder = tmp_path_factory.mktemp("ingest")
    path = folder / "input.json"
    path.write_bytes(content)
    kinds = [type(item) for item in check_items(load_path(path, str(path)), str(path))]
    (report,) = ingest_paths(open_store(str(folder / "x.db")), [path])
    assert (report.read, report.profiles, report.rejected, report.repaired) == (
        kinds.count(Work),
        kinds.count(StatedMetrics),
        kinds.count(Rejected),
        kinds.count(Repaired),
    )


# --- JSON nested 100,000 levels deep ------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def _first_line(relative: str) -> str:
    return (SHARED / relative).read_text(encoding="utf-8").splitlines()[0]


# One JSON line per format whose value nests 100,000 levels inside a record, then a real
# record; the second file is a real file of the same format.
NESTED_CASES = {
    "openalex": (
        '{"id": "https://openalex.org/W1", "title": ' + DEEP + "}",
        "data/openalex-fixtures/openalexPro/testthat___snaps__001-jq_execute__page.jsonl",
        "data/openalex-fixtures/openalex-python/W2741809807.json",
        ("openalex:W2755950973", "openalex:W2741809807"),
    ),
    "arxiv_snapshot": (
        '{"id": "0704.9999", "authors": "A. Deep", "abstract": ' + DEEP + "}",
        "data/arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl",
        "data/unarxive/metadata_kaggle_format.jsonl",
        ("arxiv:0704.0001", "arxiv:2212.11867"),
    ),
    "semantic_scholar": (
        '{"paperId": "deep", "title": ' + DEEP + "}",
        "data/semantic-scholar/Citation.json",
        "data/semantic-scholar/Reference.json",
        (
            "s2:bdcbc589c8d1e4dd0c6572630f8511557406ad2f",
            "s2:331f0fb3b6176c6e463e0401025b04f6ace9ccd3",
        ),
    ),
}


def _write_nested_files(tmp_path: Path, name: str) -> tuple[Path, Path]:
    deep_line, first_relative, second_relative, _ = NESTED_CASES[name]
    first = tmp_path / "1-nested.jsonl"
    first.write_text(deep_line + "\n" + _first_line(first_relative) + "\n", encoding="utf-8")
    second = tmp_path / "2-after.jsonl"
    second.write_bytes((SHARED / second_relative).read_bytes())
    return first, second


@pytest.mark.parametrize("name", list(NESTED_CASES))
def test_json_nested_100000_levels_is_rejected_and_the_next_record_loads(
    tmp_path: Path, name: str
) -> None:
    first, _ = _write_nested_files(tmp_path, name)
    items = check_items(load_path(first, "nested.jsonl"), "nested.jsonl")
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert [(r.line, r.reason) for r in rejected] == [
        (1, f"JSON nested deeper than {MAX_JSON_DEPTH} levels (column {_deep_column(name)})")
    ]
    assert rejected[0].message().startswith("nested.jsonl:1: JSON nested deeper than 100 levels")
    works = [item for item in items if isinstance(item, Work)]
    assert works[0].ids[0] == NESTED_CASES[name][3][0]


def _deep_column(name: str) -> int:
    # 1-based column of the bracket that opens level 101 (the record's "{" is level 1)
    return NESTED_CASES[name][0].index("[") + MAX_JSON_DEPTH


@pytest.mark.parametrize("name", list(NESTED_CASES))
def test_json_nested_100000_levels_does_not_stop_the_ingest(tmp_path: Path, name: str) -> None:
    first, second = _write_nested_files(tmp_path, name)
    store = open_store(str(tmp_path / "x.db"))
    reports = ingest_paths(store, [first, second])
    assert [report.path for report in reports] == [str(first), str(second)]
    assert reports[0].rejected == 1
    assert reports[0].messages[0] == (
        f"{first}:1: JSON nested deeper than {MAX_JSON_DEPTH} levels (column {_deep_column(name)})"
    )
    assert reports[0].read >= 1 and reports[1].read >= 1 and reports[1].rejected == 0
    # the record after the nested line, and the second file, are stored
    found = store.find_work_keys(list(NESTED_CASES[name][3]))
    assert sorted(found) == sorted(NESTED_CASES[name][3])


def test_format_detection_survives_a_deeply_nested_head() -> None:
    # json.loads in the detectors used to raise RecursionError on the 64 kB head.
    head = '{"id": "https://openalex.org/W1", "title": ' + DEEP[:65_000]
    assert detect_format(head) == "openalex"
    snapshot_head = '{"id": "0704.9999", "authors": "A. Deep", "abstract": ' + DEEP[:65_000]
    assert detect_format(snapshot_head) == "arxiv_snapshot"
    assert detect_format("[" * 65_000) is None


def test_pretty_printed_document_loads_up_to_a_too_deep_value() -> None:
    # A multi-line document: the value before the deep one loads; the rest is rejected
    # from the line where nesting passes the limit.
    work = _first_line("data/openalex-fixtures/openalex-python/W2741809807.json")
    document = json.dumps(json.loads(work), indent=2)
    deep = '{"id": "https://openalex.org/W2",\n  "title":\n' + "[" * 150 + "]" * 150 + "\n}"
    lines = (document + "\n" + deep).splitlines()
    items = check_items(openalex.parse(lines, ORIGIN))
    assert [type(item).__name__ for item in items] == ["Work", "Rejected"]
    assert items[0].ids[0] == "openalex:W2741809807"  # type: ignore[union-attr]
    assert (items[1].line, items[1].reason) == (  # type: ignore[union-attr]
        document.count("\n") + 4,
        # the object is level 1, so the 100th "[" (column 100) opens level 101
        "JSON nested deeper than 100 levels (column 100); the rest of the document was not read",
    )


def test_nesting_at_the_limit_still_loads() -> None:
    at_limit = nested(MAX_JSON_DEPTH - 1)  # inside the record's own object: 100 levels
    line = json.dumps({"id": "https://openalex.org/W3", "title": "T", "x": at_limit})
    (work,) = check_items(openalex.parse([line], ORIGIN))
    assert isinstance(work, Work) and work.ids == ("openalex:W3",)


# --- one test per crash found ---------------------------------------------------------


def test_json_number_too_long_to_read_is_rejected() -> None:
    # json.loads raised Python's "Exceeds the limit (4300 digits)" ValueError.
    line = '{"id": "https://openalex.org/W4", "cited_by_count": ' + "7" * 5000 + "}"
    items = check_items(openalex.parse([line, _first_line(NESTED_CASES["openalex"][1])], ORIGIN))
    assert [(type(i).__name__, getattr(i, "reason", None)) for i in items][0] == (
        "Rejected",
        "JSON number longer than 4300 digits (column 53)",
    )
    assert isinstance(items[1], Work)
    prefix = '{"id": "0704.0001", "abstract": "x", "n": '
    (rejected,) = check_items(arxiv_snapshot.parse([prefix + "1" * 4301 + "}"], ORIGIN))
    assert isinstance(rejected, Rejected)
    assert rejected.reason == f"JSON number longer than 4300 digits (column {len(prefix) + 1})"


def test_json_integer_past_64_bits_is_no_count(tmp_path: Path) -> None:
    # SQLite raised OverflowError on such a citation count or h-index, stopping the
    # ingest; now it is no figure at all, as a count given as a string is.
    line = (
        '{"id": "https://openalex.org/W5", "display_name": "A work with a huge count", '
        '"cited_by_count": 123456789012345678901234567890, "publication_year": 2024}'
    )
    (work,) = check_items(openalex.parse([line], ORIGIN))
    assert isinstance(work, Work) and (work.citations, work.year) == ((), 2024)
    author = (
        '{"id": "https://openalex.org/A6", "display_name": "Ada Huge", "works_count": 3, '
        '"summary_stats": {"h_index": 9223372036854775808}}'
    )
    (metrics,) = check_items(openalex.parse([author], ORIGIN))
    assert isinstance(metrics, StatedMetrics) and (metrics.h_index, metrics.papers) == (None, 3)
    path = tmp_path / "counts.jsonl"
    path.write_text(line + "\n" + author + "\n", encoding="utf-8")
    (report,) = ingest_paths(open_store(str(tmp_path / "x.db")), [path])
    assert (report.read, report.profiles, report.rejected) == (1, 1, 0)


def test_unpaired_surrogate_escape_is_read_as_replacement_character(tmp_path: Path) -> None:
    # "\ud800" decodes to a lone surrogate, which the store could not encode to UTF-8.
    line = '{"paperId": "abc", "title": "Half a pair \\ud800 here"}'
    repaired, work = check_items(semantic_scholar.parse([line], ORIGIN))
    assert isinstance(repaired, Repaired) and isinstance(work, Work)
    assert repaired.reason.startswith("JSON string holds an unpaired surrogate escape")
    assert work.title == "Half a pair \ufffd here"
    emoji = '{"paperId": "def", "title": "A pair \\ud83d\\ude00 is one character"}'
    (work,) = check_items(semantic_scholar.parse([emoji], ORIGIN))
    assert isinstance(work, Work) and work.title == "A pair \U0001f600 is one character"
    path = tmp_path / "s2.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    (report,) = ingest_paths(open_store(str(tmp_path / "x.db")), [path])
    assert (report.read, report.repaired) == (1, 1)


def test_snapshot_id_empty_without_its_version_is_rejected() -> None:
    # make_id raised ValueError("empty arxiv id") for "v2".
    line = '{"id": "v2", "title": "Only a version", "abstract": "x", "categories": "cs.CV"}'
    (rejected,) = check_items(arxiv_snapshot.parse([line], ORIGIN))
    assert isinstance(rejected, Rejected)
    assert rejected.reason == "record id 'v2' is not an arXiv id (title 'Only a version')"


def test_snapshot_doi_empty_without_its_prefix_is_left_out() -> None:
    # make_id raised ValueError("empty doi id") for "doi:".
    line = '{"id": "0704.0001", "abstract": "x", "doi": "10.1103/X doi:"}'
    repaired, work = check_items(arxiv_snapshot.parse([line], ORIGIN))
    assert isinstance(repaired, Repaired)
    assert repaired.reason == "DOI 'doi:' is empty once its prefix is taken off; left out"
    assert isinstance(work, Work) and work.ids == ("arxiv:0704.0001", "doi:10.1103/x")


def test_snapshot_version_date_with_a_superscript_digit() -> None:
    # "²".isdigit() is True but int("²") raised ValueError.
    line = json.dumps(
        {
            "id": "0704.0001",
            "abstract": "x",
            "versions": [{"version": "v1", "created": "Mon, \u00b2 Apr 2007 19:18:42 GMT"}],
            "update_date": "2008-11-26",
        }
    )
    (work,) = check_items(arxiv_snapshot.parse([line], ORIGIN))
    assert isinstance(work, Work)
    assert (work.date, work.date_text) == ("2008-11-26", "2008-11-26")


def test_profile_header_figure_too_long_is_rejected(tmp_path: Path) -> None:
    # int() raised on 5,000 digits; 20 digits overflowed SQLite's INTEGER.
    page = ["Ada Lovelace", "CV", "h-index" + "9" * 5000, "99999999999999999999papers"]
    page += ["CVMar 8, 2022Code", "A Title", "Ada Lovelace, B. Babbage", "An abstract."]
    items = check_items(profile_page.parse(page, ORIGIN))
    assert [(type(i).__name__, getattr(i, "line", None)) for i in items] == [
        ("Rejected", 3),
        ("Rejected", 4),
        ("StatedMetrics", None),
        ("Work", None),
    ]
    assert items[1].reason == (  # type: ignore[union-attr]
        "profile header figure has more than 18 digits: '99999999999999999999papers'"
    )
    assert items[0].reason.startswith(  # type: ignore[union-attr]
        "profile header figure has more than 18 digits: 'h-index999"
    )
    metrics = items[2]
    assert isinstance(metrics, StatedMetrics) and (metrics.h_index, metrics.papers) == (None, None)
    path = tmp_path / "page.txt"
    path.write_text("\n".join(page) + "\n", encoding="utf-8")
    (report,) = ingest_paths(open_store(str(tmp_path / "x.db")), [path])
    assert (report.read, report.profiles, report.rejected) == (1, 1, 2)


ATOM = '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">'


def test_atom_entry_id_empty_without_its_version_is_rejected() -> None:
    # make_id raised ValueError("empty arxiv id") for ".../abs/v1".
    feed = [ATOM, "<entry><id>http://arxiv.org/abs/v1</id><title>T</title></entry></feed>"]
    (rejected,) = check_items(arxiv_atom.parse(feed, ORIGIN))
    assert isinstance(rejected, Rejected)
    assert (rejected.line, rejected.reason, rejected.record) == (
        2,
        "entry id 'http://arxiv.org/abs/v1' is not an arXiv abstract URL",
        "T",
    )


def test_atom_doi_empty_without_its_prefix_is_left_out() -> None:
    # make_id raised ValueError("empty doi id") for "doi:".
    entry = "<entry><id>http://arxiv.org/abs/2104.12255v1</id><arxiv:doi>doi:</arxiv:doi></entry>"
    repaired, work = check_items(arxiv_atom.parse([ATOM, entry, "</feed>"], ORIGIN))
    assert isinstance(repaired, Repaired) and repaired.line == 2
    assert repaired.reason == "DOI 'doi:' is empty once its prefix is taken off; left out"
    assert isinstance(work, Work) and work.ids == ("arxiv:2104.12255",)


def test_atom_mojibake_repair_that_changes_only_spacing() -> None:
    # Latin-1 "Â\x85" is UTF-8 for U+0085, which str.split() takes for a space: no word
    # differed, and next() raised StopIteration (a RuntimeError out of the generator).
    entry = "<entry><id>http://arxiv.org/abs/2104.12255v1</id><title>Title \u00c2\u0085"
    items = check_items(arxiv_atom.parse([ATOM, entry, "</title></entry></feed>"], ORIGIN))
    assert [type(item).__name__ for item in items] == ["Repaired", "Work"]
    assert items[0].reason == (  # type: ignore[union-attr]
        "UTF-8 text had been decoded as Latin-1; repaired "
        "'http://arxiv.org/abs/2104.12255v1Title \u00c2' to 'http://arxiv.org/abs/2104.12255v1Title'"
    )


def test_atom_response_nested_too_deep_is_rejected() -> None:
    response = '{"url": "x", "status_code": 200, "body": ' + DEEP + "}"
    (rejected,) = check_items(arxiv_atom.parse([response], ORIGIN))
    assert isinstance(rejected, Rejected)
    column = response.index("[") + MAX_JSON_DEPTH  # the "{" is level 1
    assert (rejected.line, rejected.reason) == (
        1,
        f"JSON nested deeper than 100 levels (column {column})",
    )


def test_load_path_file_of_unicode_space_only(tmp_path: Path) -> None:
    # bytes.strip() keeps b"\x1c" (and NEL, U+3000) but str.strip() removes it, so
    # "(it begins ...)" took [0] of an empty list.
    path = tmp_path / "space.txt"
    path.write_bytes(b"\x1c\n")
    (rejected,) = check_items(load_path(path, ORIGIN))
    assert rejected == Rejected(ORIGIN, "the file is empty (nothing but blank characters)")
