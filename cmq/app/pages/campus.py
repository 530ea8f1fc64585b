"""Campus: one campus in depth — identity, objective tree with indicators, actions, reach, funding."""
import pandas as pd
import streamlit as st

from cmq.app import campus_view, cycle_view, session, ui
from cmq.core import fmt
from cmq.core.filters import Filters

session.guard("campus")
campuses = ui.query("campuses")
names = dict(zip(campuses["campus_id"], campuses["name"]))
wanted = st.query_params.get("campus") or next(iter(session.own_campuses()), None)  # a director: their campus
code = st.selectbox("Campus", list(names), format_func=lambda c: f"{c} – {names[c]}", key="campus_pick",
                    index=list(names).index(wanted) if wanted in names else 0)
st.query_params["campus"] = code
f = Filters(campuses=(code,))
info = campuses.set_index("campus_id").loc[code]
st.title(f"Campus {fmt.md(code)} – {fmt.md(info['name'])}")
campus_view.identity(info)
cycle_view.campus_notice(code)
ui.milestones(f, key="campus_milestones")

tree = ui.figure("arbre-objectifs", f, key="tree", campus=code)
st.caption("Cliquez sur un objectif de l'arbre pour l'ouvrir jusqu'à ses indicateurs, sur le bandeau du bas pour revenir ; "
           "le tableau ci-dessous donne tout l'arbre. Un objectif dont des indicateurs ont une cible se colore du "
           "vermillon au vert selon la part d'entre eux à cible atteinte ou en bonne voie (brun : aucun de ses indicateurs n'a de cible).")
st.header("Tableau de suivi des indicateurs")
table = ui.shaped(campus_view.iptt_table, ui.figure_read("arbre-objectifs", f, campus=code), ("iptt", {"campus": code}))
picked = st.dataframe(table, hide_index=True, key="tree_table", on_select="rerun", selection_mode="single-row",
                      column_config={"Identifiant": st.column_config.TextColumn(pinned=True),  # kept in view on a phone
                                     "Intitulé": st.column_config.TextColumn(width="large"),
                                     "Récit": st.column_config.TextColumn(width="large")})
st.caption("Référence : où le campus partait ; pour chaque année, la cible, le réalisé et la part de la cible atteinte ; "
           "État : la dernière année renseignée. " + ui.PROGRESS_RULE + " Choisissez une ligne d'indicateur pour voir "
           "sa tendance et ses récits.")
ui.iptt_download(code)
chosen = [table.iloc[i]["Identifiant"] for i in picked.selection.rows if table.iloc[i]["Niveau"] == "Indicateur"]
if chosen:
    trend = ui.figure("tendance-indicateur", f, key="trend", campus=code, indicator=chosen[0])
    told = trend.dropna(subset=["comment"])
    if not told.empty:
        st.table(pd.DataFrame({"Année": told["year"].astype(int).astype(str), "Récit": told["comment"]}).map(fmt.md),
                 hide_index=True, border="horizontal")

st.header("Actions")
actions = ui.shaped(campus_view.actions_table, ("campus_actions", {"campus": code, "year": None}))
if actions.empty:
    st.info("Aucune action n'est renseignée (le campus les importe : table Actions).")
else:
    st.dataframe(actions, hide_index=True, key="campus_actions")
left, right = st.columns(2)
with left:
    ui.figure("publics-touches", f, key="campus_reach")
with right:
    st.header("Financements")
    st.dataframe(ui.shaped(campus_view.funding_table, ("campus_funding", {"campus": code, "year": None})), hide_index=True,
                 key="campus_funding")
