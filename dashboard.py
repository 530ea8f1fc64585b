"""Entry point: the navigation over pages/ and the shared page setup."""
import streamlit as st

from cmq import ui

st.set_page_config(page_title="Pilotage des CMQ", page_icon=":material/school:", layout="wide")
ui.store()

pages = [
    st.Page("pages/overview.py", title="Vue régionale", icon=":material/dashboard:", default=True),
    st.Page("pages/campus.py", title="Campus", icon=":material/apartment:"),
    st.Page("pages/criteria.py", title="Critères de labellisation", icon=":material/verified:"),
    st.Page("pages/import.py", title="Importer des données", icon=":material/upload_file:"),
    st.Page("pages/history.py", title="Historique des imports", icon=":material/history:"),
]
st.navigation(pages).run()
