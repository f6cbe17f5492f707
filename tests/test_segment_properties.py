"""Property tests: for any Unicode, markdown or HTML input, segmentation never raises, offsets slice
back to the clause text, clauses are in order and never overlap, and plain text loses nothing."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausewise.segment import detect_format, plain_text, segment

SETTINGS = settings(max_examples=int(__import__("os").environ.get("HYPOTHESIS_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = st.sampled_from([
    "We", "collect", "your", "data.", "Cookies", "help", "us;", "1.", "(a)", "iv)", "**Bold**", "#", "##", "*", "-",
    "•", "|", "[link](http://x.example)", "\\.", "。", "；", "你好", "Ltd.", "e.g.", "U.S.", "?", "!", "\t", "  ", "\n",
    "\n\n", "Q:", "A:", "Yes.", "<b>", "</b>", "&amp;", "😀", "\u200b", "\u00a0", "\r\n",
])
MARKDOWNISH = st.lists(WORDS, max_size=60).map(" ".join)
HTML_TAGS = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<h2>", "</h2>", "<li>", "</li>", "<br>", "<ul>",
                             "</ul>", "<script>var a = '<p>';</script>", "<!-- note -->", "<style>p{}</style>",
                             "<a href='#'>", "</a>", "<table><tr><td>", "</td></tr></table>"])
HTMLISH = st.lists(st.one_of(HTML_TAGS, WORDS), max_size=60).map(" ".join).map(lambda s: "<html><body>" + s)


def check(text: str) -> None:
    clauses = segment(text)
    previous_end = 0
    for c in clauses:
        assert text[c.start : c.end] == c.text
        assert c.start >= previous_end and c.start < c.end
        assert c.text == c.text.strip() and c.kind in ("clause", "heading", "chrome")
        previous_end = c.end
    if detect_format(text) == "text":  # plain text and markdown: every non-space character is in a clause
        covered = "".join(c.text for c in clauses)
        assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)


@SETTINGS
@given(st.text(max_size=400))
def test_any_unicode_text(text):
    check(text)


@SETTINGS
@given(MARKDOWNISH)
def test_markdown_like_text(text):
    check(text)


@SETTINGS
@given(HTMLISH)
def test_html_like_text(text):
    check(text)


@SETTINGS
@given(st.text(max_size=200))
def test_plain_text_never_raises_and_has_no_tags_or_runs_of_space(text):
    out = plain_text(text)
    assert out == out.strip() and "  " not in out


# --- time per character stays flat (linear segmentation) -------------------------------------------
# Any pattern repeated from 10 KB to 300 KB: the 300 KB input may cost at most 3x the time per
# character of the 10 KB one (quadratic steps gave 20-30x). A ratio in one run, so CPU speed cancels.
UNITS = st.lists(st.one_of(WORDS, HTML_TAGS, st.sampled_from([
    "We keep logs for a year.", "e.g. Sec. 4 i.e. the U.S. rules, etc.", "**Heading**", "**Multi\nline**",
    "[a\nb](https://x.example)", "; we share addresses", "(b)", "2.", "\n* item", "<div>", "</b>"])),
    min_size=1, max_size=12).map(" ".join)


def _per_char(text: str) -> float:
    import time

    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        segment(text)
        best = min(best, time.perf_counter() - started)
    return best / len(text)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=UNITS, html=st.booleans())
def test_segmentation_time_per_character_stays_flat_from_10kb_to_300kb(unit, html):
    unit = (("<html><body>" if html else "") + unit + " ").strip() + " "
    small = unit * max(1, 10_000 // len(unit))
    large = unit * max(1, 300_000 // len(unit))
    ratio = _per_char(large) / max(_per_char(small), 1e-7)
    assert ratio <= 3.0, f"{len(large)} chars cost {ratio:.1f}x the time per character of {len(small)}"


def test_a_one_paragraph_policy_at_the_limit_segments_in_linear_time():
    quarter, whole = ("We keep logs for a year. " * 2975), ("We keep logs for a year. " * 11900)  # 297,500 chars
    assert len(segment(whole)) == 11900
    assert _per_char(whole) <= 3.0 * _per_char(quarter)
