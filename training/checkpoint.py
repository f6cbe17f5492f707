"""Checkpoints of a fine-tuning run, so a stopped run resumes where it was instead of starting over.

    ckpt = Checkpointer(path, fingerprint(records, taxonomy, config))
    state, why = ckpt.load()          # None (and why) when there is none or it belongs to other data/settings
    fit(records, taxonomy, config, checkpoint=ckpt)   # saves every `every_s` seconds and when asked to stop

A checkpoint holds the weights, optimiser and scheduler states, the step, and the random states at the
start of the current epoch, so the resumed run draws the same batches and dropout as an unbroken one.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from clausewise.taxonomy import Taxonomy
from training.config import TrainConfig
from training.data import LabelRecord, data_hash

CHECKPOINT_EVERY_S = 60.0


class TrainingStopped(Exception):
    """Raised by `fit` after it saved a checkpoint because a stop was requested (SIGTERM, Ctrl-C)."""

    def __init__(self, step: int, total: int):
        super().__init__(f"stopped at step {step} of {total}, checkpoint saved")
        self.step, self.total = step, total


def fingerprint(records: list[LabelRecord], taxonomy: Taxonomy, config: TrainConfig) -> str:
    """What a checkpoint is valid for: the training data and every setting that changes the run."""
    settings = {k: v for k, v in config.to_dict().items() if k not in ("threads", "device")}
    blob = json.dumps({"data": data_hash(records, taxonomy), "config": settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Checkpointer:
    """Where and how often a run saves its state; `stop` asks the run to save and stop after this step."""

    path: Path
    fingerprint: str
    every_s: float = CHECKPOINT_EVERY_S
    stop: threading.Event = field(default_factory=threading.Event)
    _last: float = field(default_factory=time.monotonic)

    def load(self) -> tuple[dict | None, str]:
        """(state, why): the saved state if it matches this run's data and settings, else None and the reason."""
        if not self.path.is_file():
            return None, "no checkpoint"
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=False)
        except Exception as exc:  # a torn or foreign file: start over rather than fail
            return None, f"the checkpoint could not be read ({type(exc).__name__})"
        if state.get("fingerprint") != self.fingerprint:
            return None, "the labels or training settings changed since the checkpoint"
        return state, f"checkpoint at step {state['step']} of {state['total']}"

    def due(self) -> bool:
        return self.stop.is_set() or time.monotonic() - self._last >= self.every_s

    def save(self, state: dict) -> None:
        """Write atomically (a kill mid-write leaves the previous checkpoint)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        torch.save({**state, "fingerprint": self.fingerprint, "saved": time.time()}, tmp)
        os.replace(tmp, self.path)
        self._last = time.monotonic()

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
