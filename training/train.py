"""The training loop: fine-tune the clause classifier on labelled clauses (`clausewise train` runs it).

    result = fit(records, taxonomy, TrainConfig(epochs=3))
    result.predictor().predict(["We use cookies."])

Recipe: mean pooling over tokens, BCE with pos_weight = sqrt(neg/pos), a 10x learning rate on the
new head, linear warm-up/decay, gradient clipping, per-label thresholds tuned on a validation split
of the training clauses (training.splits; never on evaluation documents), and, when those are whole
real documents, the context stack fitted on them (training.context_fit).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from datasets import Dataset
from tqdm.auto import tqdm
from transformers import AutoTokenizer, PreTrainedTokenizerBase, get_linear_schedule_with_warmup, set_seed

from clausewise.model import ClauseModel
from clausewise.model_dir import CONTEXT_STACK, FINE_TUNED, ModelInfo
from clausewise.network import ClauseClassifier, base_model_path, model_input, pick_device, tokenize_pairs
from clausewise.taxonomy import Taxonomy
from training.checkpoint import Checkpointer, TrainingStopped
from training.config import TrainConfig
from training.context_fit import fit_context_stack
from training.data import LabelRecord, record_contexts
from training.metrics import bagged_thresholds, multi_hot, tune_thresholds
from training.real_policies import real_training_docs
from training.splits import training_and_tuning


@dataclass
class FitResult:
    """A trained classifier with its tokenizer, thresholds and the info serving needs."""

    model: ClauseClassifier
    tokenizer: PreTrainedTokenizerBase
    info: ModelInfo
    seconds: float

    def predictor(self, device: str = "cpu") -> ClauseModel:
        """In-memory torch predictor (fp32)."""
        return ClauseModel(self.model, self.tokenizer, self.info, pick_device(device))


def input_form(config: TrainConfig, names: tuple[str, ...] = (), kind: str = FINE_TUNED) -> ModelInfo:
    """A new model's ModelInfo: how this config forms inputs (context, length); thresholds 0.5 until tuned."""
    return ModelInfo(
        labels=list(names),
        thresholds=[0.5] * len(names),
        use_heading=config.use_heading,
        lead_in=config.lead_in,
        max_length=config.max_length,
        extra={"kind": kind},
    )


def loss_weights(records: list[LabelRecord], real_weight: float) -> np.ndarray:
    """Per record: `real_weight` for clauses of real policies, 1 for the rest; scaled to mean 1, so equal
    weights give the plain mean loss."""
    real = real_training_docs() if real_weight != 1 else set()
    w = np.array([real_weight if r.doc in real else 1.0 for r in records], dtype=np.float32)
    return w / w.mean()


def _encode(records: list[LabelRecord], names: tuple[str, ...], tokenizer, config: TrainConfig) -> Dataset:
    """A tokenised `datasets.Dataset` with float multi-hot labels and a loss weight per record."""
    form = input_form(config)
    contexts = record_contexts(records, form.context)
    pairs = [model_input(r.text, c, form.paired) for r, c in zip(records, contexts)]
    ds = Dataset.from_dict(
        {
            "first": [p[0] for p in pairs],
            "second": [p[1] or "" for p in pairs],
            "labels": multi_hot([r.labels for r in records], names).tolist(),
            "weight": loss_weights(records, config.real_weight).tolist(),
        }
    )

    def tok(batch):
        batch_pairs = list(zip(batch["first"], batch["second"] if form.paired else [None] * len(batch["first"])))
        return tokenize_pairs(tokenizer, batch_pairs, config.max_length)

    return ds.map(tok, batched=True, remove_columns=["first", "second"])


def bucketed_batches(
    lengths: list[int], batch_size: int, generator: torch.Generator, pool: int = 16
) -> list[list[int]]:
    """Shuffled batches of similar length: sort within random pools of `pool` batches, shuffle batch order."""
    order = torch.randperm(len(lengths), generator=generator).tolist()
    batches: list[list[int]] = []
    span = batch_size * pool
    for p in range(0, len(order), span):
        chunk = sorted(order[p : p + span], key=lambda i: lengths[i])
        batches += [chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size)]
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffled]


