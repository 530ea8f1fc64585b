"""Critères de labellisation: every campus against the 11 criteria, one campus's profile, its gap to « excellence »."""
import streamlit as st

from cmq import charts, criteria_view, ui

f = ui.filters()
st.title("Critères de labellisation")
grid = ui.run("criteria_grid", **f)
ui.chart(charts.criteria_heatmap(grid), f, "positionnement des campus (rapport d'activité, §4.1)", grid, key="criteria_heatmap")
if not grid.empty:
    campus = st.selectbox("Profil du campus", sorted(grid["campus_id"].unique()), key="criteria_campus")
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(charts.criteria_radar(grid, campus), key="criteria_radar")
    with right:
        st.subheader("Ce qui le sépare du label « excellence »")
        criteria_view.excellence_gap(grid, campus)
