"""The store's files: names, errors, atomic writes (temp file, fsync, rename), typed Parquet."""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cmq.core import schema

MANIFEST = "manifest.json"
ACCOUNTS = "accounts.json"
WAITS = "signin-waits.json"  # failed sign-ins being counted (auth.WAITS)
SESSION_SECRET = "session-secret"  # the key that signs session tokens (auth.session_token)
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


class StoreUnavailable(StoreError):
    """The database of a shared store does not answer (down, unreachable, too slow): pages say so in French and come
    back when it answers again."""


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


SESSION_SECRET_MIN = 32  # characters of a session key given in CMQ_SESSION_SECRET


def configured_session_secret() -> str | None:
    """The session key CMQ_SESSION_SECRET gives, or None; a short one is refused (anyone could guess it and sign an
    administrator's cookie)."""
    secret = os.environ.get("CMQ_SESSION_SECRET")
    if secret and len(secret) < SESSION_SECRET_MIN:
        raise StoreError(f"CMQ_SESSION_SECRET est trop courte ({len(secret)} caractères) : donnez au moins "
                         f"{SESSION_SECRET_MIN} caractères aléatoires (par exemple « openssl rand -hex 32 »).")
    return secret or None


ADDRESS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # postgresql://…, s3://…: an address, never a folder


def not_an_address(where) -> Path:
    """The folder `where` names, or a French StoreError when it is an address (a store folder is never made of one)."""
    if ADDRESS.match(str(where)):
        raise StoreError(f"« {str(where).split('@')[-1]} » est une adresse, pas un dossier : rien n'a été créé. Une "
                         "base PostgreSQL se donne dans CMQ_DATABASE_URL (postgresql://…), un magasin embarqué par le "
                         "chemin de son dossier dans CMQ_DATA_DIR.")
    return Path(where)


def default_dir() -> Path:
    return not_an_address(os.environ.get("CMQ_DATA_DIR") or "data/store")


def private_folder(path: Path) -> Path:
    """Make `path` (and its missing parents) readable by the store's owner only (0700): the store's data, its accounts
    and its read catalogues are nobody else's on the machine."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is cut by the umask
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, write, replaced=None) -> None:
    """Write through a temp file in the same folder, fsync, rename into place. `replaced()` is called as soon as the
    rename is done: from then on the new content is in place, whatever fails after (the folder's fsync)."""
    private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)  # made 0600: its owner's only
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if replaced is not None:
        replaced()
    _fsync_dir(path.parent)


def write_parquet(path: Path, tbl: pa.Table) -> dict:
    """Write a data file atomically; returns what the manifest records of it to detect damage later: its size, its
    SHA-256 and the batches it holds."""
    sink = pa.BufferOutputStream()
    pq.write_table(tbl, sink, compression="zstd")
    data = sink.getvalue().to_pybytes()
    atomic_write_bytes(path, lambda fh: fh.write(data))
    if _written is not None:
        _written.append(path)
    lo, hi = (pc.min_max(tbl["batch_id"]).values() if "batch_id" in tbl.column_names and tbl.num_rows
              else (None, None))
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "batches": [lo.as_py(), hi.as_py()] if lo is not None and lo.is_valid else None}


def file_problem(path: Path, recorded: dict | None, thorough: bool = True) -> str | None:
    """What is wrong with one data file, in French (None when sound): absent, not of the size or the SHA-256 recorded
    when it was written (`thorough`: the SHA-256 too, else the size only), or, for a file written before sums were
    recorded, an unreadable Parquet footer."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "est absent"
    if recorded is None:
        try:
            pq.read_metadata(path)
        except (OSError, pa.ArrowException):
            return "est illisible ou tronqué"
        return None
    if size != recorded["size"]:
        return "est tronqué ou modifié (taille différente de celle enregistrée)"
    if thorough:
        with open(path, "rb") as fh:
            if hashlib.file_digest(fh, "sha256").hexdigest() != recorded["sha256"]:
                return "a été modifié depuis son enregistrement (empreinte SHA-256 différente)"
    return None


_written: list[Path] | None = None  # the data files the write under way has made (removed if it fails)


def committed() -> None:
    """The commit point is written: the data files of the write under way are the store's now, kept whatever fails
    after (a backup copy that cannot be written)."""
    if _written is not None:
        _written.clear()


@contextmanager
def undo_on_failure():
    """The data files written inside are removed if what is inside fails (no manifest names them yet)."""
    global _written
    outer, _written = _written, []
    try:
        yield
    except BaseException:
        for path in _written:
            path.unlink(missing_ok=True)
        raise
    finally:
        _written = outer


def read_json(path: Path):
    """The JSON in `path`, or None when it is empty, truncated or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def columns_of(t) -> list[tuple[str, str]]:
    """(name, type) of every column a table's files hold: its own and the batch that wrote the row."""
    return [(c.name, c.type) for c in t.columns] + [("batch_id", "int")]


def to_arrow(df: pd.DataFrame, columns) -> pa.Table:
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
