"""The labelling loop: which clauses to label next, as Label Studio tasks, and the labelling config.

    cands, rows = scored_candidates(model, path)             # clauses (chrome left out) scored as /analyze does
    picked = select_uncertain(cands, rows, model.labels, analyze_thresholds(model.info), top=20)
    tasks = build_tasks(picked, model_version="clause-classifier:abc")   # Label Studio import format
    xml = label_config(load_taxonomy())                       # <Choices choice="multiple"> from taxonomy.yaml

Uncertainty (see docs/labelling.md): for each label, how close its score is to its tuned threshold,
as a fraction of the distance to 0 or 1 on that side (1 = exactly on the threshold, 0 = at 0 or 1).
Scores and thresholds are those /analyze answers with: a model with a context stack reads each clause
with its neighbours, heading, lead-in and paragraph (clausewise.context_scores).
A clause's uncertainty is its closest label's closeness plus half the next label's (a clause torn
between two labels ranks above one doubtful about a single label); a clause from a label file whose
given labels the model disagrees with ranks above every clause without a disagreement.
Near-duplicates (the same words in the same order once case, digits and punctuation are folded, or
word sets overlapping by DUPLICATE_JACCARD or more) are picked once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from clausewise.analysis import Policy, in_context, read_policy, scoring_inputs
from clausewise.context import lead_ins_by_document
from clausewise.files import JsonlError, json_object
from clausewise.model import ClauseModel
from clausewise.taxonomy import Taxonomy
from training.context_fit import scores_in_context
from training.data import LabelRecord, with_lead_ins

FROM_NAME = "topic"  # the Choices control: result items carry from_name=topic, to_name=text
TO_NAME = "text"  # the Text object, reading task data["text"] (what training/new_labels.py reads back)
TASK_DATA_KEYS = ("text", "heading", "doc", "policy", "start", "end", "clause")  # training/new_labels.py: META_KEYS
DUPLICATE_JACCARD = 0.8
SECOND_LABEL_WEIGHT = 0.5
DISAGREEMENT_BONUS = 2.0  # above any closeness sum (at most 1.5): disagreements come first
MAX_UNCERTAINTY = 1 + SECOND_LABEL_WEIGHT + DISAGREEMENT_BONUS


@dataclass(frozen=True)
class Candidate:
    """One clause that could be labelled: where it comes from and, from a label file, its given labels."""

    text: str
    heading: str | None
    doc: str
    policy: str  # the file it came from
    start: int | None = None
    end: int | None = None
    clause: int | None = None  # index among the policy's clauses (as /analyze numbers them); JSONL: line - 1
    given: tuple[str, ...] | None = None  # labels already on the clause (label files only)
    lead_in: str | None = None  # the list item's lead-in (clausewise.context), for models that read it

    def context(self, kind: str) -> str | None:
        """What a model with ModelInfo.context `kind` reads before this clause."""
        return self.lead_in if kind == "lead-in" else self.heading


@dataclass
class Suggestion:
    """A picked candidate with its scores, the model's choice and why it was picked."""

    candidate: Candidate
    scores: dict[str, float]
    chosen: list[str]
    uncertainty: float
    reasons: list[str] = field(default_factory=list)


