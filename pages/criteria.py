"""Critères de labellisation: every campus against the 11 criteria, one campus's profile, its gap to « excellence »."""
import streamlit as st

from cmq import charts, criteria_view, ui

f = ui.filters()
st.title("Critères de labellisation")
grid = ui.run("criteria_grid", **f)
source = "positionnement des campus déclaré dans leurs rapports d'activité"
if grid["campus_id"].nunique() <= charts.MAX_ROWS:
    ui.chart(charts.criteria_heatmap(grid), f, source, grid, key="criteria_heatmap")
else:  # a grid of hundreds of rows is unreadable: the distribution, and the grid once the committee narrows the list
    ui.chart(charts.criteria_distribution(grid), f, source, grid, key="criteria_distribution")
    st.caption(f"Filtrez par filière ou choisissez au plus {charts.MAX_ROWS} campus pour voir la grille campus par campus.")
if not grid.empty:
    campus = st.selectbox("Profil du campus", sorted(grid["campus_id"].unique()), key="criteria_campus")
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(charts.criteria_radar(grid, campus), key="criteria_radar")
    with right:
        st.subheader("Ce qui le sépare du label « excellence »")
        criteria_view.excellence_gap(grid, campus)
