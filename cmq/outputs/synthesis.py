"""The national synthesis: the annual report of a scope of several regions (« Toutes les régions »). A national reader
follows eighteen regions, not two hundred campus chapters: the synthesis opens on the regions side by side and the
thematic networks, then gives one chapter per region (its headline figures, its campaign, its campuses on one table,
people reached, funders), then where the figures come from, region by region. The same blocks as the regional report,
so the same two renderings (Word, PDF); each region's own report holds its campuses' full chapters."""
from __future__ import annotations

import pandas as pd

from cmq.core import fmt
from cmq.outputs import national, pack
from cmq.outputs.blocks import NONE, TODO, Block, Report, funders_table, headline, reach_table, status_table, table
from cmq.outputs.registry import FIGURES

MAP = "carte-des-regions"


def build(run, s: pack.Scope, campaign: dict | None, charts: bool = True) -> Report:
    """Every block of the national synthesis of scope `s` (several regions) for its year."""
    year, chosen = s.year, s.ctx.params(("campuses",))["campuses"]
    asked = national.campaign_by_region(campaign)
    blocks = _summary(run, s, asked, charts)
    for region in s.regions:
        blocks += _region(run, s, region, _of(s, region, chosen), asked.set_index("region"))
    batches = run("pack_batches", campuses=chosen, until=year)
    blocks += _annex(s, batches)
    last = batches["committed_at"].max() if not batches.empty else None
    return Report(s.scope, s.title, year, fmt.local_day(last), s.figures, blocks, committee=s.committee)


def plan(s: pack.Scope) -> list[tuple[str, str]]:
    """The synthesis's parts as its contents will list them."""
    return [("Synthèse nationale", "chiffres clés, les régions côte à côte, réseaux thématiques, publics touchés"
                                   + (f" ({s.figures})" if s.figures else "")),
            *((f"Région {r}", "chiffres clés, campagne, ses campus côte à côte, publics touchés, financeurs")
              for r in s.regions),
            ("Annexe", "l'origine des chiffres : les lots d'import, région par région")]


def _of(s: pack.Scope, region: str, chosen: list[str] | None) -> list[str]:
    """The campuses of `region` whose figures the document reads (all of them, or the validated ones)."""
    mine = s.campuses.loc[s.campuses["region"] == region, "campus_id"].tolist()
    return mine if chosen is None else [c for c in mine if c in set(chosen)]


def _summary(run, s: pack.Scope, asked: pd.DataFrame, charts: bool) -> list[Block]:
    year, chosen = s.year, s.ctx.params(("campuses",))["campuses"]
    k = run("overview_kpis", year=year, campuses=chosen).iloc[0]
    regions = run("regions_overview", year=year, campuses=chosen)
    on_track = national.on_track_by_region(
        run("iptt", campus=None, campuses=chosen, indicator=None, year=year), s.campuses)
    every = pd.DataFrame({"region": list(s.regions)})  # a region with no figure read keeps its line
    regions = every.merge(regions, on="region", how="left").fillna({"people_reached": 0, "funding_known_eur": 0})
    regions["campuses"] = [int((s.campuses["region"] == r).sum()) for r in regions["region"]]
    unread = set() if chosen is None else set(s.campuses["campus_id"]) - set(chosen)
    side = table(national.regions_table(regions, on_track, asked, year, links=False,
                                         pending=national.not_yet(s.campuses, unread)),
                  numeric=("Campus", "Personnes touchées", "Actions", "Financements acquis connus"))
    if charts:  # the map of the regions, its figures the table below it
        fig_def = FIGURES[MAP]
        data = run(fig_def.query, **fig_def.params(s.ctx))
        item = pack.Item(fig_def, s.ctx, data, fig_def.chart(data, s.ctx))
        if item.message is None:
            side = Block("figure", f"{item.title} — {item.caption}.", png=item.png(), table=side.table,
                         numeric=side.numeric)
    out = [Block("heading", "Synthèse nationale", 1),
           Block("text", headline(k, year)),
           Block("todo", f"{TODO} : les faits marquants de l'année au niveau national, en quelques lignes."),
           Block("heading", "Les régions côte à côte", 2), side,
           Block("text", "Personnes touchées : une action commune à plusieurs campus d'une région y compte une fois. "
                         "Campagne : les campus validés sur ceux appelés, et ceux dont la date limite est passée sans "
                         "soumission.")]
    networks = (s.campuses.assign(sector=s.campuses["sector"].fillna("Filière non renseignée"))
                .groupby("sector").agg(campuses=("campus_id", "count"), regions=("region", "nunique")).reset_index())
    out += [Block("heading", "Les réseaux thématiques", 2),
            table(pd.DataFrame({"Filière": networks["sector"], "Campus": networks["campuses"].map(fmt.number),
                                 "Régions": networks["regions"].map(fmt.number)}), numeric=True),
            Block("heading", "Personnes et structures touchées", 2),
            table(*reach_table(run("reach_by_audience", year=year, campuses=chosen)))]
    return out


