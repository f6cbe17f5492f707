"""Segmentation: exact offsets, full coverage of the seeds, structure handling."""

import pytest

from clausewise.segment import detect_format, plain_text, segment
from tests.utils import SEED_DOCS

SEEDS = sorted(SEED_DOCS.glob("*.txt"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_clauses_slice_back_and_cover_all_text(path):
    text = path.read_text(encoding="utf-8")
    clauses = segment(text)
    covered = [False] * len(text)
    for c in clauses:
        assert text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        for i in range(c.start, c.end):
            covered[i] = True
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert missing == []
    assert all(a.end <= b.start for a, b in zip(clauses, clauses[1:])), "clauses overlap or are out of order"


def test_seeds_are_present():
    assert len(SEEDS) == 5


def test_sentences_and_headings_are_split_with_context():
    text = "Article 3 Cookies:\nWe use cookies. They remember you.\nArticle 4 Contact\nCall us on 400-1."
    clauses = segment(text)
    assert [c.text for c in clauses] == [
        "Article 3 Cookies:",
        "We use cookies.",
        "They remember you.",
        "Article 4 Contact",
        "Call us on 400-1.",
    ]
    assert [c.kind for c in clauses] == ["heading", "clause", "clause", "heading", "clause"]
    assert clauses[1].heading == "Article 3 Cookies"
    assert clauses[4].heading == "Article 4 Contact"


def test_inline_numbered_items_and_escaped_markdown_markers_split():
    text = "We use data for: 1\\. verifying your identity; 2\\. processing your orders; 3\\. marketing."
    items = [c.text for c in segment(text)]
    assert items == [
        "We use data for:",
        "1\\. verifying your identity;",
        "2\\. processing your orders;",
        "3\\. marketing.",
    ]


def test_bare_list_marker_joins_the_next_line():
    text = "2\\.\nInformation such as your name may be collected."
    clauses = segment(text)
    assert len(clauses) == 1 and clauses[0].text == text


def test_chinese_punctuation_and_markers():
    text = (
        "7、 How your data is transferred\nData is stored in China。We may transfer it with consent；we tell you first."
    )
    texts = [c.text for c in segment(text)]
    assert texts[0] == "7、 How your data is transferred"
    assert "Data is stored in China。" in texts
    assert "We may transfer it with consent；" in texts


def test_markdown_link_lists_and_short_items_are_one_scored_clause_per_run():
    text = "* [Home](//a.com/)  * [Cart](//a.com/cart)  * [Help](//a.com/help)\n**A. COOKIES**  We use cookies."
    clauses = segment(text)
    # Only HTML site furniture is chrome: in text and markdown a link line is policy text the model reads.
    assert clauses[0].kind == "clause" and "Home" in clauses[0].text and "Help" in clauses[0].text
    assert clauses[1].kind == "heading" and clauses[1].text == "**A. COOKIES**"
    assert clauses[2].text == "We use cookies." and clauses[2].heading == "A. COOKIES"
    items = segment("We collect:\n\n*   your name\n*   email address\n*   IP address\n\nWe keep it.")
    assert [(c.kind, c.text) for c in items] == [
        ("clause", "We collect:"),
        ("clause", "*   your name\n*   email address\n*   IP address"),
        ("clause", "We keep it."),
    ]


def test_html_offsets_point_into_the_original_markup():
    html = "<html><body><h2>Cookies</h2><p>We use <b>cookies</b>. You can refuse them.</p><script>var x=1;</script></body></html>"
    assert detect_format(html) == "html"
    clauses = segment(html)
    for c in clauses:
        assert html[c.start : c.end] == c.text
    assert [plain_text(c.text) for c in clauses] == ["Cookies", "We use cookies.", "You can refuse them."]
    assert clauses[1].heading == "Cookies"
    assert not any("var x" in c.text for c in clauses)


def test_empty_and_whitespace_input_give_no_clauses():
    assert segment("") == []
    assert segment("  \n\t ") == []


def test_plain_text_strips_markup():
    assert plain_text("**B. USE** of [data](//x.com) 1\\. here &amp; there") == "B. USE of data 1. here & there"


def test_numbered_markdown_heading_stays_whole():
    text = "# Notice\n\n## 1. What we collect\n\nWe collect your email. We use it to reply.\n"
    clauses = segment(text)
    assert [(c.kind, c.text) for c in clauses] == [
        ("heading", "# Notice"),
        ("heading", "## 1. What we collect"),
        ("clause", "We collect your email."),
        ("clause", "We use it to reply."),
    ]
    assert clauses[-1].heading == "Notice > 1. What we collect"


PAGE = """<!doctype html><html><head><title>Privacy</title><style>p{color:red}</style></head><body>
<header class="site-header"><nav><ul><li><a href="/">Home</a></li><li><a href="/shop">Shop</a></li></ul></nav></header>
<div id="cookie-banner"><p>We use cookies to personalise ads.</p><button>Accept all</button></div>
<noscript><p>Please enable JavaScript; we collect nothing without it.</p></noscript>
<main><article><header><h1>Privacy Policy</h1></header>
<h2>Information we collect</h2>
<p>We collect your name and email address when you register.</p>
<ul><li><a href="#cookies">Cookies</a></li><li><a href="#rights">Your rights</a></li></ul>
<div hidden><p>We share your address with our partners.</p></div>
<div style="display: none"><p>We sell your data.</p></div>
<div aria-hidden="true"><p>Hidden share widget text.</p></div>
<dialog><p>Your session will expire.</p></dialog>
<p>You can ask us to delete your account at any time.</p>
</article></main>
<footer class="site-footer"><p>Read our terms. Contact the press office.</p></footer>
<script type="application/json">{"text": "<p>We sell everything.</p>"}</script>
</body></html>"""


def test_html_boilerplate_is_chrome_and_hidden_elements_are_skipped():
    clauses = segment(PAGE)
    assert all(PAGE[c.start : c.end] == c.text for c in clauses)
    policy = [plain_text(c.text) for c in clauses if c.kind != "chrome"]
    assert policy == [
        "Privacy Policy",
        "Information we collect",
        "We collect your name and email address when you register.",
        "You can ask us to delete your account at any time.",
    ]
    chrome = " ".join(plain_text(c.text) for c in clauses if c.kind == "chrome")
    for visible in ("Home", "We use cookies to personalise ads.", "Accept all", "Cookies", "Contact the press office."):
        assert visible in chrome
    everything = " ".join(c.text for c in clauses)
    for hidden in (
        "share your address",
        "We sell your data",
        "Hidden share widget",
        "session will expire",
        "enable JavaScript",
        "We sell everything",
    ):
        assert hidden not in everything


def test_policy_headings_inside_the_article_header_are_kept():
    clauses = segment(PAGE)
    title = next(c for c in clauses if plain_text(c.text) == "Privacy Policy")
    body = next(c for c in clauses if c.text.startswith("We collect"))
    assert title.kind == "heading" and body.heading == "Information we collect"


def test_a_page_without_main_still_drops_site_furniture_and_unclosed_elements_run_to_the_end():
    page = '<div class="navbar"><a href="/">Home</a> <a href="/a">About</a></div><p>We keep logs for 30 days.</p><nav><p>Open nav'
    kinds = [(plain_text(c.text), c.kind) for c in segment(page)]
    assert kinds == [("Home About", "chrome"), ("We keep logs for 30 days.", "clause"), ("Open nav", "chrome")]


def test_segmentation_stops_when_its_caller_says_so():
    from clausewise.segment import SegmentationStopped

    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(SegmentationStopped, match="stopped at character"):
        segment("Line one.\nLine two.\nLine three.\nLine four.\nLine five.\n", stop=stop)
    assert len(segment("Line one.\nLine two.\n", stop=lambda: False)) == 2
