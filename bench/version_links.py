"""Versions of one paper: the links each rule of ``versions.py`` makes on real data,
a seeded sample of them for hand-checking, and the precision the committed verdicts
(``bench/version_links_verdicts.tsv``, one line per judged link) give.

Data, ingested as ``scholarscope ingest`` does (the version stage runs in ingest):

- **OpenAlex / Semantic Scholar**: ``../shared/data/openalex-authors`` split in two
  halves by file: the files with an even index in name order are the *training* half,
  the odd ones the *test* half, with ``semantic-scholar`` and ``openalex-fixtures``.
  Each half is its own database.
- **arXiv**: the 60,419 records of ``../shared/data/arxiv-cs`` in one database (a link
  joins two submissions months apart, so the file is not cut); a link or candidate
  belongs to the *training* half when its later work is dated up to 2025-09, else to
  the *test* half.

The thresholds (``MAX_YEAR_GAP`` 3, ``NEAR_ABSTRACT`` 0.9, ``SIMILAR_TITLE`` 0.5, half
of the shorter author list shared, more evidence for two preprints on one server) were
set on the training half: its links and its unlinked candidates (arXiv's two papers
under one "… InSAR Ground Deformation in Eastern Ireland" title, the VAPO pair, the
pairs of different papers with one abstract), and ``--sweep``. The test half was then
judged once, link by link. Caveat: the issue's own search (works whose nearest earlier
work is ≥ 0.999 similar) ran over all the OpenAlex/S2 data before the halves were
drawn, so some test-half pairs had been seen. Every candidate pair (two works with one
folded title in any year, or one folded abstract) is compared again here; the links must
be those the ingest stored.

    python bench/version_links.py [--sample 40] [--seed 16] [--sweep]
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from scholarscope import versions, work_views
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.versions import version_candidates
from scholarscope.records import fold_text
from scholarscope.store import Store, open_store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ARXIV = DATA / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
VERDICTS = Path(__file__).resolve().parent / "version_links_verdicts.tsv"
LAST_TRAINING_MONTH = "2025-09"
SHOWN_UNLINKED = 12  # unlinked candidate pairs listed per dataset
Verdicts = dict[tuple[str, str, str], tuple[str, str]]


@dataclass(frozen=True)
class Found:
    """One stored link, named by the two works' shown ids (stable across runs)."""

    dataset: str
    half: str
    ids: tuple[str, str]
    rule: str
    confidence: float
    evidence: str
    described: tuple[str, str]


@dataclass
class Dataset:
    name: str
    label: str
    store: Store
    seconds: float
    half: str | None  # None: by the month of the later work (arXiv)


def build(folder: Path, name: str, paths: list[Path]) -> tuple[Store, float]:
    store = open_store(str(folder / f"{name}.db"))
    start = time.perf_counter()
    ingest_paths(store, paths)
    return store, time.perf_counter() - start


def half_of(dataset: Dataset, dates: list[str]) -> str:
    if dataset.half:
        return dataset.half
    return "training" if max(dates)[:7] <= LAST_TRAINING_MONTH else "test"


def candidate_pairs(store: Store) -> set[tuple[int, int]]:
    """Every two works with one folded title (any year) or one folded abstract."""
    by_key: dict[str, set[int]] = {}
    for key, work_id in store.query("SELECT key, work_id FROM work_key WHERE key LIKE 'title:%'"):
        by_key.setdefault(key[: key.rindex("|")], set()).add(int(work_id))
    for work_id, title in store.query("SELECT work_id, title FROM work_facet"):
        if title:
            by_key.setdefault("title:" + fold_text(title), set()).add(int(work_id))
    # an abstract key leads to the first work stored with it only: read the texts
    for work_id, abstract in store.query("SELECT work_id, abstract FROM work_facet"):
        folded = fold_text(abstract or "")
        if len(folded) >= versions.MIN_ABSTRACT_CHARS:
            by_key.setdefault("abstract:" + folded, set()).add(int(work_id))
    return {pair for works in by_key.values() for pair in combinations(sorted(works), 2)}


