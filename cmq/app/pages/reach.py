"""Publics touchés: reach by audience, campus and year, the share of women where known; joint actions counted once."""
import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt
from cmq.outputs import tables

session.guard("reach")
f = ui.filters()
st.title("Publics touchés")
ui.nothing_validated(f)
k = ui.read("overview_kpis", f).iloc[0]
women = ui.read("reach_women", f)
known = women["figures_with_women"].sum()
c1, c2, c3 = st.columns(3)
c1.metric("Personnes touchées", fmt.number(k["people_reached"] or None), help="Une action commune à plusieurs campus compte une fois.")
c2.metric("Structures touchées", fmt.number(k["structures_reached"] or None), help="Entreprises, établissements, institutionnels.")
c3.metric("Part des femmes", fmt.percent(tables.share(women["women"].sum(), women["reached_with_women"].sum())),
          help="Parmi les personnes des seuls chiffres qui donnent le nombre de femmes.")
c3.caption(f"Sur {fmt.number(known)} chiffre(s) sur {fmt.number(women['figures'].sum())} : les seuls qui donnent le "
           "nombre de femmes." if known else  # beside the number, not in a tooltip
           f"Aucun des {fmt.number(women['figures'].sum())} chiffres ne donne le nombre de femmes.")
left, right = st.columns(2)
with left:
    ui.figure("publics-touches", f, key="reach_audience")
with right:
    ui.figure("part-des-femmes", f, key="reach_women")
ui.figure("publics-par-campus", f, key="reach_campus")
ui.figure("publics-par-annee", f, key="reach_year")
