"""Read new labels from JSONL, CSV or Label Studio exports, detected from the content.

    rows, report = read_new_labels(Path("export.json"), taxonomy)

Formats:
  jsonl         one object a line with "text" and "labels" (our label files; "id", "doc", "heading" kept)
  csv           a "text" column plus either a "labels" column (names joined by ';') or one 0/1 column
                per label; optional "heading", "doc", "id" columns
  label-studio  a JSON list of tasks: the full export ("data" + "annotations") or JSON_MIN (flat rows,
                one per annotation); cancelled or skipped annotations are dropped, several annotations
                of one task are resolved per label by majority, and ties are reported
Label names are matched case-insensitively. Every problem names the file and the row.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from clausewise.files import JsonlError, json_object
from clausewise.taxonomy import Taxonomy
from training.data import Problem
from training.suggest import TASK_DATA_KEYS

# Keys of a JSON_MIN row that are not choices: Label Studio's own, and the task data `clausewise suggest` writes.
META_KEYS = {
    *("id", "text", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "heading", "doc"),
    *("agreement", "inner_id", "total_annotations", "cancelled_annotations", "total_predictions", *TASK_DATA_KEYS),
}
SPLIT_CHARS = ";|"


@dataclass(frozen=True)
class NewLabel:
    """One labelled clause from an input file, with where it came from."""

    text: str
    labels: tuple[str, ...]
    source: str  # "file:row" or "file:task <id>"
    heading: str | None = None
    doc: str | None = None
    id: str | None = None


@dataclass
class ReadReport:
    """What reading the files found besides the rows: the format, what was dropped and why."""

    formats: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # cancelled/skipped annotations, empty tasks
    ties: list[str] = field(default_factory=list)  # tasks left out because annotators tied on a label


def label_file_format(text: str) -> str:
    """'label-studio' for a JSON list, 'jsonl' for JSON objects a line, else 'csv'."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        return "label-studio"
    if head.startswith("{"):
        return "jsonl"
    return "csv"


def _labels(
    values: list, taxonomy: Taxonomy, where: str, problems: list[Problem], file: str, row: int
) -> tuple[str, ...] | None:
    """Canonical label names for the given names (case-insensitive), or None with a problem recorded."""
    out: list[str] = []
    unknown: list[str] = []
    for v in values:
        if not isinstance(v, str):
            problems.append(Problem(file, row, f"{where}: label {v!r} is not a string; expected label names"))
            return None
        name = v.strip()
        if not name:
            continue
        canon = taxonomy.canonical(name)
        (out if canon else unknown).append(canon or name)
    if unknown:
        problems.append(
            Problem(file, row, f"{where}: unknown label(s) {unknown}; valid labels are: {', '.join(taxonomy.names)}")
        )
        return None
    return tuple(sorted(set(out), key=taxonomy.names.index))


def _text(value, file: str, row: int, problems: list[Problem]) -> str | None:
    if not isinstance(value, str):
        problems.append(Problem(file, row, f"'text' must be a string, found {type(value).__name__}"))
        return None
    if not value.strip():
        problems.append(Problem(file, row, "empty text; every row needs the clause text"))
        return None
    return value


def _jsonl_rows(path: Path, content: str, taxonomy: Taxonomy, problems: list[Problem]) -> list[NewLabel]:
    rows = []
    for n, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json_object(line)
        except JsonlError as exc:
            problems.append(Problem(str(path), n, str(exc)))
            continue
        if "text" not in obj or "labels" not in obj:
            problems.append(
                Problem(str(path), n, "expected an object with 'text' and 'labels' (a list of label names)")
            )
            continue
        text = _text(obj["text"], str(path), n, problems)
        if not isinstance(obj["labels"], list):
            problems.append(
                Problem(str(path), n, f"'labels' must be a list of label names, found {obj['labels']!r:.60}")
            )
            continue
        labels = _labels(obj["labels"], taxonomy, "labels", problems, str(path), n)
        if text is not None and labels is not None:
            rows.append(NewLabel(text, labels, f"{path}:{n}", obj.get("heading"), obj.get("doc"), obj.get("id")))
    return rows


def _csv_rows(path: Path, content: str, taxonomy: Taxonomy, problems: list[Problem]) -> list[NewLabel]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    lower = {h.lower(): h for h in header}
    if "text" not in lower:
        problems.append(Problem(str(path), 1, f"CSV needs a 'text' column; found columns {header}"))
        return []
    optional = {"heading", "doc", "id"}
    label_cols: dict[str, str] = {}  # label column -> canonical label name
    mode = "joined" if "labels" in lower else "columns"
    if mode == "columns":
        columns = {h: taxonomy.canonical(h) for h in header if h.lower() not in {"text"} | optional}
        unknown = [h for h, c in columns.items() if c is None]
        if unknown or not columns:
            found = f"unknown column(s) {unknown}; " if unknown else "no label columns; "
            expected = "expected a 'labels' column (names joined by ';') or one 0/1 column per label: "
            problems.append(Problem(str(path), 1, found + expected + ", ".join(taxonomy.names)))
            return []
        label_cols = {h: c for h, c in columns.items() if c is not None}
    rows = []
    for n, raw in enumerate(reader, 2):
        row = {(k or "").strip().lower(): v for k, v in raw.items()}
        if None in raw or any(v is None for v in raw.values()):
            problems.append(Problem(str(path), n, f"expected {len(header)} columns, found a different number"))
            continue
        text = _text(row["text"], str(path), n, problems)
        if mode == "joined":
            value = row["labels"] or ""
            sep = next((c for c in SPLIT_CHARS if c in value), ";")
            labels = _labels([x for x in value.split(sep)], taxonomy, "labels", problems, str(path), n)
        else:
            marked, bad = [], []
            for col, canon in label_cols.items():
                v = (row[col.lower()] or "").strip().lower()
                if v in ("1", "true", "yes", "x"):
                    marked.append(canon)
                elif v not in ("0", "false", "no", ""):
                    bad.append(f"{col}={v!r}")
            if bad:
                problems.append(Problem(str(path), n, f"label columns must be 0 or 1, found {', '.join(bad)}"))
                labels = None
            else:
                labels = tuple(sorted(set(marked), key=taxonomy.names.index))
        if text is not None and labels is not None:
            meta = [row.get(key) or None for key in ("heading", "doc", "id")]
            rows.append(NewLabel(text, labels, f"{path}:{n}", *meta))
    return rows


