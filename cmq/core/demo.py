"""Builds the store from data/demo through the normal import path, only ever into a folder that holds nothing."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cmq import ROOT
from cmq.core import auth, ingest, permissions, schema
from cmq.core.store import Store, store_at

DEMO_DIR = ROOT / "data" / "demo"
# One account per role, listed with their passwords on the login page of the demo store only.
DEMO_ACCOUNTS = [
    # name, role, campuses, password
    ("admin", "admin", [], "admin-demo-2018"),
    ("comite", "lecteur", [], "comite-demo-2018"),
    ("directeur-agt", "directeur", ["AGT"], "agt-demo-2018"),
]
DEMO_USER = "admin"  # the demo data is imported by the demo administrator
# Addresses in a domain reserved for examples (RFC 2606): reminders show real messages on the demo, reach no one.
DEMO_EMAIL = "direction@{campus}.example.org"


def demo_directors(store) -> None:
    """Every demo campus has a director with an address (the listed AGT one, and one per other campus, who cannot
    sign in: no password), so that the campaign's reminders have someone to write to."""
    accounts = store.accounts()
    store.update_account("directeur-agt", email=DEMO_EMAIL.format(campus="agt"))
    directed = {c for a in accounts.values() for c in permissions.scope(a) or ()}
    for code in store.current("campuses")["campus_id"]:
        name = f"direction-{code.lower()}"
        if name not in accounts and code not in directed:
            store.put_account(auth.new_account(name, "directeur", [code], None, email=DEMO_EMAIL.format(
                campus=code.lower()), demo=True))


class DemoError(Exception):
    """The shipped demo files did not import cleanly."""


def refuse_if_real(store) -> None:
    """A store created by `init`, or holding a real account under a demo account's name, never gets the demo."""
    if store.manifest().get("kind") == "real":
        raise DemoError("Ce magasin est un magasin réel (créé par « init ») : la démonstration ne s'y construit pas, "
                        "rien n'a été changé.")
    accounts = store.accounts()
    taken = [name for name, *_ in DEMO_ACCOUNTS if name in accounts and not accounts[name].get("demo")]
    if taken:
        raise DemoError(f"Le compte « {taken[0]} » existe déjà et n'est pas un compte de démonstration : "
                        "la démonstration ne se construit pas ici, rien n'a été changé.")


def build(store, demo_dir: Path = DEMO_DIR) -> list[ingest.Report]:
    """Create the demo accounts, then import every demo CSV as the demo administrator, references first;
    stop at the first rejected file."""
    refuse_if_real(store)
    accounts = store.accounts()
    for name, role, campuses, password in DEMO_ACCOUNTS:
        if name not in accounts:  # an existing demo account keeps its password
            store.put_account(auth.new_account(name, role, campuses, password, demo=True,
                                               national=not permissions.ROLES[role].scoped))
    reports = []
    for name in schema.LOAD_ORDER:
        path = demo_dir / f"{name}.csv"
        rep = ingest.import_bytes(store, name, path.read_bytes(), path.name, user=DEMO_USER)
        if rep.status not in ("committed", "unchanged"):
            first = "; ".join(f"ligne {e['line']} {e['column']}: {e['message']}" for e in rep.errors[:5])
            raise DemoError(f"Le fichier de démonstration {path.name} est refusé : {first}")
        reports.append(rep)
    demo_directors(store)
    return reports


DEMO_SETTING = "CMQ_DEMO"  # "1": build the demo into an empty store (make run sets it); never by default


def wanted() -> bool:
    """The demo was asked for: CMQ_DEMO=1 (make run, `cmq serve --demo`). Otherwise an empty store stays empty:
    a production folder or database never gets the demo, nor its published passwords."""
    return os.environ.get(DEMO_SETTING, "").strip().lower() in ("1", "oui", "yes", "true")


def untouched(store) -> bool:
    """The store holds the demo exactly as built: every batch the demo administrator's import of a demo file, none
    reverted, one per table at most, and no real kind."""
    if store.is_empty() or store.manifest().get("kind") == "real":
        return False
    b = store.read("select table_name, file_name, user_name, reverted_at from batches order by batch_id", build=False)
    ok = (b["user_name"] == DEMO_USER) & (b["file_name"] == b["table_name"] + ".csv") & b["reverted_at"].isna()
    return not b.empty and bool(ok.all()) and not b["table_name"].duplicated().any()


def stale_files(store, demo_dir: Path = DEMO_DIR) -> list[str]:
    """The demo files that changed since an untouched demo store imported them (a newer release of the demo, or of
    the contract): their tables, in load order. Empty for a real store, a new one, or a demo store someone imported
    into or reverted in (it is theirs now: it is left as it is). Untouched: the demo's own build, one batch per
    table at most, each by the demo administrator from the table's demo file, none reverted."""
    if not untouched(store):
        return []
    b = store.read("select table_name, sha256 from batches order by batch_id", build=False)
    imported = b.groupby("table_name")["sha256"].last()
    return [name for name in schema.LOAD_ORDER
            if hashlib.sha256((demo_dir / f"{name}.csv").read_bytes()).hexdigest() != imported.get(name)]


def open_store(root=None, demo_dir: Path = DEMO_DIR, *, demo: bool | None = None) -> Store:
    """Open the store (`root`: a folder or a postgresql:// URL; by default store.location()); build the demo into it
    only when asked (`demo`, by default the CMQ_DEMO setting) and when it holds nothing at all (a folder with anything
    in it but no valid manifest is a damaged store: Store refuses it, in French). An untouched demo store whose files
    changed since it was built is made again from them through the import path, so that the demo never shows what its
    files no longer say."""
    store = store_at(root)
    if (wanted() if demo is None else demo) and store.is_pristine():
        # still nothing once the lock is held (another process may have built it meanwhile)
        store.write(lambda s: build(s, demo_dir) if s.is_empty() else None)
    store.manifest(), store.accounts()  # a damaged store is refused here, in French, before any command reads it
    if stale_files(store, demo_dir):
        store.write(lambda s: _rebuild(s, demo_dir) if stale_files(s, demo_dir) else None)
    return store


def _rebuild(store, demo_dir: Path) -> None:
    """Empty an untouched demo store and import the demo again: a row the new files no longer hold goes too (an import
    adds and changes rows, it never removes one). The accounts stay."""
    store.reset()
    build(store, demo_dir)
