"""The command line contract (DESIGN.md §5): outputs, French messages, exit codes."""
from __future__ import annotations

import json

import duckdb

from cmq.core.store import Store

from conftest import cli, snapshot


def test_the_demo_is_built_only_when_asked(tmp_path):
    """An empty folder stays empty whatever reads it or adds an account to it (no published password on a production
    path); `cmq demo` builds it."""
    fresh = tmp_path / "fresh"
    r = cli("sql", "select count(*) as n from campuses", data_dir=fresh)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["n", "0"]
    refused = cli("user", "add", "coordination", "--role", "admin", data_dir=fresh, stdin="un-long-mot-de-passe\n")
    assert refused.returncode == 1 and "Précisez le périmètre" in refused.stderr, "no scope, no account"
    assert cli("user", "add", "coordination", "--role", "admin", "--national", data_dir=fresh,
               stdin="un-long-mot-de-passe\n").returncode == 0
    assert list(Store(fresh).accounts()) == ["coordination"] and Store(fresh).is_empty()
    other = tmp_path / "demo"
    assert cli("demo", data_dir=other).returncode == 0
    r = cli("sql", "select count(*) as n from campuses", data_dir=other)
    assert r.stdout.splitlines() == ["n", "6"] and {"admin", "comite", "directeur-agt"} <= set(Store(other).accounts())


def test_sql_is_read_only(data_dir):
    before = snapshot(data_dir)
    for statement in ("delete from actions", "drop view actions", "copy actions to 'x.csv'",
                      "create table t as select 1", "select 1; delete from actions"):
        r = cli("sql", statement, data_dir=data_dir)
        assert r.returncode == 1, statement
        assert "select" in r.stderr.lower()
    assert snapshot(data_dir) == before


def test_sql_json_and_error(data_dir):
    r = cli("sql", "select campus_id, labelled_year from campuses where campus_id = 'AMF'", "--format", "json", data_dir=data_dir)
    assert json.loads(r.stdout) == [{"campus_id": "AMF", "labelled_year": 2016}]
    r = cli("sql", "select committed_at, now() as t from batches limit 1", "--format", "json", data_dir=data_dir)
    assert r.returncode == 0 and r.stderr == "" and json.loads(r.stdout)[0]["t"], r.stderr  # no module, no warning
    bad = cli("sql", "select nothing from nowhere", data_dir=data_dir)
    assert bad.returncode == 1 and "La requête a échoué" in bad.stderr and "Traceback" not in bad.stderr


