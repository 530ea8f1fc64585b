"""The demo is the 2018 activity report of the six CMQ of Bourgogne-Franche-Comté, figure for figure."""
from __future__ import annotations

import csv
import io
import shutil

import pyarrow.parquet as pq
import pytest

from cmq.core import ingest, queries, schema
from cmq.core.demo import DEMO_DIR, open_store
from cmq.core.store import Store, files
from cmq.outputs import charts, export


def q(store, sql, **params):
    return store.read(sql, params)


def test_demo_files_are_french_csv_with_a_source_on_every_row():
    for name in schema.TABLES:
        raw = (DEMO_DIR / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{name}.csv must be UTF-8 with BOM"
        rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8")), delimiter=";"))
        assert rows[0] == [c.header for c in schema.table(name).columns]
        src = rows[0].index("Source")
        assert all(r[src].startswith("Rapport 2018") for r in rows[1:]), name


def test_every_demo_file_went_through_the_import_path(demo_store):
    b = q(demo_store, "select table_name, rows, inserted from batches")
    assert set(b["table_name"]) == set(schema.TABLES)
    assert (b["rows"] == b["inserted"]).all()


def test_six_campuses_with_label_year_and_carrier(demo_store):
    c = q(demo_store, "select * from campuses order by campus_id").set_index("campus_id")
    assert list(c.index) == ["AGT", "AMF", "ITIP", "MMA", "MSI", "TI"]
    assert c.loc["AMF", "labelled_year"] == 2016
    assert (c.drop("AMF")["labelled_year"] == 2017).all()
    assert c.loc["MMA", "carrier"] == "Lycée des Huisselets" and c.loc["MMA", "carrier_type"] == "lycee"
    assert c.loc["TI", "carrier"] == "Lycée des Marcs d'Or" and c.loc["TI", "carrier_type"] == "lycee"
    assert c.loc["ITIP", "carrier_type"] == "enseignement_superieur" and c.loc["MSI", "carrier_type"] == "enseignement_superieur"
    assert c.loc["AGT", "carrier_type"] == "gip" and c.loc["AMF", "carrier_type"] == "gip"
    assert set(c["city"]) == {"Dijon", "Montbéliard", "Le Creusot", "Besançon"}
    assert c["latitude"].between(46, 48.5).all() and c["longitude"].between(3, 7.5).all()


def test_region_gives_15k_per_campus_for_three_years(demo_store):
    r = q(demo_store, "select campus_id, year, amount_eur, status from funding where funder = 'Région Bourgogne-Franche-Comté'")
    assert len(r) == 18 and (r["amount_eur"] == 15000).all()
    assert set(r["year"]) == {2018, 2019, 2020}
    assert set(r[r["year"] == 2018]["status"]) == {"acquis"} and set(r[r["year"] > 2018]["status"]) == {"prevu"}


def test_known_funding_figures(demo_store):
    pma = q(demo_store, "select year, amount_eur from funding where funder = 'Pays de Montbéliard Agglomération' order by year")
    assert pma.values.tolist() == [[2017, 30000.0], [2018, 15000.0]]
    ubfc = q(demo_store, "select campus_id, amount_eur from funding where funder like 'UBFC%'")
    assert ubfc.values.tolist() == [["ITIP", 20000.0]]
    kpi = queries.run("overview_kpis", store=demo_store, year=2018).iloc[0]
    assert kpi["funding_known_eur"] == 6 * 15000 + 15000 + 20000


def test_amounts_the_report_does_not_give_stay_empty(demo_store):
    unknown = q(demo_store, "select funder from funding where amount_eur is null")["funder"].tolist()
    for funder in ("Dijon Métropole", "Communauté Urbaine Creusot Montceau", "Rectorats de Besançon et de Dijon"):
        assert funder in unknown
    assert q(demo_store, "select count(*) n from funding where amount_eur = 0")["n"].iloc[0] == 0
    f = queries.run("funding_by_funder", store=demo_store, year=2018).set_index("funder")
    assert f.loc["Dijon Métropole", "lines_amount_unknown"] == 1
    assert f.loc["Dijon Métropole", "acquired_eur"] != f.loc["Dijon Métropole", "acquired_eur"]  # NaN, not 0


def test_reach_figures_of_chapter_3(demo_store):
    def reach(action, audience, campus=None):
        return q(demo_store, "select count from reach where action_id = $a and audience = $au "
                             "and ($c is null or campus_id = $c)", a=action, au=audience, c=campus)["count"].tolist()
    assert reach("MSI-A23", "collegiens") == [221]            # SMILE / Olympiades des Métiers, 8 collèges EP
    assert reach("MSI-A12", "enseignants") == [60]            # forum École-Entreprise DAFPIC
    assert reach("MSI-A11", "enseignants") == [18]            # MICRONORA, référents École-Entreprise
    assert reach("MSI-A09", "enseignants", "MSI") == [28]     # ESPE: 26 stagiaires + 2 enseignants
    assert reach("AMF-A04", "lyceens") == [8]                 # PSA Sochaux
    assert reach("AGT-A05", "entreprises") == [60] and reach("AGT-A08", "entreprises") == [25]
    agt = q(demo_store, "select sum(count) n from reach where action_id = 'AGT-A04'")["n"].iloc[0]
    assert agt == 31 + 6 + 7 + 10 + 3 + 16 + 15


def test_joint_action_counts_once_in_regional_totals(demo_store):
    both = queries.run("reach_by_audience", store=demo_store, year=2018).set_index("audience")
    msi = queries.run("reach_by_audience", store=demo_store, year=2018, campuses=["MSI"]).set_index("audience")
    mma = queries.run("reach_by_audience", store=demo_store, year=2018, campuses=["MMA"]).set_index("audience")
    assert mma.loc["enseignants", "reached"] == 28
    assert msi.loc["enseignants", "reached"] == 28 + 18 + 60
    # the region: AGT's ~50 teachers + MSI's three actions, the joint ESPE action once (the inspectors apart)
    assert both.loc["enseignants", "reached"] == 50 + 28 + 18 + 60


def test_ti_actions_follow_annex_i(demo_store):
    a = q(demo_store, "select status, count(*) n from actions where source like '%Annexe I%' "
                      "and (campus_id = 'TI' or list_contains(string_split(co_campuses, ','), 'TI')) group by 1")
    # the PRIC fiche of the six campuses, which Annex I classes as projected, is one joint action « en cours »
    assert dict(zip(a["status"], a["n"])) == {"en_cours": 7 + 1, "prevue": 5 - 1, "terminee": 5}


def test_agt_objective_tree_is_annex_a(demo_store):
    o = q(demo_store, "select * from objectives where campus_id = 'AGT'")
    strategic = o[o["level"] == "strategique"].sort_values("position")["title"].tolist()
    assert len(strategic) == 7
    assert strategic[0] == "Lancement et pilotage du Campus"
    assert strategic[4] == "Développer les mobilités à l'international des jeunes"
    ind = q(demo_store, "select i.name, o.level from indicators i join objectives o using (objective_id) where i.campus_id = 'AGT'")
    assert len(ind) == 59  # every indicator of Annex A
    assert "Nombre de citations du CMQ dans des articles de presse" in set(ind["name"])
    assert set(ind["level"]) <= {"operationnel", "realisation"}


def test_indicator_values_are_only_the_report_figures(demo_store):
    v = q(demo_store, "select * from indicator_values")
    assert v["target"].isna().all(), "the report sets no target"
    assert v["source"].str.startswith("Rapport 2018").all()
    got = dict(zip(v["indicator_id"], v["value"]))
    name = dict(q(demo_store, "select indicator_id, name from indicators").values)
    by_name = {name[k]: val for k, val in got.items()}
    assert by_name["Nombre de rencontres auprès des acteurs"] == 88
    assert by_name["Nombre d'entreprises visitées"] == 13
    assert by_name["Financements obtenus sur appel à projets"] == 20000
    assert len(v) < len(name) / 2, "most indicators have no value in the report and stay empty"


def test_eleven_criteria_and_positioning(demo_store):
    assert q(demo_store, "select count(*) n from criteria")["n"].iloc[0] == 11
    a = q(demo_store, "select campus_id, criterion_no, level, comment from criteria_assessments where year = 2018")
    assert len(a) == 66
    assert set(a[a["criterion_no"] == 4]["level"]) == {3}       # gouvernance: au-delà
    assert set(a[a["criterion_no"] == 10]["level"]) == {0}      # international: à engager
    amf2 = a[(a["campus_id"] == "AMF") & (a["criterion_no"] == 2)]["comment"].iloc[0]
    assert "300 km" in amf2


def test_only_the_governance_level_is_stated_by_the_report(demo_store):
    """§4.1 states one level in words (governance « au delà des exigences … quelle que soit la catégorie »); every
    other level is read from its prose and must say so, in the data and on every figure that shows it."""
    a = q(demo_store, "select criterion_no, level_basis from criteria_assessments")
    assert set(a[a["criterion_no"] == 4]["level_basis"]) == {"enonce"}
    assert set(a[a["criterion_no"] != 4]["level_basis"]) == {"interprete"}
    grid = queries.run("criteria_grid", store=demo_store, year=2018)
    heat = charts.criteria_heatmap(grid, "grille").to_dict()
    cells = [t for row in heat["data"][0]["text"] for t in row]
    assert sum(t.endswith("*") for t in cells) == 60 and "Au-delà" in cells, "the stated level carries no mark"
    assert "60 niveau(x) sur 66 interprété(s)" in heat["layout"]["annotations"][-1]["text"]
    radar = charts.criteria_radar(grid, "MSI", "profil").to_dict()
    symbols = radar["data"][1]["marker"]["symbol"]
    assert symbols.count("circle") == 1 + (symbols[0] == "circle") and "circle-open" in symbols
    assert any("interprété" in str(c) for c in radar["data"][1]["customdata"])
    shown = export.french(grid)  # what « Données CSV » and the Excel exports write
    assert set(shown["Fondement du niveau"]) == {"Niveau interprété du texte de la source", "Niveau énoncé par la source"}
    assert any("interprété" in n for n in export.notes_of(charts.criteria_heatmap(grid, "grille"))), \
        "the meeting pack carries the figure's notes beside it"


@pytest.mark.parametrize("name", ["PFT « Académie du Cuir »", "PFT « Usinage à grande vitesse » (UGV)", "PERCIPIO ROBOTICS",
                                  "Vitagora", "Lycée Jules Haag"])
def test_partners_of_annexes(demo_store, name):
    assert q(demo_store, "select count(*) n from partners where name like '%' || $n || '%'", n=name)["n"].iloc[0] == 1


def test_inspectors_are_not_counted_as_teachers(demo_store):
    """Note 1 of §3.1.3: AGT's director met « 7 inspecteurs académiques »; the report's teachers of 2018 are 50 (AGT,
    « une cinquantaine »), 28 (the ESPE action of MSI and MMA, once), 18 and 60 (MSI): 156, not 163."""
    reach = queries.run("reach_by_audience", store=demo_store, year=2018).set_index("audience")["reached"]
    assert reach["enseignants"] == 156
    assert reach["encadrement_education"] == 7


def test_thirteen_technological_platforms(demo_store):
    assert q(demo_store, "select count(*) n from partners where partner_type = 'plateforme_technologique'")["n"].iloc[0] == 13


def test_an_untouched_demo_store_follows_its_files(tmp_path):
    """A newer release of the demo files (or of the contract) reaches a demo store built before it, through the
    import path; a demo store someone imported into is theirs and is left as it is."""
    demo_dir = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, demo_dir)
    open_store(tmp_path / "s", demo_dir, demo=True)
    reach = demo_dir / "reach.csv"
    reach.write_bytes(reach.read_bytes().replace(b";collegiens;;221;", b";collegiens;;222;"))
    store = open_store(tmp_path / "s", demo_dir, demo=True)
    count = "select count from reach where action_id = 'MSI-A23' and audience = 'collegiens'"
    assert q(store, count)["count"].tolist() == [222]
    (demo_dir / "actions.csv").write_bytes(b"".join(line for line in (demo_dir / "actions.csv").read_bytes()
                                                    .splitlines(keepends=True) if b"TI-A15;" not in line))
    store = open_store(tmp_path / "s", demo_dir, demo=True)
    assert q(store, "select count(*) n from actions where action_id = 'TI-A15'")["n"].iloc[0] == 0, \
        "a row the new files no longer hold goes too"
    rep = ingest.import_bytes(store, "reach", "Code campus;Identifiant action;Année;Public;Nombre\nAGT;AGT-A05;2019;"
                              "enseignants;12\n".encode(), "reach.csv", user="admin")  # even named like the demo's
    assert rep.status == "committed"
    reach.write_bytes(reach.read_bytes().replace(b";collegiens;;222;", b";collegiens;;223;"))
    assert q(open_store(tmp_path / "s", demo_dir, demo=True), count)["count"].tolist() == [222]


