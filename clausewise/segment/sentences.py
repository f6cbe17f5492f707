"""Sentences: pysbd's sentence split with exact offsets, in linear time, plus CJK stops and lists.

Long runs are cut into windows before pysbd sees them, and a sentence of two or more substantial
'; '-separated parts becomes list items.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

from clausewise.segment.spans import Span, cut, trim

_CJK_STOP = re.compile(r"(?<=[。！？；])(?=\s*\S)")
_SEMI_SPLIT = re.compile(r"(?<=;)\s+")
_PYSBD_WINDOW = 4000  # longest run given to pysbd at once (the labelled documents' longest is 3,391)
_WINDOW_BREAK = re.compile(r"[.!?;:。；](?=\s)|\s")


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


def _windows(text: str, span: Span, size: int = _PYSBD_WINDOW) -> list[int]:
    """Cut points that keep every piece of `span` at most `size` characters: the last sentence end
    (else the last space) in the second half of each window, else a hard cut."""
    points: list[int] = []
    start, end = span
    while end - start > size:
        cut_at = start + size
        best = space = None
        for m in _WINDOW_BREAK.finditer(text, start + size // 2, start + size):
            if m.group().isspace():
                space = m.start()
            else:
                best = m.end()
        cut_at = best or space or cut_at
        points.append(cut_at)
        start = cut_at
    return points


def sentences(text: str, span: Span) -> list[Span]:
    """pysbd sentences of a span, located by search so offsets stay exact; CJK stops split too.

    pysbd's abbreviation pass is quadratic in the length of its input, so a span longer than
    _PYSBD_WINDOW characters (no labelled policy has one) is first cut at sentence ends."""
    s, e = span
    cjk_points = [s + m.start() for m in _CJK_STOP.finditer(text, s, e)]
    out: list[Span] = []
    parts = [w for part in cut(text, span, cjk_points) for w in cut(text, part, _windows(text, part))]
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
                out.extend(cut(text, (part[0] + cursor, part[0] + found), []))
            out.append((part[0] + found, part[0] + found + len(sent)))
            cursor = found + len(sent)
        rest = trim(text, part[0] + cursor, part[1])
        if rest:
            out.append(rest)
    return out


def split_semicolon_list(text: str, span: Span, min_chars: int = 30) -> list[Span]:
    """A sentence holding two or more '; '-separated parts, each substantial, becomes list items."""
    chunk = text[span[0] : span[1]]
    if chunk.count("; ") < 2:
        return [span]
    points = [span[0] + m.start() for m in _SEMI_SPLIT.finditer(chunk)]
    pieces = cut(text, span, points)
    if all(len(text[a:b]) >= min_chars for a, b in pieces):
        return pieces
    return [span]
