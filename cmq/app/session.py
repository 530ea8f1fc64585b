"""Who is using the app: the login page (password or single sign-on), session expiry, the navigation a role may use."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import streamlit as st

from cmq.app import keys, ui
from cmq.core import auth, demo, fmt, permissions
from cmq.core.store import StoreError
from cmq.outputs import registry


def _now() -> datetime:
    return datetime.now(UTC)


def sso_configured() -> bool:
    """st.login is usable: an [auth] section in .streamlit/secrets.toml."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sso_claims() -> dict | None:
    """What the identity provider says of the person signed in with it (email, email_verified, iss, sub), or None."""
    try:
        return st.user.to_dict() if st.user.is_logged_in else None
    except Exception:
        return None


def _sso_email() -> str | None:
    return (_sso_claims() or {}).get("email")


def record(name: str, grant, since: datetime | None = None, sso: bool = False) -> dict:
    """The session record of a sign-in: who, since when, and what the account held then (auth.grant)."""
    return {"name": name, "since": since or _now(), "seen": _now(), "sso": sso, "grant": grant}


def opened(account: dict, since: datetime | None = None, sso: bool = False) -> dict:
    """This session signed in as `account` (its record kept in the session's state)."""
    st.session_state[keys.ACCOUNT] = record(account["name"], auth.grant(account), since, sso)
    return st.session_state[keys.ACCOUNT]


def current() -> dict | None:
    """The signed-in account, reloaded from the store at every run of every page, or None. The session ends (the
    sign-in form, nothing else) once the account is gone or disabled, signed out in another tab, given a new password
    or other rights: what the session was opened with must still be the account's."""
    s = st.session_state.get(keys.ACCOUNT)
    store = ui.store()
    if s is None and not st.session_state.get(keys.SSO_ENDED) and (claims := _sso_claims()):
        account, refused = auth.sso_account(store, claims)
        if account is None:
            st.session_state[keys.LOGIN_ERROR] = refused
            return None
        s = opened(account, sso=True)
        auth.lift_waits(store, account["name"])  # the owner proved who they are: failed guesses no longer slow them
    if s is None and (back := auth.session_from_token(store, _cookie())):  # a reload, a new tab: the session goes on
        s = opened(back[0], since=back[1])
    if s is None:
        return None
    account = store.account(s["name"])
    now = _now()
    idle, total = timedelta(minutes=auth.SESSION_IDLE_MINUTES), timedelta(hours=auth.SESSION_MAX_HOURS)
    if account is None or account.get("disabled"):
        return _end("Votre compte n'est plus actif.")
    if auth.session_ended(account, s.get("grant")):
        return _end("Votre session a pris fin (déconnexion, nouveau mot de passe ou droits modifiés) : reconnectez-vous.")
    if now - s["seen"] > idle or now - s["since"] > total:
        return _end("Votre session a expiré : reconnectez-vous.")
    s["seen"] = now
    return account


def own_campuses() -> list[str]:
    """The campuses of the signed-in director (the pages open on them), none for everyone else."""
    signed = st.session_state.get(keys.ACCOUNT)
    account = ui.store().account(signed["name"]) if signed else None
    return sorted(permissions.scope(account) or [])


def _end(message: str) -> None:
    if (st.session_state.pop(keys.ACCOUNT, None) or {}).get("sso"):
        st.session_state[keys.SSO_ENDED] = True  # this tab's single sign-on does not open a new session by itself
    st.session_state[keys.LOGIN_ERROR] = message
    _forget_in_browser()
    return None


def _cookie() -> str | None:
    """The session token the browser sent when this tab opened the app."""
    try:
        token = st.context.cookies.get(auth.SECURE_SESSION_COOKIE) or st.context.cookies.get(auth.SESSION_COOKIE)
    except Exception:  # no request (a test run)
        return None
    return token if isinstance(token, str) else None


