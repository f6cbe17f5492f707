"""`clausewise retrain` and `clausewise rollback`."""

from __future__ import annotations

import argparse
from pathlib import Path

from clausewise.model_dir import MODEL_NAME
from training.config import add_config_arguments
from training.data import LABELS_DIR


def add_retrain(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, help="new labels: JSONL, CSV or Label Studio JSON export")
    add_config_arguments(p)
    p.add_argument(
        "--labels-dir", type=Path, default=LABELS_DIR, help="the labelled set to merge into (default: labels/)"
    )
    p.add_argument(
        "--cv",
        choices=["folds", "none"],
        default="folds",
        help="cross-validate the candidate (documents held out; default) or not",
    )
    p.add_argument(
        "--tolerance", type=float, default=0.01, help="macro-F1 the candidate may lose and still be promoted"
    )
    p.add_argument("--force", action="store_true", help="promote even if the candidate is worse")
    p.add_argument("--dry-run", action="store_true", help="validate and show what would happen; change nothing")
    p.add_argument("--name", default=MODEL_NAME, help=f"model name in the store (default: {MODEL_NAME})")


def retrain(args: argparse.Namespace) -> int:
    from training.retrain import retrain as run_retrain

    return run_retrain(args)


def add_rollback(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "tag",
        nargs="?",
        default=None,
        help="the model to serve (NAME:VERSION or VERSION); default: the one the current model replaced",
    )
    p.add_argument("--name", default=MODEL_NAME, help=f"model name in the store (default: {MODEL_NAME})")


def rollback(args: argparse.Namespace) -> int:
    from training.registry import rollback as point_back

    old, new = point_back(args.tag, args.name)
    print(f"rolled back: {args.name}:latest was {old}, now {new}; restart the service to serve it")
    return 0
