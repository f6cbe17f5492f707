"""Paragraphs: blank lines in text and markdown, block elements in HTML; segment() numbers them."""

from clausewise.segment import segment
from clausewise.segment.paragraphs import paragraph_ids, starts_paragraph


def test_blank_lines_start_paragraphs_and_a_list_stays_one():
    text = "## Use\n\nWe use data to:\n\n- send offers\n- improve the site\n\nThat is all. Really."
    clauses = [c for c in segment(text, "markdown")]
    by_text = {c.text: c.paragraph for c in clauses}
    assert by_text["- send offers"] == by_text["- improve the site"]
    assert len({by_text["We use data to:"], by_text["- send offers"], by_text["That is all."]}) == 3
    assert by_text["That is all."] == by_text["Really."]
    assert [c.paragraph for c in clauses] == sorted(c.paragraph for c in clauses)


def test_html_block_elements_start_paragraphs_but_list_items_do_not():
    assert starts_paragraph("</p>\n<p>", "html") and starts_paragraph("</li></ul><p>", "html")
    assert not starts_paragraph("</li>\n<li>", "html") and not starts_paragraph("</p><p>", "markdown")
    text = "<p>One. Two.</p><ul><li>a cookie item here</li><li>another cookie item</li></ul><p>Three.</p>"
    ids = {c.text: c.paragraph for c in segment(text, "html")}
    assert ids["One."] == ids["Two."] != ids["Three."]


def test_paragraph_ids_number_spans_in_order():
    text = "a b\n\nc d\ne"
    assert paragraph_ids(text, [(0, 1), (2, 3), (5, 6), (7, 8), (9, 10)], "text") == [0, 0, 1, 1, 1]
    assert paragraph_ids(text, [], "text") == []
