"""A whole policy analysed: its clauses labelled, and which topics it covers. Shared by /analyze and batch.

policy = read_policy(text)                         # format and clauses (chrome marked, never scored)
rows = model.scores(*scoring_inputs(policy, model.info))  # scored clauses, then paragraphs (context stack)
result = label_policy(policy, rows, model)         # {"clauses": [...], "coverage": [...], "missing": [...]}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypedDict

import numpy as np

from clausewise.context import lead_ins
from clausewise.context_scores import ContextStack, Layout, paragraph_inputs
from clausewise.language import language_of
from clausewise.model_dir import ModelInfo
from clausewise.segment import Clause, detect_format, segment
from clausewise.settings import CALL_ITEMS  # how /analyze and batch split a policy into model calls
from clausewise.text import plain_text

LANGUAGE_SAMPLE = 200  # clauses read to tell a policy's language (evenly spread over the policy)


def distinct_inputs(texts: list[str], contexts: list[str | None]) -> tuple[list[tuple[str, str | None]], list[int]]:
    """The distinct (text, context) pairs in first-seen order, and for every input the index of its pair."""
    first: dict[tuple[str, str | None], int] = {}
    index = [first.setdefault(key, len(first)) for key in zip(texts, contexts)]
    return list(first), index


def score_policy(
    score: Callable[[list[str], list[str | None]], Any], texts: list[str], contexts: list[str | None]
) -> list:
    """Rows for every input, as the service computes them for one request alone (see CALL_ITEMS)."""
    pairs, index = distinct_inputs(texts, contexts)
    rows: list = []
    for start in range(0, len(pairs), CALL_ITEMS):
        part = pairs[start : start + CALL_ITEMS]
        rows.extend(score([t for t, _ in part], [h for _, h in part]))
    return [rows[i] for i in index]


class Labeller(Protocol):
    """What label_policy needs of a model: label names, its info (context stack) and the per-label choice."""

    labels: list[str]
    info: ModelInfo

    def chosen(self, row, threshold: float | Sequence[float] | None = None) -> list[tuple[str, float]]: ...


@dataclass(frozen=True)
class Policy:
    """A segmented policy: its format and clauses, and which of them the model scores."""

    format: str
    clauses: list[Clause]

    @property
    def scored_indices(self) -> list[int]:
        """Indices of the clauses the model reads: everything but page chrome."""
        return [i for i, c in enumerate(self.clauses) if c.kind != "chrome"]

    @property
    def text_chars(self) -> int:
        """Characters of readable text in the scored clauses (what the text limit counts, not markup)."""
        return sum(len(plain_text(self.clauses[i].text)) for i in self.scored_indices)

    @property
    def language(self) -> str:
        """ISO 639-1 code of most of the policy's text (page chrome not counted)."""
        scored = self.scored_indices
        step = max(1, len(scored) // LANGUAGE_SAMPLE)
        return language_of([plain_text(self.clauses[i].text) for i in scored[::step]])

    def model_inputs(self, context: str = "heading") -> tuple[list[str], list[str | None]]:
        """(texts, contexts) of the scored clauses, in order: their lead-ins for a model that reads them
        (ModelInfo.context "lead-in"), else their headings."""
        scored = self.scored_indices
        texts = [self.clauses[i].text for i in scored]
        if context == "lead-in":
            c = self.clauses
            leads = lead_ins([x.text for x in c], [x.heading for x in c], [x.kind for x in c])
            return texts, [leads[i] for i in scored]
        return texts, [self.clauses[i].heading for i in scored]

    @cached_property
    def layout(self) -> Layout:
        """Headings, lead-ins and paragraphs of the scored clauses (what the context stack reads)."""
        c = [self.clauses[i] for i in self.scored_indices]
        return Layout.of([x.text for x in c], [x.heading for x in c], [x.kind for x in c], [x.paragraph for x in c])


def scoring_inputs(policy: Policy, info: ModelInfo) -> tuple[list[str], list[str | None]]:
    """(texts, contexts) the model scores for a policy: its scored clauses, then, for a model with a
    context stack, its paragraphs of several clauses read whole."""
    texts, contexts = policy.model_inputs(info.context)
    if ContextStack.of(info) is None:
        return texts, contexts
    more, more_contexts = paragraph_inputs(texts, contexts, policy.layout)
    return texts + more, contexts + more_contexts


def scoring_count(policy: Policy, info: ModelInfo) -> int:
    """How many rows scoring_inputs(policy, info) gives: the scored clauses first, then any paragraphs."""
    joined = len(policy.layout.joined) if ContextStack.of(info) is not None else 0
    return len(policy.scored_indices) + joined


def analyze_thresholds(info: ModelInfo) -> list[float]:
    """The thresholds /analyze chooses with: the context stack's when the model has one, else its own."""
    stack = ContextStack.of(info)
    return list(stack.thresholds if stack else info.thresholds)


def in_context(policy: Policy, rows, info: ModelInfo) -> tuple[np.ndarray, list[float] | None]:
    """(a row per scored clause, the thresholds to choose with; None: the model's own) from the rows of
    scoring_inputs: the context stack's probabilities when the model has one, else the clause rows."""
    n = len(policy.scored_indices)
    stack = ContextStack.of(info)
    if len(rows) != (expected := scoring_count(policy, info)):
        raise ValueError(f"{len(rows)} score rows for {expected} inputs: score scoring_inputs(policy, model.info)")
    if stack is None or not n:
        return np.asarray(rows, dtype=float).reshape(n, len(info.labels)), None
    return stack.apply(np.asarray(rows[:n]), np.asarray(rows[n:]), policy.layout), stack.thresholds


def read_policy(text: str, stop: Callable[[], bool] | None = None) -> Policy:
    """Detect the format and segment the policy (`stop`: see clausewise.segment.segment)."""
    fmt = detect_format(text)
    return Policy(fmt, segment(text, fmt, stop))


class LabelScore(TypedDict):
    """One label chosen for a clause, with its score."""

    label: str
    score: float


class LabelledClause(TypedDict):
    """A clause of the policy with its chosen labels and every label's score (both empty for chrome)."""

    index: int
    start: int
    end: int
    heading: str | None
    kind: str
    text: str
    labels: list[LabelScore]
    scores: dict[str, float]


class LabelCoverage(TypedDict):
    """How many clauses carry a label, and the best-scoring one (None when no clause does)."""

    label: str
    clauses: int
    best_clause: int | None
    best_score: float | None


class PolicyLabels(TypedDict):
    """What label_policy returns: the labelled clauses, coverage per label and the labels no clause carries."""

    clauses: list[LabelledClause]
    coverage: list[LabelCoverage]
    missing: list[str]


def label_policy(policy: Policy, rows, model: Labeller) -> PolicyLabels:
    """Clauses with labels and scores (chrome: no labels, no scores), coverage per label, missing topics;
    `rows` are the model's scores of scoring_inputs(policy, model.info), read in context here."""
    names = list(model.labels)
    context_rows, cut = in_context(policy, rows, model.info)
    row_of = dict(zip(policy.scored_indices, context_rows))
    clauses: list[LabelledClause] = []
    for i, c in enumerate(policy.clauses):
        row = row_of.get(i)
        scores = {n: float(s) for n, s in zip(names, row)} if row is not None else {}
        labels = model.chosen(row, cut) if row is not None else []
        clauses.append(
            {
                "index": i,
                "start": c.start,
                "end": c.end,
                "heading": c.heading,
                "kind": c.kind,
                "text": c.text,
                "labels": [{"label": n, "score": s} for n, s in labels],
                "scores": scores,
            }
        )
    coverage: list[LabelCoverage] = []
    for name in names:
        hits = [c for c in clauses if any(x["label"] == name for x in c["labels"])]
        best = max(hits, key=lambda c: c["scores"][name]) if hits else None
        coverage.append(
            {
                "label": name,
                "clauses": len(hits),
                "best_clause": best["index"] if best else None,
                "best_score": best["scores"][name] if best else None,
            }
        )
    return {"clauses": clauses, "coverage": coverage, "missing": [c["label"] for c in coverage if not c["clauses"]]}
