"""Clause alignment of two policy versions: unchanged (equal words, wherever they sit), reworded
(REWORDED_MIN similar, one to one, best first), added or removed; see docs/compare.md."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from clausewise.text import plain_text

# Two clauses are a rewording of each other when difflib's ratio over their word lists is at least
# this: more than half of the words of both, taken together, kept in the same order. Exactly half is
# too often chance between short clauses ("Personal Information:" and "Right to correct your personal
# information"); rewordings seen in real policy histories score 0.58 and up.
REWORDED_MIN = 0.55
CANDIDATES = 5  # per clause, the most TF-IDF-similar clauses of the other side that difflib confirms
CANDIDATE_MIN = 0.1  # TF-IDF cosine (word uni+bigrams) below which two clauses are never candidates
CONTEXT = 3  # neighbours on each side compared when a text occurs more than once

_MARKER = re.compile(
    r"^(?:(?:section|article|clause|part|§)\s*[0-9ivxlc]+(?:\.[0-9]+)*\s*[:.)\-–—]\s*"  # Section 4: / Article IV.
    r"|\(\s*(?:\d{1,3}|[a-z]|[ivxlc]{1,6})\s*\)\s*"  # (a) (iv) (2)
    r"|(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivxlc]{1,6})[.)]\s+"  # 1. 2.3. iv) a.
    r"|\d{1,3}(?:\.\d{1,3})+\s+"  # 2.3
    r"|[•·▪◦‣●○■□*+\-–—>]+\s*)",  # bullets
    re.I,
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Pair:
    """One aligned clause: indices into the old and new lists (None on the side it is missing from).

    similarity: 1.0 unchanged, REWORDED_MIN..1 reworded (difflib ratio over words), 0.0 added or removed.
    """

    status: str
    old: int | None
    new: int | None
    similarity: float


def unmarked(text: str) -> str:
    """A clause's readable text without its leading numbering or bullets ("2.3", "(a)", "•", "Section 4:")."""
    t = plain_text(text)
    while (m := _MARKER.match(t)) is not None and m.end() < len(t):
        t = t[m.end() :]
    return t


def normalise(text: str) -> str:
    """Words of a clause for comparison: readable text, no leading numbering or bullet, lowercase."""
    return " ".join(_WORD.findall(unmarked(text).lower()))


def word_ratio(a: str, b: str) -> float:
    """difflib's similarity of two normalised clauses, over words rather than characters."""
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def _exact(old: list[str], new: list[str], old_ctx: list[str], new_ctx: list[str]) -> list[tuple[int, int]]:
    """Pairs of equal normalised text. A text that occurs once on each side is paired directly; repeated
    texts (a regional section's boilerplate, one date line per notice) go to the partner whose context
    agrees most (same heading, equal neighbours), so a copy in another section is never taken for it."""
    where_old: dict[str, list[int]] = defaultdict(list)
    where_new: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(old):
        where_old[key].append(i)
    for j, key in enumerate(new):
        where_new[key].append(j)
    pairs: list[tuple[int, int]] = []
    for key, olds in where_old.items():
        news = where_new.get(key, [])
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0]))
        elif olds and news:
            ranked = sorted(
                (-_context(old, new, old_ctx, new_ctx, i, j), abs(i / max(1, len(old)) - j / max(1, len(new))), i, j)
                for i in olds
                for j in news
            )
            used_old, used_new = set(), set()
            for *_, i, j in ranked:
                if i not in used_old and j not in used_new:
                    used_old.add(i)
                    used_new.add(j)
                    pairs.append((i, j))
    return sorted(pairs)


def _context(old: list[str], new: list[str], old_ctx: list[str], new_ctx: list[str], i: int, j: int) -> int:
    """How much the surroundings of old[i] and new[j] agree: same heading (2), equal neighbours within CONTEXT."""
    agree = 2 * (old_ctx[i] == new_ctx[j])
    for d in range(1, CONTEXT + 1):
        agree += i - d >= 0 and j - d >= 0 and old[i - d] == new[j - d]
        agree += i + d < len(old) and j + d < len(new) and old[i + d] == new[j + d]
    return agree


