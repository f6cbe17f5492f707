"""Headings: which pieces are headings, their style and rank, their clean text and context.

A heading closes every open heading of equal or deeper rank; the innermost two open headings are
the context (`Clause.heading`) of the clauses under them.
"""

from __future__ import annotations

import re

from clausewise.text import plain_text

SECTION_MARKER = re.compile(
    r"^(?:(?P<part>part\s+[ivx\d]+\b)|(?P<article>article\s+\d+\b)|(?P<roman>[IVX]{1,5}\s*[.、])(?=\s)"
    r"|(?P<letter>[A-Z]\s*\\?\.)(?=\s)|(?P<cjk>\d{1,2}\s*、)|(?P<num>\d{1,2}\s*\\?[.,])(?=\s|\S)"
    r"|(?P<paren>\(\s*\d{1,2}\s*\))|(?P<numparen>\d{1,2}\))|(?P<ordinal>(?:first|second|third|fourth|fifth|sixth|"
    r"seventh|eighth|ninth|tenth)\s*[,、]))",
    re.I,
)
SENTENCE_END = re.compile(r"[.;,。；，!！]\s*\**\s*$")

# Nesting depth of heading styles: a heading closes every open heading of equal or deeper rank.
HEADING_RANK = {"part": 0, "md1": 0, "none": 1, "md2": 1, "major": 2, "num": 3, "paren": 4, "numparen": 5}


def heading_style(raw: str, whole_line: bool) -> str | None:
    """The heading style of a piece ('md1', 'bold', 'roman', 'num', 'none', ...) or None if not a heading."""
    stripped = raw.strip()
    md = re.match(r"^(#{1,6})\s", stripped)
    if md:
        return f"md{len(md.group(1))}"
    text = plain_text(stripped)
    if not text or len(text) > 100:
        return None
    if stripped.startswith("**") and stripped.endswith("**"):
        return "bold"
    if not whole_line or len(text) > 90 or SENTENCE_END.search(text):
        return None
    marker = SECTION_MARKER.match(text)
    if marker:
        return marker.lastgroup
    if text.endswith(":"):
        return None
    words = text.split()
    if len(words) <= 10 and text[0].isupper():
        return "none"
    return None


def heading_rank(style: str) -> int:
    """The nesting depth of a heading style (styles without a rank of their own count as 'major')."""
    return HEADING_RANK.get(style, HEADING_RANK["major"])


def clean_heading(raw: str) -> str:
    """A heading's readable text without its closing colon, as it appears in context."""
    return plain_text(raw).rstrip(":：").strip()


def context(stack: list[tuple[int, str]], depth: int = 2) -> str | None:
    """The innermost `depth` headings joined with ' > ', or None at top level."""
    names = [h for _, h in stack if h][-depth:]
    return " > ".join(names) if names else None
