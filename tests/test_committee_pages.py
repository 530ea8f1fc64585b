"""Actions, Publics touchés, Financements and Complétude: what the committee reads on each page, from the demo store."""
from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest

from cmq.core import ingest, queries
from cmq.core.filters import Filters
from cmq.core.store import Store
from cmq.outputs import registry

from conftest import app_test, frame


def page(name: str, **params) -> AppTest:
    at = app_test()
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"cmq/app/pages/{name}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def decoded(obj):
    """Plotly's JSON with its base64 typed arrays ({"dtype", "bdata"}) turned back into lists."""
    if isinstance(obj, dict) and "bdata" in obj:
        arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
        shape = [int(n) for n in str(obj.get("shape", len(arr))).split(",")]
        return arr.reshape(shape).tolist()
    if isinstance(obj, dict):
        return {k: decoded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decoded(v) for v in obj]
    return obj


def figure(at: AppTest, key: str) -> dict:
    """The plotly figure a page drew under `key`, as a plain dict."""
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return decoded(json.loads(chart.proto.spec))


# ---- Actions


def test_register_search_status_objective_and_matrix(data_dir):
    at = page("actions")
    register = frame(at, "Identifiant")
    assert len(register) == 110, "2018 actions of the six campuses (a joint action is listed under each)"
    at.text_input(key="act_search").set_value("theatre").run()  # no accent typed: still found
    found = frame(at, "Identifiant")
    assert list(found["Identifiant"]) == ["AGT-A07"] and found.iloc[0]["Statut"] == "En cours"
    at.text_input(key="act_search").set_value("").run()
    at.multiselect(key="act_status").set_value(["prevue"]).run()
    assert set(frame(at, "Identifiant")["Statut"]) == {"Prévue"}
    at.multiselect(key="act_status").set_value([]).run()
    at.selectbox(key="act_objective").set_value("AGT-S1").run()  # a strategic objective: actions under it at any level
    under = set(frame(at, "Identifiant")["Identifiant"])
    assert {"AGT-A01", "AGT-A03", "AGT-A04"} <= under and "AGT-A05" not in under
    matrix = frame(at, "AGT-S1")
    a01 = matrix[matrix["Action"].str.startswith("AGT-A01")].iloc[0]
    assert bool(a01["AGT-S1"]) and not bool(a01["AGT-S4-O1-R1"]) and a01["Objectifs"] == 1


def test_timeline_shows_dated_actions_with_french_months(data_dir):
    at = page("actions")
    timeline = figure(at, "act_timeline")
    labels = [y for t in timeline["data"] for y in t["y"]]
    assert len(labels) == 8 and any("Inauguration du CMQ" in y for y in labels)
    assert "sept. 2018" in timeline["layout"]["xaxis"]["ticktext"]
    assert any(c.value.startswith("102 action(s) sur 110 n'ont pas de date") for c in at.caption)
    columns = ["Année", "Campus", "Identifiant", "Action", "Statut"]
    assert not any(list(d.value.columns) == columns for d in at.dataframe), "listed once the expander is opened"
    at.session_state["act_undated"] = True
    at.run()
    undated = next(d.value for d in at.dataframe if list(d.value.columns) == columns)
    assert len(undated) == 102 and undated["Année"].is_monotonic_increasing, "every undated action listed, by year"


def test_matrix_says_when_a_campus_has_no_linked_objective(data_dir):
    at = page("actions", campus="TI")
    at.selectbox(key="act_matrix_campus").set_value("TI").run()
    assert any("ne sont rattachées à aucun objectif" in i.value for i in at.info)


def test_register_query_finds_joint_actions_under_the_associated_campus(demo_store):
    mma = queries.run("action_register", store=demo_store, year=2018, campuses=["MMA"], statuses=None, objective=None,
                      search="ESPE")
    assert (mma["campus_id"] == "MSI").any(), "the ESPE action is led by MSI with MMA associated"


# ---- Publics touchés


def test_reach_page_counts_joint_action_once(data_dir):
    at = page("reach")
    assert metric(at, "Personnes touchées") == "514" and metric(at, "Structures touchées") == "291"
    assert metric(at, "Part des femmes") == "non renseigné", "no campus reports women in 2018: no share invented"
    years = queries.run("reach_by_year_audience", store=Store(data_dir), campuses=None)
    teachers = years[(years["year"] == 2018) & (years["audience"] == "enseignants")]["reached"].iloc[0]
    assert teachers == 156, "the joint ESPE action (28 teachers, reported by MSI and MMA) is counted once, inspectors apart"


