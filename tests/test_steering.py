"""Steering against targets: baselines and targets in the contract, a narrative required beyond the gap (configurable),
the tracking table from the command line and as an Excel workbook read back."""
from __future__ import annotations

import io

import openpyxl
import pytest

from cmq.core import ingest, queries, steering

from conftest import cli

HEAD = "Code campus;Identifiant indicateur;Année;Valeur;Cible;Commentaire\n"


def check(store, rows: str, table="indicator_values", head=HEAD):
    return ingest.check(store, table, (head + rows).encode(), "v.csv")


def messages(rep) -> list[str]:
    return [e["message"] for e in rep.errors]


def test_a_value_far_from_its_target_needs_its_narrative(demo_store):
    far = check(demo_store, "AGT;AGT-I04;2019;5;10;\n")
    assert far.status == "rejected" and far.errors[0]["column"] == "Commentaire" and far.errors[0]["line"] == 2
    assert "s'écarte de 50\u00a0% de sa cible (10), plus que les 20\u00a0% admis" in messages(far)[0]
    assert check(demo_store, "AGT;AGT-I04;2019;5;10;deux comités annulés\n").status == "valid"
    assert check(demo_store, "AGT;AGT-I04;2019;9;10;\n").status == "valid", "10 % away: no narrative needed"
    assert check(demo_store, "AGT;AGT-I04;2020;;10;\n").status == "valid", "a target for a year to come"


def test_the_narrative_gap_is_a_setting(demo_store, monkeypatch):
    monkeypatch.setenv("CMQ_NARRATIVE_GAP", "0.05")
    assert steering.narrative_gap() == 0.05
    rep = check(demo_store, "AGT;AGT-I04;2019;9;10;\n")
    assert rep.status == "rejected" and "plus que les 5\u00a0% admis" in messages(rep)[0]


def test_a_yes_no_target_is_oui(demo_store):
    rep = check(demo_store, "AGT;AGT-I02;2019;oui;non;\n")
    assert rep.status == "rejected" and "La cible d'un indicateur oui/non est « oui »" in messages(rep)[0]
    assert check(demo_store, "AGT;AGT-I02;2019;oui;oui;\n").status == "valid"
    rep = check(demo_store, "AGT;AGT-I02;2019;non;oui;\n")
    assert rep.status == "rejected" and "dites pourquoi" in messages(rep)[0], "non against oui is a gap to explain"


@pytest.mark.parametrize("line, message", [
    ("AGT-I99;AGT;AGT-S1;Nouvel indicateur;nombre;hausse;non;12;\n", "Indiquez l'année de la valeur de référence"),
    ("AGT-I99;AGT;AGT-S1;Nouvel indicateur;nombre;hausse;non;;2017\n", "Une année de référence sans valeur"),
    ("AGT-I99;AGT;AGT-S1;Nouvel indicateur;pourcentage;hausse;non;140;2017\n", "compris entre 0 et 100"),
    ("AGT-I99;AGT;AGT-S1;Nouvel indicateur;nombre;hausse;non;oui;2017\n", "est une réponse oui/non"),
])
def test_a_baseline_fits_its_indicator(demo_store, line, message):
    head = "Identifiant indicateur;Code campus;Identifiant objectif;Intitulé;Unité;Sens;Cumulatif;" \
           "Valeur de référence;Année de référence\n"
    rep = check(demo_store, line, "indicators", head)
    assert rep.status == "rejected" and any(message in m for m in messages(rep)), messages(rep)
    good = "AGT-I99;AGT;AGT-S1;Nouvel indicateur;oui_non;hausse;non;non;2017\n"
    assert check(demo_store, good, "indicators", head).status == "valid"


@pytest.fixture
def planned(store_copy):
    """AGT with a baseline, targets for three years and actuals for two (one cumulative indicator)."""
    head = "Identifiant indicateur;Code campus;Identifiant objectif;Intitulé;Unité;Sens;Cumulatif;" \
           "Valeur de référence;Année de référence\n"
    ind = "AGT-I04;AGT;AGT-S1-O2;Nombre de comités de pilotage;nombre;hausse;oui;1;2017\n"
    assert ingest.import_bytes(store_copy, "indicators", (head + ind).encode(), "i.csv", user="admin").status == "committed"
    values = ("AGT;AGT-I04;2018;2;2;\nAGT;AGT-I04;2019;1;3;un comité reporté\nAGT;AGT-I04;2020;;3;\n"
              "AGT;AGT-I01;2019;60;100;moins de rencontres : poste vacant\nMSI;MSI-I01;2019;5;10;salon annulé\n")
    rep = ingest.import_bytes(store_copy, "indicator_values", (HEAD + values).encode(), "v.csv", user="admin")
    assert rep.status == "committed", rep.errors
    return store_copy


