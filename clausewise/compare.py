"""Two versions of a policy compared clause by clause, and what changed per topic.

    result = compare_texts(old_text, new_text, model)   # {"pairs", "summary", "counts", "format"}
    for line in summary_lines(result):
        print(line)

Alignment (`align`): clauses whose normalised text is equal are "unchanged" wherever they are (moved
and renumbered clauses included); of the rest, pairs at least REWORDED_MIN similar are "reworded",
matched one-to-one best first; what is left is "added" (new only) or "removed" (old only).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from clausewise.analysis import Labeller, Policy, read_policy, score_policy
from clausewise.text import plain_text

# Two clauses are a rewording of each other when difflib's ratio over their word lists is at least
# this: more than half of the words of both, taken together, kept in the same order. Exactly half is
# too often chance between short clauses ("Personal Information:" and "Right to correct your personal
# information"); rewordings seen in real policy histories score 0.58 and up.
REWORDED_MIN = 0.55
CANDIDATES = 5  # per clause, the most TF-IDF-similar clauses of the other side that difflib confirms
CANDIDATE_MIN = 0.1  # TF-IDF cosine (word uni+bigrams) below which two clauses are never candidates
CONTEXT = 3  # neighbours on each side compared when a text occurs more than once
QUOTE_CHARS = 80
STATUSES = ("unchanged", "reworded", "added", "removed")

_MARKER = re.compile(
    r"^(?:(?:section|article|clause|part|§)\s*[0-9ivxlc]+(?:\.[0-9]+)*\s*[:.)\-–—]\s*"  # Section 4: / Article IV.
    r"|\(\s*(?:\d{1,3}|[a-z]|[ivxlc]{1,6})\s*\)\s*"  # (a) (iv) (2)
    r"|(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivxlc]{1,6})[.)]\s+"  # 1. 2.3. iv) a.
    r"|\d{1,3}(?:\.\d{1,3})+\s+"  # 2.3
    r"|[•·▪◦‣●○■□*+\-–—>]+\s*)",  # bullets
    re.I,
)
_WORD = re.compile(r"\w+")


class ScoringModel(Labeller, Protocol):
    """What compare_texts needs of a model: labels, the per-label choice, and scores for clauses."""

    def scores(self, texts: list[str], headings: list[str | None] | None = None) -> Any: ...


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
    out = []
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
    return sorted(pairs, key=lambda p: (p.new, 0, 0) if p.new is not None else key[p.old])


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


def _side(policy: Policy, at: int | None, labels: list[list[str]]) -> dict | None:
    """One side of a pair: the clause (index into Policy.clauses, offsets, text) and its labels."""
    if at is None:
        return None
    index = policy.scored[at]
    c = policy.clauses[index]
    return {"index": index, "start": c.start, "end": c.end, "text": c.text, "labels": labels[at]}


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """A clause's readable text without numbering, cut to `limit` characters."""
    t = unmarked(text)
    return t if len(t) <= limit else t[: limit - 1].rstrip() + "…"


def _label_summary(name: str, pairs: list[dict]) -> dict:
    """Per-topic counts: clauses added, removed, reworded, unchanged; coverage of each side; examples."""
    has = lambda side: side is not None and name in side["labels"]  # noqa: E731
    counts = {s: sum(p["status"] == s and (has(p["old"]) or has(p["new"])) for p in pairs) for s in STATUSES}
    old_n = sum(has(p["old"]) for p in pairs)
    new_n = sum(has(p["new"]) for p in pairs)
    examples = [
        quote((p["new"] or p["old"])["text"])
        for s in ("added", "removed", "reworded")
        for p in pairs
        if p["status"] == s and (has(p["old"]) or has(p["new"]))
    ][:3]
    return {
        "label": name,
        **counts,
        "coverage_old": old_n,
        "coverage_new": new_n,
        "appears": old_n == 0 and new_n > 0,
        "disappears": old_n > 0 and new_n == 0,
        "examples": examples,
    }


