"""Pieces of the Campus page."""
from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from cmq.core import fmt, schema
from cmq.outputs import charts, tables


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


def iptt_table(tree: pd.DataFrame, iptt: pd.DataFrame) -> pd.DataFrame:
    """The objective tree as the steering table (tables.iptt_wide): one row per objective (indented) or indicator,
    figures in their unit, French style."""
    children: dict = {}
    for r in tree.itertuples():
        children.setdefault(r.parent_id if pd.notna(r.parent_id) else None, []).append(r)
    wide = tables.iptt_wide(iptt).set_index("Identifiant")
    years = [c[len("Cible "):] for c in wide.columns if c.startswith("Cible ")]
    rows = []

    def walk(parent, depth):
        for r in sorted(children.get(parent, []), key=lambda x: (x.kind == "indicateur", x.position, x.node_id)):
            row = {"Identifiant": r.node_id, "Niveau": charts.LEVEL_NAMES.get(r.kind, r.kind),
                   "Intitulé": "\u2003" * depth + ("• " if r.kind == "indicateur" else "") + r.title}
            if r.kind == "indicateur" and r.node_id in wide.index:
                w = wide.loc[r.node_id]
                show = functools.partial(tables.figure, r.unit)
                if not fmt.missing(w["Référence"]):
                    row["Référence"] = show(w["Référence"]) + (
                        f" ({int(w['Année de référence'])})" if not fmt.missing(w["Année de référence"]) else "")
                for y in years:
                    row[f"Cible {y}"], row[f"Réalisé {y}"] = show(w[f"Cible {y}"]), show(w[f"Réalisé {y}"])
                    row[f"% {y}"] = "" if fmt.missing(w[f"% {y}"]) else fmt.percent(w[f"% {y}"])
                if not fmt.missing(w["Cumul réalisé"]):
                    row["Cumul"] = show(w["Cumul réalisé"]) + (
                        f" / {show(w['Cumul cible'])}" if not fmt.missing(w["Cumul cible"]) else "")
                row["État"] = w["État"].capitalize()
                row["Récit"] = w["Récit"] or ""
            elif r.kind == "indicateur":
                row["État"] = "Non renseigné"
            rows.append(row)
            walk(r.node_id, depth + 1)

    for node in tree[tree["kind"] == "campus"]["node_id"]:
        walk(node, 0)
    out = pd.DataFrame(rows, columns=list(dict.fromkeys(["Identifiant", "Niveau", "Intitulé"] + [k for r in rows for k in r])))
    head = ["Identifiant", "Niveau", "Intitulé"] + [c for c in ("Référence",) if c in out]
    per_year = [c for y in years for c in (f"Cible {y}", f"Réalisé {y}", f"% {y}") if c in out]
    tail = [c for c in ("Cumul", "État", "Récit") if c in out]
    return out[head + per_year + tail].fillna("")


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
