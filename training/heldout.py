"""The held-out quality gates, never trained on: real policies (labels/real/heldout/, the gate that
selects models) first, then the written set (labels/heldout/).

    by_set = evaluate_heldout_sets(model, taxonomy)   # {"real": {...}, "written": {...}}
    metrics = evaluate_heldout(model, taxonomy, records)   # one set: clauses, paragraphs, coverage

Scored three ways, as users meet the model: every clause (with its heading, as /analyze sends it);
every paragraph of the documents (a) sent whole, as a user pastes it into /classify, and (b) as the
union of its clauses' labels, as /analyze shows it; and per document, whether each topic is covered
at all (the coverage panel), counted as accuracy over documents x labels.
"""

from __future__ import annotations

import numpy as np

from clausewise.context_scores import ContextStack
from clausewise.model import ClauseModel
from clausewise.taxonomy import Taxonomy
from training.context_fit import scores_in_context
from training.data import LABELS_DIR, LabelRecord, heldout_dirs, load_records
from training.metrics import multi_hot, report
from training.paragraphs import paragraphs


def heldout_records(taxonomy: Taxonomy, name: str = "written") -> list[LabelRecord]:
    """The clauses of one held-out set, "real" or "written" (raises when it is missing or invalid)."""
    dirs = heldout_dirs(LABELS_DIR)
    if name not in dirs:
        raise FileNotFoundError(f"no held-out set {name!r} under {LABELS_DIR}; found {', '.join(dirs) or 'none'}")
    return load_records([dirs[name]], taxonomy)


def evaluate_heldout_sets(
    model: ClauseModel, taxonomy: Taxonomy, sets: dict[str, list[LabelRecord]] | None = None
) -> dict[str, dict]:
    """Figures of every held-out set (or of the record lists given), real first."""
    if sets is None:
        sets = {name: heldout_records(taxonomy, name) for name in heldout_dirs(LABELS_DIR)}
    return {name: evaluate_heldout(model, taxonomy, records) for name, records in sets.items()}


def _summary(y: np.ndarray, pred: np.ndarray, names: tuple[str, ...]) -> dict:
    r = report(y, pred, names)
    return {
        "macro_f1": round(r["macro_f1"], 4),
        "micro_f1": round(r["micro_f1"], 4),
        "n": len(y),
        "per_label_f1": {n: round(v["f1"], 4) for n, v in r["per_label"].items()},
    }


def _span(r: LabelRecord) -> tuple[int, int]:
    """A record's (start, end) offsets, which paragraphs are built from."""
    if r.start is None or r.end is None:
        raise ValueError(f"held-out record {r.id} ({r.doc}) has no start/end offsets")
    return r.start, r.end


def _inside(r: LabelRecord, paragraph: LabelRecord) -> bool:
    """Whether clause `r` lies within `paragraph` (same document assumed)."""
    (start, end), (lo, hi) = _span(r), _span(paragraph)
    return lo <= start and end <= hi


