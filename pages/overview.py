"""Vue régionale: headline figures, the map, reach, funding and actions of the chosen campuses."""
import streamlit as st

from cmq import charts, fmt, ui

f = ui.filters()
st.title("Vue régionale des campus")
k = ui.run("overview_kpis", **f).iloc[0]
c1, c2, c3, c4 = st.columns(4)
c1.metric("Campus", fmt.number(k["campuses"]))
c2.metric("Actions", fmt.number(k["actions"]),
          help=f"{fmt.number(k['actions_terminee'])} terminées, {fmt.number(k['actions_en_cours'])} en cours, "
               f"{fmt.number(k['actions_prevue'])} prévues")
c3.metric("Personnes touchées", fmt.number(k["people_reached"]),
          help=f"Et {fmt.number(k['structures_reached'])} structures (entreprises, établissements, institutionnels). "
               "Une action commune à plusieurs campus compte une fois.")
c4.metric("Financements acquis connus", fmt.euros(k["funding_known_eur"]),
          help=f"{fmt.number(k['funding_unknown_lines'])} financement(s) acquis dont le montant n'est pas renseigné.")
st.caption(f"Actions : {fmt.number(k['actions_terminee'])} terminées · {fmt.number(k['actions_en_cours'])} en cours · "
           f"{fmt.number(k['actions_prevue'])} prévues")

left, right = st.columns([3, 2])
with left:
    ui.chart(charts.campus_map(ui.run("campus_map", **f)), f, "table Campus et publics touchés", key="map")
with right:
    ui.chart(charts.reach_by_audience(ui.run("reach_by_audience", **f)), f, "publics touchés déclarés par les campus",
             ui.run("reach_rows", **f), key="reach")
ui.chart(charts.reach_by_campus(ui.run("reach_by_campus_audience", **f)), f, "publics touchés déclarés par les campus",
         key="reach_campus")
left, right = st.columns(2)
with left:
    funding = ui.run("funding_by_funder", **f)
    ui.chart(charts.funding_by_funder(funding), f, "financements déclarés par les campus", ui.run("funding_rows", **f),
             key="funding")
    if unknown := charts.unknown_amounts(funding):
        st.caption(unknown)
with right:
    ui.chart(charts.actions_by_status(ui.run("actions_by_status", **f)), f, "actions déclarées par les campus",
             ui.run("action_rows", **f), key="actions")
