"""Saisir des valeurs: a director types the year's values, targets and narratives of their campus's indicators; the
grid is checked and committed exactly as a file would be."""
import streamlit as st

from cmq.app import cycle_view, entry_view, keys, session, upload
from cmq.core import fmt
from cmq.outputs import registry

account = session.guard("entry")
st.title("Saisir des valeurs")
if done := st.session_state.pop(keys.IMPORT_DONE, None):
    st.success(fmt.md(done.replace("Import validé", "Saisie validée")), icon=":material/check_circle:")
    shown = registry.PAGE[registry.SHOWN_ON[st.session_state.pop(keys.IMPORT_DONE_TABLE)]]
    st.page_link(shown.path, label=f"Voir ces chiffres : {fmt.md(shown.title)}", icon=":material/arrow_forward:")
campus, year = entry_view.choose(account)
cycle_view.done_message()
cycle_view.campus_notice(campus)
cycle_view.submit_buttons(account, campus)
st.caption("Une ligne par indicateur du campus, avec ce qui est déjà enregistré. Le récit est obligatoire quand la "
           "valeur s'écarte de sa cible au-delà de l'écart fixé. Les lignes laissées vides ne changent rien.")
n = st.session_state.setdefault(keys.IMPORT_ROUND, 0)  # new grids after each commit
numbers, yes_no = entry_view.grids(campus, year)
rows = entry_view.editors(numbers, yes_no, key=f"ent_{campus}_{year}_{n}")
if rows.empty:
    st.info("Renseignez au moins une valeur, une cible ou un récit.", icon=":material/edit:")
    st.stop()
data = entry_view.as_file(rows, campus, year)
rep = upload.check("indicator_values", entry_view.ENTRY_NAME, data, campus, None, account)
st.header("Vérification de la saisie")
if notice := st.session_state.pop(keys.IMPORT_NOTICE, None):
    st.warning(fmt.md(notice), icon=":material/sync_problem:")
if refused := st.session_state.pop(keys.IMPORT_REFUSED, None):
    st.error(fmt.md(refused), icon=":material/error:")
upload.show_report(rep)
if rep.status == "valid":
    upload.commit(rep, "indicator_values", campus, account["name"], entry_view.ENTRY_NAME, data, None,
                  label="Valider la saisie")
