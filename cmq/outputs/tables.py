"""Tables shown by the pages (Vue régionale, Campus, Actions, Publics touchés, Financements, Complétude): French headers
and formats; and the table form of the figures a slide or a page cannot show as a chart (a tree, the heatmaps)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cmq.core import fmt, schema, vocabulary
from cmq.outputs import charts, palette


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


def objective_titles(choices: pd.DataFrame) -> dict[str, str]:
    """Objective → how a list of choices names it: its campus, « ↳ » for an operational one, its title."""
    return {r.objective_id: f"{r.campus_id} · {'↳ ' if r.level == 'operationnel' else ''}{r.title}"
            for r in choices.itertuples()}


def undated(df: pd.DataFrame) -> pd.DataFrame:
    """The actions of the register with no start date (they are not on the calendar), year by year."""
    rows = df[df["start_date"].isna()].sort_values(["year", "campus_id", "action_id"])
    return register(rows)[["Année", "Campus", "Identifiant", "Action", "Statut"]]


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
        "Campus": [("Région" if fmt.missing(r) else f"Région {r}") if fmt.missing(c) else c
                   for c, r in zip(df["campus_id"], df["region"] if "region" in df else [None] * len(df))],
        "Jalon": df["milestone_kind"].map(schema.MILESTONE_KINDS), "Intitulé": df["title"],
        "Lieu": df["place"].fillna(""), "Statut": df["milestone_status"].map(schema.MILESTONE_STATUSES),
        "Commentaire": df["comment"].fillna(""), "Source": df["source"].fillna(""),
    })


# ---------------------------------------------------------------- figures in table form (the meeting pack)

@dataclass
class Grid:
    """A figure as a table a slide or a page shows whole: text cells, a background colour where the chart had one
    (the text always says what the colour says), rows in bold (a tree's top level)."""

    table: pd.DataFrame
    fills: pd.DataFrame | None = None  # same shape as table: "#RRGGBB" or None
    bold: list[bool] | None = None
    note: str = ""
    page_by: str | None = None  # a column whose each value starts its own slides (one campus per slide)
    message: str | None = None  # nothing to show: what a document lists under « Non renseigné à ce jour »


def _grid(rows: list[dict], fills: list[dict] | None = None, bold: list[bool] | None = None, note: str = "") -> Grid:
    table = pd.DataFrame(rows).fillna("")
    fill = None if fills is None else pd.DataFrame(fills, columns=table.columns).astype(object)
    return Grid(table, None if fill is None else fill.where(fill.notna(), None), bold, note)


CRITERIA_AS_COLUMNS = 8  # up to this many campuses, one column per campus and one row per criterion


def criteria_grid(df: pd.DataFrame) -> Grid | None:
    """Each criterion's level for each campus (« * » when interpreted): a row per criterion and a column per campus
    for a few campuses, a row per campus beyond; None beyond what a table holds."""
    d = df.dropna(subset=["level"])
    if d.empty or d["campus_id"].nunique() > charts.MAX_ROWS:
        return None
    nos = sorted(d["criterion_no"].unique())
    titles = d.drop_duplicates("criterion_no").set_index("criterion_no")["title"]
    cells = {}
    for r in d.itertuples():
        read = getattr(r, "level_basis", None) == "interprete"
        cells[(r.campus_id, r.criterion_no)] = (schema.CRITERION_LEVELS[str(int(r.level))]
                                                + (charts.INTERPRETED_MARK if read else ""),
                                                palette.CRITERION_COLOURS[int(r.level)])
    campuses = sorted(d["campus_id"].unique())
    if len(campuses) <= CRITERIA_AS_COLUMNS:
        lines = [(f"{n}. {titles[n]}", [(c, n) for c in campuses]) for n in nos]
        head, columns = "Critère", campuses
    else:
        lines = [(c, [(c, n) for n in nos]) for c in campuses]
        head, columns = "Campus", [f"{n}. {fmt.short(titles[n], 40)}" for n in nos]
    rows, fills = [], []
    for name, keys in lines:
        rows.append({head: name} | {col: cells.get(k, ("", None))[0] for col, k in zip(columns, keys)})
        fills.append({head: None} | {col: cells.get(k, ("", None))[1] for col, k in zip(columns, keys)})
    read = int((d.get("level_basis") == "interprete").sum()) if "level_basis" in d else 0
    note = (f"* {fmt.number(read)} niveau(x) sur {fmt.number(len(d))} interprété(s) du texte de la source, qui ne "
            "les énonce pas." if read else "")
    return _grid(rows, fills, note=note)


def completeness_grid(df: pd.DataFrame) -> Grid | None:
    """Campuses × years: « renseignés / indicateurs (part) », the least complete first."""
    if df.empty or df["campus_id"].nunique() > charts.MAX_ROWS:
        return None
    years = sorted(df["year"].unique())
    share = df.groupby("campus_id").apply(lambda g: g["with_value"].sum() / max(g["indicators"].sum(), 1),
                                          include_groups=False).sort_values(kind="stable")
    grid = df.set_index(["campus_id", "year"])
    rows, fills = [], []
    for campus in share.index:
        row, fill = {"Campus": campus}, {"Campus": None}
        for y in years:
            r = grid.loc[(campus, y)]
            n, v = int(r["indicators"]), int(r["with_value"])
            row[str(y)] = "aucun indicateur" if n == 0 else f"{v} / {n} ({fmt.percent(v / n)})"
            fill[str(y)] = None if n == 0 else charts.COMPLETENESS_COLOURS[0 if v == 0 else 2 if v == n else 1]
        rows.append(row)
        fills.append(fill)
    return _grid(rows, fills, note="Indicateurs renseignés sur les indicateurs du campus, année par année.")


def indicator_states_grid(df: pd.DataFrame) -> Grid | None:
    """One campus's indicators × years: ✓ renseignée, ? déclarée inconnue, ✗ manquante."""
    if df.empty:
        return None
    years = sorted(df["year"].unique())
    grid = df.set_index(["indicator_id", "year"])
    rows, fills = [], []
    for ind in dict.fromkeys(df["indicator_id"]):
        name = grid.loc[(ind, years[0]), "name"]
        row, fill = {"Indicateur": f"{ind} · {name}"}, {"Indicateur": None}
        for y in years:
            state = grid.loc[(ind, y), "state"]
            row[str(y)], fill[str(y)] = charts.INDICATOR_STATES[state]
        rows.append(row)
        fills.append(fill)
    return _grid(rows, fills)


def tree_grid(df: pd.DataFrame) -> Grid | None:
    """The top of a campus's objective tree: each strategic objective (bold) and its operational objectives, with
    how many indicators lie under each, how many are reported and where they stand against their targets."""
    if len(df) <= 1:
        return None
    counts = charts.tree_counts(df)
    children: dict = {}
    for r in df.sort_values(["position", "node_id"]).itertuples():
        children.setdefault(r.parent_id if isinstance(r.parent_id, str) else None, []).append(r)
    root = children[None][0]
    rows, bold = [], []
    for s in children.get(root.node_id, []):
        for r, depth in [(s, 0)] + [(o, 1) for o in children.get(s.node_id, []) if o.kind != "indicateur"]:
            c = counts[r.node_id]
            total = sum(c.values())
            rows.append({"Objectif": ("    " * depth) + r.title, "Indicateurs": fmt.number(total),
                         "Renseignés": fmt.number(total - c["non_renseigne"]), "Cible atteinte": fmt.number(c["atteint"]),
                         "En bonne voie": fmt.number(c["en_bonne_voie"]), "En retard": fmt.number(c["en_retard"])})
            bold.append(depth == 0)
    return _grid(rows, bold=bold, note="Objectifs stratégiques (en gras) et opérationnels ; le détail des réalisations "
                                      "et des indicateurs est sur la page Campus.")


# ---------------------------------------------------------------- the indicator tracking table (query iptt)

def iptt_wide(df: pd.DataFrame, upto: int | None = None) -> pd.DataFrame:
    """One row per indicator (the query's order) with its reference, then for each year its target, actual and share
    of the target (a cumulative indicator's share reads its running totals), its running totals at the last year
    reported when it is cumulative, where it stands that year and the latest narrative. Years after `upto` are left
    out. Values stay numbers (None when not known); `Unité` says how to read them."""
    d = df if upto is None else df[df["year"] <= upto]
    years = sorted({int(y) for y in d["year"].dropna()})
    head = ["Identifiant", "Campus", "Objectif", "Indicateur", "unit", "Cumulatif", "Référence", "Année de référence"]
    per_year = [c for y in years for c in (f"Cible {y}", f"Réalisé {y}", f"% {y}")]
    tail = ["Cumul réalisé", "Cumul cible", "Année lue", "État", "Récit"]
    if d.empty:
        return pd.DataFrame(columns=head + per_year + tail)
    # computed a column at a time over every indicator (a national store has 20 000 of them)
    first = d.drop_duplicates("indicator_id").set_index("indicator_id")  # the query's order of indicators
    out = pd.DataFrame({"Identifiant": first.index.to_series(), "Campus": first["campus_id"],
                        "Objectif": first["objective_path"], "Indicateur": first["name"], "unit": first["unit"],
                        "Cumulatif": first["cumulative"].fillna(False).astype(bool), "Référence": first["baseline"],
                        "Année de référence": first["baseline_year"]})
    by_year = d.dropna(subset=["year"]).assign(year=lambda x: x["year"].astype(int))
    wide = by_year.set_index(["indicator_id", "year"])[["year_target", "year_actual", "share_of_target"]].unstack("year")
    for y in years:
        for name, field in ((f"Cible {y}", "year_target"), (f"Réalisé {y}", "year_actual"), (f"% {y}", "share_of_target")):
            out[name] = wide[(field, y)].reindex(out.index).astype(object) if (field, y) in wide else None
    ordered = by_year.sort_values("year", kind="stable")
    last = ordered.drop_duplicates("indicator_id", keep="last").set_index("indicator_id")
    reported = ordered[ordered["actual"].notna()].drop_duplicates("indicator_id", keep="last").set_index("indicator_id")
    # an indicator's last year reported, else its last year
    last = pd.concat([reported, last[~last.index.isin(reported.index)]]).reindex(out.index)
    known = out["Cumulatif"] & last["actual"].notna()
    out["Cumul réalisé"] = last["actual"].where(known, None).astype(object)
    out["Cumul cible"] = last["target"].where(known, None).astype(object)
    out["Année lue"] = last["year"].astype(int)
    out["État"] = last["status"].map(vocabulary.INDICATOR_STATUS_WORDS)
    told = ordered[ordered["comment"].map(lambda c: isinstance(c, str) and c != "")]
    told = told.drop_duplicates("indicator_id", keep="last").set_index("indicator_id")
    out["Récit"] = (told["year"].astype(int).astype(str) + " : " + told["comment"]).reindex(out.index)
    out["Récit"] = out["Récit"].astype(object).where(out["Récit"].notna(), None)
    return out[head + per_year + tail].reset_index(drop=True)


def off_track_grid(df: pd.DataFrame) -> Grid | None:
    """The indicators behind their targets (« en retard ») at their latest year reported, campus by campus, with
    their figures and narrative: what the committee asks about."""
    wide = iptt_wide(df)
    words = vocabulary.INDICATOR_STATUS_WORDS  # the words of the table's « État »
    late = wide[wide["État"] == words["en_retard"]].sort_values(["Campus", "Identifiant"])
    if late.empty:
        said = "Aucun indicateur en retard sur sa cible pour cette sélection."
        grid = _grid([{"Campus": "", "Indicateur": said, "Année": "", "Cible": "", "Réalisé": "", "Part de la cible": "",
                       "Récit": ""}])
        if not wide["État"].isin([words["atteint"], words["en_bonne_voie"]]).any():  # nothing to compare yet: not a finding
            grid.message = "Aucun indicateur n'a encore de valeur à comparer à sa cible pour cette sélection."
        return grid
    rows = []
    for r in late.to_dict("records"):
        y = r["Année lue"]
        cumulative = r["Cumulatif"]
        target = r["Cumul cible"] if cumulative else r[f"Cible {y}"]
        actual = r["Cumul réalisé"] if cumulative else r[f"Réalisé {y}"]
        rows.append({"Campus": r["Campus"], "Indicateur": f"{r['Identifiant']} · {r['Indicateur']}", "Année": str(y),
                     "Cible": figure(r["unit"], target) + (" (cumul)" if cumulative else ""),
                     "Réalisé": figure(r["unit"], actual), "Part de la cible": fmt.percent(r[f"% {y}"]),
                     "Récit": r["Récit"] or "aucun récit"})
    grid = _grid(rows, note="En retard : sous la part de sa cible qui fait « en bonne voie » (voir la page Complétude).")
    grid.page_by = "Campus"
    return grid


def figure(unit: str, v) -> str:
    """An indicator's value in its unit, French style (empty when not known)."""
    if fmt.missing(v):
        return ""
    if unit == "euros":
        return fmt.euros(v)
    if unit == "pourcentage":
        return fmt.percent(v / 100)
    if unit == "oui_non":
        return "oui" if v else "non"
    return fmt.number(v, 2)


COST_CAPTION = ("Coût par personne touchée : les financements acquis de l'année dont le montant est connu, divisés par "
                "les personnes que les actions de l'année ont touchées (élèves, apprentis, enseignants… ; les structures "
                "— établissements, entreprises, institutions — ne sont pas des personnes ; une action menée par "
                "plusieurs campus n'est comptée qu'une fois dans l'ensemble). « Au moins » : des financements acquis "
                "n'ont pas de montant (postes, apports en nature…) ; ils ne sont jamais comptés comme 0. « Non "
                "calculable » : aucun montant connu, ou personne de touché.")


def cost_text(r) -> str:
    """A cost per person reached as the reader must take it: « au moins 128 € », « 3 750 € » or « non calculable »."""
    if fmt.missing(r["cost_eur"]):
        return "non calculable"
    return ("au moins " if r["at_least"] else "") + fmt.euros(r["cost_eur"])


def cost_per_person(df: pd.DataFrame, names: dict) -> pd.DataFrame:
    """The cost_per_person query's rows for people: one line per campus and year, then all the chosen campuses
    together (left out when there is only one)."""
    per_year = df[df["campus_id"].notna()].groupby("year").size()
    df = df[df["campus_id"].notna() | df["year"].map(per_year).fillna(0).gt(1)]
    return pd.DataFrame({
        "Campus": df["campus_id"].map(lambda c: "Ensemble des campus" if fmt.missing(c) else f"{c} – {names.get(c, c)}"),
        "Année": df["year"].map(lambda y: str(int(y))),
        "Coût par personne touchée": [cost_text(r) for r in df.to_dict("records")],  # first: what is read
        "Financements acquis connus": df["known_eur"].map(lambda v: "aucun montant" if fmt.missing(v) else fmt.euros(v)),
        "Financements acquis sans montant": df["lines_amount_unknown"].map(fmt.number),
        "Personnes touchées": df["people"].map(fmt.number),
    }).reset_index(drop=True)
