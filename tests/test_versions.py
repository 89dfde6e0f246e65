"""Versions of one paper (``versions.py``, ``pipeline/versions.py``): linked, not merged;
never each other's novelty evidence; counted once in an author's figures.

On the real data: the OpenAlex / Semantic Scholar files of ``../shared/data`` hold
journal articles whose SSRN (Research Square, Preprints.org …) preprints are stored
too; the arXiv file holds resubmissions of one title under two ids, some of them other
papers. Hand-written candidates only for edge cases the files lack."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from scholarscope import pipeline, profile, work_views
from scholarscope.embed import Encoder, load_encoder
from scholarscope.pipeline.score import score_store
from scholarscope.pipeline.versions import link_versions
from scholarscope.score import novelty as nov
from scholarscope.store import Store, open_store
from scholarscope.versions import (
    RULE_PREPRINT,
    RULE_TITLE,
    RULE_TITLE_ABSTRACT,
    RULE_UNTITLED,
    VersionCandidate,
    compare,
    count_versions_once,
    primary_version,
    version_groups,
)
from scholarscope.web import App
from web_client import ask

# Bello et al., "Depositional and diagenetic controls on the reservoir quality of
# marginal marine sandstones …" (Marine and Petroleum Geology, 2024) and its SSRN copy.
JOURNAL = "doi:10.1016/j.marpetgeo.2024.107147"
PREPRINT = "doi:10.2139/ssrn.4929753"
BELLO = "openalex-authors/A5014657720.json"  # Abdulwahab Muhammad Bello: holds both
ARXIV = "arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz"


def work_id(store: Store, key: str) -> int:
    return store.find_work_keys([key])[key]


@pytest.fixture(scope="module")
def oa_store(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Store:
    store = open_store(str(tmp_path_factory.mktemp("versions") / "oa.db"))
    folders = ("openalex-authors", "semantic-scholar", "openalex-fixtures")
    pipeline.ingest_paths(store, [shared_data / folder for folder in folders])
    return store


def test_openalex_and_s2_versions_are_linked_by_rule(oa_store: Store) -> None:
    links = oa_store.version_link_rows()
    rules: dict[str, int] = {}
    for _, _, rule, _, _ in links:
        rules[rule] = rules.get(rule, 0) + 1
    assert rules == {RULE_PREPRINT: 19, RULE_TITLE: 10, RULE_TITLE_ABSTRACT: 1}
    journal, preprint = work_id(oa_store, JOURNAL), work_id(oa_store, PREPRINT)
    assert journal != preprint  # linked, never merged: each keeps its ids and venue
    ((_, _, rule, confidence, evidence),) = [x for x in links if {*x[:2]} == {journal, preprint}]
    assert (rule, confidence) == (RULE_PREPRINT, 0.95)
    assert evidence == (
        "the same title; year 2024; 6 of 6 surnames shared (algheryafi, alotaibi, amao, "
        f"bello …); an abstract missing; {PREPRINT} is on ssrn"
    )
    # one version group, whose primary is the journal article
    groups = oa_store.version_groups_of([journal, preprint])
    assert groups == {journal: journal, preprint: journal}
    # documents about a paper and generic titles are never linked, however alike: the
    # two review rounds' "Author response for …" (same title, authors and boilerplate
    # abstract), and Geobios's "Analyses bibliographiques" of 1975 and 1985
    grouped = oa_store.version_group_map()
    never = ("doi:10.1002/gj.4057/v2/response1", "doi:10.1002/gj.4057/v3/response1",
             "doi:10.1016/s0016-6995(85)80189-3", "doi:10.1016/s0016-6995(75)80042-8")  # fmt: skip
    assert [work_id(oa_store, key) in grouped for key in never] == [False] * 4


def test_the_work_json_lists_the_other_versions(oa_store: Store) -> None:
    journal, preprint = work_id(oa_store, JOURNAL), work_id(oa_store, PREPRINT)
    view, copy = work_views.load_work_views(oa_store, [journal, preprint])
    (entry,) = view["versions"]
    assert {k: entry[k] for k in ("id", "work_id", "year", "venue", "rule", "confidence")} == {
        "id": PREPRINT,
        "work_id": preprint,
        "year": 2024,
        "venue": "SSRN Electronic Journal",
        "rule": RULE_PREPRINT,
        "confidence": 0.95,
    }
    assert entry["title"].startswith("Depositional and Diagenetic Controls")
    assert (entry["primary"], entry["through"], entry["sources"]) == (False, None, ["openalex"])
    assert [(v["id"], v["primary"]) for v in copy["versions"]] == [(JOURNAL, True)]
    # the web page and its JSON twin say the same
    app = App(oa_store.query("PRAGMA database_list")[0][2])
    page = ask(app, f"/works/{JOURNAL}.json")
    assert page.status == 200
    assert [v["id"] for v in json.loads(page.body)["versions"]] == [PREPRINT]
    html = ask(app, f"/works/{JOURNAL}").body.decode()
    assert "Also appears as" in html and 'href="/works/doi:10.2139%2Fssrn.4929753"' in html


def test_a_version_group_counts_once_in_the_profile(oa_store: Store) -> None:
    author_id, _ = profile.resolve_author(oa_store, "openalex:A5014657720")
    result = profile.build_profile(oa_store, author_id)
    ids = [w["id"] for w in result["works"]]
    assert JOURNAL in ids and PREPRINT not in ids  # the journal article stands for both
    assert (result["papers"], result["versions_counted_once"], result["h_index"]) == (61, 2, 13)
    (papers,) = [r for r in result["reconciliation"] if r["figure"] == "papers"]
    assert (papers["ours"], papers["stated"], papers["reasons"]) == (61, 63, [
        "2 works stored here are versions of another of the author's papers (a preprint, "
        "a second DOI), counted once"])  # fmt: skip
    # the version with the highest figure gives the paper's: the journal article's 12
    (shown,) = [w for w in result["works"] if w["id"] == JOURNAL]
    assert (shown["citations"], shown.get("citations_version")) == (12, None)


def test_the_highest_citation_figure_of_a_group_is_used() -> None:
    preprint_cited = [
        {"work_id": 22, "citations": 3, "citations_source": "openalex",
         "citations_by_source": {"openalex": {"count": 3}}},
        {"work_id": 63, "citations": 40, "citations_source": "semantic_scholar",
         "citations_by_source": {"semantic_scholar": {"count": 40}}},
        {"work_id": 90, "citations": None, "citations_source": None, "citations_by_source": {}},
    ]  # fmt: skip
    counted, folded = count_versions_once(preprint_cited, {22: 22, 63: 22})
    assert folded == 1
    assert [(w["work_id"], w["citations"], w["citations_source"]) for w in counted] == [
        (22, 40, "semantic_scholar"), (90, None, None)]  # fmt: skip
    assert counted[0]["citations_version"] == 63
    # the author is on the preprint only: it stands for the paper
    counted, folded = count_versions_once(preprint_cited[1:], {22: 22, 63: 22})
    assert ([w["work_id"] for w in counted], folded) == ([63, 90], 0)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


def test_novelty_never_uses_a_works_own_version(
    tmp_path: Path, shared_data: Path, encoder: Encoder
) -> None:
    store = open_store(str(tmp_path / "bello.db"))
    pipeline.ingest_paths(store, [shared_data / BELLO])
    journal, preprint = work_id(store, JOURNAL), work_id(store, PREPRINT)
    report = score_store(store, encoder, min_earlier=10)
    assert (report.works, report.novelty_computed) == (63, 63)
    row = store.novelty([journal])[journal]
    neighbours = json.loads(row["neighbours"])
    assert preprint not in [n for n, _ in neighbours]
    # yet the SSRN copy, dated 2024-01-01 before the article's 2024-10-10, is the work
    # most like it: the same title, embedded to the same vector
    vectors = dict(store.work_vectors(row["model"].split(" ")[0]))
    a, b = (np.frombuffer(vectors[w], np.float32) for w in (journal, preprint))
    assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.999
    assert neighbours[0][1] < 0.9
    assert row["novelty_raw"] == pytest.approx(1 - neighbours[0][1], abs=1e-6)


def test_a_link_found_after_scoring_renews_the_novelty_that_used_it(
    tmp_path: Path, shared_data: Path, encoder: Encoder
) -> None:
    """A database scored before its versions were linked (as one written before m009):
    the next score searches again the works whose evidence holds their own version."""
    store = open_store(str(tmp_path / "before.db"))
    pipeline.ingest_paths(store, [shared_data / BELLO])
    journal, preprint = work_id(store, JOURNAL), work_id(store, PREPRINT)
    with store.transaction():
        everyone = [int(r[0]) for r in store.query("SELECT work_id FROM work")]
        store.replace_version_links(everyone, [], "2026-01-01T00:00:00Z")
        store.replace_version_groups(everyone, [])
    score_store(store, encoder, min_earlier=10)
    before = json.loads(store.novelty([journal])[journal]["neighbours"])
    assert before[0][0] == preprint and before[0][1] > 0.999  # itself, as issue 16 found
    with store.transaction():
        links = link_versions(store, [(w, None, None) for w in (journal, preprint)])
    assert links == []  # no title key given: nothing to compare with
    with store.transaction():  # a title key leads to one of the two: each looks it up
        keys = store.work_keys([journal, preprint])
        (title,) = {k for w in (journal, preprint) for k in keys.get(w, []) if "|" in k}
        links = link_versions(store, [(journal, title, None), (preprint, title, None)])
    assert [(x.work_id, x.other_id, x.rule) for x in links] == [
        (journal, preprint, RULE_PREPRINT)]  # fmt: skip
    again = score_store(store, encoder, min_earlier=10)
    assert again.novelty_computed >= 1
    after = json.loads(store.novelty([journal])[journal]["neighbours"])
    assert preprint not in [n for n, _ in after] and after[0][1] < 0.9


def test_ingest_order_gives_the_same_links(tmp_path: Path, shared_data: Path) -> None:
    """Links are found for the works each batch touches: file by file in reverse order,
    the same versions are linked as in one run."""

    def linked(store: Store) -> set[tuple[str, str, str]]:
        rows = store.version_link_rows()
        ids = work_views.canonical_ids(store, [w for row in rows for w in row[:2]])
        return {(*sorted((ids[a], ids[b])), rule) for a, b, rule, _, _ in rows}

    files = sorted((shared_data / "openalex-authors").glob("*.json"))
    together = open_store(str(tmp_path / "together.db"))
    pipeline.ingest_paths(together, files)
    apart = open_store(str(tmp_path / "apart.db"))
    for path in reversed(files):
        pipeline.ingest_paths(apart, [path])
    assert len(linked(together)) == 24
    assert linked(apart) == linked(together)
    again = pipeline.ingest_paths(apart, files)  # unchanged records touch nothing
    assert sum(r.unchanged for r in again) == sum(r.read for r in again)
    assert linked(apart) == linked(together)


def arxiv_records(shared_data: Path, ids: set[str]) -> list[str]:
    lines = []
    with gzip.open(shared_data / ARXIV, "rt") as f:
        for line in f:
            if json.loads(line)["id"] in ids:
                lines.append(line)
    return lines


def test_arxiv_resubmissions_of_one_title_need_more_than_shared_authors(
    tmp_path: Path, shared_data: Path
) -> None:
    """arXiv holds one title under two ids by some of the same authors that are other
    papers (the two "… InSAR Ground Deformation in Eastern Ireland": a CNN-LSTM and a
    multi-modal transformer), and four pairs of different papers given one abstract."""
    pairs = {
        ("2509.21801", "2601.11002"): (RULE_TITLE, 0.98),  # abstracts 92% alike
        ("2506.06035", "2510.03122"): (RULE_TITLE, 0.95),  # the same four authors
        ("2505.17997", "2506.03038"): None,  # VAPO: 2 of 7 authors, abstracts rewritten
        ("2509.18176", "2509.25393"): None,  # InSAR: two papers under one title
        ("2508.02621", "2508.04915"): None,  # HealthFlow, ConfAgents: one abstract
        ("2510.09021", "2510.27094"): None,  # RefGrader, CombiGraph-Vis: one abstract
    }
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(arxiv_records(shared_data, {i for pair in pairs for i in pair})))
    store = open_store(str(tmp_path / "arxiv.db"))
    (report,) = pipeline.ingest_paths(store, [path])
    assert (report.read, report.new) == (12, 12)
    found = {
        tuple(sorted((ids[a][6:], ids[b][6:]))): (rule, confidence)
        for a, b, rule, confidence, _ in store.version_link_rows()
        for ids in [work_views.canonical_ids(store, [a, b])]
    }
    assert found == {pair: expected for pair, expected in pairs.items() if expected}


# -- the rules, pure --------------------------------------------------------------------


def candidate(
    work_id: int,
    title: str | None,
    year: int | None,
    surnames: str,
    *ids: str,
    abstract: str | None = None,
    venue: str | None = None,
) -> VersionCandidate:
    return VersionCandidate(
        work_id=work_id,
        titles=frozenset({title} if title else ()),
        year=year,
        surnames=frozenset(surnames.split()),
        ids=ids,
        abstract=abstract,
        venue=venue,
    )


ABSTRACT = (
    "current barriers hindering data driven discoveries in deep time earth include "
    "substantial volumes of data that are not digitized and many that are not shared "
) * 3
TITLE = "the deep time digital earth program data driven discovery in geosciences"


def test_generic_titles_are_never_linked_on_the_title_alone() -> None:
    editorial = candidate(1, "editorial", 2020, "stephenson", "doi:10.1/a")
    other = candidate(2, "editorial", 2021, "stephenson", "doi:10.1/b")
    assert compare(editorial, other) is None
    short = candidate(3, "deep learning", 2020, "wang", "doi:10.1/c")
    assert compare(short, candidate(4, "deep learning", 2020, "wang", "doi:10.1/d")) is None
    # with the same authors and near-identical abstracts, the same generic title links
    with_text = [candidate(5 + i, "preface", 2020, "wang li", f"doi:10.1/{i}", abstract=ABSTRACT)
                 for i in range(2)]  # fmt: skip
    link = compare(*with_text)
    assert link is not None and (link.rule, link.confidence) == (RULE_TITLE_ABSTRACT, 0.9)
    # "Reply to …", "Author response for …": documents about a paper, even if alike
    reply = [candidate(7 + i, "reply to comment on " + TITLE, 2021, "wang", f"doi:10.1/r{i}",
                       abstract=ABSTRACT) for i in range(2)]  # fmt: skip
    assert compare(*reply) is None


def test_title_rules_need_compatible_authors_and_close_years() -> None:
    journal = candidate(1, TITLE, 2021, "wang hazen cheng stephenson", "doi:10.1093/nsr/nwab027")
    abstract = candidate(2, TITLE, 2021, "wang schiffries hazen cheng", "doi:10.60692/7nen5")
    link = compare(journal, abstract)
    assert link is not None and (link.rule, link.confidence) == (RULE_TITLE, 0.9)
    strangers = candidate(3, TITLE, 2021, "smith jones", "doi:10.1/x")
    assert compare(journal, strangers) is None  # no surname shared
    one_shared = candidate(4, TITLE, 2021, "wang li zhang", "doi:10.1/y")
    assert compare(journal, one_shared) is None  # 1 of 3: fewer than half
    later = candidate(5, TITLE, 2025, "wang hazen cheng stephenson", "doi:10.1/z")
    assert compare(journal, later) is None  # four years apart
    ssrn = candidate(6, TITLE, 2020, "wang hazen cheng stephenson", "doi:10.2139/ssrn.1")
    link = compare(journal, ssrn)
    assert link is not None and (link.rule, link.confidence) == (RULE_PREPRINT, 0.95)


def test_a_record_without_authors_or_title_needs_the_same_abstract() -> None:
    named = candidate(1, TITLE, 2021, "wang hazen", "doi:10.1/a", abstract=ABSTRACT)
    unnamed = candidate(2, TITLE, 2021, "", "doi:10.1/b")
    assert compare(named, unnamed) is None  # no authors and no abstract to compare
    unnamed = candidate(2, TITLE, 2021, "", "doi:10.1/b", abstract=ABSTRACT)
    link = compare(named, unnamed)
    assert link is not None and link.rule == RULE_TITLE_ABSTRACT
    untitled = candidate(3, None, None, "", "arxiv:2102.00001", abstract=ABSTRACT)
    link = compare(named, untitled)
    assert link is not None and (link.rule, link.confidence) == (RULE_UNTITLED, 0.8)
    # the same abstract under another title is no version (the arXiv listing's mix-ups)
    retitled = candidate(4, "healthflow a self evolving ai agent", 2021, "wang hazen",
                         "doi:10.1/c", abstract=ABSTRACT)  # fmt: skip
    assert compare(named, retitled) is None


def test_the_primary_version_is_the_published_one_then_the_best_indexed() -> None:
    preprint = candidate(1, TITLE, 2020, "a", "doi:10.20944/preprints202009.0366.v1",
                         "mag:3123103367", "openalex:W3123103367")  # fmt: skip
    article = candidate(2, TITLE, 2020, "a", "doi:10.3390/en13215557", "openalex:W3085505323")
    chapter = candidate(3, TITLE, 2020, "a", "doi:10.1007/978-94", "mag:1", "openalex:W1")
    assert primary_version([preprint, article]) == 2  # published beats richer ids
    assert primary_version([preprint, article, chapter]) == 3  # then ids in more schemes
    arxiv = candidate(4, TITLE, 2023, "a", "arxiv:2305.02329", "doi:10.48550/arxiv.2305.02329")
    assert primary_version([arxiv, candidate(5, TITLE, 2024, "a", "doi:10.1090/bull/1826")]) == 5
    assert version_groups([(2, 3), (9, 4), (3, 1)]) == [[1, 2, 3], [4, 9]]


def test_exact_and_incremental_search_leave_out_a_works_versions() -> None:
    """The masked search gives what a brute-force search over the other groups gives,
    exactly, through the exact search, the approximate index and an added batch."""
    rng = np.random.default_rng(16)
    base = rng.normal(size=(40, 8)).astype(np.float32)
    vectors = np.vstack([base, base[:10] + 0.001])  # works 40-49: near-copies of 0-9
    days = np.array([f"2024-01-{1 + i % 28:02d}" for i in range(50)], dtype="datetime64[D]")
    days[40:] = days[:10] + 3
    groups = np.full(50, -1)
    groups[:10] = groups[40:] = np.arange(10)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = unit @ unit.T
    for method in ("exact", "usearch"):
        found = nov.earlier_neighbours(vectors, days, k=3, method=method, groups=groups)
        for i in range(50):
            allowed = [j for j in range(50) if days[j] < days[i]
                       and (groups[i] < 0 or groups[j] != groups[i])]  # fmt: skip
            best = sorted(allowed, key=lambda j: (-sims[i, j], days[j], j))[:3]
            assert set(found.index[i][found.index[i] >= 0]) == set(best), (method, i)
    # the copies added later, as a second batch: the same lists as all at once
    old = nov.earlier_neighbours(vectors[:40], days[:40], k=3, groups=groups[:40])
    update = nov.add_works(old, vectors[:40], days[:40], vectors[40:], days[40:],
                           groups[:40], groups[40:])  # fmt: skip
    combined = nov.apply_update(old, update)
    whole = nov.earlier_neighbours(vectors, days, k=3, groups=groups)
    assert np.array_equal(combined.index, whole.index)
    ungrouped = nov.earlier_neighbours(vectors, days, k=3)
    assert all(ungrouped.index[40 + i][0] == i for i in range(10) if days[i] < days[40 + i])
