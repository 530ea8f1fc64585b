"""Pages with AppTest: no exception, and the figures a user reads."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from cmq.core import fmt
from cmq.outputs.registry import PAGES

from conftest import ADMIN, admin_store, app_test


def app(data_dir) -> AppTest:
    at = app_test()
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_report_figures(data_dir):
    at = app(data_dir)
    m = metrics(at)
    assert m["Campus"] == "6"
    assert m["Actions"] == "110"
    assert m["Financements acquis connus"] == "125\u202f000\u00a0€"
    assert at.title[0].value == "Vue régionale des campus"
    assert len(at.get("plotly_chart")) == 5
    assert any("Données importées le" in c.value for c in at.caption)


def test_campus_filter_changes_figures_and_url(data_dir):
    at = app(data_dir)
    at.sidebar.multiselect[0].set_value(["MSI"]).run()
    assert not at.exception
    m = metrics(at)
    assert m["Campus"] == "1"
    assert m["Actions"] == "29"  # the 2018 actions of MSI (the six campuses' PRIC fiche under it)
    assert at.query_params["campus"] in ("MSI", ["MSI"])


def test_all_years_filter(data_dir):
    at = app(data_dir)
    at.sidebar.selectbox[0].set_value("Toutes les années").run()
    assert not at.exception
    assert metrics(at)["Actions"] == "114"
    assert at.query_params["annee"] in ("toutes", ["toutes"]), "a link for every year opens on every year"


def test_filters_follow_the_reader_from_page_to_page(data_dir):
    """Every year, a sector and MSI chosen on Publics touchés are still chosen on Financements (whose link carries
    them), and a link with « annee=toutes » opens on every year."""
    at = app_test("comite").run()
    at.switch_page("cmq/app/pages/reach.py").run()
    at.selectbox(key="flt_year").set_value("Toutes les années").run()
    at.selectbox(key="flt_sector").set_value("Systèmes innovants, mécatronique").run()
    at.multiselect(key="flt_campus").set_value(["MSI"]).run()
    at.query_params.clear()  # what the navigation does to the link when another page opens
    at.switch_page("cmq/app/pages/funding.py").run()
    assert not at.exception
    assert at.selectbox(key="flt_year").value == "Toutes les années"
    assert at.selectbox(key="flt_sector").value == "Systèmes innovants, mécatronique"
    assert at.multiselect(key="flt_campus").value == ["MSI"]
    assert at.query_params["annee"] in ("toutes", ["toutes"]) and at.query_params["campus"] in ("MSI", ["MSI"])
    link = app_test("comite")
    link.query_params["annee"] = "toutes"
    link.run()
    assert link.selectbox(key="flt_year").value == "Toutes les années" and metrics(link)["Actions"] == "114"


def test_views_open_on_the_latest_reported_year(store_copy, data_dir):
    """Reach reported for 2019 and funding planned for 2021: the views and the meeting pack open on 2019, not on the
    report's 2018 nor on a year that only has plans."""
    import pandas as pd

    store_copy.commit("reach", pd.DataFrame([{"campus_id": "AGT", "action_id": "AGT-A03", "year": 2019,
                                              "audience": "lyceens", "count": 70}]), user=ADMIN)
    store_copy.commit("funding", pd.DataFrame([{"campus_id": "AGT", "funder": "Région Bourgogne-Franche-Comté",
                                                "year": 2021, "funder_type": "region", "amount_eur": 15000.0,
                                                "kind": "financier", "status": "prevu"}]), user=ADMIN)
    at = app(data_dir)
    assert at.sidebar.selectbox[0].value == 2019
    assert at.query_params["annee"] in ("2019", ["2019"])
    assert metrics(at)["Personnes touchées"] == "70"
    at.switch_page("cmq/app/pages/pack.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pack_year").value == 2019
    assert at.selectbox(key="pack_year").options[0] == "2021"  # later years stay one click away


def test_the_login_page_knows_the_code_the_first_page_needs():
    """Streamlit names its front-end modules with a hash per release: an upgrade that renames one is caught here."""
    from cmq.app import ui

    assert [name.split(".")[0] for name in ui._front_end_modules()] == list(ui.FIRST_PAGE_MODULES)


