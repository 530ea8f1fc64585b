"""Importer des données: choose a table, download its template, drop a file, read the check, commit."""
import streamlit as st

from cmq import upload

st.title("Importer des données")
if done := st.session_state.pop("imp_done", None):
    st.success(done, icon=":material/check_circle:")
table, campus, user = upload.choose()
upload.template_buttons(table, campus)
file = upload.uploaded()
if file:
    name, data, sheet = file
    rep = upload.check(table, name, data, campus, sheet)
    st.subheader(f"Vérification de « {name} »")
    upload.show_report(rep)
    if rep.status == "valid":
        upload.commit(table, campus, user, name, data, sheet)
