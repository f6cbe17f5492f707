"""A whole policy analysed: chrome is never scored, labels follow the model's thresholds, coverage adds up."""

import numpy as np
import pytest

from clausewise.analysis import in_context, label_policy, read_policy, scoring_inputs
from clausewise.context_scores import ContextStack
from clausewise.model_dir import CONTEXT_STACK, ModelInfo


class FixedModel:
    """Scores every clause the same: data_collection high, the rest low."""

    labels = ["data_collection", "cookies_tracking"]
    info = ModelInfo(labels, [0.5, 0.5])

    def chosen(self, row, threshold=None):
        cut = [0.5] * 2 if threshold is None else threshold
        return sorted(((n, float(s)) for n, s, c in zip(self.labels, row, cut) if s >= c), key=lambda x: -x[1])


class StackedModel(FixedModel):
    """A context stack that reads only each clause's paragraph, with thresholds of its own."""

    stack = ContextStack(weights=[[0, 0, 0, 0, 0, 1]] * 2, bias=[0, 0], thresholds=[0.6, 0.6])
    info = ModelInfo(FixedModel.labels, [0.5, 0.5], extra={CONTEXT_STACK: stack.to_dict()})


POLICY = "## Data\n\nWe collect:\n\n- your name\n- your address\n\nCookies help us.\n"


def test_a_model_with_a_context_stack_also_scores_paragraphs_and_labels_clauses_in_context():
    policy = read_policy(POLICY)
    clauses, _ = scoring_inputs(policy, FixedModel.info)
    texts, contexts = scoring_inputs(policy, StackedModel.info)
    assert texts == clauses + ["- your name - your address"] and len(contexts) == len(texts)
    # clause rows: the list items alone score low on data_collection; their paragraph read whole scores high
    rows = [[0.1, 0.1], [0.9, 0.1], [0.3, 0.1], [0.3, 0.1], [0.1, 0.9], [0.95, 0.05]]
    assert len(rows) == len(texts) == len(clauses) + 1
    result = label_policy(policy, rows, StackedModel())
    labelled = {c["text"]: [x["label"] for x in c["labels"]] for c in result["clauses"]}
    assert labelled["- your name"] == labelled["- your address"] == ["data_collection"]  # paragraph: 0.95 >= 0.6
    assert labelled["Cookies help us."] == ["cookies_tracking"]
    assert labelled["We collect:"] == ["data_collection"] and labelled["## Data"] == []
    _, cut = in_context(policy, rows, StackedModel.info)
    assert cut == [0.6, 0.6]
    with pytest.raises(ValueError, match="scoring_inputs"):
        in_context(policy, rows[:-1], StackedModel.info)  # the paragraph row is missing


def test_chrome_is_not_scored_and_coverage_counts_labelled_clauses():
    text = "<nav><a href='/'>Home</a></nav><p>We collect your name.</p><p>We collect your address.</p>"
    policy = read_policy(text)
    assert policy.format == "html" and [c.kind for c in policy.clauses] == ["chrome", "clause", "clause"]
    texts, _headings = policy.model_inputs()
    assert texts == ["We collect your name.", "We collect your address."] and policy.scored_indices == [1, 2]
    rows = np.array([[0.9, 0.1], [0.8, 0.2]])
    result = label_policy(policy, rows, FixedModel())
    assert result["clauses"][0]["labels"] == [] and result["clauses"][0]["scores"] == {}
    assert [x["label"] for x in result["clauses"][1]["labels"]] == ["data_collection"]
    assert result["coverage"][0] == {"label": "data_collection", "clauses": 2, "best_clause": 1, "best_score": 0.9}
    assert result["missing"] == ["cookies_tracking"]


def test_text_size_counts_readable_policy_text_not_markup():
    policy = read_policy("<p><a href='https://example.com/a/very/long/link'>Privacy</a> matters.</p>")
    assert policy.text_chars == len("Privacy matters.")
    assert policy.language == "en"


def test_a_lead_in_model_reads_each_list_item_with_its_lead_in():
    policy = read_policy("## Use\n\nWe use your data to:\n\n- send you offers\n- improve the site\n\nThat is all.\n")
    texts, headings = policy.model_inputs()
    _, leads = policy.model_inputs("lead-in")
    assert texts[-3:] == ["- send you offers", "- improve the site", "That is all."]
    assert headings[-3:] == ["Use", "Use", "Use"]
    assert leads[-3:] == ["We use your data to:", "We use your data to:", None]
