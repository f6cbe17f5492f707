"""Which stored model the service loads, changed only by atomic steps.

    tag = stage(result, metadata)       # candidate built outside the served store
    promote(tag)                        # moved in, then `latest` pointed at it
    rollback()                          # `latest` back to the model promoted before

The service loads `clause-classifier:latest`. BentoML's file store keeps that pointer in
models/<name>/latest and treats every folder under models/<name>/ as a model, so a half-copied
folder there would break the store. Candidates are therefore written to a staging store beside it
(same file system), moved in with one rename, and `latest` is replaced with one os.replace. Killing
the process at any point leaves either the old pointer or the new one, never a broken store.
Promotions are logged in promotions.jsonl next to the store; rollback follows that log.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

MODEL_NAME = "clause-classifier"


def fault_point(name: str) -> None:
    """Test hook: with CLAUSEWISE_PAUSE_AT=name, announce the point on stderr and wait to be killed."""
    if os.environ.get("CLAUSEWISE_PAUSE_AT") == name:
        import sys

        print(f"PAUSED AT {name}", file=sys.stderr, flush=True)
        while True:
            time.sleep(1)


def models_dir() -> Path:
    """The BentoML model store folder ($BENTOML_HOME/models)."""
    from bentoml._internal.configuration.containers import BentoMLContainer

    return Path(BentoMLContainer.model_store.get()._path)


def staging_dir() -> Path:
    return models_dir().parent / "clausewise-staging"


def log_path() -> Path:
    return models_dir().parent / "clausewise-promotions.jsonl"


def _write_atomic(path: Path, text: str) -> None:
    from training.data import write_temp

    os.replace(write_temp(path, text), path)


def current_tag(name: str = MODEL_NAME) -> str | None:
    """The tag `name:latest` resolves to, or None when no such model is stored."""
    import bentoml

    try:
        return str(bentoml.models.get(f"{name}:latest").tag)
    except bentoml.exceptions.NotFound:
        return None


def stage(result, metadata: dict, name: str = MODEL_NAME) -> tuple[str, Path]:
    """Store a trained candidate in the staging store; returns (tag, folder). Leftovers of killed runs go first."""
    import bentoml
    from bentoml._internal.models.model import ModelStore

    from training.train import write_model_dir

    root = staging_dir()
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    with bentoml.models.create(name, labels={"task": "privacy-clause-classification"}, metadata=metadata,
                               _model_store=ModelStore(root)) as model:
        write_model_dir(model.path, result)
    tag = str(model.tag)
    return tag, root / name / tag.split(":")[1]


def promote(tag: str, reason: str) -> None:
    """Move a staged candidate into the store (one rename), then point `latest` at it (one replace)."""
    name, version = tag.split(":")
    source = staging_dir() / name / version
    target = models_dir() / name / version
    previous = current_tag(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.rename(source, target)
    fault_point("promotion")
    _write_atomic(target.parent / "latest", version)
    with open(log_path(), "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "tag": tag, "previous": previous,
                             "reason": reason}) + "\n")


def history(name: str = MODEL_NAME) -> list[dict]:
    """Logged promotions and rollbacks of `name`, oldest first (a torn last line is ignored)."""
    if not log_path().is_file():
        return []
    out = []
    for line in log_path().read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if row["tag"].split(":")[0] == name:
            out.append(row)
    return out


def rollback(to: str | None = None, name: str = MODEL_NAME) -> tuple[str, str]:
    """Point `latest` back at `to` (default: what the current model replaced); returns (from, to)."""
    import bentoml

    current = current_tag(name)
    if current is None:
        raise RuntimeError(f"no {name} model is stored; nothing to roll back")
    if to is None:
        entries = [h for h in history(name) if h["tag"] == current and h.get("previous")]
        if not entries:
            raise RuntimeError(f"{current} was not promoted by retrain, so there is no previous model on record; "
                               f"name one: --rollback {name}:<version> (see `bentoml models list`)")
        to = entries[-1]["previous"]
    to = to if ":" in to else f"{name}:{to}"
    bentoml.models.get(to)  # raises NotFound with BentoML's message if it is not in the store
    _write_atomic(models_dir() / name / "latest", to.split(":")[1])
    with open(log_path(), "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "tag": to, "previous": current,
                             "reason": "rollback"}) + "\n")
    return current, to
