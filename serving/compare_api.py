"""What POST /compare adds to /analyze's machinery: the limit messages and the comparison of scored versions.

The service reads each version under /analyze's limits (the messages name the side), scores the distinct
(text, heading) inputs of both versions together in one pass through the batcher (a clause unchanged
between them is scored once), then `compared` aligns and summarises them (clausewise.compare).
"""

from __future__ import annotations

from clausewise.analysis import Labeller, Policy
from clausewise.compare import compare_scored, summary_lines
from clausewise.settings import MAX_ANALYZE_CLAUSES, MAX_POLICY_CHARS

SIDES = ("old", "new")


def too_much_text(found: int, qualifier: str = "", side: str | None = None) -> str:
    """The text-limit message of /analyze; for /compare prefixed by the side ("old: ...")."""
    return (
        (f"{side}: " if side else "")
        + f"the input holds {qualifier}{found} characters of policy text (markup and page chrome not counted); "
        f"the limit is {MAX_POLICY_CHARS}: send one policy at a time, or split it"
    )


def too_many_clauses(found: int) -> str:
    """The distinct-clause-limit message of /compare: both versions count together."""
    return (
        f"the two versions hold {found} distinct clauses to score (old and new together, a clause in both "
        f"counted once); the limit is {MAX_ANALYZE_CLAUSES} for both sides together: compare them in parts "
        "(sections or pages)"
    )


def compared(old: Policy, new: Policy, rows: list, model: Labeller) -> dict:
    """The /compare answer but the model tag: `rows` score old's scoring_inputs, then new's, in order."""
    result = compare_scored(old, new, rows, model)
    return {**result, "summary_lines": summary_lines(result)}
