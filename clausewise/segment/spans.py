"""Span arithmetic for the segmenter: (start, end) offsets into the original input.

Trimming, cutting at points and merging, plus membership tests on sorted, disjoint spans.
"""

from __future__ import annotations

import bisect

Span = tuple[int, int]


def trim(text: str, start: int, end: int) -> Span | None:
    """The span without its leading and trailing whitespace, or None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def cut(text: str, span: Span, points: list[int]) -> list[Span]:
    """Cut a span at the given absolute positions and trim each piece."""
    out: list[Span] = []
    prev = span[0]
    for p in sorted(set(p for p in points if span[0] < p < span[1])) + [span[1]]:
        piece = trim(text, prev, p)
        if piece:
            out.append(piece)
        prev = p
    return out


def merge_spans(spans: list[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same positions (overlapping or touching ones joined)."""
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def inside(spans: list[Span], starts: list[int], pos: int) -> bool:
    """Whether pos lies in one of the sorted, disjoint spans."""
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and pos < spans[i][1]


def strictly_inside(spans: list[Span], starts: list[int], pos: int) -> bool:
    """Whether a < pos < b for one of the sorted, disjoint spans (a, b)."""
    i = bisect.bisect_left(starts, pos) - 1
    return i >= 0 and pos < spans[i][1]
