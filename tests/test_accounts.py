"""Accounts and roles: login, lockout, session expiry, scope enforced by the store, account commands."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from cmq.core import auth, ingest
from cmq.core.store import Store, StoreError, store_at

from conftest import ROOT, app_test, cli, shown, snapshot, state_of

AMF_VALUE = "Code campus;Identifiant indicateur;Année;Valeur\nAMF;AMF-I01;2019;5\n".encode()


def login(at, name: str, password: str):
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


# ---- login page


def test_login_wrong_password_then_right_one(data_dir):
    at = app_test(None).run()
    assert at.title[0].value.startswith("Pilotage") and not at.metric, "no figure before signing in"
    listed = at.table[0].value
    assert list(listed["Compte"]) == ["admin", "comite", "directeur-agt"], "the demo store lists its demo accounts"
    login(at, "comite", "pas-le-bon-mot")
    assert shown(at.error[0].value) == "Nom de compte ou mot de passe incorrect.", "no count of tries left: it would name real accounts"
    login(at, "comite", "comite-demo-2018")
    assert at.title[0].value == "Vue régionale des campus"
    assert "comite" in at.sidebar.caption[0].value


def test_unknown_name_gets_the_same_message(data_dir):
    at = login(app_test(None).run(), "personne", "un-mot-de-passe")
    assert shown(at.error[0].value) == "Nom de compte ou mot de passe incorrect."


class Clock:
    """The time auth reads, moved forward by the test (waits of a minute are not slept through)."""

    def __init__(self, monkeypatch):
        self.t = datetime.now(UTC)
        monkeypatch.setattr(auth, "now", lambda: self.t)

    def forward(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


def answers(store, name: str, client: str, n: int, password: str = "mauvais-mot-de-passe") -> list[str]:
    return [auth.login(store, name, password, client=client)[1] for _ in range(n)]


def test_known_and_unknown_names_are_answered_alike(store_copy, monkeypatch):
    """Twelve wrong guesses on a real name and on a name that does not exist, each from its own address: the same
    answers, word for word (the waits too), so the login cannot be used to find out which accounts exist."""
    Clock(monkeypatch)
    real = answers(store_copy, "admin", "198.51.100.1", 12)
    unknown = answers(store_copy, "adminn", "198.51.100.2", 12)
    assert real == unknown
    assert real[0] == "Nom de compte ou mot de passe incorrect."
    assert "attendez 2 s" in real[3], "the fourth failure from one address makes the next try wait"
    assert real[4].startswith("Trop d'essais"), "during a wait no password is even checked"


def test_an_attacker_slows_down_without_locking_the_owner_out(any_store_copy, monkeypatch):
    """Thirty wrong passwords for « admin » from one address: that address waits up to 15 minutes; the owner, from an
    address with no failure of its own, signs in at once; one that failed once waits at most a minute for the name's
    spread-out failures; the attacker's address is still slowed (both backends)."""
    store_copy = any_store_copy
    clock = Clock(monkeypatch)
    for _ in range(30):
        clock.forward(2 ** 12)  # the attacker waits out every wait: the waits grow until their cap
        auth.login(store_copy, "admin", "devinette-numero-x", client="203.0.113.66")
    account, message = auth.login(store_copy, "admin", "admin-demo-2018", client="203.0.113.66")
    assert account is None and "attendez 900 s" in message, "the attacker's address waits the longest wait"
    account, message = auth.login(store_copy, "admin", "admin-demo-2018", client="192.0.2.10")
    assert account and account["name"] == "admin" and message == "", "no failure of its own: no wait for another's"
    for _ in range(12):  # a spread-out attack: one more failure for the name from each of many addresses
        auth.login(store_copy, "comite", "devinette", client=f"198.51.100.{_}")
    account, message = auth.login(store_copy, "comite", "mauvais-mot", client="192.0.2.20")  # its own first failure
    assert account is None and "attendez" in message
    assert int(message.split("attendez ")[1].split(" s")[0]) <= auth.WAITS["name"][1], "a minute at most"
    clock.forward(auth.WAITS["name"][1] + 1)
    account, message = auth.login(store_copy, "comite", "comite-demo-2018", client="192.0.2.20")
    assert account and account["name"] == "comite" and message == ""
    assert "attendez" in auth.login(store_copy, "admin", "admin-demo-2018", client="203.0.113.66")[1], \
        "the owner's sign-in does not free the attacker's address"
    kept = json.dumps(store_copy.signin_waits())
    assert "admin" not in kept and "203.0.113" not in kept, "only digests of names and addresses are kept"


