"""Fuzz file loading: arbitrary bytes are written to a file and read with ``load_path``
(gzip detection, decoding, format detection, the parser), which must yield only
``Work``/``StatedMetrics``/``Rejected``/``Repaired`` items and never raise.

    .venv/bin/python fuzz/fuzz_ingest.py -max_total_time=60

The seed corpus is cut from the real files in ../shared at start-up, into a temporary
folder (the real data may not be copied into the project). libFuzzer flags go first;
``make fuzz`` runs this and fuzz_parsers.py through fuzz/run.py.
"""

from __future__ import annotations

import tempfile
from contextlib import nullcontext
from pathlib import Path

from corpus import check_item, fuzz_main, import_atheris

atheris, ATHERIS_MISSING = import_atheris()

with atheris.instrument_imports(include=["scholarscope"]) if atheris else nullcontext():
    from scholarscope.ingest import FORMATS, load_path
    from scholarscope.records import Rejected, Repaired, StatedMetrics, Work

ITEM_TYPES = (Work, StatedMetrics, Rejected, Repaired)
WORK_DIR = Path(tempfile.mkdtemp(prefix="scholarscope-fuzz-ingest-"))
INPUT = WORK_DIR / "input"


def test_one_input(data: bytes) -> None:
    INPUT.write_bytes(data)
    for item in load_path(INPUT, "fuzz"):
        check_item(item, "load_path", ITEM_TYPES)


if __name__ == "__main__":
    fuzz_main("fuzz_ingest", test_one_input, False, list(FORMATS), atheris, ATHERIS_MISSING)