def test_files_written_before_a_column_existed_still_read(store_copy):
    """A store written by an older release lacks the columns the contract gained since: they read as empty."""
    n = len(store_copy.current("reach"))
    m = store_copy.manifest()
    rel, old = "reach/d99999999.parquet", m["files"]["reach"][0]
    m["sums"][rel] = files.write_parquet(store_copy.root / rel, pq.read_table(store_copy.root / old).drop(["comment"]))
    m["files"]["reach"], m["current"]["reach"]["delta"] = [rel], rel  # data files are never rewritten in place
    store_copy._write_manifest(m)
    got = Store(store_copy.root).read("select count(*) as n, count(comment) as c from reach")
    assert got["n"].iloc[0] == n and got["c"].iloc[0] == 0


# ---- what the report states, written from it (issue: trust in the demo)

@pytest.mark.parametrize("campus, partner", [
    ("AGT", "Forco"), ("AMF", "Pays de Montbéliard Agglomération"), ("AMF", "MOV'EO"), ("AMF", "Lycée Germaine Tillion"),
    ("AMF", "Chambre de Commerce"), ("ITIP", "UIMM 71"), ("ITIP", "Fondation UNIT"), ("ITIP", "Communauté Urbaine Creusot Montceau"),
    ("MMA", "Lycée des Huisselets"), ("MMA", "Manufacture Hermès"), ("MMA", "Lycée de la Céramique"),
    ("MSI", "DRDFE"), ("MSI", "Plateforme partenariale de l'ENSMM"), ("MSI", "AGORANOV"),
    ("TI", "Lycée Les Marcs d'Or"), ("TI", "Schneider Electric"),
])
def test_partners_the_chapters_name_are_linked_to_their_campus(demo_store, campus, partner):
    found = q(demo_store, "select count(*) n from campus_partners l join partners p using (partner_id) "
                          "where l.campus_id = $c and p.name like '%' || $p || '%'", c=campus, p=partner)
    assert found["n"].iloc[0] == 1


