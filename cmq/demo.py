"""Builds the store from data/demo through the normal import path."""
from __future__ import annotations

from pathlib import Path

from . import ingest, schema

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_USER = "démo (rapport d'activité 2018)"


class DemoError(Exception):
    """The shipped demo files did not import cleanly."""


def build(store, demo_dir: Path = DEMO_DIR) -> list[ingest.Report]:
    """Import every demo CSV, references first; stop at the first rejected file."""
    reports = []
    for name in schema.LOAD_ORDER:
        path = demo_dir / f"{name}.csv"
        rep = ingest.import_bytes(store, name, path.read_bytes(), path.name, user=DEMO_USER)
        if rep.status not in ("committed", "unchanged"):
            first = "; ".join(f"ligne {e['line']} {e['column']}: {e['message']}" for e in rep.errors[:5])
            raise DemoError(f"Le fichier de démonstration {path.name} est refusé : {first}")
        reports.append(rep)
    return reports
