"""Reading files as French Excel writes them, and validation messages a director can act on."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from cmq.core import ingest

from conftest import snapshot

HEAD = "Code campus;Identifiant indicateur;Année;Valeur;Commentaire"


def check(store, table, data: bytes, **kw):
    return ingest.check(store, table, data, "f.csv", **kw)


@pytest.mark.parametrize("cell, expected", [
    ("12", 12.0), ("1234,5", 1234.5), ("1 234,5", 1234.5), ("1\u00a0234,5", 1234.5), ("1\u202f234,5", 1234.5),
    ("1.234,5", 1234.5), ("1.234.567", 1234567.0), ("12.5", 12.5), ("0,75", 0.75), (" 42 ", 42.0), ("15 000 €", 15000.0),
])
def test_numbers_as_french_excel_writes_them(demo_store, cell, expected):
    rep = check(demo_store, "indicator_values", f"{HEAD}\r\nAGT;AGT-I01;2019;{cell};\r\n".encode())
    assert rep.errors == [] and rep.rows["value"].iloc[0] == expected


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")])
def test_encodings_keep_french_characters(demo_store, encoding, bom):
    text = f"{HEAD}\r\nAGT;AGT-I01;2019;3;Coût 15 € – l’œuvre\r\n"
    rep = check(demo_store, "indicator_values", bom + text.encode(encoding))
    assert rep.errors == [] and rep.rows["comment"].iloc[0] == "Coût 15 € – l’œuvre"


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_delimiters(demo_store, sep):
    text = HEAD.replace(";", sep) + "\n" + sep.join(["AGT", "AGT-I01", "2019", '"3,5"' if sep == "," else "3,5", ""]) + "\n"
    rep = check(demo_store, "indicator_values", text.encode())
    assert rep.errors == [] and rep.rows["value"].iloc[0] == 3.5


def test_headers_ignore_case_accents_and_spaces_and_trailing_junk(demo_store):
    text = "  CODE CAMPUS ;identifiant INDICATEUR;annee;VALEUR;;\r\nAGT ; AGT-I01 ;2019;7;;\r\n;;;;;\r\n\r\n"
    rep = check(demo_store, "indicator_values", text.encode("cp1252"))
    assert rep.errors == [] and len(rep.rows) == 1 and rep.rows["campus_id"].iloc[0] == "AGT"


def test_dates_booleans_and_choices_in_french(demo_store):
    text = ("Code campus;Identifiant action;Intitulé;Statut;Date de début;Date de fin;Année\n"
            "MSI;MSI-A99;Essai;En cours;13/06/2018;2018-06-21;2018\n"
            "MSI;MSI-A98;Essai 2;terminée;1/2/2018;;2018\n")
    rep = check(demo_store, "actions", text.encode())
    assert rep.errors == []
    assert rep.rows["start_date"].tolist() == [date(2018, 6, 13), date(2018, 2, 1)]
    assert rep.rows["status"].tolist() == ["en_cours", "terminee"]


def test_xlsx_first_sheet_or_named_sheet(demo_store):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["rien"])
    data = wb.create_sheet("Valeurs")
    data.append(["Code campus", "Identifiant indicateur", "Année", "Valeur"])
    data.append(["AGT", "AGT-I01", 2019, 1234.5])
    buf = io.BytesIO()
    wb.save(buf)
    rep = check(demo_store, "indicator_values", buf.getvalue(), sheet="Valeurs")
    assert rep.errors == [] and rep.rows["value"].iloc[0] == 1234.5 and rep.rows["year"].iloc[0] == 2019
    wrong = check(demo_store, "indicator_values", buf.getvalue())
    assert wrong.status == "rejected" and "Aucune colonne" in wrong.errors[0]["message"]


@pytest.mark.parametrize("data, fragment", [
    (b"", "vide"),
    (b"\xef\xbb\xbf\r\n\r\n", "vide"),
    (HEAD.encode() + b"\r\n", "que des en-têtes"),
    (b"\x00\x01\x02\x03binary\x00\xff" * 50, "n'est pas un fichier texte"),
    (b"PK\x03\x04garbage" * 10, "illisible"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    ("Financeur;Année;Montant (€)\nRégion;2018;15000\n".encode(), "bonne table"),
])
def test_whole_file_problems_get_one_clear_message(demo_store, data, fragment):
    rep = check(demo_store, "indicator_values", data)
    assert rep.status == "rejected" and any(fragment in e["message"] for e in rep.errors), rep.errors


def test_all_errors_at_once_with_line_and_column(demo_store):
    text = (f"{HEAD}\n"
            "AGT;AGT-I01;2019;12;\n"
            "AGT;AGT-I01;2019;13;\n"          # duplicate key
            "ZZZ;AGT-I02;2019;1;\n"           # unknown campus
            "AGT;NOPE;2019;1;\n"              # unknown indicator
            "AGT;AGT-I03;1850;abc;\n"         # implausible year and unreadable number
            "MSI;AGT-I04;2019;1;\n")          # indicator of another campus
    rep = check(demo_store, "indicator_values", text.encode())
    got = {(e["line"], e["column"]) for e in rep.errors}
    assert {(3, "Année"), (4, "Code campus"), (5, "Identifiant indicateur"), (6, "Année"), (6, "Valeur"),
            (7, "Identifiant indicateur")} <= got
    assert all(e["message"][0].isupper() or e["message"][0] in "«L" for e in rep.errors)


def test_a_bad_cell_repeated_is_reported_on_each_line_and_excel_types_stay_apart(demo_store):
    """Cells are read once per distinct value: a bad value on several lines is reported on each, and Excel's TRUE is
    not taken for the number 1 (nor 1 for TRUE): oui for an oui/non indicator, an error for a count."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Code campus", "Identifiant indicateur", "Année", "Valeur"])
    ws.append(["AGT", "AGT-I01", 2019, "abc"])
    ws.append(["AGT", "AGT-I02", 2019, "abc"])
    ws.append(["AGT", "AGT-I03", 2019.5, True])
    ws.append(["AGT", "AGT-I04", "2019", 1])
    ws.append(["AGT", "AGT-I01", 2020, True])
    buf = io.BytesIO()
    wb.save(buf)
    rep = check(demo_store, "indicator_values", buf.getvalue())
    errors = {(e["line"], e["column"]): e["message"] for e in rep.errors}
    assert errors[(2, "Valeur")].startswith("« abc » n'est pas lisible") and (3, "Valeur") in errors
    assert "n'est pas un nombre entier" in errors[(4, "Année")]
    assert "« oui » est une réponse oui/non" in errors[(6, "Valeur")] and "nombre" in errors[(6, "Valeur")]
    assert not {(2, "Année"), (3, "Année"), (4, "Valeur"), (5, "Année"), (5, "Valeur")} & set(errors)


