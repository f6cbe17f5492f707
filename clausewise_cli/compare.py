"""`clausewise diff OLD NEW` and `clausewise history GIT_DIR PATH...`: what changed, per topic, between versions.

    clausewise diff old/privacy.md new/privacy.html            # per-topic summary, then clause counts
    clausewise diff old.md new.md --json > diff.json           # every aligned pair, labels and offsets
    clausewise history versions-repo "Acme/Privacy Policy.md" --out acme.parquet

history reads every version of each PATH from git (`git log` oldest first, `git show`), so the
repository may be bare. Paths run one after another in this process, not on Ray Data: the model is
loaded once and each distinct clause is scored once for the whole history (most clauses repeat from
one version to the next), which keeps even hundreds of versions to a few model calls each.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from clausewise.model_dir import DEFAULT_TAG

STATUSES = ("unchanged", "reworded", "added", "removed")


def _model_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=os.environ.get("CLAUSEWISE_MODEL", DEFAULT_TAG),
                   help=f"stored model (default: $CLAUSEWISE_MODEL or {DEFAULT_TAG})")


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
    p.add_argument("--max-versions", type=int, default=None,
                   help="only the N latest versions of each path (the first of them counts no change)")


def load_model(tag: str):
    """The stored model as a CPU ClauseModel; a clear error when it is not in the store."""
    import bentoml

    from clausewise.model import ClauseModel

    try:
        stored = bentoml.models.get(tag)
    except bentoml.exceptions.NotFound as exc:
        raise RuntimeError(f"model {tag} is not in the store ({exc}); train one with `clausewise train`, "
                           "or pass --model with a tag that `bentoml models list` shows") from exc
    return ClauseModel.load(stored.path, device="cpu")


def _text(data: bytes, where: str) -> str:
    """Decoded policy text, or an error naming the document and what is wrong with it."""
    from batch.documents import check_text, decode

    text, error = decode(data)
    error = error or check_text(text)
    if error:
        raise ValueError(f"{where}: {error}")
    return text  # type: ignore[return-value]


def read_file(path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file; give two policy files (text, markdown or HTML)")
    return _text(path.read_bytes(), str(path))


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


# --- history ------------------------------------------------------------------------------------------
def _git(git_dir: Path, *args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {git_dir}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def versions(git_dir: Path, path: str, max_versions: int | None = None) -> list[tuple[str, str]]:
    """(commit, ISO date) of each version of `path`, oldest first; deletions left out."""
    out = _git(git_dir, "log", "--diff-filter=ACMRT", "--format=%H%x09%cI", "--", path).decode()
    found = [tuple(line.split("\t")) for line in reversed(out.splitlines()) if line]
    if not found:
        raise FileNotFoundError(f"{path} has no history in {git_dir}; "
                                f"list its documents with: git -C {git_dir} ls-tree -r --name-only HEAD")
    return found[-max_versions:] if max_versions else found  # type: ignore[return-value]


class CachedScores:
    """model.scores over distinct (text, heading) pairs, each scored once for a whole history."""

    def __init__(self, model):
        self.model, self.rows = model, {}

    def __call__(self, texts: list[str], headings: list[str | None]) -> list:
        from clausewise.analysis import score_policy

        missing = [k for k in dict.fromkeys(zip(texts, headings)) if k not in self.rows]
        if missing:
            rows = score_policy(self.model.scores, [t for t, _ in missing], [h for _, h in missing])
            self.rows.update(zip(missing, rows))
        return [self.rows[k] for k in zip(texts, headings)]


def history_rows(git_dir: Path, path: str, model, max_versions: int | None = None, warn=None) -> list[dict]:
    """One row per version of `path`: clauses, coverage per label, and per label changes since the last one."""
    from clausewise.analysis import read_policy
    from clausewise.compare import compare

    score, out, prev = CachedScores(model), [], None
    for commit, date in versions(git_dir, path, max_versions):
        try:
            policy = read_policy(_text(_git(git_dir, "show", f"{commit}:{path}"), f"{path} at {commit[:10]}"))
        except ValueError as exc:  # an empty or broken version is reported and skipped, not fatal
            (warn or print)(f"skipped: {exc}")
            continue
        rows = score(*policy.model_inputs())
        now = compare(prev[0], policy, prev[1], rows, model) if prev else compare(policy, policy, rows, rows, model)
        row = {"path": path, "date": date, "commit": commit, "clauses": len(policy.scored)}
        for s in ("added", "removed", "reworded"):
            row[s] = now["counts"][s] if prev else 0
        for s in now["summary"]:
            row[f"coverage_{s['label']}"] = s["coverage_new"]
            for kind in ("added", "removed", "reworded"):
                row[f"{kind}_{s['label']}"] = s[kind] if prev else 0
        out.append(row)
        prev = (policy, rows)
    return out


def write_table(rows: list[dict], out: Path) -> None:
    """Rows to .csv (stdlib) or .parquet (pyarrow)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".csv":
        with out.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise RuntimeError("writing Parquet needs pyarrow: pip install -e '.[batch]', or give --out FILE.csv") from exc
    pq.write_table(pa.Table.from_pylist(rows), out)


def history(args: argparse.Namespace) -> int:
    if args.out.suffix not in (".csv", ".parquet"):
        raise ValueError(f"--out must end in .parquet or .csv, found {args.out.name!r}")
    if args.max_versions is not None and args.max_versions < 1:
        raise ValueError(f"--max-versions must be at least 1, found {args.max_versions}")
    if not args.git_dir.exists():
        raise FileNotFoundError(f"{args.git_dir} does not exist; give a local clone or mirror of the repository")
    for path in args.paths:  # every path checked before the model loads
        versions(args.git_dir, path, 1)
    model = load_model(args.model)
    warn = lambda line: print(line, file=sys.stderr)  # noqa: E731
    rows = [r for path in args.paths for r in history_rows(args.git_dir, path, model, args.max_versions, warn)]
    if not rows:
        raise ValueError("no readable version in the history of " + ", ".join(args.paths))
    write_table(rows, args.out)
    print(f"wrote {len(rows)} versions of {len(args.paths)} document(s) to {args.out}")
    return 0
