"""Request types and response schemas of the service (limits from clausewise.settings); defaults double as examples."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from clausewise.settings import MAX_TEXT_CHARS, NOT_BLANK, is_blank  # every limit lives there

EXAMPLE_CLAUSES = [
    "We collect your name, email address and delivery address when you place an order.",
    "We use cookies to remember your preferences and to measure traffic.",
    "You can unsubscribe from marketing emails at any time.",
    "Children under 14 may not create an account without a parent's consent.",
]
EXAMPLE_POLICY = (
    "Privacy Policy\n"
    "1. Information we collect\n"
    "We collect your name, phone number and address when you register.\n"
    "2. Cookies\n"
    "We use cookies to keep you signed in. You can refuse cookies in your browser settings.\n"
    "3. Contact us\n"
    "Questions about this policy can be sent to privacy@example.com."
)
EXAMPLE_POLICY_NEW = (  # EXAMPLE_POLICY renumbered, one clause reworded, one added
    "Privacy Policy\n"
    "1. Cookies\n"
    "We use cookies to keep you signed in. You can refuse cookies in the settings of your browser.\n"
    "2. Information we collect\n"
    "We collect your name, phone number and address when you register.\n"
    "We share your address with the courier that delivers your order.\n"
    "3. Contact us\n"
    "Questions about this policy can be sent to privacy@example.com."
)


def _not_blank(value: str) -> str:
    if is_blank(value):
        raise ValueError("text is empty or only whitespace; send the clause text")
    return value


ClauseText = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TEXT_CHARS, json_schema_extra={"pattern": NOT_BLANK}),
    AfterValidator(_not_blank),
]
# No length limit on the raw input: saved pages are mostly markup. MAX_POLICY_CHARS counts the text found in it.
PolicyText = Annotated[str, Field(min_length=1, json_schema_extra={"pattern": NOT_BLANK}), AfterValidator(_not_blank)]
Threshold = Annotated[float | None, Field(ge=0.0, le=1.0)]


class LabelScore(BaseModel):
    label: str
    score: float


class ScoredClause(BaseModel):
    text: str
    labels: list[LabelScore] = Field(description="labels at or above the threshold, best first")
    scores: dict[str, float] = Field(
        description="the score of every label (empty for page chrome, which is not scored)"
    )


class ClassifiedClause(ScoredClause):
    language: str = Field(description="ISO 639-1 code of the text's language (short texts count as English)")


class ClassifyResponse(BaseModel):
    model: str = Field(description="tag of the model that answered")
    threshold: str = Field(description="'per-label' (tuned thresholds) or the number used")
    results: list[ClassifiedClause]
    warnings: list[str] = Field(
        default_factory=list, description="e.g. texts the model cannot read reliably (not English)"
    )


class AnalyzedClause(ScoredClause):
    index: int
    start: int = Field(description="offset of the clause's first character in the input")
    end: int = Field(description="offset after its last character: input[start:end] == text")
    heading: str | None
    kind: str = Field(description="'clause', 'heading' or 'chrome' (navigation, link lists)")


class Coverage(BaseModel):
    label: str
    clauses: int = Field(description="clauses carrying this label")
    best_clause: int | None = Field(description="index of the clause with the highest score for it")
    best_score: float | None


class AnalyzeResponse(BaseModel):
    model: str
    format: str = Field(description="'html' or 'text' (plain text and markdown)")
    language: str = Field(description="ISO 639-1 code of most of the policy's text")
    warnings: list[str] = Field(
        default_factory=list, description="e.g. the policy is not in English, so its labels are unreliable"
    )
    clauses: list[AnalyzedClause]
    coverage: list[Coverage]
    missing: list[str] = Field(description="taxonomy topics no clause of the policy addresses")


class ComparedClause(BaseModel):
    index: int = Field(description="index of the clause among the clauses /analyze answers for that version")
    start: int = Field(description="offset of the clause's first character in that version's input")
    end: int = Field(description="offset after its last character: input[start:end] == text")
    text: str
    labels: list[str] = Field(description="labels at or above their thresholds, best first")


class ComparedPair(BaseModel):
    status: Literal["unchanged", "reworded", "added", "removed"] = Field(
        description="unchanged (moved or renumbered included), reworded, added (new only), removed (old only)"
    )
    similarity: float = Field(description="1 unchanged; word similarity of a reworded pair; 0 added or removed")
    old: ComparedClause | None = Field(description="the clause in the old version (none when added)")
    new: ComparedClause | None = Field(description="the clause in the new version (none when removed)")
    labels_added: list[str] = Field(description="labels of the new clause that the old one lacks")
    labels_removed: list[str] = Field(description="labels of the old clause that the new one lacks")


class TopicChange(BaseModel):
    label: str
    unchanged: int = Field(description="unchanged pairs about this topic (on either side)")
    reworded: int
    added: int
    removed: int
    coverage_old: int = Field(description="clauses about it in the old version")
    coverage_new: int = Field(description="clauses about it in the new version")
    appears: bool = Field(description="not covered before, covered now")
    disappears: bool = Field(description="covered before, no longer")
    examples: list[str] = Field(description="up to 3 changed clauses about it, quoted (added, removed, reworded)")


class CompareCounts(BaseModel):
    unchanged: int
    reworded: int
    added: int
    removed: int


class CompareFormats(BaseModel):
    old: str
    new: str


class CompareResponse(BaseModel):
    model: str
    format: CompareFormats = Field(description="'html' or 'text' for each version")
    counts: CompareCounts
    summary: list[TopicChange] = Field(description="per label, in taxonomy order")
    summary_lines: list[str] = Field(description="the summary in words: changed topics first, then the unchanged ones")
    pairs: list[ComparedPair] = Field(
        description="aligned clauses in the new version's order; removed ones after "
        "the partner of their old predecessor"
    )
