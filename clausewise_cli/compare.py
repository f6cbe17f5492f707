"""`clausewise diff OLD NEW` and `clausewise history GIT_DIR PATH...`: what changed, per topic, between versions.

    clausewise diff old/privacy.md new/privacy.html            # per-topic summary, then clause counts
    clausewise diff old.md new.md --json > diff.json           # every aligned pair, labels and offsets
    clausewise history versions-repo "Acme/Privacy Policy.md" --out acme.parquet

history reads every version of each PATH from git (batch/history.py), so the repository may be bare;
with --actors N the documents run on Ray Data, N model copies, one document at a time each.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clausewise import settings

STATUSES = ("unchanged", "reworded", "added", "removed")


def _model_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        default=settings.model_tag(),
        help=f"stored model {settings.MODEL_HELP}",
    )


def add_diff(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", type=Path, help="the old version (plain text, markdown or HTML)")
    p.add_argument("new", type=Path, help="the new version (plain text, markdown or HTML)")
    _model_flag(p)
    p.add_argument("--json", action="store_true", help="print the whole comparison as JSON instead of the summary")


def add_history(p: argparse.ArgumentParser) -> None:
    p.add_argument("git_dir", type=Path, help="a git repository of the document's versions (a bare mirror is fine)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="the document's path inside the repository")
    p.add_argument("--out", required=True, type=Path, help="the table to write: a .parquet or .csv file")
    _model_flag(p)
    p.add_argument(
        "--actors",
        type=int,
        default=0,
        help="run on Ray Data with this many model copies, one document at a time each (many documents); "
        "0 = in this process (default)",
    )
    p.add_argument(
        "--max-versions",
        type=int,
        default=None,
        help="only the N latest versions of each path (the first of them counts no change)",
    )


def load_model(tag: str):
    """The stored model as a CPU ClauseModel; a clear error when it is not in the store."""
    import bentoml

    from clausewise.model import ClauseModel

    try:
        stored = bentoml.models.get(tag)
    except bentoml.exceptions.NotFound as exc:
        raise RuntimeError(
            f"model {tag} is not in the store ({exc}); train one with `clausewise train`, "
            "or pass --model with a tag that `bentoml models list` shows"
        ) from exc
    return ClauseModel.load(stored.path, device="cpu")


def read_file(path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file; give two policy files (text, markdown or HTML)")
    from batch.history import document_text

    return document_text(path.read_bytes(), str(path))


def diff(args: argparse.Namespace) -> int:
    from clausewise.compare import compare_texts, summary_lines

    old, new = read_file(args.old), read_file(args.new)
    result = compare_texts(old, new, load_model(args.model))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    for line in summary_lines(result):
        print(line)
    counts = result["counts"]
    n_old, n_new = (sum(p[side] is not None for p in result["pairs"]) for side in ("old", "new"))
    print(f"clauses: {', '.join(f'{counts[s]} {s}' for s in STATUSES)} (old {n_old}, new {n_new})")
    return 0


def history(args: argparse.Namespace) -> int:
    from batch.history import history_rows, run_history, versions, write_table

    if args.out.suffix not in (".csv", ".parquet"):
        raise ValueError(f"--out must end in .parquet or .csv, found {args.out.name!r}")
    if args.max_versions is not None and args.max_versions < 1:
        raise ValueError(f"--max-versions must be at least 1, found {args.max_versions}")
    if args.actors < 0:
        raise ValueError(f"--actors must be 0 (in this process) or more, found {args.actors}")
    if not args.git_dir.exists():
        raise FileNotFoundError(f"{args.git_dir} does not exist; give a local clone or mirror of the repository")
    for path in args.paths:  # every path checked before the model loads
        versions(args.git_dir, path, 1)
    warn = lambda line: print(line, file=sys.stderr)  # noqa: E731
    if args.actors:
        rows, problems = run_history(args.git_dir, args.paths, args.model, args.actors, args.max_versions)
        for line in problems:
            warn(f"skipped: {line}")
    else:
        model = load_model(args.model)
        rows = [r for path in args.paths for r in history_rows(args.git_dir, path, model, args.max_versions, warn)]
    if not rows:
        raise ValueError("no readable version in the history of " + ", ".join(args.paths))
    write_table(rows, args.out)
    print(f"wrote {len(rows)} versions of {len(args.paths)} document(s) to {args.out}")
    return 0
