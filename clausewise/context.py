"""The context a clause is read with: a list item's lead-in ("We use your data to:" before "- send
you offers"), since on real pages the lead-in decides an item's topic (labels/GUIDELINES.md, rule 1).

Training, /analyze, batch and the held-out gates all build it here, from one document's clauses in
order, so the model sees the same context everywhere; text sent alone (/classify) has none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LEAD_IN_WORDS = 40  # the lead-in's last words are kept: its end ("... for these purposes:") says what follows
_ITEM = re.compile(r"^\s*(?:[-*+\u2022\u00b7]|\d{1,3}[.)]|\(?[a-z0-9ivx]{1,4}\))\s")


def is_list_item(text: str) -> bool:
    """Whether a clause starts with a list marker (bullet, number or letter)."""
    return bool(_ITEM.match(text))


def lead_in_indices(
    texts: Sequence[str], headings: Sequence[str | None], kinds: Sequence[str | None]
) -> list[int | None]:
    """For each clause of one document in order: the index of its lead-in, or None.

    A clause after one ending in ":" has that clause as lead-in; a list item has the nearest clause
    before its run of items under the same heading. Headings never serve as lead-ins."""
    out: list[int | None] = []
    for i, text in enumerate(texts):
        lead = None
        if i and kinds[i - 1] != "heading" and texts[i - 1].rstrip().endswith(":"):
            lead = i - 1
        elif is_list_item(text):
            j = i - 1
            while j >= 0 and headings[j] == headings[i] and is_list_item(texts[j]):
                j -= 1
            if j >= 0 and headings[j] == headings[i] and kinds[j] != "heading":
                lead = j
        out.append(lead)
    return out


def lead_ins(texts: Sequence[str], headings: Sequence[str | None], kinds: Sequence[str | None]) -> list[str | None]:
    """For each clause of one document in order: its lead-in's last LEAD_IN_WORDS words, or None."""
    return [
        " ".join(texts[j].split()[-LEAD_IN_WORDS:]) if j is not None else None
        for j in lead_in_indices(texts, headings, kinds)
    ]


def lead_ins_by_document(
    docs: Sequence[str], texts: Sequence[str], headings: Sequence[str | None], kinds: Sequence[str | None]
) -> list[str | None]:
    """lead_ins for clauses of several documents in one list: each document's clauses in their order."""
    by_doc: dict[str, list[int]] = {}
    for i, doc in enumerate(docs):
        by_doc.setdefault(doc, []).append(i)
    out: list[str | None] = [None] * len(texts)
    for idx in by_doc.values():
        for i, lead in zip(idx, lead_ins([texts[i] for i in idx], [headings[i] for i in idx], [kinds[i] for i in idx])):
            out[i] = lead
    return out
