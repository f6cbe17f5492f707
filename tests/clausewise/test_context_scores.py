"""The context stack: layouts of a document's clauses, the features read from them, and the stored weights."""

import numpy as np
import pytest

from clausewise.context_scores import FEATURES, ContextStack, Layout, features, paragraph_inputs
from clausewise.model_dir import CONTEXT_STACK, ModelInfo

TEXTS = ["Sharing", "We may share:", "- your email", "- your name", "That is all.", "Cookies", "We use cookies."]
KINDS = ["heading", "clause", "clause", "clause", "clause", "heading", "clause"]
HEADINGS = [None, "Sharing", "Sharing", "Sharing", "Sharing", None, "Cookies"]
PARAGRAPHS = [0, 1, 2, 2, 3, 4, 5]


def test_layout_knows_each_clauses_heading_lead_in_and_paragraph():
    layout = Layout.of(TEXTS, HEADINGS, KINDS, PARAGRAPHS)
    assert layout.heading == [None, 0, 0, 0, 0, 0, 5]
    assert layout.lead_in == [None, None, 1, 1, None, None, None]
    assert layout.paragraphs == [[0], [1], [2, 3], [4], [5], [6]]
    assert layout.joined == [[2, 3]]
    assert paragraph_inputs(TEXTS, HEADINGS, layout) == (["- your email - your name"], ["Sharing"])


def test_unknown_paragraphs_leave_every_clause_alone():
    layout = Layout.of(TEXTS[:3], HEADINGS[:3], KINDS[:3], [-1, -1, -1])
    assert layout.paragraphs == [[0], [1], [2]] and layout.joined == []


def test_features_read_neighbours_heading_lead_in_and_paragraph_and_fall_back_to_the_clause():
    layout = Layout.of(TEXTS, HEADINGS, KINDS, PARAGRAPHS)
    rows = np.linspace(0.1, 0.7, len(TEXTS))[:, None]  # one label, a distinct score per clause
    x = features(rows, np.array([[0.9]]), layout)
    logit = lambda p: float(np.log(p / (1 - p)))  # noqa: E731
    assert x.shape == (len(TEXTS), 1, len(FEATURES))
    assert x[2, 0].tolist() == pytest.approx(
        [logit(rows[2, 0]), logit(rows[1, 0]), logit(rows[3, 0]), logit(rows[0, 0]), logit(rows[1, 0]), logit(0.9)]
    )
    own = logit(rows[0, 0])  # no previous clause, heading, lead-in or joined paragraph: the clause itself
    assert x[0, 0].tolist() == pytest.approx([own, own, logit(rows[1, 0]), own, own, own])
    assert x[-1, 0, 2] == pytest.approx(logit(rows[-1, 0]))  # no next clause


def test_a_stack_that_weighs_only_the_clause_returns_its_scores_and_round_trips_through_model_info():
    layout = Layout.of(TEXTS, HEADINGS, KINDS, PARAGRAPHS)
    rows = np.random.default_rng(0).uniform(0.05, 0.95, (len(TEXTS), 2))
    stack = ContextStack(weights=[[1, 0, 0, 0, 0, 0]] * 2, bias=[0, 0], thresholds=[0.5, 0.4])
    assert np.allclose(stack.apply(rows, np.full((1, 2), 0.99), layout), rows, atol=1e-6)
    info = ModelInfo(["a", "b"], [0.5, 0.5], extra={CONTEXT_STACK: stack.to_dict()})
    assert ContextStack.of(info) == stack and ContextStack.of(ModelInfo(["a"], [0.5])) is None
    neighbours = ContextStack(weights=[[0, 1, 0, 0, 0, 0]] * 2, bias=[0, 0], thresholds=[0.5, 0.5])
    assert np.allclose(neighbours.apply(rows, np.full((1, 2), 0.99), layout)[1:], rows[:-1], atol=1e-6)


def test_a_document_without_joined_paragraphs_needs_no_paragraph_rows():
    layout = Layout.of(["One."], [None], ["clause"], [0])
    stack = ContextStack(weights=[[1, 0, 0, 0, 0, 0]] * 2, bias=[0, 0], thresholds=[0.5, 0.5])
    assert np.allclose(stack.apply([[0.2, 0.7]], [], layout), [[0.2, 0.7]], atol=1e-6)


def test_a_stack_of_other_features_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="retrain"):
        ContextStack(weights=[[1.0]], bias=[0.0], thresholds=[0.5], features=["clause"])