def _set_cookie(value: str, seconds: int) -> None:
    """Give the browser the session cookie (or take it back, 0 s): for this site only, never sent by another site's
    page (SameSite=Strict); under HTTPS named « __Host-… » (Secure, this host only: no other subdomain can set it).
    A cookie written by the page, as Streamlit writes none for a password session; itsdangerous signs its token."""
    st.html(f"""<script>document.cookie = (location.protocol === "https:"
  ? "{auth.SECURE_SESSION_COOKIE}={value}; Secure" : "{auth.SESSION_COOKIE}={value}")
  + "; Path=/; Max-Age={seconds}; SameSite=Strict";</script>""", unsafe_allow_javascript=True)


def _remember_in_browser(signed: dict) -> None:
    """Renew the session's token in the browser (each run: idle time counts from the last one), with the session's
    own grant."""
    try:
        token = auth.session_token(ui.store(), signed["name"], signed["since"], signed["grant"])
    except StoreError:  # the sessions' key cannot be kept (a full disk): the session lives in this tab only
        return
    _set_cookie(token, auth.SESSION_IDLE_MINUTES * 60)


def _forget_in_browser() -> None:
    _set_cookie("", 0)


@st.cache_data(show_spinner=False, max_entries=16)
def _demo_password_works(password_hash: str, password: str) -> bool:
    return auth.password_matches({"password_hash": password_hash}, password)


def demo_accounts() -> list[tuple[str, str, str]]:
    """(name, role, password) of the demo accounts whose password is still the published one; none on a real store."""
    if not demo.untouched(ui.store()):  # real figures were imported (or reverted): the passwords are not shown
        return []
    accounts = ui.store().accounts()
    out = []
    for name, role, campuses, password in demo.DEMO_ACCOUNTS:
        a = accounts.get(name)
        if a and a.get("demo") and not a.get("disabled") and _demo_password_works(a["password_hash"] or "", password):
            out.append((name, permissions.ROLE_LABELS[role] + (f" ({', '.join(campuses)})" if campuses else ""), password))
    return out


def _client() -> str:
    """Who the sign-in comes from (auth.client_of): the address the web server saw, which believes X-Forwarded-For
    from the proxies of CMQ_TRUSTED_PROXIES only (`cmq serve` hands them to it)."""
    try:
        address = st.context.ip_address
    except Exception:  # no request (a test run)
        return ""
    return auth.client_of(address if isinstance(address, str) else None)


def _remember_destination() -> None:
    """The page and filters of the link that brought the person here, to open them once signed in."""
    if keys.WANTED not in st.session_state:
        try:
            path = urlparse(st.context.url or "").path.strip("/")
        except Exception:
            path = ""
        params = {k: [v for v in st.query_params.get_all(k)[:ui.LINK_VALUES_MAX] if ui.link_value(v)]
                  for k in list(st.query_params)[:10] if ui.link_value(k)}
        st.session_state[keys.WANTED] = (path.rsplit("/", 1)[-1][:ui.LINK_VALUE_MAX], params)


def go_to_destination(pages: list) -> None:
    """After sign-in, open the page the link named (the login page hid it), with its filters."""
    wanted = st.session_state.pop(keys.WANTED, None)
    if not wanted or not wanted[0]:
        return
    target = next((p for p in pages if p.url_path == wanted[0]), None)
    if target is not None:
        st.switch_page(target, query_params=wanted[1])


