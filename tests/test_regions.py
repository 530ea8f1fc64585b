"""One store for the nation: every role × scope × action against campuses of two regions, through the store on both
backends; delegation both ways; what each account reads (campuses, drafts, campaigns) and the command line."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from cmq.core import auth, cycle, fmt, permissions, queries
from cmq.core.store import StoreError

from conftest import ARA, BFC, app_test, cli, frame, second_region, state_of, unchanged

# AGT is in Bourgogne-Franche-Comté, VAL in Auvergne-Rhône-Alpes
ACCOUNTS = ("admin", "comite", "directeur-agt", "coord-bfc", "lecteur-bfc", "coord-ara", "lecteur-ara", "directeur-val")
STAFF = {"AGT": {"admin", "coord-bfc"}, "VAL": {"admin", "coord-ara"}}
EXPECTED = {  # (action, campus) → the accounts that may; written by hand: the table is the specification
    ("read", "AGT"): {"admin", "comite", "directeur-agt", "coord-bfc", "lecteur-bfc"},
    ("read", "VAL"): {"admin", "comite", "coord-ara", "lecteur-ara", "directeur-val"},
    ("import", "AGT"): STAFF["AGT"] | {"directeur-agt"},
    ("import", "VAL"): STAFF["VAL"] | {"directeur-val"},
    ("revert", "AGT"): STAFF["AGT"] | {"directeur-agt"},
    ("revert", "VAL"): STAFF["VAL"] | {"directeur-val"},
    ("submit", "AGT"): STAFF["AGT"] | {"directeur-agt"},
    ("submit", "VAL"): STAFF["VAL"] | {"directeur-val"},
    ("validate", "AGT"): STAFF["AGT"],
    ("validate", "VAL"): STAFF["VAL"],
    ("campaign", "AGT"): STAFF["AGT"],
    ("campaign", "VAL"): STAFF["VAL"],
    ("account", "AGT"): STAFF["AGT"],
    ("account", "VAL"): STAFF["VAL"],
}
REGION = {"AGT": BFC, "VAL": ARA}


@pytest.fixture
def two_regions(backend, request):
    """The store of two regions, on each backend in turn."""
    if backend == "parquet":
        return request.getfixturevalue("two_regions_copy")
    store = request.getfixturevalue("pg_demo_copy")
    second_region(store)
    return store


def value_row(campus: str, value: float) -> pd.DataFrame:
    return pd.DataFrame([{"campus_id": campus, "indicator_id": f"{campus}-I01", "year": 2019, "value": value}])


def attempt(store, name: str, action: str, campus: str, n: int) -> str | None:
    """Take `action` on `campus` as account `name` through the store; the refusal's message, None when done (a step
    refused for the campus's status, not for the account, counts as allowed: the door let it through)."""
    try:
        if action == "read":
            seen = queries.run("campuses", store=store, sight=store.sight(store.account(name)))
            return None if campus in set(seen["campus_id"]) else "not read"
        if action == "import":
            store.commit("indicator_values", value_row(campus, 1000 + n), user=name)
        elif action == "revert":
            batch = store.commit("indicator_values", value_row(campus, 2000 + n), user="admin").batch_id
            store.revert(batch, user=name)
        elif action in ("submit", "validate"):
            store.campaign_step(action, 2019, campus, user=name)
        elif action == "campaign":
            store.extend_campaign(2019, date(2031, 1, 1 + n % 28), user=name, campus=campus, reason="délai")
        elif action == "account":
            store.put_account(auth.new_account(f"nouveau-{n}", "lecteur", regions=[REGION[campus]]), by=name)
    except StoreError as exc:
        if "est « " in str(exc):  # a status the step does not start from: the door let the account through
            return None
        return str(exc)
    return None


