"""Import templates a director fills without hunting: every line listed, titles beside codes, drop-downs, a guide;
filled in and sent back, they import cleanly."""
from __future__ import annotations

import io

import openpyxl
import pytest

from cmq.core import ingest
from cmq.outputs import templates

from conftest import app_test, frame, snapshot


def workbook(store, table, campus=None, year=None):
    return openpyxl.load_workbook(io.BytesIO(templates.xlsx_bytes(store, table, campus, year)))


def data_rows(ws) -> list[dict]:
    head = [c.value for c in ws[1]]
    return [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def validation_of(ws, row: int, column: str):
    """The data validation that applies to a cell of the « Données » sheet (None when none does)."""
    letter = next(c.column_letter for c in ws[1] if c.value == column)
    found = [dv for dv in ws.data_validations.dataValidation if f"{letter}{row}" in dv.sqref]
    return found[0] if found else None


def listed(wb, dv) -> list:
    """The values a list validation offers, read from the hidden sheet it points to."""
    sheet, cells = dv.formula1.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[first:last] for c in row]


def test_the_indicator_template_lists_every_indicator_with_what_it_expects(demo_store):
    indicators = demo_store.current("indicators")
    mine = indicators[indicators["campus_id"] == "AGT"].sort_values("indicator_id")
    wb = workbook(demo_store, "indicator_values", "AGT")
    assert wb.sheetnames[:3] == ["Données", "Mode d'emploi", "Indicateurs"] and wb["Listes"].sheet_state == "hidden"
    ws = wb["Données"]
    rows = data_rows(ws)
    assert [r["Identifiant indicateur"] for r in rows] == mine["indicator_id"].tolist(), "every indicator, in order"
    assert [r["Intitulé de l'indicateur (pour information)"] for r in rows] == mine["name"].tolist()
    assert {r["Année"] for r in rows} == {2018} and ws["F2"].number_format == "0", "a year, never « 2 018 »"
    by_id = {r["Identifiant indicateur"]: r for r in rows}
    assert by_id["AGT-I01"]["Valeur"] == 88, "what is known is already there"
    assert by_id["AGT-I02"]["Valeur attendue (pour information)"] == "oui ou non"
    # a yes/no indicator's cells offer oui / non; a number's refuse text; the code column offers the campus's codes
    line = {r["Identifiant indicateur"]: i for i, r in enumerate(rows, start=2)}
    yes_no = validation_of(ws, line["AGT-I02"], "Valeur")
    assert yes_no.type == "list" and listed(wb, yes_no) == ["oui", "non"] and yes_no.errorStyle == "stop"
    number = validation_of(ws, line["AGT-I01"], "Cible")
    assert number.type == "decimal" and number.showErrorMessage and "nombre" in number.error
    codes = validation_of(ws, 2, "Identifiant indicateur")
    assert listed(wb, codes) == mine["indicator_id"].tolist()
    assert validation_of(ws, len(rows) + 50, "Identifiant indicateur") is codes, "lines added below keep the list"
    # the guide says which indicators take oui / non: 32 of the 75 of the demo's six campuses
    guide = " ".join(str(c.value) for c in wb["Mode d'emploi"]["A"] if c.value)
    every = workbook(demo_store, "indicator_values")
    whole = " ".join(str(c.value) for c in every["Mode d'emploi"]["A"] if c.value)
    assert (indicators["unit"] == "oui_non").sum() == 32 and "32 des 75 indicateurs se renseignent par oui ou non" in whole
    assert f"{(mine['unit'] == 'oui_non').sum()} des {len(mine)} indicateurs" in guide and "AGT-I02" in guide
    listing = data_rows(wb["Indicateurs"])
    assert len(listing) == len(mine) and listing[1]["Valeur attendue"] == "oui ou non"