def test_the_tracking_table_from_the_command_line(planned):
    out = cli("query", "iptt", "--param", "campus=AGT", "--format", "json", data_dir=planned.root)
    assert out.returncode == 0, out.stderr
    import json

    rows = {(r["indicator_id"], r["year"]): r for r in json.loads(out.stdout)}
    assert (rows[("AGT-I04", 2019)]["actual"], rows[("AGT-I04", 2019)]["target"]) == (3, 5), "cumulative: 2+1 of 2+3"
    assert rows[("AGT-I04", 2019)]["status"] == "en_retard" and rows[("AGT-I04", 2019)]["baseline"] == 1
    assert rows[("AGT-I04", 2020)]["share_of_target"] is None and rows[("AGT-I04", 2020)]["status"] == "non_renseigne"
    assert rows[("AGT-I01", 2019)]["status"] == "en_retard" and rows[("AGT-I01", 2018)]["status"] == "sans_cible"
    assert rows[("AGT-I01", 2019)]["comment"] == "moins de rencontres : poste vacant"
    # the threshold of « en bonne voie » is a parameter: 60 of 100 is on track at 50 %
    lenient = cli("query", "iptt", "--param", "campus=AGT", "--param", "on_track=0.5", "--format", "json",
                  data_dir=planned.root)
    assert lenient.returncode == 0, lenient.stderr
    assert {(r["indicator_id"], r["year"]): r["status"] for r in json.loads(lenient.stdout)}[("AGT-I01", 2019)] == \
        "en_bonne_voie"


def test_the_tracking_table_as_excel(planned, tmp_path):
    out = cli("export", "--scope", "region", "--year", "2019", "--format", "iptt", "--out",
              str(tmp_path / "suivi.xlsx"), data_dir=planned.root)
    assert out.returncode == 0, out.stderr
    wb = openpyxl.load_workbook(tmp_path / "suivi.xlsx")
    assert wb.sheetnames == sorted(queries.run("campuses", store=planned)["campus_id"].tolist()), "one sheet per campus"
    ws = wb["AGT"]
    head_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "Identifiant")
    assert ws.freeze_panes == f"D{head_row + 1}", "the header and the indicator's columns stay in view"
    head = [c.value for c in ws[head_row]]
    assert "Cible 2020" not in head, "the years up to the one asked"
    line = next(r for r in range(head_row + 1, ws.max_row + 1) if ws.cell(r, 1).value == "AGT-I04")
    cell = {h: ws.cell(line, i + 1) for i, h in enumerate(head)}
    assert (cell["Référence"].value, cell["Année de référence"].value, cell["Année de référence"].number_format) == (1, 2017, "0")
    assert (cell["Cible 2019"].value, cell["Réalisé 2019"].value) == (3, 1), "each year's own figures"
    assert cell["% 2019"].value == pytest.approx(0.6) and cell["% 2019"].number_format == "0%", "a share, as a number"
    assert (cell["Cumul réalisé"].value, cell["Cumul cible"].value) == (3, 5)
    assert cell["État en 2019"].value == "en retard" and cell["Récit"].value == "2019 : un comité reporté"
    refused = cli("export", "--scope", "XYZ", "--year", "2019", "--format", "iptt", "--out",
                  str(tmp_path / "x.xlsx"), data_dir=planned.root)
    assert refused.returncode == 1 and "Campus inconnu" in refused.stderr and not (tmp_path / "x.xlsx").exists()


def test_the_demo_keeps_the_reports_truth(demo_store):
    """The 2018 report sets no targets and no baselines: the demo shows none."""
    rows = queries.run("iptt", store=demo_store)
    assert rows["target"].isna().all() and rows["baseline"].isna().all()
    assert set(rows["status"]) == {"sans_cible", "non_renseigne"}



def test_the_meeting_pack_gives_each_campus_its_indicators_behind_target(planned):
    from pptx import Presentation

    from cmq.outputs import pack

    p = pack.build_from_store(planned, "region", 2019)
    prs = Presentation(io.BytesIO(pack.render(p, "pptx")))
    slides = {s.shapes.title.text: s for s in prs.slides}
    late = [t for t in slides if t.startswith("Indicateurs en retard sur leur cible")]
    assert late == ["Indicateurs en retard sur leur cible – AGT", "Indicateurs en retard sur leur cible – MSI"]
    table = next(sh.table for sh in slides[late[0]].shapes if sh.has_table)
    lines = [[c.text for c in r.cells] for r in list(table.rows)[1:]]
    assert {line[1].split(" · ")[0] for line in lines} == {"AGT-I01", "AGT-I04"}
    cumulative = next(line for line in lines if line[1].startswith("AGT-I04"))
    assert cumulative[3:6] == ["5 (cumul)", "3", "60\u00a0%"] and cumulative[6] == "2019 : un comité reporté"
    assert list(pack.contents(p)["Titre"]).count(late[0]) == 1, "the pack page lists the same slides"
