"""Streamlit glue shared by the pages: the cached store and read path, the sidebar filters, captions."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from . import fmt, queries
from .store import Store, default_dir, open_store

ALL_YEARS = "Toutes les années"


@st.cache_resource(show_spinner="Préparation des données…")
def _store(root: str) -> Store:
    return open_store(root)


def store() -> Store:
    """The store of this app (CMQ_DATA_DIR); the demo is built into it on first start."""
    return _store(str(default_dir().resolve()))


@st.cache_resource(max_entries=2)
def _connection(root: str, version: int):
    return store().connect()


@st.cache_data(ttl=600, max_entries=512, show_spinner=False)
def _run(name: str, params: tuple, root: str, version: int) -> pd.DataFrame:
    con = _connection(root, version).cursor()
    try:
        return queries.run(name, con=con, **dict(params))
    finally:
        con.close()


def run(name: str, **params) -> pd.DataFrame:
    """Rows of query `name`, cached per store version (a commit makes every cached result stale)."""
    s = store()
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _run(name, frozen, str(s.root), s.version()).copy()


def clear_cache() -> None:
    """Drop cached results after a write (they are keyed on the store version anyway; this frees memory)."""
    _run.clear()


def filters() -> dict:
    """The shared sidebar filters (year, campuses), mirrored in the URL so a link reproduces the view."""
    years = run("years")["year"].tolist()
    campuses = run("campuses")
    names = dict(zip(campuses["campus_id"], campuses["name"]))
    qp = st.query_params
    url_year = qp.get("annee")
    year_options = [ALL_YEARS] + years
    default_year = int(url_year) if url_year and url_year.isdigit() and int(url_year) in years else (
        2018 if 2018 in years else ALL_YEARS)
    url_campuses = [c for c in qp.get_all("campus") if c in names]
    with st.sidebar:
        st.header("Filtres")
        year = st.selectbox("Année", year_options, index=year_options.index(default_year), key="flt_year")
        chosen = st.multiselect("Campus", list(names), default=url_campuses, key="flt_campus",
                                format_func=lambda c: f"{c} – {names[c]}", placeholder="Tous les campus")
    new = {}
    if year != ALL_YEARS:
        new["annee"] = str(year)
    if chosen:
        new["campus"] = chosen
    current = {k: (qp.get_all(k) if k == "campus" else qp.get(k)) for k in qp}
    if current != new:
        qp.from_dict(new)
    return {"year": None if year == ALL_YEARS else int(year), "campuses": chosen or None}


def describe(f: dict) -> str:
    """The filters in words, for captions and exports."""
    year = f"année {f['year']}" if f.get("year") else "toutes les années"
    campuses = ", ".join(f["campuses"]) if f.get("campuses") else "tous les campus"
    return f"{year} · {campuses}"


def caption(f: dict, source: str) -> None:
    """Under a chart: what was filtered, where the figures come from and how fresh they are."""
    last = run("data_freshness")["last_commit"].iloc[0]
    when = fmt.day(pd.Timestamp(last).date()) if pd.notna(last) else fmt.UNKNOWN
    st.caption(f"{describe(f)} — Source : {source}. Données importées le {when}.")
