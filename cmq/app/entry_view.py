"""« Saisir des valeurs »: the year's values, targets and narratives of a campus's indicators typed in two grids
(numbers, oui/non), handed to the importer as the CSV a director would send: the same checks, the same diff, one
batch « saisie en ligne » recorded with the account."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cmq.app import ui
from cmq.core import fmt, schema
from cmq.outputs import templates

ENTRY_NAME = "saisie en ligne"  # the batch's file name: how the history tells a typed batch from a file
EDITED = ("value", "target", "comment")


def choose(account: dict) -> tuple[str, int]:
    """The campus (a director's own) and the year to fill."""
    campuses = ui.query("campuses")
    names = dict(zip(campuses["campus_id"], campuses["name"]))
    mine = ui.store().campuses_of(account)
    codes = [c for c in names if mine is None or c in mine]
    c1, c2 = st.columns(2)
    campus = c1.selectbox("Campus", codes, key="ent_campus", format_func=lambda c: f"{c} – {names[c]}")
    first = templates.default_year(ui.store(), "indicator_values", campus)
    years = sorted({first, date.today().year, *range(first - 2, first + 3)})
    year = c2.selectbox("Année", years, index=years.index(first), key="ent_year")
    return campus, year


def grids(campus: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The campus's indicators for the year, with what is already known: numbers, and oui/non ones."""
    lay = templates.layout(ui.store(), "indicator_values", campus, year)
    rows = lay.rows.assign(unit=lay.units.values)
    shown = pd.DataFrame({
        "indicator_id": rows["indicator_id"], "Intitulé": rows["Intitulé de l'indicateur" + templates.INFO],
        "Unité": rows["unit"].map(lambda u: schema.UNITS.get(u, u)), "unit": rows["unit"],
        "value": rows["value"], "target": rows["target"], "comment": rows["comment"].fillna(""),
    })
    yes_no = shown["unit"] == "oui_non"
    numbers = shown[~yes_no].copy()
    for c in ("value", "target"):
        numbers[c] = pd.to_numeric(numbers[c], errors="coerce")
    return numbers.reset_index(drop=True), shown[yes_no].reset_index(drop=True)


def editors(numbers: pd.DataFrame, yes_no: pd.DataFrame, key: str) -> pd.DataFrame:
    """The two grids; returns the lines that say something (a value, a target or a narrative)."""
    common = {"indicator_id": st.column_config.TextColumn("Identifiant", disabled=True),
              "Intitulé": st.column_config.TextColumn("Intitulé", disabled=True, width="large"),
              "Unité": st.column_config.TextColumn("Unité", disabled=True, width="small"),
              "unit": None,
              "comment": st.column_config.TextColumn("Récit (commentaire)", width="large",
                                                     help=fmt.md(schema.table("indicator_values").column("comment").help))}
    out = []
    if not numbers.empty:
        st.markdown("**Indicateurs chiffrés**")
        out.append(st.data_editor(numbers, key=f"{key}_numbers", hide_index=True, num_rows="fixed", placeholder="", column_config={
            **common,
            "value": st.column_config.NumberColumn("Valeur", format="localized", help="Le réalisé de l'année."),
            "target": st.column_config.NumberColumn("Cible", format="localized", help="Ce que le campus vise pour l'année."),
        }))
    if not yes_no.empty:
        st.markdown("**Indicateurs oui / non**")
        out.append(st.data_editor(yes_no, key=f"{key}_yes_no", hide_index=True, num_rows="fixed", placeholder="", column_config={
            **common,
            "value": st.column_config.SelectboxColumn("Valeur", options=["oui", "non"]),
            "target": st.column_config.SelectboxColumn("Cible", options=["oui"], help="La cible d'un indicateur oui/non est oui."),
        }))
    rows = pd.concat(out, ignore_index=True) if out else numbers
    said = rows[list(EDITED)].apply(lambda c: c.map(lambda v: v is not None and v == v and str(v).strip() != "")).any(axis=1)
    return rows[said]


def as_file(rows: pd.DataFrame, campus: str, year: int) -> bytes:
    """The lines as the CSV the importer reads (the same checks as a file)."""
    table = rows.assign(campus_id=campus, year=year)[["campus_id", "indicator_id", "year", *EDITED]].copy()
    table["comment"] = table["comment"].map(lambda v: v if isinstance(v, str) and v.strip() else None)
    return templates.csv_of("indicator_values", table)
