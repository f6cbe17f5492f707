"""Paragraph-level examples built from labelled clauses: for training, and for scoring the held-out set.

    windows = section_windows(records)        # consecutive clauses of one section joined, labels united
    blocks = paragraphs(records)              # the document's own paragraphs (clausewise.segment.paragraphs)

Users paste paragraphs into /classify; the model trains on sentences, so paragraph examples teach it
what a 60-150-word mixture of topics looks like. A paragraph's labels are the union of its clauses'.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from itertools import groupby
from pathlib import Path

from clausewise.segment import detect_format
from clausewise.segment.paragraphs import paragraph_ids
from training.data import LABELS_DIR, LabelRecord


@cache
def source_text(doc: str, labels_dir: Path = LABELS_DIR) -> str | None:
    """The text of a labelled document (labels/*/docs/<doc>.* or labels/real/*/docs/<doc>.*), or None."""
    for pattern in (f"*/docs/{doc}.*", f"real/*/docs/{doc}.*"):
        for path in labels_dir.glob(pattern):
            return path.read_text(encoding="utf-8")
    return None


def _joined(group: list[LabelRecord], text: str | None, labels_order: tuple[str, ...] | None = None) -> LabelRecord:
    first, last = group[0], group[-1]
    body = text[first.start : last.end] if text is not None else " ".join(r.text for r in group)
    labels = tuple(
        sorted({label for r in group for label in r.labels}, key=(labels_order or ()).index if labels_order else None)
    )
    return replace(first, id=f"{first.id}+{len(group)}", text=body, labels=labels, end=last.end, kind="paragraph")


def _by_doc(records: list[LabelRecord]) -> dict[str, list[LabelRecord]]:
    out: dict[str, list[tuple[int, LabelRecord]]] = {}
    for r in records:
        if r.start is not None and r.end is not None:
            out.setdefault(r.doc, []).append((r.start, r))
    return {d: [r for _, r in sorted(rs, key=lambda x: x[0])] for d, rs in out.items()}


def paragraphs(records: list[LabelRecord], labels_order: tuple[str, ...] | None = None) -> list[LabelRecord]:
    """Each paragraph of each document (clausewise.segment.paragraphs: blank-line blocks, HTML blocks) as one
    record, its clauses joined and labels united."""
    out: list[LabelRecord] = []
    for doc, rs in _by_doc(records).items():
        text = source_text(doc)
        if text is None:
            continue
        spans = [(r.start, r.end) for r in rs]  # _by_doc keeps only records with offsets
        ids = paragraph_ids(text, spans, detect_format(text))  # type: ignore[arg-type]
        for _, group in groupby(zip(ids, rs), key=lambda pair: pair[0]):
            out.append(_joined([r for _, r in group], text, labels_order))
    return out


def section_windows(
    records: list[LabelRecord], max_words: int = 150, min_clauses: int = 2, labels_order: tuple[str, ...] | None = None
) -> list[LabelRecord]:
    """Runs of consecutive clauses under one heading, cut at about max_words, as paragraph examples."""
    out: list[LabelRecord] = []
    for doc, rs in _by_doc(records).items():
        text = source_text(doc)
        groups: list[list[LabelRecord]] = [[]]
        words = 0
        for r in rs:
            n = len(r.text.split())
            last = groups[-1]
            if last and (r.heading != last[-1].heading or r.kind == "heading" or words + n > max_words):
                groups.append([])
                words = 0
            if r.kind == "heading":
                continue
            groups[-1].append(r)
            words += n
        out.extend(_joined(g, text, labels_order) for g in groups if len(g) >= min_clauses)
    return out