def test_every_role_scope_and_action_on_two_regions(two_regions):
    store = two_regions
    store.open_campaign(2019, date(2030, 1, 31), user="admin", campuses=list(store.campus_regions()))
    assert {c: s["region"] for c, s in store.campaigns()[2019]["campuses"].items() if c in ("AGT", "VAL")} == REGION
    n = 0
    for (action, campus), who in EXPECTED.items():
        for name in ACCOUNTS:
            n += 1
            before = unchanged(store, thorough=False) if name not in who and action != "read" else None
            said = attempt(store, name, action, campus, n)
            assert (said is None) == (name in who), (name, action, campus, said)
            if said and action != "read":
                assert "Le compte" in said and "Traceback" not in said, said
                if action != "revert":  # a refused revert follows the admin's own commit
                    assert unchanged(store, thorough=False) == before, (name, action, campus)


def test_delegation_never_widens(two_regions_copy):
    store = two_regions_copy
    ok = {  # what the Bourgogne-Franche-Comté coordinator may give
        "reader of its region": auth.new_account("l1", "lecteur", regions=[BFC]),
        "administrator of its region": auth.new_account("a1", "admin", regions=[BFC]),
        "director of one of its campuses": auth.new_account("d1", "directeur", ["MSI"]),
    }
    refused = {
        "reader of another region": (auth.new_account("l2", "lecteur", regions=[ARA]), "plus large"),
        "reader of both regions": (auth.new_account("l3", "lecteur", regions=[ARA, BFC]), "plus large"),
        "national reader": (auth.new_account("l4", "lecteur", national=True), "compte national"),
        "national administrator": (auth.new_account("a2", "admin", national=True), "compte national"),
        "director of another region's campus": (auth.new_account("d2", "directeur", ["VAL"]), "plus large"),
    }
    for what, account in ok.items():
        store.put_account(account, by="coord-bfc")
        assert store.account(account["name"]) is not None, what
    before = state_of(store)
    for account, words in refused.values():
        with pytest.raises(StoreError, match=words):
            store.put_account(account, by="coord-bfc")
    # nor changes an account outside its scope, nor widens one of its own
    for name, change, words in (("comite", {"disabled": True}, "compte national"),
                                ("lecteur-ara", {"disabled": True}, "plus large"),
                                ("directeur-val", {"disabled": True}, "plus large"),
                                ("l1", {"regions": [BFC, ARA]}, "plus large"),
                                ("l1", {"national": True, "regions": []}, "compte national"),
                                ("admin", {"role": "lecteur"}, "compte national")):
        with pytest.raises(StoreError, match=words):
            store.update_account(name, by="coord-bfc", **change)
    assert state_of(store) == before, "a refused delegation writes nothing"
    store.update_account("l1", by="coord-bfc", disabled=True)  # its own region's: yes
    # the national administrator gives any scope; a reader gives none
    store.put_account(refused["reader of both regions"][0], by="admin")
    with pytest.raises(StoreError, match="peut consulter mais pas administrer"):
        store.put_account(auth.new_account("l5", "lecteur", regions=[BFC]), by="lecteur-bfc")
    # an account whose scope becomes empty reads nothing
    store.update_account("lecteur-ara", regions=[])
    assert store.sight(store.account("lecteur-ara")) == permissions.NOTHING or \
        queries.run("campuses", store=store, sight=store.sight(store.account("lecteur-ara"))).empty


def test_only_a_national_administrator_moves_a_campus_to_another_region(two_regions_copy):
    store = two_regions_copy
    row = store.current("campuses").query("campus_id == 'AGT'").drop(columns=["batch_id"], errors="ignore")
    renamed = row.assign(name="Alimentation, Goût, Tourisme (nouveau nom)")
    store.commit("campuses", renamed, user="coord-bfc")  # its own campus's record, in its region: yes
    before = state_of(store)
    for user in ("coord-bfc", "coord-ara", "directeur-agt"):
        with pytest.raises(StoreError, match="ne peut pas importer"):
            store.commit("campuses", row.assign(region=ARA), user=user)
    assert state_of(store) == before
    store.commit("campuses", row.assign(region=ARA), user="admin")
    assert store.campus_regions()["AGT"] == ARA


