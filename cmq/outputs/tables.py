"""Tables shown by the pages (Vue régionale, Campus, Actions, Publics touchés, Financements, Complétude): French headers
and formats."""
from __future__ import annotations

import pandas as pd

from cmq.core import fmt, schema


def register(df: pd.DataFrame) -> pd.DataFrame:
    """The action register, one line per action."""
    return pd.DataFrame({
        "Campus": df["campus_id"], "Identifiant": df["action_id"], "Action": df["title"],
        "Statut": df["status"].map(schema.STATUSES), "Année": df["year"].astype("Int64").astype(str),
        "Début": df["start_date"].map(lambda d: "" if fmt.missing(d) else fmt.day(d, "short")),
        "Fin": df["end_date"].map(lambda d: "" if fmt.missing(d) else fmt.day(d, "short")),
        "Porté avec": df["co_campuses"].fillna(""), "Objectifs": df["objectives"].fillna(""),
        "Personnes touchées": df["people_reached"].map(lambda v: "" if fmt.missing(v) else fmt.number(v)),
    })


def matrix(links: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Actions × objectives (Annex I of the report): one row per action, one ticked column per objective.

    Returns the table and each objective column's full title (the page shows it as the column's help).
    """
    linked = links.dropna(subset=["objective_id"]).sort_values(["position", "objective_id"])
    objectives = linked.drop_duplicates("objective_id")
    actions = links.drop_duplicates("action_id")
    table = pd.DataFrame({"Action": actions["action_id"] + " · " + actions["title"],
                          "Statut": actions["status"].map(schema.STATUSES)})
    titles = {}
    pairs = set(zip(linked["action_id"], linked["objective_id"]))
    for o in objectives.itertuples():
        table[o.objective_id] = [(a, o.objective_id) in pairs for a in actions["action_id"]]
        titles[o.objective_id] = o.objective_title
    table["Objectifs"] = [sum((a, o) in pairs for o in objectives["objective_id"]) for a in actions["action_id"]]
    return table, titles


def funding_unknown(df: pd.DataFrame) -> pd.DataFrame:
    """Funding lines whose amount is not known, each said « non renseigné »."""
    return pd.DataFrame({
        "Campus": df["campus_id"], "Financeur": df["funder"], "Année": df["year"].astype(str),
        "Programme": df["programme"], "Montant": fmt.UNKNOWN, "Nature": df["kind"].map(schema.FUNDING_KINDS),
        "Statut": df["status"].map(schema.FUNDING_STATUSES), "Commentaire": df["comment"].fillna(""),
    })


def share(part, whole) -> float | None:
    """part / whole, or None when either is unknown or the whole is 0."""
    if fmt.missing(part) or fmt.missing(whole) or not whole:
        return None
    return float(part) / float(whole)


def private_share(k) -> float | None:
    """Share of private funders (entreprises et branches) in the known amounts: 0 when there is no private line,
    not known when private lines exist but none gives its amount."""
    if not k["private_lines"]:
        return 0.0 if not fmt.missing(k["known_eur"]) else None
    return share(k["private_eur"], k["known_eur"])


def missing_reports(grid: pd.DataFrame) -> pd.DataFrame:
    """Campus-years where a campus with indicators reported no value at all: who has not reported."""
    gaps = grid[(grid["indicators"] > 0) & (grid["with_value"] == 0)]
    return (gaps.groupby("campus_id")["year"].apply(lambda ys: ", ".join(str(y) for y in sorted(ys)))
            .reset_index().rename(columns={"campus_id": "Campus", "year": "Années sans aucune valeur"}))


def milestones(df: pd.DataFrame) -> pd.DataFrame:
    """The governance milestones, oldest first: the day, or the date as the source writes it when it gives no day
    (« janvier 2017 », « entre septembre 2017 et janvier 2018 »)."""
    def when(r) -> str:
        if not fmt.missing(r.date_text) and r.date_text:
            return r.date_text
        return fmt.day(r.start_date) + (f" – {fmt.day(r.end_date)}" if not fmt.missing(r.end_date) else "")
    return pd.DataFrame({
        "Date": [when(r) for r in df.itertuples()],
        "Campus": df["campus_id"].map(lambda c: "Région" if fmt.missing(c) else c),
        "Jalon": df["milestone_kind"].map(schema.MILESTONE_KINDS), "Intitulé": df["title"],
        "Lieu": df["place"].fillna(""), "Statut": df["milestone_status"].map(schema.MILESTONE_STATUSES),
        "Commentaire": df["comment"].fillna(""), "Source": df["source"].fillna(""),
    })
