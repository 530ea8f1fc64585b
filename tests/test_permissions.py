"""Who may do what: every role × action × resource, decided by permissions.refusal alone and enforced by the store's
write door on both backends; the pages' declarations read by the navigation and the guards."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from cmq.core import auth, permissions
from cmq.core.store import StoreError
from cmq.outputs import registry

from conftest import ROOT, app_test, state_of, unchanged

ACCOUNTS = ("admin", "directeur-agt", "comite", "ancien-admin", "personne")  # the last two: disabled, missing
# (action, what it touches) → the accounts that may; written by hand: the table is the specification
EXPECTED = {
    ("import", "AGT"): {"admin", "directeur-agt"},
    ("import", "MSI"): {"admin"},
    ("import", "AGT et MSI"): {"admin"},
    ("import", "toute la région"): {"admin"},
    ("import", "table commune"): {"admin"},
    ("import", "fiche AGT"): {"admin"},
    ("revert", "AGT"): {"admin", "directeur-agt"},
    ("revert", "MSI"): {"admin"},
    ("submit", "AGT"): {"admin", "directeur-agt"},
    ("submit", "MSI"): {"admin"},
    ("validate", "AGT"): {"admin"},
    ("run_campaigns", "partout"): {"admin"},
    ("administer_accounts", "partout"): {"admin"},
    ("read", "partout"): {"admin", "directeur-agt", "comite"},
}


def resource(what: str) -> permissions.Resource:
    from cmq.core import schema

    return {"AGT": permissions.on("AGT"), "MSI": permissions.on("MSI"), "AGT et MSI": permissions.on("AGT", "MSI"),
            "toute la région": permissions.on(None), "partout": permissions.ANYWHERE,
            "table commune": permissions.rows_of(schema.table("partners"), set()),
            "fiche AGT": permissions.rows_of(schema.table("campuses"), {"AGT"})}[what]


def test_every_action_has_a_description_and_every_role_names_known_actions():
    assert set(permissions.ACTIONS) == {a for a, _ in EXPECTED}, "the table covers every named action"
    for a in permissions.ACTIONS.values():
        assert a.description and a.verb
    for r in permissions.ROLES.values():
        assert r.actions <= set(permissions.ACTIONS) and r.label and r.plural


def test_the_table_of_who_may_do_what(demo_store):
    """Decided by the one function, for every account state: active roles, disabled, missing."""
    accounts = {**demo_store.accounts(), "ancien-admin": {**auth.new_account("ancien-admin", "admin", national=True), "disabled": True}}
    for (action, what), who in EXPECTED.items():
        for name in ACCOUNTS:
            account = accounts.get(name)
            said = permissions.refusal(account, action, resource(what), name=name)
            assert (said is None) == (name in who), (name, action, what, said)
            assert permissions.allowed(account, action, resource(what)) == (name in who)
            if said:
                assert name in said, "a refusal names the account"
    assert "n'existe pas" in permissions.refusal(None, "read", name="personne")
    assert "désactivé" in permissions.refusal(accounts["ancien-admin"], "read")


class Attempts:
    """Each (action, resource) taken for real on the store by one account; every setup step (batches to revert, a
    campaign, statuses) is done by the administrator, and every successful step undone, so that the next account
    meets the same state."""

    def __init__(self, store):
        self.s = store
        self.n = 0
        store.put_account(auth.new_account("ancien-admin", "admin", [], "un-long-mot-de-passe", national=True))
        store.update_account("ancien-admin", disabled=True)
        store.open_campaign(2019, date(2030, 1, 31), user="admin", campuses=["AGT", "MSI"])

    def _values(self, *campuses: str | None) -> pd.DataFrame:
        self.n += 1
        return pd.DataFrame([{"campus_id": c, "indicator_id": f"{c or 'AGT'}-I01", "year": 2020, "value": float(self.n)}
                             for c in campuses])

    def take(self, user: str, action: str, what: str):
        s = self.s
        if action == "import":
            if what == "table commune":
                rows = s.current("partners").head(1).drop(columns=["batch_id"], errors="ignore")
                return lambda: s.commit("partners", rows, user=user)
            if what == "fiche AGT":
                rows = s.current("campuses").query("campus_id == 'AGT'").drop(columns=["batch_id"], errors="ignore")
                return lambda: s.commit("campuses", rows, user=user)
            campuses = {"AGT": ["AGT"], "MSI": ["MSI"], "AGT et MSI": ["AGT", "MSI"], "toute la région": [None]}[what]
            rows = self._values(*campuses)
            return lambda: s.commit("indicator_values", rows, user=user)
        if action == "revert":
            batch = s.commit("indicator_values", self._values(what), user="admin").batch_id
            return lambda: s.revert(batch, user=user)
        if action == "submit":
            return lambda: s.campaign_step("submit", 2019, what, user=user)
        if action == "validate":
            if s.campaign(2019)["campuses"][what]["status"] != "soumis":
                s.campaign_step("submit", 2019, what, user="admin")
            return lambda: s.campaign_step("validate", 2019, what, user=user)
        if action == "run_campaigns":
            self.n += 1
            return lambda: s.extend_campaign(2019, date(2030, 2, self.n % 28 + 1), user=user)
        if action == "administer_accounts":
            self.n += 1
            account = auth.new_account(f"nouveau-{self.n}", "lecteur", [], "un-long-mot-de-passe", national=True)
            return lambda: s.put_account(account, by=user)
        raise AssertionError(action)

    def undo(self, action: str, what: str) -> None:
        if action == "submit":
            self.s.campaign_step("send_back", 2019, what, user="admin", reason="pour le test suivant")
        if action == "validate":
            self.s.campaign_step("reopen", 2019, what, user="admin", reason="pour le test suivant")


def test_the_store_enforces_the_table_on_both_backends(any_store_copy):
    """Every write action, for every account, through the store's write door: allowed ones done, refused ones
    refused with the permission's own words and the store unchanged."""
    store = any_store_copy
    attempts = Attempts(store)
    for (action, what), who in EXPECTED.items():
        if action == "read":
            continue
        for name in ACCOUNTS:
            act = attempts.take(name, action, what)
            if name in who:
                act()
                attempts.undo(action, what)
                continue
            before = unchanged(store)
            with pytest.raises(StoreError) as refused:
                act()
            expected = permissions.refusal(store.account(name), action, resource(what), name=name)
            assert str(refused.value).startswith(expected), (name, action, what, str(refused.value))
            assert unchanged(store) == before, (name, action, what)