def pos_weight(y: np.ndarray, mode: str) -> torch.Tensor:
    """BCE positive weight per label: sqrt(neg/pos) (default), neg/pos ('linear') or 1 ('none')."""
    pos = y.sum(0)
    neg = len(y) - pos
    ratio = np.where(pos > 0, neg / np.maximum(pos, 1), 1.0)
    if mode == "sqrt":
        ratio = np.sqrt(ratio)
    elif mode == "none":
        ratio = np.ones_like(ratio)
    return torch.tensor(ratio, dtype=torch.float32)


def freeze_lowest(model: ClauseClassifier, layers: int) -> None:
    """Stop gradients into the embeddings and the `layers` lowest encoder layers (0: train everything)."""
    if layers <= 0:
        return
    # transformers' PreTrainedModel does not declare BERT's `encoder.layer` submodules, so torch's
    # Module.__getattr__ types them as Tensor | Module; they are the encoder's nn.ModuleList of blocks.
    blocks = cast(torch.nn.ModuleList, cast(torch.nn.Module, model.encoder.encoder).layer)
    if layers > len(blocks):
        raise ValueError(f"freeze_layers is {layers} but the encoder has {len(blocks)} layers")
    for module in [model.encoder.embeddings, *blocks[:layers]]:
        module.requires_grad_(False)


def tune_into(info: ModelInfo, y_val: np.ndarray, scores: np.ndarray, config: TrainConfig) -> None:
    """Per-label thresholds tuned on validation scores, once and bagged (both kept, so the held-out
    report can compare them on the same model); `config.threshold_bags` picks the one served."""
    once = tune_thresholds(y_val, scores)
    bagged = bagged_thresholds(y_val, scores, max(config.threshold_bags, 25), config.seed)
    info.extra["thresholds_once"] = [float(t) for t in once]
    info.extra["thresholds_bagged"] = [float(t) for t in bagged]
    info.thresholds = info.extra["thresholds_bagged" if config.threshold_bags else "thresholds_once"]


def whole_documents(train: list[LabelRecord], val: list[LabelRecord], at_least: int = 5) -> bool:
    """Whether the validation records are whole documents (none shared with training), at least `at_least`."""
    docs = {r.doc for r in val}
    return len(docs) >= at_least and not docs & {r.doc for r in train}


