"""The background training's status file: written by training, read by the service (GET /labels) and the page.

    write_status(TrainingStatus(state="running", step=120, total=5487, ...))
    read_status()      # None when nothing ever trained in the background; "stopped" when its process is gone

It lives beside the model store ($BENTOML_HOME/clausewise-training/status.json), with the checkpoint
and the log of the fine-tuning that `make serve` runs in the background.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from clausewise.bentoml_private import models_dir
from clausewise.files import write_text_atomic

STATES = ("running", "promoted", "rejected", "failed", "stopped")


def training_dir() -> Path:
    """Folder of the background training's status, checkpoint and log (next to the model store)."""
    return models_dir().parent / "clausewise-training"


def status_path() -> Path:
    return training_dir() / "status.json"


@dataclass
class TrainingStatus:
    """Where the background fine-tuning stands; `eta_s` comes from the step rate measured in this run."""

    state: str
    name: str = ""
    stage: str = ""  # "preparing", "fine-tune", "evaluating", "storing"
    step: int = 0
    total: int = 0
    steps_per_s: float = 0.0
    eta_s: float | None = None
    resumed_from: int = 0  # step the run resumed at; 0 = started from scratch
    pid: int = 0
    started: float = 0.0
    updated: float = 0.0
    message: str = ""
    fingerprint: str = ""  # the data and settings trained on (training.checkpoint.fingerprint)

    @property
    def active(self) -> bool:
        """Running, and its process is alive (a killed run leaves state "running" behind)."""
        return self.state == "running" and _alive(self.pid)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_status(status: TrainingStatus, path: Path | None = None) -> None:
    """Replace the status file atomically (readers never see half a file)."""
    path = path or status_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    status.updated = time.time()
    write_text_atomic(path, json.dumps(asdict(status)))


def read_status(path: Path | None = None) -> TrainingStatus | None:
    """The last status written, with a dead "running" process reported as "stopped"; None if there is none."""
    path = path or status_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    known = {f.name for f in fields(TrainingStatus)}
    status = TrainingStatus(**{k: v for k, v in raw.items() if k in known})
    if status.state == "running" and not status.active:
        status.state, status.eta_s = "stopped", None
        status.message = status.message or "the training process is gone; the next `make serve` resumes it"
    return status