def test_account_changes_name_who_makes_them(store_copy):
    """A reader or a director may not create, change nor disable an account, even straight at the store."""
    before = state_of(store_copy)
    for name in ("comite", "directeur-agt"):
        with pytest.raises(StoreError, match="pas administrer les comptes.* : le compte n.est pas créé"):
            store_copy.put_account(auth.new_account("intrus", "admin", [], "un-long-mot-de-passe", national=True), by=name)
        with pytest.raises(StoreError, match="pas administrer les comptes.* : le compte n.est pas modifié"):
            store_copy.update_account("comite", role="admin", by=name)
    assert state_of(store_copy) == before
    assert store_copy.update_account("comite", disabled=True, by="admin")["disabled"]


def test_navigation_and_guards_read_the_registry(store_copy, data_dir):
    """The pages an account is offered are exactly those whose declared action it holds; a page reached another way
    by an account without it says who it is for and shows nothing else."""
    from streamlit.testing.v1 import AppTest

    from cmq.app import session

    for name, offered in (("comite", {"read"}), ("directeur-agt", {"read", "import"}),
                          ("admin", {"read", "import", "run_campaigns", "administer_accounts"})):
        at = app_test(name)
        specs = [p.slug for p in registry.PAGES if p.action in offered and not p.several_regions]  # one region
        assert [p.slug for p in session.page_specs(store_copy.account(name))] == specs
        for page in registry.PAGES:
            if page.action == "read" or page.action in offered:
                continue
            run = AppTest.from_file(str(ROOT / page.path), default_timeout=60)
            run.session_state["account"] = at.session_state["account"]
            run.run()
            assert not run.exception, (name, page.slug)
            assert run.error and "Cette page est réservée aux" in run.error[0].value, (name, page.slug)
            assert run.title[0].value == page.title and len(run.title) == 1
            assert not run.button and not run.text_input and not run.dataframe, (name, page.slug)



def test_the_administration_page_lists_who_may_do_what(store_copy, data_dir):
    """The rights are read from the one model: every action's description, and for each role whether it holds it."""
    from streamlit.testing.v1 import AppTest

    at = app_test("admin")
    page = AppTest.from_file(str(ROOT / registry.PAGE["admin"].path), default_timeout=60)
    page.session_state["account"] = at.session_state["account"]
    page.run()
    assert not page.exception
    rights = next(d.value for d in page.dataframe if "Action" in d.value.columns)
    assert list(rights["Action"]) == [a.description for a in permissions.ACTIONS.values()]
    by_action = rights.set_index("Action")
    for role in permissions.ROLES.values():
        for action in permissions.ACTIONS.values():
            assert (by_action.loc[action.description, role.label] == "oui") == (action.name in role.actions)
    assert by_action.loc[permissions.ACTIONS["import"].description, "Lecteur (comité de pilotage)"] == "—"