def _region(run, s: pack.Scope, region: str, chosen: list[str], state: pd.DataFrame) -> list[Block]:
    """One region's chapter; `state`: each region's campaign (validated, asked, late), by region."""
    year = s.year
    mine = s.campuses[s.campuses["region"] == region]
    head = Block("heading", f"Région {region}", 1)
    asked = (f"Campagne {year} : {int(state.loc[region, 'validated'])} campus validé(s) sur "
             f"{int(state.loc[region, 'asked'])}" + (f", {int(state.loc[region, 'late'])} en retard"
                                                      if state.loc[region, "late"] else "") + "."
             if region in state.index else None)
    if not chosen:
        head.flows = True
        return [head, Block("text", (asked + " " if asked else "") + f"Aucun chiffre {year} de la région "
                        f"({fmt.number(len(mine))} campus) n'est encore validé : elle ne compte pas dans les totaux de "
                        "cette synthèse." if s.figures else f"Aucun chiffre {year} n'est renseigné pour ses campus.")]
    k = run("overview_kpis", year=year, campuses=chosen).iloc[0]
    out = [head, Block("text", headline(k, year)), *([Block("text", asked)] if asked else []),
           Block("todo", f"{TODO} : les faits marquants de la région et ses points de vigilance."),
           Block("heading", "Ses campus", 2), table(_campus_table(run, mine, chosen, year),
                                                    numeric=("Personnes touchées", "Actions", "Financements acquis connus")),
           Block("heading", "Actions par statut", 2),
           table(status_table(run("actions_by_status", year=year, campuses=chosen),
                                mine[mine["campus_id"].isin(chosen)]), numeric=True),
           Block("heading", "Publics touchés", 2),
           table(*reach_table(run("reach_by_audience", year=year, campuses=chosen))),
           Block("heading", "Financeurs", 2),
           table(funders_table(run("funding_by_funder", year=year, campuses=chosen)),
                  numeric=("Campus", "Acquis (montants connus)", "Prévus ou demandés", "Lignes sans montant"))]
    return out


def _campus_table(run, mine: pd.DataFrame, chosen: list[str], year: int) -> pd.DataFrame:
    """A region's campuses side by side: what each reported this year (people, actions, known funding), and which ones
    the synthesis does not read yet (figures not validated)."""
    cost = run("cost_per_person", year=year, campuses=chosen)
    cost = cost[cost["campus_id"].notna()].set_index("campus_id")
    counts = run("actions_by_status", year=year, campuses=chosen).groupby("campus_id")["actions"].sum()

    def read(code: str, column: str, said) -> str:
        if code not in chosen:
            return "pas encore validé"
        v = cost[column].get(code) if column in cost else None
        return NONE if fmt.missing(v) or not v else said(v)

    return pd.DataFrame({
        "Campus": mine["campus_id"] + " – " + mine["name"],
        "Filière": mine["sector"].fillna(NONE),
        "Personnes touchées": [read(c, "people", fmt.number) for c in mine["campus_id"]],
        "Actions": ["pas encore validé" if c not in chosen else fmt.number(counts.get(c, 0)) if counts.get(c, 0)
                    else NONE for c in mine["campus_id"]],
        "Financements acquis connus": [read(c, "known_eur", fmt.euros) for c in mine["campus_id"]],
    })


def _annex(s: pack.Scope, batches: pd.DataFrame) -> list[Block]:
    """Where the figures come from, region by region (each region's report lists its batches one by one)."""
    region_of = dict(zip(s.campuses["campus_id"], s.campuses["region"]))
    b = batches.assign(region=batches["campus_id"].map(region_of).fillna("Plusieurs campus ou tables communes"))
    by = b.groupby("region").agg(batches=("batch_id", "count"), rows=("rows_used", "sum"),
                                 last=("committed_at", "max")).reset_index()
    return [Block("heading", "Annexe : l'origine des chiffres", 1),
            Block("text", "Chaque chiffre de cette synthèse vient d'un lot d'import (fichier importé, compte qui l'a "
                          "importé, date) ; le rapport de chaque région les liste un par un, l'historique complet est "
                          "dans l'outil, page « Historique des imports »."),
            table(pd.DataFrame({"Région": by["region"], "Lots d'import": by["batches"].map(fmt.number),
                                 "Lignes utilisées": by["rows"].map(fmt.number),
                                 "Dernier import": by["last"].map(fmt.local_day)}),
                   numeric=("Lots d'import", "Lignes utilisées"))]