def evaluate_heldout(model: ClauseModel, taxonomy: Taxonomy, records: list[LabelRecord] | None = None) -> dict:
    """Held-out figures of a model: clause, paragraph (classify and analyze paths) and coverage.

    Clauses are read in context when the model has a context stack (`without_context`: the same model
    without it). `threshold_variants` gives the clause model's macro-F1 (no context stack) under each set
    of thresholds it carries (tuned once, bagged) and under 0.5, scored on the same predictions.
    """
    names = taxonomy.names
    if tuple(model.labels) != names:
        raise ValueError(f"the model's labels {model.labels} are not the taxonomy's {list(names)}")
    records = records if records is not None else heldout_records(taxonomy, "real")
    # As /analyze does: page chrome is not scored and gets no labels; clauses are read in their
    # document's context when the model has a context stack (clausewise.context_scores).
    clause_scores, clause_cut, plain_scores = scores_in_context(model, records)
    has_stack = ContextStack.of(model.info) is not None
    y = multi_hot([r.labels for r in records], names)
    paras = paragraphs(records, names)
    by_doc: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        by_doc.setdefault(r.doc, []).append(i)
    members = [[i for i in by_doc[p.doc] if _inside(records[i], p)] for p in paras]
    y_para = multi_hot([p.labels for p in paras], names)
    # Paragraphs are sent whole to /classify, which has no lead-in to give; a heading model gets theirs.
    para_scores = model.scores([p.text for p in paras], [None if model.info.lead_in else p.heading for p in paras])
    docs = sorted(by_doc)
    y_doc = np.stack([y[by_doc[d]].max(0) for d in docs])

    def figures(cut: np.ndarray, rows: np.ndarray, rows_cut: np.ndarray) -> dict:
        """Figures with `cut` for paragraphs sent whole and the clause rows `rows` chosen at `rows_cut`."""
        clause_pred = (rows >= rows_cut).astype(np.float32)
        pred_doc = np.stack([clause_pred[by_doc[d]].max(0) for d in docs])
        return {
            "clauses": _summary(y, clause_pred, names),
            "paragraphs_classify": _summary(y_para, (para_scores >= cut).astype(np.float32), names),
            "paragraphs_analyze": _summary(y_para, np.stack([clause_pred[m].max(0) for m in members]), names),
            "coverage": {
                "accuracy": round(float((y_doc == pred_doc).mean()), 4),
                "documents": len(docs),
                "per_label_accuracy": {
                    n: round(float((y_doc[:, j] == pred_doc[:, j]).mean()), 4) for j, n in enumerate(names)
                },
            },
        }

    own = np.asarray(model.info.thresholds)
    out = figures(own, clause_scores, clause_cut)
    if has_stack:  # the same model without its context stack: what the stack adds
        plain = figures(own, plain_scores, own)
        out["without_context"] = {k: plain[k]["macro_f1"] for k in ("clauses", "paragraphs_analyze")}
        out["without_context"]["coverage"] = plain["coverage"]["accuracy"]
    # How clause labels become "the policy covers this topic": one labelled clause (what /analyze does)
    # or at least two.
    clause_pred = clause_scores >= clause_cut
    two = np.stack([clause_pred[by_doc[d]].sum(0) >= 2 for d in docs])
    out["coverage_rules"] = {
        "one clause": out["coverage"]["accuracy"],
        "two clauses": round(float((y_doc == two).mean()), 4),
    }
    # The clause model's own threshold sets (context stack not applied), scored on the same predictions.
    variants = {"0.5": np.full(len(names), 0.5)}
    for key in ("thresholds_once", "thresholds_bagged"):
        if key in model.info.extra:
            variants[key.split("_")[1]] = np.asarray(model.info.extra[key])
    out["threshold_variants"] = {}
    for name, cut in variants.items():
        f = figures(cut, plain_scores, cut)
        out["threshold_variants"][name] = {
            k: f[k]["macro_f1"] for k in ("clauses", "paragraphs_classify", "paragraphs_analyze")
        }
        out["threshold_variants"][name]["coverage"] = f["coverage"]["accuracy"]
    return out


def summary_lines(by_set: dict[str, dict]) -> list[str]:
    """One line per held-out set, real first."""
    return [summary_line(m, name) for name, m in by_set.items()]


def summary_line(m: dict, name: str = "") -> str:
    """One line of the four headline figures (and, for a model with a context stack, the same without it)."""
    plain = m.get("without_context")
    return (
        f"{name + ' ' if name else ''}held-out macro-F1: clauses {m['clauses']['macro_f1']:.3f}, paragraphs (classify) "
        f"{m['paragraphs_classify']['macro_f1']:.3f}, paragraphs (analyze) {m['paragraphs_analyze']['macro_f1']:.3f}; "
        f"coverage accuracy {m['coverage']['accuracy']:.3f} over {m['coverage']['documents']} documents"
        + (
            f" (without the context stack: clauses {plain['clauses']:.3f}, paragraphs (analyze) "
            f"{plain['paragraphs_analyze']:.3f}, coverage {plain['coverage']:.3f})"
            if plain
            else ""
        )
    )