def test_each_account_reads_its_scope_and_the_nation_reads_validated_figures(two_regions_copy):
    store = two_regions_copy
    store.open_campaign(2019, date(2030, 1, 31), user="admin", campuses=list(store.campus_regions()))
    store.commit("indicator_values", value_row("VAL", 4321), user="directeur-val")  # a draft

    def sees(name: str, query: str = "iptt", **params) -> pd.DataFrame:
        return queries.run(query, store=store, sight=store.sight(store.account(name)), **params)

    def draft_seen(name: str) -> bool:
        rows = sees(name, campus="VAL")
        return bool(((rows["year"] == 2019) & (rows["actual"] == 4321)).any())

    assert draft_seen("coord-ara") and draft_seen("lecteur-ara") and draft_seen("directeur-val") and draft_seen("admin")
    assert not draft_seen("comite"), "the national level reads validated figures only"
    assert not draft_seen("lecteur-bfc") and not draft_seen("coord-bfc") and not draft_seen("directeur-agt")
    assert set(sees("lecteur-bfc", "campuses")["campus_id"]) == {"AGT", "AMF", "ITIP", "MMA", "MSI", "TI"}
    assert set(sees("lecteur-ara", "campuses")["campus_id"]) == {"VAL"}
    assert not sees("lecteur-ara", "batch_history", campus=None)["file_name"].str.startswith("AGT").any()
    # campaigns: each sees its own region's; the nation sees both side by side
    assert set(store.campaigns(store.sight(store.account("lecteur-ara")))[2019]["campuses"]) == {"VAL"}
    assert set(store.campaigns(store.sight(store.account("comite")))[2019]["regions"]) == {ARA, BFC}
    progress = cycle.progress(store, 2019, sight=store.sight(store.account("coord-bfc")))
    assert "VAL" not in set(progress["campus_id"]) and "AGT" in set(progress["campus_id"])
    store.campaign_step("submit", 2019, "VAL", user="directeur-val")
    store.campaign_step("validate", 2019, "VAL", user="coord-ara")
    assert draft_seen("comite"), "validated: the nation reads it"


def test_a_region_runs_its_own_campaign(two_regions_copy):
    store = two_regions_copy
    regions = store.campus_regions()
    store.open_campaign(2019, date(2030, 1, 31), user="coord-ara", campuses=[c for c, r in regions.items() if r == ARA])
    with pytest.raises(StoreError, match="Le compte"):  # nor opens another region's
        store.open_campaign(2019, date(2030, 1, 31), user="coord-ara", campuses=["AGT"])
    store.open_campaign(2019, date(2030, 3, 31), user="coord-bfc", campuses=[c for c, r in regions.items() if r == BFC])
    with pytest.raises(StoreError, match="existe déjà pour Auvergne-Rhône-Alpes"):
        store.open_campaign(2019, date(2030, 1, 31), user="admin", campuses=["VAL"])
    seen = store.campaigns()[2019]
    assert seen["campuses"]["VAL"]["deadline"] == "2030-01-31" and seen["campuses"]["AGT"]["deadline"] == "2030-03-31"
    store.close_campaign(2019, user="coord-ara")  # its region's only
    assert store.campaigns()[2019]["regions"][ARA]["closed_at"] and not store.campaigns()[2019]["regions"][BFC]["closed_at"]
    with pytest.raises(StoreError, match="Le compte"):
        store.close_campaign(2019, user="coord-ara", region=BFC)
    with pytest.raises(StoreError, match="close"):
        store.campaign_step("submit", 2019, "VAL", user="directeur-val")
    store.campaign_step("submit", 2019, "AGT", user="directeur-agt")  # the other region's goes on


