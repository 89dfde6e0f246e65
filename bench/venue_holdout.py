"""Venue + year precision and recall on a fresh, hand-labelled sample (dev and test apart).

The older sample (``bench/venue_sample.tsv``) was read while the rules were written, so
its figures flatter them. ``bench/venue_sample_2.tsv`` is a fresh draw from the 60,419
records of ``../shared/data/arxiv-cs/`` (seed ``SEED``, no id of the older sample), in two
strata of records with comments:

- ``mention``: comments the broad, parser-independent detector of
  ``bench/venue_coverage.py`` says mention a venue (``mentions_venue``);
- ``random``: any comments at all, to see what the detector misses.

Each stratum is split at draw time into ``dev`` (read while the rules were changed) and
``test`` (labelled by hand and scored once, after the rules were frozen). Rules frozen
at 2026-12-07 13:53 UTC (after the dev split was read); the test split was labelled after that and
scored once.

A label is what a correct parse gives: ``venue`` (the paper's own venue, accepted at or
submitted to; empty when the comment names none or only refers to another work's venue;
a venue the table does not know is written as the parser should keep it), ``year`` (empty
when the text gives none for that venue), ``status``, ``workshop`` (1/0) and
``workshop_name``. A row is right on venue + year when both match (the venue name
case-insensitively). Precision: right rows / rows where the parser gives a venue; recall:
right rows / rows whose label has a venue. Status and the workshop fields are scored
apart (they are not the target). The TSV holds ids and labels only: the comments stay in
``../shared/data`` (not to be committed) and ``--show`` prints them.

    python bench/venue_holdout.py                  # figures, dev and test apart
    python bench/venue_holdout.py --show test      # each row: comment, label, parse
    python bench/venue_holdout.py --draw FILE      # the draw, labels pre-filled by the parser
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from scholarscope.enrich.venues import VenueInfo, parse_venue

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from holdout_sample import draw_strata, read_tsv, write_tsv  # noqa: E402  (sibling scripts)
from venue_coverage import mentions_venue  # noqa: E402

DATA = HERE.parents[1] / "shared" / "data" / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
OLD_SAMPLE = HERE / "venue_sample.tsv"
SAMPLE = HERE / "venue_sample_2.tsv"
SEED = 20260502
# (stratum, split) -> rows drawn
SIZES = {("mention", "dev"): 60, ("mention", "test"): 210, ("random", "dev"): 20,
         ("random", "test"): 50}  # fmt: skip
COLUMNS = ("split", "stratum", "id", "venue", "year", "status", "workshop", "workshop_name", "note")


def load_comments() -> dict[str, str]:
    """arXiv id -> comment (whitespace collapsed) for every record with comments."""
    comments = {}
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("comments"):
                comments[record["id"]] = " ".join(record["comments"].split())
    return comments


def label_of(info: VenueInfo) -> dict[str, str]:
    return {
        "venue": info.venue or "",
        "year": str(info.year or ""),
        "status": info.status or "",
        "workshop": "1" if info.workshop else "0",
        "workshop_name": info.workshop_name or "",
    }


def draw(comments: dict[str, str], path: Path) -> None:
    """The seeded draw, labels pre-filled with the parser's output, to be corrected by hand."""
    strata = {"mention": lambda i: mentions_venue(comments[i]), "random": lambda i: True}
    rows = [
        {"split": split, "stratum": stratum, "id": arxiv_id,
         **label_of(parse_venue(comments[arxiv_id])), "note": ""}
        for split, stratum, arxiv_id in draw_strata(list(comments), OLD_SAMPLE, SEED, strata, SIZES)
    ]  # fmt: skip
    write_tsv(path, rows, COLUMNS)
    print(f"wrote {len(rows)} rows to {path}")


def right(label: dict[str, str], got: dict[str, str]) -> bool:
    return (label["venue"].lower(), label["year"]) == (got["venue"].lower(), got["year"])


def score(rows: list[dict[str, str]], comments: dict[str, str], split: str) -> None:
    part = [row for row in rows if row["split"] == split]
    got = {row["id"]: label_of(parse_venue(comments[row["id"]])) for row in part}
    found = [row for row in part if got[row["id"]]["venue"]]
    labelled = [row for row in part if row["venue"]]
    hits = [row for row in found if row["venue"] and right(row, got[row["id"]])]
    precision = len(hits) / max(len(found), 1)
    recall = len(hits) / max(len(labelled), 1)
    print(f"\n## {split}: {len(part)} comments, {len(labelled)} with a venue in the label")
    print(f"  venue+year precision {len(hits)}/{len(found)} = {precision:.3f}")
    print(f"  venue+year recall    {len(hits)}/{len(labelled)} = {recall:.3f}")
    for stratum in ("mention", "random"):
        rows_s = [row for row in labelled if row["stratum"] == stratum]
        hits_s = [row for row in rows_s if right(row, got[row["id"]])]
        print(f"    recall in stratum {stratum}: {len(hits_s)}/{len(rows_s)}")
    status = [row for row in hits if row["status"] == got[row["id"]]["status"]]
    print(f"  status right where venue+year are: {len(status)}/{len(hits)}")
    workshops = [row for row in labelled if row["workshop"] == "1"]
    flag = [row for row in workshops if got[row["id"]]["workshop"] == "1"]
    named = [row for row in workshops if row["workshop_name"]]
    names = [row for row in named if row["workshop_name"] == got[row["id"]]["workshop_name"]]
    wrong_flag = [r for r in found if r["workshop"] == "0" and got[r["id"]]["workshop"] == "1"]
    print(
        f"  workshops found {len(flag)}/{len(workshops)} (flag wrongly set: {len(wrong_flag)});"
        f" workshop_name exact {len(names)}/{len(named)}"
    )
    for row in part:
        mine = got[row["id"]]
        if not (right(row, mine) if row["venue"] or mine["venue"] else True):
            print(
                f"  miss {row['id']}: label {row['venue']} {row['year']} | "
                f"parse {mine['venue']} {mine['year']} | {comments[row['id']][:110]}"
            )


def show(rows: list[dict[str, str]], comments: dict[str, str], split: str) -> None:
    for row in rows:
        if row["split"] == split:
            mine = label_of(parse_venue(comments[row["id"]]))
            print(
                f"{row['id']} | {comments[row['id']]}\n   label: {[row[c] for c in COLUMNS[3:8]]}"
                f"\n   parse: {list(mine.values())}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draw", type=Path, help="write the draw here and stop")
    parser.add_argument("--show", choices=("dev", "test"), help="print a split's rows")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"missing {DATA}")
    comments = load_comments()
    if args.draw:
        draw(comments, args.draw)
        return
    rows = read_tsv(SAMPLE)
    if args.show:
        show(rows, comments, args.show)
        return
    for split in ("dev", "test"):
        score(rows, comments, split)


if __name__ == "__main__":
    main()