def test_women_share_from_the_figures_that_give_it(data_dir, store_copy):
    csv = ("Code campus;Identifiant action;Année;Public;Nombre;Dont femmes\n"
           "MSI;MSI-A23;2018;collegiens;221;100\n").encode()
    assert ingest.import_bytes(store_copy, "reach", csv, "femmes.csv", user="admin").status == "committed"
    at = page("reach")
    assert metric(at, "Part des femmes") == "45\u00a0%", "100 women out of the 221 pupils of the one figure giving it"
    share = figure(at, "reach_women")["data"][0]
    assert share["text"] == ["45\u00a0%"]


# ---- Financements


def test_funding_page_known_unknown_and_private_share(data_dir, store_copy):
    at = page("funding")
    assert metric(at, "Montants connus") == "125\u202f000\u00a0€" and metric(at, "Dont acquis") == "125\u202f000\u00a0€"
    assert metric(at, "Part privée") == "non renseigné", "the two company lines give no amount: no 0 % invented"
    unknown = frame(at, "Montant")
    # the six campuses' one PRIC request and the one in-kind contribution to the joint ESPE action: one line each
    assert len(unknown) == 20 and set(unknown["Montant"]) == {"non renseigné"}
    sankey = figure(at, "fund_sankey")["data"][0]
    assert any(label.startswith("Région Bourgogne-Franche-Comté · 90\u202f000") for label in sankey["node"]["label"])
    assert sum(sankey["link"]["value"]) == 125000
    csv = ("Code campus;Financeur;Année;Programme;Type de financeur;Montant (€);Nature;Statut\n"
           "AGT;Entreprise X;2018;Mécénat;entreprise;25 000;financier;acquis\n").encode("cp1252")
    assert ingest.import_bytes(store_copy, "funding", csv, "mecenat.csv", user="admin").status == "committed"
    at = page("funding")
    assert metric(at, "Part privée") == "17\u00a0%", "25 000 € of 150 000 € known"


def test_kind_status_chart_counts_lines_with_no_amount(data_dir):
    at = page("funding")
    bars = {t["name"]: dict(zip(t["y"], t["x"])) for t in figure(at, "fund_kind")["data"]}
    assert bars["Acquis"]["Poste"] == 6 and bars["Acquis"]["En nature"] == 8 and bars["Demandé"]["Financier"] == 3


# ---- Complétude


def test_completeness_grid_and_detail(data_dir):
    at = page("completeness", annee="2018")
    grid = figure(at, "comp_grid")["data"][0]
    cells = dict(zip(grid["y"], (row[0] for row in grid["text"])))
    assert cells["AGT"] == "4 / 59" and cells["MSI"] == "8 / 8"
    at.selectbox(key="comp_campus").set_value("AGT").run()
    detail = figure(at, "comp_detail")["data"][0]
    states = dict(zip(detail["y"], (row[0] for row in detail["z"])))
    assert states[next(y for y in states if y.startswith("AGT-I01 "))] == 0  # renseignée
    assert states[next(y for y in states if y.startswith("AGT-I02 "))] == 2  # manquante


def test_campus_that_has_not_reported_is_named(demo_store):
    grid = queries.run("completeness_grid", store=demo_store, year=2019, campuses=None)
    assert set(grid["campus_id"]) == {"AGT", "AMF", "ITIP", "MMA", "MSI", "TI"}
    assert (grid["with_value"] == 0).all() and (grid.set_index("campus_id").loc["AGT", "indicators"] == 59)


def test_rows_behind_a_chart_are_read_when_the_expander_opens(data_dir):
    at = app_test()
    at.run()
    assert not any("Fichier importé" in df.value.columns for df in at.dataframe)  # closed: nothing read
    at.session_state["reach_rows"] = True  # the « Voir les données » expander under « Publics touchés »
    at.run()
    rows = frame(at, "Fichier importé")
    assert set(rows["Fichier importé"]) == {"reach.csv"} and len(rows) == 39  # the 2018 figures
    assert set(rows["Importé par"]) == {"admin"}


def test_one_meaning_per_colour_on_the_funding_page(demo_store):
    """A colour says the same thing in every chart of Financements (a status in blues, a funder type in its own hue),
    whatever the data holds."""
    meaning: dict[str, set] = {}
    for year in (2018, None):
        ctx = Filters(year=year)
        for name in registry.PAGE["funding"].figures + ("financements",):
            spec = registry.FIGURES[name]
            fig = spec.chart(queries.run(spec.query, store=demo_store, **spec.params(ctx)), ctx)
            colorway = list(fig.layout.colorway or [])
            for i, t in enumerate(t for t in fig.data if t.type == "bar"):
                colour = t.marker.color if isinstance(t.marker.color, str) else colorway[i % len(colorway)]  # as drawn
                meaning.setdefault(colour.upper(), set()).add(t.name)
    assert meaning and all(len(names) == 1 for names in meaning.values()), meaning
