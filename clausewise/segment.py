"""Split a privacy policy (plain text, markdown or HTML) into clauses with character offsets.

    from clausewise.segment import segment
    for c in segment(open("policy.md").read()):
        print(c.start, c.end, c.kind, c.heading, c.text)

A clause is a sentence or a list item. `text` is always `original[start:end]`; headings are
clauses of kind "heading" and also the context (`heading`) of the clauses under them; runs of
navigation links come out as clauses of kind "chrome". Sentence splitting is pysbd's; the rest
(lines, list markers, markdown and HTML structure) is done here. For plain text and markdown
the clauses cover every non-whitespace character. For HTML, tags, comments, scripts, styles and
hidden elements (`hidden`, `aria-hidden`, `display:none`, closed dialogs) are skipped, and the text
of page boilerplate (navigation, site headers and footers, cookie banners, forms, link lists) comes
out as "chrome". HTML is scanned with regular expressions rather than parsed into a tree, because
clauses must keep exact offsets into the input and tree parsers (lxml, selectolax) do not give them;
the scan is one linear pass over the tags.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pysbd

Span = tuple[int, int]


class SegmentationStopped(RuntimeError):
    """Segmentation was stopped by its caller (`stop` returned True): a deadline or a caller gone."""


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
_INLINE_ITEM = re.compile(
    r"(?<=[;:.。；：])\s+(?=(?:\(\s*(?:\d{1,3}|[a-z]|[ivx]{1,4})\s*\)|(?:\d{1,3}|[ivx]{1,4})[.)、])\s)"
)
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


def _pysbd_sentences(chunk: str) -> list[str]:
    """pysbd's sentences of `chunk`, as `Segmenter.segment` returns them, in linear time.

    `Segmenter.segment` locates every sentence with a regex search from the start of the text, which
    is quadratic in the number of sentences (a 300 KB paragraph took minutes); this searches on from
    the end of the previous match instead, with the same rule (the first match ending after it).
    """
    seg = _segmenter()
    seg.original_text = chunk
    out: list[str] = []
    prior_end = 0
    for sent in seg.processor(chunk).process():
        pattern = re.compile(re.escape(sent) + r"\s*")
        pos = max(0, prior_end - len(sent))
        while (m := pattern.search(chunk, pos)) is not None and m.end() <= prior_end:
            pos = m.end() if m.end() > m.start() else m.start() + 1
        if m is not None:
            out.append(m.group())
            prior_end = m.end()
    return out


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


_ANY_TAG = re.compile(r"<(/)?([a-zA-Z][a-zA-Z0-9:-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]
)
_OPTIONAL_END = frozenset(
    ["p", "li", "td", "th", "tr", "option", "optgroup", "dt", "dd", "tbody", "thead", "tfoot", "colgroup", "rt", "rp"]
)
_CONTENT = frozenset(("main", "article"))
_HIDDEN_ATTR = re.compile(
    r"(?:^|\s)hidden(?:[\s=/]|$)|aria-hidden\s*=\s*[\"']?true|display\s*:\s*none|visibility\s*:\s*hidden", re.I
)
_OPEN_ATTR = re.compile(r"(?:^|\s)open(?:[\s=/]|$)", re.I)
_CONSENT_ATTR = re.compile(r"(?:id|class|aria-label)\s*=\s*[\"'][^\"']*(?:cookie|consent|gdpr|\bcmp\b)", re.I)
_SITE_ATTR = re.compile(
    r"(?:id|class)\s*=\s*[\"'][^\"']*(?:\bnav\b|navbar|navigation|mega-?menu|\bmenu\b|breadcrumb|site-header|"
    r"site-footer|\bfooter\b|sidebar|social|newsletter|subscribe|modal|popup|overlay|skip-link)",
    re.I,
)
_SITE_ROLE = re.compile(r"role\s*=\s*[\"']?(?:navigation|banner|contentinfo|search|menu|menubar|complementary)", re.I)
_DIALOG_ROLE = re.compile(r"role\s*=\s*[\"']?(?:dialog|alertdialog)", re.I)
_SITE_TAGS = frozenset(("nav", "header", "footer", "aside", "menu"))
_ANYWHERE_TAGS = frozenset(("form", "select", "button", "dialog", "nav"))


def _element_kind(name: str, attrs: str, in_content: bool) -> str | None:
    """'hidden', 'chrome' or None for an opening tag; site furniture counts only outside main/article."""
    if _HIDDEN_ATTR.search(attrs) or (name == "dialog" and not _OPEN_ATTR.search(attrs)):
        return "hidden"
    if name in _ANYWHERE_TAGS or _CONSENT_ATTR.search(attrs) or _DIALOG_ROLE.search(attrs):
        return "chrome"
    if not in_content and (name in _SITE_TAGS or _SITE_ROLE.search(attrs) or _SITE_ATTR.search(attrs)):
        return "chrome"
    return None


def _merge_spans(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _html_boilerplate(text: str, skipped: list[Span]) -> tuple[list[Span], list[Span]]:
    """(hidden, chrome) element spans, from one pass over the tags outside skipped regions.

    Elements are matched by name on a stack; a closing tag closes every element opened after its
    match (as browsers do), an unmatched one is ignored, and one never closed runs to the end.
    """
    hidden: list[Span] = []
    chrome: list[Span] = []
    stack: list[tuple[str, int, str | None]] = []
    where: dict[str, list[int]] = {}  # tag name -> its positions on the stack, so a close is O(1) amortised
    in_content = 0
    gaps = [(a, b) for a, b in zip([0] + [e for _, e in skipped], [s for s, _ in skipped] + [len(text)]) if a < b]
    for gap_start, gap_end in gaps:
        for m in _ANY_TAG.finditer(text, gap_start, gap_end):
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name in _VOID or name in _OPTIONAL_END or attrs.rstrip().endswith("/"):
                continue
            if not closing:
                kind = _element_kind(name, attrs, in_content > 0)
                where.setdefault(name, []).append(len(stack))
                stack.append((name, m.start(), kind))
                in_content += name in _CONTENT
                continue
            if not where.get(name):
                continue
            j = where[name][-1]
            for opened, start, kind in reversed(stack[j:]):
                where[opened].pop()
                in_content -= opened in _CONTENT
                if kind:
                    (hidden if kind == "hidden" else chrome).append((start, m.end()))
            del stack[j:]
    for _opened, start, kind in stack:
        if kind:
            (hidden if kind == "hidden" else chrome).append((start, len(text)))
    return _merge_spans(hidden), _merge_spans(chrome)


def _inside(spans: list[Span], starts: list[int], pos: int) -> bool:
    """Whether pos lies in one of the sorted, disjoint spans."""
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and pos < spans[i][1]


def _link_list_item(raw: str) -> bool:
    """An HTML piece that is mostly link text and no sentence: a menu entry, footer link, link farm."""
    anchors = "".join(m.group(1) for m in re.finditer(r"<a\b[^>]*>(.*?)</a\s*>", raw, re.I | re.S))
    words = plain_text(raw)
    return bool(anchors) and len(plain_text(anchors)) >= 0.6 * len(words) and not _SENTENCE_END.search(words)


def _html_regions(text: str, skipped: list[Span]) -> list[Span]:
    """Text between HTML block tags; inline tags stay inside a region, skipped parts are dropped."""
    blocked = skipped
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
    protected = _merge_spans(
        [m.span() for rx in (_BOLD_UNIT, _LINK_UNIT) for m in rx.finditer(text, span[0], span[1]) if "\n" in m.group(0)]
    )
    starts = [a for a, _ in protected]
    breaks = [m.start() for m in re.compile(r"\n").finditer(text, span[0], span[1])]
    return _cut(text, span, [p for p in breaks if not _strictly_inside(protected, starts, p)])


def _strictly_inside(spans: list[Span], starts: list[int], pos: int) -> bool:
    """Whether a < pos < b for one of the sorted, disjoint spans (a, b)."""
    i = bisect.bisect_left(starts, pos) - 1
    return i >= 0 and pos < spans[i][1]


_GAP_OR_END = re.compile(r"\s{2,}|\s*$")


def _last_char(text: str, start: int, end: int) -> str:
    """The last non-space character of text[start:end], or '' when there is none (no copy made)."""
    i = end - 1
    while i >= start and text[i].isspace():
        i -= 1
    return text[i] if i >= start else ""


def _inline_pieces(text: str, span: Span) -> list[tuple[Span, bool]]:
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
    points = [p for p in points if not _strictly_inside(atomic, starts, p)]
    atomic_set = set(atomic)
    return [(piece, piece in atomic_set) for piece in _cut(text, span, points)]


_PYSBD_WINDOW = 4000  # longest run given to pysbd at once (the labelled documents' longest is 3,391)
_WINDOW_BREAK = re.compile(r"[.!?;:。；](?=\s)|\s")


def _windows(text: str, span: Span, size: int = _PYSBD_WINDOW) -> list[int]:
    """Cut points that keep every piece of `span` at most `size` characters: the last sentence end
    (else the last space) in the second half of each window, else a hard cut."""
    points: list[int] = []
    start, end = span
    while end - start > size:
        cut = start + size
        best = space = None
        for m in _WINDOW_BREAK.finditer(text, start + size // 2, start + size):
            if m.group().isspace():
                space = m.start()
            else:
                best = m.end()
        cut = best or space or cut
        points.append(cut)
        start = cut
    return points


def _sentences(text: str, span: Span) -> list[Span]:
    """pysbd sentences of a span, located by search so offsets stay exact; CJK stops split too.

    pysbd's abbreviation pass is quadratic in the length of its input, so a span longer than
    _PYSBD_WINDOW characters (no labelled policy has one) is first cut at sentence ends."""
    s, e = span
    cjk_points = [s + m.start() for m in _CJK_STOP.finditer(text, s, e)]
    out: list[Span] = []
    parts = [w for part in _cut(text, span, cjk_points) for w in _cut(text, part, _windows(text, part))]
    for part in parts:
        chunk = text[part[0] : part[1]]
        cursor = 0
        for sent in _pysbd_sentences(chunk):
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


def rough_text_chars(text: str, fmt: str | None = None) -> int:
    """A quick upper bound of the readable characters in an input (tags, scripts and styles removed)."""
    if (fmt or detect_format(text)) != "html":
        return len(text)
    kept = _HTML_TAG.sub(" ", _HTML_SKIP.sub(" ", text))
    return len(kept) - kept.count(" ")  # spaces left by the removed markup do not count


# --- the whole pipeline -------------------------------------------------------------------------
def segment(text: str, fmt: str | None = None, stop: Callable[[], bool] | None = None) -> list[Clause]:
    """Segment a policy into clauses, headings and chrome, with exact character offsets.

    `stop` is polled once per line; when it returns True, SegmentationStopped is raised."""
    fmt = fmt or detect_format(text)
    if fmt not in ("html", "text", "markdown"):
        raise ValueError(f"unknown format {fmt!r}; expected 'html', 'text' or 'markdown'")
    chrome_spans: list[Span] = []
    if fmt == "html":
        skipped = _merge_spans([m.span() for m in _HTML_SKIP.finditer(text)])
        hidden, chrome_spans = _html_boilerplate(text, skipped)
        blocks = _html_regions(text, _merge_spans(skipped + hidden))
    else:
        blocks = [(0, len(text))]
    chrome_starts = [s for s, _ in chrome_spans]

    # 1. pieces, each remembering whether it is a whole line
    pieces: list[tuple[Span, bool, bool]] = []  # (span, whole_line, atomic)
    for block in blocks:
        for line in _line_regions(text, block):
            if stop is not None and stop():
                raise SegmentationStopped(f"stopped at character {line[0]} of {len(text)}")
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
    boilerplate = False  # the last clause is page boilerplate: kept apart, never merged into a run
    for (s, e), whole, _atomic in merged:
        raw = text[s:e]
        if chrome_spans and (_inside(chrome_spans, chrome_starts, s) or _link_list_item(raw)):
            clauses.append(Clause(s, e, raw, _context(stack), "chrome"))
            boilerplate = True
            continue
        if _is_chrome(raw):
            prev = clauses[-1] if clauses else None
            if prev and prev.kind == "chrome" and not boilerplate and e - prev.start <= 1500:
                clauses[-1] = Clause(prev.start, e, text[prev.start : e], prev.heading, "chrome")
            else:
                clauses.append(Clause(s, e, raw, _context(stack), "chrome"))
            boilerplate = False
            continue
        boilerplate = False
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
