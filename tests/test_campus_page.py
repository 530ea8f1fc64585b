"""The Campus page: identity, objective tree with indicator status, actions, reach and funding of one campus."""
from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from cmq.core import queries

from conftest import app_test, frame


def campus_page(code: str) -> AppTest:
    at = app_test()
    at.query_params["campus"] = code
    at.run()
    at.switch_page("cmq/app/pages/campus.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_agt_tree_and_values(data_dir):
    at = campus_page("AGT")
    assert at.title[0].value == "Campus AGT – Alimentation, Goût, Tourisme"
    assert "GIP Créativ'21" in at.markdown[0].value and "labellisé en 2017" in at.markdown[0].value
    tree = frame(at, "Niveau")
    assert (tree["Niveau"] == "Objectif stratégique").sum() == 7
    row = tree[tree["Intitulé"].str.contains("Nombre de rencontres auprès des acteurs")].iloc[0]
    assert row["Valeur 2018"] == "88" and row["État"] == "Renseigné, sans cible" and row["Cible 2018"] == ""
    assert (tree["État"] == "Non renseigné").sum() > 40, "indicators the report gives no value for stay empty"
    assert len(frame(at, "Action")) == 14 + 1, "its own, and the six campuses' PRIC fiche it carries jointly"
    milestones = frame(at, "Jalon")
    assert "Inauguration du CMQ et Assemblée Générale" in set(milestones["Intitulé"])
    assert (milestones["Campus"] == "Région").sum() == 5 and set(milestones["Campus"]) == {"AGT", "Région"}
    funding = frame(at, "Financeur")
    assert "non renseigné" in set(funding[funding["Financeur"] == "Dijon Métropole"]["Montant"])
    assert set(funding[funding["Financeur"] == "Région Bourgogne-Franche-Comté"]["Montant"]) == {"15\u202f000\u00a0€"}


def test_joint_action_shows_on_the_associated_campus(data_dir):
    at = campus_page("MMA")
    actions = frame(at, "Action")
    assert any("ESPE" in t for t in actions["Action"])


def test_tree_status_against_target(store_copy):
    from cmq.core import ingest

    data = ("Code campus;Identifiant indicateur;Année;Valeur;Cible\n"
            "AGT;AGT-I01;2019;100;90\nAGT;AGT-I04;2019;2;4\n").encode()
    assert ingest.import_bytes(store_copy, "indicator_values", data, "t.csv", user="admin").status == "committed"
    tree = queries.run("objective_tree", store=store_copy, campus="AGT", year=2019).set_index("node_id")
    assert tree.loc["AGT-I01", "status"] == "atteint"
    assert tree.loc["AGT-I04", "status"] == "en_retard"
    assert tree.loc["AGT-I05", "status"] == "non_renseigne"
    latest = queries.run("objective_tree", store=store_copy, campus="AGT", year=None).set_index("node_id")
    assert latest.loc["AGT-I01", "year"] == 2019, "without a year, each indicator's latest value counts"


def test_campus_without_data_says_what_to_import(store_copy, monkeypatch):
    from cmq.core import ingest

    new = ("Code campus;Nom;Région;Filière;Label\nNEW;Nouveau campus;Bretagne;Numérique, télécommunications;standard\n").encode()
    assert ingest.import_bytes(store_copy, "campuses", new, "c.csv", user="admin").status == "committed"
    monkeypatch.setenv("CMQ_DATA_DIR", str(store_copy.root))
    at = campus_page("NEW")
    infos = [i.value for i in at.info]
    assert any("Aucune action" in i for i in infos)
    assert isinstance(frame(at, "Financeur"), pd.DataFrame)
