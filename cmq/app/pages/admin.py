"""Administration: the accounts, who may do what, and the forms that create, disable, unlock and reset them."""
import streamlit as st

from cmq.app import admin_view, session, ui
from cmq.core import auth, fmt

account = session.current()
st.title("Administration des comptes")
if not auth.may_administer(account):
    st.error("Cette page est réservée aux administrateurs.")
    st.stop()
if done := st.session_state.pop("admin_done", None):
    st.success(fmt.md(done), icon=":material/check_circle:")
accounts = ui.store().accounts()
st.dataframe(admin_view.accounts_table(accounts), hide_index=True, key="admin_accounts")
st.caption("Lecteur : toutes les pages et tous les exports. Directeur : en plus, import et annulation pour ses campus. "
           "Administrateur : tout, et la gestion des comptes.")
codes = ui.query("campuses")["campus_id"].tolist()
st.header("Créer un compte")
admin_view.add_form(codes)
st.header("Modifier un compte")
admin_view.change_form(accounts, account["name"], codes)
