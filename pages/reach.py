"""Publics touchés: reach by audience, campus and year, the share of women where known; joint actions counted once."""
import streamlit as st

from cmq import charts, fmt, ui, views

f = ui.filters()
st.title("Publics touchés")
k = ui.run("overview_kpis", **f).iloc[0]
women = ui.run("reach_women", **f)
known = women["figures_with_women"].sum()
c1, c2, c3 = st.columns(3)
c1.metric("Personnes touchées", fmt.number(k["people_reached"]), help="Une action commune à plusieurs campus compte une fois.")
c2.metric("Structures touchées", fmt.number(k["structures_reached"]), help="Entreprises, établissements, institutionnels.")
c3.metric("Part des femmes", fmt.percent(views.share(women["women"].sum(), women["reached_with_women"].sum())),
          help=f"Calculée sur les {fmt.number(known)} chiffre(s) sur {fmt.number(women['figures'].sum())} "
               "qui donnent le nombre de femmes.")
source = "publics touchés déclarés par les campus"
rows = ui.run("reach_rows", **f)
left, right = st.columns(2)
with left:
    ui.chart(charts.reach_by_audience(ui.run("reach_by_audience", **f)), f, source, rows, key="reach_audience")
with right:
    ui.chart(charts.women_share(women), f, source, key="reach_women")
ui.chart(charts.reach_by_campus(ui.run("reach_by_campus_audience", **f)), f, source, key="reach_campus")
ui.chart(charts.reach_by_year(ui.run("reach_by_year_audience", campuses=f["campuses"])), {**f, "year": None}, source,
         key="reach_year")
