"""The history of documents in git: one row per version, coverage per label and changes since the last.

    rows = history_rows(git_dir, "Acme/Privacy Policy.md", model)          # in this process
    rows = run_history(git_dir, paths, "stored-model:tag", actors=4)        # on Ray Data, one document per task

Versions are read with `git log` (oldest first) and `git show`, so the repository may be bare (Open
Terms Archive's `*-versions` mirrors). Each distinct clause is scored once per document history: most
clauses repeat from one version to the next, so a long history costs little more than its distinct text.
On Ray Data, an actor pool (the model loaded once per actor, from Ray's object store, as `clausewise
batch` does) takes one document at a time.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

from batch.documents import check_text, decode


def document_text(data: bytes, where: str) -> str:
    """Decoded policy text, or ValueError naming the document and what is wrong with it."""
    text, error = decode(data)
    error = error or check_text(text)
    if error:
        raise ValueError(f"{where}: {error}")
    return text  # type: ignore[return-value]


def git(git_dir: Path, *args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {git_dir}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def versions(git_dir: Path, path: str, max_versions: int | None = None) -> list[tuple[str, str]]:
    """(commit, ISO date) of each version of `path`, oldest first; deletions left out."""
    out = git(git_dir, "log", "--diff-filter=ACMRT", "--format=%H%x09%cI", "--", path).decode()
    found = [tuple(line.split("\t")) for line in reversed(out.splitlines()) if line]
    if not found:
        raise FileNotFoundError(
            f"{path} has no history in {git_dir}; list its documents with: git -C {git_dir} ls-tree -r --name-only HEAD"
        )
    return found[-max_versions:] if max_versions else found  # type: ignore[return-value]


class CachedScores:
    """model.scores over distinct (text, context) pairs, each scored once for a whole history."""

    def __init__(self, model):
        self.model, self.rows = model, {}

    def __call__(self, texts: list[str], contexts: list[str | None]) -> list:
        from clausewise.analysis import score_policy

        missing = [k for k in dict.fromkeys(zip(texts, contexts)) if k not in self.rows]
        if missing:
            rows = score_policy(self.model.scores, [t for t, _ in missing], [h for _, h in missing])
            self.rows.update(zip(missing, rows))
        return [self.rows[k] for k in zip(texts, contexts)]


def history_rows(git_dir: Path, path: str, model, max_versions: int | None = None, warn=None) -> list[dict]:
    """One row per version of `path`: clauses, coverage per label, and per label changes since the last one."""
    from clausewise.analysis import read_policy, scoring_inputs
    from clausewise.compare import compare

    score, out, prev = CachedScores(model), [], None
    for commit, date in versions(git_dir, path, max_versions):
        try:
            policy = read_policy(document_text(git(git_dir, "show", f"{commit}:{path}"), f"{path} at {commit[:10]}"))
        except ValueError as exc:  # an empty or broken version is reported and skipped, not fatal
            (warn or print)(f"skipped: {exc}")
            continue
        rows = score(*scoring_inputs(policy, model.info))
        now = compare(prev[0], policy, prev[1], rows, model) if prev else compare(policy, policy, rows, rows, model)
        row = {"path": path, "date": date, "commit": commit, "clauses": len(policy.scored_indices)}
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


class HistoryScorer:
    """Ray Data actor: the model loaded once (from Ray's object store), then one document history per row."""

    def __init__(self, bundle_ref, git_dir: str, max_versions: int | None):
        from batch.job import load_bundle

        self.model = load_bundle(bundle_ref, device="cpu", threads=1)
        self.git_dir, self.max_versions = Path(git_dir), max_versions

    def __call__(self, row: dict) -> list[dict]:
        """Rows as JSON (one schema for every document's columns), then any problem as an error row."""
        warnings: list[str] = []
        try:
            rows = history_rows(self.git_dir, row["path"], self.model, self.max_versions, warnings.append)
        except Exception as exc:  # one unreadable document must not stop the others
            return [{"path": row["path"], "row": None, "error": f"{type(exc).__name__}: {exc}"}]
        return [{"path": row["path"], "row": json.dumps(r), "error": None} for r in rows] + [
            {"path": row["path"], "row": None, "error": w} for w in warnings
        ]


def run_history(
    git_dir: Path, paths: list[str], model_tag: str, actors: int, max_versions: int | None = None
) -> tuple[list[dict], list[str]]:
    """(rows, problems) of every path's history, on Ray Data with `actors` model copies."""
    import ray
    import ray.data

    from batch.job import connect, model_bundle

    _, files = model_bundle(model_tag, with_torch=False)
    started = connect(actors + 1)
    try:
        bundle = {"files": ray.put(files)}
        scored = ray.data.from_items([{"path": p} for p in paths]).flat_map(
            HistoryScorer,
            concurrency=actors,
            num_cpus=1,
            fn_constructor_kwargs={"bundle_ref": bundle, "git_dir": str(git_dir), "max_versions": max_versions},
        )
        out = scored.take_all()
    finally:
        if started:
            ray.shutdown()
    problems = [f"{r['path']}: {r['error']}" for r in out if r["error"]]
    rows = [json.loads(r["row"]) for r in out if r["row"]]
    order = {p: i for i, p in enumerate(paths)}
    rows.sort(key=lambda r: (order[r["path"]], r["date"]))
    return rows, problems
