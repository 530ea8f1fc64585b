"""The reporting cycle: a campaign per year with its deadline; submit, validate (which locks), send back with a reason,
reopen; every step recorded; a validated campus × year refused by every write path, the store byte-identical."""
from __future__ import annotations

import json
from datetime import date

import pytest

from cmq.core import auth, cycle, ingest
from cmq.core.store import StoreError

from conftest import app_test, cli, frame, shown, state_of

VALUE = "Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I04;2018;3\n"


def run(store, *args):
    out = cli(*args, store=store)
    return out.returncode, out.stdout + out.stderr


def test_the_whole_cycle_through_the_command_line(any_store_copy, tmp_path):
    store_copy = root = any_store_copy
    assert run(root, "campaign", "open", "--year", "2018", "--deadline", "2019-01-31", "--user", "directeur-agt")[0] == 1
    code, said = run(root, "campaign", "open", "--year", "2018", "--deadline", "2019-01-31", "--user", "admin")
    assert code == 0 and "Campagne 2018 ouverte jusqu'au 31 janvier 2019 pour 6 campus" in said
    code, said = run(root, "submit", "--campus", "MSI", "--year", "2018", "--user", "directeur-agt")
    assert code == 1 and "ne peut pas soumettre ces chiffres pour MSI" in said, "a director submits their own campus only"
    code, said = run(root, "submit", "--campus", "AGT", "--year", "2018", "--user", "directeur-agt")
    assert code == 0 and said.startswith("Chiffres 2018 d'AGT soumis.\n4 indicateur(s) renseigné(s) sur 59 attendu(s)")
    code, said = run(root, "send-back", "--campus", "AGT", "--year", "2018", "--indicator", "AGT-I04",
                     "--reason", "Le nombre de comités manque", "--user", "admin")
    assert code == 0
    status = {r["campus_id"]: r for r in json.loads(run(root, "campaign", "status", "--year", "2018", "--json")[1])}
    assert status["AGT"]["status"] == "renvoye" and status["AGT"]["reason"] == "AGT-I04 : Le nombre de comités manque"
    assert status["AGT"]["expected"] == 59 and status["AGT"]["timeliness"] == "en retard", "past its deadline"
    # the director fixes it (a value for AGT-I04), submits again; the coordinator validates
    path = tmp_path / "v.csv"
    path.write_text(VALUE, encoding="utf-8")
    assert run(root, "import", "indicator_values", str(path), "--user", "directeur-agt")[0] == 0
    assert run(root, "submit", "--campus", "AGT", "--year", "2018", "--user", "directeur-agt")[0] == 0
    assert run(root, "validate", "--campus", "AGT", "--year", "2018", "--user", "admin")[0] == 0
    rows = {r["campus_id"]: r for r in json.loads(run(root, "campaign", "status", "--year", "2018", "--json")[1])}
    assert rows["AGT"]["status"] == "valide" and rows["AGT"]["reported"] == 5
    listed = json.loads(run(root, "campaign", "list", "--json")[1])
    assert listed[0]["valide"] == 1 and listed[0]["campuses"] == 6
    steps = cycle.events(store_copy, 2018)
    assert list(steps["step"]) == ["Campagne ouverte", "Soumis", "Renvoyé", "Soumis", "Validé"]
    assert list(steps["by"]) == ["admin", "directeur-agt", "admin", "directeur-agt", "admin"]


@pytest.fixture
def validated(any_data):
    """AGT's 2018 figures validated in the 2018 campaign, a batch of AGT 2018 committed before (on each backend)."""
    s = any_data
    batch = ingest.import_bytes(s, "indicator_values", VALUE.encode(), "v.csv", user="admin").batch_id
    s.open_campaign(2018, date(2019, 1, 31), user="admin", campuses=["AGT", "MSI"])
    s.campaign_step("submit", 2018, "AGT", user="directeur-agt")
    s.campaign_step("validate", 2018, "AGT", user="admin")
    return s, batch


