"""A disk that fills during a commit: at every write the commit makes (each, in turn, the one that fails), the store is
either as before or as after — never between — and what the importer says matches what the store holds."""
from __future__ import annotations

import errno
import os
import shutil
import tempfile
import types

import pandas as pd

from cmq.core.store import Store, StoreError, files, folder

from conftest import ADMIN, admin_store, snapshot


class FillingDisk:
    """Stands for the `os` and `tempfile` modules of the store's file layer: every operation that takes space
    (creating a file, writing, fsync, renaming) is counted, and the `fail_at`-th one fails as a full disk does."""

    def __init__(self, fail_at: int | None):
        self.count, self.fail_at = 0, fail_at

    def tick(self):
        self.count += 1
        if self.count == self.fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")

    def modules(self):
        disk = self

        class File:
            def __init__(self, fh):
                self.fh = fh

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

            def write(self, data):
                disk.tick()
                return self.fh.write(data)

            def __getattr__(self, name):
                return getattr(self.fh, name)

        def mkstemp(**kw):
            disk.tick()
            return tempfile.mkstemp(**kw)

        def fsync(fd):
            disk.tick()
            return os.fsync(fd)

        def replace(a, b):
            disk.tick()
            return os.replace(a, b)

        kept = ("open", "close", "O_RDONLY", "fchmod", "chmod", "sep")
        fake_os = types.SimpleNamespace(**{n: getattr(os, n) for n in kept},
                                        fdopen=lambda fd, mode: File(os.fdopen(fd, mode)), fsync=fsync, replace=replace,
                                        environ=os.environ)
        return fake_os, types.SimpleNamespace(mkstemp=mkstemp)


def views(store: Store) -> dict:
    """What a reader sees of what the commit writes (every other file is checked whole by `check`): the funding's
    current rows and history, and the batches (but the time of the commit)."""

    def seen(name):
        df = store.read(f"select * from {name} order by all", build=False)
        return df.drop(columns=[c for c in ("committed_at", "reverted_at") if c in df]).to_csv(index=False)

    return {name: seen(name) for name in ("funding", "funding_history", "batches")}


FUNDING = pd.DataFrame([{"campus_id": "AGT", "year": 2019, "funder": "Région", "kind": "fonctionnement",
                         "amount_eur": 12000.0, "status": "acquis", "note": None}])


def test_a_disk_that_fills_at_any_write_of_a_commit_leaves_the_store_before_or_after(tmp_path, monkeypatch):
    # fold at every commit and merge segments early: a commit then writes its delta, the journal's, a frozen segment,
    # a merged one and a snapshot — every kind of file a commit can write
    monkeypatch.setattr(folder, "TAIL_MAX", 0)
    monkeypatch.setattr(folder, "SEGMENTS_MAX", 1)

    small = admin_store(tmp_path / "small")  # a store of several batches and segments, small enough to copy 40 times
    small.commit("campuses", pd.DataFrame([{"campus_id": c, "name": c, "region": "R", "sector": "S", "label": "standard"}
                                           for c in ("AGT", "MSI")]), user=ADMIN)
    for year in (2016, 2017, 2018):
        small.commit("funding", FUNDING.assign(year=year, amount_eur=1000.0 * year), user=ADMIN)

    def fresh(name: str) -> Store:
        root = tmp_path / name
        shutil.copytree(small.root, root, ignore=shutil.ignore_patterns("*.lock", "_catalogue"))
        return Store(root)

    reference = fresh("reference")
    before = views(reference)
    disk = FillingDisk(None)
    fake_os, fake_tempfile = disk.modules()
    with monkeypatch.context() as m:
        m.setattr(files, "os", fake_os)
        m.setattr(files, "tempfile", fake_tempfile)
        reference.commit("funding", FUNDING, user=ADMIN)
    after, writes = views(reference), disk.count
    assert after != before and writes >= 10, writes  # a commit of several files, each written in several steps

    outcomes = set()
    for k in range(1, writes + 1):
        s = fresh(f"k{k}")
        disk = FillingDisk(k)
        fake_os, fake_tempfile = disk.modules()
        with monkeypatch.context() as m:
            m.setattr(files, "os", fake_os)
            m.setattr(files, "tempfile", fake_tempfile)
            try:
                s.commit("funding", FUNDING, user=ADMIN)
                said = "enregistré"
            except StoreError as exc:
                said = str(exc)
        problems, _ = Store(s.root).check()
        assert problems == [], (k, problems)  # every file each copy of the manifest names is there, whole
        seen = views(Store(s.root))
        if said == "enregistré":
            assert seen == after, k  # a commit that says it is done is done
            outcomes.add("after")
        else:
            assert "le disque est plein" in said and "rien n'a été enregistré" in said, (k, said)
            assert seen == before, k  # « rien n'a été enregistré » is true
            assert not any(p.name.startswith(".tmp-") for p in s.root.rglob("*")), k  # no half-written file left
            outcomes.add("before")
        # the manifest's backup copy is whole too: restoring it never points at a missing file
        backup = Store(s.root)
        (s.root / "manifest.json").write_bytes((s.root / "manifest.backup.json").read_bytes())
        assert backup.check()[0] == [], k
    assert outcomes == {"before", "after"}  # the disk filled both before and after the commit point


def test_an_ordinary_commit_still_removes_what_it_retires(store_copy):
    """The folder does not grow with every import: every data file left is one the manifest names."""
    for year in (2019, 2020, 2021):
        store_copy.commit("funding", FUNDING.assign(year=year), user=ADMIN)
    named = set(store_copy.data_files(store_copy.manifest()))
    assert {p for p in snapshot(store_copy.root) if p.endswith(".parquet")} == named


def test_signing_in_on_a_full_disk_answers_in_french(data_dir, store_copy, monkeypatch):
    """The sign-in counts and the time of the last sign-in cannot be written: a right password still signs in, a
    wrong one is still answered, and no traceback reaches the login page."""
    from cmq.core import auth
    from cmq.core.store import folder as accounts

    from conftest import app_test

    def full(path, write, replaced=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    import cmq.core.store as store_module

    monkeypatch.setattr(accounts, "atomic_write_bytes", full)
    monkeypatch.setattr(store_module, "atomic_write_bytes", full)
    assert auth.login(store_copy, "comite", "mauvais-mot-de-passe")[1] == "Nom de compte ou mot de passe incorrect."
    account, message = auth.login(store_copy, "comite", "comite-demo-2018")
    assert account and account["name"] == "comite" and message == ""
    at = app_test(None).run()
    at.text_input(key="login_name").input("comite")
    at.text_input(key="login_password").input("comite-demo-2018")
    at.button[0].click().run()
    assert not at.exception and at.title[0].value == "Vue régionale des campus"