def test_the_command_line_names_scopes_and_acting_accounts(two_regions_copy):
    store_copy = two_regions_copy
    pw = "un-long-mot-de-passe\n"
    r = cli("user", "add", "l-ara", "--role", "lecteur", store=store_copy, stdin=pw)
    assert r.returncode == 1 and "Précisez le périmètre" in r.stderr
    r = cli("user", "add", "l-ara", "--role", "lecteur", "--region", ARA, store=store_copy, stdin=pw)
    assert r.returncode == 0 and "région Auvergne-Rhône-Alpes" in r.stdout, r.stderr
    r = cli("user", "add", "l-nat", "--role", "lecteur", "--national", "--user", "coord-bfc", store=store_copy, stdin=pw)
    assert r.returncode == 1 and "compte national" in r.stderr and store_copy.account("l-nat") is None
    r = cli("user", "add", "l-bfc", "--role", "lecteur", "--region", BFC, "--user", "coord-bfc", store=store_copy, stdin=pw)
    assert r.returncode == 0, r.stderr
    listed = json.loads(cli("user", "list", "--json", store=store_copy).stdout)
    assert {a["name"]: a["scope"] for a in listed}["l-ara"] == "région Auvergne-Rhône-Alpes"
    r = cli("query", "campuses", "--user", "l-ara", "--format", "json", store=store_copy)
    assert [c["campus_id"] for c in json.loads(r.stdout)] == ["VAL"], r.stderr
    r = cli("campaign", "open", "--year", "2019", "--deadline", "2030-01-31", "--user", "coord-ara", store=store_copy)
    assert r.returncode == 0 and "1 campus" in r.stdout and ARA in r.stdout, r.stderr
    r = cli("campaign", "open", "--year", "2019", "--deadline", "2030-02-28", "--user", "admin", "--region", BFC,
            store=store_copy)
    assert r.returncode == 0 and "6 campus" in r.stdout, r.stderr
    status = json.loads(cli("campaign", "status", "--year", "2019", "--region", ARA, "--json", store=store_copy).stdout)
    assert [s["campus_id"] for s in status] == ["VAL"]
    listed = json.loads(cli("campaign", "list", "--json", store=store_copy).stdout)
    assert {(c["region"], c["deadline"], c["campuses"]) for c in listed} == {(ARA, "2030-01-31", 1), (BFC, "2030-02-28", 6)}


