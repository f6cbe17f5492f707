"""Which language a policy or a clause is written in (py3langid), and the warning when it is not English.

language_of(["We use cookies.", ...])      # 'en': the language of most of the text, by characters
english_warning("zh")                      # the warning responses carry for non-English input
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

MODEL_LANGUAGE = "en"
MIN_LETTERS = 20  # shorter texts ("Contact us", "Home | Cart") are too short to call; they count as English
MIN_CONFIDENCE = 0.9


@lru_cache(maxsize=1)
def _identifier():
    import py3langid

    py3langid.classify("warm up")  # loads the model once per process
    return py3langid


def warm_up() -> None:
    """Load the language model now (about 2 s) rather than on first use."""
    _identifier()


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, confidence 0-1) of one text; short or unsure texts are taken as English."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_LETTERS:
        return MODEL_LANGUAGE, 0.0
    ranked = _identifier().rank(text)[:2]
    (best, s1), (_, s2) = ranked[0], ranked[1] if len(ranked) > 1 else (None, -math.inf)
    confidence = 1.0 / (1.0 + math.exp(min(50.0, s2 - s1)))
    return (best, confidence) if confidence >= MIN_CONFIDENCE else (MODEL_LANGUAGE, confidence)


def language_of(texts: list[str]) -> str:
    """The language of most of the text (counted in characters, CJK characters three times)."""
    weight: Counter[str] = Counter()
    for text in texts:
        lang, _ = detect(text)
        weight[lang] += sum(3 if "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" else 1 for ch in text)
    return weight.most_common(1)[0][0] if weight else MODEL_LANGUAGE


def english_warning(language: str) -> str | None:
    """The warning for a policy that is not in English, or None for English."""
    if language == MODEL_LANGUAGE:
        return None
    return (
        f"this policy looks like '{language}', but the model reads English only: its labels and the coverage "
        f"summary are unreliable for it; translate it to English for trustworthy results"
    )