@pytest.mark.parametrize("seen, client", [
    ("203.0.113.7", "203.0.113.7"),
    (None, "127.0.0.1"),  # the machine itself
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # every address of one /64 is one client
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.1", "192.0.2.1"),
])
def test_the_client_of_a_sign_in(seen, client):
    assert auth.client_of(seen) == client


def test_trusted_proxies_are_addresses_or_networks():
    assert auth.trusted_proxies(" 127.0.0.1, 10.0.0.0/8 ::1") == "127.0.0.1,10.0.0.0/8,::1"
    assert auth.trusted_proxies(None) == ""
    with pytest.raises(auth.AuthError, match="ni une adresse IP ni un réseau"):
        auth.trusted_proxies("proxy.example.fr")


def test_addresses_of_one_v6_subscriber_are_one_client(data_dir, store_copy, monkeypatch):
    Clock(monkeypatch)
    v6 = [auth.login(store_copy, "admin", "devinette", client=auth.client_of(f"2001:db8:5:6::{i:x}"))[1]
          for i in range(1, 6)]
    assert "attendez" in v6[3], "a new address of the same /64 at each try is still one client"


def test_an_administrator_lifts_the_wait(data_dir, store_copy, monkeypatch):
    Clock(monkeypatch)
    answers(store_copy, "directeur-agt", "", 12)
    assert auth.name_wait(store_copy, "directeur-agt") is not None
    at = app_test("admin").run()
    at.switch_page("cmq/app/pages/admin.py").run()
    state = at.dataframe[0].value.set_index("Compte")["État"]
    assert state["directeur-agt"].startswith("Essais ralentis jusqu'au") and state["comite"] == "Actif"
    at.selectbox(key="admin_pick").set_value("directeur-agt").run()
    at.button(key="admin_unlock").click().run()
    assert auth.name_wait(store_copy, "directeur-agt") is None
    account, message = auth.login(store_copy, "directeur-agt", "agt-demo-2018")
    assert account and message == "", "the owner signs in at once, from the address that failed"


def test_a_disabled_account_is_named_only_to_whoever_knows_its_password(store_copy):
    store_copy.update_account("comite", disabled=True)
    assert auth.login(store_copy, "comite", "pas-le-bon-mot")[1] == "Nom de compte ou mot de passe incorrect."
    assert "désactivé" in auth.login(store_copy, "comite", "comite-demo-2018")[1]


def test_session_expires_after_idle_time(data_dir):
    at = app_test("comite")
    old = datetime.now(UTC) - timedelta(minutes=auth.SESSION_IDLE_MINUTES + 1)
    at.session_state["account"] = {**at.session_state["account"], "since": old, "seen": old}
    at.run()
    assert "expiré" in at.warning[0].value and at.text_input(key="login_name")


def test_disabled_account_is_signed_out(data_dir, store_copy):
    assert app_test("comite").run().title[0].value == "Vue régionale des campus"
    store_copy.update_account("comite", disabled=True)
    at = app_test("comite").run()  # a session opened before the account was disabled
    assert "plus actif" in at.warning[0].value and not at.metric


@pytest.mark.parametrize("change", ["sign-out elsewhere", "new password", "disabled", "role", "campuses"])
def test_an_open_session_ends_at_its_next_click_once_the_account_moved_on(data_dir, store_copy, change):
    """A page open in one tab (its session held by the server) shows the sign-in form, and nothing else, at its next
    run once the account signed out in another tab, got a new password, was disabled, or got other rights."""
    at = app_test("directeur-agt").run()
    assert at.title[0].value == "Vue régionale des campus"
    {"sign-out elsewhere": lambda: auth.end_sessions(store_copy, "directeur-agt"),
     "new password": lambda: (store_copy.update_account("directeur-agt", password_hash=auth.hash_password("x" * 14)),
                              auth.end_sessions(store_copy, "directeur-agt")),
     "disabled": lambda: store_copy.update_account("directeur-agt", disabled=True),
     "role": lambda: store_copy.update_account("directeur-agt", role="lecteur", campuses=[]),
     "campuses": lambda: store_copy.update_account("directeur-agt", campuses=["AGT", "MSI"])}[change]()
    at.run()  # the next click
    assert at.text_input(key="login_name") and not at.metric and not at.title[0].value.startswith("Vue")
    assert "session" in at.warning[0].value or "plus actif" in at.warning[0].value
    assert "account" not in at.session_state


