"""The shared store on a real PostgreSQL server: schema by migrations, one transaction per commit, writers on several
processes, a writer killed mid-commit, the database going away and coming back, copies both ways, backups."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from cmq.core import schema
from cmq.core.store import Store, StoreError, postgres, transfer
from cmq.core.store.postgres import PgStore

from conftest import ADMIN, ROOT, app_test, cli


def views(store) -> dict[str, pd.DataFrame]:
    """Every canonical view of a store, rows in a stable order (to compare two stores)."""
    out = {}
    for name in transfer.CANONICAL:
        df = store.read(f"select * from {name}")
        out[name] = df.sort_values(list(df.columns)).reset_index(drop=True) if len(df) else df
    return out


def assert_same_views(a, b) -> None:
    left, right = views(a), views(b)
    for name in transfer.CANONICAL:
        assert len(left[name]) == len(right[name]), name
        pd.testing.assert_frame_equal(left[name], right[name], check_dtype=False, obj=name)


def test_migrations_make_the_contract_and_say_where_the_database_stands(pg_url):
    import psycopg

    with psycopg.connect(pg_url) as conn:
        columns = conn.execute("select table_name, column_name, data_type from information_schema.columns "
                               "where table_schema = 'public'").fetchall()
        recorded = conn.execute("select version, name from schema_migrations").fetchall()
    held = {}
    for table, column, kind in columns:
        held.setdefault(table, {})[column] = kind
    for t in schema.TABLES.values():  # every history table holds the contract's columns, typed, and the batch
        expected = {c.name: postgres.PG_TYPES[c.type] for c in t.columns} | {"batch_id": "bigint"}
        assert held[f"{t.name}_history"] == expected, t.name
    assert recorded == [(1, "0001_store"), (2, "0002_private"), (3, "0003_account_scopes"),
                        (4, "0004_regions_of_shared_rows")]
    status = cli("db", "status", "--database-url", pg_url, data_dir="/nonexistent")
    assert status.returncode == 0 and "(à jour)" in status.stdout
    again = cli("db", "upgrade", "--database-url", pg_url, data_dir="/nonexistent")
    assert again.returncode == 0 and "Rien à faire" in again.stdout


def test_a_database_newer_than_the_code_or_not_upgraded_is_refused_in_french(pg_server, pg_url):
    import pgserver

    pg_server.sql("insert into schema_migrations (version, name) values (99, '0099_future')",
                  pg_url.rsplit("/", 1)[1])
    with pytest.raises(StoreError, match="plus récent que celui que connaît cette version"):
        PgStore(pg_url).manifest()
    run = cli("batches", store=PgStore(pg_url))
    assert run.returncode == 1 and "mettez l'application à jour" in run.stderr and "Traceback" not in run.stderr
    with pytest.raises(StoreError, match="plus récent"):
        postgres.upgrade(pg_url)

    bare = pgserver.new_database(pg_server)  # no migration applied yet
    with pytest.raises(StoreError, match="python -m cmq db upgrade"):
        PgStore(bare).accounts()
    assert cli("db", "upgrade", "--database-url", bare, data_dir="/nonexistent").returncode == 0
    assert PgStore(bare).accounts() == {}


def test_copy_to_postgres_and_back_answers_every_view_identically(demo_store, pg_url, tmp_path):
    pg = PgStore(pg_url)
    run = cli("store", "copy", "--from", str(demo_store.root), "--to", pg_url, data_dir="/nonexistent")
    assert run.returncode == 0, run.stderr
    assert "13 lot(s)" in run.stdout
    assert_same_views(demo_store, pg)
    assert pg.accounts() == demo_store.accounts()
    assert pg.manifest().get("kind") == demo_store.manifest().get("kind") and pg.campaigns() == demo_store.campaigns()
    # and back, into a new folder
    back = Store(tmp_path / "back")
    transfer.copy(pg, back)
    assert_same_views(pg, back)
    assert back.accounts() == demo_store.accounts()
    # a copy never merges into a store that holds something
    with pytest.raises(StoreError, match="n'est pas vide"):
        transfer.copy(demo_store, pg)
    # the copy goes on living: a commit after it takes the next batch number, on both sides
    rows = pd.DataFrame([{"campus_id": "AGT", "indicator_id": "AGT-I01", "year": 2019, "value": 7.0}])
    assert pg.commit("indicator_values", rows, user=ADMIN).batch_id == back.commit(
        "indicator_values", rows, user=ADMIN).batch_id == int(demo_store.manifest()["next_batch"])


WRITER = textwrap.dedent("""
    import sys, pandas as pd
    sys.path.insert(0, {root!r})
    from cmq.core.store.postgres import PgStore
    url, who = sys.argv[1], int(sys.argv[2])
    store = PgStore(url)
    for b in range(8):
        rows = [{{"campus_id": "AGT", "indicator_id": f"AGT-I0{{k}}", "year": 2019, "value": float(who * 100 + b)}}
                for k in range(1, 6)]  # the same five keys written by every process
        rows.append({{"campus_id": "AGT", "indicator_id": f"AGT-P{{who}}", "year": 2000 + b, "value": 1.0}})
        store.commit("indicator_values", pd.DataFrame(rows), user="admin", file_name=f"p{{who}}-b{{b}}.csv")
