"""Labelled clauses: loading, validation, per-label counts and the data hash.

    clausewise validate                                   # every label file under labels/
    clausewise validate labels/seeds --taxonomy my_taxonomy.yaml

One clause a line: {"id": "002-0042", "doc": "002_4b55...", "text": "...", "labels": ["data_use"]}
plus optional "heading", "start", "end", "kind". Validation reports every problem with file, line,
what was expected and what was found, and exits non-zero if there is any.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from clausewise.context import lead_ins_by_document
from clausewise.files import JsonlError, json_object
from clausewise.files import write_temp as write_temp  # training/registry.py imports it from here
from clausewise.taxonomy import REPO_ROOT, Taxonomy, load_taxonomy

LABELS_DIR = REPO_ROOT / "labels"
SEEDS_FILE = LABELS_DIR / "seeds" / "seeds.jsonl"
ADDED_FILE = "added.jsonl"  # clauses added by `clausewise retrain`
# Named training selections (paths relative to the labels folder); retrain's additions always join.
WRITTEN = ("seeds", "authored", "realistic")  # the sets we wrote or translated ourselves
REAL_TRAIN = "real/train"  # real policies (Open Terms Archive), labelled by us
SELECTIONS = {
    "seeds": ("seeds",),
    "authored": ("authored",),
    "realistic": ("realistic",),
    "seeds+authored": ("seeds", "authored"),
    "written": WRITTEN,
    "real": (REAL_TRAIN,),
    "all": (*WRITTEN, REAL_TRAIN),
}
DEFAULT_SELECTION = "all"  # real policies + written sets: best on the real held-out set (docs/quality.md)
# The held-out quality gates, never trained on, in the order reports show them: real policies first.
HELDOUT_SETS = {"real": "real/heldout", "written": "heldout"}


def selection_files(selection: str = DEFAULT_SELECTION, labels_dir: Path = LABELS_DIR) -> list[Path]:
    """The label files and folders of a named selection, plus labels/added.jsonl when it exists."""
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}; expected one of {', '.join(SELECTIONS)}")
    paths = [labels_dir / p for p in SELECTIONS[selection]]
    if (labels_dir / ADDED_FILE).is_file():
        paths.append(labels_dir / ADDED_FILE)
    return paths


def heldout_dirs(labels_dir: Path = LABELS_DIR) -> dict[str, Path]:
    """The held-out sets present under `labels_dir`, real first."""
    return {name: labels_dir / rel for name, rel in HELDOUT_SETS.items() if (labels_dir / rel).is_dir()}


def every_label_set(labels_dir: Path = LABELS_DIR) -> list[Path]:
    """Every labelled set in the repository: the training sets (and additions) and the held-out sets."""
    return selection_files("all", labels_dir) + list(heldout_dirs(labels_dir).values())


REQUIRED = ("id", "doc", "text", "labels")
OPTIONAL = {"heading": (str, type(None)), "start": (int,), "end": (int,), "kind": (str,)}


@dataclass(frozen=True)
class LabelRecord:
    """One labelled clause."""

    id: str
    doc: str
    text: str
    labels: tuple[str, ...]
    heading: str | None = None
    start: int | None = None
    end: int | None = None
    kind: str | None = None
    lead_in: str | None = field(default=None, compare=False)  # derived on loading (with_lead_ins), never stored

    def to_json(self) -> dict:
        d = asdict(self)
        d["labels"] = list(self.labels)
        del d["lead_in"]
        return {k: v for k, v in d.items() if v is not None or k in REQUIRED}


@dataclass(frozen=True)
class Problem:
    """One validation problem at a place in a file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class LabelFileError(ValueError):
    """Label files that failed validation; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in label files:\n{shown}{more}")


def normalise_text(text: str) -> str:
    """Key for duplicate detection: case and whitespace folded."""
    return re.sub(r"\s+", " ", text).strip().lower()


def resolve_label_files(paths: Sequence[str | Path]) -> list[Path]:
    """Files named directly, plus the *.jsonl files directly inside any folder named."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.jsonl"))
            if not found:
                raise FileNotFoundError(f"{p} holds no *.jsonl label files")
            files += found
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"label file or folder {p} does not exist")
    return files


def _check_record(obj: object, where: tuple[str, int], taxonomy: Taxonomy) -> tuple[LabelRecord | None, list[Problem]]:
    file, line = where
    out: list[Problem] = []
    if not isinstance(obj, dict):
        return None, [Problem(file, line, f"expected a JSON object, found {type(obj).__name__}")]
    for key in REQUIRED:
        if key not in obj:
            out.append(
                Problem(file, line, f"missing field {key!r}; expected fields {list(REQUIRED)}, found {sorted(obj)}")
            )
    if out:
        return None, out
    for key in ("id", "doc", "text"):
        if not isinstance(obj[key], str):
            out.append(Problem(file, line, f"field {key!r} must be a string, found {type(obj[key]).__name__}"))
    if not out and not obj["id"].strip():
        out.append(Problem(file, line, "field 'id' is empty; expected a non-empty id such as '002-0042'"))
    if not out and not obj["text"].strip():
        out.append(Problem(file, line, f"clause {obj['id']!r} has empty text; expected the clause text"))
    labels = obj["labels"]
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        out.append(Problem(file, line, f"field 'labels' must be a list of label names, found {labels!r:.80}"))
    else:
        unknown = [x for x in labels if x not in taxonomy.names]
        if unknown:
            out.append(
                Problem(file, line, f"unknown label(s) {unknown}; valid labels are: {', '.join(taxonomy.names)}")
            )
        if len(set(labels)) != len(labels):
            out.append(Problem(file, line, f"label listed twice in {labels}; expected each label at most once"))
    for key, types in OPTIONAL.items():
        if key in obj and obj[key] is not None and not isinstance(obj[key], types):
            out.append(
                Problem(
                    file,
                    line,
                    f"field {key!r} must be {' or '.join(t.__name__ for t in types)}, found {obj[key]!r:.60}",
                )
            )
    extra = set(obj) - set(REQUIRED) - set(OPTIONAL)
    if extra:
        out.append(Problem(file, line, f"unknown field(s) {sorted(extra)}; allowed: {list(REQUIRED) + list(OPTIONAL)}"))
    if out:
        return None, out
    record = LabelRecord(
        id=obj["id"],
        doc=obj["doc"],
        text=obj["text"],
        labels=tuple(sorted(set(labels), key=taxonomy.names.index)),
        heading=obj.get("heading"),
        start=obj.get("start"),
        end=obj.get("end"),
        kind=obj.get("kind"),
    )
    return record, []


