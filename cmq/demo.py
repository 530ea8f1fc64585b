"""Builds the store from data/demo through the normal import path."""
from __future__ import annotations

from pathlib import Path

from . import auth, ingest, schema

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
# One account per role, listed with their passwords on the login page of the demo store only.
DEMO_ACCOUNTS = [
    # name, role, campuses, password
    ("admin", "admin", [], "admin-demo-2018"),
    ("comite", "lecteur", [], "comite-demo-2018"),
    ("directeur-agt", "directeur", ["AGT"], "agt-demo-2018"),
]
DEMO_USER = "admin"  # the demo data is imported by the demo administrator


class DemoError(Exception):
    """The shipped demo files did not import cleanly."""


def build(store, demo_dir: Path = DEMO_DIR) -> list[ingest.Report]:
    """Create the demo accounts, then import every demo CSV as the demo administrator, references first;
    stop at the first rejected file."""
    if store.manifest().get("kind") == "real":
        raise DemoError("Ce magasin est un magasin réel (créé par « init ») : la démonstration ne s'y construit pas.")
    for name, role, campuses, password in DEMO_ACCOUNTS:
        store.put_account(auth.new_account(name, role, campuses, password, demo=True), replace=True)
    reports = []
    for name in schema.LOAD_ORDER:
        path = demo_dir / f"{name}.csv"
        rep = ingest.import_bytes(store, name, path.read_bytes(), path.name, user=DEMO_USER)
        if rep.status not in ("committed", "unchanged"):
            first = "; ".join(f"ligne {e['line']} {e['column']}: {e['message']}" for e in rep.errors[:5])
            raise DemoError(f"Le fichier de démonstration {path.name} est refusé : {first}")
        reports.append(rep)
    return reports
