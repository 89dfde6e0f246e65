"""Ingest into a real SQLite file: merging across sources, idempotency, bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scholarscope import pipeline, profile, work_views
from scholarscope.ingest import load_path
from scholarscope.records import Author, Authorship, Work
from scholarscope.store import Store, open_store

SNAPSHOT = "arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "test.db"))


def test_seeds_ingest_and_are_idempotent(store: Store, seeds: Path) -> None:
    first = pipeline.ingest_paths(store, [seeds])
    assert [(r.read, r.new, r.merged, r.rejected) for r in first] == [
        (10, 10, 0, 0),
        (50, 50, 0, 0),
        (10, 10, 0, 0),
        (50, 47, 3, 0),  # three of Nannan Wang's blocks are papers of the feed 000
        (10, 10, 0, 0),
    ]
    before = store.counts()
    second = pipeline.ingest_paths(store, [seeds])
    assert [r.unchanged for r in second] == [10, 50, 10, 50, 10]
    assert [r.new + r.merged for r in second] == [0] * 5
    assert store.counts() == before
    assert before["work"] == 10 + 50 + 10 + 50 + 10 - 3 - _shared_between_pages(store)
    assert before["stated_metrics"] == 2


FEED_COPIES = {  # arXiv id of a feed record: the title of the page block with its abstract
    "arxiv:2408.07476": "One Step Diffusion-based Super-Resolution with Time-Aware Distillation",
    "arxiv:2408.14135": "Foodfusion: A Novel Approach for Food Image Composition via Diffusion "
    "Models",
    "arxiv:2409.08598": "Knowledge-Enhanced Facial Expression Recognition with "
    "Emotional-to-Neutral Transformation",
}


@pytest.mark.parametrize("page_first", [False, True])
def test_a_feed_record_and_the_page_block_with_its_abstract_are_one_work(
    store: Store, seeds: Path, page_first: bool
) -> None:
    files = sorted(seeds.iterdir())
    pipeline.ingest_paths(store, files[::-1] if page_first else files)
    author_id, _ = profile.resolve_author(store, "Nannan Wang")
    her_works = store.author_work_ids(author_id)
    for arxiv_id, title in FEED_COPIES.items():
        work_id = store.find_work_keys([arxiv_id])[arxiv_id]
        (view,) = work_views.load_work_views(store, [work_id])
        assert (view["title"], view["sources"]) == (title, ["profile_page", "arxiv_feed"])
        assert work_id in her_works
    assert store.counts()["work"] == 127


def _shared_between_pages(store: Store) -> int:
    """Works listed on both profile pages are one work."""
    rows = store.query(
        "SELECT COUNT(*) FROM (SELECT work_id FROM work_record WHERE source = 'profile_page' "
        "GROUP BY work_id HAVING COUNT(*) > 1) AS shared"
    )
    return int(rows[0][0])


def test_shiming_ge_profile_lists_every_page_block_and_the_stated_figures(
    store: Store, seeds: Path
) -> None:
    pipeline.ingest_paths(store, [seeds])
    author_id, _ = profile.resolve_author(store, "Shiming Ge")
    result = profile.build_profile(store, author_id)
    assert result["name"] == "Shiming Ge"
    # the page shows 50 blocks: 45 with a full date, 5 dated "Jan 12"-style with no year
    assert len(result["works"]) == result["papers"] == 50
    assert sum(1 for w in result["works"] if w["year"]) == 45
    assert [w["date_text"] for w in result["works"] if not w["year"]] == [
        "Jan 12",
        "Jan 13",
        "Jan 13",
        "Jan 27",
        "Jan 13",
    ]
    assert result["field"] == "CV"
    assert result["stated"] == {
        "h_index": 15,
        "i10_index": None,
        "papers": 54,
        "citations": 1706,
        "novelty": 53,
        "ai_score": 57,
        "field": "CV",
        "source": "profile_page",
        "origin": "001_a12025aa8030061e.txt",
        "as_of": None,
    }
    # the page gives no per-paper citations: our citation metrics are unknown, not zero
    assert result["h_index"] is None and result["citations"] is None
    first = result["works"][0]
    assert first["title"] == "Selective-Supervised Contrastive Learning with Noisy Labels"
    assert first["date"] == "2022-03-08"
    assert (first["field"], first["code"], first["et_al"]) == ("CV", True, True)
    assert first["authors"] == ["Shikun Li", "Xiaobo Xia", "Shiming Ge"]
    last = result["works"][-1]
    assert (
        last["title"]
        == "Predicting Aesthetic Score Distribution through Cumulative Jensen-Shannon Divergence"
    )


def test_same_arxiv_work_from_feed_and_snapshot_is_one_work(store: Store, tmp_path: Path) -> None:
    line = {
        "id": "2409.19252",
        "authors": "Xiaobo Xia, Shiming Ge",
        "title": "Beyond Euclidean: Dual-Space Representation Learning for Weakly Supervised "
        "Video Violence Detection",
        "abstract": "While numerous Video Violence Detection methods ...",
        "categories": "cs.CV",
        "versions": [],
        "update_date": "2024-09-28",
    }
    snapshot = tmp_path / "snap.jsonl"
    snapshot.write_text(json.dumps(line) + "\n")
    feed = Path(__file__).resolve().parents[1] / "examples" / "000_6198259b7f70df20.txt"
    pipeline.ingest_paths(store, [feed])
    (report,) = pipeline.ingest_paths(store, [snapshot])
    assert (report.new, report.merged) == (0, 1)
    work_id = store.find_work_keys(["arxiv:2409.19252"])["arxiv:2409.19252"]
    (view,) = work_views.load_work_views(store, [work_id])
    assert view["sources"] == ["arxiv_snapshot", "arxiv_feed"]
    assert view["comments"] == "Accepted by NeurIPS 2024"  # only the feed has it
    assert view["field"] == "CV"  # only the snapshot has it


def test_a_doi_that_joins_two_works_merges_them(store: Store, tmp_path: Path) -> None:
    a = tmp_path / "a.jsonl"
    a.write_text(
        json.dumps(
            {
                "id": "2501.00001",
                "title": "A title long enough to key on",
                "abstract": "x",
                "categories": "cs.LG",
                "authors": "A. Author",
                "update_date": "2025-01-01",
            }
        )
        + "\n"
    )
    work = {
        "id": "https://openalex.org/W1",
        "doi": "https://doi.org/10.1/xyz",
        "title": "Another, different title here",
        "publication_year": 2025,
        "authorships": [],
        "cited_by_count": 7,
        "counts_by_year": [],
    }
    b = tmp_path / "b.json"
    b.write_text(json.dumps(work))
    pipeline.ingest_paths(store, [a, b])
    assert store.counts()["work"] == 2
    # a third record says the arXiv paper and the DOI are the same work
    c = tmp_path / "c.json"
    c.write_text(
        json.dumps(
            {
                **work,
                "id": "https://openalex.org/W2",
                "locations": [{"landing_page_url": "https://arxiv.org/abs/2501.00001"}],
            }
        )
    )
    (report,) = pipeline.ingest_paths(store, [c])
    assert store.counts()["work"] == 1
    assert report.merged == 1


def test_interrupted_batch_leaves_the_database_as_it_was(store: Store, shared_data: Path) -> None:
    pipeline.ingest_paths(store, [shared_data / SNAPSHOT])
    before = store.counts()

    def interrupted():
        for n, item in enumerate(
            load_path(shared_data / "arxiv-kaggle" / "snapshot-0704.0001-0704.2000.jsonl")
        ):
            if n == 1500:
                raise KeyboardInterrupt
            yield item

    with pytest.raises(KeyboardInterrupt):
        pipeline.ingest_items(store, interrupted(), pipeline.FileReport("x"), batch_size=5000)
    assert store.counts() == before


# -- bad input: a clear message, the good records still load, nothing stored is lost ---


def _ingest(store: Store, path: Path) -> pipeline.FileReport:
    (report,) = pipeline.ingest_paths(store, [path])
    return report


def test_truncated_gzip_keeps_the_records_before_the_break(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    whole = gzip.compress((shared_data / SNAPSHOT).read_bytes())
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(whole[: len(whole) // 2])
    report = _ingest(store, broken)
    assert report.rejected == 1
    assert "truncated or corrupt" in report.messages[-1]
    assert str(broken) in report.messages[-1]
    assert 50 < report.new < 200
    assert store.counts()["work"] == report.new


def test_invalid_json_line_in_the_middle(store: Store, shared_data: Path, tmp_path: Path) -> None:
    lines = (shared_data / SNAPSHOT).read_text().splitlines()
    lines[99] = lines[99][:40]  # cut a record in half
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = _ingest(store, path)
    assert (report.read, report.rejected) == (199, 1)
    assert report.messages[0].startswith(f"{path}:100:")


def test_record_missing_its_id(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "noid.jsonl"
    good = {
        "id": "2501.00002",
        "title": "Fine",
        "abstract": "x",
        "categories": "cs.CV",
        "authors": "A. B",
        "update_date": "2025-01-02",
    }
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": ""}) + "\n")
    report = _ingest(store, path)
    assert (report.new, report.rejected) == (1, 1)
    assert f"{path}:2" in report.messages[0]


def test_atom_error_entry_is_rejected_with_the_api_message(store: Store, shared_data: Path) -> None:
    path = shared_data / "arxiv-api" / "atom_xml" / "id_abc_s0_m100_b79c8dcf6bc3.xml"
    report = _ingest(store, path)
    assert report.rejected == 1 and report.read == 0
    assert "incorrect id format" in report.messages[0]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
        (b"name,year\nfoo,2020\n", "not in any known format"),
    ],
)
def test_unreadable_files_are_rejected_and_stored_data_survives(
    store: Store, seeds: Path, tmp_path: Path, content: bytes, reason: str
) -> None:
    pipeline.ingest_paths(store, [seeds / "000_6198259b7f70df20.txt"])
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    report = _ingest(store, path)
    assert report.rejected == 1
    assert report.messages == [f"{path}: {report.messages[0].split(': ', 1)[1]}"]
    assert reason in report.messages[0]
    assert store.counts()["work"] == 10


def test_latin1_bytes_are_read_and_reported(store: Store, seeds: Path, tmp_path: Path) -> None:
    text = (seeds / "000_6198259b7f70df20.txt").read_text()
    text = text.replace("Euclidean space", "Euclidean espa\u00f1ol space", 1)
    path = tmp_path / "latin1.txt"
    path.write_bytes(text.encode("latin-1", errors="replace"))
    report = _ingest(store, path)
    assert (report.new, report.repaired, report.rejected) == (10, 1, 0)
    assert report.messages == []  # a repair is a warning, listed apart
    assert report.repairs == [
        f"{path}:1: not valid UTF-8 (byte 0xf1 at column "
        f"{text.splitlines()[0].index(chr(0xF1)) + 1}); read as Latin-1"
    ]
    work_id = store.find_work_keys(["arxiv:2409.19252"])["arxiv:2409.19252"]
    (view,) = work_views.load_work_views(store, [work_id])
    assert "Euclidean espa\u00f1ol space" in view["abstract"]


def test_title_key_needs_title_and_year() -> None:
    work = Work(ids=(), source="s", origin="o", title="Short", year=2020)
    assert pipeline.title_key(work) is None


def test_a_merge_inside_one_batch_moves_the_batch_records_too(store: Store) -> None:
    def work(ids: tuple[str, ...], source: str, author: str) -> Work:
        return Work(
            ids=ids,
            source=source,
            origin="batch.jsonl",
            title=f"A paper known to {source} under {ids[0]}",
            year=2025,
            authors=(Authorship(Author(author), 1),),
        )

    items = [
        work(("arxiv:2501.00001",), "arxiv_snapshot", "Ada Lovelace"),
        work(("openalex:W1", "doi:10.1/xyz"), "openalex", "Ada Lovelace"),
        work(("s2:abc", "doi:10.1/xyz", "arxiv:2501.00001"), "semantic_scholar", "Ada Lovelace"),
    ]
    report = pipeline.ingest_items(store, items, pipeline.FileReport("batch.jsonl"))
    assert (report.new, report.merged) == (2, 1)
    counts = store.counts()
    assert (counts["work"], counts["work_record"], counts["authorship"]) == (1, 3, 3)


TURING_PAPER = "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad"  # Computing Machinery and …


def _stored_record(store: Store, source: str, record_key: str) -> Work:
    from scholarscope.store.codec import work_from_json

    ((origin, text),) = store.query(
        "SELECT origin, record FROM work_record WHERE source = ? AND record_key = ?",
        (source, record_key),
    )
    return work_from_json(text, origin)


@pytest.mark.parametrize("null_copy_first", [False, True])
def test_a_null_filled_record_never_erases_what_its_source_said(
    store: Store, shared_data: Path, null_copy_first: bool
) -> None:
    folder = shared_data / "semantic-scholar"
    files = [folder / "Paper.json", folder / "PaperWithNullValues.json"]
    reports = pipeline.ingest_paths(store, files[::-1] if null_copy_first else files)
    work = _stored_record(store, "semantic_scholar", TURING_PAPER)
    assert work.title == "Computing Machinery and Intelligence"
    assert (work.date, work.year) == ("1950-10-01", 1950)
    assert work.venue == "The Philosophy of Artificial Intelligence"
    assert work.citations[0].count == 10059
    null_report = reports[0 if null_copy_first else 1]
    # stored after the full record, the null copy changes nothing
    assert (null_report.read, null_report.unchanged) == (1, 0 if null_copy_first else 1)


def test_a_later_record_of_a_source_updates_the_fields_it_states(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    pipeline.ingest_paths(store, [shared_data / "semantic-scholar" / "Paper.json"])
    later = tmp_path / "later.json"
    later.write_text(
        json.dumps(
            {"paperId": TURING_PAPER[3:], "title": "Computing Machinery and Intelligence (1950)",
             "venue": None, "year": None, "abstract": None, "citationCount": 8000}
        )
    )  # fmt: skip
    (report,) = pipeline.ingest_paths(store, [later])
    assert (report.read, report.merged, report.unchanged) == (1, 1, 0)
    work = _stored_record(store, "semantic_scholar", TURING_PAPER)
    assert work.title == "Computing Machinery and Intelligence (1950)"
    assert (work.year, work.venue) == (1950, "The Philosophy of Artificial Intelligence")
    assert work.abstract and work.abstract.startswith("I propose to consider the question")
    assert [c.count for c in work.citations] == [8000]


def test_a_changed_record_keeps_its_place_in_the_file(
    store: Store, seeds: Path, tmp_path: Path
) -> None:
    # a profile page lists works in its own order, kept as each record's place in the
    # file; re-ingesting the page with one abstract edited must not move that work
    page = seeds / "001_a12025aa8030061e.txt"
    edited = tmp_path / page.name
    edited.write_text(
        page.read_text().replace(
            "Why should we trust the detections", "Why should one trust the detections", 1
        )
    )
    pipeline.ingest_paths(store, [page])
    author_id, _ = profile.resolve_author(store, "Shiming Ge")
    before = [w["title"] for w in profile.build_profile(store, author_id)["works"]]
    (report,) = pipeline.ingest_paths(store, [edited])
    assert (report.merged, report.unchanged) == (1, 49)
    after = [w["title"] for w in profile.build_profile(store, author_id)["works"]]
    assert after == before
    ((seq,),) = store.query(
        "SELECT seq FROM work_record WHERE record LIKE '%Why should one trust the detections%'"
    )
    assert before[seq - 1] == "Interpretable Face Manipulation Detection via Feature Whitening"


def test_the_same_record_twice_in_a_file_is_stored_the_same_every_run(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    first, second = (
        json.loads(line) for line in (shared_data / SNAPSHOT).read_text().splitlines()[:2]
    )
    second["id"] = first["id"]  # one id twice, with two titles
    path = tmp_path / "twice.jsonl"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    later_title = [item for item in load_path(path) if isinstance(item, Work)][1].title
    titles = []
    for _ in range(3):
        pipeline.ingest_paths(store, [path])
        titles.append(_stored_record(store, "arxiv_snapshot", "arxiv:0704.0001").title)
    assert titles == [later_title] * 3  # the later copy, every run (it flipped each run)


def test_a_later_record_with_a_year_only_keeps_the_known_date(store: Store, tmp_path: Path) -> None:
    paper = {"paperId": "p1", "title": "A paper whose date one copy leaves out",
             "publicationDate": "2020-05-17", "year": 2020}  # fmt: skip
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "p.json").write_text(json.dumps(paper))
    (tmp_path / "b" / "p.json").write_text(json.dumps({**paper, "publicationDate": None}))
    pipeline.ingest_paths(store, [tmp_path / "a", tmp_path / "b"])
    work = _stored_record(store, "semantic_scholar", "s2:p1")
    assert (work.date, work.year) == ("2020-05-17", 2020)


def test_a_record_of_another_paper_under_the_same_key_replaces_the_stored_one(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    # OpenAlex once served one W id with another paper's DOI, title and abstract
    work = json.loads(
        (shared_data / "openalex-fixtures/openalex-python/W2741809807.json").read_text()
    )
    other = {**work, "doi": "https://doi.org/10.1103/physrevlett.118.221101",
             "title": "GW170104", "display_name": "GW170104",
             "abstract_inverted_index": None}  # fmt: skip
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "w.json").write_text(json.dumps(work))
    (tmp_path / "b" / "w.json").write_text(json.dumps(other))
    pipeline.ingest_paths(store, [tmp_path / "a", tmp_path / "b"])
    stored = _stored_record(store, "openalex", "openalex:W2741809807")
    assert (stored.title, stored.abstract) == ("GW170104", None)
    assert stored.doi == "10.1103/physrevlett.118.221101"
