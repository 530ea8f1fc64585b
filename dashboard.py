"""Entry point: the navigation over pages/ and the shared page setup."""
import streamlit as st

from cmq import ui

st.set_page_config(page_title="Pilotage des CMQ", page_icon=":material/school:", layout="wide")
ui.store()

pages = [
    st.Page("pages/overview.py", title="Vue régionale", icon=":material/dashboard:", default=True),
    st.Page("pages/campus.py", title="Campus", icon=":material/apartment:"),
    st.Page("pages/actions.py", title="Actions", icon=":material/checklist:"),
    st.Page("pages/reach.py", title="Publics touchés", icon=":material/groups:"),
    st.Page("pages/funding.py", title="Financements", icon=":material/euro:"),
    st.Page("pages/criteria.py", title="Critères de labellisation", icon=":material/verified:"),
    st.Page("pages/completeness.py", title="Complétude", icon=":material/fact_check:"),
    st.Page("pages/import.py", title="Importer des données", icon=":material/upload_file:"),
    st.Page("pages/history.py", title="Historique des imports", icon=":material/history:"),
]
st.navigation(pages).run()
