"""Clause scores read in their document's context: per label, a logistic combination of the clause's own
score with those of its neighbours, its heading, its lead-in and its paragraph read whole.

    layout = Layout.of(texts, headings, kinds, paragraph_ids)     # one document's scored clauses, in order
    stack = ContextStack.of(model.info)                           # None for a model without one
    probs = stack.apply(clause_rows, paragraph_rows, layout)      # paragraph_rows: one per layout.joined group

On real policies a clause's topic is often set around it ("We may share:" before "- your email").
The weights are fitted on whole real validation documents after fine-tuning (training/context_fit.py)
and stored in the model folder (ModelInfo.extra[CONTEXT_STACK]); /analyze, batch and the held-out
gate apply them; /classify, which has no document, does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from clausewise.context import lead_in_indices
from clausewise.model_dir import CONTEXT_STACK, ModelInfo

FEATURES = ("clause", "previous", "next", "heading", "lead_in", "paragraph")


@dataclass(frozen=True)
class Layout:
    """Where each scored clause of one document sits: the index of its heading and lead-in, its paragraph."""

    heading: list[int | None]
    lead_in: list[int | None]
    paragraphs: list[list[int]]  # every clause in exactly one group, in order

    @classmethod
    def of(
        cls,
        texts: Sequence[str],
        headings: Sequence[str | None],
        kinds: Sequence[str | None],
        paragraph_ids: Sequence[int],
    ) -> Layout:
        """The layout of one document's scored clauses, given in document order."""
        heading: list[int | None] = []
        last: int | None = None
        for i, kind in enumerate(kinds):
            heading.append(last)
            if kind == "heading":
                last = i
        groups: list[list[int]] = []
        for i, p in enumerate(paragraph_ids):
            if groups and p >= 0 and paragraph_ids[groups[-1][-1]] == p:
                groups[-1].append(i)
            else:
                groups.append([i])
        return cls(heading, lead_in_indices(texts, headings, kinds), groups)

    @property
    def joined(self) -> list[list[int]]:
        """The paragraphs of more than one clause: these are scored whole, one input each."""
        return [g for g in self.paragraphs if len(g) > 1]


def paragraph_inputs(texts: Sequence[str], contexts: Sequence[str | None], layout: Layout) -> tuple[list, list]:
    """(texts, contexts) of the joined paragraphs: their clauses joined by spaces, the first one's context."""
    groups = layout.joined
    return [" ".join(texts[i] for i in g) for g in groups], [contexts[g[0]] for g in groups]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-5, 1 - 1e-5)
    return np.log(p / (1 - p))


def features(clause_rows, paragraph_rows, layout: Layout) -> np.ndarray:
    """(clauses, labels, FEATURES) logits; a missing neighbour, heading or lead-in reads as the clause itself."""
    own = _logit(clause_rows).reshape(len(layout.heading), -1)
    n = len(own)
    para = own.copy()
    for g, row in zip(layout.joined, _logit(paragraph_rows).reshape(len(layout.joined), own.shape[1])):
        para[g] = row
    prev = np.concatenate([own[:1], own[:-1]]) if n else own
    nxt = np.concatenate([own[1:], own[-1:]]) if n else own

    def at(index: list[int | None]) -> np.ndarray:
        return np.stack([own[j if j is not None else i] for i, j in enumerate(index)]) if n else own

    return np.stack([own, prev, nxt, at(layout.heading), at(layout.lead_in), para], axis=2)


@dataclass
class ContextStack:
    """Per-label weights over FEATURES, a bias and the thresholds for the combined probability."""

    weights: list[list[float]]  # labels x features
    bias: list[float]
    thresholds: list[float]
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    fitted_on: dict = field(default_factory=dict)  # documents and clauses it was fitted on

    def __post_init__(self) -> None:
        if list(self.features) != list(FEATURES):
            raise ValueError(f"context stack reads {self.features}, this version reads {list(FEATURES)}: retrain")

    @classmethod
    def of(cls, info: ModelInfo) -> ContextStack | None:
        """The stack stored with a model, or None when it has none."""
        stored = info.extra.get(CONTEXT_STACK)
        return cls(**stored) if stored else None

    def to_dict(self) -> dict:
        return asdict(self)

    def apply(self, clause_rows, paragraph_rows, layout: Layout) -> np.ndarray:
        """Probabilities per clause and label, read in context."""
        x = features(clause_rows, paragraph_rows, layout)
        z = np.einsum("nlf,lf->nl", x, np.asarray(self.weights)) + np.asarray(self.bias)
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
