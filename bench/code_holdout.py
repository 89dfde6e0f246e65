"""Code-link precision and recall on a fresh, hand-labelled sample (dev and test apart).

The older sample (``bench/code_sample.tsv``) was read while the rules were written.
``bench/code_sample_2.tsv`` is a fresh draw from the 60,419 records of
``../shared/data/arxiv-cs/`` (seed ``SEED``, no id of the older sample), abstract and
comments read together, in two strata:

- ``code``: texts that look like they give a link or speak of releasing code (``LOOKS``:
  a URL, a code host's name, ``\\url``/``\\href``, ``.io``, or "code … available/released/
  open-source" in one sentence), a broad detector that shares nothing with the rules;
- ``random``: any record, to see what the detector misses.

Each stratum is split at draw time into ``dev`` (read while the rules were changed) and
``test`` (labelled by hand and scored once, after the rules were frozen). Rules frozen
at 2026-12-07 13:53 UTC (after the dev split was read); the test split was labelled after that and
scored once. One amendment after that score: the placeholder rule (template links such as
``github.com/xxxx``) was narrowed when a diff over the whole file against the previous
rules showed it dropping two real links (an owner ending in "-", a repository named
"your-…"); no test row changes and the test figures stay as scored.

A label is what a person reading the whole text decides, under the rules of
``scholarscope.enrich.code_links`` (the product's Code badge): ``available`` with the
``url`` as the text gives it (cleaned: no trailing punctuation, ``https://`` added) when a
code-host link is given, or a page/data link whose sentence says code is there;
``promised`` when code is promised and no link is given; else ``none``. Precision:
right ``available`` decisions (same URL, case-insensitive) / ``available`` decisions;
recall: the same / labels ``available``. "Promised" precision: ``promised`` decisions
whose label is ``promised`` / ``promised`` decisions. The TSV holds ids and labels only
(the texts stay in ``../shared/data``); ``--show`` prints the sentences that matter.

    python bench/code_holdout.py                  # figures, dev and test apart
    python bench/code_holdout.py --show test      # each row: its sentences, label, decision
    python bench/code_holdout.py --draw FILE      # the draw, labels pre-filled by the rules
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

from scholarscope.enrich.code_links import AVAILABLE, PROMISED, CodeStatus, find_code

sys.path.insert(0, str(Path(__file__).resolve().parent))
from holdout_sample import draw_strata, read_tsv, write_tsv  # noqa: E402  (a sibling script)

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
OLD_SAMPLE = HERE / "code_sample.tsv"
SAMPLE = HERE / "code_sample_2.tsv"
SEED = 20260503
SIZES = {("code", "dev"): 60, ("code", "test"): 210, ("random", "dev"): 20,
         ("random", "test"): 50}  # fmt: skip
COLUMNS = ("split", "stratum", "id", "state", "url", "note")
LOOKS = re.compile(
    r"https?\s*:|www\.|git\s*hub|gitlab|gitee|bitbucket|codeberg|hugging\s*face|hf\.co|4open|"
    r"code\s*ocean|sourceforge|\.\s*io\b|\\url|\\href|"
    r"\b(?:codes?|implementation|repository)\b[^.]{0,80}"
    r"\b(?:available|release|open[- ]?sourc|public)",
    re.IGNORECASE,
)
HINT = re.compile(LOOKS.pattern + r"|\bcodes?\b|\bimplementation", re.IGNORECASE)


def load_texts() -> dict[str, tuple[str, str]]:
    """arXiv id -> (abstract, comments) for every record."""
    texts = {}
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts[record["id"]] = (record["abstract"] or "", record["comments"] or "")
    return texts


def decide(text: tuple[str, str]) -> CodeStatus:
    return find_code(*text)


def draw(texts: dict[str, tuple[str, str]], path: Path) -> None:
    """The seeded draw, labels pre-filled with the rules' decision, to be checked by hand."""
    strata = {"code": lambda i: bool(LOOKS.search("\n".join(texts[i]))), "random": lambda i: True}
    rows = []
    for split, stratum, arxiv_id in draw_strata(list(texts), OLD_SAMPLE, SEED, strata, SIZES):
        status = decide(texts[arxiv_id])
        rows.append({"split": split, "stratum": stratum, "id": arxiv_id,
                     "state": status.state, "url": status.url or "", "note": ""})  # fmt: skip
    write_tsv(path, rows, COLUMNS)
    print(f"wrote {len(rows)} rows to {path}")


def score(rows: list[dict[str, str]], texts: dict[str, tuple[str, str]], split: str) -> None:
    part = [row for row in rows if row["split"] == split]
    got = {row["id"]: decide(texts[row["id"]]) for row in part}
    said = [row for row in part if got[row["id"]].state == AVAILABLE]
    labelled = [row for row in part if row["state"] == AVAILABLE]
    hits = [
        row for row in said
        if row["state"] == AVAILABLE and row["url"].lower() == (got[row["id"]].url or "").lower()
    ]  # fmt: skip
    promised = [row for row in part if got[row["id"]].state == PROMISED]
    kept = [row for row in promised if row["state"] == PROMISED]
    labelled_promised = [row for row in part if row["state"] == PROMISED]
    print(f"\n## {split}: {len(part)} records, {len(labelled)} labelled available, "
          f"{len(labelled_promised)} promised")  # fmt: skip
    print(f"  code precision {len(hits)}/{len(said)} = {len(hits) / max(len(said), 1):.3f}")
    print(f"  code recall    {len(hits)}/{len(labelled)} = {len(hits) / max(len(labelled), 1):.3f}")
    print(
        f"  promised precision {len(kept)}/{len(promised)} = "
        f"{len(kept) / max(len(promised), 1):.3f}; recall {len(kept)}/{len(labelled_promised)}"
    )
    for stratum in ("code", "random"):
        rows_s = [row for row in labelled if row["stratum"] == stratum]
        right_s = sum(row in hits for row in rows_s)
        print(f"    recall in stratum {stratum}: {right_s}/{len(rows_s)}")
    for row in part:
        status = got[row["id"]]
        if (row["state"], row["url"].lower()) != (status.state, (status.url or "").lower()):
            print(
                f"  differs {row['id']}: label {row['state']} {row['url']} | "
                f"decision {status.state} {status.url or ''}"
            )


def show(rows: list[dict[str, str]], texts: dict[str, tuple[str, str]], split: str) -> None:
    for number, row in enumerate(rows):
        if row["split"] != split:
            continue
        text = "\n".join(texts[row["id"]])
        sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\\])", text) if HINT.search(s)]
        status = decide(texts[row["id"]])
        print(
            f"{number} {row['id']} [{row['stratum']}] label {row['state']} {row['url']} | "
            f"decision {status.state} {status.url or ''}"
        )
        for sentence in sentences:
            print("     " + " ".join(sentence.split())[:300])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draw", type=Path, help="write the draw here and stop")
    parser.add_argument("--show", choices=("dev", "test"), help="print a split's rows")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"missing {DATA}")
    texts = load_texts()
    if args.draw:
        draw(texts, args.draw)
        return
    rows = read_tsv(args.sample)
    if args.show:
        show(rows, texts, args.show)
        return
    for split in ("dev", "test"):
        score(rows, texts, split)


if __name__ == "__main__":
    main()
