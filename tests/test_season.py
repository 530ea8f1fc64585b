"""The reporting season played end to end in a real browser, by its people, on the demo: the coordinator opens the
2019 campaign with a chosen deadline and gives AGT more time; the director of AGT downloads the 2019 template, fills
it as a spreadsheet would, uploads it, reads the count and submits; a committee member signs in during the campaign,
on a laptop and on a phone, and reads 2018's figures with the campaign's state; the coordinator previews the
reminders and sends them to a local mail server, sends AGT back with a reason; the director fixes and submits again;
the coordinator validates; the 2019 meeting pack and annual report are downloaded and read back. Screenshots of each
step (1440 px, and 390 px for the phone) are in test-output/."""
from __future__ import annotations

import io

import openpyxl
import pytest
from pypdf import PdfReader

from browser import CHROMIUM, CHROMIUM_ARGS, mail_server, open_as, screenshot, streamlit_server

playwright = pytest.importorskip("playwright.sync_api")

LAPTOP, PHONE = {"width": 1440, "height": 1000}, {"width": 390, "height": 844}


def filled_template(data: bytes, values: dict[str, object]) -> bytes:
    """The template as a director leaves it after typing values in the « Valeur » column of its lines."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Données"]
    header = [c.value for c in ws[1]]
    ident, value = header.index("Identifiant indicateur") + 1, header.index("Valeur") + 1
    for row in range(2, ws.max_row + 1):
        if (code := ws.cell(row, ident).value) in values:
            ws.cell(row, value).value = values[code]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def idle(page) -> None:
    """Wait until the page's script has finished its run (Streamlit shows its status widget while it runs): a click
    during a run can be lost on a loaded machine."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def click(page, name: str) -> None:
    idle(page)
    button = page.get_by_role("button", name=name, exact=True)
    # a button's text is its icon's name (drawn by a font), then its label
    page.wait_for_function("n => [...document.querySelectorAll('button')].some(b => "
                           "b.innerText.trim().split('\\n').pop().trim() === n && !b.disabled)", arg=name, timeout=60_000)
    button.click()


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label` as a keyboard user does: type it, Enter on the one option
    left (a click in the list can land while it redraws, on a loaded machine)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
    field = box.locator("input")
    field.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option).first.wait_for(timeout=60_000)
    page.keyboard.press("Enter")
    for _ in range(100):  # the field shows the choice
        if field.input_value() == option:
            break
        page.wait_for_timeout(100)
    assert field.input_value() == option, field.input_value()
    page.wait_for_timeout(500)  # the choice sent to the server (outside a form, the page runs again)


def type_date(page, label: str, digits: str) -> None:
    """Type a date into a date field (day, month and year parts, as a person does: the digits, the parts follow)."""
    page.locator(f'[role="group"][aria-label="{label}"] [role="spinbutton"]').first.click()
    page.keyboard.type(digits)
    page.keyboard.press("Tab")


def upload(page, data: bytes, name: str) -> None:
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data}])


def upload_and_commit(page, data: bytes, name: str) -> None:
    upload(page, data, name)
    click(page, "Valider l'import")
    page.get_by_text("Import validé").wait_for(timeout=60_000)


def pdf_pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def test_the_reporting_season_end_to_end(store_copy, tmp_path):
    with mail_server() as (smtp_url, received):
        with playwright.sync_playwright() as p, streamlit_server(store_copy.root, env={"CMQ_SMTP_URL": smtp_url}) as url:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            people = {who: browser.new_context(viewport=LAPTOP, locale="fr-FR", accept_downloads=True).new_page()
                      for who in ("admin", "director", "committee")}
            phone = browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True).new_page()
            try:
                play(url, store_copy, people, phone, received, tmp_path)
            finally:  # what each person had on screen when it stopped
                for who, page in {**people, "phone": phone}.items():
                    screenshot(page, f"season-last-{who}")
            browser.close()


def play(url, store, people, phone, received, tmp_path):
    admin, director, committee = people["admin"], people["director"], people["committee"]

    # the coordinator opens the 2019 campaign with the deadline they choose, then gives AGT two more weeks
    open_as(admin, url + "/campaigns")
    admin.get_by_text("Ouvrir une campagne").wait_for(timeout=60_000)
    admin.get_by_label("Année", exact=True).fill("2019")
    type_date(admin, "Date limite", "31012027")
    click(admin, "Ouvrir la campagne")
    admin.get_by_text("Campagne 2019 ouverte.").wait_for(timeout=60_000)
    assert store.campaign(2019)["deadline"] == "2027-01-31", "the deadline chosen, not a default"
    choose(admin, "Pour", "Le campus AGT (un délai)")
    type_date(admin, "Nouvelle date limite", "15022027")
    admin.get_by_label("Pourquoi (gardé dans les étapes)").fill("conseil de perfectionnement le 10 février")
    click(admin, "Reporter")
    admin.get_by_text("reportée au 15 février 2027").wait_for(timeout=60_000)
    screenshot(admin, "season-1-campaign-opened")

    # the director of AGT: the 2019 template, filled as in a spreadsheet, uploaded, counted, submitted
    open_as(director, url + "/import", "directeur-agt", "agt-demo-2018")
    director.get_by_text("Modèle Excel").wait_for(timeout=60_000)
    director.get_by_text("date limite : 15 février 2027").wait_for(timeout=60_000)
    with director.expect_download() as got:
        director.get_by_role("button", name="Modèle Excel").click()
    template = got.value
    assert template.suggested_filename == "modele_Valeurs-des-indicateurs_AGT_2019.xlsx"
    blank = openpyxl.load_workbook(io.BytesIO(template.path().read_bytes()))["Données"]
    listed = [r[1] for r in blank.iter_rows(min_row=2, values_only=True) if r[0]]
    indicators = store.current("indicators")
    assert listed == sorted(indicators.loc[indicators["campus_id"] == "AGT", "indicator_id"]), "every line to fill"
    data = filled_template(template.path().read_bytes(), {"AGT-I01": 120, "AGT-I03": "oui", "AGT-I04": 4})
    upload(director, data, "AGT-2019.xlsx")
    director.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"] [role=\"gridcell\"]')]"
                               ".some(c => c.textContent.includes(\"Cartographie de l'écosystème\"))", timeout=60_000)
    shown = director.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts()
    assert "oui" in [c.strip() for c in shown], "a yes/no figure reads oui, not 1"
    assert director.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == "3", "three lines to add"
    screenshot(director, "season-2-director-preview")
    click(director, "Valider l'import")
    director.get_by_text("Import validé").wait_for(timeout=60_000)
    director.get_by_text("3 indicateur(s) renseigné(s) sur 59 attendu(s)").wait_for(timeout=60_000)
    director.get_by_text("Je soumets quand même").click()
    click(director, "Soumettre les chiffres 2019 d'AGT")
    director.get_by_text("Chiffres 2019 d'AGT soumis.").wait_for(timeout=60_000)
    screenshot(director, "season-2-director-submitted")

    # a committee member during the campaign: 2018's figures, never a region of zeros, and where 2019 stands
    for page, name in ((committee, "season-3-committee-laptop"), (phone, "season-3-committee-phone")):
        open_as(page, url, "comite", "comite-demo-2018")
        page.get_by_text("Campagne 2019 en cours : 1 campus sur 6 ont soumis leurs chiffres, 0 validé(s)").wait_for(
            timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        headline = "() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')].map(e => e.textContent.trim())"
        try:  # the page's run over (its elements drawn in order: a chart can show before the run ends)
            page.wait_for_function(f"() => ({headline})().slice(0, 2).join('|') === '6|110'", timeout=30_000)
        except Exception:
            pass
        metrics = page.evaluate(headline)
        assert metrics[:2] == ["6", "110"], metrics
        screenshot(page, name)

    # the coordinator: the reminders previewed, then sent to the mail server; AGT sent back with a reason
    admin.reload()
    admin.get_by_text("Relancer les campus").wait_for(timeout=60_000)
    admin.get_by_text("Aperçu pour AMF — jamais relancé").click()
    admin.get_by_text("Objet : Campagne 2019 : chiffres d'AMF attendus").wait_for(timeout=60_000)
    screenshot(admin, "season-4-reminders-preview")
    click(admin, "Envoyer 5 relance(s)")
    admin.get_by_text("5 relance(s) envoyée(s) pour la campagne 2019.").wait_for(timeout=60_000)
    assert sorted(m["To"] for _, m in received) == [f"direction@{c}.example.org" for c in ("amf", "itip", "mma", "msi",
                                                                                          "ti")]
    choose(admin, "Campus", "AGT")
    admin.get_by_label("Raison (pour renvoyer ou rouvrir : le directeur la lit)").fill(
        "AGT-I02 manque : la typologie des acteurs est attendue")
    click(admin, "Renvoyer")
    admin.get_by_text("Chiffres 2019 d'AGT renvoyés.").wait_for(timeout=60_000)

    # the director reads why, fixes, submits again
    director.reload()
    director.get_by_text("Raison : AGT-I02 manque").wait_for(timeout=60_000)
    upload_and_commit(director, filled_template(data, {"AGT-I02": "oui"}), "AGT-2019-corrige.xlsx")
    director.get_by_text("4 indicateur(s) renseigné(s) sur 59 attendu(s)").wait_for(timeout=60_000)
    director.get_by_text("Je soumets quand même").click()
    click(director, "Soumettre les chiffres 2019 d'AGT")
    director.get_by_text("Chiffres 2019 d'AGT soumis.").wait_for(timeout=60_000)

    # the coordinator validates; the views now open on 2019, with AGT's validated figures
    admin.reload()
    choose(admin, "Campus", "AGT")
    click(admin, "Valider")
    admin.get_by_text("Chiffres 2019 d'AGT validés.").wait_for(timeout=60_000)
    screenshot(admin, "season-5-validated")
    nav = admin.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Campagnes" in nav and "View" not in nav, "every page listed, no English fold"
    steps = [(e["step"], e["campus"]) for e in store.campaign(2019)["events"] if e["campus"] in (None, "AGT")]
    assert steps == [("open", None), ("extend", "AGT"), ("draft", "AGT"), ("submit", "AGT"), ("send_back", "AGT"),
                     ("submit", "AGT"), ("validate", "AGT")], steps
    open_as(committee, url, "comite", "comite-demo-2018")
    committee.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    committee.wait_for_timeout(1500)
    assert committee.locator('[data-testid="stMetricValue"]').first.inner_text() == "1"
    assert "0" not in committee.locator('[data-testid="stMetricValue"]').all_inner_texts(), "no zero for « not yet »"
    screenshot(committee, "season-6-committee-2019")

    # the 2019 meeting pack and annual report, downloaded and read back
    open_as(admin, url + "/pack")
    admin.get_by_text("Contenu", exact=True).first.wait_for(timeout=60_000)
    choose(admin, "Année", "2019")
    admin.get_by_text("année 2019").first.wait_for(timeout=60_000)
    with admin.expect_download(timeout=120_000) as got:
        admin.get_by_role("button", name="Télécharger le dossier (PDF)").click()
    pages = pdf_pages(got.value.path().read_bytes())
    assert "chiffres validés seulement (1 campus sur 6)" in pages[0]
    assert not [p.split("\n")[0] for p in pages if len(p.split("\n")) <= 3], "no page of one sentence"
    assert "Non renseigné à ce jour" in pages[0], "what has nothing to show is listed once"
    lineage = pages[-1]
    # the batches whose rows the figures use: the corrected file changed one row, the first still holds three
    assert "AGT-2019.xlsx directeur-agt" in lineage and "AGT-2019-corrige.xlsx directeur-agt" in lineage, lineage
    screenshot(admin, "season-7-pack")
    open_as(admin, url + "/report")
    admin.get_by_text("Plan du rapport").wait_for(timeout=60_000)
    choose(admin, "Année", "2019")
    admin.get_by_text("une ligne : chiffres 2019 pas encore validés").first.wait_for(timeout=60_000)
    with admin.expect_download(timeout=120_000) as got:
        admin.get_by_role("button", name="Télécharger le rapport (PDF)").click()
    report = pdf_pages(got.value.path().read_bytes())
    assert not [i + 1 for i, p in enumerate(report) if len(p.strip().split("\n")) <= 1], "no blank page"
    text = " ".join(report)
    assert "Rapport d'activité 2019" in text and "Les chiffres 2019 de MSI ne sont pas encore validés" in text
    screenshot(admin, "season-8-report")
