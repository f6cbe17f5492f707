"""Retrain on new labels, compare with the served model, promote only if it is not worse.

    clausewise retrain NEW_FILE...              # JSONL, CSV or Label Studio JSON export
    clausewise retrain export.json --dry-run    # validate and show the plan; change nothing
    clausewise retrain export.json --force      # promote even if the candidate is worse
    clausewise rollback                         # serve the model promoted before the current one

Steps: read and validate every file (any problem: list them all, change nothing) -> merge into the
labels folder (new clauses to labels/added.jsonl, changed labels of known clauses rewritten in their
file; every file replaced atomically) -> train a candidate with the same config, leaving out a fixed
slice of the new labels -> score the candidate and the served model on that slice, and cross-validate
the candidate -> promote when macro-F1 is not worse than the served model's by more than --tolerance.
A restarted service serves the promoted model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clausewise.model import ClauseModel
from clausewise.taxonomy import Taxonomy, load_taxonomy
from training.config import config_from_args
from training.data import (
    ADDED_FILE,
    LabelFileError,
    LabelRecord,
    Problem,
    check_files,
    heldout_dirs,
    load_records,
    normalise_text,
    resolve_label_files,
    selection_files,
    write_temp,
)
from training.evaluate import cross_validate_all
from training.new_labels import NewLabel, ReadReport, read_new_labels
from training.metrics import multi_hot, report
from training.registry import build_metadata, current_tag, promote, stage
from training.train import fit

HOLDOUT_BUCKETS = 5  # a new clause is held out when the hash of its text falls in bucket 0: a fixed 20 %


def held_out(text: str) -> bool:
    """The fixed held-out slice of new labels: decided by the text alone, so it never moves between runs."""
    return int(hashlib.sha256(normalise_text(text).encode()).hexdigest(), 16) % HOLDOUT_BUCKETS == 0


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
    temps = {
        p: write_temp(p, "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in recs))
        for p, recs in changed.items()
    }
    untouched = [p for p in files if p not in changed]
    _, problems = check_files(untouched + list(temps.values()), taxonomy)
    if problems:
        for t in temps.values():
            t.unlink(missing_ok=True)
        return problems
    for path, tmp in temps.items():
        os.replace(tmp, path)
    return []


def describe(plan: MergePlan, read: ReadReport) -> str:
    lines = [
        "formats: " + ", ".join(f"{Path(p).name}={f}" for p, f in read.formats.items()),
        f"merge: {len(plan.added)} new clause(s), {len(plan.updated)} update(s), {len(plan.unchanged)} existing clause(s) already carry the same labels",
    ]
    for old, labels, source in plan.updated:
        lines.append(f"  update {old.id} ({old.text[:60]!r}): {list(old.labels)} -> {list(labels)}  [{source}]")
    for item in read.dropped:
        lines.append(f"  dropped: {item}")
    for item in read.ties:
        lines.append(f"  tie, not merged: {item}")
    return "\n".join(lines)


def score_on(model_path: str, records: list[LabelRecord], names: tuple[str, ...]) -> dict | None:
    """Macro/micro-F1 of a stored model folder on records (through the backend the service uses)."""
    if not records:
        return None
    model = ClauseModel.load(model_path, device="cpu")
    if tuple(model.labels) != tuple(names):
        return {"error": f"label set differs ({len(model.labels)} labels)"}
    s = model.scores([r.text for r in records], [r.heading for r in records])
    pred = (s >= np.asarray(model.info.thresholds)).astype(np.float32)
    r = report(multi_hot([x.labels for x in records], names), pred, names)
    return {"macro_f1": round(r["macro_f1"], 4), "micro_f1": round(r["micro_f1"], 4), "clauses": len(records)}


def decide(current: dict, candidate: dict, tolerance: float) -> tuple[bool, str]:
    """Promote unless the candidate's macro-F1 is lower than the current one's by more than `tolerance` on
    any measure both have (cross-validation, held-out slice, the real held-out policies). No current model: promote."""
    if not current.get("tag"):
        return True, "no model is served yet"
    compared = []
    for key in ("cv", "holdout", "real_heldout"):
        a, b = current.get(key), candidate.get(key)
        if not a or not b or "macro_f1" not in a or "macro_f1" not in b:
            continue
        compared.append(key)
        if b["macro_f1"] < a["macro_f1"] - tolerance:
            return False, f"{key} macro-F1 {b['macro_f1']:.3f} < current {a['macro_f1']:.3f} - tolerance {tolerance}"
    if not compared:
        return True, "no measure both models have (label sets differ, or no CV and no held-out slice)"
    return True, f"macro-F1 not worse beyond tolerance {tolerance} on {' and '.join(compared)}"


def side_by_side(current: dict, candidate: dict) -> str:
    def cell(m: dict | None, key: str) -> str:
        return "-" if not m or key not in m else f"{m[key]:.3f}"

    rows = [
        "| | current | candidate |",
        "|---|---|---|",
        f"| tag | {current.get('tag') or '-'} | {candidate['tag']} |",
        f"| training clauses | {current.get('n_clauses', '-')} | {candidate['n_clauses']} |",
    ]
    proto = [(m.get("cv") or {}).get("protocol") or "-" for m in (current, candidate)]
    rows.append(f"| cross-validation (documents held out) | {proto[0]} | {proto[1]} |")
    rows.append(
        f"| cross-validated macro-F1 | {cell(current.get('cv'), 'macro_f1')} | {cell(candidate.get('cv'), 'macro_f1')} |"
    )
    rows.append(
        f"| cross-validated micro-F1 | {cell(current.get('cv'), 'micro_f1')} | {cell(candidate.get('cv'), 'micro_f1')} |"
    )
    n = (candidate.get("holdout") or {}).get("clauses", 0)
    rows.append(
        f"| held-out new labels ({n} clauses, neither model trained on them) macro-F1 | "
        f"{cell(current.get('holdout'), 'macro_f1')} | {cell(candidate.get('holdout'), 'macro_f1')} |"
    )
    rows.append(
        f"| held-out new labels micro-F1 | {cell(current.get('holdout'), 'micro_f1')} | {cell(candidate.get('holdout'), 'micro_f1')} |"
    )
    if candidate.get("real_heldout"):
        n = candidate["real_heldout"]["clauses"]
        rows.append(
            f"| real held-out policies ({n} clauses) macro-F1 | {cell(current.get('real_heldout'), 'macro_f1')} | "
            f"{cell(candidate.get('real_heldout'), 'macro_f1')} |"
        )
    return "\n".join(rows)


def retrain(args: argparse.Namespace) -> int:
    """The whole retrain run for `clausewise retrain` (flags in clausewise_cli/retrain.py); returns the exit code."""
    config = config_from_args(args)
    taxonomy = load_taxonomy(config.taxonomy or None)

    def label_files() -> list[Path]:  # re-read after the merge: labels/added.jsonl may be new
        if not config.labels:
            return resolve_label_files(selection_files(config.selection, args.labels_dir))
        files = resolve_label_files(config.labels)
        added = args.labels_dir / ADDED_FILE
        return files + [added] if added.is_file() and added.resolve() not in {f.resolve() for f in files} else files

    files = label_files()

    # 1. read and validate everything before touching anything
    rows, read, problems = read_new_labels(args.files, taxonomy)
    problems += conflicts(rows)
    existing, existing_problems = check_files(files, taxonomy)
    problems += existing_problems
    if problems:
        print(str(LabelFileError(problems)), file=sys.stderr)
        print("nothing was changed: fix the problems above and run again", file=sys.stderr)
        return 2
    if not rows:
        print("error: no labelled clauses in the input; nothing to do", file=sys.stderr)
        return 2
    plan = plan_merge(rows, existing)
    print(describe(plan, read))
    tag_now = current_tag(args.name)
    if args.dry_run:
        print(
            f"dry run: would merge into {args.labels_dir}, train on {len(existing) + len(plan.added)} clauses, "
            f"compare with {tag_now or 'no current model'} and promote if macro-F1 is not worse by more than "
            f"{args.tolerance}{' (forced)' if args.force else ''}. Nothing was changed."
        )
        return 0

    if not plan.changes and not args.force:
        print(
            f"nothing new: the labels already say all of this; {args.name}:latest stays {tag_now} "
            "(--force retrains anyway)"
        )
        return 0

    # 2. merge (all changed files written and validated together, then each replaced atomically)
    if plan.changes:
        problems = apply_merge(plan, files, args.labels_dir, taxonomy)
        if problems:
            print(str(LabelFileError(problems)), file=sys.stderr)
            print("nothing was changed: the merged label files would not be valid", file=sys.stderr)
            return 2
        print(f"merged into {args.labels_dir}")
    records, problems = check_files(label_files(), taxonomy)
    if problems:  # cannot happen after validation; stop rather than train on something unexpected
        print(str(LabelFileError(problems)), file=sys.stderr)
        return 1

    # 3. train the candidate without the fixed held-out slice of the new labels
    # Held out: new knowledge only (added clauses, changed labels), never a clause the served model learnt as is.
    new_ids = {r.id for r in plan.added} | {old.id for old, _, _ in plan.updated}
    holdout = [r for r in records if r.id in new_ids and held_out(r.text)]
    hold_ids = {r.id for r in holdout}
    train_records = [r for r in records if r.id not in hold_ids]
    print(
        f"training on {len(train_records)} clauses from {len({r.doc for r in train_records})} documents; "
        f"{len(holdout)} new clause(s) held out for the comparison"
    )
    cv_metrics = None
    if args.cv == "folds":  # the same cross-validation and summary that `clausewise train` stores with a model
        cv_metrics = cross_validate_all(train_records, taxonomy, config)["summary"]
    result = fit(train_records, taxonomy, config, desc="candidate")
    metadata = build_metadata(result, taxonomy, train_records, config, cv_metrics)
    metadata["retrain"] = {
        "inputs": [str(p) for p in args.files],
        "added": len(plan.added),
        "updated": len(plan.updated),
        "held_out": sorted(hold_ids),
        "previous": tag_now or "",
    }
    cand_tag, cand_path = stage(result, metadata, args.name)

    # 4. compare on the same clauses and the same cross-validation protocol
    import bentoml

    candidate = {
        "tag": cand_tag,
        "n_clauses": len(train_records),
        "holdout": score_on(str(cand_path), holdout, taxonomy.names),
    }
    # The real held-out policies (our taxonomy only): the gate model selection uses.
    real_dir = heldout_dirs(args.labels_dir).get("real") if not config.taxonomy else None
    real = load_records([real_dir], taxonomy) if real_dir else []
    if real:
        candidate["real_heldout"] = score_on(str(cand_path), real, taxonomy.names)
    if cv_metrics:
        candidate["cv"] = {**cv_metrics["transformer"], "protocol": cv_metrics["protocol"]}
    current: dict = {"tag": tag_now}
    if tag_now:
        stored = bentoml.models.get(tag_now)
        meta = stored.info.metadata
        current["n_clauses"] = meta.get("n_clauses", "-")
        current["holdout"] = score_on(stored.path, holdout, taxonomy.names)
        if real:
            current["real_heldout"] = score_on(stored.path, real, taxonomy.names)
        cv = (meta.get("cv_metrics") or {}).get("transformer")
        if cv:
            current["cv"] = {**cv, "protocol": (meta.get("cv_metrics") or {}).get("protocol", "")}
    print(side_by_side(current, candidate))
    ok, why = decide(current, candidate, args.tolerance)
    if not ok and not args.force:
        print(
            f"not promoted: {why}. {args.name}:latest stays {tag_now}; the candidate stays staged at {cand_path} "
            f"(use --force to promote anyway)"
        )
        return 3
    promote(cand_tag, "forced" if not ok else why)
    print(
        f"promoted {cand_tag} ({'forced: ' if not ok else ''}{why}); previous {tag_now or 'none'} stays in the store. "
        f"A running service following {args.name}:latest swaps to it within CLAUSEWISE_RELOAD_S seconds; "
        "undo with `clausewise rollback`."
    )
    return 0
