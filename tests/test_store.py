"""The store: atomic batches, latest wins, revert, compaction, crash safety, concurrent writers."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from cmq.core import auth, schema
from cmq.core.store import Store, StoreError

from conftest import ADMIN, ROOT, admin_store, snapshot


def values(rows: list[tuple]) -> pd.DataFrame:
    """indicator_values rows from (indicator_id, year, value)."""
    return pd.DataFrame([{"campus_id": "AGT", "indicator_id": i, "year": y, "value": v, "target": None,
                          "comment": None, "source": "test"} for i, y, v in rows])


def value_of(store: Store, indicator: str, year: int):
    got = store.read("select value, batch_id from indicator_values where indicator_id = $i and year = $y",
                     {"i": indicator, "y": year})
    return None if got.empty else got["value"].iloc[0]


def test_commit_then_correction_latest_wins(any_empty_store):
    s = any_empty_store
    b1 = s.commit("indicator_values", values([("AGT-I01", 2019, 10.0), ("AGT-I02", 2019, 5.0)]), user=ADMIN).batch_id
    b2 = s.commit("indicator_values", values([("AGT-I01", 2019, 12.0)]), user=ADMIN).batch_id
    assert b2 > b1
    assert value_of(s, "AGT-I01", 2019) == 12.0
    assert value_of(s, "AGT-I02", 2019) == 5.0  # untouched by the correction
    hist = s.read("select value, batch_id from indicator_values_history where indicator_id = 'AGT-I01' order by batch_id")
    assert hist["value"].tolist() == [10.0, 12.0], "history keeps every version with its batch"


def test_revert_restores_previous_values_and_stays_visible(any_empty_store):
    s = any_empty_store
    for name in ("alice", "bob"):
        s.put_account(auth.new_account(name, "admin", national=True))
    s.commit("indicator_values", values([("AGT-I01", 2019, 10.0)]), user="alice", file_name="a.csv")
    bad = s.commit("indicator_values", values([("AGT-I01", 2019, 999.0), ("AGT-I03", 2019, 1.0)]), user="bob").batch_id
    s.revert(bad, user="alice")
    assert value_of(s, "AGT-I01", 2019) == 10.0
    assert value_of(s, "AGT-I03", 2019) is None, "a row the reverted batch inserted disappears"
    batches = s.read("select batch_id, user_name, reverted_at, reverted_by from batches order by batch_id")
    assert len(batches) == 2
    row = batches.set_index("batch_id").loc[bad]
    assert row["user_name"] == "bob" and row["reverted_by"] == "alice" and row["reverted_at"] is not None
    with pytest.raises(StoreError, match="déjà annulé"):
        s.revert(bad, user="bob")
    with pytest.raises(StoreError, match="n'existe pas"):
        s.revert(12345, user="bob")


def test_every_fact_row_keeps_its_batch(demo_store):
    for table in ("indicator_values", "actions", "reach", "funding", "criteria_assessments"):
        rows = demo_store.current(table)
        assert len(rows) and rows["batch_id"].notna().all(), table


def test_compaction_merges_files_without_losing_history(tmp_path):
    s = admin_store(tmp_path)
    for v in range(20):
        s.commit("indicator_values", values([("AGT-I01", 2019, float(v)), (f"AGT-I{v + 10:02d}", 2019, 1.0)]), user=ADMIN)
    s.revert(20, user=ADMIN)
    before = s.read("select * from indicator_values order by indicator_id")
    hist_before = s.read("select count(*) n from indicator_values_history")["n"].iloc[0]
    merged = s.compact()
    assert merged.get("indicator_values", 1) >= 1
    assert len(list((tmp_path / "indicator_values").glob("*.parquet"))) == 1
    pd.testing.assert_frame_equal(before, s.read("select * from indicator_values order by indicator_id"))
    assert s.read("select count(*) n from indicator_values_history")["n"].iloc[0] == hist_before
    assert value_of(s, "AGT-I01", 2019) == 18.0, "batch 20 stays reverted after compaction"
    s.revert(19, user=ADMIN)  # batches can still be reverted after compaction
    assert value_of(s, "AGT-I01", 2019) == 17.0


def _brute_force(s: Store) -> pd.DataFrame:
    """What the current view must say: the latest non-reverted row per key, computed from the whole history."""
    hist = s.read("select indicator_id, year, value, batch_id from indicator_values_history where not reverted")
    latest = hist.sort_values("batch_id").drop_duplicates(["indicator_id", "year"], keep="last")
    return latest.sort_values(["indicator_id", "year"]).reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_many_batches_fold_into_snapshots_and_stay_correct(tmp_path, monkeypatch, seed):
    from cmq.core.store import folder

    monkeypatch.setattr(folder, "TAIL_MAX", 4)
    monkeypatch.setattr(folder, "SEGMENTS_MAX", 3)
    rng = random.Random(seed)
    s = admin_store(tmp_path)
    committed = []
    for step in range(60):
        if committed and rng.random() < 0.2:  # revert an old or a recent batch, inside or after the snapshot
            b = committed.pop(rng.randrange(len(committed)))
            s.revert(b, user=ADMIN)
        else:
            rows = [(f"AGT-I{rng.randrange(8):02d}", rng.choice([2018, 2019]), float(step)) for _ in range(rng.randint(1, 3))]
            committed.append(s.commit("indicator_values", values(list({r[:2]: r for r in rows}.values())), user=ADMIN).batch_id)
        if step % 7 == 0:
            current = s.read("select indicator_id, year, value, batch_id from indicator_values order by indicator_id, year")
            pd.testing.assert_frame_equal(current, _brute_force(s), check_dtype=False)
    current = s.read("select indicator_id, year, value, batch_id from indicator_values order by indicator_id, year")
    pd.testing.assert_frame_equal(current, _brute_force(s), check_dtype=False)
    # the folds kept the number of files small: a few history segments (the last one the delta), one snapshot
    assert len(list((tmp_path / "indicator_values").glob("*.parquet"))) <= 3 + 1  # SEGMENTS_MAX, then merged
    assert len(list((tmp_path / "_batches").glob("*.parquet"))) <= 3 + 1
    assert len(list((tmp_path / "_current" / "indicator_values").glob("*.parquet"))) == 1
    assert len(s.read("select * from batches")) == s.manifest()["next_batch"] - 1  # no batch lost in the merges
    s.compact()
    pd.testing.assert_frame_equal(
        s.read("select indicator_id, year, value, batch_id from indicator_values order by indicator_id, year"),
        current, check_dtype=False)


def test_orphan_files_from_a_crash_are_ignored(tmp_path):
    s = admin_store(tmp_path)
    s.commit("indicator_values", values([("AGT-I01", 2019, 1.0)]), user=ADMIN)
    # a data file written but never recorded in the manifest (as a crash before the commit point leaves it)
    written = next((tmp_path / "indicator_values").glob("*.parquet"))
    (tmp_path / "indicator_values" / "d00000099.parquet").write_bytes(written.read_bytes())
    assert len(s.current("indicator_values")) == 1
    s.commit("indicator_values", values([("AGT-I02", 2019, 2.0)]), user=ADMIN)
    assert len(s.current("indicator_values")) == 2


WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    import pandas as pd
    from cmq.core.store import Store
    store, n, mode = Store(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    df = pd.DataFrame({{"campus_id": "AGT", "indicator_id": [f"X{{i}}" for i in range(n)], "year": 2019,
                       "value": [float(i) for i in range(n)], "target": None, "comment": "c" * 40, "source": "kill"}})
    def pause():
        print("PAUSED", flush=True)
        time.sleep(60)
    print("START", flush=True)
    if mode == "pause":  # the writer is killed just before the commit point, its data files written
        swap = store._write_manifest
        store._write_manifest = lambda m: (pause(), swap(m))
    store.commit("indicator_values", df, file_name="big.csv", user="admin")
    print("DONE", flush=True)
""")