def login_page() -> None:
    """The French login page shown before any data."""
    _remember_destination()
    _forget_in_browser()  # a token that brought nobody back (expired, signed out) is of no more use
    _, mid, _ = st.columns([1, 2, 1])
    with mid:
        st.title("Pilotage des Campus des Métiers et des Qualifications")
        st.header("Connexion")
        if message := st.session_state.pop(keys.LOGIN_ERROR, None):
            st.warning(fmt.md(message), icon=":material/lock:")
        with st.form("login"):
            name = st.text_input("Nom du compte", key="login_name")
            password = st.text_input("Mot de passe", type="password", key="login_password")
            sent = st.form_submit_button("Se connecter", type="primary")
        if sent:
            account, message = auth.login(ui.store(), name, password, client=_client())
            if account is None:
                st.error(fmt.md(message), icon=":material/error:")
            else:
                st.session_state.pop(keys.SSO_ENDED, None)
                opened(account)
                st.rerun()
        if _sso_email() and st.session_state.get(keys.SSO_ENDED):  # signed out here, still signed in at the provider
            st.button("Se reconnecter avec l'authentification unique", on_click=lambda: st.session_state.pop(keys.SSO_ENDED),
                      icon=":material/key:", key="login_sso_again")
        elif _sso_email():  # signed in at the provider, but with an address no active account carries
            st.button("Quitter l'authentification unique", on_click=st.logout, icon=":material/logout:", key="login_sso_out")
        elif sso_configured():
            st.button("Se connecter avec l'authentification unique", on_click=st.login, icon=":material/key:",
                      key="login_sso")
        if shown := demo_accounts():
            st.info("Données de démonstration : un compte par rôle.", icon=":material/info:")
            st.table({"Compte": [n for n, _, _ in shown], "Rôle": [r for _, r, _ in shown],
                      "Mot de passe": [p for _, _, p in shown]})
    ui.preload_first_page()


def page_specs(account: dict) -> list[registry.Page]:
    """The pages of the registry the account may open, in navigation order (the national ones when it reads more
    than one region: the first page follows its scope)."""
    several = len(ui.regions_read()) > 1 if any(p.several_regions for p in registry.PAGES) else False
    return [p for p in registry.PAGES if permissions.allowed(account, p.action) and (several or not p.several_regions)]


def guard(slug: str) -> dict:
    """Every page's first line: the signed-in account, when it holds the action the registry declares for the page;
    otherwise the page says who it is for and stops (the navigation does not offer it; a page reached another way
    refuses too)."""
    account = current()
    page = registry.PAGE[slug]
    if not permissions.allowed(account, page.action):
        st.title(fmt.md(page.title))
        st.error(fmt.md(f"Cette page est réservée {permissions.holders(page.action)}."), icon=":material/block:")
        st.stop()
    if page.several_regions and len(ui.regions_read()) < 2:
        st.title(fmt.md(page.title))
        st.info("Cette page met plusieurs régions côte à côte ; votre compte en lit une : sa vue régionale dit tout.",
                icon=":material/info:")
        st.page_link(registry.PAGE["overview"].path, label="Ouvrir la vue régionale", icon=":material/dashboard:")
        st.stop()
    return account


def pages(account: dict) -> list:
    """The navigation: the pages the account opens, the first at the root; and every other page of the registry at
    its own address, out of the menu — the first page's too (Streamlit keeps a default page's own address unserved)
    — so that a typed or shared link opens the page and its guard answers in French (who it is for), never
    Streamlit's « Page not found » in English."""
    shown = page_specs(account)
    out = [st.Page(p.path, title=p.title, icon=p.icon, default=i == 0, url_path=f"{p.slug}-accueil" if i == 0 else None)
           for i, p in enumerate(shown)]
    return out + [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.slug, visibility="hidden")
                  for p in registry.PAGES if p not in shown[1:]]


def sidebar(account: dict) -> None:
    with st.sidebar:
        st.caption(f"Connecté : {fmt.md(permissions.describe(account))}")
        signed = st.session_state.get(keys.ACCOUNT) or {}
        if st.button("Se déconnecter", icon=":material/logout:", key="logout"):
            st.session_state.pop(keys.ACCOUNT, None)
            auth.end_sessions(ui.store(), account["name"])  # every tab and every copied token of this account ends
            if signed.get("sso"):
                st.logout()  # also clears Streamlit's sign-in cookie, and reruns
            st.rerun()
        if not signed.get("sso") and "grant" in signed:
            _remember_in_browser(signed)