def test_admin_page_creates_and_disables_accounts(data_dir, store_copy):
    at = app_test("admin").run()
    at.switch_page("cmq/app/pages/admin.py").run()
    table = at.dataframe[0].value
    demo_directors = {f"direction-{c}" for c in ("amf", "itip", "mma", "msi", "ti")}  # addresses only (reminders)
    assert set(table["Compte"]) == {"admin", "comite", "directeur-agt"} | demo_directors
    assert "password_hash" not in table.columns
    def fields() -> dict:  # the first widget of each label: the new account's form comes first
        found: dict = {}
        for w in list(at.text_input) + list(at.selectbox) + list(at.multiselect):
            found.setdefault(w.label, w)
        return found

    def create_director_msi(password: str) -> None:
        field = fields()
        field["Nom du compte"].input("directeur-msi")
        field["Rôle"].set_value("directeur")
        field["Campus (directeur)"].set_value(["MSI"])
        field[f"Mot de passe ({auth.MIN_PASSWORD} caractères au moins)"].input(password)
        at.button[0].click().run()

    create_director_msi("court")
    assert "au moins 12 caractères" in at.error[0].value and store_copy.account("directeur-msi") is None
    kept = fields()
    assert kept["Nom du compte"].value == "directeur-msi" and kept["Campus (directeur)"].value == ["MSI"], \
        "an error keeps what was typed"
    create_director_msi("msi-microtech-2026")
    assert "créé" in at.success[0].value
    created = store_copy.account("directeur-msi")
    assert created["campuses"] == ["MSI"] and created["password_hash"].startswith("$argon2id$")
    assert fields()["Nom du compte"].value == "", "a new, empty form after a success"
    at.selectbox(key="admin_pick").set_value("directeur-msi").run()
    role = [w for w in at.selectbox if w.label == "Rôle"][-1]  # the chosen account's role form
    role.set_value("lecteur")
    [w for w in at.multiselect if w.label == "Campus (directeur)"][-1].set_value([])
    save = "Enregistrer le rôle et le périmètre"
    [b for b in at.button if b.label == save][0].click().run()
    assert "Précisez le périmètre" in at.error[0].value, "a reader without a scope is refused"
    assert store_copy.account("directeur-msi")["role"] == "directeur"
    [w for w in at.multiselect if w.label.startswith("Régions")][-1].set_value(["Bourgogne-Franche-Comté"])
    [b for b in at.button if b.label == save][0].click().run()
    changed = store_copy.account("directeur-msi")
    assert (changed["role"], changed["campuses"], changed["regions"]) == ("lecteur", [], ["Bourgogne-Franche-Comté"])
    [w for w in at.selectbox if w.label == "Rôle"][-1].set_value("directeur")
    [w for w in at.multiselect if w.label.startswith("Régions")][-1].set_value([])
    [b for b in at.button if b.label == save][0].click().run()
    assert "au moins un campus" in at.error[0].value and "--" not in at.error[0].value
    assert store_copy.account("directeur-msi")["role"] == "lecteur", "a refused change writes nothing"
    at.button(key="admin_disable").click().run()
    assert store_copy.account("directeur-msi")["disabled"]


# ---- the store enforces the scope


def test_director_of_agt_importing_amf_is_refused_and_nothing_written(any_store_copy):
    store_copy = any_store_copy
    before = state_of(store_copy)
    rep = ingest.import_bytes(store_copy, "indicator_values", AMF_VALUE, "amf.csv", user="directeur-agt")
    assert rep.status == "rejected" and "vos campus : AGT" in rep.errors[0]["message"]
    rows = pd.DataFrame([{"campus_id": "AMF", "indicator_id": "AMF-I01", "year": 2019, "value": 5.0}])
    with pytest.raises(StoreError, match="directeur de AGT.*pour AMF"):
        store_copy.commit("indicator_values", rows, user="directeur-agt")  # straight at the store: refused too
    for user, pattern in (("comite", "peut consulter mais pas importer"), ("personne", "n'existe pas"), ("", "n'existe pas")):
        with pytest.raises(StoreError, match=pattern):
            store_copy.commit("indicator_values", rows, user=user)
    with pytest.raises(StoreError, match=r"réservé\(e\) aux administrateurs"):
        store_copy.commit("partners", pd.DataFrame([{"partner_id": "X", "name": "X", "partner_type": "entreprise"}]),
                          user="directeur-agt")
    assert state_of(store_copy) == before


