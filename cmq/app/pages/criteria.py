"""Critères de labellisation: every campus against the 11 criteria, one campus's profile, its gap to « excellence »."""
import streamlit as st

from cmq.app import criteria_view, session, ui
from cmq.outputs import charts

session.guard("criteria")
f = ui.filters()
st.title("Critères de labellisation")
ui.nothing_validated(f)
grid = ui.figure("criteres", f, key="criteria")
if grid["campus_id"].nunique() > charts.MAX_ROWS:  # the figure is then the distribution, criterion by criterion
    st.caption(f"Filtrez par filière ou choisissez au plus {charts.MAX_ROWS} campus pour voir la grille campus par campus.")
if not grid.empty:
    campus = st.selectbox("Profil du campus", sorted(grid["campus_id"].unique()), key="criteria_campus")
    left, right = st.columns([1, 1])
    with left:
        ui.figure("profil-criteres", f, key="criteria_radar", campus=campus)
    with right:
        st.header("Ce qui le sépare du label « excellence »")
        criteria_view.excellence_gap(grid, campus)