def _writer(tmp_path, store_root, n, mode):
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT)))
    return subprocess.Popen([sys.executable, str(script), str(store_root), str(n), mode],
                            stdout=subprocess.PIPE, text=True)


def _state(s: Store):
    return tuple(s.read("select count(*) as n, coalesce(sum(value), 0) as v from indicator_values").iloc[0])


def test_sigkill_between_data_and_commit_point_leaves_store_unchanged(store_copy, tmp_path):
    before_state, before_files = _state(store_copy), snapshot(store_copy.root)
    proc = _writer(tmp_path, store_copy.root, 50_000, "pause")
    assert proc.stdout.readline().strip() == "START"
    assert proc.stdout.readline().strip() == "PAUSED"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _state(store_copy) == before_state
    assert snapshot(store_copy.root)["manifest.json"] == before_files["manifest.json"]
    # and the store still takes commits afterwards (the lock died with the process)
    store_copy.commit("indicator_values", values([("AGT-I01", 2030, 3.0)]), user=ADMIN)
    assert value_of(store_copy, "AGT-I01", 2030) == 3.0


def test_sigkill_at_random_moments_leaves_before_or_after(store_copy, tmp_path):
    rng = random.Random(2018)
    n = 200_000
    before = _state(store_copy)
    after = (before[0] + n, before[1] + sum(range(n)))
    outcomes = set()
    for _ in range(6):
        proc = _writer(tmp_path, store_copy.root, n, "run")
        assert proc.stdout.readline().strip() == "START"
        time.sleep(rng.uniform(0.0, 0.8))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        state = _state(store_copy)
        assert state in (before, after), state
        outcomes.add(state == after)
        if state == after:
            store_copy.revert(int(store_copy.read("select max(batch_id) b from batches")["b"].iloc[0]), user=ADMIN)
            assert _state(store_copy) == before