def test_every_campus_has_its_direccte_contact_and_emfor(demo_store):
    """§2.2.2 « Chaque CMQ dispose d'un interlocuteur privilégié au sein de la DIRECCTE »; §2.2.1 EMFOR for all."""
    for partner in ("DIRECCTE", "EMFOR"):
        linked = q(demo_store, "select distinct campus_id from campus_partners where partner_id = $p", p=partner)
        assert set(linked["campus_id"]) == {"AGT", "AMF", "ITIP", "MMA", "MSI", "TI"}


def test_the_five_yes_no_pairs_of_annex_f(demo_store):
    v = q(demo_store, "select value, comment from indicator_values where source = 'Rapport 2018 Annexe F' order by indicator_id")
    assert v["value"].tolist() == [70, 89, 61, 83, 66]
    assert all("six questions et donne cinq paires" in c for c in v["comment"]), "the pairing rule is said, not hidden"


def test_audiences_as_the_report_counts_them(demo_store):
    r = q(demo_store, "select action_id, audience, detail, count from reach")
    ag = r[r["action_id"] == "AGT-A03"]
    assert ag[["audience", "count"]].values.tolist() == [["acteurs", 60]], "the General Assembly's participants are people"
    mixed = r[r["action_id"] == "MSI-A24"]
    assert mixed[["audience", "count"]].values.tolist() == [["collegiens_lyceens", 30]], "the report does not split them"
    note = r[r["action_id"] == "AGT-A04"].set_index("detail")["count"].to_dict()
    assert note == {"lycées professionnels et agricoles": 31, "CFA": 6, "inspecteurs académiques": 7,
                    "organismes de formation continue": 10, "enseignement supérieur et recherche": 3,
                    "structures des branches professionnelles": 16,
                    "acteurs institutionnels et du développement économique": 15}
    inspectors = r[(r["action_id"] == "AGT-A04") & (r["detail"] == "inspecteurs académiques")]["audience"].iloc[0]
    assert inspectors not in ("etablissements", "institutionnels"), "seven people are not structures"
    k = queries.run("overview_kpis", store=demo_store, year=2018, campuses=["AGT"]).iloc[0]
    assert k["structures_reached"] == 31 + 6 + 10 + 3 + 16 + 15 + 60 + 25 + 3   # establishments, structures, companies
    assert k["people_reached"] == 60 + 7 + 50