def test_a_validated_year_is_refused_by_every_write_path(validated, tmp_path):
    store, batch = validated
    before = state_of(store)
    change = "Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I04;2018;4\n"
    # the importer (page, grid, command line): the line is named before anything is written
    rep = ingest.import_bytes(store, "indicator_values", change.encode(), "v.csv", user="admin")
    assert rep.status == "rejected" and "Les chiffres 2018 d'AGT ont été validés par admin le " in rep.errors[0]["message"]
    assert "(ligne 2)" in rep.errors[0]["message"] and len(rep.errors) == 1
    # eleven lines, one of them far from its target without a narrative: the lock is said once, and only it
    many = "Code campus;Identifiant indicateur;Année;Valeur;Cible\n" + "".join(
        f"AGT;AGT-I{i:02d};2018;{i};{100 if i == 1 else ''}\n" for i in (1, 4, 5, 6, 8, 9, 10, 12, 13, 14, 15))
    rep = ingest.import_bytes(store, "indicator_values", many.encode(), "m.csv", user="admin")
    assert len(rep.errors) == 1 and "11 lignes, de la ligne 2 à la ligne 12" in rep.errors[0]["message"], rep.errors
    (tmp_path / "v.csv").write_text(change, encoding="utf-8")
    assert cli("import", "indicator_values", str(tmp_path / "v.csv"), "--user", "admin", store=store).returncode == 1
    # a script calling the store itself, and a revert
    rows = ingest.read("indicator_values", change.encode()).rows
    with pytest.raises(StoreError, match="les chiffres validés ne bougent plus \\(AGT 2018\\)"):
        store.commit("indicator_values", rows, user="admin")
    with pytest.raises(StoreError, match="AGT 2018"):
        store.revert(batch, user="admin")
    assert cli("revert", str(batch), "--user", "admin", store=store).returncode == 1
    # the page
    at = app_test("admin").run()
    at.switch_page("cmq/app/pages/import.py").run()
    at.file_uploader[0].upload("v.csv", change.encode(), "text/csv").run()
    assert any("ont été validés" in m for m in frame(at, "Message")["Message"])
    assert not [b for b in at.button if b.key == "imp_commit"]
    assert state_of(store) == before, "the store is byte-identical (PostgreSQL: the same version and views)"
    # another campus, another year still move; a reopened year moves again
    other = "Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I04;2019;4\nMSI;MSI-I01;2018;9\n"
    assert ingest.import_bytes(store, "indicator_values", other.encode(), "o.csv", user="admin").status == "committed"
    with pytest.raises(StoreError, match="raison"):
        store.campaign_step("reopen", 2018, "AGT", user="admin", reason=" ")
    store.campaign_step("reopen", 2018, "AGT", user="admin", reason="AGT-I04 corrigé en comité")
    assert ingest.import_bytes(store, "indicator_values", change.encode(), "v.csv", user="admin").status == "committed"


def test_steps_follow_the_cycle(validated):
    store, _ = validated
    with pytest.raises(StoreError, match="« Validé » pour 2018 : impossible de passer à « Soumis »"):
        store.campaign_step("submit", 2018, "AGT", user="directeur-agt")
    with pytest.raises(StoreError, match=r"ne peut pas valider.*\(réservé aux administrateurs\) : le statut de MSI"):
        store.campaign_step("validate", 2018, "MSI", user="directeur-agt")
    with pytest.raises(StoreError, match="Aucune campagne pour l'année 2017"):
        store.campaign_step("submit", 2017, "AGT", user="directeur-agt")
    ingest.import_bytes(store, "indicator_values", "Code campus;Identifiant indicateur;Année;Valeur\nMSI;MSI-I01;2018;9\n"
                        .encode(), "m.csv", user="admin")
    assert store.campaign(2018)["campuses"]["MSI"]["status"] == "brouillon", "an import starts the draft"
    # a disabled account takes no step, whatever its role
    store.put_account(auth.new_account("directeur-msi", "directeur", ["MSI"], "un-long-mot-de-passe"))
    store.put_account(auth.new_account("ancien-admin", "admin", [], "un-long-mot-de-passe", national=True))
    for name in ("directeur-msi", "ancien-admin"):
        store.update_account(name, disabled=True)
    with pytest.raises(StoreError, match="« directeur-msi » est désactivé : le statut de MSI ne change pas"):
        store.campaign_step("submit", 2018, "MSI", user="directeur-msi")
    with pytest.raises(StoreError, match="« ancien-admin » est désactivé : la campagne reste ouverte"):
        store.close_campaign(2018, user="ancien-admin")
    with pytest.raises(StoreError):
        store.open_campaign(2030, date(2030, 3, 1), user="ancien-admin", campuses=["MSI"])
    store.close_campaign(2018, user="admin")
    with pytest.raises(StoreError, match="close"):
        store.campaign_step("submit", 2018, "MSI", user="admin")
    assert ("AGT", 2018) in store.locked(), "a closed campaign's validated years stay locked"


