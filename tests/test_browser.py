"""The app in a real browser (Debian Chromium driven by Playwright)."""
from __future__ import annotations

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, axe_problems, open_as, screenshot, streamlit_server
from conftest import REGIONAL_PASSWORD, cli, second_region

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        yield pg
        browser.close()


def test_overview_in_the_browser(demo_url, page):
    url = demo_url
    # the code of the first page's charts loads while the person signs in: the login page draws no chart
    page.goto(url)
    page.get_by_label("Nom du compte").wait_for(timeout=60_000)
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('/PlotlyChart.'))",
                           timeout=20_000)
    assert page.locator(".js-plotly-plot").count() == 0
    open_as(page, url, "comite", "comite-demo-2018")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.get_by_text("Vue régionale des campus").wait_for()
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Historique des imports" in nav and "Importer" not in nav and "Administration" not in nav
    page.wait_for_timeout(1000)
    assert page.locator('[data-testid="stException"]').count() == 0
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert "125\u202f000\u00a0€" in [m.strip() for m in metrics]
    assert page.locator(".js-plotly-plot").count() == 5
    charts = page.locator(".js-plotly-plot").all_inner_texts()
    assert "MSI" in charts[0] and "Carte des campus" in charts[0]  # the map, drawn without any tile server
    assert "Collégiens" in charts[1]
    screenshot(page, "overview")
    # a link reproduces the view: the filters come from the URL
    open_as(page, url + "/?annee=2018&campus=MSI", "comite", "comite-demo-2018")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.wait_for_timeout(1000)
    metrics = [m.strip() for m in page.locator('[data-testid="stMetricValue"]').all_inner_texts()]
    assert metrics[0] == "1" and metrics[1] == "29"
    screenshot(page, "overview-msi")
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_label("Nom du compte").wait_for(timeout=30_000)
    # the login page's run ends with the demo accounts table; then Streamlit has cleared the previous page
    page.get_by_text("un compte par rôle").wait_for(timeout=30_000)
    playwright.expect(page.locator('[data-testid="stMetricValue"]')).to_have_count(0, timeout=10_000)


def cells(page) -> list[str]:
    """The text of every data-grid cell on the page (the grid draws on a canvas; these are its accessible cells)."""
    loc = page.locator('[data-testid="stDataFrame"] [role="gridcell"]')
    return [loc.nth(i).text_content() for i in range(loc.count())]


def indicator_value(page, url, name) -> str:
    """The 2018 value of an AGT indicator, read from the Campus page's tree table once it has rendered."""
    open_as(page, url + "/campus?campus=AGT", "comite", "comite-demo-2018")
    page.get_by_text("Campus AGT").first.wait_for(timeout=60_000)
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('[data-testid=\"stDataFrame\"] [role=\"gridcell\"]')]"
        ".some(c => c.textContent.trim().endsWith('• ' + name))", arg=name, timeout=60_000)
    c = cells(page)  # the first grid is the indented tree table: Niveau, Intitulé, État, Valeur 2018, …
    idx = next(i for i, text in enumerate(c) if text.strip().endswith("• " + name))
    return c[idx + 2]


