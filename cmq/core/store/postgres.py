"""The store of record on PostgreSQL (CMQ_DATABASE_URL): several app servers, one database, the same contract.

What the embedded store keeps in files, this one keeps in tables (cmq/core/store/migrations/*.sql):
    store_state          the manifest's place: version (bumped by every write), next batch and revert numbers, kind,
                         campaigns, the version at which each table last changed, the store's id
    batches, reverts     one row per batch and per revert
    <table>_history      every row ever committed, with its batch (a batch holds a key once: unique constraint)
    accounts             one JSON document per account; store_documents: sign-in waits, the session key

The write door is the same code (Batches, Campaigns, Accounts): every write takes the writers' lock — a PostgreSQL
advisory lock, so writers on every server queue behind each other — then runs as one transaction (batch row, fact
rows, state) that commits whole or not at all; a writer killed mid-commit leaves nothing (the server rolls back).

DuckDB keeps answering every question: each app server builds, for each store version, a read catalogue (the same
native tables as the embedded store's, under a local cache folder) from one consistent snapshot of the database
(repeatable read), starting from its previous catalogue and fetching only the rows of the batches since (the history
is append-only); queries/*.sql run unchanged. A server learns of a new version on its next page load (one small read of
store_state), so an import through one server shows on the others without restarting them.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
from filelock import FileLock

from cmq.core import schema
from cmq.core.store.accounts import Accounts
from cmq.core.store.batches import Batches
from cmq.core.store.campaigns import Campaigns
from cmq.core.store.catalogue import (
    BATCHES_SQL,
    CATALOGUE_KEY,
    Catalogue,
    by_region,
    history_sql,
    latest_sql,
    read_as,
    shared_rules,
)
from cmq.core.store.files import (
    BATCHES,
    CATALOGUE,
    REVERTS,
    StoreError,
    StoreUnavailable,
    columns_of,
    configured_session_secret,
    private_folder,
)

MIGRATIONS = Path(__file__).with_name("migrations")
WRITERS_LOCK, ACCOUNTS_LOCK, UPGRADE_LOCK = 7_401_001, 7_401_002, 7_401_003  # advisory lock keys
POOL_WAIT = 5.0  # seconds a page waits for a database connection before saying the database does not answer
PG_TYPES = {"text": "text", "int": "bigint", "float": "double precision", "bool": "boolean", "date": "date"}
REVERT_CATALOGUE_COLUMNS = (("revert_id", "int"), *schema.REVERT_COLUMNS)
UNAVAILABLE = ("La base de données du magasin ne répond pas ({why}). Rien n'a été perdu : les pages reviendront dès "
               "qu'elle répondra. Réessayez dans un instant ; si cela dure, prévenez l'administrateur.")


def is_url(where) -> bool:
    return str(where).startswith(("postgresql://", "postgres://"))


def unavailable(exc: BaseException) -> StoreUnavailable:
    """The French StoreUnavailable for a database that does not answer (psycopg's English stays out of it)."""
    why = "délai dépassé" if "timeout" in type(exc).__name__.lower() else "connexion impossible ou perdue"
    return StoreUnavailable(UNAVAILABLE.format(why=why))


def _pool_timeout():
    from psycopg_pool import PoolTimeout

    return PoolTimeout


def psycopg_module():
    """psycopg, imported on first use: the embedded store never needs it."""
    import psycopg

    return psycopg


# ------------------------------------------------------------------------------------------------ migrations
@functools.cache
def migrations() -> tuple[tuple[int, str, str], ...]:
    """(number, name, SQL) of every migration shipped with the code, in order (read once per process)."""
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        number = int(re.match(r"(\d+)_", path.name).group(1))
        found.append((number, path.stem, path.read_text(encoding="utf-8")))
    return tuple(found)


def code_schema() -> int:
    return migrations()[-1][0]


def applied(conn) -> int:
    """The schema version the database is at (0: no migration applied)."""
    if conn.execute("select to_regclass('schema_migrations')").fetchone()[0] is None:
        return 0
    return int(conn.execute("select coalesce(max(version), 0) from schema_migrations").fetchone()[0])


def upgrade(url: str) -> list[str]:
    """Apply the migrations the database lacks, each in its own transaction, recorded in schema_migrations (one
    upgrader at a time: an advisory lock). Returns the names applied. Refuses a database newer than the code."""
    psycopg = psycopg_module()
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise unavailable(exc) from None
    done = []
    with conn:
        conn.execute("select pg_advisory_lock(%s)", [UPGRADE_LOCK])
        conn.execute("create table if not exists schema_migrations (version int primary key, name text not null, "
                     "applied_at timestamptz not null default now())")
        at = applied(conn)
        _refuse_newer(at)
        for number, name, sql in migrations():
            if number <= at:
                continue
            with conn.transaction():
                conn.execute(sql)
                conn.execute("insert into schema_migrations (version, name) values (%s, %s)", [number, name])
            done.append(name)
    return done


def _refuse_newer(at: int) -> None:
    if at > code_schema():
        raise StoreError(f"La base de données est au schéma {at}, plus récent que celui que connaît cette version de "
                         f"l'application ({code_schema()}) : mettez l'application à jour avant de la relancer. Rien "
                         "n'a été changé.")


# ------------------------------------------------------------------------------------------------ connections
_POOLS: dict[str, object] = {}
_POOLS_LOCK = threading.Lock()


def _pool(url: str):
    """One connection pool per database per process (every Store object of the process shares it)."""
    with _POOLS_LOCK:
        if url not in _POOLS:
            from psycopg_pool import ConnectionPool

            _POOLS[url] = ConnectionPool(url, min_size=1, max_size=12, timeout=POOL_WAIT, open=True,
                                         kwargs={"autocommit": True, "connect_timeout": int(POOL_WAIT)},
                                         check=ConnectionPool.check_connection, reconnect_timeout=3600,
                                         name="cmq-store")
        return _POOLS[url]


NOTIFY_CHANNEL = "cmq_store_version"  # every write announces the store's new version on it (at commit)


class _Versions:
    """The store's current version as this process knows it, kept by one connection that LISTENs to NOTIFY_CHANNEL
    (a thread per database per process): a page load learns the version without a query, and an import committed
    through another server is known here within milliseconds. While the connection is down the version is unknown
    (None) and readers ask the database, which says in French when it does not answer."""

    def __init__(self, url: str):
        self.url, self.version, self.closed = url, None, False
        self.lock = threading.Lock()
        threading.Thread(target=self._listen, name="cmq-store-versions", daemon=True).start()

    def saw(self, version: int) -> None:
        with self.lock:
            if self.version is not None and version > self.version:
                self.version = version

    def _listen(self) -> None:
        psycopg = psycopg_module()
        while not self.closed:
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=int(POOL_WAIT)) as conn:
                    conn.execute(f"listen {NOTIFY_CHANNEL}")
                    # read after LISTEN: a commit in between is both in this read and in a notification
                    state = conn.execute("select state ->> 'version' from store_state where id = 1").fetchone()
                    with self.lock:
                        self.version = int(state[0])
                    while not self.closed:
                        for note in conn.notifies(timeout=5):
                            with self.lock:
                                self.version = max(self.version or 0, int(note.payload))
                        conn.execute("select 1")  # a connection lost without a word is found out here
            except Exception:  # down, unreachable, not yet upgraded: unknown until the connection is back
                with self.lock:
                    self.version = None
                time.sleep(1)