def test_the_whole_cycle_in_the_pages(data_dir, store_copy):
    store_copy.open_campaign(2018, date(2019, 1, 31), user="admin", campuses=["AGT", "MSI"])
    # the director submits from the import page
    imp = app_test("directeur-agt").run()
    imp.switch_page("cmq/app/pages/import.py").run()
    assert any("« À saisir »" in i.value for i in imp.info)
    said = [c.value for c in imp.caption if "attendu" in c.value]
    assert said and "4 indicateur(s) renseigné(s) sur 59 attendu(s)" in shown(said[0]), said
    assert imp.button(key="cycle_submit_AGT_2018").disabled, "below 100 %: confirmed first"
    imp.checkbox(key="cycle_submit_sure_AGT_2018").check().run()
    imp.button(key="cycle_submit_AGT_2018").click().run()
    assert not imp.exception and "Chiffres 2018 d'AGT soumis." in shown(imp.success[0].value)
    # the coordinator sends AGT back for one indicator, with the reason
    camp = app_test("admin").run()
    camp.switch_page("cmq/app/pages/campaigns.py").run()
    assert frame(camp, "Statut").set_index("Campus").loc["AGT", "Statut"] == "Soumis"
    camp.selectbox(key="cycle_campus").set_value("AGT").run()
    camp.text_input(key="cycle_reason").set_value("Le nombre de comités manque").run()
    camp.selectbox(key="cycle_indicator").set_value("AGT-I04").run()
    camp.button(key="cycle_send_back").click().run()
    assert not camp.exception and "renvoyés" in camp.success[0].value
    # the director reads why, on the import page and on the Campus page, fixes and submits again
    imp = app_test("directeur-agt").run()
    imp.switch_page("cmq/app/pages/import.py").run()
    said = [w.value.replace("\\", "") for w in imp.warning]
    assert any("renvoyés. Raison : AGT-I04 : Le nombre de comités manque" in w for w in said), said
    campus = app_test("directeur-agt").run()
    campus.switch_page("cmq/app/pages/campus.py").run()
    assert any("Le nombre de comités manque" in w.value.replace("\\", "") for w in campus.warning)
    ingest.import_bytes(store_copy, "indicator_values", VALUE.encode(), "v.csv", user="directeur-agt")
    imp = app_test("directeur-agt").run()
    imp.switch_page("cmq/app/pages/import.py").run()
    imp.checkbox(key="cycle_submit_sure_AGT_2018").check().run()
    imp.button(key="cycle_submit_AGT_2018").click().run()
    camp = app_test("admin").run()
    camp.switch_page("cmq/app/pages/campaigns.py").run()
    camp.selectbox(key="cycle_campus").set_value("AGT").run()
    camp.button(key="cycle_validate").click().run()
    assert store_copy.campaign(2018)["campuses"]["AGT"]["status"] == "valide"
    # Complétude: every campus's place, late first; the history lists every step
    comp = app_test("comite").run()
    comp.switch_page("cmq/app/pages/completeness.py").run()
    comp.selectbox(key="flt_year").set_value(2018).run()
    table = frame(comp, "Ponctualité")
    assert list(table["Campus"]) == ["MSI", "AGT"], "not submitted and past the deadline first"
    assert table.set_index("Campus").loc["AGT", "Statut"] == "Validé"
    hist = app_test("comite").run()
    hist.switch_page("cmq/app/pages/history.py").run()
    steps = frame(hist, "Étape")
    assert list(steps["Étape"]) == ["Campagne ouverte", "Soumis", "Renvoyé", "Soumis", "Validé"]
    assert steps.iloc[2]["Raison"] == "Le nombre de comités manque" and steps.iloc[2]["Indicateur"] == "AGT-I04"


