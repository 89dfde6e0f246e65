"""What the fuzz harnesses share: seed inputs cut at run time from the real files in
``../shared/data`` and ``../shared/seeds`` (they may not be copied into the project), a
mutator that inserts byte sequences coverage cannot lead to, and the plain mutation loop
the harnesses fall back to when atheris is missing, and the one ``main`` both run.
"""

from __future__ import annotations

import gzip
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
BIBTEX = Path(__file__).resolve().parent.parent / "tests" / "data" / "bibtex"
SEED_BYTES = 12_000  # per seed: big enough for several records, small enough to run fast
MAX_INPUT_BYTES = 16_384  # libFuzzer's -max_len: room to grow a seed a little

# Byte sequences known to trouble parsers. Coverage cannot guide libFuzzer to them: the
# json decoder is C code (not instrumented), so nesting 1,000 levels deep or a number of
# 4,500 digits looks no different from nesting 3 deep or a 4-digit number.
TOKENS = [
    b"[" * 1200,
    b'{"a":' * 1100,
    b"7" * 4500,
    b"123456789012345678901234567890",
    b"v1",
    b"arXiv:",
    b"doi:",
    b"https://doi.org/",
    b"\\ud800",
    b"\xc3\x82\xc2\x85",  # UTF-8 of Latin-1 mojibake for U+0085, a space to str.split
    b"\xc2\xb2",  # a superscript two: str.isdigit() but not int()
    b"\x1c",  # a separator that str.strip() removes and bytes.strip() keeps
    b"@article{",  # BibTeX: an entry starting inside another one
    b'\\"',  # BibTeX: an accent macro
]

# (format, file) for every kind of real input; the format names the parser that reads it.
REAL_FILES: list[tuple[str, str]] = [
    ("arxiv_feed", "seeds/000_6198259b7f70df20.txt"),
    ("arxiv_feed", "seeds/002_5f7ca689ee55c244.txt"),
    ("arxiv_feed", "seeds/004_f083b819790df835.txt"),
    ("profile_page", "seeds/001_a12025aa8030061e.txt"),
    ("profile_page", "seeds/003_a5f9dfde50f3564c.txt"),
    ("arxiv_snapshot", "data/arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl"),
    ("arxiv_snapshot", "data/arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz"),
    ("arxiv_snapshot", "data/unarxive/metadata_kaggle_format.jsonl"),
    ("arxiv_atom", "data/arxiv-api/id_abc_s0_m100_b79c8dcf6bc3.json"),
    ("arxiv_atom", "data/arxiv-api/id_astro-ph_0601001_s0_m100_3150dca9dc76.json"),
    ("arxiv_atom", "data/arxiv-api/id_0000.0000_s0_m100_8b51d9633a68.json"),
    ("arxiv_atom", "data/arxiv-api/atom_xml/id_2104.12255v1_s0_m100_6ae69987ffe1.xml"),
    ("arxiv_atom", "data/arxiv-api/atom_xml/q_testing_s0_m10_bc5a6c384fe9.xml"),
    ("openalex", "data/openalex-fixtures/openalex-python/W-api-response.json"),
    ("openalex", "data/openalex-fixtures/openalex-python/A5317838346.json"),
    ("openalex", "data/openalex-fixtures/openalex-python/A-api-response.json"),
    ("openalex", "data/openalex-fixtures/openalex-python/T11636.json"),
    ("openalex", "data/openalex-fixtures/mmgeorge-papers/author.json"),
    ("openalex", "data/openalex-fixtures/openalexPro/testthat___snaps__001-jq_execute__page.jsonl"),
    ("openalex", "data/openalex-authors/A5002041459.json"),
    ("semantic_scholar", "data/semantic-scholar/Citation.json"),
    ("semantic_scholar", "data/semantic-scholar/Reference.json"),
    ("semantic_scholar", "data/semantic-scholar/PaperWithNullValues.json"),
    ("semantic_scholar", "data/semantic-scholar/Author.json"),
    # ../shared holds no BibTeX: the exporters' shapes in tests/data/bibtex stand in (an
    # absolute path, which SHARED / path leaves as it is)
    ("bibtex", str(BIBTEX / "zotero.bib")),
    ("bibtex", str(BIBTEX / "google_scholar.bib")),
    ("bibtex", str(BIBTEX / "acm.bib")),
    ("bibtex", str(BIBTEX / "sciencedirect.bib")),
]


def real_head(relative: str, limit: int = SEED_BYTES) -> bytes:
    """The file's first whole lines, decompressed, up to ``limit`` bytes (at least one
    line, cut at ``limit`` if that line is longer)."""
    path = SHARED / relative
    with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as stream:
        head = stream.read(limit)
    cut = head.rfind(b"\n")
    return head[: cut + 1] if cut > 0 else head