def _ls_choices(result: list, where: str, file: str, problems: list[Problem]) -> list | None:
    """Chosen names from one Label Studio annotation's result list (Choices tags only)."""
    chosen = []
    for item in result or []:
        if not isinstance(item, dict):
            problems.append(Problem(file, 0, f"{where}: result items must be objects"))
            return None
        if item.get("type", "choices") == "choices":
            chosen += (item.get("value") or {}).get("choices", [])
    return chosen


def _label_studio_rows(
    path: Path, content: str, taxonomy: Taxonomy, problems: list[Problem], report: ReadReport
) -> list[NewLabel]:
    try:
        tasks = json.loads(content)
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(str(path), exc.lineno, f"invalid JSON ({exc.msg}); expected a Label Studio JSON export")
        )
        return []
    if not isinstance(tasks, list):
        problems.append(Problem(str(path), 1, "expected a JSON list of Label Studio tasks"))
        return []
    # task key -> (text, heading, doc, [chosen-label lists, one per kept annotation])
    votes: dict[str, list] = {}
    order: list[str] = []
    for n, task in enumerate(tasks, 1):
        where = f"task {n}"
        if not isinstance(task, dict):
            problems.append(Problem(str(path), n, f"{where}: expected an object"))
            continue
        full = "annotations" in task or "data" in task
        data = task.get("data", {}) if full else task
        if not isinstance(data, dict):
            problems.append(Problem(str(path), n, f"{where}: 'data' must be an object"))
            continue
        key = str(task.get("id", f"#{n}"))
        where = f"task {key}"
        text = data.get("text")
        if text is None:
            strings = [v for k, v in data.items() if isinstance(v, str) and k not in META_KEYS]
            text = strings[0] if len(strings) == 1 else None
        if text is None:
            problems.append(
                Problem(str(path), n, f"{where}: no 'text' field in the task data; found keys {sorted(data)}")
            )
            continue
        text = _text(text, str(path), n, problems)
        if text is None:
            continue
        if full:
            kept = []
            for a in task.get("annotations", []):
                if a.get("was_cancelled") or a.get("skipped"):
                    report.dropped.append(f"{path}:{where}: annotation {a.get('id', '?')} cancelled or skipped")
                    continue
                chosen = _ls_choices(a.get("result", []), where, str(path), problems)
                if chosen is not None:
                    kept.append(chosen)
        else:  # JSON_MIN: the choices sit under the control's name, as a string, a list or {"choices": [...]}
            fields = {k: v for k, v in task.items() if k not in META_KEYS}
            chosen = []
            for v in fields.values():
                if isinstance(v, dict):
                    v = v.get("choices", [])
                chosen += [v] if isinstance(v, str) else list(v) if isinstance(v, list) else []
            kept = [chosen] if fields else []
        if key not in votes:
            votes[key] = [text, data.get("heading"), data.get("doc"), [], n]
            order.append(key)
        votes[key][3] += kept
    rows = []
    for key in order:
        text, heading, doc, annotations, n = votes[key]
        if not annotations:
            report.dropped.append(f"{path}:task {key}: no annotation left (all cancelled or skipped)")
            continue
        found = [_labels(a, taxonomy, f"task {key}", problems, str(path), n) for a in annotations]
        resolved = [r for r in found if r is not None]
        if len(resolved) < len(found):  # an annotation with a bad label: its problem is recorded
            continue
        counts: dict[str, int] = defaultdict(int)
        for r in resolved:
            for name in r:
                counts[name] += 1
        half = len(resolved) / 2
        tied = sorted(name for name, c in counts.items() if c == half)
        if tied:
            report.ties.append(
                f"{path}:task {key}: {len(resolved)} annotations tie on {tied}; left out, resolve it in Label Studio"
            )
            continue
        labels = tuple(sorted((name for name, c in counts.items() if c > half), key=taxonomy.names.index))
        rows.append(NewLabel(text, labels, f"{path}:task {key}", heading, doc, None))
    return rows


def read_new_labels(paths: list[Path], taxonomy: Taxonomy) -> tuple[list[NewLabel], ReadReport, list[Problem]]:
    """Every row of every file, the read report, and every problem found (nothing is dropped silently)."""
    rows: list[NewLabel] = []
    problems: list[Problem] = []
    report = ReadReport()
    for path in paths:
        if not path.is_file():
            problems.append(Problem(str(path), 0, "file not found"))
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(str(path), 0, f"not valid UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8")
            )
            continue
        fmt = label_file_format(content)
        report.formats[str(path)] = fmt
        if fmt == "jsonl":
            rows += _jsonl_rows(path, content, taxonomy, problems)
        elif fmt == "csv":
            rows += _csv_rows(path, content, taxonomy, problems)
        else:
            rows += _label_studio_rows(path, content, taxonomy, problems, report)
    return rows, report, problems
