"""Every query of queries/ against a tiny store (tests/tiny.py: two campuses, three actions of which one is carried
jointly, five reach figures, three funding lines): the rules each query applies, computed by hand."""
from __future__ import annotations

import pandas as pd
import pytest

from cmq.core import queries

import tiny


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    store = tiny.build(tmp_path_factory.mktemp("tiny"))
    c = store.connect()
    yield c
    c.close()


def rows(con, name, **params) -> pd.DataFrame:
    return queries.run(name, con=con, **params)


def none(v):
    """A missing cell as None (NaN and NA compare unequal to everything)."""
    return None if pd.isna(v) else v


def as_dict(df, key, value) -> dict:
    return dict(zip(df[key], df[value]))


Y = {"year": 2018}
CHECKS = {  # query: (parameters, what the rows must say)
    # a joint action reported by two campuses counts once (its largest figure for each detail of an audience:
    # 25 and 6 of the teachers, « formateurs » apart), structures apart from people
    "reach_by_audience": (Y, lambda d: as_dict(d, "audience", "reached") == {"enseignants": 31, "lyceens": 10,
                                                                             "entreprises": 3}),
    "reach_women": (Y, lambda d: as_dict(d, "audience", "women") == {"enseignants": 10, "lyceens": 4}
                    and "entreprises" not in set(d["audience"])),
    "reach_by_year_audience": ({}, lambda d: {(r.year, r.audience): r.reached for r in d.itertuples()}
                               == {(2018, "enseignants"): 31, (2018, "entreprises"): 3, (2018, "lyceens"): 10,
                                   (2019, "lyceens"): 5}),
    "overview_kpis": (Y, lambda d: d.iloc[0][["campuses", "actions", "people_reached", "structures_reached",
                                              "funding_known_eur", "funding_unknown_lines", "funding_planned_eur",
                                              "funding_requested_eur"]].tolist()
                      == [2, 3, 41, 3, 1000.0, 1, 500.0, 0.0]),
    # each campus shows what it reported (the joint action under both)
    "reach_by_campus_audience": (Y, lambda d: {(r.campus_id, r.audience): r.reached for r in d.itertuples()}
                                 == {("AAA", "enseignants"): 26, ("AAA", "lyceens"): 10, ("BBB", "enseignants"): 29,
                                     ("BBB", "entreprises"): 3}),
    "campus_map": (Y, lambda d: {r.campus_id: (r.people_reached, r.reached, r.actions) for r in d.itertuples()}
                   == {"AAA": (36, 36, 2), "BBB": (29, 32, 1)}),
    "reach_rows": (Y, lambda d: len(d) == 6 and set(d["file_name"]) == {"reach.csv"} and "formateurs" in set(d["detail"])),
    # people only, every year of the action (AAA-A1: 10 in 2018 and 5 in 2019), a joint action once
    "action_register": (Y, lambda d: (lambda a: a["AAA-A1"] == 15 and a["JOINT"] == 31 and pd.isna(a["BBB-A1"]))(
        as_dict(d, "action_id", "people_reached"))),
    "action_rows": (Y, lambda d: set(d["action_id"]) == {"AAA-A1", "JOINT", "BBB-A1"}),
    "actions_by_status": (Y, lambda d: {(r.campus_id, r.status): r.actions for r in d.itertuples()}
                          == {("AAA", "en_cours"): 1, ("AAA", "terminee"): 1, ("BBB", "prevue"): 1}),
    "action_objective_links": ({**Y, "campus": "AAA"}, lambda d: as_dict(d, "action_id", "objective_id").keys()
                               == {"AAA-A1", "JOINT"} and pd.isna(as_dict(d, "action_id", "objective_id")["JOINT"])),
    "campus_actions": ({**Y, "campus": "BBB"}, lambda d: set(d["action_id"]) == {"BBB-A1", "JOINT"}),  # jointly too
    "objective_choices": ({}, lambda d: list(d["objective_id"]) == ["AAA-S1", "AAA-S1-O1"]),
    "objective_tree": ({"campus": "AAA"}, lambda d: as_dict(d, "node_id", "status").get("AAA-I1") == "en_retard"
                       and as_dict(d, "node_id", "status").get("AAA-I2") == "en_retard"  # 2019: non against oui
                       and as_dict(d, "node_id", "status").get("AAA-I3") == "atteint"
                       and as_dict(d, "node_id", "parent_id")["AAA-I1"] == "AAA-S1-O1"),
    "completeness_grid": (Y, lambda d: {r.campus_id: (r.indicators, r.with_value) for r in d.itertuples()}
                          == {"AAA": (5, 5), "BBB": (0, 0)}),
    "completeness_indicators": ({**Y, "campus": "AAA"}, lambda d: set(d["state"]) == {"renseigne"} and len(d) == 5),
    "criteria_grid": (Y, lambda d: {r.campus_id: r.level for r in d.itertuples() if not pd.isna(r.level)} == {"AAA": 2}
                      and len(d) == 2),
    # an amount not known is counted apart, never as 0
    "funding_by_funder": (Y, lambda d: as_dict(d, "funder", "acquired_eur")["Région"] == 1000.0
                          and as_dict(d, "funder", "expected_eur")["Région"] == 500.0
                          and pd.isna(as_dict(d, "funder", "acquired_eur")["Rectorat"])
                          and as_dict(d, "funder", "lines_amount_unknown")["Rectorat"] == 1),
    "funding_by_kind_status": (Y, lambda d: {(r.kind, r.status): r.lines_amount_unknown for r in d.itertuples()}
                               == {("financier", "acquis"): 0, ("financier", "prevu"): 0, ("poste", "acquis"): 1}),
    "funding_by_year": ({}, lambda d: as_dict(d, "funder_type", "amount_eur")["region"] == 1500.0
                        and pd.isna(as_dict(d, "funder_type", "amount_eur")["etat"])),
    "funding_flows": (Y, lambda d: {(r.funder, r.campus_id) for r in d.itertuples()}
                      == {("Région", "AAA"), ("Région", "BBB"), ("Rectorat", "AAA")}),
    "funding_kpis": (Y, lambda d: d.iloc[0][["lines", "funders", "known_eur", "acquired_eur", "lines_amount_unknown"]]
                     .tolist() == [3, 2, 1500.0, 1000.0, 1]),
    "funding_rows": (Y, lambda d: len(d) == 3),
    "funding_unknown": (Y, lambda d: list(d["funder"]) == ["Rectorat"]),
    "campus_funding": ({**Y, "campus": "BBB"}, lambda d: d[["funder", "amount_eur", "status"]].values.tolist()
                       == [["Région", 500.0, "prevu"]]),
    # a batch of two campuses is listed under each
    "batch_history": ({"campus": "BBB"}, lambda d: set(d["table_name"]) == {"campuses", "actions", "reach", "funding",
                                                                            "milestones", "campus_partners"}),
    # the region's milestones (no campus) come with any choice of campuses, oldest first
    "milestones": ({"campuses": ["AAA"]}, lambda d: list(d["milestone_id"]) == ["REG-1", "A-1"]),
    # a campus with a target only has figures; one with nothing for the year has none
    "campuses_with_figures": ({"year": 2018, "campuses": None}, lambda d: "AAA" in set(d["campus_id"])),
    "pack_batches": ({"campuses": ["BBB"], "until": None}, lambda d: "indicator_values" not in set(d["table_name"])
                     and "criteria" in set(d["table_name"])),
    # per indicator × year: a share never 0 for a missing side, a cumulative indicator read as its running sums
    "iptt": ({"campus": "AAA"}, lambda d: {(r.indicator_id, r.year): (r.target, r.actual, r.share_of_target, r.status)
                                           for r in d.fillna(-1).itertuples()} == {
        ("AAA-I1", 2018): (10, 7, 0.7, "en_retard"), ("AAA-I1", 2019): (10, -1, -1, "non_renseigne"),
        ("AAA-I1", 2020): (-1, -1, -1, "non_renseigne"),
        ("AAA-I2", 2018): (-1, 1, -1, "sans_cible"), ("AAA-I2", 2019): (1, 0, 0, "en_retard"),
        ("AAA-I2", 2020): (-1, -1, -1, "non_renseigne"),
        ("AAA-I3", 2018): (5, 4, 0.8, "en_bonne_voie"), ("AAA-I3", 2019): (10, 10, 1, "atteint"),
        ("AAA-I3", 2020): (15, -1, -1, "non_renseigne"),
        ("AAA-I4", 2018): (50, 100, 2, "atteint"), ("AAA-I4", 2019): (100, 120, 1.2, "atteint"),
        ("AAA-I4", 2020): (-1, -1, -1, "non_renseigne"),
        ("AAA-I5", 2018): (10, 11, 1.1, "en_bonne_voie"), ("AAA-I5", 2019): (10, 9, 0.9, "atteint"),
        ("AAA-I5", 2020): (-1, -1, -1, "non_renseigne")}
        and as_dict(d[d["year"] == 2019], "indicator_id", "comment")["AAA-I2"] == "prestataire défaillant"
        and as_dict(d, "indicator_id", "baseline")["AAA-I3"] == 5
        and as_dict(d, "indicator_id", "objective_path")["AAA-I1"] == "Connaître les besoins › Rencontrer"),
    "data_freshness": ({}, lambda d: d.iloc[0]["batches"] == len(tiny.FILES)),
    "campuses": ({}, lambda d: list(d["campus_id"]) == ["AAA", "BBB"]),
    # the joint action's teachers once in the region (its largest figure), each detail apart; structures apart
    "regions_overview": ({**Y, "campuses": None}, lambda d: d[["region", "campuses", "people_reached",
                                                               "structures_reached", "funding_known_eur", "actions"]]
                         .values.tolist() == [["Bourgogne-Franche-Comté", 2, 41, 3, 1000.0, 3]]),
    # one campus of the sector: its own figures (the joint action's teachers as it reported them), the funder types
    "network_campuses": ({**Y, "campuses": None, "sector": "Tourisme, gastronomie"}, lambda d: d[[
        "campus_id", "people_reached", "pupils", "teachers", "companies", "actions_terminee", "actions_en_cours",
        "funding_known_eur", "funding_region_eur", "funding_state_eur", "criteria_met", "criteria_assessed"]]
        .values.tolist() == [["AAA", 36, 10, 26, 0, 1, 1, 1000.0, 1000.0, 0.0, 1, 1]]),
    # two campuses reported: no sector has the three an average needs (it would be a campus's own figures)
    "sector_averages": ({**Y, "campuses": None}, lambda d: d.empty and "people_per_campus" in d.columns),
    # 2020 has targets only: planned, not reported
    "years": ({}, lambda d: as_dict(d, "year", "reported") == {2018: True, 2019: True, 2020: False}),
    "known_campuses": ({}, lambda d: set(d["campus_id"]) == {"AAA", "BBB"}),
    "known_objectives": ({}, lambda d: as_dict(d, "objective_id", "level") == {"AAA-S1": "strategique",
                                                                             "AAA-S1-O1": "operationnel"}),
    "known_indicators": ({}, lambda d: as_dict(d, "indicator_id", "unit") == {"AAA-I1": "nombre", "AAA-I2": "oui_non",
                                                                             "AAA-I3": "nombre", "AAA-I4": "nombre",
                                                                             "AAA-I5": "nombre"}),
    "known_actions": ({}, lambda d: as_dict(d, "action_id", "co_campuses")["JOINT"] == "BBB"),
    "known_partners": ({}, lambda d: set(d["partner_id"]) == {"P1", "P2", "P3"}),
    # by type, each name once, the most numerous type first
    "campus_partners_by_type": ({"campuses": ["AAA"]}, lambda d: d[["partner_type", "partners", "names"]].values.tolist()
                                == [["lycee", 2, "Lycée Deux, Lycée Un"], ["entreprise", 1, "Entreprise Trois"]]),
    # AAA-A1 is linked to an operational objective: it falls under the strategic one above; JOINT has no objective
    # (JOINT is carried by BBB too, which has no objective at all)
    "action_strategic_objectives": ({**Y, "campuses": None}, lambda d: sorted(
        (r.campus_id, r.action_id, None if pd.isna(r.strategic_id) else r.strategic_id) for r in d.itertuples())
        == [("AAA", "AAA-A1", "AAA-S1"), ("AAA", "JOINT", None), ("BBB", "BBB-A1", None), ("BBB", "JOINT", None)]),
    # objectives by position, then indicators with the year's value (AAA-I3 had 4 in 2018; AAA-I2 « oui » is 1)
    "objective_outline": ({**Y, "campuses": ["AAA"]}, lambda d: {r.node_id: (none(r.parent_id), r.kind, none(r.value))
                                                                 for r in d.itertuples()}
                          == {"AAA-S1": (None, "strategique", None), "AAA-S1-O1": ("AAA-S1", "operationnel", None),
                              "AAA-I1": ("AAA-S1-O1", "indicateur", 7.0), "AAA-I2": ("AAA-S1", "indicateur", 1.0),
                              "AAA-I3": ("AAA-S1-O1", "indicateur", 4.0), "AAA-I4": ("AAA-S1-O1", "indicateur", 100.0),
                              "AAA-I5": ("AAA-S1", "indicateur", 11.0)}),
    # acquired and known: AAA 1 000 € (its Rectorat line has no amount: « at least »), BBB's 500 € is only planned;
    # people (not structures): AAA 10 + 20 + 6, BBB 25 + 4, together with the joint action once 10 + 25 + 6
    "cost_per_person": (Y, lambda d: {r.campus_id if isinstance(r.campus_id, str) else None:
                                      (None if pd.isna(r.known_eur) else r.known_eur, r.people, bool(r.at_least),
                                       None if pd.isna(r.cost_eur) else round(r.cost_eur, 2)) for r in d.itertuples()}
                        == {"AAA": (1000.0, 36, True, 27.78), "BBB": (None, 29, False, None),
                            None: (1000.0, 41, True, 24.39)}),
    "known_criteria": ({}, lambda d: list(d["criterion_no"]) == [1]),
}