def test_a_filled_template_imports_and_its_blank_lines_change_nothing(store_copy):
    wb = workbook(store_copy, "indicator_values", "AGT")
    ws = wb["Données"]
    head = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(head)}
    line = {ws.cell(r, col["Identifiant indicateur"]).value: r for r in range(2, ws.max_row + 1)}
    line.pop(None)
    ws.cell(line["AGT-I02"], col["Valeur"], "oui")
    ws.cell(line["AGT-I04"], col["Valeur"], 3)
    ws.cell(line["AGT-I04"], col["Cible"], 3)
    for name in ("Valeur", "Cible", "Commentaire", "Source"):  # a line emptied is passed over, never erased
        ws.cell(line["AGT-I01"], col[name], None)
    buf = io.BytesIO()
    wb.save(buf)
    rep = ingest.import_bytes(store_copy, "indicator_values", buf.getvalue(), "modele.xlsx", user="directeur-agt",
                              campus="AGT", scope={"AGT"})
    assert rep.status == "committed", rep.errors
    assert (rep.inserted, rep.updated) == (2, 0)
    blank = sum(1 for r in line.values() if r and all(ws.cell(r, col[n]).value is None
                                                          for n in ("Valeur", "Cible", "Commentaire")))
    assert blank > 50
    assert any(w.startswith(f"{blank} ligne(s) sans « Valeur » ni « Cible » ni « Commentaire »") for w in rep.warnings)
    got = store_copy.read("select indicator_id, value, target from indicator_values where campus_id = 'AGT' "
                          "and year = 2018 order by indicator_id").set_index("indicator_id")
    assert got.loc["AGT-I02", "value"] == 1 and tuple(got.loc["AGT-I04"]) == (3, 3)
    assert got.loc["AGT-I01", "value"] == 88, "the emptied line did not erase the known value"


def test_a_template_sent_back_empty_is_refused_in_french_and_writes_nothing(store_copy):
    before = snapshot(store_copy.root)
    data = templates.csv_bytes(store_copy, "indicator_values", "AGT", 2019)
    rep = ingest.import_bytes(store_copy, "indicator_values", data, "modele.csv", user="directeur-agt", campus="AGT")
    assert rep.status == "rejected" and "Aucune ligne n'est remplie" in rep.errors[0]["message"]
    assert snapshot(store_copy.root) == before


@pytest.mark.parametrize("table, column, offered", [
    ("actions", "Statut", ["Prévue", "En cours", "Terminée"]),
    ("reach", "Ordre de grandeur", ["oui", "non"]),
    ("funding", "Type de financeur", None),
    ("criteria_assessments", "Fondement du niveau", None),
])
def test_every_template_offers_its_allowed_values_as_drop_downs(demo_store, table, column, offered):
    from cmq.core import schema

    wb = workbook(demo_store, table, "MSI")
    ws = wb["Données"]
    dv = validation_of(ws, 2, column)
    c = next(c for c in schema.table(table).columns if c.header == column)
    assert listed(wb, dv) == (offered or [schema.choice_label(c, k) for k in schema.choice_codes(c)])
    if table == "reach":  # the campus's actions only
        actions = listed(wb, validation_of(ws, 2, "Identifiant action"))
        assert actions and all(a.startswith("MSI-") for a in actions)
    year = next((x.column_letter for x in ws[1] if x.value == "Année"), None)
    assert year is None or all(isinstance(ws[f"{year}{r}"].value, int) for r in range(2, len(data_rows(ws)) + 2))


def test_the_criteria_template_lists_the_eleven_criteria(demo_store):
    rows = data_rows(workbook(demo_store, "criteria_assessments", "TI")["Données"])
    assert [r["Numéro du critère"] for r in rows] == list(range(1, 12))
    assert all(r["Intitulé du critère (pour information)"] for r in rows)


def test_the_preview_shows_labels_titles_and_oui_non(data_dir):
    at = app_test("directeur-agt").run()
    at.switch_page("cmq/app/pages/import.py").run()
    data = "Code campus;Identifiant indicateur;Année;Valeur\r\nAGT;AGT-I02;2018;oui\r\n".encode()
    at.file_uploader[0].upload("v.csv", data, "text/csv").run()
    row = frame(at, "Identifiant indicateur").iloc[0]
    assert row["Valeur"] == "oui" and row["Intitulé de l'indicateur"] == "Typologie des acteurs"
    at.selectbox(key="imp_table").set_value("actions").run()
    data = "Code campus;Identifiant action;Intitulé;Statut;Année\r\nAGT;AGT-A99;Nouvelle;terminee;2019\r\n".encode()
    at.file_uploader[0].upload("a.csv", data, "text/csv").run()
    assert frame(at, "Statut").iloc[0]["Statut"] == "Terminée"
