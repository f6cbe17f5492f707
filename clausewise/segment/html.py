"""HTML: format detection, the limit pre-count, and the text blocks and boilerplate of a page.

Skipped: comments, scripts, styles, `<head>`, and hidden elements (`hidden`, `aria-hidden`,
`display:none`, closed dialogs). Boilerplate (navigation, site headers and footers, cookie banners,
forms, link lists) comes out as chrome. The tags are scanned with regular expressions in one linear
pass rather than parsed into a tree, because clauses keep exact offsets into the input and tree
parsers (lxml, selectolax) do not give them.
"""

from __future__ import annotations

import re

from clausewise.segment.headings import SENTENCE_END
from clausewise.segment.spans import Span, cut, merge_spans
from clausewise.text import HTML_BLOCK, HTML_TAG, plain_text

HTML_HINT = re.compile(r"<(?:!doctype|html|body|p|div|h[1-6]|li|ul|ol|br|table|section|article|span|a)\b", re.I)
HTML_SKIP = re.compile(r"<!--.*?-->|<(script|style|head|noscript|template)\b.*?</\1\s*>", re.I | re.S)
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


def detect_format(text: str) -> str:
    """'html' when the text carries HTML block or inline tags, else 'text' (plain or markdown)."""
    return "html" if HTML_HINT.search(text) else "text"


def rough_text_chars(text: str, fmt: str | None = None) -> int:
    """A quick upper bound of the readable characters in an input (tags, scripts and styles removed)."""
    if (fmt or detect_format(text)) != "html":
        return len(text)
    kept = HTML_TAG.sub(" ", HTML_SKIP.sub(" ", text))
    return len(kept) - kept.count(" ")  # spaces left by the removed markup do not count


def html_blocks(text: str) -> tuple[list[Span], list[Span]]:
    """(text blocks, chrome spans) of an HTML page: skipped and hidden parts are in neither."""
    skipped = merge_spans([m.span() for m in HTML_SKIP.finditer(text)])
    hidden, chrome = _html_boilerplate(text, skipped)
    return _html_regions(text, merge_spans(skipped + hidden)), chrome


def _element_kind(name: str, attrs: str, in_content: bool) -> str | None:
    """'hidden', 'chrome' or None for an opening tag; site furniture counts only outside main/article."""
    if _HIDDEN_ATTR.search(attrs) or (name == "dialog" and not _OPEN_ATTR.search(attrs)):
        return "hidden"
    if name in _ANYWHERE_TAGS or _CONSENT_ATTR.search(attrs) or _DIALOG_ROLE.search(attrs):
        return "chrome"
    if not in_content and (name in _SITE_TAGS or _SITE_ROLE.search(attrs) or _SITE_ATTR.search(attrs)):
        return "chrome"
    return None


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
    return merge_spans(hidden), merge_spans(chrome)


def link_list_item(raw: str) -> bool:
    """An HTML piece that is mostly link text and no sentence: a menu entry, footer link, link farm."""
    anchors = "".join(m.group(1) for m in re.finditer(r"<a\b[^>]*>(.*?)</a\s*>", raw, re.I | re.S))
    words = plain_text(raw)
    return bool(anchors) and len(plain_text(anchors)) >= 0.6 * len(words) and not SENTENCE_END.search(words)


def _html_regions(text: str, skipped: list[Span]) -> list[Span]:
    """Text between HTML block tags; inline tags stay inside a region, skipped parts are dropped."""
    blocked = skipped
    regions: list[Span] = []
    pos = 0
    for start, end in blocked + [(len(text), len(text))]:
        seg_start = pos
        for tag in HTML_TAG.finditer(text, pos, start):
            if HTML_BLOCK.match(tag.group(0)):
                regions.append((seg_start, tag.start()))
                seg_start = tag.end()
        regions.append((seg_start, start))
        pos = end
    out = []
    for s, e in regions:
        # A region made only of tags and whitespace carries no text.
        if HTML_TAG.sub("", text[s:e]).strip():
            out.extend(cut(text, (s, e), []))
    return out