def check_files(files: list[Path], taxonomy: Taxonomy) -> tuple[list[LabelRecord], list[Problem]]:
    """Parse and validate label files; returns the good records and every problem found."""
    records: list[LabelRecord] = []
    problems: list[Problem] = []
    first_id: dict[str, tuple[str, int]] = {}
    first_text: dict[tuple[str, str, str, str], tuple[str, int, tuple[str, ...]]] = {}
    previous: dict[tuple[str, str], str] = {}  # (file, doc) -> the text of the clause before
    for path in files:
        with open(path, encoding="utf-8", errors="strict") as fh:
            try:
                lines = fh.readlines()
            except UnicodeDecodeError as exc:
                problems.append(
                    Problem(str(path), 0, f"not valid UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8")
                )
                continue
        for n, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                obj = json_object(raw)
            except JsonlError as exc:
                problems.append(Problem(str(path), n, str(exc)))
                continue
            record, errs = _check_record(obj, (str(path), n), taxonomy)
            problems += errs
            if record is None:
                continue
            if record.id in first_id:
                f, ln = first_id[record.id]
                problems.append(Problem(str(path), n, f"duplicate id {record.id!r}; first seen at {f}:{ln}"))
                continue
            first_id[record.id] = (str(path), n)
            # Context decides some labels (rule 1: a clause is read with its heading and the clause before
            # it; the same exemption list item under a collection heading and under a sharing heading, a
            # continuation line "of your personal information." after an erasure right and after a
            # restriction right), so a conflict is the same text after the same clause under the same
            # heading, within one labelled set (folder): across sets a short line can play another part
            # ("Contact us" is a menu link at the top of seed 000 and a section heading elsewhere).
            doc_key = (str(path), record.doc or "")
            before = previous.get(doc_key, "")
            previous[doc_key] = record.text
            key = (
                str(path.parent),
                normalise_text(record.heading or ""),
                normalise_text(before),
                normalise_text(record.text),
            )
            if key in first_text and first_text[key][2] != record.labels:
                f, ln, other = first_text[key]
                problems.append(
                    Problem(
                        str(path),
                        n,
                        f"conflicting duplicate: same text and heading as {f}:{ln} but labels {list(record.labels)} "
                        f"vs {list(other)}; give both the same labels or remove one",
                    )
                )
                continue
            first_text.setdefault(key, (str(path), n, record.labels))
            records.append(record)
    return records, problems


def load_records(
    paths: Sequence[str | Path] | None = None, taxonomy: Taxonomy | None = None, selection: str = DEFAULT_SELECTION
) -> list[LabelRecord]:
    """Load and validate labelled clauses (the named selection when no paths are given); raises LabelFileError."""
    taxonomy = taxonomy or load_taxonomy()
    files = resolve_label_files(list(paths) if paths else selection_files(selection))
    records, problems = check_files(files, taxonomy)
    if problems:
        raise LabelFileError(problems)
    if not records:
        raise LabelFileError([Problem(str(files[0]), 0, "no labelled clauses found; expected at least one line")])
    return with_lead_ins(records)


def with_lead_ins(records: list[LabelRecord]) -> list[LabelRecord]:
    """The records, each with its lead-in (clausewise.context) among its document's records in file order."""
    leads = lead_ins_by_document(
        [r.doc for r in records], [r.text for r in records], [r.heading for r in records], [r.kind for r in records]
    )
    return [replace(r, lead_in=lead) for r, lead in zip(records, leads)]


def record_contexts(records: Sequence[LabelRecord], context: str) -> list[str | None]:
    """What a model with ModelInfo.context `context` reads before each record: lead-ins, else headings."""
    return [r.lead_in if context == "lead-in" else r.heading for r in records]


def label_counts(records: list[LabelRecord], taxonomy: Taxonomy) -> dict[str, int]:
    """Clauses per label in taxonomy order, plus '(none)' for clauses without labels."""
    counts = Counter(label for r in records for label in r.labels)
    out = {name: counts.get(name, 0) for name in taxonomy.names}
    out["(none)"] = sum(1 for r in records if not r.labels)
    return out


def data_hash(records: list[LabelRecord], taxonomy: Taxonomy) -> str:
    """sha256 over the taxonomy names and every (id, text, heading, labels), order-independent."""
    h = hashlib.sha256()
    h.update(json.dumps(list(taxonomy.names)).encode())
    for r in sorted(records, key=lambda r: r.id):
        h.update(json.dumps([r.id, r.text, r.heading, list(r.labels)], ensure_ascii=False).encode())
    return h.hexdigest()