def test_upload_fix_commit_and_revert_in_the_browser(store_copy, page):
    head = "Code campus;Identifiant indicateur;Année;Valeur;Commentaire\r\n"
    bad = (head + "AGT;AGT-I01;2018;95;corrigé en réunion\r\nAGT;AGT-I04;deux mille dix-huit;3;\r\n").encode("cp1252")
    good = (head + "AGT;AGT-I01;2018;95;corrigé en réunion\r\nAGT;AGT-I04;2018;3;\r\n").encode("cp1252")
    with streamlit_server(store_copy.root) as url:
        assert indicator_value(page, url, "Nombre de rencontres auprès des acteurs") == "88"
        # the director of AGT: their campus only, no administration
        open_as(page, url + "/import", "directeur-agt", "agt-demo-2018")
        page.get_by_text("Importer des données").first.wait_for(timeout=60_000)
        assert "Administration" not in page.locator('[data-testid="stSidebarNav"]').inner_text()
        campus_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Pour quel campus ?")
        campus_box.click()
        options = page.locator('[role="option"]').all_inner_texts()
        assert options == ["AGT – Alimentation, Goût, Tourisme"], options
        page.keyboard.press("Escape")
        upload = page.locator('input[type="file"]')
        upload.set_input_files(files=[{"name": "valeurs.csv", "mimeType": "text/csv", "buffer": bad}])
        page.get_by_text("1 erreur(s)").wait_for(timeout=30_000)
        # the errors are a table that wraps its text: each message is read whole
        errors = page.locator('[data-testid="stTable"]').filter(has_text="deux mille dix-huit")
        errors.wait_for(timeout=30_000)
        assert "écrivez" in errors.inner_text().lower() and errors.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
        assert page.get_by_role("button", name="Valider l'import").count() == 0
        screenshot(page, "import-error")

        upload.set_input_files(files=[{"name": "valeurs.csv", "mimeType": "text/csv", "buffer": good}])
        page.get_by_text("Modifications (ancienne → nouvelle valeur)").wait_for(timeout=30_000)
        commit = page.get_by_role("button", name="Valider l'import")
        page.wait_for_function("() => [...document.querySelectorAll('button')]"
                               ".some(b => b.innerText.includes(\"Valider l'import\") && !b.disabled)")
        screenshot(page, "import-diff")
        commit.click()
        page.get_by_text("Import validé").wait_for(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0

        assert indicator_value(page, url, "Nombre de rencontres auprès des acteurs") == "95"
        screenshot(page, "campus-after-import")

        open_as(page, url + "/history", "directeur-agt", "agt-demo-2018")
        page.get_by_text("Annuler un import").wait_for(timeout=60_000)
        offered = page.locator('[data-testid="stSelectbox"]').filter(has_text="Import à annuler").inner_html()
        assert "valeurs.csv" in offered and "directeur-agt" in offered, "the batch records who made it"
        page.get_by_text("Je confirme").click()
        page.wait_for_function("() => [...document.querySelectorAll('button')]"
                               ".some(b => b.innerText.includes('Annuler cet import') && !b.disabled)")
        page.get_by_role("button", name="Annuler cet import").click()
        page.get_by_text("les valeurs précédentes sont rétablies").wait_for(timeout=30_000)
        # the reverted batch is no longer offered; the demo's batches span all six campuses: not the director's to revert
        page.get_by_text("Aucun import actif que vous puissiez annuler").wait_for(timeout=30_000)
        screenshot(page, "history-after-revert")

        assert indicator_value(page, url, "Nombre de rencontres auprès des acteurs") == "88"


def test_every_page_renders_french_and_without_an_exception(demo_url, page):
    """Every page of the navigation, in one signed-in browser session (each page a new tab's session brought back by
    the cookie): no exception, `<html lang="fr">` and the page named in the tab's title (Streamlit serves lang="en"
    and « Streamlit » until the app runs), its charts drawn, nothing asked of another host than the app's, and
    axe-core finds no serious or critical violation nor a skipped heading level; the login page too."""
    from cmq.outputs import registry

    # slug: (heading, charts drawn, link)
    shown = {"overview": ("Vue régionale des campus", 5, ""), "campus": ("Campus MSI", 2, "campus?campus=MSI"),
             "actions": ("Actions des campus", 1, None), "reach": ("Publics touchés", 4, None),
             "funding": ("Financements", 3, None), "criteria": ("Critères de labellisation", 2, None),
             "completeness": ("Complétude des indicateurs", 2, None)}
    from urllib.parse import urlparse

    problems = {}  # what axe-core finds on each page, signed in as the administrator (every page)
    hosts = set()  # every host a page asks anything of: the app's own only (no font, icon or script from elsewhere)
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname) if r.url.startswith(("http", "ws")) else None)
    url = demo_url
    page.goto(url)
    page.get_by_label("Nom du compte").wait_for(timeout=60_000)
    page.wait_for_function("() => document.documentElement.lang === 'fr'", timeout=10_000)
    assert "Pilotage" in page.title()
    problems["login"] = axe_problems(page)
    # Streamlit's own words in French: the password's eye and the skip link (for screen readers)
    page.get_by_label("Afficher le mot de passe").wait_for(timeout=60_000)
    assert page.locator('[aria-label="Show password"]').count() == 0
    assert page.get_by_text("Aller au contenu principal").count() == 1
    open_as(page, url)
    for p in [p for p in registry.PAGES if not p.several_regions]:  # the demo is one region (test_regions: the nation)
        heading, charts, link = shown.get(p.slug, (None, 0, None))
        page.goto(f"{url}/{p.slug if link is None else link}")
        page.wait_for_function("t => document.title.includes(t)", arg=p.title, timeout=60_000)
        page.wait_for_function("() => document.documentElement.lang === 'fr'", timeout=10_000)
        if heading:
            page.get_by_text(heading).first.wait_for(timeout=60_000)
        if charts:
            page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot').length >= {charts}",
                                   timeout=60_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0, p.slug
        assert page.get_by_text("Connecté :").count() == 1, p.slug
        if p.slug == "overview":  # the charts' tools named in French
            english = page.locator("[aria-label],[title],[data-title]").evaluate_all(
                "els => els.flatMap(e => ['aria-label', 'title', 'data-title'].map(a => e.getAttribute(a))"
                ".filter(Boolean))")
            assert not {"Download plot as a PNG", "Zoom in", "Reset axes"} & set(english), english
            assert not [label for label in english if label.startswith("Help for")]
        if p.slug == "import":  # the file uploader's words
            page.wait_for_function("() => (document.querySelector('[data-testid=\"stFileUploader\"]')?.innerText ?? '')"
                                   ".includes('Mo au plus par fichier')", timeout=30_000)
            text = page.locator('[data-testid="stFileUploader"]').first.inner_text()
            assert "Drag" not in text and "MB" not in text and "Upload" not in text, text
            assert "Parcourir" in text
        if p.slug == "campaigns":  # a date's parts are named in French to screen readers
            page.wait_for_selector('[aria-label="jour, Date limite"]', timeout=10_000)
            page.locator('[data-testid="stDateInput"] button').first.click()  # the calendar's words too
            page.get_by_text("Flèches pour changer de jour, Entrée pour choisir, Échap pour fermer.").wait_for(
                timeout=10_000)
            page.keyboard.press("Escape")
        screenshot(page, "page-" + p.slug)
        problems[p.slug] = axe_problems(page)
    assert hosts == {"127.0.0.1"}, hosts
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}


