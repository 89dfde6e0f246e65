"""Fields as keys in named taxonomies (issue 17), on the real files: OpenAlex authors read
their OpenAlex field, multi-category arXiv records keep a stated category, math.CV and
cs.CV stay apart, and a stated field of any taxonomy is never replaced by a prediction."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from scholarscope import profile
from scholarscope.enrich.fields import load_field_model
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.enrich import enrich_store
from scholarscope.store import Store, open_store
from scholarscope.taxonomy import field_label, in_cs_domain, resolve_field_code

KAGGLE = "arxiv-kaggle/snapshot-0704.0001-0704.2000.jsonl"


@pytest.fixture(scope="module")
def openalex(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Store:
    store = open_store(str(tmp_path_factory.mktemp("fields") / "openalex.db"))
    ingest_paths(store, [shared_data / "openalex-authors"])
    enrich_store(store, model=load_field_model())
    return store


@pytest.fixture(scope="module")
def kaggle(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Store:
    store = open_store(str(tmp_path_factory.mktemp("fields") / "kaggle.db"))
    ingest_paths(store, [shared_data / KAGGLE])
    enrich_store(store, model=load_field_model())
    return store


def test_every_openalex_author_reads_the_field_openalex_topics_give_most(
    openalex: Store, shared_data: Path
) -> None:
    checked = []
    for path in sorted((shared_data / "openalex-authors").iterdir()):
        raw = json.loads(path.read_text(encoding="utf-8"))
        fields = Counter(
            w["primary_topic"]["field"]["id"].rsplit("/", 1)[-1]
            for w in raw["works"]
            if (w.get("primary_topic") or {}).get("field")
        )
        author_id, _ = profile.resolve_author(openalex, raw["details"]["id"].replace(
            "https://openalex.org/", "openalex:"))  # fmt: skip
        p = profile.build_profile(openalex, author_id, evidence=False)
        top = max(fields.values())  # a tie (one author: 9 and 9) may go either way
        expected = {f"openalex:fields/{f}" for f, n in fields.items() if n == top}
        assert p["field_key"] in expected, (path.name, p["field_key"], fields.most_common(3))
        assert p["field_share"]["taxonomy"] == "OpenAlex fields"
        assert not p["field_key"].startswith("arxiv:")  # never a CS badge
        checked.append((p["field"], p["field_name"]))
    assert len(checked) == 20
    assert Counter(checked).most_common(2) == [
        (("Earth", "Earth and Planetary Sciences"), 13),
        (("Eng", "Engineering"), 7),
    ]


def test_a_geoscientists_works_carry_openalex_fields_never_a_predicted_cs_badge(
    openalex: Store,
) -> None:
    author_id, _ = profile.resolve_author(openalex, "openalex:A5039010638")
    p = profile.build_profile(openalex, author_id, evidence=False)
    assert (p["field_key"], p["field_name"], p["field_share"]) == (
        "openalex:fields/22",
        "Engineering",
        {"works": 31, "of": 49, "taxonomy": "OpenAlex fields"},
    )
    sources = Counter(w["field_source"] for w in p["works"])
    assert sources == {"stated (openalex)": 49}
    assert {w["field_key"] for w in p["works"]} <= {
        "openalex:fields/22", "openalex:fields/19", "openalex:fields/23", "openalex:fields/17"
    }  # fmt: skip


def test_no_math_or_physics_record_of_the_kaggle_snapshot_shows_a_cs_field(
    kaggle: Store, shared_data: Path
) -> None:
    stated = {}
    for line in (shared_data / KAGGLE).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        stated[f"arxiv:{record['id']}"] = record["categories"].split()
    keys = kaggle.find_work_keys(list(stated))
    facets = kaggle.work_facets(list(keys.values()))
    shown = {arxiv_id: facets[work_id]["field"] for arxiv_id, work_id in keys.items()}
    assert len(shown) == 2000
    # every record shows one of its own stated categories
    outside = [i for i, key in shown.items() if key[len("arxiv:") :] not in stated[i]]
    assert outside == []
    non_cs = [i for i, cats in stated.items() if not any(in_cs_domain(f"arxiv:{c}") for c in cats)]
    assert len(non_cs) == 1918
    assert [i for i in non_cs if in_cs_domain(shown[i])] == []
    # nor does one cross-listed to CS whose first category is another science's (the
    # classifier chooses among a record's CS categories only for a text of its domain)
    first_outside = [i for i, cats in stated.items() if not in_cs_domain(f"arxiv:{cats[0]}")]
    assert len(first_outside) == 1924
    assert [i for i in first_outside if in_cs_domain(shown[i])] == []
    pfaffians = "arxiv:0704.0028"  # math.CA math.PR: was "IT 0.82"
    assert (stated[pfaffians], shown[pfaffians]) == (["math.CA", "math.PR"], "arxiv:math.CA")


def test_math_cv_and_cs_cv_are_two_fields(kaggle: Store) -> None:
    known = [f for f, _ in kaggle.field_counts()]
    assert {"arxiv:math.CV", "arxiv:cs.CV"} <= set(known) or "arxiv:math.CV" in known
    assert field_label("arxiv:math.CV") == "math.CV — Complex Variables"
    both = resolve_field_code("CV", ["arxiv:cs.CV", "arxiv:math.CV"])
    assert both == ["arxiv:cs.CV", "arxiv:math.CV"]
