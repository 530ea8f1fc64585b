"""Importer des données: choose a table, download its template, drop a file, read the check, commit."""
import streamlit as st

from cmq.app import cycle_view, keys, session, upload
from cmq.core import fmt
from cmq.outputs import registry

account = session.guard("import")
st.title("Importer des données")
if done := st.session_state.pop(keys.IMPORT_DONE, None):
    st.success(fmt.md(done), icon=":material/check_circle:")
    shown = registry.PAGE[registry.SHOWN_ON[st.session_state.pop(keys.IMPORT_DONE_TABLE)]]
    st.page_link(shown.path, label=f"Voir ces chiffres : {fmt.md(shown.title)}", icon=":material/arrow_forward:")
table, campus = upload.choose(account)
cycle_view.done_message()
if campus:
    cycle_view.campus_notice(campus)
    cycle_view.submit_buttons(account, campus)
upload.template_buttons(table, campus)
file = upload.uploaded()
if file:
    name, data, sheet = file
    rep = upload.check(table, name, data, campus, sheet, account)
    st.header(f"Vérification de « {fmt.md(name)} »")
    if notice := st.session_state.pop(keys.IMPORT_NOTICE, None):  # the store changed since the preview, or nothing to do
        st.warning(fmt.md(notice), icon=":material/sync_problem:")
    if refused := st.session_state.pop(keys.IMPORT_REFUSED, None):
        st.error(fmt.md(refused), icon=":material/error:")
    upload.show_report(rep)
    if rep.status == "valid":
        upload.commit(rep, table, campus, account["name"], name, data, sheet)