def test_revert_scope(any_store_copy):
    store_copy = any_store_copy
    agt = "Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;2019;5\n".encode()
    mine = ingest.import_bytes(store_copy, "indicator_values", agt, "agt.csv", user="directeur-agt").batch_id
    theirs = ingest.import_bytes(store_copy, "indicator_values", AMF_VALUE, "amf.csv", user="admin").batch_id
    before = state_of(store_copy)
    # an administrator's milestones: one of AGT, one of the whole region (no campus) — the director of AGT may not
    # revert it, or the regional milestone would go with it
    both = store_copy.commit("milestones", pd.DataFrame([
        {"milestone_id": "AGT-J-TEST", "campus_id": "AGT", "start_date": pd.Timestamp("2019-03-01").date(),
         "milestone_kind": "comite", "milestone_status": "prevu", "title": "Comité AGT"},
        {"milestone_id": "REG-J-TEST", "campus_id": None, "start_date": pd.Timestamp("2019-04-01").date(),
         "milestone_kind": "comite", "milestone_status": "prevu", "title": "Comité régional"}]),
        user="admin", campus_id="AGT").batch_id
    before = state_of(store_copy)
    with pytest.raises(StoreError, match="lignes sans campus"):
        store_copy.revert(both, user="directeur-agt")
    for user, batch in (("directeur-agt", theirs), ("comite", mine), ("directeur-agt", 1)):  # batch 1: all campuses
        with pytest.raises(StoreError, match="pas annuler cet import.* : l'import n'est pas annulé"):
            store_copy.revert(batch, user=user)
    assert state_of(store_copy) == before
    store_copy.revert(mine, user="directeur-agt")
    store_copy.revert(theirs, user="admin")
    store_copy.revert(both, user="admin")
    reverted = store_copy.read("select batch_id, reverted_by from batches where reverted_at is not null")
    assert dict(zip(reverted["batch_id"], reverted["reverted_by"])) == {mine: "directeur-agt", theirs: "admin",
                                                                       both: "admin"}


# ---- command line


def test_cli_refuses_another_campus_with_exit_1(data_dir, tmp_path):
    f = tmp_path / "amf.csv"
    f.write_bytes(AMF_VALUE)
    before = snapshot(data_dir)
    r = cli("import", "indicator_values", str(f), "--user", "directeur-agt", data_dir=data_dir)
    assert r.returncode == 1 and "vos campus : AGT" in r.stdout
    r = cli("revert", "1", "--user", "directeur-agt", data_dir=data_dir)
    assert r.returncode == 1 and "ne peut pas annuler" in r.stderr
    r = cli("import", "indicator_values", str(f), data_dir=data_dir)
    assert r.returncode == 1 and "--user" in r.stderr
    assert snapshot(data_dir) == before


def test_cli_user_add_list_disable(any_store_copy, tmp_path):
    store = any_store_copy
    r = cli("user", "add", "directeur-amf", "--role", "directeur", "--campus", "AMF", store=store, stdin="court\n")
    assert r.returncode == 1 and "au moins 12" in r.stderr
    r = cli("user", "add", "directeur-amf", "--role", "directeur", "--campus", "AMF", "--email", "Dir.AMF@ac-besancon.fr",
            store=store, stdin="automobile-2026\n")
    assert r.returncode == 0, r.stderr
    assert "automobile-2026" not in json.dumps(store.accounts()), "only the hash is stored"
    assert store.account("directeur-amf")["password_hash"].startswith("$argon2")
    listed = json.loads(cli("user", "list", "--json", store=store).stdout)
    amf = next(a for a in listed if a["name"] == "directeur-amf")
    assert amf["campuses"] == "AMF" and amf["email"] == "dir.amf@ac-besancon.fr" and "password_hash" not in amf
    f = tmp_path / "amf.csv"
    f.write_bytes(AMF_VALUE)
    assert cli("import", "indicator_values", str(f), "--user", "directeur-amf", store=store).returncode == 0
    assert cli("user", "disable", "directeur-amf", store=store).returncode == 0
    f.write_bytes(AMF_VALUE.replace(b";5\n", b";6\n"))
    r = cli("import", "indicator_values", str(f), "--user", "directeur-amf", store=store)
    assert r.returncode == 1 and "désactivé" in r.stdout


