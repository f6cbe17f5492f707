"""Merging new labels into the labelled set: conflicts in the input, the merge plan, and its atomic apply.

plan = plan_merge(rows, existing)           # clauses added, labels updated, clauses already known
problems = apply_merge(plan, files, labels_dir, taxonomy)   # [] when every file was replaced
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from clausewise.files import jsonl_text, write_temp
from clausewise.taxonomy import Taxonomy
from training.data import ADDED_FILE, LabelRecord, Problem, check_files, normalise_text
from training.new_labels import NewLabel


@dataclass
class MergePlan:
    """What merging the new labels changes: clauses added, labels updated, clauses already known."""

    added: list[LabelRecord] = field(default_factory=list)
    updated: list[tuple[LabelRecord, tuple[str, ...], str]] = field(default_factory=list)  # (old, new labels, source)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.updated)


def conflicts(rows: list[NewLabel]) -> list[Problem]:
    """The same clause (heading and text) with different labels inside the new input."""
    seen: dict[tuple[str, str], NewLabel] = {}
    out = []
    for row in rows:
        key = (normalise_text(row.heading or ""), normalise_text(row.text))
        first = seen.setdefault(key, row)
        if first.labels != row.labels:
            file, _, where = row.source.rpartition(":")
            out.append(
                Problem(
                    file,
                    0,
                    f"{where}: conflicting duplicate of {first.source}: labels {list(row.labels)} vs "
                    f"{list(first.labels)}; give them the same labels or remove one",
                )
            )
    return out


def plan_merge(rows: list[NewLabel], existing: list[LabelRecord]) -> MergePlan:
    """Match new rows to known clauses by text (and heading when the row has one)."""
    by_text: dict[str, list[LabelRecord]] = {}
    for r in existing:
        by_text.setdefault(normalise_text(r.text), []).append(r)
    plan = MergePlan()
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (normalise_text(row.heading or ""), normalise_text(row.text))
        if key in seen:  # an exact repeat inside the input (conflicts were rejected before)
            continue
        seen.add(key)
        matches = by_text.get(key[1], [])
        if row.heading:
            matches = [m for m in matches if normalise_text(m.heading or "") == key[0]] or matches
        if not matches:
            digest = hashlib.sha256(key[1].encode()).hexdigest()[:12]
            doc = row.doc or f"added-{Path(row.source.rsplit(':', 1)[0]).stem}"
            plan.added.append(
                LabelRecord(
                    id=row.id or f"new-{digest}", doc=doc, text=row.text, labels=row.labels, heading=row.heading
                )
            )
            continue
        for m in matches:
            if m.labels == row.labels:
                plan.unchanged.append(m.id)
            else:
                plan.updated.append((m, row.labels, row.source))
    return plan


def apply_merge(plan: MergePlan, files: list[Path], labels_dir: Path, taxonomy: Taxonomy) -> list[Problem]:
    """Write every changed file to a temp file, validate them all together, then replace each one
    with os.replace. Any problem (e.g. an id already used): temp files removed, nothing changed."""
    new_labels = {old.id: labels for old, labels, _ in plan.updated}
    contents: dict[Path, list[LabelRecord]] = {}
    for path in files:
        records, _ = check_files([path], taxonomy)
        contents[path] = [LabelRecord(**{**r.__dict__, "labels": new_labels.get(r.id, r.labels)}) for r in records]
    added_path = labels_dir / ADDED_FILE
    if plan.added:
        contents[added_path] = contents.get(added_path, []) + plan.added
    changed = {
        p: recs
        for p, recs in contents.items()
        if (p == added_path and plan.added) or any(r.id in new_labels for r in recs)
    }
    temps = {p: write_temp(p, jsonl_text(r.to_json() for r in recs)) for p, recs in changed.items()}
    untouched = [p for p in files if p not in changed]
    _, problems = check_files(untouched + list(temps.values()), taxonomy)
    if problems:
        for t in temps.values():
            t.unlink(missing_ok=True)
        return problems
    for path, tmp in temps.items():
        os.replace(tmp, path)
    return []