def test_two_regions_on_one_server_in_the_browser(two_regions_copy):
    """Bourgogne-Franche-Comté's coordinator and Auvergne-Rhône-Alpes's reader signed in side by side: on every page
    each may open, in a chart's CSV and in the links they craft, nothing of the other region (campuses, drafts,
    accounts, campaigns); the national reader has the regions side by side and the thematic network."""
    from playwright import sync_api as playwright

    from cmq.app import session as app_session  # noqa: F401 (the pages' module, imported as the server does)
    from cmq.outputs import registry

    from browser import CHROMIUM, CHROMIUM_ARGS, axe_problems, open_as, screenshot, streamlit_server
    from conftest import REGIONAL_PASSWORD

    store = two_regions_copy
    store.open_campaign(2019, date(2030, 1, 31), user="admin", campuses=list(store.campus_regions()))
    store.commit("indicator_values", value_row("VAL", 4321), user="directeur-val")  # drafts of each region
    store.commit("indicator_values", value_row("AGT", 8765), user="directeur-agt")
    people = {  # account: (password, what of the other region must never show)
        "coord-bfc": (REGIONAL_PASSWORD, ["VAL", "Valence", "4 321", "4321", "coord-ara", "lecteur-ara", "directeur-val",
                                          ARA]),
        "lecteur-ara": (REGIONAL_PASSWORD, ["AGT", "MSI", "AMF", "Alimentation", "8 765", "8765", "coord-bfc",
                                            "directeur-agt", BFC]),
    }
    with playwright.sync_playwright() as p, streamlit_server(store.root) as url:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tabs = {name: browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR",
                                          accept_downloads=True).new_page() for name in [*people, "comite"]}
        try:
            for name, (password, _) in people.items():  # both signed in before either browses
                open_as(tabs[name], url, name, password)
            for name, (_, foreign) in people.items():
                page = tabs[name]
                account = store.account(name)
                slugs = [s.slug for s in registry.PAGES if store.allows(account, s.action)
                         and not s.several_regions and s.slug != "overview"]
                other = "VAL" if name == "coord-bfc" else "AGT"  # links crafted to the other region (the first page: /)
                links = [f"campus?campus={other}&annee=2019", f"?region={ARA if other == 'VAL' else BFC}",
                         f"history?campus={other}"]
                typed = {"overview": "Vue régionale des campus", "admin": "Cette page est réservée",
                         "national": "votre compte en lit une"} if name == "lecteur-ara" else {}
                links += list(typed)  # addresses typed by hand: the page, or why not, in French
                for target in slugs + links:
                    if target in slugs:  # from the navigation, as a person moves (one session, no reload)
                        title = registry.PAGE[target].title
                        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
                        page.wait_for_function("t => document.title.startsWith(t)", arg=title, timeout=60_000)
                    else:
                        page.goto(f"{url}/{target}")
                        page.wait_for_function("() => document.title.includes('Pilotage')", timeout=60_000)
                    page.get_by_text("Connecté :").wait_for(timeout=60_000)
                    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                           timeout=60_000)
                    # the rendered text, and the grids' cells (a table is drawn on a canvas; its cells are in the DOM)
                    text = page.inner_text("body") + " ".join(page.locator('[role="gridcell"]').all_inner_texts())
                    seen = [w for w in foreign if w in text and w not in target]  # a crafted link is said back
                    assert not seen, (name, target, seen, [text[max(0, text.find(w) - 80):text.find(w) + 40] for w in seen])
                    assert page.locator('[data-testid="stException"]').count() == 0, (name, target)
                    if target in typed:
                        page.get_by_text(typed[target]).first.wait_for(timeout=30_000)
                        assert "not found" not in page.inner_text("body").lower(), target
                page.goto(f"{url}/?annee=2018")
                page.wait_for_selector(".js-plotly-plot", timeout=60_000)
                page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                       timeout=60_000)
                page.get_by_role("button", name="Données CSV").first.wait_for(timeout=30_000)
                try:
                    with page.expect_download(timeout=60_000) as got:
                        page.get_by_role("button", name="Données CSV").nth(1).click()  # the audiences reached
                except Exception:
                    screenshot(page, f"regions-{name}-failed")
                    raise
                exported = got.value.path().read_text(encoding="utf-8-sig")
                assert exported.strip() and not [w for w in foreign if w in exported], (name, exported[:300])
                screenshot(page, f"regions-{name}")
            nation = tabs["comite"]
            open_as(nation, url + "/?annee=2018", "comite", "comite-demo-2018")
            nation.get_by_text("Vue nationale des campus").wait_for(timeout=60_000)
            nation.get_by_text("Les régions côte à côte").wait_for(timeout=60_000)
            nation.locator('[role="gridcell"]').first.wait_for(state="attached", timeout=60_000)
            text = nation.inner_text("body") + " ".join(nation.locator('[role="gridcell"]').all_inner_texts())
            assert ARA in text and BFC in text and "4 321" not in text
            screenshot(nation, "regions-national")
            found = {"national": axe_problems(nation)}
            nation.goto(f"{url}/networks?annee=2018&filiere=Tourisme%2C+gastronomie")
            nation.get_by_text("Réseaux thématiques nationaux").wait_for(timeout=60_000)
            nation.wait_for_function("() => document.body.innerText.includes('2 campus')", timeout=60_000)
            table = nation.locator('[data-testid="stDataFrame"]').first.inner_text()
            screenshot(nation, "regions-network")
            found["networks"] = axe_problems(nation)
            assert nation.get_by_text("dans 2 région(s)").count() == 1, table
            assert not any(found.values()), found
        finally:
            browser.close()


def test_a_document_takes_a_region_as_its_scope(two_region_root):
    """The meeting pack and the report of one region read its campuses only; a region outside the reader's scope is
    refused in French."""
    from cmq.core.store import Store
    from cmq.outputs import pack
    from cmq.outputs.export import ExportError

    store = Store(two_region_root)

    def reader(name: str):
        return lambda q, **p: queries.run(q, store=store, sight=store.sight(store.account(name)), **p)

    nation = pack.scope_of(reader("comite"), f"region:{ARA}", 2018)
    assert nation.ctx.campuses == ("VAL",) and nation.title == "Région Auvergne-Rhône-Alpes · 1 campus"
    assert pack.scope_of(reader("comite"), "region", 2018).title == "2 régions · 7 campus"
    assert pack.scope_of(reader("lecteur-bfc"), "region", 2018).title == "Région Bourgogne-Franche-Comté · 6 campus"
    with pytest.raises(ExportError, match="hors de votre périmètre"):
        pack.scope_of(reader("lecteur-bfc"), f"region:{ARA}", 2018)
    with pytest.raises(ExportError, match="Campus inconnu"):
        pack.scope_of(reader("lecteur-bfc"), "VAL", 2018)


