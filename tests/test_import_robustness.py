"""The importer never raises on any bytes, survives SIGKILL mid-import, and lets campuses import at once."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmq.core import auth, ingest
from cmq.core.store import Store

from conftest import ROOT

VALID = ("Code campus;Identifiant indicateur;Année;Valeur;Cible;Commentaire\r\n"
         "AGT;AGT-I01;2019;1 234,5;1 500;« très » bien\r\n"
         "AGT;AGT-I04;2019;3;;\r\n"
         "MSI;MSI-I01;2019;14;20;visites\r\n").encode("cp1252")


@pytest.fixture(scope="module")
def context(demo_store):
    return ingest.Context.from_store(demo_store)


def _assert_sane(rep: ingest.Report):
    assert rep.status in ("rejected", "valid", "unchanged")
    if rep.status == "rejected":
        assert rep.errors and all(isinstance(e["message"], str) and e["message"] for e in rep.errors)
    else:
        assert not rep.errors
        for v in rep.rows["value"]:
            assert v is None or isinstance(v, float)
        assert set(rep.rows["campus_id"]) <= {"AGT", "MSI"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(demo_store, context, data):
    _assert_sane(ingest.check(demo_store, "indicator_values", data, "x.csv", context=context))


@st.composite
def mutated(draw):
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "swap_sep"]))
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "replace" and data:
            data[i] = draw(st.sampled_from(list(b";,\t\r\n\"0123456789 ,.-\xa0\x80\xe9abcAGT")))
        elif op == "insert":
            data[i:i] = draw(st.sampled_from([b";", b"\r\n", b'"', b"oui", b"\xef\xbb\xbf", b"\x00", b"1.234,5", b"2100"]))
        elif op == "delete" and data:
            del data[i:i + draw(st.integers(1, 5))]
        else:
            data = bytearray(bytes(data).replace(b";", b"\t"))
    return bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated())
def test_mutations_of_a_valid_file_are_accepted_or_explained(demo_store, context, data):
    _assert_sane(ingest.check(demo_store, "indicator_values", data, "x.csv", context=context))


def test_the_unmutated_file_is_valid(demo_store, context):
    rep = ingest.check(demo_store, "indicator_values", VALID, "x.csv", context=context)
    assert rep.status == "valid" and rep.rows["value"].tolist() == [1234.5, 3.0, 14.0]


def _big_store(store: Store, tmp_path, n_indicators: int):
    """Give AGT many indicators so that a values file can be large."""
    lines = ["Identifiant indicateur;Code campus;Identifiant objectif;Intitulé;Unité;Sens;Cumulatif"]
    lines += [f"AGT-X{i};AGT;AGT-S1;Indicateur {i};nombre;hausse;non" for i in range(n_indicators)]
    rep = ingest.import_bytes(store, "indicators", "\n".join(lines).encode(), "ind.csv", user="admin")
    assert rep.status == "committed", rep.errors[:3]
    values = tmp_path / "valeurs.csv"
    rows = [f"AGT;AGT-X{i};2019;{i},5;" for i in range(n_indicators)]
    values.write_bytes(("Code campus;Identifiant indicateur;Année;Valeur;Commentaire\r\n" + "\r\n".join(rows)).encode("cp1252"))
    return values


def _cli(args, data_dir):
    env = dict(os.environ, CMQ_DATA_DIR=str(data_dir))
    return subprocess.Popen([sys.executable, "-m", "cmq", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _values_state(store: Store):
    return tuple(store.read("select count(*) n, coalesce(sum(value), 0) s from indicator_values").iloc[0])


def test_sigkill_during_import_leaves_before_or_after(store_copy, tmp_path):
    n = 30_000
    values = _big_store(store_copy, tmp_path, n)
    before = _values_state(store_copy)
    after = (before[0] + n, before[1] + sum(i + 0.5 for i in range(n)))
    rng = random.Random(4)
    seen = []
    for _ in range(5):
        proc = _cli(["import", "indicator_values", str(values), "--user", "admin"], store_copy.root)
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = _values_state(store_copy)
        assert state[0] in (before[0], after[0]) and abs(state[1] - (after[1] if state[0] == after[0] else before[1])) < 1e-6
        seen.append(state[0] == after[0])
        if seen[-1]:
            last = int(store_copy.read("select max(batch_id) b from batches")["b"].iloc[0])
            store_copy.revert(last, user="admin")
    # the file itself is fine: without a kill it goes in
    done = _cli(["import", "indicator_values", str(values), "--json", "--user", "admin"], store_copy.root)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert _values_state(store_copy)[0] == after[0]


def test_campuses_import_at_the_same_time(store_copy, tmp_path):
    files = {}
    for campus, inds in (("AGT", ["AGT-I01", "AGT-I04", "AGT-I05"]), ("MSI", ["MSI-I01", "MSI-I02"]), ("TI", ["TI-I01"])):
        rows = [f"{campus};{i};{y};{1 if campus == 'TI' else y - 2000}" for i in inds for y in range(2019, 2031)]
        f = tmp_path / f"{campus}.csv"
        f.write_text("Code campus;Identifiant indicateur;Année;Valeur\n" + "\n".join(rows), encoding="utf-8")
        files[campus] = (f, len(rows))
    for c in files:
        store_copy.put_account(auth.new_account(f"directeur-{c}", "directeur", [c]), replace=True)
    procs = [_cli(["import", "indicator_values", str(f), "--campus", c, "--user", f"directeur-{c}", "--json"], store_copy.root)
             for c, (f, _) in files.items()]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], "\n".join(r[1] for r in results)
    got = store_copy.read("select campus_id, count(*) n from indicator_values where year >= 2019 group by 1")
    assert dict(zip(got["campus_id"], got["n"])) == {c: n for c, (_, n) in files.items()}
    users = set(store_copy.read("select user_name from batches")["user_name"])
    assert {"directeur-AGT", "directeur-MSI", "directeur-TI"} <= users
