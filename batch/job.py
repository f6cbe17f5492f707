"""The batch job on Ray Data: read -> check -> segment -> score (actor pool) -> write both tables.

    from batch.job import BatchOptions, run
    summary = run(["labels/seeds/docs", "more.jsonl"], "out/", BatchOptions(actors=2))

Stages, each a Ray Data operator with its own progress bar:
  read       ray.data.read_binary_files (folders), read_text (JSONL), read_parquet (Parquet)
  check      decode, limits, language, and drop policies a previous run already wrote (tasks)
  segment    clausewise.analysis.read_policy (tasks)
  score      an actor pool; each actor loads the model once (int8 ONNX on CPU actors, torch on GPU
             actors) and runs model.scores + clausewise.analysis.label_policy: labels and coverage
  write      one part of clauses/ and policies/ per --part-size policies (tasks; batch.output)

The model travels in Ray's object store: the driver reads the stored model folder once and puts its
files there; every actor writes them to a private temporary folder, loads, and deletes the folder.
Workers need no model store and no shared storage for the model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyarrow as pa

from batch import documents, output
from clausewise.settings import PART_SIZE


@dataclass
class BatchOptions:
    """How a batch run is sized; the defaults suit one machine."""

    model: str = ""  # stored model tag; empty = clausewise.model_dir.DEFAULT_TAG
    actors: int = 1  # scoring actors (model copies)
    cpus_per_actor: int = 1  # CPU cores (and ONNX Runtime threads) of each CPU actor
    gpus: int = 0  # > 0: torch actors with num_gpus=1 each, `gpus` of them (overrides actors)
    part_size: int = PART_SIZE  # policies per Parquet part; a kill loses at most the parts in flight
    policies_per_call: int = 8  # policies handed to an actor at once
    max_chars: int = documents.MAX_POLICY_CHARS
    num_cpus: int | None = None  # CPUs of a locally started Ray (default: all, at least actors' + 1); not on a cluster

    def __post_init__(self) -> None:
        for name in ("actors", "cpus_per_actor", "part_size", "policies_per_call", "max_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, found {getattr(self, name)}")
        if self.gpus < 0:
            raise ValueError(f"gpus must be 0 or more, found {self.gpus}")


@dataclass
class Summary:
    policies: int = 0  # written by this run
    clauses: int = 0
    errors: int = 0
    skipped: int = 0  # already in the output before this run
    seconds: float = 0.0

    def line(self) -> str:
        rate = self.clauses / self.seconds if self.seconds else 0.0
        return (
            f"batch: {self.policies:,} policies ({self.skipped:,} already written, skipped), "
            f"{self.clauses:,} clauses, {self.errors:,} errors, {rate:,.1f} clauses/s in {self.seconds:.1f} s"
        )


# --- Ray ----------------------------------------------------------------------------------------------
def connect(num_cpus: int | None = None) -> bool:
    """Join the cluster in RAY_ADDRESS (also set by `ray job submit`), or start Ray on this machine.

    Returns True when this call started or joined Ray (and so should shut it down).
    """
    import ray

    from clausewise.ray_private import init_local_node

    if ray.is_initialized():
        return False
    if os.environ.get("RAY_ADDRESS"):
        ray.init(log_to_driver=False)
        return True
    # Local workers import this checkout's packages, whatever the interpreter has installed.
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    init_local_node(
        num_cpus=num_cpus,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    return True


def model_bundle(tag: str, with_torch: bool) -> tuple[str, dict[str, bytes]]:
    """(resolved tag, {relative path: bytes}) of a stored model; CPU-only runs leave the torch weights out."""
    import bentoml

    from clausewise.model_dir import int8_path

    stored = bentoml.models.get(tag)
    root = Path(stored.path)
    skip_weights = not with_torch and int8_path(root) is not None
    files = {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not (skip_weights and p.suffix in (".safetensors", ".bin"))
    }
    return str(stored.tag), files


# --- stages -------------------------------------------------------------------------------------------
def _rows(batch: pa.Table) -> list[dict]:
    return batch.to_pylist()


def check_files(batch: pa.Table, root: str, done: frozenset, max_chars: int) -> pa.Table:
    """Rows of read_binary_files -> checked policies (id = path inside the input folder)."""
    out = []
    for row in _rows(batch):
        pid = os.path.relpath(row["path"], root) if row["path"].startswith(root) else row["path"]
        if pid in done:
            continue
        text, error = documents.decode(row["bytes"])
        out.append(_checked(pid, row["path"], text, error, max_chars))
    return _table(out)


def check_jsonl(batch: pa.Table, done: frozenset, max_chars: int) -> pa.Table:
    out = []
    for row in _rows(batch):
        pid, text, error = documents.parse_jsonl_line(row["text"], row["path"])
        if pid not in done:
            out.append(_checked(pid, row["path"], text, error, max_chars))
    return _table(out)


def check_parquet(batch: pa.Table, done: frozenset, max_chars: int) -> pa.Table:
    out = []
    for row in _rows(batch):
        pid, raw = row.get("id"), row.get("text")
        if pid is None:
            pid, raw = f"{Path(row['path']).name}#null-id", None
        pid = str(pid)
        if pid in done:
            continue
        text, error = documents.decode(raw) if isinstance(raw, bytes) else (raw, None)
        if raw is None and error is None:
            error = "bad Parquet row: id or text is null"
        out.append(_checked(pid, row["path"], text, error, max_chars))
    return _table(out)


_CHECKED = pa.schema(
    [
        ("policy_id", pa.string()),
        ("source", pa.string()),
        ("text", pa.string()),
        ("language", pa.string()),
        ("error", pa.string()),
    ]
)


def _checked(pid: str, source: str, text: str | None, error: str | None, max_chars: int) -> dict:
    error = error or documents.check_text(text, max_chars)
    return {"policy_id": pid, "source": source, "text": None if error else text, "language": None, "error": error}


def _table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=_CHECKED)


def segment_batch(batch: pa.Table, max_chars: int = documents.MAX_POLICY_CHARS) -> pa.Table:
    """Segmentation stage: the policy's format, clauses and language, as /analyze finds them."""
    from clausewise.analysis import read_policy

    out = []
    for row in _rows(batch):
        fmt, clauses, error, language = None, None, row["error"], None
        if error is None:
            try:
                policy = read_policy(row["text"])
                if (found := policy.text_chars) > max_chars:
                    error = f"too long: {found:,} characters of policy text, the limit is {max_chars:,}"
                else:
                    fmt, language = policy.format, policy.language
                    clauses = json.dumps(
                        [[c.start, c.end, c.text, c.heading, c.kind, c.paragraph] for c in policy.clauses]
                    )
            except Exception as exc:  # one odd document must not stop a corpus
                error = f"segmentation failed: {type(exc).__name__}: {exc}"
        out.append(
            {
                "policy_id": row["policy_id"],
                "source": row["source"],
                "language": language,
                "format": fmt,
                "clauses": clauses,
                "error": error,
            }
        )
    return pa.Table.from_pylist(out, schema=_SEGMENTED)