def test_the_national_view_follows_each_regions_campaign(two_regions_copy):
    """Validated out of asked and late, region by region, by the campaign's one rule of lateness (cycle.standing)."""
    from cmq.outputs import national as national_view

    store = two_regions_copy
    store.open_campaign(2019, date(2030, 1, 31), user="admin", campuses=list(store.campus_regions()))
    store.extend_campaign(2019, date(2030, 3, 31), user="coord-bfc", campus="MSI", reason="délai")
    store.campaign_step("submit", 2019, "AGT", user="directeur-agt")
    store.campaign_step("validate", 2019, "AGT", user="coord-bfc")
    d = national_view.campaign_by_region(store.campaigns()[2019], today=date(2030, 2, 15)).set_index("region")
    assert d.loc[BFC, ["asked", "validated", "late"]].tolist() == [6, 1, 4], "MSI's extension: not late yet"
    assert d.loc[ARA, ["asked", "validated", "late"]].tolist() == [1, 0, 1]


def test_the_nation_s_report_is_a_synthesis_with_one_chapter_per_region(two_regions_copy):
    """A national reader's report of every region: the regions side by side and one chapter per region (never two
    hundred campus chapters); during a campaign, a region with nothing validated reads « pas encore validé », never a
    zero; a region's report names its steering committee on its title page."""
    from cmq.outputs import report

    store = two_regions_copy
    store.open_campaign(2018, date(2030, 1, 31), user="admin", campuses=list(store.campus_regions()))
    store.campaign_step("submit", 2018, "AGT", user="directeur-agt")
    store.campaign_step("validate", 2018, "AGT", user="coord-bfc")

    def written(name: str, scope: str) -> report.Report:
        sight = store.sight(store.account(name))
        return report.build(lambda q, **p: queries.run(q, store=store, sight=sight, **p), scope, 2018,
                            store.campaigns(sight).get(2018), charts=False)

    nation = written("comite", "region")
    heads = [b.text for b in nation.headings() if b.level == 1]
    assert heads == ["Synthèse nationale", f"Région {ARA}", f"Région {BFC}", "Annexe : l'origine des chiffres"]
    assert nation.subtitle[1:3] == ["2 régions · 7 campus", "Synthèse nationale, région par région"]
    side = next(b.table for b in nation.blocks if b.kind == "table" and "Campagne" in b.table.columns).set_index("Région")
    assert side.loc[ARA, "Personnes touchées"] == "pas encore validé"
    assert side.loc[ARA, "Campagne"] == "0 validé(s) sur 1" and side.loc[BFC, "Campagne"] == "1 validé(s) sur 6"
    agt = queries.run("overview_kpis", store=store, year=2018, campuses=["AGT"]).iloc[0]
    assert side.loc[BFC, "Personnes touchées"] == fmt.number(agt["people_reached"]), "BFC: its validated campus"
    bfc = next(b.table for b in nation.blocks if b.kind == "table" and "Filière" in b.table.columns
               and "Personnes touchées" in b.table.columns).set_index("Campus")
    assert (bfc["Actions"] == "pas encore validé").sum() == 5, "five campuses of BFC not validated yet"
    assert bfc.loc[bfc.index.str.startswith("AGT"), "Actions"].item() == fmt.number(agt["actions"])
    ara_chapter = next(i for i, b in enumerate(nation.blocks) if b.text == f"Région {ARA}")
    assert "n'est encore validé" in nation.blocks[ara_chapter + 1].text and nation.blocks[ara_chapter].flows
    body = " ".join(b.text for b in nation.blocks) + " ".join(
        " ".join(b.table.astype(str).to_numpy().ravel()) for b in nation.blocks if b.table is not None)
    assert "VAL-" not in body, "no figure of a campus whose figures are not validated"
    assert report.render(nation, "pdf").startswith(b"%PDF")

    regional = written("lecteur-bfc", "region")
    assert regional.subtitle[2] == f"Comité de pilotage régional des CMQ · {BFC}"
    assert any(b.text.startswith("CMQ ") for b in regional.headings()), "a region's report keeps its campus chapters"


