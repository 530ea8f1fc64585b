"""Pieces of the Campus page."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from . import fmt, schema


def identity(info: pd.Series) -> None:
    """Sector, label, carrier and city of a campus."""
    label = schema.LABELS.get(info["label"], info["label"])
    if pd.notna(info["labelled_year"]):
        label += f", labellisé en {int(info['labelled_year'])}"
    carrier = info["carrier"] or fmt.UNKNOWN
    if info["carrier_type"]:
        carrier += f" ({schema.CARRIER_TYPES.get(info['carrier_type'], info['carrier_type']).lower()})"
    st.markdown(
        f"**Filière :** {info['sector']}  \n**Label :** {label}  \n"
        f"**Structure porteuse :** {carrier}  \n**Ville :** {info['city'] or fmt.UNKNOWN} — "
        f"{info['region']}" + (f", académie de {info['academie']}" if info["academie"] else ""))


def _value(unit: str, v) -> str:
    if v is None or pd.isna(v):
        return fmt.UNKNOWN
    if unit == "euros":
        return fmt.euros(v)
    if unit == "pourcentage":
        return fmt.percent(v / 100)
    if unit == "oui_non":
        return "oui" if v else "non"
    return fmt.number(v, 2)


def indicator_table(df: pd.DataFrame) -> None:
    """Each indicator, its value and target per year, and the import that set it."""
    if df.empty:
        st.info("Ce campus n'a pas encore d'indicateurs. Importez-les dans « Importer des données » (table Indicateurs).")
        return
    out = pd.DataFrame({
        "Indicateur": df["name"],
        "Année": df["year"].map(lambda y: "" if pd.isna(y) else str(int(y))),
        "Valeur": [_value(u, v) for u, v in zip(df["unit"], df["value"])],
        "Cible": [_value(u, v) if pd.notna(v) else "" for u, v in zip(df["unit"], df["target"])],
        "Commentaire": df["comment"].fillna(""),
        "Objectif": df["objective_title"],
        "Import": [f"{f} – {u} – {fmt.moment(d)}" if pd.notna(b) else "" for b, f, u, d in
                   zip(df["batch_id"], df["file_name"], df["user_name"], df["committed_at"])],
    })
    st.dataframe(out, hide_index=True, key="campus_indicators", column_config={
        "Indicateur": st.column_config.TextColumn(width="large"),
        "Année": st.column_config.TextColumn(width="small"),
        "Objectif": st.column_config.TextColumn(width="medium"),
    })