def test_every_query_has_its_check():
    assert set(CHECKS) == set(queries.names())


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_query_on_the_tiny_store(con, name):
    params, check = CHECKS[name]
    got = rows(con, name, **params)
    assert check(got), got.to_string()


def test_the_joint_action_rule_follows_the_campus_filter(con):
    """Chosen alone, a campus shows its own figure of a joint action; together, the action counts once."""
    assert as_dict(rows(con, "reach_by_audience", year=2018, campuses=["AAA"]), "audience", "reached") == \
        {"enseignants": 26, "lyceens": 10}
    assert rows(con, "overview_kpis", year=2018, campuses=["BBB"]).iloc[0]["people_reached"] == 29
    both = rows(con, "reach_by_year_audience", campuses=["AAA", "BBB"])
    assert both.loc[(both["year"] == 2018) & (both["audience"] == "enseignants"), "reached"].tolist() == [31]


@pytest.mark.parametrize("year", [2018, 2019])
def test_the_tree_and_the_tracking_table_judge_every_indicator_alike(con, year):
    """One rule (the catalogue's indicator_status) on the same figures: the objective tree and the tracking table say
    the same status for every indicator of the year — a cumulative one by its running sums (AAA-I4: 20 of 50 in 2019
    alone, 120 of 100 so far: reached in both), one that goes down by its own direction (AAA-I5)."""
    tree = rows(con, "objective_tree", campus="AAA", year=year)
    tree = tree[tree["kind"] == "indicateur"].set_index("node_id")
    table = rows(con, "iptt", campus="AAA", year=year).set_index("indicator_id")
    judged = tree.index[tree["year"].notna()]  # the indicators with a value for the year
    assert len(judged) >= 4
    assert tree.loc[judged, "status"].to_dict() == table.loc[judged, "status"].to_dict()
    assert (tree.loc[judged, "value"].tolist(), tree.loc[judged, "target"].fillna(-1).tolist()) == \
        (table.loc[judged, "actual"].tolist(), table.loc[judged, "target"].fillna(-1).tolist())
    if year == 2019:
        assert tree.loc["AAA-I4", "status"] == "atteint" and (tree.loc["AAA-I4", "value"], tree.loc["AAA-I4", "target"]) == (120, 100)
        assert tree.loc["AAA-I5", "status"] == "atteint"
    else:
        assert tree.loc["AAA-I5", "status"] == "en_bonne_voie"
