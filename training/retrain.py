"""Retrain on new labels, compare with the served model, promote only if it is not worse.

    prepared = prepare_retrain(RetrainOptions(files=[Path("export.json")]))   # read, validate, plan; no change
    result = run_retrain(prepared, on_progress=logger.info)                   # merge, train, compare, promote

Steps: read and validate every file (any problem: list them all, change nothing) -> merge into the
labels folder (new clauses to labels/added.jsonl, changed labels of known clauses rewritten in their
file; every file replaced atomically) -> train a candidate with the same config, leaving out a fixed
slice of the new labels -> score the candidate and the served model on that slice, and cross-validate
the candidate -> promote when macro-F1 is not worse than the served model's by more than `tolerance`.
A restarted service serves the promoted model. `clausewise retrain` (clausewise_cli/retrain.py) prints it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from clausewise.model import ClauseModel
from clausewise.model_dir import MODEL_NAME
from clausewise.taxonomy import Taxonomy, load_taxonomy
from training.config import TrainConfig
from training.data import (
    ADDED_FILE,
    LABELS_DIR,
    LabelRecord,
    Problem,
    check_files,
    heldout_dirs,
    load_records,
    normalise_text,
    record_contexts,
    resolve_label_files,
    selection_files,
    with_lead_ins,
)
from training.evaluate import cross_validate_all
from training.label_merge import MergePlan, apply_merge, conflicts, plan_merge
from training.metrics import multi_hot, report
from training.new_labels import NewLabel, ReadReport, read_new_labels
from training.registry import build_metadata, current_tag, promote, stage
from training.train import fit

HELDOUT_BUCKETS = 5  # a new clause is held out when the hash of its text falls in bucket 0: a fixed 20 %
MEASURES = ("cv", "heldout", "real_heldout")  # what decide() compares, in this order

Status = Literal["dry-run", "nothing-new", "merge-failed", "invalid-after-merge", "not-promoted", "promoted"]


@dataclass
class RetrainOptions:
    """What to retrain on and how: the new label files, the training config and the promotion rule."""

    files: list[Path]
    config: TrainConfig = field(default_factory=TrainConfig)
    labels_dir: Path = LABELS_DIR  # the labelled set to merge into
    cross_validate: bool = True  # cross-validate the candidate (documents held out), as `clausewise train` does
    tolerance: float = 0.01  # macro-F1 the candidate may lose and still be promoted
    force: bool = False  # promote (and retrain with nothing new) even if the candidate is worse
    dry_run: bool = False  # validate and plan only; change nothing
    name: str = MODEL_NAME  # model name in the store


@dataclass
class PreparedRetrain:
    """The validated input and the merge plan; `problems` non-empty means nothing may be changed."""

    options: RetrainOptions
    taxonomy: Taxonomy
    rows: list[NewLabel]
    read: ReadReport
    problems: list[Problem]
    existing: list[LabelRecord]
    plan: MergePlan
    current_tag: str | None


@dataclass
class RetrainResult:
    """What a run did: merged or not, the side-by-side comparison, promoted or not, the tag and the reason."""

    status: Status
    plan: MergePlan
    merged: bool = False
    problems: list[Problem] = field(default_factory=list)
    current: dict = field(default_factory=dict)  # tag, n_clauses and the measures of the served model
    candidate: dict = field(default_factory=dict)  # the same for the candidate
    candidate_tag: str | None = None
    candidate_path: str | None = None
    promoted: bool = False
    forced: bool = False
    reason: str = ""
    heldout: list[str] = field(default_factory=list)  # ids of the new clauses left out of training


def is_heldout(text: str) -> bool:
    """The fixed held-out slice of new labels: decided by the text alone, so it never moves between runs."""
    return int(hashlib.sha256(normalise_text(text).encode()).hexdigest(), 16) % HELDOUT_BUCKETS == 0


def score_on(model_path: str, records: list[LabelRecord], names: tuple[str, ...]) -> dict | None:
    """Macro/micro-F1 of a stored model folder on records (through the backend the service uses)."""
    if not records:
        return None
    model = ClauseModel.load(model_path, device="cpu")
    if tuple(model.labels) != tuple(names):
        return {"error": f"label set differs ({len(model.labels)} labels)"}
    s = model.scores([r.text for r in records], record_contexts(records, model.info.context))
    pred = (s >= np.asarray(model.info.thresholds)).astype(np.float32)
    r = report(multi_hot([x.labels for x in records], names), pred, names)
    return {"macro_f1": round(r["macro_f1"], 4), "micro_f1": round(r["micro_f1"], 4), "clauses": len(records)}


def decide(current: dict, candidate: dict, tolerance: float) -> tuple[bool, str]:
    """Promote unless the candidate's macro-F1 is lower than the current one's by more than `tolerance` on
    any measure both have (cross-validation, held-out slice, the real held-out policies). No current model: promote."""
    if not current.get("tag"):
        return True, "no model is served yet"
    compared = []
    for key in MEASURES:
        a, b = current.get(key), candidate.get(key)
        if not a or not b or "macro_f1" not in a or "macro_f1" not in b:
            continue
        compared.append(key)
        if b["macro_f1"] < a["macro_f1"] - tolerance:
            return False, f"{key} macro-F1 {b['macro_f1']:.3f} < current {a['macro_f1']:.3f} - tolerance {tolerance}"
    if not compared:
        return True, "no measure both models have (label sets differ, or no CV and no held-out slice)"
    return True, f"macro-F1 not worse beyond tolerance {tolerance} on {' and '.join(compared)}"


def _label_files(options: RetrainOptions) -> list[Path]:
    """The label files to train on; re-read after the merge, since labels/added.jsonl may be new."""
    config = options.config
    if not config.labels:
        return resolve_label_files(selection_files(config.selection, options.labels_dir))
    files = resolve_label_files(config.labels)
    added = options.labels_dir / ADDED_FILE
    return files + [added] if added.is_file() and added.resolve() not in {f.resolve() for f in files} else files


def prepare_retrain(options: RetrainOptions) -> PreparedRetrain:
    """Read and validate every input and the labelled set, and plan the merge; changes nothing.

    Raises ValueError when the input holds no labelled clause."""
    taxonomy = load_taxonomy(options.config.taxonomy or None)
    rows, read, problems = read_new_labels(options.files, taxonomy)
    problems += conflicts(rows)
    existing, existing_problems = check_files(_label_files(options), taxonomy)
    problems += existing_problems
    if not problems and not rows:
        raise ValueError("no labelled clauses in the input; nothing to do")
    plan = plan_merge(rows, existing) if not problems else MergePlan()
    return PreparedRetrain(options, taxonomy, rows, read, problems, existing, plan, current_tag(options.name))


def _current_measures(tag: str | None, heldout: list[LabelRecord], real: list[LabelRecord], names) -> dict:
    """The served model's side of the comparison: its stored CV summary and its scores on the same clauses."""
    import bentoml

    current: dict = {"tag": tag}
    if not tag:
        return current
    stored = bentoml.models.get(tag)
    meta: dict = dict(stored.info.metadata)
    current["n_clauses"] = meta.get("n_clauses", "-")
    current["heldout"] = score_on(stored.path, heldout, names)
    if real:
        current["real_heldout"] = score_on(stored.path, real, names)
    cv = (meta.get("cv_metrics") or {}).get("transformer")
    if cv:
        current["cv"] = {**cv, "protocol": (meta.get("cv_metrics") or {}).get("protocol", "")}
    return current