def test_reminders_reach_the_directors_of_campuses_that_have_not_submitted(store_copy, monkeypatch):
    """A real SMTP server on 127.0.0.1 receives one French message per campus not yet submitted, to its directors."""
    from browser import mail_server

    monkeypatch.delenv("CMQ_SMTP_URL", raising=False)
    for name in ("directeur-agt", "direction-msi"):
        assert store_copy.account(name)["email"], "the demo's directors have addresses (example.org)"
    store_copy.update_account("direction-msi", email=None)
    store_copy.open_campaign(2018, date(2019, 1, 31), user="admin", campuses=["AGT", "MSI", "TI"])
    store_copy.campaign_step("submit", 2018, "TI", user="admin")
    dry = cli("remind", "--year", "2018", "--dry-run", data_dir=store_copy.root)
    assert dry.returncode == 0 and "Objet : Campagne 2018 : chiffres d'AGT attendus" in dry.stdout
    assert "MSI : aucun directeur n'a d'adresse" in dry.stderr, "a campus no one can be written to is said"
    with mail_server() as (smtp_url, received):
        monkeypatch.setenv("CMQ_SMTP_URL", smtp_url)
        out = cli("remind", "--year", "2018", data_dir=store_copy.root)
    monkeypatch.delenv("CMQ_SMTP_URL")
    assert out.returncode == 0 and "1 relance(s) envoyée(s)" in out.stdout, out.stderr
    reminded = cycle.progress(store_copy, 2018).set_index("campus_id")["last_reminded"]
    assert reminded.notna().to_dict() == {"AGT": True, "MSI": False, "TI": False}, "who was reminded is kept"
    assert "à direction@agt.example.org" in cycle.events(store_copy, 2018)["reason"].tolist()
    assert len(received) == 1, "TI has submitted; MSI has no address"
    to, msg = received[0]
    body = msg.get_content()
    assert to == ["direction@agt.example.org"] and msg["Subject"] == "Campagne 2018 : chiffres d'AGT attendus"
    assert "La date limite était le 31 janvier 2019" in body and "Indicateurs renseignés : 4 sur 59" in body
    assert "- AGT-I02 · Typologie des acteurs" in body
    unset = cli("remind", "--year", "2018", data_dir=store_copy.root)
    assert unset.returncode == 1 and "CMQ_SMTP_URL" in unset.stderr


def test_once_a_campaign_exists_the_committee_reads_the_validated_figures(data_dir, store_copy):
    def metrics(at):
        return {m.label: m.value for m in at.metric}

    at = app_test("comite").run()
    at.selectbox(key="flt_year").set_value(2018).run()
    before = metrics(at)
    assert before["Campus"] == "6" and not at.radio, "no campaign yet: the figures as they are, no switch"
    store_copy.open_campaign(2018, date(2019, 1, 31), user="admin", campuses=store_copy.current("campuses")["campus_id"])
    store_copy.campaign_step("submit", 2018, "MSI", user="admin")
    store_copy.campaign_step("validate", 2018, "MSI", user="admin")
    at = app_test("comite").run()
    at.selectbox(key="flt_year").set_value(2018).run()
    assert at.radio(key="flt_figures").value == "valides", "validated only by default once a campaign exists"
    assert metrics(at)["Campus"] == "1" and metrics(at)["Actions"] == "29", "MSI's figures alone"
    captions = " ".join(c.value.replace("\\", "") for c in at.caption)  # Markdown, its signs escaped
    assert "année 2018 · MSI · chiffres validés seulement (1 campus sur 6)" in captions
    at.radio(key="flt_figures").set_value("tous").run()
    assert metrics(at) == before and "y compris les chiffres en cours de saisie" in " ".join(c.value for c in at.caption)
    from cmq.outputs import pack

    p = pack.build_from_store(store_copy, "region", 2018)
    title = pack._subtitle(p)  # the scope, whom it is for (its region's committee), the year and its figures
    assert title[1] == "Comité de pilotage régional des CMQ · Bourgogne-Franche-Comté"
    assert "chiffres validés seulement (1 campus sur 6)" in title[2]


