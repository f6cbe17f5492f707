"""Training commands: `clausewise train`, `evaluate` and `crossset`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from clausewise import settings
from clausewise.model_dir import MODEL_NAME
from clausewise.taxonomy import Taxonomy, load_taxonomy
from training.config import TrainConfig, add_config_arguments, config_from_args
from training.data import LabelRecord, heldout_dirs, load_records
from training.heldout import evaluate_heldout_sets, summary_lines
from training.registry import build_metadata, current_tag, store_model


def _config_and_records(args: argparse.Namespace) -> tuple[TrainConfig, Taxonomy, list[LabelRecord]]:
    config = config_from_args(args)
    taxonomy = load_taxonomy(config.taxonomy or None)
    records = load_records(config.labels or None, taxonomy, config.selection)
    print(f"{len(records)} clauses from {len({r.doc for r in records})} documents, {len(taxonomy)} labels")
    return config, taxonomy, records


def add_train(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p)
    p.add_argument(
        "--cv",
        choices=["folds", "none"],
        default="folds",
        help="cross-validate (whole documents held out) before the final fit, or not (default: folds)",
    )
    p.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when NAME:latest is already stored (what `make serve` runs first)",
    )
    p.add_argument(
        "--background",
        action="store_true",
        help="fine-tune behind a served quick model (what `make serve` starts): checkpoints every minute "
        "and resumes from them, progress in GET /labels, promoted only if not worse on the real "
        "held-out set",
    )
    p.add_argument("--name", default=MODEL_NAME, help=f"model name in the store (default: {MODEL_NAME})")
    p.add_argument("--reports", default="reports", help="folder for metrics.json, report.md and the plot")


def train(args: argparse.Namespace) -> int:
    from training.evaluate import cross_validate_all, summary_table, write_reports
    from training.train import fit

    if args.if_missing and (tag := current_tag(args.name)):
        print(f"{tag} is stored; nothing to train")
        return 0
    if args.if_missing:
        print(
            f"No {args.name} in the model store: training the default model first "
            f"(the time it takes is estimated from the first {ESTIMATE_AFTER} steps measured here)."
        )
    config, taxonomy, records = _config_and_records(args)
    if args.background:
        from training.background import fine_tune_behind

        return 0 if fine_tune_behind(args.name, records, taxonomy, config, say=_say) != "failed" else 1
    cv_metrics = None
    if args.cv == "folds":
        results = cross_validate_all(records, taxonomy, config)
        print(summary_table(results, taxonomy.names))
        print(f"report written to {write_reports(results, taxonomy, config, Path(args.reports))}")
        cv_metrics = results["summary"]
    result = fit(records, taxonomy, config, desc="final model", on_step=_estimate())
    heldout = None
    if not config.taxonomy and heldout_dirs():  # the gates are labelled in our taxonomy only
        heldout = evaluate_heldout_sets(result.predictor(), taxonomy)
        print("\n".join(summary_lines(heldout)))
    tag = store_model(result, build_metadata(result, taxonomy, records, config, cv_metrics, heldout), args.name)
    print(f"stored {tag} (trained in {result.seconds:.0f}s)")
    return 0


ESTIMATE_AFTER = 50  # steps measured before the time of the whole run is estimated


def _say(message: str) -> None:
    """A line of the background run: on the terminal `make serve` runs in, and in its log (stderr)."""
    print(message, flush=True)
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def _estimate():
    """on_step that prints, once, the run's duration from the step rate measured over its first steps."""
    started: list[float] = []

    def on_step(step: int, total: int) -> None:
        if step == 1:
            started.append(time.monotonic())
        elif step == ESTIMATE_AFTER + 1 and started:
            rate = ESTIMATE_AFTER / (time.monotonic() - started[0])
            print(
                f"\nmeasured {rate:.2f} steps/s on this machine: about {(total - step) / rate / 60:.0f} more "
                f"minutes for the {total} steps",
                flush=True,
            )

    return on_step


def add_heldout(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=settings.model_tag(), help=f"stored model to score {settings.MODEL_HELP}")
    p.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")


def heldout(args: argparse.Namespace) -> int:
    import json

    import bentoml

    from clausewise.model import ClauseModel

    taxonomy = load_taxonomy()
    metrics = evaluate_heldout_sets(ClauseModel.load(bentoml.models.get(args.model).path), taxonomy)
    print("\n".join(summary_lines(metrics)))
    if args.json:
        args.json.write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return 0


def add_evaluate(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p)
    p.add_argument("--baseline-only", action="store_true", help="run only the TF-IDF baseline")
    p.add_argument("--int8", action="store_true", help="score each fold through its exported int8 ONNX model")
    p.add_argument("--reports", default="reports", help="output folder (default: reports)")


def evaluate(args: argparse.Namespace) -> int:
    from training.evaluate import cross_validate_all, summary_table, write_reports

    config, taxonomy, records = _config_and_records(args)
    results = cross_validate_all(records, taxonomy, config, args.baseline_only, int8=args.int8)
    print(summary_table(results, taxonomy.names))
    print(f"report written to {write_reports(results, taxonomy, config, Path(args.reports))}")
    return 0


def add_crossset(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p)
    p.add_argument(
        "--only",
        nargs="+",
        choices=["cross", "within", "union"],
        default=["cross", "within", "union"],
        help="experiments to run (default: all three)",
    )
    p.add_argument("--folds", type=int, default=3, help="document-grouped folds for 'within' and 'union' (default 3)")
    p.add_argument("--reports", default="reports/crossset", help="output folder")


def crossset(args: argparse.Namespace) -> int:
    from training.crossset import run

    config = config_from_args(args)
    taxonomy = load_taxonomy(config.taxonomy or None)
    out = Path(args.reports) / time.strftime("%Y%m%d-%H%M%S")
    rows = run(args.only, taxonomy, config, args.folds, out)
    print((out / "report.md").read_text(encoding="utf-8"))
    return 0 if rows else 1
