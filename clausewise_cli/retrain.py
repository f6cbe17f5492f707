"""`clausewise retrain` and `clausewise rollback`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from clausewise.model_dir import MODEL_NAME
from training.config import add_config_arguments, config_from_args
from training.data import LABELS_DIR, LabelFileError, Problem

if TYPE_CHECKING:
    from training.label_merge import MergePlan
    from training.new_labels import ReadReport


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


def describe(plan: MergePlan, read: ReadReport) -> str:
    """The formats read and what the merge would add, update and leave as is."""
    lines = [
        "formats: " + ", ".join(f"{Path(p).name}={f}" for p, f in read.formats.items()),
        f"merge: {len(plan.added)} new clause(s), {len(plan.updated)} update(s), "
        f"{len(plan.unchanged)} existing clause(s) already carry the same labels",
    ]
    for old, labels, source in plan.updated:
        lines.append(f"  update {old.id} ({old.text[:60]!r}): {list(old.labels)} -> {list(labels)}  [{source}]")
    lines += [f"  dropped: {item}" for item in read.dropped]
    lines += [f"  tie, not merged: {item}" for item in read.ties]
    return "\n".join(lines)


def side_by_side(current: dict, candidate: dict) -> str:
    """The served model and the candidate as a Markdown table: CV, the held-out new labels, real held-out."""

    def cell(m: dict | None, key: str) -> str:
        return "-" if not m or key not in m else f"{m[key]:.3f}"

    def row(title: str, key: str, measure: str) -> str:
        return f"| {title} | {cell(current.get(key), measure)} | {cell(candidate.get(key), measure)} |"

    proto = [(m.get("cv") or {}).get("protocol") or "-" for m in (current, candidate)]
    n = (candidate.get("heldout") or {}).get("clauses", 0)
    rows = [
        "| | current | candidate |",
        "|---|---|---|",
        f"| tag | {current.get('tag') or '-'} | {candidate['tag']} |",
        f"| training clauses | {current.get('n_clauses', '-')} | {candidate['n_clauses']} |",
        f"| cross-validation (documents held out) | {proto[0]} | {proto[1]} |",
        row("cross-validated macro-F1", "cv", "macro_f1"),
        row("cross-validated micro-F1", "cv", "micro_f1"),
        row(f"held-out new labels ({n} clauses, neither model trained on them) macro-F1", "heldout", "macro_f1"),
        row("held-out new labels micro-F1", "heldout", "micro_f1"),
    ]
    if candidate.get("real_heldout"):
        n = candidate["real_heldout"]["clauses"]
        rows.append(row(f"real held-out policies ({n} clauses) macro-F1", "real_heldout", "macro_f1"))
    return "\n".join(rows)


def _print_problems(problems: list[Problem], then: str | None) -> None:
    print(str(LabelFileError(problems)), file=sys.stderr)
    if then:
        print(then, file=sys.stderr)


def retrain(args: argparse.Namespace) -> int:
    """Run the retrain, print each step and the comparison; 0 done, 2 invalid input, 3 not promoted."""
    from training.retrain import RetrainOptions, prepare_retrain, run_retrain

    options = RetrainOptions(
        files=args.files,
        config=config_from_args(args),
        labels_dir=args.labels_dir,
        cross_validate=args.cv == "folds",
        tolerance=args.tolerance,
        force=args.force,
        dry_run=args.dry_run,
        name=args.name,
    )
    prepared = prepare_retrain(options)
    if prepared.problems:
        _print_problems(prepared.problems, "nothing was changed: fix the problems above and run again")
        return 2
    plan, tag_now = prepared.plan, prepared.current_tag
    print(describe(plan, prepared.read))
    result = run_retrain(prepared, on_progress=print)
    if result.status == "dry-run":
        print(
            f"dry run: would merge into {args.labels_dir}, train on {len(prepared.existing) + len(plan.added)} "
            f"clauses, compare with {tag_now or 'no current model'} and promote if macro-F1 is not worse by more "
            f"than {args.tolerance}{' (forced)' if args.force else ''}. Nothing was changed."
        )
        return 0
    if result.status == "nothing-new":
        print(
            f"nothing new: the labels already say all of this; {args.name}:latest stays {tag_now} (--force retrains anyway)"
        )
        return 0
    if result.status == "merge-failed":
        _print_problems(result.problems, "nothing was changed: the merged label files would not be valid")
        return 2
    if result.status == "invalid-after-merge":
        _print_problems(result.problems, None)
        return 1
    print(side_by_side(result.current, result.candidate))
    if not result.promoted:
        print(
            f"not promoted: {result.reason}. {args.name}:latest stays {tag_now}; the candidate stays staged at "
            f"{result.candidate_path} (use --force to promote anyway)"
        )
        return 3
    print(
        f"promoted {result.candidate_tag} ({'forced: ' if result.forced else ''}{result.reason}); previous "
        f"{tag_now or 'none'} stays in the store. A running service following {args.name}:latest swaps to it "
        "within CLAUSEWISE_RELOAD_S seconds; undo with `clausewise rollback`."
    )
    return 0


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
    print(
        f"rolled back: {args.name}:latest was {old}, now {new}; a running service following it swaps to it "
        "within CLAUSEWISE_RELOAD_S seconds (or at once on POST /admin/reload)"
    )
    return 0