_SEGMENTED = pa.schema(
    [
        ("policy_id", pa.string()),
        ("source", pa.string()),
        ("language", pa.string()),
        ("format", pa.string()),
        ("clauses", pa.string()),
        ("error", pa.string()),
    ]
)


def load_bundle(bundle_ref, device: str, threads: int):
    """A ClauseModel from a model_bundle put in Ray's object store (inside an actor)."""
    import ray

    from clausewise.model import ClauseModel

    files = ray.get(bundle_ref["files"])  # wrapped in a dict so Ray hands over the reference, not a copy per call
    folder = tempfile.mkdtemp(prefix="clausewise-model-")
    try:
        for rel, data in files.items():
            (Path(folder) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(folder) / rel).write_bytes(data)
        return ClauseModel.load(folder, device=device, threads=threads)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # everything is in memory now


class Scorer:
    """Scoring stage, one per actor: the model loaded once, then model.scores + label_policy per policy."""

    def __init__(self, bundle_ref, device: str, threads: int):
        self.model = load_bundle(bundle_ref, device, threads)

    def __call__(self, batch: pa.Table) -> pa.Table:
        from clausewise.analysis import Policy, label_policy, score_policy, scoring_inputs
        from clausewise.segment import Clause
        from clausewise.settings import SCORE_BATCH

        out = []
        for row in _rows(batch):
            analysis, error = None, row["error"]
            if error is None:
                try:
                    policy = Policy(row["format"], [Clause(*c) for c in json.loads(row["clauses"])])
                    texts, contexts = scoring_inputs(policy, self.model.info)
                    score = lambda t, c: self.model.scores(t, c, batch_size=SCORE_BATCH)  # noqa: E731
                    rows = score_policy(score, texts, contexts) if texts else []
                    analysis = json.dumps(label_policy(policy, rows, self.model))
                except Exception as exc:  # one odd document must not stop a corpus
                    error = f"scoring failed: {type(exc).__name__}: {exc}"
            out.append(
                {
                    "policy_id": row["policy_id"],
                    "source": row["source"],
                    "language": row["language"],
                    "format": row["format"],
                    "analysis": analysis,
                    "error": error,
                }
            )
        return pa.Table.from_pylist(out, schema=_SCORED)


