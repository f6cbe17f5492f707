"""clausewise.align and clausewise.compare: aligning two versions of a policy and the per-topic summary (no trained model needed)."""

from __future__ import annotations

import json
import random
from collections import Counter

import numpy as np
import pytest

import clausewise.align as aln
import clausewise.compare as cmp
from clausewise.analysis import read_policy
from clausewise.model_dir import ModelInfo
from tests.utils import ROOT

REAL_DOCS = ROOT / "labels" / "real" / "heldout" / "docs"


def clause_texts(name: str) -> list[str]:
    policy = read_policy((REAL_DOCS / name).read_text(encoding="utf-8"))
    return policy.model_inputs()[0]


class KeywordModel:
    """A stand-in model: a clause has a label when it contains one of the label's keywords."""

    labels = ["data_retention", "third_party_sharing", "cookies_tracking"]
    info = ModelInfo(labels, [0.5] * 3)
    keywords = {
        "data_retention": ("keep", "retain"),
        "third_party_sharing": ("sell", "share"),
        "cookies_tracking": ("cookie",),
    }

    def scores(self, texts, contexts=None):
        return np.array([[float(any(k in t.lower() for k in self.keywords[n])) for n in self.labels] for t in texts])

    def chosen(self, row, threshold=None):
        return [(n, float(s)) for n, s in zip(self.labels, row) if s >= 0.5]


@pytest.mark.parametrize(
    "marked",
    [
        "1. We collect data.",
        "2.3 We collect, data!",
        "(a) we COLLECT data",
        "iv) We collect data",
        "• We collect data",
        "- We collect data",
        "Section 4: We collect data",
        "**3.** We collect data",
        "1\\. We collect data",
    ],
)
def test_numbering_bullets_case_and_punctuation_are_ignored(marked):
    assert aln.normalise(marked) == "we collect data"


def test_a_shuffled_renumbered_copy_of_a_real_policy_has_no_change():
    old = clause_texts("oth14_signal.md")
    new = list(old)
    random.Random(0).shuffle(new)
    markers = ["{}. ", "({}) ", "• ", "Section {}: ", "- "]
    new = [markers[k % len(markers)].format(k + 1) + t.rstrip(".") for k, t in enumerate(new)]
    pairs = aln.align(old, new)
    assert len(old) > 20 and {p.status for p in pairs} == {"unchanged"} and len(pairs) == len(old)
    assert sorted(p.old for p in pairs) == list(range(len(old))) and all(p.similarity == 1.0 for p in pairs)


def test_a_reworded_sentence_is_reworded_with_its_similarity():
    old = ["We collect your email address.", "We keep your data for 30 days after you leave.", "Contact us."]
    new = ["We collect your email address.", "We keep your personal data for 90 days after you leave.", "Contact us."]
    (pair,) = [p for p in aln.align(old, new) if p.status != "unchanged"]
    expected = aln.word_ratio(aln.normalise(old[1]), aln.normalise(new[1]))
    assert (pair.status, pair.old, pair.new) == ("reworded", 1, 1)
    assert pair.similarity == pytest.approx(expected) and aln.REWORDED_MIN <= pair.similarity < 1


def test_inserted_and_deleted_clauses_are_added_and_removed_in_reading_order():
    old = ["We collect your email address.", "We never sell your data to anyone.", "Contact us by email."]
    new = ["We collect your email address.", "Contact us by email.", "Children under 13 may not sign up."]
    pairs = aln.align(old, new)
    assert [(p.status, p.old, p.new) for p in pairs] == [
        ("unchanged", 0, 0),
        ("removed", 1, None),
        ("unchanged", 2, 1),
        ("added", None, 2),
    ]


def test_duplicates_are_matched_as_multisets():
    pairs = aln.align(["We use cookies.", "We use cookies.", "Contact us."], ["Contact us.", "1. We use cookies"])
    assert Counter(p.status for p in pairs) == {"unchanged": 2, "removed": 1}
    assert Counter(p.status for p in aln.align(["A b c."], ["A b c.", "a, b, c!"])) == {"unchanged": 1, "added": 1}


def test_unrelated_clauses_are_not_paired():
    pairs = aln.align(["We use cookies to remember you."], ["Children under 13 may not sign up."])
    assert sorted(p.status for p in pairs) == ["added", "removed"]


