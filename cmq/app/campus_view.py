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


def iptt_table(tree: pd.DataFrame, iptt: pd.DataFrame) -> pd.DataFrame:
    """The objective tree as the steering table: one row per objective (indented) or indicator; for an indicator its
    reference, then each year's target, actual and share of the target, its running total when it is cumulative,
    where it stands and the latest narrative. A cumulative indicator's share reads its running totals."""
    children: dict = {}
    for r in tree.itertuples():
        children.setdefault(r.parent_id if pd.notna(r.parent_id) else None, []).append(r)
    years = sorted({int(y) for y in iptt["year"].dropna()})
    by_key = {(r.indicator_id, int(r.year)): r for r in iptt.itertuples()}
    rows = []

    def walk(parent, depth):
        for r in sorted(children.get(parent, []), key=lambda x: (x.kind == "indicateur", x.position, x.node_id)):
            row = {"Identifiant": r.node_id, "Niveau": charts.LEVEL_NAMES.get(r.kind, r.kind),
                   "Intitulé": "\u2003" * depth + ("• " if r.kind == "indicateur" else "") + r.title}
            if r.kind == "indicateur":
                mine = [by_key[(r.node_id, y)] for y in years if (r.node_id, y) in by_key]
                first = mine[0] if mine else None
                if first is not None and not fmt.missing(first.baseline):
                    row["Référence"] = value_text(r.unit, first.baseline) + (
                        f" ({int(first.baseline_year)})" if not fmt.missing(first.baseline_year) else "")
                for v in mine:
                    row[f"Cible {v.year}"] = value_text(r.unit, v.year_target)
                    row[f"Réalisé {v.year}"] = value_text(r.unit, v.year_actual)
                    row[f"% {v.year}"] = "" if fmt.missing(v.percent_of_target) else fmt.percent(v.percent_of_target)
                reported = [v for v in mine if not fmt.missing(v.actual)] or mine
                last = reported[-1] if reported else None
                if last is not None and last.cumulative and not fmt.missing(last.actual):
                    row["Cumul"] = value_text(r.unit, last.actual) + (
                        f" / {value_text(r.unit, last.target)}" if not fmt.missing(last.target) else "")
                row["État"] = last.status.capitalize() if last is not None else "Non renseigné"
                told = [v for v in mine if isinstance(v.comment, str) and v.comment]
                row["Récit"] = f"{told[-1].year} : {told[-1].comment}" if told else ""
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
