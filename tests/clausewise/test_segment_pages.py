"""Our policies inside realistic saved pages: every policy clause is still found, nothing of the wrapper is."""

import pytest

from benchmarks.pages import WRAPPER_SENTENCES, make_page, policy_html
from clausewise.segment import plain_text, segment
from tests.utils import ROOT, SEED_DOCS

POLICIES = [SEED_DOCS / "002_4b551300920ac150.txt", ROOT / "labels" / "authored" / "docs" / "a01_ravelboard_gdpr.md"]


def policy_clauses(html: str) -> list[tuple[str, str | None]]:
    return [(plain_text(c.text), c.heading) for c in segment(html, "html") if c.kind != "chrome"]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem[:3])
@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_every_policy_clause_is_found_and_no_wrapper_text_is(path, size):
    article = policy_html(path.read_text(encoding="utf-8"))
    bare = policy_clauses(f'<main><article class="policy"><h1>Privacy Policy</h1>\n{article}\n</article></main>')
    page = make_page(article, size, seed=size)
    assert size <= len(page.encode()) < 1.25 * size
    found = policy_clauses(page)
    assert found == bare and len(found) > 40
    text = " ".join(t for t, _ in found)
    assert not [w for w in WRAPPER_SENTENCES if w[:40] in text]


def test_a_five_megabyte_page_is_segmented_whole():
    article = policy_html(POLICIES[0].read_text(encoding="utf-8"))
    page = make_page(article, 5_000_000, seed=5)
    clauses = segment(page)
    assert all(page[c.start : c.end] == c.text for c in clauses)
    assert policy_clauses(page) == policy_clauses(
        f'<main><article class="policy"><h1>Privacy Policy</h1>\n{article}\n</article></main>'
    )
