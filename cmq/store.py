"""The only module that writes to the store: atomic batch commits, reverts, compaction, locking; read connections.

Layout under the store directory:
    manifest.json            the commit point: which Parquet files are live, the store version
    manifest.backup.json     a copy of the last manifest written: `python -m cmq check --repair` restores it
    <table>/d<id>.parquet    the history of a table, row for row, every row with its batch_id, in a few segments:
    <table>/c<v>.parquet     the last one (d<id>, the delta) holds the batches since the snapshot and is rewritten
                             with each commit; older ones are frozen (c<v>: segments merged by a compaction)
    _current/<table>/v<n>.parquet  the table's current rows (latest non-reverted batch per key) up to a batch
    _batches/…, _reverts/…   one row per batch (who, when, which file, counts) and per revert, the same way
    accounts.json            the accounts (Argon2 hashes, roles, campuses, lockout counters), and its backup copy
    _catalogue/v<n>-<key>.duckdb  a version's read catalogue: derived from the files above on its first read
    .lock                    serialises writers across processes (readers never take it)

Every commit and revert names an account; its role and campuses are checked here (auth.write_refusal,
auth.revert_refusal) before anything is written, whichever way the write comes (page, command line, script): the
campus of every row written, of every row it replaces, and of every objective, indicator or action it points to.

A folder that holds anything but a valid manifest is a damaged store, never an empty one: every read and write
refuses it in French (StoreDamaged) and touches nothing; `python -m cmq check` says what is wrong.

A commit writes its data files first (temp file, fsync, rename), then swaps the manifest (same dance).
A crash before the manifest swap leaves orphan files that no view reads: the store is unchanged.

Reads stay fast however many batches come in: a table is read from two files, its snapshot and its delta (the
batches since). Past TAIL_MAX batches or DELTA_ROWS_MAX rows, a commit folds: the delta is frozen as a history segment
and the snapshot rebuilt. A revert of a batch inside the snapshot folds too. Segments are merged into one beyond
SEGMENTS_MAX. `compact()` merges everything at once.

Pages read a version's catalogue (see connect): its current rows as native DuckDB tables, so a cold page does not
decode Parquet nor resolve snapshot and delta per query; each catalogue is made from the previous one, the tables
whose files changed rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from . import auth, schema

MANIFEST = "manifest.json"
ACCOUNTS = "accounts.json"
BACKUP = {MANIFEST: "manifest.backup.json", ACCOUNTS: "accounts.backup.json"}  # the last good copy of each
BATCHES = "_batches"
REVERTS = "_reverts"
CURRENT = "_current"
CATALOGUE = "_catalogue"  # per-version read catalogues (DuckDB files), derived from the Parquet files
TAIL_MAX = 32  # batches a delta holds before a commit folds it into the snapshot
DELTA_ROWS_MAX = 50_000  # rows a delta holds before a commit folds it (each commit rewrites the delta)
SEGMENTS_MAX = 8  # frozen history segments of a table before they are merged into one


class StoreError(Exception):
    """A refused write, with a French message."""


class StaleError(StoreError):
    """The store changed since the person was shown what a write would do."""


class StoreDamaged(StoreError):
    """The store's manifest or accounts are missing or unreadable: nothing is read or written until it is repaired."""


DAMAGED = ("Le magasin de données est endommagé : {what}. Rien n'a été lu ni modifié. Un administrateur peut lancer "
           "« python -m cmq check » pour le diagnostic, puis « python -m cmq check --repair » pour rétablir la "
           "dernière copie saine (conservée à côté).")

# What a failed write says, by errno (the system's own text is English and may carry a path).
WRITE_FAILURES = {28: "le disque est plein", 122: "le quota du disque est atteint", 27: "un fichier dépasse la taille permise",
                  30: "le disque est en lecture seule", 13: "le dossier du magasin n'est pas accessible en écriture",
                  5: "erreur d'entrée-sortie du disque"}


def write_failed(exc: BaseException) -> StoreError:
    """A French StoreError for a write that failed (no path, no traceback)."""
    if isinstance(exc, OSError):
        why = WRITE_FAILURES.get(exc.errno or 0, "le système a refusé l'écriture")
    else:  # a value beyond what a column holds (OverflowError, Arrow's conversions)
        why = "une valeur dépasse ce qu'une colonne du magasin peut contenir"
    return StoreError(f"L'enregistrement a échoué ({why}) : rien n'a été enregistré, le magasin est inchangé.")