def test_download_a_chart_image_and_the_meeting_pack(demo_url, page, tmp_path):
    from PIL import Image
    from pptx import Presentation

    url = demo_url
    open_as(page, url + "/?annee=2018&campus=AMF", "comite", "comite-demo-2018")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    buttons = page.get_by_role("button", name="Image PNG")
    buttons.first.wait_for(timeout=30_000)
    page.wait_for_function(  # one under every chart of the page, once the page has drawn them all
        "() => [...document.querySelectorAll('button')].filter(b => b.innerText.includes('Image PNG')).length == 5",
        timeout=60_000)
    assert buttons.count() == 5
    funding = page.locator(".stElementContainer", has=page.get_by_role("button", name="Image PNG")).nth(3)
    with page.expect_download(timeout=60_000) as d:
        funding.get_by_role("button", name="Image PNG").click()
    assert d.value.suggested_filename == "financements_AMF_2018.png"
    png = tmp_path / "chart.png"
    d.value.save_as(png)
    assert Image.open(png).size == (1920, 1080)

    open_as(page, url + "/pack", "comite", "comite-demo-2018")
    page.get_by_text("Contenu").first.wait_for(timeout=60_000)
    with page.expect_download(timeout=120_000) as d:
        page.get_by_role("button", name="Télécharger le dossier (PowerPoint)").click()
    assert d.value.suggested_filename == "dossier-de-seance_region_2018.pptx"
    deck = tmp_path / "dossier.pptx"
    d.value.save_as(deck)
    prs = Presentation(str(deck))
    assert prs.slides[0].shapes.title.text == "Dossier de séance"
    assert sum(1 for s in prs.slides for sh in s.shapes if sh.has_chart) >= 7  # native, editable charts
    screenshot(page, "pack")

    # the annual report of one campus, as the coordinator downloads it to edit in Word
    open_as(page, url + "/report", "comite", "comite-demo-2018")
    page.get_by_text("Rapport annuel").first.wait_for(timeout=60_000)
    scope = page.locator('[data-testid="stSelectbox"]').filter(has_text="Périmètre")
    scope.click()
    page.get_by_role("option", name="Campus MSI – Microtechniques et Systèmes Intelligents").click()
    page.wait_for_timeout(1000)
    with page.expect_download(timeout=120_000) as d:
        page.get_by_role("button", name="Télécharger le rapport (Word, modifiable)").click()
    assert d.value.suggested_filename == "rapport-activite_MSI_2018.docx"
    path = tmp_path / "rapport.docx"
    d.value.save_as(path)
    from docx import Document

    doc = Document(str(path))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == [
        "Synthèse", "CMQ Microtechniques et Systèmes Intelligents (MSI)", "Annexes"]
    screenshot(page, "report")


