"""Markdown and line structure: lines, structure marks inside a line, list markers, list fragments.

A line is cut at markdown headings, `**bold**` heading units, bullets, inline `1\\.` / `(3)` / `iv)`
items and wide gaps; bold runs and links broken across lines stay whole, and a bare list marker
joins the piece after it.
"""

from __future__ import annotations

import re

from clausewise.segment.spans import Span, cut, merge_spans, strictly_inside
from clausewise.text import MD_LINK, plain_text

# (span, whole_line, atomic): atomic pieces are not sentence-split.
Piece = tuple[Span, bool, bool]

_BOLD_UNIT = re.compile(r"\*\*(?=[^\s*_\[\]])([^*\[\]]{1,160}?)\*\*", re.S)
_LINK_UNIT = re.compile(r"\[[^\]]*\]\([^)]*\)", re.S)
_MD_HEADING = re.compile(r"(?:^|(?<=\s))#{1,6}(?=[ \t]+\S)")
_WIDE_GAP = re.compile(r"\S(\s{2,})(?=\S)")
_MD_BULLET = re.compile(r"(?<=\S)\s+(?=\*\s+\S)")
# list markers that start a new item inside a line: "1\." anywhere, or "2." "(3)" "iv)" after ; : .
_ESCAPED_ITEM = re.compile(r"(?<=\S)\s+(?=\d{1,3}\\\.)")
_INLINE_ITEM = re.compile(
    r"(?<=[;:.。；：])\s+(?=(?:\(\s*(?:\d{1,3}|[a-z]|[ivx]{1,4})\s*\)|(?:\d{1,3}|[ivx]{1,4})[.)、])\s)"
)
_MARKER_ONLY = re.compile(
    r"^(?:\*|[-•·]|#{1,6}|\(?\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})\s*(?:\\?\.|\)|、)|\(\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})\s*\))$"
)
_GAP_OR_END = re.compile(r"\s{2,}|\s*$")


def line_regions(text: str, span: Span) -> list[Span]:
    """Lines of a span, except that a short **bold unit** spanning line breaks stays whole."""
    protected = merge_spans(
        [m.span() for rx in (_BOLD_UNIT, _LINK_UNIT) for m in rx.finditer(text, span[0], span[1]) if "\n" in m.group(0)]
    )
    starts = [a for a, _ in protected]
    breaks = [m.start() for m in re.compile(r"\n").finditer(text, span[0], span[1])]
    return cut(text, span, [p for p in breaks if not strictly_inside(protected, starts, p)])


def _last_char(text: str, start: int, end: int) -> str:
    """The last non-space character of text[start:end], or '' when there is none (no copy made)."""
    i = end - 1
    while i >= start and text[i].isspace():
        i -= 1
    return text[i] if i >= start else ""


def inline_pieces(text: str, span: Span) -> list[tuple[Span, bool]]:
    """Split one line at structure marks; returns (span, is_atomic) where atomic pieces skip pysbd."""
    s, e = span
    atomic: list[Span] = []
    for m in _BOLD_UNIT.finditer(text, s, e):
        inner = m.group(1)
        before = _last_char(text, s, m.start())
        # A bold run is a heading-like unit when it opens the line or is set off by a gap.
        if len(inner) <= 120 and (before in ("", "#", "*") or _GAP_OR_END.match(text, m.end(), e)):
            atomic.append(m.span())
    points: list[int] = []
    for a, b in atomic:
        points += [a, b]
    for rx in (_MD_HEADING, _MD_BULLET, _ESCAPED_ITEM, _INLINE_ITEM):
        points += [m.end() if rx is not _MD_HEADING else m.start() for m in rx.finditer(text, s, e)]
    points += [m.start(1) for m in _WIDE_GAP.finditer(text, s, e)]
    starts = [a for a, _ in atomic]  # bold matches are disjoint and in order
    points = [p for p in points if not strictly_inside(atomic, starts, p)]
    atomic_set = set(atomic)
    return [(piece, piece in atomic_set) for piece in cut(text, span, points)]


def is_fragment(raw: str) -> bool:
    """A piece kept whole and joined to its neighbours: bare bullets, text that is mostly markdown
    links, a short list item. Policy text, not page chrome: lists of data types and contact links
    carry labels (labels/GUIDELINES.md)."""
    stripped = raw.strip()
    if re.fullmatch(r"[*\-•|_#\s]*", stripped):
        return True
    link_chars = sum(len(m.group(0)) for m in MD_LINK.finditer(stripped))
    return link_chars >= 0.5 * len(stripped) or (stripped.startswith("* ") and len(plain_text(stripped)) < 40)


def is_md_heading(raw: str) -> bool:
    """A short markdown heading ('## 1. What we collect') stays whole instead of being sentence-split."""
    return bool(re.match(r"#{1,6}\s", raw)) and len(plain_text(raw)) <= 100


def join_bare_markers(text: str, pieces: list[Piece]) -> list[Piece]:
    """A bare list marker ("2\\.", "(3)", "*") joins the piece after it; a trailing one stands alone."""
    merged: list[Piece] = []
    carry: int | None = None
    for (s, e), whole, atomic in pieces:
        if carry is not None:
            s, carry = carry, None
        if _MARKER_ONLY.match(text[s:e].strip()):
            carry = s
            continue
        merged.append(((s, e), whole, atomic))
    if carry is not None:
        end = pieces[-1][0][1]
        merged.append(((carry, end), True, False))
    return merged
