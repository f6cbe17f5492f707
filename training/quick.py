"""The quick model: the base encoder frozen, a linear head trained on its clause embeddings.

    result = fit_quick(records, taxonomy, TrainConfig())   # minutes on 2 CPU cores, not half an hour
    store_model(result, build_metadata(...))                # a normal model folder: served like any other

The network is the fine-tuned model's (encoder, mean pooling, linear head), so the folder, the int8
export and serving are unchanged; only the head is trained. `make serve` stores it first when the
store is empty and serves it while the fine-tuned default trains in the background.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch
from transformers import AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase, set_seed

from clausewise.model_dir import QUICK
from clausewise.network import ClauseClassifier, base_model_path, mean_pool, model_input, tokenize_pairs
from clausewise.taxonomy import Taxonomy
from training.config import TrainConfig
from training.data import LabelRecord, record_contexts
from training.metrics import multi_hot
from training.splits import training_and_tuning
from training.train import FitResult, input_form, pos_weight, tune_into

EMBED_BATCH = 64
HEAD_STEPS = 400  # full-batch AdamW steps on the embeddings (converged well before, measured)
HEAD_LR = 1e-2
HEAD_WEIGHT_DECAY = 1e-4


@torch.inference_mode()
def embed(
    encoder: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: list[tuple[str, str | None]],
    max_length: int,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Mean-pooled encoder states of each input (as ClauseClassifier pools them), batched by length;
    `progress(done, total)` counts padded tokens, which is what the time goes into."""
    encoded = tokenize_pairs(tokenizer, pairs, max_length)
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
    lengths = [len(ids) for ids in encoded["input_ids"]]
    order = sorted(range(len(pairs)), key=lengths.__getitem__)
    batches = [order[s : s + EMBED_BATCH] for s in range(0, len(order), EMBED_BATCH)]
    total = sum(len(idx) * lengths[idx[-1]] for idx in batches)
    out = np.zeros((len(pairs), encoder.config.hidden_size), dtype=np.float32)
    done = 0
    for idx in batches:
        batch = tokenizer.pad([{k: encoded[k][i] for k in keys} for i in idx], return_tensors="pt")
        hidden = encoder(**batch).last_hidden_state
        out[idx] = mean_pool(hidden, batch["attention_mask"]).numpy()
        done += len(idx) * lengths[idx[-1]]
        if progress:
            progress(done, total)
    return out


def fit_head(x: np.ndarray, y: np.ndarray, weights: torch.Tensor, seed: int) -> torch.nn.Linear:
    """A linear layer trained full-batch with weighted BCE (the fine-tuning loss) on fixed embeddings."""
    torch.manual_seed(seed)
    head = torch.nn.Linear(x.shape[1], y.shape[1])
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=weights)
    opt = torch.optim.AdamW(head.parameters(), lr=HEAD_LR, weight_decay=HEAD_WEIGHT_DECAY)
    for _ in range(HEAD_STEPS):
        opt.zero_grad()
        loss_fn(head(xt), yt).backward()
        opt.step()
    return head


def fit_quick(
    records: list[LabelRecord],
    taxonomy: Taxonomy,
    config: TrainConfig,
    progress: Callable[[int, int], None] | None = None,
) -> FitResult:
    """Embed the training clauses (and their section windows) once with the frozen encoder, train the head,
    tune thresholds on the same validation documents as `fit`; `progress(done, total)` in padded tokens."""
    started = time.time()
    set_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    names = taxonomy.names
    base = config.base_model or str(base_model_path())
    train_records, val_records = training_and_tuning(records, taxonomy, config)

    tokenizer = AutoTokenizer.from_pretrained(base)
    model = ClauseClassifier.from_base(base, list(names), config.dropout).eval()
    form, both = input_form(config), train_records + val_records
    every = [model_input(r.text, c, form.paired) for r, c in zip(both, record_contexts(both, form.context))]
    x = embed(model.encoder, tokenizer, every, config.max_length, progress)
    y_train = multi_hot([r.labels for r in train_records], names)
    head = fit_head(x[: len(train_records)], y_train, pos_weight(y_train, config.pos_weight), config.seed)
    model.head.load_state_dict(head.state_dict())

    info = input_form(config, names, QUICK)
    if val_records:
        with torch.inference_mode():
            scores = torch.sigmoid(head(torch.from_numpy(x[len(train_records) :]))).numpy()
        tune_into(info, multi_hot([r.labels for r in val_records], names), scores, config)
    return FitResult(model, tokenizer, info, time.time() - started)
