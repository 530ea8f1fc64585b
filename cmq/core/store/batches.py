"""Writes of the store: batches committed, reverted, folded into snapshots, compacted."""
from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from cmq.core import permissions, schema
from cmq.core.store.files import (
    CommitResult,
    StoreError,
    columns_of,
    to_arrow,
)


class Batches:
    """Commit, revert, fold and compact (mixed into Store: uses its manifest and accounts)."""

    def commit(self, table_name: str, rows: pd.DataFrame, *, file_name: str = "", sha256: str = "",
               user: str = "", campus_id: str | None = None, counts: dict | None = None) -> CommitResult:
        """Record `rows` (already validated, canonical column names) as one batch of `table_name`."""
        t = schema.table(table_name)
        counts = counts or {}
        if campus_id is None and t.campus_column in rows.columns and len(rows) and rows[t.campus_column].notna().all() \
                and rows[t.campus_column].nunique() == 1:
            campus_id = str(rows[t.campus_column].iloc[0])  # a batch of one campus says so (its region's readers see it)
        with self._writing():
            self._check_scope(t, rows, user)
            m = self.manifest()
            pairs = _campus_years(t, rows)
            self._refuse_locked(m, pairs)
            self._mark_draft(m, pairs, user)
            batch_id = int(m["next_batch"])
            data = rows.copy()
            data["batch_id"] = batch_id
            record = pd.DataFrame([{
                "batch_id": batch_id, "table_name": table_name, "campus_id": campus_id,
                "region": self._region_of(t, rows) if campus_id is None or "," in str(campus_id) else None,
                "file_name": file_name, "sha256": sha256, "rows": int(counts.get("rows", len(rows))),
                "inserted": int(counts.get("inserted", len(rows))), "updated": int(counts.get("updated", 0)),
                "unchanged": int(counts.get("unchanged", 0)), "user_name": user,
                "committed_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            }])
            m["next_batch"] = batch_id + 1  # before the record: a snapshot it folds says it holds this batch
            retired = self._record_batch(m, table_name, batch_id, to_arrow(data, columns_of(t)),
                                         to_arrow(record, schema.BATCH_COLUMNS))
            self._write_manifest(m)
            if retired:  # files a folder's write replaced (a database retires none)
                self._remove(retired)
        return CommitResult(batch_id=batch_id, rows=len(rows))

    def revert(self, batch_id: int, *, user: str = "") -> None:
        """Mark a batch as reverted: the values it replaced come back."""
        with self._writing():
            con = self.connect(build=False)
            try:
                found = con.execute("select reverted_at, campus_id, table_name from batches where batch_id = $b",
                                    {"b": int(batch_id)}).fetchall()
            finally:
                con.close()
            if not found:
                raise StoreError(f"Le lot {batch_id} n'existe pas.")
            whose, pairs = self._batch_reach(found[0][2], int(batch_id))
            self.refuse(user, "revert", whose, consequence="l'import n'est pas annulé")
            if found[0][0] is not None:
                raise StoreError(f"Le lot {batch_id} est déjà annulé.")
            m = self.manifest()
            self._refuse_locked(m, pairs)
            self._mark_draft(m, pairs, user)  # a reverted batch changes the figures as much as a new one
            n = int(m.get("next_revert", 1))
            rec = pd.DataFrame([{"batch_id": int(batch_id),
                                 "reverted_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                                 "reverted_by": user}])
            m["next_revert"] = n + 1
            retired = self._record_revert(m, n, found[0][2], int(batch_id), to_arrow(rec, schema.REVERT_COLUMNS))
            self._write_manifest(m)
            if retired:  # files a folder's write replaced (a database retires none)
                self._remove(retired)

    def _check_scope(self, t, rows: pd.DataFrame, user: str) -> None:
        """The write door's check, whatever the backend: the account against every row written, every row it replaces
        and everything its rows point to (a French StoreError when refused)."""
        campuses, regional = set(), set()
        if t.campus_column and t.campus_column in rows.columns:
            # a row without campus concerns every campus ("": only a national administrator writes it), or, when it
            # names one, a whole region (its administrators write it)
            campuses = {str(c) for c in rows[t.campus_column].dropna().unique()}
            named = _regions_named(t, rows)
            regional = named - {None}
            campuses |= {""} if None in named else set()
        regions = None
        if t.name in permissions.IDENTITY_TABLES:  # the regions a campus's record names, and the ones it held
            held = self.campus_regions()
            regions = {str(r) for r in rows.get("region", pd.Series(dtype=object)).dropna()} | \
                {held[c] for c in campuses if c in held}
        self.refuse(user, "import", permissions.rows_of(t, campuses, regions, regional))
        mine = self.campuses_of(self.account(user))
        if mine is None:
            return  # a national account: nothing its rows replace or point to can refuse it
        owners = self._owners(t, rows)  # the campuses owning one row together: one of them is the account's is enough
        foreign = {c for owner in owners if not owner & mine for c in owner}
        self.refuse(user, "import", permissions.on(*foreign, touch="owned"))
        self.refuse(user, "import", permissions.Resource(frozenset(), touch="owned",
                                                         whole_regions=frozenset(self._regions_replaced(t, rows))))
        self.refuse(user, "import", permissions.on(*self._joined(t, rows), touch="joined"))

    def _regions_replaced(self, t, rows: pd.DataFrame) -> set[str]:
        """The regions whose own rows (no campus: a committee's milestones) these rows would replace."""
        if not t.region_column or rows.empty or not set(t.key) <= set(rows.columns):
            return set()
        con = self.connect(build=False)
        try:  # table and column names from the schema, the rows' keys a registered relation
            con.register("incoming", rows[list(t.key)].astype(object))
            on = " and ".join(f"c.{k} = i.{k}" for k in t.key)
            region = t.region_column
            return {r for (r,) in con.execute(f"select distinct c.{region} from {t.name} c semi join incoming i on {on} "
                                              f"where c.{t.campus_column} is null and c.{region} is not null").fetchall()}
        finally:
            con.close()

    def _region_of(self, t, rows: pd.DataFrame) -> str | None:
        """The one region every row of a batch concerns (by its campus, or, for a row of no campus, the region it
        names: a region's committee milestones), None when they concern several, none or the nation: a batch of
        several campuses of one region is its region's (its readers see it in their history)."""
        if not t.campus_column or t.campus_column not in rows.columns or rows.empty:
            return None
        held = self.campus_regions()
        if t.name in permissions.IDENTITY_TABLES:  # a campus's record names its region itself
            found = set(rows["region"])
        else:
            found = {held.get(str(c)) for c in rows[t.campus_column].dropna().unique()} | _regions_named(t, rows)
        return found.pop() if len(found) == 1 and None not in found else None

    def _joined(self, t, rows: pd.DataFrame) -> set[str]:
        """The campuses these rows name as co-carriers of an action where the action did not have them: a new
        association puts the action among that campus's actions and figures (it takes that campus's consent,
        recorded by an administrator)."""
        if not t.co_campus_column or t.co_campus_column not in rows.columns or rows.empty:
            return set()
        con = self.connect(build=False)
        try:
            con.register("incoming", rows[list(t.key)].astype(object))
            on = " and ".join(f"c.{k} = i.{k}" for k in t.key)  # names from the schema
            held = {tuple(r[:-1]): r[-1] for r in con.execute(
                f"select {', '.join('c.' + k for k in t.key)}, c.{t.co_campus_column} from {t.name} c "
                f"semi join incoming i on {on}").fetchall()}
        finally:
            con.close()
        added = set()
        for r in rows[[*t.key, t.co_campus_column]].itertuples(index=False):
            added |= schema.split_campuses(r[-1]) - schema.split_campuses(held.get(tuple(r[:-1])))
        return added

    def _batch_reach(self, table_name: str, batch_id: int) -> tuple[permissions.Resource, set[tuple[str, int]]]:
        """Whose rows a batch wrote, read from the rows themselves (never from what the caller recorded): each campus,
        "" (the nation) for a row without campus or a table common to every campus, the region a row of no campus
        names (its committee's milestones); and the (campus, year) pairs its rows belong to (what a campaign's lock
        and statuses look at)."""
        t = schema.TABLES.get(table_name)
        if t is None or not t.campus_column:
            return permissions.on(""), set()
        year = "year" if "year" in t.names else "null"
        region = t.region_column or "null"
        con = self.connect(build=False)
        try:  # names from the schema, the batch a parameter
            found = con.execute(f"select distinct {t.campus_column}, {year}, {region} from {t.name}_history "
                                "where batch_id = $b", {"b": batch_id}).fetchall()
        finally:
            con.close()
        campuses = {c or "" for c, _, r in found if c is not None or r is None}
        whole = frozenset(r for c, _, r in found if c is None and r is not None)
        whose = permissions.Resource(frozenset(campuses if campuses or whole else {""}), whole_regions=whole)
        return whose, {(c, int(y)) for c, y, _ in found if c is not None and y is not None}

    def _owners(self, t, rows: pd.DataFrame) -> set[frozenset]:
        """The campuses that own what these rows would touch: the current rows of the same keys (which they would
        replace), and the objectives, indicators and actions their columns point to (an action: its campus or any
        campus that carries it jointly)."""
        owners: set[frozenset] = set()
        if rows.empty:
            return owners
        # table and column names below come from the schema; the rows' values are a registered relation or $ids
        con = self.connect(build=False)
        try:
            if t.campus_column and set(t.key) <= set(rows.columns):
                con.register("incoming", rows[list(t.key)].astype(object))
                on = " and ".join(f"c.{k} = i.{k}" for k in t.key)
                regional = (f" where c.{t.region_column} is null or c.{t.campus_column} is not null"
                            if t.region_column else "")
                owners |= {frozenset(r) for r in con.execute(
                    f"select distinct c.{t.campus_column} from {t.name} c semi join incoming i on {on}{regional}"
                ).fetchall()}
            for c in t.columns:
                ref = schema.TABLES.get(c.ref[0]) if c.ref else None
                if ref is None or ref.campus_column is None or ref is t and c.name in t.key or c.name not in rows:
                    continue
                ids = rows[c.name].dropna().unique().tolist()
                if not ids:
                    continue
                co = ref.co_campus_column or "null"
                found = con.execute(f"select distinct {ref.campus_column}, {co} from {ref.name} "
                                    f"where {c.ref[1]} in (select unnest($ids))", {"ids": ids}).fetchall()
                owners |= {frozenset([campus, *schema.split_campuses(joint)]) for campus, joint in found}
        finally:
            con.close()
        return owners


def _regions_named(t, rows: pd.DataFrame) -> set[str | None]:
    """The regions the rows of no campus name (None: a row of no campus naming no region, the nation's)."""
    blank = rows[t.campus_column].isna()
    if not blank.any():
        return set()
    if t.region_column not in rows.columns:
        return {None}
    return {None if pd.isna(r) else str(r) for r in rows.loc[blank, t.region_column].unique()}


def _campus_years(t, rows: pd.DataFrame) -> set[tuple[str, int]]:
    """The (campus, year) pairs rows of a fact table belong to: what a campaign's lock and draft status look at."""
    if not t.campus_column or "year" not in rows.columns or t.campus_column not in rows.columns:
        return set()
    pairs = rows[[t.campus_column, "year"]].dropna().drop_duplicates()
    return {(str(c), int(y)) for c, y in pairs.itertuples(index=False)}