def test_a_director_types_values_in_the_grid_and_commits_them(store_copy, page):
    """« Saisir des valeurs » in a real browser: the grid lists the campus's indicators, a value typed in a cell is
    checked like a file, committed as « saisie en ligne », and shows on the Campus page's tracking table."""
    with streamlit_server(store_copy.root) as url:
        open_as(page, url + "/entry", "directeur-agt", "agt-demo-2018")
        page.get_by_text("Indicateurs chiffrés").wait_for(timeout=60_000)
        grid = page.locator('[data-testid="stDataFrame"]').first
        ids = grid.locator('[role="gridcell"][aria-colindex="1"]')
        playwright.expect(ids.first).to_have_text("AGT-I01", timeout=30_000)
        row = [c.text_content().strip() for c in ids.all()].index("AGT-I04")
        box = grid.bounding_box()

        def selected(col: int, line: int):  # the grid's accessible copy says which cell has the focus
            return grid.locator(f'[data-testid="glide-cell-{col}-{line}"][aria-selected="true"]')

        page.mouse.click(box["x"] + 30, box["y"] + 35 + 17)  # the first line's first cell, then the keyboard
        selected(0, 0).wait_for(state="attached", timeout=30_000)
        for col, line, key in [(0, i + 1, "ArrowDown") for i in range(row)] + [(c + 1, row, "ArrowRight") for c in range(3)]:
            page.keyboard.press(key)  # Valeur is the fourth column
            selected(col, line).wait_for(state="attached", timeout=30_000)
        page.keyboard.press("Enter")
        editor = page.locator("input.gdg-input")  # the cell's editor, opened over the grid
        editor.wait_for(timeout=30_000)
        editor.fill("2")
        editor.press("Enter")
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                               ".map(m => m.innerText.trim())[0] === '1'", timeout=60_000)
        screenshot(page, "entry-grid")
        page.get_by_role("button", name="Valider la saisie").click()
        page.get_by_text("Saisie validée").wait_for(timeout=30_000)
    got = store_copy.read("select value from indicator_values where indicator_id = 'AGT-I04' and year = 2018")
    assert got["value"].tolist() == [2]
    batch = store_copy.read("select file_name, user_name from batches order by batch_id desc limit 1").iloc[0]
    assert tuple(batch) == ("saisie en ligne", "directeur-agt")


def test_imported_markup_is_shown_as_text_and_fetches_nothing(store_copy, page):
    """A campus named with Markdown image syntax and an action titled with a link: the browser shows them as typed,
    requests nothing from the address they name, and makes no link of them."""
    from cmq.core import ingest

    name = "Campus ![t](http://127.0.0.1:9/track.png) <a href='http://127.0.0.1:9/x'>lien</a>"
    rows = f"Code campus;Nom;Région;Filière;Label\nAGT;{name};Bourgogne-Franche-Comté;Tourisme, gastronomie;standard\n"
    assert ingest.import_bytes(store_copy, "campuses", rows.encode(), "c.csv", user="admin").status == "committed"
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if ":9/" in r.url else None)
    with streamlit_server(store_copy.root) as url:
        open_as(page, url + "/campus?campus=AGT")
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        title = page.locator("h1").first
        title.wait_for()
        assert "![t](http://127.0.0.1:9/track.png)" in title.inner_text().replace("\u2060", "")
        assert page.locator("img[src*='track.png']").count() == 0 and page.locator("a[href*=':9/']").count() == 0
        screenshot(page, "campus-markup-as-text")
    assert fetched == []