def run_retrain(prepared: PreparedRetrain, on_progress: Callable[[str], None] | None = None) -> RetrainResult:
    """Merge, train the candidate, compare and promote (or not); `on_progress` gets a line per step."""
    options, taxonomy, plan, tag_now = prepared.options, prepared.taxonomy, prepared.plan, prepared.current_tag
    config = options.config
    progress = on_progress or (lambda _line: None)
    if prepared.problems:
        raise ValueError("the input has problems (PreparedRetrain.problems); fix them before running")
    if options.dry_run:
        return RetrainResult("dry-run", plan)
    if not plan.changes and not options.force:
        return RetrainResult("nothing-new", plan)

    # 1. merge (all changed files written and validated together, then each replaced atomically)
    if plan.changes:
        problems = apply_merge(plan, _label_files(options), options.labels_dir, taxonomy)
        if problems:
            return RetrainResult("merge-failed", plan, problems=problems)
        progress(f"merged into {options.labels_dir}")
    records, problems = check_files(_label_files(options), taxonomy)
    records = with_lead_ins(records)
    if problems:  # cannot happen after validation; stop rather than train on something unexpected
        return RetrainResult("invalid-after-merge", plan, merged=bool(plan.changes), problems=problems)

    # 2. train the candidate without the fixed held-out slice of the new labels
    # Held out: new knowledge only (added clauses, changed labels), never a clause the served model learnt as is.
    new_ids = {r.id for r in plan.added} | {old.id for old, _, _ in plan.updated}
    heldout = [r for r in records if r.id in new_ids and is_heldout(r.text)]
    heldout_ids = {r.id for r in heldout}
    train_records = [r for r in records if r.id not in heldout_ids]
    progress(
        f"training on {len(train_records)} clauses from {len({r.doc for r in train_records})} documents; "
        f"{len(heldout)} new clause(s) held out for the comparison"
    )
    cv_metrics = None
    if options.cross_validate:  # the same cross-validation and summary that `clausewise train` stores with a model
        cv_metrics = cross_validate_all(train_records, taxonomy, config)["summary"]
    fitted = fit(train_records, taxonomy, config, desc="candidate")
    metadata = build_metadata(fitted, taxonomy, train_records, config, cv_metrics)
    metadata["retrain"] = {
        "inputs": [str(p) for p in options.files],
        "added": len(plan.added),
        "updated": len(plan.updated),
        "heldout": sorted(heldout_ids),
        "previous": tag_now or "",
    }
    cand_tag, cand_path = stage(fitted, metadata, options.name)

    # 3. compare on the same clauses and the same cross-validation protocol
    candidate = {
        "tag": cand_tag,
        "n_clauses": len(train_records),
        "heldout": score_on(str(cand_path), heldout, taxonomy.names),
    }
    # The real held-out policies (our taxonomy only): the gate model selection uses.
    real_dir = heldout_dirs(options.labels_dir).get("real") if not config.taxonomy else None
    real = load_records([real_dir], taxonomy) if real_dir else []
    if real:
        candidate["real_heldout"] = score_on(str(cand_path), real, taxonomy.names)
    if cv_metrics:
        candidate["cv"] = {**cv_metrics["transformer"], "protocol": cv_metrics["protocol"]}
    current = _current_measures(tag_now, heldout, real, taxonomy.names)
    ok, why = decide(current, candidate, options.tolerance)
    result = RetrainResult(
        "not-promoted",
        plan,
        merged=bool(plan.changes),
        current=current,
        candidate=candidate,
        candidate_tag=str(cand_tag),
        candidate_path=str(cand_path),
        reason=why,
        heldout=sorted(heldout_ids),
    )
    if ok or options.force:
        promote(cand_tag, "forced" if not ok else why)
        result.status, result.promoted, result.forced = "promoted", True, not ok
    return result
