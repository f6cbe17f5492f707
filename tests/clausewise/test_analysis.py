"""A whole policy analysed: chrome is never scored, labels follow the model's thresholds, coverage adds up."""

import numpy as np

from clausewise.analysis import label_policy, read_policy


class FixedModel:
    """Scores every clause the same: data_collection high, the rest low."""

    labels = ["data_collection", "cookies_tracking"]

    def chosen(self, row, threshold=None):
        return sorted(((n, float(s)) for n, s in zip(self.labels, row) if s >= 0.5), key=lambda x: -x[1])


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
