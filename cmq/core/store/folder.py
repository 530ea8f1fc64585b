"""The embedded store's own half: how a folder of Parquet files writes what the shared logic decides (batches.py,
campaigns.py, accounts.py). PostgreSQL has its own (postgres.py); backend.py states the contract both keep."""
from __future__ import annotations

import json
import os
import secrets
from contextlib import contextmanager

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cmq.core import schema
from cmq.core.store.files import (
    ACCOUNTS,
    BACKUP,
    BATCHES,
    CURRENT,
    DAMAGED,
    DELTA_ROWS_MAX,
    MANIFEST,
    REVERTS,
    SEGMENTS_MAX,
    SESSION_SECRET,
    TAIL_MAX,
    WAITS,
    StoreDamaged,
    StoreError,
    atomic_write_bytes,
    configured_session_secret,
    read_json,
    undo_on_failure,
    write_failed,
    write_parquet,
)


class Folder:
    """Batches, snapshots and accounts as files of the store's folder (mixed into Store)."""

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

    def accounts(self) -> dict[str, dict]:
        """Every account by name (hashes included: never show them)."""
        path = self.root / ACCOUNTS
        if not path.exists():
            if (self.root / BACKUP[ACCOUNTS]).exists():
                raise StoreDamaged(DAMAGED.format(what="le fichier des comptes accounts.json a disparu"))
            return {}
        data = read_json(path)
        try:
            return {a["name"]: a for a in data["accounts"]}
        except (TypeError, KeyError):
            raise StoreDamaged(DAMAGED.format(what="le fichier des comptes accounts.json est illisible ou tronqué")) from None

    def _write_accounts(self, accounts: dict[str, dict]) -> None:
        data = json.dumps({"accounts": sorted(accounts.values(), key=lambda a: a["name"])}, ensure_ascii=False,
                          indent=1).encode("utf-8")
        self._write_with_backup(ACCOUNTS, data)

    def _ensure_started(self) -> None:
        """A new store's first file is its manifest (under the writers' lock)."""
        if not (self.root / MANIFEST).exists():
            with self._lock:
                self._start()

    def session_secret(self) -> str:
        """The key that signs session tokens: CMQ_SESSION_SECRET, else a random key kept in the store (made on first
        use, readable by its owner only), so that every app server of one store accepts the same sessions."""
        if secret := configured_session_secret():
            return secret
        path = self.root / SESSION_SECRET
        if not (self.root / MANIFEST).exists():  # not a store yet (no account either): nothing to sign for
            return secrets.token_hex(32)
        if not path.exists():
            with self._accounts_lock:
                if not path.exists():
                    key = secrets.token_hex(32).encode()
                    try:
                        atomic_write_bytes(path, lambda fh: (os.fchmod(fh.fileno(), 0o600), fh.write(key)))
                    except OSError as exc:  # a full disk: sessions cannot outlive their tab until it is kept
                        raise StoreError("La clé des sessions n'a pas pu être enregistrée.") from exc
        return path.read_text().strip()

    def signin_waits(self) -> dict[str, dict]:
        """The failed sign-ins being counted (see auth.WAITS): digests only, no name nor address. A missing or
        damaged file counts nothing (it only slows guessing; the accounts do not depend on it)."""
        data = read_json(self.root / WAITS)
        return data if isinstance(data, dict) else {}

    def write_signin_waits(self, waits: dict[str, dict]) -> None:
        """Under the accounts' lock (auth.login through write_accounts). A folder that is not yet a store is left
        untouched (it has no account to protect, and any file would make it look damaged)."""
        if (self.root / MANIFEST).exists():
            try:
                atomic_write_bytes(self.root / WAITS, lambda fh: fh.write(json.dumps(waits).encode("utf-8")))
            except OSError:
                pass  # a full or read-only disk: the counts are not kept this time; signing in still answers
