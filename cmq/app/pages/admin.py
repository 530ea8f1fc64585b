"""Administration: the accounts, who may do what, and the forms that create, disable, unlock and reset them."""
import streamlit as st

from cmq.app import admin_view, keys, session, ui
from cmq.core import fmt

account = session.guard("admin")
st.title("Administration des comptes")
if done := st.session_state.pop(keys.ADMIN_DONE, None):
    st.success(fmt.md(done), icon=":material/check_circle:")
accounts = ui.store().accounts()
st.dataframe(admin_view.accounts_table(accounts), hide_index=True, key="admin_accounts")
with st.expander("Qui peut faire quoi"):
    st.dataframe(admin_view.rights_table(), hide_index=True, key="admin_rights")
    st.caption("Un directeur agit pour ses campus seulement ; les tables communes à tous les campus et les fiches des "
               "campus sont tenues par les administrateurs.")
codes = ui.query("campuses")["campus_id"].tolist()
st.header("Créer un compte")
admin_view.add_form(codes, account["name"])
st.header("Modifier un compte")
admin_view.change_form(accounts, account["name"], codes)
