"""Streamlit glue shared by the pages: the cached store and read path, the sidebar filters, captions."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from . import fmt, queries, schema
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
    """Rows of query `name`, cached per store version (a commit makes every cached result stale).

    Keys starting with "_" (descriptions carried with the filters) are not query parameters.
    """
    s = store()
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items() if not k.startswith("_")))
    return _run(name, frozen, str(s.root), s.version())  # st.cache_data hands each caller its own copy


def clear_cache() -> None:
    """Drop cached results after a write (they are keyed on the store version anyway; this frees memory)."""
    _run.clear()


def filters() -> dict:
    """The shared sidebar filters (year, sector, campuses), mirrored in the URL so a link reproduces the view.

    Returns query parameters: year (None = every year) and campuses (None = all), the sector folded into campuses.
    """
    years = run("years")["year"].tolist()
    campuses = run("campuses")
    names = dict(zip(campuses["campus_id"], campuses["name"]))
    sectors = sorted(campuses["sector"].dropna().unique())
    qp = st.query_params
    url_year, url_sector = qp.get("annee"), qp.get("filiere")
    year_options = [ALL_YEARS] + years
    default_year = int(url_year) if url_year and url_year.isdigit() and int(url_year) in years else (
        2018 if 2018 in years else ALL_YEARS)
    with st.sidebar:
        st.header("Filtres")
        year = st.selectbox("Année", year_options, index=year_options.index(default_year), key="flt_year")
        sector = st.selectbox("Filière", [None] + sectors, index=([None] + sectors).index(url_sector) if url_sector in sectors else 0,
                              format_func=lambda x: "Toutes les filières" if x is None else x, key="flt_sector")
        pool = list(names) if sector is None else campuses.loc[campuses["sector"] == sector, "campus_id"].tolist()
        chosen = st.multiselect("Campus", pool, default=[c for c in qp.get_all("campus") if c in pool], key="flt_campus",
                                format_func=lambda c: f"{c} – {names[c]}", placeholder="Tous les campus")
    new = {}
    if year != ALL_YEARS:
        new["annee"] = str(year)
    if sector:
        new["filiere"] = sector
    if chosen:
        new["campus"] = chosen
    current = {k: (qp.get_all(k) if k == "campus" else qp.get(k)) for k in qp}
    if current != new:
        qp.from_dict(new)
    selected = chosen or (pool if sector else None)
    return {"year": None if year == ALL_YEARS else int(year), "campuses": selected, "_sector": sector}


def describe(f: dict) -> str:
    """The filters in words, for captions and exports."""
    year = f"année {f['year']}" if f.get("year") else "toutes les années"
    campuses = ", ".join(f["campuses"]) if f.get("campuses") else "tous les campus"
    sector = f" · filière {f['_sector']}" if f.get("_sector") else ""
    return f"{year}{sector} · {campuses}"


def caption(f: dict, source: str) -> None:
    """Under a chart: what was filtered, where the figures come from and how fresh they are."""
    last = run("data_freshness")["last_commit"].iloc[0]
    when = fmt.day(pd.Timestamp(last).date()) if pd.notna(last) else fmt.UNKNOWN
    st.caption(f"{describe(f)} — Source : {source}. Données importées le {when}.")


# French column names for the rows behind a chart
ROW_HEADERS = {c.name: c.header for t in schema.TABLES.values() for c in t.columns} | {
    "campus_name": "Campus", "action_title": "Action", "audience_label": "Public", "file_name": "Fichier importé",
    "user_name": "Importé par", "committed_at": "Importé le", "batch_id": "Lot",
}


def rows_table(df: pd.DataFrame) -> pd.DataFrame:
    """Rows behind a chart, with French headers and French-formatted dates of import."""
    out = df.copy()
    if "committed_at" in out:
        out["committed_at"] = out["committed_at"].map(fmt.moment)
    for col in out.columns:
        if out[col].dtype == bool or col in ("approximate", "cumulative"):
            out[col] = out[col].map(lambda v: "" if v is None or pd.isna(v) else ("oui" if v else "non"))
    return out.rename(columns=lambda c: ROW_HEADERS.get(c, c))


def chart(fig, f: dict, source: str, rows: pd.DataFrame | None = None, key: str | None = None) -> None:
    """A chart, its caption (filters, source, freshness) and the rows behind it in « Voir les données »."""
    st.plotly_chart(fig, key=key, config={"displaylogo": False})
    caption(f, source)
    if rows is not None:
        with st.expander("Voir les données"):
            if rows.empty:
                st.write("Aucune ligne pour ces filtres.")
            else:
                st.dataframe(rows_table(rows), hide_index=True)
