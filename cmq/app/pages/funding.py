"""Financements: funders → campuses, by year, kind and status; unknown amounts listed, never summed as 0."""
import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt
from cmq.outputs import tables

session.guard("funding")
f = ui.filters()
st.title("Financements")
ui.nothing_validated(f)
k = ui.read("funding_kpis", f).iloc[0]
c1, c2, c3, c4 = st.columns(4)
c1.metric("Montants connus", fmt.euros(k["known_eur"]), help=f"{fmt.number(k['lines'])} ligne(s) de financement, "
          f"{fmt.number(k['funders'])} financeur(s). Acquis, prévus et demandés.")
c2.metric("Dont acquis", fmt.euros(k["acquired_eur"]))
c3.metric("Part privée", fmt.percent(tables.private_share(k)),
          help=f"Entreprises et branches, sur les montants connus. {fmt.number(k['private_lines'])} ligne(s) privée(s), "
               f"dont {fmt.number(k['private_lines_amount_unknown'])} sans montant.")
c4.metric("Montants non renseignés", fmt.number(k["lines_amount_unknown"]) + " ligne(s)",
          help="Listées plus bas ; jamais comptées comme 0.")
ui.figure("flux-de-financement", f, key="fund_sankey")
left, right = st.columns(2)
with left:
    ui.figure("financements-par-annee", f, key="fund_year")
with right:
    ui.figure("financements-par-nature", f, key="fund_kind")
st.header("Montants non renseignés")
unknown = ui.read("funding_unknown", f)
if unknown.empty:
    st.write("Tous les montants sont renseignés pour cette sélection.")
else:
    st.dataframe(tables.funding_unknown(unknown), hide_index=True, key="fund_unknown")
st.header("Coût par personne touchée")
cost = ui.read("cost_per_person", f)
if cost.empty:
    st.write("Ni financement acquis ni public touché pour cette sélection.")
else:
    names = dict(zip(ui.query("campuses")["campus_id"], ui.query("campuses")["name"]))
    st.dataframe(tables.cost_per_person(cost, names), hide_index=True, key="fund_cost")
    st.caption(tables.COST_CAPTION)