def compare(old_policy: Policy, new_policy: Policy, old_rows, new_rows, model: Labeller) -> dict:
    """Align the scored clauses of two versions, label both sides, and summarise per topic (JSON-ready)."""
    order = {n: k for k, n in enumerate(model.labels)}
    old_labels = [[n for n, _ in model.chosen(r)] for r in old_rows]
    new_labels = [[n for n, _ in model.chosen(r)] for r in new_rows]
    (old_texts, old_headings), (new_texts, new_headings) = old_policy.model_inputs(), new_policy.model_inputs()
    if len(old_labels) != len(old_texts) or len(new_labels) != len(new_texts):
        raise ValueError("one score row per scored clause is needed on each side; score Policy.model_inputs()")
    pairs = []
    for p in align(old_texts, new_texts, old_headings, new_headings):
        was = set(old_labels[p.old]) if p.old is not None else set()
        now = set(new_labels[p.new]) if p.new is not None else set()
        pairs.append(
            {
                "status": p.status,
                "similarity": round(p.similarity, 3),
                "old": _side(old_policy, p.old, old_labels),
                "new": _side(new_policy, p.new, new_labels),
                "labels_added": sorted(now - was, key=order.get),
                "labels_removed": sorted(was - now, key=order.get),
            }
        )
    return {
        "pairs": pairs,
        "summary": [_label_summary(n, pairs) for n in model.labels],
        "counts": {s: sum(p["status"] == s for p in pairs) for s in STATUSES},
    }


def _first(pairs: list[dict], label: str, status: str) -> str:
    side = "old" if status == "removed" else "new"
    return next(quote(p[side]["text"]) for p in pairs if p["status"] == status and label in p[side]["labels"])


def _plural(n: int, word: str = "clause") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _topic_line(s: dict, pairs: list[dict]) -> str:
    """One changed topic in words: appears/disappears, then added, removed and reworded clauses."""
    name, parts = s["label"], []
    if s["appears"]:
        parts.append(f"new topic ({_plural(s['coverage_new'])} now)")
    if s["disappears"]:
        parts.append(f"no longer covered (was {_plural(s['coverage_old'])})")
    for status in ("added", "removed"):
        n = s[status]
        if n == 1:
            parts.append(f'{status} "{_first(pairs, name, status)}"')
        elif n:
            parts.append(f'{_plural(n)} {status}, e.g. "{_first(pairs, name, status)}"')
    if s["reworded"]:
        gained = sum(p["status"] == "reworded" and name in p["labels_added"] for p in pairs)
        lost = sum(p["status"] == "reworded" and name in p["labels_removed"] for p in pairs)
        extra = [f"{gained} newly about it" if gained else "", f"{lost} no longer about it" if lost else ""]
        note = ", ".join(x for x in extra if x)
        parts.append(f"{_plural(s['reworded'])} reworded" + (f" ({note})" if note else ""))
    return f"{name}: " + "; ".join(parts)


def summary_lines(result: dict) -> list[str]:
    """The readable per-topic summary of a comparison: changed topics first, then the unchanged ones."""
    pairs, summary = result["pairs"], result["summary"]
    changed = [s for s in summary if s["added"] or s["removed"] or s["reworded"] or s["appears"] or s["disappears"]]
    changed.sort(key=lambda s: (not (s["appears"] or s["disappears"]), -(s["added"] + s["removed"] + s["reworded"])))
    lines = [_topic_line(s, pairs) for s in changed]
    counts = result["counts"]
    if not (counts["added"] or counts["removed"] or counts["reworded"]):
        lines.append("no substantive change: every clause is unchanged (moved or renumbered at most)")
    elif not changed:
        lines.append("no topic changed: the changed clauses carry no label")
    same = [s["label"] for s in summary if s not in changed and s["coverage_new"]]
    if same:
        lines.append("unchanged topics: " + ", ".join(same))
    return lines


def compare_texts(
    old_text: str, new_text: str, model: ScoringModel, score: Callable[[list[str], list[str | None]], Any] | None = None
) -> dict:
    """Read, score (each distinct clause of both versions once) and compare two versions of a policy."""
    old_policy, new_policy = read_policy(old_text), read_policy(new_text)
    old_texts, old_headings = old_policy.model_inputs()
    new_texts, new_headings = new_policy.model_inputs()
    texts, headings = old_texts + new_texts, old_headings + new_headings
    rows = score_policy(score or model.scores, texts, headings) if texts else []
    return compare_scored(old_policy, new_policy, rows, model)


def compare_scored(old_policy: Policy, new_policy: Policy, rows: list, model: Labeller) -> dict:
    """`compare` plus each side's format, from one list of rows: old's model inputs, then new's."""
    split = len(old_policy.model_inputs()[0])
    result = compare(old_policy, new_policy, rows[:split], rows[split:], model)
    return {**result, "format": {"old": old_policy.format, "new": new_policy.format}}
