"""The store behind one facade, `Store` (a folder) or `PgStore` (PostgreSQL, postgres.py), the only code that writes it.
backend.py states the contract between the shared logic and the two backends, hook by hook:
    batches.py    commit, revert and the write door's checks (shared)
    campaigns.py  the reporting cycle (shared)
    accounts.py   accounts changed in someone's name (shared)
    folder.py     the folder's writes: batches as files, folds, snapshots, compaction, the accounts file (every write
                  under the writers' lock, taken here and nowhere else)
    catalogue.py  the folder's read connections: the canonical views and each version's read catalogue
    files.py      names, errors, atomic writes, typed Parquet

Layout under the store directory:
    manifest.json            the commit point: which Parquet files are live, the store version
    manifest.backup.json     a copy of the last manifest written: `python -m cmq check --repair` restores it
    <table>/d<id>.parquet    the history of a table, row for row, every row with its batch_id, in a few segments:
    <table>/c<v>.parquet     the last one (d<id>, the delta) holds the batches since the snapshot and is rewritten
                             with each commit; older ones are frozen (c<v>: segments merged by a compaction)
    _current/<table>/v<n>.parquet  the table's current rows (latest non-reverted batch per key) up to a batch
    _batches/…, _reverts/…   one row per batch (who, when, which file, counts) and per revert, the same way
    accounts.json            the accounts (Argon2 hashes, roles, campuses, last sign-in), and its backup copy
    signin-waits.json        failed sign-ins being counted (digests of names and addresses, see auth.WAITS)
    session-secret           the key that signs session tokens (owner-only; CMQ_SESSION_SECRET replaces it)
    _catalogue/v<n>-<key>.duckdb  a version's read catalogue: derived from the files above on its first read
    .lock                    serialises writers across processes (readers never take it)
    .accounts.lock           serialises changes to the accounts and the sign-in waits (held for milliseconds)

Every commit, revert and campaign step names an account; it is checked here (Store.refuse, which asks
permissions.refusal) before anything is written, whichever way the write comes (page, command line, script): the
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

import json
import os
from pathlib import Path

import pyarrow as pa
from filelock import FileLock, Timeout

from cmq.core import schema
from cmq.core.store.accounts import Accounts
from cmq.core.store.batches import Batches
from cmq.core.store.campaigns import Campaigns
from cmq.core.store.catalogue import Catalogue
from cmq.core.store.files import (  # noqa: F401 (re-exported by the facade)
    ACCOUNTS,
    BACKUP,
    BATCHES,
    CURRENT,
    DAMAGED,
    MANIFEST,
    REVERTS,
    CommitResult,
    StoreDamaged,
    StoreError,
    StoreUnavailable,
    atomic_write_bytes,
    committed,
    default_dir,
    file_problem,
    not_an_address,
    private_folder,
    read_json,
)
from cmq.core.store.folder import Folder

DATABASE_URL = "CMQ_DATABASE_URL"  # a postgresql:// URL: the shared store on PostgreSQL (see postgres.py)
LOCKS = (".lock", ".accounts.lock")  # the writers' lock and the accounts' lock (files filelock leaves behind)


class Store(Folder, Batches, Campaigns, Accounts, Catalogue):
    """A store directory. One write door: commit, revert, compact, accounts and `write(fn)` (several steps that
    must see one state) all take the writers' lock inside; no caller ever sees it. Reads through connect()."""

    def __init__(self, root: str | Path | None = None, *, lock_timeout: float = 120):
        self.root = not_an_address(root) if root is not None else default_dir()
        private_folder(self.root)
        self._lock = FileLock(str(self.root / ".lock"), timeout=lock_timeout)
        # the accounts have a lock of their own, held for milliseconds: a sign-in never waits for a long import
        self._accounts_lock = FileLock(str(self.root / ".accounts.lock"), timeout=30)
        self.damaged: dict[int, list[str]] = {}  # version → what its damaged data files cost the pages (see connect)
        self._version_seen: tuple[tuple, int] | None = None  # (the manifest file's identity, its version)
        self._sound: set[tuple] = set()  # (file, size, mtime) of the data files verified whole in this process

    @property
    def where(self) -> str:
        """Where the store lives (its folder)."""
        return str(self.root)

    def load(self, rows: dict, *, accounts: dict, campaigns: list, kind: str | None, next_batch: int) -> None:
        """Fill this new store with another's whole history (transfer.copy): each relation as one file, batch numbers
        kept, every table's snapshot built, then the accounts."""
        with self._writing():
            if not self.is_empty() or self.accounts():
                raise StoreError(f"Le magasin {self.where} n'est pas vide : rien n'a été changé.")
            m = self.manifest()
            for name, tbl in rows.items():
                if tbl.num_rows:
                    cols = dict(schema.BATCH_COLUMNS if name == BATCHES else schema.REVERT_COLUMNS if name == REVERTS
                                else [(c.name, c.type) for c in schema.table(name).columns] + [("batch_id", "int")])
                    rel = f"{name}/c00000001.parquet"
                    self._write_file(m, rel, tbl.cast(pa.schema([pa.field(n, schema.ARROW_TYPES[cols[n]])
                                                                 for n in tbl.column_names])))
                    m["files"][name] = [rel]
            m.update(next_batch=next_batch, next_revert=rows[REVERTS].num_rows + 1, campaigns=campaigns)
            if kind:
                m["kind"] = kind
            for name in schema.TABLES:
                self._fold(m, name, force=True)
            self._write_manifest(m)
        with self._accounts_lock:
            self._write_accounts(accounts)

    def write_accounts(self, fn):
        """Run fn(store) holding the accounts' own lock (a login attempt and its counters), never the writers' lock:
        signing in does not wait for an import. Returns what fn returns."""
        try:
            with self._accounts_lock:
                return fn(self)
        except Timeout:
            raise StoreError("Les comptes sont occupés : réessayez dans un instant.") from None

    def write(self, fn):
        """Run fn(store) holding the writers' lock, so that what it reads and what it writes see one store state
        (a check and its commit, a login attempt and its counters); returns what fn returns."""
        with self._lock:
            return fn(self)

    # ---------------------------------------------------------------- manifest
    def is_pristine(self) -> bool:
        """Nothing in the folder but the lock files: the only store the demo may be built into."""
        return all(p.name in LOCKS for p in self.root.iterdir())

    def manifest(self) -> dict:
        path = self.root / MANIFEST
        if not path.exists():
            if self.is_pristine():
                return {"version": 0, "next_batch": 1, "next_revert": 1, "files": {}}
            raise StoreDamaged(DAMAGED.format(what="le fichier manifest.json est absent alors que le dossier contient "
                                                   "des données"))
        m = read_json(path)
        if not isinstance(m, dict) or not {"version", "next_batch", "files"} <= set(m):
            raise StoreDamaged(DAMAGED.format(what="le fichier manifest.json est illisible ou tronqué"))
        return m

    def version(self) -> int:
        """The store's version; its manifest read again only once the file changed (every page run asks it tens of
        times: a look at the file instead of reading and parsing it each time)."""
        try:
            st = os.stat(self.root / MANIFEST)
        except OSError:
            return int(self.manifest()["version"])  # a new store, or a manifest gone (said as such)
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._version_seen and self._version_seen[0] == key:
            return self._version_seen[1]
        version = int(self.manifest()["version"])
        self._version_seen = (key, version)
        return version

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
        live = set(self.data_files(m))
        m["sums"] = {rel: v for rel, v in m.get("sums", {}).items() if rel in live}
        m["version"] = int(m["version"]) + 1
        self._write_with_backup(MANIFEST, json.dumps(m, ensure_ascii=False, indent=1).encode("utf-8"))

    def _write_with_backup(self, name: str, data: bytes) -> None:
        """Swap `name` (the commit point), then its backup copy: at every instant one of the two is whole and names
        only files that exist (a file is removed only when neither names it: see _remove). Once `name` is in place
        the write is done, whatever fails after: the backup copy is then left one version behind (its files kept),
        never a reason to undo what the commit point already names."""
        swapped = []
        try:
            atomic_write_bytes(self.root / name, lambda fh: fh.write(data), replaced=lambda: (swapped.append(1), committed()))
        except OSError:
            if not swapped:
                raise
        try:
            atomic_write_bytes(self.root / BACKUP[name], lambda fh: fh.write(data))
        except OSError:
            pass  # the backup stays the previous copy, whole; `check` reads the manifest first

    def init(self, admin: dict) -> None:
        """Make this empty directory a real store: its first administrator, no demo data, no demo account."""
        with self._lock:
            if not self.is_pristine():
                raise StoreError(f"Le dossier {self.root} n'est pas vide : rien n'a été changé.")
            m = self.manifest()
            m["kind"] = "real"
            self._write_manifest(m)
            with self._accounts_lock:
                self._write_accounts({admin["name"]: admin})

    # ---------------------------------------------------------------- check and repair
    def data_files(self, m: dict) -> list[str]:
        """Every data file manifest `m` names."""
        rels = [r for rels in m.get("files", {}).values() for r in rels]
        rels += [f for state in m.get("current", {}).values() for f in (state.get("file"), state.get("delta")) if f]
        return sorted(set(rels))

    def damaged_files(self, m: dict, thorough: bool = True) -> dict[str, str]:
        """The data files of manifest `m` that are not as they were written (file → what is wrong, in French):
        absent, another size, another SHA-256 (`thorough`; else the size only, a stat per file)."""
        sums, damaged = m.get("sums", {}), {}
        for rel in self.data_files(m):
            path = self.root / rel
            try:
                stat = path.stat()
                seen = (rel, stat.st_size, stat.st_mtime_ns)
            except OSError:
                seen = None
            if seen in self._sound:  # files are never rewritten in place: one already verified stays so
                continue
            if why := file_problem(path, sums.get(rel), thorough):
                damaged[rel] = why
            elif thorough and seen:
                self._sound.add(seen)
        return damaged

    def damage_report(self, m: dict, damaged: dict[str, str]) -> list[str]:
        """What each damaged file holds and what its damage costs the reader, in French."""
        out = []
        for rel, why in damaged.items():
            table = rel.split("/")[1] if rel.startswith(CURRENT + "/") else rel.split("/")[0]
            label = {BATCHES: "le journal des imports", REVERTS: "le journal des annulations"}.get(table) or \
                f"la table « {schema.table(table).label} »"
            lots = (m.get("sums", {}).get(rel) or {}).get("batches")
            lots = f"lots {lots[0]} à {lots[1]}" if lots and lots[0] != lots[1] else f"lot {lots[0]}" if lots else ""
            if rel.startswith(CURRENT + "/"):
                cost = "c'est une copie de l'état courant, recalculée à partir de l'historique : rien ne manque aux pages"
            else:
                cost = f"ses lignes ({lots or 'lots inconnus'}) manquent aux pages et à l'historique"
            out.append(f"Le fichier de données {rel} ({label}) {why} : {cost}.")
        return out

    def _without(self, m: dict, damaged: dict[str, str]) -> dict:
        """Manifest `m` without its damaged files: a damaged snapshot is resolved from the table's history again."""
        m = json.loads(json.dumps(m))
        m["files"] = {name: [r for r in rels if r not in damaged] for name, rels in m["files"].items()}
        for state in m.get("current", {}).values():
            if state.get("file") in damaged:
                state.pop("file")
            if state.get("delta") in damaged:
                state["delta"] = None
        return m

    def check_summary(self) -> str:
        """What `check` verified on a sound store, in French (the command line says it)."""
        return f"{len(self.data_files(self.manifest()))} fichier(s) de données vérifié(s)"

    def unreadable(self) -> list[str]:
        """Why a read failed, in French: the damaged data files and what each costs the pages."""
        m = self.manifest()
        return self.damage_report(m, self.damaged_files(m))

    def _file_problems(self, m: dict) -> list[str]:
        return self.damage_report(m, self.damaged_files(m))

    def check(self) -> tuple[list[str], list[str]]:
        """What is wrong with the store, in French, and what `repair` would do about it."""
        problems, repairs = [], []
        if self.is_pristine():
            return problems, repairs
        for name, valid in ((MANIFEST, lambda d: isinstance(d, dict) and {"version", "next_batch", "files"} <= set(d)),
                            (ACCOUNTS, lambda d: isinstance(d, dict) and isinstance(d.get("accounts"), list))):
            path, backup = self.root / name, self.root / BACKUP[name]
            if path.exists() and valid(read_json(path)):
                continue
            if not path.exists() and not backup.exists() and name == ACCOUNTS:
                continue  # a store without accounts (never had any)
            problems.append(f"Le fichier {name} est {'absent' if not path.exists() else 'illisible ou tronqué'}.")
            copy = read_json(backup) if backup.exists() else None
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
        if not problems and (catalogue := self.catalogue_problem(self.manifest())):
            problems.append(catalogue)
            repairs.append("le catalogue de lecture endommagé sera retiré (il est reconstruit à la lecture suivante).")
        return problems, repairs

    def repair(self) -> list[str]:
        """Restore the manifest and the accounts from their backup copies when `check` says it can; returns what
        was done (nothing when the store is sound or cannot be repaired so)."""
        with self._lock:
            problems, repairs = self.check()
            if not repairs or len(problems) != len(repairs):  # repair only when every problem has its repair
                return []
            for name in (MANIFEST, ACCOUNTS):
                backup = self.root / BACKUP[name]
                if any(r.startswith(name) for r in repairs):
                    atomic_write_bytes(self.root / name, lambda fh, data=backup.read_bytes(): fh.write(data))
            if any(r.startswith("le catalogue") for r in repairs):
                self.forget_catalogue(self.manifest())
            return repairs


def location() -> str:
    """Where this process's store is: CMQ_DATABASE_URL when set (the shared store on PostgreSQL), else the embedded
    store's folder (CMQ_DATA_DIR, by default data/store)."""
    return os.environ.get(DATABASE_URL) or str(default_dir().resolve())


def store_at(where: str | Path | None = None, **kw):
    """The store at `where` (a postgresql:// URL or a folder; by default `location()`): PgStore or Store."""
    from cmq.core.store import postgres

    where = location() if where is None else where
    return postgres.PgStore(str(where), **kw) if postgres.is_url(where) else Store(where, **kw)