def write_corpus(directory: Path, with_format_byte: bool, formats: list[str]) -> int:
    """Write one seed per real file into ``directory``; return how many.

    ``with_format_byte``: prefix each seed with the index of its format in ``formats``
    (the parser harness reads that byte to pick the parser). Otherwise a gzip copy of
    each text seed is written too, so the file loader's gzip path is fuzzed from real
    data as well.
    """
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for index, (name, relative) in enumerate(REAL_FILES):
        head = real_head(relative)
        seeds = [bytes([formats.index(name)]) + head] if with_format_byte else [head]
        if not with_format_byte and index % 4 == 0:
            seeds.append(gzip.compress(head, mtime=0))
        for number, seed in enumerate(seeds):
            (directory / f"{index:02d}-{number}-{name}").write_bytes(seed)
            count += 1
    return count


def atheris_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    """libFuzzer's own mutation, and one time in eight a token inserted instead."""
    import atheris  # only called by atheris

    rng = random.Random(seed)
    if rng.randrange(8):
        return bytes(atheris.Mutate(data, max_size))
    at = rng.randrange(len(data) + 1)
    return (data[:at] + rng.choice(TOKENS) + data[at:])[:max_size]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random edit: flip a bit, delete or repeat a run, insert random bytes or a
    token."""
    if not data:
        return bytes([rng.randrange(256)])
    position = rng.randrange(len(data))
    kind = rng.randrange(5)
    if kind == 0:
        flipped = data[position] ^ (1 << rng.randrange(8))
        return data[:position] + bytes([flipped]) + data[position + 1 :]
    if kind == 1:
        return data[:position] + data[position + rng.randrange(1, 64) :]
    if kind == 2:
        run = data[position : position + rng.randrange(1, 64)]
        return data[:position] + run * rng.randrange(2, 200) + data[position:]
    if kind == 3:
        return data[:position] + rng.randbytes(rng.randrange(1, 16)) + data[position:]
    return data[:position] + rng.choice(TOKENS) + data[position:]


def fuzz_without_atheris(
    test_one_input: Callable[[bytes], None], corpus: Path, seconds: float, why: str
) -> None:
    """Fallback when atheris cannot be imported: random mutations of the seeds, without
    coverage guidance, for ``seconds``. Prints executions and crashes like the runner
    expects, and exits 1 on the first crash."""
    print(
        f"atheris is not available ({why}); running random mutations without coverage "
        "guidance instead",
        flush=True,
    )
    rng = random.Random(15)
    seeds = [path.read_bytes() for path in sorted(corpus.iterdir())]
    runs = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = rng.choice(seeds)
        for _ in range(rng.randrange(1, 8)):
            data = mutate(data, rng)
        runs += 1
        try:
            test_one_input(data)
        except Exception:
            crash = corpus.parent / f"crash-{runs}"
            crash.write_bytes(data)
            traceback.print_exc()
            print(f"stat::number_of_executed_units: {runs}\ncrash input written to {crash}")
            sys.exit(1)
    print(f"Done {runs} runs in {seconds:.0f} second(s)\nstat::number_of_executed_units: {runs}")


def check_item(item: object, where: str, item_types: tuple[type, ...]) -> None:
    """What a harness asserts of every item a parser yields: one of the four record
    types, and a problem always with its reason."""
    if not isinstance(item, item_types):
        raise TypeError(f"{where} yielded a {type(item).__name__}")
    if getattr(item, "reason", "reason") == "":
        raise ValueError(f"{where} yielded a Rejected/Repaired without a reason")


def fuzz_main(
    name: str,
    test_one_input: Callable[[bytes], None],
    with_format_byte: bool,
    formats: list[str],
    atheris: ModuleType | None,
    atheris_missing: str,
) -> None:
    """A harness's command line: libFuzzer flags (``-max_total_time=60`` ...) and corpus
    folders; with no folder, the seeds are written to a new temporary one."""
    flags = [arg for arg in sys.argv[1:] if arg.startswith("-")]
    folders = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    if not folders:
        corpus = Path(tempfile.mkdtemp(prefix=f"scholarscope-{name}-")) / "corpus"
        seeds = write_corpus(corpus, with_format_byte=with_format_byte, formats=formats)
        print(f"{name}: {seeds} seeds from ../shared in {corpus}", flush=True)
        folders = [str(corpus)]
    if atheris is None:
        seconds = next(
            (float(flag.split("=")[1]) for flag in flags if flag.startswith("-max_total_time=")),
            60.0,
        )
        fuzz_without_atheris(test_one_input, Path(folders[0]), seconds, atheris_missing)
        return
    argv = [sys.argv[0], f"-max_len={MAX_INPUT_BYTES}", *flags, *folders]
    atheris.Setup(argv, test_one_input, custom_mutator=atheris_mutator)
    atheris.Fuzz()


def import_atheris() -> tuple[ModuleType | None, str]:
    """atheris, or None and why it could not be imported (``make fuzz`` installs it; the
    harnesses then fall back to random mutation and say so)."""
    try:
        import atheris
    except ImportError as error:
        return None, f"{type(error).__name__}: {error}"
    return atheris, ""