def test_numbers_beyond_a_float_are_unreadable_not_a_crash(demo_store):
    rep = check(demo_store, "indicator_values", f"{HEAD}\nAGT;AGT-I01;1e400;-1e400;\n".encode())
    assert {(e["line"], e["column"]) for e in rep.errors} == {(2, "Année"), (2, "Valeur")}
    assert all("n'est pas lisible" in e["message"] for e in rep.errors)


def test_ranges_and_cross_column_rules(demo_store):
    text = ("Code campus;Identifiant action;Année;Public;Nombre;Dont femmes\n"
            "MSI;MSI-A23;2018;collégiens;10;12\n"
            "MSI;MSI-A23;2018;enseignants;-1;\n"
            "AGT;MSI-A23;2018;lyceens;3;\n"
            "MSI;MSI-A23;2018;martiens;3;\n")
    msgs = [e["message"] for e in check(demo_store, "reach", text.encode()).errors]
    assert any("dépasse le nombre total" in m for m in msgs)
    assert any("trop petite" in m for m in msgs)
    assert any("n'est pas portée par le campus AGT" in m for m in msgs)
    assert any("Écrivez l'une de : Collégiens" in m for m in msgs)


def test_scope_refuses_other_campuses(demo_store):
    rep = check(demo_store, "indicator_values", f"{HEAD}\nAGT;AGT-I01;2019;1;\n".encode(), scope={"MSI"})
    assert rep.status == "rejected" and "vos campus : MSI" in rep.errors[0]["message"]