def test_similarity_is_computed_for_a_few_candidates_per_clause_not_every_pair(monkeypatch):
    texts = clause_texts("oth26_yelp.md") + clause_texts("oth02_bitwarden.md") + clause_texts("oth09_hearst_com.md")
    old, new = texts[:300], texts[300:600]
    assert len(new) == 300
    calls = []
    real = aln.word_ratio
    monkeypatch.setattr(aln, "word_ratio", lambda a, b: calls.append(1) or real(a, b))
    pairs = aln.align(old, new)
    assert 0 < len(calls) <= aln.CANDIDATES * (len(old) + len(new)) < len(old) * len(new) / 10
    assert sum(p.old is not None for p in pairs) == len(old) and sum(p.new is not None for p in pairs) == len(new)


OLD_POLICY = """# Privacy

1. We collect your email address when you sign up.
2. We do not sell your data.
3. We use cookies to remember your login.
4. Contact us at privacy@example.com.
"""

NEW_POLICY = """# Privacy

1. We collect your email address when you sign up.
2. We use cookies to remember your login and measure traffic on our pages.
3. We keep logs for 90 days.
4. We keep backups for one year.
5. Contact us at privacy@example.com.
"""


def test_summary_names_a_topic_that_appears_and_quotes_removed_clauses():
    result = cmp.compare_texts(OLD_POLICY, NEW_POLICY, KeywordModel())
    json.dumps(result)  # JSON-ready
    assert result["format"] == {"old": "text", "new": "text"}
    assert result["counts"] == {"unchanged": 3, "reworded": 1, "added": 2, "removed": 1}
    by_label = {s["label"]: s for s in result["summary"]}
    assert by_label["data_retention"]["appears"] and by_label["data_retention"]["added"] == 2
    assert by_label["third_party_sharing"]["disappears"] and by_label["third_party_sharing"]["removed"] == 1
    lines = cmp.summary_lines(result)
    assert (
        lines[0].startswith("data_retention: new topic")
        and '2 clauses added, e.g. "We keep logs for 90 days."' in lines[0]
    )
    assert any(
        line.startswith("third_party_sharing: no longer covered") and 'removed "We do not sell your data."' in line
        for line in lines
    )
    assert any(line.startswith("cookies_tracking:") and "1 clause reworded" in line for line in lines)
    for pair in result["pairs"]:  # offsets point into each side's text, for highlighting
        for side, text in (("old", OLD_POLICY), ("new", NEW_POLICY)):
            if pair[side] is not None:
                assert text[pair[side]["start"] : pair[side]["end"]] == pair[side]["text"]


def test_labels_gained_by_a_rewording_are_reported():
    result = cmp.compare_texts(
        "We store your data on our servers for a while.",
        "We store your data on our servers and share it with partners.",
        KeywordModel(),
    )
    (pair,) = result["pairs"]
    assert pair["status"] == "reworded" and pair["labels_added"] == ["third_party_sharing"]
    assert "third_party_sharing: new topic" in cmp.summary_lines(result)[0]


def test_identical_versions_say_no_substantive_change():
    moved = OLD_POLICY.replace("2. We do not sell your data.", "").replace(
        "4. Contact", "4. We do not sell your data.\n5. Contact"
    )
    result = cmp.compare_texts(OLD_POLICY, moved, KeywordModel())
    assert set(result["counts"]) == set(cmp.STATUSES) and result["counts"]["unchanged"] == len(result["pairs"])
    assert any(line.startswith("no substantive change") for line in cmp.summary_lines(result))


def test_each_distinct_clause_is_scored_once_for_both_versions():
    seen = []
    model = KeywordModel()

    def score(texts, headings):
        seen.extend(texts)
        return model.scores(texts, headings)

    cmp.compare_texts(OLD_POLICY, NEW_POLICY, model, score=score)
    assert len(seen) == len(set(seen)) == 9  # 5 + 6 clauses; 2 the same in both ("4. Contact" became "5. Contact")


def test_repeated_texts_pair_with_the_copy_in_the_same_section():
    """Regional sections repeat the same lines; a section added in front must not shift the pairing."""

    def section(region: str) -> list[tuple[str, str]]:
        return [
            (f"Notice to individuals in {region}", region),
            ("Data Controller", region),
            (f"If you reside in {region}, our local company is the controller.", region),
            ("Note: we store information in data centers in the United States.", region),
        ]

    old = section("Thailand") + section("Brazil")
    new = section("Japan") + section("Thailand") + section("Brazil")
    pairs = aln.align([t for t, _ in old], [t for t, _ in new], [h for _, h in old], [h for _, h in new])
    unchanged = {(p.old, p.new) for p in pairs if p.status == "unchanged"}
    assert unchanged == {(i, i + 4) for i in range(8)}  # every old line with its own section's copy
    assert sorted(p.new for p in pairs if p.status == "added") == [0, 1, 2, 3]
