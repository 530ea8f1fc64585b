"""Pieces of the Campus page."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cmq.core import fmt, schema
from cmq.outputs import charts


def _known(v) -> bool:
    return not fmt.missing(v) and str(v).strip() != ""


def identity(info: pd.Series) -> None:
    """Sector, label, carrier and city of a campus ('non renseigné' where the store has nothing)."""
    label = schema.LABELS.get(info["label"], info["label"])
    if _known(info["labelled_year"]):
        label += f", labellisé en {int(info['labelled_year'])}"
    carrier = info["carrier"] if _known(info["carrier"]) else fmt.UNKNOWN
    if _known(info["carrier_type"]):
        carrier += f" ({schema.CARRIER_TYPES.get(info['carrier_type'], info['carrier_type']).lower()})"
    city = info["city"] if _known(info["city"]) else fmt.UNKNOWN
    academie = f", académie de {info['academie']}" if _known(info["academie"]) else ""
    md = fmt.md
    st.markdown(f"**Filière :** {md(info['sector'])}  \n**Label :** {md(label)}  \n"
                f"**Structure porteuse :** {md(carrier)}  \n**Ville :** {md(city)} — {md(info['region'])}{md(academie)}")


def value_text(unit: str, v) -> str:
    """An indicator value in its unit, French style."""
    if fmt.missing(v):
        return ""
    if unit == "euros":
        return fmt.euros(v)
    if unit == "pourcentage":
        return fmt.percent(v / 100)
    if unit == "oui_non":
        return "oui" if v else "non"
    return fmt.number(v, 2)


def tree_table(tree: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """The objective tree as an indented table: one row per objective or indicator, values and targets by year."""
    children: dict = {}
    for r in tree.itertuples():
        children.setdefault(r.parent_id if pd.notna(r.parent_id) else None, []).append(r)
    years = sorted({int(y) for y in values["year"].dropna()})
    by_key = {(r.indicator_id, int(r.year)): r for r in values.dropna(subset=["year"]).itertuples()}
    rows = []

    def walk(parent, depth):
        for r in sorted(children.get(parent, []), key=lambda x: (x.kind == "indicateur", x.position, x.node_id)):
            row = {"Niveau": charts.LEVEL_NAMES.get(r.kind, r.kind),
                   "Intitulé": "\u2003" * depth + ("• " if r.kind == "indicateur" else "") + r.title}
            if r.kind == "indicateur":
                row["État"] = charts.INDICATOR_STATUS[r.status][0]
                for y in years:
                    v = by_key.get((r.node_id, y))
                    row[f"Valeur {y}"] = value_text(r.unit, v.value) if v else ""
                    row[f"Cible {y}"] = value_text(r.unit, v.target) if v else ""
            rows.append(row)
            walk(r.node_id, depth + 1)

    root = tree[tree["kind"] == "campus"]["node_id"]
    for node in root:
        walk(node, 0)
    return pd.DataFrame(rows).fillna("")


def actions_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Action": df["title"], "Statut": df["status"].map(schema.STATUSES), "Année": df["year"].astype("Int64").astype(str),
        "Début": df["start_date"].map(lambda d: "" if pd.isna(d) else fmt.day(d)),
        "Objectifs": df["objectives"].fillna(""), "Porté avec": df["co_campuses"].fillna(""),
    })


def funding_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Année": df["year"].astype(str), "Financeur": df["funder"], "Programme": df["programme"],
        "Montant": df["amount_eur"].map(fmt.euros), "Nature": df["kind"].map(schema.FUNDING_KINDS),
        "Statut": df["status"].map(schema.FUNDING_STATUSES), "Commentaire": df["comment"].fillna(""),
    })
