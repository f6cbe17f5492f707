"""Which clauses share a paragraph: the one rule for /analyze's context scores and the held-out paragraphs.

    ids = paragraph_ids(text, [(c.start, c.end) for c in clauses], "markdown")   # [0, 0, 1, 2, 2, ...]

In text and markdown a blank line starts a paragraph (a list without blank lines is one paragraph); in
HTML a block element other than a list item does (<p>, <div>, <h2>, <ul>, <table>, ...) or a blank line.
"""

from __future__ import annotations

import re

from clausewise.segment.spans import Span

BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
HTML_PARAGRAPH = re.compile(
    r"</?(?:p|div|h[1-6]|ul|ol|dl|hr|table|tr|section|article|header|footer|nav|aside|main|blockquote|pre|form)\b",
    re.I,
)


def starts_paragraph(gap: str, fmt: str) -> bool:
    """Whether the text between two clauses (`gap`) ends one paragraph and starts another."""
    return bool(BLANK_LINE.search(gap) or (fmt == "html" and HTML_PARAGRAPH.search(gap)))


def paragraph_ids(text: str, spans: list[Span], fmt: str) -> list[int]:
    """For spans in document order, the number of the paragraph each lies in (0, 1, ...)."""
    out: list[int] = []
    for k, (start, _) in enumerate(spans):
        if not k:
            out.append(0)
            continue
        out.append(out[-1] + starts_paragraph(text[spans[k - 1][1] : start], fmt))
    return out