def _top(matrix, k: int) -> list[tuple[int, int]]:
    """(row, column) of each row's k largest entries of a CSR matrix at least CANDIDATE_MIN."""
    out: list[tuple[int, int]] = []
    for r in range(matrix.shape[0]):
        lo, hi = matrix.indptr[r], matrix.indptr[r + 1]
        data, cols = matrix.data[lo:hi], matrix.indices[lo:hi]
        keep = np.argsort(-data)[:k]
        out.extend((r, int(cols[c])) for c in keep if data[c] >= CANDIDATE_MIN)
    return out


def _candidates(old: list[str], new: list[str]) -> set[tuple[int, int]]:
    """(old, new) positions worth a difflib check: each side's CANDIDATES nearest by TF-IDF cosine."""
    if not any(old) or not any(new):
        return set()
    vectors = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2), lowercase=False).fit(old + new)
    cosine = (vectors.transform(old) @ vectors.transform(new).T).tocsr()
    return set(_top(cosine, CANDIDATES)) | {(i, j) for j, i in _top(cosine.T.tocsr(), CANDIDATES)}


def _reworded(old: list[str], new: list[str], old_at: list[float], new_at: list[float]) -> list[tuple[int, int, float]]:
    """One-to-one reworded pairs (positions in `old`, `new`), best similarity first, nearer position on ties."""
    scored = []
    for i, j in _candidates(old, new):
        sim = word_ratio(old[i], new[j])
        if sim >= REWORDED_MIN:
            scored.append((-sim, abs(old_at[i] - new_at[j]), i, j))
    used_old, used_new, out = set(), set(), []
    for neg, _, i, j in sorted(scored):
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            out.append((i, j, -neg))
    return out


def _ordered(pairs: list[Pair]) -> list[Pair]:
    """Pairs in the new version's order; a removed clause follows the partner of its old predecessor."""
    partner = {p.old: p.new for p in pairs if p.old is not None and p.new is not None}
    anchor, key = -1, {}
    for i in sorted(p.old for p in pairs if p.old is not None):
        anchor = partner.get(i, anchor)
        key[i] = (anchor, 1, i)

    def position(p: Pair) -> tuple[int, int, int]:
        if p.new is not None:
            return (p.new, 0, 0)
        assert p.old is not None  # align never makes a pair without either side
        return key[p.old]

    return sorted(pairs, key=position)


def align(
    old: list[str],
    new: list[str],
    old_headings: list[str | None] | None = None,
    new_headings: list[str | None] | None = None,
) -> list[Pair]:
    """Align the clause texts of two versions: unchanged, reworded, added and removed (see module doc);
    headings, when given, tell repeated texts apart."""
    old_keys, new_keys = [normalise(t) for t in old], [normalise(t) for t in new]
    old_ctx = [normalise(h or "") for h in (old_headings or [None] * len(old))]
    new_ctx = [normalise(h or "") for h in (new_headings or [None] * len(new))]
    pairs = [Pair("unchanged", i, j, 1.0) for i, j in _exact(old_keys, new_keys, old_ctx, new_ctx)]
    left_old = sorted(set(range(len(old))) - {p.old for p in pairs})
    left_new = sorted(set(range(len(new))) - {p.new for p in pairs})
    at_old = [i / max(1, len(old) - 1) for i in left_old]
    at_new = [j / max(1, len(new) - 1) for j in left_new]
    found = _reworded([old_keys[i] for i in left_old], [new_keys[j] for j in left_new], at_old, at_new)
    pairs += [Pair("reworded", left_old[a], left_new[b], sim) for a, b, sim in found]
    matched_old, matched_new = {p.old for p in pairs}, {p.new for p in pairs}
    pairs += [Pair("removed", i, None, 0.0) for i in left_old if i not in matched_old]
    pairs += [Pair("added", None, j, 0.0) for j in left_new if j not in matched_new]
    return _ordered(pairs)
