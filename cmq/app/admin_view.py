"""Pieces of the Administration page: the accounts table and the forms that change accounts (through the store)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cmq.app import keys, ui
from cmq.core import auth, fmt, permissions
from cmq.core.store import StoreError


def rights_table() -> pd.DataFrame:
    """Every named action, its description, and the roles that hold it (permissions.ROLES)."""
    return pd.DataFrame([{"Action": a.description, **{r.label: "oui" if a.name in r.actions else "—"
                                                      for r in permissions.ROLES.values()}}
                         for a in permissions.ACTIONS.values()])


def visible_accounts(me: dict) -> dict:
    """The accounts an administrator sees and changes: itself and those inside its scope (a regional administrator
    never sees another region's accounts nor the national ones)."""
    regions_of = ui.store().campus_regions()
    return {n: a for n, a in ui.store().accounts().items()
            if n == me["name"] or permissions.grant_refusal(me, a, regions_of=regions_of) is None}


def scope_choices(me: dict) -> tuple[list[str], bool]:
    """The regions an administrator may give, and whether it may make an account national (delegation never widens)."""
    from cmq.core import vocabulary

    if permissions.is_national(me):
        return list(vocabulary.REGIONS), True
    return permissions.regions(me), False


def accounts_table(accounts: dict) -> pd.DataFrame:
    """Every account without its hash: role, scope, e-mail, state."""
    rows = []
    for a in accounts.values():
        until = auth.name_wait(ui.store(), a["name"])
        state = "Désactivé" if a.get("disabled") else (f"Essais ralentis jusqu'au {fmt.moment(until)}" if until else "Actif")
        rows.append({"Compte": a["name"], "Rôle": permissions.ROLE_LABELS[a["role"]],
                     "Périmètre": permissions.scope_words(a),
                     "Adresse (authentification unique)": a.get("email") or "", "État": state,
                     "Dernière connexion": fmt.moment(a["last_login"]) if a.get("last_login") else "jamais",
                     "Démonstration": "oui" if a.get("demo") else ""})
    return pd.DataFrame(rows)


def _done(message: str) -> None:
    st.session_state[keys.ADMIN_DONE] = fmt.md(message)
    st.rerun()


def _scope_inputs(me: dict, account: dict | None = None) -> tuple[list[str], bool]:
    """The regions and national inputs of a form (a regional administrator is offered its own regions only)."""
    regions, may_national = scope_choices(me)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    held = permissions.regions(account) if account else []
    chosen = c1.multiselect("Régions (lecteur ou administrateur régional)", regions, default=[r for r in held if r in regions],
                            placeholder="Choisissez la ou les régions")
    national = c2.checkbox("National", value=bool(account) and not permissions.ROLES[account["role"]].scoped and
                           permissions.is_national(account), disabled=not may_national,
                           help=None if may_national else "Réservé aux administrateurs nationaux")
    return chosen, national and may_national


def add_form(campus_codes: list[str], me: dict) -> None:
    """The new account's form: on an error it keeps what was typed (but the password); a new, empty one after a
    success."""
    n = st.session_state.setdefault(keys.ADMIN_ROUND, 0)
    with st.form(f"admin_add_{n}"):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Nom du compte")
        role = c2.selectbox("Rôle", list(permissions.ROLES), format_func=permissions.ROLE_LABELS.get)
        campuses = c3.multiselect("Campus (directeur)", campus_codes, placeholder="Choisissez le ou les campus")
        regions, national = _scope_inputs(me)
        c4, c5 = st.columns(2)
        email = c4.text_input("Adresse électronique (facultative, pour l'authentification unique)")
        password = c5.text_input(f"Mot de passe ({auth.MIN_PASSWORD} caractères au moins)", type="password")
        if st.form_submit_button("Créer le compte", type="primary"):
            try:
                account = auth.new_account(name, role, campuses, None, email, regions=regions, national=national)
                ui.store().refuse_grant(me["name"], account, None, "le compte n'est pas créé")
                account["password_hash"] = auth.hash_password(password)
                ui.store().put_account(account, by=me["name"])
            except (auth.AuthError, StoreError) as exc:
                st.error(fmt.md(exc))
                return
            st.session_state[keys.ADMIN_ROUND] = n + 1
            _done(f"Compte {permissions.describe(account)} créé.")


def role_form(account: dict, campus_codes: list[str], me: dict) -> None:
    """Change an account's role and scope (checked as at creation, and delegated no wider than the administrator's)."""
    name = account["name"]
    with st.form(f"admin_role_{name}"):
        c1, c2 = st.columns(2)
        role = c1.selectbox("Rôle", list(permissions.ROLES), index=list(permissions.ROLES).index(account["role"]),
                            format_func=permissions.ROLE_LABELS.get)
        campuses = c2.multiselect("Campus (directeur)", campus_codes, default=[c for c in account["campuses"] if c in campus_codes],
                                  placeholder="Choisissez le ou les campus")
        regions, national = _scope_inputs(me, account)
        if st.form_submit_button("Enregistrer le rôle et le périmètre"):
            try:
                changed = ui.store().update_account(name, **auth.checked_scope(role, campuses, regions, national),
                                                    by=me["name"])
            except (auth.AuthError, StoreError) as exc:
                st.error(fmt.md(exc))
                return
            _done(f"Compte {permissions.describe(changed)} : rôle et périmètre enregistrés.")


def change_form(accounts: dict, me: dict, campus_codes: list[str]) -> None:
    others = [n for n in accounts if n != me["name"]]
    if not others:
        return
    name = st.selectbox("Compte", others, key="admin_pick")
    a = accounts[name]
    c1, c2, c3 = st.columns(3)
    store = ui.store()
    if a.get("disabled"):
        if c1.button("Réactiver", key="admin_enable"):
            store.update_account(name, disabled=False, by=me["name"])
            auth.lift_waits(store, name)
            _done(f"Compte « {name} » réactivé.")
    elif c1.button("Désactiver", key="admin_disable"):
        store.update_account(name, disabled=True, by=me["name"])
        _done(f"Compte « {name} » désactivé : il ne peut plus se connecter ni importer.")
    if auth.name_wait(store, name) and c2.button("Lever l'attente", key="admin_unlock"):
        auth.lift_waits(store, name)
        _done(f"Les essais infructueux de « {name} » sont oubliés : il peut se connecter sans attendre.")
    with c3.popover("Nouveau mot de passe"):
        new = st.text_input("Nouveau mot de passe", type="password", key="admin_newpw")
        if st.button("Enregistrer", key="admin_setpw"):
            try:
                store.update_account(name, password_hash=auth.hash_password(new), by=me["name"])
                auth.lift_waits(store, name)
                auth.end_sessions(store, name)  # a session opened with the old password ends
            except (auth.AuthError, StoreError) as exc:
                st.error(fmt.md(exc))
                return
            _done(f"Mot de passe de « {name} » changé.")
    role_form(a, campus_codes, me)