def test_empty_store_says_what_is_missing(tmp_path, monkeypatch):

    root = tmp_path / "empty"
    s = admin_store(root)
    s.commit("campuses", __import__("pandas").DataFrame([{"campus_id": "ZZ", "name": "Campus vide", "region": "Corse",
                                                         "sector": "Tourisme, gastronomie", "label": "standard"}]), user=ADMIN)
    monkeypatch.setenv("CMQ_DATA_DIR", str(root))
    at = app(root)
    assert metrics(at)["Actions"] == "non renseigné", "nothing reported is not a zero"
    assert metrics(at)["Financements acquis connus"] == "non renseigné"


def test_every_page_of_the_navigation_runs(any_data):
    """Every page the registry lists, opened from the navigation as an administrator (who may open them all: the
    store holds two regions, so the national pages too), on each backend — with the extremes every column allows in
    the year the pages open on (the largest figure, amount and count, the earliest and the latest date): no value a
    file may hold makes a page fail."""
    from datetime import date

    from cmq.core import ingest, schema

    from conftest import second_region

    second_region(any_data)
    last = date.today().year + schema.DATE_YEARS_AHEAD
    for table, text in (
            ("indicator_values", "Code campus;Identifiant indicateur;Année;Valeur;Cible;Commentaire\n"
                                 "AGT;AGT-I01;2018;1 000 000 000 000;0,000001;extrêmes\n"),
            ("funding", "Code campus;Financeur;Année;Programme;Type de financeur;Montant (€);Nature;Statut\n"
                        "AGT;Région;2018;Extrême;region;10 000 000 000;financier;acquis\n"),
            ("reach", "Code campus;Identifiant action;Année;Public;Nombre;Dont femmes\n"
                      "AGT;AGT-A03;2018;lyceens;10 000 000;10 000 000\n"),
            ("actions", "Code campus;Identifiant action;Intitulé;Statut;Année;Date de début;Date de fin\n"
                        f"AGT;AGT-A99;Extrême;en_cours;2018;01/01/1990;31/12/{last}\n")):
        rep = ingest.import_bytes(any_data, table, text.encode(), f"{table}.csv", user=ADMIN)
        assert rep.status == "committed", (table, rep.errors)
    at = app_test().run()
    for page in PAGES:
        at.switch_page(page.path).run()
        assert not at.exception, (page.slug, at.exception)
        assert at.title and at.title[0].value, page.slug


def test_dates_are_french_days_in_french_time():
    """A batch committed at 23:30 UTC on 30 November is one of 1 December in Paris: the « Données au » day says so,
    with « 1er »."""
    assert fmt.local_day("2026-11-30T23:30:00+00:00") == "1er décembre 2026"
    assert fmt.day("2018-06-13") == "13 juin 2018" and fmt.local_day(None) == fmt.UNKNOWN
    assert fmt.of("AGT") == "d'AGT" and fmt.of("MSI") == "de MSI"


def test_headlines_say_what_they_stand_on(data_dir):
    """A year of planned money only does not read « 0 € » alone; the share of women says on how many figures it
    stands, beside the number; a campus never assessed is not « 11 criteria below the level »."""
    at = app(data_dir)
    at.selectbox(key="flt_year").set_value(2019).run()
    assert metrics(at)["Financements acquis connus"] == "non renseigné"
    assert any("90\u202f000\u00a0€ prévus" in c.value for c in at.caption), [c.value for c in at.caption]
    at.switch_page("cmq/app/pages/reach.py").run()
    at.selectbox(key="flt_year").set_value(2018).run()
    assert any(c.value.startswith("Aucun des ") and "ne donne le nombre de femmes" in c.value for c in at.caption)
    at.switch_page("cmq/app/pages/criteria.py").run()
    at.selectbox(key="flt_year").set_value(2019).run()
    assert not at.exception
    assert not any("sous le niveau" in c.value for c in at.caption)
    assert any("aucun positionnement" in i.value for i in at.info)
