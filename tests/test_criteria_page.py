"""The criteria page: 6 campuses × 11 criteria, one campus's profile and what separates it from « excellence »."""
from __future__ import annotations

from cmq.core import queries

from conftest import app_test, frame


def test_heatmap_radar_and_gap(data_dir):
    at = app_test()
    at.run()
    at.switch_page("cmq/app/pages/criteria.py")
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 2
    at.selectbox(key="criteria_campus").set_value("MMA").run()
    gap = frame(at, "Ce qui manque")
    intl = gap[gap["Critère"].str.startswith("10 –")].iloc[0]
    assert intl["Niveau"] == "À engager (interprété du texte de la source)" and "diplômes communs" in intl["Ce qui manque"]
    assert not any(gap["Critère"].str.startswith("4 –")), "gouvernance is beyond requirements and has no excellence clause"


def test_grid_query_keeps_unassessed_criteria(demo_store):
    grid = queries.run("criteria_grid", store=demo_store, year=2030, campuses=["AGT"])
    assert len(grid) == 11 and grid["level"].isna().all()
    latest = queries.run("criteria_grid", store=demo_store, year=None, campuses=["AMF"]).set_index("criterion_no")
    assert latest.loc[4, "level"] == 3 and "300 km" in latest.loc[2, "comment"]