def test_init_makes_a_real_store_without_demo_accounts(tmp_path, monkeypatch):
    root = tmp_path / "vrai"
    r = cli("init", "--admin", "coordination", data_dir=root, stdin="un-long-mot-de-passe\n")
    assert r.returncode == 0, r.stderr
    s = Store(root)
    assert list(s.accounts()) == ["coordination"] and s.current("campuses").empty, "no demo data, no demo account"
    assert cli("demo", data_dir=root).returncode == 1, "the demo is never built into a real store"
    assert cli("init", "--admin", "autre", data_dir=root, stdin="un-long-mot-de-passe\n").returncode == 1
    monkeypatch.setenv("CMQ_DATA_DIR", str(root))
    at = app_test(None).run()
    assert not at.table and not any("demo" in (m.value or "") for m in at.markdown), "a real store shows no password"
    assert login(at, "coordination", "un-long-mot-de-passe").title[0].value == "Vue régionale des campus"


def test_the_demo_passwords_are_shown_only_on_an_untouched_demo_store(data_dir, store_copy):
    at = app_test(None).run()
    assert at.table and "admin-demo-2018" in str(at.table[0].value)  # the demo as built: one account per role
    agt = "Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;2019;5\n".encode()
    assert ingest.import_bytes(store_copy, "indicator_values", agt, "vrai.csv", user="admin").status == "committed"
    at = app_test(None).run()  # real figures are in: the passwords still work, and are no longer published
    assert not at.table and "admin-demo-2018" not in str([m.value for m in at.markdown])


def test_no_user_text_is_rendered_as_html():
    paths = [*(ROOT / "cmq").rglob("*.py"), ROOT / "dashboard.py"]
    assert len(paths) > 40  # the whole package, every folder of it
    for path in paths:
        assert "unsafe_allow_html" not in path.read_text(encoding="utf-8"), path



