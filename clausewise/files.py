"""JSON Lines and atomic writes: the project's one JSONL reader, one JSONL writer and one atomic writer.

rows = read_jsonl(Path("labels/seeds/seeds.jsonl"))      # list of dicts; bad JSON names file and line
write_jsonl(Path("out.jsonl"), rows)                    # atomic: a temp file beside it, then os.replace
write_text_atomic(Path("report.md"), text)
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path


class JsonlError(ValueError):
    """A JSONL file with a line that is not a JSON object; the message names the file and the line."""


def read_jsonl(path: str | Path) -> list[dict]:
    """Every JSON object of a JSONL file (blank lines skipped); JsonlError names the file and line of a bad one."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json_object(line))
                except JsonlError as exc:
                    raise JsonlError(f"{path}:{n}: {exc}") from exc
    return rows


def json_object(line: str) -> dict:
    """One JSONL line as a dict; JsonlError says what was wrong (callers that collect problems add the place)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise JsonlError(f"invalid JSON ({exc.msg}); expected one JSON object per line") from exc
    if not isinstance(obj, dict):
        raise JsonlError(f"expected a JSON object, found {type(obj).__name__}; write one object per line")
    return obj


def jsonl_text(rows: Iterable[dict]) -> str:
    """Rows as JSONL text: one object a line, UTF-8 kept as is, a newline after each."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def write_temp(path: Path, text: str) -> Path:
    """Write `text` to a hidden temp file beside `path` (same file system), fsynced; os.replace it to commit.

    The name is unique per call, so concurrent writers of one file never share a temp file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    with open(tmp, "x", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def write_text_atomic(path: str | Path, text: str) -> None:
    """Replace `path` with `text` atomically: readers see the old file or the new one, never half of one."""
    path = Path(path)
    tmp = write_temp(path, text)
    try:
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> None:
    """Replace `path` with the rows as JSONL, atomically."""
    write_text_atomic(path, jsonl_text(rows))
