"""The indicator tracking table as an Excel workbook: one sheet per campus, one row per indicator, its reference,
then each year's target, actual and share of the target (numbers formatted as %), its running totals, where it
stands and its narrative; the header row and the indicator's columns frozen."""
from __future__ import annotations

import pandas as pd

from cmq.core import fmt, queries, steering
from cmq.outputs import export, tables
from cmq.outputs.export import ExportError


def sheets(df: pd.DataFrame, year: int, data_date: str) -> list[export.Sheet]:
    """One sheet per campus of the query's rows, the years up to `year`."""
    out, taken = [], set()
    wide = tables.iptt_wide(df, upto=year)
    for campus, g in wide.groupby("Campus", sort=True):
        table = g.drop(columns=["Campus"]).copy()
        yes_no = table.pop("unit") == "oui_non"
        for c in [c for c in table.columns if c.startswith(("Cible ", "Réalisé ", "Cumul ", "Référence"))]:
            table[c] = [("oui" if v else "non") if flag and not fmt.missing(v) else v for v, flag in zip(table[c], yes_no)]
        table["Cumulatif"] = table["Cumulatif"].map(lambda v: "oui" if v else "non")
        table = table.rename(columns={"Année lue": "Dernière année renseignée", "État": f"État en {year}"})
        heading = [f"Tableau de suivi des indicateurs – campus {campus} – jusqu'en {year}",
                   f"Données au {data_date}. « % » : part de la cible atteinte (pour un indicateur cumulatif, de la "
                   f"cible cumulée). En bonne voie : au moins {fmt.percent(steering.ON_TRACK)} de la cible (au plus "
                   f"{fmt.percent(steering.ON_TRACK_DOWN)} pour un indicateur à la baisse)."]
        out.append(export.Sheet(export.sheet_name(str(campus), taken), heading, table,
                                percent=tuple(c for c in table.columns if c.startswith("% ")), frozen_columns=3))
    return out


def workbook(store, scope: str, year: int, sight=None) -> bytes:
    """The workbook for the region (every campus `sight` reads) or one campus, the years up to `year`."""
    campuses = queries.run("campuses", store=store, sight=sight)
    if scope != "region" and scope not in set(campuses["campus_id"]):
        raise ExportError(f"Campus inconnu : « {scope} ». Périmètres possibles : region, "
                          f"{', '.join(campuses['campus_id'][:12])}.")
    rows = queries.run("iptt", store=store, sight=sight, campus=None if scope == "region" else scope)
    if rows.empty or rows["year"].min() > year:
        raise ExportError(f"Aucune valeur ni cible d'indicateur jusqu'en {year} pour ce périmètre.")
    freshness = queries.run("data_freshness", store=store, sight=sight)
    last = freshness["last_commit"].iloc[0] if "last_commit" in freshness and len(freshness) else None
    return export.xlsx_bytes(sheets(rows, year, fmt.local_day(last)))
