"""The import and history pages with AppTest: what a director sees, from a bad file to an undone import."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import app_test, frame, snapshot

HEAD = "Code campus;Identifiant indicateur;Année;Valeur;Commentaire\r\n"
BAD = (HEAD + "AGT;AGT-I01;2018;95;corrigé\r\nAGT;AGT-I04;deux mille dix-huit;3;\r\n").encode("cp1252")
GOOD = (HEAD + "AGT;AGT-I01;2018;95;corrigé\r\nAGT;AGT-I04;2018;3;réunions € œ\r\n").encode("cp1252")


def page(path: str, account: str = "directeur-agt") -> AppTest:
    at = app_test(account)
    at.run()
    at.switch_page(path)
    at.run()
    assert not at.exception, at.exception
    return at


def value(store, indicator, year=2018):
    got = store.read("select value from indicator_values where indicator_id = $i and year = $y", {"i": indicator, "y": year})
    return None if got.empty else got["value"].iloc[0]


def test_bad_file_then_fixed_file_then_commit_then_revert(data_dir, store_copy):
    at = page("cmq/app/pages/import.py")
    at.file_uploader[0].upload("valeurs.csv", BAD, "text/csv").run()
    assert not at.exception
    assert "1 erreur(s)" in at.error[0].value and "rien ne sera écrit" in at.error[0].value
    errors = frame(at, "Message")
    assert errors["Ligne"].tolist() == ["3"] and errors["Colonne"].tolist() == ["Année"]
    assert "deux mille dix-huit" in errors["Message"].iloc[0]
    assert not [b for b in at.button if b.key == "imp_commit"], "no commit button while there are errors"

    at.file_uploader[0].upload("valeurs.csv", GOOD, "text/csv").run()
    m = {x.label: x.value for x in at.metric}
    assert (m["Lignes à ajouter"], m["Lignes à modifier"], m["Lignes inchangées"]) == ("1", "1", "0")
    changes = frame(at, "Ancienne valeur")
    assert changes.iloc[0].tolist() == ["AGT-I01 · 2018 – Nombre de rencontres auprès des acteurs", "Valeur", "88", "95"]
    inserts = frame(at, "Identifiant indicateur")
    assert inserts.iloc[0][["Identifiant indicateur", "Année", "Valeur"]].tolist() == ["AGT-I04", "2018", "3"]
    at.button(key="imp_commit").click().run()
    assert not at.exception
    assert "Import validé" in at.success[0].value
    link = at.get("page_link")[0].proto
    assert link.label == "Voir ces chiffres : Campus" and "campus" in link.page, "where the figures now show"
    assert value(store_copy, "AGT-I01") == 95.0 and value(store_copy, "AGT-I04") == 3.0
    batch = store_copy.read("select * from batches order by batch_id desc limit 1").iloc[0]
    assert (batch["user_name"], batch["file_name"], batch["inserted"], batch["updated"]) == ("directeur-agt", "valeurs.csv", 1, 1)
    assert len(batch["sha256"]) == 64

    hist = page("cmq/app/pages/history.py")
    table = frame(hist, "État")
    assert table.iloc[0]["Lot"] == batch["batch_id"] and table.iloc[0]["Par"] == "directeur-agt"
    assert table.iloc[0]["État"] == "Actif"
    assert hist.selectbox(key="rev_batch_0").value == batch["batch_id"]
    hist.checkbox(key="rev_sure_0").check().run()
    hist.button(key="rev_go").click().run()
    assert not hist.exception
    assert "annulé" in hist.success[0].value
    assert value(store_copy, "AGT-I01") == 88.0, "the report's value is back"
    assert value(store_copy, "AGT-I04") is None
    assert "Aucun import actif que vous puissiez annuler" in hist.info[0].value, \
        "the reverted batch is no longer offered, and the demo's six-campus batches are not the director's"
    table = frame(hist, "État")
    assert table.iloc[0]["État"].startswith("Annulé le") and "directeur-agt" in table.iloc[0]["État"]
    # the same file again: said to be the one that was cancelled, by whom and when
    again = page("cmq/app/pages/import.py")
    again.file_uploader[0].upload("valeurs.csv", GOOD, "text/csv").run()
    said = [w.value.replace("\\", "") for w in again.warning]  # shown as Markdown with its signs escaped
    said = [w for w in said if f"identique à celui du lot n° {batch['batch_id']}" in w]
    assert said and "annulé le" in said[0] and "par directeur-agt" in said[0]


def test_same_file_twice_says_unchanged(data_dir):
    at = page("cmq/app/pages/import.py")
    unchanged = (HEAD + "AGT;AGT-I01;2018;88;Acteurs rencontrés par la directrice opérationnelle : "
                        "31 + 6 + 7 + 10 + 3 + 16 + 15.\r\n").encode("utf-8-sig")
    at.file_uploader[0].upload("same.csv", unchanged, "text/csv").run()
    assert "Rien ne change" in at.info[0].value


def test_campus_choice_fills_a_missing_campus_column_and_templates_are_offered(data_dir, store_copy):
    at = page("cmq/app/pages/import.py", "admin")
    at.selectbox(key="imp_campus").set_value("MSI").run()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Modèle CSV", "Modèle Excel"]
    data = "Identifiant indicateur;Année;Valeur\nMSI-I01;2019;14\n".encode()
    at.file_uploader[0].upload("msi.csv", data, "text/csv").run()
    assert {x.label: x.value for x in at.metric}["Lignes à ajouter"] == "1"
    other = "Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;2019;14\n".encode()
    at.file_uploader[0].upload("agt.csv", other, "text/csv").run()
    assert "importé pour MSI" in frame(at, "Message")["Message"].iloc[0]


def test_director_sees_only_their_campus_and_another_campus_is_refused_line_by_line(data_dir, store_copy):
    at = page("cmq/app/pages/import.py")
    assert at.selectbox(key="imp_campus").options == ["AGT – Alimentation, Goût, Tourisme"]
    assert "Partenaires" not in at.selectbox(key="imp_table").options, "shared tables are for administrators"
    other = (HEAD + "AMF;AMF-I01;2018;5;\r\n").encode("utf-8")
    before = snapshot(store_copy.root)
    at.file_uploader[0].upload("amf.csv", other, "text/csv").run()
    assert not [b for b in at.button if b.key == "imp_commit"]
    assert any("vos campus : AGT" in m for m in frame(at, "Message")["Message"])
    assert snapshot(store_copy.root) == before


def test_navigation_follows_the_role(data_dir):
    """The menu offers the pages a role may use; any other page's address (typed, or a link) opens its guard, which
    says in French who the page is for, and nothing of the page."""
    from cmq.app import session
    from cmq.core.store import Store

    store = Store(data_dir)
    for account, offered in (("comite", set()), ("directeur-agt", {"import", "entry"}),
                             ("admin", {"import", "entry", "admin"})):
        menu = {p.slug for p in session.page_specs(store.account(account))}
        assert menu & {"import", "entry", "admin"} == offered, account
        for name in ("import", "entry", "admin"):
            at = app_test(account).run()
            at.switch_page(f"cmq/app/pages/{name}.py").run()
            assert not at.exception, (account, name)
            if name in offered:
                assert not at.error, (account, name)
            else:
                assert [e.value for e in at.error] and "Cette page est réservée" in at.error[0].value, (account, name)
                assert not at.file_uploader and not at.selectbox, (account, name)  # nothing of the page


def test_reader_has_no_revert(data_dir):
    hist = page("cmq/app/pages/history.py", "comite")
    assert len(frame(hist, "État")) > 0, "a reader sees the history"
    assert not [b for b in hist.button if b.key == "rev_go"] and not hist.header


def test_a_libreoffice_workbook_says_in_french_how_to_save_it(data_dir):
    """An .ods file is taken by the uploader and answered in French: what to save it as, and how."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")  # stored first
        z.writestr("content.xml", "<office:document-content/>")
    at = app_test("directeur-agt").run()
    at.switch_page("cmq/app/pages/import.py").run()
    at.file_uploader[0].upload("valeurs.ods", buf.getvalue(), "application/vnd.oasis.opendocument.spreadsheet").run()
    assert not at.exception
    message = frame(at, "Message")["Message"].iloc[0]
    assert "OpenDocument" in message and "Enregistrer sous" in message and ".xlsx" in message


def test_the_commit_button_writes_nothing_once_the_session_has_ended(data_dir, store_copy):
    """« Valider l'import » runs before the page's own session check: it checks the session itself. Signed out in
    another tab between the preview and the click: nothing is written, the sign-in form comes."""
    from cmq.core import auth

    at = page("cmq/app/pages/import.py")
    at.file_uploader[0].upload("valeurs.csv", GOOD, "text/csv").run()
    before = snapshot(store_copy.root)
    auth.end_sessions(store_copy, "directeur-agt")  # « Se déconnecter » in another tab
    at.button(key="imp_commit").click().run()
    assert not at.exception and at.text_input(key="login_name")
    after = snapshot(store_copy.root)
    assert {k: v for k, v in after.items() if k not in ("accounts.json", "accounts.backup.json")} == \
        {k: v for k, v in before.items() if k not in ("accounts.json", "accounts.backup.json")}
    assert value(store_copy, "AGT-I01") == 88.0
