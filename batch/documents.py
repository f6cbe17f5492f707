"""Input documents for batch: which reader each input needs, and turning raw rows into checked policies.

    kind_of(Path("labels/seeds/docs"))      # "folder" | "jsonl" | "parquet"
    text, error = decode(raw_bytes)          # (text, None) or (None, "not UTF-8 text ...")
    check_text(text, max_chars)              # None or the reason the policy is not analysed

Every policy becomes one row {policy_id, source, text, error}; a bad document keeps its row with the
error set and no text, so it ends up in policies/ and never stops the job.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

from clausewise.segment import rough_text_chars
from clausewise.settings import MAX_POLICY_CHARS, far_over, is_blank  # the limits /analyze applies

DOC_EXTENSIONS = ("txt", "md", "markdown", "html", "htm")
JSONL_EXTENSIONS = ("jsonl", "ndjson", "json")
PARQUET_EXTENSIONS = ("parquet",)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def kind_of(path: Path) -> str:
    """The reader an input needs: a folder of documents, JSONL files or Parquet files."""
    if not path.exists():
        raise FileNotFoundError(f"input {path} does not exist")
    if path.is_file():
        ext = path.suffix.lower().lstrip(".")
        if ext in JSONL_EXTENSIONS:
            return "jsonl"
        if ext in PARQUET_EXTENSIONS:
            return "parquet"
        raise ValueError(f"input {path}: expected a folder of documents, a .jsonl file or a .parquet file")
    exts = {p.suffix.lower().lstrip(".") for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")}
    found = [
        kind
        for kind, known in (("folder", DOC_EXTENSIONS), ("jsonl", JSONL_EXTENSIONS), ("parquet", PARQUET_EXTENSIONS))
        if exts & set(known)
    ]
    if len(found) != 1:
        what = "none of them" if not found else " and ".join(found)
        raise ValueError(
            f"input folder {path} must hold one kind of input (documents .txt/.md/.html, .jsonl or "
            f".parquet files); found {what}"
        )
    return found[0]


def decode(data: bytes) -> tuple[str | None, str | None]:
    """UTF-8 text (a BOM picks UTF-8 or UTF-16), or the reason the bytes are not a text document."""
    if not data.strip():
        return None, "empty document"
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), None
            except UnicodeDecodeError as exc:
                return None, f"undecodable: not {codec} text after its byte-order mark (byte {exc.start})"
    if b"\x00" in data[:65536]:
        return None, "binary file (NUL bytes), not a text document"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"undecodable: not UTF-8 text (byte {exc.start}); convert it to UTF-8"
    return text, None


def check_text(text: str | None, max_chars: int = MAX_POLICY_CHARS) -> str | None:
    """None when the policy can be analysed, else why not (the same limits as /analyze)."""
    if text is None or is_blank(text):
        return "empty document"
    if far_over(rough := rough_text_chars(text), max_chars):  # refused before segmentation, as /analyze does
        return f"too long: at least {rough:,} characters of policy text, the limit is {max_chars:,}"
    controls = sum(1 for ch in text[:65536] if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if controls > 0.1 * min(len(text), 65536):
        return "binary content (control characters), not a text document"
    return None


def parse_jsonl_line(line: str, source: str) -> tuple[str, str | None, str | None]:
    """(policy_id, text, error) of one JSONL line; a broken line gets an id from its file and content."""
    why: str | None = None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        obj, why = None, f"not JSON ({exc.msg} at column {exc.colno})"
    if isinstance(obj, dict) and isinstance(obj.get("id"), (str, int)) and not isinstance(obj.get("id"), bool):
        text = obj.get("text")
        if isinstance(text, str):
            return str(obj["id"]), text, None
        return str(obj["id"]), None, f"bad JSONL record: 'text' must be a string, found {type(text).__name__}"
    if why is None:
        why = "a JSONL record must be an object with a string or integer 'id' and a string 'text'"
    digest = hashlib.sha1(line.encode("utf-8", "replace")).hexdigest()[:12]
    return f"{Path(source).name}#line-{digest}", None, f"bad JSONL record: {why}"
