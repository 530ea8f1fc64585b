"""Exports: per-chart files (PNG/SVG/CSV/XLSX) and the meeting pack (PPTX, PDF, XLSX) for the demo, read back with
python-pptx, pypdf and openpyxl; formula injection neutralised; the command line."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pypdf import PdfReader

from cmq.core import ingest
from cmq.core.filters import Filters
from cmq.outputs import export, pack
from cmq.outputs.registry import CAMPUS_PACK, FIGURES, REGION_PACK

from conftest import ADMIN, app_test, cli, frame

# the demo (2018 report): reach by audience, each joint action counted once
REACH_2018 = {"Collégiens": 253, "Collégiens et lycéens (groupe mixte)": 30,
              "Enseignants et formateurs": 156, "Inspecteurs et personnels de direction de l'éducation": 7,
              "Acteurs et partenaires du campus": 60,
              "Entreprises (structures)": 147, "Établissements (structures)": 106, "Institutionnels (structures)": 38,
              "Lycéens": 8}
FUNDERS_2018 = {"Région Bourgogne-Franche-Comté": 90_000, "UBFC (RITM-BFC)": 20_000, "Pays de Montbéliard Agglomération": 15_000}
STATUSES_2018 = {"Terminée": 53, "En cours": 42, "Prévue": 15}


@pytest.fixture(scope="module")
def region(demo_store):
    return pack.build_from_store(demo_store, "region", 2018)


@pytest.fixture(scope="module")
def region_pptx(region):
    return Presentation(io.BytesIO(pack.render(region, "pptx")))


def slide_titled(prs, title):
    return next(s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text == title)


def chart_of(slide):
    charts = [sh.chart for sh in slide.shapes if sh.has_chart]
    assert len(charts) == 1, "one native chart per figure slide"
    return charts[0]


def series_values(chart) -> dict:
    return {s.name: dict(zip(chart.plots[0].categories, s.values)) for s in chart.plots[0].series}


# ---------------------------------------------------------------- PowerPoint

def test_region_pack_slides_title_figures_and_closing(region, region_pptx):
    slides = list(region_pptx.slides)
    assert len(slides) == 1 + len(region.shown) + bool(region.missing) + 1 and len(region.items) == len(REGION_PACK)
    assert slides[0].shapes.title.text == "Dossier de séance"
    cover = slides[0].placeholders[1].text
    assert "Région Bourgogne-Franche-Comté · 6 campus" in cover and "Année 2018" in cover and "Données au" in cover
    titles = [s.shapes.title.text for s in slides[1:-1]]
    assert titles == [item.title for item in region.shown] + ["Non renseigné à ce jour"]
    said = " ".join(sh.text_frame.text for sh in slides[-2].shapes if sh.has_text_frame)
    assert [i.title for i in region.missing] == ["Part des femmes parmi les personnes touchées",
                                                 "Indicateurs en retard sur leur cible"], "no target to compare with"
    assert "Part des femmes parmi les personnes touchées : Aucun campus n'a renseigné le nombre de femmes" in said
    slides = slides[:-2] + slides[-1:]
    assert "Publics touchés" in titles and "Financements connus par financeur" in titles
    for s in slides[1:-1]:  # every figure slide says its filters, source and data date
        text = " ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
        assert "année" in text and "Source :" in text and "Données au" in text
    closing = slides[-1]
    assert closing.shapes.title.text == "Lots d'import à l'origine des chiffres (10)"
    table = next(sh.table for sh in closing.shapes if sh.has_table)
    files = {table.cell(i, 2).text for i in range(1, len(table.rows))}
    assert {"reach.csv", "funding.csv", "actions.csv"} <= files


def test_region_pack_charts_are_native_with_the_demo_figures(region_pptx):
    reach = chart_of(slide_titled(region_pptx, "Publics touchés"))
    assert reach.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    assert series_values(reach) == {"Valeur": REACH_2018}

    funding = chart_of(slide_titled(region_pptx, "Financements connus par financeur"))
    assert funding.chart_type == XL_CHART_TYPE.BAR_STACKED
    assert series_values(funding)["Acquis"] == FUNDERS_2018

    actions = chart_of(slide_titled(region_pptx, "Actions par statut"))
    assert actions.chart_type == XL_CHART_TYPE.BAR_STACKED
    totals = {name: sum(v.values()) for name, v in series_values(actions).items()}
    assert totals == STATUSES_2018
    assert series_values(actions)["Terminée"]["MSI"] == 17

    by_year = chart_of(slide_titled(region_pptx, "Financements connus, année par année"))
    assert by_year.chart_type == XL_CHART_TYPE.COLUMN_STACKED
    assert sum(v for s in series_values(by_year).values() for v in [s.get("2018") or 0]) == 125_000


def test_maps_and_flows_become_high_resolution_images(region_pptx):
    for title in ("Carte des campus", "Des financeurs aux campus (montants connus)"):
        slide = slide_titled(region_pptx, title)
        assert not any(sh.has_chart for sh in slide.shapes)
        picture = next(sh for sh in slide.shapes if sh.shape_type == 13)  # MSO_SHAPE_TYPE.PICTURE
        assert Image.open(io.BytesIO(picture.image.blob)).size[0] >= 1920


def test_campus_pack_has_its_tree_and_a_native_radar(demo_store):
    p = pack.build_from_store(demo_store, "AGT", 2018)
    prs = Presentation(io.BytesIO(pack.render(p, "pptx")))
    assert len(prs.slides) == len(pack.contents(p)), "the pack page lists every slide"
    titles = [s.shapes.title.text for s in prs.slides]
    assert len(titles) > 1 + len(CAMPUS_PACK) + 1, "a long table runs over several slides"
    assert "Campus AGT" in prs.slides[0].placeholders[1].text
    radar = chart_of(slide_titled(prs, "Profil d'AGT sur les critères"))
    assert radar.chart_type == XL_CHART_TYPE.RADAR_MARKERS
    values = series_values(radar)
    assert set(values) == {"AGT", "Moyenne des campus affichés"} and len(values["AGT"]) == 11
    assert list(values["AGT"].values()) == [2, 1, 1, 3, 1, 1, 1, 1, 2, 0, 1]  # the report's self-assessment
    # the campus is compared with every campus, not with itself
    assert FIGURES["profil-criteres"].params(Filters(year=2018, campuses=("AGT",), campus="AGT"))["campuses"] is None
    # the tree as a table of its top levels, over as many slides as it needs, each numbered
    tree = [t for t in titles if t.startswith("Arbre d'objectifs et d'indicateurs")]
    assert tree and tree[-1].endswith(f"({len(tree)}/{len(tree)})")
    rows = [next(sh.table for sh in slide_titled(prs, t).shapes if sh.has_table) for t in tree]
    objectives = [r.cells[0].text.strip() for table in rows for r in list(table.rows)[1:]]
    assert objectives[0] == "Lancement et pilotage du Campus"


# ---------------------------------------------------------------- PDF

def test_region_pack_pdf_is_a4_landscape_with_titles_and_figures(region):
    reader = PdfReader(io.BytesIO(pack.render(region, "pdf")))
    assert len(reader.pages) >= 1 + len(REGION_PACK) + 1

    def page_of(title: str) -> str:  # a figure's page and the page of its figures when they follow it
        texts = [p.extract_text() for p in reader.pages]
        i = next(i for i, t in enumerate(texts) if t.startswith(title + "\n"))
        return texts[i] + (texts[i + 1] if texts[i + 1].startswith(f"{title} : les chiffres") else "")
    assert not any(("2\u202f018" in p.extract_text() or "2 018" in p.extract_text()) for p in reader.pages), \
        "years print as 2018"
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (297, 210)
    text = "\n".join(p.extract_text() for p in reader.pages)
    for item in region.items:
        assert item.title in text
    assert "Région Bourgogne-Franche-Comté" in text and "Données au" in text
    reach_page = page_of("Publics touchés")
    assert "Enseignants et formateurs" in reach_page and "156" in reach_page and "253" in reach_page
    funding_page = page_of("Financements connus par financeur")
    assert "90\u202f000" in funding_page or "90 000" in funding_page  # French grouping
    assert "Lots d'import à l'origine des chiffres" in reader.pages[-1].extract_text()


# ---------------------------------------------------------------- Excel

def test_region_pack_xlsx_one_sheet_per_figure_with_its_rows(region):
    wb = openpyxl.load_workbook(io.BytesIO(pack.render(region, "xlsx")))
    assert len(wb.sheetnames) == 1 + len(REGION_PACK) + 1
    assert wb.sheetnames[0] == "Dossier" and wb.sheetnames[-1] == "Lots d'import"
    ws = wb[wb.sheetnames[1 + REGION_PACK.index("publics-touches")]]
    assert ws["A1"].value == "Publics touchés"
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    header = list(rows[0])
    assert header[:2] == ["Public", "Nombre touché"]
    assert {r[0]: r[1] for r in rows[1:]} == {k.replace(" (structures)", ""): v for k, v in REACH_2018.items()}
    assert all(isinstance(r[1], int) for r in rows[1:])  # numbers stay numbers
    criteria = wb[wb.sheetnames[1 + REGION_PACK.index("criteres")]]
    years = [c for row in criteria.iter_rows(min_row=6) for c in row if c.column_letter == "E" and c.value is not None]
    assert criteria["E5"].value == "Année" and years and all(c.value == 2018 and c.number_format == "0" for c in years), \
        "a year is 2018, not 2 018"


@pytest.fixture
def hostile_store(store_copy):
    """The demo with a funder and a file name that a spreadsheet would run as formulas."""
    data = ("Code campus;Financeur;Année;Programme;Type de financeur;Montant (€);Nature;Statut;Commentaire\n"
            'AMF;=HYPERLINK("http://example.invalid/x","clic");2018;Essai;entreprise;1000;financier;acquis;'
            "@SUM(A1:A2)\n").encode()
    rep = ingest.import_bytes(store_copy, "funding", data, "=cmd.csv", user=ADMIN)
    assert rep.status == "committed", rep.errors
    return store_copy


def test_formulas_from_user_data_are_neutralised_in_xlsx_and_csv(hostile_store):
    p = pack.build_from_store(hostile_store, "AMF", 2018)
    wb = openpyxl.load_workbook(io.BytesIO(pack.render(p, "xlsx")))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    hyperlink = [c for c in cells if "HYPERLINK" in c.value]
    assert hyperlink and all(c.value.startswith("'=") and c.data_type == "s" for c in hyperlink)
    assert any(c.value == "'=cmd.csv" for c in cells)  # the file name, on the batches sheet
    assert not any(c.data_type == "f" for c in cells)

    item = next(i for i in p.items if i.figure.name == "financements")
    csv = export.csv_bytes(export.french(item.data)).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "\n=" not in csv and ";=" not in csv


def test_neutralise_covers_every_formula_start_and_nothing_else():
    for text in ("=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert export.neutralise(text) == "'" + text
    for value in ("Région", "AGT", "", -2, 3.5, None):
        assert export.neutralise(value) == value


# ---------------------------------------------------------------- per-chart files

def test_chart_csv_is_french_excel_csv(demo_store):
    data = pd.DataFrame({"funder": ["Région"], "amount_eur": [1234.5], "status": ["acquis"]})
    raw = export.csv_bytes(export.french(data))
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == ["Financeur;Montant (€);Statut", "Région;1234,5;Acquis"]
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    assert back["Montant (€)"].iloc[0] == 1234.5


def test_chart_images_are_16_9_at_presentation_resolution(region):
    item = next(i for i in region.items if i.figure.name == "publics-touches")
    png = export.image(item.fig, "png")
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (1920, 1080)
    svg = export.image(item.fig, "svg").decode()
    assert svg.lstrip().startswith("<svg") and "Enseignants et formateurs" in svg
    told = export.image(item.fig, "svg", caption="année 2018 · tous les campus · Source : publics touchés <déclarés>")
    assert "Source : publics touchés &#60;déclarés&#62;" in told.decode(), "a downloaded image says whom, when, whence"
    # a chart taller than a slide keeps its rows readable: still 16:9, more pixels
    tall = next(i for i in region.items if i.figure.name == "publics-par-campus").fig
    tall.update_layout(height=1400)
    w, h = Image.open(io.BytesIO(export.image(tall, "png"))).size
    assert (w, h) == (2488, 1400)


@pytest.mark.parametrize("ctx, expected", [
    ({"year": 2018, "campuses": ["AMF"]}, "financements_AMF_2018.png"),
    ({"year": 2018, "campuses": None}, "financements_region_2018.png"),
    ({"year": None, "campuses": ["AGT", "TI"]}, "financements_AGT-TI_toutes-annees.png"),
    ({"year": 2019, "campuses": ["A", "B", "C", "D"]}, "financements_4-campus_2019.png"),
])
def test_file_names_say_what_whom_and_which_year(ctx, expected):
    assert export.file_name("financements", Filters(**ctx), "png") == expected


def test_every_registered_figure_draws_on_the_demo(demo_store):
    con = demo_store.connect()
    from cmq.core import queries
    for fig_def in FIGURES.values():
        ctx = Filters(year=2018, campuses=("AGT",), campus="AGT")
        data = queries.run(fig_def.query, con=con, **fig_def.params(ctx))
        assert export.title_of(fig_def.chart(data, ctx)), fig_def.name


# ---------------------------------------------------------------- command line and page

def test_cli_export_writes_the_pack_and_refuses_bad_input_in_french(store_copy, tmp_path):
    out = tmp_path / "dossier.xlsx"
    r = cli("export", "--scope", "AMF", "--year", "2018", "--format", "xlsx", "--out", str(out), data_dir=store_copy.root)
    assert r.returncode == 0, r.stderr
    assert "Dossier de séance écrit" in r.stdout
    assert "Campus AMF" in str(openpyxl.load_workbook(out)["Dossier"]["A2"].value)
    r = cli("export", "--scope", "XYZ", "--year", "2018", "--format", "pdf", "--out", str(tmp_path / "x.pdf"),
            data_dir=store_copy.root)
    assert r.returncode == 1 and "Campus inconnu : « XYZ »" in r.stderr and not (tmp_path / "x.pdf").exists()
    r = cli("export", "--scope", "region", "--year", "2031", "--format", "pdf", "--out", str(tmp_path / "x.pdf"),
            data_dir=store_copy.root)
    assert r.returncode == 1 and "Aucune donnée pour l'année 2031" in r.stderr
    r = cli("export", "--scope", "region", "--year", "2018", "--format", "docx", "--out", str(tmp_path / "x.docx"),
            data_dir=store_copy.root)
    assert r.returncode == 2 and "Erreur d'utilisation" in r.stderr


def test_pack_page_lists_the_slides_and_offers_three_formats(data_dir):
    at = app_test()
    at.switch_page("cmq/app/pages/pack.py").run()
    assert not at.exception
    contents = frame(at, "Diapositive")
    assert len(contents) == 1 + len(REGION_PACK) - 2 + 1 + 1, "the figures with nothing to show share one slide"
    assert contents.loc[contents["Titre"] == "Non renseigné à ce jour", "Contenu"].item() == \
        "Part des femmes parmi les personnes touchées, Indicateurs en retard sur leur cible"
    assert contents.loc[contents["Titre"] == "Publics touchés", "Contenu"].item() == "graphique modifiable"
    assert contents.loc[contents["Titre"] == "Carte des campus", "Contenu"].item() == "image haute résolution"
    at.selectbox(key="pack_scope").set_value("MSI").run()
    assert "Campus MSI" in at.caption[0].value
    campus = frame(at, "Diapositive")
    assert len(campus) >= 1 + len(CAMPUS_PACK), "a long table runs over several slides"
    assert "Indicateurs en retard sur leur cible" in campus.loc[campus["Titre"] == "Non renseigné à ce jour",
                                                                "Contenu"].item(), "no target of MSI to compare with"
    assert set(campus[campus["Titre"].str.startswith("Arbre d'objectifs")]["Contenu"]) == {"tableau"}
