"""The Campus page: identity, objective tree with indicator status, actions, reach and funding of one campus."""
from __future__ import annotations

import itertools

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cmq.core import auth, queries
from cmq.outputs import charts, palette

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
    assert row["Réalisé 2018"] == "88" and row["État"] == "Sans cible" and row["Cible 2018"] == ""
    assert row["% 2018"] == "" and "Référence" not in tree, "the report gives no target nor baseline: none is shown"
    assert row["Récit"].startswith("2018 : Acteurs rencontrés")
    assert (tree["État"] == "Non renseigné").sum() > 40, "indicators the report gives no value for stay empty"
    assert len(frame(at, "Action")) == 14 + 1, "its own, and the six campuses' PRIC fiche it carries jointly"
    milestones = frame(at, "Jalon")
    assert "Inauguration du CMQ et Assemblée Générale" in set(milestones["Intitulé"])
    region = "Région Bourgogne-Franche-Comté"  # its committee's, named
    assert (milestones["Campus"] == region).sum() == 5 and set(milestones["Campus"]) == {"AGT", region}
    funding = frame(at, "Financeur")
    assert "non renseigné" in set(funding[funding["Financeur"] == "Dijon Métropole"]["Montant"])
    assert set(funding[funding["Financeur"] == "Région Bourgogne-Franche-Comté"]["Montant"]) == {"15\u202f000\u00a0€"}


def test_joint_action_shows_on_the_associated_campus(data_dir):
    at = campus_page("MMA")
    actions = frame(at, "Action")
    assert any("ESPE" in t for t in actions["Action"])


def test_tree_status_against_target(store_copy):
    from cmq.core import ingest

    data = ("Code campus;Identifiant indicateur;Année;Valeur;Cible;Commentaire\n"
            "AGT;AGT-I01;2019;100;90;\nAGT;AGT-I04;2019;2;4;un comité reporté\nAGT;AGT-I05;2019;;3;\n").encode()
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


def synthetic_tree(strategic: int, operational: int, indicators: int):
    """A campus tree of strategic × operational × indicators, the statuses in turn."""
    statuses = itertools.cycle(["atteint", "en_retard", "sans_cible", "non_renseigne"])
    rows = [dict(node_id="X", parent_id=None, kind="campus", title="XYZ – Campus", year=None, value=None, target=None,
                 status=None)]
    for s in range(strategic):
        rows.append(dict(node_id=f"S{s}", parent_id="X", kind="strategique", title=f"Objectif stratégique {s} " * 4,
                         year=None, value=None, target=None, status=None))
        for o in range(operational):
            rows.append(dict(node_id=f"S{s}O{o}", parent_id=f"S{s}", kind="operationnel", title=f"Objectif {s}.{o}",
                             year=None, value=None, target=None, status=None))
            for i in range(indicators):
                status = next(statuses)
                filled = status != "non_renseigne"
                rows.append(dict(node_id=f"S{s}O{o}I{i}", parent_id=f"S{s}O{o}", kind="indicateur", title=f"Indicateur {i}",
                                 year=2018 if filled else None, value=10 if filled else None,
                                 target=12 if status in ("atteint", "en_retard") else None, status=status))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("shape", [(7, 2, 4), (10, 3, 5)])  # 56 and 150 indicators
def test_the_tree_opens_on_strategic_objectives_readable_at_any_size(shape):
    """The tree opens on the campus and its strategic objectives only (a click opens one), every box big enough for
    its words (a tenth of the height at least), each objective's progress written in it, and each indicator's status
    named, not only coloured."""
    df = synthetic_tree(*shape)
    tree = charts.objective_tree(df, "Arbre").data[0]
    assert tree.maxdepth == 2
    sizes = dict(zip(tree.ids, tree["values"]))
    children: dict = {}
    for node, parent in zip(tree.ids, tree.parents):
        children.setdefault(parent, []).append(node)

    def height(node):
        return sizes[node] + sum(height(c) for c in children.get(node, []))
    strategic = [n for n in tree.ids if n.count("S") == 1 and "O" not in n]
    assert all(height(n) >= height("X") / 10 - 1e-9 for n in strategic)
    text = {n: t.replace("<br>", " ") for n, t in zip(tree.ids, tree.text)}  # lines wrapped to fit a phone's box
    indicators = shape[0] * shape[1] * shape[2]
    assert f"{indicators} indicateurs" in text["X"] and "cibles atteintes" in text["X"]
    assert all("indicateurs" in text[n] for n in strategic)
    assert "Cible atteinte" in text["S0O0I0"] and "En retard sur la cible" in text["S0O0I1"]


def test_a_director_lands_on_their_campus(data_dir, store_copy):
    store_copy.put_account(auth.new_account("directeur-msi", "directeur", ["MSI"], "msi-demo-2018-pw"))
    at = app_test("directeur-msi").run()
    at.switch_page("cmq/app/pages/campus.py").run()
    assert not at.exception and at.title[0].value.startswith("Campus MSI")
    other = app_test("comite").run()
    other.switch_page("cmq/app/pages/campus.py").run()
    assert other.title[0].value.startswith("Campus AGT"), "a reader opens on the first campus"


def test_an_objective_is_coloured_by_the_share_of_its_indicators_on_track():
    df = synthetic_tree(2, 1, 4)  # each operational objective: atteint, en retard, sans cible, non renseigné
    tree = charts.objective_tree(df, "Arbre").data[0]
    colour = dict(zip(tree.ids, tree.marker.colors))
    half = charts.progress_colour({"atteint": 1, "en_bonne_voie": 0, "en_retard": 1, "sans_cible": 1, "non_renseigne": 1})
    assert colour["S0O0"] == half == palette.PROGRESS_SCALE[1], "one of two on track: the middle of the scale"
    assert charts.progress_colour({"atteint": 2, "en_bonne_voie": 0, "en_retard": 0, "sans_cible": 0,
                                   "non_renseigne": 0}) == palette.PROGRESS_SCALE[2]
    assert charts.progress_colour({"atteint": 0, "en_bonne_voie": 0, "en_retard": 0, "sans_cible": 3,
                                   "non_renseigne": 1}) is None, "no target: the neutral colour of its level"
    assert all(palette.contrast(c, palette.ink(c)) >= palette.TEXT_MIN for c in palette.PROGRESS_SCALE)