def test_a_region_compares_itself_with_the_nation_only_when_the_deployment_lets_it(two_regions_copy, monkeypatch):
    """CMQ_COMPARE_REGIONS=1 lets a region's staff set its campuses beside the average campus of their sector across
    every region: averages of validated figures only, of three campuses at least; no campus row of another region is
    ever answered; off by default, and never for a director."""
    from cmq.app import ui
    from cmq.core.queries import QueryError

    store = two_regions_copy
    second_region(store, code="LYO")  # a third campus of « Tourisme, gastronomie », in Auvergne-Rhône-Alpes
    reach = store.current("reach")
    store.commit("reach", reach[reach["campus_id"] == "LYO"].assign(count=lambda d: d["count"] * 4)
                 .drop(columns=["batch_id"]), user="admin")  # LYO reached four times as many: the average moves
    monkeypatch.setenv("CMQ_DATA_DIR", str(store.root))
    reader = store.account("lecteur-bfc")
    assert store.comparison(reader) is None, "off by default"
    at = app_test("lecteur-bfc").run()
    assert not at.exception and not any("moyenne nationale" in h.value for h in at.header)

    monkeypatch.setenv("CMQ_COMPARE_REGIONS", "1")  # a deployment's setting, read when a server starts
    ui.clear_cache()
    assert [store.comparison(store.account(n)) for n in ("comite", "directeur-agt")] == [None, None]
    compare = store.comparison(reader)
    for name in ("campuses", "network_campuses", "reach_rows"):
        with pytest.raises(QueryError, match="ne répond pas à une comparaison"):
            queries.run(name, store=store, sight=compare, year=2018, campuses=None, sector=None)
    people = reach[(reach["year"] == 2018) & ~reach["audience"].isin(["entreprises", "etablissements",
                                                                       "institutionnels"])]
    agt = people.loc[people["campus_id"] == "AGT", "count"].sum()
    tourism = queries.run("sector_averages", store=store, sight=compare, year=2018,
                          campuses=None).set_index("sector").loc["Tourisme, gastronomie"]
    assert tourism["campuses"] == 3 and tourism["people_per_campus"] == pytest.approx((agt + agt + 4 * agt) / 3)

    at = app_test("lecteur-bfc").run()
    table = frame(at, "moyenne de la filière").set_index("Campus")
    assert len(table) == 6 and not any("VAL" in c or "LYO" in c for c in table.index), "its own campuses only"
    assert table.loc[table.index.str.startswith("AGT"), "moyenne de la filière"].item() == fmt.number(
        round((agt * 6) / 3, 1))
    assert set(table.drop(index=table.index[table.index.str.startswith("AGT")])["moyenne de la filière"]) == {
        "moins de 3 campus"}, "a sector of one or two campuses has no average"

    store.open_campaign(2018, date(2030, 1, 31), user="coord-ara", campuses=["VAL", "LYO"])  # VAL's and LYO's 2018 figures back in progress
    compare = store.comparison(reader)
    averaged = queries.run("sector_averages", store=store, sight=compare, year=2018, campuses=None)
    assert "Tourisme, gastronomie" not in set(averaged["sector"]), "drafts are never averaged"


