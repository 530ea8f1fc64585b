"""Historique des imports: every batch per campus, its counts and status; revert a batch (directors: their campuses)."""
import streamlit as st

from cmq.app import cycle_view, keys, session, ui, upload
from cmq.core import fmt, permissions

account = session.guard("history")
st.title("Historique des imports")
if done := st.session_state.pop(keys.REVERT_DONE, None):
    st.success(fmt.md(done), icon=":material/undo:")
campuses = ui.query("campuses")["campus_id"].tolist()
campus = st.selectbox("Campus", [None] + campuses, format_func=lambda c: "Tous les campus" if c is None else c, key="hist_campus")
history = ui.shaped(upload.history_table, ("batch_history", {"campus": campus}))
st.dataframe(history, hide_index=True, key="hist_table",  # when and by whom first: a row is read whole on a laptop
             column_order=["Lot", "Le", "Par", "Données", "Campus", "Fichier", "État", "Lignes", "Ajoutées", "Modifiées",
                           "Inchangées"],
             column_config={"Le": st.column_config.TextColumn(width=150), "État": st.column_config.TextColumn(width=290),
                            "Campus": st.column_config.TextColumn(width=120), "Lot": st.column_config.NumberColumn(width=50)})
st.caption("Un import annulé reste visible ; ses valeurs ne comptent plus et celles qu'il avait remplacées reviennent.")
if permissions.allowed(account, "revert"):
    st.header("Annuler un import")
    upload.revert_form(history, account)
campaigns = ui.campaigns()
if campaigns:
    st.header("Étapes des campagnes")
    year = st.selectbox("Campagne", sorted(campaigns, reverse=True), key="hist_campaign")
    st.dataframe(cycle_view.steps_table(year), hide_index=True, key="hist_steps")
