"""Loads queries/*.sql and runs them with named parameters: the one read path of the app."""
from __future__ import annotations

import re
from functools import cache

import duckdb
import pandas as pd

from cmq import ROOT
from cmq.core import steering
from cmq.core.store.catalogue import shade

QUERY_DIR = ROOT / "queries"
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class QueryError(Exception):
    """Unknown query or bad parameter, with a French message."""


def names() -> list[str]:
    """The names of every query file."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql"))


@cache
def sql_text(name: str) -> str:
    """The SQL of query `name`."""
    if not re.fullmatch(r"[a-z0-9_]+", name or "") or not (QUERY_DIR / f"{name}.sql").exists():
        raise QueryError(f"Requête inconnue : « {name} ». Requêtes possibles : {', '.join(names())}.")
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


@cache
def parameters(name: str) -> tuple[str, ...]:
    """The named parameters a query uses, in order of first use."""
    sql = "\n".join(line for line in sql_text(name).splitlines() if not line.lstrip().startswith("--"))
    return tuple(dict.fromkeys(_PARAM.findall(sql)))


def bind(name: str, params: dict) -> dict:
    """Exactly the parameters the query uses; the ones not given are null (no filter)."""
    unknown = set(params) - set(parameters(name))
    if unknown:
        raise QueryError(f"Paramètre inconnu pour « {name} » : {', '.join(sorted(unknown))}. "
                         f"Paramètres possibles : {', '.join(parameters(name)) or 'aucun'}.")
    out = {}
    for p in parameters(name):
        v = params.get(p, steering.QUERY_DEFAULTS.get(p))  # a threshold not given is the one steering.py sets
        if isinstance(v, (set, tuple)):
            v = sorted(v)
        if isinstance(v, list) and not v:
            v = None
        out[p] = v
    return out


def run(name: str, con: duckdb.DuckDBPyConnection | None = None, store=None, sight=None,
        held: dict | None = None, **params) -> pd.DataFrame:
    """Run query `name` on a read connection `con`, or on a new connection to `store`, and return its rows as
    `sight` lets an account read them (permissions.sight; None: the store's own read, everything). `held`: what
    `con` already holds of the sight (a cursor kept for one sight, see catalogue.shade)."""
    if sight is not None and sight.only is not None and name not in sight.only:
        raise QueryError(f"La requête « {name} » ne répond pas à une comparaison : seules des moyennes de plusieurs "
                         "campus le font.")
    sql, bound = sql_text(name), bind(name, params)
    if con is not None:
        return shade(con, sight, sql, held).execute(sql, bound).df()
    if store is None:
        raise QueryError("Précisez le magasin ou la connexion sur lesquels lancer la requête.")
    return store.read(sql, bound, sight=sight)  # again on the newer version if a commit retires a file it reads