def test_a_campaign_can_ask_a_campus_for_some_indicators_only(store_copy, tmp_path):
    asked = tmp_path / "attendus.csv"
    asked.write_text("Code campus;Identifiant indicateur\nAGT;AGT-I01\nAGT;AGT-I04\n", encoding="utf-8")
    wrong = tmp_path / "faux.csv"
    wrong.write_text("Code campus;Identifiant indicateur\nAGT;MSI-I01\n", encoding="utf-8")
    code, said = run(store_copy, "campaign", "open", "--year", "2018", "--deadline", "2019-01-31", "--user", "admin",
                     "--expected", str(wrong))
    assert code == 1 and "ligne 2 : « MSI-I01 » n'est pas un indicateur du campus AGT" in said
    assert run(store_copy, "campaign", "open", "--year", "2018", "--deadline", "2019-01-31", "--user", "admin",
               "--expected", str(asked))[0] == 0
    rows = {r["campus_id"]: r for r in json.loads(run(store_copy, "campaign", "status", "--year", "2018", "--json")[1])}
    assert (rows["AGT"]["expected"], rows["AGT"]["reported"]) == (2, 1), "AGT-I01 has its 88, AGT-I04 nothing"
    assert rows["MSI"]["expected"] == 8, "a campus not named owes its whole plan"
    from cmq.core import remind

    store_copy.update_account("directeur-agt", email="direction@agt.example.org")
    msgs, _ = remind.messages(store_copy, 2018)
    msgs = list(msgs.values())
    body = next(m for m in msgs if "d'AGT" in m["Subject"]).get_content()
    assert "Indicateurs renseignés : 1 sur 2" in body and "AGT-I04" in body and "AGT-I02" not in body, \
        "the reminder lists what the campaign asks, not the whole plan"


