"""Accessibility (RGAA 4.1): the page's language, every chart's figures as a table, nothing said by colour alone,
contrast, the keyboard, and no English left in the widgets."""
from __future__ import annotations

import pytest

from cmq.outputs import registry

from browser import CHROMIUM, CHROMIUM_ARGS, open_as, screenshot, streamlit_server
from conftest import app_test

playwright = pytest.importorskip("playwright.sync_api")

CHART_PAGES = [p for p in registry.PAGES if p.figures]


@pytest.mark.parametrize("slug", [p.slug for p in CHART_PAGES])
def test_every_chart_has_its_figures_one_click_away(data_dir, slug):
    """Under every chart of every page, « Voir les données » opens a table of its figures (the map and the tree too)."""
    at = app_test("admin").run()
    at.switch_page(registry.PAGE[slug].path).run()
    boxes = [e.key for e in at.expander if e.label == "Voir les données"]
    charts = len(at.get("plotly_chart"))
    assert charts and len(boxes) == charts, f"{slug}: {charts} charts, {len(boxes)} « Voir les données »"
    before = len(at.dataframe)
    for key in boxes:
        at.session_state[key] = True
    at.run()
    assert not at.exception
    assert len(at.dataframe) - before == charts, "each box shows a table once opened"


@pytest.fixture
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_every_page_is_french_to_the_browser(store_copy, browser):
    """`<html lang="fr">` and the app's title on the login page and on every page (Streamlit serves lang="en" and
    « Streamlit » until the app runs)."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    with streamlit_server(store_copy.root) as url:
        page.goto(url)
        page.get_by_label("Nom du compte").wait_for(timeout=60_000)
        page.wait_for_function("() => document.documentElement.lang === 'fr'", timeout=10_000)
        assert "Pilotage" in page.title()
        for p in registry.PAGES:
            open_as(page, f"{url}/{p.slug if p is not registry.PAGES[0] else ''}")  # a new tab's session signs in
            page.wait_for_function("() => document.documentElement.lang === 'fr'", timeout=10_000)
            page.wait_for_function("t => document.title.includes(t)", arg=p.title, timeout=10_000)


def test_streamlits_own_words_are_french(store_copy, browser):
    """The file uploader's words and the labels screen readers read (the password's eye, the skip link)."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    with streamlit_server(store_copy.root) as url:
        page.goto(url)
        page.get_by_label("Afficher le mot de passe").wait_for(timeout=60_000)
        assert page.locator('[aria-label="Show password"]').count() == 0
        assert page.get_by_text("Aller au contenu principal").count() == 1
        open_as(page, url)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        english = page.locator("[aria-label],[title],[data-title]").evaluate_all(
            "els => els.flatMap(e => ['aria-label', 'title', 'data-title'].map(a => e.getAttribute(a)).filter(Boolean))")
        assert not {"Download plot as a PNG", "Zoom in", "Reset axes"} & set(english), english
        assert not [label for label in english if label.startswith("Help for")]
        open_as(page, f"{url}/import")
        box = page.locator('[data-testid="stFileUploader"]').first
        box.wait_for(timeout=60_000)
        page.wait_for_function("() => document.querySelector('[data-testid=\"stFileUploader\"]').innerText"
                               ".includes('Mo au plus par fichier')", timeout=10_000)
        text = box.inner_text()
        assert "Drag" not in text and "MB" not in text and "Upload" not in text, text
        assert "Mo au plus par fichier" in text and "Parcourir" in text
        screenshot(page, "import-uploader-french")


def test_the_first_chart_downloads_with_the_keyboard_only(store_copy, browser):
    """Sign in and download the first chart's image with Tab, typing and Enter only: no mouse anywhere."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    with streamlit_server(store_copy.root) as url:
        page.goto(url)
        page.get_by_label("Nom du compte").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # the login page's run is over: nothing redraws under the focus
        for _ in range(40):  # Tab until the name field has the focus
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement?.getAttribute('aria-label') || ''") == "Nom du compte":
                break
        page.keyboard.type("comite")
        page.keyboard.press("Tab")
        page.keyboard.type("comite-demo-2018")
        page.keyboard.press("Enter")
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        for _ in range(200):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement?.innerText || ''").strip().endswith("Image PNG"):
                break
        else:
            pytest.fail("« Image PNG » of the first chart is never reached with Tab")
        with page.expect_download(timeout=60_000) as got:
            page.keyboard.press("Enter")
        assert got.value.suggested_filename.endswith(".png")