def default_dir() -> Path:
    return Path(os.environ.get("CMQ_DATA_DIR", "data/store"))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write_bytes(path: Path, write) -> None:
    """Write through a temp file in the same folder, fsync, rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _write_parquet(path: Path, tbl: pa.Table) -> None:
    _atomic_write_bytes(path, lambda fh: pq.write_table(tbl, fh, compression="zstd"))
    if _written is not None:
        _written.append(path)


_written: list[Path] | None = None  # the data files the write under way has made (removed if it fails)


def _read_json(path: Path):
    """The JSON in `path`, or None when it is empty, truncated or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _columns(t) -> list[tuple[str, str]]:
    """(name, type) of every column a table's files hold: its own and the batch that wrote the row."""
    return [(c.name, c.type) for c in t.columns] + [("batch_id", "int")]


def _arrow(df: pd.DataFrame, columns) -> pa.Table:
    """Typed Arrow table for (name, type) pairs from a DataFrame."""
    fields = [pa.field(n, schema.ARROW_TYPES[t]) for n, t in columns]
    arrays = []
    for f in fields:
        if f.name not in df.columns:
            arrays.append(pa.nulls(len(df), type=f.type))
            continue
        try:  # vectorised: NaN, None and NA become null
            arrays.append(pa.array(df[f.name], type=f.type, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed objects: one value at a time
            values = df[f.name].astype(object).where(pd.notna(df[f.name]), None)
            arrays.append(pa.array(values.tolist(), type=f.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


@dataclass
class CommitResult:
    batch_id: int
    rows: int


class Store:
    """A store directory. Writes go through commit/revert/compact; reads through connect()."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock = FileLock(str(self.root / ".lock"), timeout=120)

    # ---------------------------------------------------------------- manifest
    def is_pristine(self) -> bool:
        """Nothing in the folder but the writers' lock: the only store the demo may be built into."""
        return all(p.name == ".lock" for p in self.root.iterdir())

    def manifest(self) -> dict:
        path = self.root / MANIFEST
        if not path.exists():
            if self.is_pristine():
                return {"version": 0, "next_batch": 1, "next_revert": 1, "files": {}}
            raise StoreDamaged(DAMAGED.format(what="le fichier manifest.json est absent alors que le dossier contient "
                                                   "des données"))
        m = _read_json(path)
        if not isinstance(m, dict) or not {"version", "next_batch", "files"} <= set(m):
            raise StoreDamaged(DAMAGED.format(what="le fichier manifest.json est illisible ou tronqué"))
        return m

    def version(self) -> int:
        return int(self.manifest()["version"])

    def is_empty(self) -> bool:
        """No batch was ever committed (a new store, or one just made with its first accounts)."""
        m = self.manifest()
        return int(m["next_batch"]) == 1 and not m["files"]

    def _start(self) -> None:
        """Under the lock, before the first write into a folder that holds nothing: its first manifest, so that the
        folder is a store from its first file on (a folder with files but no manifest is a damaged store)."""
        if not (self.root / MANIFEST).exists() and self.is_pristine():
            self._write_manifest(self.manifest())

    def _write_manifest(self, m: dict) -> None:
        m["version"] = int(m["version"]) + 1
        self._write_with_backup(MANIFEST, json.dumps(m, ensure_ascii=False, indent=1).encode("utf-8"))

    def _write_with_backup(self, name: str, data: bytes) -> None:
        """Swap `name` (the commit point), then its backup copy: at every instant one of the two is whole and names
        only files that exist (files are removed after both)."""
        _atomic_write_bytes(self.root / name, lambda fh: fh.write(data))
        _atomic_write_bytes(self.root / BACKUP[name], lambda fh: fh.write(data))

    # ---------------------------------------------------------------- writes
    def commit(self, table_name: str, rows: pd.DataFrame, *, file_name: str = "", sha256: str = "",
               user: str = "", campus_id: str | None = None, counts: dict | None = None,
               expected_version: int | None = None, _pause=None) -> CommitResult:
        """Record `rows` (already validated, canonical column names) as one batch of `table_name`; with
        `expected_version`, only if the store is still at that version (what the person was shown)."""
        t = schema.table(table_name)
        counts = counts or {}
        with self._writing():
            if expected_version is not None and self.version() != expected_version:
                raise StaleError("Les données ont changé depuis la vérification du fichier (un autre import a été "
                                 "enregistré entre-temps) : rien n'a été enregistré. Vérifiez le nouvel aperçu.")
            campuses = set()
            if t.campus_column and t.campus_column in rows.columns:
                campuses = {str(c) for c in rows[t.campus_column].dropna()}
            account = self.account(user)
            refusal = auth.write_refusal(account, user, t.label, t.campus_column, campuses)
            if refusal is None and auth.campus_scope(account) is not None:
                refusal = auth.owner_refusal(account, self._owners(t, rows))
            if refusal:
                raise StoreError(refusal)
            m = self.manifest()
            batch_id = int(m["next_batch"])
            data = rows.copy()
            data["batch_id"] = batch_id
            retired = self._append(m, table_name, batch_id,
                                   _arrow(data, _columns(t)))
            if _pause:
                _pause()  # test hook: lets a test kill the writer between the data and the commit point
            record = pd.DataFrame([{
                "batch_id": batch_id, "table_name": table_name, "campus_id": campus_id,
                "file_name": file_name, "sha256": sha256, "rows": int(counts.get("rows", len(rows))),
                "inserted": int(counts.get("inserted", len(rows))), "updated": int(counts.get("updated", 0)),
                "unchanged": int(counts.get("unchanged", 0)), "user_name": user,
                "committed_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
            }])
            retired += self._append(m, BATCHES, batch_id, _arrow(record, schema.BATCH_COLUMNS))
            m["next_batch"] = batch_id + 1
            retired += self._fold(m, table_name) + self._fold(m, BATCHES)
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
            refusal = auth.revert_refusal(self.account(user), user, {c for c in (found[0][1] or "").split(",") if c})
            if refusal:
                raise StoreError(refusal)
            if found[0][0] is not None:
                raise StoreError(f"Le lot {batch_id} est déjà annulé.")
            m = self.manifest()
            n = int(m.get("next_revert", 1))
            rec = pd.DataFrame([{"batch_id": int(batch_id),
                                 "reverted_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                                 "reverted_by": user}])
            retired = self._append(m, REVERTS, n, _arrow(rec, schema.REVERT_COLUMNS))
            m["next_revert"] = n + 1
            retired += self._fold(m, REVERTS)
            if m.get("current", {}).get(found[0][2], {}).get("upto", 0) >= int(batch_id):
                retired += self._fold(m, found[0][2], force=True)  # the reverted rows are in the snapshot: rebuild it
            self._write_manifest(m)
            self._remove(retired)

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
        global _written
        with self.lock:
            self._start()
            outer, _written = _written, []
            try:
                yield
            except BaseException as exc:
                for path in _written:
                    path.unlink(missing_ok=True)
                if isinstance(exc, (OSError, OverflowError, pa.ArrowInvalid, pa.ArrowTypeError)):
                    raise write_failed(exc) from exc
                raise
            finally:
                _written = outer

    def _owners(self, t, rows: pd.DataFrame) -> set[frozenset]:
        """The campuses that own what these rows would touch: the current rows of the same keys (which they would
        replace), and the objectives, indicators and actions their columns point to (an action: its campus or any
        campus that carries it jointly)."""
        owners: set[frozenset] = set()
        if rows.empty:
            return owners
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
                ids = [v for v in rows[c.name].dropna().unique().tolist()]
                if not ids:
                    continue
                co = ref.co_campus_column or "null"
                found = con.execute(f"select distinct {ref.campus_column}, {co} from {ref.name} "
                                    f"where {c.ref[1]} in (select unnest($ids))", {"ids": ids}).fetchall()
                owners |= {frozenset([campus, *auth.split_campuses(joint)]) for campus, joint in found}
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
        _write_parquet(self.root / rel, rows)
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
            _write_parquet(self.root / merged, tbl.sort_by([("batch_id", "ascending")]))
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
        _write_parquet(self.root / rel, tbl)
        state = m.setdefault("current", {}).setdefault(name, {})
        old = state.get("file")
        state.update(file=rel, upto=int(m["next_batch"]) - 1)
        return [old] if old and old != rel else []

    def _remove(self, rels: list[str]) -> None:
        """Delete files the manifest no longer names (after the manifest swap: a crash before it loses nothing)."""
        for r in rels:
            (self.root / r).unlink(missing_ok=True)

    def reset(self) -> None:
        """Empty the store (every table, every batch); the version keeps counting up."""
        with self.lock:
            m = self.manifest()
            old = [r for rels in m["files"].values() for r in rels]
            old += [c["file"] for c in m.get("current", {}).values() if "file" in c]
            m["files"], m["current"] = {}, {}
            self._write_manifest(m)
            for r in old:
                (self.root / r).unlink(missing_ok=True)

    # ---------------------------------------------------------------- accounts
    def accounts(self) -> dict[str, dict]:
        """Every account by name (hashes included: never show them)."""
        path = self.root / ACCOUNTS
        if not path.exists():
            if (self.root / BACKUP[ACCOUNTS]).exists():
                raise StoreDamaged(DAMAGED.format(what="le fichier des comptes accounts.json a disparu"))
            return {}
        data = _read_json(path)
        try:
            return {a["name"]: a for a in data["accounts"]}
        except (TypeError, KeyError):
            raise StoreDamaged(DAMAGED.format(what="le fichier des comptes accounts.json est illisible ou tronqué")) from None

    def account(self, name: str | None) -> dict | None:
        return self.accounts().get(name or "")

    def _write_accounts(self, accounts: dict[str, dict]) -> None:
        data = json.dumps({"accounts": sorted(accounts.values(), key=lambda a: a["name"])}, ensure_ascii=False,
                          indent=1).encode("utf-8")
        self._write_with_backup(ACCOUNTS, data)

    def put_account(self, account: dict, *, replace: bool = False) -> None:
        """Add an account (from auth.new_account); an existing name is refused unless `replace`."""
        with self.lock:
            self._start()
            accounts = self.accounts()
            if account["name"] in accounts and not replace:
                raise StoreError(f"Le compte « {account['name']} » existe déjà.")
            email = account.get("email")
            if email and any(a.get("email") == email and a["name"] != account["name"] for a in accounts.values()):
                raise StoreError(f"L'adresse {email} est déjà celle d'un autre compte.")
            accounts[account["name"]] = account
            self._write_accounts(accounts)

    def update_account(self, name: str, **changes) -> dict:
        """Change fields of one account (role, campuses, disabled, password_hash, lockout counters)."""
        with self.lock:
            accounts = self.accounts()
            if name not in accounts:
                raise StoreError(f"Le compte « {name} » n'existe pas.")
            accounts[name] = {**accounts[name], **changes}
            self._write_accounts(accounts)
            return accounts[name]

    def init(self, admin: dict) -> None:
        """Make this empty directory a real store: its first administrator, no demo data, no demo account."""
        with self.lock:
            if not self.is_pristine():
                raise StoreError(f"Le dossier {self.root} n'est pas vide : rien n'a été changé.")
            m = self.manifest()
            m["kind"] = "real"
            self._write_manifest(m)
            self._write_accounts({admin["name"]: admin})

    # ---------------------------------------------------------------- check and repair
    def data_files(self, m: dict) -> list[str]:
        """Every data file manifest `m` names."""
        rels = [r for rels in m.get("files", {}).values() for r in rels]
        rels += [f for state in m.get("current", {}).values() for f in (state.get("file"), state.get("delta")) if f]
        return sorted(set(rels))

    def _file_problems(self, m: dict) -> list[str]:
        problems = []
        for rel in self.data_files(m):
            try:
                pq.read_metadata(self.root / rel)
            except FileNotFoundError:
                problems.append(f"Le fichier de données {rel} est absent.")
            except (OSError, pa.ArrowException):
                problems.append(f"Le fichier de données {rel} est illisible ou tronqué.")
        return problems

    def check(self) -> tuple[list[str], list[str]]:
        """What is wrong with the store, in French, and what `repair` would do about it."""
        problems, repairs = [], []
        if self.is_pristine():
            return problems, repairs
        for name, valid in ((MANIFEST, lambda d: isinstance(d, dict) and {"version", "next_batch", "files"} <= set(d)),
                            (ACCOUNTS, lambda d: isinstance(d, dict) and isinstance(d.get("accounts"), list))):
            path, backup = self.root / name, self.root / BACKUP[name]
            if path.exists() and valid(_read_json(path)):
                continue
            if not path.exists() and not backup.exists() and name == ACCOUNTS:
                continue  # a store without accounts (never had any)
            problems.append(f"Le fichier {name} est {'absent' if not path.exists() else 'illisible ou tronqué'}.")
            copy = _read_json(backup) if backup.exists() else None
            if not valid(copy):
                problems.append(f"Sa copie {BACKUP[name]} est absente ou illisible : la réparation automatique est "
                                "impossible (restaurez la dernière sauvegarde du dossier).")
            elif name == MANIFEST and (missing := self._file_problems(copy)):
                problems += missing
            else:
                repairs.append(f"{name} sera rétabli à partir de {BACKUP[name]}"
                               + (f" (version {copy['version']})." if name == MANIFEST else "."))
        if not problems:
            problems += self._file_problems(self.manifest())
        return problems, repairs

    def repair(self) -> list[str]:
        """Restore the manifest and the accounts from their backup copies when `check` says it can; returns what
        was done (nothing when the store is sound or cannot be repaired so)."""
        with self.lock:
            problems, repairs = self.check()
            if not repairs or len(problems) != len(repairs):
                return []
            for name in (MANIFEST, ACCOUNTS):
                backup = self.root / BACKUP[name]
                if any(r.startswith(name) for r in repairs):
                    data = backup.read_bytes()
                    _atomic_write_bytes(self.root / name, lambda fh: fh.write(data))
            return repairs

    # ---------------------------------------------------------------- reads
    def connect(self, manifest: dict | None = None, *, build: bool = True) -> duckdb.DuckDBPyConnection:
        """A read connection with the canonical views: the store version's catalogue (a DuckDB file holding the
        current rows as native tables, and the history as views over the Parquet files), built on the version's
        first read unless `build` is false; without it (or when it cannot be written), an in-memory connection
        with views over the Parquet files. Both answer every query the same way."""
        m = manifest or self.manifest()
        path = self._catalogue_path(m)
        if build and int(m["version"]) and not path.exists():  # a store with nothing yet has nothing to catalogue
            try:
                self._build_catalogue(m, path)
            except (OSError, duckdb.Error, Timeout):
                pass  # a read-only or full disk, a busy builder: the in-memory views answer the same
        if path.exists():
            try:
                return duckdb.connect(str(path), read_only=True)
            except duckdb.Error:  # damaged, or written by another DuckDB version: the next read rebuilds it
                path.unlink(missing_ok=True)
        return self._views(m)

    def _views(self, m: dict, con: duckdb.DuckDBPyConnection | None = None,
               catalogue: bool = False) -> duckdb.DuckDBPyConnection:
        """Declare over the live files, in `con` (a new in-memory connection by default): batches, each table's
        history and its current rows. In a catalogue, batches is a table and the current rows are left to it."""
        con = con or duckdb.connect()
        files = m["files"]
        for name, cols in ((BATCHES, schema.BATCH_COLUMNS), (REVERTS, schema.REVERT_COLUMNS)):
            con.execute(f"create or replace view raw{name} as " + self._scan(files.get(name, []), cols))
        # batches is small and changes with every commit and revert: a catalogue holds it as a table
        con.execute(
            f"create or replace {'table' if catalogue else 'view'} batches as select b.*, r.reverted_at, "
            "r.reverted_by from raw_batches b left join (select batch_id, min(reverted_at) as reverted_at, "
            "any_value(reverted_by) as reverted_by from raw_reverts group by batch_id) r using (batch_id)")
        for t in schema.TABLES.values():
            con.execute(f"create or replace view raw_{t.name} as " + self._scan(files.get(t.name, []), _columns(t)))
            # history: every row ever committed for this table, with its batch and whether it was reverted
            con.execute(
                f"create or replace view {t.name}_history as select r.*, b.file_name, b.user_name, b.committed_at, "
                f"b.reverted_at is not null as reverted from raw_{t.name} r join batches b using (batch_id)")
            if not catalogue:
                con.execute(f"create view {t.name} as " + self._current_sql(t, m))
        return con

    def _catalogue_path(self, m: dict) -> Path:
        """The catalogue file of this store version (named after the manifest and where the store lives)."""
        key = hashlib.sha256(json.dumps([str(self.root.resolve()), m], sort_keys=True).encode()).hexdigest()[:16]
        return self.root / CATALOGUE / f"v{int(m['version']):08d}-{key}.duckdb"

    def _build_catalogue(self, m: dict, path: Path) -> None:
        """Write the catalogue of version `m`: the current rows of every table as native DuckDB tables (what pages
        read: no Parquet decoding, no snapshot/delta resolution at query time), batches as a table, histories as
        views over the Parquet files. It starts from the newest earlier catalogue and rebuilds only the tables
        whose files changed (an import changes one). Written aside and renamed into place: a reader sees a whole
        catalogue or none. Derived from the Parquet files: deleting the folder loses nothing."""
        path.parent.mkdir(exist_ok=True)
        with FileLock(str(path.parent / ".lock"), timeout=60):
            if path.exists():
                return  # another reader built it meanwhile
            for stale in path.parent.glob(".tmp-*"):  # left by a builder that died (builders hold the lock)
                stale.unlink(missing_ok=True)
            older = sorted(p for p in path.parent.glob("v*.duckdb") if p.name < path.name)
            tmp = path.parent / f".tmp-{uuid.uuid4().hex}.duckdb"
            try:
                if older:
                    shutil.copyfile(older[-1], tmp)
                con = duckdb.connect(str(tmp))
                try:
                    self._fill_catalogue(con, m, known=bool(older))
                finally:
                    con.close()
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
                raise
            for p in older[:-1]:  # keep the previous version for readers still on it
                p.unlink(missing_ok=True)

    def _fill_catalogue(self, con: duckdb.DuckDBPyConnection, m: dict, known: bool) -> None:
        signed = dict(con.execute("select name, signature from _signatures").fetchall()) if known else {}
        signatures = {name: self._signature(name, m) for name in schema.TABLES}
        self._views(m, con, catalogue=True)
        for t in schema.TABLES.values():
            if signed.get(t.name) != signatures[t.name]:
                con.execute(f"create or replace table {t.name} as " + self._current_sql(t, m))
        con.execute("create or replace table _signatures (name varchar, signature varchar)")
        con.executemany("insert into _signatures values ($name, $signature)",
                        [{"name": n, "signature": sig} for n, sig in signatures.items()])
        con.execute("checkpoint")

    @staticmethod
    def _signature(name: str, m: dict) -> str:
        """What a table's current rows depend on: its snapshot and delta (or whole history) and, when it has
        batches outside a snapshot, the reverts."""
        state = m.get("current", {}).get(name, {})
        open_batches = bool(state.get("delta")) or not state.get("file")
        return json.dumps([state.get("file"), state.get("delta"), None if state.get("file") else m["files"].get(name),
                           m["files"].get(REVERTS) if open_batches else None], sort_keys=True)

    # The view and snapshot SQL below is built from schema names and quoted file paths, never from user values:
    # DuckDB binds no parameters in a view's definition.
    def _latest(self, t, rels: list[str], reverts: str) -> str:
        """The latest non-reverted row per key of table t among the files `rels` (`reverts`: a relation of batch_id)."""
        return (f"select * from ({self._scan(rels, _columns(t))}) where batch_id not in (select batch_id from {reverts}) "
                f"qualify row_number() over (partition by {', '.join(t.key)} order by batch_id desc) = 1")

    def _current_sql(self, t, m: dict) -> str:
        """The current rows of table t: its snapshot, minus the keys that its delta changes, plus those."""
        state = m.get("current", {}).get(t.name, {})
        reverts = f"raw{REVERTS}"
        if not state.get("file"):  # no snapshot yet (a young store): resolve the whole history
            return self._latest(t, m["files"].get(t.name, []), reverts)
        cols = _columns(t)
        if not state.get("delta"):
            return self._scan([state["file"]], cols)
        newer = self._latest(t, [state["delta"]], reverts)
        same = " and ".join(f"s.{k} is not distinct from n.{k}" for k in t.key)
        return (f"with newer as ({newer}) select s.* from ({self._scan([state['file']], cols)}) s "
                f"anti join newer n on {same} union all by name select * from newer")

    def _scan(self, rels: list[str], cols) -> str:
        typed = ", ".join(f"cast({n} as {schema.DUCKDB_TYPES[t]}) as {n}" for n, t in cols)
        if not rels:
            nulls = ", ".join(f"cast(null as {schema.DUCKDB_TYPES[t]}) as {n}" for n, t in cols)
            return "select " + nulls + " where false"
        paths = ", ".join(_sql_str(str((self.root / r).resolve())) for r in rels)
        return "select " + typed + " from read_parquet([" + paths + "], union_by_name = true)"

    def read(self, sql: str, params: dict | None = None, *, build: bool = True) -> pd.DataFrame:
        """Run one read query over the canonical views (`build`: as in connect)."""
        con = self.connect(build=build)
        try:
            return con.execute(sql, params or {}).df()
        finally:
            con.close()

    def current(self, table_name: str, *, build: bool = True) -> pd.DataFrame:
        """The canonical rows of one table."""
        return self.read("select * from " + schema.table(table_name).name, build=build)
