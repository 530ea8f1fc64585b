"""Writes of the store: batches committed, reverted, folded into snapshots, compacted."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cmq.core import permissions, schema
from cmq.core.store.files import (
    BACKUP,
    BATCHES,
    CURRENT,
    DELTA_ROWS_MAX,
    MANIFEST,
    REVERTS,
    SEGMENTS_MAX,
    TAIL_MAX,
    CommitResult,
    StoreError,
    columns_of,
    read_json,
    to_arrow,
    undo_on_failure,
    write_failed,
    write_parquet,
)


class Batches:
    """Commit, revert, fold and compact (mixed into Store: uses its manifest and accounts)."""

    def commit(self, table_name: str, rows: pd.DataFrame, *, file_name: str = "", sha256: str = "",
               user: str = "", campus_id: str | None = None, counts: dict | None = None) -> CommitResult:
        """Record `rows` (already validated, canonical column names) as one batch of `table_name`."""
        t = schema.table(table_name)
        counts = counts or {}
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
                "file_name": file_name, "sha256": sha256, "rows": int(counts.get("rows", len(rows))),
                "inserted": int(counts.get("inserted", len(rows))), "updated": int(counts.get("updated", 0)),
                "unchanged": int(counts.get("unchanged", 0)), "user_name": user,
                "committed_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            }])
            m["next_batch"] = batch_id + 1  # before the record: a snapshot it folds says it holds this batch
            retired = self._record_batch(m, table_name, batch_id, to_arrow(data, columns_of(t)),
                                         to_arrow(record, schema.BATCH_COLUMNS))
            self._write_manifest(m)
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
            campuses, pairs = self._batch_reach(found[0][2], int(batch_id))
            self.refuse(user, "revert", permissions.on(*campuses), consequence="l'import n'est pas annulé")
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
            self._remove(retired)

    def _check_scope(self, t, rows: pd.DataFrame, user: str) -> None:
        """The write door's check, whatever the backend: the account against every row written, every row it replaces
        and everything its rows point to (a French StoreError when refused)."""
        campuses = set()
        if t.campus_column and t.campus_column in rows.columns:
            # a row without campus concerns the whole region ("": only an administrator writes it)
            campuses = {"" if pd.isna(c) else str(c) for c in rows[t.campus_column]}
        self.refuse(user, "import", permissions.rows_of(t, campuses))
        if permissions.scope(self.account(user)) is None:
            return  # an account bounded by no campus: nothing its rows replace or point to can refuse it
        owners = self._owners(t, rows)  # the campuses owning one row together: one of them is the account's is enough
        mine = permissions.scope(self.account(user))
        foreign = {c for owner in owners if not owner & mine for c in owner}
        self.refuse(user, "import", permissions.on(*foreign, touch="owned"))
        self.refuse(user, "import", permissions.on(*self._joined(t, rows), touch="joined"))

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

    def _record_batch(self, m: dict, table_name: str, batch_id: int, rows: pa.Table, record: pa.Table) -> list[str]:
        """Write a batch's rows and its record (not yet committed: the manifest swap does); returns retired files."""
        retired = self._append(m, table_name, batch_id, rows)
        retired += self._append(m, BATCHES, batch_id, record)
        return retired + self._fold(m, table_name) + self._fold(m, BATCHES)

    def _record_revert(self, m: dict, n: int, table_name: str, batch_id: int, rec: pa.Table) -> list[str]:
        """Write revert number `n` of a batch of `table_name` (committed by the manifest swap); returns retired files."""
        retired = self._append(m, REVERTS, n, rec)
        retired += self._fold(m, REVERTS)
        if m.get("current", {}).get(table_name, {}).get("upto", 0) >= batch_id:
            retired += self._fold(m, table_name, force=True)  # the reverted rows are in the snapshot: rebuild it
        return retired

    def compact(self) -> dict:
        """Merge each table's files into one file, keeping every row and its batch_id, and rebuild its snapshot.
        Returns how many files each table it changed had (a table already in one file with no delta is left)."""
        with self._writing():
            m = self.manifest()
            current = m.get("current", {})
            merged = {name: len(rels) for name, rels in m["files"].items()
                      if len(rels) >= 2 or current.get(name, {}).get("delta")}
            retired = []
            for name in merged:
                retired += self._fold(m, name, force=True, merge_all=True)
            if merged:
                self._write_manifest(m)
                self._remove(retired)
        return merged

    @contextmanager
    def _writing(self):
        """The writers' lock for one write; if the write fails, the data files it made are removed (no manifest
        names them) and a disk or value problem comes out as a French StoreError."""
        with self._lock:
            self._start()
            if damaged := self.damaged_files(self.manifest()):  # each file hashed once per process
                raise StoreError("Rien n'a été enregistré : le magasin a un fichier de données endommagé, sur lequel "
                                 "aucune écriture ne doit s'appuyer. " + " ".join(self.damage_report(self.manifest(), damaged))
                                 + " Un administrateur peut lancer « python -m cmq check ».")
            try:
                with undo_on_failure():
                    yield
            except (OSError, OverflowError, pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise write_failed(exc) from exc

    def _batch_reach(self, table_name: str, batch_id: int) -> tuple[set[str], set[tuple[str, int]]]:
        """Whose rows a batch wrote, read from the rows themselves (never from what the caller recorded): each campus,
        "" (the whole region) for a row without campus or a table common to every campus; and the (campus, year)
        pairs its rows belong to (what a campaign's lock and statuses look at)."""
        t = schema.TABLES.get(table_name)
        if t is None or not t.campus_column:
            return {""}, set()
        year = "year" if "year" in t.names else "null"
        con = self.connect(build=False)
        try:
            found = con.execute(f"select distinct {t.campus_column}, {year} from {t.name}_history where batch_id = $b",
                                {"b": batch_id}).fetchall()  # names from the schema, the batch a parameter
        finally:
            con.close()
        return {c or "" for c, _ in found} or {""}, {(c, int(y)) for c, y in found if c is not None and y is not None}

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
                owners |= {frozenset(r) for r in con.execute(
                    f"select distinct c.{t.campus_column} from {t.name} c semi join incoming i on {on}").fetchall()}
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

    def _append(self, m: dict, name: str, number: int, rows: pa.Table) -> list[str]:
        """In `m` (not yet written): a new delta of `name` = its old delta + `rows`. Returns the retired delta."""
        state = m.setdefault("current", {}).setdefault(name, {})
        old = state.get("delta")
        if old:
            rows = pa.concat_tables([pq.read_table(self.root / old), rows], promote_options="default")
        rel = f"{name}/d{number:08d}.parquet"
        self._write_file(m, rel, rows)
        files = m["files"].setdefault(name, [])
        m["files"][name] = [r for r in files if r != old] + [rel]
        state.update(delta=rel, batches=state.get("batches", 0) + 1, rows=rows.num_rows)
        return [old] if old else []

    def _fold(self, m: dict, name: str, force: bool = False, merge_all: bool = False) -> list[str]:
        """In `m` (not yet written): past TAIL_MAX batches or DELTA_ROWS_MAX rows in the delta (or when forced), freeze
        the delta as a history segment and rebuild the snapshot; past SEGMENTS_MAX segments (or with merge_all), merge
        every segment into one. Returns retired files."""
        state = m.setdefault("current", {}).setdefault(name, {})
        files = m["files"].get(name, [])
        full = state.get("batches", 0) > TAIL_MAX or state.get("rows", 0) > DELTA_ROWS_MAX
        if not files or not (force or full):
            return []
        retired = []
        if len(files) > 1 and (merge_all or len(files) > SEGMENTS_MAX):
            merged = f"{name}/c{m['version'] + 1:08d}.parquet"
            tbl = pa.concat_tables([pq.read_table(self.root / r) for r in files], promote_options="default")
            self._write_file(m, merged, tbl.sort_by([("batch_id", "ascending")]))
            retired, m["files"][name] = files, [merged]
        state.update(delta=None, batches=0, rows=0)
        if name in schema.TABLES:
            retired += self._snapshot(m, name)
        return retired

    def _snapshot(self, m: dict, name: str) -> list[str]:
        """Write the current rows of table `name` as of `m` (latest non-reverted batch per key), a campus's rows
        together; record it in `m`. Returns the snapshot file it replaces."""
        t = schema.table(name)
        reverts = f"({self._scan(m['files'].get(REVERTS, []), schema.REVERT_COLUMNS)})"
        order = ", ".join(([t.campus_column] if t.campus_column else []) + list(t.key))
        con = duckdb.connect()
        try:
            tbl = con.sql(self._latest(t, m["files"].get(name, []), reverts) + f" order by {order}").to_arrow_table()
        finally:
            con.close()
        rel = f"{CURRENT}/{name}/v{m['version'] + 1:08d}.parquet"
        self._write_file(m, rel, tbl)
        state = m.setdefault("current", {}).setdefault(name, {})
        old = state.get("file")
        state.update(file=rel, upto=int(m["next_batch"]) - 1)
        return [old] if old and old != rel else []

    def _write_file(self, m: dict, rel: str, tbl: pa.Table) -> None:
        """Write data file `rel` and record in `m` (not yet written) its size, SHA-256 and batches."""
        m.setdefault("sums", {})[rel] = write_parquet(self.root / rel, tbl)

    def _remove(self, rels: list[str]) -> None:
        """Delete retired files that neither the manifest nor its backup copy names (after the manifest swap: a crash
        before it loses nothing; a backup copy the disk could not take keeps the files it names)."""
        named = set()
        for name in (MANIFEST, BACKUP[MANIFEST]):
            m = read_json(self.root / name)
            if not isinstance(m, dict):
                return  # a copy that cannot be read may name anything: keep every file
            named |= set(self.data_files(m))
        for r in rels:
            if r not in named:
                (self.root / r).unlink(missing_ok=True)

    def reset(self) -> None:
        """Empty the store (every table, every batch); the version keeps counting up."""
        with self._lock:
            m = self.manifest()
            old = [r for rels in m["files"].values() for r in rels]
            old += [c["file"] for c in m.get("current", {}).values() if "file" in c]
            m["files"], m["current"] = {}, {}
            self._write_manifest(m)
            self._remove(old)


def _campus_years(t, rows: pd.DataFrame) -> set[tuple[str, int]]:
    """The (campus, year) pairs rows of a fact table belong to: what a campaign's lock and draft status look at."""
    if not t.campus_column or "year" not in rows.columns or t.campus_column not in rows.columns:
        return set()
    pairs = rows[[t.campus_column, "year"]].dropna().drop_duplicates()
    return {(str(c), int(y)) for c, y in pairs.itertuples(index=False)}
