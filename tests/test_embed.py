"""The embedding runtime against the float32 sentence-transformers reference.

The texts are those of the 130 seed works (``examples/``: three feeds, two profile
pages), ``field_document(title, abstract)`` as the pipeline embeds them. The reference is
plain sentence-transformers over the same package's weights, float32, batch 32.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scholarscope.embed import DIMENSIONS, Encoder, load_encoder, model_dir
from scholarscope.enrich.fields import field_document
from scholarscope.ingest import load_path
from scholarscope.records import Work

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def seed_texts() -> list[str]:
    works = [
        item
        for path in sorted(EXAMPLES.iterdir())
        for item in load_path(path)
        if isinstance(item, Work)
    ]
    return [field_document(work.title, work.abstract) for work in works]


@pytest.fixture(scope="module")
def reference_model() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for the network
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir()), device="cpu")


@pytest.fixture(scope="module")
def reference(reference_model: Any, seed_texts: list[str]) -> np.ndarray:
    return reference_model.encode(seed_texts, batch_size=32)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


@pytest.fixture(scope="module")
def ours(encoder: Encoder, seed_texts: list[str]) -> np.ndarray:
    return encoder.encode(seed_texts)


def top10(vectors: np.ndarray) -> list[set[int]]:
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    return [set(row) for row in np.argsort(-similarity, axis=1, kind="stable")[:, :10]]


def test_seed_texts_are_the_130_works(seed_texts: list[str]) -> None:
    assert len(seed_texts) == 130
    assert all(text for text in seed_texts)


def test_tokens_match_reference(
    encoder: Encoder, reference_model: Any, seed_texts: list[str]
) -> None:
    texts = [*seed_texts, "", "  padded  ", "Über naïve café — 数据"]
    features = reference_model.tokenize(texts)
    expected = [
        ids[mask.bool()].tolist()
        for ids, mask in zip(features["input_ids"], features["attention_mask"], strict=True)
    ]
    got = encoder.tokenize(texts)
    assert got == expected
    # truncation is exercised: the longest seed abstracts are cut at 256 tokens
    assert max(len(ids) for ids in got) == encoder.max_tokens == 256
    assert sum(len(ids) == 256 for ids in got) >= 10


def test_vectors_match_reference(ours: np.ndarray, reference: np.ndarray) -> None:
    assert ours.shape == (130, DIMENSIONS) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(ours * reference, axis=1)
    assert cosine.min() >= 0.995  # the requirement, on every seed work
    # measured: min 0.99997 in bfloat16, 1.0 to rounding in float32
    assert cosine.min() >= 0.9999
    # the 10 nearest seed works of each work: measured in bfloat16, 121 to 123 of 130 works
    # keep exactly the reference's ten (oneDNN's bfloat16 kernels differ between CPUs:
    # AVX512-BF16, AMX); each of the others swaps its 10th neighbour for the reference's
    # 11th, where the reference itself puts them less than 0.001 apart
    ours_top, reference_top = top10(ours), top10(reference)
    same = sum(a == b for a, b in zip(ours_top, reference_top, strict=True))
    assert same >= 120
    similarity = reference @ reference.T
    np.fill_diagonal(similarity, -np.inf)
    for work, (a, b) in enumerate(zip(ours_top, reference_top, strict=True)):
        if a != b:
            assert len(a & b) == 9
            tenth, eleventh = np.sort(similarity[work])[::-1][9:11]
            assert tenth - eleventh < 0.001


def test_float32_path_equals_reference(seed_texts: list[str], reference: np.ndarray) -> None:
    # the fallback for CPUs without native bfloat16: sentence-transformers to rounding
    fp32 = load_encoder("fp32")
    vectors = fp32.encode(seed_texts[:40])
    assert np.sum(vectors * reference[:40], axis=1).min() >= 0.999999
    assert np.abs(vectors - reference[:40]).max() < 1e-5
    assert fp32.version.endswith("/fp32/256/r2")


def test_version_names_model_runtime_precision(encoder: Encoder) -> None:
    assert encoder.version.startswith("all-MiniLM-L6-v2@0.1.0/torch-2.13/")
    assert encoder.version.endswith(f"/{encoder.precision}/256/r2")
    assert encoder.precision in ("bf16", "fp32")


def assert_same_vectors(a: np.ndarray, b: np.ndarray, precision: str) -> None:
    """One text's vectors computed at different places in a batch. The matrix products
    work row by row and attention text by text, so the only difference the arithmetic
    allows is the CPU's matrix kernel treating rows differently by their place (seen on an
    AVX2-only CPU: 2e-7 in float32). In bfloat16 such a difference can flip the rounding
    of an intermediate value (a relative step of 2^-8), hence its wider bound."""
    bound = 1e-6 if precision == "fp32" else 2e-3
    assert a.shape == b.shape
    assert float(np.abs(a - b).max()) <= bound
    assert float(np.sum(a * b, axis=-1).min()) >= 1 - bound


def test_vector_does_not_depend_on_batch_or_order(
    encoder: Encoder, seed_texts: list[str], ours: np.ndarray
) -> None:
    # the same vector alone, among long texts, in any order and in any batch size
    short = "Face anti-spoofing"
    alone = encoder.encode([short])[0]
    longest = sorted(seed_texts, key=len)[-12:]
    mixed = encoder.encode([*longest[:6], short, *longest[6:]])
    assert_same_vectors(mixed[6], alone, encoder.precision)
    picked = list(range(0, 130, 10))  # 13 works of every length, from all five files
    subset = [seed_texts[i] for i in picked]
    assert_same_vectors(encoder.encode(subset), ours[picked], encoder.precision)
    assert_same_vectors(encoder.encode(subset[::-1])[::-1], ours[picked], encoder.precision)
    small_batches = load_encoder(encoder.precision, batch_size=5).encode(subset)
    assert_same_vectors(small_batches, ours[picked], encoder.precision)


def test_float32_vectors_do_not_depend_on_batch_place(seed_texts: list[str]) -> None:
    # the path an AVX2-only CPU takes, checked on every CPU
    fp32 = load_encoder("fp32")
    picked = [seed_texts[i] for i in range(0, 130, 10)]
    together = fp32.encode(picked)
    one_by_one = np.stack([fp32.encode([text])[0] for text in picked])
    assert_same_vectors(together, one_by_one, "fp32")
    empty, missing, blank = fp32.encode(["", None, "   "])
    assert_same_vectors(np.stack([missing, blank]), np.stack([empty, empty]), "fp32")


def test_deterministic(encoder: Encoder, seed_texts: list[str]) -> None:
    texts = seed_texts[::13]
    assert np.array_equal(encoder.encode(texts), encoder.encode(texts))


def test_empty_input_and_empty_texts(encoder: Encoder, reference_model: Any) -> None:
    none = encoder.encode([])
    assert none.shape == (0, DIMENSIONS) and none.dtype == np.float32
    empty, missing, blank = encoder.encode(["", None, "   "])
    expected = reference_model.encode([""])[0]
    assert float(empty @ expected) >= 0.9999
    # three texts with nothing to say are one text in three places of a batch
    assert_same_vectors(np.stack([missing, blank]), np.stack([empty, empty]), encoder.precision)


def test_progress_counts_every_text(encoder: Encoder) -> None:
    steps: list[int] = []
    encoder.encode([f"text {i}" for i in range(70)], progress=steps.append)
    assert steps == [32, 32, 6]


def test_falls_back_to_float32_without_native_bfloat16(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        monkeypatch.setattr(torch.cpu, probe, lambda: False)
    encoder = load_encoder()
    assert encoder.precision == "fp32"
    assert encoder.version.endswith("/fp32/256/r2")


def test_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="precision"):
        load_encoder("int4")