def test_rejected_import_leaves_store_byte_identical(store_copy):
    before = snapshot(store_copy.root)
    rep = ingest.import_bytes(store_copy, "indicator_values", f"{HEAD}\nAGT;NOPE;2019;1;\n".encode(), "x.csv", user="admin")
    assert rep.status == "rejected"
    assert snapshot(store_copy.root) == before


def test_diff_insert_update_unchanged(store_copy):
    first = ingest.import_bytes(store_copy, "indicator_values", f"{HEAD}\nAGT;AGT-I01;2019;1;\nAGT;AGT-I04;2019;2;\n".encode(),
                                "a.csv", user="admin")
    assert first.status == "committed", first.errors
    rep = ingest.check(store_copy, "indicator_values", f"{HEAD}\nAGT;AGT-I01;2019;1;\nAGT;AGT-I04;2019;5;\nAGT;AGT-I05;2019;1;\n".encode())
    assert (rep.inserted, rep.updated, rep.unchanged) == (1, 1, 1)
    assert rep.changes.to_dict("records") == [{"key": "AGT-I04 · 2019", "column": "Valeur", "old": 2.0, "new": 5.0,
                                             "name": "value"}]


@pytest.mark.parametrize("cell, ok", [("oui", True), ("Non", True), ("VRAI", True), ("x", True), ("peut-être", False)])
def test_yes_no_cells(demo_store, cell, ok):
    text = ("Identifiant indicateur;Code campus;Identifiant objectif;Intitulé;Unité;Sens;Cumulatif\n"
            f"AGT-NEW;AGT;AGT-S1;Nouvel indicateur;nombre;hausse;{cell}\n")
    rep = check(demo_store, "indicators", text.encode())
    assert (rep.errors == []) == ok
    if not ok:
        assert "oui ou non" in rep.errors[0]["message"]


def test_percentages_stay_between_0_and_100(demo_store):
    rep = check(demo_store, "indicator_values", f"{HEAD}\nMSI;MSI-I04;2019;120;\n".encode())
    assert "entre 0 et 100" in rep.errors[0]["message"]


def test_columns_absent_from_the_file_keep_their_values(store_copy):
    rep = ingest.import_bytes(store_copy, "indicator_values",
                              b"Code campus;Identifiant indicateur;Ann\xe9e;Valeur\nAGT;AGT-I01;2018;90\n", "v.csv", user="admin")
    assert rep.status == "committed"
    row = store_copy.read("select value, comment, source from indicator_values where indicator_id = 'AGT-I01' and year = 2018").iloc[0]
    assert row["value"] == 90 and row["comment"].startswith("Acteurs rencontrés") and row["source"].startswith("Rapport 2018")


@pytest.mark.parametrize("table", ["indicator_values", "actions", "reach", "funding", "criteria_assessments", "objectives",
                                   "indicators", "partners", "campus_partners", "action_objectives"])
@pytest.mark.parametrize("campus", [None, "TI"])
def test_templates_import_cleanly(demo_store, table, campus):
    from cmq.outputs import templates

    for data in (templates.csv_bytes(demo_store, table, campus), templates.xlsx_bytes(demo_store, table, campus)):
        rep = ingest.check(demo_store, table, data, "modele", campus=campus)
        assert rep.status in ("valid", "unchanged"), rep.errors[:3]
    assert "# " in templates.csv_bytes(demo_store, table, campus).decode("utf-8-sig")
