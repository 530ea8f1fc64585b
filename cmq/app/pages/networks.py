"""Réseaux thématiques: the campuses of one sector across every region, side by side — reach by audience, actions by
status, funding by funder type, position on the 11 criteria."""
import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt
from cmq.outputs import national

session.guard("networks")
f = ui.filters()
st.title("Réseaux thématiques nationaux")
ui.nothing_validated(f)
sectors = sorted(ui.query("campuses")["sector"].dropna().unique())
sector = st.selectbox("Réseau (filière)", sectors, index=sectors.index(f.sector) if f.sector in sectors else 0,
                      key="network_sector")
network = f.but(sector=sector, campuses=None) if f.sector and not f.figures else f.but(sector=sector)
rows = ui.read("network_campuses", network)
st.write(f"**{fmt.number(len(rows))} campus** de la filière {fmt.md(sector)} dans "
         f"**{fmt.number(rows['region'].nunique())} région(s)**.")
st.dataframe(national.network_table(rows), hide_index=True, key="network_campuses",
             column_config={"Campus": st.column_config.TextColumn(pinned=True)})
st.caption(f"{fmt.md(ui.export.describe(network))} · Critères : niveau « atteint » ou « au-delà » à la "
           "dernière évaluation de chaque critère jusqu'à l'année choisie. « — » : rien de déclaré.")
