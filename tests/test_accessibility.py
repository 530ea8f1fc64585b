"""Accessibility (RGAA 4.1): the page's language, every chart's figures as a table, nothing said by colour alone,
contrast, the keyboard, and no English left in the widgets."""
from __future__ import annotations

import pytest

from cmq.core import queries
from cmq.core.filters import Filters
from cmq.outputs import charts, palette, registry

from browser import CHROMIUM, CHROMIUM_ARGS, axe_problems, open_as, screenshot
from conftest import app_test

playwright = pytest.importorskip("playwright.sync_api")

CHART_PAGES = [p for p in registry.PAGES if p.figures]


@pytest.mark.parametrize("slug", [p.slug for p in CHART_PAGES])
def test_every_chart_has_its_figures_one_click_away(data_dir, store_copy, slug):
    """Under every chart of every page, « Voir les données » opens a table of its figures (the map and the tree too);
    the national pages on a store of two regions (where they are offered)."""
    if registry.PAGE[slug].several_regions:
        from conftest import second_region

        second_region(store_copy)
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


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_the_first_chart_downloads_with_the_keyboard_only(demo_url, browser):
    """Sign in and download the first chart's image with Tab, typing and Enter only: no mouse anywhere."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    url = demo_url
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


def _figures(store):
    """Every figure of the registry, drawn from the demo as the pages draw it (a campus: AGT)."""
    ctx = Filters(year=2018, campus="AGT")
    for spec in registry.FIGURES.values():
        data = queries.run(spec.query, store=store, **spec.params(ctx))
        yield spec.name, spec.chart(data, ctx)


def test_marks_and_texts_stand_out_against_the_background(demo_store):
    """RGAA 3.2 and 3.3: a text at 4.5:1 at least against the white background, a chart mark (bar, slice, marker,
    line) at 3:1 — by its fill or by its outline."""
    assert palette.contrast("#FFFFFF", "#000000") == pytest.approx(21) and palette.contrast("#777777", "#FFFFFF") < 4.5
    for name, fig in _figures(demo_store):
        texts = [a.font.color for a in fig.layout.annotations if a.font and a.font.color]
        texts += [fig.layout.title.font.color, fig.layout.font.color, fig.layout.template.layout.font.color]
        for colour in filter(None, texts):
            assert colour.startswith("#") and palette.contrast(colour, "#FFFFFF") >= 4.5, (name, colour)
        for t in fig.data:
            if t.type not in ("bar", "pie", "scatter", "scatterpolar"):
                continue
            fills = charts._colours(t.marker.color) + (charts._colours(t.marker.colors) if t.type == "pie" else [])
            if t.type == "scatter" and "lines" in (t.mode or ""):
                line = charts._colours(t.line.color)
                assert all(palette.contrast(c, "#FFFFFF") >= 3 for c in line) or "markers" in t.mode, (name, line)
            light = [c for c in fills if palette.contrast(c, "#FFFFFF") < 3]
            if light:
                outline = charts._colours(t.marker.line.color) if t.marker.line else []
                assert outline and t.marker.line.width >= 1 and palette.contrast(outline[0], "#FFFFFF") >= 3, \
                    (name, t.name, light)


def test_no_status_is_told_by_colour_alone(demo_store):
    """Where a colour says a status or a level, a word says it too: in the legend, on the mark, or in the cell."""
    for name, fig in _figures(demo_store):
        for t in fig.data:
            if t.type == "heatmap":  # a cell's level is written in it
                cells = [(z, s) for zr, sr in zip(t.z, t.text) for z, s in zip(zr, sr)]
                assert all(s for z, s in cells if z is not None), name
            elif t.type == "icicle":
                assert all(t.text), name
            elif t.type in ("bar", "scatter") and len(fig.data) > 1:
                assert t.name or t.showlegend is False, (name, "a coloured series without a name")


def test_on_a_phone_the_menu_closes_once_a_page_is_chosen_and_errors_read_whole(demo_url, browser):
    """390 px wide: the menu, opened over the page, closes when a page is chosen in it; an import's error messages
    wrap inside the screen instead of being cut."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    url = demo_url
    open_as(page, url)
    bar = page.locator('[data-testid="stSidebar"]')
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert bar.get_attribute("data-collapsed") == "true", "a phone opens on the page, not on the menu"
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    playwright.expect(bar).to_have_attribute("data-collapsed", "false")
    page.locator('[data-testid="stSidebarNav"] a', has_text="Financements").click()
    page.wait_for_url("**/funding**", timeout=30_000)
    playwright.expect(bar).to_have_attribute("data-collapsed", "true", timeout=10_000)
    screenshot(page, "phone-after-menu")

    open_as(page, f"{url}/import")
    bad = "Code campus;Identifiant indicateur;Année;Valeur\r\nAGT;AGT-I01;deux mille dix-huit;3\r\n".encode()
    page.locator('input[type="file"]').set_input_files(files=[{"name": "v.csv", "mimeType": "text/csv", "buffer": bad}])
    errors = page.locator('[data-testid="stTable"]').filter(has_text="deux mille dix-huit")
    errors.wait_for(timeout=30_000)
    errors.scroll_into_view_if_needed()
    box = errors.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, box
    assert errors.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    screenshot(page, "phone-import-error")


def test_axe_finds_nothing_serious_for_the_committee_on_a_phone(demo_url, browser):
    """Every page the committee sees, on a 390 px phone, checked by axe-core after it has rendered (the administrator's
    walk through every page at laptop width is in test_browser.py)."""
    from cmq.app import session
    from cmq.core import auth

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True, has_touch=True)
    slugs = [p.slug for p in session.page_specs(auth.new_account("x", "lecteur", national=True))]
    assert "overview" in slugs and "import" not in slugs
    problems = {}
    url = demo_url
    open_as(page, url, "comite", "comite-demo-2018")
    for slug in slugs:
        page.goto(f"{url}/{slug}")
        page.wait_for_function("t => document.title.includes(t)", arg=registry.PAGE[slug].title, timeout=60_000)
        page.locator("h1").first.wait_for(timeout=60_000)
        page.wait_for_timeout(700)
        screenshot(page, f"phone-comite-{slug}")
        problems[slug] = axe_problems(page)
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}
