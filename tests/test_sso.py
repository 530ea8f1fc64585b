"""Single sign-on: st.login against a local OpenID Connect provider (oidc-provider-mock) started by the test."""
from __future__ import annotations

import pytest

from cmq.core import auth

from browser import CHROMIUM, CHROMIUM_ARGS, free_port, screenshot, streamlit_server

playwright = pytest.importorskip("playwright.sync_api")
oidc = pytest.importorskip("oidc_provider_mock")

SECRETS = """
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-only-cookie-secret-of-enough-length"
client_id = "cmq-dashboard"
client_secret = "test-only-secret"
server_metadata_url = "http://127.0.0.1:{idp}/.well-known/openid-configuration"
"""


def test_sso_round_trip_maps_the_email_to_the_account(store_copy, tmp_path):
    store_copy.update_account("directeur-agt", email="directeur.agt@ac-dijon.fr")
    for _ in range(12):  # someone guessed the password: password sign-ins under this name now wait
        auth.login(store_copy, "directeur-agt", "une-devinette-fausse", client="203.0.113.9")
    assert auth.name_wait(store_copy, "directeur-agt") is not None
    store_copy.update_account("comite", email="comite@region-bfc.fr")
    users = [oidc.User(sub="direction-agt", claims={"email": "directeur.agt@ac-dijon.fr", "email_verified": True}),
             oidc.User(sub="inconnu", claims={"email": "personne@example.org"}),
             # the committee's address, which this provider says it did not verify
             oidc.User(sub="non-verifie", claims={"email": "comite@region-bfc.fr", "email_verified": False}),
             # the same address as AGT's director, under another identity of the provider
             oidc.User(sub="usurpateur", claims={"email": "directeur.agt@ac-dijon.fr"})]
    with oidc.run_server_in_thread(user_claims=users) as idp:
        port = free_port()
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(SECRETS.format(port=port, idp=idp.server_port), encoding="utf-8")
        with streamlit_server(store_copy.root, port=port, secrets=secrets) as url, \
                playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_role("button", name="Se connecter avec l'authentification unique").click()
            page.get_by_role("button", name="direction-agt").click()  # the provider's page: pick the user
            page.get_by_text("Connecté :").wait_for(timeout=60_000)
            assert "directeur-agt" in page.get_by_text("Connecté :").inner_text()
            nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
            assert "Importer des données" in nav and "Administration" not in nav
            screenshot(page, "sso-signed-in")
            assert auth.name_wait(store_copy, "directeur-agt") is None, "signing in through the provider lifts the waits"
            # an address no account carries: refused in French, nothing shown
            other = browser.new_context().new_page()
            other.goto(url)
            other.get_by_role("button", name="Se connecter avec l'authentification unique").click()
            other.get_by_role("button", name="inconnu").click()
            other.get_by_text("Aucun compte actif n'est associé à l'adresse personne@").wait_for(timeout=60_000)
            assert other.locator('[data-testid="stMetricValue"]').count() == 0
            assert store_copy.account("directeur-agt")["sso_identity"].endswith("|direction-agt")
            for sub, said in (("non-verifie", "n'a pas vérifié l'adresse comite@"),
                              ("usurpateur", "est lié à une autre identité du fournisseur")):
                third = browser.new_context().new_page()
                third.goto(url)
                third.get_by_role("button", name="Se connecter avec l'authentification unique").click()
                third.get_by_role("button", name=sub).click()
                third.get_by_text(said).wait_for(timeout=60_000)
                assert third.get_by_text("Connecté :").count() == 0
            browser.close()