def test_a_reload_and_a_new_tab_keep_the_session(store_copy, page):
    """Signed in, a reload (F5) and a new tab of the same browser stay signed in on the same page and filters; after
    « Se déconnecter », a reload asks to sign in again."""
    browser = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page = browser.new_page()  # a browser window whose tabs share their cookies
    with streamlit_server(store_copy.root) as url:
        open_as(page, url + "/funding?annee=toutes&campus=MSI", "comite", "comite-demo-2018")
        page.get_by_text("Financements").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.reload()
        page.get_by_text("Connecté :").wait_for(timeout=60_000)
        assert "/funding" in page.url and "annee=toutes" in page.url and "campus=MSI" in page.url
        assert page.get_by_label("Mot de passe", exact=True).count() == 0
        other = page.context.new_page()
        other.goto(url + "/criteria")
        other.get_by_text("Connecté :").wait_for(timeout=60_000)
        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_label("Nom du compte", exact=True).wait_for(timeout=30_000)
        page.reload()
        page.get_by_label("Nom du compte", exact=True).wait_for(timeout=60_000)
        assert page.get_by_text("Connecté :").count() == 0
        # the other tab, still showing its page: its next click shows the sign-in form, and no click brings it back
        other.get_by_role("link", name="Actions").first.click()
        other.get_by_text("Votre session a pris fin").wait_for(timeout=30_000)
        other.get_by_text("Connecté :").wait_for(state="detached", timeout=30_000)
        other.get_by_label("Nom du compte", exact=True).wait_for(timeout=30_000)
        other.reload()
        other.get_by_label("Nom du compte", exact=True).wait_for(timeout=60_000)
        # a new password set by an administrator ends a session open in the browser
        open_as(other, url + "/criteria", "comite", "comite-demo-2018")
        assert cli("user", "password", "comite", data_dir=store_copy.root, stdin="un-nouveau-mot-de-passe\n").returncode == 0
        other.get_by_role("link", name="Actions").first.click()
        other.get_by_text("Votre session a pris fin").wait_for(timeout=30_000)
        other.get_by_text("Connecté :").wait_for(state="detached", timeout=30_000)


def test_two_app_servers_on_one_database_show_each_others_imports(pg_demo_copy, page):
    """Two `cmq serve` on one PostgreSQL database (two servers behind a load balancer) serving two regions: an import
    committed through A shows on B's next page load, B never restarted; a session opened on A is accepted by B (one
    key for both); Auvergne-Rhône-Alpes's reader on A and Bourgogne-Franche-Comté's coordinator on B, at once, each
    read their own region only."""
    second_region(pg_demo_copy, passwords=True)
    env = {"CMQ_DATABASE_URL": pg_demo_copy.url}
    good = ("Code campus;Identifiant indicateur;Année;Valeur\r\nAGT;AGT-I01;2018;95\r\n").encode("cp1252")
    with streamlit_server(None, env=env) as a, streamlit_server(None, env=env) as b:
        assert indicator_value(page, b, "Nombre de rencontres auprès des acteurs") == "88"
        open_as(page, a + "/import", "directeur-agt", "agt-demo-2018")
        page.get_by_text("Importer des données").first.wait_for(timeout=60_000)
        page.locator('input[type="file"]').set_input_files(
            files=[{"name": "valeurs.csv", "mimeType": "text/csv", "buffer": good}])
        page.get_by_text("Modifications (ancienne → nouvelle valeur)").wait_for(timeout=30_000)
        page.wait_for_function("() => [...document.querySelectorAll('button')]"
                               ".some(b => b.innerText.includes(\"Valider l'import\") && !b.disabled)")
        page.get_by_role("button", name="Valider l'import").click()
        page.get_by_text("Import validé").wait_for(timeout=30_000)
        # the same browser on B (cookies go to the host, whatever the port): signed in already, B's history lists it
        page.goto(b + "/history")
        page.get_by_text("Connecté :").wait_for(timeout=60_000)
        assert "directeur-agt" in page.get_by_text("Connecté :").inner_text()
        page.get_by_text("valeurs.csv").first.wait_for(state="attached", timeout=30_000)  # a cell of the grid
        assert indicator_value(page, b, "Nombre de rencontres auprès des acteurs") == "95"
        screenshot(page, "second-server-after-import")
        other = page.context.browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR").new_page()
        try:
            sides = ((page, a, "lecteur-ara", "VAL", "AGT"), (other, b, "coord-bfc", "AGT", "VAL"))
            for tab, server, name, *_ in sides:  # both signed in before either reads
                open_as(tab, server + "/?annee=2018", name, REGIONAL_PASSWORD)
            for tab, _server, name, own, foreign in sides:  # each on its own server's first page
                tab.wait_for_selector(".js-plotly-plot", timeout=60_000)
                tab.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                      timeout=60_000)
                text = tab.inner_text("body")
                assert f"« {name} »" in text and own in text and foreign not in text, (name, text[:400])
        finally:
            other.context.close()
