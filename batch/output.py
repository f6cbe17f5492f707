"""The output folder of a batch run: two Parquet tables written part by part, and what a rerun skips.

    done = prepare(out)                                   # ids already written; half-written parts removed
    write_part(out, clause_table, policy_table)           # clauses/part-X.parquet, then policies/part-X.parquet

A part is committed when its policies/ file exists: the clauses/ file is written first, each file
lands under a temporary name and is renamed into place. A killed run leaves at most temporary files
and clauses/ parts without their policies/ twin; `prepare` deletes both, so a rerun redoes exactly
the policies whose part was in flight and never duplicates a clause.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

CLAUSES, POLICIES = "clauses", "policies"
_TMP = ".tmp-"  # pyarrow and Ray Data skip files whose names start with "." when reading a folder


def clause_schema(labels: list[str]) -> pa.Schema:
    return pa.schema(
        [
            ("policy_id", pa.string()),
            ("index", pa.int32()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("kind", pa.string()),
            ("heading", pa.string()),
            ("text", pa.string()),
            ("labels", pa.list_(pa.string())),  # chosen labels, best first (per-label tuned thresholds)
            ("scores", pa.struct([(n, pa.float32()) for n in labels])),  # every label's score; null for chrome
            ("model", pa.string()),
        ]
    )


def policy_schema() -> pa.Schema:
    coverage = pa.struct(
        [("label", pa.string()), ("clauses", pa.int32()), ("best_clause", pa.int32()), ("best_score", pa.float32())]
    )
    return pa.schema(
        [
            ("policy_id", pa.string()),
            ("source", pa.string()),
            ("format", pa.string()),
            ("language", pa.string()),
            ("clauses", pa.int32()),
            ("coverage", pa.list_(coverage)),
            ("missing", pa.list_(pa.string())),
            ("error", pa.string()),
            ("model", pa.string()),
        ]
    )


def tables(results: list[dict], labels: list[str], model_tag: str) -> tuple[pa.Table, pa.Table]:
    """(clauses, policies) tables of analysed policies.

    Each result is {policy_id, source, format, language, error, analysis}; analysis is label_policy's
    output, or None for a policy with an error.
    """
    clause_rows, policy_rows = [], []
    for r in results:
        analysis = r.get("analysis")
        for c in (analysis or {}).get("clauses", []):
            clause_rows.append(
                {
                    "policy_id": r["policy_id"],
                    "index": c["index"],
                    "start": c["start"],
                    "end": c["end"],
                    "kind": c["kind"],
                    "heading": c["heading"],
                    "text": c["text"],
                    "labels": [x["label"] for x in c["labels"]],
                    "scores": c["scores"] or None,
                    "model": model_tag,
                }
            )
        policy_rows.append(
            {
                "policy_id": r["policy_id"],
                "source": r.get("source"),
                "format": r.get("format"),
                "language": r.get("language"),
                "clauses": len(analysis["clauses"]) if analysis else 0,
                "coverage": analysis["coverage"] if analysis else [],
                "missing": analysis["missing"] if analysis else [],
                "error": r.get("error"),
                "model": model_tag,
            }
        )
    return (
        pa.Table.from_pylist(clause_rows, schema=clause_schema(labels)),
        pa.Table.from_pylist(policy_rows, schema=policy_schema()),
    )


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(_TMP + path.name)
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:  # on disk before the rename makes it visible
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_part(out: str | Path, clauses: pa.Table, policies: pa.Table) -> str:
    """Write one part of both tables; the policies/ file, written last, commits it. Returns the part name."""
    out = Path(out)
    name = f"part-{uuid.uuid4().hex}.parquet"
    _write_atomic(clauses, out / CLAUSES / name)
    _write_atomic(policies, out / POLICIES / name)
    return name


def prepare(out: str | Path) -> set[str]:
    """Create the folders, remove what a killed run left half-written, return the policy ids already written."""
    out = Path(out)
    (out / CLAUSES).mkdir(parents=True, exist_ok=True)
    (out / POLICIES).mkdir(parents=True, exist_ok=True)
    for table in (CLAUSES, POLICIES):
        for tmp in (out / table).glob(_TMP + "*"):
            tmp.unlink()
    committed = {p.name for p in (out / POLICIES).glob("part-*.parquet")}
    for orphan in (out / CLAUSES).glob("part-*.parquet"):
        if orphan.name not in committed:
            orphan.unlink()
    if not committed:
        return set()
    ids = pq.ParquetDataset(str(out / POLICIES)).read(columns=["policy_id"]).column("policy_id")
    return set(ids.to_pylist())