""")


def test_four_processes_commit_eight_batches_each_and_lose_nothing(any_empty_store, tmp_path):
    store = any_empty_store
    script = tmp_path / "writer.py"
    if isinstance(store, Store):
        script.write_text(WRITER.format(root=str(ROOT)).replace("from cmq.core.store.postgres import PgStore",
                                                                 "from cmq.core.store import Store as PgStore"))
        target = str(store.root)
    else:
        script.write_text(WRITER.format(root=str(ROOT)))
        target = store.url
    procs = [subprocess.Popen([sys.executable, str(script), target, str(who)], env=dict(os.environ))
             for who in range(4)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    batches = store.read("select batch_id, file_name from batches order by batch_id")
    assert batches["batch_id"].tolist() == list(range(1, 33)), "32 batches, numbered without gap nor repeat"
    assert batches["file_name"].nunique() == 32
    history = store.read("select * from indicator_values_history")
    assert len(history) == 32 * 6, "every row of every batch is kept"
    current = store.read("select indicator_id, year, value, batch_id from indicator_values")
    assert not current.duplicated(["indicator_id", "year"]).any(), "one current row per key"
    assert len(current) == 5 + 4 * 8
    last = history.sort_values("batch_id").groupby(["indicator_id", "year"]).last()
    for r in current.itertuples():  # each key holds what its last committed batch wrote
        assert r.value == last.loc[(r.indicator_id, r.year), "value"]


KILLED = textwrap.dedent("""
    import sys, time, pandas as pd
    sys.path.insert(0, {root!r})
    from cmq.core.store.postgres import PgStore
    url, marker = sys.argv[1], sys.argv[2]
    def pause():
        open(marker, "w").close()
        time.sleep(600)
    rows = pd.DataFrame([{{"campus_id": "AGT", "indicator_id": "AGT-I01", "year": 2018, "value": 12345.0}}])
    store = PgStore(url)
    swap = store._write_manifest  # the commit point: the writer is killed just before it
    store._write_manifest = lambda m: (pause(), swap(m))
    store.commit("indicator_values", rows, user="admin", file_name="tue.csv")
