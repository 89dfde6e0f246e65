"""Code availability (``scholarscope.enrich.code_links``) measured on real data.

1. The two seed profile pages: our ``available`` against the page's own Code badge, as a
   confusion table, with every paper where the two disagree.
2. The three seed feeds: the decision for each of the 30 records.
3. The 60,419-record arXiv file (abstract + comments): the share of each state, and what
   the ``available`` decisions rest on.
4. The hand-checked sample in ``bench/code_sample.tsv`` (a seeded random draw of 100
   ``available`` and 50 ``promised`` decisions, with a verdict per row): precision, and
   any row whose decision has changed since it was checked. A verdict is ``ok`` when the
   full abstract and comments, read by a person, bear the decision out: for
   ``available``, the URL is spelled as the text gives it and is where the text says the
   work's code (or its repository) is; for ``promised``, the text promises code and gives
   no link to it. Otherwise ``wrong``, with a note; empty means not checked yet.

    python bench/code_badge_agreement.py
    python bench/code_badge_agreement.py --draw-sample new_sample.tsv   # verdicts empty
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from scholarscope.enrich.code_links import (
    AVAILABLE,
    NONE,
    PROMISED,
    CodeStatus,
    find_code,
    link_kind,
)
from scholarscope.ingest import arxiv_feed, profile_page
from scholarscope.records import ParseItem, Work

Parser = Callable[[Iterable[str], str], Iterator[ParseItem]]

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SEEDS = SHARED / "seeds"
ARXIV_CS = SHARED / "data" / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
SAMPLE = PROJECT / "bench" / "code_sample.tsv"
SAMPLE_SEED = 20260401
SAMPLE_SIZES = {AVAILABLE: 100, PROMISED: 50}
STATES = (AVAILABLE, PROMISED, NONE)
SAMPLE_COLUMNS = ("id", "state", "url", "verdict", "note", "evidence")


def load_works(pattern: str, parse: Parser) -> list[Work]:
    """Every ``Work`` the parser yields from the seed files matching ``pattern``."""
    works: list[Work] = []
    for path in sorted(SEEDS.glob(pattern)):
        with path.open(encoding="utf-8") as lines:
            items = parse(lines, path.name)
            works.extend(item for item in items if isinstance(item, Work))
    return works


def badge_confusion(works: list[Work]) -> Counter[tuple[bool, str]]:
    """``(page shows a Code badge, our state)`` -> number of papers."""
    return Counter((bool(work.code_badge), find_code(work.abstract).state) for work in works)


def report_pages() -> None:
    works = load_works("00[13]_*.txt", profile_page.parse)
    confusion = badge_confusion(works)
    print(f"## Seed profile pages: our state vs the page's Code badge ({len(works)} papers)\n")
    print(f"{'':>10} {'available':>10} {'promised':>10} {'none':>10}")
    for badge in (True, False):
        row = "".join(f"{confusion[badge, state]:>11}" for state in STATES)
        print(f"{'badge' if badge else 'no badge':>10}{row}")
    agree = confusion[True, AVAILABLE] + sum(confusion[False, s] for s in (PROMISED, NONE))
    print(f"\nagreement (available <=> badge): {agree}/{len(works)}\n")
    print("Page shows a badge, the text gives no link:")
    for work in works:
        status = find_code(work.abstract)
        if work.code_badge and status.state != AVAILABLE:
            print(f"  - {work.title}  [{status.state}] {status.evidence or '(no code sentence)'}")
    print("We say available, the page shows no badge:")
    for work in works:
        status = find_code(work.abstract)
        if not work.code_badge and status.state == AVAILABLE:
            print(f"  - {work.title}  {status.url}")
    print()


def report_feeds() -> None:
    works = load_works("00[024]_*.txt", arxiv_feed.parse)
    print(f"## Seed feeds ({len(works)} records)\n")
    for work in works:
        status = find_code(work.abstract, work.comments)
        detail = status.url if status.state == AVAILABLE else (status.evidence or "")
        print(f"  {work.ids[0]:<18} {status.state:<9} {detail}")
    print()


def decide_arxiv_cs() -> list[tuple[str, CodeStatus]]:
    """``(arxiv id, status)`` for every record of the arXiv file, in file order."""
    results = []
    with gzip.open(ARXIV_CS, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            results.append((record["id"], find_code(record["abstract"], record["comments"])))
    return results


def report_arxiv_cs(results: list[tuple[str, CodeStatus]]) -> None:
    total = len(results)
    counts = Counter(status.state for _, status in results)
    print(f"## arXiv cs file ({total:,} records, abstract + comments)\n")
    for state in STATES:
        print(f"  {state:<10} {counts[state]:>7,}  {counts[state] / total:6.1%}")
    on_host = sum(1 for _, s in results if s.url and link_kind(s.url) == "code")
    print(f"\n  available via a code-host link:           {on_host:>6,}")
    print(f"  available via a page/data link said to hold code: {counts[AVAILABLE] - on_host:>6,}")
    no_link_claims = sum(1 for _, s in results if s.state == NONE and s.evidence)
    print(f"  none, but a sentence speaks of code without a link: {no_link_claims:>6,}")
    only_pages = sum(1 for _, s in results if s.state != AVAILABLE and s.urls)
    print(f"  not available, yet with project/data links kept: {only_pages:>6,}\n")


def report_sample(results: list[tuple[str, CodeStatus]]) -> None:
    if not SAMPLE.exists():
        print(f"## Hand-checked sample: {SAMPLE.name} not found\n")
        return
    current = dict(results)
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    print(f"## Hand-checked sample ({SAMPLE.name}, {len(rows)} rows)\n")
    for state in (AVAILABLE, PROMISED):
        verdicts = [row["verdict"] for row in rows if row["state"] == state]
        checked = verdicts.count("ok") + verdicts.count("wrong")
        right = verdicts.count("ok")
        share = right / checked if checked else 0.0
        unchecked = len(verdicts) - checked
        print(f"  {state:<10} precision {right}/{checked} = {share:.1%}", end="")
        print(f"   ({unchecked} not checked)" if unchecked else "")
    for row in rows:
        if row["verdict"] == "wrong":
            print(f"    wrong: {row['id']} {row['state']} {row['url']}  ({row['note']})")
    changed = [
        row for row in rows if _decision(current.get(row["id"])) != (row["state"], row["url"])
    ]
    print(f"  rows whose decision changed since they were checked: {len(changed)}")
    for row in changed:
        now = _decision(current.get(row["id"]))
        print(f"    {row['id']}: checked {row['state']} {row['url']}, now {now}")
    print()


def _decision(status: CodeStatus | None) -> tuple[str, str]:
    return (status.state, status.url or "") if status else ("missing", "")


def draw_sample(results: list[tuple[str, CodeStatus]], path: Path) -> None:
    """Write a fresh seeded sample with empty verdicts, to be checked by hand."""
    rng = random.Random(SAMPLE_SEED)
    rows = []
    for state, size in SAMPLE_SIZES.items():
        pool = [(arxiv_id, s) for arxiv_id, s in results if s.state == state]
        for arxiv_id, status in sorted(rng.sample(pool, size)):
            rows.append([arxiv_id, state, status.url or "", "", "", status.evidence or ""])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(SAMPLE_COLUMNS)
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {path}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draw-sample", type=Path, help="write a new sample here and stop")
    args = parser.parse_args(argv)
    results = decide_arxiv_cs()
    if args.draw_sample:
        draw_sample(results, args.draw_sample)
        return
    report_pages()
    report_feeds()
    report_arxiv_cs(results)
    report_sample(results)


if __name__ == "__main__":
    main(sys.argv[1:])
