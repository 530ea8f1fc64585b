"""Entry point: sign-in, then the navigation over pages/ that the account's role may use."""
import logging
import os

import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt
from cmq.core.store import StoreError

# the tab's icon drawn by the browser itself (a Material icon is fetched from Google's font servers by every reader)
st.set_page_config(page_title="Pilotage des CMQ", page_icon="🎓", layout="wide")
ui.french_page()
ui.page_style()


def damaged(exc: StoreError) -> None:
    """A damaged store (its manifest or accounts unreadable) says so in French, with no path nor traceback."""
    st.error(fmt.md(exc), icon=":material/report:")
    st.stop()


try:
    ui.store().version()  # a store damaged since the server started is refused on every page, the login page too
    account = session.current()
    if account is None:
        session.login_page()
        st.stop()
except StoreError as exc:
    damaged(exc)
pages = session.pages(account)
session.sidebar(account)
nav = st.navigation(pages, expanded=True)  # every page listed (Streamlit folds past ten behind « View more »)
st.set_page_config(page_title=f"{nav.title} – Pilotage des CMQ")  # each page names itself in the tab and to screen readers
session.go_to_destination(pages)
try:
    ui.damage_notice()
    nav.run()
except StoreError as exc:
    damaged(exc)
except Exception:  # never a traceback, a path or code in a browser (CMQ_DEBUG=1 lets it through, as the tests do)
    if os.environ.get("CMQ_DEBUG"):
        raise
    logging.getLogger("cmq").exception("page %s failed", nav.url_path)
    st.error("Cette page a rencontré une erreur inattendue : rien n'a été modifié. Rechargez la page ; si cela se "
             "reproduit, prévenez l'administrateur (le détail est dans le journal du serveur).", icon=":material/report:")
