"""Two versions of a policy compared clause by clause (alignment: clausewise.align), and what changed per topic.

result = compare_texts(old_text, new_text, model)   # {"pairs", "summary", "counts", "format"}
for line in summary_lines(result):
    print(line)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from clausewise.align import align, unmarked
from clausewise.analysis import (
    Labeller,
    Policy,
    in_context,
    read_policy,
    score_policy,
    scoring_count,
    scoring_inputs,
)

if TYPE_CHECKING:
    from clausewise.model_dir import ModelInfo

QUOTE_CHARS = 80
STATUSES = ("unchanged", "reworded", "added", "removed")


class ScoringModel(Labeller, Protocol):
    """What compare_texts needs of a model: labels, the per-label choice, and scores for clauses."""

    info: ModelInfo

    def scores(self, texts: list[str], contexts: list[str | None] | None = None) -> Any: ...


def _side(policy: Policy, at: int | None, labels: list[list[str]]) -> dict | None:
    """One side of a pair: the clause (index into Policy.clauses, offsets, text) and its labels."""
    if at is None:
        return None
    index = policy.scored_indices[at]
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
    """Align the scored clauses of two versions, label both sides, and summarise per topic (JSON-ready);
    each side's rows score scoring_inputs(policy, model.info)."""
    order = {n: k for k, n in enumerate(model.labels)}
    old_rows, old_cut = in_context(old_policy, old_rows, model.info)
    new_rows, new_cut = in_context(new_policy, new_rows, model.info)
    old_labels = [[n for n, _ in model.chosen(r, old_cut)] for r in old_rows]
    new_labels = [[n for n, _ in model.chosen(r, new_cut)] for r in new_rows]
    (old_texts, old_headings), (new_texts, new_headings) = old_policy.model_inputs(), new_policy.model_inputs()
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
                "labels_added": sorted(now - was, key=lambda n: order.get(n, len(order))),
                "labels_removed": sorted(was - now, key=lambda n: order.get(n, len(order))),
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
    old_texts, old_contexts = scoring_inputs(old_policy, model.info)
    new_texts, new_contexts = scoring_inputs(new_policy, model.info)
    texts, contexts = old_texts + new_texts, old_contexts + new_contexts
    rows = score_policy(score or model.scores, texts, contexts) if texts else []
    return compare_scored(old_policy, new_policy, rows, model)


def compare_scored(old_policy: Policy, new_policy: Policy, rows: list, model: Labeller) -> dict:
    """`compare` plus each side's format, from one list of rows: old's model inputs, then new's."""
    split = scoring_count(old_policy, model.info)
    result = compare(old_policy, new_policy, rows[:split], rows[split:], model)
    return {**result, "format": {"old": old_policy.format, "new": new_policy.format}}