def compared(store: Store, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str | None]:
    """The rule each candidate pair is linked by now (None: not linked)."""
    candidates = version_candidates(store, sorted({w for pair in pairs for w in pair}))
    result = {}
    for a, b in sorted(pairs):
        link = versions.compare(candidates[a], candidates[b])
        result[(a, b)] = link.rule if link else None
    return result


def describe(facet: dict[str, object]) -> str:
    title = str(facet.get("title") or "")[:90]
    return f"{facet.get('year')} · {facet.get('venue') or '-'} · {title}"


def stored_links(dataset: Dataset) -> list[Found]:
    store = dataset.store
    rows = store.version_link_rows()
    linked = sorted({w for row in rows for w in row[:2]})
    ids = work_views.canonical_ids(store, linked)
    facets = store.work_facets(linked)
    found = []
    for a, b, rule, confidence, evidence in rows:
        x, y = sorted((a, b), key=lambda w: ids[w])
        dates = [(facets.get(w) or {}).get("date") or "" for w in (a, b)]
        described = (describe(facets.get(x) or {}), describe(facets.get(y) or {}))
        found.append(
            Found(dataset.name, half_of(dataset, dates), (ids[x], ids[y]), rule, confidence,
                  evidence, described)
        )  # fmt: skip
    return found


def report(dataset: Dataset, found: list[Found]) -> None:
    """Counts by half and rule, and the candidate pairs left unlinked, for a look."""
    store = dataset.store
    pairs = candidate_pairs(store)
    linked = {pair for pair, rule in compared(store, pairs).items() if rule}
    stored = {(a, b) for a, b, *_ in store.version_link_rows()}
    print(f"\n## {dataset.label}: {store.counts()['work']:,} works, "
          f"ingested in {dataset.seconds:.1f} s")  # fmt: skip
    missing = "" if linked <= stored else f"; NOT STORED: {sorted(linked - stored)}"
    print(f"candidate pairs (one folded title in any year, or one abstract): "
          f"{len(pairs):,}; linked {len(linked)}; stored links {len(stored)}{missing}")  # fmt: skip
    for part in ("training", "test"):
        counts = Counter(f.rule for f in found if f.half == part)
        rules = ", ".join(f"{rule}: {n}" for rule, n in sorted(counts.items()))
        print(f"  {part:8}: {sum(counts.values()):3} links  {rules}")
    unlinked = sorted(pair for pair in pairs if pair not in linked)
    ids = work_views.canonical_ids(store, sorted({w for pair in unlinked for w in pair}))
    facets = store.work_facets(sorted(ids))
    for a, b in unlinked[:SHOWN_UNLINKED]:
        dates = [(facets.get(w) or {}).get("date") or "" for w in (a, b)]
        print(f"  not linked ({half_of(dataset, dates)}): {ids[a]} ~ {ids[b]}")
        for w in (a, b):
            print(f"      {describe(facets.get(w) or {})}")
    if len(unlinked) > SHOWN_UNLINKED:
        print(f"  … and {len(unlinked) - SHOWN_UNLINKED} more candidate pairs not linked")


def sweep(store: Store, name: str) -> None:
    """How the links of a training half move with the thresholds."""
    pairs = candidate_pairs(store)
    saved = (versions.MAX_YEAR_GAP, versions.NEAR_ABSTRACT)
    print(f"  {name}: links by (MAX_YEAR_GAP, NEAR_ABSTRACT)")
    for gap in (1, 2, 3, 5, 10):
        counts = []
        for near in (0.8, 0.9, 0.95):
            versions.MAX_YEAR_GAP, versions.NEAR_ABSTRACT = gap, near
            counts.append(sum(rule is not None for rule in compared(store, pairs).values()))
        cells = zip(counts, (0.8, 0.9, 0.95), strict=True)
        print(f"    gap {gap:2}: " + ", ".join(f"{n} at {near}" for n, near in cells))
    versions.MAX_YEAR_GAP, versions.NEAR_ABSTRACT = saved


