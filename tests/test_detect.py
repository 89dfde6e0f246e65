"""Format detection by content: every real file is claimed by exactly the right parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from scholarscope.ingest import FORMATS, detect_format
from scholarscope.ingest.files import decode_head, read_head

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXPECTED = {
    "seeds/000_6198259b7f70df20.txt": "arxiv_feed",
    "seeds/001_a12025aa8030061e.txt": "profile_page",
    "seeds/003_a5f9dfde50f3564c.txt": "profile_page",
    "data/arxiv-cs/arxiv-cs-2025-03_2026-04.jsonl.gz": "arxiv_snapshot",
    "data/arxiv-kaggle/snapshot-head-0704.0001-0704.0200.jsonl": "arxiv_snapshot",
    "data/unarxive/metadata_kaggle_format.jsonl": "arxiv_snapshot",
    "data/arxiv-api/atom_xml/id_1707.08567_s0_m100_6a1afebfc6a3.xml": "arxiv_atom",
    "data/arxiv-api/q_testing_s0_m10_bc5a6c384fe9.json": "arxiv_atom",
    "data/arxiv-api/id_abc_s0_m100_b79c8dcf6bc3.json": "arxiv_atom",
    "data/openalex-authors/A5002041459.json": "openalex",
    "data/openalex-fixtures/openalex-python/W2741809807.json": "openalex",
    "data/openalex-fixtures/openalex-python/A5023888391.json": "openalex",
    "data/openalex-fixtures/openalexPro/testthat___snaps__001-jq_execute__page.jsonl": "openalex",
    "data/semantic-scholar/Author.json": "semantic_scholar",
    "data/semantic-scholar/Paper.json": "semantic_scholar",
    "data/semantic-scholar/PaperWithNullValues.json": "semantic_scholar",
    # formats we do not read (yet): full text, CSV edges, licence text
    "data/unarxive/arXiv_src_2212_086.full.jsonl.gz": None,
    "data/unarxive/references_edges.csv": None,
    "data/unarxive/LICENSE": None,
}


@pytest.mark.parametrize(("relative", "expected"), EXPECTED.items())
def test_exactly_one_parser_claims_each_file(relative: str, expected: str | None) -> None:
    head = decode_head(read_head(SHARED / relative))
    claims = [name for name, module in FORMATS.items() if module.looks_like(head)]
    assert claims == ([expected] if expected else [])
    assert detect_format(head) == expected