def test_the_six_campuses_pric_fiche_is_one_joint_action(demo_store):
    a = q(demo_store, "select action_id, campus_id, co_campuses from actions where title like '%PRIC%'")
    joint = a[a["co_campuses"].notna()]
    assert len(joint) == 1 and {joint["campus_id"].iloc[0], *joint["co_campuses"].iloc[0].split(",")} == \
        {"AGT", "AMF", "ITIP", "MMA", "MSI", "TI"}
    assert len(a) == 2, "the fiche, and MSI's own two answers (« Trois réponses » in all)"
    pric = q(demo_store, "select count(*) n from funding where funder like 'PRIC%'")["n"].iloc[0]
    aer = q(demo_store, "select count(*) n from funding where funder = 'AER-BFC'")["n"].iloc[0]
    assert pric == 1 and aer == 1, "one request and one in-kind contribution, each one funding line"


def test_governance_milestones_the_report_dates(demo_store):
    m = queries.run("milestones", store=demo_store, campuses=["AGT"])
    dates = {r.milestone_id: str(r.start_date)[:10] for r in m.itertuples()}
    assert dates["REG-COPIL-2018-04"] == "2018-04-24" and dates["REG-COPIL-2018-06"] == "2018-06-21"
    assert dates["REG-COPIL-2018-10"] == "2018-10-23" and dates["REG-CREFOP-2019-02"] == "2019-02-07"
    assert dates["AGT-AG-2018"] == "2018-09-20" and "AMF-DO" not in dates, "another campus's milestone stays out"
    assert m.set_index("milestone_id").loc["REG-CR", "date_text"] == "mi-janvier 2018"
    amf = queries.run("milestones", store=demo_store, campuses=["AMF"]).set_index("milestone_id")
    assert amf.loc["AMF-DO", "date_text"] == "janvier 2017"
