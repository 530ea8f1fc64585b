"""Actions: the searchable register, the calendar of dated actions, and each campus's actions × objectives matrix."""
import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt, schema
from cmq.outputs import tables

session.guard("actions")
f = ui.filters()
st.title("Actions des campus")
ui.nothing_validated(f)
c1, c2, c3 = st.columns([2, 3, 3])
statuses = c1.multiselect("Statut", list(schema.STATUSES), format_func=schema.STATUSES.get, placeholder="Tous les statuts",
                          key="act_status")
titles = ui.shaped(tables.objective_titles, ui.reading("objective_choices", f))
objective = c2.selectbox("Objectif", [None] + list(titles), format_func=lambda o: "Tous les objectifs" if o is None else titles[o],
                         key="act_objective")
search = c3.text_input("Rechercher", placeholder="Un mot du titre ou de la description", key="act_search").strip()
wanted = f.but(statuses=statuses or None, objective=objective, search=search or None)
register = ui.read("action_register", wanted)
st.caption(f"{fmt.number(len(register))} action(s) pour ces critères. Une action commune apparaît sous chacun de ses campus.")
DAY = st.column_config.TextColumn(width=95)  # « 13/06/2018 » whole
st.dataframe(ui.shaped(tables.register, ui.reading("action_register", wanted)), hide_index=True, key="act_register",
             column_config={"Action": st.column_config.TextColumn(width="large"), "Début": DAY, "Fin": DAY,
                            "Année": st.column_config.TextColumn(width=60)})

ui.figure("calendrier-des-actions", f, key="act_timeline", statuses=statuses or None, objective=objective,
          search=search or None)
if undated := int(register["start_date"].isna().sum()):
    st.caption(f"{fmt.number(undated)} action(s) sur {fmt.number(len(register))} n'ont pas de date de début et ne "
               "figurent pas sur le calendrier : elles sont listées ci-dessous, année par année.")
    box = st.expander(f"Les {fmt.number(undated)} action(s) sans date, année par année", key="act_undated",
                      on_change="rerun")
    if box.open:  # listed once opened (tens of thousands at national scale)
        box.dataframe(ui.shaped(tables.undated, ui.reading("action_register", wanted)), hide_index=True,
                      column_config={"Action": st.column_config.TextColumn(width="large")})

st.header("Actions × objectifs")
campuses = ui.query("campuses")
pool = f.campuses or campuses["campus_id"].tolist()
campus = st.selectbox("Campus", pool, key="act_matrix_campus")
table, headings = ui.shaped(tables.matrix, ("action_objective_links", {"campus": campus, "year": f.year}))
# each objective's column says its title (its code alone says nothing); the header's help gives it whole
config = {c: st.column_config.CheckboxColumn(f"{c.split('-', 1)[-1]} · {fmt.short(t, 28)}", help=fmt.md(f"{c} · {t}"), width=170)
          for c, t in headings.items()}
if table.empty:
    st.info(f"Aucune action de {fmt.md(campus)} pour cette sélection.")
elif len(config) == 0:
    st.info(f"Les actions de {fmt.md(campus)} ne sont rattachées à aucun objectif (le campus les rattache : "
            "table « Actions × objectifs »).")
else:
    st.dataframe(table, hide_index=True, column_config=config, key="act_matrix")
    st.caption("Une coche : l'action répond à l'objectif (survolez l'en-tête d'une colonne pour lire son intitulé entier).")
