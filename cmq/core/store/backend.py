"""The contract between the store's shared logic and its two backends.

The shared logic decides: `Batches` (commit, revert and the write door's checks), `Campaigns` (the reporting cycle),
`Accounts` (accounts changed in someone's name) and `Catalogue` (the read path). A backend keeps what they decide:
`Store` a folder of Parquet files (`__init__.py` and `folder.py`), `PgStore` a PostgreSQL database (`postgres.py`).
Every hook below is what the shared logic, the app or the command line calls on a store; each backend implements
each one for what it is (a test checks that both do, and that no backend answers a hook with an empty stub).
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

import duckdb
import pyarrow as pa


class Backend(Protocol):
    damaged: dict[int, list[str]]  # version → what damaged data files cost the pages (a database: none)

    @property
    def where(self) -> str:
        """Where the store lives, to name it in a message (a folder, or the database without its password)."""

    # ---------------------------------------------------------------- state
    def manifest(self) -> dict:
        """The store's state: its version, next batch and revert numbers, its campaigns and, per table, what its
        current rows are made of. Refused in French (StoreDamaged) when it cannot be read."""

    def version(self) -> int:
        """The store's version, cheaply (every page run asks it tens of times)."""

    def is_pristine(self) -> bool:
        """Nothing was ever written: the only store the demo may be built into."""

    def is_empty(self) -> bool:
        """No batch was ever committed."""

    # ---------------------------------------------------------------- writing
    def _writing(self) -> AbstractContextManager:
        """The writers' lock and, inside it, everything one write does: it lands whole or not at all, and a failure
        comes out as a French StoreError. Every write of the shared logic runs inside it."""

    def write(self, fn):
        """fn(store) under the writers' lock: what it reads and what it writes see one state (a check and its commit)."""

    def _write_manifest(self, m: dict) -> None:
        """Inside `_writing`: `m` becomes the store's state, one version up (the commit point)."""

    def _record_batch(self, m: dict, table_name: str, batch_id: int, rows: pa.Table, record: pa.Table) -> list[str]:
        """Inside `_writing`, before the commit point: a batch's rows and its record, and in `m` what the table's
        current rows now are. Returns the files it retired (a database: none)."""

    def _record_revert(self, m: dict, n: int, table_name: str, batch_id: int, rec: pa.Table) -> list[str]:
        """The same for revert number `n` of a batch."""

    def compact(self) -> dict:
        """Keep reads fast after many small batches (files merged, tables vacuumed); nothing read changes."""

    def reset(self) -> None:
        """Empty every table (the version keeps counting up; accounts stay)."""

    def load(self, rows: dict, *, accounts: dict, campaigns: list, kind: str | None, next_batch: int) -> None:
        """Fill this new store with another's whole history (transfer.copy), batch numbers kept."""

    def init(self, admin: dict) -> None:
        """Make this never-written store a real one, with its first administrator."""

    # ---------------------------------------------------------------- accounts
    def accounts(self) -> dict[str, dict]:
        """Every account by name (hashes included: never shown)."""

    def _write_accounts(self, accounts: dict[str, dict]) -> None:
        """Under the accounts' lock: these become the accounts."""

    def _ensure_started(self) -> None:
        """Before the first account is written: the store exists (a folder: its first manifest; a database: this
        code's schema)."""

    def write_accounts(self, fn):
        """fn(store) under the accounts' own lock (a sign-in and its waits), never the writers' lock."""

    def session_secret(self) -> str:
        """The key that signs session tokens, the same for every app server of the store."""

    def signin_waits(self) -> dict[str, dict]:
        """The failed sign-ins being counted (digests only)."""

    def write_signin_waits(self, waits: dict[str, dict]) -> None:
        """Under the accounts' lock: these become the waits."""

    # ---------------------------------------------------------------- reading
    def connect(self, manifest: dict | None = None, *, build: bool = True) -> duckdb.DuckDBPyConnection:
        """A read-only DuckDB connection on one version's canonical views (the store's current one by default)."""

    def unreadable(self) -> list[str]:
        """Why a read just failed, in French, for the person who saw it (damaged data files, a damaged catalogue)."""

    # ---------------------------------------------------------------- checking
    def check(self) -> tuple[list[str], list[str]]:
        """What is wrong with the store, and what `repair` would do about it, in French."""

    def check_summary(self) -> str:
        """What `check` verified on a sound store, in French."""


# what only the folder has: `repair` (called only when `check` lists repairs: a database's never does),
# data_files and damaged_files (its files and their checksums), `_start` and `_remove` (its first manifest, the
# files a write retired: called only when there are some)
HOOKS = [name for name, value in vars(Backend).items()
         if not name.startswith("__") and (isinstance(value, property) or callable(value)) and name != "_is_protocol"]
