"""Coverage and hand-checked precision of venue parsing on the real arXiv comments.

Coverage: of the comments that *mention a venue*, the share where ``parse_venue`` finds
one. "Mentions a venue" is decided by a deliberately broad detector that shares nothing
with the parser (no venue table): the comment has

- a token with at least two capitals directly followed by a year ("CVPR 2025", "ICTIS2026",
  "ACM MM'24", "AAAI-26": 4 digits 19xx/20xx, or 2 digits after an apostrophe, a hyphen
  or nothing), or
- one of the words accepted, conference, journal, proceedings, workshop, transactions,
  symposium, or the phrases "published in", "to appear", "presented at", "submitted to".

It over-counts on purpose ("Submitted to a journal", "This work has been submitted to the
IEEE", "12 pages, conference"), so coverage is a lower bound.

Precision: ``bench/venue_sample.tsv`` holds seeded random samples ("rounds") of comments
where we extract a venue, with our output at the time and a verdict checked by hand, one
line each: ``correct`` when both the venue (the one the paper is at, or submitted to; a
venue the table does not know counts when its name as written identifies it) and the
year (empty when the text gives none for that venue) are right, else ``wrong`` with the
reason. The workshop flag and the status are not judged. Round 1 was checked on the
parser before its misses were fixed; round 2 is a fresh sample (no comment of round 1)
checked on the parser as committed. This script re-parses every sampled comment and
lists the rows of the last round whose output no longer matches the checked one, so
they can be re-checked.

    python bench/venue_coverage.py                 # coverage, misses, precision
    python bench/venue_coverage.py --new-sample    # add a round (verdicts left empty)
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

from scholarscope.enrich.venues import VenueInfo, parse_venue

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
SAMPLE = HERE / "venue_sample.tsv"
SAMPLE_SIZE = 320
SEEDS = {1: 20250301, 2: 20260415, 3: 20270101}  # one per round
VERDICTS = ("correct", "wrong")
COLUMNS = ("round", "id", "comment", "venue", "year", "status", "workshop", "verdict", "note")

ACRONYM_YEAR = re.compile(
    r"(?<![A-Za-z])[A-Z][A-Za-z&]*[A-Z][A-Za-z&]*"
    r"(?:\s*['’]\s*\d\d\b|-?\d\d\b|[\s-]*(?:19|20)\d\d\b)"
)
VENUE_WORDS = re.compile(
    r"\b(?:accepted|conference|journal|proceedings|workshop|transactions|symposium|"
    r"published in|to appear|presented at|submitted to)\b",
    re.IGNORECASE,
)


def mentions_venue(comment: str) -> bool:
    """The broad, independent detector described above."""
    return bool(ACRONYM_YEAR.search(comment) or VENUE_WORDS.search(comment))


def load_comments() -> list[tuple[str, str]]:
    """``(arXiv id, comment with whitespace collapsed)`` for every record with comments."""
    rows = []
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("comments"):
                rows.append((record["id"], " ".join(record["comments"].split())))
    return rows


def shape(comment: str) -> str:
    """The form of a comment: digits folded to N, so "12 pages" and "9 pages" count once."""
    return re.sub(r"\d+", "N", comment)


def output_columns(info: VenueInfo) -> tuple[str, str, str, str]:
    return (
        info.venue or "",
        str(info.year or ""),
        info.status or "",
        "workshop" if info.workshop else "",
    )


def coverage(rows: list[tuple[str, str]]) -> list[tuple[str, str, VenueInfo]]:
    """Print coverage and the commonest missed forms; return every parsed row."""
    parsed = [(arxiv_id, comment, parse_venue(comment)) for arxiv_id, comment in rows]
    mentioning = [(c, info) for _, c, info in parsed if mentions_venue(c)]
    found = sum(1 for _, info in mentioning if info.venue)
    print(f"comments: {len(rows)}; with a venue found: {sum(1 for p in parsed if p[2].venue)}")
    print(
        f"coverage: {found}/{len(mentioning)} = {found / len(mentioning):.3f} "
        "of the comments that mention a venue (broad detector)"
    )
    misses = Counter(shape(c) for c, info in mentioning if not info.venue)
    print("\n20 commonest forms that mention a venue where we find none:")
    for form, count in misses.most_common(20):
        print(f"{count:5d}  {form[:150]}")
    return parsed


def read_sample() -> list[dict[str, str]]:
    if not SAMPLE.exists():
        return []
    with SAMPLE.open(encoding="utf-8", newline="") as lines:
        return list(csv.DictReader(lines, delimiter="\t"))


def write_sample(parsed: list[tuple[str, str, VenueInfo]]) -> None:
    """Add a round: a fresh seeded sample of comments with a venue, none seen before."""
    rows = read_sample()
    seen = {row["id"] for row in rows}
    number = max((int(row["round"]) for row in rows), default=0) + 1
    with_venue = [row for row in parsed if row[2].venue and row[0] not in seen]
    sample = random.Random(SEEDS[number]).sample(with_venue, SAMPLE_SIZE)
    with SAMPLE.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([row[column] for column in COLUMNS] for row in rows)
        for arxiv_id, comment, info in sample:
            line = (str(number), arxiv_id, comment.replace("\t", " "), *output_columns(info))
            writer.writerow((*line, "", ""))
    print(f"\nadded round {number}: {SAMPLE_SIZE} rows in {SAMPLE}; fill in the verdicts by hand")


def precision() -> None:
    rows = read_sample()
    rounds = sorted({int(row["round"]) for row in rows})
    for number in rounds:
        judged = [r for r in rows if r["round"] == str(number) and r["verdict"] in VERDICTS]
        correct = sum(1 for row in judged if row["verdict"] == "correct")
        print(
            f"\nround {number} (seed {SEEDS[number]}): precision on venue+year "
            f"{correct}/{len(judged)} = {correct / max(len(judged), 1):.3f}"
        )
        for row in judged:
            if row["verdict"] == "wrong":
                print(
                    f"  wrong: {row['venue']} {row['year']} | {row['comment'][:80]} | {row['note']}"
                )
    last = [row for row in rows if rounds and row["round"] == str(rounds[-1])]
    changed = [
        row
        for row in last
        if output_columns(parse_venue(row["comment"]))[:2] != (row["venue"], row["year"])
    ]
    if changed:
        print(f"\n{len(changed)} rows of round {rounds[-1]} now parse differently; re-check them:")
        for row in changed:
            now = output_columns(parse_venue(row["comment"]))
            print(f"  {row['id']}: was {row['venue']} {row['year']}, now {now[0]} {now[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--new-sample", action="store_true", help="draw a new sample")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"missing {DATA}")
    parsed = coverage(load_comments())
    if args.new_sample:
        write_sample(parsed)
    else:
        precision()


if __name__ == "__main__":
    main()
