"""Entry point: sign-in, then the navigation over pages/ that the account's role may use."""
import streamlit as st

from cmq import session, ui

st.set_page_config(page_title="Pilotage des CMQ", page_icon=":material/school:", layout="wide")
ui.store()
account = session.current()
if account is None:
    session.login_page()
    st.stop()
pages = session.pages(account)
session.sidebar(account)
nav = st.navigation(pages)
session.go_to_destination(pages)
nav.run()
