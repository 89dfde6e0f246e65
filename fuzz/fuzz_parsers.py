"""Fuzz each parser directly: the first byte picks a format module, the rest is split
into lines as ``ingest/files.py`` splits a file (UTF-8, else Latin-1 per line), and
``parse`` must yield only ``Work``/``StatedMetrics``/``Rejected``/``Repaired`` items and
never raise; ``looks_like`` of every module and ``detect_format`` must return.

Unlike fuzz_ingest.py this reaches every parser with input its format detector would
turn away (a mutated OpenAlex record that no longer looks like one is still parsed).

    .venv/bin/python fuzz/fuzz_parsers.py -max_total_time=60
"""

from __future__ import annotations

from contextlib import nullcontext

from corpus import check_item, fuzz_main, import_atheris

atheris, ATHERIS_MISSING = import_atheris()

with atheris.instrument_imports(include=["scholarscope"]) if atheris else nullcontext():
    from scholarscope.ingest import FORMATS, detect_format
    from scholarscope.records import Rejected, Repaired, StatedMetrics, Work

ITEM_TYPES = (Work, StatedMetrics, Rejected, Repaired)
NAMES = list(FORMATS)


def as_lines(data: bytes) -> list[str]:
    """Text lines as the file reader yields them."""
    lines = []
    for raw in data.split(b"\n"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        lines.append(text.rstrip("\r\n"))
    return lines


def test_one_input(data: bytes) -> None:
    if not data:
        return
    module = FORMATS[NAMES[data[0] % len(NAMES)]]
    lines = as_lines(data[1:])
    head = "\n".join(lines)
    for other in FORMATS.values():
        if not isinstance(other.looks_like(head), bool):
            raise TypeError(f"{other.__name__}.looks_like returned a non-bool")
    detect_format(head)
    for item in module.parse(lines, "fuzz"):
        check_item(item, f"{module.__name__}.parse", ITEM_TYPES)


if __name__ == "__main__":
    fuzz_main("fuzz_parsers", test_one_input, True, list(FORMATS), atheris, ATHERIS_MISSING)