def _read_policy_file(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not valid UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    return read_policy(text)


def _policy_candidates(path: Path, policy: Policy) -> list[Candidate]:
    _, leads = policy.model_inputs("lead-in")
    return [
        Candidate(c.text, c.heading, path.stem, str(path), c.start, c.end, i, lead_in=lead)
        for (i, c), lead in zip(((i, policy.clauses[i]) for i in policy.scored_indices), leads)
    ]


def candidates_from_policy(path: Path) -> list[Candidate]:
    """The clauses /analyze scores (page chrome left out), with offsets, headings and clause index."""
    return _policy_candidates(path, _read_policy_file(path))


def _jsonl_objects(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) of every non-blank line; each must have a non-empty "text"."""
    rows: list[tuple[int, dict]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json_object(line)
        except JsonlError as exc:
            raise JsonlError(f"{path}:{n}: {exc}") from exc
        if not isinstance(obj.get("text"), str) or not obj["text"].strip():
            raise ValueError(f"{path}:{n}: expected an object with a non-empty 'text' (a clause per line)")
        rows.append((n, obj))
    return rows


def candidates_from_jsonl(path: Path) -> list[Candidate]:
    """Clauses of a JSONL file (our label files or `clausewise segment` output): "text" required;
    "heading", "doc", "start", "end", "kind" and "labels" used when present; chrome left out."""
    return _jsonl_candidates(path, _jsonl_objects(path))


def _jsonl_candidates(path: Path, rows: list[tuple[int, dict]]) -> list[Candidate]:
    objs = [obj for _, obj in rows]
    leads = lead_ins_by_document(
        [str(o.get("doc") or path.stem) for o in objs],
        [o["text"] for o in objs],
        [o.get("heading") for o in objs],
        [o.get("kind") for o in objs],
    )
    out = []
    for (n, obj), lead in zip(rows, leads):
        if obj.get("kind") == "chrome":
            continue
        given = obj.get("labels")
        out.append(
            Candidate(
                obj["text"],
                obj.get("heading"),
                str(obj.get("doc") or path.stem),
                str(path),
                obj.get("start"),
                obj.get("end"),
                n - 1,
                tuple(given) if isinstance(given, list) else None,
                lead_in=lead,
            )
        )
    return out


def _offset(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def scored_candidates(model: ClauseModel, path: Path) -> tuple[list[Candidate], np.ndarray]:
    """A policy's or JSONL file's candidates and a score row each as /analyze gives it (read in the
    document's context when the model has a context stack; choose with analyze_thresholds)."""
    if path.suffix != ".jsonl":
        policy = _read_policy_file(path)
        rows, _ = in_context(policy, model.scores(*scoring_inputs(policy, model.info)), model.info)
        return _policy_candidates(path, policy), rows
    lines = _jsonl_objects(path)
    objs = [obj for _, obj in lines]
    records = [
        LabelRecord(
            str(n),
            str(o.get("doc") or path.stem),
            o["text"],
            (),
            o.get("heading") if isinstance(o.get("heading"), str) else None,
            _offset(o.get("start")),
            _offset(o.get("end")),
            o.get("kind") if isinstance(o.get("kind"), str) else None,
        )
        for n, o in enumerate(objs)
    ]
    rows, _, _ = scores_in_context(model, with_lead_ins(records))
    kept = [i for i, o in enumerate(objs) if o.get("kind") != "chrome"]
    return _jsonl_candidates(path, lines), rows[kept]


def closeness(score: float, threshold: float) -> float:
    """1 on the threshold, falling linearly to 0 at 0 (below it) or 1 (above it)."""
    t = min(max(threshold, 1e-6), 1 - 1e-6)
    return 1.0 - (score - t) / (1 - t) if score >= t else 1.0 - (t - score) / t


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[^\W\d_]+", text.lower()))


def near_duplicate(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same word sequence (case, digits, punctuation folded) or word sets overlapping by DUPLICATE_JACCARD."""
    if a == b:
        return True
    sa, sb = set(a), set(b)
    return bool(sa and sb) and len(sa & sb) / len(sa | sb) >= DUPLICATE_JACCARD


def uncertainty(
    row, labels: list[str], thresholds: list[float], chosen: list[str], given: tuple[str, ...] | None
) -> tuple[float, list[str]]:
    """A clause's uncertainty and the reasons, as described in the module docstring."""
    close = sorted(((closeness(float(s), t), n) for s, t, n in zip(row, thresholds, labels)), reverse=True)
    value = close[0][0] + (SECOND_LABEL_WEIGHT * close[1][0] if len(close) > 1 else 0.0)
    reasons = [
        f"{n} {float(row[labels.index(n)]):.2f} vs threshold {thresholds[labels.index(n)]:.2f}"
        for c, n in close[:2]
        if c > 0
    ]
    if given is not None and set(given) != set(chosen):
        value += DISAGREEMENT_BONUS
        reasons.insert(0, f"model says {sorted(chosen)}, the file says {sorted(given)}")
    return value, reasons


def select_uncertain(
    cands: list[Candidate], rows, labels: list[str], thresholds: list[float], top: int, exclude: set[str] | None = None
) -> list[Suggestion]:
    """The `top` most uncertain candidates, most uncertain first, one of each near-duplicate group.

    `exclude`: normalised texts never to suggest (e.g. clauses already labelled).
    """
    if top < 1:
        raise ValueError(f"--top must be at least 1, found {top}")
    if len(rows) != len(cands):
        raise ValueError(f"{len(cands)} clauses but {len(rows)} score rows")
    scored = []
    for i, (cand, row) in enumerate(zip(cands, rows)):
        chosen = [n for n, s, t in zip(labels, row, thresholds) if float(s) >= t]
        value, reasons = uncertainty(row, labels, thresholds, chosen, cand.given)
        scored.append(
            (
                -value,
                i,
                Suggestion(
                    cand, {n: round(float(s), 4) for n, s in zip(labels, row)}, chosen, round(value, 4), reasons
                ),
            )
        )
    scored.sort(key=lambda x: (x[0], x[1]))
    picked: list[Suggestion] = []
    kept_words: list[tuple[str, ...]] = []
    for _, _, s in scored:
        if exclude and re.sub(r"\s+", " ", s.candidate.text).strip().lower() in exclude:
            continue
        words = _words(s.candidate.text) or (s.candidate.text.strip().lower(),)
        if any(near_duplicate(words, k) for k in kept_words):
            continue
        kept_words.append(words)
        picked.append(s)
        if len(picked) == top:
            break
    return picked


def build_tasks(picked: list[Suggestion], model_version: str, taxonomy: Taxonomy) -> list[dict]:
    """Label Studio tasks (JSON import format): data for the Text object plus where the clause is, and
    one prediction with the model tag, a score (1 - uncertainty / MAX_UNCERTAINTY: low = worth labelling,
    so sorting by prediction score in Label Studio keeps this order) and the model's choices (none:
    an empty result). Only taxonomy labels are ever predicted."""
    names = set(taxonomy.names)
    tasks = []
    for s in picked:
        wrong = [n for n in s.chosen if n not in names]
        if wrong:
            raise ValueError(
                f"the model predicts {wrong}, which {taxonomy.source or 'the taxonomy'} does not define; "
                "use the taxonomy the model was trained with (--taxonomy)"
            )
        c = s.candidate
        result = (
            [
                {
                    "from_name": FROM_NAME,
                    "to_name": TO_NAME,
                    "type": "choices",
                    "value": {"choices": sorted(s.chosen, key=taxonomy.names.index)},
                }
            ]
            if s.chosen
            else []
        )
        tasks.append(
            {
                "data": {
                    "text": c.text,
                    "heading": c.heading,
                    "doc": c.doc,
                    "policy": c.policy,
                    "start": c.start,
                    "end": c.end,
                    "clause": c.clause,
                },
                "predictions": [
                    {
                        "model_version": model_version,
                        "score": round(1 - s.uncertainty / MAX_UNCERTAINTY, 4),
                        "result": result,
                    }
                ],
            }
        )
    return tasks


def label_config(taxonomy: Taxonomy) -> str:
    """The Label Studio labelling config: the clause under its heading, and one multiple-choice
    `Choices` with every taxonomy label (its definition as the hint), in taxonomy order."""
    source = (Path(taxonomy.source).name or "the taxonomy").replace("--", "-")
    choices = "\n".join(
        f"    <Choice value={quoteattr(label.name)} hint={quoteattr(label.definition)}/>" for label in taxonomy.labels
    )
    return (
        "<View>\n"
        '  <Header value="$heading" size="5"/>\n'
        f'  <Text name="{TO_NAME}" value="$text"/>\n'
        f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="multiple" showInLine="false">\n'
        f"{choices}\n"
        "  </Choices>\n"
        f"  <!-- generated by `clausewise label-config` from {escape(source)}; "
        "do not edit by hand -->\n"
        "</View>\n"
    )