def fit(
    records: list[LabelRecord],
    taxonomy: Taxonomy,
    config: TrainConfig,
    progress: bool = True,
    desc: str = "train",
    checkpoint: Checkpointer | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> FitResult:
    """Train a classifier on `records`; thresholds are tuned on a held-out share of them.

    With `checkpoint`, the run resumes from a matching checkpoint, saves one every `every_s` seconds
    and, when `checkpoint.stop` is set, saves and raises TrainingStopped; `on_step(step, total)` follows it.
    """
    started = time.time()
    set_seed(config.seed)  # python, numpy and torch
    if config.threads:
        torch.set_num_threads(config.threads)
    names = taxonomy.names
    base = config.base_model or str(base_model_path())
    device = pick_device(config.device)

    train_records, val_records = training_and_tuning(records, taxonomy, config)

    tokenizer = AutoTokenizer.from_pretrained(base)
    model = ClauseClassifier.from_base(base, list(names), config.dropout).to(device)
    ds = _encode(train_records, names, tokenizer, config)
    y_train = np.asarray(ds["labels"], dtype=np.float32)
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight(y_train, config.pos_weight).to(device), reduction="none")

    freeze_lowest(model, config.freeze_layers)
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    enc_params = [(n, p) for n, p in model.encoder.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in enc_params if not n.endswith(no_decay)], "weight_decay": config.weight_decay},
        {"params": [p for n, p in enc_params if n.endswith(no_decay)], "weight_decay": 0.0},
        {
            "params": list(model.head.parameters()),
            "weight_decay": 0.0,
            "lr": config.learning_rate * config.head_lr_multiplier,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate)
    steps_per_epoch = math.ceil(len(ds) / config.batch_size)
    fine_tune_steps = steps_per_epoch * config.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * fine_tune_steps), fine_tune_steps)

    columns = [c for c in ("input_ids", "attention_mask", "token_type_ids") if c in ds.column_names]
    generator = torch.Generator().manual_seed(config.seed)
    lengths = [len(ids) for ids in ds["input_ids"]]
    # LP-FT: fit the new head on the frozen encoder first (probe epochs), so fine-tuning starts from a
    # good head instead of pushing random-head gradients into the pretrained encoder.
    phases = [("probe", e) for e in range(config.probe_epochs)] + [("fine-tune", e) for e in range(config.epochs)]
    total = steps_per_epoch * len(phases)
    probe_opt = torch.optim.AdamW(model.head.parameters(), lr=config.probe_learning_rate)
    first_phase, skip, step, resumed_rng = 0, 0, 0, None
    resumed = checkpoint.load()[0] if checkpoint else None
    if resumed:
        model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        probe_opt.load_state_dict(resumed["probe_optimizer"])
        scheduler.load_state_dict(resumed["scheduler"])
        generator.set_state(resumed["generator"])  # as it was when that epoch drew its batches
        first_phase, skip, step, resumed_rng = resumed["phase"], resumed["batch"], resumed["step"], resumed["torch_rng"]
    del resumed  # the loaded weights and optimiser states are copied in; do not hold them for the whole run
    bar = tqdm(total=total, initial=step, desc=desc, unit="step", disable=not progress, dynamic_ncols=True)

    for p in range(first_phase, len(phases)):
        stage, epoch = phases[p]
        probe = stage == "probe"
        opt, sched = (probe_opt, None) if probe else (optimizer, scheduler)
        model.train()
        if probe:  # the encoder is frozen: eval mode, no gradients
            model.encoder.eval()
        epoch_generator = generator.get_state()
        batches = bucketed_batches(lengths, config.batch_size, generator)
        if resumed_rng is not None and p == first_phase:
            torch.set_rng_state(resumed_rng)  # dropout continues as in the unbroken run
        for b, batch_idx in enumerate(batches):
            if p == first_phase and b < skip:
                continue
            rows = ds[batch_idx]
            padded = tokenizer.pad({c: rows[c] for c in columns}, return_tensors="pt")
            batch = {k: v.to(device) for k, v in padded.items()}
            target = torch.tensor(rows["labels"], dtype=torch.float32, device=device)
            with torch.set_grad_enabled(not probe):
                hidden = model.encoder(**batch).last_hidden_state
            weight = torch.tensor(rows["weight"], dtype=torch.float32, device=device)
            loss = (bce(model.pool_and_classify(hidden, batch["attention_mask"]), target).mean(1) * weight).mean()
            opt.zero_grad()
            loss.backward()
            if config.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            opt.step()
            if sched is not None:
                sched.step()
            step += 1
            bar.update(1)
            bar.set_postfix(stage=stage, epoch=epoch + 1, loss=f"{loss.item():.4f}")
            if on_step:
                on_step(step, total)
            if checkpoint and checkpoint.due():
                checkpoint.save(
                    {
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "probe_optimizer": probe_opt.state_dict(),
                        "scheduler": scheduler.state_dict(),
                        "generator": epoch_generator,
                        "torch_rng": torch.get_rng_state(),
                        "phase": p,
                        "batch": b + 1,
                        "step": step,
                        "total": total,
                    }
                )
                if checkpoint.stop.is_set():
                    bar.close()
                    raise TrainingStopped(step, total)
    bar.close()
    model.eval()

    info = input_form(config, names, FINE_TUNED)
    result = FitResult(model, tokenizer, info, 0.0)
    if val_records:
        contexts = record_contexts(val_records, info.context)
        predictor = result.predictor(config.device)
        scores = predictor.scores([r.text for r in val_records], contexts)
        tune_into(info, multi_hot([r.labels for r in val_records], names), scores, config)
        if config.context_stack and whole_documents(train_records, val_records):
            stack = fit_context_stack(predictor, val_records, config.seed)
            info.extra[CONTEXT_STACK] = stack.to_dict()
    result.seconds = time.time() - started
    return result
