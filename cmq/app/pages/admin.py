"""Administration: the accounts, who may do what, and the forms that create, disable, unlock and reset them."""
import streamlit as st

from cmq.app import admin_view, keys, session, ui
from cmq.core import fmt

account = session.guard("admin")
st.title("Administration des comptes")
if done := st.session_state.pop(keys.ADMIN_DONE, None):
    st.success(fmt.md(done), icon=":material/check_circle:")
accounts = admin_view.visible_accounts(account)
st.dataframe(admin_view.accounts_table(accounts), hide_index=True, key="admin_accounts")
with st.expander("Qui peut faire quoi"):
    st.dataframe(admin_view.rights_table(), hide_index=True, key="admin_rights")
    st.caption("Un directeur agit pour ses campus seulement, un compte régional dans sa région, un compte national "
               "partout ; les tables communes à tous les campus sont tenues par les administrateurs nationaux. Un "
               "administrateur ne crée ni ne modifie de compte au-delà de son propre périmètre.")
codes = ui.query("campuses")["campus_id"].tolist()
st.header("Créer un compte")
admin_view.add_form(codes, account)
st.header("Modifier un compte")
admin_view.change_form(accounts, account, codes)