_VERSIONS: dict[str, _Versions] = {}


def _versions(url: str) -> _Versions:
    with _POOLS_LOCK:
        if url not in _VERSIONS:
            _VERSIONS[url] = _Versions(url)
        return _VERSIONS[url]


def close_pool(url: str) -> None:
    """Close this process's connections to a database (before it is dropped, copied or restored)."""
    with _POOLS_LOCK:
        pool, versions = _POOLS.pop(url, None), _VERSIONS.pop(url, None)
    if versions is not None:
        versions.closed = True
    if pool is not None:
        pool.close()


class _Lock:
    """A writers' or accounts' lock of the PostgreSQL store: a session advisory lock on a connection the thread keeps
    while it holds the lock (every write inside runs its transaction on it). Re-entrant within a thread; released by
    the server if the process dies."""

    def __init__(self, store: PgStore, key: int, timeout: float):
        self.store, self.key, self.timeout = store, key, timeout

    def __enter__(self):
        held = self.store._held
        depth = held.__dict__.setdefault("depth", {})
        if depth.get(self.key):
            depth[self.key] += 1
            return self
        psycopg = psycopg_module()
        conn = self.store._take_connection()
        try:
            if self.timeout <= 0:
                got = conn.execute("select pg_try_advisory_lock(%s)", [self.key]).fetchone()[0]
            else:
                conn.execute("select set_config('lock_timeout', %s, false)", [f"{int(self.timeout * 1000)}ms"])
                conn.execute("select pg_advisory_lock(%s)", [self.key])
                conn.execute("select set_config('lock_timeout', '0', false)")
                got = True
        except psycopg.errors.LockNotAvailable:
            conn.execute("select set_config('lock_timeout', '0', false)")  # the pooled connection as it was
            got = False
        except psycopg.OperationalError as exc:
            self.store._give_back(broken=True)
            raise unavailable(exc) from None
        if not got:
            self.store._give_back()
            raise StoreError("Le magasin est occupé par une autre écriture : réessayez dans un instant. "
                             "Rien n'a été enregistré.")
        depth[self.key] = 1
        return self

    def __exit__(self, *exc):
        depth = self.store._held.depth
        depth[self.key] -= 1
        if depth[self.key]:
            return False
        try:
            self.store._held.conn.execute("select pg_advisory_unlock(%s)", [self.key])
            broken = False
        except psycopg_module().Error:
            broken = True  # the connection is gone: the server released the lock with it
        self.store._give_back(broken=broken)
        return False


