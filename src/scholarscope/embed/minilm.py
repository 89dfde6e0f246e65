"""The all-MiniLM-L6-v2 network in PyTorch: token ids in, unit sentence vectors out.

A BERT encoder (6 layers, 12 heads, width 384) written out layer by layer from the
weights in ``model.safetensors``, followed by sentence-transformers' pooling: the mean of
the last layer's token vectors over the real tokens (padding masked out), scaled to unit
length.

Two precisions:

- ``fp32``: every operation in float32, as sentence-transformers runs it;
- ``bf16``: the matrix products (the query/key/value, output and feed-forward
  projections) and the attention take bfloat16 inputs with float32 accumulation, while
  the residual stream, every LayerNorm, the pooling and the normalisation stay in
  float32. On a CPU with native bfloat16 dot products (AVX512-BF16 or AMX) the products
  run several times faster than float32; ``bf16_supported()`` tells.

Only the weights are read from the package: nothing is converted, cached or downloaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

PRECISIONS = ("bf16", "fp32")


# oneDNN's instruction-set caps that include native bfloat16 dot products
ONEDNN_BF16_ISAS = frozenset(
    ("ALL", "DEFAULT", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX",
     "AVX512_CORE_AMX_FP16", "AVX10_1_512", "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16")
)  # fmt: skip


def bf16_supported() -> bool:
    """True when this CPU has native bfloat16 dot products (AVX512-BF16 or AMX tiles).

    Without them PyTorch emulates bfloat16, slower than float32, so ``fp32`` is used.

    >>> isinstance(bf16_supported(), bool)
    True
    """
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    if not torch.backends.mkldnn.is_available():  # oneDNN runs the bfloat16 products
        return False
    # oneDNN held below its bfloat16 instruction sets (ONEDNN_MAX_CPU_ISA=AVX2, as an
    # AVX2-only CPU runs) emulates bfloat16 whatever the CPU has: float32 is faster there
    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").upper()
    if cap and cap not in ONEDNN_BF16_ISAS:
        return False
    try:
        return any(getattr(torch.cpu, name, lambda: False)() for name in checks)
    except RuntimeError:  # a build without these probes: assume no native support
        return False


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """Every float32 tensor of a ``.safetensors`` file, by name.

    The format is an 8-byte little-endian header length, a JSON header giving each
    tensor's dtype, shape and byte range, then the raw data.
    """
    raw = bytearray(path.read_bytes())  # writable, so torch can share the memory
    header_size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + header_size])
    start_of_data = 8 + header_size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue  # the checkpoint also holds an int64 position-id buffer we recompute
        start, end = info["data_offsets"]
        array = np.frombuffer(
            raw, dtype=np.float32, count=(end - start) // 4, offset=start_of_data + start
        )
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]))
    return tensors


class MiniLM:
    """The encoder and pooling of all-MiniLM-L6-v2 at one precision.

    ``model(ids, mask)`` takes a batch of token ids and its attention mask (both
    ``int64``, shape ``(batch, width)``, real tokens first, padding after) and returns
    float32 unit vectors, shape ``(batch, 384)``.
    """

    def __init__(self, model_dir: Path, precision: str = "fp32") -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        config = json.loads((model_dir / "config.json").read_text())
        if config.get("hidden_act") != "gelu" or config.get("model_type") != "bert":
            raise ValueError(f"{model_dir} is not a BERT model with exact GELU")
        self.precision = precision
        self.dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        self.width = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        w = read_safetensors(model_dir / "model.safetensors")
        e = "embeddings."
        self.word = w[e + "word_embeddings.weight"]
        # every token has type 0, so the type vector is a constant: fold it into positions
        self.position = (
            w[e + "position_embeddings.weight"] + w[e + "token_type_embeddings.weight"][0]
        )
        self.embedding_norm = (w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"])
        self.layers = [
            self._layer(w, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])
        ]

    def _layer(self, w: dict[str, torch.Tensor], p: str) -> dict[str, torch.Tensor]:
        attention = p + "attention.self."
        qkv = ("query", "key", "value")
        # the three projections as one product: weights (3 * 384, 384), rows q, then k, then v
        layer = {
            "qkv.weight": torch.cat([w[f"{attention}{n}.weight"] for n in qkv]),
            "qkv.bias": torch.cat([w[f"{attention}{n}.bias"] for n in qkv]),
        }
        for short, name in (
            ("out", "attention.output.dense"),
            ("up", "intermediate.dense"),
            ("down", "output.dense"),
        ):
            layer[short + ".weight"] = w[f"{p}{name}.weight"]
            layer[short + ".bias"] = w[f"{p}{name}.bias"]
        for key in list(layer):  # the projections run at the model's precision
            layer[key] = layer[key].to(self.dtype).contiguous()
        for short, name in (("norm1", "attention.output.LayerNorm"), ("norm2", "output.LayerNorm")):
            layer[short + ".weight"] = w[f"{p}{name}.weight"]
            layer[short + ".bias"] = w[f"{p}{name}.bias"]
        return layer

    @torch.inference_mode()
    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        token_ids = torch.from_numpy(ids)
        real = torch.from_numpy(mask).bool()
        lengths = [int(n) for n in mask.sum(axis=1)]
        batch, width = token_ids.shape
        x = self.word[token_ids] + self.position[:width]
        x = F.layer_norm(x, (self.width,), *self.embedding_norm, eps=self.eps)
        for layer in self.layers:
            x = self._block(x, layer, lengths)
        # mean over the real tokens, then unit length (sentence-transformers' Pooling and
        # Normalize modules)
        weights = real[:, :, None].to(torch.float32)
        summed = (x * weights).sum(dim=1)
        pooled = summed / weights.sum(dim=1).clamp(min=1e-9)
        return F.normalize(pooled, p=2.0, dim=1).numpy()

    def _block(
        self, x: torch.Tensor, layer: dict[str, torch.Tensor], lengths: list[int]
    ) -> torch.Tensor:
        """One transformer layer; ``x`` (the residual stream) stays float32.

        Every matrix product works row by row, so a padded row never changes a real one.
        Attention mixes a text's tokens, so it runs over the real tokens only, one call
        per run of equally long texts (batches are sorted by length, and most abstracts
        fill all 256 tokens): no mask, no padding, the same arithmetic whatever else is in
        the batch. (A masked attention over padding differs from the unpadded one by float
        rounding, which bfloat16 then amplifies into visible differences between a text
        embedded alone and in a batch.)
        """
        batch, width, _ = x.shape
        head_size = self.width // self.heads
        qkv = F.linear(x.to(self.dtype), layer["qkv.weight"], layer["qkv.bias"])
        q, k, v = qkv.view(batch, width, 3, self.heads, head_size).permute(2, 0, 3, 1, 4)
        # padding rows stay zero: any finite value would do, as they never reach a real row
        context = torch.zeros(batch, width, self.heads, head_size, dtype=self.dtype)
        for rows, n in _equal_lengths(lengths):
            heads = F.scaled_dot_product_attention(q[rows, :, :n], k[rows, :, :n], v[rows, :, :n])
            context[rows, :n] = heads.transpose(1, 2)
        context = context.view(batch, width, self.width)
        # adding a bfloat16 product to the float32 stream gives float32: no extra copy
        attended = x + F.linear(context, layer["out.weight"], layer["out.bias"])
        x = F.layer_norm(
            attended, (self.width,), layer["norm1.weight"], layer["norm1.bias"], eps=self.eps
        )
        hidden = F.gelu(F.linear(x.to(self.dtype), layer["up.weight"], layer["up.bias"]))
        fed = x + F.linear(hidden, layer["down.weight"], layer["down.bias"])
        return F.layer_norm(
            fed, (self.width,), layer["norm2.weight"], layer["norm2.bias"], eps=self.eps
        )


def _equal_lengths(lengths: list[int]) -> list[tuple[slice, int]]:
    """Runs of consecutive equal lengths, as (rows, length).

    >>> _equal_lengths([256, 256, 200, 199, 199])
    [(slice(0, 2, None), 256), (slice(2, 3, None), 200), (slice(3, 5, None), 199)]
    """
    runs = []
    start = 0
    for row in range(1, len(lengths) + 1):
        if row == len(lengths) or lengths[row] != lengths[start]:
            runs.append((slice(start, row), lengths[start]))
            start = row
    return runs
