"""Split a privacy policy (plain text, markdown or HTML) into clauses with character offsets.

    from clausewise.segment import segment
    for c in segment(open("policy.md").read()):
        print(c.start, c.end, c.kind, c.heading, c.text)

A clause is a sentence or a list item. `text` is always `original[start:end]`; headings are
clauses of kind "heading" and also the context (`heading`) of the clauses under them; runs of
navigation links come out as clauses of kind "chrome". Sentence splitting is pysbd's; the rest
(lines, list markers, markdown and HTML structure) is done here. For plain text and markdown
the clauses cover every non-whitespace character; for HTML, tags, comments, scripts and styles
between blocks are skipped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

Span = tuple[int, int]


@dataclass(frozen=True)
class Clause:
    """One segment of a policy: offsets into the original input, its text and context."""

    start: int
    end: int
    text: str
    heading: str | None = None
    kind: str = "clause"  # "clause", "heading" or "chrome"


# --- patterns ---------------------------------------------------------------------------------
_HTML_HINT = re.compile(r"<(?:!doctype|html|body|p|div|h[1-6]|li|ul|ol|br|table|section|article|span|a)\b", re.I)
_HTML_SKIP = re.compile(r"<!--.*?-->|<(script|style|head|noscript|template)\b.*?</\1\s*>", re.I | re.S)
_HTML_TAG = re.compile(r"<[^<>]*>")
_HTML_BLOCK = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|br|hr|tr|td|th|table|section|article|header|footer|nav|aside|main|"
    r"blockquote|pre|dd|dt|dl|form|title|body|html|head|option|button)\b",
    re.I,
)
_BOLD_UNIT = re.compile(r"\*\*(?=[^\s*_\[\]])([^*\[\]]{1,160}?)\*\*", re.S)
_LINK_UNIT = re.compile(r"\[[^\]]*\]\([^)]*\)", re.S)
_MD_HEADING = re.compile(r"(?:^|(?<=\s))#{1,6}(?=[ \t]+\S)")
_WIDE_GAP = re.compile(r"\S(\s{2,})(?=\S)")
_MD_BULLET = re.compile(r"(?<=\S)\s+(?=\*\s+\S)")
# list markers that start a new item inside a line: "1\." anywhere, or "2." "(3)" "iv)" after ; : .
_ESCAPED_ITEM = re.compile(r"(?<=\S)\s+(?=\d{1,3}\\\.)")
_INLINE_ITEM = re.compile(r"(?<=[;:.。；：])\s+(?=(?:\(\s*(?:\d{1,3}|[a-z]|[ivx]{1,4})\s*\)|(?:\d{1,3}|[ivx]{1,4})[.)、])\s)")
_CJK_STOP = re.compile(r"(?<=[。！？；])(?=\s*\S)")
_MARKER_ONLY = re.compile(
    r"^(?:\*|[-•·]|#{1,6}|\(?\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})\s*(?:\\?\.|\)|、)|\(\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})\s*\))$"
)
_SECTION_MARKER = re.compile(
    r"^(?:(?P<part>part\s+[ivx\d]+\b)|(?P<article>article\s+\d+\b)|(?P<roman>[IVX]{1,5}\s*[.、])(?=\s)"
    r"|(?P<letter>[A-Z]\s*\\?\.)(?=\s)|(?P<cjk>\d{1,2}\s*、)|(?P<num>\d{1,2}\s*\\?[.,])(?=\s|\S)"
    r"|(?P<paren>\(\s*\d{1,2}\s*\))|(?P<numparen>\d{1,2}\))|(?P<ordinal>(?:first|second|third|fourth|fifth|sixth|"
    r"seventh|eighth|ninth|tenth)\s*[,、]))",
    re.I,
)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_SENTENCE_END = re.compile(r"[.;,。；，!！]\s*\**\s*$")
_SEMI_SPLIT = re.compile(r"(?<=;)\s+")


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def detect_format(text: str) -> str:
    """'html' when the text carries HTML block or inline tags, else 'text' (plain or markdown)."""
    return "html" if _HTML_HINT.search(text) else "text"


# --- splitting --------------------------------------------------------------------------------
def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _cut(text: str, span: Span, points: list[int]) -> list[Span]:
    """Cut a span at the given absolute positions and trim each piece."""
    out: list[Span] = []
    prev = span[0]
    for p in sorted(set(p for p in points if span[0] < p < span[1])) + [span[1]]:
        piece = _trim(text, prev, p)
        if piece:
            out.append(piece)
        prev = p
    return out


def _html_regions(text: str) -> list[Span]:
    """Text between HTML block tags; inline tags stay inside a region, skipped parts are dropped."""
    blocked = [m.span() for m in _HTML_SKIP.finditer(text)]
    regions: list[Span] = []
    pos = 0
    for start, end in blocked + [(len(text), len(text))]:
        seg_start = pos
        for tag in _HTML_TAG.finditer(text, pos, start):
            if _HTML_BLOCK.match(tag.group(0)):
                regions.append((seg_start, tag.start()))
                seg_start = tag.end()
        regions.append((seg_start, start))
        pos = end
    out = []
    for s, e in regions:
        # A region made only of tags and whitespace carries no text.
        if _HTML_TAG.sub("", text[s:e]).strip():
            out.extend(_cut(text, (s, e), []))
    return out


def _line_regions(text: str, span: Span) -> list[Span]:
    """Lines of a span, except that a short **bold unit** spanning line breaks stays whole."""
    protected = [
        m.span()
        for rx in (_BOLD_UNIT, _LINK_UNIT)
        for m in rx.finditer(text, span[0], span[1])
        if "\n" in m.group(0)
    ]
    breaks = []
    for m in re.finditer(r"\n", text[span[0] : span[1]]):
        p = span[0] + m.start()
        if not any(s < p < e for s, e in protected):
            breaks.append(p)
    return _cut(text, span, breaks)


def _inline_pieces(text: str, span: Span) -> list[tuple[Span, bool]]:
    """Split one line at structure marks; returns (span, is_atomic) where atomic pieces skip pysbd."""
    s, e = span
    atomic: list[Span] = []
    for m in _BOLD_UNIT.finditer(text, s, e):
        inner = m.group(1)
        before = text[s : m.start()].strip()
        after = text[m.end() : e]
        # A bold run is a heading-like unit when it opens the line or is set off by a gap.
        if len(inner) <= 120 and (not before or before.endswith(("#", "*")) or re.match(r"\s{2,}|\s*$", after)):
            atomic.append(m.span())
    points: list[int] = []
    for a, b in atomic:
        points += [a, b]
    for rx in (_MD_HEADING, _MD_BULLET, _ESCAPED_ITEM, _INLINE_ITEM):
        points += [m.end() if rx is not _MD_HEADING else m.start() for m in rx.finditer(text, s, e)]
    points += [m.start(1) for m in _WIDE_GAP.finditer(text, s, e)]
    points = [p for p in points if not any(a < p < b for a, b in atomic)]
    return [(piece, piece in atomic) for piece in _cut(text, span, points)]


def _sentences(text: str, span: Span) -> list[Span]:
    """pysbd sentences of a span, located by search so offsets stay exact; CJK stops split too."""
    s, e = span
    cjk_points = [s + m.start() for m in _CJK_STOP.finditer(text[s:e])]
    out: list[Span] = []
    for part in _cut(text, span, cjk_points):
        chunk = text[part[0] : part[1]]
        cursor = 0
        for sent in _segmenter().segment(chunk):
            sent = sent.strip()
            if not sent:
                continue
            found = chunk.find(sent, cursor)
            if found < 0:  # pysbd altered the text: keep the rest of the chunk whole
                break
            if found > cursor and chunk[cursor:found].strip():
                out.extend(_cut(text, (part[0] + cursor, part[0] + found), []))
            out.append((part[0] + found, part[0] + found + len(sent)))
            cursor = found + len(sent)
        rest = _trim(text, part[0] + cursor, part[1])
        if rest:
            out.append(rest)
    return out


def _split_semicolon_list(text: str, span: Span, min_chars: int = 30) -> list[Span]:
    """A sentence holding two or more '; '-separated parts, each substantial, becomes list items."""
    chunk = text[span[0] : span[1]]
    if chunk.count("; ") < 2:
        return [span]
    points = [span[0] + m.start() for m in _SEMI_SPLIT.finditer(chunk)]
    pieces = _cut(text, span, points)
    if all(len(text[a:b]) >= min_chars for a, b in pieces):
        return pieces
    return [span]


# --- classification -----------------------------------------------------------------------------
def plain_text(raw: str) -> str:
    """The readable text of a clause: markdown links, emphasis, escapes and HTML tags removed."""
    t = _HTML_TAG.sub(lambda m: " " if _HTML_BLOCK.match(m.group(0)) else "", raw)
    t = _LINK.sub(lambda m: m.group(1), t)
    t = re.sub(r"\\([.\-*_#\[\]()!])", r"\1", t)
    t = re.sub(r"\*\*|__|(?<!\w)\*(?=\s)|^#{1,6}\s*", "", t)
    t = html.unescape(t)
    return re.sub(r"\s+", " ", t).strip()


def _is_chrome(raw: str) -> bool:
    """Navigation and link lists: text that is mostly markdown links or bare bullets."""
    stripped = raw.strip()
    if re.fullmatch(r"[*\-•|_#\s]*", stripped):
        return True
    link_chars = sum(len(m.group(0)) for m in _LINK.finditer(stripped))
    return link_chars >= 0.5 * len(stripped) or (stripped.startswith("* ") and len(plain_text(stripped)) < 40)


def _is_md_heading(raw: str) -> bool:
    """A short markdown heading ('## 1. What we collect') stays whole instead of being sentence-split."""
    return bool(re.match(r"#{1,6}\s", raw)) and len(plain_text(raw)) <= 100


def _heading_style(raw: str, whole_line: bool) -> str | None:
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
    if not whole_line or len(text) > 90 or _SENTENCE_END.search(text):
        return None
    marker = _SECTION_MARKER.match(text)
    if marker:
        return marker.lastgroup
    if text.endswith(":"):
        return None
    words = text.split()
    if len(words) <= 10 and text[0].isupper():
        return "none"
    return None


# Nesting depth of heading styles: a heading closes every open heading of equal or deeper rank.
_HEADING_RANK = {"part": 0, "md1": 0, "none": 1, "md2": 1, "major": 2, "num": 3, "paren": 4, "numparen": 5}


def _clean_heading(raw: str) -> str:
    return plain_text(raw).rstrip(":：").strip()


# --- the whole pipeline -------------------------------------------------------------------------
def segment(text: str, fmt: str | None = None) -> list[Clause]:
    """Segment a policy into clauses, headings and chrome, with exact character offsets."""
    fmt = fmt or detect_format(text)
    if fmt not in ("html", "text", "markdown"):
        raise ValueError(f"unknown format {fmt!r}; expected 'html', 'text' or 'markdown'")
    blocks = _html_regions(text) if fmt == "html" else [(0, len(text))]

    # 1. pieces, each remembering whether it is a whole line
    pieces: list[tuple[Span, bool, bool]] = []  # (span, whole_line, atomic)
    for block in blocks:
        for line in _line_regions(text, block):
            inline = _inline_pieces(text, line)
            for span, atomic in inline:
                if atomic or _is_chrome(text[span[0] : span[1]]) or _is_md_heading(text[span[0] : span[1]]):
                    pieces.append((span, len(inline) == 1, True))
                    continue
                sents = _sentences(text, span)
                for sent in sents:
                    for item in _split_semicolon_list(text, sent):
                        pieces.append((item, len(inline) == 1 and len(sents) == 1, False))

    # 2. a bare list marker ("2\.", "(3)", "*") joins the piece after it
    merged: list[tuple[Span, bool, bool]] = []
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

    # 3. kinds, heading context and runs of chrome
    clauses: list[Clause] = []
    stack: list[tuple[int, str]] = []
    for (s, e), whole, _atomic in merged:
        raw = text[s:e]
        if _is_chrome(raw):
            prev = clauses[-1] if clauses else None
            if prev and prev.kind == "chrome" and e - prev.start <= 1500:
                clauses[-1] = Clause(prev.start, e, text[prev.start : e], prev.heading, "chrome")
            else:
                clauses.append(Clause(s, e, raw, _context(stack), "chrome"))
            continue
        style = _heading_style(raw, whole)
        if style:
            level = _HEADING_RANK.get(style, _HEADING_RANK["major"])
            stack = [(lv, h) for lv, h in stack if lv < level] + [(level, _clean_heading(raw))]
            clauses.append(Clause(s, e, raw, _context(stack[:-1]), "heading"))
        else:
            clauses.append(Clause(s, e, raw, _context(stack), "clause"))
    return clauses


def _context(stack: list[tuple[int, str]], depth: int = 2) -> str | None:
    """The innermost `depth` headings joined with ' > ', or None at top level."""
    names = [h for _, h in stack if h][-depth:]
    return " > ".join(names) if names else None
