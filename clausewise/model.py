"""Inference with a stored model: scores and labels for clauses, batched by length.

from clausewise.model import ClauseModel
m = ClauseModel.load("path/to/model_dir")
m.scores(["We use cookies."])          # (1, n_labels) sigmoid scores
m.predict(["We use cookies."])         # [{"cookies_tracking": 0.97}] above per-label thresholds
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from clausewise.model_dir import ModelInfo, int8_path, load_network, load_tokenizer, read_info
from clausewise.network import ClauseClassifier, model_input, pick_device, tokenize_pairs
from clausewise.onnx_backend import OnnxLogits
from clausewise.settings import SCORE_BATCH

CALL_OVERHEAD_TOKENS = 16  # measured: one extra model call costs about as much as 16 padded tokens


def _length_batches(lengths: list[int], batch_size: int, max_tokens: int) -> list[list[int]]:
    """Indices sorted by length, cut into batches that minimise padded tokens plus a per-call cost.

    Batches hold at most batch_size items and max_tokens padded tokens. The cut points come from a
    dynamic programme over the sorted lengths: a greedy fill pads dozens of short clauses up to one
    long one (2x the tokens on the seed clauses), this does not.
    """
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    sorted_len = [lengths[i] for i in order]
    n = len(order)
    best = [0.0] + [float("inf")] * n  # best[j]: cost of batching the first j sorted items
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        longest = sorted_len[j - 1]  # the longest item of any batch ending at j
        for i in range(j - 1, max(-1, j - 1 - batch_size), -1):
            count = j - i
            if count > 1 and count * longest > max_tokens:
                break
            cost = best[i] + count * longest + CALL_OVERHEAD_TOKENS
            if cost < best[j]:
                best[j], cut[j] = cost, i
    batches: list[list[int]] = []
    j = n
    while j > 0:
        batches.append(order[cut[j] : j])
        j = cut[j]
    return batches[::-1]


class ClauseModel:
    """A loaded classifier ready for inference: tokenizer, model, labels and thresholds.

    Backend 'onnx' runs the stored int8 ONNX model with ONNX Runtime (the CPU default when the
    file exists), 'torch' the PyTorch weights (fp32; CUDA when the device is CUDA).
    """

    def __init__(
        self,
        model: ClauseClassifier | None,
        tokenizer: PreTrainedTokenizerBase,
        info: ModelInfo,
        device: torch.device,
        onnx=None,
    ):
        self.model = model.to(device).eval() if model is not None else None
        self.tokenizer = tokenizer
        self.info = info
        self.device = device
        self.onnx = onnx

    @property
    def backend(self) -> str:
        return "onnx-int8" if self.onnx is not None else f"torch-{self.device.type}"

    @property
    def labels(self) -> list[str]:
        return self.info.labels

    @classmethod
    def load(cls, path: str | Path, device: str = "auto", backend: str = "auto", threads: int = 0) -> ClauseModel:
        """Load a model folder; backend 'auto' = int8 ONNX on CPU when exported, else torch.

        threads: ONNX Runtime intra-op threads; 0 = every core (the service), batch actors pass their CPU share.
        """
        if backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"backend must be 'auto', 'onnx' or 'torch', found {backend!r}")
        info = read_info(path)
        tokenizer = load_tokenizer(path)
        dev = pick_device(device)
        onnx_file = int8_path(path)
        if backend == "onnx" and onnx_file is None:
            raise FileNotFoundError(f"{path} has no int8 ONNX file; store the model again or use backend 'torch'")
        if onnx_file is not None and (backend == "onnx" or (backend == "auto" and dev.type == "cpu")):
            return cls(None, tokenizer, info, torch.device("cpu"), OnnxLogits(onnx_file, threads))
        return cls(load_network(path, len(info.labels)), tokenizer, info, dev)

    @torch.inference_mode()
    def scores(
        self,
        texts: list[str],
        contexts: list[str | None] | None = None,
        batch_size: int = SCORE_BATCH,
        max_batch_tokens: int = 2048,
    ) -> np.ndarray:
        """Sigmoid scores, shape (len(texts), n_labels); `contexts` are what the model reads before each
        text (`info.context`: lead-ins or headings, from Policy.model_inputs(info.context)), else ignored.

        Inputs are tokenised once, sorted by length and cut into batches of at most `batch_size`
        items and `max_batch_tokens` padded tokens, so short clauses never pay for a long one.
        """
        contexts = contexts or [None] * len(texts)
        pairs = [model_input(t, c, self.info.paired) for t, c in zip(texts, contexts)]
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not pairs:
            return out
        encoded = tokenize_pairs(self.tokenizer, pairs, self.info.max_length)
        lengths = [len(ids) for ids in encoded["input_ids"]]
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
        for idx in _length_batches(lengths, batch_size, max_batch_tokens):
            features = [{k: encoded[k][i] for k in keys} for i in idx]
            if self.onnx is not None:
                out[idx] = 1.0 / (1.0 + np.exp(-self.onnx(self.tokenizer.pad(features, return_tensors="np"))))
                continue
            if self.model is None:
                raise RuntimeError("this ClauseModel holds neither a torch network nor an ONNX session")
            enc = {k: v.to(self.device) for k, v in self.tokenizer.pad(features, return_tensors="pt").items()}
            out[idx] = torch.sigmoid(self.model(**enc).float()).cpu().numpy()
        return out

    def chosen(self, row, threshold: float | Sequence[float] | None = None) -> list[tuple[str, float]]:
        """(label, score) at or above the threshold: one for every label, one per label, or by default
        the tuned per-label ones; highest score first."""
        if threshold is None:
            cut = list(self.info.thresholds)
        elif isinstance(threshold, (int, float)):
            cut = [float(threshold)] * len(self.labels)
        else:
            cut = list(threshold)
        picked = [(n, float(s)) for n, s, c in zip(self.labels, row, cut) if s >= c]
        return sorted(picked, key=lambda x: -x[1])

    def predict(
        self, texts: list[str], contexts: list[str | None] | None = None, threshold: float | None = None
    ) -> list[dict[str, float]]:
        """Per text, the labels at or above threshold (per-label tuned by default) with their scores."""
        return [dict(self.chosen(row, threshold)) for row in self.scores(texts, contexts)]
