"""Sign-in waits over real HTTP: a forged X-Forwarded-For escapes nothing unless it comes from a trusted proxy."""
from __future__ import annotations

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server

playwright = pytest.importorskip("playwright.sync_api")


def wrong_sign_ins(browser, url: str, forwarded: list[str]) -> list[str]:
    """One wrong password per forged address, each from a new browser context; what the login page answered."""
    said = []
    for address in forwarded:
        context = browser.new_context(extra_http_headers={"X-Forwarded-For": address})
        page = context.new_page()
        page.goto(url)
        page.get_by_label("Nom du compte", exact=True).wait_for(timeout=90_000)
        page.get_by_label("Nom du compte", exact=True).fill("admin")
        page.get_by_label("Mot de passe", exact=True).fill("une-devinette-fausse")
        page.get_by_role("button", name="Se connecter", exact=True).click()
        alert = page.get_by_text("Nom de compte ou mot de passe incorrect").or_(page.get_by_text("Trop d'essais"))
        alert.first.wait_for(timeout=30_000)
        said.append(alert.first.inner_text())
        context.close()
    return said


def clients_counted(store) -> list[int]:
    """The failures of each client the sign-in waits count (digests only: how many clients, how many failures)."""
    return sorted(r["failures"] for r in store.signin_waits().values() if r["kind"] == "client")


def test_a_rotated_forged_header_is_one_client_unless_a_trusted_proxy_sends_it(store_copy):
    """Two wrong passwords, each with another forged X-Forwarded-For: from a peer that is no trusted proxy they are one
    client with two failures; from a trusted proxy (CMQ_TRUSTED_PROXIES), two clients with one each."""
    forged = ["198.51.100.1", "198.51.100.2"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with streamlit_server(store_copy.root, env={"CMQ_TRUSTED_PROXIES": ""}) as url:
            wrong_sign_ins(browser, url, forged)
        assert clients_counted(store_copy) == [2], "a new forged address at each try is still the same client"
        store_copy.write_accounts(lambda s: s.write_signin_waits({}))
        with streamlit_server(store_copy.root, env={"CMQ_TRUSTED_PROXIES": "127.0.0.1"}) as url:
            wrong_sign_ins(browser, url, forged)
        assert clients_counted(store_copy) == [1, 1], "behind a trusted proxy, each address it names is a client"
        browser.close()