""")


def test_a_writer_killed_mid_commit_leaves_the_database_as_before(pg_demo_copy, tmp_path):
    store = pg_demo_copy
    before, version = views(store), store.version()
    script, marker = tmp_path / "killed.py", tmp_path / "paused"
    script.write_text(KILLED.format(root=str(ROOT)))
    proc = subprocess.Popen([sys.executable, str(script), store.url, str(marker)])
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the writer never reached its commit"
        time.sleep(0.05)
    # the batch's rows are written inside the open transaction: killed now, with its connection open
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert store.version() == version
    after = views(store)
    for name, df in before.items():
        pd.testing.assert_frame_equal(df, after[name], obj=name)
    # the server released the dead writer's lock: the next commit goes through at once
    fresh = PgStore(store.url, lock_timeout=30)
    rows = pd.DataFrame([{"campus_id": "AGT", "indicator_id": "AGT-I01", "year": 2018, "value": 95.0}])
    fresh.commit("indicator_values", rows, user=ADMIN)
    assert fresh.read("select value from indicator_values where indicator_id = 'AGT-I01' and year = 2018"
                      )["value"].tolist() == [95.0]


def test_a_restored_dump_answers_identically(pg_server, pg_demo_copy, tmp_path):
    import pgserver

    store = pg_demo_copy
    store.revert(int(store.read("select max(batch_id) as b from batches")["b"].iloc[0]), user=ADMIN)  # a revert too
    dump = tmp_path / "cmq.dump"
    done = pg_server.tool("pg_dump", "--format=custom", f"--file={dump}", store.url)
    assert done.returncode == 0, done.stderr
    restored = pgserver.new_database(pg_server)
    done = pg_server.tool("pg_restore", "--no-owner", f"--dbname={restored}", str(dump))
    assert done.returncode == 0, done.stderr
    copy = PgStore(restored)
    assert_same_views(store, copy)
    assert copy.accounts() == store.accounts() and copy.version() == store.version()


def test_pages_say_in_french_when_the_database_goes_away_and_recover_when_it_returns(demo_store, monkeypatch):
    import pgserver

    server = pgserver.Server()  # its own server: this test stops it
    try:
        url = pgserver.new_database(server)
        postgres.upgrade(url)
        transfer.copy(demo_store, PgStore(url))
        monkeypatch.setenv("CMQ_DATABASE_URL", url)
        monkeypatch.setattr(postgres, "POOL_WAIT", 2.0)

        def home():
            at = app_test()
            at.run()
            return at

        at = home()
        assert not at.exception and not at.error
        shown = [t.value for t in at.title] + [t.value for t in at.header] + [t.value for t in at.subheader]
        assert "Vue régionale des campus" in shown
        server.stop()
        at = home()
        assert not at.exception, "no traceback"
        assert at.error and "La base de données du magasin ne répond pas" in at.error[0].value
        server.start()
        deadline = time.monotonic() + 60
        while True:  # the pool reconnects on its own
            at = home()
            if not at.error or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert not at.exception and not at.error, "the pages come back once the database answers"
    finally:
        postgres.close_pool(os.environ.get("CMQ_DATABASE_URL", ""))
        server.close()


def test_the_command_line_on_postgres(pg_demo_copy, tmp_path):
    """What a coordinator types, with CMQ_DATABASE_URL set: import, batches, sql (read-only), query, export, revert,
    check, compact, snapshot."""
    store = pg_demo_copy
    values = tmp_path / "valeurs.csv"
    values.write_bytes("Code campus;Identifiant indicateur;Année;Valeur\r\nAGT;AGT-I01;2018;95\r\n".encode("cp1252"))
    run = cli("import", "indicator_values", str(values), "--user", "directeur-agt", store=store)
    assert run.returncode == 0, run.stdout + run.stderr
    listed = cli("batches", "--json", store=store)
    batch = pd.read_json(io.StringIO(listed.stdout))["batch_id"].max()
    assert batch == 14
    got = cli("sql", "select value from indicator_values where indicator_id = 'AGT-I01' and year = 2018", store=store)
    assert got.returncode == 0 and got.stdout.split() == ["value", "95.0"]
    refused = cli("sql", "delete from reach", store=store)
    assert refused.returncode == 1 and "Lecture seule" in refused.stderr
    outside = cli("sql", "select * from read_csv('/etc/passwd')", store=store)
    assert outside.returncode == 1 and "root:" not in outside.stdout
    query = cli("query", "reach_by_audience", "--param", "year=2018", "--format", "json", store=store)
    assert query.returncode == 0 and "lyceens" in query.stdout
    out = tmp_path / "dossier.xlsx"
    assert cli("export", "--scope", "region", "--year", "2018", "--format", "xlsx", "--out", str(out),
               store=store).returncode == 0 and out.stat().st_size > 5000
    assert cli("revert", str(batch), "--user", "directeur-agt", store=store).returncode == 0
    assert store.read("select value from indicator_values where indicator_id = 'AGT-I01' and year = 2018"
                      )["value"].tolist() == [88.0]
    check = cli("check", store=store)
    assert check.returncode == 0 and "schéma de la base à jour" in check.stdout
    compact = cli("compact", store=store)
    assert compact.returncode == 0 and "VACUUM ANALYZE" in compact.stdout
    folder = tmp_path / "instantane"
    assert cli("snapshot", "--out", str(folder), store=store).returncode == 0
    reach = pd.read_parquet(folder / "reach.parquet")
    assert len(reach) == len(store.current("reach")) and (folder / "batches.parquet").exists()
    for name in ("batches", "reach_history"):  # open data: no person's name unless asked
        assert not {"user_name", "reverted_by"} & set(pd.read_parquet(folder / f"{name}.parquet").columns)
    assert cli("snapshot", "--out", str(folder), "--avec-noms", store=store).returncode == 0
    assert "user_name" in pd.read_parquet(folder / "batches.parquet").columns


def test_the_demo_builds_on_postgres_as_on_the_embedded_store(pg_url, demo_store):
    run = cli("demo", store=PgStore(pg_url))
    assert run.returncode == 0 and "Démonstration construite : 13 fichiers" in run.stdout, run.stderr
    pg = PgStore(pg_url)
    mine, theirs = views(pg), views(demo_store)
    for name in schema.TABLES:  # the same rows, imported through the same path (only the batches' dates differ)
        pd.testing.assert_frame_equal(mine[name], theirs[name], obj=name)
    assert set(pg.accounts()) == set(demo_store.accounts()) >= {"admin", "comite", "directeur-agt", "direction-msi"}
    again = cli("demo", store=pg)
    assert again.returncode == 1 and "--force" in again.stderr


def test_a_busy_store_says_so_and_signing_in_does_not_wait(pg_demo_copy):
    """Another server holds the writers' lock (a long import): a write that cannot wait is refused in French, one that
    waits a second too, and signing in goes through meanwhile (the accounts have their own lock)."""
    import psycopg

    from cmq.core import auth

    url = pg_demo_copy.url
    rows = pd.DataFrame([{"campus_id": "AGT", "indicator_id": "AGT-I01", "year": 2018, "value": 1.0}])
    with psycopg.connect(url, autocommit=True) as other:
        other.execute("select pg_advisory_lock(%s)", [postgres.WRITERS_LOCK])
        for wait in (0, 1):
            with pytest.raises(StoreError, match="occupé par une autre écriture"):
                PgStore(url, lock_timeout=wait).commit("indicator_values", rows, user=ADMIN)
        account, message = auth.login(PgStore(url), "admin", "admin-demo-2018")
        assert account and account["name"] == "admin" and message == ""
    PgStore(url).commit("indicator_values", rows, user=ADMIN)  # released with the other server's connection


def test_the_session_key_and_the_accounts_are_the_application_roles_alone(pg_server, pg_demo_copy):
    """Another role of the same server (a reporting tool's, an analyst's) reads neither the accounts nor the key that
    signs session tokens: nothing is granted to PUBLIC on them (migration 0002)."""
    import psycopg

    store = pg_demo_copy
    store.session_secret()
    database = store.url.rsplit("/", 1)[1]
    pg_server.sql("do $$ begin if not exists (select from pg_roles where rolname = 'analyste') then "
                  "create role analyste login; end if; end $$")
    other = pg_server.url(database).replace("postgres@", "analyste@")
    with psycopg.connect(other, autocommit=True) as conn:
        for table in ("accounts", "store_documents"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select * from {table}")
