"""The readable text of a clause: markdown links, emphasis, escapes and HTML tags removed.

    from clausewise.text import plain_text
    plain_text("**1. What we [collect](#c)**")  # -> "1. What we collect"

Standard library only, so the network and the report writers use it without the segmenter.
"""

from __future__ import annotations

import html
import re

HTML_TAG = re.compile(r"<[^<>]*>")
HTML_BLOCK = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|br|hr|tr|td|th|table|section|article|header|footer|nav|aside|main|"
    r"blockquote|pre|dd|dt|dl|form|title|body|html|head|option|button)\b",
    re.I,
)
MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def plain_text(raw: str) -> str:
    """The readable text of a clause: markdown links, emphasis, escapes and HTML tags removed."""
    t = HTML_TAG.sub(lambda m: " " if HTML_BLOCK.match(m.group(0)) else "", raw)
    t = MD_LINK.sub(lambda m: m.group(1), t)
    t = re.sub(r"\\([.\-*_#\[\]()!])", r"\1", t)
    t = re.sub(r"\*\*|__|(?<!\w)\*(?=\s)|^#{1,6}\s*", "", t)
    t = html.unescape(t)
    return re.sub(r"\s+", " ", t).strip()
