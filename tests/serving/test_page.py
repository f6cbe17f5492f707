"""The annotation page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.utils import ROOT, SEED_DOCS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SEED_002 = SEED_DOCS / "002_4b551300920ac150.txt"
SCREENSHOTS = ROOT / "reports" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="chromium is not installed (make test installs it with apt-get, as root)"
    ),
]


@contextlib.contextmanager
def open_page(server: str):
    """The page in headless Chromium (a fresh profile), loaded and its label legend drawn."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="clausewise-chromium-")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        page = context.new_page()
        page.goto(server + "/")
        page.wait_for_selector("#legend li")
        yield page
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser_page(server):
    with open_page(server) as page:
        yield page


def test_page_and_docs_are_served(server):
    page = httpx.get(server + "/", timeout=10)
    assert page.status_code == 200 and "clausewise" in page.text and "https://" not in page.text.split("<script>")[0]
    assert httpx.get(server + "/docs", timeout=10).status_code == 200
    assert httpx.get(server + "/docs.json", timeout=10).json()["paths"]["/analyze"]


def test_empty_text_shows_a_clear_message(browser_page):
    page = browser_page
    page.fill("#input", "   ")
    page.click("#analyse")
    assert "empty" in page.inner_text("#message") and "error" in page.get_attribute("#message", "class")


def test_too_long_text_is_refused_before_sending(browser_page):
    page = browser_page
    page.evaluate("document.getElementById('input').value = 'a'.repeat(10000001)")
    page.click("#analyse")
    assert "the limit is 10,000,000" in page.inner_text("#message")


def test_seed_002_is_annotated_with_legend_coverage_filter_and_download(browser_page, taxonomy):
    page = browser_page
    text = SEED_002.read_text(encoding="utf-8")
    page.fill("#input", text)
    page.click("#analyse")
    page.wait_for_function("document.querySelectorAll('#doc .clause').length > 50")
    assert "clauses analysed" in page.inner_text("#message")
    # The policy text is shown whole, every clause is a focusable highlight.
    assert page.inner_text("#doc").replace("\n", "").count("Minors may not create their own accounts") == 1
    clauses = page.query_selector_all("#doc .clause")
    labelled = page.query_selector_all("#doc .clause.labelled")
    assert len(clauses) == 97 and labelled
    assert "linear-gradient" in labelled[0].get_attribute("style")
    assert len(page.query_selector_all("#legend li")) == len(taxonomy) == len(page.query_selector_all("#coverage li"))
    # Focusing a clause shows its labels and every score.
    labelled[0].focus()
    assert len(page.query_selector_all("#details tr")) == len(taxonomy)
    # Filter to one covered topic: only its clauses stay bright.
    button = page.query_selector("#coverage button:not([disabled])")
    label = button.get_attribute("data-label")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    bright = page.eval_on_selector_all("#doc .clause:not(.dim)", "els => els.map(e => e.getAttribute('aria-label'))")
    assert bright and all(label in a.split(":")[0] for a in bright)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.click("#showall")
    page.screenshot(path=str(SCREENSHOTS / "seed-002-1280.png"), full_page=False)
    assert page.query_selector_all("#doc .clause.dim") == []
    with page.expect_download() as download:
        page.click("#download")
    saved = Path(tempfile.mkdtemp()) / "out.json"
    download.value.save_as(saved)
    assert '"clauses"' in saved.read_text()


def test_page_is_usable_at_phone_width(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=str(SCREENSHOTS / "seed-002-phone.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_keyboard_reaches_the_controls(browser_page):
    page = browser_page
    page.focus("#input")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "analyse"


def test_server_error_is_shown_to_the_user(browser_page):
    page = browser_page
    page.route(
        "**/analyze",
        lambda route: route.fulfill(
            status=500, content_type="application/json", body='{"error": "model worker crashed"}'
        ),
    )
    try:
        page.fill("#input", "We use cookies.")
        page.click("#analyse")
        page.wait_for_function("document.getElementById('message').textContent.includes('crashed')")
        message = page.inner_text("#message")
        assert "could not analyse" in message and "model worker crashed" in message
        assert not page.is_disabled("#analyse")
    finally:
        page.unroute("**/analyze")


def test_page_names_the_model_and_the_training_behind_it(browser_page, server):
    import os

    from clausewise.training_status import TrainingStatus, status_path, write_status

    write_status(
        TrainingStatus(
            state="running",
            name="clause-classifier",
            stage="fine-tune",
            step=250,
            total=1000,
            steps_per_s=2.0,
            eta_s=375.0,
            pid=os.getpid(),
        )
    )
    try:
        browser_page.reload()
        browser_page.wait_for_function("document.getElementById('model').textContent.includes('training')")
        text = browser_page.text_content("#model")
        assert "a fine-tuned model is training: 25%, about 6 min left" in text
        assert "real held-out macro-F1" in text and "(clauses)" in text
    finally:
        status_path().unlink()
        browser_page.reload()
        browser_page.wait_for_selector("#legend li")