class PgStore(Batches, Campaigns, Accounts, Catalogue):
    """The store on a PostgreSQL database; the same methods as Store (see its docstring)."""

    def __init__(self, url: str, *, lock_timeout: float = 120, cache_dir: str | Path | None = None):
        self.url = url
        base = Path(cache_dir or os.environ.get("CMQ_CACHE_DIR") or
                    Path(tempfile.gettempdir()) / f"cmq-catalogues-{os.getuid()}")
        self.root = base / _where_key(url)  # this server's read catalogues of this database (derived, disposable)
        for folder in (base, self.root):
            private_folder(folder)
            if folder.stat().st_uid != os.getuid():  # made by another local user first (a shared temporary folder)
                raise StoreError(f"Le dossier des catalogues {folder} appartient à un autre compte que celui de "
                                 "l'application : rien n'y est lu ni écrit. Donnez un dossier privé dans CMQ_CACHE_DIR, "
                                 "ou retirez celui-ci.")
            if folder.stat().st_mode & 0o077:
                os.chmod(folder, 0o700)  # ours, but open to others: closed
        self._held = threading.local()
        self._lock = _Lock(self, WRITERS_LOCK, lock_timeout)
        self._accounts_lock = _Lock(self, ACCOUNTS_LOCK, 30)
        self.damaged: dict[int, list[str]] = {}
        self._ready_checked = False

    def __repr__(self) -> str:
        return f"PgStore({_safe(self.url)})"

    @property
    def where(self) -> str:
        """Where the store lives, said without its password."""
        return _safe(self.url)

    # ---------------------------------------------------------------- connections
    def _take_connection(self):
        held = self._held
        if getattr(held, "conn", None) is None:
            try:
                held.conn = _pool(self.url).getconn()
            except (psycopg_module().OperationalError, _pool_timeout()) as exc:  # the database does not answer
                raise unavailable(exc) from None
            held.users = 0
        held.users += 1
        return held.conn

    def _give_back(self, broken: bool = False) -> None:
        held = self._held
        held.users -= 1
        if held.users == 0:
            conn, held.conn = held.conn, None
            if broken:
                conn.close()
            _pool(self.url).putconn(conn)

    @contextmanager
    def _conn(self):
        """The thread's connection while it holds a lock (so that reads see its own transaction), else a pooled one;
        a database that does not answer comes out as StoreUnavailable (French)."""
        psycopg = psycopg_module()
        conn = self._take_connection()
        try:
            yield conn
        except psycopg.OperationalError as exc:
            self._give_back(broken=True)
            conn = None
            raise unavailable(exc) from None
        finally:
            if conn is not None:
                self._give_back(broken=conn.closed or conn.broken)

    def _ready(self, conn) -> None:
        """At first use: refuse a database whose schema is newer than the code, or not yet upgraded (in French)."""
        if self._ready_checked:
            return
        at = applied(conn)
        _refuse_newer(at)
        if at < code_schema():
            raise StoreError(f"La base de données est au schéma {at}, cette version de l'application attend le schéma "
                             f"{code_schema()} : lancez « python -m cmq db upgrade » (avec CMQ_DATABASE_URL), puis "
                             "relancez l'application.")
        self._ready_checked = True

    # ---------------------------------------------------------------- state (the manifest's place)
    def manifest(self) -> dict:
        with self._conn() as conn:
            self._ready(conn)
            return conn.execute("select state from store_state where id = 1").fetchone()[0]

    def version(self) -> int:
        """The store's version: as the listening connection last heard it (no query), or asked to the database inside
        a write, before the first notification or while the listener is down."""
        if getattr(self._held, "conn", None) is None:
            known = _versions(self.url).version
            if known is not None:
                return known
        return int(self.manifest()["version"])

    def is_pristine(self) -> bool:
        """Nothing ever written: no batch, no account, no step (the only store the demo may be built into)."""
        if int(self.manifest()["version"]):
            return False
        with self._conn() as conn:
            return conn.execute("select not exists (select 1 from accounts)").fetchone()[0]

    def is_empty(self) -> bool:
        with self._conn() as conn:
            return int(self.manifest()["next_batch"]) == 1 and \
                conn.execute("select not exists (select 1 from batches)").fetchone()[0]

    def _ensure_started(self) -> None:
        """Before the first account is written: the database is at this code's schema (its migrations made the
        state row), else a French StoreError."""
        with self._conn() as conn:
            self._ready(conn)

    def _write_manifest(self, m: dict) -> None:
        """Inside the write's transaction: the new state, one version up."""
        m["version"] = int(m["version"]) + 1
        self._held.conn.execute("update store_state set state = %s where id = 1", [_json(m)])
        self._held.conn.execute("select pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(m["version"])])  # sent at commit
        self._held.written = m["version"]

    def write(self, fn):
        with self._lock:
            return fn(self)

    def write_accounts(self, fn):
        with self._accounts_lock:
            return fn(self)

    @contextmanager
    def _writing(self):
        """The writers' lock, then one transaction: everything the write does commits together or not at all."""
        psycopg = psycopg_module()
        with self._lock:
            conn = self._held.conn
            try:
                self._ready(conn)
                self._held.written = None
                with conn.transaction():
                    yield
                if self._held.written is not None:  # this process knows its own commit at once
                    _versions(self.url).saw(self._held.written)
            except psycopg.OperationalError as exc:
                raise unavailable(exc) from None
            except psycopg.Error as exc:
                raise StoreError("Rien n'a été enregistré : la base de données a refusé l'écriture "
                                 f"({exc.diag.message_primary or type(exc).__name__}).") from exc

    def init(self, admin: dict) -> None:
        with self._writing():
            if not self.is_pristine():
                raise StoreError(f"La base {self.where} n'est pas vide : rien n'a été changé.")
            m = self.manifest()
            m["kind"] = "real"
            self._write_manifest(m)
            self._write_accounts({admin["name"]: admin})

    def check(self) -> tuple[list[str], list[str]]:
        """What is wrong with the store (the schema; the data's integrity is the database's constraints)."""
        try:
            m = self.manifest()
        except StoreError as exc:
            return [str(exc)], []
        if catalogue := self.catalogue_problem(m):
            return [catalogue], []  # made again at the next read
        return [], []

    def check_summary(self) -> str:
        return "schéma de la base à jour"

    def unreadable(self) -> list[str]:
        """Why a read failed, in French: the database holds no data file; the server's read catalogue may be damaged
        (it is made again at the next read)."""
        return [problem] if (problem := self.catalogue_problem(self.manifest())) else []

    # ---------------------------------------------------------------- writes (called inside _writing)
    def _record_batch(self, m: dict, table_name: str, batch_id: int, rows: pa.Table, record: pa.Table) -> list[str]:
        conn = self._held.conn
        _copy_in(conn, "batches", record)
        _copy_in(conn, f"{table_name}_history", rows)
        m.setdefault("tables", {})[table_name] = int(m["version"]) + 1
        return []

    def _record_revert(self, m: dict, n: int, table_name: str, batch_id: int, rec: pa.Table) -> list[str]:
        _copy_in(self._held.conn, "reverts", rec.append_column("revert_id", pa.array([n] * rec.num_rows, pa.int64())))
        m.setdefault("tables", {})[table_name] = int(m["version"]) + 1
        return []

    def load(self, rows: dict, *, accounts: dict, campaigns: list, kind: str | None, next_batch: int) -> None:
        """Fill this new store with another's whole history (transfer.copy), in one transaction: batch numbers kept."""
        with self._writing():
            if not self.is_empty() or self.accounts():
                raise StoreError(f"La base {self.where} n'est pas vide : rien n'a été changé.")
            conn = self._held.conn
            _copy_in(conn, "batches", rows[BATCHES])
            reverts = rows[REVERTS]
            _copy_in(conn, "reverts", reverts.append_column(
                "revert_id", pa.array(range(1, reverts.num_rows + 1), pa.int64())))
            for t in schema.TABLES:
                _copy_in(conn, f"{t}_history", rows[t])
            m = self.manifest()
            m.update(next_batch=next_batch, next_revert=reverts.num_rows + 1, campaigns=campaigns,
                     tables={t: int(m["version"]) + 1 for t in schema.TABLES})
            if kind:
                m["kind"] = kind
            self._write_manifest(m)
            self._write_accounts(accounts)


    def compact(self) -> dict:
        """On PostgreSQL there are no files to merge: the tables are vacuumed and analysed instead (nothing changes
        in what they hold). Returns {} (no table had files merged)."""
        with self._conn() as conn:
            for name in ["batches", "reverts", *(f"{t}_history" for t in schema.TABLES)]:
                conn.execute(f"vacuum (analyze) {name}")  # names from the schema
        return {}

    def reset(self) -> None:
        """Empty the store (every table, every batch); the version keeps counting up, the accounts stay."""
        with self._writing():
            names = ", ".join([*(f"{t}_history" for t in schema.TABLES), "reverts", "batches"])
            self._held.conn.execute(f"truncate {names}")  # names from the schema
            m = self.manifest()
            m.update(tables={}, store_id=uuid.uuid4().hex)  # catalogues of the old store are never built upon
            self._write_manifest(m)

    # ---------------------------------------------------------------- accounts and small documents
    def accounts(self) -> dict[str, dict]:
        with self._conn() as conn:
            self._ready(conn)
            return dict(conn.execute("select name, account from accounts order by name").fetchall())

    def _write_accounts(self, accounts: dict[str, dict]) -> None:
        """Replace the accounts by `accounts`, in one transaction."""
        with self._conn() as conn, conn.transaction():
            conn.execute("delete from accounts where not (name = any(%s))", [list(accounts)])
            for name, account in accounts.items():
                conn.execute("insert into accounts values (%s, %s) on conflict (name) do update set account = "
                             "excluded.account where accounts.account is distinct from excluded.account",
                             [name, _json(account)])

    def _document(self, name: str):
        with self._conn() as conn:
            found = conn.execute("select document from store_documents where name = %s", [name]).fetchone()
            return found[0] if found else None

    def _put_document(self, name: str, document) -> None:
        with self._conn() as conn:
            conn.execute("insert into store_documents values (%s, %s) on conflict (name) do update set document = "
                         "excluded.document", [name, _json(document)])

    def session_secret(self) -> str:
        if secret := configured_session_secret():
            return secret
        if (found := self._document("session_secret")) is None:
            with self._conn() as conn:  # the first server to ask makes it; the others read that one
                conn.execute("insert into store_documents values ('session_secret', %s) on conflict do nothing",
                             [_json(secrets.token_hex(32))])
            found = self._document("session_secret")
        return found

    def signin_waits(self) -> dict[str, dict]:
        found = self._document("signin_waits")
        return found if isinstance(found, dict) else {}

    def write_signin_waits(self, waits: dict[str, dict]) -> None:
        self._put_document("signin_waits", waits)

    # ---------------------------------------------------------------- reads: this server's DuckDB catalogue
    def _moved_on(self, m: dict, given: dict | None) -> bool:
        return False  # a catalogue is one snapshot of the database: nothing is retired under a reader

    def connect(self, manifest: dict | None = None, *, build: bool = True) -> duckdb.DuckDBPyConnection:
        """The catalogue of the store's current version (`manifest`: of that version, or a newer one if the database
        moved on meanwhile), built from the database on its first read on this server."""
        m = manifest or self.manifest()
        path = self._catalogue_path(m)
        for attempt in range(3):  # the cache folder deleted while the catalogue was being built: made again
            try:
                if not path.exists():
                    path = self._build_catalogue(m, path)
                try:
                    return duckdb.connect(str(path), read_only=True)
                except duckdb.Error:  # damaged, or written by another DuckDB version: built again
                    path.unlink(missing_ok=True)
                    return duckdb.connect(str(self._build_catalogue(m, path)), read_only=True)
            except (FileNotFoundError, duckdb.IOException):
                if attempt == 2:
                    raise

    def _catalogue_path(self, m: dict) -> Path:
        # the catalogue's format and contract in its name: a server of newer code never reads one without the rules
        # and columns it expects
        return self.root / CATALOGUE / f"v{int(m['version']):010d}-{m['store_id']}-f{CATALOGUE_KEY}.duckdb"

    def _build_catalogue(self, m: dict, path: Path) -> Path:
        """Write this server's catalogue of the database's current version (from one repeatable-read snapshot): the
        previous catalogue of the same store, plus the rows of the batches and reverts since, the current rows of the
        tables that changed resolved again. Written aside and renamed into place. Returns its path."""
        folder = private_folder(path.parent)
        with FileLock(str(folder / ".lock"), timeout=300):
            if path.exists():
                return path
            for stale in folder.glob(".tmp-*"):
                stale.unlink(missing_ok=True)
            older = sorted(p for p in folder.glob(f"v*-{m['store_id']}-f{CATALOGUE_KEY}.duckdb") if p.name < path.name)
            tmp = folder / f".tmp-{uuid.uuid4().hex}.duckdb"
            try:
                if older:
                    shutil.copyfile(older[-1], tmp)
                con = duckdb.connect(str(tmp))
                try:
                    with self._snapshot_connection() as conn:
                        state = conn.execute("select state from store_state where id = 1").fetchone()[0]
                        path = self._catalogue_path(state)
                        if path.exists():
                            return path
                        _fill(con, conn, state, known=bool(older))
                finally:
                    con.close()
                with open(tmp, "rb+") as fh:
                    os.fchmod(fh.fileno(), 0o600)
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
                tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            for p in folder.glob("v*.duckdb"):  # keep this version and the previous one (readers still on it)
                if p != path and (not older or p != older[-1]):
                    p.unlink(missing_ok=True)
        return path

    @contextmanager
    def _snapshot_connection(self):
        """A pooled connection (never the thread's write connection) in a read-only repeatable-read transaction."""
        psycopg = psycopg_module()
        try:
            with _pool(self.url).connection() as conn:
                with conn.transaction():
                    conn.execute("set transaction isolation level repeatable read, read only")
                    conn.execute("set local datestyle = 'ISO'")
                    yield conn
        except (psycopg.OperationalError, _pool_timeout()) as exc:
            raise unavailable(exc) from None


# ------------------------------------------------------------------------------------------------ helpers
def _safe(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


def _where_key(url: str) -> str:
    """A folder name for a database: host, port, name and user, hashed (never the password)."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    parts = [str(info.get(k, "")) for k in ("host", "port", "dbname", "user")]
    return "pg-" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _json(value):
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def _copy_in(conn, table: str, rows: pa.Table) -> None:
    """Append Arrow rows to a table with COPY (CSV: empty unquoted is null, "" an empty text)."""
    if rows.num_rows == 0:
        return
    from psycopg import sql

    buf = io.BytesIO()
    pacsv.write_csv(rows, buf, pacsv.WriteOptions(include_header=False))
    statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(n) for n in rows.column_names))
    with conn.cursor().copy(statement) as copy:
        copy.write(buf.getvalue())


def _copy_out(conn, statement, columns) -> pa.Table | None:
    """The rows of a SELECT as an Arrow table typed as `columns` say ((name, type) pairs); None when there are none."""
    from psycopg import sql

    buf = io.BytesIO()
    with conn.cursor().copy(sql.SQL("copy ({}) to stdout (format csv)").format(statement)) as copy:
        for data in copy:
            buf.write(data)
    if not buf.tell():
        return None
    buf.seek(0)
    names = [n for n, _ in columns]
    return pacsv.read_csv(buf, read_options=pacsv.ReadOptions(column_names=names), convert_options=pacsv.ConvertOptions(
        column_types={n: schema.ARROW_TYPES[t] for n, t in columns}, null_values=[""], strings_can_be_null=True,
        quoted_strings_can_be_null=False, true_values=["t"], false_values=["f"]))


def _fill(con: duckdb.DuckDBPyConnection, conn, state: dict, known: bool) -> None:
    """Bring catalogue `con` (empty, or the previous version's) to the database's snapshot `state`."""
    from psycopg import sql

    sources = [(f"raw{BATCHES}", "batches", schema.BATCH_COLUMNS, "batch_id"),
               (f"raw{REVERTS}", "reverts", REVERT_CATALOGUE_COLUMNS, "revert_id")]
    sources += [(f"raw_{t.name}", f"{t.name}_history", columns_of(t), "batch_id") for t in schema.TABLES.values()]
    if not known:
        for name, _, cols, _ in sources:
            con.execute(f"create table {name} (" + ", ".join(f"{n} {schema.DUCKDB_TYPES[t]}" for n, t in cols) + ")")
    for name, source, cols, order in sources:
        upto = con.execute(f"select coalesce(max({order}), 0) from {name}").fetchall()[0][0]
        rows = _copy_out(conn, sql.SQL("select {} from {} where {} > {} order by {}").format(
            sql.SQL(", ").join(sql.Identifier(n) for n, _ in cols), sql.Identifier(source), sql.Identifier(order),
            sql.Literal(int(upto)), sql.Identifier(order)), cols)
        if rows is not None:
            con.register("incoming", rows)
            con.execute(f"insert into {name} select {', '.join(read_as(n, True) for n, _ in cols)} from incoming")
            con.unregister("incoming")
    # the same relations as the embedded store's catalogue (Catalogue._views): batches, histories, current rows
    con.execute(f"create or replace table batches as {BATCHES_SQL}")
    signed = dict(con.execute("select name, signature from _signatures").fetchall()) if known else {}
    changed = state.get("tables", {})
    rebuilt = set()
    for t in schema.TABLES.values():
        con.execute(f"create or replace view {t.name}_history as {history_sql(t)}")
        if not known or signed.get(t.name) != json.dumps(changed.get(t.name)):
            rebuilt.add(t.name)
            con.execute(f"create or replace table {t.name} as {latest_sql(t, f'raw_{t.name}', 'raw_reverts')} order by "
                        + ", ".join(([t.campus_column] if t.campus_column else []) + list(t.key)))
    con.execute("create or replace table _signatures (name varchar, signature varchar)")
    con.executemany("insert into _signatures values ($name, $signature)",
                    [{"name": n, "signature": json.dumps(changed.get(n))} for n in schema.TABLES])
    by_region(con, rebuilt)
    shared_rules(con)
    con.execute("checkpoint")
