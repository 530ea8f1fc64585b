"""The app in a real browser (Debian Chromium driven by Playwright)."""
from __future__ import annotations

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, screenshot, streamlit_server

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        yield pg
        browser.close()


def test_overview_in_the_browser(store_copy, page):
    with streamlit_server(store_copy.root) as url:
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        page.get_by_text("Vue d'ensemble des campus").wait_for()
        page.wait_for_timeout(1000)
        assert page.locator('[data-testid="stException"]').count() == 0
        metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert "125\u202f000\u00a0€" in [m.strip() for m in metrics]
        assert page.locator(".js-plotly-plot").count() == 3
        assert "Collégiens" in page.locator(".js-plotly-plot").first.inner_text()
        screenshot(page, "overview")
        # a link reproduces the view: the filters come from the URL
        page.goto(url + "/?annee=2018&campus=MSI")
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        page.wait_for_timeout(1000)
        metrics = [m.strip() for m in page.locator('[data-testid="stMetricValue"]').all_inner_texts()]
        assert metrics[0] == "1" and metrics[1] == "28"
        screenshot(page, "overview-msi")
