"""The page's Compare tab and its readable view of saved HTML pages, in headless Chromium (Playwright).

tests/data/ota_123greetings_privacy_policy.html is a real saved page: 123Greetings' privacy policy
as recorded by Open Terms Archive (OpenTermsArchive/contrib-snapshots, commit 5da7258adf3b; ODC-By
1.0, "Open Terms Archive contributors"), doctype, head (meta, link, styles, scripts), menus and footer
included.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.serving.test_page import CHROMIUM, SCREENSHOTS, open_page
from tests.utils import ROOT, TOY_TEXTS

SAVED_PAGE = ROOT / "tests" / "data" / "ota_123greetings_privacy_policy.html"
CLAUSES = [t for texts in TOY_TEXTS.values() for t in texts]
ADDED = "We sell your browsing history to advertising networks."
REWORDED = ("Children under 13 may not create an account.", "Children under 16 may not create an account at all.")
MARKUP = (
    "<!DOCTYPE",
    "<!doctype",
    "<link",
    "<meta",
    "<script",
    "<style",
    "<p",
    "<div",
    "<a ",
    "</",
    "&amp;",
    "&raquo;",
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="chromium is not installed (make test installs it with apt-get, as root)"
    ),
]


def numbered(clauses: list[str]) -> str:
    return "Privacy Policy\n" + "\n".join(f"{k + 1}. {c}" for k, c in enumerate(clauses))


def shown_text(page, selector: str) -> str:
    """The text of a document view without the label numbers after its clauses."""
    return page.evaluate(
        "(sel) => { const d = document.querySelector(sel).cloneNode(true); "
        "d.querySelectorAll('.nums').forEach((n) => n.remove()); return d.textContent; }",
        selector,
    )


OLD = numbered(CLAUSES)
NEW = numbered([REWORDED[1] if c == REWORDED[0] else c for c in CLAUSES[:5] + [ADDED] + CLAUSES[5:]])


@pytest.fixture(scope="module")
def page(server):
    with open_page(server) as page:
        yield page


def test_tabs_switch_by_keyboard(page):
    assert page.get_attribute("#tab-analyse", "aria-selected") == "true" and page.is_hidden("#panel-compare")
    page.focus("#tab-analyse")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-compare"
    assert page.get_attribute("#tab-compare", "aria-selected") == "true"
    assert page.is_visible("#panel-compare") and page.is_hidden("#panel-analyse")
    assert page.get_attribute("#tab-analyse", "tabindex") == "-1"  # one tab stop for the tab list
    page.keyboard.press("Home")
    assert page.evaluate("document.activeElement.id") == "tab-analyse" and page.is_visible("#panel-analyse")
    page.keyboard.press("End")
    page.keyboard.press("Tab")  # into the panel: the old version's text area
    assert page.evaluate("document.activeElement.id") == "old-input"


def test_compare_shows_the_summary_then_both_versions_with_an_added_clause(page, server):
    expected = httpx.post(server + "/compare", json={"old": OLD, "new": NEW}, timeout=60).json()
    assert expected["counts"] == {"unchanged": len(CLAUSES), "reworded": 1, "added": 1, "removed": 0}
    page.click("#tab-compare")
    page.fill("#old-input", OLD)
    page.fill("#new-input", NEW)
    page.click("#compare")
    page.wait_for_selector("#new-doc .clause.added")
    assert "1 added, 0 removed, 1 reworded" in page.inner_text("#compare-message")
    # The summary first, in words, with the topics' colours.
    lines = page.eval_on_selector_all("#compare-summary li", "els => els.map(e => e.lastElementChild.textContent)")
    assert lines == [line.replace("_", " ") for line in expected["summary_lines"]]
    topics = [s["label"] for s in expected["summary"] if s["added"] or s["reworded"] or s["coverage_new"]]
    if topics:
        assert page.query_selector_all("#compare-summary .swatch")
    order = page.evaluate("[...document.querySelectorAll('#compare-summary, #old-doc')].map(e => e.id)")
    assert order == ["compare-summary", "old-doc"]
    # Both versions side by side; the added clause green on the new side only.
    added = page.query_selector_all("#new-doc .clause.added")
    assert len(added) == 1 and ADDED in added[0].inner_text()
    assert (
        page.query_selector_all("#old-doc .clause.added") == []
        and page.query_selector_all("#old-doc .clause.removed") == []
    )
    assert added[0].evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(227, 244, 230)"
    assert added[0].evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(26, 127, 55)"
    old_box, new_box = page.query_selector("#old-doc").bounding_box(), page.query_selector("#new-doc").bounding_box()
    assert old_box["x"] + old_box["width"] <= new_box["x"] and abs(old_box["y"] - new_box["y"]) < 5
    # Reworded: amber on both sides, the similarity in the tooltip, the partner lit on hover.
    old_r, new_r = page.query_selector("#old-doc .clause.reworded"), page.query_selector("#new-doc .clause.reworded")
    assert REWORDED[0] in old_r.inner_text() and REWORDED[1] in new_r.inner_text()
    assert "% similar" in old_r.get_attribute("title")
    old_r.hover()
    assert "partner" in new_r.get_attribute("class")
    page.hover("#compare")
    assert "partner" not in new_r.get_attribute("class")
    # Each clause is underlined in its first label's colour (the tiny test model labels some).
    labelled = [p for p in expected["pairs"] if p["new"] and p["new"]["labels"]]
    assert len(page.query_selector_all("#new-doc .clause .nums")) == len(labelled)
    assert all(len(n.query_selector_all(".num")) == 1 for n in page.query_selector_all("#new-doc .nums"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "compare-1280.png"), full_page=False)


def test_compare_of_saved_pages_shows_readable_text_with_a_removed_clause(page):
    html = SAVED_PAGE.read_text(encoding="utf-8")
    cut = "<p align='justify'>If you contact us for customer support"
    start = html.index(cut)
    newer = html[:start] + html[html.index("</p>", start) + len("</p>") :]
    page.click("#tab-compare")
    page.fill("#old-input", html)
    page.fill("#new-input", newer)
    page.click("#compare")
    page.wait_for_selector("#old-doc .clause.removed")
    removed = page.query_selector_all("#old-doc .clause.removed")
    assert len(removed) == 1 and "If you contact us for customer support" in removed[0].inner_text()
    for side in ("#old-doc", "#new-doc"):
        text = shown_text(page, side)
        assert "123Greetings takes your privacy seriously." in text
        assert not [m for m in MARKUP if m in text], [m for m in MARKUP if m in text]


def test_compare_errors_are_shown_like_the_analyse_tab(page):
    page.click("#tab-compare")
    page.fill("#old-input", "  ")
    page.fill("#new-input", "We use cookies.")
    page.click("#compare")
    assert "old version is empty" in page.inner_text("#compare-message")
    assert "error" in page.get_attribute("#compare-message", "class")
    page.fill("#old-input", "We keep logs for a year. " * 13_000)
    page.click("#compare")
    page.wait_for_function("document.getElementById('compare-message').textContent.includes('could not compare')")
    message = page.inner_text("#compare-message")
    assert "old: the input holds 312000 characters of policy text" in message
    assert "error" in page.get_attribute("#compare-message", "class") and not page.is_disabled("#compare")


def test_analyse_shows_a_saved_page_as_readable_text_with_highlights(page):
    html = SAVED_PAGE.read_text(encoding="utf-8")
    page.click("#tab-analyse")
    page.fill("#input", html)
    page.click("#analyse")
    page.wait_for_function("document.querySelectorAll('#doc .clause').length > 50")
    text = shown_text(page, "#doc")
    assert not [m for m in MARKUP if m in text], [m for m in MARKUP if m in text]
    assert (
        "123Greetings takes your privacy seriously." in text
        and "What does 123Greetings.com do with the ecard messages & information?" in text
    )
    assert "pageTracker" not in text and "Privacy Policy | 123Greetings" not in text  # script and title
    assert "Overview\nThe use of the 123Greetings website(s)" in text  # the <br> between them is a line break
    clauses = page.query_selector_all("#doc .clause")
    assert len(clauses) > 100 and page.query_selector_all("#doc .clause.labelled")
    # Page chrome (menus, breadcrumbs, footer links) is shown dimmed.
    chrome = page.query_selector_all("#doc .clause.chrome")
    assert chrome and all(float(c.evaluate("e => getComputedStyle(e).opacity")) < 1 for c in chrome)
    assert any(c.inner_text() == "Corporate Info" for c in chrome)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "saved-page-1280.png"), full_page=False)


def test_analyse_keeps_plain_text_as_it_is(page):
    page.click("#tab-analyse")
    page.fill("#input", OLD)
    page.click("#analyse")
    page.wait_for_function("document.getElementById('message').textContent.includes('clauses analysed')")
    assert shown_text(page, "#doc") == OLD
    assert page.query_selector_all("#doc .clause.chrome") == []