def test_query_with_parameters(data_dir):
    r = cli("query", "reach_by_audience", "--param", "year=2018", "--param", "campuses=MSI,MMA", "--format", "json",
            data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    rows = {x["audience"]: x["reached"] for x in json.loads(r.stdout)}
    assert rows["enseignants"] == 28 + 18 + 60  # the joint ESPE action once
    unknown = cli("query", "nope", data_dir=data_dir)
    assert unknown.returncode == 1 and "Requête inconnue" in unknown.stderr
    badp = cli("query", "campuses", "--param", "year=2018", data_dir=data_dir)
    assert badp.returncode == 1 and "Paramètre inconnu" in badp.stderr


def test_usage_errors_exit_2(data_dir):
    for args in (("bogus",), ("query",), ("import", "reach")):
        r = cli(*args, data_dir=data_dir)
        assert r.returncode == 2 and "Erreur d'utilisation" in r.stderr


def test_demo_refuses_to_overwrite_without_force(data_dir):
    r = cli("demo", data_dir=data_dir)
    assert r.returncode == 1 and "--force" in r.stderr
    r = cli("demo", "--force", data_dir=data_dir)
    assert r.returncode == 0 and "Démonstration construite" in r.stdout


def test_import_dry_run_json_then_commit(data_dir, tmp_path):
    f = tmp_path / "valeurs.csv"
    f.write_bytes("Code campus;Identifiant indicateur;Année;Valeur\r\nAGT;AGT-I01;2019;1 234,5\r\n".encode("cp1252"))
    dry = cli("import", "indicator_values", str(f), "--dry-run", "--json", data_dir=data_dir)
    out = json.loads(dry.stdout)
    assert dry.returncode == 0 and out["status"] == "valid" and out["inserted"] == 1 and out["batch_id"] is None
    done = json.loads(cli("import", "indicator_values", str(f), "--json", "--user", "admin", data_dir=data_dir).stdout)
    assert done["status"] == "committed" and done["batch_id"]
    again = json.loads(cli("import", "indicator_values", str(f), "--json", "--user", "admin", data_dir=data_dir).stdout)
    assert again["status"] == "unchanged" and again["unchanged"] == 1
    v = cli("sql", "select value from indicator_values where indicator_id = 'AGT-I01' and year = 2019", data_dir=data_dir)
    assert v.stdout.splitlines()[1] == "1234.5"
    rv = cli("revert", str(done["batch_id"]), "--user", "admin", data_dir=data_dir)
    assert rv.returncode == 0 and "annulé" in rv.stdout
    b = json.loads(cli("batches", "--campus", "AGT", "--json", data_dir=data_dir).stdout)
    assert any(x["batch_id"] == done["batch_id"] and x["reverted_at"] for x in b)


def test_rejected_import_exit_1_and_store_untouched(data_dir, tmp_path):
    f = tmp_path / "faux.csv"
    f.write_text("Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;deux mille;12\nXXX;AGT-I01;2019;1\n", encoding="utf-8")
    before = snapshot(data_dir)
    r = cli("import", "indicator_values", str(f), "--user", "admin", data_dir=data_dir)
    assert r.returncode == 1
    assert "ligne 2" in r.stdout and "ligne 3" in r.stdout and "Rien n'a été écrit" in r.stdout
    assert snapshot(data_dir) == before


def test_batches_and_the_history_page_agree_on_a_batch_of_two_campuses(data_dir, tmp_path):
    from conftest import app_test, frame

    f = tmp_path / "deux.csv"
    f.write_text("Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;2021;3\nMSI;MSI-I01;2021;4\n",
                 encoding="utf-8")
    done = json.loads(cli("import", "indicator_values", str(f), "--json", "--user", "admin", data_dir=data_dir).stdout)
    for campus in ("AGT", "MSI"):
        listed = json.loads(cli("batches", "--campus", campus, "--json", data_dir=data_dir).stdout)
        assert listed[0]["batch_id"] == done["batch_id"] and listed[0]["campus_id"] == "AGT,MSI", campus
        at = app_test()
        at.switch_page("cmq/app/pages/history.py").run()
        at.selectbox(key="hist_campus").set_value(campus).run()
        page = frame(at, "Lot")
        assert page["Lot"].tolist() == [b["batch_id"] for b in listed], campus
    assert done["batch_id"] not in [b["batch_id"] for b in json.loads(
        cli("batches", "--campus", "TI", "--json", data_dir=data_dir).stdout)]


def test_sql_reaches_nothing_outside_the_store(data_dir, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    before = snapshot(data_dir)
    for query in (f"select * from read_csv('{secret}')", "select * from read_csv('/etc/passwd')",
                  "select * from 'http://127.0.0.1:9/x.parquet'", "select * from read_parquet('s3://bucket/x.parquet')"):
        r = cli("sql", query, data_dir=data_dir)
        assert r.returncode == 1 and "ne lit ni fichier hors du magasin" in r.stderr, (query, r.stderr)
    # the store's own views, history included, still answer
    r = cli("sql", "select count(*) n from reach_history", data_dir=data_dir)
    assert r.returncode == 0 and int(r.stdout.splitlines()[1]) > 0
    assert snapshot(data_dir) == before


def test_sql_reads_none_of_the_stores_secrets(any_store_copy, tmp_path):
    """The folder the sandbox sees holds the store's data, not its secrets: the sessions' key (with which anyone could
    sign a cookie as an administrator), the accounts (hashes, e-mail addresses), the sign-in counts — by no function."""
    from cmq.core import auth

    store = any_store_copy
    auth.login(store, "comite", "mauvais-mot-de-passe")  # the sign-in counts exist
    store.session_secret()
    root = store.root.resolve()
    secrets = [root / n for n in ("session-secret", "accounts.json", "accounts.backup.json", "signin-waits.json",
                                  "manifest.json")]
    con = store.sandboxed()
    try:
        for path in secrets:
            for read in ("read_text('{p}')", "read_blob('{p}')", "read_csv('{p}')", "read_json('{p}')", "glob('{p}')",
                         "glob('{d}/*')", "read_text('{d}/*')"):
                query = "select * from " + read.format(p=path, d=root)
                try:
                    got = con.execute(query).fetchall()
                except duckdb.Error:
                    continue
                assert got == [], query  # a glob may answer, with nothing
        assert con.execute("select count(*) from reach_history").fetchone()[0] > 0  # the data still answers
    finally:
        con.close()
    if isinstance(store, Store):
        r = cli("sql", f"select * from read_text('{root / 'session-secret'}')", store=store)
        assert r.returncode == 1 and "ne lit ni fichier hors du magasin" in r.stderr and store.session_secret() not in r.stdout


def test_a_database_that_does_not_answer_is_said_in_french_only():
    """PostgreSQL down: every command says so in French, with no psycopg English, pool log or traceback."""
    import os
    import subprocess
    import sys

    from browser import free_port
    from conftest import ROOT

    env = dict(os.environ, CMQ_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/cmq", CMQ_DATA_DIR="")
    for args in (("db", "status"), ("sql", "select 1")):
        r = subprocess.run([sys.executable, "-m", "cmq", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert "La base de données du magasin ne répond pas" in r.stderr, (args, r.stderr)
        for english in ("Traceback", "Connection refused", "error connecting", "Is the server running"):
            assert english not in r.stderr + r.stdout, (args, r.stderr)
