"""`clausewise batch` (batch/): input checks, the output folder, and whole runs on a small local Ray."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("ray")

from batch import documents, output
from batch.job import BatchOptions, run
from tests.utils import ROOT, SEED_DOCS

AUTHORED = ROOT / "labels" / "authored" / "docs"


# --- documents and the output folder (no Ray) ---------------------------------------------------------
def test_decode_names_what_is_wrong_with_bad_bytes():
    assert documents.decode(b"Wir speichern Daten.") == ("Wir speichern Daten.", None)
    assert documents.decode("We use cookies.".encode("utf-16")) == ("We use cookies.", None)
    assert documents.decode(b" \n\t")[1] == "empty document"
    assert "binary" in documents.decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")[1]
    assert "not UTF-8" in documents.decode("Données personnelles".encode("latin-1"))[1]


def test_check_text_applies_the_analyze_limits():
    assert documents.check_text("We use cookies.") is None
    assert documents.check_text("\u3000 \n") == "empty document"
    assert (
        documents.check_text("x" * 31, max_chars=10)
        == "too long: at least 31 characters of policy text, the limit is 10"
    )
    assert "control characters" in documents.check_text("\x01\x02\x03\x04 ab")


def test_jsonl_lines_that_are_not_records_get_an_error_and_a_stable_id():
    assert documents.parse_jsonl_line('{"id": 7, "text": "We use cookies."}', "/x/a.jsonl") == (
        "7",
        "We use cookies.",
        None,
    )
    pid, text, error = documents.parse_jsonl_line('{"id": "p1", "text": null}', "/x/a.jsonl")
    assert (pid, text) == ("p1", None) and "'text' must be a string" in error
    pid, text, error = documents.parse_jsonl_line("{not json", "/x/a.jsonl")
    assert pid.startswith("a.jsonl#line-") and text is None and "not JSON" in error
    assert documents.parse_jsonl_line("{not json", "/x/a.jsonl")[0] == pid


def test_kind_of_rejects_what_batch_cannot_read(tmp_path):
    assert documents.kind_of(SEED_DOCS) == "folder"
    (tmp_path / "a.csv").write_text("id,text\n", encoding="utf-8")
    with pytest.raises(ValueError, match="one kind of input"):
        documents.kind_of(tmp_path)
    with pytest.raises(ValueError, match=r"a \.jsonl file or a \.parquet file"):
        documents.kind_of(tmp_path / "a.csv")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        documents.kind_of(tmp_path / "nowhere")


def _analysis(labels):
    clause = {
        "index": 0,
        "start": 0,
        "end": 3,
        "heading": None,
        "kind": "clause",
        "text": "abc",
        "labels": [{"label": labels[0], "score": 0.9}],
        "scores": {n: 0.9 for n in labels},
    }
    chrome = {**clause, "index": 1, "kind": "chrome", "labels": [], "scores": {}}
    coverage = [
        {
            "label": n,
            "clauses": int(n == labels[0]),
            "best_clause": 0 if n == labels[0] else None,
            "best_score": 0.9 if n == labels[0] else None,
        }
        for n in labels
    ]
    return {"clauses": [clause, chrome], "coverage": coverage, "missing": labels[1:]}


def test_prepare_removes_half_written_parts_and_returns_written_ids(tmp_path):
    labels = ["a", "b"]
    results = [
        {
            "policy_id": "p1",
            "source": "s",
            "format": "text",
            "language": "en",
            "error": None,
            "analysis": _analysis(labels),
        },
        {"policy_id": "p2", "source": "s", "error": "empty document", "analysis": None},
    ]
    clauses, policies = output.tables(results, labels, "m:1")
    assert clauses.num_rows == 2 and clauses.column("scores").to_pylist()[1] is None  # chrome: no scores
    assert policies.column("clauses").to_pylist() == [2, 0]
    assert output.prepare(tmp_path) == set()
    name = output.write_part(tmp_path, clauses, policies)
    pq.write_table(clauses, tmp_path / "clauses" / "part-orphan.parquet")  # a kill between the two files
    (tmp_path / "policies" / ".tmp-part-x.parquet").write_bytes(b"half")  # a kill inside a write
    assert output.prepare(tmp_path) == {"p1", "p2"}
    assert [p.name for p in (tmp_path / "clauses").iterdir()] == [name]
    assert [p.name for p in (tmp_path / "policies").iterdir()] == [name]


# --- whole runs on a local Ray ------------------------------------------------------------------------
BAD_DOCS = {
    "empty.txt": b"",
    "blank.md": b"  \n\n",
    "binary.html": b"\x00\x01\x02PK\x03\x04" * 50,
    "latin1.txt": "Nous collectons vos données.".encode("latin-1"),
    "huge.txt": b"We use cookies. " * 4100,
}


def _read(out: Path, table: str) -> pa.Table:
    return pq.ParquetDataset(str(out / table)).read()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """Seeds as a folder, three authored documents as JSONL (plus two broken lines), two as Parquet, bad files."""
    base = tmp_path_factory.mktemp("corpus")
    authored = sorted(AUTHORED.iterdir())
    lines = [json.dumps({"id": f"j-{p.stem}", "text": p.read_text(encoding="utf-8")}) for p in authored[:3]]
    (base / "policies.jsonl").write_text(
        "\n".join(lines + ["{broken", '{"id": "j-null", "text": null}']) + "\n", encoding="utf-8"
    )
    pq.write_table(
        pa.table(
            {
                "id": [f"q-{p.stem}" for p in authored[3:5]] + ["q-bytes"],
                "text": [p.read_bytes() for p in authored[3:5]] + [b"\xff\xfe\x00\xd8 bad"],
            }
        ),
        base / "policies.parquet",
    )
    (base / "bad").mkdir()
    for name, data in BAD_DOCS.items():
        (base / "bad" / name).write_bytes(data)
    return {
        "folder": SEED_DOCS,
        "jsonl": base / "policies.jsonl",
        "parquet": base / "policies.parquet",
        "bad": base / "bad",
    }


@pytest.fixture(scope="module")
def batch_out(stored_model, corpus, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("batch-out")
    options = BatchOptions(model=stored_model, actors=1, num_cpus=2, part_size=3, max_chars=60_000)
    summary = run([str(p) for p in corpus.values()], out, options)
    return out, summary


@pytest.mark.slow
def test_batch_writes_both_tables_in_parts(batch_out, stored_model):
    out, summary = batch_out
    policies, clauses = _read(out, "policies"), _read(out, "clauses")
    ids = policies.column("policy_id").to_pylist()
    assert len(ids) == len(set(ids)) == summary.policies == 5 + 5 + 3 + len(BAD_DOCS)
    assert len(list((out / "policies").glob("part-*.parquet"))) > 1  # partitioned, not one file
    assert clauses.num_rows == summary.clauses == sum(policies.column("clauses").to_pylist())
    assert set(clauses.column("model").to_pylist()) == set(policies.column("model").to_pylist()) == {str(stored_model)}
    labels = [c["label"] for c in next(cov for cov in policies.column("coverage").to_pylist() if cov)]
    assert [f.name for f in clauses.schema.field("scores").type] == labels
    seeds = {
        r["policy_id"]: r for r in policies.to_pylist() if r["policy_id"].endswith(".txt") and "_" in r["policy_id"]
    }
    assert len(seeds) == 5 and all(
        r["error"] is None and r["language"] == "en" and r["clauses"] > 0 for r in seeds.values()
    )


@pytest.mark.slow
def test_bad_documents_get_an_error_row_and_no_clauses(batch_out):
    out, summary = batch_out
    rows = {r["policy_id"]: r for r in _read(out, "policies").to_pylist()}
    errors = {pid: r["error"] for pid, r in rows.items() if r["error"]}
    assert errors["empty.txt"] == errors["blank.md"] == "empty document"
    assert "binary" in errors["binary.html"]
    assert "not UTF-8" in errors["latin1.txt"]
    assert errors["huge.txt"].startswith("too long: 61,500 characters of policy text")  # 4,100 x 15
    assert "'text' must be a string" in errors["j-null"]
    assert any(pid.startswith("policies.jsonl#line-") and "not JSON" in e for pid, e in errors.items())
    assert "q-bytes" in errors
    assert summary.errors == len(errors) == 8
    assert not set(errors) & set(_read(out, "clauses").column("policy_id").to_pylist())
    assert all(rows[pid]["clauses"] == 0 for pid in errors)


@pytest.mark.slow
def test_a_rerun_skips_every_policy_already_written(batch_out, stored_model, corpus):
    out, first = batch_out
    again = run([str(p) for p in corpus.values()], out, BatchOptions(model=stored_model, num_cpus=2))
    assert (again.policies, again.clauses, again.skipped) == (0, 0, first.policies)
    assert _read(out, "policies").num_rows == first.policies


@pytest.mark.slow
def test_batch_labels_equal_analyze_labels(batch_out, server):
    import httpx

    out, _ = batch_out
    clauses = _read(out, "clauses").to_pylist()
    policies = {r["policy_id"]: r for r in _read(out, "policies").to_pylist()}
    for path in sorted(SEED_DOCS.glob("*.txt")):
        answer = httpx.post(f"{server}/analyze", json={"text": path.read_text(encoding="utf-8")}, timeout=60).json()
        mine = sorted((c for c in clauses if c["policy_id"] == path.name), key=lambda c: c["index"])
        assert policies[path.name]["clauses"] == len(answer["clauses"]) == len(mine)
        assert policies[path.name]["missing"] == answer["missing"]
        assert policies[path.name]["model"] == answer["model"]
        for got, want in zip(mine, answer["clauses"]):
            assert (got["start"], got["end"], got["kind"]) == (want["start"], want["end"], want["kind"])
            assert got["labels"] == [x["label"] for x in want["labels"]]
            for name, score in want["scores"].items():
                assert got["scores"][name] == pytest.approx(score, abs=1e-5)


# --- kill half way, rerun, compare with an uninterrupted run -----------------------------------------
def _sorted_rows(out: Path, table: str, keys: list[str]) -> list[dict]:
    rows = _read(out, table).to_pylist()
    for r in rows:
        r.pop("source", None)
        if r.get("scores"):
            r["scores"] = {k: round(v, 4) for k, v in r["scores"].items()}
    return sorted(rows, key=lambda r: [r[k] for k in keys])


def _kill_tree(pid: int) -> None:
    """SIGKILL the driver and every process under it (the local Ray it started: GCS, raylet, workers)."""
    import psutil

    parent = psutil.Process(pid)
    procs = [parent] + parent.children(recursive=True)
    for p in procs:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=30)


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_tables_as_an_uninterrupted_one(stored_model, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    seeds = sorted(SEED_DOCS.glob("*.txt"))
    for k in range(24):  # 24 policies, the large seed among them often enough to make the run take a while
        src = seeds[-1] if k % 2 else seeds[k % len(seeds)]
        (docs / f"p{k:02d}.txt").write_bytes(src.read_bytes())
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    cmd = [
        sys.executable,
        "-m",
        "clausewise_cli",
        "batch",
        str(docs),
        "--model",
        str(stored_model),
        "--part-size",
        "1",
        "--num-cpus",
        "2",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("RAY_ADDRESS", None)
    proc = subprocess.Popen(
        cmd + ["--output", str(killed)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 600  # Ray's start-up alone can take minutes on a loaded 2-core machine
        while not list((killed / "policies").glob("part-*.parquet")) and time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended before it wrote its first part"
            time.sleep(0.02)
        running = proc.poll() is None
    finally:
        _kill_tree(proc.pid)
    written = len(list((killed / "policies").glob("part-*.parquet")))
    assert running and 0 < written < 24, f"killed with {written} of 24 policies written"

    resumed = subprocess.run(
        cmd + ["--output", str(killed)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"({written:,} already written, skipped)" in resumed.stdout
    run([str(docs)], whole, BatchOptions(model=stored_model, num_cpus=2, part_size=5))

    assert _sorted_rows(killed, "policies", ["policy_id"]) == _sorted_rows(whole, "policies", ["policy_id"])
    assert _sorted_rows(killed, "clauses", ["policy_id", "index"]) == _sorted_rows(
        whole, "clauses", ["policy_id", "index"]
    )