_SCORED = pa.schema(
    [
        ("policy_id", pa.string()),
        ("source", pa.string()),
        ("language", pa.string()),
        ("format", pa.string()),
        ("analysis", pa.string()),
        ("error", pa.string()),
    ]
)


def write_batch(batch: pa.Table, out: str, labels: list[str], model_tag: str) -> pa.Table:
    """Write stage: one committed part of both tables; returns its counts for the summary."""
    results = [{**r, "analysis": json.loads(r["analysis"]) if r["analysis"] else None} for r in _rows(batch)]
    if not results:
        return pa.table(
            {
                "policies": pa.array([], pa.int64()),
                "clauses": pa.array([], pa.int64()),
                "errors": pa.array([], pa.int64()),
            }
        )
    clauses, policies = output.tables(results, labels, model_tag)
    output.write_part(out, clauses, policies)
    errors = sum(r["error"] is not None for r in results)
    return pa.table({"policies": [len(results)], "clauses": [clauses.num_rows], "errors": [errors]})


# --- the job ------------------------------------------------------------------------------------------
def _one_arg(stage: Callable[..., pa.Table]) -> Callable[[pa.Table], pa.Table]:
    """A stage as Ray's stubs type map_batches' fn (the batch alone); Ray passes the rest from fn_kwargs."""
    return cast("Callable[[pa.Table], pa.Table]", stage)


