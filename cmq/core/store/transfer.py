"""Moving a whole store between the two backends (`python -m cmq store copy`), and the Parquet snapshot of the canonical
views (`python -m cmq snapshot`).

A copy carries everything the store knows: every row ever committed with its batch, every batch record and revert,
the accounts, the campaigns and their steps, the store's kind (demo or real). Batch numbers are kept, so the copy's
history reads the same and its canonical views answer identically. The destination must be new (nothing ever
written): a copy never merges two stores."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cmq.core import schema
from cmq.core.store.files import BATCHES, REVERTS, StoreError

# what the canonical views are: the current rows of every table, their histories and the batches
CANONICAL = ["batches", *schema.TABLES, *(f"{t}_history" for t in schema.TABLES)]


def histories(store) -> dict[str, pa.Table]:
    """Every row ever written to the store, by relation (raw_batches, raw_reverts, raw_<table>), in batch order."""
    con = store.connect()
    try:
        out = {}
        for name, cols in [(BATCHES, schema.BATCH_COLUMNS), (REVERTS, schema.REVERT_COLUMNS),
                           *((t.name, [(c.name, c.type) for c in t.columns] + [("batch_id", "int")])
                             for t in schema.TABLES.values())]:
            relation = f"raw{name}" if name.startswith("_") else f"raw_{name}"
            order = "batch_id, reverted_at" if name == REVERTS else "batch_id"
            out[name] = con.sql(f"select {', '.join(n for n, _ in cols)} from {relation} order by {order}"
                                ).to_arrow_table()
        return out
    finally:
        con.close()


def copy(source, destination) -> dict[str, int]:
    """Copy store `source` into the new store `destination` (either backend each); returns rows copied by relation."""
    if not destination.is_pristine():
        raise StoreError(f"La destination {destination.where} n'est pas vide : une copie ne va que dans un magasin "
                         "neuf. Rien n'a été changé.")
    state = source.manifest()
    rows = histories(source)
    destination.load(rows, accounts=source.accounts(), campaigns=state.get("campaigns", []),
                     kind=state.get("kind"), next_batch=int(state["next_batch"]))
    return {name: t.num_rows for name, t in rows.items()}


PERSONAL = ("user_name", "reverted_by")  # who imported or reverted a batch: a person's name


def snapshot(store, out: Path, *, with_names: bool = False) -> list[Path]:
    """Every canonical view as one Parquet file in folder `out` (archives, open data, power users). Open data carries
    no person's name: the accounts that imported and reverted batches are left out unless `with_names`."""
    out.mkdir(parents=True, exist_ok=True)
    con = store.connect()
    written = []
    try:
        for name in CANONICAL:
            path = out / f"{name}.parquet"
            tbl = con.sql(f"select * from {name}").to_arrow_table()  # names from the schema
            if not with_names:
                tbl = tbl.drop_columns([c for c in PERSONAL if c in tbl.column_names])
            pq.write_table(tbl, path)
            written.append(path)
    finally:
        con.close()
    return written