CONCURRENT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    import pandas as pd
    from cmq.core import auth, schema
    from cmq.core.store import Store
    store, who = Store(sys.argv[1]), int(sys.argv[2])
    store.put_account(auth.new_account(f"writer{{who}}", "directeur", ["AGT"]))
    for k in range(8):
        df = pd.DataFrame([{{"campus_id": "AGT", "indicator_id": f"W{{who}}-{{k}}-{{i}}", "year": 2019, "value": 1.0,
                            "target": None, "comment": None, "source": "c"}} for i in range(50)])
        store.commit("indicator_values", df, file_name=f"w{{who}}-{{k}}.csv", user=f"writer{{who}}")
""")


def test_concurrent_writers_lose_nothing(tmp_path):
    script = tmp_path / "conc.py"
    script.write_text(CONCURRENT.format(root=str(ROOT)))
    root = tmp_path / "store"
    procs = [subprocess.Popen([sys.executable, str(script), str(root), str(w)]) for w in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    s = Store(root)
    assert len(s.current("indicator_values")) == 4 * 8 * 50
    b = s.read("select batch_id, user_name from batches")
    assert len(b) == 32 and b["batch_id"].is_unique
    assert sorted(b["user_name"].value_counts().tolist()) == [8, 8, 8, 8]


def test_reset_empties_the_store_and_versions_keep_growing(store_copy):
    v = store_copy.version()
    store_copy.reset()
    assert store_copy.current("campuses").empty
    assert store_copy.version() > v


def test_compact_command_keeps_every_current_row(store_copy):
    from conftest import cli

    def rows(t):
        df = store_copy.current(t)  # batch_id included: each row still names the batch that set it
        return df.sort_values(list(schema.table(t).key)).reset_index(drop=True)

    before = {t: rows(t) for t in ("reach", "funding", "actions")}
    r = cli("compact", data_dir=store_copy.root)
    assert r.returncode == 0 and r.stdout.startswith("Compacté : ")
    for t, df in before.items():
        pd.testing.assert_frame_equal(df, rows(t))
    assert cli("compact", data_dir=store_copy.root).stdout.strip() == "Rien à compacter."


def _every_table(con) -> dict[str, pd.DataFrame]:
    names = list(schema.TABLES) + ["batches"] + [f"{t}_history" for t in schema.TABLES]
    return {n: con.execute(f"select * from {n} order by all").df() for n in names}


def test_catalogue_answers_like_the_parquet_files_through_commits_reverts_and_compaction(store_copy):
    """Pages read the version's catalogue (native tables, rebuilt table by table from the previous one); it must say
    exactly what the Parquet files say, whatever happened since the previous version."""
    s = store_copy
    msi = s.current("reach").query("campus_id == 'MSI'").drop(columns="batch_id").head(3)
    steps = [
        lambda: s.commit("reach", msi.assign(count=msi["count"] + 7), user="admin"),
        lambda: s.commit("indicator_values", values([("AGT-I01", 2019, 42.0)]), user="admin"),
        lambda: s.revert(s.read("select max(batch_id) as b from batches")["b"].iloc[0], user="admin"),
        lambda: s.revert(1, user="admin"),  # a batch inside the snapshot
        lambda: s.compact(),
    ]
    for step in steps:
        step()
        con = s.connect()
        try:
            assert con.execute("select current_setting('access_mode')").fetchone()[0] == "read_only"
            assert con.execute("select count(*) from duckdb_tables() where table_name = 'reach' "
                               "and schema_name = 'main'").fetchone()[0] == 1, \
                "reach is read from a native table of the catalogue"
            seen = _every_table(con)
        finally:
            con.close()
        files = s._views(s.manifest())
        try:
            expected = _every_table(files)
        finally:
            files.close()
        for name, df in expected.items():
            pd.testing.assert_frame_equal(seen[name], df, check_dtype=False, obj=name)
    catalogues = list((s.root / "_catalogue").glob("v*.duckdb"))
    assert len(catalogues) <= 2, "older versions' catalogues are removed"


def test_a_damaged_or_moved_catalogue_is_rebuilt(store_copy, tmp_path):
    s = store_copy
    def reach():  # in key order: the Parquet views and a catalogue table may hand rows out in different orders
        return s.current("reach").sort_values(list(schema.table("reach").key)).reset_index(drop=True)

    before = reach()
    path = s._catalogue_path(s.manifest())
    assert path.exists()
    path.write_bytes(b"not a database" * 100)  # a disk error, or a file from another DuckDB version
    pd.testing.assert_frame_equal(reach(), before)
    assert s.read("select count(*) as n from reach")["n"].iloc[0] == len(before)
    # the store moved (restored elsewhere): histories are read from the new place, not the old one
    moved = tmp_path / "moved"
    s.root.rename(moved)
    m = Store(moved)
    assert len(m.read("select * from reach_history")) >= len(before)
    assert m._catalogue_path(m.manifest()).exists() and m._catalogue_path(m.manifest()).name != path.name


def test_a_truncated_catalogue_is_rebuilt_and_named_by_check(store_copy):
    """Half a catalogue file (a disk error): reads answer as before, `check` names it, `check --repair` removes it."""
    s = store_copy
    before = s.read("select count(*) as n from reach")["n"].iloc[0]
    path = s._catalogue_path(s.manifest())
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    problems, repairs = Store(s.root).check()
    assert any("catalogue de lecture" in p and "endommagé" in p for p in problems), problems
    assert Store(s.root).repair() and not path.exists()
    path_again = Store(s.root)._catalogue_path(s.manifest())
    assert Store(s.root).read("select count(*) as n from reach")["n"].iloc[0] == before and path_again.exists()
    path_again.write_bytes(path_again.read_bytes()[: path_again.stat().st_size // 2])
    fresh = Store(s.root)
    for name in ["batches", *schema.TABLES]:  # a read that meets the damage rebuilds the catalogue itself
        assert len(fresh.read(f"select * from {name}")) == len(s.current(name) if name != "batches" else
                                                              s.read("select * from batches", build=False))
    assert Store(s.root).check() == ([], [])


def test_reads_go_on_while_the_catalogue_cache_is_deleted(any_store_copy):
    """An operator (or a temporary-files cleaner) deletes the catalogue folder again and again while pages read: every
    read answers, none fails with DuckDB's or filelock's English."""
    import shutil
    import threading

    from cmq.core import queries

    s = any_store_copy
    expected = len(queries.run("reach_rows", store=s, year=2018, campuses=None))
    stop, failures, answers = threading.Event(), [], []

    def read():
        while not stop.is_set():
            try:
                answers.append(len(queries.run("reach_rows", store=s, year=2018, campuses=None)))
            except Exception as exc:  # what a page would show
                failures.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for r in readers:
        r.start()
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        shutil.rmtree(s.root / "_catalogue", ignore_errors=True)
        time.sleep(1)
    stop.set()
    for r in readers:
        r.join()
    assert failures == [] and answers and set(answers) == {expected}
