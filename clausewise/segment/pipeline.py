"""The whole segmentation pipeline: blocks, lines, pieces, sentences, then kinds and context.

Blocks are HTML regions (clausewise.segment.html) or the whole text; lines and inline structure
come from clausewise.segment.markdown, sentences from clausewise.segment.sentences, heading
styles and context from clausewise.segment.headings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from clausewise.segment.headings import clean_heading, context, heading_rank, heading_style
from clausewise.segment.html import detect_format, html_blocks, link_list_item
from clausewise.segment.markdown import (
    Piece,
    inline_pieces,
    is_fragment,
    is_md_heading,
    join_bare_markers,
    line_regions,
)
from clausewise.segment.paragraphs import paragraph_ids
from clausewise.segment.sentences import sentences, split_semicolon_list
from clausewise.segment.spans import Span, inside


class SegmentationStopped(RuntimeError):
    """Segmentation was stopped by its caller (`stop` returned True): a deadline or a caller gone."""


@dataclass(frozen=True)
class Clause:
    """One segment of a policy: offsets into the original input, its text and context."""

    start: int
    end: int
    text: str
    heading: str | None = None
    kind: str = "clause"  # "clause", "heading" or "chrome" (HTML site furniture, never scored)
    paragraph: int = -1  # the paragraph it lies in (clausewise.segment.paragraphs); -1: unknown, alone


def segment(text: str, fmt: str | None = None, stop: Callable[[], bool] | None = None) -> list[Clause]:
    """Segment a policy into clauses, headings and chrome, with exact character offsets.

    `stop` is polled once per line; when it returns True, SegmentationStopped is raised."""
    fmt = fmt or detect_format(text)
    if fmt not in ("html", "text", "markdown"):
        raise ValueError(f"unknown format {fmt!r}; expected 'html', 'text' or 'markdown'")
    chrome_spans: list[Span] = []
    if fmt == "html":
        blocks, chrome_spans = html_blocks(text)
    else:
        blocks = [(0, len(text))]
    chrome_starts = [s for s, _ in chrome_spans]

    # 1. pieces, each remembering whether it is a whole line
    pieces: list[Piece] = []  # (span, whole_line, atomic)
    for block in blocks:
        for line in line_regions(text, block):
            if stop is not None and stop():
                raise SegmentationStopped(f"stopped at character {line[0]} of {len(text)}")
            inline = inline_pieces(text, line)
            for span, atomic in inline:
                if atomic or is_fragment(text[span[0] : span[1]]) or is_md_heading(text[span[0] : span[1]]):
                    pieces.append((span, len(inline) == 1, True))
                    continue
                sents = sentences(text, span)
                for sent in sents:
                    for item in split_semicolon_list(text, sent):
                        pieces.append((item, len(inline) == 1 and len(sents) == 1, False))

    # 2. a bare list marker ("2\.", "(3)", "*") joins the piece after it
    merged = join_bare_markers(text, pieces)

    # 3. kinds, heading context and runs of fragments
    clauses: list[Clause] = []
    stack: list[tuple[int, str]] = []
    in_run = False  # the last clause is a run of fragments (short list items, link lines) that may grow
    for (s, e), whole, _atomic in merged:
        raw = text[s:e]
        if chrome_spans and (inside(chrome_spans, chrome_starts, s) or link_list_item(raw)):
            clauses.append(Clause(s, e, raw, context(stack), "chrome"))
            in_run = False  # page boilerplate is kept apart, never merged into a run
            continue
        if is_fragment(raw):
            # Policy text all the same ("*   email address", "contact us at [x](mailto:x)"): scored
            # like any clause; consecutive fragments of one list make one clause.
            if in_run and e - clauses[-1].start <= 1500:
                prev = clauses[-1]
                clauses[-1] = Clause(prev.start, e, text[prev.start : e], prev.heading, "clause")
            else:
                clauses.append(Clause(s, e, raw, context(stack), "clause"))
            in_run = True
            continue
        in_run = False
        style = heading_style(raw, whole)
        if style:
            level = heading_rank(style)
            stack = [(lv, h) for lv, h in stack if lv < level] + [(level, clean_heading(raw))]
            clauses.append(Clause(s, e, raw, context(stack[:-1]), "heading"))
        else:
            clauses.append(Clause(s, e, raw, context(stack), "clause"))
    ids = paragraph_ids(text, [(c.start, c.end) for c in clauses], fmt)
    return [replace(c, paragraph=p) for c, p in zip(clauses, ids)]
