"""Pieces of the national page and the national synthesis report: the regions side by side, and one national thematic
network's campuses."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pandas as pd

from cmq.core import cycle, fmt


def campaign_by_region(campaign: dict | None, today: date | None = None) -> pd.DataFrame:
    """Each region's campaign of the year as the national level follows it: campuses validated out of those asked,
    submitted, and late (past their deadline, not submitted). No figure: the states only."""
    today = today or date.today()
    rows = []
    for campus, s in (campaign or {}).get("campuses", {}).items():
        _, submitted, timeliness, _ = cycle.standing(s, campaign["deadline"], today)
        late = submitted is None and timeliness == "en retard"
        rows.append({"region": s.get("region") or "", "campus_id": campus, "valide": s["status"] == "valide",
                     "soumis": s["status"] == "soumis", "late": late})
    if not rows:
        return pd.DataFrame(columns=["region", "asked", "validated", "submitted", "late"])
    d = pd.DataFrame(rows)
    return d.groupby("region").agg(asked=("campus_id", "count"), validated=("valide", "sum"),
                                   submitted=("soumis", "sum"), late=("late", "sum")).reset_index()


def on_track_by_region(iptt: pd.DataFrame, campuses: pd.DataFrame) -> pd.DataFrame:
    """Per region, the share of its indicators with a target that are reached or on track (the catalogue's status)."""
    judged = iptt[iptt["status"].isin(["atteint", "en_bonne_voie", "en_retard"])]
    judged = judged.merge(campuses[["campus_id", "region"]], on="campus_id")
    if judged.empty:
        return pd.DataFrame(columns=["region", "on_track_share", "judged"])
    g = judged.groupby("region")["status"]
    return pd.DataFrame({"on_track_share": g.apply(lambda s: s.isin(["atteint", "en_bonne_voie"]).mean()),
                         "judged": g.size()}).reset_index()


def not_yet(campuses: pd.DataFrame, unread: set[str]) -> set[str]:
    """The regions none of whose campuses' figures are read yet (each one `unread`: not validated in the campaign)."""
    read = set(campuses.loc[~campuses["campus_id"].isin(unread), "region"])
    return set(campuses["region"].dropna()) - read


def regions_table(regions: pd.DataFrame, on_track: pd.DataFrame, campaign: pd.DataFrame, year: int | None,
                  links: bool = True, pending: set[str] = frozenset()) -> pd.DataFrame:
    """The regions side by side, in French, each with the link that opens its regional view (`links`: on a page). A
    region of `pending` has no validated figure yet: its figures read « pas encore validé », never a zero."""
    d = regions.merge(on_track, on="region", how="left").merge(campaign, on="region", how="left")

    def state(r) -> str:
        if fmt.missing(r.get("asked")) or not r["asked"]:
            return "pas de campagne"
        late = f", {int(r['late'])} en retard" if r["late"] else ""
        return f"{int(r['validated'])} validé(s) sur {int(r['asked'])}{late}"

    link = {"annee": str(year) if year else "toutes"}
    table = pd.DataFrame({
        "Région": d["region"],
        "Campus": d["campuses"].astype(int),
        "Personnes touchées": d["people_reached"].map(lambda v: fmt.number(v) if v else "non renseigné"),
        "Actions": d["actions"].map(lambda v: "non renseigné" if fmt.missing(v) else fmt.number(v)),
        "Financements acquis connus": d["funding_known_eur"].map(lambda v: fmt.euros(v) if v else "non renseigné"),
        "Indicateurs atteints ou en bonne voie": [
            "aucun indicateur avec cible" if fmt.missing(s) else f"{fmt.percent(s)} (sur {int(n)})"
            for s, n in zip(d["on_track_share"], d["judged"])],
        "Campagne": [state(r) for _, r in d.iterrows()],
    })
    waiting = d["region"].isin(pending).to_numpy()
    for column in ("Personnes touchées", "Actions", "Financements acquis connus", "Indicateurs atteints ou en bonne voie"):
        table.loc[waiting, column] = "pas encore validé"
    if links:
        table["Vue régionale"] = [f"./overview?{urlencode({**link, 'region': r})}" for r in d["region"]]
    return table


def network_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One thematic network's campuses side by side, in French (nothing reported reads « — », never a zero)."""
    def n(v):
        return "—" if fmt.missing(v) else fmt.number(v)

    def eur(v):
        return "—" if fmt.missing(v) else fmt.euros(v)

    return pd.DataFrame({
        "Campus": rows["campus_id"] + " – " + rows["name"],
        "Région": rows["region"],
        "Personnes touchées": rows["people_reached"].map(n),
        "dont collégiens et lycéens": rows["pupils"].map(n),
        "Enseignants et formateurs": rows["teachers"].map(n),
        "Entreprises": rows["companies"].map(n),
        "Actions terminées · en cours · prévues": [
            "—" if fmt.missing(a) else f"{int(a)} · {int(b)} · {int(c)}"
            for a, b, c in zip(rows["actions_terminee"], rows["actions_en_cours"], rows["actions_prevue"])],
        "Financements acquis": rows["funding_known_eur"].map(eur),
        "dont Région": rows["funding_region_eur"].map(eur),
        "dont État": rows["funding_state_eur"].map(eur),
        "dont Europe": rows["funding_europe_eur"].map(eur),
        "dont autres": rows["funding_other_eur"].map(eur),
        "Critères atteints (sur 11)": [
            "non évalué" if fmt.missing(a) or not b else f"{int(a)} (évalués : {int(b)})"
            for a, b in zip(rows["criteria_met"], rows["criteria_assessed"])],
    })


MIN_AVERAGED = 3  # sector_averages.sql's rule: an average of fewer campuses would be a campus's own figures


def comparison_table(own: pd.DataFrame, averages: pd.DataFrame) -> pd.DataFrame:
    """A region's campuses beside the average campus of their sector across every region (validated figures): the
    campus's figure, then the average; « non renseigné » for a campus that has not reported, never a zero."""
    avg = averages.set_index("sector")

    def mine(v, said=fmt.number):
        return "non renseigné" if fmt.missing(v) else said(v)

    def theirs(sector, column, said=fmt.number):
        if sector not in avg.index:
            return f"moins de {MIN_AVERAGED} campus"
        v = avg.loc[sector, column]
        return "non évalué" if fmt.missing(v) else said(round(float(v), 1))

    actions = own[["actions_terminee", "actions_en_cours", "actions_prevue"]]
    return pd.DataFrame({
        "Campus": own["campus_id"] + " – " + own["name"],
        "Filière": own["sector"].fillna("non renseignée"),
        "Personnes touchées": own["people_reached"].map(mine),
        "moyenne de la filière": [theirs(s, "people_per_campus") for s in own["sector"]],
        "Actions": [None if r.isna().all() else r.fillna(0).sum() for _, r in actions.iterrows()],
        "moyenne des actions": [theirs(s, "actions_per_campus") for s in own["sector"]],
        "Financements acquis connus": own["funding_known_eur"].map(lambda v: mine(v, fmt.euros)),
        "moyenne des financements": [theirs(s, "funding_known_per_campus", fmt.euros) for s in own["sector"]],
        "Critères atteints": own["criteria_met"].map(mine),
        "moyenne des critères": [theirs(s, "criteria_met_per_campus") for s in own["sector"]],
        "Campus de la filière comptés": [fmt.number(avg.loc[s, "campuses"]) if s in avg.index else "—"
                                         for s in own["sector"]],
    }).assign(Actions=lambda d: d["Actions"].map(mine))
