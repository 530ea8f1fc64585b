"""Typed rows against the store's current rows: what a commit would add, change or leave as it is."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cmq.core.schema import Table

# ------------------------------------------------------------------ diff against the store


def key_text(t: Table, df: pd.DataFrame) -> pd.Series:
    """One comparable text per row for the key columns (2018, 2018.0 and "2018" are the same year)."""
    parts = []
    for k in t.key:
        col = df[k]
        if t.column(k).type == "int":
            col = pd.to_numeric(col, errors="coerce").astype("Int64")
        parts.append(col.astype(str).where(col.notna(), ""))
    return parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]


def _same_column(kind: str, new: pd.Series, old: pd.Series) -> pd.Series:
    """Cell by cell over a column: both unknown, or equal (numbers to 1e-9, dates by day)."""
    na_new, na_old = new.isna(), old.isna()
    both = ~na_new & ~na_old
    if kind in ("int", "float"):
        a = pd.to_numeric(new.where(both), errors="coerce").astype(float)
        b = pd.to_numeric(old.where(both), errors="coerce").astype(float)
        equal = (a - b).abs() < 1e-9
    elif kind == "date":
        equal = (pd.to_datetime(new.where(both), errors="coerce").dt.date
                 == pd.to_datetime(old.where(both), errors="coerce").dt.date)
    else:
        equal = new.where(both).astype(object) == old.where(both).astype(object)
    return (na_new & na_old) | (both & equal.fillna(False).astype(bool))


def diff(t: Table, rows: pd.DataFrame, current: pd.DataFrame, columns: list[str] | None = None
         ) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """Per row 'insert' | 'update' | 'same', the changed cells (old → new), and the rows to store.

    Columns the file does not have keep their current values: a file with only « Valeur » does not erase comments.
    Column by column over the whole file (a 100 000-row file is compared in a fraction of a second).
    """
    present = set(columns or t.names)
    keys = list(t.key)
    new = rows.reindex(columns=t.names).astype(object)
    old_rows = current.reindex(columns=t.names).astype(object)
    position = pd.Series(range(len(old_rows)), index=key_text(t, old_rows).values)
    position = position[~position.index.duplicated(keep="last")]
    found = key_text(t, new).map(position)
    exists = found.notna().values
    old = old_rows.iloc[found[exists].astype(int).values].set_index(rows.index[exists])
    merged = new.copy()
    changed = pd.DataFrame(False, index=rows.index[exists], columns=[c.name for c in t.columns if c.name not in keys])
    for c in t.columns:
        if c.name in keys:
            continue
        if c.name not in present:  # kept as it is
            merged.loc[exists, c.name] = old[c.name].values
        else:
            changed[c.name] = ~_same_column(c.type, new.loc[exists, c.name], old[c.name]).values
    kinds = pd.Series("insert", index=rows.index, dtype=object)
    kinds[exists] = np.where(changed.any(axis=1).values, "update", "same") if len(changed.columns) else "same"
    merged = merged.where(merged.notna(), None)
    return kinds, _changes(t, changed, new, old, merged), merged


def _changes(t: Table, changed: pd.DataFrame, new: pd.DataFrame, old: pd.DataFrame, merged: pd.DataFrame
             ) -> pd.DataFrame:
    """Every changed cell (key, column, old → new), row by row in the file's order, column by column: built a column
    at a time (a file that changes 100 000 rows is listed in a fraction of a second)."""
    columns = ["key", "column", "old", "new", "name"]
    rows = changed.index[changed.any(axis=1).values]
    if not len(rows):
        return pd.DataFrame(columns=columns)
    keys = list(t.key)
    key = new.loc[rows, keys[0]].astype(str)
    for k in keys[1:]:
        key = key + " · " + new.loc[rows, k].astype(str)
    position = pd.Series(range(len(rows)), index=rows)
    parts = []
    for order, name in enumerate(changed.columns):
        hit = rows[changed.loc[rows, name].values]
        if len(hit):
            parts.append(pd.DataFrame({"key": key[hit].values, "column": t.column(name).header,
                                       "old": old.loc[hit, name].values, "new": merged.loc[hit, name].values,
                                       "name": name, "_at": position[hit].values * len(changed.columns) + order}))
    return pd.concat(parts).sort_values("_at", kind="stable")[columns].reset_index(drop=True)