def read_inputs(inputs: list[str], done: frozenset, max_chars: int):
    """One dataset of checked policies from every input, each read by its Ray Data reader."""
    import ray.data

    parts = []
    for raw in inputs:
        path = Path(raw).resolve()
        kind = documents.kind_of(path)
        if kind == "folder":
            ds = ray.data.read_binary_files(
                str(path), include_paths=True, file_extensions=list(documents.DOC_EXTENSIONS)
            )
            root = str(path) + os.sep
            ds = ds.map_batches(
                _one_arg(check_files),
                batch_format="pyarrow",
                fn_kwargs={"root": root, "done": done, "max_chars": max_chars},
            )
        elif kind == "jsonl":
            ds = ray.data.read_text(str(path), include_paths=True, file_extensions=list(documents.JSONL_EXTENSIONS))
            ds = ds.map_batches(
                _one_arg(check_jsonl), batch_format="pyarrow", fn_kwargs={"done": done, "max_chars": max_chars}
            )
        else:
            ds = ray.data.read_parquet(
                str(path), include_paths=True, file_extensions=list(documents.PARQUET_EXTENSIONS)
            )
            missing = {"id", "text"} - set(ds.schema().names)
            if missing:
                raise ValueError(
                    f"Parquet input {path} needs columns id and text; missing {', '.join(sorted(missing))}"
                )
            ds = ds.select_columns(["id", "text", "path"])
            ds = ds.map_batches(
                _one_arg(check_parquet), batch_format="pyarrow", fn_kwargs={"done": done, "max_chars": max_chars}
            )
        parts.append(ds)
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def run(inputs: list[str], out: str | Path, options: BatchOptions | None = None) -> Summary:
    """Analyse every policy of the inputs not yet in `out`; write clauses/ and policies/ under it."""
    import ray

    from clausewise.model_dir import DEFAULT_TAG, read_info

    options = options or BatchOptions()
    if not inputs:
        raise ValueError("give at least one input: a folder of documents, a .jsonl file or a .parquet file")
    for raw in inputs:
        documents.kind_of(Path(raw))  # fail before starting Ray when an input is wrong
    tag, files = model_bundle(options.model or DEFAULT_TAG, with_torch=options.gpus > 0)
    out = str(Path(out).resolve())
    done = frozenset(output.prepare(out))
    with tempfile.TemporaryDirectory() as tmp:  # the labels, read from the model's own clausewise.json
        (Path(tmp) / "clausewise.json").write_bytes(files["clausewise.json"])
        labels = read_info(tmp).labels

    # A local Ray gets at least one CPU beyond the actors' for reading, segmentation and writing tasks:
    # actors holding every CPU would leave those tasks waiting for ever.
    actor_cpus = options.gpus or options.actors * options.cpus_per_actor
    if options.num_cpus and not os.environ.get("RAY_ADDRESS") and options.num_cpus <= actor_cpus and not options.gpus:
        raise ValueError(
            f"--num-cpus {options.num_cpus} leaves no CPU beside the actors' {actor_cpus} for reading, "
            f"segmentation and writing; give at least {actor_cpus + 1}"
        )
    started = connect(options.num_cpus or max(os.cpu_count() or 1, actor_cpus + 1))
    try:
        summary = Summary(skipped=len(done))
        t0 = time.perf_counter()
        bundle = {"files": ray.put(files)}
        ds = read_inputs(inputs, done, options.max_chars)
        ds = ds.map_batches(
            segment_batch,
            batch_format="pyarrow",
            batch_size=options.policies_per_call,
            fn_kwargs={"max_chars": options.max_chars},
        )
        # The memory request is the model's (files, then loaded) plus working room; it also keeps Ray Data
        # from fusing segmentation into the actors, so segmentation runs as its own tasks beside them.
        memory = 4 * sum(len(b) for b in files.values()) + (512 << 20)  # measured: 459 MiB for the 25 MB default
        if options.gpus:
            scorer = {
                "concurrency": options.gpus,
                "num_gpus": 1,
                "num_cpus": 1,
                "memory": memory,
                "fn_constructor_kwargs": {"bundle_ref": bundle, "device": "cuda", "threads": 0},
            }
        else:
            scorer = {
                "concurrency": options.actors,
                "num_cpus": options.cpus_per_actor,
                "memory": memory,
                "fn_constructor_kwargs": {"bundle_ref": bundle, "device": "cpu", "threads": options.cpus_per_actor},
            }
        ds = ds.map_batches(Scorer, batch_format="pyarrow", batch_size=options.policies_per_call, **scorer)
        ds = ds.map_batches(
            write_batch,
            batch_format="pyarrow",
            batch_size=options.part_size,
            fn_kwargs={"out": out, "labels": labels, "model_tag": tag},
        )
        for counts in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            summary.policies += sum(counts.column("policies").to_pylist())
            summary.clauses += sum(counts.column("clauses").to_pylist())
            summary.errors += sum(counts.column("errors").to_pylist())
        summary.seconds = time.perf_counter() - t0
        return summary
    finally:
        if started:
            ray.shutdown()