def test_a_region_s_committee_rows_are_its_own(two_regions_copy):
    """A milestone of a whole region (no campus, its region named) is written and reverted by that region's
    administrators only and read by that region's accounts (and the nation), never by another region's; a batch of
    several campuses of one region is in that region's history; a row naming no region stays the nation's."""
    store = two_regions_copy

    def copil(key: str, region: str | None, campus: str | None = None) -> pd.DataFrame:
        return pd.DataFrame([{"milestone_id": key, "campus_id": campus, "region": region,
                              "start_date": date(2019, 3, 1), "milestone_kind": "comite_pilotage",
                              "milestone_status": "prevu", "title": f"Comité de pilotage {region}"}])

    mine = store.commit("milestones", copil("ARA-COPIL-2019", ARA), user="coord-ara").batch_id
    before = unchanged(store)
    for user, rows, refused in (
            ("coord-ara", copil("BFC-COPIL-2019", BFC), f"toute la région {BFC}"),
            ("directeur-val", copil("ARA-COPIL-2019-B", ARA), f"toute la région {ARA}"),
            ("coord-ara", copil("REG-COPIL-2018-04", ARA), f"toute la région {BFC}"),  # BFC's, taken over
            ("coord-ara", copil("NAT-2019", None), "sans campus")):
        with pytest.raises(StoreError, match=refused):
            store.commit("milestones", rows, user=user)
    with pytest.raises(StoreError, match=f"toute la région {ARA}"):
        store.revert(mine, user="coord-bfc")
    assert unchanged(store) == before, "a refused write leaves the store byte-identical"

    def seen(name: str, **params) -> set[str]:
        sight = store.sight(store.account(name))
        return set(queries.run("milestones", store=store, sight=sight, **{"campuses": None, **params})["milestone_id"])

    assert "ARA-COPIL-2019" in seen("lecteur-ara") and "REG-COPIL-2018-04" not in seen("lecteur-ara")
    assert "REG-COPIL-2018-04" in seen("lecteur-bfc") and "ARA-COPIL-2019" not in seen("lecteur-bfc")
    assert "ARA-COPIL-2019" in seen("directeur-val"), "a director sees its region's committee"
    assert {"ARA-COPIL-2019", "REG-COPIL-2018-04"} <= seen("comite")
    assert "REG-COPIL-2018-04" not in seen("comite", campuses=["VAL"]), "the nation filtering one region: its own"

    reach = store.current("reach")
    both = store.commit("reach", reach[reach["campus_id"].isin(["AGT", "MSI"])].drop(columns=["batch_id"]),
                        user="coord-bfc").batch_id

    def history(name: str) -> set[int]:
        sight = store.sight(store.account(name))
        return set(queries.run("batch_history", store=store, sight=sight, campus=None, table_name=None)["batch_id"])

    assert both in history("lecteur-bfc") and both not in history("lecteur-ara") and both in history("comite")
    demo = store.read("select batch_id from batches where table_name = 'actions' and campus_id like '%,%'")["batch_id"]
    assert set(demo) <= history("lecteur-bfc") and not set(demo) & history("lecteur-ara"), "the demo's files of six"
    fresh = queries.run("data_freshness", store=store, sight=store.sight(store.account("lecteur-bfc")))
    assert fresh["last_commit"].notna().all(), "a region's pages say when its figures were imported"
    assert mine in history("lecteur-ara") and mine not in history("lecteur-bfc")
    store.revert(mine, user="coord-ara")


def test_a_region_s_own_tables_answer_as_its_views_would(two_regions_copy):
    """A region's staff reads the region's own tables of the catalogue (by_region), anyone else views over the
    nation's: every page's queries answer the same either way, after a commit too (its tables made again)."""
    from cmq.core.filters import Filters
    from cmq.core.store.catalogue import shade
    from cmq.dev import bench

    store = two_regions_copy
    reach = store.current("reach")
    store.commit("reach", reach[reach["campus_id"] == "AGT"].head(2).assign(count=lambda d: d["count"] + 1)
                 .drop(columns=["batch_id"]), user="coord-bfc")
    ctx = Filters(year=2018, campus="AGT")
    checked = 0
    for name in ("lecteur-bfc", "coord-ara", "directeur-agt"):
        sight = store.sight(store.account(name))
        tables, views = store.connect(), store._views(store.manifest())  # the catalogue; views over the files alone
        try:
            assert views.execute("select current_database()").fetchone()[0] == "memory"
            held: dict = {}
            shade(tables.cursor(), sight, None, held)
            assert held["own"] and held["own"].startswith("region_"), "its region's own tables, not views"
            for page in ("overview", "campus", "actions", "funding", "completeness", "history"):
                for query, params in bench.page_queries(page, ctx):
                    a = queries.run(query, con=tables.cursor(), sight=sight, **params)
                    b = queries.run(query, con=views.cursor(), sight=sight, **params)
                    pd.testing.assert_frame_equal(*(d.astype(str).sort_values(list(d.columns)).reset_index(drop=True)
                                                    for d in (a, b)), obj=f"{name} · {query}")
                    checked += 1
        finally:
            tables.close()
            views.close()
    assert checked > 60
