"""Paragraph examples: section windows for training, a document's own blocks for scoring."""

from training.data import LabelRecord
from training.paragraphs import paragraphs, section_windows


def clauses(doc="nodoc"):
    rows = [
        ("heading", "Cookies", (), None),
        ("clause", "We use cookies to remember you.", ("cookies_tracking",), "Cookies"),
        ("clause", "They expire after a year.", ("cookies_tracking", "data_retention"), "Cookies"),
        ("clause", "You can block them.", ("cookies_tracking", "user_choice"), "Cookies"),
        ("heading", "Contact", (), None),
        ("clause", "Write to us.", ("contact",), "Contact"),
    ]
    out, pos = [], 0
    for i, (kind, text, labels, heading) in enumerate(rows):
        out.append(LabelRecord(f"x-{i}", doc, text, labels, heading, pos, pos + len(text), kind))
        pos += len(text) + 1
    return out


def test_section_windows_join_clauses_of_one_section_and_unite_their_labels(taxonomy):
    windows = section_windows(clauses(), labels_order=taxonomy.names)
    assert len(windows) == 1  # the contact section has one clause: no window
    w = windows[0]
    assert w.text == "We use cookies to remember you. They expire after a year. You can block them."
    assert w.labels == ("cookies_tracking", "user_choice", "data_retention") and w.kind == "paragraph"


def test_section_windows_are_cut_at_the_word_budget(taxonomy):
    windows = section_windows(clauses(), max_words=12, labels_order=taxonomy.names)
    assert [w.text for w in windows] == ["We use cookies to remember you. They expire after a year."]


def test_documents_not_in_the_repository_give_no_paragraph_blocks():
    assert paragraphs(clauses()) == []
