"""Where training clauses go: the weights' share (plus section windows) and the threshold-tuning split,
a random share of clauses or whole real-policy documents."""

from __future__ import annotations

import numpy as np

from clausewise.taxonomy import Taxonomy
from training.config import TrainConfig
from training.data import LabelRecord
from training.paragraphs import section_windows


def validation_split(records: list[LabelRecord], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices (train, val): a seeded random share of clauses, at least one per label in val where possible."""
    rng = np.random.default_rng(seed)
    order = list(rng.permutation(len(records)))
    n_val = max(1, round(fraction * len(records)))
    val: list[int] = []
    # First one clause of each label that has at least two, so every such label can be tuned.
    by_label: dict[str, list[int]] = {}
    for i in order:
        for label in records[i].labels:
            by_label.setdefault(label, []).append(i)
    for _label, idx in sorted(by_label.items()):
        if len(idx) >= 2 and not any(i in val for i in idx):
            val.append(idx[0])
    for i in order:
        if len(val) >= n_val:
            break
        if i not in val:
            val.append(i)
    val_set = set(val)
    return [i for i in range(len(records)) if i not in val_set], sorted(val_set)


def document_validation_split(
    records: list[LabelRecord], docs: set[str], fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Indices (train, val): val holds every clause of a seeded share of the documents in `docs`."""
    present = sorted({r.doc for r in records} & docs)
    rng = np.random.default_rng(seed)
    n_val = max(1, round(fraction * len(present)))
    picked = set(rng.permutation(present)[:n_val].tolist())
    val = [i for i, r in enumerate(records) if r.doc in picked]
    return [i for i, r in enumerate(records) if r.doc not in picked], val


def tuning_split(records: list[LabelRecord], config: TrainConfig) -> tuple[list[int], list[int]]:
    """Where thresholds are tuned: whole real-policy documents when the records hold at least five
    (config.val_docs = "real"), else a random share of clauses."""
    if config.val_docs == "real":
        from training.real_policies import real_training_docs

        real = real_training_docs()
        if len({r.doc for r in records} & real) >= 5:
            return document_validation_split(records, real, config.val_fraction, config.seed)
    return validation_split(records, config.val_fraction, config.seed)


def training_and_tuning(
    records: list[LabelRecord], taxonomy: Taxonomy, config: TrainConfig
) -> tuple[list[LabelRecord], list[LabelRecord]]:
    """(what the weights learn from, where thresholds are tuned): the tuning split (`tuning_split`) held
    out, section windows added from the training clauses only, so none of the tuning split leaks in."""
    if config.tune_thresholds and len(records) >= 10:
        train_idx, val_idx = tuning_split(records, config)
    else:
        train_idx, val_idx = list(range(len(records))), []
    train_records = [records[i] for i in train_idx]
    if config.paragraphs:
        train_records += section_windows(train_records, labels_order=taxonomy.names)
    return train_records, [records[i] for i in val_idx]
