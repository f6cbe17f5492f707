"""Split a privacy policy (plain text, markdown or HTML) into clauses with character offsets.

    from clausewise.segment import segment
    for c in segment(open("policy.md").read()):
        print(c.start, c.end, c.kind, c.heading, c.text)

A clause is a sentence or a list item. `text` is always `original[start:end]`; headings are
clauses of kind "heading" and also the context (`heading`) of the clauses under them; a run of
short list items or link lines is one clause. Sentence splitting is pysbd's
(`sentences`); lines, list markers and markdown structure are `markdown`'s, HTML blocks and
boilerplate `html`'s, heading styles and context `headings`'; `pipeline` puts them together.
For plain text and markdown the clauses cover every non-whitespace character. For HTML, tags,
comments, scripts, styles and hidden elements are skipped and page boilerplate comes out as
"chrome". `plain_text` lives in clausewise.text and is re-exported here.
"""

from __future__ import annotations

from clausewise.segment.html import detect_format, rough_text_chars
from clausewise.segment.pipeline import Clause, SegmentationStopped, segment
from clausewise.text import plain_text

__all__ = ["Clause", "SegmentationStopped", "detect_format", "plain_text", "rough_text_chars", "segment"]
