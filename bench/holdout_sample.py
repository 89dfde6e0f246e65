"""What the hand-checked hold-out samples share (``venue_holdout.py``, ``code_holdout.py``):
a seeded, stratified draw of arXiv ids not in an earlier sample, split into a development
and a test part, and the TSV files the hand labels live in."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as lines:
        return list(csv.DictReader(lines, delimiter="\t"))


def write_tsv(path: Path, rows: list[dict[str, str]], columns: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, columns, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def draw_strata(
    ids: Sequence[str],
    earlier_sample: Path,
    seed: int,
    strata: Mapping[str, Callable[[str], bool]],
    sizes: Mapping[tuple[str, str], int],
) -> list[tuple[str, str, str]]:
    """(split, stratum, id) of a seeded draw: the ids not in ``earlier_sample``, shuffled;
    each (stratum, split) of ``sizes`` takes the next ids its stratum's test accepts that
    no earlier part took."""
    seen = {row["id"] for row in read_tsv(earlier_sample)}
    pool = sorted(i for i in ids if i not in seen)
    random.Random(seed).shuffle(pool)
    taken: set[str] = set()
    drawn = []
    for (stratum, split), size in sizes.items():
        chosen = [i for i in pool if strata[stratum](i) and i not in taken][:size]
        taken.update(chosen)
        drawn.extend((split, stratum, i) for i in chosen)
    return drawn
