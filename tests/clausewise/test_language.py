"""Language detection: what a text and a policy are written in, and the warning for non-English input."""

from clausewise.language import detect, english_warning, language_of
from tests.utils import CHINESE_POLICY, SEED_DOCS


def test_languages_of_single_texts():
    assert detect("We use cookies to remember your preferences and to measure traffic.")[0] == "en"
    assert detect("Wir verwenden Cookies, um Ihre Einstellungen zu speichern und den Verkehr zu messen.")[0] == "de"
    assert detect("Nous utilisons des cookies pour mémoriser vos préférences et mesurer le trafic.")[0] == "fr"
    assert detect(CHINESE_POLICY.splitlines()[2])[0] == "zh"


def test_short_texts_count_as_english():
    assert detect("Home | Cart")[0] == "en" and detect("Kontakt")[0] == "en"


def test_a_policy_is_in_the_language_of_most_of_its_text():
    english = (SEED_DOCS / "002_4b551300920ac150.txt").read_text(encoding="utf-8").splitlines()
    assert language_of(english) == "en"
    assert language_of(english + ["本网站由示例公司运营。版权所有，保留一切权利。"]) == "en"  # a Chinese footer
    assert language_of(CHINESE_POLICY.splitlines()) == "zh"


def test_only_non_english_input_gets_a_warning():
    assert english_warning("en") is None
    assert "English only" in english_warning("zh") and "'zh'" in english_warning("zh")