def _certificates(folder):
    """A private certificate authority and a certificate it signed for 127.0.0.1: (CA file, cert file, key file)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("Test CA")).issuer_name(name("Test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=2)).add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(ca_key, hashes.SHA256()))
    files = [folder / n for n in ("ca.pem", "cert.pem", "key.pem")]
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return files


def test_reminders_verify_the_mail_servers_certificate(tmp_path, monkeypatch):
    """Over TLS the server's certificate is verified: a server whose certificate no trusted authority signed gets no
    message (nor the password); given its private authority (CMQ_SMTP_CA_FILE), it gets them. No password over smtp://."""
    import ssl
    from email.message import EmailMessage

    from aiosmtpd.controller import Controller

    from cmq.core import remind
    from cmq.core.store import StoreError

    from browser import free_port

    received = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.rcpt_tos)
            return "250 OK"

    ca, cert, key = _certificates(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = free_port()
    server = Controller(Keep(), hostname="127.0.0.1", port=port, ssl_context=context)
    server.start()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "Essai"
    msg.set_content("Bonjour")
    try:
        monkeypatch.delenv(remind.SMTP_CA_FILE, raising=False)
        with pytest.raises(StoreError, match="certificat du serveur de messagerie 127.0.0.1 n'est pas reconnu"):
            remind.send([msg], f"smtps://127.0.0.1:{port}")
        assert received == []
        monkeypatch.setenv(remind.SMTP_CA_FILE, str(ca))
        remind.send([msg], f"smtps://127.0.0.1:{port}")
        assert received == [["b@example.org"]]
    finally:
        server.stop()
    with pytest.raises(StoreError, match="ne part jamais en clair"):
        remind.send([msg], f"smtp://relance:secret@127.0.0.1:{port}")


def test_the_campaigns_page_guards_itself(data_dir):
    """Reached by a director or a reader however (the navigation does not offer it): refused, nothing of it shown."""
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT, app_test

    for name in ("comite", "directeur-agt"):
        at = app_test(name)
        page = AppTest.from_file(str(ROOT / "cmq/app/pages/campaigns.py"), default_timeout=60)
        page.session_state["account"] = at.session_state["account"]
        page.run()
        assert not page.exception and "réservée aux administrateurs" in page.error[0].value
        assert not page.button and not page.text_input


def test_a_deadline_is_chosen_moved_and_extended_for_one_campus(data_dir, store_copy):
    """The coordinator's page: no campaign opens on a deadline nobody chose (Enter in « Année »); the campaign's
    deadline moves, one campus gets an extension, each kept in the steps; closing asks for confirmation first."""
    from datetime import timedelta

    from conftest import app_test

    at = app_test("admin").run()
    at.switch_page("cmq/app/pages/campaigns.py").run()
    at.number_input[0].set_value(2019)
    at.button[0].click().run()  # the form's « Ouvrir la campagne » with no date chosen
    assert "Choisissez la date limite" in at.error[0].value and 2019 not in store_copy.campaigns()
    due = date.today() + timedelta(days=20)
    at.date_input[0].set_value(due)
    at.button[0].click().run()
    assert store_copy.campaign(2019)["deadline"] == due.isoformat()
    later, agt = due + timedelta(days=10), due + timedelta(days=25)
    at.date_input(key="cycle_extend_date").set_value(later)
    at.text_input(key="cycle_extend_reason").input("comité reporté")
    next(b for b in at.button if b.label == "Reporter").click().run()
    at.selectbox(key="cycle_extend_campus").set_value("AGT")
    at.date_input(key="cycle_extend_date").set_value(agt)
    next(b for b in at.button if b.label == "Reporter").click().run()
    assert not at.exception
    p = cycle.progress(store_copy, 2019).set_index("campus_id")
    assert p.loc["AGT", "deadline"] == agt.isoformat() and p.loc["MSI", "deadline"] == later.isoformat()
    steps = cycle.events(store_copy, 2019)
    moved = steps[steps["step"] == "Date limite reportée"]
    assert len(moved) == 2 and "comité reporté" in moved["reason"].iloc[0] and moved["campus_id"].iloc[1] == "AGT"
    assert at.button(key="cycle_close").disabled, "closing waits for its confirmation"
    at.checkbox(key="cycle_close_sure").check().run()
    at.button(key="cycle_close").click().run()
    assert store_copy.campaign(2019)["closed_at"]


def test_campaign_extend_from_the_command_line(store_copy):
    store_copy.open_campaign(2019, date(2020, 1, 31), user="admin", campuses=["AGT", "MSI"])
    r = cli("campaign", "extend", "--year", "2019", "--deadline", "2020-02-15", "--campus", "AGT", "--reason",
            "directeur absent", "--user", "admin", data_dir=store_copy.root)
    assert r.returncode == 0 and "date limite d'AGT reportée au 15 février 2020" in r.stdout, r.stderr
    refused = cli("campaign", "extend", "--year", "2019", "--deadline", "2020-03-01", "--user", "directeur-agt",
                  data_dir=store_copy.root)
    assert refused.returncode == 1 and "(réservé aux administrateurs) : la date limite ne change pas" in refused.stderr
    status = json.loads(cli("campaign", "status", "--year", "2019", "--json", data_dir=store_copy.root).stdout)
    assert {s["campus_id"]: s["deadline"] for s in status} == {"AGT": "2020-02-15", "MSI": "2020-01-31"}


def test_a_change_after_submission_puts_the_campus_back_to_draft(data_dir, store_copy):
    """After « Soumettre », an import, a grid value or a revert puts the campus back to « Brouillon », the step
    « modifié après soumission » recorded: the coordinator never validates figures other than the ones submitted."""
    from conftest import app_test

    store_copy.open_campaign(2018, date(2019, 1, 31), user="admin", campuses=["AGT", "MSI"])

    def status():
        return store_copy.campaign(2018)["campuses"]["AGT"]["status"]

    store_copy.campaign_step("submit", 2018, "AGT", user="directeur-agt")
    rep = ingest.import_bytes(store_copy, "indicator_values", "Code campus;Identifiant indicateur;Année;Valeur\n"
                              "AGT;AGT-I01;2018;90\n".encode(), "v.csv", user="directeur-agt")
    assert rep.status == "committed" and status() == "brouillon"
    store_copy.campaign_step("submit", 2018, "AGT", user="directeur-agt")
    store_copy.revert(rep.batch_id, user="directeur-agt")
    assert status() == "brouillon"
    store_copy.campaign_step("submit", 2018, "AGT", user="directeur-agt")
    at = app_test("directeur-agt").run()  # the grid of « Saisir des valeurs »
    at.switch_page("cmq/app/pages/entry.py").run()
    key = next(k for k in at.session_state.keys() if k.endswith("_numbers"))
    rows = next(e for e in at.dataframe if e.key and e.key.endswith("_numbers")).value
    line = list(rows["indicator_id"]).index("AGT-I01")
    at.session_state[key] = {"edited_rows": {line: {"value": 89}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="imp_commit").click().run()
    assert not at.exception and status() == "brouillon"
    steps = cycle.events(store_copy, 2018)
    assert (steps["step"] == "Modifié après soumission").sum() == 3
    assert cycle.progress(store_copy, 2018).set_index("campus_id").loc["AGT", "status_label"] == "Brouillon"


def test_submit_from_the_command_line_says_how_much_is_filled(store_copy):
    store_copy.open_campaign(2018, date(2019, 1, 31), user="admin", campuses=["AGT"])
    r = cli("submit", "--campus", "AGT", "--year", "2018", "--user", "directeur-agt", data_dir=store_copy.root)
    assert r.returncode == 0 and "4 indicateur(s) renseigné(s) sur 59 attendu(s) ; sans valeur : AGT-I02" in r.stdout


def test_templates_and_the_grid_open_on_the_campaigns_year(data_dir, store_copy):
    from cmq.outputs import templates

    from conftest import app_test

    assert templates.default_year(store_copy, "indicator_values", "AGT") == 2018  # no campaign: its latest year
    store_copy.open_campaign(2019, date(2020, 1, 31), user="admin", campuses=["AGT", "MSI"])
    assert templates.default_year(store_copy, "indicator_values", "AGT") == 2019
    assert templates.default_year(store_copy, "indicator_values", "ITIP") == 2018, "ITIP is not asked for 2019"
    at = app_test("directeur-agt").run()
    at.switch_page("cmq/app/pages/entry.py").run()
    assert at.selectbox(key="ent_year").value == 2019
    assert templates.file_stem("indicator_values", "AGT", 2019) == "modele_Valeurs-des-indicateurs_AGT_2019"


def test_during_a_campaign_the_committee_opens_on_the_latest_reliable_year(data_dir, store_copy):
    """A 2019 campaign with one draft figure: the committee opens on 2018 (complete), told where 2019 stands, one
    click from it; once a campus is validated, 2019 is where the views open."""
    from conftest import app_test

    store_copy.open_campaign(2019, date(2020, 1, 31), user="admin",
                             campuses=store_copy.current("campuses")["campus_id"].tolist())
    ingest.import_bytes(store_copy, "indicator_values", "Code campus;Identifiant indicateur;Année;Valeur\n"
                        "AGT;AGT-I01;2019;12\n".encode(), "v.csv", user="directeur-agt")
    at = app_test("comite").run()
    assert at.selectbox(key="flt_year").value == 2018
    said = " ".join(i.value for i in at.info)
    assert "Campagne 2019 en cours : 0 campus sur 6 ont soumis leurs chiffres, 0 validé(s)" in shown(said), said
    at.button(key="campaign_year_2019").click().run()
    assert at.selectbox(key="flt_year").value == 2019 and not at.exception
    store_copy.campaign_step("submit", 2019, "AGT", user="directeur-agt")
    store_copy.campaign_step("validate", 2019, "AGT", user="admin")
    assert app_test("comite").run().selectbox(key="flt_year").value == 2019


def test_a_campaign_year_with_nothing_validated_says_so_and_never_shows_zeros(data_dir, store_copy):
    """The committee asks for 2019 while no campus is validated: no page of zeros, the reason said, one click to the
    reliable year or to the drafts; once AGT is validated, what AGT did not report reads « non renseigné », not 0."""
    from conftest import app_test

    store_copy.open_campaign(2019, date(2020, 1, 31), user="admin",
                             campuses=store_copy.current("campuses")["campus_id"].tolist())
    ingest.import_bytes(store_copy, "indicator_values", "Code campus;Identifiant indicateur;Année;Valeur\n"
                        "AGT;AGT-I01;2019;12\n".encode(), "v.csv", user="directeur-agt")
    for page in ("overview", "reach", "funding", "actions", "criteria"):
        at = app_test("comite").run()
        at.switch_page(f"cmq/app/pages/{page}.py").run()
        at.selectbox(key="flt_year").set_value(2019).run()
        said = shown(" ".join(i.value for i in at.info))
        assert "Campagne 2019 : aucun campus n'a encore de chiffres validés (0 campus sur 6 ont soumis" in said, page
        assert not at.metric and not at.get("plotly_chart"), f"{page}: nothing drawn for « not yet »"
    at.button(key="nothing_reliable").click().run()
    assert at.selectbox(key="flt_year").value == 2018 and at.get("plotly_chart")
    at.selectbox(key="flt_year").set_value(2019).run()
    at.button(key="nothing_drafts").click().run()
    assert at.radio(key="flt_figures").value == "tous" and at.get("plotly_chart") and not at.exception
    store_copy.campaign_step("submit", 2019, "AGT", user="directeur-agt")
    store_copy.campaign_step("validate", 2019, "AGT", user="admin")
    at = app_test("comite").run()
    assert at.selectbox(key="flt_year").value == 2019
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Campus"] == "1" and metrics["Actions"] == metrics["Personnes touchées"] == "non renseigné", metrics


def test_completeness_opens_on_the_campaign_and_follows_drafts_for_the_coordinator(data_dir, store_copy):
    from conftest import app_test

    store_copy.open_campaign(2019, date(2020, 1, 31), user="admin",
                             campuses=store_copy.current("campuses")["campus_id"].tolist())
    ingest.import_bytes(store_copy, "indicator_values", "Code campus;Identifiant indicateur;Année;Valeur\n"
                        "AGT;AGT-I01;2019;12\n".encode(), "v.csv", user="directeur-agt")
    at = app_test("admin").run()
    assert at.selectbox(key="flt_year").value == 2018, "the views open on the reliable year"
    at.query_params.clear()  # as a browser does between pages
    at.switch_page("cmq/app/pages/completeness.py").run()
    assert at.selectbox(key="flt_year").value == 2019 and at.radio(key="flt_figures").value == "tous"
    assert not at.exception and "Campagne 2019" in [h.value for h in at.header]
    agt = at.get("plotly_chart")
    assert agt, "the drafts' progress is drawn"
    at.radio(key="flt_figures").set_value("valides").run()
    assert "aucun campus n'a encore de chiffres validés" in shown(" ".join(i.value for i in at.info)), \
        "« validés seulement » never empties it silently"
    comite = app_test("comite").run()
    comite.query_params.clear()
    comite.switch_page("cmq/app/pages/completeness.py").run()
    assert comite.selectbox(key="flt_year").value == 2019 and comite.radio(key="flt_figures").value == "valides"
    assert "Campagne 2019" in [h.value for h in comite.header], "where each campus stands, for everyone"


def test_the_coordinator_previews_and_sends_reminders_from_the_page(data_dir, store_copy, monkeypatch):
    """Without a mail server the page shows the messages and says how to send them; with one (a real SMTP server on
    127.0.0.1) one click sends them, and when each campus was last reminded shows on the page."""
    from browser import mail_server

    monkeypatch.delenv("CMQ_SMTP_URL", raising=False)
    store_copy.open_campaign(2019, date(2020, 1, 31), user="admin",
                             campuses=store_copy.current("campuses")["campus_id"].tolist())
    store_copy.campaign_step("submit", 2019, "TI", user="admin")
    store_copy.update_account("direction-msi", email=None)
    at = app_test("admin").run()
    at.switch_page("cmq/app/pages/campaigns.py").run()
    assert at.multiselect(key="remind_campuses").value == ["AGT", "AMF", "ITIP", "MMA"], "not TI (submitted), not MSI"
    said = shown(" ".join(w.value for w in at.warning))
    assert "MSI n'a pas soumis ses chiffres et aucun de ses directeurs n'a d'adresse" in said
    previews = " ".join(t.value for t in at.code)
    assert "À : direction@agt.example.org" in previews and "Objet : Campagne 2019 : chiffres d'AGT attendus" in previews
    assert "CMQ_SMTP_URL" in " ".join(i.value for i in at.info) and at.button(key="remind_send").disabled
    with mail_server() as (smtp_url, received):
        monkeypatch.setenv("CMQ_SMTP_URL", smtp_url)
        at.multiselect(key="remind_campuses").set_value(["AGT"]).run()
        at.button(key="remind_send").click().run()
    assert [m["To"] for _, m in received] == ["direction@agt.example.org"], "only the campus chosen"
    assert "1 relance(s) envoyée(s) pour la campagne 2019" in shown(" ".join(s.value for s in at.success))
    assert "dernière relance le" in " ".join(e.label for e in at.expander if "AGT" in e.label)
    step = cycle.events(store_copy, 2019).iloc[-1]
    assert (step["step"], step["campus_id"], step["by"]) == ("Relancé", "AGT", "admin")
    with pytest.raises(StoreError, match="pas conduire une campagne : personne n'est relancé"):
        from cmq.core import remind
        remind.send_and_record(store_copy, 2019, {}, "comite")
