"""Lead-ins: which clause a list item is read with."""

from clausewise.context import LEAD_IN_WORDS, is_list_item, lead_ins


def test_markers_that_make_a_list_item():
    for text in (
        "- send offers",
        "* send offers",
        "• send offers",
        "1. send offers",
        "2) send",
        "(a) send",
        "iv) send",
    ):
        assert is_list_item(text), text
    for text in ("We send offers.", "-send offers", "2023 was a year", "Cookies (small files) help"):
        assert not is_list_item(text), text


def test_items_get_the_clause_before_their_run_under_the_same_heading():
    texts = ["Use", "We use your data to:", "- send offers", "- improve the site", "We keep it safe.", "- encrypted"]
    headings = [None, "Use", "Use", "Use", "Use", "Use"]
    kinds = ["heading", "clause", "clause", "clause", "clause", "clause"]
    assert lead_ins(texts, headings, kinds) == [
        None,
        None,
        "We use your data to:",
        "We use your data to:",
        None,
        "We keep it safe.",
    ]


def test_a_clause_after_a_colon_is_led_in_even_without_a_marker():
    texts = ["We share data with:", "our payment processor.", "Nothing else."]
    assert lead_ins(texts, [None] * 3, ["clause"] * 3) == [None, "We share data with:", None]


def test_headings_and_other_sections_never_lead_in():
    texts = ["Your rights:", "- access", "Sharing", "- partners"]
    headings = [None, "Your rights:", "Your rights:", "Sharing"]
    kinds = ["heading", "clause", "heading", "clause"]
    # "- access" follows a heading ending in ":" (not a lead-in); "- partners" is first under its heading.
    assert lead_ins(texts, headings, kinds) == [None, None, None, None]


def test_long_lead_ins_keep_their_last_words():
    long = " ".join(f"w{i}" for i in range(100)) + " for these purposes:"
    (lead,) = lead_ins(["- x"], [None], ["clause"]) or [None]
    assert lead is None
    got = lead_ins([long, "- x"], [None, None], ["clause", "clause"])[1]
    assert got is not None and got.endswith("for these purposes:") and len(got.split()) == LEAD_IN_WORDS