def read_verdicts() -> Verdicts:
    """(dataset, id, id) -> (same paper: yes / no, note)."""
    if not VERDICTS.exists():
        return {}
    with VERDICTS.open() as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return {(r["dataset"], r["work_a"], r["work_b"]): (r["same_paper"], r["note"])
                for r in rows}  # fmt: skip


def show(n: int, f: Found, verdicts: Verdicts) -> None:
    verdict, note = verdicts.get((f.dataset, *f.ids), ("?", "not judged yet"))
    print(f"{n:2}. [{f.dataset}] {f.ids[0]} ~ {f.ids[1]}: {f.rule} ({f.confidence})")
    print(f"      {f.described[0]}\n      {f.described[1]}")
    print(f"      evidence: {f.evidence}\n      same paper: {verdict} — {note}")


def precision(label: str, links: list[Found], verdicts: Verdicts) -> str:
    """``precision, label: yes/judged = p`` over the links that have a verdict."""
    judged = [verdicts[key][0] for f in links if (key := (f.dataset, *f.ids)) in verdicts]
    yes = judged.count("yes")
    line = f"precision, {label}: {yes}/{len(judged)} judged links are one paper"
    if judged:
        line += f" = {yes / len(judged):.3f}"
    if len(judged) < len(links):
        line += f" ({len(links) - len(judged)} not judged)"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=40, help="test-half links shown")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--sweep", action="store_true", help="thresholds on the training half")
    args = parser.parse_args()
    authors = sorted((DATA / "openalex-authors").glob("*.json"))
    halves = {
        "oa-training": authors[0::2],
        "oa-test": [*authors[1::2], DATA / "semantic-scholar", DATA / "openalex-fixtures"],
        "arxiv": [ARXIV],
    }
    labels = {
        "oa-training": ("openalex-s2", "OpenAlex/S2, training half (even files)", "training"),
        "oa-test": ("openalex-s2", "OpenAlex/S2, test half (odd files, S2, fixtures)", "test"),
        "arxiv": ("arxiv", f"arXiv {ARXIV.name}", None),
    }
    with tempfile.TemporaryDirectory() as folder:
        datasets = []
        for key, paths in halves.items():
            store, seconds = build(Path(folder), key, paths)
            name, label, half = labels[key]
            datasets.append(Dataset(name, label, store, seconds, half))
        found = [f for dataset in datasets for f in stored_links(dataset)]
        for dataset in datasets:
            report(dataset, [f for f in found if f.dataset == dataset.name
                             and (dataset.half is None or f.half == dataset.half)])  # fmt: skip
        if args.sweep:
            print("\n## threshold sweep (training half)")
            sweep(datasets[0].store, "OpenAlex/S2 training")
        verdicts = read_verdicts()
        training = sorted((f for f in found if f.half == "training"),
                          key=lambda f: (f.dataset, f.ids))  # fmt: skip
        print(f"\n## the {len(training)} training-half links, judged while setting the rules")
        for n, f in enumerate(training, 1):
            show(n, f, verdicts)
        test = [f for f in found if f.half == "test"]
        sample = sorted(random.Random(args.seed).sample(test, min(args.sample, len(test))),
                        key=lambda f: (f.dataset, f.ids))  # fmt: skip
        print(f"\n## sample: {len(sample)} of the {len(test)} test-half links (seed {args.seed})")
        for n, f in enumerate(sample, 1):
            show(n, f, verdicts)
        print()
        print(precision("training half, all", training, verdicts))
        print(precision("test-half sample", sample, verdicts))
        for dataset in datasets:
            dataset.store.close()


if __name__ == "__main__":
    main()