def test_signing_in_does_not_wait_for_an_import(store_copy):
    """While another process holds the writers' lock (a long import or a compaction), a sign-in goes through and a
    failed attempt is still counted: the accounts have a lock of their own."""
    import subprocess
    import sys

    store = Store(store_copy.root, lock_timeout=0)  # taking the writers' lock would raise at once
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from filelock import FileLock; "
                               "l = FileLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(60)",
                               str(store_copy.root / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        account, message = auth.login(store, "admin", "admin-demo-2018")
        assert account and account["name"] == "admin" and message == ""
        assert auth.login(store, "comite", "pas le bon mot de passe")[0] is None
        assert len(store.signin_waits()) == 3, "the failure is counted (name, address, both)"
    finally:
        holder.kill()


def test_a_session_token_brings_back_only_its_own_live_session(any_store_copy):
    """The token a reload sends: accepted as issued; refused forged, for a session older than 12 hours, once its
    account signed out (or got a new password), or disabled."""
    store_copy = any_store_copy
    admin = store_copy.account("admin")
    since = datetime.now(UTC)
    token = auth.session_token(store_copy, "admin", since, auth.grant(admin))
    back = auth.session_from_token(store_copy, token)
    assert back and back[0]["name"] == "admin" and back[1] == since
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert auth.session_from_token(store_copy, forged) is None
    assert auth.session_from_token(store_copy, "admin") is None and auth.session_from_token(store_copy, None) is None
    old = auth.session_token(store_copy, "admin", since - timedelta(hours=auth.SESSION_MAX_HOURS, minutes=1),
                             auth.grant(admin))
    assert auth.session_from_token(store_copy, old) is None
    other = store_at(store_copy.where if isinstance(store_copy, Store) else store_copy.url)  # another app server
    assert auth.session_from_token(other, token)
    auth.end_sessions(store_copy, "admin")  # « Se déconnecter »
    assert auth.session_from_token(store_copy, token) is None
    comite = auth.session_token(store_copy, "comite", since, auth.grant(store_copy.account("comite")))
    store_copy.update_account("comite", disabled=True)
    assert auth.session_from_token(store_copy, comite) is None
    agt = store_copy.account("directeur-agt")
    old_rights = auth.session_token(store_copy, "directeur-agt", since, auth.grant(agt))
    store_copy.update_account("directeur-agt", campuses=["AGT", "MSI"])  # rights changed: the session ends
    assert auth.session_from_token(store_copy, old_rights) is None
    # a token carries the session's own grant: minted after the account moved on, it is still refused
    stale = auth.session_token(store_copy, "directeur-agt", since, auth.grant(agt))
    assert auth.session_from_token(store_copy, stale) is None
    if isinstance(store_copy, Store):  # on PostgreSQL the key is a row of the database, read by the app's role only
        assert (store_copy.root / "session-secret").stat().st_mode & 0o077 == 0, "the key is its owner's only"


def test_single_sign_on_takes_a_verified_address_and_one_identity(store_copy):
    store_copy.update_account("directeur-agt", email="directeur.agt@ac-dijon.fr")
    claims = {"email": "Directeur.AGT@ac-dijon.fr", "iss": "https://idp-a.example", "sub": "42"}
    assert auth.sso_account(store_copy, {**claims, "email_verified": False})[0] is None
    assert "pas vérifié" in auth.sso_account(store_copy, {**claims, "email_verified": "false"})[1]
    account, _ = auth.sso_account(store_copy, {**claims, "email_verified": True})
    assert account["name"] == "directeur-agt" and account["sso_identity"] == "https://idp-a.example|42"
    assert auth.sso_account(store_copy, claims)[0]["name"] == "directeur-agt"  # the same identity again
    for other in ({**claims, "iss": "https://idp-b.example"}, {**claims, "sub": "43"}):
        account, said = auth.sso_account(store_copy, other)
        assert account is None and "autre identité" in said


def test_a_huge_password_is_never_hashed_and_an_address_is_one_address(store_copy):
    import time

    from hypothesis import given, settings
    from hypothesis import strategies as st

    start = time.perf_counter()
    account, message = auth.login(store_copy, "comite", "x" * 1_000_000)
    assert account is None and message == "Nom de compte ou mot de passe incorrect."
    assert time.perf_counter() - start < 0.5, "a megabyte is refused before any hashing"
    with pytest.raises(auth.AuthError, match="1024 octets"):
        auth.hash_password("é" * 600)

    @settings(max_examples=60, deadline=None)
    @given(st.text(min_size=1, max_size=20), st.sampled_from(["\n", "\r", ",", ";", " ", "<", ">"]),
           st.text(min_size=1, max_size=20))
    def one_address(left, sep, right):
        with pytest.raises(auth.AuthError, match="Adresse électronique invalide"):
            auth.new_account("quelqu-un", "lecteur", national=True, email=f"dir.{left}@ac-dijon.fr{sep}{right}@exemple.fr")

    one_address()
    assert auth.new_account("quelqu-un", "lecteur", national=True, email=" Dir.AGT@ac-dijon.fr ")["email"] == "dir.agt@ac-dijon.fr"


def test_sign_ins_check_passwords_outside_the_accounts_lock_and_a_burst_of_guesses_still_waits(store_copy, monkeypatch):
    """A committee signing in at once: while one person's password is being checked (Argon2, 0.1 s of a core), the
    accounts are free for the next person's sign-in, which goes through; guesses sent all at once meet the waits as
    guesses sent one by one do; a session brought back by its cookie checks no password at all."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    checking, release = threading.Event(), threading.Event()
    real_verify = auth._hasher.verify

    class Slow:  # the hasher, held in the middle of the committee member's check until the test lets it go
        def verify(self, hashed, password):
            if password == "comite-demo-2018" and not release.is_set():
                checking.set()
                release.wait(30)
            return real_verify(hashed, password)

        def hash(self, password):
            return auth.PasswordHasher().hash(password)

    monkeypatch.setattr(auth, "_hasher", Slow())
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(auth.login, store_copy, "comite", "comite-demo-2018", "192.0.2.1")
        assert checking.wait(30)
        account, message = auth.login(store_copy, "admin", "admin-demo-2018", client="192.0.2.2")
        assert account and account["name"] == "admin" and message == "", "the next person is not kept waiting"
        release.set()
        account, message = slow.result(30)
    assert account and account["name"] == "comite" and message == ""
    assert store_copy.signin_waits() == {}, "a right password leaves no failure counted"

    with ThreadPoolExecutor(6) as pool:  # six guesses at once from one address: three are free, then it waits
        answers = list(pool.map(lambda _: auth.login(store_copy, "comite", "devinette-123", "203.0.113.9")[1], range(6)))
    assert sum("attendez" in a for a in answers) >= 3, answers
    assert auth.login(store_copy, "comite", "comite-demo-2018", "203.0.113.9")[0] is None, "still waiting"

    token = auth.session_token(store_copy, "admin", datetime.now(UTC), auth.grant(store_copy.account("admin")))
    monkeypatch.setattr(auth, "_hasher", None)  # any password check or hash would fail
    assert auth.session_from_token(store_copy, token)[0]["name"] == "admin"
